"""Content-free frames (lens cap, over-exposure, sky, fog, heavy blur) are told apart from real
ground, label-free, whatever the camera's resolution."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from geolocator.core.content import MIN_DETAIL, MIN_STRUCTURE, content_free_reason, measure

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
CASE_11 = SHARED / "field-cases" / "11-blank-photo-geojson-nan"


def _save(array, path, size=None):
    image = Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))
    if size is not None:
        image = image.resize(size, Image.Resampling.BICUBIC)
    image.save(path, quality=90)
    return path


def _frames(tmp_path):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:300, 0:400]
    sky = np.stack([120 + 40 * yy / 300, 160 + 30 * yy / 300, 230 + 0 * xx], -1) + rng.normal(0, 3, (300, 400, 3))
    photo = np.asarray(Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB"), np.float32)
    return {
        "black": _save(np.zeros((300, 400, 3)), tmp_path / "black.jpg", (4000, 3000)),  # a 12 MP lens-cap frame
        "white": _save(np.full((300, 400, 3), 255.0), tmp_path / "white.jpg"),
        "grey noise": _save(128 + rng.normal(0, 10, (300, 400, 3)), tmp_path / "noise.jpg"),
        "sky": _save(sky, tmp_path / "sky.jpg"),
        "blurred": _save(cv2.GaussianBlur(photo, (0, 0), 40), tmp_path / "blurred.jpg"),
    }


def test_content_free_frames_are_caught(tmp_path):
    for name, path in _frames(tmp_path).items():
        assert content_free_reason(path) is not None, name
    assert "blank" in content_free_reason(tmp_path / "black.jpg")
    assert "blur" in content_free_reason(tmp_path / "blurred.jpg")


def test_every_demo_photo_has_content_with_a_margin():
    """The thresholds sit well below every real photo: measured minimum on the demo 32 / 26."""
    for path in sorted((DEMO / "queries").glob("*.jpg"))[::6]:
        c = measure(path)
        assert c.reason is None, path
        assert c.structure > 2 * MIN_STRUCTURE and c.detail > 2 * MIN_DETAIL


def test_content_does_not_depend_on_the_resolution(tmp_path):
    """The same frame at 20 MP and at 0.5 MP measures alike (a rule on working-size pixels)."""
    photo = np.asarray(Image.open(DEMO / "queries" / "q_0040.jpg").convert("RGB"))
    big = measure(_save(photo, tmp_path / "big.jpg", (5472, 3648)))
    small = measure(_save(photo, tmp_path / "small.jpg", (866, 577)))
    assert big.structure == pytest.approx(small.structure, rel=0.15)
    assert big.detail == pytest.approx(small.detail, rel=0.25)


def test_unreadable_photo_is_not_called_content_free(tmp_path):
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not a jpeg")
    assert content_free_reason(bad) is None  # its reading error is reported where it is embedded


@pytest.mark.skipif(not CASE_11.is_dir(), reason="shared field cases (../shared/field-cases) not present")
def test_field_case_11_blank_frames():
    queries = CASE_11 / "queries"
    assert content_free_reason(queries / "DJI_1101.JPG") is not None  # lens cap
    assert content_free_reason(queries / "DJI_1102.JPG") is not None  # white
    assert content_free_reason(queries / "DJI_1103.JPG") is None  # a normal photo
    assert content_free_reason(CASE_11 / "noexif" / "lens_cap.JPG") is not None
