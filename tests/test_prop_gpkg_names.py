"""Property tests of GeoPackage tile tables of any name (core/sources/gpkg.py, pmtiles36): GDAL names a raster
table after the file ("Ortho (Süd) 2023"), QGIS after the layer; a user may type quotes, brackets, slashes,
SQL keywords, spaces at the ends. Whatever the name (any Unicode SQLite stores, NUL aside), the table is
listed, loaded, its tiles read back byte for byte through their refs ("table/z/col/row"), and asked for by
name; another table's name is never read instead. Settings: tests/prop_profile.py."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from geolocator.core.errors import InputError
from geolocator.core.sources import gpkg

from .prop_profile import prop
from .test_readers_gpkg_exact import _MATRICES, _gpkg

# SQLite keeps text as UTF-8: any code point but NUL and the surrogates (which no UTF-8 file can hold)
names = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=24),
    st.lists(st.sampled_from(['"', "'", "[", "]", "`", "/", "\\", " ", "select", "drop table t;", "--", "1/2/3",
                              "%", "_", "?", ":x", "ü", "\u202e", "\n", "gpkg_contents", "0"]),
             min_size=1, max_size=6).map("".join),
)


# names a GeoPackage cannot give a tile table: its own tables (SQLite compares ASCII case-insensitively) and
# SQLite's reserved prefix (nightly drew "GPKG_CONTENTS": the file could not be written, not a reader bug)
_TAKEN = {"gpkg_contents", "gpkg_spatial_ref_sys", "gpkg_tile_matrix", "gpkg_tile_matrix_set",
          "geolocator_metadata"}


def _writable(name: str) -> bool:
    folded = "".join(c.lower() if c.isascii() else c for c in name)
    return folded not in _TAKEN and not folded.startswith("sqlite_")


names = names.filter(_writable)


def _tiles(tag: bytes) -> dict:
    return {(0, 0, 0): b"a" + tag, (0, 1, 1): b"b" + tag, (1, 3, 2): b"c" + tag}


@prop(25)
@given(names)
@example('a"b')
@example("t/0/0/0")
@example("[x]")
@example(" x ")
@example("Ortho (Süd) 2023")
def test_a_tile_table_of_any_name_loads_and_reads_back(name):
    with tempfile.TemporaryDirectory(prefix="propfuzz-gpkg-") as d:
        path = _gpkg(Path(d) / "n.gpkg", _tiles(b"1"), table=name)
        info = gpkg.read_info(path)
        assert info.table == name and info.zooms == (0, 1)
        for z in (0, 1):
            tiles = gpkg.load(path, zoom=z)
            got = {t.ref: gpkg.read_tile(path, t.ref) for t in tiles.tiles}
            want = {f"{name}/{z}/{c}/{r}": d for (zz, c, r), d in _tiles(b"1").items() if zz == z}
            assert got == want
            assert {t.id for t in tiles.tiles} == set(want)
        assert gpkg.load(path, zoom=1, table=name).tiles


@prop(15)
@given(names, names)
def test_two_tables_of_any_names_are_told_apart(first, second):
    """Two tile tables in one file (GDAL's RASTER_TABLE, a second layer): asked for by name, each gives its
    own tiles; a name that is neither is refused naming both."""
    if first == second or first.lower() == second.lower() and first.isascii() and second.isascii():
        return  # SQLite table names are one name whatever their ASCII case: such a file cannot be written
    with tempfile.TemporaryDirectory(prefix="propfuzz-gpkg-") as d:
        path = _gpkg(Path(d) / "two.gpkg", _tiles(b"1"), table=first,
                     contents=[(first, "tiles", "one"), (second, "tiles", "two")])
        db = sqlite3.connect(path)
        db.execute("INSERT INTO gpkg_tile_matrix_set VALUES (?, 4326, 10, 40, 12, 41)", (second,))
        for z, m in _MATRICES.items():
            db.execute("INSERT INTO gpkg_tile_matrix VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (second, z, *m))
        q = '"' + second.replace('"', '""') + '"'
        db.execute(f"CREATE TABLE {q} (id INTEGER PRIMARY KEY, zoom_level INTEGER, tile_column INTEGER, "
                   "tile_row INTEGER, tile_data BLOB)")
        db.executemany(f"INSERT INTO {q} (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)",
                       [(z, c, r, v) for (z, c, r), v in _tiles(b"2").items()])
        db.commit()
        db.close()
        for name, tag in ((first, b"1"), (second, b"2")):
            tiles = gpkg.load(path, zoom=1, table=name)
            assert {gpkg.read_tile(path, t.ref) for t in tiles.tiles} == {b"c" + tag}
        other = first + second + "x"
        with pytest.raises(InputError) as err:
            gpkg.load(path, table=other)
        assert repr(other) in err.value.problem
