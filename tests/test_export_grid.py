"""Every export carries the Point as field teams read it, beside (never instead of) WGS84 degrees.

Session 21 (newuser21, mountain rescue): a ground team reads MGRS ("32T NR 00000 94047"), a
helicopter crew degrees and minutes; the CSV, GeoJSON, GPX and KML gave decimal degrees only, so
someone had to convert each answer by hand during a search. Now: CSV `mgrs` and `utm` columns after
`radius_m` (no column before them moves, lat/lon stay dot-decimal WGS84), the same GeoJSON
properties, and "MGRS …; N 46° 00.000' E 009° 00.000'" in each GPX <desc> and KML description.
Also: GPX 1.1 times are UTC by its schema, and a camera time with no recorded offset (EXIF 2.32
OffsetTimeOriginal absent: most drones) is written as if UTC; the files now say so in their
description, naming how many, instead of silently shifting them by the local zone."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

from geolocator.core import export
from geolocator.core.export_track import tracks_to_geojson, tracks_to_gpx, tracks_to_kml
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.sequence import Track, TrackPoint

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML = "{http://www.opengis.net/kml/2.2}"
TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))
MGRS = "32T NR 00000 94047"  # 46.0 N, 9.0 E (PyPI mgrs 1.6.0)
WORDS = "MGRS 32T NR 00000 94047; N 46° 00.000' E 009° 00.000'"


def _pred(qid: str = "p.jpg", when: datetime | None = None) -> Prediction:
    q = Query(qid, Path(qid), meta=PhotoMeta(captured_at=when))
    return Prediction(q, (Match(TILE, 0.8, 1, inliers=40),), LatLon(46.0, 9.0), LatLon(46.0, 9.0), 0.95,
                      location_source="homography", status="verified")


def _flight(when: datetime | None) -> Track:
    points = tuple(TrackPoint(Query(f"f{i}.jpg", Path(f"f{i}.jpg"), meta=PhotoMeta(captured_at=when)),
                              2.0 * i, LatLon(46.0, 9.0), "matched", LatLon(46.0, 9.0), verified=True)
                   for i in range(2))
    return Track("photos DJI", points)


def test_csv_adds_mgrs_and_utm_after_radius_keeping_every_column_before(tmp_path):
    out = tmp_path / "p.csv"
    export.write_csv([_pred()], out)
    rows = list(csv.reader(out.open(encoding="utf-8")))
    header, row = rows[0], dict(zip(rows[0], rows[1]))
    assert header[-7:] == ["radius_m", "mgrs", "utm", "shot", "level", "time_utc", "caution"]  # 23's shot, 26's level, 31's time, 32's caution after
    assert header[:3] == ["query", "lat", "lon"]
    assert (row["lat"], row["lon"]) == ("46.0", "9.0")  # machine columns: WGS84, dot decimals
    assert (row["mgrs"], row["utm"]) == (MGRS, "32T 500000mE 5094047mN")


def test_geojson_points_carry_mgrs_and_utm(tmp_path):
    props = export.predictions_to_geojson([_pred()])["features"][0]["properties"]
    assert (props["mgrs"], props["utm"]) == (MGRS, "32T 500000mE 5094047mN")
    frames = [f["properties"] for f in tracks_to_geojson([_flight(None)])["features"]
              if f["geometry"]["type"] == "Point"]
    assert frames and all(p["mgrs"] == MGRS for p in frames)


def test_gpx_and_kml_descriptions_read_out_mgrs_and_degrees_minutes():
    root = ET.fromstring(tracks_to_gpx([_flight(None)], [_pred()]))
    descs = [w.find("g:desc", GPX_NS).text for w in root.findall("g:wpt", GPX_NS)]
    assert len(descs) == 3 and all(WORDS in d for d in descs)
    kml = ET.fromstring(tracks_to_kml([_flight(None)], [_pred()]))
    descs = [pm.find(f"{KML}description").text for pm in kml.iter(f"{KML}Placemark")
             if pm.find(f"{KML}Point") is not None]
    assert len(descs) == 3 and all(WORDS in d for d in descs)


def test_times_without_a_recorded_offset_are_said_to_be_written_as_if_utc():
    naive = datetime(2026, 12, 2, 10, 0, 0)  # a drone's camera clock: no OffsetTimeOriginal
    root = ET.fromstring(tracks_to_gpx([_flight(naive)], [_pred("phone.jpg", naive)]))
    desc = root.find("g:metadata/g:desc", GPX_NS).text
    assert "3 times were recorded without a UTC offset" in desc and "written as if UTC" in desc
    kml = ET.fromstring(tracks_to_kml([_flight(naive)], []))
    assert "2 times were recorded without a UTC offset" in kml.find(f"{KML}Document/{KML}description").text


def test_no_time_note_when_every_offset_is_recorded():
    zoned = datetime(2026, 12, 2, 10, 0, 0, tzinfo=timezone(timedelta(hours=1)))
    root = ET.fromstring(tracks_to_gpx([_flight(zoned)], [_pred("phone.jpg", zoned)]))
    meta = root.find("g:metadata/g:desc", GPX_NS)
    assert meta is None or "UTC offset" not in (meta.text or "")
