"""A HEIC whose EXIF says Orientation 6 but which has no `irot` box (formats37): a tool that rewrote
the file lost the box and kept the tag (ImageMagick issue 5647 shows such a file sideways on macOS).
HEIF (ISO/IEC 23008-12) makes the transform properties (irot/imir) what turns an image and EXIF
Orientation informative only; libheif decodes so, and pillow-heif then reports Orientation 1 (keeping
the 6 as info["original_orientation"]). geolocator follows: the photo is shown as stored, and its
metadata, footprint and camera size say the same, so nothing turns it a second way."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import camera, images
from geolocator.core.media.metadata import footprint_m, quarter_turned, read_photo_meta
from geolocator.core.model import Query

pillow_heif = pytest.importorskip("pillow_heif")

_TAG_1 = bytes.fromhex("0112000300000001000100")  # Orientation = 1, big-endian IFD entry as Pillow writes it
_TAG_6 = bytes.fromhex("0112000300000001000600")


def _heic_tagged_6_without_irot(path: Path) -> np.ndarray:
    """A 64 x 32 HEIC (red top rows, blue left columns) whose EXIF says 6 and that has no irot box: written
    with Orientation 1 (pillow-heif writes no irot for it), then the tag's value patched to 6 in place."""
    assert images.heif_available()
    stored = np.zeros((32, 64, 3), np.uint8)
    stored[:4] = (255, 0, 0)
    stored[:, :4] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 1
    exif[0x920A] = 8.8  # a focal length, so the footprint has something to work with
    Image.fromarray(stored).save(path, format="HEIF", exif=exif.tobytes(), quality=-1)
    raw = path.read_bytes()
    assert raw.count(_TAG_1) == 1 and b"irot" not in raw
    path.write_bytes(raw.replace(_TAG_1, _TAG_6))
    return stored


def test_a_heic_tagged_6_without_irot_is_shown_as_stored_and_its_metadata_agrees(tmp_path):
    path = tmp_path / "IMG_0007.HEIC"
    _heic_tagged_6_without_irot(path)
    with Image.open(path) as im:  # what pillow-heif says of it: the 6 kept aside, Orientation reset
        assert im.info["original_orientation"] == 6 and im.getexif().get(0x0112) == 1 and b"irot" not in path.read_bytes()
    img = np.asarray(images.open_image(path)).astype(int)
    assert img.shape == (32, 64, 3)  # landscape, as stored: not turned by the EXIF tag
    assert img[0, 8:-8].mean(axis=0)[0] > 200 and img[8:-8, 0].mean(axis=0)[2] > 200  # red on top, blue left
    assert images.image_size(path) == (64, 32)
    meta = read_photo_meta(path)
    assert (meta.width, meta.height, meta.orientation) == (64, 32, 1) and not quarter_turned(meta)
    assert camera._image_size(Query(path.name, path)) == (64, 32)
    w, h = footprint_m(meta.__class__(width=64, height=32, orientation=meta.orientation, relative_altitude_m=50.0,
                                      focal_length_mm=8.8, sensor_width_mm=13.2))
    assert w > h  # the footprint is landscape as the pixels are
