"""The app's exports read camera times without a zone in the zone the team sets, as `locate --clock-zone`.

Session 21 (newuser21): the CLI got `--clock-zone Europe/Zurich` for photos whose EXIF time has no UTC
offset (most drones'); the app had no such setting, so its GPX and KML said "written as if UTC" and a
photo taken at 10:00 in Zurich in summer was written 10:00Z, two hours late. The app now has File →
Clock Zone of the Photos…, kept in settings.json; core (export_track.parse_clock_zone and the writers)
does the work, the window only asks and passes the zone on.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .test_gui_first_hour import make_window, wait_idle  # noqa: E402

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))


def _summer_photo() -> Prediction:
    q = Query("dji.jpg", Path("dji.jpg"), meta=PhotoMeta(captured_at=datetime(2026, 7, 1, 10, 0, 0)))  # no offset
    return Prediction(q, (Match(TILE, 0.8, 1),), LatLon(46.0, 9.0), LatLon(46.0, 9.0), 0.9, status="verified")


def _export_gpx(qtbot, w, path: Path) -> tuple[str, str]:
    pred = _summer_photo()
    w.predictions = {pred.query.id: pred}
    w.export_predictions(path)
    wait_idle(qtbot, w)
    root = ET.fromstring(path.read_text())
    return root.find("g:wpt/g:time", GPX_NS).text, root.find("g:metadata/g:desc", GPX_NS).text


def test_the_zone_set_in_the_app_is_used_by_its_exports_and_kept(qtbot, tmp_path):
    w = make_window(qtbot, tmp_path)
    when, desc = _export_gpx(qtbot, w, tmp_path / "before.gpx")
    assert when == "2026-07-01T10:00:00Z" and "written as if UTC" in desc  # no zone set: said, as before

    assert w.set_clock_zone("Europe/Zurich")
    when, desc = _export_gpx(qtbot, w, tmp_path / "after.gpx")
    assert when == "2026-07-01T08:00:00Z"  # 10:00 summer time in Zurich (UTC+02:00)
    assert "read as Europe/Zurich, the clocks' zone given" in desc and "as if UTC" not in desc
    assert AppSettings.load(tmp_path / "w.json").clock_zone == "Europe/Zurich"  # kept for the next start

    assert not w.set_clock_zone("Mars/Olympus")  # refused, said, the zone kept
    assert "not a time zone: 'Mars/Olympus'" in w.message_bar.text
    assert w.settings.clock_zone == "Europe/Zurich"

    assert w.set_clock_zone("")  # emptied: as if UTC again, and said so in the files
    assert "written as if UTC" in _export_gpx(qtbot, w, tmp_path / "again.gpx")[1]


def test_a_saved_zone_that_is_not_one_is_dropped_at_start(tmp_path):
    """A hand-edited settings.json with a zone this machine does not know must not break the exports."""
    path = tmp_path / "settings.json"
    path.write_text('{"clock_zone": "Europe/Atlantis"}')
    assert AppSettings.load(path).clock_zone == ""
    path.write_text('{"clock_zone": "+01:00"}')
    assert AppSettings.load(path).clock_zone == "+01:00"


def test_the_results_pane_shows_a_zoneless_time_in_the_zone_set(qtbot, tmp_path):
    """Session 22 left it open (mend_session22.md): with a zone set the exports converted a naive EXIF time,
    but the Results pane still said "(camera clock, no zone recorded)". Now it shows the time in that zone
    and names it, at once when the zone is set, and again "no zone recorded" when it is cleared."""
    w = make_window(qtbot, tmp_path)
    pred = _summer_photo()
    w._add_queries([pred.query], {})
    w.predictions = {pred.query.id: pred}
    w.select_query(pred.query.id)

    def photo_line():
        return next(x for x in w.results.details.text().replace("\xa0", " ").splitlines() if x.startswith("Photo"))

    assert photo_line() == "Photo  2026-07-01 10:00:00 (camera clock, no zone recorded)"
    assert w.set_clock_zone("Europe/Zurich")
    assert photo_line() == "Photo  2026-07-01 10:00:00+02:00 (camera clock read as Europe/Zurich, the clocks' zone given)"
    assert w.set_clock_zone("")
    assert photo_line() == "Photo  2026-07-01 10:00:00 (camera clock, no zone recorded)"


def test_the_menu_item_asks_with_the_zone_set_and_cancel_keeps_it(qtbot, tmp_path, monkeypatch):
    """File → Clock Zone of the Photos… (gui/clock_zone.ask_clock_zone): the question starts from the zone
    in use, Cancel changes nothing (an "OK" taken for granted would have cleared or replaced the zone),
    OK sets what was typed. (Session 31: a dialog with a zone per folder too, ClockZoneDialog.)"""
    from geolocator.gui import clock_zone

    w = make_window(qtbot, tmp_path)
    assert w.set_clock_zone("Europe/Zurich")
    asked = []

    def answer(text, ok):
        def exec_(dialog):
            asked.append(dialog.default_text())
            dialog.default_edit.setText(text)
            return 1 if ok else 0
        return exec_

    monkeypatch.setattr(clock_zone.ClockZoneDialog, "exec", answer("+01:00", False))  # typed, then Cancel
    w.act_clock_zone.trigger()
    assert asked == ["Europe/Zurich"] and w.settings.clock_zone == "Europe/Zurich"
    monkeypatch.setattr(clock_zone.ClockZoneDialog, "exec", answer("+01:00", True))
    w.act_clock_zone.trigger()
    assert asked == ["Europe/Zurich"] * 2 and w.settings.clock_zone == "+01:00"
