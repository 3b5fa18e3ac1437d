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


_FORMS = st.lists(st.sampled_from(["repr", "exp", "fixed", "plus", "pad"]), min_size=6, max_size=6)


def _text_of(form: str, v: float) -> str:
    """`v` as a writer prints it: repr, exponent, 10 decimals, a '+', padded with spaces or a tab."""
    return {"repr": repr(v), "exp": f"{v:.17e}", "fixed": f"{v:.10f}", "plus": f"+{v!r}" if math.copysign(1.0, v) > 0 else repr(v),
            "pad": f"  {v!r}\t"}[form]


@prop(80)
@given(_NONZERO, _FINITE, _FINITE, _NONZERO, _FINITE, _FINITE, _FORMS, _EOL, st.booleans(), st.integers(0, 2))
@example(0.5, 0.0, 0.0, -0.5, 600000.25, 200000.25, ["repr"] * 6, "\r\n", True, 0)  # Notepad's "UTF-8" (with BOM)
def test_a_world_file_written_any_way_reads_back_to_its_six_numbers(a, d, b, e, c, f, forms, eol, bom, blank):
    """ESRI world file: six lines, A (pixel width), D, B (rotation terms), E (pixel height, negative for
    north-up), C, F (map coordinates of the top-left pixel's centre), each a decimal number. Property:
    whatever the line ends (CR LF, LF, CR), padding, float notation, trailing blank lines or a UTF-8 byte
    order mark (Windows Notepad before 1903 saved "UTF-8" with one; the Unicode standard §2.6 lets a UTF-8
    file begin with it), read_world_file(allow_rotation=True) gives the numbers written (float of their
    text). Rotation terms are refused without allow_rotation, naming lines 2-3."""
    texts = [_text_of(form, v) for form, v in zip(forms, (a, d, b, e, c, f))]
    body = eol.join(texts) + eol * (1 + blank)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.pgw"
        path.write_bytes(("\ufeff" if bom else "").encode() + body.encode("utf-8"))
        want = tuple(float(t) for t in texts)
        assert read_world_file(path, allow_rotation=True) == want
        if want[1] != 0.0 or want[2] != 0.0:
            with pytest.raises(InputError, match="rotation terms on lines 2-3"):
                read_world_file(path)
        else:
            assert read_world_file(path) == want


@prop(30)
@given(st.integers(1, 6), st.sampled_from(["10,5", "1.0e", "nan", "inf", "0x10", "1.2.3", "", "--1"]), st.booleans())
def test_a_world_file_line_that_is_no_finite_number_is_refused_naming_its_line(line, bad, bom):
    """A line that is not a finite decimal number (a decimal comma, NaN, infinity, hex, garbage) is an
    InputError naming the file and that line, with a BOM or without (an empty line is not counted: the
    file then has five lines, which is said)."""
    values = ["0.5", "0.0", "0.0", "-0.5", "600000.25", "200000.25"]
    values[line - 1] = bad
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.pgw"
        path.write_bytes(("\ufeff" if bom else "").encode() + "\r\n".join(values).encode())
        with pytest.raises(InputError) as err:
            read_world_file(path)
        assert err.value.path == path
        if bad:
            assert err.value.line == line, err.value.problem
        else:
            assert err.value.problem == "a world file has 6 numbers, one per line; found 5 lines"


@prop(20)
@given(st.sampled_from([2056, 28992, 25832, 32633, 3857, 4326, 27700, 2154]),
       st.sampled_from(["WKT1_ESRI", "WKT1_GDAL", "WKT2_2019"]), st.booleans(), _EOL, st.booleans())
@example(2056, "WKT1_ESRI", True, "\r\n", False)  # a .prj saved by Notepad with a BOM
def test_a_prj_written_any_way_reads_back_to_its_crs(epsg, version, bom, eol, pretty):
    """An ESRI .prj holds one WKT (ESRI or OGC flavour) in text: with a UTF-8 byte order mark or not,
    on one line or pretty-printed with any line ends. Property: read_prj gives the CRS written
    (pyproj's equality, ignoring axis order as a .prj's WKT1 carries none for some)."""
    from pyproj import CRS

    crs = CRS.from_epsg(epsg)
    wkt = crs.to_wkt(version, pretty=pretty).replace("\n", eol)
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        path = Path(folder) / "map.prj"
        path.write_bytes(("\ufeff" if bom else "").encode() + wkt.encode("utf-8"))
        got = read_prj(path)
        assert got.equals(crs, ignore_axis_order=True) or math.isclose(
            got.to_epsg(min_confidence=70) or 0, epsg), (epsg, version, got.to_wkt())
