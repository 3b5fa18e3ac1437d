"""The app's exports and maps keep the flights the person sees (leftovers37). The window groups its answers
into flights under the clock zones set (Session._grouped); the exports regrouped inside sequence.smooth on
their own, and the exported map (File → Export Map…) and the map redrawn when the online basemap is
switched did so with no clock zones at all: two cards whose clocks were read in different zones, two
flights in the list and the Results pane, were one flight there (a frame 'interpolated' between another
clock's photos where the list said 'extrapolated'). Now every export and map reads Session.shown_tracks."""

from __future__ import annotations

import json
import os
import re

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from .test_gui_clock_zone_regroup import two_cards  # noqa: E402
from .test_gui_first_hour import wait_idle  # noqa: E402


def _two_clocks(qtbot, tmp_path):
    """test_gui_clock_zone_regroup's cards: A's clock Tokyo's, B's +02:00; A0 (unverified) starts A's own
    flight (extrapolated), where one clock would put it between B's and A's verified photos (interpolated)."""
    w, a, _ = two_cards(qtbot, tmp_path)
    assert w.set_clock_zones("+02:00", {str(a): "Asia/Tokyo"})
    wait_idle(qtbot, w)
    assert w.track_answers["A/A0.JPG"][1] == "extrapolated"  # what the list and the Results pane show
    return w


def _a0_status_in_page(path) -> str:
    """A0's track status as a map page (webmap) writes it in A0's marker."""
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"A0\.JPG.{0,600}?\b(interpolated|extrapolated)\b", text, flags=re.S))
    assert len(found) == 1, found
    return found.pop()


def test_the_exported_map_and_files_keep_the_flights_shown(qtbot, tmp_path):
    w = _two_clocks(qtbot, tmp_path)
    page = tmp_path / "out" / "map.html"
    w.export_map(page)
    wait_idle(qtbot, w)
    assert _a0_status_in_page(page) == "extrapolated"  # before: interpolated (one flight, no zones)
    for name in ("p.geojson", "p.csv"):
        w.export_predictions(tmp_path / "out" / name)
        wait_idle(qtbot, w)
    features = json.loads((tmp_path / "out" / "p.geojson").read_text(encoding="utf-8"))["features"]
    a0 = next(f["properties"] for f in features if f["properties"].get("query") == "A/A0.JPG")
    assert a0["track_status"] == "extrapolated"
    assert "extrapolated" in next(line for line in (tmp_path / "out" / "p.csv").read_text(encoding="utf-8-sig")
                                  .splitlines() if line.startswith("A/A0.JPG"))


def test_the_map_redrawn_for_the_online_basemap_keeps_the_flights_shown(qtbot, tmp_path):
    """MainWindow._toggle_online redraws the app's page by Session.write_map(predictions) with no tracks
    (this window has no tile set, so the call is made here as the toggle makes it)."""
    w = _two_clocks(qtbot, tmp_path)
    page = w.session.write_map(list(w.predictions.values()))
    assert _a0_status_in_page(page) == "extrapolated"  # before: interpolated
