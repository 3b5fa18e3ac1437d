"""A WGS84 position written the way field teams read it: MGRS, UTM, degrees and minutes, Swiss LV95.

Everything else in geolocator stays in WGS84 decimal degrees (the exports' machine columns); this
module only turns one answer into text that a helicopter crew or a ground team reads off a screen or
a radio. UTM and LV95 come from pyproj (PROJ's transverse Mercator and the swisstopo EPSG:2056
definition); MGRS is UTM with letters, built here from pyproj's UTM figures by the published
lettering rules (NGA.STND.0037, the military grid reference system, as in DMA TM 8358.1): pyproj has
no MGRS, and the PyPI `mgrs` package was checked against these functions (newuser_session21.md) but
is not a dependency.

Conventions:
- MGRS: "32T MS 12345 67890": zone and latitude band, the 100 km square, then easting and northing
  digits, **truncated** (not rounded), so the square named always contains the point. 5 digits a
  side is 1 m. The WGS84 (AA) lettering scheme. Polar caps (north of 84°N, south of 80°S, where
  MGRS uses UPS) are not written: `None`.
- UTM: "32T 500000mE 5094047mN": the zone with the MGRS latitude band letter (so "32S" is a band,
  never "south"), metres rounded, the Norway (32V) and Svalbard (31X-37X) zone exceptions applied.
- Degrees and decimal minutes (aviation): "N 46° 00.000' E 009° 00.000'"; degrees, minutes,
  seconds: "N 46° 00' 00.0\" E 009° 00' 00.0\"". Hemisphere letters, never a sign.
- LV95 (EPSG:2056): "2'600'000 / 1'200'000" (E / N, swisstopo's thousands mark), only inside the
  grid's area of use (Switzerland and Liechtenstein, 5.96-10.49°E, 45.82-47.81°N), else `None`.
Every figure is written with "." whatever the machine's locale (a radio call reads the same
everywhere; decimal degrees keep the exports' form).
"""

from __future__ import annotations

import math
from functools import lru_cache

# the formats the CLI's --coords, the app's Results pane and the map popup offer (key, label)
FORMATS = {
    "dd": "Decimal degrees",
    "dmm": "Degrees, minutes (DMM)",
    "dms": "Degrees, minutes, seconds",
    "utm": "UTM",
    "mgrs": "MGRS",
    "lv95": "Swiss LV95",
}
DEFAULT_FORMAT = "dd"

_BANDS = "CDEFGHJKLMNPQRSTUVWX"  # 8° bands from 80°S; X spans 72-84°N
_COLUMN_SETS = ("STUVWXYZ", "ABCDEFGH", "JKLMNPQR")  # by zone number mod 3
_ROWS = "ABCDEFGHJKLMNPQRSTUV"  # 20 letters, repeating every 2,000 km
_LV95_AREA = (5.96, 45.82, 10.49, 47.81)  # EPSG:2056's area of use (west, south, east, north)


def _check(lat: float, lon: float) -> tuple[float, float]:
    lat, lon = float(lat), float(lon)
    if not (math.isfinite(lat) and math.isfinite(lon)) or not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise ValueError(f"not a WGS84 position: {lat}, {lon}")
    return lat, lon


def utm_zone(lat: float, lon: float) -> int:
    """The UTM zone number (1-60) of a WGS84 position, with the Norway and Svalbard exceptions.

    Raises ValueError for a position outside -90..90, -180..180.
    """
    lat, lon = _check(lat, lon)
    if 56.0 <= lat < 64.0 and 3.0 <= lon < 12.0:
        return 32
    if 72.0 <= lat <= 84.0 and 0.0 <= lon < 42.0:
        return 31 if lon < 9.0 else 33 if lon < 21.0 else 35 if lon < 33.0 else 37
    return min(60, int((lon + 180.0) // 6.0) + 1)


def latitude_band(lat: float) -> str | None:
    """The MGRS/UTM latitude band letter (C..X) of a latitude in degrees, None outside 80°S-84°N."""
    if not -80.0 <= lat <= 84.0:
        return None
    return _BANDS[min(int((lat + 80.0) // 8.0), len(_BANDS) - 1)]


@lru_cache(maxsize=128)
def _utm_transformer(zone: int, south: bool):
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", f"EPSG:{(32700 if south else 32600) + zone}", always_xy=True)


def utm(lat: float, lon: float) -> tuple[int, str, float, float] | None:
    """(zone, band letter, easting m, northing m) of a WGS84 position on WGS84 / UTM (EPSG:326xx
    north of the equator, 327xx south, false northing 10,000 km), None in the polar caps where
    MGRS and UTM bands stop (beyond 84°N or 80°S). Raises ValueError for a position off the globe."""
    lat, lon = _check(lat, lon)
    band = latitude_band(lat)
    if band is None:
        return None
    zone = utm_zone(lat, lon)
    easting, northing = _utm_transformer(zone, lat < 0.0).transform(lon, lat)
    return zone, band, float(easting), float(northing)


def format_utm(lat: float, lon: float) -> str | None:
    """"32T 500000mE 5094047mN" (metres rounded), None in the polar caps (see `utm`)."""
    got = utm(lat, lon)
    if got is None:
        return None
    zone, band, e, n = got
    return f"{zone}{band} {round(e):d}mE {round(n):d}mN"


def format_mgrs(lat: float, lon: float, digits: int = 5) -> str | None:
    """The MGRS reference "32T MS 12345 67890" of a WGS84 position, `digits` (1-5) a side: 5 is 1 m,
    4 is 10 m. Digits are truncated, as the standard says. None in the polar caps (UPS).
    Raises ValueError for `digits` outside 1-5 or a position off the globe."""
    if not 1 <= int(digits) <= 5:
        raise ValueError(f"MGRS digits must be 1-5, not {digits}")
    got = utm(lat, lon)
    if got is None:
        return None
    zone, band, e, n = got
    e_m, n_m = int(math.floor(e)), int(math.floor(n))
    column = _COLUMN_SETS[zone % 3][(e_m // 100_000 - 1) % 8]
    row = _ROWS[(n_m // 100_000 + (5 if zone % 2 == 0 else 0)) % 20]
    scale = 10 ** (5 - int(digits))
    e_d, n_d = (e_m % 100_000) // scale, (n_m % 100_000) // scale
    return f"{zone}{band} {column}{row} {e_d:0{digits}d} {n_d:0{digits}d}"


def _degrees_minutes(value: float, seconds: bool) -> tuple[int, int, float] | tuple[int, float]:
    value = abs(value)
    if seconds:
        total = round(value * 3600.0, 1)  # tenths of a second, carried into minutes and degrees
        d, rest = divmod(total, 3600.0)
        m, s = divmod(rest, 60.0)
        return int(d), int(m), round(s, 1)
    total = round(value * 60.0, 3)  # thousandths of a minute (~2 m)
    d, m = divmod(total, 60.0)
    return int(d), round(m, 3)


def format_dmm(lat: float, lon: float) -> str:
    """Degrees and decimal minutes, 3 decimals (1/1000 minute ~1.9 m): "N 46° 32.123' E 007° 59.876'"."""
    lat, lon = _check(lat, lon)
    (ad, am), (od, om) = _degrees_minutes(lat, False), _degrees_minutes(lon, False)
    return f"{'N' if lat >= 0 else 'S'} {ad:02d}° {am:06.3f}' {'E' if lon >= 0 else 'W'} {od:03d}° {om:06.3f}'"


def format_dms(lat: float, lon: float) -> str:
    """Degrees, minutes and seconds to 0.1" (~3 m): "N 46° 32' 07.4\" E 007° 59' 52.6\""."""
    lat, lon = _check(lat, lon)
    (ad, am, as_), (od, om, os_) = _degrees_minutes(lat, True), _degrees_minutes(lon, True)
    return (f"{'N' if lat >= 0 else 'S'} {ad:02d}° {am:02d}' {as_:04.1f}\" "
            f"{'E' if lon >= 0 else 'W'} {od:03d}° {om:02d}' {os_:04.1f}\"")


@lru_cache(maxsize=1)
def _lv95_transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:2056", always_xy=True)


def format_lv95(lat: float, lon: float) -> str | None:
    """Swiss LV95 (EPSG:2056) "2'600'000 / 1'200'000" (E / N, metres rounded), None outside the
    grid's area of use (Switzerland and Liechtenstein's box, `_LV95_AREA`)."""
    lat, lon = _check(lat, lon)
    west, south, east, north = _LV95_AREA
    if not (west <= lon <= east and south <= lat <= north):
        return None
    e, n = _lv95_transformer().transform(lon, lat)
    return f"{round(e):,d} / {round(n):,d}".replace(",", "'")


def format_dd(lat: float, lon: float) -> str:
    """Decimal degrees, 6 decimals (~0.1 m), latitude first: "46.000000, 9.000000"."""
    lat, lon = _check(lat, lon)
    return f"{lat:.6f}, {lon:.6f}"


_FORMATTERS = {"dd": format_dd, "dmm": format_dmm, "dms": format_dms, "utm": format_utm,
               "mgrs": format_mgrs, "lv95": format_lv95}


def format_position(lat: float, lon: float, fmt: str) -> str | None:
    """A position in one of `FORMATS` ("dd", "dmm", "dms", "utm", "mgrs", "lv95"); None where that
    grid does not cover it (MGRS/UTM in the polar caps, LV95 outside Switzerland).
    Raises ValueError for an unknown format or a position off the globe."""
    try:
        formatter = _FORMATTERS[fmt]
    except KeyError:
        raise ValueError(f"unknown coordinate format {fmt!r}: one of {', '.join(FORMATS)}") from None
    return formatter(lat, lon)


def not_covered(fmt: str) -> str:
    """What to show where `format_position` gave None, in words."""
    return ("outside Switzerland's LV95 grid" if fmt == "lv95"
            else "beyond 84°N / 80°S: MGRS and UTM bands stop there")


def grid_properties(lat: float, lon: float) -> dict:
    """The exports' added text columns for one Point: {"mgrs": "11S PA 58939 01125", "utm":
    "11S 658939mE 4001125mN"} (None each in the polar caps). Added beside lat/lon, never instead:
    the machine columns stay WGS84 decimal degrees."""
    return {"mgrs": format_mgrs(lat, lon), "utm": format_utm(lat, lon)}


def grid_words(lat: float, lon: float) -> str:
    """"MGRS 11S PA 58939 01125; N 36° 08.510' W 115° 14.005'": what a GPX <desc> or a KML
    description adds for a person reading it out (the MGRS reference, then degrees and minutes)."""
    mgrs = format_mgrs(lat, lon)
    return (f"MGRS {mgrs}; " if mgrs else "") + format_dmm(lat, lon)
