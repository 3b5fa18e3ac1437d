"""Best-mode adaptation on the bundled demo region with the real offline backbone (slow: extraction).
Features alone first, then the product pipeline with geometric anchors.

Measured (training/compare_methods.py style, seeds 0 and 1): frozen features with 8 tile rotations
36.1 R@1, best mode 44.4 R@1 — the tests assert floors a few points under what is measured."""

from pathlib import Path

import numpy as np
import pytest

from geolocator.core.adapt import adapt
from geolocator.core.queries import load_region

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
pytestmark = pytest.mark.slow


def recall_at_1(sims, region) -> float:
    tiles = region.tiles.tiles
    hits = []
    for query, row in zip(region.queries, sims):
        best = tiles[int(np.argmax(row))]
        hits.append(best.id == query.truth_tile or (query.truth is not None and best.bounds.contains(query.truth)))
    return 100 * float(np.mean(hits))


def test_best_mode_beats_frozen_features_on_demo(tmp_path):
    from geolocator.core.backbones import load_backbone
    from geolocator.core.extract import VIEWS, extract_features

    region = load_region(DEMO)
    backbone = load_backbone("efficientnet_lite0", device="cpu")
    tiles = extract_features(region.tiles.tiles, backbone, views=VIEWS).features
    photos = extract_features(region.queries, backbone, views=("rot0",)).features[:, 0]
    vanilla = recall_at_1(np.einsum("qd,nvd->qnv", photos, tiles).max(axis=2), region)
    adapter = adapt(tiles, photos, mode="best", seed=0, device="cpu")  # features only: no truth
    t, q = adapter.transform_tiles(tiles), adapter.transform_queries(photos)
    adapted = recall_at_1(np.einsum("qd,nvd->qnv", q, t).max(axis=2), region)
    # measured 2026-11-30: 36.1 frozen (8 tile views), 44.4 adapted (seeds 0 and 1)
    assert vanilla >= 33 and adapted >= 41, (vanilla, adapted)


def test_default_adaptation_lifts_the_verified_pipeline_on_demo(tmp_path):
    """The product path (`geolocator eval --adapt`): geometric verification at locate time in both
    runs; adaptation adds geometric anchors and photo-to-photo chains. Measured: R@1 85.2 -> 97.2
    with tiles at 8 headings (training/results/compare_pipeline.md), 80.6 -> 98.1 with photos at 8
    headings instead (photo_rotation.md), so a +5 point margin is asserted."""
    from geolocator.core.pipeline import Settings, Workspace

    region = load_region(DEMO)
    ws = Workspace(Settings(backbone="efficientnet_lite0", device="cpu", cache_dir=tmp_path / "cache",
                            adapter_dir=tmp_path / "adapters"))
    ws.open_tiles(region.tiles)
    ws.locate(region.queries)
    frozen = ws.evaluate().r1
    adapter = ws.adapt(region.queries, mode="best", seed=0)
    geometry = adapter.card["geometry"]
    assert geometry["used"] and geometry["chained"] > 0
    ws.locate(region.queries)
    adapted = ws.evaluate().r1
    # absolute floors (a "+5" let a 7-point loss pass): measured 2026-11-30 85.2 frozen + verification,
    # 97.2 / 98.1 adapted (seeds 0 / 1; training/results/compare_pipeline.md)
    assert frozen >= 82 and adapted >= 94, (frozen, adapted)

    # Cancel while photos are being placed by geometry: no adapter file, the adapter in use stays.
    from geolocator.core.errors import Cancelled
    from geolocator.core.progress import CancelToken

    token, stages = CancelToken(), []

    def progress(event):
        stages.append(event.stage)
        if event.stage == "geometry":
            token.cancel()

    out = tmp_path / "cancelled.safetensors"
    with pytest.raises(Cancelled):
        ws.adapt(region.queries, mode="best", seed=1, save_to=out, progress=progress, cancel=token)
    assert stages.count("geometry") == 1 and "adapt" not in stages  # stopped within one photo
    assert not out.exists() and not list(tmp_path.glob("*.part")) and ws.adapter is adapter
