"""Property tests of the world-file sidecars' text (core/geo.py read_world_file, read_prj): a .tfw / .jgw /
.pgw and its .prj as GIS tools and text editors save them (CRLF or LF, a UTF-8 byte order mark from
Windows Notepad, numbers in any float notation, padding, blank lines) read back to exactly the numbers
and the CRS written. test_prop_tiles.py checks what the six numbers mean (the affine); these check that
they are read. Deterministic (derandomize), like every tests/test_prop_*.py.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pytest

from geolocator.core.errors import InputError
from geolocator.core.geo import read_prj, read_world_file

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

_FINITE = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12)
# a pixel size (never 0): a nanodegree to a kilometre, either sign ("fixed" notation keeps 10 decimals)
_NONZERO = st.tuples(st.floats(1e-9, 1e3), st.booleans()).map(lambda t: -t[0] if t[1] else t[0])
_EOL = st.sampled_from(["\n", "\r\n", "\r"])


# how a text editor saves the file: UTF-8 without or with a byte order mark (Notepad's "UTF-8"), UTF-16 with one
# (Notepad's "Unicode" = little-endian, "Unicode big endian"); the mark names the encoding (core/bom_text.py)
_SAVED = st.sampled_from(["utf-8", "utf-8-sig", "utf-16-le", "utf-16-be"])


def _saved(text: str, how: str) -> bytes:
    """`text` as an editor saving it `how` (_SAVED) writes its bytes."""
    import codecs

    mark = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(how, b"")
    return mark + text.encode(how)


_FORMS = st.lists(st.sampled_from(["repr", "exp", "fixed", "plus", "pad"]), min_size=6, max_size=6)


def _text_of(form: str, v: float) -> str:
    """`v` as a writer prints it: repr, exponent, 10 decimals, a '+', padded with spaces or a tab."""
    return {"repr": repr(v), "exp": f"{v:.17e}", "fixed": f"{v:.10f}", "plus": f"+{v!r}" if math.copysign(1.0, v) > 0 else repr(v),
            "pad": f"  {v!r}\t"}[form]


@prop(80)
@given(_NONZERO, _FINITE, _FINITE, _NONZERO, _FINITE, _FINITE, _FORMS, _EOL, _SAVED, st.integers(0, 2))
@example(0.5, 0.0, 0.0, -0.5, 600000.25, 200000.25, ["repr"] * 6, "\r\n", "utf-8-sig", 0)  # Notepad's "UTF-8" (with BOM)
@example(0.5, 0.0, 0.0, -0.5, 600000.25, 200000.25, ["repr"] * 6, "\r\n", "utf-16-le", 0)  # Notepad's "Unicode"
def test_a_world_file_written_any_way_reads_back_to_its_six_numbers(a, d, b, e, c, f, forms, eol, saved, blank):
    """ESRI world file: six lines, A (pixel width), D, B (rotation terms), E (pixel height, negative for
    north-up), C, F (map coordinates of the top-left pixel's centre), each a decimal number. Property:
    whatever the line ends (CR LF, LF, CR), padding, float notation, trailing blank lines, a UTF-8 byte
    order mark (Windows Notepad before 1903 saved "UTF-8" with one; the Unicode standard §2.6 lets a UTF-8
    file begin with it) or UTF-16 with its mark (Notepad's "Unicode", PowerShell 5's `Out-File`), read_world_file(allow_rotation=True) gives the numbers written (float of their
    text). Rotation terms are refused without allow_rotation, naming lines 2-3."""
    texts = [_text_of(form, v) for form, v in zip(forms, (a, d, b, e, c, f))]
    body = eol.join(texts) + eol * (1 + blank)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.pgw"
        path.write_bytes(_saved(body, saved))
        want = tuple(float(t) for t in texts)
        assert read_world_file(path, allow_rotation=True) == want
        if want[1] != 0.0 or want[2] != 0.0:
            with pytest.raises(InputError, match="rotation terms on lines 2-3"):
                read_world_file(path)
        else:
            assert read_world_file(path) == want


@prop(30)
@given(st.integers(1, 6), st.sampled_from(["10,5", "1.0e", "nan", "inf", "0x10", "1.2.3", "", "--1"]), _SAVED)
def test_a_world_file_line_that_is_no_finite_number_is_refused_naming_its_line(line, bad, saved):
    """A line that is not a finite decimal number (a decimal comma, NaN, infinity, hex, garbage) is an
    InputError naming the file and that line, in UTF-8 or UTF-16, with a BOM or without (an empty line is not counted: the
    file then has five lines, which is said)."""
    values = ["0.5", "0.0", "0.0", "-0.5", "600000.25", "200000.25"]
    values[line - 1] = bad
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.pgw"
        path.write_bytes(_saved("\r\n".join(values), saved))
        with pytest.raises(InputError) as err:
            read_world_file(path)
        assert err.value.path == path
        if bad:
            assert err.value.line == line, err.value.problem
        else:
            assert err.value.problem == "a world file has 6 numbers, one per line; found 5 lines"


@pytest.mark.parametrize("raw", [
    "0.5\r\n0\r\n0\r\n-0.5\r\n600000.25\r\n200000.25".encode("utf-16-le"),  # UTF-16 without its mark
    b"\xff\xfe\x00",  # a UTF-16 mark and an odd byte: no text
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",  # an image saved under the world file's name
])
def test_a_world_file_that_is_no_text_in_the_encoding_its_mark_names_is_refused_as_before(tmp_path, raw):
    """The byte order mark alone names the encoding (core/bom_text.py): bytes without one are read as
    UTF-8 and nothing else is guessed, so UTF-16 without its mark, or no text at all, is refused with the
    messages any garbage gets (a line that is not a number, or not 6 lines), naming the file."""
    path = tmp_path / "map.pgw"
    path.write_bytes(raw)
    with pytest.raises(InputError) as err:
        read_world_file(path)
    assert err.value.path == path
    assert "is not a number" in err.value.problem or "a world file has 6 numbers" in err.value.problem, err.value.problem


def test_a_prj_saved_as_unicode_is_read_and_one_without_its_mark_is_refused(tmp_path):
    """Regression (smallfield35): a .prj Notepad saved as "Unicode" (UTF-16 LE with its mark) was "not a
    coordinate system pyproj can read"; without the mark it still is (no encoding is guessed)."""
    import codecs

    wkt = _wkt_2056()
    path = tmp_path / "map.prj"
    path.write_bytes(codecs.BOM_UTF16_LE + wkt.encode("utf-16-le"))
    assert read_prj(path).to_epsg() == 2056
    path.write_bytes(wkt.encode("utf-16-le"))
    with pytest.raises(InputError, match="not a coordinate system pyproj can read") as err:
        read_prj(path)
    assert err.value.path == path


def _wkt_2056() -> str:  # the WKT a GIS writes for EPSG:2056 (Swiss LV95)
    from pyproj import CRS

    return CRS.from_epsg(2056).to_wkt("WKT1_ESRI")


@prop(20)
@given(st.sampled_from([2056, 28992, 25832, 32633, 3857, 4326, 27700, 2154]),
       st.sampled_from(["WKT1_ESRI", "WKT1_GDAL", "WKT2_2019"]), _SAVED, _EOL, st.booleans())
@example(2056, "WKT1_ESRI", "utf-8-sig", "\r\n", False)  # a .prj saved by Notepad with a BOM
@example(2056, "WKT1_ESRI", "utf-16-le", "\r\n", False)  # ... as "Unicode"
def test_a_prj_written_any_way_reads_back_to_its_crs(epsg, version, saved, eol, pretty):
    """An ESRI .prj holds one WKT (ESRI or OGC flavour) in text: UTF-8 with a byte order mark or not, or UTF-16 with one,
    on one line or pretty-printed with any line ends. Property: read_prj gives the CRS written
    (pyproj's equality, ignoring axis order as a .prj's WKT1 carries none for some)."""
    from pyproj import CRS

    crs = CRS.from_epsg(epsg)
    wkt = crs.to_wkt(version, pretty=pretty).replace("\n", eol)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.prj"
        path.write_bytes(_saved(wkt, saved))
        got = read_prj(path)
        assert got.equals(crs, ignore_axis_order=True) or math.isclose(
            got.to_epsg(min_confidence=70) or 0, epsg), (epsg, version, got.to_wkt())
