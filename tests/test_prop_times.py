"""Property tests of recorded times (a video's container tags, core/media/video_time.py; a photo's EXIF
DateTimeOriginal + OffsetTimeOriginal, core/media/metadata.py) as the GPX/KML exports use them
(export_track._when: start + seconds, in UTC, a naive clock read in the zone given): whatever year a damaged
tag says (1 to 9999) and whatever its offset, reading never raises and the file's times can be written.
Deterministic (derandomize)."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.export_track import _when
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.media.video_time import start_from_tags

hypothesis = pytest.importorskip("hypothesis")
piexif = pytest.importorskip("piexif")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

YEARS = st.one_of(st.integers(1, 9999), st.sampled_from([1, 2, 1904, 1970, 1980, 2026, 9998, 9999]))
OFFSETS = st.integers(-14 * 4, 14 * 4).map(lambda q: timedelta(minutes=15 * q))
ZONES = st.one_of(st.none(), OFFSETS.map(timezone))


def _offset_text(offset: timedelta, colon: bool = True) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign, minutes = ("-" if minutes < 0 else "+"), abs(minutes)
    return f"{sign}{minutes // 60:02d}{':' if colon else ''}{minutes % 60:02d}"


@st.composite
def recorded(draw):
    """(a whole-second time of any year, its first and last days drawn often; a UTC offset)."""
    when = draw(st.one_of(st.datetimes(), st.sampled_from([datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59)]),
                          st.builds(datetime, YEARS, st.just(12), st.just(31), st.integers(0, 23))))
    return when.replace(microsecond=0), draw(OFFSETS)


@given(recorded(), st.sampled_from(["creation_time", "date", "com.apple.quicktime.creationdate"]),
       st.sampled_from(["Z", "offset", "offset without colon", "none"]), st.booleans(), ZONES,
       st.floats(0.0, 86_400.0))
@prop(100)
def test_a_videos_recorded_start_of_any_year_never_stops_its_frame_times(case, key, form, android, zone, seconds):
    when, offset = case
    text = when.isoformat() + {"Z": "Z", "offset": _offset_text(offset), "offset without colon": _offset_text(offset, False),
                               "none": ""}[form]
    tags = {key: text, **({"com.android.version": "13"} if android else {})}
    start = start_from_tags(tags)
    assert start is None or isinstance(start, datetime)
    if start is not None:
        assert isinstance(_when(start, seconds, zone), datetime)


@given(recorded(), st.booleans(), ZONES, st.floats(0.0, 86_400.0))
@prop(60)
def test_a_photos_capture_time_of_any_year_never_stops_its_file_times(case, with_offset, zone, seconds):
    when, offset = case
    exif = {piexif.ExifIFD.DateTimeOriginal: f"{when.year:04d}:{when:%m:%d %H:%M:%S}".encode()}
    if with_offset:
        exif[piexif.ExifIFD.OffsetTimeOriginal] = _offset_text(offset).encode()
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=piexif.dump({"0th": {}, "Exif": exif, "GPS": {}, "Interop": {},
                                                                  "1st": {}, "thumbnail": None}))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.jpg"
        path.write_bytes(buf.getvalue())
        captured = read_photo_meta(path).captured_at
    if captured is not None:
        assert isinstance(_when(captured, seconds, zone), datetime)


def test_a_video_tag_in_the_year_9999_is_no_time():
    """An Android clip's creation_time "9999-12-31T23:00:00-05:00" (damage) raised OverflowError out of
    probe_video (its UTC is in the year 10000): the clip did not load."""
    assert start_from_tags({"creation_time": "9999-12-31T23:00:00-05:00", "com.android.version": "13"}) is None


def test_a_photo_time_in_the_year_9999_is_no_time():
    """DateTimeOriginal 9999:12:31 23:59:59 with OffsetTimeOriginal -05:00: the GPX/KML export raised
    OverflowError converting it to UTC."""
    exif = {piexif.ExifIFD.DateTimeOriginal: b"9999:12:31 23:59:59", piexif.ExifIFD.OffsetTimeOriginal: b"-05:00"}
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=piexif.dump({"0th": {}, "Exif": exif, "GPS": {}, "Interop": {},
                                                                  "1st": {}, "thumbnail": None}))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "a.jpg"
        path.write_bytes(buf.getvalue())
        assert read_photo_meta(path).captured_at is None
