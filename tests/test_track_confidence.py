"""A frame the track placed gets a measured confidence, not 0 (newuser_session14.md sections 2 and 7:
two fogged video frames the track put 0.25 and 0.39 m from their truth showed confidence 0.00 in
the list, the CSV, the GeoJSON and the KML, though the README (docs/outputs.md since session 33) keeps 0 for `not located`)."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

import pytest

from geolocator.core import track_confidence as tc
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED
from geolocator.core.sequence import smooth

from .test_sequence import flight


def _fogged_flight(fogged=range(10, 14), verified_confidence=0.999, n=30):
    """`n` frames 1 s apart at 8 m/s due east; `fogged` ones not located (confidence 0, as predict
    leaves a featureless frame), the others verified at `verified_confidence` (0.999: above every
    PLACED_TABLES figure, so the table alone decides)."""
    preds, _ = flight(n=n, bad=fogged, chance=())
    preds = [replace(p, status=STATUS_NOT_LOCATED, confidence=0.0) if i in fogged
             else replace(p, status=STATUS_VERIFIED, confidence=verified_confidence) for i, p in enumerate(preds)]
    [track] = smooth(preds)
    return preds, track


def test_a_placed_frame_is_never_more_certain_than_the_verified_frames_it_was_placed_from():
    """newuser_session16.md section 2: an interpolated frame 8 m from a verified one showed 0.998
    (PLACED_TABLES' first bucket) beside verified neighbours at 0.997."""
    preds, track = _fogged_flight(verified_confidence=0.997)
    for i in range(10, 14):  # between verified 9 and 14: the table gives 0.998 at 8 m, 0.996 at 16 m
        assert track.points[i].status == "interpolated"
        assert track.points[i].confidence <= 0.997
    assert track.points[10].confidence == pytest.approx(0.997)  # 8 m: min(0.998, 0.997)
    # the two anchors differ: the lesser one caps, whichever side it is on (frame 14 at 0.9)
    preds = [replace(p, confidence=0.9) if i == 14 else p for i, p in enumerate(preds)]
    [track] = smooth(preds)
    assert [track.points[i].confidence for i in range(10, 14)] == [pytest.approx(0.9)] * 4
    assert track.points[9].confidence == 0.997 and track.points[14].confidence == 0.9  # their own, unchanged
    # extrapolated past the last verified frame (26): its one anchor caps it (the table: 0.971 at 8.7 m)
    preds, track = _fogged_flight(fogged=range(27, 30), verified_confidence=0.95)
    preds = [replace(p, confidence=0.6) if i == 26 else p for i, p in enumerate(preds)]
    [track] = smooth(preds)
    for i in (27, 28, 29):
        assert track.points[i].status == "extrapolated"
        assert track.points[i].confidence <= 0.6
    assert track.points[27].confidence == pytest.approx(0.6)  # 8 m past 26: min(0.971, 0.6)


def test_an_interpolated_frame_is_read_against_its_distance_from_the_verified_frames():
    preds, track = _fogged_flight()
    # 8 m a second: frames 10 and 13 lie one step (8 m) from the verified 9 and 14, 11 and 12 two
    # steps (16 m) from the nearer; each verified answer is off by ~2 m (flight()'s noise)
    for i, metres in ((10, 8.0), (11, 16.0), (12, 16.0), (13, 8.0)):
        p = track.points[i]
        assert p.status == "interpolated"
        assert p.anchor_distance_m == pytest.approx(metres, abs=5.0)
        assert p.confidence == pytest.approx(tc.placed_confidence("interpolated", p.anchor_distance_m))
        assert p.confidence > 0.5  # measured: frames this close to verified ones were right (track_confidence.md)
    for i in (0, 9, 14, 29):  # its own verified answer: its own confidence
        assert track.points[i].confidence == preds[i].confidence and track.points[i].anchor_distance_m is None


def test_the_exports_and_the_list_give_the_track_position_its_confidence(tmp_path, qtbot):
    pytest.importorskip("pytestqt")
    from geolocator.core.exports import write_predictions
    from geolocator.gui.query_list import COL_CONF, QueryList

    preds, track = _fogged_flight()
    expected = round(track.points[11].confidence, 4)
    assert expected > 0
    write_predictions(tmp_path / "f.csv", preds, [track])
    with open(tmp_path / "f.csv", newline="") as fh:
        rows = {r["query"]: r for r in csv.DictReader(fh)}
    qid = preds[11].query.id
    assert rows[qid]["status"] == "interpolated" and float(rows[qid]["confidence"]) == expected
    assert float(rows[preds[3].query.id]["confidence"]) == preds[3].confidence  # a verified frame: its own
    write_predictions(tmp_path / "f.geojson", preds, [track])
    doc = json.loads((tmp_path / "f.geojson").read_text())
    props = next(f["properties"] for f in doc["features"]
                 if f["properties"].get("query") == qid and f["geometry"]["type"] == "Point")
    assert props["confidence"] == expected and props["status"] == "interpolated"
    write_predictions(tmp_path / "f.kml", preds, [track])
    kml = (tmp_path / "f.kml").read_text()
    placemark = kml[kml.index(f"<name>{qid}</name>"):]
    placemark = placemark[:placemark.index("</Placemark>")]
    assert f'<Data name="confidence">\n' in placemark or f'<Data name="confidence">' in placemark
    assert f"<value>{track.points[11].confidence:.4f}</value>" in placemark
    write_predictions(tmp_path / "f.gpx", preds, [track])
    assert f"confidence {tc_format(track.points[11].confidence)} that it is within " in (tmp_path / "f.gpx").read_text()
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([p.query for p in preds])
    for p, tp in zip(preds, track.points):
        w.set_prediction(p, tp.status, None, tp.confidence)
    assert w.topLevelItem(11).text(COL_CONF) == tc_format(track.points[11].confidence) != "0.00"


def tc_format(x: float) -> str:
    from geolocator.core.export import format_confidence

    return format_confidence(x)


def test_placed_confidence_reads_its_table_and_claims_nothing_past_it(monkeypatch):
    # a table of two buckets: 0.9 at 10 m, 0.6 at 50 m (made up for the reading rule)
    monkeypatch.setitem(tc.PLACED_TABLES, "interpolated", ((10.0, 50.0), (0.9, 0.6)))
    assert tc.placed_confidence("interpolated", 0.0) == pytest.approx(0.9)  # flat before the first
    assert tc.placed_confidence("interpolated", 30.0) == pytest.approx(0.75)  # halfway: (0.9 + 0.6) / 2
    # past the last bucket it falls linearly to 0 at PAST_MEASURED x 50 m
    end = 50.0 * tc.PAST_MEASURED
    assert tc.placed_confidence("interpolated", (50.0 + end) / 2) == pytest.approx(0.3)
    assert tc.placed_confidence("interpolated", end + 1) == 0.0
    assert tc.placed_confidence("interpolated", None) == 0.0
    assert tc.placed_confidence("no such status", 5.0) == 0.0
    # nothing verified in the flight: no more than the least trusted anchor around it; none: 0
    assert tc.placed_confidence("interpolated", 5.0, [0.4, 0.25]) == 0.25
    assert tc.placed_confidence("interpolated", 5.0, []) == 0.0
    # ... nor more than its distance gives: 0.4 and 0.5 anchors, 30 m off (0.75 by the table), 90 m off
    # (past the table: 0.6 falling to 0 at 100 m, so 0.6 x (100 - 90) / (100 - 50) = 0.12)
    assert tc.placed_confidence("interpolated", 30.0, [0.4, 0.5]) == pytest.approx(0.4)
    assert tc.placed_confidence("interpolated", 90.0, [0.4, 0.5]) == pytest.approx(0.12)
    assert tc.placed_confidence("no such status", 5.0, [0.4]) == 0.0
    # three buckets: the fall starts at the LAST one (50 m), reaching 0 at PAST_MEASURED x 50 m
    monkeypatch.setitem(tc.PLACED_TABLES, "extrapolated", ((10.0, 30.0, 50.0), (0.9, 0.8, 0.6)))
    assert tc.placed_confidence("extrapolated", (50.0 + end) / 2) == pytest.approx(0.3)


def test_the_map_popup_gives_the_track_position_its_confidence():
    from geolocator.core.webmap import popup_html

    preds, track = _fogged_flight()
    html = popup_html(preds[11], None, track.points[11])
    th = "<th style='text-align:left;padding-right:6px'>"
    assert (f"{th}Status</th><td>interpolated</td></tr><tr>{th}Confidence</th>"
            f"<td>{tc_format(track.points[11].confidence)} that it is within {track.points[11].radius_m:.0f} m</td></tr>") in html
    assert f"{th}Single frame</th><td>not located, confidence 0.000</td></tr>" in html  # the fogged frame's own
    # a matched frame: its own answer and confidence; no second figure
    html = popup_html(preds[3], None, track.points[3])
    # (its level, as the list says it: core.levels.frame_level, session 27)
    from geolocator.core.levels import point_level

    assert point_level(track.points[3]) in ("confident", "verified but not confident")
    assert html.count("confidence") + html.count("Confidence") == 1
    assert f"<td>{point_level(track.points[3])}</td>" in html
