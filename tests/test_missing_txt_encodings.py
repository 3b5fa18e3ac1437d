"""A tile folder's missing.txt as editors save it (session 37): UTF-16 with or without its byte order mark, UTF-8
with one, Windows-1252. Read as UTF-8 with replacement, a UTF-16 file's keys were NUL-interleaved and none matched
a tile (every recorded 404 asked for again), and this run's UTF-8 appends made it half one encoding, half another."""

from __future__ import annotations

import logging
import time

import pytest

from geolocator.core.sources import fetch as F
from geolocator.core.sources.missing_tiles import stamp_line

T = F.TileTemplate("http://h/{z}/{x}/{y}")


@pytest.mark.parametrize("codec, bom", [("utf-16-le", "\ufeff"), ("utf-16-be", "\ufeff"), ("utf-16-le", ""),
                                        ("utf-16-be", ""), ("utf-8", "\ufeff"), ("cp1252", "")])
def test_missing_txt_is_read_in_the_encoding_it_was_saved_in_and_appended_to_as_one_file(tmp_path, codec, bom):
    out = tmp_path / "tiles"
    out.mkdir()
    recorded = time.time() - 3600.0
    text = f"{bom}{stamp_line(recorded)}\r\n# d\u00e9j\u00e0 vu\r\n17/1/2\r\n"  # a comment with letters outside ASCII
    (out / F.MISSING_FILE).write_bytes(text.encode(codec))
    sink = F.FolderSink(out, T)
    age = sink.missing_age(17, 1, 2)
    assert age is not None and 3590.0 <= age <= 3700.0
    sink.missing(17, 3, 4)  # this run's record: appended as UTF-8
    again = F.FolderSink(out, T)
    assert again.missing_age(17, 1, 2) is not None and again.missing_age(17, 3, 4) is not None
    data = (out / F.MISSING_FILE).read_bytes()
    assert b"\x00" not in data  # no UTF-16 left beside this run's UTF-8 lines
    data.decode("utf-8-sig" if codec != "cp1252" else "cp1252")  # one encoding


def test_a_missing_txt_that_is_no_text_is_said_and_left_as_it_is(tmp_path, caplog):
    out = tmp_path / "tiles"
    out.mkdir()
    junk = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01"
    (out / F.MISSING_FILE).write_bytes(junk)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        sink = F.FolderSink(out, T)
    assert sink.missing_age(17, 1, 2) is None
    assert any("missing.txt: not read (not a text file)" in r.getMessage() for r in caplog.records)
    assert (out / F.MISSING_FILE).read_bytes() == junk
