import math

import numpy as np
import pytest

from geolocator.core.errors import InputError
from geolocator.core.geo import (
    WEB_MERCATOR_MAX_LAT,
    haversine_m,
    metres_per_degree,
    read_world_file,
    transform_to_wgs84,
    world_file_bounds,
    xyz_tile_bounds,
)
from geolocator.core.model import LatLon


def test_haversine_known_distances():
    assert haversine_m(LatLon(10, 20), LatLon(10, 20)) == 0.0
    # one degree of arc on the mean-radius sphere
    assert haversine_m(LatLon(0, 0), LatLon(1, 0)) == pytest.approx(6_371_008.8 * math.pi / 180, rel=1e-9)
    assert haversine_m(LatLon(0, 0), LatLon(0, 180)) == pytest.approx(math.pi * 6_371_008.8, rel=1e-9)
    # Paris -> London is about 344 km
    assert haversine_m(LatLon(48.8566, 2.3522), LatLon(51.5074, -0.1278)) == pytest.approx(343_500, rel=0.01)
    assert haversine_m(LatLon(1, 2), LatLon(3, 4)) == pytest.approx(haversine_m(LatLon(3, 4), LatLon(1, 2)))


def test_metres_per_degree_equator_and_poles():
    m_lat, m_lon = metres_per_degree(0)
    assert m_lat == pytest.approx(110_574, abs=2)
    assert m_lon == pytest.approx(111_320, abs=2)
    m_lat60, m_lon60 = metres_per_degree(60)
    assert m_lat60 > m_lat  # meridian degrees lengthen towards the poles on the ellipsoid
    assert m_lon60 == pytest.approx(55_800, abs=5)
    assert metres_per_degree(90)[1] == pytest.approx(0, abs=1e-6)


def test_xyz_zoom0_covers_web_mercator_world():
    b = xyz_tile_bounds(0, 0, 0)
    assert (b.west, b.east) == (-180.0, 180.0)
    assert b.north == pytest.approx(85.0511287798, abs=1e-9)
    assert b.south == pytest.approx(-85.0511287798, abs=1e-9)
    assert WEB_MERCATOR_MAX_LAT == pytest.approx(b.north)


def test_xyz_zoom1_quadrants_and_tms_flip():
    nw = xyz_tile_bounds(1, 0, 0)
    assert (nw.west, nw.east) == (-180.0, 0.0)
    assert nw.south == pytest.approx(0.0, abs=1e-12) and nw.north == pytest.approx(85.0511, abs=1e-4)
    # In TMS row 0 is the southern row.
    sw = xyz_tile_bounds(1, 0, 0, tms=True)
    assert sw.north == pytest.approx(0.0, abs=1e-12) and sw.south == pytest.approx(-85.0511, abs=1e-4)
    assert xyz_tile_bounds(1, 1, 1, tms=True) == xyz_tile_bounds(1, 1, 0)
    se = xyz_tile_bounds(1, 1, 1)
    assert (se.west, se.east) == (0.0, 180.0) and se.north == pytest.approx(0.0, abs=1e-12)


def test_xyz_known_city_tile_contains_point():
    # Zoom 12 tile containing Berlin's Brandenburger Tor (13.3777 E, 52.5163 N): x=2200, y=1343.
    n = 2**12
    lat, lon = 52.5163, 13.3777
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    assert (x, y) == (2200, 1343)
    assert xyz_tile_bounds(12, x, y).contains(LatLon(lat, lon))
    assert not xyz_tile_bounds(12, x, y + 1).contains(LatLon(lat, lon))


def test_xyz_rejects_indices_outside_the_zoom_level():
    with pytest.raises(ValueError):
        xyz_tile_bounds(2, 4, 0)
    with pytest.raises(ValueError):
        xyz_tile_bounds(2, 0, -1)


def _write_world(path, values):
    path.write_text("\n".join(str(v) for v in values) + "\n")
    return path


def test_read_world_file_order(tmp_path):
    w = _write_world(tmp_path / "a.pgw", [0.5, 0, 0, -0.5, 1000.25, 2000.75])
    assert read_world_file(w) == (0.5, 0.0, 0.0, -0.5, 1000.25, 2000.75)


def test_world_file_half_pixel_convention_wgs84():
    # 1-degree pixels; C, F are the centre of the top-left pixel, so the edge is half a pixel out.
    world = (1.0, 0.0, 0.0, -1.0, 10.5, 50.5)
    b = world_file_bounds(world, width=4, height=3, epsg=4326)
    assert (b.west, b.north, b.east, b.south) == (10.0, 51.0, 14.0, 48.0)


def test_world_file_bounds_projected_utm():
    # UTM 33N: easting 500000 is the central meridian 15 E. 10 m pixels, 100x100 image.
    world = (10.0, 0.0, 0.0, -10.0, 500_005.0, 5_500_995.0)
    b = world_file_bounds(world, 100, 100, 32633)
    lons, lats = transform_to_wgs84([500_000.0], [5_501_000.0], 32633)
    assert b.west == pytest.approx(15.0, abs=1e-9)  # outer edge exactly on the central meridian
    assert b.north == pytest.approx(lats[0], abs=1e-9)
    m_lat, m_lon = metres_per_degree(b.center.lat)
    assert (b.north - b.south) * m_lat == pytest.approx(1000, rel=0.01)
    assert (b.east - b.west) * m_lon == pytest.approx(1000, rel=0.01)


def test_world_file_rotation_refused_naming_file(tmp_path):
    w = _write_world(tmp_path / "rot.jgw", [0.5, 0.1, 0.0, -0.5, 0, 0])
    with pytest.raises(InputError) as ei:
        read_world_file(w)
    assert "rot.jgw" in str(ei.value) and "rotat" in str(ei.value)


@pytest.mark.parametrize(
    "lines, needle",
    [([1, 0, 0, -1, 5], "6 numbers"), ([1, 0, 0, "abc", 5, 6], "not a number"), ([0, 0, 0, -1, 5, 6], "zero")],
)
def test_world_file_bad_content(tmp_path, lines, needle):
    w = _write_world(tmp_path / "bad.tfw", lines)
    with pytest.raises(InputError) as ei:
        read_world_file(w)
    assert "bad.tfw" in str(ei.value) and needle in str(ei.value)


def test_transform_to_wgs84_identity_and_web_mercator():
    lons, lats = transform_to_wgs84([12.5], [41.9], 4326)
    assert (lons[0], lats[0]) == (12.5, 41.9)
    lons, lats = transform_to_wgs84(np.array([0.0, 20037508.342789244]), np.array([0.0, 0.0]), "EPSG:3857")
    assert lons == pytest.approx([0.0, 180.0]) and lats == pytest.approx([0.0, 0.0], abs=1e-9)


def test_transform_to_wgs84_errors():
    with pytest.raises(ValueError, match="unknown coordinate system"):
        transform_to_wgs84([0], [0], 999_999)
    with pytest.raises(ValueError, match="wrong EPSG"):
        transform_to_wgs84([1e9], [1e9], 32633)


# -- added for the mutation run's survivors (geo.py, session 4) --------------------------------------
_WGS84_A, _WGS84_F = 6_378_137.0, 1 / 298.257223563


def _closed_form_metres_per_degree(lat: float) -> tuple[float, float]:
    """Meridional and parallel degree lengths on WGS84 from the radii of curvature M and N
    (e.g. Snyder, Map Projections: A Working Manual, 1987, eq. 4-18 and 4-19)."""
    e2 = _WGS84_F * (2 - _WGS84_F)
    s = math.sin(math.radians(lat))
    w = 1 - e2 * s * s
    return (math.pi / 180 * _WGS84_A * (1 - e2) / w**1.5,
            math.pi / 180 * _WGS84_A * math.cos(math.radians(lat)) / math.sqrt(w))


@pytest.mark.parametrize("lat", [0.0, 36.14, -45.0, 60.0, 89.9999, 90.0, -90.0])
def test_metres_per_degree_is_the_ellipsoids_local_degree(lat):
    """A 0.001 deg central difference of geodesics equals the closed form to 1e-9 (measured 1e-11):
    a longer step, an off-centre interval or a clamp that lets the interval past a pole shows."""
    m_lat, m_lon = metres_per_degree(lat)
    want_lat, want_lon = _closed_form_metres_per_degree(lat)
    assert m_lat == pytest.approx(want_lat, rel=1e-9)
    assert m_lon == pytest.approx(want_lon, rel=1e-9, abs=1e-6)


def test_metres_per_degree_clamps_latitudes_past_the_poles():
    assert metres_per_degree(95.0) == metres_per_degree(90.0)
    assert metres_per_degree(-95.0) == metres_per_degree(-90.0) == metres_per_degree(90.0)


def test_geodetic_tile_bounds_grid_rows_from_the_south_by_default():
    from geolocator.core.geo import geodetic_tile_bounds
    from geolocator.core.model import Bounds

    # gdal2tiles --tmscompatible: zoom 0 is 2 x 1 tiles of 180 deg; zoom 1 is 4 x 2 tiles of 90 deg
    assert geodetic_tile_bounds(0, 0, 0, 180.0) == Bounds(-180.0, -90.0, 0.0, 90.0)
    assert geodetic_tile_bounds(1, 0, 0, 90.0) == Bounds(-180.0, -90.0, -90.0, 0.0)  # TMS: row 0 is south
    assert geodetic_tile_bounds(1, 0, 0, 90.0, tms=False) == Bounds(-180.0, 0.0, -90.0, 90.0)  # XYZ: north
    assert geodetic_tile_bounds(1, 3, 1, 90.0) == Bounds(90.0, 0.0, 180.0, 90.0)  # the last column and row
    # without --tmscompatible zoom 0 is one 360 deg tile: its rows are cut at the poles in both schemes
    assert geodetic_tile_bounds(0, 0, 0, 360.0) == Bounds(-180.0, -90.0, 180.0, 90.0)
    assert geodetic_tile_bounds(0, 0, 0, 360.0, tms=False) == Bounds(-180.0, -90.0, 180.0, 90.0)


@pytest.mark.parametrize("z, x, y, deg", [(1, 4, 0, 90.0), (1, 0, 2, 90.0), (1, -1, 0, 90.0), (1, 0, -1, 90.0),
                                          (-1, 0, 0, 90.0), (0, 2, 0, 180.0), (0, 0, 1, 180.0), (0, 1, 0, 360.0),
                                          (0, 0, 0, 0.0), (0, 0, 0, -90.0), (0, 0, 0, float("nan"))])
def test_geodetic_tile_bounds_refuses_tiles_outside_the_grid(z, x, y, deg):
    from geolocator.core.geo import geodetic_tile_bounds

    with pytest.raises(ValueError, match="does not exist"):
        geodetic_tile_bounds(z, x, y, deg)


def test_format_ground_size_switches_to_km_at_10_km():
    from pyproj import Geod

    from geolocator.core.geo import format_ground_size
    from geolocator.core.model import Bounds

    # 1 x 1 deg at the equator: 111.32 x 110.57 km (km with one decimal: a factor 1001 shows)
    assert format_ground_size(Bounds(0.0, -0.5, 1.0, 0.5)) == "111.3 x 110.6 km"
    assert format_ground_size(Bounds(0.0, 0.0, 0.001, 0.001)) == "111 x 111 m"
    # 10 000.5 m tall: already km (the switch is at >= 10 000 m)
    north = Geod(ellps="WGS84").fwd(0.0, 0.0, 0.0, 10_000.5)[1]
    assert format_ground_size(Bounds(0.0, 0.0, 0.0001, north)).endswith(" x 10.0 km")


def test_xyz_tile_bounds_limits_and_messages():
    assert xyz_tile_bounds(30, 0, 0).north == pytest.approx(WEB_MERCATOR_MAX_LAT)  # MAX_ZOOM itself is served
    with pytest.raises(ValueError, match=r"zoom level 31 is out of range 0\.\.30"):
        xyz_tile_bounds(31, 0, 0)
    with pytest.raises(ValueError, match=r"x and y must be in 0\.\.1\)"):
        xyz_tile_bounds(1, 0, 2)  # y == 2**z is one row past the last
    with pytest.raises(ValueError, match=r"x and y must be in 0\.\.0\)"):
        xyz_tile_bounds(0, 0, 1)


def test_world_files_that_cannot_be_read_or_decoded(tmp_path):
    folder = tmp_path / "image.tfw"
    folder.mkdir()  # a folder where the world file should be: an OSError
    with pytest.raises(InputError, match="cannot read world file") as ei:
        read_world_file(folder)
    assert ei.value.path == folder
    # a byte that is not UTF-8 is replaced (then refused as a number), never a UnicodeDecodeError
    bad = tmp_path / "latin1.tfw"
    bad.write_bytes(b"1.0\n0.0\n0.0\n-1.0\n10\xe9\n20.0\n")
    with pytest.raises(InputError, match="value 5 is not a number") as ei:
        read_world_file(bad)
    assert ei.value.path == bad and ei.value.line == 5


def test_world_rotation_angle_and_when_it_is_negligible():
    from geolocator.core.geo import world_rotation_deg, world_rotation_negligible

    assert world_rotation_deg((1.0, 1.0, 5.0, -1.0, 0.0, 0.0)) == pytest.approx(45.0)  # atan2(D, A)
    assert world_rotation_deg((2.0, 0.0, 7.0, -2.0, 0.0, 0.0)) == 0.0  # B (shear of y) is not the x axis' turn
    # 1000 x 500 px at 1 map unit per pixel: B may move the bottom edge < 0.1 px, D the right edge < 0.1 px
    w, h = 1000, 500
    assert world_rotation_negligible((1.0, 0.0, 0.099 / h, -1.0, 0, 0), w, h)
    assert not world_rotation_negligible((1.0, 0.0, 0.1 / h, -1.0, 0, 0), w, h)  # exactly 0.1 px: not negligible
    assert world_rotation_negligible((1.0, 0.099 / w, 0.0, -1.0, 0, 0), w, h)
    assert not world_rotation_negligible((1.0, 0.1 / w, 0.0, -1.0, 0, 0), w, h)
    assert not world_rotation_negligible((1.0, 0.2 / w, 0.0, -1.0, 0, 0), w, h)  # D alone is enough
    assert not world_rotation_negligible((1.0, 0.0, 0.2 / h, -1.0, 0, 0), w, h)  # B alone is enough
    # the threshold scales with the pixel size (10 map units per pixel)
    assert world_rotation_negligible((10.0, 0.5 / w, 0.5 / h, -10.0, 0, 0), w, h)
    assert not world_rotation_negligible((0.1, 0.0, 0.5 / h, -0.1, 0, 0), w, h)


@pytest.mark.parametrize("b, d", [(1.0, 0.0), (0.0, 1.0), (0.5, 0.5)])
def test_world_file_bounds_refuses_any_real_rotation(b, d):
    with pytest.raises(ValueError, match="^rotated world files are not supported$"):
        world_file_bounds((1.0, d, b, -1.0, 500_000.0, 4_000_000.0), 100, 100, 32611)


def test_read_prj_names_the_file_and_reads_latin1_names(tmp_path):
    from pyproj import CRS

    from geolocator.core.geo import read_prj

    folder = tmp_path / "a.prj"
    folder.mkdir()
    with pytest.raises(InputError, match=r"cannot read \.prj file") as ei:
        read_prj(folder)
    assert ei.value.path == folder
    junk = tmp_path / "junk.prj"
    junk.write_text("not WKT at all")
    with pytest.raises(InputError, match="not a coordinate system pyproj can read") as ei:
        read_prj(junk)
    assert ei.value.path == junk
    # ESRI tools write .prj files in the local code page: a Latin-1 byte in a name must not stop the read
    wkt = CRS.from_epsg(32611).to_wkt("WKT1_ESRI").replace("WGS_1984_UTM_Zone_11N", "Zone_11N_Bogot\xe1")
    latin1 = tmp_path / "latin1.prj"
    latin1.write_bytes(wkt.encode("latin-1"))
    crs = read_prj(latin1)
    assert crs.to_epsg() == 32611 or crs.utm_zone == "11N"


def test_crs_label_is_short_and_names_the_authority():
    from pyproj import CRS

    from geolocator.core.geo import crs_label

    assert crs_label(32760) == "EPSG:32760"
    assert crs_label(" 32760 ") == "EPSG:32760"
    assert crs_label(CRS.from_epsg(32760)) == "EPSG:32760"
    assert crs_label("EPSG:3857") == "EPSG:3857"
    custom = "+proj=tmerc +lat_0=0 +lon_0=12.3 +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs"
    assert crs_label(custom) == CRS.from_user_input(custom).name  # no authority: the CRS's name
    junk = "x" * 70
    assert crs_label(junk) == "x" * 60  # unknown: the text itself, cut to 60 characters


@pytest.mark.parametrize("lons, want", [
    ([-90.25, 90.5], (90.5, -90.25)),  # 180.75 deg apart across 0, 179.25 across 180: crosses the antimeridian
    ([0.0, 179.0, -179.0], (0.0, -179.0)),  # 0 deg is east of the antimeridian, never shifted by 360
    ([0.5, 179.0, -179.0], (0.5, -179.0)),
    ([-180.0, 1.0], (1.0, 180.0)),  # east at exactly 180 stays 180
    ([-180.0, 180.0], (180.0, 180.0)),  # the same meridian twice: zero width, not the whole globe
    ([-170.0, -10.0, 10.0, 170.0], (-170.0, 170.0)),  # a tie (340 deg either way): the box that does not cross
    ([-90.0, 90.0], (-90.0, 90.0)),
])
def test_bounds_from_lonlat_takes_the_narrower_way_round(lons, want):
    from geolocator.core.geo import bounds_from_lonlat

    b = bounds_from_lonlat(lons, [1.0] * (len(lons) - 1) + [2.0])
    assert (b.west, b.east) == want and (b.south, b.north) == (1.0, 2.0)


def test_parse_number_bounds_are_inclusive_and_errors_name_the_file(tmp_path):
    from geolocator.core.geo import parse_number

    path = tmp_path / "tiles.csv"
    assert parse_number(path, 3, "lat", "90", -90.0, 90.0) == 90.0
    assert parse_number(path, 3, "lat", "-90", -90.0, 90.0) == -90.0
    with pytest.raises(InputError, match=r"lat is written with a decimal comma \('10,5'\): write 10\.5") as ei:
        parse_number(path, 7, "lat", "10,5", -90.0, 90.0)
    assert ei.value.path == path and ei.value.line == 7
    with pytest.raises(InputError, match=r"lat = 90\.5 is out of range \[-90, 90\]"):
        parse_number(path, 3, "lat", "90.5", -90.0, 90.0)


def test_world_file_pixel_size_rules(tmp_path):
    path = tmp_path / "a.tfw"
    path.write_text("1.0\n0.0\n0.0\n1.0\n10.0\n20.0\n")  # a bottom-up raster (E > 0) is read as written
    assert read_world_file(path) == (1.0, 0.0, 0.0, 1.0, 10.0, 20.0)
    for lines in ("0.0\n0.0\n0.0\n-1.0\n10\n20\n", "1.0\n0.0\n0.0\n0.0\n10\n20\n"):
        path.write_text(lines)
        with pytest.raises(InputError) as ei:
            read_world_file(path)
        assert ei.value.problem == "pixel size (line 1 or 4) is zero"
    folder = tmp_path / "b.tfw"
    folder.mkdir()
    with pytest.raises(InputError) as ei:
        read_world_file(folder)
    assert ei.value.problem == "cannot read world file (Is a directory)"


def test_parse_crs_reads_every_form_a_user_or_file_gives():
    from pyproj import CRS

    from geolocator.core.geo import parse_crs

    utm = CRS.from_epsg(32611)
    rasterio = pytest.importorskip("rasterio")
    assert parse_crs(rasterio.crs.CRS.from_epsg(32611)) == utm  # a rasterio CRS, through its WKT
    custom = rasterio.crs.CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=12.3 +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m")
    assert parse_crs(custom).to_wkt() == CRS.from_wkt(custom.to_wkt()).to_wkt()
    assert parse_crs("32611") == utm and parse_crs(32611) == utm and parse_crs(" EPSG:32611 ") == utm
    with pytest.raises(ValueError) as ei:
        parse_crs("y" * 100)
    assert str(ei.value).startswith(f"unknown coordinate system {'y' * 80!r} (")


def test_wgs84_input_needs_no_proj_transformer():
    """Degrees in, degrees out: "4326", 4326 and "epsg:4326" take the shortcut (no PROJ pipeline built)."""
    from geolocator.core import geo

    geo._transformer_for.cache_clear()
    for crs in (4326, "4326", "EPSG:4326", " epsg:4326 "):
        lons, lats = transform_to_wgs84([10.0, 181.0], [20.0, -5.0], crs)
        assert lons.tolist() == [10.0, -179.0] and lats.tolist() == [20.0, -5.0]
    assert geo._transformer_for.cache_info().currsize == 0


def test_transform_to_wgs84_limits():
    # the poles and one and a half turns of longitude are still on the globe (folded into [-180, 180])
    lons, lats = transform_to_wgs84([540.0, -540.0, 0.0], [90.0, -90.0, 0.0], 4326)
    assert lons.tolist() == [-180.0, -180.0, 0.0] and lats.tolist() == [90.0, -90.0, 0.0]
    for xs, ys, needle in (([0.0], [90.5], "outside the globe"), ([540.5], [0.0], "outside the globe"),
                           ([float("nan")], [0.0], "cannot be transformed"), ([0.0], [float("nan")], "cannot be transformed")):
        with pytest.raises(ValueError, match=needle):
            transform_to_wgs84(xs, ys, 4326)


def test_geodetic_tile_bounds_at_a_fine_zoom():
    from geolocator.core.geo import geodetic_tile_bounds
    from geolocator.core.model import Bounds

    deg = 180.0 / 2**9  # zoom 9 of the --tmscompatible grid: 1024 x 512 tiles of 0.35 deg
    assert geodetic_tile_bounds(9, 0, 0, deg) == Bounds(-180.0, -90.0, -180.0 + deg, -90.0 + deg)
    assert geodetic_tile_bounds(9, 1023, 511, deg) == Bounds(180.0 - deg, 90.0 - deg, 180.0, 90.0)
    for x, y in ((1024, 0), (0, 512)):
        with pytest.raises(ValueError, match="does not exist"):
            geodetic_tile_bounds(9, x, y, deg)


def test_messages_name_the_rotation_the_errno_text_and_the_crs(tmp_path):
    from geolocator.core.geo import crs_label, read_prj, world_rotation_deg

    w = _write_world(tmp_path / "rot.jgw", [1.0, 0.5, 0.0, -1.0, 0, 0])
    with pytest.raises(InputError) as ei:
        read_world_file(w)
    assert ei.value.problem == ("rotated world files (non-zero rotation terms on lines 2-3) are not supported "
                                "(26.57° rotation)")
    assert world_rotation_deg((1.0, 0.5, 0.0, -1.0, 0, 0)) == pytest.approx(math.degrees(math.atan2(0.5, 1.0)))
    folder = tmp_path / "a.prj"
    folder.mkdir()
    with pytest.raises(InputError) as ei:
        read_prj(folder)
    assert ei.value.problem == "cannot read .prj file (Is a directory)"
    assert crs_label(99999) == "EPSG:99999"  # a number is named as a code even when PROJ does not know it
    with pytest.raises(ValueError, match=r"cannot be transformed from EPSG:4326 to WGS84"):
        transform_to_wgs84([float("nan")], [0.0], 4326)
    with pytest.raises(ValueError, match=r"outside the globe once transformed from EPSG:4326 \("):
        transform_to_wgs84([0.0], [91.0], "4326")
