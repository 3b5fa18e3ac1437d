"""File names as text that can be hashed, written into a file and shown, whatever bytes they hold.

A Linux file name is bytes. Python decodes it with the file system encoding (UTF-8; ASCII under
``LC_ALL=C`` with UTF-8 mode off, ``PYTHONUTF8=0``) and keeps each byte it cannot decode as a lone
surrogate, U+DC80-U+DCFF (PEP 383, "surrogateescape"). Such a string opens the file again, but it
cannot be encoded as UTF-8: hashing it, writing it into a CSV or GeoJSON, or printing it raised
UnicodeEncodeError (session 28: a photo named ``Gel\\xe4nde.jpg`` in Latin-1 on a card from another
system stopped `locate` with a traceback), and Qt silently drops the surrogates ("Gelnde.jpg").

- :func:`text_bytes` gives the name's own bytes back (for hashing: a key that differs for two
  different names and equals the plain UTF-8 encoding for every name that has one, so keys made
  before this module are unchanged).
- :func:`readable` gives text that holds no surrogate: the name's bytes decoded as UTF-8 (a UTF-8
  name read under an ASCII locale reads right again), each byte that is not UTF-8 written as
  ``\\xNN`` (Python's "backslashreplace": ``Gel\\xe4nde.jpg``). It is what a person reads (query
  ids, flight names, exports, the window); the file is opened through its Path, never through it.
"""

from __future__ import annotations


def has_surrogates(text: str) -> bool:
    """Whether `text` holds a lone surrogate (a byte the file system encoding could not decode).
    ASCII text (nearly every tile id, checked for each Tile made) is answered without a loop."""
    return not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text)


def text_bytes(text: str) -> bytes:
    """UTF-8 bytes of `text`, lone surrogates U+DC80-U+DCFF turned back into the bytes they stand
    for (PEP 383). Equal to ``text.encode()`` for text without surrogates. Never raises for a name
    Python decoded from the file system; a surrogate outside U+DC80-U+DCFF (not from a file name)
    is written as its code point's UTF-8-like bytes ("surrogatepass") rather than raising."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def readable(text: str) -> str:
    """`text` with no lone surrogate: unchanged when it has none; else its bytes (text_bytes)
    decoded as UTF-8, each byte that is not UTF-8 written ``\\xNN``. E.g. the Latin-1 name
    ``b"Gel\\xe4nde.jpg"`` (read by Python as "Gel\\udce4nde.jpg") reads ``Gel\\xe4nde.jpg``, and
    "Gel\\udcc3\\udca4nde.jpg" (UTF-8 read under an ASCII locale) reads "Gelände.jpg"."""
    if not has_surrogates(text):
        return text
    return text_bytes(text).decode("utf-8", "backslashreplace")
