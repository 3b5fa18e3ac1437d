"""Text of a small sidecar file (world file, .prj, TileJSON) in the encoding its byte order mark names.

Windows tools save text as UTF-8 with a byte order mark (Notepad's "UTF-8") or as UTF-16 with one
(Notepad's and PowerShell 5's "Unicode"); everything else here is read as UTF-8. The encoding is decided by
the mark alone (The Unicode Standard, §23.8 "Byte Order Mark"), never guessed from the bytes: a file without
a mark that is not UTF-8 stays refused by its reader with that reader's message. UTF-32 marks are checked
before UTF-16's, since FF FE 00 00 also begins with FF FE.

decode_sidecar is the exception, for the sidecars people edit by hand whose every character is of the Latin range (a
drone's .SRT, missing.txt): there a file without a mark is also tried as UTF-16 (told by its NUL bytes) and, when it
is not UTF-8, read as Windows-1252; the rules are in its docstring (session 37).
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


def _utf16_without_mark(raw: bytes) -> str | None:
    """"utf-16-le" / "utf-16-be" for bytes that are UTF-16 text saved without a byte order mark, told by where its
    NUL bytes fall: text of the Latin range (a DJI .SRT, a tile list: digits, letters, punctuation) saved as UTF-16
    has a NUL as the high byte of nearly every character, on odd offsets for little-endian, even ones for big-endian,
    and UTF-8 text holds no NUL at all. None when the first 4 KiB are not so (mostly NULs on one side, none on the
    other)."""
    head = raw[:4096]
    pairs = len(head) // 2
    if pairs < 2 or b"\x00" not in head:
        return None
    even, odd = head[0:2 * pairs:2].count(0), head[1:2 * pairs:2].count(0)
    if odd >= 0.6 * pairs and even == 0:
        return "utf-16-le"
    if even >= 0.6 * pairs and odd == 0:
        return "utf-16-be"
    return None


def decode_sidecar(raw: bytes, errors: str = "strict") -> tuple[str, str]:
    """(text, encoding) of a small text sidecar people save with whatever editor is at hand (a drone's .SRT, a tile
    folder's missing.txt), in this order: the encoding its byte order mark names (bom_encoding); UTF-16 without a
    mark, told by its NUL bytes (_utf16_without_mark; a subtitle editor's or PowerShell's "Unicode" save whose mark was
    lost read as no text at all); UTF-8; else Windows-1252 ("ANSI" in Notepad, a superset of Latin-1 for printable
    bytes: its 0xB0 is the degree sign DJI writes after gimbal angles, which read as U+FFFD broke the angle's pattern).
    UTF-8 whose only fault is its last character cut short is UTF-8, that character U+FFFD.
    `errors` as for bytes.decode, for the encoding a mark or the NUL pattern names. With "strict", ValueError
    (UnicodeDecodeError) for bytes that do not decode in it (an odd byte count in UTF-16: a file cut short); anything
    else gives text (a binary file too: its reader finds nothing of its format in it and says so, and a
    stray NUL in a sidecar with junk at its end keeps the rest readable)."""
    mark = bom_encoding(raw)
    if mark != "utf-8":
        return raw.decode(mark, errors=errors), mark
    utf16 = _utf16_without_mark(raw)
    if utf16 is not None:
        return raw.decode(utf16, errors=errors), utf16
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data" and exc.end == len(raw):
            # UTF-8 but for its last character, cut by a copy cut short: read as Windows-1252 its every "°" became
            # "Â°" and the whole file's gimbal angles were lost (propfuzz37); the torn character is U+FFFD
            return raw[:exc.start].decode("utf-8") + "\ufffd", "utf-8"
    return raw.decode("cp1252", errors="replace"), "cp1252"  # 5 bytes cp1252 leaves undefined: U+FFFD
