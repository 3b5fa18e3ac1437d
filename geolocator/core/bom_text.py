"""Text of a small sidecar file (world file, .prj, TileJSON) in the encoding its byte order mark names.

Windows tools save text as UTF-8 with a byte order mark (Notepad's "UTF-8") or as UTF-16 with one
(Notepad's and PowerShell 5's "Unicode"); everything else here is read as UTF-8. The encoding is decided by
the mark alone (The Unicode Standard, §23.8 "Byte Order Mark"), never guessed from the bytes: a file without
a mark that is not UTF-8 stays refused by its reader with that reader's message. UTF-32 marks are checked
before UTF-16's, since FF FE 00 00 also begins with FF FE.
"""

from __future__ import annotations

import codecs
from pathlib import Path

# (mark, codec): the codec decodes the whole file and drops the mark
_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(raw: bytes) -> str:
    """The codec name for `raw` (bytes of a whole file): the one its byte order mark names, "utf-8" without one."""
    for mark, codec in _MARKS:
        if raw.startswith(mark):
            return codec
    return "utf-8"


def decode_by_bom(raw: bytes, errors: str = "strict") -> str:
    """`raw` decoded in the encoding its byte order mark names (bom_encoding), the mark removed.
    `errors` as for bytes.decode; with "strict", UnicodeDecodeError (a ValueError) for bytes that are not
    that encoding (an odd byte count in UTF-16 included)."""
    return raw.decode(bom_encoding(raw), errors=errors)


def read_bom_text(path: Path, errors: str = "strict") -> str:
    """The text of the file at `path` (decode_by_bom). Raises OSError when it cannot be read and, with
    errors="strict", UnicodeDecodeError for bytes that are not the encoding its mark names."""
    return decode_by_bom(Path(path).read_bytes(), errors=errors)
