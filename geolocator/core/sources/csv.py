"""tiles.csv: path,west,south,east,north in WGS84 degrees, paths relative to the CSV.

Also the CSV helpers shared with the truth.csv parser (queries.py): header matching, the
delimiter a spreadsheet chose (comma, semicolon or tab), errors naming file and line.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from pathlib import Path

from ..errors import InputError
from ..geo import DECIMAL_COMMA, parse_number
from ..model import Bounds, Tile, TileSet
from .registry import LoadOptions, Reader

log = logging.getLogger("geolocator")

TILES_CSV_COLUMNS = ("path", "west", "south", "east", "north")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}
_LINE_END = re.compile(r"\r\n|\r|\n")


def _delimiter(path: Path, header_line: str, required: tuple[str, ...]) -> str:
    """The delimiter that splits the header into the required columns. Spreadsheets in locales
    with a decimal comma (most of Europe) save "CSV" with semicolons; tabs come from copy-paste.
    "," when none does (also when the header is not valid CSV: read_csv_rows then refuses it)."""
    for delim in (",", ";", "\t"):
        try:
            names = [h.strip().lower() for h in next(csv.reader([header_line], delimiter=delim))]
        except csv.Error:  # e.g. a field over csv.field_size_limit(): read_csv_rows says so, naming line 1
            continue
        if all(c in names for c in required):
            if delim != ",":
                log.info("%s: columns are separated by %ss; read that way", path, _DELIMITER_NAMES[delim])
            return delim
    return ","


# Said after "N values but the header has M columns" when a comma-separated row holds numbers
# (queries' truth.csv reader gives a more precise hint in its place).
DECIMAL_COMMA_HINT = (" — decimal commas? Numbers like 10,5 split a comma-separated row: write 10.5, "
                      "or separate the columns with semicolons")


def not_utf8_error(path: Path, exc: UnicodeDecodeError) -> InputError:
    """InputError naming the line of `path` that is not UTF-8 and what makes such files: a
    spreadsheet's plain "CSV" export on Windows writes the system's own character set (Windows-1252
    in Germany, France or Brazil, Shift_JIS in Japan), where "Gelände" is not UTF-8 (session 28:
    the message said only "cannot read as UTF-8 text ('utf-8' codec can't decode byte 0xe4 ...)").
    The text is not guessed in another character set: a wrong guess would turn its names into other
    names, silently."""
    line = exc.object[:exc.start].count(b"\n") + 1 if isinstance(exc.object, bytes) else None
    byte = exc.object[exc.start:exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
    return InputError(path, f"not UTF-8 text (byte 0x{byte}): it was saved in another character set, as a "
                      "spreadsheet's plain \"CSV\" export on Windows is (Windows-1252, Shift_JIS); save it as "
                      "\"CSV UTF-8\", or convert it, e.g. iconv -f WINDOWS-1252 -t UTF-8", line=line)


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a headed CSV; errors name the file and line.

    Header names are matched case-insensitively and stripped, so Excel-made files work. The
    delimiter is the one (comma, semicolon, tab) that makes the header hold the required
    columns. Raises InputError for a missing file, a missing column, a row with more values than
    the header (with a hint when decimal commas look like the cause) or no data rows.
    """
    path = Path(path)
    try:
        # -sig: Excel writes a BOM; decoded from the bytes, so a CR inside a quoted field stays a CR (read_text's
        # newline translation made it a LF, and the path named another file)
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnicodeDecodeError as exc:
        raise not_utf8_error(path, exc) from None
    except OSError as exc:
        raise InputError(path, f"cannot read as UTF-8 text ({exc})") from None
    # records are split by the csv module itself (RFC 4180: a quoted field may hold a line break; only CR, LF
    # and CR LF end a line): str.splitlines() also broke at a form feed, U+2028 and other characters a file
    # name may hold, splitting a quoted path's row in two ("west is not a number: ''")
    header_line = _LINE_END.split(text, maxsplit=1)[0]
    delim = _delimiter(path, header_line, required) if text else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, f"empty file: expected a header line '{','.join(required)}'") from None
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})", line=1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; the header must contain {','.join(required)}", line=1)
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) > len(names):
                hint = ""
                if delim == "," and any(v.strip().isdigit() for v in values[1:]):
                    hint = DECIMAL_COMMA_HINT
                raise InputError(path, f"{len(values)} values but the header has {len(names)} columns{hint}", line=line)
            row = {n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)}
            rows.append((line, row))
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})", line=reader.line_num) from None
    if not rows:
        raise InputError(path, "no data rows after the header")
    return rows


def resolve_inside(path: Path, line: int, base: Path, text: str, what: str = "path") -> tuple[Path, str]:
    """Resolve `text` relative to `base`; refuse anything that leaves `base`.

    Returns (absolute path, posix path relative to base). The check is lexical (../ and absolute
    paths), so a region folder can still use symlinks that the user set up on purpose.
    """
    if not text:
        raise InputError(path, f"{what} is empty", line=line)
    text = text.replace("\\", "/")  # CSVs written on Windows
    base = Path(os.path.abspath(base))
    full = Path(os.path.normpath(base / text))  # an absolute `text` replaces base here
    if not full.is_relative_to(base):
        raise InputError(path, f"{what} {text!r} points outside the folder {base}", line=line)
    rel = full.relative_to(base).as_posix()
    if rel == ".":
        raise InputError(path, f"{what} {text!r} names the folder itself, not a file", line=line)
    return full, rel


def load_tiles_csv(path: Path) -> TileSet:
    """Read a tile index: path,west,south,east,north in WGS84 degrees, paths relative to the CSV.

    west > east is a tile crossing the antimeridian (RFC 7946 §3.1.9), kept as a narrow box.
    Decimal commas (10,5 in a semicolon-separated file, or quoted) are read as decimal points
    and a warning names the first line. Raises InputError naming file and line for anything else.
    """
    path = Path(path)
    base = path.parent
    tiles: list[Tile] = []
    first_line: dict[str, int] = {}
    comma_line = None
    for line, row in read_csv_rows(path, TILES_CSV_COLUMNS):
        for key in ("west", "south", "east", "north"):
            if DECIMAL_COMMA.match(row[key]):
                row[key] = row[key].replace(",", ".")
                comma_line = comma_line or line
        w = parse_number(path, line, "west", row["west"], -180, 180)
        s = parse_number(path, line, "south", row["south"], -90, 90)
        e = parse_number(path, line, "east", row["east"], -180, 180)
        n = parse_number(path, line, "north", row["north"], -90, 90)
        if s > n:
            raise InputError(path, f"south ({s}) is greater than north ({n})", line=line)
        if w == e or s == n:
            raise InputError(path, "tile has zero width or height", line=line)
        bounds = Bounds(w, s, e, n)
        if bounds.crosses_antimeridian and bounds.width_deg > 180:
            raise InputError(
                path,
                f"west ({w}) is greater than east ({e}): read as crossing the antimeridian that would make the "
                f"tile {bounds.width_deg:.0f}° wide; are west and east swapped?",
                line=line,
            )
        full, rel = resolve_inside(path, line, base, row["path"])
        if not full.is_file():
            raise InputError(path, f"image file {rel!r} does not exist", line=line)
        if rel in first_line:
            raise InputError(path, f"{rel!r} is listed twice (first on line {first_line[rel]})", line=line)
        first_line[rel] = line
        tiles.append(Tile(id=rel, path=full, bounds=bounds))
    if comma_line is not None:
        log.warning("%s, line %d: decimal commas read as decimal points (10,5 = 10.5)", path, comma_line)
    return TileSet(tuple(tiles), path)


def _claims(path: Path) -> bool:
    if path.is_file():
        return path.suffix.lower() == ".csv"
    return (path / "tiles.csv").is_file()


def _load(path: Path, options: LoadOptions) -> TileSet:
    return load_tiles_csv(path if path.is_file() else path / "tiles.csv")


READER = Reader("tiles.csv", _claims, _load, describe="a tiles.csv")
