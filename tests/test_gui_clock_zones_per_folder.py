"""File → Clock Zone of the Photos… sets a zone per folder as well as the default (session 31, clock31).

As `locate --clock-zone FOLDER=ZONE` (core/clock_zones.py): a second drone whose clock was set to another
zone gets its folder's zone, kept in settings.json, used by the exports (each flight timed and ordered in
UTC by its own clock) and shown in the Results pane's time wording, named as before."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .test_gui_first_hour import make_window, wait_idle  # noqa: E402

GPX = "{http://www.topografix.com/GPX/1/1}"
TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))


def _pred(path: Path, when: datetime) -> Prediction:
    q = Query(f"{path.parent.name}/{path.name}", path, meta=PhotoMeta(make="DJI", model="FC300S", captured_at=when))
    return Prediction(q, (Match(TILE, 0.8, 1),), LatLon(46.0, 9.0), LatLon(46.0, 9.0), 0.9, status="verified")


def _cards(tmp_path: Path) -> list[Prediction]:
    """Card A's clock on Tokyo time (17:20 = 08:20Z), card B's on +02:00 (11:00 = 09:00Z); no offsets recorded."""
    a, b = tmp_path / "cards" / "A", tmp_path / "cards" / "B"
    a.mkdir(parents=True), b.mkdir(parents=True)
    return ([_pred(b / f"B{i}.JPG", datetime(2026, 12, 4, 11, 0, 3 * i)) for i in range(2)]
            + [_pred(a / f"A{i}.JPG", datetime(2026, 12, 4, 17, 20, 3 * i)) for i in range(2)])


def test_the_dialog_sets_a_folder_s_zone_beside_the_default_and_refuses_what_is_unclear(qtbot, tmp_path, monkeypatch):
    from geolocator.gui import clock_zone

    w = make_window(qtbot, tmp_path)
    folder_a = str(tmp_path / "cards" / "A")
    dialog = clock_zone.ClockZoneDialog(w, "", {}, start_dir=str(tmp_path / "cards"))
    qtbot.addWidget(dialog)
    opened = []
    monkeypatch.setattr(clock_zone.file_dialogs, "folder", lambda parent, title, start: opened.append(start) or folder_a)
    dialog.add_button.click()  # Add Folder…: the folder chosen, a row with its zone cell to type in
    assert dialog.folder_zones() == {folder_a: ""} and opened == [str(tmp_path / "cards")]
    dialog.accept()
    assert dialog.result() == 0 and dialog.problem.text() == f"No zone given for {folder_a}: type one, or remove the folder."
    dialog.table.item(0, 1).setText("Asia/Tokio")
    dialog.accept()
    assert dialog.result() == 0 and "not a time zone: 'Asia/Tokio'" in dialog.problem.text()
    assert dialog.problem.text().startswith(folder_a)
    dialog.table.item(0, 1).setText("Asia/Tokyo")
    dialog.default_edit.setText("+02:00")
    dialog.accept()
    assert dialog.result() == 1
    assert (dialog.default_text(), dialog.folder_zones()) == ("+02:00", {folder_a: "Asia/Tokyo"})

    def exec_(d):  # the menu item: the dialog starts from the zones set, OK sets what it holds
        assert d.default_text() == "" and d.folder_zones() == {} and d.start_dir == ""  # no photo selected
        d.default_edit.setText("+02:00")
        d.add_folder(folder_a, "Asia/Tokyo")
        return 1

    monkeypatch.setattr(clock_zone.ClockZoneDialog, "exec", exec_)
    w.act_clock_zone.trigger()
    assert (w.settings.clock_zone, w.settings.clock_zones) == ("+02:00", {folder_a: "Asia/Tokyo"})
    saved = AppSettings.load(tmp_path / "w.json")  # kept for the next start
    assert (saved.clock_zone, saved.clock_zones) == ("+02:00", {folder_a: "Asia/Tokyo"})
    assert f"under {folder_a}: Asia/Tokyo" in w.message_bar.text

    assert not w.set_clock_zones("+02:00", {folder_a: "JST"})  # refused, said, the zones kept
    assert f"Clock zone for {folder_a}: not a time zone: 'JST'" in w.message_bar.text
    assert w.settings.clock_zones == {folder_a: "Asia/Tokyo"}

    from PySide6.QtCore import QItemSelectionModel

    def remove(d):  # Remove: the folder's row gone, its photos back on the default zone
        # the row selected through the selection model: selectRow reads the application's keyboard
        # modifiers, and a Shift left held by an earlier test (test_gui_keyboard_panes' Shift+F6 into the
        # map's page) turned it into an empty range selection, so Remove removed nothing
        d.table.selectionModel().select(d.table.model().index(0, 0), QItemSelectionModel.SelectionFlag.ClearAndSelect
                                        | QItemSelectionModel.SelectionFlag.Rows)
        d.remove_button.click()
        return 1

    monkeypatch.setattr(clock_zone.ClockZoneDialog, "exec", remove)
    w.act_clock_zone.trigger()
    assert w.settings.clock_zones == {} and w.settings.clock_zone == "+02:00"


def test_a_saved_folder_zone_that_is_not_one_is_dropped_at_start(tmp_path):
    path = tmp_path / "settings.json"
    path.write_text('{"clock_zones": {"/cards/B": "Asia/Atlantis"}}')
    assert AppSettings.load(path).clock_zones == {}
    path.write_text('{"clock_zones": {"/cards/B": "Asia/Tokyo"}}')
    assert AppSettings.load(path).clock_zones == {"/cards/B": "Asia/Tokyo"}


def test_the_export_and_the_results_pane_read_each_folder_in_its_zone(qtbot, tmp_path, monkeypatch):
    w = make_window(qtbot, tmp_path)
    preds = _cards(tmp_path)
    w._add_queries([p.query for p in preds], {})
    w.predictions = {p.query.id: p for p in preds}
    assert w.set_clock_zones("+02:00", {str(tmp_path / "cards" / "A"): "Asia/Tokyo"})
    w.export_predictions(tmp_path / "day.gpx")
    wait_idle(qtbot, w)
    root = ET.parse(tmp_path / "day.gpx").getroot()
    trks = [[p.find(f"{GPX}time").text for p in t.iter(f"{GPX}trkpt")] for t in root.iter(f"{GPX}trk")]
    assert trks == [["2026-12-04T08:20:00Z", "2026-12-04T08:20:03Z"],  # card A (Tokyo) flew first
                    ["2026-12-04T09:00:00Z", "2026-12-04T09:00:03Z"]]

    def photo_line(qid):
        w.select_query(qid)
        return next(x for x in w.results.details.text().replace("\xa0", " ").splitlines() if x.startswith("Photo"))

    assert photo_line("A/A0.JPG").endswith("2026-12-04 17:20:00+09:00 (camera clock read as Asia/Tokyo, the clocks' zone given)")
    assert photo_line("B/B0.JPG").endswith("2026-12-04 11:00:00+02:00 (camera clock read as UTC+02:00, the clocks' zone given)")

    from geolocator.gui import clock_zone

    seen = []
    monkeypatch.setattr(clock_zone.ClockZoneDialog, "exec", lambda d: seen.append(d.start_dir) or 0)
    w.act_clock_zone.trigger()  # Add Folder… would open at the selected photo's folder; Cancel keeps the zones
    assert seen == [str(tmp_path / "cards" / "B")] and w.settings.clock_zones == {str(tmp_path / "cards" / "A"): "Asia/Tokyo"}
