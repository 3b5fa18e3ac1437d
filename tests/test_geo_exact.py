"""Exact answers of core/geo.py written for session 8's mutation run of it
(training/results/mutation_geo.md): format_distance at each of its unit boundaries, the one-box
and many-box forms of the projected-box transforms (session 6), and what the run's other survivors
needed. Expected values are worked out in the comments (UTM's false easting and central meridian,
the equator's degree length), not taken from the code under test."""

from __future__ import annotations


import numpy as np
import pytest

from geolocator.core import geo
from geolocator.core.model import Bounds

from .helpers import under_c_locale


@pytest.mark.parametrize("metres, want", [
    (0.0, "0.00 m"), (0.1, "0.10 m"), (0.994, "0.99 m"), (-0.5, "-0.50 m"),
    (0.995, "1.0 m"), (2.34, "2.3 m"), (9.94, "9.9 m"), (-9.0, "-9.0 m"),
    (9.95, "10 m"), (142.4, "142 m"), (999.4, "999 m"), (-500, "-500 m"),
    (999.5, "1.0 km"), (2_345.0, "2.3 km"), (5_051.0, "5.1 km"), (9_949.0, "9.9 km"), (-5_000.0, "-5.0 km"),
    (9_950.0, "10 km"), (2_259_000.0, "2259 km"), (-20_000.0, "-20 km"), ("3", "3.0 m"),
])
def test_format_distance(metres, want):
    assert geo.format_distance(metres) == want


def test_projected_box_bounds_on_the_utm_central_meridian():
    # UTM zone 33N (central meridian 15 E, false easting 500 km): a box centred on the meridian at
    # the equator, 0..1000 m north: symmetric about 15 E, south edge exactly 0
    b = geo.projected_box_bounds(499_000.0, 0.0, 501_000.0, 1_000.0, 32633)
    assert isinstance(b, Bounds)
    assert b.south == pytest.approx(0.0, abs=1e-12) and b.north == pytest.approx(1_000.0 / 110_574.0, rel=2e-3)
    assert (b.west + b.east) / 2 == pytest.approx(15.0, abs=1e-12)
    # 2 km across at k0 = 0.9996 is 2000 / 0.9996 m on the ground; 111,320 m a degree of longitude at the equator
    assert b.east - b.west == pytest.approx(2_000.0 / 0.9996 / 111_319.49, rel=1e-4)


def test_projected_boxes_bounds_is_one_bounds_per_box_in_order():
    xs0, ys0 = [499_000.0, 500_000.0], [0.0, 0.0]
    xs1, ys1 = [501_000.0, 502_000.0], [1_000.0, 1_000.0]
    many = geo.projected_boxes_bounds(xs0, ys0, xs1, ys1, 32633)
    assert isinstance(many, list) and len(many) == 2 and all(isinstance(b, Bounds) for b in many)
    one = [geo.projected_box_bounds(a, b, c, d, 32633) for a, b, c, d in zip(xs0, ys0, xs1, ys1)]
    assert [tuple(vars(b).values()) for b in many] == [tuple(vars(b).values()) for b in one]
    assert many[1].west == pytest.approx(15.0, abs=1e-12)  # the second box starts on the meridian
    assert many[0].west < 15.0 < many[0].east
    # a box given with y0 above y1 has the same bounds
    flipped = geo.projected_box_bounds(499_000.0, 1_000.0, 501_000.0, 0.0, 32633)
    assert tuple(vars(flipped).values()) == pytest.approx(tuple(vars(many[0]).values()), abs=1e-12)
    with pytest.raises(ValueError):
        geo.projected_box_bounds(0.0, 0.0, 1.0, 1.0, "not a crs at all")


# ---------------------------------------------------------------- projected_box's corners


@pytest.mark.parametrize("top_first", [False, True])
def test_projected_box_corners_are_tl_tr_br_bl_with_y_up(top_first):
    # UTM 33N 215 km west of its central meridian (15 E) at 45 N: the grid is turned ~2 degrees
    # against the meridians, so the corners are kept. TL is (x0, top), TR (x1, top), BR (x1, bottom),
    # BL (x0, bottom) whichever order the box's y edges are given in; transformed here with pyproj.
    from pyproj import Transformer

    to_wgs84 = Transformer.from_crs(32633, 4326, always_xy=True)
    x0, x1, bottom, top = 285_000.0, 285_100.0, 4_985_000.0, 4_985_100.0
    want = [to_wgs84.transform(x, y) for x, y in ((x0, top), (x1, top), (x1, bottom), (x0, bottom))]
    y0, y1 = (top, bottom) if top_first else (bottom, top)
    bounds, corners = geo.projected_box(x0, y0, x1, y1, 32633)
    assert corners is not None and len(corners) == 4
    for got, (lon, lat) in zip(corners, want):
        assert (got.lat, got.lon) == pytest.approx((lat, lon), abs=1e-11)
    assert bounds.west == pytest.approx(min(lon for lon, _ in want), abs=1e-11)
    assert bounds.north == pytest.approx(max(lat for _, lat in want), abs=1e-11)


# ---------------------------------------------------------------- parse_number's errors


@pytest.mark.parametrize("text, problem", [
    ("inf", "value 3 is not a finite number: 'inf'"),
    ("nan", "value 3 is not a finite number: 'nan'"),
    ("7.5", "value 3 = 7.5 is out of range [0, 5]"),
    ("-1", "value 3 = -1.0 is out of range [0, 5]"),
])
def test_parse_number_errors_name_the_file_and_line(tmp_path, text, problem):
    with pytest.raises(geo.InputError) as ei:
        geo.parse_number(tmp_path / "a.tfw", 3, "value 3", text, 0.0, 5.0)
    assert (ei.value.path, ei.value.line, ei.value.problem) == (tmp_path / "a.tfw", 3, problem)


# ---------------------------------------------------------------- sidecars read as UTF-8 whatever the locale


def test_a_world_file_line_is_quoted_as_written_whatever_the_locale(tmp_path):
    # a typographic minus (U+2212, bytes E2 88 92) is no number; the refusal quotes the line as
    # written, read as UTF-8 (under the C locale's ASCII it would read as three replacement characters)
    path = tmp_path / "a.tfw"
    path.write_bytes("1.0\n0.0\n0.0\n\u22122.0\n500000\n5000000\n".encode("utf-8"))
    with pytest.raises(geo.InputError) as ei:
        under_c_locale(lambda: geo.read_world_file(path))
    assert (ei.value.line, ei.value.problem) == (4, "value 4 is not a number: '\u22122.0'")


def test_a_prj_is_read_as_utf8_whatever_the_locale(tmp_path):
    path = tmp_path / "a.prj"
    wkt = ('GEOGCS["Z\u00fcrich lon/lat",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],'
           'PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
    path.write_bytes(wkt.encode("utf-8"))
    crs = under_c_locale(lambda: geo.read_prj(path))
    assert crs.name == "Z\u00fcrich lon/lat"


# ---------------------------------------------------------------- projected_boxes' alignment rule


@pytest.mark.parametrize("corner, axis, shift, kept", [
    (None, None, 0.0, False),          # lon/lat-aligned: no corners
    ("tl", "lat", 1e-6, True),         # each of the four skews alone keeps them
    ("bl", "lat", 1e-6, True),
    ("tl", "lon", 1e-6, True),
    ("tr", "lon", 1e-6, True),
    ("tl", "lat", 1e-9, False),        # under _ALIGNED_DEG (1e-8): not worth keeping
])
def test_corners_are_kept_when_any_edge_is_skewed_by_1e_8_deg_or_more(monkeypatch, corner, axis, shift, kept):
    # a stand-in transform: CRS units are degrees (lon = x, lat = y) but for one corner moved by
    # `shift`; box x 10..11, y 45..46 (TL = (10, 46), TR = (11, 46), BL = (10, 45))
    where = {"tl": (10.0, 46.0), "tr": (11.0, 46.0), "bl": (10.0, 45.0)}.get(corner)

    def fake(xs, ys, crs):
        lons, lats = np.array(xs, float), np.array(ys, float)
        for i, (x, y) in enumerate(zip(xs, ys)):
            if (x, y) == where:
                if axis == "lon":
                    lons[i] += shift
                else:
                    lats[i] += shift
        return lons, lats

    monkeypatch.setattr(geo, "transform_to_wgs84", fake)
    _, corners = geo.projected_box(10.0, 45.0, 11.0, 46.0, "fake")
    assert (corners is not None) == kept


def test_corners_skewed_by_exactly_1e_8_deg_are_kept(monkeypatch):
    # the top edge tilted by exactly 1e-8 (latitudes 1e-8 and 0.0): not under the bound, kept
    def fake(xs, ys, crs):
        lons, lats = np.array(xs, float), np.array(ys, float)
        lats[(lons == 0.0) & (lats == 0.0)] = 1e-8  # TL = (0, 0) of the box x 0..1, y -1..0
        return lons, lats

    monkeypatch.setattr(geo, "transform_to_wgs84", fake)
    assert geo._ALIGNED_DEG == 1e-8
    _, corners = geo.projected_box(0.0, -1.0, 1.0, 0.0, "fake")
    assert corners is not None and corners[0].lat == 1e-8 and corners[1].lat == 0.0


# ---------------------------------------------------------------- boxes across ±180°, row by row


def test_boxes_across_the_antimeridian_are_decided_row_by_row():
    # row 0: 179 and -179 lie 2 degrees apart across ±180 (west 179 > east -179, RFC 7946);
    # rows 1 and 2: -20..-10 and 10..20, ordinary boxes; no row's shifted longitudes (340, 350 and
    # 10, 20) may leak into another's
    lons = np.array([[179.0, -179.0], [-20.0, -10.0], [10.0, 20.0]])
    lats = np.array([[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]])
    got = [tuple(vars(b).values()) for b in geo._boxes_from_lonlat(lons, lats)]
    assert got == [(179.0, 0.0, -179.0, 1.0), (-20.0, 2.0, -10.0, 3.0), (10.0, 4.0, 20.0, 5.0)]


@pytest.mark.parametrize("lons, west, east", [
    ([-10.0, 190.0], -170.0, -10.0),     # 190 is -170: the narrowest box is -170..-10 (160 degrees)
    ([-10.0, 180.5], -179.5, -10.0),     # 180.5 is -179.5
    ([170.0, -170.0], 170.0, -170.0),    # across ±180: west > east
    ([-90.0, 90.0], -90.0, 90.0),        # exactly 180 apart: either way as wide; kept as given
])
def test_bounds_from_lonlat_with_longitudes_written_past_180(lons, west, east):
    b = geo.bounds_from_lonlat(lons, [0.0, 1.0])
    assert (b.west, b.south, b.east, b.north) == (west, 0.0, east, 1.0)


def test_a_crs_given_as_a_numpy_integer_is_read_by_its_text():
    # an EPSG code read from an array (numpy int64 is no Python int and has no to_wkt): its text
    # "32633" names UTM 33N; the false easting 500 km on the equator is (15 E, 0 N)
    lons, lats = geo.transform_to_wgs84([500_000.0], [0.0], np.int64(32633))
    assert (float(lons[0]), float(lats[0])) == pytest.approx((15.0, 0.0), abs=1e-9)


def test_parse_crs_keeps_a_rasterio_crs_as_its_wkt_and_reads_any_digits():
    # a rasterio CRS is read through its WKT: a grid named "My grid" with UTM 33N's parameters keeps
    # its name (its str() would be "EPSG:32633", another name)
    import rasterio.crs
    from pyproj import CRS

    wkt = CRS.from_epsg(32633).to_wkt().replace("WGS 84 / UTM zone 33N", "My grid", 1)
    mine = rasterio.crs.CRS.from_wkt(wkt)
    assert str(mine) == "EPSG:32633"
    assert geo.parse_crs(mine).name == "My grid"
    # digits as a user may type them (full-width, from an East Asian keyboard) are an EPSG code
    assert geo.parse_crs("\uff14\uff13\uff12\uff16").name == "WGS 84"
    assert geo.parse_crs(" 32633 ").name == "WGS 84 / UTM zone 33N"


def test_transform_to_wgs84_returns_floats_for_integer_input():
    lons, lats = geo.transform_to_wgs84([10, 11], [45, 46], 4326)
    assert lons.dtype == np.float64 and lats.dtype == np.float64
    assert lons.tolist() == [10.0, 11.0] and lats.tolist() == [45.0, 46.0]
    # past 180 in degrees: folded into [-180, 180] (190 -> -170), exactly in floats
    lons, _ = geo.transform_to_wgs84([190], [0], "EPSG:4326")
    assert lons.dtype == np.float64 and lons.tolist() == [-170.0]


def test_ground_metres_per_pixel_is_measured_over_16_pixels():
    # Web Mercator, 1000 km pixels, the point (0, -15,500 km) (79.9 S), where the scale changes
    # fast: the geodesics over 16 pixels centred on it (x +- 8,000 km at its y; y +- 8,000 km at
    # x = 0), / 16, computed with pyproj's Geod for this test: 133,404.91 m and 219,054.51 m
    px = geo.ground_metres_per_pixel(3857, 0.0, -15_500_000.0, 1_000_000.0, -1_000_000.0)
    assert px == pytest.approx((133_404.9099, 219_054.5057), rel=1e-8)
