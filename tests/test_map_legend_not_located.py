"""The map legend's not-located line counts the photos the map holds without a marker (session 33, appuser33 on
field case 11): since nolocate33 a not-located photo has no marker, but the legend still keyed a grey dot,
'not located (nothing to match)', that a person looked for on the map and never found, whether or not any
photo was not located. Now the line has no dot, says how many and that they have no marker, and is shown only
when there is one."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import TileSet  # noqa: E402
from geolocator.gui.map_view import MapView  # noqa: E402

from .helpers import page_js, two_tile_prediction  # noqa: E402


@pytest.fixture
def view(map_view_at):
    return map_view_at(750, 520)  # the app's map in a 1440 x 900 window


def _legend(qtbot, view, page) -> tuple[str, int]:
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    got = page_js(qtbot, view,
                  "JSON.stringify([document.querySelector('.geoloc-legend-body').innerText,"
                  " Array.prototype.filter.call(document.querySelectorAll('.geoloc-legend-body span'),"
                  "  function (s) { return s.style.background === 'rgb(158, 158, 158)'; }).length])")
    import json

    return tuple(json.loads(got))


def test_the_legend_counts_the_photos_without_a_marker(qtbot, view, tmp_path):
    pred = two_tile_prediction(tmp_path, status="verified")
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    blanks = [replace(pred, query=replace(pred.query, id=f"cap{i}.jpg"), status="not located", confidence=0.0,
                      note="blank frame") for i in range(2)]
    text, grey_dots = _legend(qtbot, view, webmap.write_map(tmp_path / "m.html", tiles, [pred, *blanks]))
    assert "not located (nothing to match): 2, no marker" in text
    assert grey_dots == 0  # no key for a marker the map does not draw


def test_no_not_located_line_when_every_photo_has_a_marker(qtbot, view, tmp_path):
    pred = two_tile_prediction(tmp_path, status="verified")
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    text, _ = _legend(qtbot, view, webmap.write_map(tmp_path / "m.html", tiles, [pred]))
    assert "not located" not in text
