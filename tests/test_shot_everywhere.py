"""A frame's shot of an edited video is said by every output (session 23).

Session 22 (cuts22) split an edited clip into shots, each tracked on its own, and said "shot 2 of 5"
in the CLI, the app's Results pane and the GPX only: the photo list, the map's popup and tooltip,
the KML descriptions, the CSV and the GeoJSON did not, so a frame read there looked like part of one
flight through every shot. All now read it from one place (sequence.frame_shots) in one wording
(wording.shot_of). The edit is made by hand (two shots of three frames, 80 m apart) with one
photo in no flight beside it; no video is decoded."""

from __future__ import annotations

import csv
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from geolocator.core.model import Query
from geolocator.core.sequence import frame_shots, smooth_flight

from .test_sequence import prediction

SHOTS = ["shot 1 of 2"] * 3 + ["shot 2 of 2"] * 3


def _edit():
    """(predictions: six frames of edit.mp4 then the photo still.jpg, tracks: one per shot)."""
    queries = [Query(f"edit.mp4#t={t}", Path("edit.mp4"), time_s=float(t)) for t in range(6)]
    places = [(0.0, 0.0), (5.0, 0.0), (10.0, 0.0), (80.0, 0.0), (85.0, 0.0), (90.0, 0.0)]
    preds = [prediction(q, [(e, n, 0.6, 40, True), (300.0, 300.0, 0.4, 0, False)]) for q, (e, n) in zip(queries, places)]
    # as sequence._video_flights makes them: frame times are times in the video
    tracks = [replace(smooth_flight(f"edit.mp4 shot {k + 1} of 2", [(p, p.query.time_s) for p in preds[3 * k:3 * k + 3]]),
                      video="edit.mp4", shot=k + 1, shots=2) for k in range(2)]
    photo = prediction(Query("still.jpg", Path("still.jpg")), [(200.0, 200.0, 0.6, 40, True)])
    return [*preds, photo], tracks


def test_frame_shots_is_every_frame_of_a_shot_and_nothing_else():
    preds, tracks = _edit()
    assert frame_shots(tracks) == {p.query.id: (1 + i // 3, 2) for i, p in enumerate(preds[:6])}
    assert frame_shots([replace(tracks[0], video=None, shot=None, shots=None)]) == {}  # a whole video


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from geolocator.core.exports import write_predictions

    preds, tracks = _edit()
    out = tmp_path_factory.mktemp("shots")
    for ext in ("csv", "geojson", "kml"):
        write_predictions(out / f"e.{ext}", preds, tracks)
    return preds, out


def test_the_csv_says_the_shot_in_a_last_column_empty_for_a_photo(written):
    """Before: no such column (the shot was only inside the `flight` name)."""
    from geolocator.core.export import GRID_CSV_COLUMNS

    _, out = written
    with open(out / "e.csv", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    assert header[-4:] == ["shot", "level", "time_utc", "caution"] and header[-4 - len(GRID_CSV_COLUMNS):-4] == GRID_CSV_COLUMNS  # appended, none moved
    assert [r[-4] for r in body] == [*SHOTS, ""]


def test_the_geojson_gives_each_frame_its_shot(written):
    _, out = written
    doc = json.loads((out / "e.geojson").read_text())
    points = {f["properties"]["query"]: f["properties"] for f in doc["features"]
              if f["geometry"]["type"] == "Point" and "query" in f["properties"]}
    assert [points[f"edit.mp4#t={t}"].get("shot") for t in range(6)] == SHOTS
    assert "shot" not in points["still.jpg"]


def test_the_kml_descriptions_say_the_shot(written):
    """Before: "matched; t=0.000 s; confidence …", no shot (the GPX <desc> had it)."""
    _, out = written
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    desc = {m.findtext("k:name", namespaces=ns): m.findtext("k:description", namespaces=ns)
            for m in ET.parse(out / "e.kml").getroot().iter("{%s}Placemark" % ns["k"])}
    assert [re.search(r"shot \d of \d", desc[f"edit.mp4#t={t}"]).group() for t in range(6)] == SHOTS
    assert "shot" not in desc["still.jpg"]


def test_the_maps_popup_and_tooltip_say_the_shot():
    from geolocator.core.webmap import Assets, build_map

    preds, tracks = _edit()
    html = build_map(None, preds, assets=Assets(None), thumbnail=None, tracks=tracks).get_root().render()
    items = {d["id"]: d for d in (json.loads(x) for x in re.findall(r"geoloc\.add\((\{.*?\})\);", html))}
    assert len(items) == 7
    for i, words in enumerate(SHOTS):
        d = items[f"edit.mp4#t={i}"]
        assert f"t={i}.0 s, {words}</td>" in d["popup"] and f" · {words} · " in d["tooltip"], d
    assert "shot" not in items["still.jpg"]["popup"] + items["still.jpg"]["tooltip"]


def test_the_photo_list_says_the_shot(qtbot, tmp_path):
    """The list's left column: "edit.mp4#t=4 (shot 2 of 2)", as the Results pane says it."""
    pytest.importorskip("pytestqt")
    from geolocator.core.export_track import frame_errors
    from geolocator.gui.jobs import Results, _track_answers
    from geolocator.gui.query_list import COL_NAME

    from .helpers import results_window

    preds, tracks = _edit()
    w = results_window(qtbot, tmp_path, preds, Results(
        preds, {}, None, None, None, None, track_status={p.query.id: p.status for t in tracks for p in t.points},
        track_error=frame_errors(tracks), track_answers=_track_answers(preds, tracks), track_shot=frame_shots(tracks)))
    names = [w.query_list.topLevelItem(i).text(COL_NAME) for i in range(7)]
    assert names == [f"edit.mp4#t={i} ({s})" for i, s in enumerate(SHOTS)] + ["still.jpg"]
    model = w.query_list.model_
    from PySide6.QtCore import Qt

    assert model.data(model.index(4, COL_NAME), Qt.ItemDataRole.ToolTipRole) == "edit.mp4#t=4 (shot 2 of 2)"
