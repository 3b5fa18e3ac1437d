"""A WMTS service in the app's “Get Imagery for This Area…” (gui/imagery_dialog.py): the capabilities
are read in the dialog's worker thread, the layers listed (those that cannot be fetched greyed out with
the reason), the chosen layer's template fetched like any other source; bad services give a message in
the dialog. Capabilities written in tests/test_wmts.py, served from 127.0.0.1 only."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.imagery_dialog import WMTS_CHOICE, ImageryDialog, start_fetch  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_imagery_dialog import photos, tiles  # noqa: E402, F401 - the same demo pyramid and photos
from .test_wmts import WmtsServer, capabilities, layer, matrix_limits, mercator_set, odd_set, rd_set  # noqa: E402


def service_doc(base: str) -> bytes:
    """Three layers: 'ortho' (a national grid and Web Mercator, two styles), 'rd-only' (national grid
    only: usable since session 28, into a .gpkg), 'odd' (a set in no known CRS: listed, not usable)."""
    ortho = layer("ortho", ["EPSG:28992", "EPSG:3857"],
                  rest=f"{base}/rest/ortho/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg")
    ortho = ortho.replace("</Style>", "</Style><Style><ows:Identifier>infrared</ows:Identifier></Style>")
    rd = layer("rd-only", ["EPSG:28992"], rest=f"{base}/rest/rd/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg")
    odd = layer("odd", ["Odd"], rest=f"{base}/rest/odd/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg")
    return capabilities([ortho, rd, odd], [rd_set(), mercator_set(), odd_set()])


class GatedServer(WmtsServer):
    """Holds the capabilities' answer until `gate` is set (at most 20 s)."""

    def __init__(self, tiles, doc_for) -> None:
        super().__init__(tiles, doc_for)
        self.gate = threading.Event()
        self.answered = threading.Event()

    def answer(self, path: str):
        if path.startswith("/caps.xml"):
            self.gate.wait(20)
            self.answered.set()
        return super().answer(path)


@pytest.fixture
def dialogs():
    """Made dialogs, finished at the test's end as the app's exec() finishes them (their reading
    thread stops then; a dialog never shown is not finished by close())."""
    made = []
    yield made
    for d in made:
        d.reject()


def _dialog(qtbot, tmp_path, photos, made) -> ImageryDialog:
    d = ImageryDialog(None, photos=photos, out_folder=tmp_path / "imagery")
    qtbot.addWidget(d)
    made.append(d)
    d.source.setCurrentText(WMTS_CHOICE)
    return d


def _read(qtbot, d: ImageryDialog, caps: str) -> None:
    d.caps.setText(caps)
    d.read_capabilities()
    qtbot.waitUntil(lambda: d._read_job is None, timeout=30_000)


def test_the_capabilities_are_read_off_the_gui_thread_and_the_layers_listed(qtbot, tmp_path, photos, tiles, monkeypatch, dialogs):
    import geolocator.core.sources.wmts as W

    threads = []
    real = W.open_service
    monkeypatch.setattr(W, "open_service", lambda *a, **k: (threads.append(threading.get_ident()), real(*a, **k))[1])
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    assert not d.fetch_button.isEnabled() and "Read a WMTS service's capabilities" in d.estimate.text()
    with GatedServer(tiles, service_doc) as server:
        d.caps.setText(f"{server.base}/caps.xml")
        d.read_capabilities()
        # the server has not answered yet and read_capabilities has returned: the GUI thread is free
        assert not server.answered.is_set() and d.layer.count() == 0
        assert "Reading the capabilities" in d.wmts_status.text() and not d.fetch_button.isEnabled()
        server.gate.set()
        qtbot.waitUntil(lambda: d.layer.count() == 3, timeout=30_000)
    assert threads and threading.main_thread().ident not in threads
    assert [d.layer.itemData(i) for i in range(3)] == ["ortho", "rd-only", "odd"]
    assert d.layer.itemText(0) == "Aerial ortho — ortho" and d.layer.itemText(1) == "Aerial rd-only — rd-only"
    assert d.layer.itemText(2).startswith("Aerial odd — odd (cannot be fetched: no tile matrix set that can be "
                                          "fetched: Odd (CRS urn:ogc:def:crs:EPSG::999999: not Web Mercator")
    assert [d.layer.model().item(i).isEnabled() for i in range(3)] == [True, True, False]
    assert "2 of 3 layers can be fetched" in d.wmts_status.text()
    # the first usable layer is chosen: two styles, two usable sets (Web Mercator chosen, as wmts.py does)
    assert d.layer.currentData() == "ortho"
    assert [d.style.itemText(i) for i in range(d.style.count())] == ["default", "infrared"] and d.style.isEnabled()
    assert d.matrix_set.currentText() == "EPSG:3857" and d.matrix_set.isEnabled()
    assert [d.matrix_set.itemText(i) for i in range(d.matrix_set.count())] == ["EPSG:28992", "EPSG:3857"]
    assert "Demo Kadaster" in d.attribution.text() and d.attribution.isEnabled()
    t = d.template()
    assert t.url == f"{server.base}/rest/ortho/default/EPSG:3857/EPSG:3857:{{z}}/{{x}}/{{y}}.jpeg"
    d.style.setCurrentText("infrared")
    assert d.template().url == f"{server.base}/rest/ortho/infrared/EPSG:3857/EPSG:3857:{{z}}/{{x}}/{{y}}.jpeg"
    d.attribution.setText("Demo Kadaster, CC BY 4.0 (typed)")
    assert d.template().attribution == "Demo Kadaster, CC BY 4.0 (typed)"
    d.zoom.setValue(19)
    assert d.fetch_button.isEnabled() and "tiles at zoom 19" in d.estimate.text()


def test_the_chosen_layer_is_fetched_by_the_worker_and_opened(qtbot, tmp_path, photos, tiles, monkeypatch, dialogs):
    w = app_window(qtbot, tmp_path, AppSettings())
    opened = []
    monkeypatch.setattr(w, "open_tileset", lambda path, **kw: opened.append(Path(path)))
    with WmtsServer(tiles, service_doc) as server:
        d = _dialog(qtbot, tmp_path, photos, dialogs)
        _read(qtbot, d, f"{server.base}/caps.xml")
        d.zoom.setValue(19)
        d.margin.setValue(30)
        d._accept()
        assert d.plan is not None and d.plan.zoom == 19
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
        asked = [p for p in server.log if p.endswith(".jpeg")]
    assert opened == [d.plan.out] and len(asked) == len(d.plan.tiles)
    assert all("/rest/ortho/default/EPSG:3857/EPSG:3857:19/" in p for p in asked)
    with sqlite3.connect(d.plan.out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == len(d.plan.tiles)
        assert "Demo Kadaster" in dict(db.execute("SELECT name, value FROM metadata"))["attribution"]
    w.close()


def test_a_zoom_the_layer_lacks_moves_to_its_levels_and_its_limits_are_kept(qtbot, tmp_path, photos, dialogs):
    limits = matrix_limits((z, 0, 2**z - 1, 0, 2**z - 1) for z in range(6, 17))
    lyr = layer("ortho", [], rest="https://w.test/{TileMatrix}/{TileRow}/{TileCol}.png", formats=("image/png",),
                extra=f"<TileMatrixSetLink><TileMatrixSet>3857</TileMatrixSet><TileMatrixSetLimits>{limits}"
                      "</TileMatrixSetLimits></TileMatrixSetLink>")
    (tmp_path / "caps.xml").write_bytes(capabilities([lyr], [mercator_set("3857", "{z}", range(0, 21), "EPSG:3857")]))
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    assert d.zoom.value() == 18
    _read(qtbot, d, str(tmp_path / "caps.xml"))  # a saved file: read the same way
    assert d.layer.currentData() == "ortho" and d.zoom.value() == 16  # the layer's deepest level
    assert d.fetch_button.isEnabled() and "tiles at zoom 16" in d.estimate.text()
    d.zoom.setValue(5)
    assert not d.fetch_button.isEnabled()
    assert d.estimate.text() == "the layer ortho has tiles at zoom levels 6 to 16, not 5: choose one of them under Zoom"


@pytest.mark.parametrize("what", ["unreachable", "not-wmts", "no-known-grid", "http-error"])
def test_a_bad_service_gives_a_message_in_the_dialog(qtbot, tmp_path, photos, tiles, what, dialogs):
    def doc(base):
        if what == "not-wmts":
            return b'<WMS_Capabilities xmlns="http://www.opengis.net/wms" version="1.3.0"/>'
        return capabilities([layer("odd", ["Odd"], rest=f"{base}/odd/{{TileMatrix}}/{{TileCol}}/{{TileRow}}.jpeg")],
                            [odd_set()])

    d = _dialog(qtbot, tmp_path, photos, dialogs)
    with WmtsServer(tiles, doc) as server:
        url = {"unreachable": "http://127.0.0.1:9/wmts", "http-error": f"{server.base}/nothere"}.get(
            what, f"{server.base}/caps.xml")
        _read(qtbot, d, url)
    text = d.wmts_status.text()
    assert not d.fetch_button.isEnabled() and d.isVisible() is False  # nothing crashed, nothing was accepted
    if what == "unreachable":
        assert text.startswith("WMTS capabilities http://127.0.0.1:9/wmts?SERVICE=WMTS&REQUEST=GetCapabilities: could "
                               "not be fetched (ConnectError")
    elif what == "http-error":
        assert text.endswith("/nothere?SERVICE=WMTS&REQUEST=GetCapabilities: the service answered HTTP 404")
    elif what == "not-wmts":
        assert "caps.xml: not a WMTS capabilities document (its root element is 'WMS_Capabilities'" in text
    else:
        assert "its one layer cannot be fetched" in text and "national grids in a coordinate system it knows" in text
        assert d.layer.count() == 1 and not d.layer.model().item(0).isEnabled()
    assert d.layer.currentIndex() == -1 and "Read a WMTS service's capabilities" in d.estimate.text()


def test_editing_the_url_forgets_the_layers_and_closing_during_a_read_does_not_wait(qtbot, tmp_path, photos, tiles, dialogs):
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    with WmtsServer(tiles, service_doc) as server:
        _read(qtbot, d, f"{server.base}/caps.xml")
    assert d.layer.count() == 3 and d.fetch_button.isEnabled()
    qtbot.keyClicks(d.caps, "x")  # another service now: the layers listed were the old one's
    assert d.layer.count() == 0 and not d.fetch_button.isEnabled() and "Press Read" in d.wmts_status.text()
    with GatedServer(tiles, service_doc) as server:
        d.caps.setText(f"{server.base}/caps.xml")
        d.read_capabilities()
        reader = d._reader
        d.reject()  # returns at once although the host has not answered
        assert reader.busy and not server.answered.is_set()
        server.gate.set()
        qtbot.waitUntil(lambda: reader._thread.isFinished(), timeout=30_000)
    assert d.layer.count() == 0  # the late answer went nowhere


def test_a_url_templates_credit_line_and_a_wmts_layers_never_mix(qtbot, tmp_path, photos, tiles, dialogs):
    from geolocator.gui.imagery_dialog import URL_CHOICE

    d = _dialog(qtbot, tmp_path, photos, dialogs)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.attribution.setText("Typed for the template")
    d.source.setCurrentText(WMTS_CHOICE)
    assert d.attribution.text() == "" and not d.attribution.isEnabled()  # no layer yet
    with WmtsServer(tiles, service_doc) as server:
        _read(qtbot, d, f"{server.base}/caps.xml")
    assert d.attribution.text().startswith("Demo Kadaster") and d.attribution.cursorPosition() == 0
    d.source.setCurrentText(URL_CHOICE)
    assert d.attribution.text() == "Typed for the template" and d.template().attribution == "Typed for the template"
    d.source.setCurrentText(WMTS_CHOICE)
    assert d.template().attribution.startswith("Demo Kadaster")


def test_a_layer_in_256_and_512_px_sets_offers_both_and_the_512_px_tiles_are_sized_as_such(qtbot, tmp_path, photos,
                                                                                          dialogs):
    from .test_wmts import mercator_512_set

    both = layer("ortho", ["GoogleMapsCompatible512", "EPSG:3857"],
                 rest="https://w.test/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.jpeg")
    (tmp_path / "caps.xml").write_bytes(capabilities([both], [mercator_512_set(zooms=range(0, 18)), mercator_set()]))
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    assert [d.matrix_set.itemText(i) for i in range(2)] == ["GoogleMapsCompatible512", "EPSG:3857"]
    assert d.matrix_set.isEnabled() and d.matrix_set.currentText() == "EPSG:3857"  # the deepest set
    d.zoom.setValue(17)
    plan256 = d._candidate
    assert d.template().url == "https://w.test/EPSG:3857/EPSG:3857:{z}/{x}/{y}.jpeg"
    d.matrix_set.setCurrentText("GoogleMapsCompatible512")
    assert d.template().url == "https://w.test/GoogleMapsCompatible512/{z}/{x}/{y}.jpeg"
    assert d.fetch_button.isEnabled() and d._candidate.tile_px == 512
    assert d._candidate.tiles == plan256.tiles and d._candidate.estimate_bytes == 4 * plan256.estimate_bytes


def test_a_read_that_ends_while_another_source_is_chosen_changes_none_of_its_fields(qtbot, tmp_path, photos, tiles,
                                                                                    dialogs):
    from geolocator.gui.imagery_dialog import URL_CHOICE

    limits = matrix_limits((f"EPSG:3857:{z}", 0, 2**z - 1, 0, 2**z - 1) for z in range(6, 17))

    def doc(base):  # levels 6 to 16 only
        return capabilities([layer("ortho", [], rest=f"{base}/rest/ortho/{{Style}}/{{TileMatrixSet}}/{{TileMatrix}}/"
                                   "{TileCol}/{TileRow}.jpeg",
                                   extra=f"<TileMatrixSetLink><TileMatrixSet>EPSG:3857</TileMatrixSet>"
                                         f"<TileMatrixSetLimits>{limits}</TileMatrixSetLimits></TileMatrixSetLink>")],
                            [mercator_set()])

    d = _dialog(qtbot, tmp_path, photos, dialogs)
    with GatedServer(tiles, doc) as server:
        d.caps.setText(f"{server.base}/caps.xml")
        d.read_capabilities()
        d.source.setCurrentText(URL_CHOICE)
        d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
        d.attribution.setText("Typed for the template")
        d.zoom.setValue(19)
        server.gate.set()
        qtbot.waitUntil(lambda: d.layer.count() == 1, timeout=30_000)
    assert d.attribution.text() == "Typed for the template" and d.zoom.value() == 19
    assert d.template().url == "http://127.0.0.1:9/{z}/{x}/{y}.jpg" and d.fetch_button.isEnabled()
    d.source.setCurrentText(WMTS_CHOICE)  # now the layer's credit line and levels
    assert d.attribution.text().startswith("Demo Kadaster") and d.zoom.value() == 16 and d.fetch_button.isEnabled()


def test_an_area_outside_the_layers_box_is_said_before_fetching_and_one_layer_reads_as_one(qtbot, tmp_path, photos,
                                                                                         dialogs):
    """Session 27 (a mapper's fresh eyes): a Swiss layer and a Dutch box. The dialog used to offer
    1,290 tiles and Fetch; now it says the layer covers only its WGS84BoundingBox, and Fetch is off."""
    from .test_wmts import SWISS_BOX, _boxed

    lyr = layer("ch.swisstopo.swissimage", ["EPSG:3857"], rest="https://w.test/{TileMatrix}/{TileCol}/{TileRow}.jpeg",
                extra=_boxed(*SWISS_BOX))
    (tmp_path / "caps.xml").write_bytes(capabilities([lyr], [mercator_set()]))
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    assert d.wmts_status.text() == "Demo orthophotos: its one layer can be fetched."
    d.box.setChecked(True)
    d.bbox.setText("4.352,51.869,4.392,51.905")
    assert not d.fetch_button.isEnabled()
    assert "covers only 5.1402,45.3982,11.4776,48.2307" in d.estimate.text()
    assert "lies wholly outside it" in d.estimate.text()
    d.bbox.setText("7.40,46.90,7.45,46.95")  # Bern: inside the box
    assert d.fetch_button.isEnabled() and "tiles at zoom" in d.estimate.text()


def test_a_national_grid_layer_is_offered_planned_in_its_levels_and_fetched_into_a_geopackage(qtbot, tmp_path, photos,
                                                                                              monkeypatch, dialogs):
    pytest.importorskip("cv2")
    from .test_wmts_grid import GridServer, Source

    w = app_window(qtbot, tmp_path, AppSettings())
    opened = []
    monkeypatch.setattr(w, "open_tileset", lambda path, **kw: opened.append(Path(path)))
    with GridServer(Source()) as server:
        d = _dialog(qtbot, tmp_path, photos, dialogs)
        _read(qtbot, d, f"{server.base}/caps.xml")
        assert d.layer.currentData() == "ortho-nv" and "its one layer can be fetched" in d.wmts_status.text()
        assert d.matrix_set.currentText() == "NV"
        # its own levels: the one whose tiles are about 100 m (0.4 m pixels), a GeoPackage to keep its CRS
        assert d.zoom.value() == 3 and d.out.text().endswith(".gpkg")
        assert "at level 3 of EPSG:32107 (matrix 'L03', about 102 m each on the ground, 0.4 m pixels)" in d.estimate.text()
        d.margin.setValue(30)
        d._accept()
        assert d.plan is not None and d.plan.grid is not None and d.plan.zoom == 3
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: bool(opened), timeout=60_000)
        asked = [p for p in server.log if p.startswith("/grid/")]
    assert opened == [d.plan.out] and asked and all(p.startswith("/grid/L03/") for p in asked)
    with sqlite3.connect(d.plan.out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == len(d.plan.tiles)
    w.close()
