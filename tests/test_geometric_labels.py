"""Geometric pseudo-labels on real demo tiles seen through known homographies: direct matches,
photo-to-photo chains, and the tile under the photo's centre."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core.adapt.geometric import GeometrySettings, geometric_labels
from geolocator.core.model import Query
from geolocator.core.pipeline import Workspace
from geolocator.core.rerank import Verifier
from geolocator.core.tilesets import load_tiles_csv

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
LEFT, RIGHT, FAR = 7, 8, 30  # r01_c01, its eastern neighbour r01_c02, a tile far away


@pytest.fixture(scope="module")
def tileset():
    return load_tiles_csv(DEMO / "tiles.csv")


def _render(image: np.ndarray, quad, out: Path, turn: int) -> None:
    """A 320x240 'drone photo' of the quad (tile pixels), turned by `turn` degrees."""
    to_photo = cv2.getPerspectiveTransform(np.float32(quad), np.float32([[0, 0], [320, 0], [320, 240], [0, 240]]))
    Image.fromarray(cv2.warpPerspective(image, to_photo, (320, 240))).rotate(turn).save(out, quality=90)


def _tile_pixels(tileset, index: int) -> np.ndarray:
    return np.asarray(Image.open(tileset.tiles[index].path).convert("RGB"))


def test_a_photo_that_matches_no_tile_is_placed_through_a_photo_that_does(tileset, tmp_path):
    tile = _tile_pixels(tileset, LEFT)
    _render(tile, [[40, 30], [230, 50], [200, 236], [10, 206]], tmp_path / "a.jpg", 0)
    _render(tile, [[50, 20], [240, 40], [215, 230], [25, 210]], tmp_path / "b.jpg", 90)
    photos = [Query("a.jpg", tmp_path / "a.jpg"), Query("b.jpg", tmp_path / "b.jpg")]
    # the global ranking failed photo b: its true tile is not among its candidates
    candidates = np.array([[LEFT, FAR], [FAR, 20]])
    labels = geometric_labels(photos, tileset, candidates, np.ones((2, 2)), Verifier(), GeometrySettings(anchor_inliers=12))
    assert labels[0].tile == LEFT and labels[0].via is None
    assert labels[1].tile == LEFT and labels[1].via == 0
    alone = geometric_labels(photos[1:], tileset, candidates[1:], np.ones((1, 1)), Verifier())
    assert alone == [None]  # nothing to chain through: no label rather than a guess


def test_the_label_is_the_tile_under_the_photo_centre_not_the_best_match(tileset, tmp_path):
    mosaic = np.concatenate([_tile_pixels(tileset, LEFT), _tile_pixels(tileset, RIGHT)], axis=1)
    # most of the footprint lies in the left tile, the centre (x ~ 282 px) in the right one
    _render(mosaic, [[150, 40], [400, 40], [400, 220], [150, 220]], tmp_path / "edge.jpg", 45)
    photo = [Query("edge.jpg", tmp_path / "edge.jpg")]
    labels = geometric_labels(photo, tileset, np.array([[LEFT, FAR]]), np.ones((1, 1)), Verifier())
    assert labels[0] is not None and labels[0].tile == RIGHT


def test_locate_moves_a_verified_match_to_the_tile_under_the_centre(tileset):
    ws = Workspace()
    ws.open_tiles(tileset)
    right = tileset.tiles[RIGHT].bounds
    inside_right = right.point_at(0.2, 0.5)
    candidates = np.array([[LEFT, FAR, 20]])
    counts = np.array([[30, 9, 0]])
    grounds = np.array([[inside_right, None, None]], dtype=object)
    ids, inliers, ground, _ = ws._tile_under_centre(candidates, counts, grounds, min_inliers=8)
    assert RIGHT in ids[0] and FAR in ids[0]  # the right tile took the weakest other slot (20)
    slot = list(ids[0]).index(RIGHT)
    assert inliers[0, slot] > 30 and ground[0, slot] == inside_right
    # a weak best match moves nothing
    same = ws._tile_under_centre(candidates, np.array([[7, 5, 0]]), grounds, min_inliers=8)[0]
    np.testing.assert_array_equal(same, candidates)


def test_weak_matches_count_except_for_photos_the_adapter_learned(tileset, tmp_path):
    from geolocator.core.cache import file_key
    from geolocator.core.rerank import verified_ranking

    learned, new = tmp_path / "learned.jpg", tmp_path / "new.jpg"
    for p in (learned, new):
        p.write_bytes(b"x")
    photos = [Query("learned.jpg", learned), Query("new.jpg", new)]

    class Adapter:  # what locate reads of an adapter trained with geometric anchors
        card = {"anchored_photos": [file_key(photos[0].path)]}

    ws = Workspace()
    ws.open_tiles(tileset)
    assert list(ws._min_inliers(photos)) == [8, 8]  # no adapter
    ws._adapter = Adapter()
    strong, weak = ws.verifier.settings.min_inliers_adapted, ws.verifier.settings.min_inliers
    assert list(ws._min_inliers(photos)) == [strong, weak]
    # the same 10-inlier match lifts its tile for the new photo only
    sim = np.zeros((2, len(tileset)))
    sim[:, 0] = 0.9
    ranking = verified_ranking(sim, np.array([[5], [5]]), np.array([[10], [10]]), ws._min_inliers(photos))
    assert ranking[0].argmax() == 0 and ranking[1].argmax() == 5
