"""Exact answers for core/images.py, written for the 40 survivors of session 8's run that were never
reviewed (training/results/mutation_media.md, "Session 9"). Tiny inputs written by the tests;
expected values worked out by hand in the comments, never by calling the code under test."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.errors import InputError


class _Raw:
    """A stand-in for a rawpy RawPy: 40 x 20 sensor, camera white balance recorded."""

    def __init__(self, w=40, h=20):
        self.sizes = SimpleNamespace(width=w, height=h, flip=0)
        self.camera_whitebalance = [2.0, 1.0, 1.5, 0.0]

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def postprocess(self, use_camera_wb, half_size, output_bps):
        h, w = self.sizes.height, self.sizes.width
        h, w = (h // 2, w // 2) if half_size else (h, w)
        rgb = np.zeros((h, w, 3), np.uint8)
        rgb[..., 0] = 9
        return rgb


def _recording_rawpy(monkeypatch) -> list:
    seen: list = []

    def imread(p):
        seen.append(p)
        return _Raw()
    monkeypatch.setattr(images, "_rawpy", lambda: SimpleNamespace(imread=imread))
    return seen


def test_read_raw_opens_the_given_path_twice_as_a_string(monkeypatch):
    seen = _recording_rawpy(monkeypatch)
    im = images._read_raw(Path("a/x.dng"), None)
    assert im.size == (40, 20)
    # once for the size (_raw_size), once to decode: both with the path as a str
    assert seen == [str(Path("a/x.dng"))] * 2


def test_image_size_of_a_dng_goes_to_rawpy_whatever_the_case(monkeypatch):
    seen = _recording_rawpy(monkeypatch)
    # the file does not exist: only rawpy (here a stand-in) may be asked, never PIL
    assert images.image_size(Path("b/y.dng")) == (40, 20)
    assert images.image_size(Path("b/Z.DNG")) == (40, 20)
    assert seen == [str(Path("b/y.dng")), str(Path("b/Z.DNG"))]


def test_open_image_of_a_dng_hands_path_and_min_side_to_the_raw_reader(tmp_path, monkeypatch):
    seen = _recording_rawpy(monkeypatch)
    p = tmp_path / "shot.dng"
    p.write_bytes(b"not a real DNG: the stand-in rawpy decodes it")
    # min_side 10: 20 // 2 = 10 >= 10, so half size: 20 x 10
    im = images.open_image(p, min_side=10)
    assert im.size == (20, 10) and im.mode == "RGB" and im.getpixel((0, 0)) == (9, 0, 0)
    assert seen == [str(p)] * 2
    assert images.open_image(p).size == (40, 20)  # no min_side: full size
    up = tmp_path / "SHOT2.DNG"
    up.write_bytes(b"x")
    assert images.open_image(up, min_side=10).size == (20, 10)


def test_stretch_limits_are_measured_on_float32_values():
    # 2**24 + 1 is not a float32: it rounds (to even) to 2**24, the value to_rgb_uint8 then stretches
    vals = np.full((1, 1, 2), 2**24 + 1, np.int64)
    assert images.stretch_limits(vals) == (16777216.0, 16777216.0)


def test_to_rgb_uint8_default_stretch_uses_only_the_valid_pixels():
    data = np.array([[0, 100, 50, 1000]], np.uint16)
    valid = np.array([[True, True, True, False]])
    # valid values 0, 50, 100: 2nd percentile at rank 0.04 -> 2, 98th at rank 1.96 -> 98;
    # 50 -> 48 * 255 / 96 = 127.5 -> 127 (uint8 truncates); 100 -> 98 * 255 / 96 = 260.3 -> 255; 1000 -> 255; 0 -> 0
    out = images.to_rgb_uint8(data, valid=valid)
    assert out[0, :, 0].tolist() == [0, 255, 127, 255]


def test_valid_fraction_of_an_rgb_png_with_a_transparent_colour(tmp_path):
    rgb = np.full((2, 2, 3), 200, np.uint8)
    rgb[1, 0] = 0  # one black pixel, the transparent colour: 3 of 4 hold data
    Image.fromarray(rgb, "RGB").save(tmp_path / "t.png", transparency=(0, 0, 0))
    assert images.valid_fraction(tmp_path / "t.png") == 0.75


def test_valid_fraction_of_truncated_alpha_data_names_the_file(tmp_path):
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (64, 64, 4), dtype=np.uint8), "RGBA").save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    p = tmp_path / "cut.png"
    p.write_bytes(data[: len(data) // 2])  # header intact, half the pixel data gone
    with pytest.raises(InputError) as e:
        images.valid_fraction(p)
    assert e.value.path == p
    assert e.value.problem.startswith("the file ends early: a copy not finished or cut off, or a damaged file (") and e.value.problem.endswith(")")
