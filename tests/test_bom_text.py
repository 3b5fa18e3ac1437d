"""core/bom_text.py: the byte order mark alone names a sidecar's encoding; nothing else is guessed."""

from __future__ import annotations

import codecs

import pytest

from geolocator.core.bom_text import bom_encoding, decode_by_bom, read_bom_text

TEXT = "0.5\r\n-0.5\r\nZ\u00fcrich \u00b0"


@pytest.mark.parametrize("raw, codec", [
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),  # Notepad's "Unicode"
    (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),  # "Unicode big endian"
    (codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"), "utf-32"),  # FF FE 00 00: not read as UTF-16
    (codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"), "utf-32"),
    (TEXT.encode("utf-8"), "utf-8"),
])
def test_each_mark_names_its_encoding_and_is_dropped(tmp_path, raw, codec):
    assert bom_encoding(raw) == codec
    assert decode_by_bom(raw) == TEXT
    (tmp_path / "a.wld").write_bytes(raw)
    assert read_bom_text(tmp_path / "a.wld") == TEXT


def test_bytes_without_a_mark_are_utf8_only():
    """UTF-16 without its mark, or Latin-1, is not guessed: strict decoding refuses, 'replace' keeps garbage."""
    with pytest.raises(UnicodeDecodeError):
        decode_by_bom("Z\u00fcrich".encode("latin-1"))
    assert decode_by_bom("0.5".encode("utf-16-le"), errors="replace") == "0\x00.\x005\x00"
    with pytest.raises(UnicodeDecodeError):
        decode_by_bom(codecs.BOM_UTF16_LE + b"0")  # an odd byte after a UTF-16 mark
