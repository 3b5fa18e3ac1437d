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


# -- plausibility follows geometry, not a fixed area ----------------------------------------------
from geolocator.core.rerank import _plausible, expected_area_share, working_size  # noqa: E402


def _similarity(scale, angle_deg=30.0, shift=(100.0, 80.0)):
    a = np.deg2rad(angle_deg)
    return np.array([[scale * np.cos(a), -scale * np.sin(a), shift[0]], [scale * np.sin(a), scale * np.cos(a), shift[1]], [0, 0, 1]])


def test_plausibility_accepts_any_sane_scale_and_rejects_impossible_views():
    s, photo, tile = VerifySettings(), (512, 384), (256, 256)
    tile_area = 256 * 256
    for share in (0.05, 0.3, 1.0, 3.0, 9.0):  # a quarter-tile-wide photo up to one 3 tiles across
        scale = np.sqrt(share * tile_area / (512 * 384))
        assert _plausible(_similarity(scale), photo, tile, s), share
    mirror = _similarity(0.5) @ np.diag([-1.0, 1.0, 1.0])
    assert not _plausible(mirror, photo, tile, s)  # a mirror image is no camera view
    sliver = np.diag([1.0, 0.02, 1.0])
    assert not _plausible(sliver, photo, tile, s)
    behind = np.array([[1, 0, 0], [0, 1, 0], [0.004, 0, -1.0]])  # the horizon crosses the photo
    assert not _plausible(behind, photo, tile, s)
    assert not _plausible(_similarity(0.001), photo, tile, s)  # collapsed to a dot


def test_plausibility_follows_the_footprint_when_it_is_known():
    s, photo, tile = VerifySettings(), (512, 384), (256, 256)
    share = expected_area_share(150.0, photo, (50.0, 50.0))  # 150 m across on 50 m tiles
    assert share == pytest.approx(9 * 0.75)
    scale = np.sqrt(share * 256 * 256 / (512 * 384))
    assert _plausible(_similarity(scale), photo, tile, s, share)
    assert not _plausible(_similarity(scale / 6), photo, tile, s, share)  # far smaller than it can be


def test_oblique_outline_is_accepted():
    """An oblique view's far edge maps to more ground than its near edge: a trapezoid spanning
    several tiles' area is a right answer (shared/oblique-views.md), not a chance fit."""
    s, photo = VerifySettings(), (512, 384)
    quad = np.float32([[-300, -200], [556, -200], [356, 200], [-100, 200]])  # far edge 2x the near edge
    h = cv2.getPerspectiveTransform(np.float32([[0, 0], [512, 0], [512, 384], [0, 384]]), quad)
    assert _plausible(h, photo, (256, 256), s)


def test_working_size_is_camera_independent():
    assert working_size((5472, 3648), 512) == working_size((866, 577), 512) == (512, 341)
    assert working_size((384, 288), 512) == (384, 288)  # never enlarged


# -- photos at any scale against real demo tiles ---------------------------------------------------
def _demo_mosaic(tiles):
    """The 6 x 6 demo tiles as one north-up image, with a pixel -> (lat, lon) map."""
    west = min(t.bounds.west for t in tiles)
    east = max(t.bounds.east for t in tiles)
    south = min(t.bounds.south for t in tiles)
    north = max(t.bounds.north for t in tiles)
    px = 256
    cols = round((east - west) / (tiles[0].bounds.east - tiles[0].bounds.west))
    rows = round((north - south) / (tiles[0].bounds.north - tiles[0].bounds.south))
    canvas = np.zeros((rows * px, cols * px, 3), np.uint8)
    for t in tiles:
        c = round((t.bounds.west - west) / (east - west) * cols)
        r = round((north - t.bounds.north) / (north - south) * rows)
        canvas[r * px:(r + 1) * px, c * px:(c + 1) * px] = np.asarray(Image.open(t.path).convert("RGB").resize((px, px)))

    def to_latlon(x, y):
        from geolocator.core.model import LatLon

        return LatLon(north - y / canvas.shape[0] * (north - south), west + x / canvas.shape[1] * (east - west))

    return canvas, to_latlon


def _render(canvas, centre_xy, width_px, out, angle=35.0, size=(640, 480), blur=0.0):
    """A nadir photo `width_px` mosaic pixels across centred at `centre_xy`, turned by `angle`."""
    w, h = size
    scale = w / width_px
    m = cv2.getRotationMatrix2D(centre_xy, angle, scale)
    m[:, 2] += (w / 2 - centre_xy[0], h / 2 - centre_xy[1])
    photo = cv2.warpAffine(canvas, m, size, flags=cv2.INTER_CUBIC)
    if blur:
        photo = cv2.GaussianBlur(photo, (0, 0), blur)
    Image.fromarray(photo).save(out, quality=90)
    return out


def _place(tiles, photo_path, footprint_m=None):
    """Verify the photo against the tiles (every third one and those under its middle, as a global
    ranking would propose; all 36 would only slow the test): (inliers, centre's ground point) of
    the best."""
    candidates = sorted(set(range(0, len(tiles), 3)) | {13, 14, 19, 20})
    checks = Verifier().verify_photo(Query(photo_path.name, photo_path), tiles, candidates, footprint_m)
    best = int(np.argmax([c.inliers for c in checks]))
    c = checks[best]
    tile = tiles[candidates[best]]
    return c.inliers, (tile.bounds.point_at(*c.centre) if c.centre else None)


@pytest.mark.slow
@pytest.mark.parametrize("tiles_across,blur", [(3.0, 0.0), (0.25, 2.5)])
def test_photo_three_tiles_or_a_quarter_tile_across_is_placed(tiles, tmp_path, tiles_across, blur):
    """A high flight (footprint 3 tiles) and a low one (a quarter of a tile, blurry at the tile's
    scale) both put the photo's centre within a couple of metres of the truth."""
    from geolocator.core.geo import haversine_m

    canvas, to_latlon = _demo_mosaic(tiles)
    centre = (700.0, 820.0)  # away from any tile corner
    photo = _render(canvas, centre, tiles_across * 256, tmp_path / "p.jpg", blur=blur)
    inliers, ground = _place(tiles, photo)
    assert inliers >= VerifySettings().min_inliers and ground is not None
    assert haversine_m(ground, to_latlon(*centre)) < 3.0


@pytest.mark.slow
def test_same_photo_at_20mp_and_half_a_megapixel_gives_the_same_place(tiles, tmp_path):
    from geolocator.core.geo import haversine_m

    canvas, to_latlon = _demo_mosaic(tiles)
    centre = (900.0, 500.0)
    small = _render(canvas, centre, 256, tmp_path / "small.jpg", size=(866, 577))
    big = _render(canvas, centre, 256, tmp_path / "big.jpg", size=(5472, 3648))
    (n_small, g_small), (n_big, g_big) = _place(tiles, small), _place(tiles, big)
    assert min(n_small, n_big) >= 2 * VerifySettings().min_inliers
    assert haversine_m(g_small, g_big) < 1.0
    assert haversine_m(g_big, to_latlon(*centre)) < 1.5


# -- added for the mutation run's survivors (rerank.py, session 4) -----------------------------------
def test_expected_area_share_of_a_footprint():
    from geolocator.core.rerank import expected_area_share

    # 60 m across a 4:3 photo covers 60 x 45 m of a 100 x 50 m tile: 0.54 of it
    assert expected_area_share(60.0, (400, 300), (100.0, 50.0)) == pytest.approx(0.54)
    assert expected_area_share(0.6, (400, 300), (0.8, 0.5)) == pytest.approx(0.6 * 0.45 / 0.4)  # sub-metre tiles
    for footprint, ground in ((None, (100.0, 100.0)), (0.0, (100.0, 100.0)), (60.0, None), (60.0, (0.0, 100.0)),
                              (60.0, (100.0, -1.0))):
        assert expected_area_share(footprint, (400, 300), ground) is None


def test_verified_ranking_scores_and_leaves_the_similarity_alone():
    sim = np.array([[0.5, 0.9, -0.2, 0.1], [0.3, 0.2, 0.1, 0.0]], np.float64)
    before = sim.copy()
    candidates = np.array([[0, 2], [3, 1]])
    inliers = np.array([[15, 14], [20, 30]])
    ranking = verified_ranking(sim, candidates, inliers, min_inliers=np.array([15, 25]))  # one threshold per photo
    np.testing.assert_array_equal(sim, before)  # the caller's cosines are not modified (float64 in: still a copy)
    # verified (>= its photo's threshold, equality included): cosine + 2 + inliers; the rest keep their cosine
    np.testing.assert_allclose(ranking, [[0.5 + 2 + 15, 0.9, -0.2, 0.1], [0.3, 0.2 + 2 + 30, 0.1, 0.0]])
    assert ranking.dtype == np.float64
    assert np.argsort(-ranking[0], kind="stable").tolist() == [0, 1, 3, 2]


def test_photo_centre_in_is_the_projective_image_of_the_centre():
    from types import SimpleNamespace

    from geolocator.core.rerank import photo_centre_in

    photo, tile = SimpleNamespace(size=(100, 50)), SimpleNamespace(size=(200, 100))
    h = 2.0 * np.array([[1.0, 0.0, 10.0], [0.0, 1.0, 20.0], [0.0, 0.0, 1.0]])  # a translation, scaled: z = 2
    assert photo_centre_in(h, photo, tile) == pytest.approx((60 / 200, 45 / 100))
    at_infinity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    assert photo_centre_in(at_infinity, photo, tile) is None
