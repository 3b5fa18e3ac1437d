"""core/xml_chars.xml_document, character by character against XML 1.0 §2.2 production [2] Char (session
36: the export property test passed with the module's tab, U+FFFE/U+FFFF, U+001F, lone-surrogate or CR
rule changed; mutation36_session36.md). Each case is read back by a strict XML parser (expat)."""

from __future__ import annotations

from xml.dom import minidom

import pytest

from geolocator.core.xml_chars import escaped, xml_document


def _name_read_back(name: str) -> str:
    """`name` as an element's text of a document made readable by xml_document, parsed back."""
    doc = minidom.parseString(xml_document(f"<gpx><name>{name}</name></gpx>").encode("utf-8"))
    return doc.getElementsByTagName("name")[0].firstChild.data


@pytest.mark.parametrize("legal", ["\t", "\n", " ", "\ud7ff", "\ue000", "\ufffd", "\U00010000", "\U0010ffff"])
def test_a_character_xml_allows_is_written_as_itself(legal):
    assert xml_document(f"<n>a{legal}b</n>") == f"<n>a{legal}b</n>"
    assert _name_read_back(f"a{legal}b") == f"a{legal}b"


@pytest.mark.parametrize("forbidden, written", [("\x01", "\\x01"), ("\x1f", "\\x1f"), ("\x7f", None),
                                                ("\ufffe", "\\ufffe"), ("\uffff", "\\uffff")])
def test_a_character_xml_forbids_is_written_as_its_escape(forbidden, written):
    if written is None:  # DEL (U+007F) is a Char of XML 1.0: kept
        assert xml_document(f"<n>{forbidden}</n>") == f"<n>{forbidden}</n>"
        return
    assert xml_document(f"<n>a{forbidden}b</n>") == f"<n>a{written}b</n>"
    assert _name_read_back(f"a{forbidden}b") == f"a{written}b"


def test_a_lone_surrogate_is_written_as_the_byte_it_stands_for():
    """A Latin-1 file name read by Python (PEP 383): its byte, as names.readable writes it."""
    assert xml_document("<n>Gel\udce4nde.jpg</n>") == "<n>Gel\\xe4nde.jpg</n>"
    assert _name_read_back("Gel\udcc3\udca4nde.jpg") == "Gelände.jpg"  # UTF-8 read under an ASCII locale


def test_a_carriage_return_reads_back_as_one():
    assert xml_document("<n>a\rb</n>") == "<n>a&#13;b</n>"
    assert _name_read_back("a\rb") == "a\rb"  # a raw CR would read back as LF (XML 1.0 §2.11)


def test_escaped_is_pythons_escape_of_the_character():
    assert escaped("\x01") == "\\x01"
    assert escaped("\ufffe") == "\\ufffe"
