"""`locate --clock-zone Europe/Zurich`: times recorded without a zone, read in the one the team gives.

Session 21 (newuser21, a rescue team in the Alps): a drone's EXIF times carry no OffsetTimeOriginal
(EXIF 2.32 makes it optional) and a DJI SRT's clock none at all; GPX 1.1 and KML times are UTC, so
geolocator wrote 10:00 local as 10:00Z, an hour late in winter and two in summer beside a phone's
photos, whose offset is recorded and converted. The team knows the zone its drone's clock is set
to: given, the naive times are read in it (summer time by each date with an IANA name), zoned
ones are left as they were, and the file says which zone was assumed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from geolocator.cli import build_parser
from geolocator.core.export_track import parse_clock_zone, tracks_to_gpx, tracks_to_kml
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.sequence import Track, TrackPoint

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML = "{http://www.opengis.net/kml/2.2}"
TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))


def _flight(when):
    return Track("photos DJI", tuple(
        TrackPoint(Query(f"d{i}.jpg", Path(f"d{i}.jpg"), meta=PhotoMeta(captured_at=when)), 2.0 * i,
                   LatLon(46.0, 9.0), "matched", LatLon(46.0, 9.0)) for i in range(2)))


def _phone(when):
    q = Query("phone.jpg", Path("phone.jpg"), meta=PhotoMeta(captured_at=when))
    return Prediction(q, (Match(TILE, 0.8, 1),), LatLon(46.0, 9.0), LatLon(46.0, 9.0), 0.9, status="verified")


def _gpx_times(text):
    root = ET.fromstring(text)
    return ({w.find("g:name", GPX_NS).text: w.find("g:time", GPX_NS).text for w in root.findall("g:wpt", GPX_NS)},
            root.find("g:metadata/g:desc", GPX_NS).text)


def test_naive_times_are_read_in_the_given_zone_with_summer_time_by_date():
    winter, summer = datetime(2026, 12, 2, 10, 0, 0), datetime(2026, 7, 2, 10, 0, 0)
    zurich = parse_clock_zone("Europe/Zurich")
    times, desc = _gpx_times(tracks_to_gpx([_flight(winter)], [_phone(summer)], clock_zone=zurich))
    assert times == {"phone.jpg": "2026-07-02T08:00:00Z",  # CEST, UTC+2
                     "d0.jpg": "2026-12-02T09:00:00Z", "d1.jpg": "2026-12-02T09:00:02Z"}  # CET, UTC+1
    assert desc == "3 times were recorded without a UTC offset (a camera or telemetry clock) and read as " \
                   "Europe/Zurich, the clocks' zone given."


def test_a_recorded_offset_wins_over_the_given_zone():
    zoned = datetime(2026, 12, 2, 10, 0, 0, tzinfo=timezone(timedelta(hours=-5)))
    root = ET.fromstring(tracks_to_kml([], [_phone(zoned)], clock_zone=parse_clock_zone("+01:00")))
    [when] = [e.text for e in root.iter(f"{KML}when")]
    assert when == "2026-12-02T15:00:00Z"  # its own -05:00, not the +01:00 given
    assert root.find(f"{KML}Document/{KML}description") is None  # nothing was assumed: nothing said


def test_a_fixed_offset_is_named_in_the_file():
    times, desc = _gpx_times(tracks_to_gpx([], [_phone(datetime(2026, 12, 2, 10, 0, 0))],
                                           clock_zone=parse_clock_zone("-05:30")))
    assert times == {"phone.jpg": "2026-12-02T15:30:00Z"}
    assert "1 time was recorded without a UTC offset" in desc and "read as UTC-05:30" in desc


@pytest.mark.parametrize("text, offset", [("+01:00", 60), ("-05:30", -330), ("+02", 120), ("UTC", 0), ("Z", 0),
                                          # as people write them (locale28: a Tokyo team typed UTC+9, refused)
                                          ("UTC+9", 540), ("utc+09:00", 540), ("UTC-5", -300), ("UTC+5:30", 330),
                                          ("UTC +0530", 330), ("+9", 540), ("-3", -180)])
def test_zone_forms(text, offset):
    assert parse_clock_zone(text).utcoffset(datetime(2026, 1, 1)) == timedelta(minutes=offset)


# GMT+9: IANA's Etc/GMT+9 is 9 hours west (POSIX sign), people mean east: refused, not guessed
@pytest.mark.parametrize("bad", ["JST", "CET", "GMT+9", "GMT-5", "UTC+15", "UTC+9:60", "UTC+123", "UTC+", "UTC9", "+9:3"])
def test_abbreviations_and_impossible_offsets_are_refused_naming_a_zone_name(bad):
    with pytest.raises(ValueError, match="Asia/Tokyo") as got:
        parse_clock_zone(bad)
    if bad.startswith("GMT"):
        assert "hours west in IANA's Etc/GMT+N" in str(got.value)
    if bad.isalpha() and bad.isupper():
        assert "an abbreviation names several zones" in str(got.value)


def test_the_cli_takes_the_zone_and_refuses_what_is_not_one(capsys):
    from geolocator.core.clock_zones import ClockZones

    args = build_parser().parse_args(["locate", "p", "--tiles", "t.csv", "--clock-zone", "Europe/Rome"])
    assert args.clock_zone == ["Europe/Rome"]  # kept as written; cmd_locate reads them all (--clock-zone FOLDER=ZONE)
    assert ClockZones.from_texts(args.clock_zone).zone_for("p/a.jpg").utcoffset(datetime(2026, 8, 1)) == timedelta(hours=2)
    for bad in ("CET+1", "+25:00", "Europe/Atlantis"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["locate", "p", "--tiles", "t.csv", "--clock-zone", bad])
        assert f"not a time zone: {bad!r}" in capsys.readouterr().err


def test_exif_offsets_and_typed_zones_are_read_by_one_reader():
    """Session 22 review: EXIF's OffsetTimeOriginal (media/metadata) and the clock zone typed by a person
    (parse_clock_zone) each parsed "+HH:MM" by hand; now both use metadata.utc_offset. An EXIF offset no
    zone on Earth has ("+01:75", "+20:00") was applied as +02:15 / +20:00; it now leaves the time naive
    (camera clock, zone unknown), as the typed zone already refused it."""
    from geolocator.core.media.metadata import _capture_time, utc_offset

    exif = {0x9003: "2026:07:01 10:00:00"}
    assert _capture_time({**exif, 0x9011: "+02:00"}).utcoffset() == timedelta(hours=2)
    assert _capture_time({**exif, 0x9011: "-05:30"}).utcoffset() == timedelta(hours=-5, minutes=-30)
    for impossible in ("+01:75", "+20:00", "+0a:00", "+01:60", "+01-30", "+01x30"):  # minute 60, no colon: not offsets
        assert _capture_time({**exif, 0x9011: impossible}).tzinfo is None, impossible
        assert utc_offset(impossible) is None
        with pytest.raises(ValueError):
            parse_clock_zone(impossible)
    assert utc_offset("+01") == parse_clock_zone("+01:00")
