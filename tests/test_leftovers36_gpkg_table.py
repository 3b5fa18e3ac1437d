"""Choosing one tile table of a GeoPackage (leftovers36, closing pmtiles36's open point): a file with
several tables was read at its first table by name, with a warning and no way to read another from the
CLI. The table is now named as GDAL names it, "GPKG:area.gpkg:TABLE" (the GPKG raster driver's
connection string, which gdalinfo and QGIS users know), and the warning says so."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest

from geolocator.core.errors import InputError
from geolocator.core.sources.gpkg import split_table

from .test_gpkg_gdal_written import _gdal_gpkg, rasterio


@pytest.fixture
def two_tables(tmp_path):
    p = _gdal_gpkg(tmp_path / "area.gpkg")
    return _gdal_gpkg(p, table="Luftbild_2019", append=True, seed=1)


def test_gdal_s_connection_string_is_split_into_the_file_and_the_table(tmp_path):
    assert split_table("GPKG:area.gpkg:ortho") == (Path("area.gpkg"), "ortho")
    assert split_table(Path("GPKG:/d/Ortho (Süd).gpkg:Luftbild 2019")) == (Path("/d/Ortho (Süd).gpkg"), "Luftbild 2019")
    assert split_table(r"GPKG:C:\Karten\a.GPKG:t") == (Path(r"C:\Karten\a.GPKG"), "t")  # a drive letter stays
    assert split_table("GPKG:a.gpkg:2019:rgb") == (Path("a.gpkg"), "2019:rgb")  # a table holding ":"
    assert split_table("gpkg:tiles.db:t") == (Path("tiles.db"), "t")  # another suffix: at the last ":"
    assert split_table("area.gpkg") == (Path("area.gpkg"), None)
    odd = tmp_path / "GPKG:x:y"
    odd.write_bytes(b"")
    assert split_table(odd) == (odd, None)  # a file really so named is that file
    for bad in ("GPKG:area.gpkg", "GPKG:area.gpkg:", "GPKG:"):
        with pytest.raises(InputError, match="GPKG:FILE.gpkg:TABLE"):
            split_table(bad)


def test_gdal_reads_the_same_name(two_tables):
    with rasterio.open(f"GPKG:{two_tables}:area") as ds:  # what the syntax means to GDAL, which defined it
        assert ds.width == 512


def test_a_table_named_so_is_the_one_read_by_the_cli_and_the_warning_says_how(two_tables, caplog):
    from geolocator.cli import _load_tiles

    args = SimpleNamespace(epsg=None, tms=None, overlap=0.0, tile_size_m=None, zoom=None)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        first = _load_tiles(two_tables, args)
    said = [r.getMessage() for r in caplog.records]
    assert {t.ref.split("/")[0] for t in first.tiles} == {"Luftbild_2019"}
    assert said[0].endswith(f"choose another as GDAL names it, --tiles GPKG:{two_tables}:TABLE "
                            f"(e.g. GPKG:{two_tables}:area; the app takes the same name on its command line)")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        chosen = _load_tiles(Path(f"GPKG:{two_tables}:area"), args)
    assert {t.ref.split("/")[0] for t in chosen.tiles} == {"area"} and not caplog.records
    assert all(t.path == two_tables for t in chosen.tiles)  # the file itself: its tiles are read from it


def test_a_table_that_is_not_there_or_in_a_file_that_has_none_is_refused(two_tables, tmp_path):
    from geolocator.core.tilesets import load_tileset

    with pytest.raises(InputError) as e:
        load_tileset(f"GPKG:{two_tables}:Luftbild_2020")
    assert (e.value.path, e.value.problem) == (two_tables, "no tile table 'Luftbild_2020'; it has Luftbild_2019, area")
    folder = tmp_path / "tiles"
    folder.mkdir()
    with pytest.raises(InputError, match=r"a tile table \('t'\) is chosen only in a GeoPackage"):
        load_tileset(f"GPKG:{folder}:t")
    with pytest.raises(InputError) as e:
        load_tileset(f"GPKG:{tmp_path / 'gone.gpkg'}:t")
    assert (e.value.path, e.value.problem) == (tmp_path / "gone.gpkg", "not found")


def test_the_app_opens_the_table_named_on_its_command_line(qtbot, two_tables, tmp_path):
    pytest.importorskip("pytestqt")
    from geolocator.gui.main_window import split_paths

    from .test_gui_first_hour import wait_idle
    from .test_imagery_dialog import _window

    named = Path(f"GPKG:{two_tables}:area")
    assert split_paths([tmp_path / "photos", named]) == ([named], [tmp_path / "photos"])
    w = _window(qtbot, tmp_path)
    w.open_tileset(named)
    wait_idle(qtbot, w)
    assert w.session.ws.tileset is not None
    assert {t.ref.split("/")[0] for t in w.session.ws.tileset.tiles} == {"area"}
    w.close()


def test_the_level_line_speaks_of_the_table_named_not_the_first(tmp_path, caplog):
    """Table 'a' (first by name) holds zooms 0 and 1, table 'b' zoom 1 only: reading 'b' said "choose another
    with --zoom" (the first table's levels); it holds one level."""
    import sqlite3

    from geolocator.cli import _load_tiles

    from .test_readers_gpkg_exact import _MATRICES, _gpkg

    p = _gpkg(tmp_path / "two.gpkg", {(0, 0, 0): b"A", (1, 0, 0): b"B"}, table="a")
    with sqlite3.connect(p) as db:
        db.execute("INSERT INTO gpkg_contents VALUES ('b', 'tiles', 'b')")
        db.execute("INSERT INTO gpkg_tile_matrix_set VALUES ('b', 4326, 10.0, 40.0, 12.0, 41.0)")
        db.execute("INSERT INTO gpkg_tile_matrix VALUES ('b', 1, ?, ?, ?, ?, ?, ?)", _MATRICES[1])
        db.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, zoom_level INTEGER, tile_column INTEGER, "
                   "tile_row INTEGER, tile_data BLOB)")
        db.execute("INSERT INTO b (zoom_level, tile_column, tile_row, tile_data) VALUES (1, 2, 1, 'C')")
    args = SimpleNamespace(epsg=None, tms=None, overlap=0.0, tile_size_m=None, zoom=None)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ts = _load_tiles(Path(f"GPKG:{p}:b"), args)
    assert ts.zoom == 1
    assert f"GPKG:{p}:b: 1 tile at zoom 1 (the only level it holds)" in caplog.text


def test_the_app_picks_a_named_table_s_level_by_the_photos_as_for_any_package(two_tables, tmp_path, monkeypatch):
    """The app chooses a package's level from the photos' footprint; "GPKG:…:area" (suffix ".gpkg:area")
    was not taken for a package and got the 100 m default."""
    from geolocator.core.pipeline import Settings
    from geolocator.core.sources import package
    from geolocator.gui.jobs import Session

    asked = []
    monkeypatch.setattr(package, "photos_ground_m", lambda queries: asked.append(queries) or (None, 0))
    session = Session(Settings(cache_dir=tmp_path / "cache"), map_dir=tmp_path / "map")
    try:
        opened = session.open_tiles(Path(f"GPKG:{two_tables}:area"), [])
    finally:
        session.close()
    assert asked == [[]] and {t.ref.split("/")[0] for t in opened.tileset.tiles} == {"area"}
