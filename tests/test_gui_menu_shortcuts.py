"""Every key a menu lists does what its item does, wherever the keyboard focus is (session 37, keys37).

Walked with QTest in the app's window: the File, Run and View menus' keys (Ctrl+O, Ctrl+Alt+O, Ctrl+Shift+O,
Del, Ctrl+E, Ctrl+Shift+E, Ctrl+R, Esc, Ctrl+1…5, F6, Shift+F6) pressed in the photo list, inside the map's
page (Chromium's widget takes the keys there) and in the Results pane each trigger the menu item's own
action, once. No fault was found: this is a guard, against a key lost to a focused widget (Chromium) or two
items given one key (Qt then triggers neither: "Ambiguous shortcut overload"). Quit's key is the platform's
(QKeySequence.StandardKey.Quit: Ctrl+Q on GNOME and KDE, none offscreen or on Windows, where Alt+F4 closes)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtWidgets import QApplication  # noqa: E402

from .test_gui_first_hour import dirs, make_window  # noqa: E402,F401 - fixture

LISTED = {"Open Drone Images…", "Open Drone Image Folder…", "Open Tile Set…", "Remove Selected Photos",
          "Export Predictions (GeoJSON, CSV, KML, GPX)…", "Export Map (HTML)…", "Adapt to This Region", "Cancel",
          "Photo List", "Side Panels", "Region Adapter", "Evaluation", "Backbone", "Next Pane", "Previous Pane"}


def test_every_menu_key_triggers_its_item_from_the_list_the_map_and_the_results(qtbot, dirs):  # noqa: F811
    w = make_window(qtbot, dirs)
    w.resize(1420, 900)
    qtbot.waitExposed(w)
    w.activateWindow()
    qtbot.waitUntil(lambda: w.map_view.focusProxy() is not None, timeout=30_000)  # the page's keyboard widget
    keyed = [a for m in w.menuBar().actions() for a in m.menu().actions() if not a.shortcut().isEmpty()]
    assert {a.text() for a in keyed} >= LISTED
    fired: dict[str, int] = {}
    for a in keyed:
        a.setEnabled(True)  # Cancel, Remove, Export wait for work or photos: the key is what is tested
        a.triggered.disconnect()  # the items' own slots open modal choosers: counted instead
        a.triggered.connect(lambda *_, t=a.text(): fired.__setitem__(t, fired.get(t, 0) + 1))
    lost = []
    for place, widget in (("the photo list", w.query_list), ("the map", w.map_view.focusProxy()),
                          ("the Results pane", w.results.coords_format)):
        for a in keyed:
            widget.setFocus()
            qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
            before = fired.get(a.text(), 0)
            key = a.shortcut()[0]
            qtbot.keyClick(QApplication.focusWidget(), key.key(), key.keyboardModifiers())
            qtbot.wait(20)
            if fired.get(a.text(), 0) != before + 1:
                lost.append(f"{a.shortcut().toString()} ({a.text()}) in {place}: "
                            f"{fired.get(a.text(), 0) - before} triggers")
    assert not lost, "\n".join(lost)
    w.close()
