"""Geometric verification on a real demo tile seen through a known homography."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core.rerank import Verifier, VerifySettings, local_features, verified_ranking, verify_pair
from geolocator.core.model import Query
from geolocator.core.tilesets import load_tiles_csv

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


@pytest.fixture(scope="module")
def tiles():
    return load_tiles_csv(DEMO / "tiles.csv").tiles


def _oblique_view(tile_path: Path, out: Path) -> np.ndarray:
    """Render a rotated, tilted view of a tile; returns the homography photo -> tile (pixels)."""
    src = np.asarray(Image.open(tile_path).convert("RGB"))
    h, w = src.shape[:2]
    corners = np.float32([[40, 30], [w - 20, 50], [w - 60, h - 20], [10, h - 50]])  # a skewed quad in the tile
    photo = np.float32([[0, 0], [320, 0], [320, 240], [0, 240]])
    tile_to_photo = cv2.getPerspectiveTransform(corners, photo)
    Image.fromarray(cv2.warpPerspective(src, tile_to_photo, (320, 240))).rotate(180).save(out, quality=85)
    rot = np.array([[-1, 0, 320], [0, -1, 240], [0, 0, 1]], np.float64)  # the 180-degree turn, undone
    return np.linalg.inv(tile_to_photo) @ rot


def test_verified_pair_has_many_inliers_and_maps_the_centre(tiles, tmp_path):
    photo_path = tmp_path / "photo.jpg"
    photo_to_tile = _oblique_view(tiles[7].path, photo_path)
    settings = VerifySettings()
    photo = local_features(photo_path, None, settings)
    same = verify_pair(photo, local_features(tiles[7].path, None, settings), settings)
    other = verify_pair(photo, local_features(tiles[30].path, None, settings), settings)
    assert same.inliers >= 2 * settings.min_inliers
    assert other.inliers < settings.min_inliers
    x, y, z = photo_to_tile @ np.array([160.0, 120.0, 1.0])
    with Image.open(tiles[7].path) as im:
        expected = (x / z / im.width, y / z / im.height)
    assert same.centre == pytest.approx(expected, abs=0.02)


def test_verifier_and_ranking_put_the_verified_tile_first(tiles, tmp_path):
    photo_path = tmp_path / "photo.jpg"
    _oblique_view(tiles[3].path, photo_path)
    candidates = np.array([[10, 3, 20]])
    checks = Verifier().verify([Query("photo.jpg", photo_path)], tiles, candidates)
    counts = np.array([[c.inliers for c in checks[0]]])
    sim = np.zeros((1, len(tiles)))
    sim[0, 10], sim[0, 3], sim[0, 20] = 0.9, 0.5, 0.8  # the global features preferred the wrong tiles
    ranking = verified_ranking(sim, candidates, counts, min_inliers=15)
    assert int(np.argmax(ranking[0])) == 3
    unverified = [i for i in range(len(tiles)) if i != 3]
    assert np.argsort(-ranking[0][unverified])[0] == unverified.index(10)  # the rest keep cosine order


def test_unreadable_photo_keeps_its_global_ranking(tiles, tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    checks = Verifier().verify([Query("bad.jpg", bad)], tiles, np.array([[0, 1]]))
    assert [c.inliers for c in checks[0]] == [0, 0]


def test_an_unreadable_tile_verifies_nothing_instead_of_failing(tiles, tmp_path):
    from geolocator.core.model import Tile

    photo_path = tmp_path / "photo.jpg"
    _oblique_view(tiles[3].path, photo_path)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not a jpeg")
    gallery = [tiles[3], Tile("broken.jpg", broken, tiles[4].bounds)]
    checks = Verifier().verify([Query("photo.jpg", photo_path)], gallery, np.array([[1, 0]]))
    assert checks[0][0].inliers == 0 and checks[0][1].inliers >= 8
