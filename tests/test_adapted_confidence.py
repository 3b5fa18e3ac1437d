"""Issue 9 §4 for the adapted pipeline: the Point rule measured on the public regions in mode
best (training/results/calibration.md). Fast: no backbone, no images."""

from pathlib import Path

import numpy as np

from geolocator.core.model import Query, TileSet
from geolocator.core.pipeline import Workspace
from geolocator.core.predict import predict
from tests.helpers import grid_tiles


def _workspace_with_adapter(photo: Path) -> Workspace:
    from geolocator.core.cache import file_key

    class Adapter:  # what locate reads of an adapter trained with geometric anchors
        card = {"anchored_photos": [file_key(photo)]}

    ws = Workspace()
    ws.open_tiles(TileSet(tuple(grid_tiles(5, 5)), Path("tiles")))  # 0 and 24: corners, far from 12
    ws._adapter = Adapter()
    return ws


def test_a_weak_match_on_the_adapters_own_top_tile_gives_the_point(tmp_path):
    """For a photo the adapter learned, 8-11 inliers do not lift a tile over the adapted ranking
    (rank stays the adapter's), but when the top tile itself has them its homography is the
    Point and the photo is verified (34 such photos in mode best, all right)."""
    photo = tmp_path / "learned.jpg"
    photo.write_bytes(b"x")
    ws = _workspace_with_adapter(photo)
    q = Query("learned.jpg", photo)
    rank_min = ws._min_inliers([q])
    assert list(rank_min) == [ws.verifier.settings.min_inliers_adapted]
    point_min = ws._point_min_inliers(rank_min)
    assert list(point_min) == [ws.verifier.settings.min_inliers]
    tiles = ws.tileset.tiles
    ground = tiles[12].bounds.point_at(0.3, 0.6)
    scores, ids = np.array([[0.8, 0.5, 0.4]]), np.array([[12, 0, 24]])
    (p,) = predict([q], tiles, scores, ids, np.array([[10, 0, 0]]), [[ground, None, None]], point_min)
    assert p.status == "verified" and p.location == ground and p.location_source == "homography"
    # a rival elsewhere with as many inliers leaves it unsure (margin 0)
    (p,) = predict([q], tiles, scores, ids, np.array([[10, 0, 10]]), [[ground, None, None]], point_min)
    assert p.confidence <= 0.3
