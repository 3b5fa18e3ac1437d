"""A video without telemetry gets its real time from its container (session 32, video32).

Before, a clip with no DJI .SRT beside it was timed from the Unix epoch: its GPX/KML points said
1970-01-01. Now media/video_time.py reads the container's tags through PyAV: QuickTime's
`com.apple.quicktime.creationdate` with its offset (an instant), else `creation_time` read as the
camera's clock of unknown zone (`--clock-zone` applies, as to a photo's DateTimeOriginal without an
offset); a clip with no time at all is written without times, never 1970. The clips are made here
with PyAV (a few frames, tags written by FFmpeg's MP4 and MOV muxers)."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from geolocator.core.export_track import tracks_to_gpx
from geolocator.core.exports import write_predictions
from geolocator.core.media.video import probe_video, video_queries
from geolocator.core.media.video_time import start_from_tags
from geolocator.core.model import PhotoMeta, Query
from geolocator.core.sequence import Track, TrackPoint, smooth

from .flight_helpers import write_dji_srt
from .test_sequence import at, prediction

av = pytest.importorskip("av")
GPX = {"g": "http://www.topografix.com/GPX/1/1"}
KML = {"k": "http://www.opengis.net/kml/2.2"}


def _clip(path: Path, tags: dict, *, seconds: int = 6, options: dict | None = None) -> Path:
    """A `seconds` long clip at 1 frame a second (grey frames: one shot) with container tags `tags`."""
    with av.open(str(path), "w", options=options or {}) as container:
        for key, value in tags.items():
            container.metadata[key] = value
        stream = container.add_stream("libx264", rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for _ in range(seconds):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 120, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def _flight(path: Path):
    """The clip's frames (video_queries) located along a line east, 8 m a second, each verified."""
    preds = [prediction(q, [(40 + 8 * q.time_s, 60.0, 0.6, 30, True)]) for q in video_queries(path, every_s=1.0)]
    return preds, smooth(preds)


# -- the tags, by the rules ------------------------------------------------------------------------
@pytest.mark.parametrize("container, stream, want", [
    # QuickTime's creationdate records its offset: it wins over creation_time, as an instant
    ({"creation_time": "2026-05-01T08:00:00.000000Z", "com.apple.quicktime.creationdate": "2026-05-01T10:00:00+0200"},
     {}, datetime(2026, 5, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))),
    # creation_time: the camera's clock, zone unknown (DJI and many cameras write local time there)
    ({"creation_time": "2026-05-01T10:00:00.000000Z"}, {}, datetime(2026, 5, 1, 10, 0)),
    ({}, {"creation_time": "2026-05-01T10:00:00.500000Z"}, datetime(2026, 5, 1, 10, 0, 0, 500000)),  # the stream's
    ({"date": "2026-05-01 10:00:00"}, {}, datetime(2026, 5, 1, 10, 0)),
    # Android's MediaMuxer writes UTC, as the standard says: kept as UTC
    ({"creation_time": "2026-05-01T10:00:00.000000Z", "com.android.version": "14"}, {},
     datetime(2026, 5, 1, 10, 0, tzinfo=timezone.utc)),
    # a creationdate without an offset: a clock of unknown zone too
    ({"com.apple.quicktime.creationdate": "2026-05-01T10:00:00"}, {}, datetime(2026, 5, 1, 10, 0)),
    # a clock never set (the QuickTime and Unix epochs), nothing, or words: no time
    ({"creation_time": "1904-01-01T00:00:00.000000Z"}, {}, None),
    ({"creation_time": "1970-01-01T00:00:00.000000Z"}, {"creation_time": "1970-01-01T00:00:00Z"}, None),
    ({}, {}, None), ({"creation_time": ""}, {}, None), ({"creation_time": "yesterday"}, {}, None),
    ({"creation_time": "1979-12-31T23:59:59Z"}, {}, None),
    ({"creation_time": "1980-01-01T00:00:00Z"}, {}, datetime(1980, 1, 1)),  # the first time taken
    # a date without a time of day (a `date` tag of "2026-05-01" or "2026") is no start: not midnight
    ({"date": "2026-05-01"}, {}, None), ({"date": "2026"}, {}, None),
    # an unusable creationdate gives way to creation_time
    ({"com.apple.quicktime.creationdate": "garbage", "creation_time": "2026-05-01T10:00:00Z"}, {},
     datetime(2026, 5, 1, 10, 0)),
])
def test_the_start_time_from_the_tags_by_their_trust(container, stream, want):
    got = start_from_tags(container, stream)
    assert got == want and (got is None or (got.tzinfo is None) == (want.tzinfo is None))


def test_a_clips_container_records_when_it_was_made(tmp_path):
    mp4 = _clip(tmp_path / "DJI_0001.MP4", {"creation_time": "2026-05-01T10:00:00.000000Z"})
    assert probe_video(mp4).started_at == datetime(2026, 5, 1, 10, 0)  # naive: the camera's clock
    assert {q.video_start for q in video_queries(mp4, every_s=2.0)} == {datetime(2026, 5, 1, 10, 0)}
    # a MOV with QuickTime's creationdate (FFmpeg's mov muxer writes it with movflags=use_metadata_tags)
    mov = _clip(tmp_path / "IMG_0001.MOV", {"creation_time": "2026-05-01T08:00:00Z",
                                            "com.apple.quicktime.creationdate": "2026-05-01T10:00:00+0200"},
                options={"movflags": "use_metadata_tags"})
    assert probe_video(mov).started_at == datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    assert probe_video(mov).started_at.utcoffset() == timedelta(hours=2)
    bare = _clip(tmp_path / "bare.mp4", {})
    assert probe_video(bare).started_at is None


def _times(gpx_text: str) -> list[str | None]:
    root = ET.fromstring(gpx_text)
    return [(p.findtext("g:time", None, GPX)) for p in root.findall("g:trk/g:trkseg/g:trkpt", GPX)]


def test_a_clip_with_no_time_is_written_without_times_never_1970(tmp_path):
    preds, tracks = _flight(_clip(tmp_path / "bare.mp4", {}))
    assert len(tracks) == 1 and len(tracks[0].points) == 6
    texts = {}
    for suffix in (".gpx", ".kml", ".geojson", ".csv"):
        out = write_predictions(tmp_path / f"out{suffix}", preds, tracks)
        texts[suffix] = out.read_text(encoding="utf-8")
        # a date of 1970 (simplekml numbers its elements in one count per process: id="1970" is no date)
        assert "1970-01-01" not in texts[suffix], suffix
    assert _times(texts[".gpx"]) == [None] * 6  # no <time>: GPX 1.1's is optional
    assert not ET.fromstring(texts[".gpx"]).findall("g:wpt/g:time", GPX)
    assert ET.fromstring(texts[".kml"]).findall(".//k:TimeStamp", KML) == []
    rows = list(csv.DictReader(texts[".csv"].splitlines()))
    assert [(r["time_utc"], r["captured_at"]) for r in rows] == [("", "")] * 6
    doc = json.loads(texts[".geojson"])
    assert not any("time_utc" in f["properties"] for f in doc["features"])


def test_a_clips_container_time_times_its_frames(tmp_path):
    preds, tracks = _flight(_clip(tmp_path / "DJI_0002.MP4", {"creation_time": "2026-05-01T10:00:00.000000Z"}))
    gpx = write_predictions(tmp_path / "a.gpx", preds, tracks).read_text()
    assert _times(gpx) == [f"2026-05-01T10:00:0{i}Z" for i in range(6)]  # written as if UTC, and said:
    assert "6 times were recorded without a UTC offset" in ET.fromstring(gpx).findtext("g:metadata/g:desc", "", GPX)
    # the camera's clock was on Berlin time (summer: UTC+2): --clock-zone says so, as for a photo
    berlin = write_predictions(tmp_path / "b.gpx", preds, tracks, clock_zone=ZoneInfo("Europe/Berlin")).read_text()
    assert _times(berlin) == [f"2026-05-01T08:00:0{i}Z" for i in range(6)]
    rows = list(csv.DictReader(write_predictions(tmp_path / "b.csv", preds, tracks,
                                                 clock_zone=ZoneInfo("Europe/Berlin")).read_text().splitlines()))
    assert [(r["captured_at"], r["time_utc"]) for r in rows] == [
        (f"2026-05-01T10:00:0{i}", f"2026-05-01T08:00:0{i}Z") for i in range(6)]
    # a recorded offset is an instant: no clock zone moves it
    preds, tracks = _flight(_clip(tmp_path / "IMG_0002.MOV", {"com.apple.quicktime.creationdate": "2026-05-01T10:00:00+0200"},
                                  options={"movflags": "use_metadata_tags"}))
    tokyo = write_predictions(tmp_path / "c.gpx", preds, tracks, clock_zone=ZoneInfo("Asia/Tokyo")).read_text()
    assert _times(tokyo) == [f"2026-05-01T08:00:0{i}Z" for i in range(6)]


def test_the_telemetry_clock_still_wins_over_the_container(tmp_path):
    clip = _clip(tmp_path / "DJI_0003.MP4", {"creation_time": "2026-05-01T10:00:00.000000Z"})
    write_dji_srt(clip.with_suffix(".SRT"), [at(40 + 8 * i, 60.0) for i in range(6)], fps=1)  # 2026-05-27 13:14:22 on
    preds, tracks = _flight(clip)
    assert preds[0].query.telemetry.when is not None and preds[0].query.video_start is not None
    assert _times(tracks_to_gpx(tracks)) == [f"2026-05-27T13:14:{22 + i}Z" for i in range(6)]


def test_a_timed_clip_takes_its_place_among_the_days_flights_and_a_clockless_one_goes_last(tmp_path):
    _, early = _flight(_clip(tmp_path / "early.mp4", {"creation_time": "2026-05-01T08:00:00.000000Z"}))
    _, bare = _flight(_clip(tmp_path / "bare.mp4", {}))
    photos = Track("photos", tuple(
        TrackPoint(Query(f"p{i}.jpg", Path(f"p{i}.jpg"), meta=PhotoMeta(captured_at=datetime(2026, 5, 1, 9, 30, i))),
                   float(i), at(0, 0), "interpolated", at(0, 0)) for i in range(2)))
    root = ET.fromstring(tracks_to_gpx([*bare, photos, *early]))
    assert [t.findtext("g:name", None, GPX) for t in root.findall("g:trk", GPX)] == ["early.mp4", "photos", "bare.mp4"]
