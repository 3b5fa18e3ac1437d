"""The map's controls never lie over each other in a short map (session 34, shortmap34). Leaflet stacks the
zoom and draw buttons in the top-left corner and the legend over the scale bar in the bottom-left one; the
two stacks do not know of each other, and in the app's map at 911 x 562 (391 x 160 px before shortmap34)
the folded legend lay over the draw button. Now the legend moves to the top-right corner where the left
corners would meet (webmap api.legendPlace), its fold kept, and back at a taller size."""

from __future__ import annotations

import json
import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import TileSet  # noqa: E402

from .helpers import page_js, two_tile_prediction  # noqa: E402

# every shown control's box (the credit line too) and the corner of the legend
BOXES = ("(function () { var out = [];"
         " document.querySelectorAll('.leaflet-control').forEach(function (c) {"
         "  var r = c.getBoundingClientRect(); if (r.width && r.height && getComputedStyle(c).visibility !== 'hidden') {"
         "   out.push([c.className, r.left, r.top, r.right, r.bottom]); } });"
         " var legend = document.querySelector('.geoloc-legend');"
         " return JSON.stringify({boxes: out, corner: legend.parentNode.className,"
         "  folded: legend.querySelector('.geoloc-legend-body').style.display === 'none'}); })()")


def _overlaps(boxes):
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


@pytest.mark.slow  # a QtWebEngine page and its resizes: several seconds
def test_legend_zoom_draw_and_scale_never_overlap_in_a_short_map(qtbot, map_view_at, tmp_path):
    pred = two_tile_prediction(tmp_path)
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    page = webmap.write_map(tmp_path / "map.html", tiles, [pred], tracks=[], draw_area=True)  # the app's page
    view = map_view_at(391, 160)  # the app's map at 911 x 562 before shortmap34
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    got = json.loads(page_js(qtbot, view, BOXES))
    assert len(got["boxes"]) >= 4, got  # zoom, draw, legend, scale (and the credit line)
    assert _overlaps(got["boxes"]) == [], got  # before: the legend over the draw button
    assert "leaflet-right" in got["corner"]
    # a taller map: the legend back in its usual corner, over the scale bar, and still nothing overlaps
    view.resize(600, 420)
    qtbot.waitUntil(lambda: "leaflet-left" in json.loads(page_js(qtbot, view, BOXES))["corner"], timeout=10_000)
    got = json.loads(page_js(qtbot, view, BOXES))
    assert _overlaps(got["boxes"]) == [], got
    # the person clicks it (their fold), then the map is made short again: it moves, their fold is kept
    chosen = not got["folded"]
    view.page().runJavaScript("document.querySelector('.geoloc-legend-head').click()")
    qtbot.waitUntil(lambda: json.loads(page_js(qtbot, view, BOXES))["folded"] is chosen, timeout=10_000)
    view.resize(391, 160)
    qtbot.waitUntil(lambda: "leaflet-right" in json.loads(page_js(qtbot, view, BOXES))["corner"], timeout=10_000)
    got = json.loads(page_js(qtbot, view, BOXES))
    assert got["folded"] is chosen
    if chosen is False:  # unfolded in the top right of a short map: still over no other control
        assert _overlaps(got["boxes"]) == [], got


def test_the_page_script_places_the_legend_at_load_and_on_each_resize():
    """What the page runs (no browser): the corner decided at load and on Leaflet's 'resize', the element
    moved (not re-made by setPosition, which would lose its fold)."""
    js = webmap._RUNTIME_JS
    assert "api.legendPlace();" in js and "api.map.on('resize', api.legendPlace)" in js
    assert "setPosition(" not in js and "appendChild(m[0])" in js
