"""Property tests of the photo metadata round trip (core/geotag_copies.py writes EXIF GPS; core/media/
metadata.py reads it, and a maker's XMP): what the app writes into a geotagged copy reads back, by the
app's own reader and by piexif, as the position written, to the 1/10,000 s the copy writes (about 0.3 mm),
anywhere on the globe (poles, ±180°, a hair below a whole minute); and the ways cameras write their
own fix (degrees-minutes-seconds, decimal minutes, decimal degrees as rationals, lower-case references,
altitude below sea level; DJI XMP numbers with signs and spaces) read as that fix. Deterministic
(derandomize): the same inputs every run.
"""

from __future__ import annotations

import io
import tempfile
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.geotag_copies import geotagged_jpeg
from geolocator.core.media.metadata import read_photo_meta

hypothesis = pytest.importorskip("hypothesis")
piexif = pytest.importorskip("piexif")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

# 1/10,000 of a second of arc, the copy's precision, is 2.8e-8 degrees: half of it, plus float noise
COPY_TOLERANCE_DEG = 0.5 / 3600 / 10_000 + 1e-12


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (90, 120, 60)).save(buf, "JPEG")
    return buf.getvalue()


JPEG = _jpeg()


def _read(data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "DJI_0001.JPG"
        path.write_bytes(data)
        return read_photo_meta(path)


def _read_numbers(copy: bytes):
    """A geotagged copy read as if a camera had written its GPS: without the GPSProcessingMethod that
    marks it as geolocator's answer (read as no position: test_geotag_copy_not_truth.py), so the
    reader's parse of the degrees written is what is checked here."""
    exif = piexif.load(copy)
    exif["GPS"].pop(piexif.GPSIFD.GPSProcessingMethod)
    out = io.BytesIO()
    piexif.insert(piexif.dump(exif), copy, out)
    return _read(out.getvalue())


def _hair_below_a_minute(limit: float):
    """Degrees a hair (below 1/20,000 s) under a whole minute: the writer rounds up into the next one."""
    return st.builds(lambda d, m, hair, sign: sign * (d + (m + 1) / 60 - hair / 3600),
                     st.integers(0, int(limit) - 1), st.integers(0, 59), st.floats(1e-9, 5e-5),
                     st.sampled_from([1, -1]))


copy_lats = st.one_of(st.floats(-90.0, 90.0), _hair_below_a_minute(90), st.sampled_from([90.0, -90.0, 1e-9, -1e-9]))
copy_lons = st.one_of(st.floats(-180.0, 180.0), _hair_below_a_minute(180), st.sampled_from([180.0, -180.0, -1e-9]))


def _degrees(values, ref: bytes) -> float:
    d, m, s = (Fraction(*v) for v in values)
    return float(d + m / 60 + s / 3600) * (-1 if ref in (b"S", b"W") else 1)


@given(copy_lats, copy_lons, st.floats(0.1, 5000.0))
@prop(80)
def test_a_geotagged_copy_reads_back_to_the_position_written(lat, lon, accuracy_m):
    if abs(lat) < 1e-8 and abs(lon) < 1e-8:
        return  # 0, 0 is what a receiver without a fix writes: read as no position, by design
    copy = geotagged_jpeg(JPEG, lat, lon, accuracy_m)
    gps = piexif.load(copy)["GPS"]
    for values in (gps[piexif.GPSIFD.GPSLatitude], gps[piexif.GPSIFD.GPSLongitude]):
        (_, one), (minutes, one_m), (seconds, per) = values
        assert one == one_m == 1 and 0 <= minutes < 60 and 0 <= seconds < 60 * per, values  # EXIF 2.32: below 60
    by_piexif = (_degrees(gps[piexif.GPSIFD.GPSLatitude], gps[piexif.GPSIFD.GPSLatitudeRef]),
                 _degrees(gps[piexif.GPSIFD.GPSLongitude], gps[piexif.GPSIFD.GPSLongitudeRef]))
    assert by_piexif == pytest.approx((lat, lon), abs=COPY_TOLERANCE_DEG)
    error = Fraction(*gps[31])
    assert abs(float(error) - accuracy_m) <= 0.5e-3 + 1e-9 * accuracy_m
    meta = _read_numbers(copy)
    assert meta.position is not None, meta.position_note
    assert (meta.position.lat, meta.position.lon) == pytest.approx((lat, lon), abs=COPY_TOLERANCE_DEG)


def test_a_position_a_hair_below_a_whole_minute_is_written_as_the_next_minute():
    """47° 59' 59.99999" rounds to 1/10,000 s as 48° 0' 0": before, the copy said 47° 59' 60.0000", which
    EXIF does not allow and the app's own reader refused ("not valid degrees/minutes/seconds")."""
    lat = 47 + 59 / 60 + 59.99999 / 3600
    copy = geotagged_jpeg(JPEG, lat, -8.5, 12.0)
    assert piexif.load(copy)["GPS"][piexif.GPSIFD.GPSLatitude] == ((48, 1), (0, 1), (0, 10_000))
    meta = _read_numbers(copy)
    assert meta.position is not None and meta.position.lat == pytest.approx(lat, abs=COPY_TOLERANCE_DEG)


# ---------------------------------------------------------------- what cameras write


def _rationals(value: float, style: str):
    value = abs(value)
    if style == "dms":  # DJI, most cameras: whole degrees and minutes, seconds to 1/1,000,000
        total = round(value * 3600 * 1_000_000)
        d, rest = divmod(total, 3600 * 1_000_000)
        m, s = divmod(rest, 60 * 1_000_000)
        return ((d, 1), (m, 1), (s, 1_000_000))
    if style == "decimal minutes":  # phones, some GPS loggers
        total = round(value * 60 * 10_000_000)
        d, m = divmod(total, 60 * 10_000_000)
        return ((d, 1), (m, 10_000_000), (0, 1))
    return ((round(value * 10_000_000), 10_000_000), (0, 1), (0, 1))  # decimal degrees in the first


@st.composite
def camera_fixes(draw):
    lat = draw(st.floats(-89.99, 89.99).filter(lambda x: abs(x) > 1e-6))
    lon = draw(st.floats(-179.99, 179.99).filter(lambda x: abs(x) > 1e-6))
    style = draw(st.sampled_from(["dms", "decimal minutes", "decimal degrees"]))
    lower = draw(st.booleans())
    below = draw(st.booleans())
    altitude = draw(st.floats(0.0, 430.0 if below else 4000.0))  # the Dead Sea's shore: -430 m

    def ref(letter: str) -> bytes:
        return (letter.lower() if lower else letter).encode()

    g = piexif.GPSIFD
    gps = {g.GPSVersionID: (2, 3, 0, 0),
           g.GPSLatitudeRef: ref("N" if lat >= 0 else "S"), g.GPSLatitude: _rationals(lat, style),
           g.GPSLongitudeRef: ref("E" if lon >= 0 else "W"), g.GPSLongitude: _rationals(lon, style),
           g.GPSAltitudeRef: 1 if below else 0, g.GPSAltitude: (round(altitude * 1000), 1000)}
    return lat, lon, (-altitude if below else altitude), gps


@given(camera_fixes())
@prop(60)
def test_a_cameras_own_exif_fix_reads_as_that_fix(case):
    lat, lon, altitude, gps = case
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"DJI"}, "Exif": {}, "GPS": gps, "Interop": {}, "1st": {},
                        "thumbnail": None})
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG", exif=exif)
    meta = _read(buf.getvalue())
    assert meta.position is not None, meta.position_note
    assert (meta.position.lat, meta.position.lon) == pytest.approx((lat, lon), abs=1e-7)
    assert meta.gps_altitude_m == pytest.approx(altitude, abs=1e-3)


@st.composite
def dji_xmp(draw):
    lat = draw(st.floats(-89.99, 89.99).filter(lambda x: abs(x) > 1e-6))
    lon = draw(st.floats(-179.99, 179.99).filter(lambda x: abs(x) > 1e-6))
    pad = draw(st.sampled_from(["", " ", "  ", "\t"]))
    plus = draw(st.booleans())
    spelling = draw(st.sampled_from(["GpsLongitude", "GpsLongtitude"]))

    def text(x: float) -> str:
        return f"{pad}{'+' if plus and x >= 0 else ''}{x:.8f}{pad}"

    as_elements = draw(st.booleans())
    if as_elements:
        body = (f'<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/">'
                f"<drone-dji:GpsLatitude>{text(lat)}</drone-dji:GpsLatitude>"
                f"<drone-dji:{spelling}>{text(lon)}</drone-dji:{spelling}></rdf:Description>")
    else:
        body = (f'<rdf:Description rdf:about="" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
                f'drone-dji:GpsLatitude="{text(lat)}" drone-dji:{spelling}="{text(lon)}"/>')
    packet = ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
              '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' + body +
              '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>')
    return float(f"{lat:.8f}"), float(f"{lon:.8f}"), packet.encode("utf-8")


@given(dji_xmp())
@prop(50)
def test_a_dji_xmp_position_reads_whatever_its_spacing_and_sign(case):
    lat, lon, packet = case
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, "JPEG", xmp=packet)
    meta = _read(buf.getvalue())
    assert meta.position is not None, meta.position_note
    assert (meta.position.lat, meta.position.lon) == (lat, lon)
    assert meta.position_source == "xmp:drone-dji"


# ---------------------------------------------------------------- capture time, and text tags of any bytes


@given(st.datetimes(min_value=__import__("datetime").datetime(1980, 1, 1),
                    max_value=__import__("datetime").datetime(2099, 12, 31)),
       st.text("0123456789", min_size=1, max_size=9), st.integers(-12 * 4, 14 * 4))
@prop(50)
def test_a_capture_time_reads_back_with_its_fraction_and_offset(when, sub, quarter_hours):
    from datetime import timedelta, timezone

    when = when.replace(microsecond=0)
    sign, minutes = ("-" if quarter_hours < 0 else "+"), abs(quarter_hours) * 15
    offset = f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
    e = piexif.ExifIFD
    exif = piexif.dump({"0th": {}, "Exif": {e.DateTimeOriginal: when.strftime("%Y:%m:%d %H:%M:%S").encode(),
                                            e.SubSecTimeOriginal: sub.encode(), e.OffsetTimeOriginal: offset.encode()},
                        "GPS": {}, "Interop": {}, "1st": {}, "thumbnail": None})
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=exif)
    got = _read(buf.getvalue()).captured_at
    zone = timezone(timedelta(minutes=quarter_hours * 15))
    assert got == when.replace(tzinfo=zone) + timedelta(microseconds=int((sub + "000000")[:6]))
    assert got.utcoffset() == zone.utcoffset(None)


# DateTimeOriginal stays a valid time (the sub-second and offset tags are read only beside one); any
# bytes there are read by strptime, which raises only ValueError (caught)
TEXT_TAGS = {("0th", piexif.ImageIFD.Make), ("0th", piexif.ImageIFD.Model), ("Exif", piexif.ExifIFD.SubSecTimeOriginal),
             ("Exif", piexif.ExifIFD.OffsetTimeOriginal), ("Exif", piexif.ExifIFD.BodySerialNumber),
             ("GPS", piexif.GPSIFD.GPSLatitudeRef), ("GPS", piexif.GPSIFD.GPSLongitudeRef),
             ("GPS", piexif.GPSIFD.GPSStatus)}


# any bytes, and bytes near what the tags hold: digits, separators, Latin-1's superscript digits ²³¹
TEXT_BYTES = st.one_of(st.binary(min_size=1, max_size=24),
                       st.lists(st.sampled_from(list(b"0123456789:+- NSEWAV\xb2\xb3\xb9\x00")), min_size=1,
                                max_size=4).map(bytes))


@given(st.fixed_dictionaries({key: st.one_of(st.none(), TEXT_BYTES) for key in sorted(TEXT_TAGS)}))
@prop(150)
def test_text_tags_of_any_bytes_never_stop_a_photo(tags):
    """Reading never raises for bad metadata (metadata.py's promise): a damaged text tag is left out."""
    tags = {key: value for key, value in tags.items() if value is not None}
    ifds = {"0th": {}, "Exif": {piexif.ExifIFD.DateTimeOriginal: b"2024:05:01 12:00:00"},
            "GPS": {piexif.GPSIFD.GPSLatitude: ((47, 1), (0, 1), (0, 1)),
                    piexif.GPSIFD.GPSLongitude: ((8, 1), (0, 1), (0, 1))}, "Interop": {}, "1st": {}, "thumbnail": None}
    for (ifd, tag), value in tags.items():
        ifds[ifd][tag] = value
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=piexif.dump(ifds))
    meta = _read(buf.getvalue())
    assert meta.width == 8
    if meta.position is not None:  # only with both references read as such
        assert (meta.position.lat, meta.position.lon) in {(47.0, 8.0), (-47.0, 8.0), (47.0, -8.0), (-47.0, -8.0)}


def test_a_sub_second_field_holding_a_superscript_digit_is_left_out():
    """SubSecTimeOriginal b"\\xb2" (Pillow reads EXIF text as Latin-1: "²", which str.isdigit() calls a
    digit and int() refuses): before, read_photo_meta raised ValueError, and the photo's folder did not
    load; the time is read without its fraction."""
    e = piexif.ExifIFD
    exif = piexif.dump({"0th": {}, "Exif": {e.DateTimeOriginal: b"2024:05:01 12:00:00", e.SubSecTimeOriginal: b"\xb2"},
                        "GPS": {}, "Interop": {}, "1st": {}, "thumbnail": None})
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=exif)
    from datetime import datetime

    assert _read(buf.getvalue()).captured_at == datetime(2024, 5, 1, 12, 0, 0)


RATIONAL = st.tuples(st.sampled_from([0, 1, 2, 59, 60, 61, 90, 180, 181, 2**31 - 1, 2**32 - 1]) | st.integers(0, 2**32 - 1),
                     st.sampled_from([0, 1, 10, 1000, 2**32 - 1]) | st.integers(0, 2**32 - 1))
NUMERIC_TAGS = {
    ("Exif", piexif.ExifIFD.FocalLength): RATIONAL, ("Exif", piexif.ExifIFD.FocalLengthIn35mmFilm): st.integers(0, 65535),
    ("Exif", piexif.ExifIFD.FocalPlaneXResolution): RATIONAL, ("Exif", piexif.ExifIFD.FocalPlaneYResolution): RATIONAL,
    ("Exif", piexif.ExifIFD.FocalPlaneResolutionUnit): st.integers(0, 65535),
    ("Exif", piexif.ExifIFD.PixelXDimension): st.integers(0, 2**32 - 1),
    ("0th", piexif.ImageIFD.Orientation): st.integers(0, 65535),
    ("GPS", piexif.GPSIFD.GPSLatitude): st.lists(RATIONAL, min_size=1, max_size=4).map(tuple),
    ("GPS", piexif.GPSIFD.GPSLongitude): st.lists(RATIONAL, min_size=1, max_size=4).map(tuple),
    ("GPS", piexif.GPSIFD.GPSAltitude): RATIONAL, ("GPS", piexif.GPSIFD.GPSAltitudeRef): st.integers(0, 255),
}


@given(st.fixed_dictionaries({key: st.one_of(st.none(), values) for key, values in sorted(NUMERIC_TAGS.items())}),
       st.sampled_from([b"N", b"S", b"n"]), st.sampled_from([b"E", b"W", b"w"]))
@prop(60)
def test_numbers_of_any_size_never_stop_a_photo_nor_place_it_off_the_globe(tags, lat_ref, lon_ref):
    """Zero denominators, 4,294,967,295, four values where three belong, orientation 0 or 9: the photo
    still loads; a position read lies on the globe, a height read is one a camera is flown at, an
    orientation read is 1-8."""
    ifds = {"0th": {}, "Exif": {}, "GPS": {piexif.GPSIFD.GPSLatitudeRef: lat_ref, piexif.GPSIFD.GPSLongitudeRef: lon_ref},
            "Interop": {}, "1st": {}, "thumbnail": None}
    for (ifd, tag), value in tags.items():
        if value is not None:
            ifds[ifd][tag] = value
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=piexif.dump(ifds))
    meta = _read(buf.getvalue())
    if meta.position is not None:
        assert -90 <= meta.position.lat <= 90 and -180 <= meta.position.lon <= 180
    assert meta.gps_altitude_m is None or -500 <= meta.gps_altitude_m <= 12_000
    assert meta.orientation is None or 1 <= meta.orientation <= 8
    for value in (meta.focal_length_mm, meta.sensor_width_mm, meta.sensor_height_mm):
        assert value is None or value == value  # never NaN


def _segment(marker: int, body: bytes) -> bytes:
    import struct

    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


OTHER_SEGMENTS = st.sampled_from([
    _segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
    _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta xmlns:x='adobe:ns:meta/'/>"),
    _segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + bytes(40)),
    _segment(0xFE, b"a comment"),
    _segment(0xED, b"Photoshop 3.0\x00" + bytes(12)),
])


@given(st.lists(OTHER_SEGMENTS, max_size=4), st.booleans(), st.integers(0, 3), copy_lats, copy_lons)
@prop(40)
def test_a_geotagged_copy_changes_only_its_exif_segment(others, had_exif, at, lat, lon):
    """Every other segment (JFIF, XMP, ICC, comments), in its order, and the compressed picture and
    what follows it are the original's bytes; the copy holds exactly one EXIF segment."""
    from geolocator.core.geotag_copies import _is_exif, _segments

    segments, rest = _segments(JPEG)
    base = [s for s in segments if s[:2] != b"\xff\xe0"]  # Pillow's own JFIF out: `others` may hold one
    old_exif = _segment(0xE1, piexif.dump({"0th": {piexif.ImageIFD.Make: b"DJI"}, "Exif": {}, "GPS": {},
                                           "Interop": {}, "1st": {}, "thumbnail": None}))
    layout = list(others)
    if had_exif:
        layout.insert(min(at, len(layout)), old_exif)
    data = b"\xff\xd8" + b"".join(layout + base) + rest + b"trailing bytes (an MPO's second image)"
    copy = geotagged_jpeg(data, lat, lon, 5.0)
    new_segments, new_rest = _segments(copy)
    assert new_rest == rest + b"trailing bytes (an MPO's second image)"
    assert sum(_is_exif(s) for s in new_segments) == 1
    assert [s for s in new_segments if not _is_exif(s)] == layout_without_exif(layout + base, _is_exif)
    if had_exif:  # the EXIF segment stays where it was
        assert _is_exif(new_segments[min(at, len(others))])
    assert piexif.load(copy)["0th"].get(piexif.ImageIFD.Make) == (b"DJI" if had_exif else None)


def layout_without_exif(segments, is_exif):
    return [s for s in segments if not is_exif(s)]
