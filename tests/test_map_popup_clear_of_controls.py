"""A map popup opened on the marker nearest the legend's corner is readable (session 34, exportwords34):
Leaflet draws its controls (legend, scale, zoom buttons) above the popups, and at the opening zoom of the
app's map at 1280 x 800 (map 584 x 398 px) a popup on a marker near the bottom-left had its Location,
MGRS and Verified rows under the legend; at the window's minimum, 911 x 562 (map 265 x 160 px), it was
wider than the map and the zoom buttons, legend and scale covered all but its photo. Now it is never wider
than the map, its photo takes at most webmap.POPUP_PHOTO_SHARE of its height (its rows in sight under it on a
short map), and a control it reaches is hidden while it is open (webmap api.clearControls), shown again once
it closes. Screenshots: training/results/exportwords34_session34.md."""

from __future__ import annotations

import json
import os

import pytest
from PIL import Image

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.model import Bounds, Match, Prediction, Query, Tile, TileSet  # noqa: E402
from geolocator.core.outside_tiles import OUTSIDE_CAUTION  # noqa: E402

from .helpers import page_js  # noqa: E402

# the marker nearest the bottom-left corner at the opening zoom, its popup opened as a click opens it
OPEN = ("(function () { var g = window.geoloc, best = null, bd = 1e9, s = g.map.getSize();"
        " Object.keys(g.markers).forEach(function (id) { var p = g.map.latLngToContainerPoint(g.markers[id].getLatLng());"
        " var d = p.x + (s.y - p.y); if (d < bd) { bd = d; best = id; } });"
        " g.markers[best].openPopup(); return best; })()")
# the popup's box, and the boxes of the shown controls (not the credit line, which stays) that overlap it
MEASURE = ("(function () { var el = document.querySelector('.leaflet-popup-content-wrapper');"
           " if (!el) { return JSON.stringify(null); }"
           " var b = el.getBoundingClientRect(), m = window.geoloc.map.getContainer().getBoundingClientRect();"
           " var over = Array.prototype.filter.call(document.querySelectorAll('.leaflet-control:not(.leaflet-control-attribution)'),"
           "  function (c) { var r = c.getBoundingClientRect(); return getComputedStyle(c).visibility !== 'hidden' &&"
           "   r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom; })"
           "  .map(function (c) { return c.className; });"
           " var shown = Array.prototype.filter.call(document.querySelectorAll('.leaflet-control'),"
           "  function (c) { return getComputedStyle(c).visibility !== 'hidden'; }).length;"
           # the first row (Query) is in sight without scrolling, under the photo
           " var c = el.querySelector('.leaflet-popup-content').getBoundingClientRect();"
           " var row = el.querySelector('th').getBoundingClientRect();"
           " return JSON.stringify({left: b.left - m.left, right: b.right - m.left, width: m.width, over: over,"
           "  query_row: row.bottom <= c.bottom,"
           "  shown: shown, all: document.querySelectorAll('.leaflet-control').length}); })()")


def _page(tmp_path):
    """A 4 x 3 grid of tiles, a photo in each, the bottom-left one with a caution (a long popup)."""
    tiles, preds = [], []
    for r in range(3):
        for c in range(4):
            path = tmp_path / f"t{r}{c}.png"
            Image.new("RGB", (64, 64), (60 + 30 * r, 120 + 20 * c, 70)).save(path)
            tiles.append(Tile(f"t{r}{c}", path, Bounds(10 + 0.01 * c, 50 + 0.01 * r, 10.01 + 0.01 * c, 50.01 + 0.01 * r)))
    for i, t in enumerate(tiles):
        photo = tmp_path / f"q{i}.jpg"
        Image.new("RGB", (160, 120), (90, 140, 60)).save(photo)
        at = t.bounds.center
        preds.append(Prediction(Query(f"DJI_{i:04d}.JPG", photo), (Match(t, 0.8, 1, inliers=40),), at, at,
                                0.2 if i == 0 else 0.95, status="retrieved" if i == 0 else "verified",
                                location_source="homography", caution=OUTSIDE_CAUTION if i == 0 else None))
    return webmap.write_map(tmp_path / "map.html", TileSet(tuple(tiles), tmp_path), preds)


@pytest.mark.slow  # a QtWebEngine page, a popup's autoPan settling: several seconds each
@pytest.mark.parametrize("width, height", [(584, 398), (265, 160)])  # the app's map at 1280 x 800, at 911 x 562
def test_a_popup_near_the_legend_is_under_no_control_and_inside_the_map(qtbot, map_view_at, tmp_path, width, height):
    view = map_view_at(width, height)
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(_page(tmp_path))
    assert page_js(qtbot, view, OPEN) == "DJI_0000.JPG"
    seen = []

    def readable() -> bool:  # autoPan animates: measure until it has settled
        seen.append(json.loads(page_js(qtbot, view, MEASURE)))
        box = seen[-1]
        return bool(box) and not box["over"] and box["left"] >= 0 and box["right"] <= box["width"] and box["query_row"]

    try:
        qtbot.waitUntil(readable, timeout=15_000)
    except qtbot.TimeoutError:
        pass
    assert readable(), seen[-3:]  # (still so once settled) before: {'over': ['... geoloc-legend'], ...}
    # closed: every control is shown again
    page_js(qtbot, view, "window.geoloc.map.closePopup(); 1")
    qtbot.waitUntil(lambda: (lambda b: b is None)(json.loads(page_js(qtbot, view, MEASURE))), timeout=5_000)
    shown = page_js(qtbot, view, "Array.prototype.filter.call(document.querySelectorAll('.leaflet-control'),"
                             " function (c) { return getComputedStyle(c).visibility !== 'hidden'; }).length"
                             " === document.querySelectorAll('.leaflet-control').length")
    assert shown is True
