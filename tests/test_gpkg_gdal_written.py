"""GeoPackages as GDAL writes them (rasterio's bundled GDAL, GPKG raster driver): a raster table named
after the file, in a national projected CRS, and several raster tables in one file (pmtiles36)."""

from __future__ import annotations

import logging
import sqlite3

import numpy as np
import pytest

from geolocator.core.errors import InputError
from geolocator.core.sources import gpkg
from geolocator.core.sources.tile_image import load_package, open_tile_image

rasterio = pytest.importorskip("rasterio")


def _gdal_gpkg(path, *, table: str | None = None, append: bool = False, seed: int = 0):
    """A 512 x 512 px RGB raster at 0.2 m in ETRS89 / UTM 32N (EPSG:25832) written by GDAL into `path`
    (table `table`, else GDAL's default: the file's base name); `append` adds it as another table."""
    from affine import Affine

    data = (np.random.default_rng(seed).random((3, 8, 8)) * 255).astype("uint8").repeat(64, 1).repeat(64, 2)
    options = {}
    if table is not None:
        options["RASTER_TABLE"] = table
    if append:
        options["APPEND_SUBDATASET"] = "YES"
    with rasterio.open(path, "w", driver="GPKG", width=512, height=512, count=3, dtype="uint8", crs="EPSG:25832",
                       transform=Affine(0.2, 0, 500000, 0, -0.2, 5400000), **options) as ds:
        ds.write(data)
    return path


def test_a_gdal_geopackage_named_with_brackets_and_umlauts_is_read(tmp_path):
    """GDAL names the table "Ortho (Süd) 2023" after the file; it was refused ("unsupported tile table
    name"). Its tiles now open, placed in UTM 32N around 9° E, 48.7° N."""
    p = _gdal_gpkg(tmp_path / "Ortho (Süd) 2023.gpkg")
    with sqlite3.connect(p) as db:
        assert db.execute("SELECT table_name FROM gpkg_contents").fetchall() == [("Ortho (Süd) 2023",)]
    ts = load_package(p)
    assert ts.tiles and all(t.ref.startswith("Ortho (Süd) 2023/") for t in ts.tiles)
    for t in ts.tiles:
        assert open_tile_image(t).size == (256, 256)
        assert 8.9 < t.bounds.west < t.bounds.east < 9.1 and 48.6 < t.bounds.south < t.bounds.north < 48.8


def test_several_gdal_tile_tables_the_first_by_name_is_read_and_the_others_named(tmp_path, caplog):
    p = _gdal_gpkg(tmp_path / "area.gpkg")
    _gdal_gpkg(p, table="Luftbild_2019", append=True, seed=1)
    assert [r[0] for r in sqlite3.connect(p).execute("SELECT table_name FROM gpkg_contents ORDER BY 1")] == [
        "Luftbild_2019", "area"]
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_package(p)
    assert {t.ref.split("/")[0] for t in ts.tiles} == {"Luftbild_2019"}
    assert [r.getMessage() for r in caplog.records] == [
        f"{p} holds 2 tile tables ('Luftbild_2019', 'area'); only 'Luftbild_2019', the first by name, is read: "
        f"choose another as GDAL names it, --tiles GPKG:{p}:TABLE (e.g. GPKG:{p}:area; the app takes the same name "
        "on its command line)"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        gpkg.load(p, table="area")  # a table asked for by name: nothing to say
        load_package(_gdal_gpkg(tmp_path / "one.gpkg"))  # one table: nothing to say
    assert caplog.records == []


def test_an_elevation_geopackage_is_named_as_such(tmp_path):
    """Regression (pmtiles36): GDAL writes a Float32 raster (a DEM) as a 2d-gridded-coverage table, which
    was refused as holding "only features or attributes"."""
    from affine import Affine

    p = tmp_path / "dem.gpkg"
    with rasterio.open(p, "w", driver="GPKG", width=256, height=256, count=1, dtype="float32", crs="EPSG:25832",
                       transform=Affine(1, 0, 500000, 0, -1, 5400000)) as ds:
        ds.write(np.full((1, 256, 256), 312.5, dtype="float32"))
    with sqlite3.connect(p) as db:
        assert db.execute("SELECT data_type FROM gpkg_contents").fetchall() == [("2d-gridded-coverage",)]
    with pytest.raises(InputError) as err:
        load_package(p)
    assert (err.value.path, err.value.problem) == (p, "its rasters are gridded coverage data (elevation or other "
                                                      "values, 2d-gridded-coverage), not imagery: geolocator needs "
                                                      "image tiles")


def test_the_example_for_another_table_pastes_into_a_shell_as_one_argument(tmp_path, caplog):
    """Input (trial37): area.gpkg whose second table is named 'ortho 2024' (QGIS and GDAL keep spaces). Before:
    the warning's example read `e.g. GPKG:area.gpkg:ortho 2024`, which a shell splits into two arguments; now
    it is quoted, and the one argument it gives opens that table."""
    import shlex

    p = _gdal_gpkg(tmp_path / "area.gpkg")
    _gdal_gpkg(p, table="ortho 2024", append=True, seed=1)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        load_package(p)
    (message,) = [r.getMessage() for r in caplog.records]
    example = message.split("(e.g. ", 1)[1].split("; the app", 1)[0]
    assert example == f"'GPKG:{p}:ortho 2024'"
    (arg,) = shlex.split(example)
    given = gpkg.path_or_table(arg)  # what --tiles makes of it
    assert (given.file, given.table) == (p, "ortho 2024")
    assert {t.ref.split("/")[0] for t in gpkg.load(given.file, table=given.table).tiles} == {"ortho 2024"}
