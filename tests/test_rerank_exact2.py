"""Exact answers of core/rerank.py, second part (session 8's mutation run of the current rerank.py:
adaptive depth, verification through mosaics). Fakes here RECORD what they receive (settings,
footprint shares, windows and package entries in cache keys, the photo, the tiles) and the tests
assert it; a synthetic photo/tile pair with planted outliers and displaced points makes RANSAC's
method and threshold matter; a spy on OpenCV shows the resampling filter and SIFT's options, with
the resampled pixels checked by hand. No backbone, no image file decoded."""

from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core import mosaic, progress, rerank
from geolocator.core.cache import file_identity
from geolocator.core.matchers import verify as learned
from geolocator.core.model import Bounds, PixelWindow, Query, Tile
from geolocator.core.rerank import (
    LocalFeatures,
    Verification,
    Verifier,
    VerifySettings,
    _plausible,
    image_local_features,
    verify_pair,
    widen_unverified,
)

from .helpers import Cv2Spy, spy_on_cv2

R_EARTH = 6_371_008.8  # geo.haversine_m's mean radius (IUGG)


def _feat(tag: int, size=(100, 100)) -> LocalFeatures:
    """Features whose points all carry `tag`, so a fake matcher can tell which image it was given."""
    return LocalFeatures(np.full((4, 2), tag, np.float32), np.zeros((4, 128), np.float32), size)


def _tag(features) -> int:
    return int(features.points[0, 0])


# -- _plausible: outlines of about a pixel ------------------------------------------------------------


def test_an_outline_under_a_pixel_is_judged_by_its_share_not_by_pixels():
    # a 1 x 1 px photo scaled by 0.7 onto a 1 x 1 px tile: area 0.49 px^2 (share 0.49), sides 0.7 px;
    # convex, not mirrored, side ratio 1, share inside (0.02, 16): plausible
    assert _plausible(np.diag([0.7, 0.7, 1.0]), (1, 1), (1, 1), VerifySettings())
    assert not _plausible(np.diag([0.1, 0.1, 1.0]), (1, 1), (1, 1), VerifySettings())  # share 0.01 < 0.02


# -- image_local_features through a spy on OpenCV ----------------------------------------------------------


class _Cv2Spy(Cv2Spy):
    """OpenCV with resize, SIFT_create, BFMatcher and findHomography recorded (and still run)."""

    def SIFT_create(self, **kw):  # noqa: N802 - OpenCV's name
        self.calls.append(("SIFT_create", kw))
        return cv2.SIFT_create(**kw)

    def BFMatcher(self, *args):  # noqa: N802
        self.calls.append(("BFMatcher", args))
        return cv2.BFMatcher(*args)

    def findHomography(self, src, dst, *args):  # noqa: N802
        self.calls.append(("findHomography", args))
        return cv2.findHomography(src, dst, *args)


def _spy(monkeypatch) -> _Cv2Spy:
    """rerank's OpenCV replaced by a spy for the test (plain functions, no fixtures: the in-process
    mutation checker provides only tmp_path and monkeypatch)."""
    return spy_on_cv2(monkeypatch, rerank, _Cv2Spy())


def test_downscaling_averages_pixel_blocks(monkeypatch):
    spy = _spy(monkeypatch)
    # 6 x 3 px at max_side 2: working size (2, 1), each output pixel the mean of a 3 x 3 block
    # (INTER_AREA); a point sampler (linear, cubic) would give the blocks' centres 100 and 50
    img = np.array([[0, 30, 60, 90, 120, 150],
                    [10, 100, 70, 200, 50, 250],
                    [20, 50, 83, 30, 60, 94]], np.uint8)
    f = image_local_features(Image.fromarray(img), VerifySettings(max_side=2))
    assert f.size == (2, 1)
    [(dsize, kw, out)] = spy.named("resize")
    assert dsize == (2, 1) and kw == {"interpolation": cv2.INTER_AREA}
    assert out.tolist() == [[47, 116]]  # 423 / 9, 1044 / 9


def test_upscaling_is_cubic_and_a_one_pixel_side_stays_one_pixel(monkeypatch):
    spy = _spy(monkeypatch)
    # a 1 x 10 image zoomed 1.2: 1.2 -> 1 px wide (the width is not reduced, so cubic), 12 tall
    f = image_local_features(Image.new("L", (1, 10), 128), VerifySettings(), zoom=1.2)
    assert f.size == (1, 12)
    f = image_local_features(Image.new("L", (10, 1), 128), VerifySettings(), zoom=1.2)
    assert f.size == (12, 1)
    f = image_local_features(Image.new("L", (4, 4), 128), VerifySettings(), zoom=2.0)
    assert f.size == (8, 8)
    assert [(d, kw) for d, kw, _ in spy.named("resize")] == [
        ((1, 12), {"interpolation": cv2.INTER_CUBIC}), ((12, 1), {"interpolation": cv2.INTER_CUBIC}),
        ((8, 8), {"interpolation": cv2.INTER_CUBIC})]
    # an image already at its working size is not resampled
    image_local_features(Image.new("L", (100, 60), 128), VerifySettings(max_side=128))
    assert len(spy.named("resize")) == 3


def test_sift_gets_the_keypoint_budget_and_a_contrast_threshold_only_when_given(monkeypatch):
    spy = _spy(monkeypatch)
    s = VerifySettings(n_features=1500, fine_n_features=1000)
    image_local_features(Image.new("L", (20, 20), 0), s)
    image_local_features(Image.new("L", (20, 20), 0), s, contrast=0.02)
    assert spy.named("SIFT_create") == [{"nfeatures": 1500}, {"nfeatures": 1000, "contrastThreshold": 0.02}]


# -- verify_pair: the guard, RANSAC's method and threshold ----------------------------------------------------------

H_TRUE = np.array([[0.9, -0.1, 40.0], [0.1, 0.9, 30.0], [0.0, 0.0, 1.0]])  # photo -> tile, a similarity


def _pair(n=40, n_out=0, moved=0, by=0.0, seed=0):
    """A 200 x 150 photo and a 300 x 300 tile: n keypoints that correspond through H_TRUE (the last
    `moved` of them displaced by `by` px in the tile), plus n_out planted outliers whose tile
    partners lie anywhere; descriptors one-hot-like and distinct, so each matches its partner."""
    rng = np.random.default_rng(seed)
    pts = rng.uniform([5, 5], [195, 145], size=(n, 2))
    mapped = np.c_[pts, np.ones(n)] @ H_TRUE.T
    dst = mapped[:, :2] / mapped[:, 2:]
    angle = rng.uniform(0, 2 * np.pi, moved)
    dst[n - moved:] += by * np.c_[np.cos(angle), np.sin(angle)]
    pts_o = rng.uniform([5, 5], [195, 145], size=(n_out, 2))
    dst_o = rng.uniform([0, 0], [300, 300], size=(n_out, 2))
    desc = np.zeros((n + n_out, 128), np.float32)
    i = np.arange(n)
    desc[i, i % 128] = 100.0
    desc[i, (i * 7 + 3) % 128] += 50.0 + i
    j = np.arange(n_out)
    desc[n + j, 40 + j] = 100.0
    desc[n + j, 60 + j] += 70.0
    photo = LocalFeatures(np.r_[pts, pts_o].astype(np.float32), desc, (200, 150))
    tile = LocalFeatures(np.r_[dst, dst_o].astype(np.float32), desc.copy(), (300, 300))
    return photo, tile


def test_planted_outliers_are_left_out_of_the_fit():
    photo, tile = _pair(n=40, n_out=10, seed=5)
    v = verify_pair(photo, tile, VerifySettings())
    assert v.inliers == 40  # the 10 outliers are not counted
    np.testing.assert_allclose(v.homography / v.homography[2, 2], H_TRUE, atol=1e-3)


def test_the_reprojection_tolerance_is_the_ransac_px_setting():
    # 30 exact correspondences and 10 displaced by 5 px: within 8 px (the default), not within 3
    photo, tile = _pair(n=40, moved=10, by=5.0, seed=1)
    assert verify_pair(photo, tile, VerifySettings()).inliers == 40
    assert verify_pair(photo, tile, VerifySettings(ransac_px=3.0)).inliers == 30


def test_fewer_than_four_keypoints_on_either_side_are_not_even_matched(monkeypatch):
    spy = _spy(monkeypatch)
    photo, tile = _pair(n=40)
    three_t = LocalFeatures(tile.points[:3], tile.descriptors[:3], tile.size)
    three_p = LocalFeatures(photo.points[:3], photo.descriptors[:3], photo.size)
    assert verify_pair(photo, three_t, VerifySettings()) == Verification(0)
    assert verify_pair(three_p, tile, VerifySettings()) == Verification(0)
    assert spy.named("BFMatcher") == []
    assert verify_pair(photo, tile, VerifySettings(ransac_px=6.5)).inliers == 40
    assert spy.named("BFMatcher") == [(cv2.NORM_L2,)]
    assert spy.named("findHomography") == [(cv2.USAC_MAGSAC, 6.5)]


# -- the Verifier's arguments, recorded -----------------------------------------------------------------------


class Rec:
    """Fake photo / tile readers and matcher recording what they get. Tile i's features carry tag
    i (+100 for its zoomed fine view, size 200 x 200 instead of 100 x 100); the verification of
    (photo, tile i) has inliers[i] (fine[i] on the fine pass), homography 2I."""

    def __init__(self, monkeypatch, inliers, fine=None, photo_ok=True, fine_ok=True, tags=None):
        self.inliers, self.fine, self.tags = inliers, fine or {}, tags or {}
        self.photos, self.tiles, self.pairs = [], [], []
        rec = self

        def photo(verifier, query, *, fine=False):
            rec.photos.append((query.id, fine))
            ok = fine_ok if fine else photo_ok
            return _feat(-2 if fine else -1) if ok else None

        def tile_features(tile, settings, *, contrast=None, zoom=1.0):
            rec.tiles.append((tile.id, settings, contrast, zoom))
            tag = rec.tags.get(tile.id, int(tile.id[1:])) + (100 if zoom > 1 else 0)
            return _feat(tag, (200, 200) if zoom > 1 else (100, 100))

        def pair(p, t, settings, share=None):
            i = _tag(t)
            rec.pairs.append((_tag(p), i, settings, share))
            n = rec.fine.get(i - 100, 0) if i >= 100 else rec.inliers[i]
            return Verification(n, (0.5, 0.5), 2.0 * np.eye(3) if n else None)

        monkeypatch.setattr(Verifier, "photo", photo)
        monkeypatch.setattr(rerank, "tile_local_features", tile_features)
        monkeypatch.setattr(rerank, "verify_pair", pair)


def _query(tmp_path: Path, name="photo.jpg") -> Query:
    (tmp_path / name).write_bytes(name.encode())
    return Query(name, tmp_path / name)


def _square(tmp_path: Path, n: int) -> list[Tile]:
    tiles = []
    for i in range(n):
        (tmp_path / f"t{i}.png").write_bytes(b"t" * (i + 1))
        tiles.append(Tile(f"t{i}", tmp_path / f"t{i}.png", Bounds(0.0, 0.0, 0.001, 0.001)))
    return tiles


def _side_m(deg: float) -> float:
    """A degree span at the equator in metres (haversine there: R x the angle)."""
    return R_EARTH * math.radians(deg)


def test_windows_and_package_entries_of_one_file_are_different_tiles(tmp_path, monkeypatch):
    (tmp_path / "big.tif").write_bytes(b"raster")
    b = Bounds(0.0, 0.0, 0.001, 0.001)
    win = PixelWindow(0, 0, 5, 5)
    tiles = [Tile("t0", tmp_path / "big.tif", b), Tile("t1", tmp_path / "big.tif", b, window=win),
             Tile("t2", tmp_path / "big.tif", b, ref="12/1/2"), Tile("t3", tmp_path / "big.tif", b, window=win, ref="12/1/2")]
    rec = Rec(monkeypatch, inliers=[10, 11, 12, 13])
    v = Verifier()
    out = v.verify_photo(_query(tmp_path), tiles, [0, 1, 2, 3])
    assert [r.inliers for r in out] == [10, 11, 12, 13]
    assert [(p, t) for p, t, _, _ in rec.pairs] == [(-1, 0), (-1, 1), (-1, 2), (-1, 3)]
    assert [t[0] for t in rec.tiles] == ["t0", "t1", "t2", "t3"]


def test_settings_reach_every_reader_and_matcher(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    rec = Rec(monkeypatch, inliers=[2, 0], fine={0: 3, 1: 9})
    v = Verifier(VerifySettings(fine_contrast=0.03, fine_tile_zoom=2.0))
    out = v.verify_photo(_query(tmp_path), tiles, [0, 1])
    assert [r.inliers for r in out] == [3, 9]
    assert [(p, t) for p, t, _, _ in rec.pairs] == [(-1, 0), (-1, 1), (-2, 100), (-2, 101)]
    assert all(s is v.settings for _, _, s, _ in rec.pairs)
    assert [(i, c, z) for i, _, c, z in rec.tiles] == [("t0", None, 1.0), ("t1", None, 1.0), ("t0", 0.03, 2.0),
                                                       ("t1", 0.03, 2.0)]
    assert all(s is v.settings for _, s, _, _ in rec.tiles)


def test_the_fine_pass_judges_the_outline_by_the_footprint_too(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 1)
    rec = Rec(monkeypatch, inliers=[0], fine={0: 20})
    v = Verifier()
    out = v.verify_photo(_query(tmp_path), tiles, [0], 20.0)
    # the photo is 100 x 100 px, 20 x 20 m; the tile 0.001 deg square at the equator
    share = 400.0 / _side_m(0.001) ** 2
    assert [s for _, _, _, s in rec.pairs] == [pytest.approx(share, rel=1e-8)] * 2
    assert out[0].inliers == 20


def test_an_unreadable_fine_photo_leaves_the_first_results(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    rec = Rec(monkeypatch, inliers=[3, 0], fine={0: 50, 1: 50}, fine_ok=False)
    out = Verifier().verify_photo(_query(tmp_path), tiles, [0, 1])
    assert [r.inliers for r in out] == [3, 0] and out[0].homography is not None
    assert rec.photos == [("photo.jpg", False), ("photo.jpg", True)]
    assert [(p, t) for p, t, _, _ in rec.pairs] == [(-1, 0), (-1, 1)]  # no fine pair


def test_a_fine_result_with_as_many_inliers_does_not_replace_the_first(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    Rec(monkeypatch, inliers=[5, 2], fine={0: 5, 1: 3})
    out = Verifier().verify_photo(_query(tmp_path), tiles, [0, 1])
    # tile 0 keeps its first homography 2I (the fine one, unzoomed, would be x -> (x + 0.5) / 2 - 0.5)
    np.testing.assert_allclose(out[0].homography, 2.0 * np.eye(3))
    # tile 1's fine 2I (the identity into the zoomed tile), unzoomed: [[0.5, 0, -0.25], [0, 0.5, -0.25], [0, 0, 1]] @ 2I
    np.testing.assert_allclose(out[1].homography, [[1.0, 0, -0.5], [0, 1.0, -0.5], [0, 0, 2.0]])
    assert [r.inliers for r in out] == [5, 3]


def test_a_stop_of_one_still_verifies_a_new_photo(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 2)
    rec = Rec(monkeypatch, inliers=[0, 3])
    out = Verifier(VerifySettings(stop_inliers=1, fine_pass=False)).verify_photo(_query(tmp_path), tiles, [0, 1])
    assert [r.inliers for r in out] == [0, 3] and len(rec.pairs) == 2


def test_each_photo_is_read_once_while_its_pairs_are_verified(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 3)
    rec = Rec(monkeypatch, inliers=[12, 12, 12])  # at fine_below: clearly verified, no fine pass read
    v = Verifier()
    a, b = _query(tmp_path, "a.jpg"), _query(tmp_path, "b.jpg")
    v.verify_photo(a, tiles, [0])
    v.verify_photo(b, tiles, [0])
    assert rec.photos == [("a.jpg", False), ("b.jpg", False)]
    v.verify_photo(b, tiles, [1])  # the same photo again (as widening does): its keypoints are kept
    v.verify_photo(b, tiles, [2])
    assert rec.photos == [("a.jpg", False), ("b.jpg", False)] and len(rec.pairs) == 4
    v.verify_photo(a, tiles, [1])  # another photo since: still kept (Verifier.described, session 12)
    assert len(rec.photos) == 2


def test_an_unreadable_photos_zeros_are_kept_for_every_candidate(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 3)
    rec = Rec(monkeypatch, inliers=[9, 9, 9], photo_ok=False)
    v = Verifier()
    query = _query(tmp_path)
    assert v.verify_photo(query, tiles, [0, 1]) == [Verification(0)] * 2
    assert v.verify_photo(query, tiles, [2, 1, 0]) == [Verification(0)] * 3
    # read once: the second call's new candidate (2) finds the failed reading kept (None) and
    # every other pair's zero kept; nothing was matched
    assert rec.photos == [("photo.jpg", False)] and rec.pairs == []


def test_photo_reads_the_query_with_the_verifiers_settings(tmp_path, monkeypatch):
    import geolocator.core.media.query_image as qi

    seen = []
    monkeypatch.setattr(qi, "open_query_image", lambda q, min_side: seen.append((q, min_side)) or "pixels")
    monkeypatch.setattr(rerank, "image_local_features",
                        lambda image, settings, contrast=None, between=None: seen.append((image, settings, contrast)) or "features")
    v = Verifier(VerifySettings(max_side=256))
    query = _query(tmp_path)
    assert v.photo(query) == "features"
    assert seen == [(query, 256), ("pixels", v.settings, None)] and seen[1][1] is v.settings


def _mosaic_fakes(monkeypatch, tiles, learned_backend=False):
    """Fake targets through a mosaic: candidate t's keypoints carry tag t, map to the tile by
    TO_TILE, cover GROUND; the matcher answers H_PHOTO with `inliers` and records its arguments."""
    rec = SimpleNamespace(pairs=[], targets=[], headings=[])
    tile_of = {t.id: i for i, t in enumerate(tiles)}
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(tile_of[tile.id], (100, 100)))

    def target(self, tiles_, t):
        rec.targets.append(int(t))
        return _feat(int(t), (300, 300)), TO_TILE, GROUND

    monkeypatch.setattr(Verifier, "target", target)
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: _feat(-1, (100, 100)))
    if learned_backend:
        monkeypatch.setattr(learned, "headings_and_scores",
                            lambda photo, targets: rec.headings.append((_tag(photo), [_tag(f) for f in targets]))
                            or [(("h", _tag(f)), 10 - _tag(f)) for f in targets])

        def pair(photo, target, settings, share, heading):
            rec.pairs.append((_tag(photo), _tag(target), settings, share, heading))
            return Verification(7, (0.9, 0.9), H_PHOTO)

        monkeypatch.setattr(learned, "verify_pair", pair)
    else:
        def pair(photo, target, settings, share=None):
            rec.pairs.append((_tag(photo), _tag(target), settings, share))
            return Verification(7, (0.9, 0.9), H_PHOTO)

        monkeypatch.setattr(rerank, "verify_pair", pair)
    return rec


# photo (100 x 100 px) -> mosaic pixels, and mosaic pixels -> the candidate tile's (100 x 100 px)
H_PHOTO = np.array([[2.0, 0, 40], [0, 2.0, 60], [0, 0, 1]])
TO_TILE = np.array([[0.5, 0, -10], [0, 0.5, -20], [0, 0, 1]])
GROUND = Bounds(0.0, 0.0, 0.003, 0.003)  # the mosaic's ground: 3 x 3 tiles of 0.001 deg
# TO_TILE @ H_PHOTO = [[1, 0, 10], [0, 1, 10], [0, 0, 1]]: the photo's centre (50, 50) -> (60, 60),
# its corners (0, 0), (100, 0), (100, 100), (0, 100) -> (10, 10), (110, 10), (110, 110), (10, 110)
IN_TILE = np.array([[1.0, 0, 10], [0, 1.0, 10], [0, 0, 1]])
CORNERS = [(0.1, 0.1), (1.1, 0.1), (1.1, 1.1), (0.1, 1.1)]


@pytest.mark.parametrize("backend", ["sift", "xfeat"])
def test_a_match_through_a_mosaic_comes_back_in_the_candidate_tiles_pixels(tmp_path, monkeypatch, backend):
    tiles = _square(tmp_path, 2)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=backend != "sift")
    # every candidate through its own mosaic (these tiles share one place: once() would skip them)
    v = Verifier(VerifySettings(matcher=backend, mosaic=1, fine_pass=False, stop_inliers=50 if backend != "sift" else None,
                                mosaic_once=False))
    out = v.verify_photo(_query(tmp_path), tiles, [0, 1], 20.0)
    share = 400.0 / _side_m(0.003) ** 2  # 20 x 20 m over the mosaic's ground, not the tile's
    for r in out:
        assert r.inliers == 7 and r.centre == pytest.approx((0.6, 0.6))
        np.testing.assert_allclose(r.homography, IN_TILE)
        np.testing.assert_allclose(r.corners, CORNERS)
    assert [p[:2] for p in rec.pairs] == [(-1, 0), (-1, 1)]  # (learned: tile 0 scores 10, tile 1 9)
    assert all(p[2] is v.settings for p in rec.pairs)
    assert [p[3] for p in rec.pairs] == [pytest.approx(share, rel=1e-8)] * 2
    assert rec.targets == [0, 1]


def test_a_learned_backend_gets_the_photo_its_heading_and_the_footprint(tmp_path, monkeypatch):
    tiles = _square(tmp_path, 3)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, stop_inliers=50, mosaic_once=False))
    v.verify_photo(_query(tmp_path), tiles, [2, 0, 1], 10.0)
    assert rec.headings == [(-1, [2, 0, 1])]
    # scores 10 - t: tile 0 (10), 1 (9), 2 (8); each pair with its own heading
    assert [(p, t, h) for p, t, _, _, h in rec.pairs] == [(-1, 0, ("h", 0)), (-1, 1, ("h", 1)), (-1, 2, ("h", 2))]
    assert all(s is v.settings for _, _, s, _, _ in rec.pairs)
    assert [s for *_, s, _ in rec.pairs] == [pytest.approx(100.0 / _side_m(0.003) ** 2, rel=1e-8)] * 3


def _row(tmp_path: Path, n: int) -> list[Tile]:
    """n tiles of 0.001 deg in one row, west to east (tile i's neighbours: i - 1 and i + 1)."""
    tiles = []
    for i in range(n):
        (tmp_path / f"r{i}.png").write_bytes(b"r" * (i + 1))
        tiles.append(Tile(f"r{i}", tmp_path / f"r{i}.png", Bounds(10 + i * 0.001, 50.0, 10 + (i + 1) * 0.001, 50.001)))
    return tiles


def test_mosaic_once_verifies_each_neighbourhood_once_per_photo(tmp_path, monkeypatch):
    tiles = _row(tmp_path, 6)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50))
    photo, other = _query(tmp_path), _query(tmp_path, "other.jpg")
    # heading scores 10 - t: most alike first is 0, 1, 2, 3; tile 0's mosaic holds 0 and 1, so 1 is
    # skipped; 2's holds 1, 2, 3, so 3 is skipped; every pair answers 7 inliers (< 50: no stop)
    out = v.verify_photo(photo, tiles, [3, 2, 1, 0])
    assert [t for _, t, *_ in rec.pairs] == [0, 2]
    assert [r.inliers for r in out] == [0, 7, 0, 7]  # in the candidates' order: 3, 2, 1, 0
    # widening the same photo: 3 lies in 2's mosaic, verified before; 4 is new, and 5 lies in its mosaic
    out = v.verify_photo(photo, tiles, [3, 4, 5])
    assert [t for _, t, *_ in rec.pairs] == [0, 2, 4] and [r.inliers for r in out] == [0, 7, 0]
    assert rec.targets == [3, 2, 1, 0, 4, 5]  # a tile already covered is not even described
    # another photo has its own neighbourhoods
    v.verify_photo(other, tiles, [1, 0])
    assert [t for _, t, *_ in rec.pairs] == [0, 2, 4, 0]
    # off: every candidate through its own mosaic
    rec.pairs.clear()
    Verifier(VerifySettings(matcher="xfeat", mosaic=1, stop_inliers=50, mosaic_once=False)).verify_photo(
        photo, tiles, [3, 2, 1, 0])
    assert [t for _, t, *_ in rec.pairs] == [0, 1, 2, 3]


def test_mosaic_once_is_asked_for_and_needs_mosaics():
    assert not VerifySettings(matcher="xfeat", mosaic=1).once()  # off by default (vegas-coarse 76.2 with it)
    assert VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True).once()
    assert VerifySettings(matcher="sift", mosaic=2, mosaic_once=True).once()
    assert not VerifySettings(matcher="xfeat", mosaic=0, mosaic_once=True).once()  # no mosaics: nothing shared


def test_tile_to_tile_is_linear_in_lon_lat():
    # source tile one tile east and one north of the target; 100 x 100 px against 200 x 100 px:
    # source edge (0, 0) is lon 10.001, lat 50.002 -> target edge x (10.001 - 10) / 0.001 * 200 = 200,
    # y (50.001 - 50.002) / 0.001 * 100 = -100; one source pixel is 2 target pixels across, 1 down.
    # In keypoint coordinates (pixel centres): source x = 0 is edge 0.5 -> target edge 201 -> x 200.5;
    # source y = 0 is edge 0.5 -> target edge -99.5 -> y -100 (one scale: no half pixel)
    got = rerank.tile_to_tile(Bounds(10.001, 50.001, 10.002, 50.002), (100, 100),
                              Bounds(10.0, 50.0, 10.001, 50.001), (200, 100))
    np.testing.assert_allclose(got, [[2, 0, 200.5], [0, 1, -100], [0, 0, 1]], atol=1e-9)


SHIFT = np.array([[1.0, 0, 100], [0, 1.0, 0], [0, 0, 1]])  # one 100 px tile east


@pytest.mark.parametrize("centred_inliers, refine", [(30, 2), (10, 2), (30, 0)])
def test_a_weak_match_centred_in_a_neighbour_is_verified_again_through_its_mosaic(
        tmp_path, monkeypatch, centred_inliers, refine):
    tiles = _row(tmp_path, 5)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(0, (100, 100)))
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: _feat(-1, (100, 100)))
    monkeypatch.setattr(Verifier, "target", lambda self, tiles_, t: (_feat(int(t), (300, 300)), np.eye(3), GROUND))
    headings = []
    monkeypatch.setattr(learned, "headings_and_scores", lambda photo, targets: headings.append(
        [_tag(f) for f in targets]) or [(("h", _tag(f)), 10 - _tag(f)) for f in targets])
    # through tile 0's mosaic the photo's centre (50, 50) lands 100 px east: in tile 1, 12 inliers;
    # tile 2's match is centred in tile 2 (9 inliers); tile 1's own mosaic gives `centred_inliers`
    answers = {0: (12, SHIFT), 2: (9, np.eye(3)), 1: (centred_inliers, np.eye(3)), 4: (0, np.eye(3))}
    pairs = []

    def pair(photo, target, settings, share, heading):
        pairs.append(_tag(target))
        n, h = answers[_tag(target)]
        return Verification(n, None, h)

    monkeypatch.setattr(learned, "verify_pair", pair)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50, mosaic_refine=refine))
    query = _query(tmp_path)
    out = v.verify_photo(query, tiles, [0, 2])
    if refine == 0:
        assert pairs == [0, 2] and [r.inliers for r in out] == [12, 9]
        return
    assert pairs == [0, 2, 1] and headings == [[0, 2], [1]]  # tile 2's centre is its own: not again
    if centred_inliers > 12:
        # tile 1's result in tile 0's pixels: tile 1 starts 100 px east of tile 0 (same size)
        assert out[0].inliers == 30 and out[0].centre == pytest.approx((1.5, 0.5))
        np.testing.assert_allclose(out[0].homography, SHIFT, atol=1e-9)
    else:  # weaker centred: the first result stays
        assert out[0].inliers == 12 and out[0].centre == pytest.approx((1.5, 0.5))
    assert out[1].inliers == 9
    # widening the same photo later: 0-3 lie in the mosaics verified (0, 2 and the refined 1)
    pairs.clear()
    v.verify_photo(query, tiles, [1, 3, 4])
    assert pairs == [4]


def test_in_tile_chains_the_mosaic_map_and_keeps_results_without_one():
    v = Verifier()
    photo, tile = _feat(0, (100, 50)), _feat(0, (200, 100))
    to_tile = np.array([[0.5, 0, 10], [0, 0.5, 5], [0, 0, 1]])
    first = Verification(7, (0.9, 0.9), np.diag([4.0, 4.0, 1.0]))  # photo (x, y) -> mosaic (4x, 4y)
    got = v._in_tile(first, to_tile, photo, tile)
    # (x, y) -> (2x + 10, 2y + 5): centre (49.5, 24.5) -> (109, 54): fractions of a 200 x 100 tile
    # count from its edge, ((109 + 0.5) / 200, (54 + 0.5) / 100)
    assert got.inliers == 7 and got.centre == pytest.approx((0.5475, 0.545))
    np.testing.assert_allclose(got.homography, [[2, 0, 10], [0, 2, 5], [0, 0, 1]])
    # outer corners (-0.5, -0.5), (99.5, -0.5), (99.5, 49.5), (-0.5, 49.5) -> (9, 4), (209, 4), (209, 104), (9, 104)
    np.testing.assert_allclose(got.corners, [(0.0475, 0.045), (1.0475, 0.045), (1.0475, 1.045), (0.0475, 1.045)])
    assert v._in_tile(first, None, photo, tile) is first
    empty = Verification(0)
    assert v._in_tile(empty, to_tile, photo, tile) is empty


# -- Verifier.target: the mosaic of a candidate and its neighbours ------------------------------------------------


def _grid(tmp_path, kind: str) -> list[Tile]:
    """3 x 3 tiles of 0.001 deg, index row * 3 + col from the south-west, all in one file: windows of
    one raster ("window") or entries of one package ("ref")."""
    path = tmp_path / ("big.tif" if kind == "window" else "pack.mbtiles")
    path.write_bytes(b"x")
    tiles = []
    for r in range(3):
        for c in range(3):
            b = Bounds(10 + c * 0.001, 50 + r * 0.001, 10 + (c + 1) * 0.001, 50 + (r + 1) * 0.001)
            extra = {"window": PixelWindow(c * 8, (2 - r) * 8, 8, 8)} if kind == "window" else {"ref": f"18/{c}/{r}"}
            tiles.append(Tile(f"t{r * 3 + c}", path, b, **extra))
    return tiles


class _TargetFakes:
    def __init__(self, monkeypatch, tiles, broken=()):
        self.opened, self.described, self.grids = [], [], 0
        fakes = self
        index = {t.id: i for i, t in enumerate(tiles)}
        import geolocator.core.sources.tile_image as tile_image

        def open_tile_image(tile, min_side=None):
            fakes.opened.append((tile.id, min_side))
            if tile.id in broken:
                raise OSError("broken")
            return Image.new("RGB", (8, 8), (index[tile.id] * 20, 0, 0))

        def describe(image, settings, contrast=None, zoom=1.0, between=None):
            fakes.described.append((image.size, settings.headings, np.asarray(image)[::8, ::8, 0].tolist()))
            return _feat(-5, (12, 12))

        class Grid(mosaic.NeighbourGrid):
            def __init__(self, tiles_):
                fakes.grids += 1
                super().__init__(tiles_)

        monkeypatch.setattr(tile_image, "open_tile_image", open_tile_image)
        monkeypatch.setattr(rerank, "image_local_features", describe)
        monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(index[tile.id], (8, 8)))
        monkeypatch.setattr(mosaic, "NeighbourGrid", Grid)


@pytest.mark.parametrize("kind", ["window", "ref"])
def test_the_mosaic_of_a_candidate_is_its_ring_of_tiles_described_north_up(tmp_path, monkeypatch, kind):
    tiles = _grid(tmp_path, kind)
    fakes = _TargetFakes(monkeypatch, tiles)
    v = Verifier(VerifySettings(mosaic=1, max_side=300, headings=4))
    features, to_tile, ground = v.target(tiles, 4)
    # the centre tile first, then its 8 neighbours by index, each read at the working size
    assert fakes.opened == [(f"t{i}", 300) for i in (4, 0, 1, 2, 3, 5, 6, 7, 8)]
    # one 24 x 24 mosaic (8 px a tile), north up: row 0 of the image is the north row (tiles 6, 7, 8)
    assert fakes.described == [((24, 24), 1, [[120, 140, 160], [60, 80, 100], [0, 20, 40]])]
    assert _tag(features) == -5
    assert ground == Bounds(tiles[0].bounds.west, tiles[0].bounds.south, tiles[8].bounds.east, tiles[8].bounds.north)
    # described at 12 x 12 (x 0.5): the candidate's box (8, 8)-(16, 16) is (4, 4)-(8, 8) there,
    # and the candidate tile is described at 8 x 8: x 2, edges x -> 2x - 8; keypoints (pixel
    # centres) x -> 2 (x + 0.5) - 8 - 0.5 = 2x - 7.5 (described 3.75 -> edge 4.25 -> 8.5 -> tile 0)
    np.testing.assert_allclose(to_tile, [[2, 0, -7.5], [0, 2, -7.5], [0, 0, 1]])
    assert v.target(tiles, 4)[0] is features and len(fakes.opened) == 9  # kept
    # another tile of the same file (another window / package entry) is another mosaic
    _, _, ground0 = v.target(tiles, 0)
    assert ground0 == Bounds(tiles[0].bounds.west, tiles[0].bounds.south, tiles[4].bounds.east, tiles[4].bounds.north)
    assert len(fakes.described) == 2
    assert fakes.opened[9:] == [(f"t{i}", 300) for i in (0, 1, 3, 4)]
    assert fakes.grids == 1  # one neighbour grid for one tile list
    # a new tile list gets its own grid: here the same tiles without the south-west one
    fewer = tiles[1:]
    _, _, ground_new = v.target(fewer, 0)  # tile t1 (index 0 of the new list)
    assert fakes.grids == 2
    assert ground_new == Bounds(tiles[3].bounds.west, tiles[1].bounds.south, tiles[5].bounds.east, tiles[5].bounds.north)
    assert fakes.opened[13:] == [(f"t{i}", 300) for i in (1, 2, 3, 4, 5)]


def test_a_broken_neighbour_leaves_the_candidate_alone(tmp_path, monkeypatch):
    tiles = _grid(tmp_path, "window")
    fakes = _TargetFakes(monkeypatch, tiles, broken={"t5"})
    v = Verifier(VerifySettings(mosaic=1))
    features, to_tile, ground = v.target(tiles, 4)
    assert _tag(features) == 4 and features.size == (8, 8) and to_tile is None and ground == tiles[4].bounds
    assert fakes.described == []
    again = v.target(tiles, 4)
    assert again[0] is features and again[1] is None and again[2] == tiles[4].bounds


# -- the keypoint cache: device, windows, package entries, mosaics ---------------------------------------------


class _FakeCache:
    def __init__(self, log, store):
        self.log, self.store = log, store

    def __call__(self, root):  # KeypointCache(root)
        self.log.append(("open", root))
        return self

    def get(self, signature, identity):
        self.log.append(("get", signature, identity))
        return self.store.get((signature, identity))

    def put(self, signature, identity, value):
        self.log.append(("put", signature, identity))
        self.store[(signature, identity)] = value


def _cache(monkeypatch) -> list:
    """The keypoint cache faked (its calls logged) and two fake learned matchers, on cpu and cuda."""
    import geolocator.core.matchers as matchers
    import geolocator.core.matchers.keypoint_cache as kc

    log, store = [], {}
    monkeypatch.setattr(kc, "KeypointCache", _FakeCache(log, store))
    monkeypatch.setitem(matchers._cache, ("xfeat", "cuda"), SimpleNamespace(signature="on-cuda"))
    monkeypatch.setitem(matchers._cache, ("xfeat", "cpu"), SimpleNamespace(signature="on-cpu"))
    return log


def _entries(tmp_path):
    (tmp_path / "pack.mbtiles").write_bytes(b"p")
    b0, b1 = Bounds(1.0, 2.0, 1.5, 2.5), Bounds(1.5, 2.0, 2.0, 2.5)
    return [Tile("a", tmp_path / "pack.mbtiles", b0, window=PixelWindow(1, 2, 3, 4), ref="9/1/2"),
            Tile("b", tmp_path / "pack.mbtiles", b1, ref="9/2/2")]


def test_a_mosaics_keypoints_are_kept_under_the_device_and_every_members_identity(tmp_path, monkeypatch):
    cache = _cache(monkeypatch)
    members = _entries(tmp_path)
    s = VerifySettings(matcher="xfeat", device="cuda", max_side=320, keypoint_cache=tmp_path / "kp")
    v = Verifier(s)
    assert v._stored_mosaic(members, 2) is None  # a miss
    identity = (f"{file_identity(members[0].path, PixelWindow(1, 2, 3, 4), '9/1/2')}|{members[0].bounds}\n"
                f"{file_identity(members[1].path, None, '9/2/2')}|{members[1].bounds}")
    assert "|1,2,3,4#9/1/2|Bounds(west=1.0" in identity and "|#9/2/2|Bounds(west=1.5" in identity
    assert cache == [("open", tmp_path / "kp"), ("get", "on-cuda|side320|mosaic2", identity)]
    kept = _feat(3)
    assert v._stored_mosaic(members, 2, kept) is kept
    assert cache[2:] == [("put", "on-cuda|side320|mosaic2", identity)]
    assert Verifier(s)._stored_mosaic(members, 2) is kept  # a new session reads it back
    assert [c[0] for c in cache] == ["open", "get", "put", "open", "get"]


def test_no_mosaic_cache_for_sift_or_without_a_folder(tmp_path, monkeypatch):
    cache = _cache(monkeypatch)
    members = _entries(tmp_path)
    assert Verifier(VerifySettings(keypoint_cache=tmp_path / "kp"))._stored_mosaic(members, 1) is None
    assert Verifier(VerifySettings(keypoint_cache=tmp_path / "kp"))._stored_mosaic(members, 1, _feat(1)) is None
    assert Verifier(VerifySettings(matcher="xfeat"))._stored_mosaic(members, 1) is None
    assert cache == []


def test_a_tiles_keypoints_are_kept_under_the_device_its_window_and_entry(tmp_path, monkeypatch):
    cache = _cache(monkeypatch)
    members = _entries(tmp_path)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(ord(tile.id)))
    v = Verifier(VerifySettings(matcher="xfeat", device="cuda", max_side=256, keypoint_cache=tmp_path / "kp"))
    assert _tag(v.tile(members[0])) == ord("a") and _tag(v.tile(members[1])) == ord("b")
    ids = [file_identity(members[0].path, PixelWindow(1, 2, 3, 4), "9/1/2"), file_identity(members[1].path, None, "9/2/2")]
    assert ids[0].endswith("|1,2,3,4#9/1/2") and ids[1].endswith("|#9/2/2")
    assert cache == [("open", tmp_path / "kp"), ("get", "on-cuda|side256", ids[0]), ("put", "on-cuda|side256", ids[0]),
                     ("get", "on-cuda|side256", ids[1]), ("put", "on-cuda|side256", ids[1])]


# -- widen_unverified / verify: what reaches verify_photo, the ETA -------------------------------------------------


def test_widen_hands_the_tiles_on_and_takes_thresholds_as_a_column():
    calls = []

    class Recorder:
        def verify_photo(self, query, tiles, extra, footprint, cancel=None):
            calls.append((query, tiles, list(extra), footprint))
            return [Verification(100 + int(t)) for t in extra]

    tiles = ("tile list",)
    order, cands = np.array([[0, 1, 2], [0, 1, 2]]), np.array([[0], [0]])
    checks = [[Verification(9)], [Verification(10)]]
    # floors 9 and 10, confident 9 and 11: photo a (9) is settled, b (10 < 11) is widened
    wide, out = widen_unverified(Recorder(), ["a", "b"], tiles, order, cands, checks, np.array([[9], [10]]), 3,
                                 confident=np.array([[9], [11]]))
    assert calls == [("b", tiles, [1, 2], None)] and calls[0][1] is tiles
    assert [v.inliers for v in out[1]] == [10, 101, 102] and wide.tolist() == [[0, 1, 2], [0, 1, 2]]


def test_verify_hands_the_tiles_on_and_its_eta_follows_the_pace(tmp_path, monkeypatch):
    seen, events = [], []
    monkeypatch.setattr(Verifier, "verify_photo", lambda self, q, t, c, fp=None, decoded=None, cancel=None: seen.append(t) or [Verification(1)])
    ticks = iter([0.0, 10.0, 20.0])  # perf_counter: the clock's start, then after each photo
    monkeypatch.setattr(progress, "time", SimpleNamespace(perf_counter=lambda: next(ticks)))
    tiles = ("tiles",)
    Verifier().verify([_query(tmp_path, "a.jpg"), _query(tmp_path, "b.jpg")], tiles, np.array([[0], [0]]),
                      progress=events.append)
    assert seen == [tiles, tiles] and seen[0] is tiles
    # 10 s for the first of 2 photos: 10 s left; none after the second
    assert [e.eta_s for e in events] == [10.0, 0.0]


@pytest.mark.parametrize("floor, verified", [(0, [0, 2]), (7, [0, 2]), (8, [0, 1, 2, 3])])
def test_mosaic_once_floor_a_mosaic_that_matched_less_covers_itself_only(tmp_path, monkeypatch, floor, verified):
    # session 11: as test_mosaic_once_verifies_each_neighbourhood_once_per_photo, every pair 7 inliers,
    # most alike first 0, 1, 2, 3. Floor 0 (session 10's rule) or 7: tile 0's mosaic covers 0 and 1,
    # tile 2's 1-3, so 1 and 3 are skipped. Floor 8: no mosaic reaches it, each covers its own tile
    # only, so every candidate is verified through its own mosaic.
    tiles = _row(tmp_path, 6)
    rec = _mosaic_fakes(monkeypatch, tiles, learned_backend=True)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50, mosaic_once_floor=floor))
    out = v.verify_photo(_query(tmp_path), tiles, [3, 2, 1, 0])
    assert [t for _, t, *_ in rec.pairs] == verified
    assert [r.inliers for r in out] == [7 if t in verified else 0 for t in (3, 2, 1, 0)]
    assert VerifySettings().mosaic_once_floor == 0  # off unless asked: session 10's rule
