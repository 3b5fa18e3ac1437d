"""The toolbar folds away on a screen too short for the window (session 36, newuserapp36).

At 200 % a 1366 x 768 laptop is 683 x 384 logical px, about 344 under a window manager's title bar
(screen_fit.room); the window could not be shorter than 352 px, 390 under the first run's message bar: its
status bar was below the screen's edge even full-screen (left by session 35). Now the toolbar, whose
actions are all in the menus with their shortcuts, is hidden where the room is shorter than the window's
least, and shown again where it is not.

QT_SCALE_FACTOR cannot change inside one test process: the screen's room is given as it would be at
200 % (tests/test_gui_dialogs_fit.py checks room() itself on screens scaled 200 %); sizes in logical px."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSize  # noqa: E402

from geolocator.gui import toolbar_fold  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs  # noqa: E402,F401

LAPTOP_200 = QSize(683 - 16, 384 - 40)  # a 1366 x 768 screen at 200 %, less the window manager's frame
ROOMY = QSize(1366 - 16, 768 - 40)


def _room(monkeypatch, size: QSize) -> None:
    monkeypatch.setattr(toolbar_fold, "room", lambda widget: size)


def test_on_a_1366_x_768_laptop_at_200_percent_the_window_fits_its_height(qtbot, dirs, monkeypatch):
    _room(monkeypatch, LAPTOP_200)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), show=True)
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.toolbar.isHidden(), timeout=5_000)
    # before: 352 px at least, the toolbar shown
    assert w.minimumSizeHint().height() <= LAPTOP_200.height()
    # brought inside the room (it was opened 900 px tall) once its layout has taken the fold in
    qtbot.waitUntil(lambda: w.height() <= LAPTOP_200.height(), timeout=5_000)
    # what the toolbar held is in the menus, with its shortcut
    menus = [a for m in w.menuBar().actions() if m.menu() for a in m.menu().actions()]
    for act in (w.act_open_images, w.act_open_tiles, w.act_adapt, w.act_cancel, w.act_export):
        assert act in menus, act.text()
    assert w.act_adapt.shortcut().toString() == "Ctrl+R"
    # the first run's message bar: the window still fits the whole screen (before: 390 of 384)
    w.message_bar.show_message("info", "Using the offline efficientnet_lite0 model (DINOv2 weights not found).", "x")
    qtbot.waitUntil(lambda: w.message_bar.isVisible(), timeout=5_000)
    assert w.minimumSizeHint().height() <= 384
    assert w.toolbar.isHidden()


def test_with_room_the_toolbar_stays_and_comes_back(qtbot, dirs, monkeypatch):
    _room(monkeypatch, ROOMY)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), show=True)
    qtbot.waitExposed(w)
    qtbot.wait(100)
    assert w.toolbar.isVisible()
    _room(monkeypatch, LAPTOP_200)  # the window moved to the scaled laptop's screen
    w.toolbar_fold.refit()
    assert w.toolbar.isHidden()
    _room(monkeypatch, ROOMY)  # and back: the toolbar comes back when the window is laid out again
    w.message_bar.show_message("info", "back on the large screen")
    qtbot.waitUntil(lambda: w.toolbar.isVisible(), timeout=5_000)


def test_a_toolbar_the_person_hid_stays_hidden(qtbot, dirs, monkeypatch):
    _room(monkeypatch, ROOMY)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), show=True)
    qtbot.waitExposed(w)
    w.toolbar.toggleViewAction().trigger()  # its context menu's switch
    assert w.toolbar.isHidden()
    w.toolbar_fold.refit()
    w.message_bar.show_message("info", "a message")
    qtbot.wait(100)
    assert w.toolbar.isHidden() and not w.toolbar_fold.folded


def test_a_toolbar_the_person_hid_stays_hidden_after_a_short_screen_and_back(qtbot, dirs, monkeypatch):
    """Hidden by the person, then the window on the scaled laptop and back on a large screen: the fold did not
    hide it, so it does not show it (TF1: taken as folded on the laptop, it came back on the large screen)."""
    _room(monkeypatch, ROOMY)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), show=True)
    qtbot.waitExposed(w)
    w.toolbar.toggleViewAction().trigger()
    _room(monkeypatch, QSize(LAPTOP_200.width(), 200))  # shorter than the window's least even without the toolbar
    w.toolbar_fold.refit()
    assert not w.toolbar_fold.folded
    _room(monkeypatch, ROOMY)
    w.toolbar_fold.refit()
    qtbot.wait(100)
    assert w.toolbar.isHidden()


def test_a_maximized_window_is_folded_but_left_to_the_window_manager(qtbot, dirs, monkeypatch):
    """Maximized, the window manager sizes the window: the fold hides the toolbar but does not resize it
    (TF4: resized to the room, it was no longer maximized)."""
    _room(monkeypatch, LAPTOP_200)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), show=False)
    w.showMaximized()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.toolbar.isHidden(), timeout=5_000)
    qtbot.wait(100)
    height = w.height()
    w.toolbar_fold.refit()
    qtbot.wait(100)
    assert w.isMaximized() and w.height() == height
