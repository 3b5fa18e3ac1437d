"""Exact answers of core/rerank.py worked out by hand: the plausibility rule's boundaries, SIFT
verification of synthetic keypoints with known correspondences (no image decoded), and the
Verifier's bookkeeping (caches, stop, fine pass, learned order, progress) with fake matchers and
fake keypoint readers, so no backbone runs (written for the survivors of session 7's mutation run
of rerank.py)."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from geolocator.core import rerank
from geolocator.core.errors import Cancelled
from geolocator.core.matchers import verify as learned
from geolocator.core.model import Bounds, PixelWindow, Query, Tile
from geolocator.core.progress import CancelToken
from geolocator.core.rerank import (
    LEARNED_STOP_INLIERS,
    LocalFeatures,
    Verification,
    Verifier,
    VerifySettings,
    _plausible,
    _signed_area,
    image_local_features,
    photo_centre_in,
    photo_corners_in,
    query_footprint_m,
    verify_pair,
    widen_unverified,
    working_size,
)

# -- settings ------------------------------------------------------------------------------------------


def test_default_settings_are_the_documented_ones():
    s = VerifySettings()
    assert (s.candidates, s.max_side, s.n_features, s.ratio, s.ransac_px) == (20, 512, 1500, 0.85, 8.0)
    assert (s.min_inliers, s.min_inliers_adapted, s.min_area, s.max_area) == (8, 12, 0.02, 16.0)
    assert (s.footprint_tolerance, s.max_side_ratio) == (2.5, 8.0)
    assert (s.fine_pass, s.fine_contrast, s.fine_tile_zoom, s.fine_candidates, s.fine_n_features) == (True, 0.01, 2.0, 20, 1000)
    assert s.fine_below == 12 and s.fine_threshold() == 12  # session 10: weak matches no longer stop the fine pass
    assert (s.matcher, s.headings, s.device, s.keypoint_cache, s.glue_keypoints, s.stop_inliers) == ("sift", 4, "cpu", None, 512, None)
    assert LEARNED_STOP_INLIERS == 40


def test_stop_at_an_explicit_count_whatever_the_backend():
    assert VerifySettings().stop_at() == 0  # SIFT: never stops early
    assert VerifySettings(stop_inliers=5).stop_at() == 5
    assert VerifySettings(matcher="disk").stop_at() == 40


def test_local_features_views_are_not_compared_and_verification_corners_are():
    a = LocalFeatures(np.zeros((0, 2)), np.zeros((0, 128)), (1, 1), views=(1,))
    b = LocalFeatures(a.points, a.descriptors, (1, 1), views=(2,))
    assert a == b and LocalFeatures(a.points, a.descriptors, (1, 1)).views == ()
    assert Verification(3, (0.5, 0.5), np.eye(3)) == Verification(3, (0.5, 0.5), 2 * np.eye(3))
    assert Verification(3, corners=((0.0, 0.0),)) == Verification(3, corners=((1.0, 0.0),))  # outline: not compared
    v = Verification(3)
    assert (v.centre, v.homography, v.corners) == (None, None, None)


# -- working_size / _signed_area -----------------------------------------------------------------------


def test_working_size_by_hand():
    assert working_size((1000, 500), 512) == (512, 256)
    assert working_size((500, 1000), 512) == (256, 512)
    assert working_size((100, 50), 512) == (100, 50)  # never enlarged
    assert working_size((1001, 333), 500) == (500, 166)  # 333 * 500 / 1001 = 166.3
    assert working_size((1001, 335), 500) == (500, 167)  # 167.3 ... 335*500/1001 = 167.33
    assert working_size((3, 1000), 10) == (1, 10)  # 0.03 rounds to 0: at least one pixel
    assert working_size((1000, 2), 512) == (512, 1)  # 1.024 rounds to 1


def test_signed_area_sign_is_the_vertex_order():
    square = np.array([[0, 0], [2, 0], [2, 3], [0, 3]], np.float64)
    assert _signed_area(square) == 6.0
    assert _signed_area(square[::-1]) == -6.0
    assert _signed_area(np.array([[0, 0], [4, 0], [0, 1]], np.float64)) == 2.0


# -- _plausible: every rule at its boundary ----------------------------------------------------------


def _ok(h, photo=(100, 100), tile=(100, 100), share=None, **kw):
    return _plausible(np.asarray(h, np.float64), photo, tile, VerifySettings(**kw), share)


def test_identity_is_plausible_and_a_mirror_is_not():
    assert _ok(np.eye(3))
    assert not _ok(np.diag([-1.0, 1.0, 1.0]) + np.array([[0, 0, 100], [0, 0, 0], [0, 0, 0]]))


def test_corners_exactly_on_the_horizon_margin_are_refused():
    # z = 1e-9 (or -1e-9) at every corner: neither > 1e-9 nor < -1e-9; the outline itself is the photo's
    assert not _ok(np.diag([1e-9, 1e-9, 1e-9]))
    assert not _ok(np.diag([-1e-9, -1e-9, -1e-9]))
    assert not _ok(np.diag([1e-10, 1e-10, 1e-10]))
    assert _ok(np.diag([2e-9, 2e-9, 2e-9])) and _ok(-np.eye(3))  # all behind the camera alike: the same view


def test_a_corner_through_the_horizon_or_a_non_finite_homography_is_refused():
    # z = 1 - x / 60: positive at x = 0, negative at x = 100
    assert not _ok([[1, 0, 0], [0, 1, 0], [-1 / 60, 0, 1]])
    assert not _ok([[np.nan, 0, 0], [0, 1, 0], [0, 0, 1]])
    assert not _ok([[np.inf, 0, 0], [0, 1, 0], [0, 0, 1]])


def test_side_ratio_exactly_eight_passes_and_above_does_not():
    # an 800 x 100 photo on an 800 x 800 tile: sides 800, 100 (ratio 8.0), share 0.125
    assert _ok(np.eye(3), photo=(800, 100), tile=(800, 800))
    assert not _ok(np.eye(3), photo=(801, 100), tile=(800, 800))
    assert not _ok(np.eye(3), photo=(800, 100), tile=(800, 800), max_side_ratio=7.99)


def test_a_collapsed_side_is_refused():
    # corners TL and TR on one point: a triangle with a zero side
    import cv2

    src = np.float32([[0, 0], [100, 0], [100, 100], [0, 100]])
    dst = np.float32([[50, 0], [50.0, 0], [100, 100], [0, 100]])
    h = cv2.getPerspectiveTransform(src, dst) if np.linalg.matrix_rank(np.c_[dst, np.ones(4)]) == 3 else None
    if h is not None:
        assert not _ok(h)


def test_area_bounds_are_strict_without_a_footprint():
    # identity on a 100 x 100 tile: share exactly 1.0
    assert not _ok(np.eye(3), min_area=1.0) and _ok(np.eye(3), min_area=0.99)
    assert not _ok(np.eye(3), max_area=1.0) and _ok(np.eye(3), max_area=1.01)
    # 10000 / 500000 = 0.02 exactly: the default min_area is not below it
    assert not _ok(np.eye(3), tile=(100, 5000)) and _ok(np.eye(3), tile=(100, 5000), min_area=0.0199)


def test_footprint_bounds_are_strict():
    # share 1.0; tolerance 2 -> t^2 = 4: expected 4 puts the lower bound at 1.0, expected 0.25 the upper
    assert not _ok(np.eye(3), share=4.0, footprint_tolerance=2.0)
    assert not _ok(np.eye(3), share=0.25, footprint_tolerance=2.0)
    assert _ok(np.eye(3), share=3.99, footprint_tolerance=2.0) and _ok(np.eye(3), share=0.26, footprint_tolerance=2.0)
    # the footprint rule replaces the area rule: a share of 1.0 outside [min_area, max_area] passes with it
    assert _ok(np.eye(3), share=1.0, max_area=0.5) and not _ok(np.eye(3), max_area=0.5)
    # default tolerance 2.5: 6.25 x
    assert _ok(np.eye(3), share=6.2) and not _ok(np.eye(3), share=6.3)
    assert _ok(np.eye(3), share=1 / 6.2) and not _ok(np.eye(3), share=1 / 6.3)


def test_the_area_share_uses_the_tile_size_and_the_absolute_area():
    # 100 x 100 outline on a 400 x 25 tile: share 1.0 (on a square 400 tile it would be 1/16)
    assert not _ok(np.eye(3), tile=(400, 25), max_area=1.0)
    assert _ok(np.eye(3), tile=(400, 25), min_area=0.9, max_area=1.1)
    assert _ok(-np.eye(3), tile=(400, 25), min_area=0.9, max_area=1.1)


# -- photo_centre_in / photo_corners_in ------------------------------------------------------------------


def test_centre_and_corners_at_z_exactly_the_margin_are_none():
    photo, tile = SimpleNamespace(size=(100, 50)), SimpleNamespace(size=(200, 100))
    assert photo_centre_in(np.diag([1.0, 1.0, 1e-9]), photo, tile) is None
    assert photo_corners_in(np.diag([1.0, 1.0, 1e-9]), photo, tile) is None
    assert photo_centre_in(np.diag([1.0, 1.0, -1e-9]), photo, tile) is None
    assert photo_corners_in(np.diag([1.0, 1.0, -1e-9]), photo, tile) is None
    # the corners are the image's outer edges: TL at (-0.5, -0.5) in keypoint coordinates
    assert photo_corners_in(np.array([[1.0, 0, 0], [0, 1, 0], [1, 0, 0.5]]), photo, tile) is None  # z = x + 0.5: 0 at TL
    assert photo_corners_in(np.array([[1.0, 0, 0], [0, 1, 0], [0, 0.02, 0.01]]), photo, tile) is None  # z = 0 at the top


def test_corners_are_the_projective_images_in_tile_fractions():
    photo, tile = SimpleNamespace(size=(100, 50)), SimpleNamespace(size=(200, 100))
    h = 2.0 * np.array([[1.0, 0.0, 10.0], [0.0, 1.0, 20.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(photo_corners_in(h, photo, tile), [(0.05, 0.2), (0.55, 0.2), (0.55, 0.7), (0.05, 0.7)])
    # z varies: the top-right corner (100, 0) has z = 1 + 100 / 100 = 2
    # z varies, z = 1 + x / 100. Keypoint coordinates (pixel centres at integers): the corners are
    # the outer edges (-0.5, -0.5) .. (99.5, 49.5), the centre (49.5, 24.5); a point (x, y, z) is
    # at tile fractions ((x / z + 0.5) / 200, (y / z + 0.5) / 100).
    h2 = np.array([[1.0, 0, 0], [0, 1, 0], [0.01, 0, 1]])

    def frac(x, y, z):
        return (x / z + 0.5) / 200, (y / z + 0.5) / 100

    corners = photo_corners_in(h2, photo, tile)
    np.testing.assert_allclose(corners, [frac(-0.5, -0.5, 0.995), frac(99.5, -0.5, 1.995),
                                         frac(99.5, 49.5, 1.995), frac(-0.5, 49.5, 0.995)])
    assert photo_centre_in(h2, photo, tile) == pytest.approx(frac(49.5, 24.5, 1.495))


# -- verify_pair on synthetic keypoints ------------------------------------------------------------------

H_TRUE = np.array([[0.9, -0.1, 40.0], [0.1, 0.9, 30.0], [0.0, 0.0, 1.0]])  # photo -> tile, a similarity


def _synthetic(n=40, ratio=None, seed=0, photo_size=(200, 150), tile_size=(300, 300), h=H_TRUE):
    """A photo and a tile whose keypoint i correspond through h, with one-hot-like descriptors.
    ratio: also give the tile a second neighbour for each photo descriptor at distance d1 / ratio."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform([5, 5], np.subtract(photo_size, 5), size=(n, 2)).astype(np.float32)
    mapped = np.c_[pts, np.ones(n)] @ h.T
    dst = (mapped[:, :2] / mapped[:, 2:]).astype(np.float32)
    desc = np.zeros((n, 128), np.float32)
    desc[np.arange(n), np.arange(n) % 128] = 100.0
    desc[np.arange(n), (np.arange(n) * 7 + 3) % 128] += 50.0 + np.arange(n)
    tile_desc, tile_pts = desc.copy(), dst
    if ratio is not None:
        # nearest at distance 10 (along one axis), second at 10 / ratio along another
        near = desc.copy()
        near[:, 127] += 10.0
        far = desc.copy()
        far[:, 126] += 10.0 / ratio
        tile_desc = np.r_[near, far]
        tile_pts = np.r_[dst, rng.uniform(0, 300, size=(n, 2)).astype(np.float32)]
    photo = LocalFeatures(pts, desc, photo_size)
    tile = LocalFeatures(tile_pts, tile_desc.astype(np.float32), tile_size)
    return photo, tile


def test_verify_pair_recovers_a_known_homography_and_its_centre():
    photo, tile = _synthetic()
    v = verify_pair(photo, tile, VerifySettings())
    assert v.inliers == 40
    np.testing.assert_allclose(v.homography / v.homography[2, 2], H_TRUE, atol=2e-3)
    # the photo's centre in keypoint coordinates, (99.5, 74.5), mapped; fractions count from the
    # tile's edge, half a pixel before its first keypoint coordinate
    cx, cy = 0.9 * 99.5 - 0.1 * 74.5 + 40, 0.1 * 99.5 + 0.9 * 74.5 + 30
    assert v.centre == pytest.approx(((cx + 0.5) / 300, (cy + 0.5) / 300), abs=1e-5)
    tl, tr = v.corners[0], v.corners[1]
    # TL (-0.5, -0.5) -> (39.6, 29.5); TR (199.5, -0.5) -> (179.55 + 0.05 + 40, 19.95 - 0.45 + 30) = (219.6, 49.5)
    assert tl == pytest.approx((40.1 / 300, 30 / 300), abs=1e-5)
    assert tr == pytest.approx((220.1 / 300, 50 / 300), abs=1e-5)


def test_ratio_test_is_strict_and_follows_the_setting():
    photo, tile = _synthetic(ratio=0.8)  # d1 / d2 = 0.8 < 0.85: every photo point keeps its match
    assert verify_pair(photo, tile, VerifySettings()).inliers == 40
    photo, tile = _synthetic(ratio=0.9)  # 0.9: none passes
    assert verify_pair(photo, tile, VerifySettings()) == Verification(0)
    assert verify_pair(photo, tile, VerifySettings(ratio=0.95)).inliers == 40
    photo, tile = _synthetic(ratio=0.5)
    assert verify_pair(photo, tile, VerifySettings(ratio=0.5)) == Verification(0)  # d1 == 0.5 d2: not below


def test_too_few_keypoints_or_matches_verify_nothing():
    photo, tile = _synthetic(n=40)
    three = LocalFeatures(photo.points[:3], photo.descriptors[:3], photo.size)
    assert verify_pair(three, tile, VerifySettings()) == Verification(0)
    assert verify_pair(photo, LocalFeatures(tile.points[:3], tile.descriptors[:3], tile.size), VerifySettings()) == Verification(0)
    four = LocalFeatures(photo.points[:4], photo.descriptors[:4], photo.size)
    tile4 = LocalFeatures(tile.points[:4], tile.descriptors[:4], tile.size)
    assert verify_pair(four, tile4, VerifySettings()).inliers == 4  # four keypoints a side are enough
    v = verify_pair(four, tile, VerifySettings())  # four exact matches: a homography through all four
    assert v.inliers == 4
    # three good matches of four photo points (the fourth photo descriptor has two equal neighbours)
    photo5, tile5 = _synthetic(n=5)
    desc = photo5.descriptors.copy()
    desc[4] = 0.0  # equally far from tile descriptors ... 
    tdesc = np.r_[tile5.descriptors[:3], np.full((2, 128), 1.0, np.float32)]
    v = verify_pair(LocalFeatures(photo5.points[:4], np.r_[desc[:3], np.full((1, 128), 1.0, np.float32)], photo5.size),
                    LocalFeatures(np.r_[tile5.points[:3], tile5.points[3:5]], tdesc, tile5.size), VerifySettings())
    assert v == Verification(0)


def test_an_implausible_fit_or_footprint_verifies_nothing():
    mirror = np.array([[-1.0, 0, 250], [0, 1, 50], [0, 0, 1]])
    photo, tile = _synthetic(h=mirror)
    assert verify_pair(photo, tile, VerifySettings()) == Verification(0)
    photo, tile = _synthetic()
    # the outline covers |det| 0.82 * 200 * 150 / 300^2 = 0.2733 of the tile
    assert verify_pair(photo, tile, VerifySettings(), expected_share=0.27).inliers == 40
    assert verify_pair(photo, tile, VerifySettings(), expected_share=0.27 * 7) == Verification(0)


# -- image_local_features on tiny synthetic images ---------------------------------------------------


def _blobs(w, h, value=255, background=0, seed=0):
    rng = np.random.default_rng(seed)
    img = np.full((h, w), background, np.uint8)
    yy, xx = np.mgrid[:h, :w]
    for _ in range(30):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(3, 10) * w / 256
        img[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = value
    return Image.fromarray(img)


def test_image_local_features_sizes_and_types():
    s = VerifySettings(max_side=128)
    f = image_local_features(_blobs(256, 128), s)
    assert f.size == (128, 64) and f.points.dtype == np.float32 and f.descriptors.dtype == np.float32
    assert len(f.points) == len(f.descriptors) > 0 and f.descriptors.shape[1] == 128
    assert f.points[:, 0].max() < 128 and f.points[:, 1].max() < 64
    small = image_local_features(_blobs(100, 60), s)
    assert small.size == (100, 60)
    zoomed = image_local_features(_blobs(100, 60), s, zoom=2.0)
    assert zoomed.size == (200, 120)
    assert image_local_features(_blobs(256, 128), s, zoom=1.5).size == (192, 96)
    blank = image_local_features(Image.new("L", (50, 40)), s)
    assert blank.size == (50, 40) and blank.points.shape == (0, 2) and blank.descriptors.shape == (0, 128)
    assert blank.points.dtype == np.float32 and blank.descriptors.dtype == np.float32


def test_the_keypoint_budget_and_contrast_threshold():
    img = _blobs(256, 256, seed=3)
    few = image_local_features(img, VerifySettings(max_side=256, n_features=5))
    assert 1 <= len(few.points) <= 6
    fine_budget = image_local_features(img, VerifySettings(max_side=256, n_features=5, fine_n_features=7), contrast=0.04)
    assert 6 <= len(fine_budget.points) <= 8
    faint = _blobs(256, 256, value=12, background=0, seed=3)  # 12 / 255 contrast: below SIFT's default threshold
    raw = VerifySettings(max_side=256, contrast_norm=0)  # the image as it is
    assert len(image_local_features(faint, raw).points) == 0
    assert len(image_local_features(faint, raw, contrast=0.002).points) > 0
    # by default its contrast is stretched first (0 and 12 -> 0 and 255): the blobs are found
    assert len(image_local_features(faint, VerifySettings(max_side=256)).points) > 0


def test_a_keypoint_lands_where_the_blob_is_after_scaling():
    yy, xx = np.mgrid[:512, :512]
    img = (255 * np.exp(-((xx - 300) ** 2 + (yy - 200) ** 2) / (2 * 12.0**2))).astype(np.uint8)
    # as it is: the default stretch clips the brightest 1 % of pixels, the blob's top, flat
    f = image_local_features(Image.fromarray(img), VerifySettings(max_side=256, contrast_norm=0))
    assert f.size == (256, 256)
    assert np.min(np.hypot(f.points[:, 0] - 150, f.points[:, 1] - 100)) < 2.0


def test_tiles_are_described_north_up_and_files_at_the_working_size(monkeypatch):
    import geolocator.core.images as images
    import geolocator.core.sources.tile_image as tile_image

    seen = []
    monkeypatch.setattr(rerank, "image_local_features",
                        lambda image, settings, contrast=None, zoom=1.0, between=None: seen.append((image, settings.headings, contrast, zoom)))
    monkeypatch.setattr(tile_image, "open_tile_image", lambda tile, min_side: ("tile", tile, min_side))
    monkeypatch.setattr(images, "open_image", lambda path, window, min_side: ("file", path, window, min_side))
    s = VerifySettings(max_side=300, headings=4)
    rerank.tile_local_features("T", s, contrast=0.5, zoom=2.0)
    rerank.local_features("P", "W", s, contrast=0.25, zoom=3.0)
    assert seen == [(("tile", "T", 300), 1, 0.5, 2.0), (("file", "P", "W", 300), 4, 0.25, 3.0)]
    rerank.tile_local_features("T", s)
    rerank.local_features("P", None, s)
    assert seen[2:] == [(("tile", "T", 300), 1, None, 1.0), (("file", "P", None, 300), 4, None, 1.0)]


def test_a_learned_backend_describes_images_itself(monkeypatch):
    monkeypatch.setattr(learned, "features", lambda image, settings, between=None: ("learned", image, settings.matcher))
    assert image_local_features("img", VerifySettings(matcher="disk"), contrast=0.3, zoom=2.0) == ("learned", "img", "disk")
    monkeypatch.setattr(learned, "verify_pair", lambda p, t, s, share, heading: ("pair", p, t, s.matcher, share, heading))
    assert verify_pair("p", "t", VerifySettings(matcher="aliked"), 0.5) == ("pair", "p", "t", "aliked", 0.5, None)
    assert verify_pair("p", "t", VerifySettings(matcher="aliked")) == ("pair", "p", "t", "aliked", None, None)
    # a heading the caller searched already reaches the learned backend (session 25: a chain link's)
    assert verify_pair("p", "t", VerifySettings(matcher="aliked"), 1.0, heading="h") == ("pair", "p", "t", "aliked", 1.0, "h")


# -- query_footprint_m ---------------------------------------------------------------------------------


def test_query_footprint_from_the_query_or_its_metadata(monkeypatch):
    import geolocator.core.media.metadata as metadata

    assert query_footprint_m(SimpleNamespace(footprint_m=42.5)) == 42.5
    assert query_footprint_m(SimpleNamespace(footprint_m=0.5)) == 0.5  # sub-metre footprints are footprints
    assert query_footprint_m(SimpleNamespace(footprint_m=(30.0, 20.0))) == 30.0
    assert query_footprint_m(SimpleNamespace(footprint_m=[7, 5])) == 7.0
    assert query_footprint_m(SimpleNamespace(footprint_m=())) is None
    assert query_footprint_m(SimpleNamespace(footprint_m="12")) == 12.0
    for bad in ("wide", float("nan"), float("inf"), 0.0, -3.0, object()):
        assert query_footprint_m(SimpleNamespace(footprint_m=bad)) is None
    monkeypatch.setattr(metadata, "footprint_m", lambda meta: (meta * 2, 1.0))
    assert query_footprint_m(SimpleNamespace(meta=8.0)) == 16.0
    monkeypatch.setattr(metadata, "footprint_m", lambda meta: None)
    assert query_footprint_m(SimpleNamespace()) is None

    def broken(meta):
        raise ValueError("odd")

    monkeypatch.setattr(metadata, "footprint_m", broken)
    assert query_footprint_m(SimpleNamespace(meta=1)) is None  # odd metadata: no footprint
    # (session 11: any other error is a programming error and surfaces, test_session11_mend.py)


# -- the Verifier's bookkeeping with fakes -------------------------------------------------------------


def _files(tmp_path: Path, n: int) -> tuple[Query, list[Tile]]:
    (tmp_path / "photo.jpg").write_bytes(b"p")
    tiles = []
    for i in range(n):
        (tmp_path / f"t{i}.png").write_bytes(b"t" * (i + 1))
        tiles.append(Tile(f"t{i}", tmp_path / f"t{i}.png", Bounds(0.0, 0.0, 0.001, 0.001)))
    return Query("photo.jpg", tmp_path / "photo.jpg"), tiles


def _feat(tag: int, size=(100, 100)) -> LocalFeatures:
    return LocalFeatures(np.full((4, 2), tag, np.float32), np.zeros((4, 128), np.float32), size)


class Fakes:
    """Fake keypoint readers and matcher: tile i's features carry tag i (in their points); the
    verification of (photo, tile i) has inliers[i] (fine[i] on the fine pass)."""

    def __init__(self, monkeypatch, inliers, fine=None, photo_ok=True):
        self.inliers, self.fine = inliers, fine or {}
        self.photos, self.tiles, self.pairs, self.shares = [], [], [], []
        fakes = self

        def image_features(pil, settings, *, contrast=None, zoom=1.0):
            raise AssertionError("not used")

        def photo(verifier, query, *, fine=False):
            fakes.photos.append(fine)
            return None if not photo_ok else _feat(-2 if fine else -1)

        def tile_features(tile, settings, *, contrast=None, zoom=1.0):
            fakes.tiles.append((tile.id, contrast, zoom))
            return _feat(int(tile.id[1:]) + (100 if zoom > 1 else 0), (200, 200) if zoom > 1 else (100, 100))

        def pair(p, t, settings, share=None):
            i = int(t.points[0, 0])
            fakes.pairs.append((int(p.points[0, 0]), i))
            fakes.shares.append(share)
            n = fakes.fine.get(i - 100, 0) if i >= 100 else fakes.inliers[i]
            h = np.array([[2.0, 0, 0], [0, 2.0, 0], [0, 0, 1]])
            return Verification(n, (0.5, 0.5), h if n else None)

        monkeypatch.setattr(Verifier, "photo", photo)
        monkeypatch.setattr(rerank, "tile_local_features", tile_features)
        monkeypatch.setattr(rerank, "verify_pair", pair)


def test_every_candidate_is_verified_once_and_kept(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 4)
    fakes = Fakes(monkeypatch, inliers=[3, 12, 0, 9])
    v = Verifier()
    out = v.verify_photo(query, tiles, np.array([1, 3, 0]))
    assert [r.inliers for r in out] == [12, 9, 3]
    assert fakes.pairs == [(-1, 1), (-1, 3), (-1, 0)] and fakes.photos == [False]
    assert fakes.tiles == [("t1", None, 1.0), ("t3", None, 1.0), ("t0", None, 1.0)]
    assert v.verify_photo(query, tiles, [3, 1]) == [out[1], out[0]]  # nothing recomputed
    assert len(fakes.pairs) == 3 and fakes.photos == [False]
    v.verify_photo(query, tiles, [2, 1])  # one new pair: only it
    assert fakes.pairs[3:] == [(-1, 2)] and len(fakes.tiles) == 4


def test_the_fine_pass_runs_below_min_inliers_on_the_first_fine_candidates(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 4)
    fakes = Fakes(monkeypatch, inliers=[7, 2, 0, 0], fine={0: 5, 1: 30, 2: 9})
    v = Verifier(VerifySettings(fine_candidates=2))
    out = v.verify_photo(query, tiles, [0, 1, 2, 3])
    assert fakes.photos == [False, True]
    # fine pairs only for the first two candidates, with the zoomed tiles (contrast 0.01, zoom 2)
    assert fakes.pairs[4:] == [(-2, 100), (-2, 101)]
    assert ("t0", 0.01, 2.0) in fakes.tiles and ("t2", 0.01, 2.0) not in fakes.tiles
    # tile 0 keeps its 7 (the fine 5 is fewer), tile 1 takes the fine 30 with its homography unzoomed
    assert [r.inliers for r in out] == [7, 30, 0, 0]
    # the fake fit x -> 2x into the 200-px zoomed tile; back to the 100-px tile (x + 0.5) / 2 - 0.5:
    # x -> x - 0.25
    np.testing.assert_allclose(out[1].homography, [[1.0, 0, -0.25], [0, 1.0, -0.25], [0, 0, 1.0]])
    # the photo's edges -0.5 and 99.5 -> -0.75 and 99.25 -> fractions (x + 0.5) / 100
    np.testing.assert_allclose(out[1].corners, [(-0.0025, -0.0025), (0.9975, -0.0025), (0.9975, 0.9975), (-0.0025, 0.9975)])


def test_no_fine_pass_at_min_inliers_or_when_switched_off_or_for_learned_backends(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 2)
    fakes = Fakes(monkeypatch, inliers=[12, 0], fine={0: 50, 1: 50})
    Verifier().verify_photo(query, tiles, [0, 1])
    assert fakes.photos == [False]  # 12 == fine_below (the default): verified clearly, no second pass
    fakes = Fakes(monkeypatch, inliers=[8, 0], fine={0: 50, 1: 50})
    Verifier(VerifySettings(fine_below=None)).verify_photo(query, tiles, [0, 1])
    assert fakes.photos == [False]  # fine_below None: 8 == min_inliers stops it, as before session 10
    fakes = Fakes(monkeypatch, inliers=[7, 0], fine={0: 50, 1: 50})
    Verifier(VerifySettings(fine_pass=False)).verify_photo(query, tiles, [0, 1])
    assert fakes.photos == [False]
    fakes = Fakes(monkeypatch, inliers=[7, 0], fine={0: 50, 1: 50})
    out = Verifier(VerifySettings(min_inliers=9)).verify_photo(query, tiles, [0, 1])
    assert fakes.photos == [False, True] and [r.inliers for r in out] == [50, 50]
    fakes = Fakes(monkeypatch, inliers=[7, 0], fine={0: 50, 1: 50})
    Verifier(VerifySettings(matcher="xfeat", stop_inliers=0)).verify_photo(query, tiles, [0, 1])
    assert fakes.photos == [False]


def test_fine_below_lets_the_fine_pass_run_past_a_lone_weak_match(tmp_path, monkeypatch):
    """VerifySettings.fine_below: a call whose best candidate has 9 inliers (a weak match: >= 8 but
    below 12) gets the fine pass on its candidates, as a call with nothing verified does; by
    with None (min_inliers, 8; the default before session 10) 9 stops it. Rotterdam's q_0057 (session 9): a chance 8 on a
    wrong tile stopped the pass that gives the right tile 17."""
    query, tiles = _files(tmp_path, 3)
    fakes = Fakes(monkeypatch, inliers=[9, 0, 2], fine={0: 0, 1: 17, 2: 1})
    out = Verifier(VerifySettings(fine_below=12)).verify_photo(query, tiles, [0, 1, 2])
    assert fakes.photos == [False, True] and fakes.pairs[3:] == [(-2, 100), (-2, 101), (-2, 102)]
    assert [r.inliers for r in out] == [9, 17, 2]  # each pair keeps the larger of its two counts
    assert VerifySettings(fine_below=12).fine_threshold() == 12
    fakes = Fakes(monkeypatch, inliers=[9, 0, 2], fine={0: 0, 1: 17, 2: 1})
    out = Verifier(VerifySettings(fine_below=None)).verify_photo(query, tiles, [0, 1, 2])
    assert fakes.photos == [False] and [r.inliers for r in out] == [9, 0, 2]
    none = VerifySettings(fine_below=None)
    assert none.fine_threshold() == 8 and VerifySettings(min_inliers=5, fine_below=None).fine_threshold() == 5
    fakes = Fakes(monkeypatch, inliers=[12, 0, 2], fine={1: 17})  # 12 is not below 12
    Verifier(VerifySettings(fine_below=12)).verify_photo(query, tiles, [0, 1, 2])
    assert fakes.photos == [False]


def test_the_fine_pass_keeps_a_result_without_homography_as_it_is(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 1)
    fakes = Fakes(monkeypatch, inliers=[0], fine={})
    v = Verifier()
    got = v._fine_pair(_feat(-2), tiles[0], None)
    assert got == Verification(0, (0.5, 0.5)) and got.homography is None and fakes.shares == [None]


def test_the_fine_pair_is_brought_back_to_the_plain_tiles_pixels(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 1)
    monkeypatch.setattr(Verifier, "tile", lambda self, tile, fine=False: _feat(0, (200, 100) if fine else (100, 50)))
    monkeypatch.setattr(rerank, "verify_pair", lambda p, t, s, share=None: Verification(9, (0.25, 0.75), 2 * np.eye(3)))
    got = Verifier()._fine_pair(_feat(-2, (100, 50)), tiles[0], None)
    # 2 I is the identity into the 200 x 100 zoomed tile; back to 100 x 50: (x + 0.5) / 2 - 0.5, so
    # [[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]] @ 2 I: photo (x, y) -> (x / 2 - 0.25, y / 2 - 0.25)
    np.testing.assert_allclose(got.homography, [[1.0, 0, -0.5], [0, 1.0, -0.5], [0, 0, 2.0]])
    # its edges (-0.5, -0.5) .. (99.5, 49.5) -> (-0.5, -0.5) .. (49.5, 24.5): fractions 0 .. 0.5 as before
    assert got.inliers == 9 and got.centre == (0.25, 0.75)
    np.testing.assert_allclose(got.corners, [(0, 0), (0.5, 0), (0.5, 0.5), (0, 0.5)])


def test_an_unreadable_photo_verifies_nothing_and_tries_no_fine_pass(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 2)
    fakes = Fakes(monkeypatch, inliers=[30, 30], photo_ok=False)
    assert Verifier().verify_photo(query, tiles, [0, 1]) == [Verification(0), Verification(0)]
    assert fakes.photos == [False] and fakes.pairs == []


def test_footprint_is_part_of_the_pair_key_to_a_tenth_of_a_metre(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 1)
    fakes = Fakes(monkeypatch, inliers=[20])
    v = Verifier()
    v.verify_photo(query, tiles, [0], 10.04)
    v.verify_photo(query, tiles, [0], 10.0)  # rounds to the same 10.0
    assert len(fakes.pairs) == 1
    v.verify_photo(query, tiles, [0], 10.06)  # 10.1: another pair
    v.verify_photo(query, tiles, [0], None)
    v.verify_photo(query, tiles, [0], 0.0)  # no footprint, like None
    assert len(fakes.pairs) == 3


def test_the_share_of_a_tile_follows_its_ground_size(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 1)
    fakes = Fakes(monkeypatch, inliers=[20])
    Verifier().verify_photo(query, tiles, [0], 20.0)
    # tile 0.001 deg square at the equator: R * 0.001 deg in radians each way (cos(0.0005 deg) = 1 - 4e-11)
    side = 6_371_008.8 * math.radians(0.001)
    # the photo is 100 x 100 px: 20 x 20 m of side x side
    assert fakes.shares == [pytest.approx(400.0 / side**2, rel=1e-8)]
    v = Verifier()
    assert v._share(_feat(0), tiles[0], None) is None and v._share(_feat(0), tiles[0], 0.0) is None
    tall = Tile("t0", tiles[0].path, Bounds(10.0, 60.0, 10.002, 60.001))
    w = 2 * 6_371_008.8 * math.asin(math.cos(math.radians(60.0005)) * math.sin(math.radians(0.002) / 2))
    h = 6_371_008.8 * math.radians(0.001)
    assert v._share(_feat(0, (200, 100)), tall, 30.0) == pytest.approx(30 * 30 * 0.5 / (w * h), rel=1e-9)


def test_sift_with_a_stop_count_verifies_a_new_candidate_as_a_fresh_verifier_does(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 3)
    fakes = Fakes(monkeypatch, inliers=[25, 2, 3])
    v = Verifier(VerifySettings(stop_inliers=20))  # SIFT with an explicit stop: every pair still verified
    assert [r.inliers for r in v.verify_photo(query, tiles, [0, 1])] == [25, 2]
    assert len(fakes.pairs) == 2
    # tile 2 is new: a fresh Verifier verifies all three (SIFT never stops early), so this one does
    # too, reading the kept two (until session 13 the kept 25 >= 20 left tile 2 at 0: an answer that
    # hung on the earlier call)
    out = v.verify_photo(query, tiles, [0, 1, 2])
    assert [r.inliers for r in out] == [25, 2, 3] and fakes.pairs[2:] == [(-1, 2)]
    assert [r.inliers for r in Verifier(VerifySettings(stop_inliers=20)).verify_photo(query, tiles, [0, 1, 2])] == [25, 2, 3]


def _most_alike_world(tmp_path, monkeypatch, inliers, scores):
    """Four tiles whose learned pairs give `inliers` and whose heading search scores `scores`
    (tile -> mutual neighbours); returns (query, tiles, fakes, order: the tiles verified, in turn)."""
    query, tiles = _files(tmp_path, 4)
    fakes = Fakes(monkeypatch, inliers=inliers)
    order = []
    monkeypatch.setattr(learned, "headings_and_scores",
                        lambda photo, targets: [(("view", int(t.points[0, 0])), scores[int(t.points[0, 0])])
                                                for t in targets])

    def pair(photo, target, settings, share, heading):
        i = int(target.points[0, 0])
        assert heading == ("view", i)
        order.append(i)
        return Verification(fakes.inliers[i])

    monkeypatch.setattr(learned, "verify_pair", pair)
    return query, tiles, fakes, order


def test_a_learned_backend_verifies_most_alike_first_until_the_stop(tmp_path, monkeypatch):
    query, tiles, fakes, order = _most_alike_world(tmp_path, monkeypatch, [50, 41, 40, 10], {0: 1, 1: 7, 2: 7, 3: 9})
    v = Verifier(VerifySettings(matcher="xfeat"))  # stop at 40
    out = v.verify_photo(query, tiles, [0, 1, 2, 3])
    # by score: tile 3 (9), then 1 and 2 (7, the earlier first), then 0: tile 1's 41 >= 40 stops
    assert order == [3, 1] and [r.inliers for r in out] == [0, 41, 0, 10]
    v2 = Verifier(VerifySettings(matcher="xfeat", stop_inliers=42))
    order.clear()
    out = v2.verify_photo(query, tiles, [0, 1, 2, 3])
    assert order == [3, 1, 2, 0] and [r.inliers for r in out] == [50, 41, 40, 10]
    order.clear()
    fakes.inliers[1] = 40  # exactly the stop: it stops too
    v3 = Verifier(VerifySettings(matcher="xfeat", stop_inliers=40))
    v3.verify_photo(query, tiles, [0, 1, 2, 3])
    assert order == [3, 1]
    # asked again: the clear match stands, nothing new is verified
    v3.verify_photo(query, tiles, [0, 1, 2, 3])
    assert order == [3, 1]


def test_patience_verifies_only_the_most_alike_pairs_and_the_store_key_ignores_it(tmp_path, monkeypatch):
    """VerifySettings.patience (the second look's, session 20): at most that many pairs, most alike
    first; the others stay unverified (0 inliers), as after an early stop. It only chooses pairs, so
    the pair store's key is the same with or without it (a kept evaluation is reused)."""
    query, tiles, _, order = _most_alike_world(tmp_path, monkeypatch, [50, 41, 30, 10], {0: 1, 1: 7, 2: 8, 3: 9})
    out = Verifier(VerifySettings(matcher="xfeat", patience=2)).verify_photo(query, tiles, [0, 1, 2, 3])
    # most alike: 3 (9), 2 (8); no clear match among them, and tiles 1 and 0 are never verified
    assert order == [3, 2] and [r.inliers for r in out] == [0, 0, 30, 10]
    order.clear()
    out = Verifier(VerifySettings(matcher="xfeat", patience=3)).verify_photo(query, tiles, [0, 1, 2, 3])
    assert order == [3, 2, 1] and [r.inliers for r in out] == [0, 41, 30, 10]  # the third is clear: stop
    order.clear()
    Verifier(VerifySettings(matcher="xfeat")).verify_photo(query, tiles, [0, 1, 2, 3])
    assert order == [3, 2, 1]  # no limit: the same clear match
    assert (VerifySettings(matcher="xfeat", patience=2).evaluation_key()
            == VerifySettings(matcher="xfeat").evaluation_key())


def test_tiles_are_read_once_per_view_and_a_broken_one_is_empty(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 2)
    calls = []

    def tile_features(tile, settings, *, contrast=None, zoom=1.0):
        calls.append((tile.id, contrast, zoom))
        if tile.id == "t1":
            raise OSError("broken")
        return _feat(0)

    monkeypatch.setattr(rerank, "tile_local_features", tile_features)
    v = Verifier(VerifySettings(fine_contrast=0.02, fine_tile_zoom=3.0))
    assert v.tile(tiles[0]) is v.tile(tiles[0])
    assert v.tile(tiles[0], fine=True) is v.tile(tiles[0], fine=True)
    assert calls == [("t0", None, 1.0), ("t0", 0.02, 3.0)]
    broken = v.tile(tiles[1])
    assert broken.size == (1, 1) and broken.points.shape == (0, 2) and broken.descriptors.shape == (0, 128)
    assert broken.points.dtype == np.float32 and broken.descriptors.dtype == np.float32
    window = Tile("t0", tiles[0].path, tiles[0].bounds, window=PixelWindow(0, 0, 5, 5))
    v.tile(window)
    assert len(calls) == 4  # another window of the same file is another tile


def test_photo_reads_with_the_fine_contrast_only_on_the_fine_pass(tmp_path, monkeypatch):
    import geolocator.core.media.query_image as qi

    query, _ = _files(tmp_path, 0)
    seen = []
    monkeypatch.setattr(qi, "open_query_image", lambda q, min_side: seen.append(min_side) or "image")
    monkeypatch.setattr(rerank, "image_local_features",
                        lambda image, settings, contrast=None, between=None: (image, contrast))
    v = Verifier(VerifySettings(max_side=300, fine_contrast=0.03))
    assert v.photo(query) == ("image", None)
    assert v.photo(query, fine=True) == ("image", 0.03)
    assert seen == [300, 300]

    def fail(q, min_side):
        raise ValueError("unreadable")

    monkeypatch.setattr(qi, "open_query_image", fail)
    assert v.photo(query) is None


def test_the_keypoint_cache_is_used_for_a_learned_backend_only(tmp_path, monkeypatch):
    import geolocator.core.matchers as matchers
    import geolocator.core.matchers.keypoint_cache as kc
    from geolocator.core.cache import file_identity

    query, tiles = _files(tmp_path, 2)
    computed, opened, store = [], [], {}

    class FakeCache:
        def __init__(self, root):
            opened.append(root)

        def get(self, signature, identity):
            return store.get((signature, identity))

        def put(self, signature, identity, value):
            store[(signature, identity)] = value

    monkeypatch.setattr(kc, "KeypointCache", FakeCache)
    monkeypatch.setitem(matchers._cache, ("xfeat", "cpu"), SimpleNamespace(signature="fake|sig"))
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: computed.append(tile.id) or _feat(1))
    v = Verifier(VerifySettings(matcher="xfeat", max_side=320, keypoint_cache=tmp_path / "kp"))
    v.tile(tiles[0])
    v.tile(tiles[1])
    assert opened == [tmp_path / "kp"] and computed == ["t0", "t1"]
    assert set(store) == {("fake|sig|side320", file_identity(t.path)) for t in tiles}
    v2 = Verifier(VerifySettings(matcher="xfeat", max_side=320, keypoint_cache=tmp_path / "kp"))
    v2.tile(tiles[0])
    assert computed == ["t0", "t1"]  # read back, not described again
    Verifier(VerifySettings(matcher="sift", keypoint_cache=tmp_path / "kp")).tile(tiles[0])
    Verifier(VerifySettings(matcher="xfeat")).tile(tiles[0])
    assert computed == ["t0", "t1", "t0", "t0"] and len(opened) == 2


def test_verify_passes_each_photos_footprint_reports_progress_and_cancels(tmp_path, monkeypatch):
    query, tiles = _files(tmp_path, 2)
    seen, events = [], []
    monkeypatch.setattr(Verifier, "verify_photo",
                        lambda self, q, t, c, fp=None, decoded=None, cancel=None: seen.append((q.id, list(c), fp)) or [Verification(len(seen))])
    other = Query("other.jpg", tmp_path / "other.jpg")
    out = Verifier().verify([query, other], tiles, np.array([[0, 1], [1, 0]]), footprints=[5.0, None],
                            progress=events.append)
    assert out == [[Verification(1)], [Verification(2)]]
    assert seen == [("photo.jpg", [0, 1], 5.0), ("other.jpg", [1, 0], None)]
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("verify", 1, 2, "geometric verification"), ("verify", 2, 2, "geometric verification")]
    assert events[-1].eta_s == 0.0 and events[0].eta_s is not None
    seen.clear()
    Verifier().verify([query], tiles, np.array([[1, 0]]))
    assert seen == [("photo.jpg", [1, 0], None)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        Verifier().verify([query], tiles, np.array([[0, 1]]), cancel=token)


# -- widen_unverified ------------------------------------------------------------------------------------


class _Recorder:
    def __init__(self):
        self.calls = []

    def verify_photo(self, query, tiles, extra, footprint, cancel=None):
        self.calls.append((query, list(extra), footprint))
        return [Verification(100 + int(t)) for t in extra]


def test_widen_verifies_the_next_tiles_of_photos_that_found_nothing():
    order = np.array([[4, 1, 0, 2, 3, 5], [0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0]])
    cands = np.array([[4, 1], [0, 1], [5, 4]])
    checks = [[Verification(3), Verification(7)], [Verification(8), Verification(0)], [Verification(0), Verification(0)]]
    rec = _Recorder()
    wide, out = widen_unverified(rec, ["a", "b", "c"], [], order, cands, checks, 8, 4, footprints=[1.0, 2.0, None])
    assert wide.tolist() == [[4, 1, 0, 2], [0, 1, 2, 3], [5, 4, 3, 2]] and wide.dtype == cands.dtype
    assert rec.calls == [("a", [0, 2], 1.0), ("c", [3, 2], None)]  # b verified (8 >= 8)
    assert [v.inliers for v in out[0]] == [3, 7, 100, 102]
    assert out[1] == [Verification(8), Verification(0), Verification(0), Verification(0)]
    assert [v.inliers for v in out[2]] == [0, 0, 103, 102]


def test_widen_with_one_threshold_per_photo_and_no_footprints():
    order = np.array([[0, 1, 2], [0, 1, 2]])
    cands = np.array([[0], [0]])
    checks = [[Verification(9)], [Verification(9)]]
    rec = _Recorder()
    wide, out = widen_unverified(rec, ["a", "b"], [], order, cands, checks, np.array([9, 10]), 3)
    assert rec.calls == [("b", [1, 2], None)] and wide.tolist() == [[0, 1, 2], [0, 1, 2]]
    assert [v.inliers for v in out[1]] == [9, 101, 102]


def test_widen_changes_nothing_when_upto_is_no_wider():
    order = np.array([[0, 1, 2]])
    cands, checks = np.array([[0, 1]]), [[Verification(0), Verification(0)]]
    rec = _Recorder()
    assert widen_unverified(rec, ["a"], [], order, cands, checks, 8, 2) == (cands, checks)
    wide, _ = widen_unverified(rec, ["a"], [], order, cands, checks, 8, 10)  # clipped to order's 3
    assert wide.tolist() == [[0, 1, 2]] and rec.calls == [("a", [2], None)]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        widen_unverified(rec, ["a"], [], order, cands, checks, 8, 3, cancel=token)
