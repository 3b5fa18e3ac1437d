"""GPX 1.1 / KML 2.2 / GeoJSON of a flight, parsed back with gpxpy and fastkml."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest

from geolocator.core.export_track import tracks_to_geojson, write_track
from geolocator.core.sequence import smooth

from .test_sequence import at, flight


@pytest.fixture()
def tracks():
    preds, _ = flight(n=30, bad=range(10, 14), chance=(20,))
    [track] = smooth(preds)
    # a footprint on one frame, as a verified homography gives it
    p = track.points[3]
    quad = (at(30, 80), at(70, 80), at(70, 40), at(30, 40))
    points = list(track.points)
    points[3] = replace(p, footprint=quad)
    # the video's recording time from its container (media/video_time.py): a clip with no clock is
    # written without times (session 32), so these flights have one
    start = datetime(2026, 5, 1, 10, 0, 0)
    points = [replace(x, query=replace(x.query, video_start=start)) for x in points]
    return [replace(track, points=tuple(points))]


def test_geojson_points_have_times_and_statuses_and_the_track_is_a_line(tracks, tmp_path):
    write_track(tracks, tmp_path / "t.geojson")
    doc = json.loads((tmp_path / "t.geojson").read_text())
    kinds = [f["properties"]["kind"] for f in doc["features"]]
    assert kinds.count("frame") == 30 and kinds.count("track") == 1 and kinds.count("footprint") == 1
    frames = [f for f in doc["features"] if f["properties"]["kind"] == "frame"]
    assert [f["properties"]["time_s"] for f in frames] == [float(i) for i in range(30)]
    assert {f["properties"]["status"] for f in frames[10:14]} == {"interpolated"}
    line = next(f for f in doc["features"] if f["properties"]["kind"] == "track")["geometry"]
    assert line["type"] == "LineString" and len(line["coordinates"]) == 30
    first = tracks[0].points[0].location
    assert line["coordinates"][0] == [round(first.lon, 7), round(first.lat, 7)]  # RFC 7946: lon, lat
    ring = next(f for f in doc["features"] if f["properties"]["kind"] == "footprint")["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    assert frames[0]["properties"]["error_kind"] == "centre"
    assert tracks_to_geojson(tracks) == doc


def test_gpx_parses_back_with_times_in_order(tracks, tmp_path):
    import gpxpy

    write_track(tracks, tmp_path / "t.gpx")
    text = (tmp_path / "t.gpx").read_text()
    assert 'version="1.1"' in text and "http://www.topografix.com/GPX/1/1" in text
    gpx = gpxpy.parse(text)
    [trk] = gpx.tracks
    pts = trk.segments[0].points
    assert len(pts) == 30 and trk.name == "v.mp4"
    for p, tp in zip(pts, tracks[0].points):
        assert (p.latitude, p.longitude) == pytest.approx((tp.location.lat, tp.location.lon), abs=1e-7)
    seconds = [(p.time - pts[0].time).total_seconds() for p in pts]
    assert seconds == [float(i) for i in range(30)]
    assert [w.type for w in gpx.waypoints][10:14] == ["interpolated"] * 4
    assert len(gpx.routes) == 1 and len(gpx.routes[0].points) == 5


def test_kml_parses_back_with_fastkml(tracks, tmp_path):
    from fastkml import kml

    write_track(tracks, tmp_path / "t.kml")
    text = (tmp_path / "t.kml").read_text()
    assert "http://www.opengis.net/kml/2.2" in text
    doc = kml.KML.from_string(text.encode())

    def walk(node):
        for f in getattr(node, "features", None) or []:
            yield f
            yield from walk(f)

    marks = [f for f in walk(doc) if type(f).__name__ == "Placemark"]
    geoms = [type(m.geometry).__name__ for m in marks]
    assert geoms.count("Point") == 30 and geoms.count("LineString") == 1 and geoms.count("Polygon") == 1
    line = next(m for m in marks if type(m.geometry).__name__ == "LineString").geometry
    first = tracks[0].points[0].location
    assert tuple(line.coords[0])[:2] == pytest.approx((first.lon, first.lat), abs=1e-7)
    named = {m.name: m for m in marks if type(m.geometry).__name__ == "Point"}
    t0 = named["v.mp4#t=0"].times.timestamp.dt
    assert [(named[f"v.mp4#t={i}"].times.timestamp.dt - t0).total_seconds() for i in range(30)] == [float(i) for i in range(30)]


def test_flight_geojson_keeps_the_imagerys_attribution():
    """A video's GeoJSON lost the tile package's credit line that a photos-only export carries."""
    from geolocator.core.export_track import predictions_and_tracks_to_geojson

    preds, _ = flight(n=6)
    tracks = smooth(preds)
    doc = predictions_and_tracks_to_geojson(preds, tracks, attribution="Imagery © Someone")
    assert doc["attribution"] == "Imagery © Someone"
    assert "attribution" not in predictions_and_tracks_to_geojson(preds, tracks)


def _blind_end_predictions():
    """A flight whose last 10 frames verified nothing (a wrong tile on top): extrapolated for
    MotionModel.extrapolate_s seconds, then not located; two at the start likewise extrapolated. Those
    frames saw featureless ground (predict.LOW_TEXTURE_CAUTION): a readable picture that matched nothing,
    extrapolated, claims no more than outside_tiles.OUTSIDE_CEILING (leftovers37; test_outlier_photo.py)."""
    from geolocator.core.predict import LOW_TEXTURE_CAUTION

    from .test_sequence import prediction

    preds, _ = flight(n=30, bad=(), chance=())
    for i in (0, 1, *range(20, 30)):
        preds[i] = replace(prediction(preds[i].query, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)]),
                           caution=LOW_TEXTURE_CAUTION)
    return preds


@pytest.fixture()
def blind_end():
    return smooth(_blind_end_predictions())


def test_every_format_says_extrapolated_and_not_located(blind_end, tmp_path):
    import gpxpy
    from fastkml import kml

    statuses = [p.status for p in blind_end[0].points]
    assert statuses[:2] == ["extrapolated"] * 2 and statuses[20:25] == ["extrapolated"] * 5
    assert statuses[25:] == ["not located"] * 5 and "interpolated" not in statuses[20:]
    # GeoJSON: the status, how far past the verified frames, and the line stops where evidence does
    doc = tracks_to_geojson(blind_end)
    frames = [f["properties"] for f in doc["features"] if f["properties"]["kind"] == "frame"]
    # as people read it: below confidence 0.5 an extrapolated frame reads "weak track" (mend19)
    shown = [p.shown_status for p in blind_end[0].points]
    assert "weak track" in shown[20:25]
    assert [f["status"] for f in frames] == shown and [f["track_status"] for f in frames] == statuses
    assert [f.get("extrapolated_s") for f in frames[20:25]] == [1.0, 2.0, 3.0, 4.0, 5.0]
    assert not any(f["verified"] for f in frames[20:])
    line = next(f for f in doc["features"] if f["properties"]["kind"] == "track")
    assert len(line["geometry"]["coordinates"]) == 25
    # GPX: not-located frames are no track points and no waypoints (a waypoint needs a position, session
    # 33): named in <metadata><desc>; every other frame is a waypoint with its status
    write_track(blind_end, tmp_path / "t.gpx")
    gpx = gpxpy.parse((tmp_path / "t.gpx").read_text())
    assert len(gpx.tracks[0].segments[0].points) == 25
    assert [w.type for w in gpx.waypoints] == shown[:25]
    names = ", ".join(p.query.id for p in blind_end[0].points[25:])
    assert f"Not located, so left out (no position to give): {names}." in gpx.description
    assert "5.0 s beyond the verified frames" in gpx.waypoints[24].description
    # KML: the status and whether geometry verified it, per Placemark; styles differ by status
    write_track(blind_end, tmp_path / "t.kml")
    text = (tmp_path / "t.kml").read_text()
    doc = kml.KML.from_string(text.encode())

    def walk(node):
        for f in getattr(node, "features", None) or []:
            yield f
            yield from walk(f)

    placemarks = [m for m in walk(doc) if type(m).__name__ == "Placemark" and type(m.geometry).__name__ != "LineString"]
    data = [{d.name: d.value for d in m.extended_data.elements} for m in placemarks]
    assert [d["status"] for d in data] == shown
    assert [d["verified"] for d in data[20:]] == ["false"] * 10
    # the not-located frames are listed, with no geometry (no pin at a place nothing claimed, session 33)
    assert [m.geometry is None for m in placemarks] == [False] * 25 + [True] * 5
    # a matched frame's description says its level (core.levels.frame_level), its status data "matched"
    from geolocator.core.levels import point_level

    matched = point_level(next(p for p in blind_end[0].points if p.status == "matched"))
    assert matched in ("confident", "verified but not confident", "weak match")
    for level in ("extrapolated", matched):
        assert f"<description>{level}; " in text
    # a not-located frame: its level and why once, in the track's words (session 34)
    assert "<description>not located: nothing on the flight's track placed it; " in text


def test_cli_log_counts_every_status(caplog):
    """The CLI's per-flight line counts the new statuses too (it listed four fixed ones)."""
    import argparse
    import logging

    from geolocator.cli import _tracks

    preds = _blind_end_predictions()
    with caplog.at_level(logging.INFO, logger="geolocator"):
        _tracks(preds, argparse.Namespace(track=True, max_speed=20.0))
    # in the levels' words, as the list and the files say them (session 28: "18 matched, 7 extrapolated", the
    # track's words, though the list and files call 2 of the 7 "weak track")
    assert "flight v.mp4: 30 frames: 18 verified but not confident, 5 extrapolated, 2 weak track, 5 not located" in caplog.text


def test_csv_of_a_flight_says_each_frames_track_status(blind_end, tmp_path):
    """CSV rows of a flight's frames: the track position and status (as the flight GeoJSON), the
    flight and time, and the frame's own single answer beside."""
    import csv

    from geolocator.core.export import write_csv

    track = blind_end[0]
    preds = _blind_end_predictions()
    write_csv(preds, tmp_path / "f.csv", tracks=blind_end)
    rows = list(csv.DictReader(open(tmp_path / "f.csv")))
    assert [r["status"] for r in rows] == [p.shown_status for p in track.points]  # "weak track" below 0.5
    assert {r["flight"] for r in rows} == {"v.mp4"} and [float(r["time_s"]) for r in rows] == [float(i) for i in range(30)]
    assert [r["extrapolated_s"] for r in rows[20:25]] == ["1.0", "2.0", "3.0", "4.0", "5.0"]
    assert [r["verified"] for r in rows[20:]] == ["False"] * 10 and rows[5]["verified"] == "True"
    for r, p in zip(rows, track.points):
        if p.status == "not located":  # no place claimed: the row stays, its coordinates empty (session 33)
            assert (r["lat"], r["lon"], r["single_lat"], r["mgrs"], r["confidence"]) == ("", "", "", "", "0.0")
            continue
        assert (float(r["lat"]), float(r["lon"])) == pytest.approx((p.location.lat, p.location.lon), abs=1e-7)
    assert sum(r["lat"] == "" for r in rows) == 5
    plain = tmp_path / "p.csv"
    write_csv(preds, plain)  # no tracks: single answers, flight columns empty
    assert {r["flight"] for r in csv.DictReader(open(plain))} == {""}


def test_the_exported_geojson_of_a_flight_carries_the_track_statuses(blind_end, tmp_path):
    """What `locate --out x.geojson` and the app's Export write: frames at their track position with
    the track's status; photos alone: the plain per-photo document."""
    from geolocator.core.export_track import write_predictions_geojson

    preds = _blind_end_predictions()
    write_predictions_geojson(preds, blind_end, tmp_path / "f.geojson", attribution="© x")
    doc = json.loads((tmp_path / "f.geojson").read_text())
    points = [f for f in doc["features"] if f["properties"].get("kind") not in ("track", "footprint")]
    assert [f["geometry"] is None for f in points] == [p.status == "not located" for p in blind_end[0].points]
    assert [f["properties"]["status"] for f in points] == [p.shown_status for p in blind_end[0].points]
    assert [f["properties"]["track_status"] for f in points] == [p.status for p in blind_end[0].points]
    assert sum(f["properties"].get("kind") == "track" for f in doc["features"]) == 1 and doc["attribution"] == "© x"
    write_predictions_geojson(preds, [], tmp_path / "p.geojson")
    plain = json.loads((tmp_path / "p.geojson").read_text())
    assert {f["properties"]["status"] for f in plain["features"]} <= {"verified", "retrieved", "not located"}


def test_a_flight_nothing_placed_has_points_but_no_line(tmp_path):
    """Every frame content-free (fog over water, say): all "not located", no track line in any
    format (a one- or zero-point LineString is invalid GeoJSON and KML), every frame still listed."""
    from dataclasses import replace as _replace

    import gpxpy

    from geolocator.core.model import STATUS_NOT_LOCATED

    from . import rfc7946

    preds, _ = flight(n=5, bad=(), chance=())
    preds = [_replace(p, status=STATUS_NOT_LOCATED, confidence=0.0, note="blank frame") for p in preds]
    tracks = smooth(preds)
    assert [p.status for p in tracks[0].points] == ["not located"] * 5 and tracks[0].line == []
    write_track(tracks, tmp_path / "t.geojson")
    text = (tmp_path / "t.geojson").read_text()
    assert rfc7946.validate(text) == []
    kinds = [f["properties"]["kind"] for f in json.loads(text)["features"]]
    assert kinds.count("frame") == 5 and "track" not in kinds
    write_track(tracks, tmp_path / "t.kml")
    assert "<LineString>" not in (tmp_path / "t.kml").read_text()
    write_track(tracks, tmp_path / "t.gpx")
    gpx = gpxpy.parse((tmp_path / "t.gpx").read_text())
    assert gpx.waypoints == [] and ", ".join(p.query.id for p in tracks[0].points) in gpx.description  # named, not placed


def test_cli_turn_cost_reaches_the_sequence_model():
    """--turn-cost 0 is the speed limit alone: the zig-zag of the heading test comes back."""
    import argparse

    from geolocator.cli import _tracks, build_parser

    from .test_sequence import prediction

    parser = build_parser()
    assert parser.parse_args(["locate", "v.mp4", "--tiles", "t.csv"]).turn_cost == 3.0
    for bad in ("-1", "nan", "steep"):
        with pytest.raises(SystemExit):
            parser.parse_args(["locate", "v.mp4", "--tiles", "t.csv", "--turn-cost", bad])
    preds, _ = flight(n=20, bad=(), chance=())
    e, n = 40 + 8.0 * 9, 60.0
    preds[9] = prediction(preds[9].query, [(e, n + 25, 0.6, 200, True), (e, n, 0.58, 30, True)])
    ranks = {tc: _tracks(preds, argparse.Namespace(track=True, max_speed=20.0, turn_cost=tc))[0].points[9].rank
             for tc in (0.0, 3.0)}
    assert ranks == {0.0: 1, 3.0: 2}


def test_track_exports_carry_the_imagerys_attribution(tmp_path):
    """The tile set's credit line travels with GPX (<metadata><desc>), KML (Document description)
    and the track GeoJSON (a foreign member), as it does with CSV and the photo GeoJSON."""
    import xml.etree.ElementTree as ET

    import gpxpy

    preds, _ = flight(n=5, bad=(), chance=())
    tracks = smooth(preds)
    credit = "Imagery © Example Aerial <2026>"
    write_track(tracks, tmp_path / "t.gpx", attribution=credit)
    assert credit in gpxpy.parse((tmp_path / "t.gpx").read_text()).description
    write_track(tracks, tmp_path / "t.kml", attribution=credit)
    root = ET.parse(tmp_path / "t.kml").getroot()
    descriptions = [e.text for e in root.iter() if e.tag.endswith("description")]
    assert any(credit in (d or "") for d in descriptions)
    write_track(tracks, tmp_path / "t.geojson", attribution=credit)
    assert json.loads((tmp_path / "t.geojson").read_text())["attribution"] == credit
    write_track(tracks, tmp_path / "none.gpx")  # no credit line: nothing invented
    assert not gpxpy.parse((tmp_path / "none.gpx").read_text()).description


def _shoelace(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:]))


def test_footprints_wind_counterclockwise_in_geojson_and_kml(tracks, tmp_path):
    """RFC 7946 §3.1.6: a GeoJSON exterior ring MUST be counterclockwise (and KML's Polygon reference
    asks the same). A camera looking down sees its TL, TR, BR, BL clockwise on the ground, and they
    were written in that order: every footprint of a 40-photo flight failed a GeoJSON validator's
    winding check (newuser_session23.md). A ring already counterclockwise (a mirrored outline)
    stays as it is."""
    from fastkml import kml as fkml

    write_track(tracks, tmp_path / "t.geojson")
    doc = json.loads((tmp_path / "t.geojson").read_text())
    ring = next(f for f in doc["features"] if f["properties"]["kind"] == "footprint")["geometry"]["coordinates"][0]
    assert _shoelace(ring) > 0 and ring[0] == ring[-1] and len(ring) == 5
    quad = tracks[0].points[3].footprint
    assert ring[0] == [round(quad[0].lon, 7), round(quad[0].lat, 7)]  # starts at the photo's TL still
    write_track(tracks, tmp_path / "t.kml")
    k = fkml.KML.parse(tmp_path / "t.kml", strict=False)
    polys = [pm.geometry for doc_ in k.features for folder in doc_.features for pm in folder.features
             if pm.name and pm.name.startswith("footprint")]
    assert len(polys) == 1 and _shoelace(list(polys[0].exterior.coords)) > 0
    mirrored = (quad[0], quad[3], quad[2], quad[1])
    tracks[0] = replace(tracks[0], points=tuple(replace(p, footprint=mirrored) if i == 3 else p
                                                for i, p in enumerate(tracks[0].points)))
    ring2 = next(f for f in tracks_to_geojson(tracks)["features"]
                 if f["properties"]["kind"] == "footprint")["geometry"]["coordinates"][0]
    assert ring2 == ring


def test_a_footprint_across_the_antimeridian_winds_counterclockwise():
    """export_track.counterclockwise takes longitudes relative to the first corner, wrapped into
    [-180, 180): a photo taken on the 180th meridian (Fiji, Kiribati; shared/field-cases/08) has corners
    at 179.9999 and -179.9999, whose raw differences of ~360 degrees flipped the shoelace sign, so the
    clockwise ring was kept clockwise (session 24: a mutant without the wrap passed every test)."""
    from geolocator.core.export_track import counterclockwise
    from geolocator.core.model import LatLon

    e, w = -179.9999, 179.9999  # east of the meridian, west of it
    cw = [LatLon(-16.79, w), LatLon(-16.79, e), LatLon(-16.80, e), LatLon(-16.80, w)]  # TL, TR, BR, BL: clockwise
    out = counterclockwise(cw)
    assert out == [cw[0], cw[3], cw[2], cw[1]]  # reversed, still starting at the TL
    assert counterclockwise(out) == out  # already counterclockwise: kept
