"""One set of words for how sure an answer is, wherever a person reads it (session 26, mend26).

newuser_session25.md (a post-disaster assessor): the app's map legend called every answer below 0.9
"unsure" while the list, the CLI's status column and its summary said "verified" for the same
answers at 0.5-0.9 (7 of 26 such answers on damaged ground were wrong), and the list said
"retrieved" where the CLI's summary said "tile level only". Now core/levels.py gives the level
(confident / verified but not confident / weak match / tile level only / not located) from the
bars of core/model.py, and the CLI, the app's list and Results pane, the map and KML all use it.
"""

from __future__ import annotations

import re
import types
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from geolocator.core import levels, model
from geolocator.core.levels import answer_level, level_of, placed_levels
from geolocator.core.model import LatLon

from .helpers import two_tile_prediction

ROOT = Path(__file__).resolve().parents[1]

# (name, status, confidence) -> the level every output must say
ANSWERS = [("sure.jpg", "verified", 0.95, "confident"),
           ("fair.jpg", "verified", 0.7, "verified but not confident"),
           ("weak.jpg", "verified", 0.3, "weak match"),
           ("guess.jpg", "retrieved", 0.4, "tile level only"),
           ("blank.jpg", "not located", 0.0, "not located")]


def _preds(tmp_path):
    out = []
    for name, status, conf, _ in ANSWERS:
        p = two_tile_prediction(tmp_path, conf=conf, status=status)
        out.append(replace(p, query=replace(p.query, id=name)))
    return out


def test_the_levels_follow_the_model_s_bars_exactly():
    assert levels.CONFIDENT is model.CONFIDENT and levels.WEAK_BELOW is model.WEAK_BELOW  # one source
    c, w = model.CONFIDENT, model.WEAK_BELOW
    assert answer_level("verified", c) == "confident"
    assert answer_level("verified", 1.0) == "confident"
    assert answer_level("verified", c - 1e-9) == "verified but not confident"
    assert answer_level("verified", w) == "verified but not confident"
    assert answer_level("verified", w - 1e-9) == "weak match"
    assert answer_level("verified", 0.0) == "weak match"
    assert answer_level("verified", None) == "verified but not confident"  # never called confident unasked
    assert answer_level("weak match", 0.3) == "weak match"  # a shown status gives the same level
    for conf in (0.0, 0.59, 0.95):
        assert answer_level("retrieved", conf) == "tile level only"
    assert answer_level("not located", 0.0) == "not located"
    for word in ("matched", "corrected", "interpolated", "extrapolated", "flagged", "weak track"):
        assert answer_level(word, 0.99) == word  # a flight's track words are the track's
    assert levels.LEVELS == ("confident", "verified but not confident", "weak match", "tile level only", "not located")
    assert set(levels.LEVEL_MEANS) == set(levels.LEVELS)


def test_the_summary_counts_levels_not_bare_verified(tmp_path):
    preds = _preds(tmp_path)
    assert [level_of(p) for p in preds] == [a[3] for a in ANSWERS]
    from geolocator.core.wording import placed_summary

    assert placed_summary(placed_levels(preds)) == (
        "1 confident, 1 verified but not confident, 1 weak match (confidence below 0.5), 1 tile level only, "
        "1 not located")
    # a flight's frame the track placed counts as placed by the track, whatever its own answer
    track = types.SimpleNamespace(points=[types.SimpleNamespace(query=preds[4].query, status="interpolated")])
    assert placed_levels(preds, [track])[4] == "interpolated"


def _cli_locate(monkeypatch, tmp_path, preds, *extra):
    """`geolocator locate` with its photos, tiles and workspace stood in for: it prints what `preds`
    are (its status column and summary are what is checked)."""
    from geolocator import cli

    from .helpers import stand_in_locate

    stand_in_locate(monkeypatch, tmp_path, preds, [m.tile for m in preds[0].matches])
    monkeypatch.setattr(cli, "_tracks", lambda preds, args: [])
    return cli.main(["locate", str(tmp_path), "--tiles", str(tmp_path), "--no-track", *extra])


def test_the_cli_s_status_column_and_summary_say_the_level(monkeypatch, tmp_path, capsys):
    preds = _preds(tmp_path)
    assert _cli_locate(monkeypatch, tmp_path, preds) == 0
    out, err = capsys.readouterr()
    rows = [line.split("\t") for line in out.splitlines() if line]
    assert [(r[0], r[6]) for r in rows] == [(a[0], a[3]) for a in ANSWERS]
    assert ("located 5 photos: 1 confident, 1 verified but not confident, 1 weak match (confidence below 0.5), "
            "1 tile level only, 1 not located") in err
    assert "retrieved" not in out + err and "\tverified\t" not in out


def test_the_app_s_list_and_results_pane_say_the_level(qtbot, tmp_path):
    from geolocator.core.levels import LEVEL_MEANS
    from geolocator.gui.query_list import COL_STATUS, QueryList
    from geolocator.gui.results_panel import ResultsPanel

    preds = _preds(tmp_path)
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([p.query for p in preds])
    for p in preds:
        w.set_prediction(p)
    items = [w.topLevelItem(i) for i in range(w.topLevelItemCount())]
    assert [i.text(COL_STATUS) for i in items] == [a[3] for a in ANSWERS]
    # what the level means, on hovering it
    assert items[1].statusTip(COL_STATUS) == LEVEL_MEANS["verified but not confident"]
    assert "0.5-0.9" in items[1].statusTip(COL_STATUS)
    from PySide6.QtCore import Qt

    tip = w.model_.data(w.model_.index(1, COL_STATUS), Qt.ItemDataRole.ToolTipRole)
    assert tip == "verified but not confident: " + LEVEL_MEANS["verified but not confident"]  # a cut cell in full
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(preds[1].query, preds[1], None, {})
    status = next(line for line in panel.details.text().replace("\xa0", " ").splitlines() if line.startswith("Status"))
    assert status.startswith("Status  verified but not confident   confidence 0.700")


def test_the_map_s_markers_and_legend_say_the_level(tmp_path):
    import json

    from geolocator.core import webmap
    from geolocator.core.model import TileSet

    preds = _preds(tmp_path)
    page = webmap.build_map(TileSet(tuple(m.tile for m in preds[0].matches), tmp_path), preds,
                            assets=webmap.Assets(None)).get_root().render()
    adds = [json.loads(m) for m in re.findall(r"geoloc\.add\((\{.*?\})\);\n", page)]
    assert [a["tooltip"].split(" · ")[1] for a in adds] == [a[3] for a in ANSWERS]
    assert [a["colour"] for a in adds] == ["#2b83ba", "#6aaed6", "#abd9e9", "#abd9e9", "#9e9e9e"]
    for words in ("confident (0.9 or more)", "verified but not confident (0.5-0.9)", "weak match or tile level only",
                  "not located (nothing to match)"):
        assert words in page
    assert "unsure" not in page  # the word the list never used


def test_kml_pins_say_the_level(tmp_path):
    from geolocator.core.export_track import tracks_to_kml

    ns = {"k": "http://www.opengis.net/kml/2.2"}
    doc = ET.fromstring(tracks_to_kml([], _preds(tmp_path)))
    pins = doc.findall(".//k:Placemark", ns)
    # each description opens with the level ('not located: why', session 34: the reason follows a colon)
    assert [re.split("[;:]", pm.find("k:description", ns).text)[0] for pm in pins] == [a[3] for a in ANSWERS]
    data = [{d.get("name"): d.find("k:value", ns).text for d in pm.findall(".//k:Data", ns)} for pm in pins]
    assert [d["level"] for d in data] == [a[3] for a in ANSWERS]
    assert [d["status"] for d in data] == ["verified", "verified", "weak match", "retrieved", "not located"]  # machines'
    # green confident, yellow verified but not confident, orange weak or tile level only, grey not located
    styles = {st.get("id"): st.find("k:IconStyle/k:color", ns).text for st in doc.iter(f"{{{ns['k']}}}Style")}
    colours = [None if pm.find("k:styleUrl", ns) is None else styles[pm.find("k:styleUrl", ns).text.lstrip("#")]
               for pm in pins]
    # not located: a Placemark without geometry, so no pin to colour (session 33; it was grey)
    assert colours == ["ff008000", "ff00ffff", "ff00a5ff", "ff00a5ff", None]
    assert [pm.find("k:Point", ns) is None for pm in pins] == [False] * 4 + [True]


def test_the_readme_uses_the_same_words():
    """The README's and docs/outputs.md's level tables name every level; the map's description (docs/app.md,
    moved there from the README in session 33) keys its blues in those words."""
    def words(name):
        return " ".join((ROOT / name).read_text(encoding="utf-8").split())

    for name in ("README.md", "docs/outputs.md"):
        text = words(name)
        for level in levels.LEVELS:
            assert f"`{level}`" in text, (name, level)
    app = words("docs/app.md")
    # the map's description keys its blues in those words (it said "darker when confident" alone)
    assert ("dark `confident` (0.9 or more, as `eval`'s `n_confident`), mid `verified but not confident` (0.5-0.9), "
            "light a `weak match` or `tile level only`") in app
    for name in ("README.md", "docs/app.md"):
        assert "blue, darker when confident" not in words(name)


def test_the_csv_and_geojson_carry_the_level_beside_the_machine_s_status(tmp_path):
    """Session 26: a spreadsheet reader saw only `status` ("verified" at 0.7 as at 0.99); the files now
    also hold the level the CLI and the app say, in a last CSV column and a GeoJSON property."""
    import csv
    import json

    from geolocator.core.export import CAUTION_CSV_COLUMNS, CSV_COLUMNS, LEVEL_CSV_COLUMNS, TIME_CSV_COLUMNS
    from geolocator.core.exports import write_predictions

    preds = _preds(tmp_path)
    write_predictions(tmp_path / "p.csv", preds)
    write_predictions(tmp_path / "p.geojson", preds)
    with (tmp_path / "p.csv").open(newline="") as f:
        header, *rows = list(csv.reader(f))
    assert header[-3:] == LEVEL_CSV_COLUMNS + TIME_CSV_COLUMNS + CAUTION_CSV_COLUMNS and header[:len(CSV_COLUMNS)] == CSV_COLUMNS  # old columns keep their places
    by_name = {r[0]: dict(zip(header, r)) for r in rows}
    features = json.loads((tmp_path / "p.geojson").read_text())["features"]
    props = {f["properties"]["query"]: f["properties"] for f in features}
    for name, status, _, level in ANSWERS:
        assert by_name[name]["level"] == level and props[name]["level"] == level
    assert by_name["fair.jpg"]["status"] == "verified"  # the machine's field is unchanged


def test_a_flight_frame_s_level_in_the_files_is_the_list_s_word(tmp_path):
    import csv

    from geolocator.core.exports import write_predictions

    from .test_shot_everywhere import _edit

    preds, tracks = _edit()
    write_predictions(tmp_path / "e.csv", preds, tracks)
    with (tmp_path / "e.csv").open(newline="") as f:
        rows = {r["query"]: r for r in csv.DictReader(f)}
    points = [pt for t in tracks for pt in t.points]
    assert points
    for pt in points:  # the word the app's list and the CLI give a frame (levels.frame_level, session 27)
        assert rows[pt.query.id]["level"] == levels.frame_level(pt.status, pt.confidence)
        assert rows[pt.query.id]["level"] not in ("verified", "retrieved", "matched", "corrected")
    assert {rows[pt.query.id]["status"] for pt in points} & {"matched", "corrected"}  # the machine's word kept


def test_the_evidence_record_says_the_level_beside_the_machine_s_status(tmp_path):
    """Session 27 (mend26's record, "seen, not built"): the published evidence record and its picture's
    caption said the raw status ("verified" at 0.7 as at 0.99); they now say the level too."""
    from geolocator.core.evidence import evidence_facts
    from geolocator.core.model import TileSet

    for pred, (_, status, _, level) in zip(_preds(tmp_path), ANSWERS):
        tileset = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
        facts = evidence_facts(pred, tileset)
        assert facts["level"] == level
        assert facts["status"] == pred.shown_status  # the machine's word, as the exports' `status`
    assert facts["status"] != facts["level"] or level == "not located"


def test_the_evidence_picture_s_caption_says_the_level(tmp_path, monkeypatch):
    from PIL import Image

    from geolocator.core import evidence
    from geolocator.core.model import TileSet

    pred = _preds(tmp_path)[1]  # verified at 0.7
    Image.new("RGB", (64, 48), (90, 120, 60)).save(pred.query.path)
    for m in pred.matches:
        Image.new("RGB", (32, 32), (60, 60, 60)).save(m.tile.path)
    tileset = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    facts = evidence.evidence_facts(pred, tileset)
    said = []
    monkeypatch.setattr(evidence.ImageDraw.ImageDraw, "text", lambda self, xy, text, *a, **k: said.append(text))
    evidence.evidence_figure(pred, tileset, facts)
    assert any(line.startswith("verified but not confident, confidence 0.700") for line in said), said
