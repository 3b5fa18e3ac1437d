"""Property tests of the coordinate texts people read out (core/coords.py, `--coords`, the exports'
mgrs/utm columns, GPX/KML descriptions): each text, read back the way its standard says a person or a
GPS reads it, is the place it was made from, to the text's own precision. test_prop_geo.py checks that
the UTM and MGRS texts agree on zone, band and digits and that DMS/DMM read back; these read the MGRS
100 km square letters, LV95 and decimal degrees back to the place. Deterministic (derandomize).
"""

from __future__ import annotations

import re

import pytest

from geolocator.core import coords

hypothesis = pytest.importorskip("hypothesis")
pyproj = pytest.importorskip("pyproj")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

GEOD = pyproj.Geod(ellps="WGS84")
_BANDS = "CDEFGHJKLMNPQRSTUVWX"
_ROW_LETTERS = "ABCDEFGHJKLMNPQRSTUV"


def _utm_to_wgs(zone: int, south: bool, e: float, n: float) -> tuple[float, float]:
    t = pyproj.Transformer.from_crs(f"EPSG:{(32700 if south else 32600) + zone}", "EPSG:4326", always_xy=True)
    lon, lat = t.transform(e, n)
    return lat, lon


def read_mgrs(text: str) -> tuple[float, float]:
    """(lat, lon) of the middle of the cell an MGRS reference names (NGA.SIG.0012 / DMA TM 8358.1, the
    "AA" lettering of WGS84): 100 km column letters A-H, J-R, S-Z for zones 1, 2, 3 (mod 3) counted
    from easting 100 km; row letters A-V (no I, O) repeating every 2,000 km of northing from the
    equator, shifted by 5 letters in even zones; the band letter picks the 2,000 km cycle."""
    m = re.fullmatch(r"(\d{1,2})([C-X]) ([A-Z])([A-Z]) (\d+) (\d+)", text)
    assert m, text
    zone, band, col, row, e, n = int(m[1]), m[2], m[3], m[4], m[5], m[6]
    digits = len(e)
    cell = 10 ** (5 - digits)
    east = (["ABCDEFGH", "JKLMNPQR", "STUVWXYZ"][(zone - 1) % 3].index(col) + 1) * 100_000 + int(e) * cell + cell / 2
    row_100k = (_ROW_LETTERS.index(row) - (5 if zone % 2 == 0 else 0)) % 20
    south = band < "N"
    band_lat = -80.0 + 8.0 * _BANDS.index(band) + 4.0
    _, band_north = pyproj.Transformer.from_crs("EPSG:4326", f"EPSG:{(32700 if south else 32600) + zone}",
                                                always_xy=True).transform(zone * 6.0 - 183.0, band_lat)
    north = min((row_100k * 100_000 + k * 2_000_000 for k in range(0, 6)), key=lambda v: abs(v - band_north))
    return _utm_to_wgs(zone, south, east, north + int(n) * cell + cell / 2)


def _metres(a: tuple[float, float], lat: float, lon: float) -> float:
    return GEOD.inv(a[1], a[0], lon, lat)[2]


lats = st.one_of(st.floats(-80.0, 84.0), st.sampled_from([-80.0, 84.0, 0.0, -1e-9, 56.0, 63.999, 72.0, 83.999]))
lons = st.one_of(st.floats(-180.0, 180.0), st.sampled_from([-180.0, 180.0, 3.0, 8.999, 9.0, 21.0, 41.999, 0.0]))


@prop(150)
@given(lats, lons, st.integers(1, 5))
@example(60.0, 5.0, 5)  # zone 32 widened over Norway's west coast
@example(78.0, 20.0, 5)  # Svalbard's zone 33
def test_an_mgrs_reference_reads_back_to_the_place(lat, lon, digits):
    """MGRS (NGA.SIG.0012): the reference's 100 km square letters and its digits (truncated, `digits` a
    side) name a cell holding the place. Property: read back by the standard's lettering (read_mgrs),
    the cell's middle lies within half the cell's diagonal (plus 1 cm) of the place, everywhere from
    80°S to 84°N, Norway's and Svalbard's zones and ±180° included."""
    text = coords.format_mgrs(lat, lon, digits)
    assert text is not None
    cell = 10 ** (5 - digits)
    assert _metres(read_mgrs(text), lat, lon) <= cell * 0.7072 * 1.001 + 0.01, (text, lat, lon)


@prop(100)
@given(st.floats(45.82, 47.81), st.floats(5.96, 10.49))
def test_an_lv95_text_reads_back_to_the_place(lat, lon):
    """Swiss LV95 (EPSG:2056), written "2'600'000 / 1'200'000": easting then northing, whole metres,
    swisstopo's ' thousands mark. Property: the numbers read back (the marks dropped) and transformed
    from EPSG:2056 lie within half a metre's diagonal (0.71 m) of the place."""
    text = coords.format_lv95(lat, lon)
    m = re.fullmatch(r"(2'\d{3}'\d{3}) / (1'\d{3}'\d{3})", text)
    assert m, text
    e, n = (float(g.replace("'", "")) for g in m.groups())
    back_lon, back_lat = pyproj.Transformer.from_crs("EPSG:2056", "EPSG:4326", always_xy=True).transform(e, n)
    assert _metres((back_lat, back_lon), lat, lon) <= 0.7072 + 0.01


@prop(100)
@given(st.floats(-90.0, 90.0), st.floats(-180.0, 180.0))
def test_decimal_degrees_read_back_to_the_place(lat, lon):
    """"46.000000, 9.000000": latitude first (ISO 6709 order), 6 decimals. Property: read back, each
    number is within half its last digit (5e-7°) of the place's."""
    a, b = coords.format_dd(lat, lon).split(", ")
    assert abs(float(a) - lat) <= 5e-7 + 1e-12 and abs(float(b) - lon) <= 5e-7 + 1e-12
