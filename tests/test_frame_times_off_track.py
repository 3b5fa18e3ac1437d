"""A video frame in no flight (`--no-track`, or a clip too short for a track) says when it was taken
in every export (session 32, framesync32): its telemetry clock at that frame, else its clip's
container start plus the frame's time; UTC where the zone is known (recorded, or `--clock-zone`), the
same rules as a flight frame's; no time when the clip recorded none, never 1970."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from geolocator.core.exports import write_predictions
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import Query

from .test_sequence import prediction

GPX = {"g": "http://www.topografix.com/GPX/1/1"}
KML = {"k": "http://www.opengis.net/kml/2.2"}


def _frames(start, *, telemetry_at=None, n=3):
    """`n` frames of one clip (2 s apart) located on their own, in no flight (no tracks passed)."""
    out = []
    for i in range(n):
        t = 2.0 * i
        record = None if telemetry_at is None else FrameTelemetry(
            time_s=t, position=None, when=telemetry_at + timedelta(seconds=t))
        q = Query(f"clip.mp4@{t:.3f}s", Path("day/clip.mp4"), time_s=t, telemetry=record, video_start=start)
        out.append(prediction(q, [(40 + 8 * i, 60.0, 0.6, 30, True)]))
    return out


def _write(tmp_path: Path, preds, suffix: str, **kw) -> str:
    return write_predictions(tmp_path / f"out{suffix}", preds, (), **kw).read_text(encoding="utf-8")


def _gpx_times(text: str) -> list:
    return [w.findtext("g:time", None, GPX) for w in ET.fromstring(text).findall("g:wpt", GPX)]


def _kml_times(text: str) -> list:
    return [p.findtext(".//k:TimeStamp/k:when", None, KML) for p in ET.fromstring(text).iter(f"{{{KML['k']}}}Placemark")]


def _geojson_times(text: str) -> list:
    return [f["properties"].get("time_utc") for f in json.loads(text)["features"] if f["geometry"]["type"] == "Point"]


def _csv_times(text: str) -> list:
    return [(r["captured_at"], r["time_utc"]) for r in csv.DictReader(text.splitlines())]


def test_a_frame_in_no_flight_gets_its_clips_container_time_plus_its_offset(tmp_path):
    preds = _frames(datetime(2026, 12, 4, 10, 15, 0))  # creation_time: the camera's clock, zone unknown
    berlin = ZoneInfo("Europe/Berlin")  # winter: UTC+1
    want = [f"2026-12-04T09:15:0{s}Z" for s in (0, 2, 4)]
    assert _gpx_times(_write(tmp_path, preds, ".gpx", clock_zone=berlin)) == want
    assert _kml_times(_write(tmp_path, preds, ".kml", clock_zone=berlin)) == want
    assert _geojson_times(_write(tmp_path, preds, ".geojson", clock_zone=berlin)) == want
    assert _csv_times(_write(tmp_path, preds, ".csv", clock_zone=berlin)) == [
        (f"2026-12-04T10:15:0{s}", f"2026-12-04T09:15:0{s}Z") for s in (0, 2, 4)]
    # no zone given: GPX and KML write the camera clock as if UTC and say so; CSV/GeoJSON leave time_utc empty
    gpx = _write(tmp_path, preds, ".gpx")
    assert _gpx_times(gpx) == [f"2026-12-04T10:15:0{s}Z" for s in (0, 2, 4)]
    # its <desc> does not say it has no capture time: it was located on its own
    assert all("in no flight (located on its own)" in w.findtext("g:desc", "", GPX)
               for w in ET.fromstring(gpx).findall("g:wpt", GPX))
    assert "3 times were recorded without a UTC offset" in ET.fromstring(gpx).findtext("g:metadata/g:desc", "", GPX)
    assert _geojson_times(_write(tmp_path, preds, ".geojson")) == [None] * 3
    assert [t for _, t in _csv_times(_write(tmp_path, preds, ".csv"))] == [""] * 3


def test_a_recorded_offset_is_an_instant_no_zone_moves_it(tmp_path):
    preds = _frames(datetime(2026, 12, 4, 11, 30, tzinfo=timezone(timedelta(hours=1))))  # a phone's creationdate
    want = [f"2026-12-04T10:30:0{s}Z" for s in (0, 2, 4)]
    tokyo = ZoneInfo("Asia/Tokyo")
    assert _gpx_times(_write(tmp_path, preds, ".gpx", clock_zone=tokyo)) == want
    assert _kml_times(_write(tmp_path, preds, ".kml")) == want
    assert _geojson_times(_write(tmp_path, preds, ".geojson", clock_zone=tokyo)) == want
    assert [t for _, t in _csv_times(_write(tmp_path, preds, ".csv"))] == want


def test_the_telemetry_clock_wins_for_a_frame_in_no_flight(tmp_path):
    preds = _frames(datetime(2026, 12, 4, 10, 15), telemetry_at=datetime(2026, 12, 4, 13, 14, 22))
    utc = timezone.utc
    want = ["2026-12-04T13:14:22Z", "2026-12-04T13:14:24Z", "2026-12-04T13:14:26Z"]
    assert _gpx_times(_write(tmp_path, preds, ".gpx")) == want
    assert _kml_times(_write(tmp_path, preds, ".kml")) == want
    assert _geojson_times(_write(tmp_path, preds, ".geojson", clock_zone=utc)) == want
    assert [t for _, t in _csv_times(_write(tmp_path, preds, ".csv", clock_zone=utc))] == want


@pytest.mark.parametrize("suffix", [".gpx", ".kml", ".geojson", ".csv"])
def test_a_clip_with_no_time_gives_its_frames_none_never_1970(tmp_path, suffix):
    text = _write(tmp_path, _frames(None), suffix, clock_zone=ZoneInfo("Europe/Berlin"))
    assert "1970-01-01" not in text  # a 1970 date (not simplekml's element numbers, one count per process)
    got = {".gpx": _gpx_times, ".kml": _kml_times, ".geojson": _geojson_times}.get(suffix)
    if got is not None:
        assert got(text) == [None] * 3
    else:
        assert _csv_times(text) == [("", "")] * 3
