"""One answer reads the same everywhere (newuser_session16.md section 2: the map's popup said
`Status verified` for a frame the list calls `matched`; one confidence was written 0.971 in the
CSV and GeoJSON, 0.9710 in KML, 0.97 in the GPX description and the app's list).

The contract is the exports' vocabulary (CSV `status`: matched, interpolated, …); human-readable
places give a confidence with three decimals; machine fields (CSV, GeoJSON, KML Data) the CSV's
4-decimal figure.

The flight: tests/test_sequence.py's, 30 frames 1 s apart at 8 m/s due east, frames 10-13 fogged
(not located, confidence 0), the others verified at 0.97156 (chosen so that three and four decimals
differ: 0.972 for people, 0.9716 for machines). Frame 10 lies 8 m (one step) from verified frame 9:
the table gives 0.998 there, capped at its anchors' 0.97156 (track_confidence.placed_confidence)."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED
from geolocator.core.sequence import smooth

from .test_sequence import flight

CONF = 0.97156
HUMAN, MACHINE = "0.972", "0.9716"  # 0.97156 to three decimals; to four (the CSV's round)


def _flight():
    preds, _ = flight(n=30, bad=range(10, 14), chance=())
    preds = [replace(p, status=STATUS_NOT_LOCATED, confidence=0.0) if i in range(10, 14)
             else replace(p, status=STATUS_VERIFIED, confidence=CONF) for i, p in enumerate(preds)]
    [track] = smooth(preds)
    return preds, track


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from geolocator.core.exports import write_predictions

    preds, track = _flight()
    out = tmp_path_factory.mktemp("exports")
    for ext in ("csv", "geojson", "kml", "gpx"):
        write_predictions(out / f"f.{ext}", preds, [track])
    return preds, track, out


# the files' machine status, and the level people read (a matched frame at 0.972: "confident", as a
# photo's verified answer; core.levels.frame_level, session 27)
FRAMES = [(5, "matched", "confident"), (10, "interpolated", "interpolated")]


@pytest.mark.parametrize("frame, status, level", FRAMES)
def test_every_export_gives_one_status_and_one_confidence(written, frame, status, level):
    preds, track, out = written
    qid = preds[frame].query.id
    assert track.points[frame].status == status
    with open(out / "f.csv", newline="") as fh:
        row = next(r for r in csv.DictReader(fh) if r["query"] == qid)
    assert (row["status"], row["confidence"]) == (status, MACHINE)
    doc = json.loads((out / "f.geojson").read_text())
    props = next(f["properties"] for f in doc["features"]
                 if f["properties"].get("query") == qid and f["geometry"]["type"] == "Point")
    assert (props["status"], props["confidence"]) == (status, float(MACHINE))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    mark = next(m for m in ET.parse(out / "f.kml").getroot().iter("{%s}Placemark" % ns["k"])
                if m.findtext("k:name", namespaces=ns) == qid)
    data = {d.get("name"): d.findtext("k:value", namespaces=ns) for d in mark.iter("{%s}Data" % ns["k"])}
    assert (data["status"], data["confidence"]) == (status, MACHINE)  # 4 fixed decimals before (0.9710 for 0.971)
    assert mark.findtext("k:description", namespaces=ns).startswith(f"{level}; ")
    assert re.search(rf"confidence {HUMAN}(;|$| that it is within 35 m)", mark.findtext("k:description", namespaces=ns))  # was 0.97
    gpx = ET.parse(out / "f.gpx").getroot()
    g = "{http://www.topografix.com/GPX/1/1}"
    point = next(p for p in gpx.iter(f"{g}wpt") if p.findtext(f"{g}name") == qid)  # the frame's waypoint
    assert point.findtext(f"{g}type") == status
    desc = point.findtext(f"{g}desc")
    assert desc.startswith(f"{level}; ") and re.search(rf"confidence {HUMAN}(;|$| that it is within 35 m)", desc)  # was 0.97


@pytest.mark.parametrize("frame, status, level", FRAMES)
def test_the_app_says_what_the_exports_say(qtbot, tmp_path, written, frame, status, level):
    pytest.importorskip("pytestqt")
    from geolocator.core import webmap
    from geolocator.core.export_track import frame_errors
    from geolocator.gui.jobs import Results, _track_answers
    from geolocator.gui.query_list import COL_CONF, COL_STATUS

    from .helpers import results_window

    preds, track, _ = written
    w = results_window(qtbot, tmp_path, preds, Results(
        preds, {}, None, None, None, None, track_status={p.query.id: p.status for p in track.points},
        track_error=frame_errors([track]), track_confidence={p.query.id: p.confidence for p in track.points},
        track_answers=_track_answers(preds, [track])))
    item = w.query_list.topLevelItem(frame)
    assert (item.text(COL_STATUS), item.text(COL_CONF)) == (level, HUMAN)  # the list said 0.97
    w.select_query(preds[frame].query.id)
    line = w.results.details.text().replace("\xa0", " ").splitlines()[1]
    assert line.startswith(f"Status  {level}") and f"confidence {HUMAN}" in line
    # the map's popup and tooltip: the track position's status and confidence
    th = "<th style='text-align:left;padding-right:6px'>"
    popup = webmap.popup_html(preds[frame], None, track.points[frame])
    assert f"{th}Status</th><td>{level}</td></tr><tr>{th}Confidence</th><td>{HUMAN} that it is within 35 m</td></tr>" in popup
    assert "verified</td>" not in popup.replace("Verified</th>", "")  # the single photo's word is not the frame's
