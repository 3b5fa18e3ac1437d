"""A GeoPackage table whose name a Path rewrites ("a//b", "x/./y", "ortho/": legal SQLite names), named as GDAL
does, "GPKG:FILE.gpkg:TABLE", through the CLI's --tiles, the app's Tile table box, Recent Tile Sets and its
command line (smallfix37, propfuzz37's open point). Before: gpkg.connection and argparse's type=Path made the
name a Path, which collapsed "//" into "/", so the table came back as "a/b" and opening it failed ("no tile
table 'a/b'")."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from geolocator.core.errors import InputError
from geolocator.core.sources.gpkg import TableName, connection, path_or_table

from .test_gpkg_gdal_written import _gdal_gpkg

ODD = "a//b"


@pytest.fixture
def odd_table(tmp_path):
    """area.gpkg with tables "Aa" (first by name) and "a//b" (GDAL writes the name as given)."""
    p = _gdal_gpkg(tmp_path / "area.gpkg", table="Aa")
    return _gdal_gpkg(p, table=ODD, append=True, seed=1)


def _tables(tileset) -> set[str]:
    return {t.ref.rsplit("/", 3)[0] for t in tileset.tiles}  # ref: TABLE/z/x/y


def test_the_name_is_kept_as_written_and_read_apart(tmp_path):
    named = connection(tmp_path / "area.gpkg", ODD)
    assert isinstance(named, TableName) and str(named) == f"GPKG:{tmp_path}/area.gpkg:{ODD}"
    assert (named.file, named.table, named.name) == (tmp_path / "area.gpkg", ODD, f"area.gpkg:{ODD}")
    assert json.loads(json.dumps({"path": named}))["path"] == named  # Recent Tile Sets' entry
    assert path_or_table(f"GPKG:{tmp_path}/area.gpkg:x/./y").table == "x/./y"
    assert path_or_table("photos/./DJI_0001.JPG") == Path("photos/DJI_0001.JPG")  # anything else: a Path
    assert path_or_table("GPKG:area.gpkg") == Path("GPKG:area.gpkg")  # no table: opening it says so
    with pytest.raises(InputError, match="GPKG:FILE.gpkg:TABLE"):
        connection(tmp_path / "area.gpkg", "")


def test_the_cli_reads_the_table_named_on_its_command_line(odd_table):
    from geolocator.cli import _load_tiles, build_parser

    args = build_parser().parse_args(["locate", "p.jpg", "--tiles", f"GPKG:{odd_table}:{ODD}"])
    assert args.tiles == f"GPKG:{odd_table}:{ODD}"  # before: Path(...), "GPKG:…:a/b"
    args = build_parser().parse_args(["index", f"GPKG:{odd_table}:{ODD}"])
    opts = SimpleNamespace(epsg=None, tms=None, overlap=0.0, tile_size_m=None, zoom=None)
    assert _tables(_load_tiles(args.tileset, opts)) == {ODD}  # before: InputError "no tile table 'a/b'"


def test_the_app_opens_it_from_the_tile_table_box_and_again_from_recent_tile_sets(qtbot, odd_table, tmp_path,
                                                                                     monkeypatch):
    pytest.importorskip("pytestqt")
    from .test_gui_first_hour import wait_idle
    from .test_gui_tile_tables import _Box, _window

    _Box(monkeypatch, ODD)
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(odd_table)
    wait_idle(qtbot, w)
    assert w.last_outcome == "done" and _tables(w.session.ws.tileset) == {ODD}  # before: "no tile table 'a/b'"
    entry = f"GPKG:{odd_table}:{ODD}"
    assert w.tileset_path == entry and w.recent_tilesets()[0]["path"] == entry
    w.close()
    w2 = _window(qtbot, tmp_path)
    w2.recent_menu.actions()[0].trigger()
    wait_idle(qtbot, w2)
    assert w2.last_outcome == "done" and _tables(w2.session.ws.tileset) == {ODD}, w2.message_bar.text
    assert [a.text() for a in w2.recent_menu.actions()] == [entry]


def test_the_app_takes_it_on_its_command_line(qtbot, odd_table, tmp_path):
    pytest.importorskip("pytestqt")
    from geolocator.gui.app import _parser
    from geolocator.gui.main_window import split_paths

    from .test_gui_first_hour import wait_idle
    from .test_gui_tile_tables import _window

    given = _parser().parse_args([str(tmp_path / "photos"), f"GPKG:{odd_table}:{ODD}"]).paths
    tiles, images = split_paths(given)
    assert tiles == [f"GPKG:{odd_table}:{ODD}"] and images == [tmp_path / "photos"]
    w = _window(qtbot, tmp_path)
    w.open_tileset_interactive(tiles[0])
    wait_idle(qtbot, w)
    assert w.last_outcome == "done" and _tables(w.session.ws.tileset) == {ODD}, w.message_bar.text
