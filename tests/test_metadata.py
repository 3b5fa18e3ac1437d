"""Photo metadata (core/media/metadata.py): EXIF GPS, maker XMP, orientation, height, camera, time.

Real files: ../shared/real-dji (four untouched DJI Phantom 3 photos) and the field cases 02/04,
skipped only when shared/ is absent; every kind is also tested on files generated in tmp_path.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image, TiffImagePlugin

from geolocator.core.media.metadata import (
    CAMERA_SENSORS_MM,
    footprint_m,
    meta_properties,
    parse_xmp,
    read_photo_meta,
)
from geolocator.core.model import LatLon, PhotoMeta
from geolocator.core.queries import load_queries

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
REAL_DJI = SHARED / "real-dji"
FIELD = SHARED / "field-cases"
needs_real_dji = pytest.mark.skipif(not REAL_DJI.is_dir(), reason="../shared/real-dji is not beside this checkout")
needs_field = pytest.mark.skipif(not FIELD.is_dir(), reason="../shared/field-cases is not beside this checkout")

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
R = TiffImagePlugin.IFDRational


def _xmp(attrs: str = "", body: str = "", ns: str = "") -> bytes:
    """An XMP packet as cameras write it (xpacket wrapper, one rdf:Description)."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {ns} {attrs}>{body}</rdf:Description></rdf:RDF></x:xmpmeta>'
        '<?xpacket end="w"?>'
    ).encode("utf-8")


DJI_NS = 'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'


def _photo(path: Path, *, gps: dict | None = None, exif_ifd: dict | None = None, ifd0: dict | None = None,
           xmp: bytes | None = None, size=(64, 48)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    exif = Image.Exif()
    for k, v in (ifd0 or {}).items():
        exif[k] = v
    if gps is not None:
        exif[GPS_IFD] = gps
    if exif_ifd:
        exif[EXIF_IFD] = exif_ifd
    kwargs = {"exif": exif}
    if xmp is not None:
        kwargs["xmp"] = xmp
    Image.new("RGB", size, (90, 120, 60)).save(path, **kwargs)
    return path


def _gps(lat: float, lon: float, status: str | None = None) -> dict:
    g = {1: "N" if lat >= 0 else "S", 2: (abs(lat), 0.0, 0.0), 3: "E" if lon >= 0 else "W", 4: (abs(lon), 0.0, 0.0)}
    if status is not None:
        g[9] = status  # GPSStatus: A = measurement in progress, V = void
    return g


# ---------------------------------------------------------------- the real DJI files

# From ../shared/real-dji/README.md: EXIF lat, lon, RelativeAltitude, GimbalPitch, GimbalYaw (XMP),
# and the heading measured from the pixels.
REAL_TABLE = {
    "DJI_0018.JPG": (46.84260708, -91.99455989, 39.80, -89.9, 45.0, 44.2),
    "DJI_0024.JPG": (46.84286461, -91.99369667, 39.90, -89.9, -140.0, 37.8),
    "DJI_0030.JPG": (46.84228161, -91.99408417, 40.10, -89.9, 44.2, 47.7),
    "DJI_0035.JPG": (46.84271656, -91.99345531, 40.00, -89.9, 45.3, 42.3),
}


def _angle_diff(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@needs_real_dji
@pytest.mark.parametrize("name", sorted(REAL_TABLE))
def test_real_dji_every_value_in_the_readme_table(name):
    lat, lon, rel_alt, pitch, yaw, measured_heading = REAL_TABLE[name]
    path = REAL_DJI / name
    with Image.open(path) as im:
        assert im.format == "MPO"  # a main image plus a preview, as the README says
    meta = read_photo_meta(path)
    assert meta.position_source == "exif" and meta.position_note is None
    assert meta.position.lat == pytest.approx(lat, abs=5e-9) and meta.position.lon == pytest.approx(lon, abs=5e-9)
    assert meta.relative_altitude_m == pytest.approx(rel_alt)
    assert meta.gimbal_pitch_deg == pytest.approx(pitch)
    assert meta.gimbal_yaw_deg == pytest.approx(yaw)
    # The camera: DJI Phantom 3 (FC300S, 4000x2250, 3.61 mm, sensor 6.16 mm wide).
    assert (meta.make, meta.model) == ("DJI", "FC300S")
    assert (meta.width, meta.height) == (4000, 2250)
    assert meta.focal_length_mm == pytest.approx(3.61)
    assert meta.sensor_width_mm == pytest.approx(6.16) and meta.sensor_source == "camera table"
    assert meta.captured_at.date().isoformat() == "2016-06-23"
    # Metadata is a prior: DJI_0024's recorded yaw is ~180 degrees from where its top points.
    off = _angle_diff(meta.gimbal_yaw_deg, measured_heading)
    assert (off > 150) if name == "DJI_0024.JPG" else (off < 10)
    # ~40 m above take-off, straight down: 40 * 6.16 / 3.61 = ~68 m by ~38 m on the ground.
    w, h = footprint_m(meta)
    assert w == pytest.approx(rel_alt * 6.16 / 3.61) and h == pytest.approx(w * 2250 / 4000)


@needs_real_dji
def test_real_dji_other_fields_and_loader():
    meta = read_photo_meta(REAL_DJI / "DJI_0018.JPG")
    assert meta.captured_at == datetime(2016, 6, 23, 16, 31, 59)
    assert meta.absolute_altitude_m == pytest.approx(198.31) and meta.gps_altitude_m == pytest.approx(198.309)
    assert (meta.flight_yaw_deg, meta.flight_pitch_deg, meta.flight_roll_deg) == (46.0, 1.8, 3.0)
    assert meta.gimbal_roll_deg == 0.0 and meta.focal_length_35mm == 20.0
    q = load_queries(REAL_DJI / "DJI_0018.JPG")[0]
    assert q.meta == meta and q.truth == meta.position and q.truth_source == "exif"


# ---------------------------------------------------------------- field cases 02 and 04


@needs_field
def test_field_case_02_position_from_dji_xmp_when_exif_gps_is_empty():
    (q,) = load_queries(FIELD / "02-exif-gps-empty-xmp-only" / "queries")
    assert q.truth == LatLon(36.1418363, -115.2334184)
    assert q.truth_source == "xmp:drone-dji" and q.truth_note is None
    assert q.meta.relative_altitude_m == 40.0 and q.meta.gimbal_pitch_deg == -90.0


@needs_field
def test_field_case_04_void_fix_is_not_truth_and_says_why():
    (q,) = load_queries(FIELD / "04-gps-status-void" / "queries")
    assert q.truth is None and q.truth_source is None
    assert "void" in q.truth_note and "GPSStatus V" in q.truth_note and "not used as truth" in q.truth_note


# ---------------------------------------------------------------- position, generated files


def test_exif_gps_position(tmp_path):
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps=_gps(-33.5, 151.25, status="A")))
    assert meta.position == LatLon(-33.5, 151.25) and meta.position_source == "exif" and meta.position_note is None


@pytest.mark.parametrize(
    "gps, why",
    [
        (_gps(36.2, -115.2, status="V"), "void"),
        ({2: (36.0, 12.0, 0.0), 3: "W", 4: (115.0, 0.0, 0.0)}, "no N/S reference"),
        ({1: "N", 2: (36.0, 12.0, 0.0), 4: (115.0, 0.0, 0.0)}, "no E/W reference"),
        ({1: "N", 2: (R(36, 1), R(12, 0), R(0, 1)), 3: "W", 4: (115.0, 0.0, 0.0)}, "zero denominator"),
        ({1: "N", 2: (R(36, 1), R(0, 1), R(0, 1)), 3: "W", 4: (R(0, 0), R(0, 0), R(0, 0))}, "zero denominator"),
        (_gps(0.0, 0.0), "0, 0"),
        ({1: "Q", 2: (36.0, 0.0, 0.0), 3: "W", 4: (115.0, 0.0, 0.0)}, "not N or S"),
        ({1: "N", 2: (36.0, 75.0, 0.0), 3: "W", 4: (115.0, 0.0, 0.0)}, "degrees/minutes/seconds"),
    ],
)
def test_bad_exif_fix_is_not_truth_and_the_note_says_why(tmp_path, gps, why):
    path = _photo(tmp_path / "a.jpg", gps=gps)
    (q,) = load_queries(path)
    assert q.truth is None and q.truth_source is None
    assert why in q.truth_note and q.truth_note.endswith("not used as truth")


def test_void_exif_fix_is_not_rescued_by_the_same_cameras_xmp(tmp_path):
    xmp = _xmp('drone-dji:GpsLatitude="36.2" drone-dji:GpsLongitude="-115.2"', ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps=_gps(36.2, -115.2, status="V"), xmp=xmp))
    assert meta.position is None and "void" in meta.position_note


@pytest.mark.parametrize("lon_tag", ["GpsLongitude", "GpsLongtitude"])  # DJI's own misspelling exists in the wild
def test_dji_xmp_position_when_exif_gps_is_empty(tmp_path, lon_tag):
    xmp = _xmp(f'drone-dji:GpsLatitude="+36.1418363" drone-dji:{lon_tag}="-115.2334184" drone-dji:GpsStatus="Normal"', ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps={0: b"\x02\x03\x00\x00"}, xmp=xmp))
    assert meta.position == LatLon(36.1418363, -115.2334184) and meta.position_source == "xmp:drone-dji"


def test_autel_newer_firmware_dji_namespace_position_and_angles(tmp_path):
    """Newer Autel firmware writes DJI's drone-dji namespace, empty EXIF GPS included."""
    xmp = _xmp('drone-dji:GpsLatitude="41.3026416" drone-dji:GpsLongitude="-72.9251"'
               ' drone-dji:GimbalYawDegree="170.2" drone-dji:GimbalPitchDegree="-60.0" drone-dji:RelativeAltitude="35.7"',
               ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", xmp=xmp, ifd0={0x010F: "Autel Robotics", 0x0110: "XT705"},
                                  exif_ifd={0x920A: 4.5, 0xA405: 24}))
    assert meta.position == LatLon(41.3026416, -72.9251) and meta.position_source == "xmp:drone-dji"
    assert meta.make == "Autel Robotics" and meta.gimbal_yaw_deg == 170.2 and meta.relative_altitude_m == 35.7
    assert meta.sensor_source == "35 mm equivalent"
    assert footprint_m(meta) is None  # 30 degrees off nadir: no nadir footprint
    assert footprint_m(replace(meta, gimbal_pitch_deg=-90.0)) is not None


def test_xmp_namespace_is_matched_by_uri_not_prefix(tmp_path):
    xmp = _xmp('dji:GpsLatitude="10.5" dji:GpsLongitude="20.25" dji:RelativeAltitude="+55.5"',
               ns='xmlns:dji="http://www.dji.com/drone-dji/1.0/"')
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", xmp=xmp))
    assert meta.position == LatLon(10.5, 20.25) and meta.relative_altitude_m == 55.5


def test_dji_xmp_invalid_status_and_half_positions_are_not_truth(tmp_path):
    bad = _xmp('drone-dji:GpsLatitude="36.1" drone-dji:GpsLongitude="-115.2" drone-dji:GpsStatus="Invalid"', ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", xmp=bad))
    assert meta.position is None and "Invalid" in meta.position_note
    half = _xmp('drone-dji:GpsLatitude="36.1"', ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "b.jpg", xmp=half))
    assert meta.position is None and "not both" in meta.position_note


def test_malformed_exif_falls_back_to_xmp_and_says_so(tmp_path):
    xmp = _xmp('drone-dji:GpsLatitude="36.1" drone-dji:GpsLongitude="-115.2"', ns=DJI_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps={2: (36.0, 0.0, 0.0), 4: (115.0, 0.0, 0.0)}, xmp=xmp))
    assert meta.position == LatLon(36.1, -115.2) and meta.position_source == "xmp:drone-dji"
    assert "N/S reference" in meta.position_note and "position taken from xmp:drone-dji" in meta.position_note


SKYDIO_NS = 'xmlns:drone-skydio="https://www.skydio.com/drone-skydio/1.0/"'


@pytest.mark.parametrize(
    "body",
    [
        # a struct as a nested element with rdf:parseType="Resource"
        '<drone-skydio:CameraOrientationNED rdf:parseType="Resource"><drone-skydio:Pitch>-85.5</drone-skydio:Pitch>'
        '<drone-skydio:Roll>0.2</drone-skydio:Roll><drone-skydio:Yaw>127.4</drone-skydio:Yaw></drone-skydio:CameraOrientationNED>',
        # the same struct written as attributes (RDF shorthand)
        '<drone-skydio:CameraOrientationNED drone-skydio:Pitch="-85.5" drone-skydio:Roll="0.2" drone-skydio:Yaw="127.4"/>',
    ],
)
def test_skydio_xmp_position_and_camera_orientation_struct(tmp_path, body):
    xmp = _xmp('drone-skydio:Latitude="37.4" drone-skydio:Longitude="-122.1" drone-skydio:AbsoluteAltitude="31.5"',
               body=body, ns=SKYDIO_NS)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", xmp=xmp))
    assert meta.position == LatLon(37.4, -122.1) and meta.position_source == "xmp:drone-skydio"
    assert (meta.gimbal_yaw_deg, meta.gimbal_pitch_deg, meta.gimbal_roll_deg) == (127.4, -85.5, 0.2)
    assert meta.absolute_altitude_m == 31.5


def test_parrot_xmp_orientation_with_exif_position(tmp_path):
    ns = 'xmlns:drone-parrot="http://www.parrot.com/drone-parrot/1.0/" xmlns:Camera="http://pix4d.com/camera/1.0/"'
    xmp = _xmp('drone-parrot:CameraYawDegree="-30.5" drone-parrot:CameraPitchDegree="-89.0" drone-parrot:CameraRollDegree="1.0" '
               'drone-parrot:DroneYawDegree="-31" drone-parrot:DronePitchDegree="2.5" drone-parrot:DroneRollDegree="-1.5" '
               'Camera:AboveGroundAltitude="60.25"', ns=ns)
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps=_gps(48.85, 2.35), xmp=xmp, ifd0={0x010F: "Parrot", 0x0110: "ANAFI"}))
    assert meta.position == LatLon(48.85, 2.35) and meta.position_source == "exif"
    assert (meta.gimbal_yaw_deg, meta.gimbal_pitch_deg, meta.gimbal_roll_deg) == (-30.5, -89.0, 1.0)
    assert (meta.flight_yaw_deg, meta.flight_pitch_deg, meta.flight_roll_deg) == (-31.0, 2.5, -1.5)
    assert meta.relative_altitude_m == 60.25 and meta.make == "Parrot"


def test_pix4d_camera_pitch_is_converted_to_djis_convention(tmp_path):
    """Older Autel / senseFly: Camera:Pitch is 0 at nadir and 90 at the horizon."""
    xmp = _xmp('Camera:Yaw="12" Camera:Pitch="0" Camera:Roll="1"', ns='xmlns:Camera="http://pix4d.com/camera/1.0"')
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", gps=_gps(41.3, -72.9), xmp=xmp))
    assert (meta.gimbal_yaw_deg, meta.gimbal_pitch_deg, meta.gimbal_roll_deg) == (12.0, -90.0, 1.0)


def test_hostile_or_broken_xmp_never_stops_a_photo(tmp_path):
    bomb = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="&b;"/></rdf:RDF></x:xmpmeta>')
    with pytest.raises(ValueError):
        parse_xmp(bomb)
    with pytest.raises(ValueError):
        parse_xmp(b"<x:xmpmeta><unclosed")
    for i, packet in enumerate([bomb, b"<x:xmpmeta><unclosed", b"\x00\xff garbage"]):
        meta = read_photo_meta(_photo(tmp_path / f"{i}.jpg", gps=_gps(1.5, 2.5), xmp=packet))
        assert meta.position == LatLon(1.5, 2.5)  # EXIF still read


def test_parse_xmp_keys_structs_and_arrays():
    packet = _xmp(
        'drone-dji:GimbalYawDegree="+45.00"',
        body='<dc:subject><rdf:Bag><rdf:li>first</rdf:li><rdf:li>second</rdf:li></rdf:Bag></dc:subject>'
             '<drone-dji:Note xml:lang="en">plain text</drone-dji:Note>'
             '<drone-dji:Box><rdf:Description drone-dji:W="3" drone-dji:H="4"/></drone-dji:Box>',
        ns=DJI_NS + ' xmlns:dc="http://purl.org/dc/elements/1.1/"',
    )
    got = parse_xmp(packet)
    assert got["drone-dji:GimbalYawDegree"] == "+45.00" and got["drone-dji:Note"] == "plain text"
    assert got["dc:subject"] == "first"
    assert got["drone-dji:Box/W"] == "3" and got["drone-dji:Box/H"] == "4"


# ---------------------------------------------------------------- camera, time, footprint


def test_capture_time_with_subseconds_and_offset(tmp_path):
    exif_ifd = {0x9003: "2024:05:01 10:20:30", 0x9291: "25", 0x9011: "-04:00"}
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", exif_ifd=exif_ifd))
    assert meta.captured_at == datetime(2024, 5, 1, 10, 20, 30, 250000, tzinfo=timezone(timedelta(hours=-4)))
    assert meta_properties(meta)["captured_at"] == "2024-05-01T10:20:30.250000-04:00"
    broken = read_photo_meta(_photo(tmp_path / "b.jpg", exif_ifd={0x9003: "0000:00:00 00:00:00"}))
    assert broken.captured_at is None


def test_sensor_from_focal_plane_resolution(tmp_path):
    # 4000 px across at 4000 / 13.2 px per mm (unit 4 = mm): a 13.2 mm wide sensor.
    exif_ifd = {0x920A: 8.8, 0xA002: 4000, 0xA003: 3000, 0xA20E: R(4000 * 1000, 13200), 0xA20F: R(3000 * 1000, 8800), 0xA210: 4}
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", exif_ifd=exif_ifd, ifd0={0x0110: "FC6310"}))
    assert meta.sensor_width_mm == pytest.approx(13.2) and meta.sensor_height_mm == pytest.approx(8.8)
    assert meta.sensor_source == "focal-plane resolution"


def test_sensor_from_35mm_equivalent_when_nothing_else(tmp_path):
    exif_ifd = {0x920A: 4.5, 0xA405: 24}
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", exif_ifd=exif_ifd, ifd0={0x0110: "Unknown cam"}, size=(64, 48)))
    diagonal = math.hypot(36, 24) * 4.5 / 24
    assert meta.sensor_source == "35 mm equivalent"
    assert meta.sensor_width_mm == pytest.approx(diagonal * 0.8) and meta.sensor_height_mm == pytest.approx(diagonal * 0.6)


def test_camera_table_by_model(tmp_path):
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", exif_ifd={0x920A: 4.49}, ifd0={0x0110: "FC3411"}, size=(80, 60)))
    assert (meta.sensor_width_mm, meta.sensor_height_mm) == CAMERA_SENSORS_MM["FC3411"]
    assert meta.sensor_source == "camera table"


def test_footprint_nadir_oblique_and_rotated():
    base = PhotoMeta(width=4000, height=3000, relative_altitude_m=100.0, focal_length_mm=10.0, sensor_width_mm=13.2,
                     gimbal_pitch_deg=-90.0)
    assert footprint_m(base) == pytest.approx((132.0, 99.0))
    assert footprint_m(PhotoMeta(**{**base.__dict__, "gimbal_pitch_deg": -85.0})) == pytest.approx((132.0, 99.0))
    assert footprint_m(PhotoMeta(**{**base.__dict__, "gimbal_pitch_deg": -45.0})) is None  # oblique: no footprint
    assert footprint_m(PhotoMeta(**{**base.__dict__, "orientation": 6})) == pytest.approx((99.0, 132.0))
    for missing in ("relative_altitude_m", "focal_length_mm", "sensor_width_mm", "width"):
        assert footprint_m(PhotoMeta(**{**base.__dict__, missing: None})) is None
    assert footprint_m(PhotoMeta(**{**base.__dict__, "relative_altitude_m": -3.0})) is None
    assert footprint_m(None) is None


def test_metadata_of_a_file_with_none_is_empty_not_an_error(tmp_path):
    plain = tmp_path / "plain.png"
    Image.new("RGB", (40, 30)).save(plain)
    meta = read_photo_meta(plain)
    assert meta.position is None and meta.position_note is None and (meta.width, meta.height) == (40, 30)
    assert read_photo_meta(tmp_path / "missing.jpg") == PhotoMeta()


@pytest.mark.filterwarnings("ignore:.*:UserWarning:PIL")  # Pillow warns about the corrupt EXIF it skips
def test_mutated_metadata_bytes_never_raise(tmp_path):
    """A small seeded mutation run over a photo's EXIF/XMP bytes (the hypothesis campaign covers
    more): reading metadata never raises, loading either gives a query or names the file."""
    import random

    from geolocator.core.errors import InputError

    xmp = _xmp('drone-dji:GpsLatitude="36.1" drone-dji:GpsLongitude="-115.2" drone-dji:GimbalYawDegree="12"', ns=DJI_NS)
    src = _photo(tmp_path / "src.jpg", gps=_gps(36.1, -115.2), exif_ifd={0x9003: "2024:01:02 03:04:05", 0x920A: 4.5},
                 xmp=xmp).read_bytes()
    header_end = src.find(b"\xff\xda")  # start of scan: everything before is markers and metadata
    rng = random.Random(1234)
    for i in range(150):
        data = bytearray(src)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(2, header_end)] = rng.randrange(256)
        path = tmp_path / f"m{i}.jpg"
        path.write_bytes(bytes(data))
        meta = read_photo_meta(path)
        assert isinstance(meta, PhotoMeta)
        if meta.position is not None:
            assert -90 <= meta.position.lat <= 90 and -180 <= meta.position.lon <= 180
        try:
            load_queries(path)
        except InputError as exc:
            assert exc.path == path


def test_focal_plane_resolution_without_an_absolute_unit_is_not_used(tmp_path):
    exif_ifd = {0x920A: 8.8, 0xA002: 4000, 0xA20E: R(4000 * 1000, 13200), 0xA210: 1, 0xA405: 24}  # unit 1: none
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", exif_ifd=exif_ifd, ifd0={0x0110: "Other"}))
    assert meta.sensor_source == "35 mm equivalent"


def test_xmp_properties_as_elements_and_in_several_descriptions(tmp_path):
    """What exiftool and some firmware write: properties as child elements, split over several
    rdf:Description blocks, and the packet inside EXIF (tag 700) rather than an APP1 XMP segment."""
    packet = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"><tiff:Make>DJI</tiff:Make></rdf:Description>'
        '<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/">'
        '<drone-dji:GpsLatitude>-33.8568</drone-dji:GpsLatitude><drone-dji:GpsLongtitude>151.2153</drone-dji:GpsLongtitude>'
        '<drone-dji:GimbalPitchDegree>-90.0</drone-dji:GimbalPitchDegree></rdf:Description></rdf:RDF></x:xmpmeta>'
    ).encode()
    meta = read_photo_meta(_photo(tmp_path / "a.jpg", ifd0={700: packet}))
    assert meta.position == LatLon(-33.8568, 151.2153) and meta.position_source == "xmp:drone-dji"
    assert meta.gimbal_pitch_deg == -90.0
