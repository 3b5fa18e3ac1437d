"""The app's “Get Imagery for This Area…”: the dialog plans before fetching (count, size, refusals),
the fetch runs in the worker thread against a tile server on 127.0.0.1 and opens the result,
Cancel keeps what was fetched; tile packages are accepted by drag and drop."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtWidgets import QDialog  # noqa: E402

from geolocator.core.model import LatLon  # noqa: E402
from geolocator.core.sources import fetch as F  # noqa: E402
from geolocator.gui.imagery_dialog import URL_CHOICE, ImageryDialog, start_fetch, zoom_choices  # noqa: E402
from geolocator.gui.main_window import MainWindow, split_paths  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .tile_packages import demo_mosaic, demo_pyramid, write_mbtiles  # noqa: E402
from .tile_server import TileServer  # noqa: E402


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


@pytest.fixture
def photos():
    _, b = demo_mosaic()
    c = b.center
    return [LatLon(c.lat - 0.0005, c.lon - 0.0005), LatLon(c.lat + 0.0005, c.lon + 0.0005)]


def _dialog(qtbot, tmp_path, photos, url: str) -> ImageryDialog:
    d = ImageryDialog(None, photos=photos, out_folder=tmp_path / "imagery")
    qtbot.addWidget(d)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText(url)
    d.attribution.setText("Demo (CC BY-SA 4.0)")
    return d


def test_a_provider_with_a_deepest_level_brings_the_zoom_down_to_it(qtbot, tmp_path, photos):
    d = _dialog(qtbot, tmp_path, photos, "http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.zoom.setValue(21)
    d.source.setCurrentText("GeoportailFrance.orthos")  # serves levels up to 19
    assert d.zoom.value() == 19 and "tiles at zoom 19" in d.estimate.text()
    d.source.setCurrentText("Esri.WorldImagery")  # no deepest level known: the zoom stays
    assert d.zoom.value() == 19


def test_dialog_shows_count_and_size_before_fetching_and_refuses_too_many(qtbot, tmp_path, photos):
    d = _dialog(qtbot, tmp_path, photos, "")
    assert not d.fetch_button.isEnabled() and "URL template" in d.estimate.text()
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    assert d.zoom.value() == 18  # suggested: tiles nearest 100 m at the photos' latitude
    d.zoom.setValue(19)
    d.margin.setValue(50)
    assert d.fetch_button.isEnabled()
    assert "tiles at zoom 19" in d.estimate.text() and "MB" in d.estimate.text()
    assert "terms of use" in d.terms.text() and "Demo (CC BY-SA 4.0)" in d.terms.text()
    assert d.out.text().endswith(".mbtiles") and "z19" in d.out.text()
    d.max_tiles = 3
    d.margin.setValue(500)
    assert not d.fetch_button.isEnabled() and "more than the limit of 3" in d.estimate.text()
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{row}.jpg")
    assert not d.fetch_button.isEnabled() and "unknown placeholder" in d.estimate.text()


def test_no_attribution_typed_for_a_file_holding_a_credit_line_says_it_is_kept(qtbot, tmp_path, photos):
    # session 33 (newuser33): as fetch-tiles' rerun, the dialog said "No attribution given ... the tile set
    # records only 'HOST'" for a file that keeps the credit line an earlier fetch stored
    d = _dialog(qtbot, tmp_path, photos, "http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.attribution.setText("")
    assert "No attribution given" in d.terms.text()
    out = tmp_path / "kept.mbtiles"
    sink = F.MBTilesSink(out, F.TileTemplate("http://127.0.0.1:9/{z}/{x}/{y}.jpg", attribution="Demo (CC BY-SA 4.0)"))
    sink.put(19, 1, 1, b"\xff\xd8\xff\xe0jpg", "jpg")
    sink.close()
    d.out.setText(str(out))
    d.out.textEdited.emit(str(out))  # as typed (or chosen with Browse…)
    d.zoom.setValue(19)
    assert "No attribution given" not in d.terms.text()
    assert "kept.mbtiles keeps the credit line stored with its tiles: Demo (CC BY-SA 4.0)" in d.terms.text()


def _window(qtbot, tmp_path) -> MainWindow:
    return app_window(qtbot, tmp_path, AppSettings())


def test_fetch_runs_in_the_worker_and_opens_the_tiles(qtbot, tmp_path, photos, tiles, monkeypatch):
    w = _window(qtbot, tmp_path)
    opened = []
    monkeypatch.setattr(w, "open_tileset", lambda path, **kw: opened.append(Path(path)))
    with TileServer(tiles) as server:
        d = _dialog(qtbot, tmp_path, photos, server.url)
        d.zoom.setValue(19)
        d.margin.setValue(30)
        d._accept()
        assert d.plan is not None
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
    assert opened == [d.plan.out]
    n = sqlite3.connect(d.plan.out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert n == len(d.plan.tiles)
    w.close()


def test_cancel_keeps_the_fetched_tiles(qtbot, tmp_path, photos, tiles):
    w = _window(qtbot, tmp_path)
    with TileServer(tiles, delay_s=0.2) as server:
        d = _dialog(qtbot, tmp_path, photos, server.url)
        d.zoom.setValue(19)
        d.margin.setValue(60)
        d._accept()
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: len(server.log) >= 4, timeout=30_000)
        w.cancel()
        qtbot.waitUntil(lambda: not w.runner.busy, timeout=30_000)
    assert "kept in" in w.message_bar.text
    n = sqlite3.connect(d.plan.out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert 0 < n < len(d.plan.tiles)
    w.close()


def test_tile_packages_are_tile_sets_when_dropped_and_their_zoom_levels_are_offered(tmp_path, tiles):
    pkg = write_mbtiles(tmp_path / "a.mbtiles", tiles)
    photo = tmp_path / "p.jpg"
    assert split_paths([pkg, tmp_path / "b.pmtiles", tmp_path / "c.gpkg", photo]) == (
        [pkg, tmp_path / "b.pmtiles", tmp_path / "c.gpkg"], [photo])
    labels = [label for label, _ in zoom_choices(pkg)]
    assert labels[0].startswith("Automatic") and labels[1].startswith("Zoom 19")


def test_the_area_can_be_what_the_map_shows(qtbot, tmp_path):
    from geolocator.gui.imagery_dialog import parse_view

    view = parse_view("-115.2337,36.1417,-115.2300,36.1440")
    assert view is not None and parse_view(None) is None and parse_view("nonsense") is None
    assert parse_view("-400,-89,400,89").west == -180.0  # a world view is clamped, not refused
    d = ImageryDialog(None, photos=[], out_folder=tmp_path, view=view)
    qtbot.addWidget(d)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.map_view.setChecked(True)
    d.zoom.setValue(19)
    assert d.area() == view and d.fetch_button.isEnabled() and "tiles at zoom 19" in d.estimate.text()
    nomap = ImageryDialog(None, photos=[], out_folder=tmp_path)
    qtbot.addWidget(nomap)
    assert not nomap.map_view.isEnabled() and not nomap.around.isEnabled() and nomap.box.isChecked()


def test_the_menu_action_asks_the_map_for_its_view_then_opens_the_dialog(qtbot, tmp_path, monkeypatch):
    import geolocator.gui.imagery_dialog as D

    w = _window(qtbot, tmp_path)
    asked = []
    monkeypatch.setattr(D, "ask_and_fetch", lambda window, view=None: asked.append((window, view)))
    w.act_get_imagery.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=30_000)
    assert asked[0][0] is w  # no page loaded yet: view None, the dialog offers photos or a box
    w.close()


# ------------------------------------------------------------------ a rectangle drawn on the map
def test_the_area_can_be_a_rectangle_drawn_on_the_map(qtbot, tmp_path):
    """Issue 11: the area "by drawing a rectangle on the map". The dialog offers (and preselects)
    the drawn rectangle; without one the choice is there but disabled, saying how to draw one."""
    from geolocator.core.model import Bounds

    drawn = Bounds(-115.2335, 36.1410, -115.2310, 36.1425)
    d = ImageryDialog(None, photos=[LatLon(36.14, -115.23)], out_folder=tmp_path, drawn=drawn)
    qtbot.addWidget(d)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.zoom.setValue(19)
    assert d.drawn_area.isChecked() and d.area() == drawn
    assert d.fetch_button.isEnabled() and "tiles at zoom 19" in d.estimate.text()
    d.around.setChecked(True)
    assert d.area() != drawn
    plain = ImageryDialog(None, photos=[], out_folder=tmp_path)
    qtbot.addWidget(plain)
    assert not plain.drawn_area.isEnabled() and "draw one" in plain.drawn_area.text()


def test_drawing_on_the_apps_map_opens_the_dialog_with_the_rectangle(qtbot, tmp_path, monkeypatch):
    """End to end in QtWebEngine: the page's ▭ tool (core/webmap.py) turns press-drag-release into
    a rectangle, the page reports it on the console bridge, the window opens the imagery dialog
    with it; the menu action offers it again later."""
    import geolocator.gui.imagery_dialog as D
    from geolocator.core import webmap

    from .test_gui_first_hour import tiny_tileset
    from geolocator.core.tilesets import load_tileset

    w = _window(qtbot, tmp_path)
    w.show()
    asked = []
    monkeypatch.setattr(D, "ask_and_fetch", lambda window, view=None, drawn=None: asked.append((view, drawn)))
    ts = load_tileset(tiny_tileset(tmp_path / "region", n=3))
    page = webmap.write_map(tmp_path / "map" / "m.html", ts, [], draw_area=True)
    with qtbot.waitSignal(w.map_view.ready, timeout=60_000):
        w.map_view.show_map(page)
    button = []
    w.map_view.run_js("document.querySelectorAll('.geoloc-draw').length", button.append)
    qtbot.waitUntil(lambda: bool(button), timeout=10_000)
    assert button == [1]  # the ▭ button is on the app's map
    drag = ("geoloc.drawArea(); var m = geoloc.map;"
            "m.fire('mousedown', {latlng: L.latLng(50.0002, 10.0004)});"
            "m.fire('mousemove', {latlng: L.latLng(50.0006, 10.0012)});"
            "m.fire('mousemove', {latlng: L.latLng(50.0008, 10.0021)});"
            "m.fire('mouseup', {latlng: L.latLng(50.0008, 10.0021)}); true")
    with qtbot.waitSignal(w.map_view.areaDrawn, timeout=10_000) as signal:
        w.map_view.run_js(drag, lambda _r: None)
    w_, s, e, n = (float(v) for v in signal.args[0].split(","))
    assert (w_, s, e, n) == pytest.approx((10.0004, 50.0002, 10.0021, 50.0008), abs=1e-9)
    qtbot.waitUntil(lambda: bool(asked), timeout=10_000)
    drawn = asked[0][1]
    assert drawn is not None and drawn == w.drawn_area
    assert (drawn.west, drawn.south, drawn.east, drawn.north) == pytest.approx((10.0004, 50.0002, 10.0021, 50.0008))
    dragging = []
    w.map_view.run_js("geoloc.map.dragging.enabled() && !geoloc.drawing", dragging.append)
    qtbot.waitUntil(lambda: bool(dragging), timeout=10_000)
    assert dragging == [True]  # the map pans again after drawing
    w.close()


def test_exported_maps_have_no_drawing_tool(tmp_path):
    from geolocator.core.webmap import AREA_PREFIX, Assets, build_map

    from .test_gui_first_hour import tiny_tileset
    from geolocator.core.tilesets import load_tileset

    ts = load_tileset(tiny_tileset(tmp_path / "region"))
    app_page = build_map(ts, [], assets=Assets(None), draw_area=True).get_root().render()
    exported = build_map(ts, [], assets=Assets(None)).get_root().render()
    assert "geoloc.drawControl();" in app_page and AREA_PREFIX in app_page
    assert "geoloc.drawControl();" not in exported


def test_with_no_tile_set_the_online_basemap_shows_the_photos_area_to_draw_on(qtbot, tmp_path):
    """From nothing (photos with GPS, no imagery): View → Online Basemap shows a map around the
    photos with the ▭ drawing button, so the area can be drawn. (The page is not loaded here: it
    would ask tile.openstreetmap.org for tiles, and no test touches another host.)"""
    from geolocator.core.model import Query

    w = _window(qtbot, tmp_path)
    shown = []
    w.map_view.show_map = shown.append
    w.queries = {"a.jpg": Query("a.jpg", tmp_path / "a.jpg", truth=LatLon(36.1405, -115.2320), truth_source="exif")}
    w._toggle_online(True)
    qtbot.waitUntil(lambda: bool(shown), timeout=60_000)
    page = shown[0].read_text(encoding="utf-8")
    assert "geoloc.drawControl();" in page and "tile.openstreetmap.org" in page
    assert "fitBounds" in page and "36.13" in page and "-115.23" in page  # around the photo, not the world
    w.close()


def test_get_imagery_can_check_every_stored_tile_of_an_existing_file(qtbot, tmp_path, photos, tiles, monkeypatch):
    """mend21 gave fetch-tiles `--verify` (decode every stored tile: finds damage inside a tile whose
    end is whole, which the default end check cannot); the app's Get Imagery, which re-runs on an
    existing file, had no such choice. Now "Check every stored tile" (offered once the file exists)
    passes verify=True to the same core call (fetch.fetch_tiles)."""
    from geolocator.core.sources import fetch
    from geolocator.gui import imagery_dialog

    w = _window(qtbot, tmp_path)
    opened = []
    monkeypatch.setattr(w, "open_tileset", lambda path, **kw: opened.append(Path(path)))
    with TileServer(tiles) as server:
        area = "{0.west},{0.south},{0.east},{0.north}".format(fetch.bbox_around(photos, 30))
        d = _dialog(qtbot, tmp_path, photos, server.url)
        d.zoom.setValue(19)
        d.box.setChecked(True)
        d.bbox.setText(area)
        assert not d.check_stored.isEnabled()  # no file yet: nothing stored to check
        assert not d.retry_missing.isEnabled()  # ... and no 404 recorded to ask again
        d._accept()
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
        bz, bx, by = d.plan.tiles[0]
        db = sqlite3.connect(d.plan.out)
        row = (bz, bx, (1 << bz) - 1 - by)  # MBTiles rows are TMS
        data = db.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                          row).fetchone()[0]
        garbled = bytes(data).replace(b"\xff\xc4", b"\xff\xc4\x00\x00", 1)  # a Huffman table, the end kept
        db.execute("UPDATE tiles SET tile_data=? WHERE zoom_level=? AND tile_column=? AND tile_row=?", (garbled, *row))
        db.commit()
        db.close()
        before = len(server.requests_for(bz, bx, by))

        def answer(dialog):  # the user ticks the box on the same area and file, then Fetch
            dialog.source.setCurrentText(URL_CHOICE)
            dialog.url.setText(server.url)
            dialog.zoom.setValue(19)
            dialog.box.setChecked(True)
            dialog.bbox.setText(area)
            assert dialog.check_stored.isEnabled() and dialog.retry_missing.isEnabled()
            dialog.check_stored.setChecked(True)
            dialog._accept()
            return QDialog.DialogCode.Accepted

        monkeypatch.setattr(imagery_dialog.ImageryDialog, "exec", answer)
        monkeypatch.setattr("platformdirs.user_data_dir", lambda *a, **k: str(tmp_path))  # the same file
        opened.clear()
        plan = imagery_dialog.ask_and_fetch(w)
        qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
        assert plan.out == d.plan.out
        assert len(server.requests_for(bz, bx, by)) == before + 1  # found by the decode, fetched again
    w.close()


def test_the_box_can_be_given_in_a_national_grid_as_fetch_tiles_bbox_crs(qtbot, tmp_path, photos):
    """grid28 left it: the dialog's Box took degrees only, while a Dutch mapper has RD (EPSG:28992)
    metres; the Box's 'in' field takes the CRS as `fetch-tiles --bbox-crs` does, with the same box."""
    from geolocator.core.sources import fetch as F

    d = _dialog(qtbot, tmp_path, photos, "http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.box.setChecked(True)
    assert d.bbox_crs.isEnabled()
    d.bbox.setText("92000,436000,92400,436400")  # Rotterdam, RD New metres (easting first)
    d.bbox_crs.setText("EPSG:28992")
    assert d.area() == F.parse_bbox("92000,436000,92400,436400", "EPSG:28992")
    a = d.area()
    assert 4.47 < a.west < a.east < 4.48 and 51.90 < a.south < a.north < 51.92
    assert d.fetch_button.isEnabled() and "tiles at zoom" in d.estimate.text()
    d.attribution.clear()  # the five-line terms notice above (no credit line given)
    d.show()
    qtbot.waitExposed(d)
    # degrees typed with the RD box set: said in the dialog's words (its Box, its 'in' field), not the CLI's flags
    d.bbox.setText("4.46,51.90,4.47,51.91")
    # the three-line refusal fits: the dialog grew (it squeezed the terms notice above it before)
    qtbot.wait(20)
    assert d.terms.height() >= d.terms.heightForWidth(d.terms.width())
    assert d.estimate.height() >= d.estimate.heightForWidth(d.estimate.width())
    assert not d.fetch_button.isEnabled()
    assert "wholly outside" in d.estimate.text() and "--bbox" not in d.estimate.text()
    assert "leave the box after 'in' empty" in d.estimate.text()
    d.bbox_crs.setText("EPSG:999999")
    assert not d.fetch_button.isEnabled() and "--bbox" not in d.estimate.text()
    assert "the Box's coordinate system 'EPSG:999999'" in d.estimate.text()
    d.bbox_crs.clear()  # empty: degrees again
    assert d.fetch_button.isEnabled() and d.area() == F.parse_bbox("4.46,51.90,4.47,51.91")
    d.around.setChecked(True)  # the photos' area: the box and its CRS are not used
    assert not d.bbox_crs.isEnabled()
