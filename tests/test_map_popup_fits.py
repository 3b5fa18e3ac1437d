"""A map popup is never taller than the map (kmzmap33: one with a caution, opened on a marker near
the map's bottom edge, was taller than the 1440 x 900 window's map and its top, the photo, was cut
off); its content scrolls inside it instead."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from PIL import Image

from geolocator.core import webmap

from .helpers import two_tile_prediction


def test_the_page_caps_each_popup_at_the_maps_height(tmp_path):
    pred = two_tile_prediction(tmp_path)
    page = webmap.build_map(None, [pred], assets=webmap.Assets(None), thumbnail=None).get_root().render()
    assert "marker.on('popupopen', function (e) { api.fitPopup(e.popup); });" in page
    assert f"size.y - {webmap.POPUP_CHROME_PX}" in page and "popup.options.maxHeight = h" in page
    # nor wider than the map (session 34: 265 px wide at the window's minimum)
    assert f"Math.min({webmap.POPUP_MAX_WIDTH_PX}, size.x - {webmap.POPUP_SIDE_CHROME_PX})" in page


@pytest.mark.parametrize("height, late_photo", [(260, False), (420, False), (420, True)])
def test_an_opened_popup_lies_inside_a_short_map(qtbot, tmp_path, height, late_photo):
    """late_photo: the photo grows the popup after it opened, as a photo read late does (a cold cache, a
    loaded machine: CI saw the popup's top 98 px above a 420 px map though it fitted when opened)."""
    pytest.importorskip("pytestqt")
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from geolocator.gui.map_view import MapView

    pred = two_tile_prediction(tmp_path, conf=0.09)
    pred = replace(pred, caution="may not be in these tiles: " + "the photo's ground is not like any tile's. " * 6)
    page = webmap.write_map(tmp_path / "map.html", None, [pred],
                            thumbnail=lambda p: Image.new("RGB", (160, 120), (90, 140, 60)))
    view = MapView()
    qtbot.addWidget(view)
    view.resize(480, height)
    view.show()
    try:
        with qtbot.waitSignal(view.ready, timeout=30_000):
            view.show_map(page)
        out = []
        js = ("(function () { var g = window.geoloc, id = Object.keys(g.markers)[0], m = g.markers[id];"
              " g.map.setView(m.getLatLng(), 15, {animate: false});"
              " g.map.panBy([0, -g.map.getSize().y / 2 + 15], {animate: false}); m.openPopup();"
              " var box = document.querySelector('.leaflet-popup').getBoundingClientRect();"
              " var map = g.map.getContainer().getBoundingClientRect();"
              " return JSON.stringify([box.top - map.top, box.bottom - map.top, map.height]); })()")
        view.page().runJavaScript(js, 0, out.append)  # opened once
        qtbot.waitUntil(lambda: bool(out), timeout=10_000)
        if late_photo:
            grown = []
            view.page().runJavaScript("(function () { var img = document.querySelector('.leaflet-popup img');"
                                      " img.style.height = '400px'; img.dispatchEvent(new Event('load'));"
                                      " return 1; })()", 0, grown.append)
            qtbot.waitUntil(lambda: bool(grown), timeout=10_000)
        measure = js.replace("m.openPopup();", "").replace(
            " g.map.setView(m.getLatLng(), 15, {animate: false});", "").replace(
            " g.map.panBy([0, -g.map.getSize().y / 2 + 15], {animate: false});", "")
        seen = []

        def inside() -> bool:  # autoPan animates: measure again until it has settled (a loaded machine is slow)
            box = []
            view.page().runJavaScript(measure, 0, box.append)
            qtbot.waitUntil(lambda: bool(box), timeout=10_000)
            seen.append(json.loads(box[0]))
            top, bottom, map_h = seen[-1]
            return 0 <= top and bottom <= map_h

        deadline = time.monotonic() + 15
        while not inside() and time.monotonic() < deadline:
            qtbot.wait(200)
        top, bottom, map_h = seen[-1]
        assert 0 <= top and bottom <= map_h, seen[-3:]
    finally:
        view.dispose()
