"""The map's "Legend ▸" line and its draw button by keyboard (session 37, keys37). Before, the legend was a clickable
div: Tab passed it by and no key folded it, so a keyboard user could not open a legend that started folded
(every map under ~750 x 520 px, LEGEND_MAX_SHARE) and a screen reader read it as plain text. Now it is a
button to both (role=button, in the Tab order, aria-expanded) and Enter or Space folds it, as a click does.
Driven by real key presses into the page (QTest on Chromium's widget), not by calling the script."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from PySide6.QtCore import Qt  # noqa: E402

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import TileSet  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402


def _js(qtbot, view, script):
    box = []
    view.page().runJavaScript(script, 0, box.append)
    qtbot.waitUntil(lambda: bool(box), timeout=10_000)
    return box[0]


def test_tab_reaches_the_legend_and_enter_or_space_folds_it(qtbot, map_view_at, tmp_path):
    view = map_view_at(330, 310)  # the app's map in a 1024 x 700 window: the legend starts folded
    pred = two_tile_prediction(tmp_path)
    page = webmap.write_map(tmp_path / "map.html", TileSet(tuple(m.tile for m in pred.matches), tmp_path), [pred],
                            tracks=[])
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    qtbot.waitUntil(lambda: view.focusProxy() is not None, timeout=30_000)
    shown = "document.querySelector('.geoloc-legend-body').style.display !== 'none'"
    on_head = "document.activeElement === document.querySelector('.geoloc-legend-head')"
    assert _js(qtbot, view, shown) is False
    view.activateWindow()
    view.setFocus()
    keys = view.focusProxy()
    for _ in range(12):  # the zoom buttons, the draw button, the credit line's links ... then the legend
        qtbot.keyClick(keys, Qt.Key.Key_Tab)
        qtbot.wait(50)
        if _js(qtbot, view, on_head):
            break
    assert _js(qtbot, view, on_head), "Tab never reached the legend's line"
    assert _js(qtbot, view, "document.activeElement.getAttribute('role')") == "button"
    assert _js(qtbot, view, "document.activeElement.getAttribute('aria-expanded')") == "false"
    qtbot.keyClick(keys, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _js(qtbot, view, shown) is True, timeout=10_000)
    assert _js(qtbot, view, "document.activeElement.getAttribute('aria-expanded')") == "true"
    qtbot.keyClick(keys, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: _js(qtbot, view, shown) is False, timeout=10_000)
    assert _js(qtbot, view, "window.scrollY") == 0  # Space folded it, did not scroll the page


def test_enter_on_the_draw_button_starts_drawing(qtbot, map_view_at, tmp_path):
    """The app's draw button (an <a> with role=button and no href) did nothing on Enter or Space: Chromium
    presses only links and real buttons. The drag that draws the box stays the mouse's."""
    view = map_view_at(750, 520)
    pred = two_tile_prediction(tmp_path)
    page = webmap.write_map(tmp_path / "map.html", TileSet(tuple(m.tile for m in pred.matches), tmp_path), [pred],
                            tracks=[], draw_area=True)
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    qtbot.waitUntil(lambda: view.focusProxy() is not None, timeout=30_000)
    view.activateWindow()
    view.setFocus()
    keys = view.focusProxy()
    on_draw = "document.activeElement === document.querySelector('.geoloc-draw')"
    for _ in range(8):  # the zoom buttons, then the draw button
        qtbot.keyClick(keys, Qt.Key.Key_Tab)
        qtbot.wait(50)
        if _js(qtbot, view, on_draw):
            break
    assert _js(qtbot, view, on_draw), "Tab never reached the draw button"
    assert _js(qtbot, view, "geoloc.drawing === true") is False
    qtbot.keyClick(keys, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: _js(qtbot, view, "geoloc.drawing === true") is True, timeout=10_000)
