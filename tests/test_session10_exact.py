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
    # / 0.001 * 100 = -100
    got = rerank.tile_to_tile(Bounds(10.001, 50.001, 10.002, 50.002), (100, 50), Bounds(10.0, 50.0, 10.001, 50.001), (200, 100))
    np.testing.assert_allclose(got, [[2, 0, 200], [0, 2, -100], [0, 0, 1]], atol=1e-9)


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
    monkeypatch.setattr(rerank, "rectified_local_features", lambda image, view, s, contrast=None: LocalFeatures(
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
