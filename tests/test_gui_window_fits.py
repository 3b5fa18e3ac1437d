"""The main window on a small, scaled screen (session 37, window37; left open by sessions 35-36).

At 200 % a 1366 x 768 laptop is 683 x 384 logical px, about 667 x 344 under a window manager's frame
(screen_fit.room). Before:
- a first start (no saved geometry) opened 1420 x 900 whatever the screen;
- under the message bar the window could not be shorter than 351 px (a one-line message), 385 under four
  lines: its message's every line was part of its least height, and its status bar (the progress bar and
  Cancel) went below the screen's edge.
Now a first start is cut to the screen's room, and the message's lines scroll where the window is short
(message_bar.MessageText), the whole message in its tooltip; with room it shows whole, as before.

QT_SCALE_FACTOR cannot change inside one test process: tests/window_probe.py measures the window in a
process of its own at 200 %; the in-process tests give the screen's room as it would be there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSize, Qt  # noqa: E402

from geolocator.gui import toolbar_fold  # noqa: E402
from geolocator.gui.screen_fit import FRAME_H, FRAME_W, room  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs  # noqa: E402,F401 - fixture

ROOT = Path(__file__).resolve().parents[1]
LAPTOP_200 = QSize(683 - FRAME_W, 384 - FRAME_H)  # a 1366 x 768 screen at 200 %, less the window manager's frame
FOUR_LINES = ("Opened area.gpkg: 412 tiles.\nSkipped 1 file: DJI_0999.JPG: not an image.\n"
              "1 photo unreadable: DJI_0007.JPG (cut short).\nLocated 5 of 6 photos.")


def test_a_first_start_opens_inside_the_screen(qtbot, dirs):  # noqa: F811
    """No saved geometry: the first size is cut to the screen's room (before: 1420 x 900 on the test's 800 px
    screen, 1420 x 900 on a 683 x 384 one)."""
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    r = room(w)
    assert w.width() <= r.width() and w.height() <= max(r.height(), w.minimumSizeHint().height()), (w.size(), r)


def test_under_a_long_message_the_window_fits_a_1366_x_768_laptop_at_200_percent(qtbot, dirs, monkeypatch):  # noqa: F811
    monkeypatch.setattr(toolbar_fold, "room", lambda widget: LAPTOP_200)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True)
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.toolbar.isHidden(), timeout=5_000)
    for text in ("Using the offline EfficientNet-Lite0 model (DINOv2 weights not found).", FOUR_LINES):
        w.message_bar.show_message("info", text, "details")
        qtbot.waitUntil(lambda: w.message_bar.isVisible(), timeout=5_000)
        # before: 351 px at least under one line, 385 under four
        assert w.minimumSizeHint().height() <= LAPTOP_200.height(), (text, w.minimumSizeHint())
    w.resize(LAPTOP_200)
    qtbot.waitUntil(lambda: w.height() == LAPTOP_200.height(), timeout=5_000)
    qtbot.wait(50)
    status = w.statusBar()
    assert status.isVisible() and status.mapTo(w, status.rect().bottomLeft()).y() < w.height()
    view = w.message_bar.text_view
    # the four lines are there to be read: they scroll, the label holds them all, the tooltip says them whole
    assert view.verticalScrollBar().maximum() > 0
    assert view.label.height() >= view.lines_height(view.viewport().width())
    assert view.toolTip() == FOUR_LINES and w.message_bar.text == FOUR_LINES
    # and the keyboard reaches them: a Tab stop while they scroll (none where they show whole, below)
    assert view.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_with_room_the_whole_message_shows_without_scrolling(qtbot, dirs):  # noqa: F811
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True)
    w.resize(1420, 900)
    qtbot.waitExposed(w)
    w.message_bar.show_message("info", FOUR_LINES, "details")
    qtbot.waitUntil(lambda: w.message_bar.isVisible(), timeout=5_000)
    view = w.message_bar.text_view
    qtbot.waitUntil(lambda: view.viewport().height() >= view.lines_height(view.viewport().width()), timeout=5_000)
    assert view.verticalScrollBar().maximum() == 0 and view.toolTip() == ""
    assert view.focusPolicy() == Qt.FocusPolicy.NoFocus  # no Tab stop more than before
    # a one-line message that wraps in a narrower window asks for its wrapped lines' height
    long_line = "The tile set " + "/very/long/folder" * 12 + "/area.mbtiles could not be read: not a tile package."
    w.resize(700, 900)
    w.message_bar.show_message("warning", long_line)
    qtbot.waitUntil(lambda: view.viewport().height() >= view.lines_height(view.viewport().width())
                    > 2 * view.fontMetrics().lineSpacing(), timeout=5_000)
    assert view.verticalScrollBar().maximum() == 0


def test_measured_at_200_percent_on_a_1366_x_768_laptop(tmp_path):
    """tests/window_probe.py in a process of its own, at QT_SCALE_FACTOR=2 on a 1366 x 768 offscreen screen.
    Before: first shown 1420 x 900; least 351 (one line) and 385 (four lines), the status bar's bottom at
    350 and 384 px."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1366, "height": 768,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR="2",
               PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("QT_FONT_DPI", None)
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "window_probe.py")], env=env, capture_output=True,
                         text=True, timeout=180, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["screen"] == [683, 384] and report["dpr"] == 2.0
    # the first size is the room (its height: the least with the toolbar, which then folds)
    assert report["first"][0] <= 683 - FRAME_W and report["first"][1] <= 384, report["first"]
    for lines, m in report["messages"].items():
        assert m["toolbar_folded"], (lines, m)
        assert m["least"] <= 384 - FRAME_H and m["size"][1] <= 384 - FRAME_H, (lines, m)
        assert m["status_bottom"] < m["size"][1], (lines, m)
    assert report["messages"]["4"]["scrolls"] and report["messages"]["4"]["tooltip_whole"]
