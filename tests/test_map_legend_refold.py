"""The map legend's fold is decided again when the map is resized (session 32, ux32). Session 31 folded it
at page load where unfolded it would cover more than LEGEND_MAX_SHARE of the map; a window opened small
and then enlarged kept the legend folded (or a large one made small kept it covering the map) until the
next page. Now Leaflet's map 'resize' decides it again, until the person clicks the legend: their choice
wins from then on."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import TileSet  # noqa: E402
from geolocator.gui.map_view import MapView  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402

SMALL, LARGE = (330, 310), (750, 520)  # the app's map in a 1024 x 700 and a 1440 x 900 window


@pytest.fixture
def view(map_view_at):
    return map_view_at(*SMALL)


def test_a_resize_decides_the_fold_again_until_the_person_clicks(qtbot, view, tmp_path):
    pred = two_tile_prediction(tmp_path)
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    page = webmap.write_map(tmp_path / "map.html", tiles, [pred], tracks=[])

    def shown():
        box = []
        view.page().runJavaScript("document.querySelector('.geoloc-legend-body').style.display !== 'none'", 0,
                                  box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=10_000)
        return box[0]

    def resize_to(size, want):
        view.resize(*size)
        qtbot.waitUntil(lambda: shown() is want, timeout=10_000)

    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    assert shown() is False  # small: folded at load, as before
    resize_to(LARGE, True)  # enlarged: room for it, unfolded without a new page
    resize_to(SMALL, False)  # small again: folded again
    view.page().runJavaScript("document.querySelector('.geoloc-legend-head').click()")  # the person unfolds it
    qtbot.waitUntil(lambda: shown() is True, timeout=10_000)
    view.resize(*LARGE)
    view.resize(*SMALL)
    qtbot.wait(500)  # the resizes' events handled in the page
    assert shown() is True  # their choice wins over the size


def test_the_page_script_refits_the_legend_on_the_maps_resize():
    """What the page runs (no browser): the fit in one function, called at load and on Leaflet's 'resize',
    skipped once the person has clicked."""
    js = webmap._RUNTIME_JS
    assert "api.map.on('resize', api.legendFit)" in js and "api.legendFit();" in js
    assert "api.legendChosen = true" in js and "if (api.legendChosen" in js
    assert f"<= {webmap.LEGEND_MAX_SHARE} * size.x * size.y" in js
