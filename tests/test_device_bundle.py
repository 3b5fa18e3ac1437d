"""training/device_bundle.py: the regions cut for the GPU machine keep the photos compare_matchers
scores, with their truth; the faiss stand-in answers as faiss's flat inner-product index."""

from __future__ import annotations

import importlib.util
import sys
import types
from pathlib import Path

import numpy as np

from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]


def _bundle():
    spec = importlib.util.spec_from_file_location("device_bundle", ROOT / "training" / "device_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cut_region_keeps_evenly_spaced_photos_and_their_truth(tmp_path):
    bundle = _bundle()
    demo = ROOT / "resources" / "demo"
    assert bundle.cut_region(demo, tmp_path / "demo", 5) == 5
    full, cut = load_region(demo), load_region(tmp_path / "demo")
    want = [full.queries[i] for i in bundle.evenly_spaced(len(full.queries), 5)]
    assert [q.path.name for q in cut.queries] == [q.path.name for q in want]
    assert len(cut.tiles.tiles) == len(full.tiles.tiles)
    for got, ref in zip(cut.queries, want):  # truth travels with its photo
        assert (got.truth, got.truth_tile) == (ref.truth, ref.truth_tile) and got.truth is not None


def test_faiss_standin_matches_faiss(tmp_path):
    import faiss

    bundle = _bundle()
    standin = types.ModuleType("faiss_standin")
    exec(bundle.FAISS_STANDIN, standin.__dict__)
    rng = np.random.default_rng(0)
    base, queries = rng.normal(size=(50, 16)).astype(np.float32), rng.normal(size=(7, 16)).astype(np.float32)
    ours, theirs = standin.IndexFlatIP(16), faiss.IndexFlatIP(16)
    ours.add(base)
    theirs.add(base)
    assert ours.ntotal == theirs.ntotal == 50
    (d1, i1), (d2, i2) = ours.search(queries, 5), theirs.search(queries, 5)
    assert np.array_equal(i1, i2)
    assert np.allclose(d1, d2, atol=1e-4)
    assert "faiss_standin" not in sys.modules  # never importable as faiss here
