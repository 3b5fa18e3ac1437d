"""Property tests of an area given in another coordinate system (core/sources/fetch.py parse_bbox with
--bbox-crs, core/sources/area_crs.py): for a box drawn inside a CRS's area of use (Swiss LV95, Dutch RD
New, Lambert-93, British National Grid, UTM north and south, Web Mercator, NAD83 and ETRS89 degrees,
compound CRSs with a height) or numbers of any size, parse_bbox gives a FetchError or a WGS84 box that
holds the box's centre and corners where pyproj puts them; and a box comes only from a CRS whose
coordinates are a place on a map (never a height system's or an earth-centred one's). Deterministic
(derandomize).
"""

from __future__ import annotations

import math
from functools import lru_cache

import pytest

from geolocator.core.sources.fetch import FetchError, parse_bbox

hypothesis = pytest.importorskip("hypothesis")
pyproj = pytest.importorskip("pyproj")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

MAP_CRS = ["EPSG:2056", "EPSG:28992", "EPSG:2154", "EPSG:27700", "EPSG:32632", "EPSG:32760", "EPSG:3857",
           "EPSG:4269", "EPSG:4258", "EPSG:4326+5773", "EPSG:2056+5728", "EPSG:7415"]
NOT_MAP_CRS = ["EPSG:5773", "EPSG:5728", "EPSG:5714", "EPSG:4978"]  # heights (vertical), earth-centred


@lru_cache(maxsize=None)
def _crs(text: str):
    return pyproj.CRS.from_user_input(text)


@lru_cache(maxsize=None)
def _transformer(source: str, target: str):
    return pyproj.Transformer.from_crs(_crs(source), _crs(target), always_xy=True)


def _in_crs(crs_text: str, lon: float, lat: float) -> tuple[float, float]:
    return _transformer("EPSG:4326", crs_text).transform(lon, lat)


def _slack(b) -> float:
    """How far a point may lie outside the box: float noise, plus what 21 points a side (pyproj's
    densification) miss of a curved edge on boxes thousands of km wide (8e-7° measured on a 6,000 km one)."""
    return 1e-9 + 1e-7 * ((b.north - b.south) + ((b.east - b.west) % 360.0))


@st.composite
def boxes(draw):
    crs_text = draw(st.sampled_from(NOT_MAP_CRS + MAP_CRS))
    crs = _crs(crs_text)
    use = crs.area_of_use
    if draw(st.booleans()) and use is not None and (crs.is_projected or crs.is_geographic):
        east = use.east + 360.0 if use.east < use.west else use.east  # an area of use across 180° (NAD83)
        lon = draw(st.floats(use.west + 0.2 * (east - use.west), east - 0.2 * (east - use.west)))
        lon = (lon + 180.0) % 360.0 - 180.0
        lat = draw(st.floats(use.south + 0.2 * (use.north - use.south), use.north - 0.2 * (use.north - use.south)))
        x, y = _in_crs(crs_text, lon, lat)
        half = draw(st.floats(0.0005, 0.05)) if crs.is_geographic else draw(st.floats(5.0, 5000.0))
        return crs_text, (x - half, y - half, x + half, y + half)
    scale = draw(st.sampled_from([90.0, 1e4, 2e7]))  # degrees, small and large metres
    x0, y0 = draw(st.floats(-scale, scale)), draw(st.floats(-scale, scale))
    width, height = draw(st.floats(1e-3 * scale, scale)), draw(st.floats(1e-3 * scale, scale))
    return crs_text, (x0, y0, x0 + width, y0 + height)


@given(boxes())
@prop(50)
def test_an_area_in_another_crs_is_refused_or_holds_the_box(case):
    crs_text, (x0, y0, x1, y1) = case
    try:
        b = parse_bbox(f"{x0!r},{y0!r},{x1!r},{y1!r}", crs_text)
    except FetchError:
        return
    crs = _crs(crs_text)
    assert crs.is_projected or crs.is_geographic, f"{crs_text} ({crs.type_name}) gave a place: {b}"
    t = _transformer(crs_text, "EPSG:4326")
    slack = _slack(b)
    for x, y in ((x0 + x1) / 2, (y0 + y1) / 2), (x0, y0), (x1, y1), (x0, y1), (x1, y0):
        lon, lat = t.transform(x, y)
        if not (math.isfinite(lon) and math.isfinite(lat)):
            continue  # a corner pyproj cannot place (a box reaching far outside the CRS's area): no place to hold
        assert b.west - slack <= lon <= b.east + slack and b.south - slack <= lat <= b.north + slack, (crs_text, x, y, b)


def test_a_box_in_a_height_system_is_refused_not_read_with_its_axes_swapped():
    """EPSG:5773 (EGM96 heights) is no map: pyproj turned "7,46,8,47" given in it into the box 46-47°E,
    7-8°N (the Gulf of Aden instead of the Alps), fetched silently."""
    with pytest.raises(FetchError, match="height system"):
        parse_bbox("7,46,8,47", "EPSG:5773")


@given(boxes())
@prop(25)
def test_a_world_file_in_any_crs_is_refused_or_holds_its_pixels(case):
    """The same for tiles placed by a world file and a CRS (`--epsg`, a .prj): geo.transform_to_wgs84's
    transformer is the one every tile CRS goes through."""
    from geolocator.core.geo import world_file_bounds

    crs_text, (x0, y0, x1, y1) = case
    size = 256
    a, e = (x1 - x0) / size, -(y1 - y0) / size
    world = (a, 0.0, 0.0, e, x0 + a / 2, y1 + e / 2)  # the centre of the top-left pixel
    try:
        b = world_file_bounds(world, size, size, crs_text)
    except ValueError:
        return
    crs = _crs(crs_text)
    assert crs.is_projected or crs.is_geographic, f"{crs_text} ({crs.type_name}) gave a place: {b}"
    lon, lat = _transformer(crs_text, "EPSG:4326").transform((x0 + x1) / 2, (y0 + y1) / 2)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        return  # the centre is no place pyproj can give (a box reaching far outside the CRS's area)
    lon, slack = (lon + 180.0) % 360.0 - 180.0, _slack(b)
    assert b.south - slack <= lat <= b.north + slack, (crs_text, b, lat)
    inside = b.west - slack <= lon <= b.east + slack if b.west <= b.east else (lon >= b.west - slack or lon <= b.east + slack)
    assert inside, (crs_text, b, lon)


def test_a_world_file_in_a_height_system_is_refused_not_read_with_its_axes_swapped():
    """`--epsg 5773` (EGM96 heights) beside world files in degrees: the tiles were placed at 46.9-47°E,
    7-7.1°N (latitude and longitude swapped), silently."""
    from geolocator.core.geo import world_file_bounds

    with pytest.raises(ValueError, match="height system"):
        world_file_bounds((0.0001, 0.0, 0.0, -0.0001, 7.0, 47.0), 1000, 1000, 5773)
