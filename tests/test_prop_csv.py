"""Property tests of the two CSV readers people feed by hand or from a spreadsheet: truth.csv
(core/queries.py read_truth_csv) and tiles.csv (core/sources/csv.py load_tiles_csv). Written the ways
spreadsheets and scripts write them (comma, semicolon or tab between cells; a decimal comma where the
cells are not parted by commas; a byte order mark; Windows line ends; every cell quoted or none;
header names in any case, padded; an extra column) they read back to the numbers written. Deterministic
(derandomize): the same files every run.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest

from geolocator.core.errors import InputError
from geolocator.core.queries import read_truth_csv
from geolocator.core.sources.csv import load_tiles_csv

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402


@st.composite
def spreadsheet_styles(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    decimal = "." if delimiter == "," else draw(st.sampled_from([".", ","]))  # a comma-decimal locale's export
    return {"delimiter": delimiter, "decimal": decimal, "bom": draw(st.booleans()),
            "crlf": draw(st.booleans()), "quote_all": draw(st.booleans()),
            "upper": draw(st.booleans()), "pad": draw(st.sampled_from(["", " "])),
            "extra": draw(st.booleans())}


def _number(draw, lo: float, hi: float) -> str:
    """A number as a person or script writes it: 0-8 decimals."""
    return f"{draw(st.floats(lo, hi)):.{draw(st.integers(0, 8))}f}"


def _write(path: Path, header: list[str], rows: list[list[str]], style: dict) -> None:
    if style["upper"]:
        header = [h.upper() for h in header]
    header = [style["pad"] + h + style["pad"] for h in header]
    if style["extra"]:
        header, rows = header + ["notes"], [r + ["seen from the road"] for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=style["delimiter"], lineterminator="\r\n" if style["crlf"] else "\n",
                        quoting=csv.QUOTE_ALL if style["quote_all"] else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([c.replace(".", style["decimal"]) if i in (1, 2, 3, 4) else c for i, c in enumerate(row)])
    path.write_bytes(("\ufeff" if style["bom"] else "").encode() + buf.getvalue().encode("utf-8"))


@given(spreadsheet_styles(), st.data())
@prop(60)
def test_a_truth_csv_from_any_spreadsheet_reads_back_to_its_numbers(style, data):
    n = data.draw(st.integers(1, 4))
    rows = [[f"queries/DJI_{i:04d}.JPG", _number(data.draw, -90, 90), _number(data.draw, -180, 180)]
            for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "queries").mkdir()
        for row in rows:
            (root / row[0]).write_bytes(b"")
        _write(root / "truth.csv", ["query", "lat", "lon"], rows, style)
        truth = read_truth_csv(root / "truth.csv", root)
    assert sorted(truth) == sorted(r[0] for r in rows)
    for query, lat, lon in rows:
        assert (truth[query][0].lat, truth[query][0].lon) == (float(lat), float(lon)), style


@given(spreadsheet_styles(), st.data())
@prop(60)
def test_a_tiles_csv_from_any_spreadsheet_reads_back_to_its_numbers(style, data):
    n = data.draw(st.integers(1, 4))
    rows = []
    for i in range(n):
        w = data.draw(st.floats(-179.0, 178.0))
        s = data.draw(st.floats(-89.0, 88.0))
        size = data.draw(st.floats(0.001, 1.0))
        rows.append([f"tiles/t{i}.png", f"{w:.6f}", f"{s:.6f}", f"{w + size:.6f}", f"{s + size:.6f}"])
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "tiles").mkdir()
        for row in rows:
            (root / row[0]).write_bytes(b"")
        _write(root / "tiles.csv", ["path", "west", "south", "east", "north"], rows, style)
        tiles = load_tiles_csv(root / "tiles.csv")
    assert [t.id for t in tiles.tiles] == [r[0] for r in rows]
    for tile, row in zip(tiles.tiles, rows):
        b = tile.bounds
        assert (b.west, b.south, b.east, b.north) == tuple(float(v) for v in row[1:]), style


def test_a_tab_separated_truth_csv_with_decimal_commas_reads_them():
    """A comma-decimal spreadsheet saved as tab-separated text writes 46,5 for 46.5, as its ';' export
    does: a tab-separated file holds no comma between cells, so the comma can only be the decimal mark
    (tiles.csv reads it so). Before, truth.csv refused it, saying it was a comma-separated file."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "queries").mkdir()
        (root / "queries" / "a.jpg").write_bytes(b"")
        (root / "truth.csv").write_text("query\tlat\tlon\nqueries/a.jpg\t46,5\t-7,25\n", encoding="utf-8")
        truth = read_truth_csv(root / "truth.csv", root)
    assert (truth["queries/a.jpg"][0].lat, truth["queries/a.jpg"][0].lon) == (46.5, -7.25)


def test_a_quoted_decimal_comma_in_a_comma_separated_truth_csv_is_still_refused():
    """In a ','-separated file "46,5" is ambiguous enough to be said, not guessed (unchanged)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "queries").mkdir()
        (root / "queries" / "a.jpg").write_bytes(b"")
        (root / "truth.csv").write_text('query,lat,lon\nqueries/a.jpg,"46,5",7.25\n', encoding="utf-8")
        with pytest.raises(InputError, match="decimal comma"):
            read_truth_csv(root / "truth.csv", root)
