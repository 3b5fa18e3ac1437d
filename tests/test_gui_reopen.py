"""Reopening the app (session 36, appwalk36): a Recent Tile Sets entry moved or deleted since.

Before, clicking it put "PATH: not found" in the bar as an error and the entry stayed in the menu, failing
the same way at each click. Now the bar says it is no longer there and what to do, and the entry goes."""

from __future__ import annotations

import shutil

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs, tiny_tileset, wait_idle  # noqa: E402,F401


def test_a_recent_tile_set_moved_since_is_said_and_taken_off_the_menu(qtbot, dirs):  # noqa: F811
    kept, gone = tiny_tileset(dirs / "kept", n=2), tiny_tileset(dirs / "region", n=2)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True,
                   tile_views=("rot0",), verify=False)
    for csv in (kept, gone):
        w.open_tileset(csv)
        wait_idle(qtbot, w)
    w.close()
    shutil.move(str(dirs / "region"), str(dirs / "moved"))
    w2 = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True,
                    tile_views=("rot0",), verify=False)  # the app started again: its menu from Qt's settings
    assert [a.text() for a in w2.recent_menu.actions()] == [str(gone), str(kept)]
    w2.recent_menu.actions()[0].trigger()
    wait_idle(qtbot, w2)
    assert w2.message_bar.level == "warning"
    assert w2.message_bar.text == (f"The tile set {gone} is no longer there (moved or deleted); it is taken off Recent "
                                   "Tile Sets. File → Open Tile Set… opens it where it is now.")
    assert [a.text() for a in w2.recent_menu.actions()] == [str(kept)]  # the one still there stays
    w2.recent_menu.actions()[0].trigger()
    wait_idle(qtbot, w2)
    assert w2.last_outcome == "done" and w2.tileset_path == kept


def test_a_window_saved_on_a_larger_screen_opens_inside_this_one(qtbot, dirs):  # noqa: F811
    """Saved 1800 x 1000 (a 1920 x 1080 screen), reopened on a smaller one: Qt's restoreGeometry left it
    1420 px wide on a 683 x 384 screen (a 1366 x 768 laptop at 200 %, measured in a process of its own),
    its right-hand column beyond the edge. Here the test's own screen stands for the smaller one."""
    from geolocator.gui.screen_fit import room

    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True)
    avail = w.screen().availableGeometry()
    w.resize(avail.width() + 1000, avail.height() + 400)
    w.move(avail.x() + 300, avail.y() + 200)
    w.close()  # saves Qt's window state
    w2 = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True)
    qtbot.waitExposed(w2)
    g = w2.geometry()
    assert g.width() <= room(w2).width(), (g, avail)
    assert avail.contains(w2.frameGeometry()), (w2.frameGeometry(), avail)  # before: 798 wide, past the edge
