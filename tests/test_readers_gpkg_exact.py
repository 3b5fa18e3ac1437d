"""Exact answers for core/sources/gpkg.py (GeoPackage raster tiles), never mutated before session 8:
written for the survivors of its mutation run (training/results/mutation_readers.md). Each test writes
its GeoPackage with sqlite3 (a tile matrix set in EPSG:4326 with non-square tiles, so that widths and
heights cannot be swapped unnoticed); every expected value is worked out by hand in the comments.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from geolocator.core.model import Bounds
from geolocator.core.sources import gpkg

from .helpers import GPKG_MINIMAL_TABLES, GeolocatorLogs, input_error, png_file


_png, _err = png_file, input_error


def _Logs():
    return GeolocatorLogs(logging.INFO)


# --------------------------------------------------------------------------------------- gpkg.py

_GPKG_TABLES = GPKG_MINIMAL_TABLES

# zoom 0: 2 x 2 tiles of 4 x 2 px, 0.25 deg pixels: 1 deg wide, 0.5 deg tall, over lon 10..12, lat 40..41;
# zoom 1: 4 x 4 tiles of 4 x 2 px, 0.125 deg pixels: 0.5 deg wide, 0.25 deg tall
_MATRICES = {0: (2, 2, 4, 2, 0.25, 0.25), 1: (4, 4, 4, 2, 0.125, 0.125)}


def _gpkg(path: Path, tiles: dict, *, table="t", matrices=_MATRICES, extent=(10.0, 40.0, 12.0, 41.0),
          srs=(4326, "EPSG", 4326, "undefined"), ident="my tiles", contents=None, matrix_set=True) -> Path:
    import sqlite3

    db = sqlite3.connect(path)
    db.executescript(_GPKG_TABLES)
    db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES ('s', ?, ?, ?, ?, '')", srs)
    for row in (contents if contents is not None else [(table, "tiles", ident)]):
        db.execute("INSERT INTO gpkg_contents VALUES (?, ?, ?)", row)
    if matrix_set:
        db.execute("INSERT INTO gpkg_tile_matrix_set VALUES (?, ?, ?, ?, ?, ?)", (table, srs[0], *extent))
    for z, m in matrices.items():
        db.execute("INSERT INTO gpkg_tile_matrix VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (table, z, *m))
    quoted = '"' + table.replace('"', '""') + '"'
    db.execute(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, zoom_level INTEGER, tile_column INTEGER, "
               "tile_row INTEGER, tile_data BLOB)")
    db.executemany(f"INSERT INTO {quoted} (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
                   [(z, c, r, d) for (z, c, r), d in tiles.items()])
    db.commit()
    db.close()
    return path


def test_gpkg_table_names_are_quoted_whatever_they_hold(tmp_path):
    p = tmp_path / "x.gpkg"
    assert gpkg._quoted(p, "t 1") == '"t 1"'
    assert gpkg._quoted(p, "_a.b-C9") == '"_a.b-C9"'
    # refused before pmtiles36 (only ASCII letters, digits and _ .- passed): each is one quoted identifier
    for name, quoted in (("1t", '"1t"'), ("a;b", '"a;b"'), ('a"b', '"a""b"'), ("-a", '"-a"'),
                         ("Ortho (Süd) 2023", '"Ortho (Süd) 2023"'), ('x"; DROP TABLE t; --', '"x""; DROP TABLE t; --"')):
        assert gpkg._quoted(p, name) == quoted
    for bad in ("", "a\x00b"):  # no SQLite statement carries these
        e = _err(gpkg._quoted, p, bad)
        assert (e.path, e.problem) == (p, f"unsupported tile table name {bad!r}")


def test_gpkg_reads_one_zoom_with_exact_bounds_refs_and_order(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 1, 1): b"A", (0, 0, 0): b"B", (0, 1, 0): b"C", (1, 3, 2): b"D"})
    ts = gpkg.load(p, zoom=0)
    assert ts.zoom == 0 and ts.source == p and ts.attribution is None
    assert [(t.id, t.ref, t.path, t.bounds, t.corners) for t in ts.tiles] == [
        ("t/0/0/0", "t/0/0/0", p, Bounds(10.0, 40.5, 11.0, 41.0), None),   # rows from the north
        ("t/0/1/0", "t/0/1/0", p, Bounds(11.0, 40.5, 12.0, 41.0), None),
        ("t/0/1/1", "t/0/1/1", p, Bounds(11.0, 40.0, 12.0, 40.5), None),
    ]
    ts = gpkg.load(p, zoom=1)
    assert ts.zoom == 1 and [(t.id, t.bounds) for t in ts.tiles] == [("t/1/3/2", Bounds(11.5, 40.25, 12.0, 40.5))]
    assert [gpkg.read_tile(p, r) for r in ("t/0/1/1", "t/1/3/2", "t/1/0/0", "t/2/3/2")] == [b"A", b"D", None, None]


def test_gpkg_info_says_the_levels_bounds_and_identifier(tmp_path):
    from geolocator.core.sources.package import PackageInfo

    p = _gpkg(tmp_path / "a.gpkg", {(1, 0, 0): b"A", (0, 0, 0): b"B", (1, 1, 0): b"C"})
    assert gpkg.read_info(p) == PackageInfo(p, "gpkg", (0, 1), None, Bounds(10.0, 40.0, 12.0, 41.0), None,
                                            "my tiles", "t")
    # no identifier: the table's name
    q = _gpkg(tmp_path / "b.gpkg", {(0, 0, 0): b"B"}, ident=None)
    assert gpkg.read_info(q) == PackageInfo(q, "gpkg", (0,), None, Bounds(10.0, 40.0, 12.0, 41.0), None, "t", "t")


def test_gpkg_first_tile_table_by_name_unless_one_is_named(tmp_path):
    contents = [("zz", "tiles", "z"), ("t", "tiles", "t"), ("f", "features", "f")]
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, contents=contents)
    assert gpkg._tile_table(p, None) == "t"
    assert gpkg._tile_table(p, "zz") == "zz"
    e = _err(gpkg._tile_table, p, "f")
    assert e.problem == "no tile table 'f'; it has t, zz"
    q = _gpkg(tmp_path / "b.gpkg", {(0, 0, 0): b"B"}, contents=[("f", "features", "f")])
    assert _err(gpkg._tile_table, q, None).problem == "the GeoPackage holds no raster tiles (only features or attributes)"
    import sqlite3

    r = tmp_path / "c.gpkg"
    db = sqlite3.connect(r)
    db.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    db.commit()
    db.close()
    assert _err(gpkg._tile_table, r, None).problem == (
        "not a GeoPackage with raster tiles (no gpkg_contents / gpkg_tile_matrix_set table)")
    s = tmp_path / "d.gpkg"
    db = sqlite3.connect(s)
    db.execute("CREATE TABLE gpkg_tile_matrix_set (table_name TEXT)")
    db.commit()
    db.close()
    assert _err(gpkg._tile_table, s, None).problem == (
        "not a GeoPackage with raster tiles (no gpkg_contents / gpkg_tile_matrix_set table)")


@pytest.mark.parametrize("srs, text", [
    ((4326, "EPSG", 4326, "undefined"), "EPSG:4326"),
    ((7, "epsg", 3857, ""), "EPSG:3857"),                      # organisation in lower case
    ((8, "NONE", 3857, "EPSG:32611"), "EPSG:32611"),           # not EPSG: the definition
    ((9, "EPSG", 0, "EPSG:32611"), "EPSG:32611"),              # code 0: the definition
    ((10, "EPSG", 999999, "EPSG:32611"), "EPSG:32611"),        # an EPSG code pyproj lacks: the definition
    ((11, "EPSG", None, " EPSG:4326 "), " EPSG:4326 "),
])
def test_gpkg_crs_from_the_epsg_code_else_the_definition(tmp_path, srs, text):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, srs=srs)
    got, crs = gpkg._crs(p, "t")
    assert got == text and crs.to_epsg() == int(text.strip().split(":")[1])


@pytest.mark.parametrize("srs, problem", [
    ((99, "NONE", 0, "undefined"), "tile table 't': unknown coordinate system (srs_id 99, NONE:0)"),
    ((98, "EPSG", -1, " Undefined "), "tile table 't': unknown coordinate system (srs_id 98, EPSG:-1)"),
    ((97, None, None, "not a crs"), "tile table 't': unknown coordinate system (srs_id 97, None:None)"),
])
def test_gpkg_unknown_crs_is_named(tmp_path, srs, problem):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, srs=srs)
    assert _err(gpkg._crs, p, "t").problem == problem
    q = _gpkg(tmp_path / "b.gpkg", {(0, 0, 0): b"B"}, matrix_set=False)
    assert _err(gpkg._crs, q, "t").problem == "tile table 't' has no tile matrix set or spatial reference system"


def test_gpkg_matrices_and_their_refusals(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, matrices={1: (4, 3, 5, 6, 0.5, 0.25), 0: (1, 2, 3, 4, 1.0, 2.0)})
    assert gpkg._matrices(p, "t") == {0: gpkg._Matrix(0, 1, 2, 3, 4, 1.0, 2.0), 1: gpkg._Matrix(1, 4, 3, 5, 6, 0.5, 0.25)}
    assert list(gpkg._matrices(p, "t")) == [0, 1]
    for i, bad in enumerate([(0, 1, 1, 1, 1.0, 1.0), (1, 0, 1, 1, 1.0, 1.0), (1, 1, 0, 1, 1.0, 1.0),
                             (1, 1, 1, 0, 1.0, 1.0), (1, 1, 1, 1, 0.0, 1.0), (1, 1, 1, 1, 1.0, 0.0),
                             (1, 1, 1, -1, 1.0, 1.0), (1, 1, 1, 1, 1.0, -2.0)]):
        q = _gpkg(tmp_path / f"b{i}.gpkg", {(0, 0, 0): b"B"}, matrices={3: bad})
        assert _err(gpkg._matrices, q, "t").problem == "tile table 't', zoom 3: invalid tile matrix"


@pytest.mark.parametrize("extent", [(10.0, 40.0, 10.0, 41.0), (10.0, 40.0, 12.0, 40.0), (12.0, 40.0, 10.0, 41.0)])
def test_gpkg_empty_extent_is_refused(tmp_path, extent):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, extent=extent)
    assert _err(gpkg._extent, p, "t").problem == "tile table 't': empty tile matrix set extent"


def test_gpkg_extent_is_read_in_its_order(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, extent=(1.5, 2.5, 3.5, 4.5))
    assert gpkg._extent(p, "t") == (1.5, 2.5, 3.5, 4.5)


def test_gpkg_stored_centre_is_the_middle_of_the_finest_levels_tiles(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"A", (1, 1, 0): b"B", (1, 2, 3): b"C"})
    m = gpkg._matrices(p, "t")
    # zoom 1: columns 1..2 -> x 10 + 0.5 * (1 + 2 + 1) / 2 = 11.0; rows 0..3 -> y 41 - 0.25 * (0 + 3 + 1) / 2 = 40.5
    assert gpkg._stored_centre(p, "t", "EPSG:4326", m, (0, 1)) == (11.0, 40.5)
    # zoom 0 alone: column 0, row 0 -> (10.5, 40.75)
    assert gpkg._stored_centre(p, "t", "EPSG:4326", m, (0,)) == (10.5, 40.75)


def test_gpkg_ground_size_of_a_tile_in_degrees_mercator_utm_and_feet():
    from pyproj import CRS

    m = gpkg._Matrix(0, 1, 1, 4, 2, 0.25, 0.5)  # 4 px x 0.25 = 1 unit wide (the height is not read)
    # 1 deg of longitude on the equator: 2 pi a / 360 = 111 319.49 m (WGS84 a = 6 378 137 m)
    assert gpkg._ground_m(CRS.from_epsg(4326), m, 5.0, 0.0) == pytest.approx(111319.49, abs=0.01)
    m = gpkg._Matrix(0, 1, 1, 256, 128, 100.0, 50.0)  # 25 600 map metres
    # Web Mercator's scale at 60 deg is 1 / cos 60 = 2: 12 800 m on the ground
    assert gpkg._ground_m(CRS.from_epsg(3857), m, 5.0, 60.0) == pytest.approx(12800.0, rel=1e-9)
    # UTM 32N on its central meridian (9 E): scale 0.9996
    assert gpkg._ground_m(CRS.from_epsg(32632), m, 9.0, 0.0) == pytest.approx(25600.0 / 0.9996, rel=1e-9)
    # a CRS in US survey feet (EPSG:2229, California zone 5): 1 ft = 1200/3937 m
    g = gpkg._ground_m(CRS.from_epsg(2229), m, -118.0, 34.0)
    assert g == pytest.approx(25600.0 * 1200 / 3937, rel=2e-4)  # Lambert scale within 2e-4 of 1 in the zone


def test_gpkg_zoom_follows_the_tile_ground_size(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"A", (1, 1, 0): b"B"})
    # at 40.9 deg (the centre of tile 1/1/0): 1 deg of longitude ~ 84 km, 0.5 deg ~ 42 km
    assert gpkg.load(p, tile_size_m=80_000).zoom == 0
    assert gpkg.load(p, tile_size_m=45_000).zoom == 1
    assert gpkg.load(p).zoom == 1  # 100 m: the finer level
    e = _err(gpkg.load, p, zoom=2)
    assert e.problem == "no tiles at zoom 2; the package has zoom levels 0-1"


def test_gpkg_load_refusals_word_for_word(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(2, 0, 0): b"A"})
    assert _err(gpkg.load, p).problem == "tile table 't' holds no tiles with a tile matrix"
    for i, (c, r) in enumerate([(2, 0), (0, 2), (-1, 0), (0, -1)]):
        q = _gpkg(tmp_path / f"b{i}.gpkg", {(0, 0, 0): b"A", (0, c, r): b"B"})
        e = _err(gpkg.load, q, zoom=0)
        assert e.problem == f"tile table 't', zoom 0: tile column/row {(c, r)} outside the 2x2 tile matrix"


def test_gpkg_read_tile_refuses_malformed_refs_and_reads_null_as_missing(tmp_path):
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): None, (0, 1, 0): b""})
    assert gpkg.read_tile(p, "t/0/0/0") is None
    assert gpkg.read_tile(p, "t/0/1/0") == b""
    for ref in ("t/0/0", "0/0", "t/a/0/0"):
        assert _err(gpkg.read_tile, p, ref).problem == f"malformed tile reference {ref!r}"
    # the table is what comes before the last three fields (a name may hold "/"): no such table here
    for ref, table in (("t/0/0/0/0", "t/0"), ("x;y/0/0/0", "x;y")):
        assert _err(gpkg.read_tile, p, ref).problem == f"not a readable GeoPackage file (no such table: {table})"


def test_gpkg_refusals_name_the_file(tmp_path):
    """Each refusal above, with the GeoPackage named in the error (not only the problem)."""
    import sqlite3

    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, contents=[("f", "features", "f")])
    assert _err(gpkg._tile_table, p, None).path == p
    q = _gpkg(tmp_path / "b.gpkg", {(0, 0, 0): b"B"})
    assert _err(gpkg._tile_table, q, "zz").path == q
    r = tmp_path / "c.gpkg"
    db = sqlite3.connect(r)
    db.execute("CREATE TABLE gpkg_contents (table_name TEXT)")
    db.commit()
    db.close()
    assert _err(gpkg._tile_table, r, None).path == r
    s = _gpkg(tmp_path / "d.gpkg", {(0, 0, 0): b"B"}, matrix_set=False)
    assert _err(gpkg._crs, s, "t").path == s
    t = _gpkg(tmp_path / "e.gpkg", {(0, 0, 0): b"B"}, srs=(99, "NONE", 0, "undefined"))
    assert _err(gpkg._crs, t, "t").path == t
    u = _gpkg(tmp_path / "f.gpkg", {(0, 0, 0): b"B"}, matrices={3: (0, 1, 1, 1, 1.0, 1.0)})
    assert _err(gpkg._matrices, u, "t").path == u
    v = _gpkg(tmp_path / "g.gpkg", {(0, 0, 0): b"B"}, extent=(1.0, 1.0, 1.0, 2.0))
    assert _err(gpkg._extent, v, "t").path == v


UTM = (32611, "EPSG", 32611, "undefined")
UTM_FAIL = "coordinates cannot be transformed from EPSG:32611 to WGS84 (wrong EPSG code?)"


def test_gpkg_an_extent_the_crs_cannot_place_is_refused_naming_the_file(tmp_path):
    # 1e12 m east in UTM zone 11 has no longitude: geo.transform_to_wgs84 refuses it
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"B"}, srs=UTM, extent=(0.0, 0.0, 1e12, 1e12),
              matrices={0: (1, 1, 256, 256, 1e6, 1e6)})
    e = _err(gpkg.read_info, p)
    assert (e.path, e.problem) == (p, UTM_FAIL)
    e = _err(gpkg._boxes, p, "EPSG:32611", [0.0], [0.0], [1e12], [1e12])
    assert (e.path, e.problem) == (p, UTM_FAIL)
    e = _err(gpkg._wgs84, p, "EPSG:32611", [1e12], [0.0])
    assert (e.path, e.problem) == (p, UTM_FAIL)


def test_gpkg_stored_tiles_the_crs_cannot_place_are_refused_naming_the_file(tmp_path):
    # a sane UTM extent, but a stored tile 1e12 m east of it (100 m tiles, column 1e10)
    p = _gpkg(tmp_path / "a.gpkg", {(0, 10**10, 0): b"B"}, srs=UTM, extent=(400000.0, 4000000.0, 600000.0, 4100000.0),
              matrices={0: (2000, 1000, 100, 100, 1.0, 1.0)})
    e = _err(gpkg.load, p)
    assert (e.path, e.problem) == (p, UTM_FAIL)


class _Axis:
    def __init__(self, factor):
        self.unit_conversion_factor = factor


class _StubCRS:
    """A projected CRS stand-in: its axes' unit factors, and no PROJ definition (pyproj.Proj fails on it)."""

    is_geographic = False

    def __init__(self, *factors):
        self.axis_info = [_Axis(f) for f in factors]


def test_gpkg_ground_size_falls_back_to_map_units_when_the_crs_cannot_say(monkeypatch):
    m = gpkg._Matrix(0, 1, 1, 100, 50, 2.0, 4.0)  # 200 map units wide
    # x axis in feet (0.3048 m), y in metres: the x axis is the one read; no scale factor: 1
    assert gpkg._ground_m(_StubCRS(0.3048, 1.0), m, 0.0, 0.0) == pytest.approx(200 * 0.3048, rel=1e-12)
    # no axes, a factor that is not a number: metres
    assert gpkg._ground_m(_StubCRS(), m, 0.0, 0.0) == 200.0
    assert gpkg._ground_m(_StubCRS("x"), m, 0.0, 0.0) == 200.0
    assert gpkg._ground_m(_StubCRS(None), m, 0.0, 0.0) == 200.0

    import pyproj

    class _Factors:
        def __init__(self, scale):
            self.parallel_scale = scale

    for bad in (0.0, -2.0, float("inf"), float("nan")):
        monkeypatch.setattr(pyproj, "Proj", lambda crs, s=bad: type("P", (), {"get_factors": lambda self, lon, lat: _Factors(s)})())
        assert gpkg._ground_m(_StubCRS(1.0), m, 0.0, 0.0) == 200.0
    monkeypatch.setattr(pyproj, "Proj", lambda crs: type("P", (), {"get_factors": lambda self, lon, lat: _Factors(4.0)})())
    assert gpkg._ground_m(_StubCRS(1.0), m, 0.0, 0.0) == 50.0  # 200 map metres at scale 4


def test_gpkg_a_named_tile_table_is_the_one_read(tmp_path):
    import sqlite3

    # table "t" (first by name) holds tile 0/0/0; table "zz" holds tile 0/1/1 of the same matrix set
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"T"}, contents=[("t", "tiles", "first"), ("zz", "tiles", "second")])
    db = sqlite3.connect(p)
    db.execute("INSERT INTO gpkg_tile_matrix_set VALUES ('zz', 4326, 10.0, 40.0, 12.0, 41.0)")
    db.execute("INSERT INTO gpkg_tile_matrix VALUES ('zz', 0, 2, 2, 4, 2, 0.25, 0.25)")
    db.execute('CREATE TABLE "zz" (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)')
    db.execute('INSERT INTO "zz" VALUES (0, 1, 1, ?)', (b"Z",))
    db.commit()
    db.close()
    assert [t.id for t in gpkg.load(p).tiles] == ["t/0/0/0"]
    ts = gpkg.load(p, table="zz")
    assert [(t.id, t.bounds) for t in ts.tiles] == [("zz/0/1/1", Bounds(11.0, 40.0, 12.0, 40.5))]
    assert gpkg.read_info(p, "zz").name == "second" and gpkg.read_tile(p, "zz/0/1/1") == b"Z"


def test_gpkg_text_zoom_levels_in_an_untyped_table_are_refused_not_a_crash(tmp_path):
    # the GeoPackage spec makes zoom_level an INTEGER column; a table declared without types keeps '0' as
    # text, which SELECT DISTINCT lists but `zoom_level = 0` never matches (before session 8: a TypeError)
    import sqlite3

    p = _gpkg(tmp_path / "a.gpkg", {})
    db = sqlite3.connect(p)
    db.execute("DROP TABLE t")
    db.execute("CREATE TABLE t (zoom_level, tile_column, tile_row, tile_data)")
    db.execute("INSERT INTO t VALUES ('0', '0', '0', x'00')")
    db.commit()
    db.close()
    e = _err(gpkg.load, p)
    assert (e.path, e.problem) == (p, "tile table 't': no tiles at zoom 0 (its zoom_level values are not integers)")


def test_gpkg_more_refusals_name_the_file(tmp_path):
    # a tile table named with no characters at all: refused by read_info, naming the file
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"A"}, table="")
    e = _err(gpkg.read_info, p)
    assert (e.path, e.problem) == (p, "unsupported tile table name ''")
    q = _gpkg(tmp_path / "b.gpkg", {(0, 0, 0): b"A", (0, 2, 0): b"B"})
    assert _err(gpkg.load, q, zoom=0).path == q
    for ref in ("t/0/0", "t/a/0/0", "x;y/0/0/0"):
        assert _err(gpkg.read_tile, q, ref).path == q


def test_gpkg_web_mercator_zoom_is_chosen_by_ground_size_at_the_tiles_latitude(tmp_path):
    import math

    # EPSG:3857 around 60 N (y = R ln tan(45 + 30 deg) = 8 399 737.9 m), where the map scale is 1/cos 60 = 2:
    # zoom 0 tiles are 256 px x 100 m = 25 600 map metres = 12 800 m on the ground, zoom 1 tiles 6 400 m
    y0 = 6378137.0 * math.log(math.tan(math.radians(45 + 30)))
    mats = {0: (2, 2, 256, 256, 100.0, 100.0), 1: (4, 4, 256, 256, 50.0, 50.0)}
    p = _gpkg(tmp_path / "m.gpkg", {(0, 0, 0): b"A", (1, 1, 1): b"B"}, srs=(3857, "EPSG", 3857, "undefined"),
              matrices=mats, extent=(0.0, y0 - 51200.0, 51200.0, y0))
    assert gpkg.load(p, tile_size_m=12_800).zoom == 0
    assert gpkg.load(p, tile_size_m=6_400).zoom == 1
    e = _err(gpkg.load, p, zoom=2)
    assert (e.path, e.problem) == (p, "no tiles at zoom 2; the package has zoom levels 0-1")


def test_gpkg_projected_tiles_keep_their_corners(tmp_path):
    # UTM zone 11 near its edge turns the grid against the meridians: each tile has corners
    p = _gpkg(tmp_path / "u.gpkg", {(0, 0, 0): b"A"}, srs=UTM, extent=(200000.0, 4000000.0, 200100.0, 4000100.0),
              matrices={0: (1, 1, 100, 100, 1.0, 1.0)})
    [t] = gpkg.load(p).tiles
    assert t.corners is not None and len(t.corners) == 4
    q = _gpkg(tmp_path / "e.gpkg", {(2, 0, 0): b"A"})
    e = _err(gpkg.load, q)
    assert (e.path, e.problem) == (q, "tile table 't' holds no tiles with a tile matrix")


def test_gpkg_a_stored_tile_the_crs_cannot_place_is_refused_naming_the_file(tmp_path):
    # UTM zone 11 places x = 1e7 m (48 W) but not x = 2e7 m: 100 km tiles at columns 0 and 190 have their
    # middle at x = 9.55e6 m (placeable, so the level is chosen) but the second tile's east edge at 1.91e7 m
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"A", (0, 190, 0): b"B"}, srs=UTM,
              extent=(0.0, 3000000.0, 1000000.0, 4000000.0), matrices={0: (200, 10, 100, 100, 1000.0, 1000.0)})
    e = _err(gpkg.load, p)
    assert (e.path, e.problem) == (p, UTM_FAIL)


@pytest.mark.parametrize("table", ["1bad", "Ortho (Süd) 2023", "ortho 2019/2020", 'quote"d', "x;y"])
def test_gpkg_a_tile_table_of_any_name_is_read(tmp_path, table):
    """Regression (pmtiles36): GDAL names a GeoPackage's raster table after the file, so "Ortho (Süd)
    2023.gpkg" holds table "Ortho (Süd) 2023"; such names were refused ("unsupported tile table name").
    Each is now read, and its tiles' refs (table/z/col/row, the table's own "/" kept) find the tiles."""
    p = _gpkg(tmp_path / "a.gpkg", {(0, 0, 0): b"A", (0, 1, 1): b"B"}, table=table)
    ts = gpkg.load(p, zoom=0)
    assert [t.ref for t in ts.tiles] == [f"{table}/0/0/0", f"{table}/0/1/1"]
    assert [gpkg.read_tile(p, t.ref) for t in ts.tiles] == [b"A", b"B"]
    assert gpkg.read_info(p).table == table
