"""Exact answers of the MBTiles reader and writer (core/sources/mbtiles.py), written for the
survivors of session 6's mutation run (training/results/mutation.md): small packages built with
MBTilesWriter in a temporary folder, no imagery decoded."""

from __future__ import annotations

import math
import sqlite3

import pytest

from geolocator.core.errors import InputError
from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.sources import mbtiles
from geolocator.core.sources.package import web_mercator_tile_m


def _package(path, tiles, *, bounds=True, **kw):
    """An MBTiles holding b"z/x/y" at every (z, x, y) of `tiles` (XYZ rows); without bounds metadata
    when `bounds` is False (bounds are optional in MBTiles 1.3)."""
    w = mbtiles.MBTilesWriter(path, **kw)
    for z, x, y in tiles:
        w.put(z, x, y, f"{z}/{x}/{y}".encode())
    w.close()
    if not bounds:
        with sqlite3.connect(path) as db:
            db.execute("DELETE FROM metadata WHERE name IN ('bounds', 'center')")
    return path


def test_without_bounds_the_latitude_is_the_middle_stored_rows_centre(tmp_path):
    # rows 300..309 at zoom 10: the middle row is round(304.5) = 304 (banker's rounding of the TMS rows'
    # mean 718.5 -> 718, XYZ 1023 - 718 = 305)
    z = 10
    path = _package(tmp_path / "a.mbtiles", [(z, 500, y) for y in range(300, 310)], bounds=False)
    tms = [2**z - 1 - y for y in range(300, 310)]
    middle = 2**z - 1 - round((min(tms) + max(tms)) / 2)
    assert mbtiles._stored_centre_lat(path, (z,)) == xyz_tile_bounds(z, 0, middle).center.lat
    assert mbtiles._stored_centre_lat(path, (z,)) == pytest.approx(xyz_tile_bounds(z, 0, 305).center.lat)
    # it reads the deepest level only
    path2 = _package(tmp_path / "b.mbtiles", [(z, 500, 300), (z + 1, 1000, 1000)], bounds=False)
    assert mbtiles._stored_centre_lat(path2, (z, z + 1)) == xyz_tile_bounds(z + 1, 0, 1000).center.lat


def test_without_tiles_or_with_rows_off_the_grid_the_latitude_is_the_equators(tmp_path):
    assert mbtiles._stored_centre_lat(tmp_path / "never-opened.mbtiles", ()) == 0.0
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tiles SET tile_row = 40")  # beyond the 8 rows of zoom 3
    assert mbtiles._stored_centre_lat(path, (3,)) == 0.0


def test_a_package_without_bounds_chooses_its_zoom_at_the_latitude_of_its_tiles(tmp_path):
    # Tiles near 60 deg N are half as wide on the ground as at the equator: a 150 m target picks
    # zoom 17 there (153 m; 76 m at 18), where the equator's sizes (306 m, 153 m) would pick 18.
    lat = 60.0
    z0 = 17
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z0)
    tiles = [(z0, 70000, y), (z0 + 1, 140000, 2 * y)]
    path = _package(tmp_path / "north.mbtiles", tiles, bounds=False)
    at_lat = min((z0, z0 + 1), key=lambda z: abs(math.log(web_mercator_tile_m(z, lat) / 150.0)))
    at_equator = min((z0, z0 + 1), key=lambda z: abs(math.log(web_mercator_tile_m(z, 0.0) / 150.0)))
    assert (at_lat, at_equator) == (z0, z0 + 1)
    assert mbtiles.load(path, tile_size_m=150.0).zoom == at_lat


def test_a_malformed_reference_names_the_package_and_the_reference(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    with pytest.raises(InputError) as err:
        mbtiles.read_tile(path, "3/one/1")
    assert err.value.path == path and err.value.problem == "malformed tile reference '3/one/1'"
    assert mbtiles.read_tile(path, "3/1/1") == b"3/1/1" and mbtiles.read_tile(path, "3/1/2") is None


@pytest.mark.parametrize("text", ["1,2,3", "west,south,east,north", "1;2;3;4"])
def test_bounds_that_are_not_four_degrees_name_the_package_and_the_text(tmp_path, text):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE metadata SET value = ? WHERE name = 'bounds'", (text,))
    with pytest.raises(InputError) as err:
        mbtiles.read_info(path)
    assert err.value.path == path
    assert err.value.problem == f"metadata 'bounds' must be 'west,south,east,north' in degrees, got {text!r}"


def test_a_reference_with_too_few_parts_names_the_package(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    with pytest.raises(InputError) as err:
        mbtiles.read_tile(path, "3/1")
    assert err.value.path == path and err.value.problem == "malformed tile reference '3/1'"


def test_a_database_without_a_tiles_table_is_refused_by_name_and_one_without_metadata_is_read(tmp_path):
    path = tmp_path / "notes.mbtiles"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    with pytest.raises(InputError) as err:
        mbtiles.read_info(path)
    assert err.value.path == path and err.value.problem == "not an MBTiles file: it has no 'tiles' table"
    bare = tmp_path / "bare.mbtiles"
    with sqlite3.connect(bare) as db:
        db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
        db.execute("INSERT INTO tiles VALUES (2, 1, 1, x'00')")
    info = mbtiles.read_info(bare)
    assert (info.zooms, info.format, info.bounds, info.attribution, info.name) == ((2,), None, None, None, None)


def test_metadata_names_are_read_trimmed_and_in_any_case(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)], attribution="© Example")
    with sqlite3.connect(path) as db:
        db.execute("UPDATE metadata SET name = ' FORMAT ' WHERE name = 'format'")
        db.execute("UPDATE metadata SET value = 'WebP' WHERE name = ' FORMAT '")
        db.execute("INSERT INTO metadata VALUES (NULL, 'ignored')")
    info = mbtiles.read_info(path)
    assert (info.format, info.attribution, info.name) == ("webp", "© Example", "a")


def _rows(path, sql):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_the_writer_stores_tms_rows_and_mbtiles_metadata(tmp_path):
    path = tmp_path / "new" / "deeper" / "set.mbtiles"
    w = mbtiles.MBTilesWriter(path, fmt="jpg", attribution="© Example")
    assert (w.get_metadata("name"), w.get_metadata("format"), w.get_metadata("type"), w.get_metadata("version"),
            w.get_metadata("attribution"), w.get_metadata("bounds")) == ("set", "jpg", "baselayer", "1.3", "© Example", None)
    w.put(5, 3, 4, b"tile")
    w.put(5, 3, 4, b"again")  # the same tile replaced, not doubled
    assert (w.has(5, 3, 4), w.has(5, 3, 5), w.has(5, 4, 4), w.has(6, 3, 4)) == (True, False, False, False)
    w.missing(5, 6, 7)
    w.missing(5, 6, 7)
    assert (w.known_missing(5, 6, 7), w.known_missing(5, 6, 8), w.known_missing(5, 7, 7)) == (True, False, False)
    w.commit()
    # durable at commit (another reader sees it), with rows counted from the south (TMS): 2^5 - 1 - 4 = 27
    assert _rows(path, "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles") == [(5, 3, 27, b"again")]
    assert _rows(path, "SELECT * FROM geolocator_missing") == [(5, 6, 24)]
    w.set_metadata(description="d", attribution=None)
    assert w.get_metadata("description") == "d" and w.get_metadata("attribution") == "© Example"
    w.close()
    assert mbtiles.read_tile(path, "5/3/4") == b"again"


def test_closing_writes_the_stored_tiles_zooms_bounds_and_centre(tmp_path):
    path = tmp_path / "a.mbtiles"
    w = mbtiles.MBTilesWriter(path, name="Area")
    for z, x, y in ((4, 1, 1), (5, 2, 3), (5, 4, 2), (5, 3, 5)):
        w.put(z, x, y, b"t")
    w.close()
    meta = dict(_rows(path, "SELECT name, value FROM metadata"))
    nw, se = xyz_tile_bounds(5, 2, 2), xyz_tile_bounds(5, 4, 5)  # the deepest level's corner tiles
    assert (meta["name"], meta["format"], meta["minzoom"], meta["maxzoom"]) == ("Area", "png", "4", "5")
    assert meta["bounds"] == f"{nw.west:.8f},{se.south:.8f},{se.east:.8f},{nw.north:.8f}"
    lon, lat = (nw.west + se.east) / 2, (se.south + nw.north) / 2
    assert meta["center"] == f"{lon:.8f},{lat:.8f},5"
    info = mbtiles.read_info(path)
    assert info.zooms == (4, 5) and info.bounds.west == pytest.approx(nw.west) and info.bounds.north == pytest.approx(nw.north)


def test_closing_an_empty_writer_writes_no_zooms_or_bounds(tmp_path):
    path = tmp_path / "empty.mbtiles"
    mbtiles.MBTilesWriter(path).close()
    assert {k for k, _ in _rows(path, "SELECT name, value FROM metadata")} == {"name", "format", "type", "version"}


def test_writing_into_a_file_that_is_not_sqlite_names_it(tmp_path):
    path = tmp_path / "photo.mbtiles"
    path.write_bytes(b"\xff\xd8 not a database" * 100)
    with pytest.raises(InputError) as err:
        mbtiles.MBTilesWriter(path)
    assert err.value.path == path and err.value.problem.startswith("cannot write tiles into it: not an MBTiles file (")


@pytest.mark.parametrize("fmt, accepted", [("png", True), ("JPG", True), ("jpeg", True), ("webp", True), ("pbf", False),
                                          ("mvt", False)])
def test_imagery_formats_are_read_and_vector_tiles_refused_by_name(tmp_path, fmt, accepted):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)], fmt=fmt)
    if accepted:
        assert mbtiles.read_info(path).format == fmt.lower()
        return
    with pytest.raises(InputError) as err:
        mbtiles.read_info(path)
    assert err.value.path == path
    assert err.value.problem == f"its tiles are {fmt!r}, not imagery (geolocator needs png, jpg, webp or avif tiles)"


def test_the_declared_bounds_give_the_latitude_that_chooses_the_zoom(tmp_path):
    # tiles stored near the equator, bounds declared at 60 deg N: the metadata is believed (zoom 17
    # at 60 N for a 150 m target, 18 at the equator: see the test without bounds above)
    path = _package(tmp_path / "a.mbtiles", [(17, 70000, 2**16), (18, 140000, 2**17)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE metadata SET value = '10.0,59.99,10.01,60.01' WHERE name = 'bounds'")
    assert mbtiles.load(path, tile_size_m=150.0).zoom == 17
    assert mbtiles.load(_package(tmp_path / "b.mbtiles", [(17, 70000, 2**16), (18, 140000, 2**17)]),
                        tile_size_m=150.0).zoom == 18


def test_asking_for_a_zoom_the_package_lacks_names_it_and_its_levels(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1), (4, 2, 2), (6, 1, 1)])
    with pytest.raises(InputError) as err:
        mbtiles.load(path, zoom=5)
    assert err.value.path == path and err.value.problem == "no tiles at zoom 5; the package has zoom levels 3, 4, 6"
    tiles = mbtiles.load(path, zoom=4)
    assert [(t.id, t.ref, t.bounds) for t in tiles.tiles] == [("4/2/2", "4/2/2", xyz_tile_bounds(4, 2, 2))]


def test_the_package_info_names_its_file_and_kind(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    info = mbtiles.read_info(path)
    assert (info.path, info.kind, info.zooms, info.format) == (path, "mbtiles", (3,), "png")


def test_a_stored_row_off_its_zooms_grid_names_the_package_and_the_zoom(tmp_path):
    path = _package(tmp_path / "a.mbtiles", [(3, 1, 1)])
    with sqlite3.connect(path) as db:
        db.execute("UPDATE tiles SET tile_row = 8")  # XYZ row 2^3 - 1 - 8 = -1
    with pytest.raises(InputError) as err:
        mbtiles.load(path, zoom=3)
    assert err.value.path == path and err.value.problem.startswith("zoom 3: ")
