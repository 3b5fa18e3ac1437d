"""A new clock zone re-splits the flights at once (session 32, ux32). Before, File → Clock Zone of the
Photos… changed the exports and the Results pane's time wording but the flights in the list, the Results
pane and the map were grouped again only at the next Locate: two drones whose clocks were set to
different zones stayed one flight on screen until the photos were located again. Now the answers already
located are grouped again (Session.regroup: core.sequence.smooth under the new zones), none located again."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile  # noqa: E402

from .test_gui_first_hour import make_window, wait_idle  # noqa: E402

TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))


def _pred(path: Path, when: datetime, verified: bool = True) -> Prediction:
    q = Query(f"{path.parent.name}/{path.name}", path, meta=PhotoMeta(make="DJI", model="FC300S", captured_at=when))
    match = Match(TILE, 0.8, 1, inliers=60, ground=LatLon(46.0, 9.0)) if verified else Match(TILE, 0.3, 1)
    return Prediction(q, (match,), LatLon(46.0, 9.0), LatLon(46.0, 9.0),
                      0.9 if verified else 0.2, status="verified" if verified else "retrieved")


def two_cards(qtbot, tmp_path):
    """A window listing two cards' answers, as test_a_new_clock_zone_regroups_... reads them: card B's clock
    11:00:00-03, card A's 11:00:06-12, A0 unverified. Returns (window, A's folder, B's folder)."""
    a, b = tmp_path / "cards" / "A", tmp_path / "cards" / "B"
    a.mkdir(parents=True), b.mkdir(parents=True)
    preds = ([_pred(b / f"B{i}.JPG", datetime(2026, 12, 4, 11, 0, 3 * i)) for i in range(2)]
             + [_pred(a / f"A{i}.JPG", datetime(2026, 12, 4, 11, 0, 6 + 3 * i), verified=i > 0) for i in range(3)])
    w = make_window(qtbot, tmp_path)
    w._add_queries([p.query for p in preds], {})
    w.predictions = {p.query.id: p for p in preds}
    return w, a, b


def test_a_new_clock_zone_regroups_the_flights_at_once_without_locating_again(qtbot, tmp_path, monkeypatch):
    """Card B's clock reads 11:00:00-03, card A's 11:00:06-12, A0 unverified: read as one clock, one flight
    in which A0 lies between verified frames (interpolated). A's clock is Tokyo's and B's +02:00 (seven
    hours apart): A is a flight of its own, which A0 starts (extrapolated)."""
    w, a, b = two_cards(qtbot, tmp_path)
    located = []
    monkeypatch.setattr(w.session.ws, "locate", lambda *args, **kw: located.append(args) or [])
    w.regroup_flights()
    wait_idle(qtbot, w)

    def statuses():  # each frame's status on its track, as the list, the Results pane and the map show it
        return {qid: status for qid, (_, status, _) in w.track_answers.items()}

    def pane(qid):
        w.select_query(qid)
        return w.results.status_line.text()

    assert statuses()["A/A0.JPG"] == "interpolated" and set(statuses()) == set(w.predictions)
    before = pane("A/A0.JPG")
    assert w.set_clock_zones("+02:00", {str(a): "Asia/Tokyo"})
    wait_idle(qtbot, w)
    assert located == []  # nothing was located again
    assert statuses()["A/A0.JPG"] == "extrapolated" and set(statuses()) == set(w.predictions)
    assert pane("A/A0.JPG") != before, before
    assert "Asia/Tokyo" in w.message_bar.text  # the zones' message is shown with the regrouped results
    assert not w.set_clock_zones("+02:00", {str(a): "JST"})  # refused: nothing regrouped, nothing changed
    wait_idle(qtbot, w)
    assert statuses()["A/A0.JPG"] == "extrapolated"
    assert w.set_clock_zones("", {})  # cleared: one clock again, one flight
    wait_idle(qtbot, w)
    assert statuses()["A/A0.JPG"] == "interpolated" and located == []
    assert w.set_clock_zones("", {}) and not w.runner.busy  # the same zones again: nothing to regroup
