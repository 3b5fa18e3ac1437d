"""Text any XML reader opens: the characters XML 1.0 forbids, written so that a name keeps telling
which file it is.

GPX 1.1 and KML 2.2 are XML 1.0 documents, and XML 1.0 (Fifth Edition) §2.2, production [2] Char,
allows tab, LF, CR and U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF only: not the other C0 control
characters, U+FFFE/U+FFFF or a lone surrogate, not even as a character reference. A Linux file name
may hold any of them but "/" and NUL, and a tile package's credit line is whatever its metadata says;
gpxpy and simplekml escape `<` and `&` but pass such characters through, so one of them made the GPX
export unreadable (a strict reader refuses the whole file: "PCDATA invalid Char value 1") and the
KML export raise ExpatError (propfuzz35). A raw CR is legal but every reader turns it into LF
(§2.11 end-of-line handling), so it is written as the reference ``&#13;`` and reads back as CR.
"""

from __future__ import annotations

import re

from .names import readable

# not a Char of XML 1.0 §2.2 [2] (lone surrogates are turned into \\xNN text first: names.readable)
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escaped(char: str) -> str:
    """The escape Python shows for one character (``\\x01``, ``\\ufffe``): ASCII text, legal in XML."""
    return char.encode("unicode_escape").decode("ascii")


def xml_document(text: str) -> str:
    """`text`, a serialised XML document whose markup is plain (gpxpy's or simplekml's output: no CR
    and no forbidden character outside text and attribute values), made readable by any XML 1.0
    parser: a lone surrogate written as its byte (``\\xe4``, names.readable), every other character
    XML forbids as its escape (``\\x01``), a CR as ``&#13;``. Unchanged when it holds none of them.
    Never raises."""
    text = _NOT_XML_CHAR.sub(lambda m: escaped(m.group()), readable(text))
    return text.replace("\r", "&#13;")
