"""Property tests of tile grids and pixel <-> ground maps: XYZ/TMS rows, geodetic grids, lon/lat
boxes across ±180°, projected (UTM) tiles and their corners, world files with rotation terms,
GeoTIFF windows, fetch's tile lists, WMTS matrices. Each holds for ALL inputs hypothesis draws;
the field bugs of this kind (TMS rows flipped, antimeridian tiles spanning the globe) broke one
of these. Deterministic (derandomize): the same inputs every run.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import (bounds_from_lonlat, geodetic_tile_bounds, projected_box, world_file_affine,
                                 world_file_box, xyz_tile_bounds)
from geolocator.core.errors import InputError
from geolocator.core.model import Bounds, LatLon, Tile

hypothesis = pytest.importorskip("hypothesis")
mercantile = pytest.importorskip("mercantile")
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

PROP = prop(150)


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _lon_gap(a: float, b: float) -> float:
    return abs(_wrap(a - b))


def _holds(b: Bounds, lat: float, lon: float, tol: float = 1e-9) -> bool:
    """Whether `b` holds (lat, lon) to `tol` degrees (float rounding of an edge is not a miss)."""
    if not b.south - tol <= lat <= b.north + tol:
        return False
    east_of_west = _wrap(lon - b.west) % 360.0
    return east_of_west <= b.width_deg + tol or east_of_west >= 360.0 - tol


@st.composite
def xyz(draw, max_zoom: int = 30):
    z = draw(st.integers(0, max_zoom))
    n = 2**z
    edge = st.sampled_from([0, n - 1])  # the first and last rows and columns: the poles and ±180°
    x = draw(st.one_of(st.integers(0, n - 1), edge))
    y = draw(st.one_of(st.integers(0, n - 1), edge))
    return z, x, y


fractions = st.floats(0.01, 0.99)


# -- XYZ / TMS ---------------------------------------------------------------------------------------


@PROP
@given(xyz())
def test_xyz_bounds_are_mercantiles_and_tms_rows_count_from_the_south(tile):
    z, x, y = tile
    b, m = xyz_tile_bounds(z, x, y), mercantile.bounds(x, y, z)
    assert (b.west, b.south, b.east, b.north) == (m.west, m.south, m.east, m.north)
    assert xyz_tile_bounds(z, x, 2**z - 1 - y, tms=True) == b
    assert b.west < b.east and b.south < b.north and not b.crosses_antimeridian


@PROP
@given(xyz(max_zoom=24), fractions, fractions)
def test_a_point_inside_an_xyz_tile_maps_back_to_it(tile, fx, fy):
    z, x, y = tile
    b = xyz_tile_bounds(z, x, y)
    p = b.point_at(fx, fy)
    assert b.contains(p)
    assert tuple(mercantile.tile(p.lon, p.lat, z))[:2] == (x, y)


@PROP
@given(st.integers(0, 12), st.sampled_from([180.0, 360.0]), st.data())
def test_geodetic_tiles_tile_the_globe(z, deg0, data):
    """gdal2tiles' geodetic grid: TMS row r is XYZ row rows-1-r; a tile's east neighbour starts where
    it ends; a tile spans tile_deg of longitude and no more than that of latitude."""
    deg = deg0 / 2**z
    cols, rows = round(360.0 / deg), max(1, round(180.0 / deg))
    x, y = data.draw(st.integers(0, cols - 1)), data.draw(st.integers(0, rows - 1))
    tms = geodetic_tile_bounds(z, x, y, deg, tms=True)
    assert geodetic_tile_bounds(z, x, rows - 1 - y, deg, tms=False) == tms
    assert tms.width_deg == pytest.approx(deg) and 0 < tms.north - tms.south <= deg + 1e-12
    assert -180.0 <= tms.west < tms.east <= 180.0 and -90.0 <= tms.south < tms.north <= 90.0
    if x + 1 < cols:
        assert geodetic_tile_bounds(z, x + 1, y, deg).west == pytest.approx(tms.east, abs=1e-9)


# -- lon/lat boxes ------------------------------------------------------------------------------------

lats = st.floats(-89.0, 89.0)
lons = st.one_of(st.floats(-180.0, 180.0), st.floats(179.0, 180.0), st.floats(-180.0, -179.0))


@st.composite
def boxes(draw):
    """Any box, a third of them across ±180°."""
    s = draw(lats)
    n = draw(st.floats(s, 90.0))
    w = draw(lons)
    width = draw(st.one_of(st.floats(0.0, 359.0), st.floats(0.0, 2.0)))
    return Bounds(w, s, _wrap(w + width) if w + width != 180.0 else 180.0, n)


@PROP
@given(boxes(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_box_holds_its_centre_and_every_point_of_its_image(b, fx, fy):
    assert 0.0 <= b.width_deg <= 360.0
    assert b.contains(b.center)
    p = b.point_at(fx, fy)
    assert -180.0 <= p.lon <= 180.0 and b.contains(p), (b, p)


@PROP
@given(boxes(), boxes())
def test_a_union_holds_both_boxes_and_is_the_narrowest_such_box(a, b):
    u = a.union(b)
    for box in (a, b):
        for lon in (box.west, box.center.lon, box.east):
            for lat in (box.south, box.north):
                assert _holds(u, lat, lon), (a, b, u)  # to float rounding of the union's wrapped edge
    # the narrowest arc holding both: starting at either box's west edge, running east to the end of both
    spans = [max(first.width_deg, (second.west - first.west) % 360.0 + second.width_deg) for first, second in ((a, b), (b, a))]
    assert u.width_deg <= min(360.0, *spans) + 1e-9, (a, b, u, spans)


@PROP
@given(boxes())
def test_split_at_antimeridian_halves_sum_to_the_box(b):
    halves = b.split_at_antimeridian()
    assert all(not h.crosses_antimeridian for h in halves)
    assert sum(h.width_deg for h in halves) == pytest.approx(b.width_deg, abs=1e-9)


@PROP
@given(lons, lats, st.lists(st.tuples(st.floats(-40.0, 40.0), st.floats(-1.0, 1.0)), min_size=1, max_size=8))
def test_bounds_of_points_close_together_never_span_the_globe(lon, lat, offsets):
    """Points within 80° of longitude of each other, ±180° between them or not: their box holds
    every one and is no wider than their spread (case 08: a tile near ±180° spanning the globe)."""
    pts = [(_wrap(lon + dx), max(-90.0, min(90.0, lat + dy))) for dx, dy in offsets]
    b = bounds_from_lonlat([p[0] for p in pts], [p[1] for p in pts])
    spread = max(dx for dx, _ in offsets) - min(dx for dx, _ in offsets)
    assert b.width_deg <= spread + 1e-9, (pts, b)
    assert all(b.contains(LatLon(la, lo)) for lo, la in pts)


# -- projected tiles: UTM, both hemispheres, zones 1 and 60 at ±180° ---------------------------------


@st.composite
def utm_tiles(draw):
    """(EPSG, x0, y_top, width m, height m) of a tile inside a UTM zone or up to 1° past its edges,
    80°S to 84°N: zones 1 and 60 put it at ±180°."""
    from pyproj import Transformer

    zone = draw(st.one_of(st.integers(1, 60), st.sampled_from([1, 60])))
    lat = draw(st.floats(-80.0, 84.0))
    lon = _wrap(-183.0 + 6.0 * zone + draw(st.floats(-4.0, 4.0)))
    epsg = (32700 if lat < 0 else 32600) + zone
    x0, y_top = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    size = draw(st.floats(50.0, 3000.0))
    height = size * draw(st.floats(0.5, 2.0))
    return epsg, x0, y_top, size, height


@PROP
@given(utm_tiles(), st.floats(0.0, 1.0), st.floats(0.0, 1.0))
def test_a_utm_tiles_pixel_lands_where_the_crs_puts_it(tile, fx, fy):
    """A tile cut from a UTM raster: Tile.point_at of any fraction of its image agrees with pyproj's
    transform of that map point (to millimetres; the grid's curve in lon/lat, below); its bounds hold that point and span well
    under 180° of longitude, across ±180° too (zones 1 and 60)."""
    from pyproj import Transformer

    epsg, x0, y_top, w, h = tile
    bounds, corners = projected_box(x0, y_top, x0 + w, y_top - h, epsg)
    t = Tile("t", "t.tif", bounds, corners=corners)
    lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(x0 + fx * w, y_top - fy * h)
    got = t.point_at(fx, fy)
    north_m, east_m = abs(got.lat - lat) * 111_000.0, _lon_gap(got.lon, lon) * 111_320.0 * math.cos(math.radians(lat))
    # Bilinear between the corners misses the curve a grid line makes in lon/lat: a line of constant
    # northing sags (s/2)^2 / 2R x tan|lat| below its ends (5.5 mm for 600 m at 38°): allowed twice
    # that, which still fails a flipped row, a swapped axis or a half-pixel shift by metres.
    sag = (max(w, h) / 2.0) ** 2 / (2 * 6_371_000.0) * (1.0 + math.tan(math.radians(abs(lat))))
    assert math.hypot(north_m, east_m) < 0.002 + 2 * sag, (got, lat, lon, sag)
    assert bounds.width_deg < 1.0
    assert _holds(bounds, lat, lon), (bounds, lat, lon)


# -- world files (ESRI: C, F name the CENTRE of the top-left pixel) -----------------------------------

finite = dict(allow_nan=False, allow_infinity=False)


@st.composite
def worlds(draw, rotation: bool = True):
    a = draw(st.floats(0.01, 100.0)) * draw(st.sampled_from([1.0, -1.0]))
    e = -draw(st.floats(0.01, 100.0)) * draw(st.sampled_from([1.0, 1.0, -1.0]))
    b = draw(st.floats(-1.0, 1.0)) * abs(e) if rotation else 0.0
    d = draw(st.floats(-1.0, 1.0)) * abs(a) if rotation else 0.0
    assume(abs(a * e - b * d) > 1e-3 * abs(a * e))  # the pixel axes span an area
    c = draw(st.floats(-1e6, 1e6, **finite))
    f = draw(st.floats(-1e7, 1e7, **finite))
    return a, d, b, e, c, f


@PROP
@given(worlds(), st.floats(0.0, 5000.0), st.floats(0.0, 5000.0))
def test_world_file_pixel_to_map_and_back(world, col, row):
    """The affine from a world file maps pixel (col, row) (corner coordinates) to the ESRI formula
    x = A (col - 0.5) + B (row - 0.5) + C, y = D (col - 0.5) + E (row - 0.5) + F, rotation terms
    included; its inverse returns the pixel within 1e-6."""
    a, d, b, e, c, f = world
    t = world_file_affine(world)
    x, y = t @ (col, row)
    assert x == pytest.approx(a * (col - 0.5) + b * (row - 0.5) + c, rel=1e-12, abs=1e-6)
    assert y == pytest.approx(d * (col - 0.5) + e * (row - 0.5) + f, rel=1e-12, abs=1e-6)
    back = ~t @ (x, y)
    assert back[0] == pytest.approx(col, abs=1e-6) and back[1] == pytest.approx(row, abs=1e-6)


@PROP
@given(st.one_of(st.floats(0.0, 360.0), st.floats(176.0, 180.5)), st.floats(1e-6, 1e-3), st.integers(1, 4000),
       st.integers(1, 4000), lats)
def test_a_world_file_in_degrees_across_the_antimeridian(west, px, width, height, north):
    """A north-up image in EPSG:4326 whose world file runs on past 180° (or starts past it): its box
    is its own width (<= 4° here), never the globe, and holds the image's edges and middle."""
    south = north - px * height
    assume(south > -90.0)
    world = (px, 0.0, 0.0, -px, west + px / 2, north - px / 2)
    bounds, _ = world_file_box(world, width, height, 4326)
    assert bounds.width_deg == pytest.approx(px * width, abs=1e-9)
    for fx in (0.0, 0.5, 1.0):  # its left edge, middle and right edge, folded onto the globe
        assert _holds(bounds, north - px * height / 2, _wrap(west + fx * px * width)), (bounds, fx)


# -- GeoTIFF windows -----------------------------------------------------------------------------------


@PROP
@given(st.integers(1, 5000), st.integers(1, 600), st.floats(0.0, 0.9))
def test_geotiff_windows_cover_the_raster_without_gaps(size, tile, overlap):
    """Windows along one axis: the first at 0, the last ending at the raster's edge, consecutive ones
    never leaving a gap, and overlapping no more than the stated overlap except the last, pulled back."""
    from geolocator.core.sources.geotiff import _offsets

    tile = min(tile, size)
    stride = max(1, round(tile * (1 - overlap)))
    starts = _offsets(size, tile, stride)
    assert starts[0] == 0 and starts[-1] + tile == size
    steps = np.diff(starts)
    assert (steps >= 1).all() and (steps <= tile).all()
    assert (steps[:-1] == stride).all()


# -- fetch: the XYZ tiles of an area -------------------------------------------------------------------


@PROP
@given(st.floats(-179.9, 179.0), st.floats(-84.0, 84.0), st.floats(1e-3, 6.0), st.floats(1e-3, 6.0),
       st.integers(0, 22))
def test_fetched_tiles_cover_the_area_and_only_touch_it(west, south, dw, dh, zoom):
    """tiles_for_bbox of an area up to ~6 tiles a side: the tiles' union holds the area; each tile
    touches it; a tile's own bounds list that one tile (rows from the north, as XYZ)."""
    from geolocator.core.sources.fetch import tiles_for_bbox

    deg = 360.0 / 2**zoom  # a tile's width in degrees of longitude
    area = Bounds(west, south, min(180.0, west + dw * deg), min(85.0, south + dh * deg * 0.5))
    tiles = tiles_for_bbox(area, zoom, max_tiles=10**9)
    boxes = [xyz_tile_bounds(*t) for t in tiles]
    xs, ys = sorted({t[1] for t in tiles}), sorted({t[2] for t in tiles})
    assert len(tiles) == len(xs) * len(ys) and xs == list(range(xs[0], xs[-1] + 1)) and ys == list(range(ys[0], ys[-1] + 1))
    hair = 1e-9  # fetch._EDGE_HAIR_DEG: an edge within 0.1 mm of a tile's side adds no row or column
    assert min(b.west for b in boxes) <= area.west + hair and max(b.east for b in boxes) >= area.east - hair
    assert min(b.south for b in boxes) <= area.south + hair and max(b.north for b in boxes) >= area.north - hair
    for b in boxes:
        assert b.west <= area.east and b.east >= area.west and b.south <= area.north and b.north >= area.south
    z, x, y = tiles[len(tiles) // 2]
    assert tiles_for_bbox(xyz_tile_bounds(z, x, y), z) == [(z, x, y)]


# -- WMTS matrices in a national grid ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _rd_to_wgs84():
    from pyproj import Transformer

    return Transformer.from_crs(28992, 4326, always_xy=True)


@prop(40)  # each tiles() call builds a pyproj transformer (~0.1 s)
@given(st.integers(1, 40), st.integers(1, 40), st.floats(0.05, 50.0), st.integers(0, 10**6), st.data())
def test_wmts_tile_boxes_and_tile_lists_agree(mw, mh, pixel, seed, data):
    """A tile matrix in RD New (EPSG:28992): tile (col, row) spans from TopLeftCorner east and south
    (rows from the top); an area inside one tile's box lists that tile."""
    from geolocator.core.sources.wmts_grid import GridMatrix, GridSet

    left, top = 120_000.0 + (seed % 1000) * 10.0, 500_000.0 - (seed // 1000) * 10.0
    m = GridMatrix("0", pixel / 0.00028, left, top, pixel, 256, 256, mw, mh)
    grid = GridSet("rd", "EPSG:28992", "EPSG:28992", (m,), False, 1.0)
    col, row = data.draw(st.integers(0, mw - 1)), data.draw(st.integers(0, mh - 1))
    x0, y0, x1, y1 = grid.tile_box(0, col, row)
    assert x1 - x0 == pytest.approx(256 * pixel) and y1 - y0 == pytest.approx(256 * pixel)
    assert x0 == pytest.approx(left + col * 256 * pixel) and y1 == pytest.approx(top - row * 256 * pixel)
    to_wgs = _rd_to_wgs84()
    fx, fy = data.draw(fractions), data.draw(fractions)
    lon, lat = to_wgs.transform(x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
    d = 1e-7
    listed = grid.tiles(0, Bounds(lon - d, lat - d, lon + d, lat + d), 10**6)
    assert (0, col, row) in listed and len(listed) <= 4


# -- the failing examples, as plain regression tests ---------------------------------------------------


def test_a_box_ending_at_180_holds_a_point_at_minus_180():
    """-180° and 180° are one meridian: bounds_from_lonlat of 140° and -180° is (140, 180), and
    holds both points (it missed the second)."""
    b = bounds_from_lonlat([140.0, -180.0], [0.0, 0.0])
    assert b.width_deg == 40.0
    assert b.contains(LatLon(0.0, -180.0)) and b.contains(LatLon(0.0, 180.0))
    assert Bounds(-180.0, 0.0, -170.0, 1.0).contains(LatLon(0.5, 180.0))
    assert not Bounds(-170.0, 0.0, 170.0, 1.0).contains(LatLon(0.5, 180.0))
    assert Bounds(170.0, 0.0, -170.0, 1.0).contains(LatLon(0.5, -180.0))


# -- GeoTIFFs cut into tiles: a raster on either side of ±180°, in degrees or in UTM ------------------


@st.composite
def rasters(draw):
    """(EPSG, Affine, width, height, tile size m) of a small north-up raster: in degrees near ±180°
    (running on past 180° or not), or in UTM zone 1 or 60 at its antimeridian edge, either hemisphere."""
    from affine import Affine

    width, height = draw(st.integers(40, 160)), draw(st.integers(40, 160))
    if draw(st.booleans()):
        px = draw(st.floats(2e-6, 2e-5))
        west = draw(st.one_of(st.floats(179.998, 180.0), st.floats(-180.0, -179.998), st.floats(-180.0, 180.0)))
        return 4326, Affine(px, 0.0, west, 0.0, -px, draw(st.floats(-60.0, 60.0))), width, height, draw(st.floats(20.0, 200.0))
    zone, south = draw(st.sampled_from([1, 60])), draw(st.booleans())
    px = draw(st.floats(0.2, 2.0))
    x0 = draw(st.floats(160_000.0, 200_000.0)) if zone == 1 else draw(st.floats(800_000.0, 840_000.0))
    y0 = draw(st.floats(2_000_000.0, 9_000_000.0)) if south else draw(st.floats(1_000_000.0, 8_000_000.0))
    return (32700 if south else 32600) + zone, Affine(px, 0.0, x0, 0.0, -px, y0), width, height, draw(st.floats(20.0, 150.0))


@prop(25)
@given(rasters(), st.floats(0.0, 0.5))
def test_a_geotiff_is_cut_into_tiles_that_cover_it_and_lie_where_its_pixels_do(raster, overlap):
    """cut_geotiff of any small north-up raster: the windows cover every pixel; a window's middle
    pixel lands where the raster's transform puts it (Tile.point_at, to a millimetre-scale sag); no
    tile spans more than a degree of longitude, across ±180° too (case 08)."""
    import tempfile

    import rasterio
    from pyproj import Transformer

    from geolocator.core.sources.geotiff import cut_geotiff

    epsg, t, width, height, tile_m = raster
    with tempfile.TemporaryDirectory(prefix="propfuzz-") as folder:
        path = Path(folder) / "r.tif"
        with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="uint8",
                           crs=f"EPSG:{epsg}", transform=t) as ds:
            ds.write(np.full((1, height, width), 128, np.uint8))
        try:
            tiles = cut_geotiff(path, tile_m, overlap).tiles
        except InputError as exc:  # a tile size under MIN_TILE_PIXELS pixels: refused, said so
            assert "pixels here" in exc.problem
            return
    covered = np.zeros((height, width), bool)
    to_wgs = Transformer.from_crs(epsg, 4326, always_xy=True)
    for tile in tiles:
        w = tile.window
        covered[w.row:w.row + w.height, w.col:w.col + w.width] = True
        assert tile.bounds.width_deg < 1.0, tile
        assert all(-180.0 <= v <= 180.0 for v in (tile.bounds.west, tile.bounds.east)), tile  # folded onto the globe
        lon, lat = to_wgs.transform(*(t @ (w.col + w.width / 2, w.row + w.height / 2)))
        got = tile.point_at(0.5, 0.5)
        east_m = abs(_wrap(got.lon - lon)) * 111_320.0 * math.cos(math.radians(lat))
        assert math.hypot((got.lat - lat) * 111_000.0, east_m) < 0.01, (tile, lat, lon)
        assert _holds(tile.bounds, lat, _wrap(lon))
    assert covered.all()


# -- fetch: the area around the photos ----------------------------------------------------------------


@PROP
@given(lons, st.floats(-80.0, 80.0), st.lists(st.tuples(st.floats(-0.01, 0.01), st.floats(-0.01, 0.01)), min_size=1,
                                               max_size=6), st.floats(0.0, 500.0))
def test_the_area_around_photos_is_never_the_globe(lon, lat, offsets, margin):
    """bbox_around of photos within ~2 km of each other: a box holding them all, no wider than their
    spread plus the margin; photos either side of ±180° are refused with a sentence (fetch areas do
    not cross it), never given the whole globe."""
    from geolocator.core.geo import metres_per_degree
    from geolocator.core.sources.fetch import FetchError, bbox_around, check_bbox

    pts = [LatLon(lat + dy, _wrap(lon + dx)) for dx, dy in offsets]
    spread = bounds_from_lonlat([p.lon for p in pts], [p.lat for p in pts])
    try:
        b = bbox_around(pts, margin)
    except FetchError as exc:
        assert spread.crosses_antimeridian and "antimeridian" in str(exc)
        return
    assert not spread.crosses_antimeridian
    assert all(b.contains(p) for p in pts)
    check_bbox(b)  # an area fetch accepts: on the globe, west < east, south < north
    m_lon = metres_per_degree(max(abs(p.lat) for p in pts) + 0.01)[1]
    assert b.width_deg <= spread.width_deg + 2 * margin / m_lon + 2e-5 + 1e-9, (b, spread)


def test_photos_either_side_of_the_antimeridian_are_not_the_whole_globe():
    """Regression: two photos 100 m apart across ±180° (Taveuni, Fiji) gave a fetch area from -180
    to 180 (393,216 tiles at zoom 17); now a sentence saying how to fetch each side."""
    from geolocator.core.sources.fetch import FetchError, bbox_around

    with pytest.raises(FetchError) as exc:
        bbox_around([LatLon(-16.8, 179.9995), LatLon(-16.8, -179.9995)])
    assert "both sides of the antimeridian" in str(exc.value) and "--bbox" in str(exc.value)
    # a photo at -180 is at 180: beside one at 179.99, not the globe's width away
    b = bbox_around([LatLon(0.0, -180.0), LatLon(0.0, 179.9921875)], margin_m=0.0)
    assert b.west == pytest.approx(179.9921875 - 1e-5) and b.east == 180.0 and b.width_deg < 0.01


def test_the_evidence_panel_of_a_tile_across_the_antimeridian_is_the_tile(tmp_path):
    """Regression (found by reading, the pattern of bbox_around): the evidence figure's imagery panel
    of a Point at -179.9998 on a tile from 179.9995 to -179.9995 spanned the globe (min/max of
    longitudes); now the tile plus its margin, the tile's red pixels in the middle, the neighbour just
    east of ±180° pasted on its side."""
    from PIL import Image

    from geolocator.core.evidence import _imagery_panel
    from geolocator.core.model import Match, Prediction, Query, TileSet

    def tile(name, colour, west, east):
        path = tmp_path / f"{name}.png"
        Image.new("RGB", (64, 64), colour).save(path)
        return Tile(name, path, Bounds(west, -16.801, east, -16.8))

    red = tile("red", (255, 0, 0), 179.9995, -179.9995)
    green = tile("green", (0, 255, 0), -179.9995, -179.9985)
    at = LatLon(-16.8005, -179.9998)
    pred = Prediction(Query("q.jpg", tmp_path / "q.jpg"), (Match(red, 0.9, 1),), at, at, 0.9)
    panel, view = _imagery_panel(pred, TileSet((red, green), tmp_path))
    assert view.width_deg < 0.01, view
    px = np.asarray(panel)
    assert tuple(px[px.shape[0] // 4, px.shape[1] // 4]) == (255, 0, 0)
    assert tuple(px[px.shape[0] // 4, px.shape[1] - 2]) == (0, 255, 0)


# -- WMTS TopLeftCorner in the CRS's own axis order --------------------------------------------------

# (CRS as documents write it, northing first?, an easting and a northing inside its area)
AXIS_CRS = [("urn:ogc:def:crs:EPSG::28992", False, 155_000.0, 463_000.0),   # RD New: easting first
            ("urn:ogc:def:crs:EPSG::3006", True, 500_000.0, 6_500_000.0),   # SWEREF99 TM: northing first
            ("urn:ogc:def:crs:EPSG::2180", True, 500_000.0, 500_000.0),     # Poland CS92: northing first
            ("urn:ogc:def:crs:EPSG::3857", False, 1_000_000.0, 6_000_000.0),
            ("urn:ogc:def:crs:EPSG::4326", True, 5.0, 52.0)]                # lat, lon in the document


@lru_cache(maxsize=8)
def _to_wgs84(crs: str):
    from pyproj import Transformer

    return Transformer.from_crs(crs, 4326, always_xy=True)


@prop(40)
@given(st.sampled_from(AXIS_CRS), st.floats(-1000.0, 1000.0), st.floats(-1000.0, 1000.0), st.integers(1, 4))
def test_a_wmts_top_left_corner_is_read_in_its_crss_axis_order(crs, dx, dy, levels):
    """A TileMatrixSet whose TopLeftCorner is written as its CRS orders axes (WMTS 1.0.0 §6.1:
    northing first for EPSG:3006, 2180 and 4326's latitude): grid_set reads left = the easting (or
    longitude), top = the northing, at every level; tile (0, 0)'s top-left corner is that point."""
    from types import SimpleNamespace

    from geolocator.core.sources.wmts_grid import grid_set

    text, northing_first, east, north = crs
    degrees = text.endswith("4326")
    east, north = east + dx * (1e-4 if degrees else 1.0), north + dy * (1e-4 if degrees else 1.0)
    matrices = {}
    for k in range(levels):
        corner = (north, east) if northing_first else (east, north)
        matrices[str(k)] = SimpleNamespace(scaledenominator=1e6 / 2**k, tilewidth=256, tileheight=256,
                                           matrixwidth=2**k, matrixheight=2**k, topleftcorner=corner)
    grid, why = grid_set(SimpleNamespace(identifier="set", crs=text, tilematrix=matrices))
    assert grid is not None, why
    assert grid.northing_first == northing_first
    for level, m in enumerate(grid.matrices):
        assert (m.left, m.top) == (east, north)
        x0, _, _, y1 = grid.tile_box(level, 0, 0)
        assert (x0, y1) == pytest.approx((east, north))
    from pyproj import CRS

    lon, lat = _to_wgs84(grid.crs).transform(grid.matrices[0].left, grid.matrices[0].top)
    area = CRS.from_user_input(grid.crs).area_of_use  # the corner lies where the CRS is used
    assert area.west - 1 <= lon <= area.east + 1 and area.south - 1 <= lat <= area.north + 1, (lon, lat, area)
