"""More exact answers of the photo-metadata reader (core/media/metadata.py), written for the survivors
of session 7's mutation run (training/results/mutation_metadata.md): the angle check of every
orientation field, the refusals of a DMS value named by its axis, the debug log of a file without
metadata or with a broken XMP packet, and a JPEG whose Exif/GPS IFD pointers cannot be followed
(built byte by byte: a signed, negative offset)."""

from __future__ import annotations

import logging
import struct

import pytest
from PIL import Image

from geolocator.core.media import metadata as M
from geolocator.core.model import LatLon, PhotoMeta

RDF_NS = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
DJI = 'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'


def _packet(attrs: str) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF_NS}><rdf:Description rdf:about="" {DJI} {attrs}/>'
            '</rdf:RDF></x:xmpmeta>').encode()


# ---------------------------------------------------------------- orientation: every field's angle check

# (field, its keys in order of trust): the first key holds an angle beyond +-360 (not an angle: skipped),
# the next one a valid angle, which is the answer.
FIELDS = [
    ("gimbal_yaw_deg", ["drone-dji:GimbalYawDegree", "drone-skydio:CameraOrientationNED/Yaw",
                        "drone-parrot:CameraYawDegree", "Camera:Yaw"]),
    ("gimbal_pitch_deg", ["drone-dji:GimbalPitchDegree", "drone-skydio:CameraOrientationNED/Pitch",
                          "drone-parrot:CameraPitchDegree"]),
    ("gimbal_roll_deg", ["drone-dji:GimbalRollDegree", "drone-skydio:CameraOrientationNED/Roll",
                         "drone-parrot:CameraRollDegree", "Camera:Roll"]),
    ("flight_yaw_deg", ["drone-dji:FlightYawDegree", "drone-parrot:DroneYawDegree"]),
    ("flight_pitch_deg", ["drone-dji:FlightPitchDegree", "drone-parrot:DronePitchDegree"]),
    ("flight_roll_deg", ["drone-dji:FlightRollDegree", "drone-parrot:DroneRollDegree"]),
]
CASES = [(field, keys[i], keys[i + 1]) for field, keys in FIELDS for i in range(len(keys) - 1)]


@pytest.mark.parametrize("field, bad_key, good_key", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_an_angle_beyond_a_full_turn_is_skipped_for_the_next_key(field, bad_key, good_key):
    out = M._orientation({bad_key: "361.5", good_key: "-12.5"})
    assert out[field] == -12.5
    assert all(v is None for k, v in out.items() if k != field)


@pytest.mark.parametrize("field, keys", FIELDS, ids=[f[0] for f in FIELDS])
def test_a_field_whose_only_angle_is_beyond_a_full_turn_is_none(field, keys):
    out = M._orientation({keys[0]: "-400"})
    assert out[field] is None
    # and exactly one full turn is still an angle (the check is |x| > 360)
    assert M._orientation({keys[0]: "-360"})[field] == -360.0


def test_a_pix4d_pitch_beyond_a_full_turn_is_not_converted():
    assert M._orientation({"Camera:Pitch": "370"})["gimbal_pitch_deg"] is None
    assert M._orientation({"Camera:Pitch": "360"})["gimbal_pitch_deg"] == 270.0  # 360 - 90


# ---------------------------------------------------------------- DMS refusals name their axis


def test_a_bad_latitude_or_longitude_is_named_in_the_refusal():
    good = (1, 0, 0)
    with pytest.raises(M._Reject) as err:
        M._exif_position({1: "N", 2: (1, 2, 3, 4), 3: "E", 4: good})
    assert str(err.value) == "EXIF GPS latitude has 4 values instead of degrees, minutes, seconds"
    with pytest.raises(M._Reject) as err:
        M._exif_position({1: "N", 2: good, 3: "E", 4: (2, 61, 0)})
    assert str(err.value) == "EXIF GPS longitude is not valid degrees/minutes/seconds (2.0, 61.0, 0.0)"


# ---------------------------------------------------------------- the debug log


def _debug_messages(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "geolocator" and r.levelno == logging.DEBUG]


def test_a_file_without_metadata_is_logged_with_its_path_and_why(tmp_path, caplog):
    missing, text = tmp_path / "gone.jpg", tmp_path / "note.jpg"
    text.write_text("hello")
    with caplog.at_level(logging.DEBUG, logger="geolocator"):
        assert M.read_photo_meta(missing) == PhotoMeta()
        assert M.read_photo_meta(text) == PhotoMeta()
    assert _debug_messages(caplog) == [
        f"{missing}: no metadata ({missing}: file not found)",
        f"{text}: no metadata ({text}: not an image, or a format that cannot be read)",
    ]


def test_a_broken_xmp_packet_is_logged_with_its_path_and_the_parsers_words(tmp_path, caplog):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (40, 30), (90, 120, 60)).save(path, xmp=b"<x:xmpmeta")
    with caplog.at_level(logging.DEBUG, logger="geolocator"):
        meta = M.read_photo_meta(path)
    assert (meta.width, meta.height, meta.gimbal_yaw_deg) == (40, 30, None)
    assert _debug_messages(caplog) == [
        f"{path}: XMP is not well-formed XML (ParseError: unclosed token: line 1, column 0)"]


# ---------------------------------------------------------------- Exif/GPS IFD pointers that cannot be followed


def _exif_with_broken_pointers(*tags: int) -> bytes:
    """APP1 Exif payload: a little-endian TIFF header and IFD0 whose `tags` point at offset -1 (SLONG,
    type 9): Pillow's get_ifd raises ValueError (negative seek) for them."""
    entries = [(0x010F, 2, 4, b"DJI\x00")]  # Make, ASCII "DJI" held in the entry itself
    entries += [(tag, 9, 1, struct.pack("<i", -1)) for tag in tags]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHI", t, ty, n) + v for t, ty, n, v in entries)
    return b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def test_an_unreadable_gps_block_is_said_and_the_rest_still_read(tmp_path):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (40, 30), (90, 120, 60)).save(path, exif=_exif_with_broken_pointers(M.GPS_IFD, M.EXIF_IFD))
    meta = M.read_photo_meta(path)
    assert (meta.make, meta.width, meta.height) == ("DJI", 40, 30)
    assert (meta.position, meta.position_source, meta.gps_altitude_m) == (None, None, None)
    assert (meta.captured_at, meta.focal_length_mm, meta.sensor_width_mm) == (None, None, None)
    assert meta.position_note == "EXIF GPS block cannot be read: not used as truth"


def test_an_unreadable_gps_block_rescued_by_xmp_says_so(tmp_path):
    path = tmp_path / "a.jpg"
    xmp = _packet('drone-dji:GpsLatitude="+36.5" drone-dji:GpsLongitude="-115.25"')
    Image.new("RGB", (40, 30), (90, 120, 60)).save(path, exif=_exif_with_broken_pointers(M.GPS_IFD), xmp=xmp)
    meta = M.read_photo_meta(path)
    assert (meta.position, meta.position_source) == (LatLon(36.5, -115.25), "xmp:drone-dji")
    assert meta.position_note == "EXIF GPS block cannot be read; position taken from xmp:drone-dji"


def test_an_unreadable_exif_block_alone_leaves_no_note(tmp_path):
    path = tmp_path / "a.jpg"
    Image.new("RGB", (40, 30), (90, 120, 60)).save(path, exif=_exif_with_broken_pointers(M.EXIF_IFD))
    meta = M.read_photo_meta(path)
    assert (meta.make, meta.captured_at, meta.sensor_width_mm, meta.position_note) == ("DJI", None, None, None)


# ---------------------------------------------------------------- an EXIF BYTE (GPSAltitudeRef)


def test_a_byte_tag_is_one_byte_or_a_number_else_nothing():
    assert [M._byte(v) for v in (b"\x01", b"\x00", b"\xff")] == [1.0, 0.0, 255.0]
    assert [M._byte(v) for v in (b"", b"\x01\x00")] == [None, None]  # not one byte: no number
    assert [M._byte(v) for v in (1, 0, "1", None)] == [1.0, 0.0, 1.0, None]  # already a number (or text)


# ---------------------------------------------------------------- sensor sizes at their limits


def test_focal_plane_resolutions_below_one_pixel_per_unit_and_the_1_to_100_mm_limits():
    fp = "focal-plane resolution"
    # 0.5 px per mm: 5 px = 10 mm wide; fy 0.25 px per mm: 2 px = 8 mm high
    assert M._sensor({0xA20E: 0.5, 0xA20F: 0.25, 0xA210: 4}, None, 5, 2) == (10.0, 8.0, fp)
    assert M._sensor({0xA20E: 0.5, 0xA210: 4}, None, 5, None) == (10.0, None, fp)
    # 1000 px per mm: the width is px / 1000 mm, kept from exactly 1 to exactly 100 mm
    assert M._sensor({0xA20E: 1000.0, 0xA210: 4}, None, 1000, None) == (1.0, None, fp)
    assert M._sensor({0xA20E: 1000.0, 0xA210: 4}, None, 1500, None) == (1.5, None, fp)
    assert M._sensor({0xA20E: 1000.0, 0xA210: 4}, None, 100000, None) == (100.0, None, fp)
    assert M._sensor({0xA20E: 1000.0, 0xA210: 4}, None, 100500, None) == (None, None, None)
    assert M._sensor({0xA20E: 1000.0, 0xA210: 4}, None, 999, None) == (None, None, None)


def test_the_camera_table_without_both_image_sides_and_35mm_equivalents_below_one_mm():
    assert M._sensor({}, "FC6310", 3840, None) == (13.2, 8.8, "camera table")
    assert M._sensor({}, "FC6310", None, 2160) == (13.2, 8.8, "camera table")
    # f = 0.5 mm at a 24 mm equivalent; f = 4.5 mm at a 0.5 mm "equivalent": the diagonal scales by f / f35
    d = M.FULL_FRAME_DIAGONAL_MM
    assert M._sensor({0x920A: 0.5, 0xA405: 24}, None, 40, 30) == pytest.approx((d * 0.5 / 24 * 0.8, d * 0.5 / 24 * 0.6, "35 mm equivalent"))
    assert M._sensor({0x920A: 4.5, 0xA405: 0.5}, None, 40, 30) == pytest.approx((d * 9 * 0.8, d * 9 * 0.6, "35 mm equivalent"))


def test_numbers_over_one_non_ascii_bytes_and_trailing_letters():
    assert M._float("3/1") == 3.0 and M._float(b"12/1") == 12.0
    assert M._float(b"12\xff") == 12.0  # bytes that are not ASCII are dropped
    assert M._float("5X") is None and M._float("X5") is None
