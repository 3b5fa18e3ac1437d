"""Exact answers for core/images.py, written for the survivors of session 8's mutation run
(training/results/mutation_media.md). Tiny images written by the tests; every expected value is
worked out by hand in the comments, never by calling the code under test."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.model import PixelWindow

from .helpers import input_problem

try:
    import rasterio
    from rasterio.enums import ColorInterp as CI
    from rasterio.transform import Affine
except ImportError:  # pragma: no cover - the GeoTIFF extra is optional
    rasterio = None
needs_rasterio = pytest.mark.skipif(rasterio is None, reason="rasterio (geotiff extra) not installed")


_problem = input_problem


# -- listing -------------------------------------------------------------------------------------
def test_list_images_skips_hidden_parts_folders_and_other_suffixes(tmp_path):
    for rel in ["a/b.JPG", "a/.hidden/c.png", ".d.jpg", "e.txt", "f.tif", "g.jpg/h.png", "top.webp", "a/x.jpeg"]:
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    # g.jpg is a folder: listed only through its file h.png
    want = ["a/b.JPG", "a/x.jpeg", "f.tif", "g.jpg/h.png", "top.webp"]
    assert [p.relative_to(tmp_path).as_posix() for p in images.list_images(tmp_path)] == want
    assert [p.relative_to(tmp_path).as_posix() for p in images.list_images(tmp_path, recursive=False)] == [
        "f.tif", "top.webp"]


# -- sentences -----------------------------------------------------------------------------------
def test_photo_size_problem_limits_and_sentences():
    assert images.photo_size_problem(8, 8) is None
    assert images.photo_size_problem(7, 100) == (
        "image is only 7x100 pixels: a side under 8 px holds nothing to match "
        "(a placeholder, a thumbnail or a damaged file?)")
    assert images.photo_size_problem(100, 7).startswith("image is only 100x7 pixels")
    assert images.photo_size_problem(160, 8) is None  # exactly 20:1
    assert images.photo_size_problem(8, 160) is None
    assert images.photo_size_problem(200, 8) == (
        "image is 200x8 pixels (25:1): no camera frame is that narrow (the limit is 20:1), "
        "so it is not a photo to locate")
    assert images.photo_size_problem(8, 200).startswith("image is 8x200 pixels (25:1)")


def test_over_budget_and_too_large_sentences():
    assert images._over_budget(Path("x.png"), 9000, 8000, " even at 1/8 scale").problem == (
        "image is 9000x8000 = 72 MP, over the 64 MP decoding budget even at 1/8 scale: refusing to decode it "
        "(save it as a JPEG, or a tiled GeoTIFF for imagery)")
    assert images._over_budget(Path("x.png"), 9000, 8000).problem.startswith(
        "image is 9000x8000 = 72 MP, over the 64 MP decoding budget: refusing")
    # 1.5 MP prints as 2 (round half to even), 2.5 MP as 2
    assert images._over_budget(Path("x.png"), 1500, 1000).problem.startswith("image is 1500x1000 = 2 MP, over the 64 MP")
    assert images._over_budget(Path("x.png"), 9000, 8000).path == Path("x.png")
    assert images._too_large(Path("x.png")).path == Path("x.png")
    assert images._too_large(Path("x.png")).problem == (
        "image is too large (more than 400,000,000 pixels): refusing to decode it")


# -- pixel arithmetic ----------------------------------------------------------------------------
def test_to_rgb_uint8_given_limits_exact():
    data = np.array([[0, 100], [200, 300]], np.uint16)
    # scale 255 / 200 = 1.275: 0 -> -127.5 -> 0, 100 -> 0, 200 -> 127.5 -> 127 (truncated), 300 -> 255
    out = images.to_rgb_uint8(data, (100.0, 300.0))
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8 and out.flags["C_CONTIGUOUS"]
    assert out[..., 0].tolist() == [[0, 0], [127, 255]]
    assert (out[..., 1] == out[..., 0]).all() and (out[..., 2] == out[..., 0]).all()
    # equal limits: a flat stretch (all 0), not a division by zero
    assert images.to_rgb_uint8(data, (5.0, 5.0)).tolist() == [[[0] * 3] * 2] * 2


def test_to_rgb_uint8_nan_inf_and_default_percentile_stretch():
    data = np.array([[np.nan, np.inf, -np.inf, 0.5]], np.float32)
    assert images.to_rgb_uint8(data, (0.0, 1.0))[0, :, 0].tolist() == [0, 255, 0, 127]
    # 0..100: 2nd / 98th percentiles 2 and 98; 50 -> 48 * 255 / 96 = 127.5 -> 127; 100 -> 260.6 -> 255
    ramp = np.arange(101, dtype=np.uint16)[None]
    out = images.to_rgb_uint8(ramp)
    assert out[0, [0, 2, 50, 98, 100], 1].tolist() == [0, 0, 127, 255, 255]


def test_to_rgb_uint8_band_choice():
    two = np.array([[[10, 20]], [[30, 40]]], np.uint8)  # (2, 1, 2): the first band, as grey
    assert images.to_rgb_uint8(two).tolist() == [[[10, 10, 10], [20, 20, 20]]]
    four = np.arange(4, dtype=np.uint8).reshape(4, 1, 1)  # (4, 1, 1): bands 0, 1, 2
    assert images.to_rgb_uint8(four).tolist() == [[[0, 1, 2]]]
    assert images.to_rgb_uint8(np.array([[7]], np.uint8)).tolist() == [[[7, 7, 7]]]


def test_stretch_limits_exact():
    lo, hi = images.stretch_limits(np.arange(101, dtype=np.float32).reshape(1, 1, 101))
    assert (lo, hi) == (2.0, 98.0) and type(lo) is float and type(hi) is float
    # (2, 1, 3) with a (1, 3) mask: values 0, 100, 50, 100 -> sorted 0 50 100 100;
    # 2nd percentile at rank 0.06: 0.06 * 50 = 3; 98th at rank 2.94: 100
    vals = np.array([[[0, 1000, 100]], [[50, 1000, 100]]], np.float32)
    valid = np.array([[True, False, True]])
    assert images.stretch_limits(vals, valid) == pytest.approx((3.0, 100.0))
    # 2-D values, 2-D mask; NaN left out: 0, 50 -> 1.0, 49.0
    flat = np.array([[0, np.nan, 50, 1000]], np.float32)
    assert images.stretch_limits(flat, np.array([[True, True, True, False]])) == pytest.approx((1.0, 49.0))
    assert images.stretch_limits(np.full((1, 2, 2), np.nan)) == (0.0, 1.0)
    assert images.stretch_limits(np.ones((1, 2, 2)), np.zeros((2, 2), bool)) == (0.0, 1.0)


def test_fill_invalid_exact_mean_and_sampling():
    rgb = np.zeros((4, 4, 3), np.uint8)
    assert images.fill_invalid(rgb, None) is rgb
    assert images.fill_invalid(rgb, np.ones((4, 4), bool)) is rgb
    valid = np.zeros((4, 4), bool)
    rgb[0, 0], rgb[0, 1], rgb[1, 1] = (10, 20, 30), (11, 20, 33), (11, 21, 30)
    valid[0, 0] = valid[0, 1] = valid[1, 1] = True
    before = rgb.copy()
    out = images.fill_invalid(rgb, valid)
    # step 1 on a 4x4 mask: mean (10.67, 20.33, 31) -> rounded (11, 20, 31)
    assert out[3, 3].tolist() == [11, 20, 31] and out[2, 0].tolist() == [11, 20, 31]
    assert out[0, 1].tolist() == [11, 20, 33]  # valid pixels kept
    assert (rgb == before).all()  # the input is not written
    assert images.fill_invalid(rgb, np.zeros((4, 4), bool))[2, 2].tolist() == [127, 127, 127]


def test_fill_invalid_samples_every_second_pixel_of_a_128_px_mask():
    # step = 128 // 64 = 2: only even rows/columns are averaged (colour 0); the rest are 200
    rgb = np.full((128, 128, 3), 200, np.uint8)
    rgb[::2, ::2] = 0
    valid = np.ones((128, 128), bool)
    valid[1, 1] = False
    assert images.fill_invalid(rgb, valid)[1, 1].tolist() == [0, 0, 0]
    # the only valid pixel is off the sample grid: all valid pixels are used instead
    rgb[3, 5] = (1, 2, 3)
    only = np.zeros((128, 128), bool)
    only[3, 5] = True
    assert images.fill_invalid(rgb, only)[0, 0].tolist() == [1, 2, 3]


def test_check_window_limits_and_sentences(monkeypatch):
    p = Path("im.tif")
    images._check_window(p, PixelWindow(0, 0, 10, 8), 10, 8)
    images._check_window(p, PixelWindow(9, 7, 1, 1), 10, 8)
    assert _problem(images._check_window, p, PixelWindow(0, 0, 0, 5), 10, 8) == (
        "empty pixel window PixelWindow(col=0, row=0, width=0, height=5)")
    assert _problem(images._check_window, p, PixelWindow(0, 0, 5, 0), 10, 8).startswith("empty pixel window")
    for w in [PixelWindow(-1, 0, 2, 2), PixelWindow(0, -1, 2, 2), PixelWindow(1, 0, 10, 8), PixelWindow(0, 1, 10, 8)]:
        assert _problem(images._check_window, p, w, 10, 8) == f"pixel window {w} lies outside the 10x8 image"
    monkeypatch.setattr(images, "MAX_PIXELS", 20)
    images._check_window(p, PixelWindow(0, 0, 5, 4), 10, 8)  # exactly 20
    assert _problem(images._check_window, p, PixelWindow(0, 0, 7, 3), 10, 8) == (
        "pixel window PixelWindow(col=0, row=0, width=7, height=3) is too large (more than 20 pixels)")


def test_draft_request_exact(monkeypatch):
    assert images._draft_request(4000, 3000, None) is None
    assert images._draft_request(4000, 3000, 500) == (500, 500)
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 100)
    assert images._draft_request(10, 10, None) is None  # exactly the budget
    assert images._draft_request(11, 10, None) == (5, 5)  # 1/2: 6 x 5 = 30 fits
    assert images._draft_request(20, 20, None) == (10, 10)  # 1/2: exactly 100 fits
    assert images._draft_request(11, 10, 3) == (3, 3)
    assert images._draft_request(11, 10, 7) == (5, 5)
    assert images._draft_request(30, 30, None) == (7, 7)  # 1/2: 225; 1/4: 8 x 8 = 64
    assert images._draft_request(41, 41, None) == (5, 5)  # 1/4: 11 x 11 = 121; 1/8: 6 x 6
    assert images._draft_request(200, 200, None) == (25, 25)  # nothing fits: 1/8 all the same
    assert images._draft_request(1000, 3, None) == (125, 1)  # 3 // 8 = 0 -> at least 1


def test_has_alpha_and_flatten_alpha_exact():
    for mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        assert images._has_alpha(Image.new(mode, (1, 1))), mode
    for mode in ("P", "L", "RGB"):
        im = Image.new(mode, (1, 1))
        assert not images._has_alpha(im), mode
        im.info["transparency"] = 0
        assert images._has_alpha(im), mode
    im = Image.new("I", (1, 1))
    im.info["transparency"] = 0
    assert not images._has_alpha(im)
    rgba = np.array([[[10, 20, 30, 255], [99, 99, 99, 0]], [[20, 20, 30, 255], [30, 50, 60, 1]]], np.uint8)
    out = images._flatten_alpha(Image.fromarray(rgba, "RGBA"))
    assert out.mode == "RGB"
    # opaque (alpha > 0) mean: (20, 30, 40)
    assert np.asarray(out).tolist() == [[[10, 20, 30], [20, 30, 40]], [[20, 20, 30], [30, 50, 60]]]
    assert np.asarray(images._flatten_alpha(Image.new("L", (1, 1), 7))).tolist() == [[[7, 7, 7]]]
    la = np.array([[[10, 255], [90, 0]]], np.uint8)  # grey with alpha: (10, 10, 10) and a hole
    assert np.asarray(images._flatten_alpha(Image.fromarray(la, "LA"))).tolist() == [[[10, 10, 10], [10, 10, 10]]]
    p = Image.fromarray(np.array([[0, 1]], np.uint8), "P")
    p.putpalette([5, 6, 7, 50, 60, 70])
    p.info["transparency"] = 1
    assert np.asarray(images._flatten_alpha(p)).tolist() == [[[5, 6, 7], [5, 6, 7]]]


def test_valid_fraction_exact(tmp_path):
    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 3] = [[255, 0], [1, 255]]
    Image.fromarray(rgba, "RGBA").save(tmp_path / "a.png")
    assert images.valid_fraction(tmp_path / "a.png") == 0.75
    la = np.zeros((2, 2, 2), np.uint8)
    la[..., 1] = [[0, 0], [9, 255]]
    Image.fromarray(la, "LA").save(tmp_path / "la.png")
    assert images.valid_fraction(tmp_path / "la.png") == 0.5
    p = Image.fromarray(np.array([[0, 1], [1, 1]], np.uint8), "P")
    p.putpalette([0, 0, 0, 255, 255, 255])
    p.save(tmp_path / "p.png", transparency=0)
    assert images.valid_fraction(tmp_path / "p.png") == 0.75
    Image.new("RGB", (2, 2)).save(tmp_path / "rgb.png")
    assert images.valid_fraction(tmp_path / "rgb.png") is None


# -- decoding through PIL ------------------------------------------------------------------------
def test_16bit_png_is_stretched_exactly(tmp_path):
    a = (np.arange(101, dtype=np.uint16) * 100)[None]  # 1 x 101: percentiles 200 and 9800
    Image.fromarray(a).save(tmp_path / "g16.png")
    out = np.asarray(images.open_image(tmp_path / "g16.png"))
    # 5000 -> 4800 * 255 / 9600 = 127.5 -> 127
    assert out.shape == (1, 101, 3) and out[0, [0, 2, 50, 98, 100], 0].tolist() == [0, 0, 127, 255, 255]


@pytest.mark.parametrize("mode", ["I", "F"])
def test_32bit_int_and_float_tiffs_through_pil_are_stretched(tmp_path, monkeypatch, mode):
    monkeypatch.setattr(images, "_rasterio", lambda: None)
    a = np.arange(101, dtype=np.int32 if mode == "I" else np.float32)[None] * 3
    Image.fromarray(a, mode).save(tmp_path / "x.tif")
    out = np.asarray(images.open_image(tmp_path / "x.tif"))
    # 3 * (0..100): percentiles 6 and 294; 150 -> 144 * 255 / 288 = 127.5 -> 127
    assert out[0, [0, 2, 50, 98, 100], 2].tolist() == [0, 0, 127, 255, 255]


def test_exif_orientation_6_turns_the_pixels_a_quarter_clockwise(tmp_path):
    a = np.array([[1, 2, 3], [4, 5, 6]], np.uint8) * 10
    im = Image.fromarray(np.stack([a, a, a], -1), "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    im.save(tmp_path / "o.png", exif=exif.tobytes())
    out = np.asarray(images.open_image(tmp_path / "o.png"))[..., 0]
    # rotated 90 degrees clockwise: the bottom row becomes the left column
    assert out.tolist() == [[40, 10], [50, 20], [60, 30]]


def test_png_window_is_cropped_exactly(tmp_path):
    y, x = np.mgrid[0:6, 0:7]
    a = np.stack([x * 10, y * 10, x + y], -1).astype(np.uint8)
    Image.fromarray(a, "RGB").save(tmp_path / "w.png")
    out = np.asarray(images.open_image(tmp_path / "w.png", PixelWindow(2, 1, 3, 4)))
    assert out.tolist() == a[1:5, 2:5].tolist()
    assert _problem(images.open_image, tmp_path / "w.png", PixelWindow(5, 0, 3, 1)).endswith("outside the 7x6 image")


def test_decode_budget_limits_and_sentences(tmp_path, monkeypatch):
    Image.new("RGB", (11, 10)).save(tmp_path / "b.png")
    Image.new("RGB", (16, 16), (50, 60, 70)).save(tmp_path / "b.jpg", quality=95)
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 110)  # exactly 11 x 10: decoded
    assert images.open_image(tmp_path / "b.png").size == (11, 10)
    assert images.open_image(tmp_path / "b.png", PixelWindow(0, 0, 2, 2)).size == (2, 2)
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 109)
    assert _problem(images.open_image, tmp_path / "b.png") == (
        "image is 11x10 = 0 MP, over the 0 MP decoding budget: refusing to decode it "
        "(save it as a JPEG, or a tiled GeoTIFF for imagery)")
    assert "budget (this format decodes whole to cut a window): refusing" in _problem(
        images.open_image, tmp_path / "b.png", PixelWindow(0, 0, 2, 2))
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 3)  # 16 x 16 at 1/8 is 2 x 2 = 4
    assert "budget even at 1/8 scale: refusing" in _problem(images.open_image, tmp_path / "b.jpg")
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 4)
    im = images.open_image(tmp_path / "b.jpg")
    assert im.size == (2, 2) and im.mode == "RGB"


def test_min_side_drafts_a_jpeg_by_the_largest_factor_keeping_it(tmp_path):
    Image.new("RGB", (64, 48), (10, 200, 30)).save(tmp_path / "m.jpg", quality=95)
    # request (16, 16): min(64 // 16, 48 // 16) = 3 -> Pillow's scale 2 -> 32 x 24
    assert images.open_image(tmp_path / "m.jpg", min_side=16).size == (32, 24)
    assert images.open_image(tmp_path / "m.jpg", min_side=6).size == (8, 6)
    assert images.open_image(tmp_path / "m.jpg").size == (64, 48)
    im = images.thumbnail(tmp_path / "m.jpg", 16)
    assert im.size == (16, 12)


def test_missing_corrupt_and_not_image_sentences(tmp_path):
    assert _problem(images.open_image, tmp_path) == "file not found"
    assert _problem(images.open_image, tmp_path / "none.png") == "file not found"
    assert _problem(images._open_pil, tmp_path / "none.png") == "file not found"
    (tmp_path / "t.png").write_text("hello")
    assert images.probe_image(tmp_path / "t.png") == "not an image, or a format that cannot be read"
    # newuser session 15: a 0-byte .jpg in a photo folder (an unfinished copy) was "not an image,
    # or a format that cannot be read", which sends a person looking for a codec; it says empty
    (tmp_path / "empty.jpg").write_bytes(b"")
    assert images.probe_image(tmp_path / "empty.jpg") == "an empty file (0 bytes)"
    assert _problem(images.open_image, tmp_path / "empty.jpg") == "an empty file (0 bytes)"
    Image.new("RGB", (9, 5)).save(tmp_path / "ok.png")
    assert images.probe_image(tmp_path / "ok.png") is None
    assert images.image_size(tmp_path / "ok.png") == (9, 5)
    noise = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(noise, "RGB").save(tmp_path / "big.png")
    raw = (tmp_path / "big.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(raw[: len(raw) // 2])
    assert _problem(images.open_image, tmp_path / "cut.png").startswith("the file ends early: a copy not finished or cut off, or a damaged file (")  # faults36


def test_header_over_the_pixel_limit_is_refused_exactly(tmp_path, monkeypatch):
    Image.new("RGB", (5, 4)).save(tmp_path / "h.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20)
    assert images.image_size(tmp_path / "h.png") == (5, 4)  # exactly the limit
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 19)
    assert _problem(images.image_size, tmp_path / "h.png") == (
        "image is too large (more than 19 pixels): refusing to decode it")


# -- RAW through a stand-in for rawpy --------------------------------------------------------------
class _Raw:
    def __init__(self, w, h, flip=0, wb=(2.0, 1.0, 1.5, 0.0), calls=None):
        self.sizes = SimpleNamespace(width=w, height=h, flip=flip)
        self.camera_whitebalance = list(wb)
        self.calls = calls if calls is not None else []

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def postprocess(self, use_camera_wb, half_size, output_bps):
        self.calls.append((use_camera_wb, half_size, output_bps))
        h, w = (self.sizes.height, self.sizes.width)
        h, w = (h // 2, w // 2) if half_size else (h, w)
        rgb = np.zeros((h, w, 4), np.uint8)
        rgb[..., 0], rgb[..., 1], rgb[..., 2], rgb[..., 3] = 1, 2, 3, 4
        return rgb


def _fake_rawpy(monkeypatch, raw):
    monkeypatch.setattr(images, "_rawpy", lambda: SimpleNamespace(imread=lambda p: raw))


def test_raw_size_follows_libraw_flip(monkeypatch):
    for flip, want in [(0, (30, 20)), (3, (30, 20)), (5, (20, 30)), (6, (20, 30))]:
        _fake_rawpy(monkeypatch, _Raw(30, 20, flip))
        assert images._raw_size(Path("x.dng")) == want, flip

    def boom(p):
        raise RuntimeError("bad")
    monkeypatch.setattr(images, "_rawpy", lambda: SimpleNamespace(imread=boom))
    assert _problem(images._raw_size, Path("x.dng")) == "cannot read RAW image (RuntimeError: bad)"


def test_read_raw_half_size_rule_white_balance_and_budget(monkeypatch):
    calls = []
    _fake_rawpy(monkeypatch, _Raw(40, 20, calls=calls))
    im = images._read_raw(Path("x.dng"), None)
    assert im.size == (40, 20) and im.mode == "RGB" and np.asarray(im)[0, 0].tolist() == [1, 2, 3]
    assert calls[-1] == (True, False, 8)
    images._read_raw(Path("x.dng"), 10)  # 20 // 2 = 10 >= 10: half
    assert calls[-1] == (True, True, 8)
    images._read_raw(Path("x.dng"), 11)
    assert calls[-1][1] is False
    _fake_rawpy(monkeypatch, _Raw(40, 20, wb=(1.0, 1.0, 0.0, 1.0), calls=calls))
    images._read_raw(Path("x.dng"), None)
    assert calls[-1] == (False, False, 8)  # a zero in the first three: LibRaw's default balance
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 800)  # 40 x 20 = 800: whole
    images._read_raw(Path("x.dng"), None)
    assert calls[-1][1] is False
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 200)  # 800 / 4 = 200: half fits
    assert images._read_raw(Path("x.dng"), None).size == (20, 10)
    assert calls[-1][1] is True
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 199)
    assert _problem(images._read_raw, Path("x.dng"), None).endswith(
        "budget even at half size: refusing to decode it (save it as a JPEG, or a tiled GeoTIFF for imagery)")


def test_read_raw_decode_failure_is_named(monkeypatch):
    class Bad(_Raw):
        def postprocess(self, **kw):
            raise ValueError("nope")
    _fake_rawpy(monkeypatch, Bad(10, 10))
    assert _problem(images._read_raw, Path("x.dng"), None) == "cannot decode RAW image (ValueError: nope)"


# -- rasterio helpers on stand-in datasets -------------------------------------------------------
@needs_rasterio
def test_band_indexes_by_colour_interpretation():
    u, a = CI.undefined, CI.alpha
    cases = [
        ([CI.blue, CI.green, CI.red], ("rgb", [3, 2, 1])),
        ([CI.red, CI.red, CI.green, CI.blue], ("rgb", [1, 3, 4])),
        ([CI.cyan, CI.magenta, CI.yellow, CI.black], ("cmyk", [1, 2, 3, 4])),
        ([a, CI.gray], ("grey", [2])),
        ([u, u, u, a], ("rgb", [1, 2, 3])),
        ([CI.palette, u, u, u], ("rgb", [2, 3, 4])),
        ([u, a], ("grey", [1])),
        ([u, u], ("grey", [1])),
        ([u, u, u, u], ("rgb", [1, 2, 3])),
        ([a], ("grey", [1])),
        ([CI.red, CI.green, u], ("rgb", [1, 2, 3])),
        ([CI.cyan, CI.magenta, CI.yellow], ("rgb", [1, 2, 3])),
    ]
    for interp, want in cases:
        assert images._band_indexes(SimpleNamespace(colorinterp=interp)) == want, interp


_WIN = object()  # the window handed through to the dataset


class _PaletteDs:
    def __init__(self, index, cmap):
        self.index, self.cmap = np.asarray(index), cmap

    def read(self, band, window=None):
        assert band == 1 and window is _WIN
        return self.index

    def colormap(self, band):
        assert band == 1
        if self.cmap is None:
            raise ValueError("NULL color table")
        return self.cmap


def test_palette_lookup_table_and_transparent_entries():
    cmap = {0: (10, 20, 30, 255), 1: (40, 50, 60, 1), 300: (70, 80, 90, 128), 500: (1, 1, 1, 255)}
    rgb, valid = images._palette_rgb(_PaletteDs([[0, 300], [400, 1]], cmap), _WIN, None)
    # 400 has no entry: (0, 0, 0, 0), transparent; 300 and 1 are partly transparent but hold data
    assert rgb.dtype == np.uint8 and rgb.tolist() == [[[10, 20, 30], [70, 80, 90]], [[0, 0, 0], [40, 50, 60]]]
    assert valid.tolist() == [[True, True], [False, True]]
    # an index above every colour-table entry and above 255: a black, transparent pixel
    rgb, valid = images._palette_rgb(_PaletteDs([[0, 300]], {0: (1, 2, 3, 255), 1: (4, 5, 6, 255)}), _WIN, None)
    assert rgb.tolist() == [[[1, 2, 3], [0, 0, 0]]] and valid.tolist() == [[True, False]]
    rgb, valid = images._palette_rgb(_PaletteDs([[0, 400]], cmap), _WIN, np.array([[False, True]]))
    assert valid.tolist() == [[False, False]]
    rgb, valid = images._palette_rgb(_PaletteDs([[0, 1]], {0: (1, 2, 3, 255), 1: (4, 5, 6, 255)}), _WIN, None)
    assert valid is None and rgb.tolist() == [[[1, 2, 3], [4, 5, 6]]]
    assert images._has_colormap(_PaletteDs([[0]], None)) is False
    assert images._has_colormap(_PaletteDs([[0]], {})) is False
    assert images._has_colormap(_PaletteDs([[0]], {0: (1, 2, 3, 255)})) is True


def test_cmyk_conversion_exact():
    d = np.zeros((4, 1, 4), np.uint8)
    d[:, 0, 0] = (255, 0, 0, 0)  # full cyan: (0, 255, 255)
    d[:, 0, 1] = (0, 0, 0, 255)  # full black
    d[:, 0, 2] = (0, 0, 0, 0)  # no ink: white
    d[:, 0, 3] = (20, 0, 255, 20)  # 235 * 235 / 255 = 216.57 -> 217; 235; 0
    assert images._cmyk_rgb(d).tolist() == [[[0, 255, 255], [0, 0, 0], [255, 255, 255], [217, 235, 0]]]
    m = np.zeros((4, 1, 1), np.uint8)
    m[:, 0, 0] = (0, 255, 51, 0)  # full magenta, 20 % yellow: (255, 0, 204)
    assert images._cmyk_rgb(m).tolist() == [[[255, 0, 204]]]


# -- GeoTIFFs through rasterio -------------------------------------------------------------------
def _write(path, data, **kw):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs="EPSG:32633", transform=Affine(1, 0, 500_000, 0, -1, 5_500_000),
                       **kw) as ds:
        ds.write(data)
    return path


@needs_rasterio
def test_bgr_geotiff_is_read_in_rgb_order_and_windowed(tmp_path):
    data = np.zeros((3, 4, 5), np.uint8)
    data[0], data[1], data[2] = 7, 8, 9  # blue, green, red
    data[2, 1, 2] = 99
    p = tmp_path / "bgr.tif"
    with rasterio.open(p, "w", driver="GTiff", width=5, height=4, count=3, dtype="uint8", crs="EPSG:32633",
                       transform=Affine(1, 0, 500_000, 0, -1, 5_500_000), photometric="MINISBLACK") as ds:
        ds.write(data)
        ds.colorinterp = [CI.blue, CI.green, CI.red]
    full = np.asarray(images.open_image(p))
    assert full[0, 0].tolist() == [9, 8, 7] and full[1, 2].tolist() == [99, 8, 7]
    win = np.asarray(images.open_image(p, PixelWindow(2, 1, 2, 3)))
    assert win.shape == (3, 2, 3) and win[0, 0].tolist() == [99, 8, 7] and win[1, 1].tolist() == [9, 8, 7]
    assert images.image_size(p) == (5, 4)


@needs_rasterio
def test_geotiff_nodata_is_filled_and_the_whole_read_limit(tmp_path, monkeypatch):
    data = np.array([[[10, 0], [20, 30]]], np.uint8)
    p = _write(tmp_path / "nd.tif", data, nodata=0)
    out = np.asarray(images.open_image(p))
    assert out[..., 0].tolist() == [[10, 20], [20, 30]]  # mean of 10, 20, 30
    monkeypatch.setattr(images, "MAX_PIXELS", 3)
    assert _problem(images.open_image, p) == "image is too large (more than 3 pixels) to read whole"


@needs_rasterio
def test_cmyk_geotiffs_uint8_converted_uint16_stretched(tmp_path):
    d8 = np.zeros((4, 1, 2), np.uint8)
    d8[:, 0, 0] = (255, 0, 0, 0)
    d8[:, 0, 1] = (20, 0, 255, 20)
    p = tmp_path / "c8.tif"
    # photometric=CMYK files are turned into RGBA by GDAL itself; bands labelled C, M, Y, K are ours to convert
    with rasterio.open(p, "w", driver="GTiff", width=2, height=1, count=4, dtype="uint8",
                       photometric="MINISBLACK") as ds:
        ds.write(d8)
        ds.colorinterp = [CI.cyan, CI.magenta, CI.yellow, CI.black]
    assert np.asarray(images.open_image(p)).tolist() == [[[0, 255, 255], [217, 235, 0]]]
    # 16-bit: the C, M, Y bands stretched as R, G, B; values 0 0 500 500 1000 1000 -> limits 0 and 1000
    d16 = np.array([[[0, 1000]], [[500, 500]], [[1000, 0]], [[9000, 9000]]], np.uint16)  # K is left out
    p16 = tmp_path / "c16.tif"
    with rasterio.open(p16, "w", driver="GTiff", width=2, height=1, count=4, dtype="uint16",
                       photometric="MINISBLACK") as ds:
        ds.write(d16)
        ds.colorinterp = [CI.cyan, CI.magenta, CI.yellow, CI.black]
    assert np.asarray(images.open_image(p16)).tolist() == [[[0, 127, 255], [255, 127, 0]]]


def test_big_endian_16bit_tiff_through_pil_is_stretched(tmp_path, monkeypatch):
    tifffile = pytest.importorskip("tifffile")
    monkeypatch.setattr(images, "_rasterio", lambda: None)
    tifffile.imwrite(tmp_path / "be.tif", (np.arange(101, dtype=np.uint16) * 100)[None], byteorder=">")
    with Image.open(tmp_path / "be.tif") as im:
        assert im.mode == "I;16B"
    out = np.asarray(images.open_image(tmp_path / "be.tif"))
    assert out[0, [0, 2, 50, 98, 100], 0].tolist() == [0, 0, 127, 255, 255]


def test_missing_packages_and_unreadable_headers_are_named(tmp_path, monkeypatch):
    monkeypatch.setattr(images, "heif_available", lambda: False)
    monkeypatch.setattr(images, "_rawpy", lambda: None)
    for name in ("x.HEIC", "x.heif"):
        (tmp_path / name).write_bytes(b"junk")
        want = "HEIC/HEIF photos need the pillow-heif package (pip install pillow-heif)"
        assert _problem(images._open_pil, tmp_path / name) == want
        assert _problem(images.open_image, tmp_path / name) == want
    (tmp_path / "x.DNG").write_bytes(b"junk")
    want = "DNG (RAW) photos need the rawpy package (pip install rawpy)"
    for fn in (images._open_pil, images.open_image, images.image_size):
        assert _problem(fn, tmp_path / "x.DNG") == want
    assert images._missing_package(tmp_path / "x.jpg") is None
    monkeypatch.setattr(images, "heif_available", lambda: True)
    monkeypatch.setattr(images, "_rawpy", lambda: object())
    assert images._missing_package(tmp_path / "x.HEIC") is None and images._missing_package(tmp_path / "x.DNG") is None
    (tmp_path / "x.bmp").write_bytes(b"BM" + bytes(20))
    assert _problem(images._open_pil, tmp_path / "x.bmp") == "cannot read image (Unsupported BMP header type (0))"


def test_raw_path_is_handed_to_rawpy_as_a_string(monkeypatch):
    seen = []

    def imread(p):
        seen.append(p)
        return _Raw(30, 20)
    monkeypatch.setattr(images, "_rawpy", lambda: SimpleNamespace(imread=imread))
    assert images._raw_size(Path("a/x.dng")) == (30, 20) and seen == [str(Path("a/x.dng"))]


@needs_rasterio
def test_read_rasterio_whole_limit_is_inclusive(tmp_path, monkeypatch):
    p = _write(tmp_path / "s.tif", np.full((1, 2, 2), 5, np.uint8))
    monkeypatch.setattr(images, "MAX_PIXELS", 4)
    assert images.open_image(p).size == (2, 2)


@needs_rasterio
def test_palette_geotiff_window_and_nodata(tmp_path):
    index = np.array([[[0, 1, 2], [2, 1, 0]]], np.uint8)
    p = tmp_path / "pal.tif"
    with rasterio.open(p, "w", driver="GTiff", width=3, height=2, count=1, dtype="uint8", crs="EPSG:32633",
                       transform=Affine(1, 0, 500_000, 0, -1, 5_500_000), nodata=0) as ds:
        ds.write(index)
        ds.write_colormap(1, {0: (0, 0, 0, 255), 1: (200, 0, 0, 255), 2: (0, 100, 50, 255)})
    # index 0 is no data: filled with the mean of the others (100, 50, 25)
    whole = images._read_rasterio(rasterio, p, None)
    assert np.asarray(whole).tolist() == [[[100, 50, 25], [200, 0, 0], [0, 100, 50]],
                                          [[0, 100, 50], [200, 0, 0], [100, 50, 25]]]
    win = images._read_rasterio(rasterio, p, PixelWindow(1, 0, 2, 1))
    assert np.asarray(win).tolist() == [[[200, 0, 0], [0, 100, 50]]]
    win = images._read_rasterio(rasterio, p, PixelWindow(1, 1, 2, 1))  # (200, 0, 0) and a hole
    assert np.asarray(win).tolist() == [[[200, 0, 0], [200, 0, 0]]]


@needs_rasterio
def test_16bit_geotiff_window_shares_the_whole_raster_stretch(tmp_path):
    data = np.zeros((3, 1, 101), np.uint16)
    data[0, 0] = np.arange(101) * 10  # red 0..1000
    data[1, 0] = 500
    data[2, 0] = 500
    p = _write(tmp_path / "u16.tif", data, photometric="RGB")
    # all three bands together: 303 values, 2nd / 98th percentiles at ranks 6.04 and 295.96 of the sorted
    # values (red 0..1000 step 10 with 202 values of 500 in the middle: rank 253 is 510): 60.4 and 939.6
    vals = np.sort(data.reshape(-1).astype(np.float64))
    lo, hi = vals[6] + 0.04 * (vals[7] - vals[6]), vals[295] + 0.96 * (vals[296] - vals[295])
    assert (lo, hi) == pytest.approx((60.4, 939.6))
    out = np.asarray(images.open_image(p, PixelWindow(40, 0, 3, 1)))
    # red 400, 410, 420 -> (v - 60.4) * 255 / 879.2: 98.50 -> 98, 101.40 -> 101, 104.30 -> 104;
    # 500 -> 127.5 -> 127 (a window's own stretch would be 400.4..500 and give other values)
    assert out[..., 0].tolist() == [[98, 101, 104]] and out[..., 1].tolist() == [[127, 127, 127]]
    # a rewritten file (new modification time) gets a new stretch: green and blue 0 now, so the
    # limits are 0 (rank 6.04 among 203 zeros) and 939.6: 400 -> 108.56 -> 108, 410 -> 111, 420 -> 113
    data[1:] = 0
    _write(p, data, photometric="RGB")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    out = np.asarray(images.open_image(p, PixelWindow(40, 0, 3, 1)))
    assert out[..., 0].tolist() == [[108, 111, 113]] and out[..., 1].tolist() == [[0, 0, 0]]


def test_budget_in_the_sentence_is_rounded_to_whole_megapixels(monkeypatch):
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 1_500_000)  # 1.5 MP prints as 2
    assert images._over_budget(Path("x.png"), 2000, 1000).problem.startswith(
        "image is 2000x1000 = 2 MP, over the 2 MP decoding budget")


def test_only_the_not_georeferenced_warning_is_silenced():
    import warnings

    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert images._rasterio() is rasterio
        warnings.warn("still shown", UserWarning)
        warnings.warn("a plain TIFF", NotGeoreferencedWarning)
    assert [str(w.message) for w in seen] == ["still shown"]


def test_little_endian_16bit_image_of_another_format_is_stretched(tmp_path):
    # Pillow's IM format keeps mode I;16L (found by content, whatever the file is called)
    im = Image.frombytes("I;16L", (101, 1), (np.arange(101, dtype="<u2") * 100).tobytes())
    im.save(tmp_path / "le.png", format="IM")
    with Image.open(tmp_path / "le.png") as check:
        assert check.mode == "I;16L"
    out = np.asarray(images.open_image(tmp_path / "le.png"))
    assert out[0, [0, 2, 50, 98, 100], 0].tolist() == [0, 0, 127, 255, 255]


@needs_rasterio
def test_palette_geotiff_with_a_mask_band_fills_the_masked_pixels(tmp_path):
    p = tmp_path / "palm.tif"
    with rasterio.open(p, "w", driver="GTiff", width=3, height=1, count=1, dtype="uint8", crs="EPSG:32633",
                       transform=Affine(1, 0, 500_000, 0, -1, 5_500_000)) as ds:
        ds.write(np.array([[[1, 2, 1]]], np.uint8))
        ds.write_colormap(1, {1: (200, 0, 0, 255), 2: (0, 100, 50, 255)})
        ds.write_mask(np.array([[255, 255, 0]], np.uint8))
    # the masked third pixel takes the mean of (200, 0, 0) and (0, 100, 50): (100, 50, 25)
    assert np.asarray(images._read_rasterio(rasterio, p, None)).tolist() == [[[200, 0, 0], [0, 100, 50], [100, 50, 25]]]
    assert _problem(images.open_image, p, PixelWindow(2, 0, 2, 1)) == (
        "pixel window PixelWindow(col=2, row=0, width=2, height=1) lies outside the 3x1 image")


@needs_rasterio
def test_a_16bit_three_band_geotiff_with_gdal_default_photometry_keeps_its_colours(tmp_path):
    """Bug found in session 8: GDAL writes a 3- or 4-band non-Byte GeoTIFF as PHOTOMETRIC=MINISBLACK
    (colour interpretation gray, undefined, undefined), and the reader showed band 1 alone, as grey."""
    data = np.zeros((3, 1, 101), np.uint16)
    data[0, 0] = np.arange(101) * 10
    data[1:] = 500
    p = _write(tmp_path / "u16.tif", data)
    with rasterio.open(p) as ds:
        assert ds.colorinterp[0] == CI.gray
    # the same stretch as the photometric=RGB file of test_16bit_geotiff_window_shares_the_whole_raster_stretch
    out = np.asarray(images.open_image(p, PixelWindow(40, 0, 3, 1)))
    assert out[..., 0].tolist() == [[98, 101, 104]] and out[..., 1].tolist() == [[127, 127, 127]]
    assert images._band_indexes(SimpleNamespace(colorinterp=[CI.gray, CI.undefined, CI.undefined, CI.undefined])) == (
        "rgb", [1, 2, 3])
    assert images._band_indexes(SimpleNamespace(colorinterp=[CI.undefined, CI.gray])) == ("grey", [2])
    assert images._band_indexes(SimpleNamespace(colorinterp=[CI.gray, CI.alpha])) == ("grey", [1])


def test_heif_opener_is_registered_once_and_failures_remembered(monkeypatch):
    import sys

    calls = []
    monkeypatch.setattr(images, "_heif_state", {})
    monkeypatch.setitem(sys.modules, "pillow_heif", SimpleNamespace(register_heif_opener=lambda: calls.append(1)))
    assert images.heif_available() is True and images.heif_available() is True
    assert calls == [1] and images._heif_state == {"ok": True}

    def broken():
        raise OSError("no libheif")
    monkeypatch.setattr(images, "_heif_state", {})
    monkeypatch.setitem(sys.modules, "pillow_heif", SimpleNamespace(register_heif_opener=broken))
    assert images.heif_available() is False and images._heif_state == {"ok": False}


def test_thumbnail_hands_the_window_and_size_on(monkeypatch):
    seen = []
    monkeypatch.setattr(images, "open_image", lambda path, window=None, *, min_side=None: seen.append(
        (path, window, min_side)) or Image.new("RGB", (100, 50)))
    w = PixelWindow(1, 2, 3, 4)
    assert images.thumbnail(Path("a.jpg"), 20, w).size == (20, 10) and seen == [(Path("a.jpg"), w, 20)]
