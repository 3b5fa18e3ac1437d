"""Every georeferencing convention of each family, on inputs generated here (issue 9 §1):
the antimeridian, XYZ vs TMS, ground metres in any CRS, pixels as the file means them,
world files (naming, rotation, .prj) and the CSV faults of issue 10."""

import json
import logging

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.export import write_geojson
from geolocator.core.geo import (
    bounds_from_lonlat,
    format_ground_size,
    geodetic_tile_bounds,
    ground_metres_per_pixel,
    ground_size_m,
    parse_number,
    transform_to_wgs84,
    world_file_affine,
    world_file_bounds,
    xyz_tile_bounds,
)
from geolocator.core.images import open_image, whole_read_transform
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile, TileSet
from geolocator.core.sources import READER_MODULES, reader_for
from geolocator.core.sources.worldfile import find_world_file, world_file_names
from geolocator.core.tilesets import (
    cut_geotiff,
    load_tiles_csv,
    load_tileset,
    load_world_file_folder,
    load_xyz_folder,
    row_order_from_template,
)

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import Affine  # noqa: E402
from pyproj import CRS, Transformer  # noqa: E402

HEADER = "path,west,south,east,north"


def _img(path, size=(8, 8), color="gray", mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, color).save(path)
    return path


def _tif(path, data, transform, crs, **kw):
    data = np.asarray(data)
    if data.ndim == 2:
        data = data[None]
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs=crs, transform=transform, **kw) as ds:
        ds.write(data)
    return path


# ---------------------------------------------------------------- the antimeridian (RFC 7946 §3.1.9)


def test_bounds_across_antimeridian_keep_a_narrow_box():
    b = Bounds(179.9, -17.0, -179.9, -16.9)  # west > east: crosses ±180°
    assert b.crosses_antimeridian and b.width_deg == pytest.approx(0.2)
    assert b.east_unwrapped == pytest.approx(180.1)
    assert b.contains(LatLon(-16.95, 179.95)) and b.contains(LatLon(-16.95, -179.95))
    assert b.contains(LatLon(-16.95, 180.0)) and not b.contains(LatLon(-16.95, 0.0))
    assert not b.contains(LatLon(-16.95, 179.8)) and not b.contains(LatLon(-16.95, -179.8))
    c = b.center
    assert abs(c.lon) == pytest.approx(180.0) and c.lat == pytest.approx(-16.95)
    assert b.point_at(0.25, 0.5).lon == pytest.approx(179.95)
    assert b.point_at(0.75, 0.5).lon == pytest.approx(-179.95)
    assert b.split_at_antimeridian() == (Bounds(179.9, -17.0, 180.0, -16.9), Bounds(-180.0, -17.0, -179.9, -16.9))


def test_bounds_union_goes_the_short_way_and_never_wraps_the_globe():
    west_side, east_side = Bounds(179.8, 0, 179.9, 1), Bounds(-179.9, 0, -179.8, 1)
    u = west_side.union(east_side)
    assert (u.west, u.east) == pytest.approx((179.8, -179.8)) and u.width_deg == pytest.approx(0.4)
    assert east_side.union(west_side) == u or (east_side.union(west_side).west, east_side.union(west_side).east) == pytest.approx((u.west, u.east))
    v = u.union(Bounds(179.85, 0.5, -179.85, 2))
    assert (v.west, v.south, v.east, v.north) == pytest.approx((179.8, 0, -179.8, 2))
    # ordinary boxes: plain min/max, exactly as before
    assert Bounds(10, 50, 11, 51).union(Bounds(12, 49, 13, 50)) == Bounds(10, 49, 13, 51)
    assert Bounds(-180, -85, 0, 85).union(Bounds(0, -85, 180, 85)) == Bounds(-180, -85, 180, 85)


def test_bounds_from_lonlat_and_tile_at_across_antimeridian():
    b = bounds_from_lonlat([179.9997, 179.9998, -179.9998, -179.9997], [-16.8, -16.7, -16.8, -16.7])
    assert b.crosses_antimeridian and b.width_deg == pytest.approx(0.0006)
    assert bounds_from_lonlat([10, 20], [0, 1]) == Bounds(10, 0, 20, 1)
    tiles = (Tile("a", None, Bounds(179.99, 0, -179.99, 0.01)), Tile("b", None, Bounds(-179.99, 0, -179.98, 0.01)))
    ts = TileSet(tiles, None)
    assert ts.tile_at(LatLon(0.005, 179.995)) == 0 and ts.tile_at(LatLon(0.005, -179.995)) == 0
    assert ts.tile_at(LatLon(0.005, -179.985)) == 1 and ts.tile_at(LatLon(0.005, 0.0)) is None
    tb = ts.bounds
    assert (tb.west, tb.south, tb.east, tb.north) == pytest.approx((179.99, 0, -179.98, 0.01))
    assert ground_size_m(ts.bounds)[0] == pytest.approx(3 * 1113.2, rel=0.01)


def test_tiles_csv_west_greater_than_east_is_a_tile_across_the_antimeridian(tmp_path):
    _img(tmp_path / "t.png")
    (tmp_path / "tiles.csv").write_text(f"{HEADER}\nt.png,179.999,-16.81,-179.999,-16.80\n")
    t = load_tiles_csv(tmp_path / "tiles.csv").tiles[0]
    assert t.bounds.crosses_antimeridian and t.bounds.width_deg == pytest.approx(0.002)
    assert t.bounds.contains(LatLon(-16.805, -179.9995))


def _utm60s_easting_of_180(lat=-16.8):
    fwd = Transformer.from_crs(4326, 32760, always_xy=True)
    return fwd.transform(180.0, lat)


def test_world_files_in_utm_across_the_antimeridian(tmp_path):
    e180, n = _utm60s_easting_of_180()
    folder = tmp_path / "wf"
    for name, x0 in (("left", e180 - 25), ("right", e180 + 25)):  # 'left' straddles 180°, 'right' is east of it
        _img(folder / f"{name}.png", size=(100, 100))
        (folder / f"{name}.pgw").write_text(f"0.5\n0\n0\n-0.5\n{x0 + 0.25}\n{n + 25 - 0.25}\n")
    ts = load_world_file_folder(folder, 32760)
    left, right = ts.tiles
    assert left.bounds.crosses_antimeridian and left.bounds.width_deg < 0.001
    assert not right.bounds.crosses_antimeridian and right.bounds.west < -179.999
    assert ts.bounds.width_deg < 0.002  # never -180..180
    assert ground_size_m(left.bounds)[0] == pytest.approx(50, rel=0.02)


def test_geotiff_across_the_antimeridian_cuts_narrow_tiles(tmp_path):
    e180, n = _utm60s_easting_of_180()
    data = np.full((3, 200, 200), 100, np.uint8)
    tif = _tif(tmp_path / "o.tif", data, Affine(0.5, 0, e180 - 25, 0, -0.5, n + 50), "EPSG:32760")
    ts = cut_geotiff(tif, 50)
    assert len(ts) == 4 and sum(t.bounds.crosses_antimeridian for t in ts.tiles) == 2
    assert all(t.bounds.width_deg < 0.001 for t in ts.tiles)
    assert ts.bounds.width_deg < 0.002


def test_geographic_geotiff_running_past_180_degrees(tmp_path):
    # EPSG:4326 raster from 179.999° to 180.001° (longitudes past 180 are legal in a geotransform)
    px = 1e-5
    tif = _tif(tmp_path / "g.tif", np.full((1, 100, 200), 50, np.uint8), Affine(px, 0, 179.999, 0, -px, -16.8), "EPSG:4326")
    ts = cut_geotiff(tif, 100)
    assert ts.bounds.crosses_antimeridian and ts.bounds.west == pytest.approx(179.999)
    assert ts.bounds.east == pytest.approx(-179.999) and ts.bounds.width_deg == pytest.approx(0.002)
    with pytest.raises(ValueError, match="outside the globe"):
        transform_to_wgs84([900.0], [0.0], 4326)


def test_geojson_footprint_across_the_antimeridian_is_cut_at_180(tmp_path):
    tile = Tile("t", tmp_path / "t.png", Bounds(179.999, -16.81, -179.999, -16.80))
    q = Query("q.jpg", tmp_path / "q.jpg")
    p = Prediction(q, (Match(tile, 0.9, 1),), tile.center, tile.center, 1.0)
    out = tmp_path / "p.geojson"
    write_geojson([p], out, tile_footprints=True)
    features = json.loads(out.read_text())["features"]
    geoms = [f["geometry"] for f in features if f["geometry"]["type"] != "Point"]
    assert geoms and geoms[0]["type"] == "MultiPolygon"
    xs = [x for poly in geoms[0]["coordinates"] for x, _ in poly[0]]
    assert max(xs) == 180.0 and min(xs) == -180.0 and all(abs(x) > 179.99 for x in xs)


def test_weighted_estimate_of_tiles_either_side_of_the_antimeridian_stays_there():
    from geolocator.core.predict import predict

    tiles = [Tile("w", None, Bounds(179.999, -16.801, 180.0, -16.8)), Tile("e", None, Bounds(-180.0, -16.801, -179.999, -16.8))]
    q = Query("q.jpg", None, truth=LatLon(-16.8005, 180.0))
    (p,) = predict([q], tiles, np.array([[0.90, 0.90]]), np.array([[0, 1]]))
    assert abs(p.weighted_location.lon) == pytest.approx(180.0, abs=1e-6)  # not 0.0, 19,000 km away
    assert p.weighted_error_m < 1


def test_gui_asks_no_epsg_when_a_prj_says_it(tmp_path):
    from geolocator.gui.main_window import needs_epsg

    _img(tmp_path / "a.png")
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n0\n0\n")
    assert needs_epsg(tmp_path)
    (tmp_path / "a.prj").write_text(CRS.from_epsg(32633).to_wkt("WKT1_ESRI"))
    assert not needs_epsg(tmp_path)


def test_basemap_of_a_tile_set_across_the_antimeridian_places_tiles_side_by_side(tmp_path):
    from geolocator.core.webmap import render_basemap

    a = _img(tmp_path / "a.png", (10, 10), "red")
    b = _img(tmp_path / "b.png", (10, 10), "blue")
    ts = TileSet((Tile("a", a, Bounds(179.99, 0, 180.0, 0.01)), Tile("b", b, Bounds(-180.0, 0, -179.99, 0.01))), tmp_path)
    img = np.asarray(render_basemap(ts, max_px=64))
    h, w = img.shape[:2]
    assert w > h  # two tiles wide, one tall: not a globe-wide strip
    assert img[h // 2, w // 4, 0] > 200 and img[h // 2, 3 * w // 4, 2] > 200


# ---------------------------------------------------------------- XYZ vs TMS


GDAL2TILES_XML = """<?xml version="1.0" encoding="utf-8"?>
<TileMap version="1.0.0" tilemapservice="http://tms.osgeo.org/1.0.0">
  <Title>x.tif</Title><Abstract></Abstract><SRS>{srs}</SRS>
  <BoundingBox minx="36.1" miny="-115.3" maxx="36.2" maxy="-115.2"/>
  <Origin x="36.1" y="-115.3"/>
  <TileFormat width="256" height="256" mime-type="image/png" extension="png"/>
  <TileSets profile="{profile}"><TileSet href="{z}" units-per-pixel="{upp}" order="{z}"/></TileSets>
</TileMap>"""


def _xyz(root, coords):
    for z, x, y in coords:
        _img(root / str(z) / str(x) / f"{y}.png")
    return root


def test_gdal2tiles_mercator_folder_is_read_as_tms(tmp_path, caplog):
    root = _xyz(tmp_path / "t", [(3, 1, 5)])
    (root / "tilemapresource.xml").write_text(GDAL2TILES_XML.format(srs="EPSG:3857", profile="mercator", z=3, upp=19567.88))
    assert load_xyz_folder(root).tiles[0].bounds == xyz_tile_bounds(3, 1, 2)  # y_xyz = 2**3 - 1 - 5
    assert load_tileset(root).tiles[0].bounds == xyz_tile_bounds(3, 1, 5, tms=True)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        forced = load_tileset(root, tms=False)  # --xyz overrides, with a warning
    assert forced.tiles[0].bounds == xyz_tile_bounds(3, 1, 5)
    assert "tilemapresource.xml says TMS" in caplog.text


@pytest.mark.parametrize("upp0, deg0", [(0.703125, 180.0), (1.40625, 360.0)])
def test_gdal2tiles_geodetic_folder_uses_the_lat_lon_grid(tmp_path, upp0, deg0):
    z = 2
    root = _xyz(tmp_path / "t", [(z, 1, 0)])
    (root / "tilemapresource.xml").write_text(GDAL2TILES_XML.format(srs="EPSG:4326", profile="geodetic", z=z, upp=upp0 / 2**z))
    b = load_tileset(root).tiles[0].bounds
    side = deg0 / 2**z
    assert (b.west, b.south, b.east, b.north) == pytest.approx((-180 + side, -90, -180 + 2 * side, -90 + side))
    assert geodetic_tile_bounds(0, 1, 0, 180.0) == Bounds(0.0, -90.0, 180.0, 90.0)


def test_gdal2tiles_raster_profile_is_refused_with_the_reason(tmp_path):
    root = _xyz(tmp_path / "t", [(1, 0, 0)])
    (root / "tilemapresource.xml").write_text(GDAL2TILES_XML.format(srs="", profile="raster", z=1, upp=1))
    with pytest.raises(InputError) as ei:
        load_tileset(root)
    assert "tilemapresource.xml" in str(ei.value) and "raster" in str(ei.value) and "-p mercator" in str(ei.value)


@pytest.mark.parametrize(
    "doc, tms",
    [
        ({"scheme": "tms"}, True),
        ({"scheme": "xyz"}, False),
        ({"tiles": ["https://example.test/{z}/{x}/{-y}.png"]}, True),
        ({"tiles": ["https://example.test/{z}/{x}/{y}.png"]}, False),
    ],
)
def test_tilejson_scheme_or_template_gives_the_row_order(tmp_path, doc, tms):
    root = _xyz(tmp_path / "t", [(3, 1, 5)])
    (root / "metadata.json").write_text(json.dumps(doc))
    assert load_tileset(root).tiles[0].bounds == xyz_tile_bounds(3, 1, 5, tms=tms)


def test_gdal2tiles_xyz_mode_is_read_as_xyz(tmp_path):
    # gdal2tiles --xyz writes no tilemapresource.xml, but a MapML viewer page
    root = _xyz(tmp_path / "t", [(3, 1, 5)])
    (root / "mapml.mapml").write_text("<mapml-></mapml->")
    assert load_tileset(root).tiles[0].bounds == xyz_tile_bounds(3, 1, 5)


def test_row_order_from_url_templates():
    assert row_order_from_template("https://a.test/{z}/{x}/{-y}.png") is True
    assert row_order_from_template("https://a.test/{z}/{x}/{y}.png") is False
    assert row_order_from_template("https://a.test/{q}.png") is None


def _tile_of(lat, lon, z):
    import mercantile

    return mercantile.tile(lon, lat, z)


def test_unstated_row_order_follows_the_photos_gps_with_a_warning(tmp_path, caplog):
    t = _tile_of(36.14, -115.23, 15)
    tms_y = 2**15 - 1 - t.y
    root = _xyz(tmp_path / "t", [(15, t.x, tms_y), (15, t.x + 1, tms_y)])  # written TMS, nothing says so
    photo = LatLon(36.14, -115.23)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_tileset(root, hint_points=[photo])
    assert ts.tiles[ts.tile_at(photo)].id == f"15/{t.x}/{tms_y}.png"
    assert "photos' GPS" in caplog.text and "TMS" in caplog.text and "--xyz" in caplog.text
    caplog.clear()
    # the same check from a user-given area instead of GPS
    ts = load_tileset(root, area=Bounds(-115.3, 36.1, -115.2, 36.2))
    assert ts.tile_at(photo) is not None
    # the explicit override is obeyed even against the evidence
    assert load_tileset(root, tms=False, hint_points=[photo]).tile_at(photo) is None


def test_unstated_row_order_without_evidence_reads_xyz_and_warns(tmp_path, caplog):
    root = _xyz(tmp_path / "t", [(3, 1, 5)])
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_tileset(root)
    assert ts.tiles[0].bounds == xyz_tile_bounds(3, 1, 5)
    assert "row order is not stated" in caplog.text and "--tms" in caplog.text


def test_cli_row_order_flags():
    from geolocator.cli import build_parser

    parser = build_parser()
    base = ["locate", "q", "--tiles", "t"]
    assert parser.parse_args(base).tms is None
    assert parser.parse_args(base + ["--tms"]).tms is True
    assert parser.parse_args(base + ["--xyz"]).tms is False
    with pytest.raises(SystemExit):
        parser.parse_args(base + ["--tms", "--xyz"])
    args = parser.parse_args(base + ["--area=-115.3,36.1,-115.2,36.2", "--epsg", "EPSG:32760"])
    assert args.area == Bounds(-115.3, 36.1, -115.2, 36.2) and args.epsg == "EPSG:32760"
    assert parser.parse_args(base + ["--epsg", "32633"]).epsg == 32633


# ---------------------------------------------------------------- ground metres, any CRS


@pytest.mark.parametrize(
    "crs, lon, lat, rel",
    [
        # Web Mercator is defined on a sphere: its own scale factors (1/cos(lat)) are off the
        # ellipsoid's ground by up to 0.7 %, which the geodesic measure gets right.
        ("EPSG:3857", 0.0, 60.0, 1e-2),
        ("EPSG:3857", 0.0, 0.0, 1e-2),
        ("EPSG:32633", 15.0, 45.0, 1e-5),  # UTM central meridian, k0 = 0.9996
        ("EPSG:32633", 18.0, 45.0, 1e-5),
        ("EPSG:2263", -74.0, 40.75, 1e-5),  # New York Long Island, US survey feet
    ],
)
def test_ground_metres_per_pixel_match_the_projections_scale_factors(crs, lon, lat, rel):
    from pyproj import Proj

    c = CRS.from_user_input(crs)
    x, y = Transformer.from_crs(4326, c, always_xy=True).transform(lon, lat)
    factors = Proj(c).get_factors(lon, lat)
    unit = c.axis_info[0].unit_conversion_factor  # metres per CRS unit (0.3048006 for US feet)
    col_m, row_m = ground_metres_per_pixel(crs, x, y, 1.0, -1.0)
    assert col_m == pytest.approx(unit / factors.parallel_scale, rel=rel)
    assert row_m == pytest.approx(unit / factors.meridional_scale, rel=rel)


def test_ground_metres_per_pixel_in_degrees():
    col_m, row_m = ground_metres_per_pixel("EPSG:4326", 10.0, 0.0, 1e-5, -1e-5)
    assert col_m == pytest.approx(1.11319, rel=1e-4) and row_m == pytest.approx(1.10574, rel=1e-4)
    col_m, _ = ground_metres_per_pixel(4326, 10.0, 60.0, 1e-5, -1e-5)
    assert col_m == pytest.approx(0.55800, rel=1e-3)


def _window_ground_m(ds_transform, crs, w):
    """Ground metres of a window's top edge and left edge, corner to corner (geodesics)."""
    from geolocator.core.geo import geodesic_m

    corners = [ds_transform @ (w.col, w.row), ds_transform @ (w.col + w.width, w.row), ds_transform @ (w.col, w.row + w.height)]
    lons, lats = transform_to_wgs84([c[0] for c in corners], [c[1] for c in corners], crs)
    p = [LatLon(la, lo) for lo, la in zip(lons, lats)]
    return geodesic_m(p[0], p[1]), geodesic_m(p[0], p[2])


@pytest.mark.parametrize(
    "crs, lon, lat, px",
    [("EPSG:3857", 10.0, 60.0, 0.5), ("EPSG:2263", -74.0, 40.75, 1.0), ("EPSG:32633", 17.5, 50.0, 0.5), ("EPSG:4326", 10.0, 45.0, 5e-6)],
)
def test_geotiff_windows_are_ground_metres_whatever_the_crs(tmp_path, crs, lon, lat, px):
    if crs == "EPSG:4326":
        x0, y0 = lon, lat
    else:
        x0, y0 = Transformer.from_crs(4326, crs, always_xy=True).transform(lon, lat)
    transform = Affine(px, 0, x0, 0, -px, y0)
    tif = _tif(tmp_path / "o.tif", np.full((1, 300, 300), 9, np.uint8), transform, crs)
    ts = cut_geotiff(tif, 40)
    for t in ts.tiles:
        w, h = _window_ground_m(transform, crs, t.window)
        assert w == pytest.approx(40, rel=0.02) and h == pytest.approx(40, rel=0.02)
    if crs in ("EPSG:3857", "EPSG:4326"):  # grids aligned with meridians: the lon/lat box is the window
        assert ground_size_m(ts.tiles[0].bounds) == pytest.approx((40, 40), rel=0.02)
        assert format_ground_size(ts.tiles[0].bounds) == "40 x 40 m"


def test_web_mercator_windows_are_sized_at_their_own_latitude(tmp_path):
    # 2 km Web Mercator pixels from 64° N down to ~45° N: a 50 km window is ~57 px tall at the
    # top, ~36 px at the bottom; a single size for the raster would be 20-40 % off at one end.
    x0, y0 = Transformer.from_crs(4326, 3857, always_xy=True).transform(0.0, 64.0)
    transform = Affine(2000, 0, x0, 0, -2000, y0)
    tif = _tif(tmp_path / "o.tif", np.full((1, 1500, 60), 9, np.uint8), transform, "EPSG:3857")
    ts = cut_geotiff(tif, 50_000)
    heights = [t.window.height for t in ts.tiles]
    assert heights[0] > 1.4 * heights[-1]
    for t in ts.tiles:
        w, h = _window_ground_m(transform, "EPSG:3857", t.window)
        assert h == pytest.approx(50_000, rel=0.03)
    assert "km" in format_ground_size(ts.tiles[0].bounds)


def test_geotiff_in_a_local_engineering_crs_is_refused_with_a_sentence(tmp_path):
    # Found by the fuzz campaign in CI: a LOCAL_CS parses, but PROJ has no way to WGS84 and raised
    # ProjError out of the reader instead of a message naming the file.
    local = 'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    tif = _tif(tmp_path / "site.tif", np.full((1, 64, 64), 9, np.uint8), Affine(2, 0, 500, 0, -2, 900), local)
    with pytest.raises(InputError, match="site.tif.*WGS84"):
        cut_geotiff(tif, 16)


# ---------------------------------------------------------------- pixels as the file means them


def test_paletted_geotiff_reads_its_colour_table(tmp_path):
    index = np.array([[0, 1], [2, 1]], np.uint8).repeat(8, 0).repeat(8, 1)
    tif = _tif(tmp_path / "p.tif", index, Affine(1, 0, 500_000, 0, -1, 5_000_000), "EPSG:32633", photometric="palette")
    with rasterio.open(tif, "r+") as ds:
        ds.write_colormap(1, {0: (255, 0, 0, 255), 1: (0, 128, 0, 255), 2: (10, 20, 200, 255)})
    rgb = np.asarray(open_image(tif))
    assert tuple(rgb[0, 0]) == (255, 0, 0) and tuple(rgb[0, 15]) == (0, 128, 0) and tuple(rgb[15, 0]) == (10, 20, 200)


def test_paletted_png_world_file_tile_reads_its_colours(tmp_path):
    im = Image.new("P", (8, 8), 1)
    im.putpalette([0, 0, 0, 200, 30, 40] + [0] * 762)
    im.save(tmp_path / "a.png")
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n500000.5\n5000000.5\n")
    ts = load_world_file_folder(tmp_path, 32633)
    assert tuple(np.asarray(open_image(ts.tiles[0].path))[3, 3]) == (200, 30, 40)


def test_band_order_follows_colour_interpretation(tmp_path):
    from rasterio.enums import ColorInterp as CI

    data = np.stack([np.full((4, 4), v, np.uint8) for v in (30, 20, 10)])  # stored B, G, R
    tif = _tif(tmp_path / "bgr.tif", data, Affine(1, 0, 500_000, 0, -1, 5_000_000), "EPSG:32633")
    with rasterio.open(tif, "r+") as ds:
        ds.colorinterp = [CI.blue, CI.green, CI.red]
    assert tuple(np.asarray(open_image(tif))[0, 0]) == (10, 20, 30)


def test_cmyk_geotiff_is_converted_to_rgb(tmp_path):
    c, m, y, k = (np.full((4, 4), v, np.uint8) for v in (255, 0, 0, 0))  # pure cyan ink
    cmyk = np.stack([c, m, y, k])
    t = Affine(1, 0, 500_000, 0, -1, 5_000_000)
    tif = _tif(tmp_path / "cmyk.tif", cmyk, t, "EPSG:32633", photometric="CMYK")  # GDAL converts these itself
    assert tuple(np.asarray(open_image(tif))[0, 0]) == (0, 255, 255)
    # bands labelled C, M, Y, K (as other drivers and VRTs expose them) are converted here
    from rasterio.enums import ColorInterp as CI

    ink = cmyk.copy()
    ink[3] = 128  # half black: cyan at half brightness
    labelled = _tif(tmp_path / "labelled.tif", ink, t, "EPSG:32633")
    with rasterio.open(labelled, "r+") as ds:
        ds.colorinterp = [CI.cyan, CI.magenta, CI.yellow, CI.black]
    assert tuple(np.asarray(open_image(labelled))[0, 0]) == (0, 127, 127)


def test_16_bit_raster_is_stretched_once_for_the_whole_raster(tmp_path):
    data = np.zeros((1, 200, 200), np.uint16)
    data[:, :, :100] = 1000
    data[:, :, 100:] = 3000
    data[:, ::7, :] += 200  # texture so the percentiles are not degenerate
    tif = _tif(tmp_path / "u16.tif", data, Affine(0.5, 0, 500_000, 0, -0.5, 5_000_000), "EPSG:32633")
    ts = cut_geotiff(tif, 50)
    left, right = (np.asarray(open_image(t.path, t.window)).mean() for t in (ts.tiles[0], ts.tiles[-1]))
    assert left < 60 and right > 190  # one shared stretch: dark stays dark, bright stays bright


def test_float_raster_with_nodata_and_nan(tmp_path):
    data = np.linspace(0, 1, 100 * 100, dtype=np.float32).reshape(1, 100, 100)
    data[:, :10, :] = -9999.0  # nodata rows
    data[:, 50, 50] = np.nan
    tif = _tif(tmp_path / "f.tif", data, Affine(1, 0, 500_000, 0, -1, 5_000_000), "EPSG:32633", nodata=-9999.0)
    rgb = np.asarray(open_image(tif))
    assert rgb.shape == (100, 100, 3) and rgb[10:].max() == 255 and rgb[10:].min() == 0
    # the nodata rows do not pull the stretch (they would make every real pixel white) and are filled flat
    assert len(np.unique(rgb[:10].reshape(-1, 3), axis=0)) == 1 and 40 < rgb[:10].mean() < 215


def test_alpha_windows_empty_or_mostly_empty_are_not_tiles_partial_ones_are_masked(tmp_path):
    rgb = np.zeros((4, 200, 200), np.uint8)
    rgb[:3] = 120
    rgb[:3, 100:, 100:] = 0  # the empty corner is black in RGB...
    rgb[3] = 255
    rgb[3, 100:, 100:] = 0  # ...and transparent
    rgb[3, :100, 70:100] = 0  # 30 % of the top-left window transparent too
    tif = _tif(tmp_path / "rgba.tif", rgb, Affine(1, 0, 500_000, 0, -1, 5_000_000), "EPSG:32633")
    with rasterio.open(tif, "r+") as ds:
        from rasterio.enums import ColorInterp as CI

        ds.colorinterp = [CI.red, CI.green, CI.blue, CI.alpha]
    ts = cut_geotiff(tif, 100)
    assert sorted((t.window.col, t.window.row) for t in ts.tiles) == [(0, 0), (0, 100), (100, 0)]
    img = np.asarray(open_image(ts.tiles[0].path, ts.tiles[0].window))
    assert (img == 120).all()  # the transparent strip is filled with the valid pixels' colour, not black


def test_nodata_value_windows_are_dropped(tmp_path):
    data = np.full((1, 100, 300), 50, np.uint8)
    data[:, :, 200:] = 0
    tif = _tif(tmp_path / "n.tif", data, Affine(1, 0, 500_000, 0, -1, 5_000_000), "EPSG:32633", nodata=0)
    assert [t.window.col for t in cut_geotiff(tif, 100).tiles] == [0, 100]
    empty = _tif(tmp_path / "e.tif", np.zeros((1, 100, 100), np.uint8), Affine(1, 0, 500_000, 0, -1, 5_000_000),
                 "EPSG:32633", nodata=0)
    with pytest.raises(InputError, match="no window holds data"):
        cut_geotiff(empty, 50)


def test_transparent_xyz_and_world_file_tiles_are_dropped_partial_ones_masked(tmp_path):
    def rgba(path, opaque_cols):
        a = np.zeros((16, 16, 4), np.uint8)
        a[..., :3] = (90, 140, 40)
        a[:, :opaque_cols, 3] = 255
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(a, "RGBA").save(path)

    root = tmp_path / "xyz"
    rgba(root / "3" / "1" / "2.png", 16)  # full
    rgba(root / "3" / "2" / "2.png", 10)  # 62 % data: kept, its transparent part filled flat
    rgba(root / "3" / "3" / "2.png", 4)  # 25 % data: gdal2tiles' edge tile, not a tile
    rgba(root / "3" / "4" / "2.png", 0)  # empty
    ts = load_tileset(root, tms=False)
    assert [t.id for t in ts.tiles] == ["3/1/2.png", "3/2/2.png"]
    assert (np.asarray(open_image(ts.tiles[1].path)) == (90, 140, 40)).all()  # not black where transparent
    # a paletted PNG whose transparent index covers the whole image is no tile either
    im = Image.new("P", (8, 8), 0)
    im.putpalette([0, 0, 0] * 256)
    im.save(tmp_path / "wf" / "p.png" if (tmp_path / "wf").mkdir() is None else None, transparency=0)
    (tmp_path / "wf" / "p.pgw").write_text("1\n0\n0\n-1\n500000.5\n5000000.5\n")
    with pytest.raises(InputError, match="transparent"):
        load_world_file_folder(tmp_path / "wf", 32633)


# ---------------------------------------------------------------- world files


@pytest.mark.parametrize(
    "image, accepted",
    [
        ("a.png", [".pgw", ".pngw", ".wld"]),
        ("a.jpg", [".jgw", ".jpgw", ".wld"]),
        ("a.jpeg", [".jgw", ".jpegw", ".wld"]),
        ("a.tif", [".tfw", ".tifw", ".wld"]),
        ("a.tiff", [".tfw", ".tiffw", ".wld"]),
    ],
)
def test_world_file_names_follow_gdal(tmp_path, image, accepted):
    from pathlib import Path

    assert world_file_names(Path(image)) == accepted
    img = _img(tmp_path / image)
    for suffix in accepted:
        for variant in (suffix, suffix.upper()):
            w = img.with_suffix(variant)
            w.write_text("1\n0\n0\n-1\n0\n0\n")
            assert find_world_file(img) == w
            w.unlink()


def test_jgw_beside_a_png_is_named_not_used(tmp_path, caplog):
    _img(tmp_path / "a.png")
    (tmp_path / "a.jgw").write_text("1\n0\n0\n-1\n500000\n5000000\n")
    with caplog.at_level(logging.WARNING, logger="geolocator"), pytest.raises(InputError) as ei:
        load_tileset(tmp_path, epsg=32633)
    for text in (str(ei.value), caplog.text):
        assert "a.jgw" in text and "a.pgw" in text and "rename" in text


def test_negligible_rotation_is_read_as_north_up(tmp_path):
    _img(tmp_path / "a.png", (100, 100))
    (tmp_path / "a.pgw").write_text("1\n1e-9\n-1e-9\n-1\n500000.5\n5000000.5\n")  # float noise
    tile = load_world_file_folder(tmp_path, 32633).tiles[0]
    assert tile.path == tmp_path / "a.png"
    assert tile.bounds == world_file_bounds((1, 0, 0, -1, 500000.5, 5000000.5), 100, 100, 32633)


@pytest.mark.parametrize("lines", ["1\n0\n1\n3e-157\n0\n0\n",     # pixel axes (nearly) collinear
                                   "1\n0\n1\n2.2e307\n0\n0\n",   # a pixel size beyond floats
                                   "1\n0\n100000\n1\n0\n0\n"])   # sheared to 0.0006 degrees
def test_degenerate_rotated_world_file_is_refused_with_a_sentence(tmp_path, monkeypatch, lines):
    # Both found by the nightly fuzz run: GDAL's "Cannot invert geotransform" and an OverflowError escaped.
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    _img(tmp_path / "a.png", (20, 20))
    (tmp_path / "a.pgw").write_text(lines)
    with pytest.raises(InputError, match=r"a\.png.*no usable pixel grid"):
        load_world_file_folder(tmp_path, 4326)
    assert not (tmp_path / "cache").exists()


def test_rotated_world_file_is_resampled_north_up(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    img = np.full((100, 100, 3), (200, 200, 200), np.uint8)
    img[:10, :10] = (0, 0, 255)  # a blue block at the image's top-left corner
    (tmp_path / "src").mkdir()
    Image.fromarray(img).save(tmp_path / "src" / "a.png")
    cos, sin = np.cos(np.radians(30)), np.sin(np.radians(30))
    world = (cos, sin, sin, -cos, 500_000.0, 5_000_000.0)  # 1 m pixels, rotated 30°
    (tmp_path / "src" / "a.pgw").write_text("\n".join(map(str, world)))
    tile = load_world_file_folder(tmp_path / "src", 32633).tiles[0]
    assert tile.id == "a.png" and tile.path.parent == tmp_path / "cache" and tile.path.suffix == ".tif"
    with rasterio.open(tile.path) as ds:
        assert ds.transform.b == 0 and ds.transform.d == 0  # north-up
        blue_xy = world_file_affine(world) @ (5, 5)  # the blue block's centre on the map
        row, col = ds.index(*blue_xy)
    north_up = np.asarray(open_image(tile.path))
    assert tuple(north_up[row, col]) == (0, 0, 255)
    assert tuple(north_up[0, 0]) != (0, 0, 0)  # the corners the rotation leaves empty are filled flat
    # the bounds hold the rotated image's four corners
    corners = [world_file_affine(world) @ (c, r) for c, r in ((0, 0), (100, 0), (0, 100), (100, 100))]
    lons, lats = transform_to_wgs84([c[0] for c in corners], [c[1] for c in corners], 32633)
    for lo, la in zip(lons, lats):
        assert tile.bounds.contains(LatLon(la, lo)) or min(abs(lo - tile.bounds.west), abs(lo - tile.bounds.east)) < 1e-7
    # made once: a second load reuses the copy
    mtime = tile.path.stat().st_mtime_ns
    assert load_world_file_folder(tmp_path / "src", 32633).tiles[0].path.stat().st_mtime_ns == mtime


def test_world_file_half_pixel_convention_matches_gdal_geotransform(tmp_path):
    # The same image georeferenced by a world file and by GDAL must give the same corner.
    world = (0.5, 0.0, 0.0, -0.5, 1000.25, 2000.75)
    t = world_file_affine(world)
    assert (t.c, t.f) == (1000.0, 2001.0)
    img = _img(tmp_path / "w.png", (4, 4))
    (tmp_path / "w.pgw").write_text("\n".join(map(str, world)))
    with rasterio.open(img) as ds:  # GDAL reads the .pgw itself
        assert tuple(ds.transform)[:6] == tuple(t)[:6]
    rot = world_file_affine((0.5, 0.1, 0.2, -0.5, 10.0, 20.0))
    assert rot @ (0.5, 0.5) == pytest.approx((10.0, 20.0))  # pixel centre (0, 0) is C, F


def test_prj_beside_the_image_gives_the_crs(tmp_path, caplog):
    _img(tmp_path / "a.png", (100, 100))
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n500000.5\n5000000.5\n")
    (tmp_path / "a.prj").write_text(CRS.from_epsg(32633).to_wkt("WKT1_ESRI"))
    b = load_tileset(tmp_path).tiles[0].bounds  # no --epsg needed
    assert b.west == pytest.approx(15.0, abs=1e-9)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        other = load_tileset(tmp_path, epsg=32634).tiles[0].bounds  # the user's --epsg wins, with a warning
    assert other.west == pytest.approx(21.0, abs=1e-9) and "a.prj" in caplog.text
    (tmp_path / "a.prj").write_text("not a CRS")
    with pytest.raises(InputError, match="a.prj"):
        load_tileset(tmp_path)


@pytest.mark.parametrize("crs", ["EPSG:32760", "ESRI:102003", "+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs"])
def test_any_crs_pyproj_knows(tmp_path, crs):
    x, y = Transformer.from_crs(4326, crs, always_xy=True).transform(*((-179.5, -16.8) if "32760" in crs else (15.0, 45.0) if "zone" in crs else (-98.0, 39.0)))
    _img(tmp_path / "a.png", (10, 10))
    (tmp_path / "a.pgw").write_text(f"10\n0\n0\n-10\n{x + 5}\n{y - 5}\n")
    b = load_tileset(tmp_path, epsg=crs).tiles[0].bounds
    lons, lats = transform_to_wgs84([x], [y], crs)
    assert b.west == pytest.approx(lons[0], abs=1e-3) and b.north == pytest.approx(lats[0], abs=1e-3)
    assert ground_size_m(b)[1] == pytest.approx(100, rel=0.05)


def test_folder_of_georeferenced_geotiffs_uses_their_own_crs(tmp_path):
    _tif(tmp_path / "a.tif", np.full((3, 10, 10), 7, np.uint8), Affine(10, 0, 500_000, 0, -10, 5_000_000), "EPSG:32633")
    b = load_tileset(tmp_path).tiles[0].bounds
    assert b.west == pytest.approx(15.0, abs=1e-9) and ground_size_m(b)[0] == pytest.approx(100, rel=0.01)


def test_tiff_own_georeferencing_wins_over_its_world_file_as_in_gdal(tmp_path):
    _tif(tmp_path / "a.tif", np.full((3, 10, 10), 7, np.uint8), Affine(10, 0, 500_000, 0, -10, 5_000_000), "EPSG:32633")
    (tmp_path / "a.tfw").write_text("10\n0\n0\n-10\n600005\n5000000\n")  # a stale sidecar 100 km east
    b = load_tileset(tmp_path, epsg=32633).tiles[0].bounds
    assert b.west == pytest.approx(15.0, abs=1e-9)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_a_drafted_rotated_jpeg_is_resampled_over_its_whole_world_file_grid(tmp_path, monkeypatch):
    """A rotated JPEG over the decode budget is drafted (decoded at 1/2, 1/4 ...): the world file's
    pixels are the full-size ones, so the north-up copy must still cover the whole image, its
    corner blocks where the world file puts them (it covered the reduced pixels' share). Nothing
    is decoded to reuse a copy made before."""
    import geolocator.core.images as images
    import geolocator.core.sources.worldfile as worldfile

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 120 * 120)  # a 400 x 400 JPEG is drafted
    img = np.full((400, 400, 3), (200, 200, 200), np.uint8)
    img[:40, :40] = (0, 0, 255)  # blue at the top-left corner, red at the bottom-right
    img[-40:, -40:] = (255, 0, 0)
    (tmp_path / "src").mkdir()
    Image.fromarray(img).save(tmp_path / "src" / "a.jpg", quality=95)
    cos, sin = np.cos(np.radians(30)), np.sin(np.radians(30))
    world = (cos, sin, sin, -cos, 500_000.0, 5_000_000.0)  # 1 m pixels, rotated 30 deg
    (tmp_path / "src" / "a.jgw").write_text("\n".join(map(str, world)))
    assert open_image(tmp_path / "src" / "a.jpg").size[0] < 400  # drafted: the case under test
    tile = load_world_file_folder(tmp_path / "src", 32633).tiles[0]
    read = open_image(tile.path)  # the copy is georeferenced: read whole, it may be reduced (its own grid)
    north_up = np.asarray(read)
    with rasterio.open(tile.path) as ds:
        grid = whole_read_transform(ds.transform, (ds.width, ds.height), read.size)
        for (c, r), colour in (((20, 20), (0, 0, 255)), ((380, 380), (255, 0, 0))):
            col, row = (int(v) for v in ~grid @ (world_file_affine(world) @ (c, r)))
            assert np.abs(north_up[row, col].astype(int) - colour).max() < 40, (c, r, north_up[row, col])
    corners = [world_file_affine(world) @ (c, r) for c, r in ((0, 0), (400, 0), (0, 400), (400, 400))]
    lons, lats = transform_to_wgs84([c[0] for c in corners], [c[1] for c in corners], 32633)
    for lo, la in zip(lons, lats):  # the bounds hold the whole image's four corners
        b = tile.bounds
        assert b.south - 1e-7 <= la <= b.north + 1e-7 and b.west - 1e-7 <= lo <= b.east + 1e-7
    monkeypatch.setattr(worldfile, "open_image", lambda *a, **k: pytest.fail("decoded to reuse the copy"))
    assert load_world_file_folder(tmp_path / "src", 32633).tiles[0].bounds == tile.bounds


def test_rotated_or_gcp_only_geotiff_is_cut_from_its_north_up_copy(tmp_path):
    from rasterio.control import GroundControlPoint

    # both refused until session 19; now cut from a north-up copy (tests/test_geotiff_not_north_up.py)
    rot = _tif(tmp_path / "rot.tif", np.full((1, 50, 50), 9, np.uint8),
               Affine(0.8660254, 0.5, 500_000, 0.5, -0.8660254, 5_000_000), "EPSG:32633")
    ts = cut_geotiff(rot, 20)
    assert len(ts) > 0 and ts.source == rot and all(t.path != rot and t.id.startswith("rot.tif@") for t in ts.tiles)
    gcps = [GroundControlPoint(row=r, col=c, x=500_000 + c, y=5_000_000 - r) for r, c in ((0, 0), (0, 50), (50, 0))]
    path = tmp_path / "gcp.tif"
    with rasterio.open(path, "w", driver="GTiff", width=50, height=50, count=1, dtype="uint8") as ds:
        ds.write(np.full((1, 50, 50), 9, np.uint8))
        ds.gcps = (gcps, rasterio.crs.CRS.from_epsg(32633))
    ts = cut_geotiff(path, 20)
    assert len(ts) > 0 and ts.source == path and all(t.path != path and t.id.startswith("gcp.tif@") for t in ts.tiles)


# ---------------------------------------------------------------- registry


def test_registry_lists_each_reader_once_and_claims_by_layout(tmp_path):
    assert len(set(READER_MODULES)) == len(READER_MODULES)
    _img(tmp_path / "r" / "t.png")
    (tmp_path / "r" / "tiles.csv").write_text(f"{HEADER}\nt.png,0,0,1,1\n")
    assert reader_for(tmp_path / "r").name == "tiles.csv"
    assert reader_for(_xyz(tmp_path / "x", [(1, 0, 0)])).name == "XYZ/TMS folder"
    assert reader_for(tmp_path / "nothing.txt") is None


# ---------------------------------------------------------------- CSV faults (issue 10)


def test_semicolon_csv_with_decimal_commas_is_read_and_the_commas_reported(tmp_path, caplog):
    _img(tmp_path / "a.png")
    _img(tmp_path / "b.png")
    (tmp_path / "tiles.csv").write_text("path;west;south;east;north\na.png;10,5;50,25;10,75;50,5\nb.png;11;50;11.5;50.5\n")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_tiles_csv(tmp_path / "tiles.csv")
    assert ts.tiles[0].bounds == Bounds(10.5, 50.25, 10.75, 50.5) and ts.tiles[1].bounds == Bounds(11, 50, 11.5, 50.5)
    assert "tiles.csv, line 2" in caplog.text and "decimal comma" in caplog.text


def test_tab_separated_and_quoted_decimal_comma(tmp_path):
    _img(tmp_path / "a.png")
    (tmp_path / "tiles.csv").write_text("path\twest\tsouth\teast\tnorth\na.png\t1\t2\t3\t4\n")
    assert load_tiles_csv(tmp_path / "tiles.csv").tiles[0].bounds == Bounds(1, 2, 3, 4)
    (tmp_path / "tiles.csv").write_text(f'{HEADER}\na.png,"1,5",2,3,4\n')
    assert load_tiles_csv(tmp_path / "tiles.csv").tiles[0].bounds == Bounds(1.5, 2, 3, 4)


def test_unquoted_decimal_comma_in_a_comma_csv_names_line_and_cause(tmp_path):
    _img(tmp_path / "a.png")
    (tmp_path / "tiles.csv").write_text(f"{HEADER}\na.png,1,2,3,4\na.png,10,5,50,25,10,75,50,5\n")
    with pytest.raises(InputError) as ei:
        load_tiles_csv(tmp_path / "tiles.csv")
    assert "tiles.csv, line 3" in str(ei.value) and "decimal commas" in str(ei.value)


def test_parse_number_says_decimal_comma(tmp_path):
    with pytest.raises(InputError) as ei:
        parse_number(tmp_path / "truth.csv", 4, "lat", "36,14", -90, 90)
    assert "line 4" in str(ei.value) and "decimal comma" in str(ei.value) and "36.14" in str(ei.value)
