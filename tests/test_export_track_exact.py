"""Flight GeoJSON, exact answers (written for the mutation run of core/export_track.py, session 6):
each feature's exact type, geometry and properties, the two-position line, the written text."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from geolocator.core.export import _point
from geolocator.core.export_track import (predictions_and_tracks_to_geojson, tracks_to_geojson,
                                          write_track_geojson)
from geolocator.core.sequence import smooth

from .test_sequence import at, flight


def _track(n=30):
    preds, _ = flight(n=n, bad=range(10, 14) if n > 14 else (), chance=())
    [track] = smooth(preds)
    points = list(track.points)
    quad = (at(30, 80), at(70, 80), at(70, 40), at(30, 40))
    points[1] = replace(points[1], footprint=quad, time_s=1.23456)
    points[-1] = replace(points[-1], time_s=points[-1].time_s + 0.12345)
    return preds, replace(track, points=tuple(points)), quad


def test_every_feature_exactly():
    _, track, quad = _track()
    feats = tracks_to_geojson([track])["features"]
    frames = [f for f in feats if f["properties"]["kind"] == "frame"]
    assert all(f["type"] == "Feature" and f["geometry"]["type"] == "Point" for f in frames)
    assert {f["properties"]["flight"] for f in frames} == {track.name}
    [line] = [f for f in feats if f["properties"]["kind"] == "track"]
    assert line == {"type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": [_point(x) for x in track.line]},
                    "properties": {"kind": "track", "flight": track.name, "frames": 30,
                                   "duration_s": round(29.12345, 3)}}
    [fp] = [f for f in feats if f["properties"]["kind"] == "footprint"]
    # counterclockwise on the map (RFC 7946 §3.1.6): TL, BL, BR, TR of the photo
    ring = [_point(p) for p in (quad[0], quad[3], quad[2], quad[1])]
    assert fp == {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring + [ring[0]]]},
                  "properties": {"kind": "footprint", "query": track.points[1].query.id, "time_s": 1.235}}


def test_a_flight_of_two_placed_frames_has_a_line():
    preds, _ = flight(n=2, bad=(), chance=())
    [track] = smooth(preds)
    assert len(track.line) == 2
    kinds = [f["properties"]["kind"] for f in tracks_to_geojson([track])["features"]]
    assert kinds == ["frame", "frame", "track"]


def test_the_written_file_is_the_document_indented_by_one_and_refuses_nan(tmp_path):
    _, track, _ = _track()
    write_track_geojson([track], tmp_path / "t.geojson")
    assert (tmp_path / "t.geojson").read_text() == json.dumps(tracks_to_geojson([track]), indent=1)
    bad = replace(track, points=(replace(track.points[0], time_s=math.nan),) + track.points[1:])
    with pytest.raises(ValueError):
        write_track_geojson([bad], tmp_path / "nan.geojson")


def test_photos_on_a_track_are_placed_at_their_track_position():
    preds, track, _ = _track()
    doc = predictions_and_tracks_to_geojson(preds, [track])
    points = {f["properties"]["query"]: f for f in doc["features"]
              if f["geometry"]["type"] == "Point"}
    for p in track.points:
        f = points[p.query.id]
        assert f["geometry"] == {"type": "Point", "coordinates": _point(p.location)}
        assert f["properties"]["flight"] == track.name and f["properties"]["status"] == p.status
    kinds = [f["properties"].get("kind") for f in doc["features"]]
    assert kinds.count("track") == 1 and kinds.count("footprint") == 1 and "frame" not in kinds
