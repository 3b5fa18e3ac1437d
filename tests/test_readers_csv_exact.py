"""Exact answers for core/sources/csv.py (tiles.csv, the CSV helpers), never mutated before session 8:
written for the survivors of its mutation run (training/results/mutation_readers.md). Every file is
written by the test itself (a tiles.csv with the real columns, tiny PNGs); every expected value is
worked out by hand.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from geolocator.core.model import Bounds
from geolocator.core.sources import csv as csvsrc

from .helpers import GeolocatorLogs, input_error, png_file

COLS = ("path", "west", "south", "east", "north")


_png, _err = png_file, input_error


def _Logs():
    return GeolocatorLogs(logging.INFO)


# ---------------------------------------------------------------------------------------- csv.py


def test_csv_delimiter_is_the_one_that_splits_the_header_into_every_column(tmp_path):
    p = tmp_path / "t.csv"
    with _Logs() as logs:
        assert csvsrc._delimiter(p, "path,west,south,east,north", COLS) == ","
    assert logs.records == []  # commas are said nothing about
    with _Logs() as logs:
        assert csvsrc._delimiter(p, " PATH ;West;south;east;north", COLS) == ";"
        assert csvsrc._delimiter(p, "path\twest\tsouth\teast\tnorth", COLS) == "\t"
    assert logs.messages() == [
        f"{p}: columns are separated by semicolons; read that way",
        f"{p}: columns are separated by tabs; read that way",
    ]
    assert [r.levelno for r in logs.records] == [logging.INFO, logging.INFO]
    # no delimiter gives every column: comma (the error then names the missing ones)
    assert csvsrc._delimiter(p, "path|west|south|east|north", COLS) == ","
    # split on commas the header holds "north" but not the rest; split on semicolons it holds all five
    assert csvsrc._delimiter(p, "path;west;south;east;north;x,north", COLS) == ";"


def test_csv_rows_carry_their_line_numbers_stripped_values_and_blank_lines_skipped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("\ufeff Path ,WEST, b\n a1 , 2 ,3\n\n ,  , \nx\n", encoding="utf-8")
    rows = csvsrc.read_csv_rows(p, ("path", "west"))
    # line 3 is empty and line 4 only blanks: skipped; line 5 has one value, the others are ""
    assert rows == [(2, {"path": "a1", "west": "2", "b": "3"}), (5, {"path": "x", "west": "", "b": ""})]


def test_csv_rows_on_semicolons_and_their_errors_word_for_word(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("path;west\na;1,5\n", encoding="utf-8")
    with _Logs() as logs:
        assert csvsrc.read_csv_rows(p, ("path", "west")) == [(2, {"path": "a", "west": "1,5"})]
    assert logs.messages() == [f"{p}: columns are separated by semicolons; read that way"]

    e = _err(csvsrc.read_csv_rows, tmp_path / "none.csv", COLS)
    assert (e.path, e.problem, e.line) == (tmp_path / "none.csv", "file not found", None)

    p.write_bytes(b"path,west\n\xff\xfe\x00bad\n")
    e = _err(csvsrc.read_csv_rows, p, COLS)
    # session 28: the line and the way out are named (tests/test_locale_names.py)
    assert e.problem.startswith("not UTF-8 text (byte 0xff): it was saved in another character set") and (e.path, e.line) == (p, 2)

    p.write_text("", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, COLS)
    assert (e.path, e.problem, e.line) == (p, "empty file: expected a header line 'path,west,south,east,north'", None)

    p.write_text("path,west,south\na,1,2\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, COLS)
    assert (e.path, e.problem, e.line) == (p,
        "missing column(s) east, north; the header must contain path,west,south,east,north", 1)

    p.write_text("path,west\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path", "west"))
    assert (e.path, e.problem, e.line) == (p, "no data rows after the header", None)


def test_csv_a_long_row_is_refused_with_the_decimal_comma_hint_only_when_it_fits(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("path,west\nok,1\na,10,5\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path", "west"))
    assert (e.path, e.problem, e.line) == (p,
        "3 values but the header has 2 columns — decimal commas? Numbers like 10,5 split a comma-separated row: "
        "write 10.5, or separate the columns with semicolons", 3)
    # the second value alone is a whole number: the hint
    p.write_text("path,west\na,10,x\n", encoding="utf-8")
    assert _err(csvsrc.read_csv_rows, p, ("path", "west")).problem.endswith("or separate the columns with semicolons")
    # no value after the first is a whole number: no hint (the first value is not looked at)
    p.write_text("path,west\n7,x,y\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path", "west"))
    assert (e.path, e.problem, e.line) == (p, "3 values but the header has 2 columns", 2)
    # on semicolons a decimal comma cannot be the cause: no hint
    p.write_text("path;west\na;1;5\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path", "west"))
    assert (e.path, e.problem, e.line) == (p, "3 values but the header has 2 columns", 2)
    # exactly as many values as columns is fine
    p.write_text("path,west\na,1\n", encoding="utf-8")
    assert csvsrc.read_csv_rows(p, ("path", "west")) == [(2, {"path": "a", "west": "1"})]


def test_csv_a_field_over_the_csv_modules_limit_is_not_valid_csv_with_its_line(tmp_path):
    import csv

    big = "x" * (csv.field_size_limit() + 1)
    p = tmp_path / "t.csv"
    p.write_text(f"path,{big}\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path",))
    assert e.problem.startswith("not valid CSV (field larger than field limit") and (e.path, e.line) == (p, 1)
    p.write_text(f"path,west\na,1\n\nb,{big}\n", encoding="utf-8")
    e = _err(csvsrc.read_csv_rows, p, ("path", "west"))
    assert e.problem.startswith("not valid CSV (field larger than field limit") and (e.path, e.line) == (p, 4)
    # a header of small fields that is over the limit only when split on commas: read on semicolons
    many = "path;west;" + ";".join(["x"] * (csv.field_size_limit() // 2 + 10))
    p.write_text(many + "\na;1\n", encoding="utf-8")
    assert csvsrc._delimiter(p, many, ("path", "west")) == ";"
    assert csvsrc.read_csv_rows(p, ("path", "west"))[0][1]["west"] == "1"


def test_resolve_inside_gives_the_path_and_refuses_what_leaves_the_folder(tmp_path):
    base = tmp_path / "region"
    src = base / "tiles.csv"
    assert csvsrc.resolve_inside(src, 3, base, "a\\b.png") == (base / "a" / "b.png", "a/b.png")
    assert csvsrc.resolve_inside(src, 3, base, "a/../c.png") == (base / "c.png", "c.png")
    e = _err(csvsrc.resolve_inside, src, 4, base, "")
    assert (e.path, e.problem, e.line) == (src, "path is empty", 4)
    e = _err(csvsrc.resolve_inside, src, 5, base, "", what="image")
    assert (e.path, e.problem, e.line) == (src, "image is empty", 5)
    e = _err(csvsrc.resolve_inside, src, 6, base, "..\\x.png")
    assert (e.path, e.problem, e.line) == (src, f"path '../x.png' points outside the folder {base}", 6)
    e = _err(csvsrc.resolve_inside, src, 7, base, "a/..")
    assert (e.path, e.problem, e.line) == (src, "path 'a/..' names the folder itself, not a file", 7)


def _tiles_csv(tmp_path: Path, body: str, images=("a.png", "b.png"), sep=",") -> Path:
    for name in images:
        _png(tmp_path / name)
    p = tmp_path / "tiles.csv"
    p.write_text(sep.join(COLS) + "\n" + body, encoding="utf-8")
    return p


def test_tiles_csv_reads_exact_bounds_ids_and_paths(tmp_path):
    p = _tiles_csv(tmp_path, "a.png,10.25,-5.5,10.5,-5.25\nb.png,179.5,1,-179.5,2\n")
    ts = csvsrc.load_tiles_csv(p)
    assert ts.source == p and ts.attribution is None and ts.zoom is None
    assert [(t.id, t.path, t.bounds) for t in ts.tiles] == [
        ("a.png", tmp_path / "a.png", Bounds(10.25, -5.5, 10.5, -5.25)),
        ("b.png", tmp_path / "b.png", Bounds(179.5, 1.0, -179.5, 2.0)),  # across the antimeridian, 1 deg wide
    ]


def test_tiles_csv_decimal_commas_are_read_and_the_first_line_is_named(tmp_path):
    p = _tiles_csv(tmp_path, "a.png;10,25;-5,5;10,5;-5\nb.png;11;-5,5;11,5;-5\n", sep=";")
    with _Logs() as logs:
        ts = csvsrc.load_tiles_csv(p)
    assert [t.bounds for t in ts.tiles] == [Bounds(10.25, -5.5, 10.5, -5.0), Bounds(11.0, -5.5, 11.5, -5.0)]
    assert logs.messages(logging.WARNING) == [
        f"{p}, line 2: decimal commas read as decimal points (10,5 = 10.5)"]
    # the first comma on line 3: line 3 is named
    p.write_text("path;west;south;east;north\na.png;10;-5;10.5;-4\nb.png;11;-5;11,5;-4\n", encoding="utf-8")
    with _Logs() as logs:
        ts = csvsrc.load_tiles_csv(p)
    assert ts.tiles[1].bounds == Bounds(11.0, -5.0, 11.5, -4.0)
    assert logs.messages(logging.WARNING) == [
        f"{p}, line 3: decimal commas read as decimal points (10,5 = 10.5)"]
    p.write_text("path;west;south;east;north\na.png;10;-5;10.5;-4\n", encoding="utf-8")
    with _Logs() as logs:
        csvsrc.load_tiles_csv(p)
    assert logs.messages(logging.WARNING) == []


@pytest.mark.parametrize("row, problem", [
    ("a.png,10,2,11,1", "south (2.0) is greater than north (1.0)"),
    ("a.png,10,1,10,2", "tile has zero width or height"),
    ("a.png,10,1,11,1", "tile has zero width or height"),
    ("a.png,100.5,1,-79,2", "west (100.5) is greater than east (-79.0): read as crossing the antimeridian that "
                            "would make the tile 180° wide; are west and east swapped?"),  # 180.5 deg
    ("a.png,10,1,-10,2", "west (10.0) is greater than east (-10.0): read as crossing the antimeridian that would "
                         "make the tile 340° wide; are west and east swapped?"),
    ("a.png,181,1,182,2", "west = 181.0 is out of range [-180, 180]"),
    ("a.png,10,-91,11,2", "south = -91.0 is out of range [-90, 90]"),
    ("a.png,10,1,181,2", "east = 181.0 is out of range [-180, 180]"),
    ("a.png,10,1,11,91", "north = 91.0 is out of range [-90, 90]"),
    ("c.png,10,1,11,2", "image file 'c.png' does not exist"),
    ("../a.png,10,1,11,2", "path '../a.png' points outside the folder {base}"),
])
def test_tiles_csv_refusals_name_the_line(tmp_path, row, problem):
    p = _tiles_csv(tmp_path, "b.png,0,0,1,1\n" + row + "\n")
    e = _err(csvsrc.load_tiles_csv, p)
    assert (e.path, e.problem, e.line) == (p, problem.format(base=tmp_path), 3)


def test_tiles_csv_exactly_180_degrees_across_the_antimeridian_is_kept(tmp_path):
    p = _tiles_csv(tmp_path, "a.png,90,1,-90,2\n")
    assert csvsrc.load_tiles_csv(p).tiles[0].bounds.width_deg == 180.0


def test_tiles_csv_a_tile_listed_twice_names_its_first_line(tmp_path):
    p = _tiles_csv(tmp_path, "a.png,0,0,1,1\nb.png,1,0,2,1\n./a.png,2,0,3,1\n")
    e = _err(csvsrc.load_tiles_csv, p)
    assert (e.path, e.problem, e.line) == (p, "'a.png' is listed twice (first on line 2)", 4)


def test_tiles_csv_reader_claims_csv_files_and_folders_holding_tiles_csv(tmp_path):
    p = _tiles_csv(tmp_path, "a.png,0,0,1,1\n")
    other = tmp_path / "x.txt"
    other.write_text("path,west,south,east,north\n")
    upper = tmp_path / "T.CSV"
    upper.write_text(p.read_text())
    assert csvsrc._claims(p) and csvsrc._claims(upper) and csvsrc._claims(tmp_path)
    assert not csvsrc._claims(other) and not csvsrc._claims(tmp_path / "a.png")
    assert not csvsrc._claims(tmp_path / "sub") and not csvsrc._claims(_png(tmp_path / "sub" / "a.png").parent)
    from geolocator.core.sources.registry import LoadOptions

    assert [t.id for t in csvsrc._load(tmp_path, LoadOptions()).tiles] == ["a.png"]
    assert csvsrc._load(upper, LoadOptions()).source == upper
    assert (csvsrc.READER.name, csvsrc.READER.describe) == ("tiles.csv", "a tiles.csv")
