"""Property test of GDAL's GeoPackage table name (window37/leftovers36: gpkg.connection and gpkg.split_table, what
the app's Tile table box and Recent Tile Sets keep and the CLI's --tiles takes), propfuzz37: any GeoPackage path
(spaces, Unicode, ":" in folder names, the suffix in any case) and any table name SQLite holds come back apart as
they went in. A table name that a Path normalises ("a//b", "x/./y", "ortho/") came back rewritten while
connection() returned a Path (smallfix37: it returns gpkg.TableName, a str, now).
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, strategies as st

from geolocator.core.sources.gpkg import connection, path_or_table, split_table

from .prop_profile import prop

names = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=20)
folders = st.lists(st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/"), min_size=1,
                           max_size=8).filter(lambda s: s not in (".", "..")), max_size=3)


@given(folders, names.filter(lambda s: "/" not in s and ".gpkg:" not in s.lower() and s not in (".", "..")),
       st.sampled_from([".gpkg", ".GPKG", ".Gpkg"]), names)
@prop(300)
def test_a_connection_string_comes_apart_as_it_went_in(parts, stem, suffix, table):
    path = Path("/", *parts, stem + suffix)
    if ".gpkg:" in str(path).lower():
        return  # the documented limit: the file's own path holding ".gpkg:"
    named = connection(path, table)
    assert split_table(named) == (path, table) and (named.file, named.table) == (path, table)
    assert path_or_table(str(named)) == named  # as the CLI's --tiles and Recent Tile Sets read it back


def test_a_table_name_with_a_double_slash_comes_back_whole():
    """Before (propfuzz37's strict xfail): connection() gave Path("GPKG:/data/area.gpkg:a/b"), table "a/b"."""
    for table in ("a//b", "x/./y", "ortho/"):
        assert split_table(connection(Path("/data/area.gpkg"), table)) == (Path("/data/area.gpkg"), table)
