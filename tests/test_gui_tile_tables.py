"""A GeoPackage of several tile tables opened in the app (session 37, window37).

Before, File → Open Tile Set… (and a drop) opened its first table by name, the warnings log saying that
another could be read only as GDAL names it (GPKG:FILE.gpkg:TABLE) on the command line. Now the Tile table
box lists the tables and the one chosen is opened, under GDAL's name, which Recent Tile Sets keeps; its
entry reopens (it was taken for a file moved or deleted, since "GPKG:…:TABLE" is no file)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui import screen_fit  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import wait_idle  # noqa: E402
from .test_leftovers36_gpkg_table import two_tables  # noqa: E402,F401 - fixture: tables "Luftbild_2019" and "area"


class _Box:
    """screen_fit.ask_item answered without a person: `answer` (an item) or cancelled (None); what it was
    asked is kept in `asked` as (title, question, items)."""

    def __init__(self, monkeypatch, answer: str | None) -> None:
        self.asked: list[tuple[str, str, list[str]]] = []

        def ask_item(parent, title, label, items, current=0, editable=False):
            self.asked.append((title, label, list(items)))
            return (answer, True) if answer is not None else (items[current], False)

        monkeypatch.setattr(screen_fit, "ask_item", ask_item)


def _window(qtbot, folder: Path):
    return app_window(qtbot, folder, AppSettings(demo_shown=True, dinov2_notice_shown=True), show=True,
                      tile_views=("rot0",), verify=False)


def _tables_read(w) -> set[str]:
    return {t.ref.split("/")[0] for t in w.session.ws.tileset.tiles}


def test_the_app_asks_which_tile_table_and_opens_the_one_chosen(qtbot, two_tables, tmp_path, monkeypatch):  # noqa: F811
    box = _Box(monkeypatch, "area")
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(two_tables)
    wait_idle(qtbot, w)
    # before: no question, and the first table by name ("Luftbild_2019") read
    assert box.asked == [("Tile table", "area.gpkg holds 2 tile tables (imagery layers). Open:",
                          ["Luftbild_2019", "area"])]
    assert w.last_outcome == "done" and _tables_read(w) == {"area"}
    assert w.tileset_path == f"GPKG:{two_tables}:area"  # a str (gpkg.TableName): a Path rewrote "a//b"
    assert w.recent_tilesets()[0]["path"] == f"GPKG:{two_tables}:area"


def test_cancelled_nothing_is_opened(qtbot, two_tables, tmp_path, monkeypatch):  # noqa: F811
    _Box(monkeypatch, None)
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(two_tables)
    wait_idle(qtbot, w)
    assert w.tileset_path is None and w.session.ws.tileset is None


def test_a_geopackage_of_one_tile_table_is_not_asked(qtbot, tmp_path, monkeypatch):
    from .test_gpkg_gdal_written import _gdal_gpkg

    one = _gdal_gpkg(tmp_path / "one.gpkg")
    box = _Box(monkeypatch, "one")
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(one)
    wait_idle(qtbot, w)
    assert box.asked == [] and w.tileset_path == one and _tables_read(w) == {"one"}


def test_a_table_in_recent_tile_sets_opens_again(qtbot, two_tables, tmp_path, monkeypatch):  # noqa: F811
    """Before: its entry, "GPKG:…/area.gpkg:area", is no file: the bar said it was "no longer there (moved or
    deleted)" and the entry went from the menu."""
    _Box(monkeypatch, "area")
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(two_tables)
    wait_idle(qtbot, w)
    w.close()
    w2 = _window(qtbot, tmp_path)  # the app started again: its menu from Qt's settings
    entry = f"GPKG:{two_tables}:area"
    assert [a.text() for a in w2.recent_menu.actions()] == [entry]
    w2.recent_menu.actions()[0].trigger()
    wait_idle(qtbot, w2)
    assert w2.message_bar.level != "warning", w2.message_bar.text
    assert w2.last_outcome == "done" and _tables_read(w2) == {"area"}
    assert [a.text() for a in w2.recent_menu.actions()] == [entry]


def test_core_lists_the_tile_tables_and_names_one_as_gdal_does(two_tables):  # noqa: F811
    from geolocator.core.sources.gpkg import connection, split_table, tile_tables

    assert tile_tables(two_tables) == ["Luftbild_2019", "area"]
    named = connection(two_tables, "Luftbild_2019")
    assert str(named) == f"GPKG:{two_tables}:Luftbild_2019" and split_table(named) == (two_tables, "Luftbild_2019")
    odd = Path("/d/Ortho (Süd) 2023.gpkg")
    assert split_table(connection(odd, "2019:rgb")) == (odd, "2019:rgb")
