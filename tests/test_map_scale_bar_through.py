"""The map's scale bar over markers (session 36, newuserapp36; left by session 35): in a short map the
scale bar moves to the bottom-right corner (webmap api.legendPlace) and lies over the imagery, where
markers are; leaflet.css gave it 80 % white and its clicks, so a marker under it could be neither seen nor
clicked. Now clicks pass through it and it is a lighter wash; its figures stay readable (dark text)."""

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

# what a click at the middle of the scale bar's first line reaches, and the line's background
UNDER_SCALE = ("(function () { var line = document.querySelector('.leaflet-control-scale-line');"
               " var r = line.getBoundingClientRect();"
               " var hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);"
               " return JSON.stringify({width: r.width, hit_scale: !!(hit && hit.closest('.leaflet-control-scale')),"
               "  background: getComputedStyle(line).backgroundColor, colour: getComputedStyle(line).color}); })()")


@pytest.mark.slow  # a QtWebEngine page: several seconds
def test_a_click_on_the_scale_bar_reaches_what_lies_under_it(qtbot, map_view_at, tmp_path):
    pred = two_tile_prediction(tmp_path)
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    page = webmap.write_map(tmp_path / "map.html", tiles, [pred], tracks=[], draw_area=True)  # the app's page
    view = map_view_at(391, 160)  # a short map: the scale bar over the imagery
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    got = json.loads(page_js(qtbot, view, UNDER_SCALE))
    assert got["width"] > 0, got
    assert got["hit_scale"] is False, got  # before: the scale bar took the click
    alpha = float(got["background"].rsplit(",", 1)[1].rstrip(")")) if got["background"].startswith("rgba") else 1.0
    assert alpha <= 0.5, got  # before: rgba(255, 255, 255, 0.8)
    assert got["colour"] in ("rgb(51, 51, 51)", "rgb(0, 0, 0)"), got  # its figures dark on the wash


def test_the_page_carries_the_scale_bar_rules(tmp_path):
    """What the written page says (no browser): the rules after leaflet.css's, which they outrank."""
    pred = two_tile_prediction(tmp_path)
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    html = webmap.write_map(tmp_path / "map.html", tiles, [pred], tracks=[]).read_text()
    assert "div.leaflet-control-scale{pointer-events:none}" in html
    assert "div.leaflet-control-scale-line{background:rgba(255,255,255,.5)}" in html
