"""What other writers than a drone's firmware put in a photo, read from small crafted files (session 35,
training/results/fieldin35_session35.md): a GPS position only in XMP's exif namespace (Lightroom,
digiKam, exiftool), seconds rounded up to 60, signed rationals, a PNG's eXIf chunk."""

from __future__ import annotations

import struct
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.model import LatLon, Query
from geolocator.core.priors import recorded_position, recorded_positions
from geolocator.core.queries import load_queries

RDF = 'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
EXIF_NS = 'xmlns:exif="http://ns.adobe.com/exif/1.0/"'


def _xmp(attrs: str, ns: str = EXIF_NS) -> bytes:
    return (f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF {RDF}><rdf:Description rdf:about="" {ns} {attrs}/>'
            '</rdf:RDF></x:xmpmeta>').encode()


def _jpeg(path: Path, *, gps: dict | None = None, xmp: bytes | None = None, exif: bytes | None = None,
          fmt: str = "JPEG") -> Path:
    kw = {}
    if gps is not None:
        e = Image.Exif()
        e[0x8825] = gps
        kw["exif"] = e
    if exif is not None:
        kw["exif"] = exif
    if xmp is not None:
        kw["xmp"] = xmp
    Image.new("RGB", (64, 48), (90, 120, 60)).save(path, fmt, **kw)
    return path


# ---------------------------------------------------------------- GPS in XMP only


@pytest.mark.parametrize("lat, lon, want", [
    ("52,22.5N", "4,53.25E", LatLon(52.375, 4.8875)),  # Lightroom / exiftool: DDD,MM.mmk
    ("33,52,4.8S", "151,12,36W", LatLon(-(33 + 52 / 60 + 4.8 / 3600), -(151 + 12 / 60 + 36 / 3600))),  # DDD,MM,SSk
    ("36,8.51018n", "115,13.99999w", LatLon(36 + 8.51018 / 60, -(115 + 13.99999 / 60))),  # lower-case letter
    ("52, 22.5 N", "4, 53.25 E", LatLon(52.375, 4.8875)),  # spaced
    ("47,59.99999N", "8,60.0000E", LatLon(47 + 59.99999 / 60, 9.0)),  # minutes rounded up to 60
    ("52.375N", "4.8875E", LatLon(52.375, 4.8875)),  # decimal degrees with the letter
])
def test_a_position_only_in_xmps_exif_namespace_is_the_photos_position(tmp_path, lat, lon, want):
    path = _jpeg(tmp_path / "a.jpg", xmp=_xmp(f'exif:GPSLatitude="{lat}" exif:GPSLongitude="{lon}" '
                                              'exif:GPSVersionID="2.3.0.0"'))
    meta = read_photo_meta(path)
    assert meta.position is not None, meta.position_note
    assert (meta.position.lat, meta.position.lon) == pytest.approx((want.lat, want.lon), abs=1e-12)
    assert meta.position_source == "xmp:exif" and meta.position_note is None
    (q,) = load_queries(path)
    assert q.truth == meta.position and q.truth_source == "xmp:exif"
    assert recorded_position(q) == meta.position  # a prior and an area to fetch around, as an EXIF fix
    exif_too = read_photo_meta(_jpeg(tmp_path / "b.jpg", gps={1: "N", 2: (10.0, 0.0, 0.0), 3: "E", 4: (20.0, 0.0, 0.0)},
                                     xmp=_xmp(f'exif:GPSLatitude="{lat}" exif:GPSLongitude="{lon}"')))
    assert (exif_too.position, exif_too.position_source) == (LatLon(10.0, 20.0), "exif")  # EXIF's own block first


@pytest.mark.parametrize("attrs, why", [
    ('exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,53.25E" exif:GPSStatus="V"',
     "XMP exif GPS fix is void (exif:GPSStatus V, measurement void)"),
    ('exif:GPSLatitude="0,0N" exif:GPSLongitude="0,0E"',
     "XMP exif GPS position is 0, 0 (what a receiver without a fix writes)"),
    ('exif:GPSLatitude="52,22.5" exif:GPSLongitude="4,53.25E"',
     "XMP exif GPSLatitude '52,22.5' is not a GPS coordinate (DDD,MM,SSN or DDD,MM.mmN)"),
    ('exif:GPSLatitude="52,22.5E" exif:GPSLongitude="4,53.25E"',
     "XMP exif GPSLatitude '52,22.5E' is not a GPS coordinate (DDD,MM,SSN or DDD,MM.mmN)"),
    ('exif:GPSLatitude="52,75.5N" exif:GPSLongitude="4,53.25E"',
     "XMP exif GPSLatitude '52,75.5N' is not valid degrees/minutes/seconds"),
    ('exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,x,1E"',
     "XMP exif GPSLongitude '4,x,1E' is not a GPS coordinate (DDD,MM,SSE or DDD,MM.mmE)"),
    ('exif:GPSLatitude="52,22.5N"', "XMP exif has a GPSLatitude or a GPSLongitude but not both"),
])
def test_an_xmp_exif_position_that_is_none_says_why_naming_the_text(tmp_path, attrs, why):
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", xmp=_xmp(attrs)))
    assert meta.position is None and meta.position_note == why + ": not used as truth"


@pytest.mark.parametrize("ref, want", [("1", -12.5), ("0", 12.5), (None, 12.5)])
def test_a_gps_altitude_only_in_xmp_is_read_with_its_reference(tmp_path, ref, want):
    ref_attr = "" if ref is None else f' exif:GPSAltitudeRef="{ref}"'
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", xmp=_xmp(f'exif:GPSAltitude="125/10"{ref_attr}')))
    assert meta.gps_altitude_m == want


def test_a_dji_position_only_in_xmp_is_a_recorded_position(tmp_path):
    """Field case 02's kind (an empty EXIF GPS block, the position in drone-dji XMP): the position was
    truth but not a recorded position, so fetch-tiles --around said no photo has one and the GNSS
    prior left the photo free."""
    xmp = _xmp('drone-dji:GpsLatitude="+36.1418363" drone-dji:GpsLongitude="-115.2334184"',
               ns='xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"')
    queries = load_queries(_jpeg(tmp_path / "DJI_0001.JPG", gps={}, xmp=xmp))
    assert recorded_positions(queries) == [LatLon(36.1418363, -115.2334184)]
    assert recorded_position(Query("b.jpg", Path("b.jpg"), truth=LatLon(1, 2), truth_source="truth.csv")) is None


# ---------------------------------------------------------------- EXIF written by other tools


def test_seconds_a_rounding_writer_wrote_as_60_are_the_next_minute(tmp_path):
    """52° 22' 59.9996" written to 1/100 s is 52° 22' 60.00" (a writer that rounds each part on its own):
    refused before session 35 ("not valid degrees/minutes/seconds"), so the photo had no truth."""
    piexif = pytest.importorskip("piexif")
    g = piexif.GPSIFD
    gps = {g.GPSLatitudeRef: b"N", g.GPSLatitude: ((52, 1), (22, 1), (6000, 100)),
           g.GPSLongitudeRef: b"W", g.GPSLongitude: ((4, 1), (59, 1), (60, 1))}
    path = tmp_path / "a.jpg"
    Image.new("RGB", (64, 48)).save(path, exif=piexif.dump({"GPS": gps}))
    meta = read_photo_meta(path)
    assert meta.position is not None, meta.position_note
    assert (meta.position.lat, meta.position.lon) == pytest.approx((52 + 23 / 60, -5.0), abs=1e-12)
    assert meta.position_note is None


@pytest.mark.parametrize("lat_ref, lon_ref, want", [
    ("North", "West", LatLon(52.375, -4.8875)),  # the word, as some geotaggers write it
    ("south", "east", LatLon(-52.375, 4.8875)),  # ... in lower case
    ("SOUTH", "WEST", LatLon(-52.375, -4.8875)),
    ("n", "w", LatLon(52.375, -4.8875)),  # the letter in lower case
    ("N", "E", LatLon(52.375, 4.8875)),  # EXIF's own form (exiftool writes only these)
])
def test_a_gps_reference_written_as_a_word_or_in_lower_case_is_read(tmp_path, lat_ref, lon_ref, want):
    """EXIF 2.32 says GPSLatitudeRef 'N'/'S', GPSLongitudeRef 'E'/'W'; a word naming one direction plainly
    ("North", "west") or the letter in lower case is read as that direction (smallfield35)."""
    gps = {1: lat_ref, 2: (52.0, 22.0, 30.0), 3: lon_ref, 4: (4.0, 53.0, 15.0)}
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", gps=gps))
    assert meta.position_note is None
    assert (meta.position.lat, meta.position.lon) == pytest.approx((want.lat, want.lon), abs=1e-12)


@pytest.mark.parametrize("gps, note", [
    ({1: "Nord", 2: (52.0, 0.0, 0.0), 3: "E", 4: (4.0, 0.0, 0.0)}, "EXIF GPS latitude reference is 'Nord', not N or S"),
    ({1: "NE", 2: (52.0, 0.0, 0.0), 3: "E", 4: (4.0, 0.0, 0.0)}, "EXIF GPS latitude reference is 'NE', not N or S"),
    ({1: "East", 2: (52.0, 0.0, 0.0), 3: "E", 4: (4.0, 0.0, 0.0)}, "EXIF GPS latitude reference is 'East', not N or S"),
    ({1: "N", 2: (52.0, 0.0, 0.0), 3: "North", 4: (4.0, 0.0, 0.0)}, "EXIF GPS longitude reference is 'North', not E or W"),
    ({1: "S", 2: (52.0, 0.0, 0.0), 3: "-", 4: (4.0, 0.0, 0.0)}, "EXIF GPS longitude reference is '-', not E or W"),
])
def test_a_gps_reference_that_is_no_direction_of_its_axis_is_refused_naming_it(tmp_path, gps, note):
    """Anything but the axis' letter or word (another language, two directions, the other axis' word) is
    no position: refused, the value named as written."""
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", gps=gps))
    assert meta.position is None
    assert meta.position_note == note + ": not used as truth"


def _signed_gps_exif(lat_ref: str, lat: tuple[int, int, int]) -> bytes:
    """An EXIF block (little-endian TIFF) whose GPSLatitude is SRATIONAL (type 10), as some writers put a
    signed value; the longitude 151° 12' 36" E as EXIF says (RATIONAL)."""
    gps_at = 8 + 2 + 12 + 4
    data_at = gps_at + 2 + 4 * 12 + 4
    entries = struct.pack("<HHI", 1, 2, 2) + lat_ref.encode() + b"\0\0\0"
    entries += struct.pack("<HHII", 2, 10, 3, data_at)
    entries += struct.pack("<HHI", 3, 2, 2) + b"E\0\0\0"
    entries += struct.pack("<HHII", 4, 5, 3, data_at + 24)
    data = struct.pack("<6i", lat[0], 1, lat[1], 1, lat[2], 10) + struct.pack("<6I", 151, 1, 12, 1, 36, 1)
    ifd0 = struct.pack("<HHHII", 1, 0x8825, 4, 1, gps_at) + struct.pack("<I", 0)
    return b"Exif\0\0II*\0" + struct.pack("<I", 8) + ifd0 + struct.pack("<H", 4) + entries + struct.pack("<I", 0) + data


@pytest.mark.parametrize("ref", ["S", "N"])
def test_negative_degrees_beside_a_reference_are_refused_naming_the_values(tmp_path, ref):
    """-33° with S could be meant as south once or twice (exiftool negates again: north); with N the
    two disagree. Neither is a position to score against: refused, the values named."""
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", exif=_signed_gps_exif(ref, (-33, 52, 48))))
    assert meta.position is None
    assert meta.position_note == ("EXIF GPS latitude is not valid degrees/minutes/seconds (-33.0, 52.0, 4.8): "
                                  "not used as truth")


def test_a_pngs_exif_chunk_gives_its_gps_position(tmp_path):
    """PNG 1.5's eXIf chunk (written by phones' editors and Pillow) holds the same EXIF as a JPEG."""
    gps = {1: "S", 2: (33.0, 52.0, 4.8), 3: "E", 4: (151.0, 12.0, 36.0), 5: b"\x01", 6: 2.5}
    path = _jpeg(tmp_path / "a.png", gps=gps, fmt="PNG")
    assert b"eXIf" in path.read_bytes()
    meta = read_photo_meta(path)
    assert (meta.position.lat, meta.position.lon) == pytest.approx((-(33 + 52 / 60 + 4.8 / 3600), 151.21), abs=1e-12)
    assert (meta.position_source, meta.gps_altitude_m) == ("exif", -2.5)


# ---------------------------------------------------------------- capture time and the GPS clock


def _timed(path: Path, local: str, gps_date: str | None, gps_time: tuple | None, offset: str | None = None) -> Path:
    e = Image.Exif()
    ifd = {0x9003: local, **({0x9011: offset} if offset else {})}
    e[0x8769] = ifd
    gps = {1: "N", 2: (52.0, 22.0, 30.0), 3: "E", 4: (4.0, 53.0, 15.0)}
    if gps_date is not None:
        gps[29] = gps_date
    if gps_time is not None:
        gps[7] = gps_time
    e[0x8825] = gps
    Image.new("RGB", (64, 48)).save(path, exif=e)
    return path


@pytest.mark.parametrize("local, gps_date, gps_time, hours", [
    ("2024:05:01 10:20:30", "2024:05:01", (8.0, 20.0, 29.0), 2.0),  # a phone in Amsterdam, summer
    ("2024:05:02 01:10:00", "2024:05:01", (23.0, 9.0, 15.5), 2.0),  # across midnight
    ("2024:01:15 03:00:00", "2024:01:15", (8.0, 0.0, 40.0), -5.0),  # New York, winter
    ("2024:01:15 13:50:05", "2024:01:15", (8.0, 5.0, 5.0), 5.75),  # Nepal, a quarter hour
    ("2024:05:01 10:21:00", "2024:05:01", (8.0, 20.0, 60.0), 2.0),  # second 60 (a leap second, or 59.99 rounded)
])
def test_a_camera_clock_without_its_offset_takes_the_zone_its_gps_utc_stamp_tells(tmp_path, local, gps_date, gps_time,
                                                                                   hours):
    """Phones before EXIF 2.31 wrote DateTimeOriginal in local time and the GPS stamp in UTC, no OffsetTime:
    the time was read naive ("camera clock, no zone recorded"), so the GPX/KML times needed a clock zone
    given by hand."""
    meta = read_photo_meta(_timed(tmp_path / "a.jpg", local, gps_date, gps_time))
    assert meta.captured_at is not None and meta.captured_at.utcoffset() == timedelta(hours=hours)
    assert meta.captured_at.replace(tzinfo=None) == datetime.strptime(local, "%Y:%m:%d %H:%M:%S")


@pytest.mark.parametrize("gps_date, gps_time, offset, want", [
    ("2024:05:01", (8.0, 13.0, 0.0), None, None),  # 7 min 30 s apart: the clocks disagree, no zone told
    ("2024:05:01", (8.0, 18.0, 29.0), None, None),  # 2 min 1 s: just past GPS_CLOCK_TOLERANCE (mutation36: MD12)
    ("2024:05:01", (8.0, 20.0, 29.0), "+03:00", timedelta(hours=3)),  # a recorded offset is kept
    (None, (8.0, 20.0, 29.0), None, None), ("2024:05:01", None, None, None),  # half a stamp
    ("2024:05:01", (25.0, 0.0, 0.0), None, None), ("not a date", (8.0, 20.0, 29.0), None, None),
    ("2024:04:30", (18.0, 20.0, 30.0), None, None),  # 16 hours apart: no zone on Earth
])
def test_a_gps_stamp_that_tells_no_zone_leaves_the_time_as_recorded(tmp_path, gps_date, gps_time, offset, want):
    meta = read_photo_meta(_timed(tmp_path / "a.jpg", "2024:05:01 10:20:30", gps_date, gps_time, offset))
    assert meta.captured_at.replace(tzinfo=None) == datetime(2024, 5, 1, 10, 20, 30)
    assert meta.captured_at.utcoffset() == want
    told = read_photo_meta(_timed(tmp_path / "b.jpg", "2024:05:01 10:20:30", "2024:05:01", (8.0, 20.0, 29.0)))
    assert told.captured_at.utcoffset() == timedelta(hours=2)  # the same clock with a stamp that agrees


def test_a_zone_the_gps_stamp_told_is_said_to_come_from_it_where_shown_and_exported(tmp_path):
    """smallfield35: a zone worked out from the GPS UTC stamp showed and exported exactly like a recorded
    OffsetTimeOriginal. PhotoMeta.time_zone_source tells them apart; the app's photo line says "zone from the
    GPS time", and the exports' `time_zone_source` column holds "gps" / "recorded" (empty for a naive time)."""
    from geolocator.core.media.metadata import meta_properties, meta_summary

    told = read_photo_meta(_timed(tmp_path / "a.jpg", "2024:05:01 10:20:30", "2024:05:01", (8.0, 20.0, 29.0)))
    written = read_photo_meta(_timed(tmp_path / "b.jpg", "2024:05:01 10:20:30", "2024:05:01", (8.0, 20.0, 29.0),
                                     "+02:00"))
    naive = read_photo_meta(_timed(tmp_path / "c.jpg", "2024:05:01 10:20:30", None, None))
    assert (told.time_zone_source, written.time_zone_source, naive.time_zone_source) == ("gps", "recorded", None)
    assert told.captured_at == written.captured_at  # the same instant; only where the zone came from differs
    assert meta_summary(told) == "2024-05-01 10:20:30+02:00 (zone from the GPS time)"
    assert meta_summary(written) == "2024-05-01 10:20:30+02:00"
    assert meta_summary(naive) == "2024-05-01 10:20:30 (camera clock, no zone recorded)"
    assert meta_properties(told)["time_zone_source"] == "gps"
    assert meta_properties(written)["time_zone_source"] == "recorded"
    assert "time_zone_source" not in meta_properties(naive)


def test_a_capture_time_with_its_zone_in_xmp_is_a_recorded_zone(tmp_path):
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", xmp=_xmp('exif:DateTimeOriginal="2024-05-01T10:20:30+02:00"')))
    assert meta.captured_at.utcoffset() == timedelta(hours=2) and meta.time_zone_source == "recorded"


# ---------------------------------------------------------------- XMP sidecar files


@pytest.mark.parametrize("sidecar", ["DSC_0001.JPG.xmp", "DSC_0001.xmp", "DSC_0001.XMP"])
def test_a_position_geotagged_into_an_xmp_sidecar_is_the_photos_position(tmp_path, sidecar):
    """darktable and digiKam write a geotag into "NAME.JPG.xmp", Lightroom and Bridge into "NAME.xmp";
    the photo itself is left as the camera wrote it."""
    path = _jpeg(tmp_path / "DSC_0001.JPG")
    (tmp_path / sidecar).write_bytes(_xmp('exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,53.25E" '
                                          'exif:GPSAltitude="-25/10"'))
    (tmp_path / "notes.xmp").write_bytes(b"<x:xmpmeta/>")  # no photo of that name: still said to be skipped
    skipped = {}
    (q,) = load_queries(tmp_path, on_skip=lambda p, why: skipped.__setitem__(p.name, why))
    assert (q.truth, q.truth_source) == (LatLon(52.375, 4.8875), "xmp:exif")
    assert skipped == {"notes.xmp": "a sidecar/text file (.xmp), not a photo"}  # the photo's own is read, not skipped
    assert q.meta.gps_altitude_m == -2.5


def test_the_photos_own_xmp_comes_before_its_sidecar_and_a_broken_sidecar_is_left_out(tmp_path):
    own = _xmp('drone-dji:GpsLatitude="36.5" drone-dji:GpsLongitude="-115.25" drone-dji:RelativeAltitude="40"',
               ns='xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"')
    path = _jpeg(tmp_path / "DJI_0001.JPG", xmp=own)
    (tmp_path / "DJI_0001.JPG.xmp").write_bytes(
        _xmp('drone-dji:GpsLatitude="10" drone-dji:GpsLongitude="20" drone-dji:RelativeAltitude="99" '
             'drone-dji:GimbalYawDegree="45"', ns='xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'))
    (tmp_path / "DJI_0001.xmp").write_bytes(b"<x:xmpmeta not closed")
    meta = read_photo_meta(path)
    assert (meta.position, meta.relative_altitude_m) == (LatLon(36.5, -115.25), 40.0)
    assert meta.gimbal_yaw_deg == 45.0  # a field only the sidecar holds


def test_of_two_sidecars_the_darktable_name_comes_first_and_an_oversized_one_is_not_read(tmp_path, monkeypatch):
    """sidecar_paths' order: "NAME.JPG.xmp" (darktable, digiKam's default) before "NAME.xmp" (Lightroom), and
    the first file's field wins (mutation36: MD21, MD23); a file bigger than SIDECAR_MAX_BYTES is no sidecar (MD22)."""
    from geolocator.core.media import metadata

    path = _jpeg(tmp_path / "DSC_0002.JPG")
    (tmp_path / "DSC_0002.JPG.xmp").write_bytes(_xmp('exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,53.25E"'))
    (tmp_path / "DSC_0002.xmp").write_bytes(_xmp('exif:GPSLatitude="10,0N" exif:GPSLongitude="20,0E"'))
    assert read_photo_meta(path).position == LatLon(52.375, 4.8875)
    big = _jpeg(tmp_path / "DSC_0003.JPG")
    (tmp_path / "DSC_0003.xmp").write_bytes(_xmp('exif:GPSLatitude="52,22.5N" exif:GPSLongitude="4,53.25E"'))
    monkeypatch.setattr(metadata, "SIDECAR_MAX_BYTES", 64)
    assert metadata.sidecar_xmp(big) == {} and read_photo_meta(big).position is None


XMP_NS = 'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"'


@pytest.mark.parametrize("attrs, want", [
    ('exif:DateTimeOriginal="2024-05-01T10:20:30.5+02:00"',
     datetime(2024, 5, 1, 10, 20, 30, 500000, tzinfo=timezone(timedelta(hours=2)))),
    ('photoshop:DateCreated="2024-05-01T10:20:30Z"', datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone.utc)),
    ('xmp:CreateDate="2024-05-01T10:20"', datetime(2024, 5, 1, 10, 20)),
    ('photoshop:DateCreated="2024-05-01" xmp:CreateDate="2024-05-01T10:20:30-05:00"',  # a date alone: the next
     datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=-5)))),
    ('xmp:CreateDate="yesterday"', None),
    # mutation36: the capture (DateTimeOriginal) before the file's making (CreateDate: a scan's, an export's)
    ('exif:DateTimeOriginal="2024-05-01T10:20:30" xmp:CreateDate="2024-06-01T09:00:00"',
     datetime(2024, 5, 1, 10, 20, 30)),
    ('exif:DateTimeOriginal="0001-01-01T00:30:00+02:00"', None),  # year 1 (damage): no time, as in EXIF (MD27)
    ('exif:DateTimeOriginal="2024-13-45T10:00" xmp:CreateDate="2024-05-01T10:20:30"',  # not a date: the next (MD31)
     datetime(2024, 5, 1, 10, 20, 30)),
])
def test_a_capture_time_only_in_xmp_is_read(tmp_path, attrs, want):
    """A scan, an export or a photo whose EXIF was stripped keeps its capture time in XMP (Lightroom,
    darktable, digiKam; or in its sidecar)."""
    meta = read_photo_meta(_jpeg(tmp_path / "a.jpg", xmp=_xmp(attrs, ns=f"{EXIF_NS} {XMP_NS}")))
    assert meta.captured_at == want
    if want is not None:  # EXIF's own DateTimeOriginal comes first
        e = Image.Exif()
        e[0x8769] = {0x9003: "2023:01:02 03:04:05"}
        path = tmp_path / "b.jpg"
        Image.new("RGB", (64, 48)).save(path, exif=e, xmp=_xmp(attrs, ns=f"{EXIF_NS} {XMP_NS}"))
        assert read_photo_meta(path).captured_at == datetime(2023, 1, 2, 3, 4, 5)
