"""The app's map is one Tab stop, however many markers it holds (session 20, mend20). Chromium makes an
SVG element focusable once it has focus listeners, and Leaflet's bindTooltip adds them to every marker:
a map of 30 photos had 34 Tab stops (mend_session18.md), 118 for the demo, so a keyboard user tabbed
through every marker before the next control. Markers stay reachable from the photo list (as before)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PIL import Image  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import Bounds, Match, Prediction, Query, Tile, TileSet  # noqa: E402

from .test_gui_first_hour import dirs, make_window  # noqa: E402,F401 - fixture
from .test_gui_keyboard_panes import _in_map, _press, _ready  # noqa: E402

N = 30


def _map_page(tmp):
    tiles = []
    for i in range(6):
        for j in range(6):
            p = tmp / f"t{i}{j}.png"
            Image.new("RGB", (32, 32), (40 * i, 40 * j, 120)).save(p)
            tiles.append(Tile(f"tiles/{p.name}", p, Bounds(10 + 0.001 * j, 50 + 0.001 * i, 10 + 0.001 * (j + 1),
                                                            50 + 0.001 * (i + 1))))
    ts = TileSet(tuple(tiles), tmp)
    preds = []
    for n in range(N):
        q = Query(f"q{n:02d}.jpg", tmp / f"q{n:02d}.jpg")
        matches = (Match(tiles[n], 0.9, 1), Match(tiles[(n + 7) % 36], 0.5, 2))
        preds.append(Prediction(q, matches, tiles[n].center, tiles[n].center, 0.3))
    return webmap.write_map(tmp / "map" / "index.html", ts, preds, thumbnail=None, tracks=[])


def test_tab_passes_a_map_of_30_markers_in_a_few_stops(qtbot, dirs):  # noqa: F811
    """Before: 34 presses of Tab inside the map; now at most the map and its few controls."""
    page = _map_page(dirs)
    w = make_window(qtbot, dirs)
    w.map_view.show_map(page)
    qtbot.waitUntil(lambda: w.map_view.is_ready, timeout=60_000)
    _ready(qtbot, w)
    counted = []
    w.map_view.run_js("document.querySelectorAll('path.leaflet-interactive').length", counted.append)
    qtbot.waitUntil(lambda: bool(counted), timeout=30_000)
    assert counted[0] >= N  # the markers are drawn (SVG)
    _press(qtbot, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: _in_map(w), timeout=30_000)
    stops = 0
    while _in_map(w) and stops < 60:
        _press(qtbot, Qt.Key.Key_Tab)
        qtbot.wait(60)
        stops += 1
    assert not _in_map(w) and stops <= 8, stops
    assert w.results.isAncestorOf(QApplication.focusWidget())
    w.close()
