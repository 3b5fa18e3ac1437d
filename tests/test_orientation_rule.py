"""The EXIF Orientation quarter-turn rule (metadata.quarter_turned), read by footprint_m and
camera._image_size.

Session 24 made one helper of the rule that camera.py repeated; hand mutants then showed that neither
the mirrored quarter turns (Orientation 5 and 7: a transpose and a transverse, shown a quarter turn
like 6 and 8) nor camera's reading of the file for a photo loaded without its PhotoMeta were tested:
dropping either passed every test."""

from __future__ import annotations

from PIL import Image

from geolocator.core import camera
from geolocator.core.media.metadata import PhotoMeta, footprint_m, quarter_turned
from geolocator.core.model import Query


def test_orientations_5_to_8_and_only_they_are_a_quarter_turn():
    """EXIF 2.32 / TIFF 6.0 tag 0x0112: 5 (transpose) and 7 (transverse) mirror across a diagonal, 6
    and 8 turn by 90 degrees: all four show the stored height as the width."""
    assert [o for o in range(1, 9) if quarter_turned(PhotoMeta(orientation=o))] == [5, 6, 7, 8]
    assert not quarter_turned(PhotoMeta()) and not quarter_turned(None)


def test_the_footprint_of_a_mirrored_quarter_turn_is_swapped_too():
    meta = dict(width=4000, height=3000, relative_altitude_m=100.0, focal_length_mm=10.0, sensor_width_mm=13.2)
    w, h = footprint_m(PhotoMeta(orientation=1, **meta))
    for o in (5, 6, 7, 8):
        assert footprint_m(PhotoMeta(orientation=o, **meta)) == (h, w), o


def test_image_size_reads_the_orientation_from_the_file_when_no_meta_was_read(tmp_path):
    """A Query built without its PhotoMeta (the file's EXIF not read yet) is turned by the file's own
    Orientation tag: a 60 x 40 JPEG stored with Orientation 6 is matched as 40 x 60."""
    for orientation, size in ((6, (40, 60)), (7, (40, 60)), (1, (60, 40))):
        exif = Image.Exif()
        exif[0x0112] = orientation
        path = tmp_path / f"o{orientation}.jpg"
        Image.new("RGB", (60, 40)).save(path, exif=exif)
        assert camera._image_size(Query(path.name, path)) == size, orientation
