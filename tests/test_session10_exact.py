"""Exact tests written for mutants of session 10's new code that no test killed
(training/results/mutation_session10.md): content.spread_array, oblique.view_geometry and
assumed_view, rerank.normalise_contrast, tile_to_tile, nadir_image, Verifier._blind_pass. Each
expected value is worked out by hand in the comments."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import content, rerank
from geolocator.core.model import Bounds, PhotoMeta, Query, Tile
from geolocator.core.oblique import FOCAL_RATIO_RANGE, MAX_ALTITUDE_M, assumed_view, view_geometry
from geolocator.core.rerank import LocalFeatures, Verification, Verifier, VerifySettings, normalise_contrast


# -- content.spread_array -------------------------------------------------------------------------------

# 8 x 1024, every row 255 then seven 0s repeated: shrunk to 256 px wide (SPREAD_SIDE) by block averages
# of 4 columns, the blocks alternate 255 / 4 = 63.75 and 0: std 63.75 / 2 = 31.875. (A bilinear
# shrink samples each block between its columns 1 and 2, both 0: std 0.)
PERIOD_8 = np.tile(np.array([255] + [0] * 7, np.uint8), (8, 128))


def test_spread_shrinks_by_block_averages_in_floating_point():
    assert content.spread_array(PERIOD_8.astype(np.float32)) == pytest.approx(31.875, abs=1e-4)
    # uint8 in: the average 63.75 is kept, not rounded to 64 (which would give std 32)
    assert content.spread_array(PERIOD_8) == pytest.approx(31.875, abs=1e-4)


def test_spread_of_a_sliver_shrinks_its_short_side_to_one_pixel():
    # 1024 x 4, columns 0, 0, 255, 255: scale 256 / 1024 = 0.25, the 4 columns become round(1.0) = 1,
    # their average 127.5 on every row: std 0 (two columns, 0 and 255, would give 127.5)
    sliver = np.tile(np.array([0, 0, 255, 255], np.float32), (1024, 1))
    assert content.spread_array(sliver) == 0.0
    assert content.spread_array(np.ascontiguousarray(sliver.T)) == 0.0  # the same lying down


def test_spread_of_an_image_under_spread_side_is_its_own_std():
    # 150 x 200 (longer side < 256): "a smaller image as it is", the std of its own levels
    image = np.random.default_rng(5).integers(0, 256, (150, 200)).astype(np.float32)
    assert content.spread_array(image) == pytest.approx(float(np.std(image.astype(np.float64))), rel=1e-5)


def test_spread_of_an_image_whose_std_overflows_is_zero():
    # inf is read as float32's largest (3.4e38); its deviation squared overflows float32: not finite -> 0.0
    assert content.spread_array(np.array([[np.inf, 0.0]])) == 0.0


# -- oblique.view_geometry and assumed_view ---------------------------------------------------------------


def _meta(**kw):
    base = dict(width=4000, height=3000, gimbal_pitch_deg=-45.0, relative_altitude_m=30.0, focal_length_mm=4.5,
                sensor_width_mm=6.4)
    base.update(kw)
    return PhotoMeta(**base)


def test_view_geometry_takes_its_range_ends():
    # "a focal ratio outside FOCAL_RATIO_RANGE, a height above MAX_ALTITUDE_M" are refused: the ends are in
    assert FOCAL_RATIO_RANGE == (0.1, 100.0) and MAX_ALTITUDE_M == 1e5
    assert view_geometry(_meta(focal_length_mm=1.0, sensor_width_mm=10.0)).focal_ratio == 0.1  # 1 / 10
    assert view_geometry(_meta(focal_length_mm=100.0, sensor_width_mm=1.0)).focal_ratio == 100.0
    assert view_geometry(_meta(relative_altitude_m=1e5)).altitude_m == 1e5


def test_assumed_view_is_a_one_metre_placeholder_height_and_takes_any_lens_above_zero():
    assert assumed_view(40.0, 65.0).altitude_m == 1.0
    # a 0.5 deg lens: focal ratio 1 / (2 tan 0.25 deg) = 1 / (2 x 0.00436335) = 114.59
    assert assumed_view(0.0, 0.5).focal_ratio == pytest.approx(114.59, abs=0.01)
    with pytest.raises(ValueError, match=r"a tilt in \[0, 90\) and a lens in \(0, 180\) degrees, got 90.0, 60.0"):
        assumed_view(90.0, 60.0)


# -- rerank ------------------------------------------------------------------------------------------------


def test_a_stretch_of_exactly_one_grey_level_is_stretched():
    # 50 pixels at 100, 50 at 101: numpy's linear 1st percentile sits between the sorted values 0
    # and 1 (both 100), the 99th between 98 and 99 (both 101): hi - lo = 1, not flat (< 1), so
    # 100 -> 0 and 101 -> (101 - 100) * 255 / 1 = 255
    image = np.array([100] * 50 + [101] * 50, np.uint8).reshape(10, 10)
    out = normalise_contrast(image, 1)
    assert out.tolist() == [[0] * 10] * 5 + [[255] * 10] * 5


def test_an_unknown_contrast_mode_is_named_in_the_error():
    with pytest.raises(ValueError, match=r"contrast_norm must be 0, 1 or 2, not 3"):
        normalise_contrast(np.zeros((4, 4), np.uint8), 3)


def test_tile_to_tile_scales_each_axis_by_its_own_side():
    # source 0.001 deg square described at 100 x 50 px (not square, unlike the older test), target
    # 0.001 deg at 200 x 100 px: one source pixel is 0.001 / 100 deg across = 200 / 100 = 2 target
    # pixels, and 0.001 / 50 deg down = 100 / 50 = 2 target pixels; the offsets as in
    # test_tile_to_tile_is_linear_in_lon_lat: (10.001 - 10) / 0.001 * 200 = 200, (50.001 - 50.002)
    # / 0.001 * 100 = -100, between pixel edges. Between keypoint coordinates (pixel centres) each
    # offset gains 0.5 * scale - 0.5 = 0.5: source (0, 0) is edge (0.5, 0.5) -> target edge (201, -99)
    # -> keypoint (200.5, -99.5)
    got = rerank.tile_to_tile(Bounds(10.001, 50.001, 10.002, 50.002), (100, 50), Bounds(10.0, 50.0, 10.001, 50.001), (200, 100))
    np.testing.assert_allclose(got, [[2, 0, 200.5], [0, 2, -99.5], [0, 0, 1]], atol=1e-9)


def test_nadir_image_of_a_colour_photo_is_each_channel_turned_alike():
    # The docstring takes (H, W) grey or (H, W, 3): a colour photo's nadir image is the grey one's
    # warp applied to each channel (the same map, the same mask)
    rng = np.random.default_rng(3)
    rgb = rng.integers(0, 256, (60, 80, 3)).astype(np.uint8)
    view = assumed_view(40.0, 60.0)
    nadir, mask, canvas = rerank.nadir_image(rgb, view, 64)
    assert nadir.shape[2] == 3
    for c in range(3):
        grey_nadir, grey_mask, grey_canvas = rerank.nadir_image(np.ascontiguousarray(rgb[..., c]), view, 64)
        assert (nadir[..., c] == grey_nadir).all()
        assert (mask == grey_mask).all()
        np.testing.assert_array_equal(canvas, grey_canvas)


def _tiles():
    return [Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(0.001 * i, 0.0, 0.001 * i + 0.001, 0.001)) for i in range(2)]


def _blind(monkeypatch, tmp_path, found, **settings):
    """A Verifier whose first and fine passes find nothing, and whose blind pass at tilt T finds
    found[T] on every tile; also returns the keyword arguments the photo was opened with."""
    Image.new("RGB", (64, 48), (90, 90, 90)).save(tmp_path / "q.png")
    empty = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), (64, 48))
    v = Verifier(VerifySettings(**settings))
    monkeypatch.setattr(v, "photo", lambda query, fine=False: empty)
    monkeypatch.setattr(v, "tile", lambda tile, fine=False: empty)
    monkeypatch.setattr(rerank, "verify_pair", lambda *a, **k: Verification(0))
    monkeypatch.setattr(rerank, "rectified_local_features", lambda image, view, s, contrast=None, between=None: LocalFeatures(
        empty.points, empty.descriptors, (64, 48), views=(round(view.tilt_deg, 6),)))
    monkeypatch.setattr(v, "_fine_pair", lambda photo, tile, footprint_m: (
        found[photo.views[0]] if photo.views else Verification(0)))
    from geolocator.core.media import query_image

    opened = []
    real_open = query_image.open_query_image
    monkeypatch.setattr(query_image, "open_query_image", lambda query, **kw: opened.append(kw) or real_open(query, **kw))
    return v, opened


def test_on_a_tie_the_blind_pass_keeps_the_earlier_tilts_match(monkeypatch, tmp_path):
    # 30 and 45 degrees both find 5 inliers, centred apart: "keeps its most inliers" keeps the
    # first found (30 degrees); only more inliers replace it
    first, second = Verification(5, (0.25, 0.25)), Verification(5, (0.75, 0.75))
    v, _ = _blind(monkeypatch, tmp_path, {30.0: first, 45.0: second}, blind_tilts=(30.0, 45.0), fine_candidates=2)
    got = v.verify_photo(Query("q", tmp_path / "q.png"), _tiles(), [0, 1])
    assert [r.centre for r in got] == [(0.25, 0.25), (0.25, 0.25)]


def test_the_blind_pass_decodes_the_photo_at_the_working_size(monkeypatch, tmp_path):
    # a JPEG may decode reduced to the working size (max_side) instead of in full: the blind pass
    # asks for that, as the photo's other passes do
    v, opened = _blind(monkeypatch, tmp_path, {40.0: Verification(0)}, blind_tilts=(40.0,), max_side=320)
    v.verify_photo(Query("q", tmp_path / "q.png"), _tiles(), [0])
    assert opened == [{"min_side": 320}]


def test_the_refined_pair_is_matched_with_the_photo_its_heading_and_outline(tmp_path, monkeypatch):
    """Verifier._refine (the setting of test_a_weak_match_centred_in_a_neighbour_is_verified_again_through_its_mosaic,
    whose fakes ignore their arguments): the neighbour holding the centre (tile 1) is described through
    its own mosaic (target(tiles, 1)), its heading searched for THIS photo, and verify_pair gets the
    photo, that mosaic, the settings, the outline rule of (photo, the mosaic's ground, footprint_m) and the
    heading the search found (its first element, not its score)."""
    from geolocator.core.matchers import verify as learned

    from .test_rerank_exact2 import GROUND, SHIFT, _feat, _query, _row, _tag

    tiles = _row(tmp_path, 5)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(0, (100, 100)))
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: _feat(-1, (100, 100)))
    targets = []
    monkeypatch.setattr(Verifier, "target", lambda self, tiles_, t: targets.append((tiles_ is tiles, int(t))) or (
        _feat(int(t), (300, 300)), np.eye(3), GROUND))
    headings = []
    monkeypatch.setattr(learned, "headings_and_scores", lambda photo, targets_: headings.append(
        (_tag(photo), [_tag(f) for f in targets_])) or [(("h", _tag(f)), 10 - _tag(f)) for f in targets_])
    shares = []
    monkeypatch.setattr(Verifier, "_share", lambda self, photo, ground, footprint_m: shares.append(
        (_tag(photo), ground, footprint_m)) or ("share", len(shares)))
    answers = {0: (12, SHIFT), 2: (9, np.eye(3)), 1: (30, np.eye(3))}
    pairs = []

    def pair(photo, target, settings, share, heading):
        pairs.append((_tag(photo), _tag(target), settings, share, heading))
        n, h = answers[_tag(target)]
        return Verification(n, None, h)

    monkeypatch.setattr(learned, "verify_pair", pair)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=True, stop_inliers=50, mosaic_refine=2))
    v.verify_photo(_query(tmp_path), tiles, [0, 2], 25.0)
    # the first pass: tiles 0 and 2; then the refinement through tile 1's mosaic (the third call each)
    assert targets[-1] == (True, 1)
    assert headings[-1] == (-1, [1])
    assert shares[-1] == (-1, GROUND, 25.0)
    assert pairs[-1] == (-1, 1, v.settings, ("share", len(shares)), ("h", 1))


def _refined(tmp_path, monkeypatch, answers, refine, once=True, candidates=(0, 2), maps=None):
    """verify_photo of one photo against candidate tiles [0, 2] of a row of 5 (mosaic 1, mosaic_once),
    verify_pair answering answers[mosaic's tile] = (inliers, homography); returns (results, the tiles
    verify_pair saw, in order). `maps`: {tile: its mosaic's map to the tile's pixels}, identity for the others (None:
    a broken mosaic, the tile matched alone)."""
    from geolocator.core.matchers import verify as learned

    from .test_rerank_exact2 import GROUND, _feat, _query, _row, _tag

    tiles = _row(tmp_path, 5)
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(0, (100, 100)))
    monkeypatch.setattr(Verifier, "photo", lambda self, query, fine=False: _feat(-1, (100, 100)))
    monkeypatch.setattr(Verifier, "target", lambda self, tiles_, t: (
        _feat(int(t), (300, 300)), (maps or {}).get(int(t), np.eye(3)), GROUND))
    monkeypatch.setattr(learned, "headings_and_scores", lambda photo, targets: [(("h", _tag(f)), 10 - _tag(f)) for f in targets])
    seen = []

    def pair(photo, target, settings, share, heading):
        seen.append(_tag(target))
        n, h = answers[_tag(target)]
        return Verification(n, None, h)

    monkeypatch.setattr(learned, "verify_pair", pair)
    v = Verifier(VerifySettings(matcher="xfeat", mosaic=1, mosaic_once=once, stop_inliers=50, mosaic_refine=refine))
    return v.verify_photo(_query(tmp_path), tiles, list(candidates)), seen


SHIFT_EAST = np.array([[1.0, 0, 100], [0, 1.0, 0], [0, 0, 1]])  # the photo's centre (50, 50) into tile 1


def test_refine_takes_the_strongest_weak_matches_first_and_goes_past_one_centred_at_home(tmp_path, monkeypatch):
    # tile 2: 13 inliers centred in tile 2 itself (no other holder); tile 0: 12, centred in tile 1.
    # Strongest first: tile 2 (nothing to do), then tile 0 -> tile 1's mosaic is verified (the third call)
    _, seen = _refined(tmp_path, monkeypatch, {0: (12, SHIFT_EAST), 2: (13, np.eye(3)), 1: (30, np.eye(3))}, 2)
    assert seen == [0, 2, 1]
    # only the strongest one (refine 1): tile 2, which has nothing to refine
    _, seen = _refined(tmp_path, monkeypatch, {0: (12, SHIFT_EAST), 2: (13, np.eye(3)), 1: (30, np.eye(3))}, 1)
    assert seen == [0, 2]


def test_refine_leaves_a_match_under_min_inliers(tmp_path, monkeypatch):
    # tile 0: 5 inliers (< min_inliers 8), centred in tile 1: not a weak match, not refined
    _, seen = _refined(tmp_path, monkeypatch, {0: (5, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}, 2)
    assert seen == [0, 2]
    # exactly min_inliers (8) is a weak match: refined
    _, seen = _refined(tmp_path, monkeypatch, {0: (8, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}, 2)
    assert seen == [0, 2, 1]


def test_a_refined_result_goes_through_the_holders_mosaic_map_and_then_between_the_tiles(tmp_path, monkeypatch):
    # tile 1's mosaic map halves (mosaic px -> tile 1 px); its result (identity, 30 inliers) puts the
    # photo's centre (49.5, 49.5 in keypoint coordinates) at mosaic (49.5, 49.5) -> tile 1 (24.75,
    # 24.75) -> tile 0 (124.75, 24.75) (tile 1 starts 100 px east of tile 0, one scale: no half
    # pixel): fractions of tile 0's 100 x 100 px from its edge, (125.25 / 100, 25.25 / 100)
    half = np.diag([0.5, 0.5, 1.0])
    out, seen = _refined(tmp_path, monkeypatch, {0: (12, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}, 2,
                         maps={1: half})
    assert seen == [0, 2, 1] and out[0].inliers == 30 and out[0].centre == pytest.approx((1.2525, 0.2525))
    # tile 1's mosaic broken (matched alone, no map): tile 1 px -> tile 0 px only: (149.5, 49.5) -> (1.5, 0.5)
    out, _ = _refined(tmp_path, monkeypatch, {0: (12, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}, 2,
                      maps={1: None})
    assert out[0].inliers == 30 and out[0].centre == pytest.approx((1.5, 0.5))


def test_refine_keeps_the_first_result_on_a_tie(tmp_path, monkeypatch):
    # tile 1's mosaic also finds 12, with the photo twice as large (centre (50, 50) -> (100, 100), i.e.
    # (2.0, 1.0) in tile 0's pixels): "where that finds MORE inliers it replaces" -> the first stays:
    # centre (150, 50) / 100 = (1.5, 0.5), homography SHIFT_EAST
    out, seen = _refined(tmp_path, monkeypatch, {0: (12, SHIFT_EAST), 2: (9, np.eye(3)), 1: (12, np.diag([2.0, 2.0, 1.0]))}, 2)
    assert seen == [0, 2, 1]
    assert out[0].inliers == 12 and out[0].centre == pytest.approx((1.5, 0.5))
    np.testing.assert_allclose(out[0].homography, SHIFT_EAST, atol=1e-9)


def test_rectified_features_of_a_learned_backend_are_its_own_with_the_view(monkeypatch):
    # settings.matcher != "sift": matchers/verify.features(pil_image, settings, view=view), as it is
    from geolocator.core.matchers import verify as learned

    calls = []
    monkeypatch.setattr(learned, "features", lambda *a, **k: calls.append((a, k)) or "described")
    image, view, settings = Image.new("RGB", (64, 48)), assumed_view(40.0, 60.0), VerifySettings(matcher="xfeat")
    assert rerank.rectified_local_features(image, view, settings) == "described"
    assert len(calls) == 1 and calls[0][0][0] is image and calls[0][0][1] is settings and calls[0][1] == {"view": view, "between": None}
    # session 15: a check between headings is handed on (a cancel token's, Verifier.photo)
    check = object()
    rerank.rectified_local_features(image, view, settings, between=check)
    assert calls[1][1] == {"view": view, "between": check}


def test_rectified_sift_features_carry_the_photos_working_size():
    # a 200 x 150 photo under max_side 512 is matched as it is: size (200, 150) (width, height), keypoints found
    rng = np.random.default_rng(7)
    texture = np.kron(rng.integers(0, 256, (15, 20)), np.ones((10, 10))).astype(np.uint8)
    got = rerank.rectified_local_features(Image.fromarray(texture).convert("RGB"), assumed_view(30.0, 60.0), VerifySettings())
    assert len(got.points) > 0 and got.size == (200, 150)


def test_refine_with_one_and_only_with_mosaic_once(tmp_path, monkeypatch):
    # tile 0 (12 inliers, centred in tile 1) is the strongest weak match: refine 1 verifies tile 1's mosaic
    answers = {0: (12, SHIFT_EAST), 2: (9, np.eye(3)), 1: (30, np.eye(3))}
    assert _refined(tmp_path, monkeypatch, answers, 1)[1] == [0, 2, 1]
    # refinement belongs to mosaic_once (VerifySettings.mosaic_refine): without it, none
    assert _refined(tmp_path, monkeypatch, answers, 2, once=False)[1] == [0, 2]


def test_a_tile_matched_alone_covers_only_itself(tmp_path, monkeypatch):
    # candidates [0, 1]; tile 0's mosaic is broken (matched alone): it covers tile 0 only, so tile 1,
    # inside what its mosaic would have held, is still verified
    assert _refined(tmp_path, monkeypatch, {0: (9, np.eye(3)), 1: (9, np.eye(3))}, 0, candidates=(0, 1), maps={0: None})[1] == [0, 1]


def test_the_photo_is_not_turned_to_nadir_when_rectify_is_off(monkeypatch, tmp_path):
    Image.new("RGB", (64, 48), (90, 90, 90)).save(tmp_path / "q.png")
    monkeypatch.setattr(rerank, "query_view", lambda query: assumed_view(40.0, 60.0))  # an oblique photo
    calls = []
    monkeypatch.setattr(rerank, "rectified_local_features", lambda *a, **k: calls.append(a) or "turned")
    monkeypatch.setattr(rerank, "image_local_features", lambda *a, **k: "as taken")
    q = Query("q", tmp_path / "q.png")
    assert Verifier(VerifySettings(rectify=False)).photo(q) == "as taken" and calls == []
    v = Verifier(VerifySettings())
    assert v.photo(q) == "turned"
    # the decoded photo (64 x 48), its view, the verifier's settings
    assert calls[0][0].size == (64, 48) and calls[0][1].tilt_deg == pytest.approx(40.0) and calls[0][2] is v.settings
