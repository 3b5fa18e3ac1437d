"""A z/x/y folder's row order, in the app's words (session 19, mend19).

A folder of z/x/y tiles that does not say whether its rows count from the north (XYZ) or the
south (TMS) is read by the photos' GPS or as XYZ, with a warning. The warning told app users to
"use --tms" or "--xyz to override": CLI flags, and the app had no way at all to give the order.
Now File → Open Tile Folder… asks it in a Row order box for such a folder, and the warnings name
that box in the app (gui/warnings_log.app_wording); the CLI keeps its flags. Before the fix (the
gui modules stashed) the wording test failed (the app's line said "use --tms") and the window test
failed (no box was asked: `[] == ['Row order']`); the last test, a folder that states its order and
is not asked, is a guard that passed before too."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402
from geolocator.core.geo import xyz_tile_bounds  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402
from geolocator.gui import screen_fit  # noqa: E402
from geolocator.gui.warnings_log import app_wording  # noqa: E402

from .test_georef_conventions import GDAL2TILES_XML  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def _folder(root, coords=((3, 1, 5), (3, 2, 5))):
    for z, x, y in coords:
        path = root / str(z) / str(x) / f"{y}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (64, 64), (40 * x, 120, 60)).save(path)
    return root


def _warnings(caplog, **kwargs):
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        load_tileset(kwargs.pop("root"), **kwargs)
    return [r for r in caplog.records if r.levelno == logging.WARNING and "row" in r.getMessage()]


def test_row_order_warnings_name_the_box_in_the_app_and_the_flags_on_the_cli(tmp_path, caplog):
    plain = _folder(tmp_path / "plain")
    on_tms = xyz_tile_bounds(3, 1, 5, tms=True).center  # GPS on the TMS reading only
    stated = _folder(tmp_path / "stated")
    (stated / "tilemapresource.xml").write_text(GDAL2TILES_XML.format(srs="EPSG:3857", profile="mercator", z=3,
                                                                      upp=19567.88))
    cases = [(_warnings(caplog, root=plain), "--tms"), (_warnings(caplog, root=plain, hint_points=[on_tms]), "--xyz"),
             (_warnings(caplog, root=stated, tms=False), "--xyz")]
    for records, flag in cases:
        [record] = records
        assert flag in record.getMessage()  # the CLI's words are unchanged
        app = app_wording(record)
        assert "--" not in app and "Row order box" in app and "File → Open Tile Folder…" in app, app
    assert "choose TMS (rows from the south) in the Row order box" in app_wording(cases[0][0][0])
    assert "choose XYZ (rows from the north) in the Row order box" in app_wording(cases[1][0][0])


class _Chosen:
    """The Row order box (screen_fit.ask_item, QInputDialog.getItem's contract) answered without a person:
    the item whose label starts with `start`."""

    def __init__(self, monkeypatch, start):
        self.asked = []

        def get_item(parent, title, label, items, current=0, editable=True, *a, **k):
            self.asked.append(title)
            return next(i for i in items if i.startswith(start)), True

        monkeypatch.setattr(screen_fit, "ask_item", get_item)


@pytest.mark.parametrize("choice, tms", [("TMS", True), ("XYZ", False)])
def test_the_app_asks_the_row_order_and_opens_the_folder_that_way(qtbot, dirs, monkeypatch, choice, tms):  # noqa: F811
    """XYZ was added after the hand mutants (mutation_check_session19_mend19.py M13): a choice of
    XYZ (False) must be remembered too, not dropped as "no choice"."""
    folder = _folder(dirs / "xyz")
    chosen = _Chosen(monkeypatch, choice)
    w = make_window(qtbot, dirs)
    w.open_tileset_interactive(folder)
    qtbot.waitUntil(lambda: w.tileset_path == folder, timeout=180_000)
    wait_idle(qtbot, w)
    assert chosen.asked == ["Row order"]
    bounds = {t.id: t.bounds for t in w.session.ws.tileset.tiles}
    assert bounds["3/1/5.png"] == xyz_tile_bounds(3, 1, 5, tms=tms)
    assert w.recent_tilesets()[0]["tms"] is tms  # remembered with the tile set
    w.close()


def test_a_folder_that_states_its_row_order_is_not_asked(qtbot, dirs, monkeypatch):  # noqa: F811
    folder = _folder(dirs / "xyz")
    (folder / "tilemapresource.xml").write_text(GDAL2TILES_XML.format(srs="EPSG:3857", profile="mercator", z=3,
                                                                      upp=19567.88))
    chosen = _Chosen(monkeypatch, "XYZ")
    w = make_window(qtbot, dirs)
    w.open_tileset_interactive(folder)
    qtbot.waitUntil(lambda: w.tileset_path == folder, timeout=180_000)
    wait_idle(qtbot, w)
    assert chosen.asked == []
    assert {t.id: t.bounds for t in w.session.ws.tileset.tiles}["3/1/5.png"] == xyz_tile_bounds(3, 1, 5, tms=True)
    w.close()


def test_get_imagery_errors_name_the_dialogs_controls_not_the_clis_flags(qtbot, tmp_path):
    """The same kind in Get Imagery for This Area…: its estimate line said "(--max-tiles)" and
    "--bbox '…': expected four numbers" (the core's CLI words) under the dialog's Box and Zoom.
    Before the fix: '--' in the dialog's text."""
    from geolocator.core.model import LatLon
    from geolocator.core.sources import fetch as F
    from geolocator.gui.imagery_dialog import URL_CHOICE, ImageryDialog
    from geolocator.gui.warnings_log import app_error_wording

    for exc, flag in ((F.TooManyTiles(50_000, 19, 20_000), "--max-tiles"), (F.BadBbox("1,2,3"), "--bbox"),
                      (F.NoPositions(), "--bbox")):
        assert flag in str(exc)  # the CLI's words are unchanged
        words = app_error_wording(exc)
        assert words and "--" not in words and ("Area" in words or "Box W,S,E,N" in words), words
    d = ImageryDialog(None, photos=[LatLon(36.14, -115.23), LatLon(36.141, -115.231)], out_folder=tmp_path)
    qtbot.addWidget(d)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.max_tiles = 3
    d.zoom.setValue(19)
    d.margin.setValue(500)
    assert "more than the limit of 3: choose a smaller Area or a lower Zoom" in d.estimate.text()
    d.box.setChecked(True)
    d.bbox.setText("1,2,3")
    assert d.estimate.text().startswith("Box W,S,E,N '1,2,3': expected four numbers"), d.estimate.text()
    assert "--" not in d.estimate.text()
