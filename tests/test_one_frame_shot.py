"""A shot of an edited video with one sampled frame is labelled like any other shot (session 24).

mend_session23.md left it open: `sequence._sequences` dropped every flight of one frame ("nothing to
smooth"), so a shot of one sampled frame (every shot of a clip sampled once a second whose shots last
under two seconds) made no track; since every output reads a frame's shot from the tracks
(sequence.frame_shots, Track.edit_shot), its frame was written with no shot in the CSV, GeoJSON, KML,
GPX, map and app, and the CLI's cuts line was not said when the first shot was the short one. Now
such a shot is a track of one point, like any other shot. The cut finder is replaced by its answer
(frames 0-2 one shot, frame 3 the next); no video is decoded."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from geolocator.core.model import Query
from geolocator.core.sequence import frame_shots, smooth

from .test_sequence import prediction


@pytest.fixture
def edit(tmp_path, monkeypatch):
    """Predictions of four frames of edit.mp4 (a file that exists), the cut finder saying the last
    frame is a shot of its own, and a photo in no flight."""
    from geolocator.core.media import cuts

    video = tmp_path / "edit.mp4"
    video.write_bytes(b"not decoded")
    monkeypatch.setattr(cuts, "video_shots_or_one", lambda path, times: [0, 0, 0, 1][:len(times)])
    queries = [Query(f"edit.mp4#t={t}", video, time_s=float(t)) for t in range(4)]
    places = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (900.0, 0.0)]
    preds = [prediction(q, [(e, n, 0.6, 40, True), (300.0, 300.0, 0.4, 0, False)]) for q, (e, n) in zip(queries, places)]
    photo = prediction(Query("still.jpg", tmp_path / "still.jpg"), [(200.0, 200.0, 0.6, 40, True)])
    return [*preds, photo]


def test_a_one_frame_shot_is_a_track_of_its_own_and_in_frame_shots(edit):
    """Before: one track (shot 1 of 2) and frame_shots without edit.mp4#t=3."""
    tracks = smooth(edit)
    assert [(t.name, t.edit_shot, len(t.points)) for t in tracks] == [
        ("edit.mp4 shot 1 of 2", (1, 2), 3), ("edit.mp4 shot 2 of 2", (2, 2), 1)]
    assert frame_shots(tracks) == {"edit.mp4#t=0": (1, 2), "edit.mp4#t=1": (1, 2), "edit.mp4#t=2": (1, 2),
                                   "edit.mp4#t=3": (2, 2)}
    lone = tracks[1].points[0]
    # it keeps its own answer: its verified match, nothing moved it
    assert lone.verified and lone.status == "matched" and lone.location == edit[3].location
    assert len(tracks[1].line) == 1  # a line of one point: the exports and the map draw no line for it


def test_every_export_says_the_one_frame_shot(edit, tmp_path):
    """CSV `shot` column, GeoJSON `shot` property, KML and GPX descriptions. Before: empty / absent."""
    from geolocator.core.exports import write_predictions

    tracks = smooth(edit)
    for ext in ("csv", "geojson", "kml", "gpx"):
        write_predictions(tmp_path / f"e.{ext}", edit, tracks)
    with open(tmp_path / "e.csv", newline="") as fh:
        rows = {r["query"]: r for r in csv.DictReader(fh)}
    assert [rows[f"edit.mp4#t={t}"]["shot"] for t in range(4)] == ["shot 1 of 2"] * 3 + ["shot 2 of 2"]
    assert rows["still.jpg"]["shot"] == ""
    doc = json.loads((tmp_path / "e.geojson").read_text())
    props = {f["properties"]["query"]: f["properties"] for f in doc["features"]
             if f["geometry"]["type"] == "Point" and "query" in f["properties"]}
    assert props["edit.mp4#t=3"].get("shot") == "shot 2 of 2" and "shot" not in props["still.jpg"]
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    assert all(len(f["geometry"]["coordinates"]) >= 2 for f in lines)  # RFC 7946 §3.1.4 still holds
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    desc = {m.findtext("k:name", namespaces=ns): m.findtext("k:description", namespaces=ns)
            for m in ET.parse(tmp_path / "e.kml").getroot().iter("{%s}Placemark" % ns["k"])}
    assert "shot 2 of 2;" in desc["edit.mp4#t=3"]
    gpx = (tmp_path / "e.gpx").read_text()
    assert len(re.findall(r"shot 2 of 2;", gpx)) == 1 and len(re.findall(r"shot 1 of 2;", gpx)) == 3


def test_the_cli_says_the_cuts_when_the_first_shot_is_one_frame(tmp_path, monkeypatch, caplog):
    """The CLI's cuts line is said from the tracks (cli._tracks). Before: a clip of two shots of one
    sampled frame each made no track, and no "1 cut found" line, nor a flight line for either shot."""
    import argparse
    import logging

    from geolocator import cli
    from geolocator.core.media import cuts

    video = tmp_path / "edit.mp4"
    video.write_bytes(b"not decoded")
    monkeypatch.setattr(cuts, "video_shots_or_one", lambda path, times: [0, 1][:len(times)])
    preds = [prediction(Query(f"edit.mp4#t={t}", video, time_s=float(t)), [(900.0 * t, 0.0, 0.6, 40, True)])
             for t in range(2)]
    with caplog.at_level(logging.INFO, logger="geolocator"):
        tracks = cli._tracks(preds, argparse.Namespace())
    assert [t.edit_shot for t in tracks] == [(1, 2), (2, 2)]
    assert "edit.mp4: 1 cut found in its pictures: 2 shots" in caplog.text
    assert "flight edit.mp4 shot 2 of 2: 1 frame: 1 verified but not confident" in caplog.text  # levels' words (session 28)


def test_a_video_of_one_shot_is_one_flight_with_no_shot(tmp_path, monkeypatch):
    """A video the cut finder reads as one shot (every drone recording) is one flight named by the
    video, with no "shot 1 of 1" anywhere (session 24: a mutant that gave such a video its shot
    numbers survived every test, since the one-shot tests either had no file on disk, so the cut
    finder was never asked, or went through frame_shots with hand-made tracks)."""
    from geolocator.core.media import cuts

    video = tmp_path / "flight.mp4"
    video.write_bytes(b"not decoded")
    monkeypatch.setattr(cuts, "video_shots_or_one", lambda path, times: [0] * len(times))
    preds = [prediction(Query(f"flight.mp4#t={t}", video, time_s=float(t)), [(5.0 * t, 0.0, 0.6, 40, True)])
             for t in range(3)]
    tracks = smooth(preds)
    assert [(t.name, t.video, t.edit_shot, len(t.points)) for t in tracks] == [("flight.mp4", None, None, 3)]
    assert frame_shots(tracks) == {}


def test_the_map_says_the_one_frame_shot(edit):
    """The map's popup and tooltip of the one-frame shot's frame say "shot 2 of 2" (they read
    sequence.frame_shots, as the app's photo list and Results pane do), and no line is drawn for it."""
    from geolocator.core.webmap import Assets, build_map

    tracks = smooth(edit)
    html = build_map(None, edit, assets=Assets(None), thumbnail=None, tracks=tracks).get_root().render()
    items = {d["id"]: d for d in (json.loads(x) for x in re.findall(r"geoloc\.add\((\{.*?\})\);", html))}
    lone = items["edit.mp4#t=3"]
    assert "shot 2 of 2</td>" in lone["popup"] and " · shot 2 of 2 · " in lone["tooltip"], lone
    assert "shot" not in items["still.jpg"]["popup"] + items["still.jpg"]["tooltip"]
