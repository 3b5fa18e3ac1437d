"""Property tests of tiles.csv rows (core/sources/csv.py): columns in any order (the corner columns as a
person or a script lays them out), extra columns, and image paths of any characters a file name holds,
written as RFC 4180 says (csv.writer quotes what needs it). test_prop_csv.py covers the numbers as
spreadsheets write them; these cover the columns and the paths. Deterministic (derandomize).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest

from geolocator.core.model import Bounds
from geolocator.core.sources.csv import load_tiles_csv

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

COLUMNS = ["path", "west", "south", "east", "north"]
# characters of a file name that CSV must quote or that end a "line" for str.splitlines(), drawn often
_SPECIAL = st.sampled_from(list(',;"\' \t\n\r\x0b\x0c\x1c\x1d\x1e\x85') + ["\u2028", "\u2029", "é", "漢", "\U0001f642"])
_CHAR = st.one_of(_SPECIAL, st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\x00"))
_NAME = st.text(_CHAR, min_size=1, max_size=12).filter(lambda s: s.strip() == s and s not in (".", ".."))


@st.composite
def tile_rows(draw):
    names = draw(st.lists(_NAME, min_size=1, max_size=4, unique=True))
    rows = []
    for name in names:
        w = draw(st.floats(-180.0, 179.0))
        s = draw(st.floats(-90.0, 89.0))
        rows.append((name + ".png", w, s, w + draw(st.floats(1e-6, 1.0)), s + draw(st.floats(1e-6, 1.0))))
    return rows


@prop(50)
@given(tile_rows(), st.permutations(COLUMNS + ["note"]), st.sampled_from([",", ";", "\t"]),
       st.sampled_from(["\r\n", "\n"]), st.sampled_from(["minimal", "all"]))
@example([("a\u2028b.png", 7.0, 46.0, 8.0, 47.0)], ["north", "path", "west", "south", "east", "note"], ",", "\r\n",
         "minimal")  # a quoted path holding U+2028 was split into two rows: "west is not a number: ''"
@example([("0\r0.png", 0.0, 0.0, 1.0, 1.0)], COLUMNS + ["note"], ",", "\r\n", "minimal")  # a quoted CR read as LF
def test_a_tiles_csv_with_columns_in_any_order_and_any_paths_reads_back(rows, order, delimiter, eol, quoting):
    """RFC 4180 §2: records end at CR LF (LF accepted); a field holding the delimiter, a quote or a line
    break is enclosed in quotes, its quotes doubled; the header names the columns (matched by name, so
    path/west/south/east/north in any order, with any other column beside them). Property: every row is
    read as the tile at its path (the name as written, resolved beside the CSV) with the four numbers
    written (repr round-trips exactly)."""
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as root:
        folder = Path(root)
        buf = io.StringIO()
        # Python 3.11's writer leaves a CR unquoted when the line ends are LF (RFC 4180 quotes it): all quoted then
        lone_cr = eol == "\n" and any("\r" in r[0] for r in rows)
        writer = csv.writer(buf, delimiter=delimiter, lineterminator=eol,
                            quoting=csv.QUOTE_ALL if quoting == "all" or lone_cr else csv.QUOTE_MINIMAL)
        writer.writerow(order)
        for name, w, s, e, n in rows:
            (folder / name).write_bytes(b"x")
            cells = {"path": name, "west": repr(w), "south": repr(s), "east": repr(e), "north": repr(n), "note": "x,y"}
            writer.writerow([cells[c] for c in order])
        (folder / "tiles.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")
        got = load_tiles_csv(folder / "tiles.csv").tiles
        assert [t.id for t in got] == [r[0] for r in rows]
        for t, (name, w, s, e, n) in zip(got, rows):
            assert t.bounds == Bounds(w, s, e, n)
            assert t.path == folder / name
