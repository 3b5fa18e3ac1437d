"""Adaptation never reads the truth when it comes from the photos' own EXIF GPS (the slow CLI test
covers truth.csv): the same photos with and without their GPS truth give bit-identical adapters,
through geometric anchors and the feature E-step, on the demo's committed features."""

from __future__ import annotations

import dataclasses
import shutil

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.queries import load_region
from geolocator.core.tilesets import load_tiles_csv

from .demo_features import DEMO, DemoWorkspace, load_demo_features
from geolocator.core.pipeline import Settings


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    d = int(value)
    m = int((value - d) * 60)
    return float(d), float(m), (value - d - m / 60) * 3600


@pytest.fixture(scope="module")
def exif_region(tmp_path_factory):
    """A copy of 12 demo photos and all tiles whose only truth is EXIF GPS in each photo."""
    root = tmp_path_factory.mktemp("exif-region")
    shutil.copytree(DEMO / "tiles", root / "tiles")
    shutil.copy(DEMO / "tiles.csv", root / "tiles.csv")
    demo = load_region(DEMO)
    for q in demo.queries[::9]:
        exif = Image.Exif()
        exif[images.GPS_IFD] = {1: "N" if q.truth.lat >= 0 else "S", 2: _dms(q.truth.lat),
                                3: "E" if q.truth.lon >= 0 else "W", 4: _dms(q.truth.lon)}
        out = root / "queries" / q.path.name
        out.parent.mkdir(exist_ok=True)
        with Image.open(q.path) as im:
            im.save(out, quality=95, exif=exif)
    return root


def _adapter(root, queries, features, tmp_path, tag):
    ws = DemoWorkspace(Settings(device="cpu", cache_dir=tmp_path / "cache", adapter_dir=tmp_path / tag,
                                verify_candidates=6), features)
    ws.open_tiles(load_tiles_csv(root / "tiles.csv"))
    adapter = ws.adapt(queries, mode="best", steps=3, seed=0, geometric=True, save_to=tmp_path / f"{tag}.safetensors")
    return adapter


@pytest.mark.slow  # geometry on 12 photos: ~15 s of CPU
def test_adapters_are_bit_identical_with_and_without_exif_truth(exif_region, tmp_path):
    features = load_demo_features()
    region = load_region(exif_region)
    with_truth = region.queries
    assert len(with_truth) == 12 and all(q.truth_source == "exif" and q.truth is not None for q in with_truth)
    demo_truth = {q.path.name: q.truth for q in load_region(DEMO).queries}
    for q in with_truth:  # the EXIF carries the real answer (to a few cm)
        assert abs(q.truth.lat - demo_truth[q.path.name].lat) < 1e-6
    blind = [dataclasses.replace(q, truth=None, truth_source=None) for q in with_truth]

    a = _adapter(exif_region, with_truth, features, tmp_path, "with")
    b = _adapter(exif_region, blind, features, tmp_path, "blind")
    assert a.card["geometry"]["used"] and a.card["geometry"]["direct"] > 0  # geometry did run
    for key in ("geometry", "anchored_photos", "queries_fingerprint", "geometric_anchors"):
        assert a.card[key] == b.card[key], key
    sa, sb = a.model.state_dict(), b.model.state_dict()
    assert sa.keys() == sb.keys()
    for name in sa:
        np.testing.assert_array_equal(sa[name].numpy(), sb[name].numpy())
