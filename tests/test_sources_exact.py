"""Exact answers of the tile-set readers (core/sources: geotiff, worldfile, xyz, mbtiles), written
for the survivors of the mutation run of session 5 (training/results/mutation.md). Each test
states a right answer (a fraction, a pixel grid, a row order, a stored row), never only "no crash"."""

import math
import sys

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.geo import world_file_affine
from geolocator.core.model import PixelWindow
from geolocator.core.sources import geotiff, worldfile

rasterio = pytest.importorskip("rasterio")


# ---------------------------------------------------------------- geotiff: valid fraction of a window


def _table(mask):
    """The summed-area table _valid_fraction_table builds (one extra zero row and column)."""
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), np.int64)
    table[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0), axis=1)
    return table


@pytest.mark.parametrize("shape", [(9, 4), (4, 9)])  # tall and wide: rows and columns are not interchangeable
def test_valid_fraction_is_the_mean_of_the_mask_under_every_window(shape):
    rng = np.random.default_rng(sum(shape) * shape[0])
    mask = rng.random(shape) > 0.4
    table = _table(mask)
    h, w = shape
    for row in range(h):
        for col in range(w):
            for th in range(1, h - row + 1):
                for tw in range(1, w - col + 1):
                    got = geotiff._valid_fraction(table, 1, PixelWindow(col, row, tw, th))
                    assert got == pytest.approx(mask[row:row + th, col:col + tw].mean()), (row, col, th, tw)


def test_valid_fraction_on_a_decimated_mask_counts_the_cells_a_window_touches():
    # The mask is read decimated (step 2): each cell stands for 2 x 2 raster pixels.
    cells = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0]], bool)
    table = _table(cells)
    # raster pixels 2..5 x 0..3 cover cells rows 1-2, columns 0-1
    assert geotiff._valid_fraction(table, 2, PixelWindow(0, 2, 4, 4)) == pytest.approx(cells[1:3, 0:2].mean())
    # a window smaller than one cell still reads the cell it lies in (never an empty count)
    assert geotiff._valid_fraction(table, 2, PixelWindow(5, 1, 1, 1)) == 1.0  # cell (0, 2)
    assert geotiff._valid_fraction(table, 2, PixelWindow(2, 3, 1, 1)) == 0.0  # cell (1, 1)
    # an odd-sized window reaching the last row and column takes the partial last cells whole
    assert geotiff._valid_fraction(table, 2, PixelWindow(3, 3, 3, 3)) == pytest.approx(cells[1:3, 1:3].mean())


# ---------------------------------------------------------------- worldfile: north-up resampling


def _png(path, rgb):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(rgb, np.uint8)).save(path)
    return path


@pytest.mark.parametrize("s_col,s_row", [(1.0, 2.0), (2.0, 1.0)])
def test_north_up_copy_keeps_the_finer_pixel_size_and_covers_the_rotated_image(tmp_path, s_col, s_row):
    img = _png(tmp_path / "a.png", np.full((30, 40, 3), 120))
    cos, sin = math.cos(math.radians(30)), math.sin(math.radians(30))
    world = (s_col * cos, s_col * sin, s_row * sin, -s_row * cos, 500_000.0, 5_000_000.0)
    # a cache folder whose parents do not exist yet (a first run): they are made
    out, t = worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path / "new" / "cache" / "copies")
    assert out.parent == tmp_path / "new" / "cache" / "copies"
    src = world_file_affine(world)
    corners = [src @ (c, r) for c, r in ((0, 0), (40, 0), (0, 30), (40, 30))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    assert (t.a, t.b, t.d, t.e) == (1.0, 0.0, 0.0, -1.0)  # the finer of the two pixel sizes, north-up
    assert (t.c, t.f) == pytest.approx((min(xs), max(ys)))
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (math.ceil(max(xs) - min(xs)), math.ceil(max(ys) - min(ys)))
        assert ds.count == 4 and tuple(ds.transform)[:6] == tuple(t)[:6]


def test_a_quarter_turn_is_an_exact_transpose_of_the_pixels(tmp_path):
    # Rotated 90 degrees with 2 m pixels: pixel centres fall on pixel centres, so the copy is the image
    # turned, 2 x 3 from 3 x 2 (GDAL's bilinear kernel still blends in a little of the neighbours: each value is nearest its own pixel's).
    rgb = np.array([[[10, 0, 0], [40, 0, 0], [70, 0, 0]],
                    [[100, 0, 0], [130, 0, 0], [160, 0, 0]]], np.uint8)  # 2 rows, 3 columns
    img = _png(tmp_path / "q.png", rgb)
    world = (0.0, -2.0, -2.0, 0.0, 1001.0, 2001.0)  # columns run south, rows run west
    out, t = worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path)
    assert (t.a, t.e) == (2.0, -2.0)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (2, 3)
        data = ds.read()
    assert (data[3] == 255).all()  # no empty corner at a quarter turn
    src_inv = ~world_file_affine(world)
    for r in range(3):
        for c in range(2):
            col, row = src_inv @ (t @ (c + 0.5, r + 0.5))
            nearest = np.abs(rgb[..., 0].astype(int) - int(data[0, r, c])).argmin()
            assert np.unravel_index(nearest, (2, 3)) == (int(row), int(col)), (r, c)


def test_one_pixel_wide_turned_image_stays_one_pixel_wide(tmp_path):
    img = _png(tmp_path / "line.png", np.full((1, 5, 3), 99))
    out, t = worldfile.resample_north_up(img, (0.0, -3.0, -3.0, 0.0, 0.0, 0.0), 32633, out_dir=tmp_path)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (1, 5)


def test_north_up_copies_are_keyed_by_world_file_and_crs(tmp_path):
    img = _png(tmp_path / "a.png", np.full((10, 10, 3), 50))
    rot = (0.8, 0.6, 0.6, -0.8, 500_000.0, 5_000_000.0)
    a, _ = worldfile.resample_north_up(img, rot, 32633, out_dir=tmp_path / "c")
    b, _ = worldfile.resample_north_up(img, rot[:4] + (500_100.0, 5_000_000.0), 32633, out_dir=tmp_path / "c")
    c, _ = worldfile.resample_north_up(img, rot, 32632, out_dir=tmp_path / "c")
    assert len({a, b, c}) == 3  # another place or another CRS is another copy, never a stale one
    assert worldfile.resample_north_up(img, rot, 32633, out_dir=tmp_path / "c")[0] == a


@pytest.mark.parametrize("world", [
    (1e-200, 1e-200, 1e-200, -1e-200, 0.0, 0.0),  # axis lengths whose product underflows to 0
    (0.0, 1e-300, 1e300, 0.0, 0.0, 0.0),          # a grid 1e600 pixels wide
    (0.0, 1e300, 1e-300, 0.0, 0.0, 0.0),          # a grid 1e600 pixels tall
])
def test_world_files_beyond_float_range_are_refused_with_a_sentence(tmp_path, world):
    img = _png(tmp_path / "a.png", np.full((4, 4, 3), 50))
    with pytest.raises(InputError, match="no usable pixel grid") as ei:
        worldfile.resample_north_up(img, world, 3857, out_dir=tmp_path / "c")
    assert ei.value.path == img


def test_a_rotated_image_too_large_to_resample_names_the_image(tmp_path, monkeypatch):
    img = _png(tmp_path / "a.png", np.full((10, 10, 3), 50))
    world = (0.8, 0.6, 0.6, -0.8, 0.0, 0.0)  # 10 x 10 px turned 37 degrees: a 14 x 14 north-up copy
    monkeypatch.setattr(worldfile, "MAX_PIXELS", 14 * 14)
    out, _ = worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path / "c")  # exactly the budget
    with rasterio.open(out) as ds:
        assert ds.width * ds.height == 14 * 14
    monkeypatch.setattr(worldfile, "MAX_PIXELS", 14 * 14 - 1)
    with pytest.raises(InputError, match="rotated and too large to resample north-up") as ei:
        worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path / "d")
    assert ei.value.path == img


def test_resampling_without_rasterio_says_how_to_install_it(tmp_path, monkeypatch):
    img = _png(tmp_path / "a.png", np.full((4, 4, 3), 50))
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(InputError, match=r'rotated; resampling it north-up needs rasterio: pip install "geolocator\[geotiff\]"') as ei:
        worldfile.resample_north_up(img, (0.8, 0.6, 0.6, -0.8, 0, 0), 32633, out_dir=tmp_path)
    assert ei.value.path == img


def test_north_up_copies_go_to_the_users_cache_unless_overridden(tmp_path, monkeypatch):
    monkeypatch.delenv("GEOLOCATOR_NORTHUP_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert worldfile.northup_cache_dir() == tmp_path / "xdg" / "geolocator" / "northup"
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "mine"))
    assert worldfile.northup_cache_dir() == tmp_path / "mine"


def test_foreign_world_files_are_found_in_upper_case(tmp_path):
    img = _png(tmp_path / "a.png", np.full((4, 4, 3), 50))
    (tmp_path / "a.JGW").write_text("1\n0\n0\n-1\n0\n0\n")
    assert worldfile.foreign_world_files(img) == [tmp_path / "a.JGW"]


# ---------------------------------------------------------------- xyz: what a tilemapresource.xml states

from geolocator.core.model import Bounds  # noqa: E402
from geolocator.core.sources import xyz  # noqa: E402
from geolocator.core.sources.xyz import TileGrid  # noqa: E402


def _tmr(path, *, srs="", profile=None, width="256", upp=None, order=None, href=None):
    fmt = f'<TileFormat width="{width}" height="{width}" mime-type="image/png" extension="png"/>' if width else ""
    attrs = "".join(f' {k}="{v}"' for k, v in (("href", href), ("units-per-pixel", upp), ("order", order)) if v is not None)
    sets = ("<TileSets>" if profile is None else f'<TileSets profile="{profile}">') + f"<TileSet{attrs}/></TileSets>"
    path.write_text(f'<?xml version="1.0"?><TileMap version="1.0.0"><SRS>{srs}</SRS>{fmt}{sets}</TileMap>')
    return path


MERCATOR = TileGrid(tms=True, profile="mercator", source="tilemapresource.xml")
GEODETIC_180 = TileGrid(tms=True, profile="geodetic", geodetic_deg0=180.0, source="tilemapresource.xml")
GEODETIC_360 = TileGrid(tms=True, profile="geodetic", geodetic_deg0=360.0, source="tilemapresource.xml")


@pytest.mark.parametrize("kw, grid", [
    (dict(profile="mercator", srs="EPSG:3857"), MERCATOR),
    (dict(profile=" Global-Mercator ", srs=""), MERCATOR),         # case and spaces do not matter
    (dict(srs="EPSG:3857"), MERCATOR),                             # no profile: the SRS says it
    (dict(srs="epsg:900913"), MERCATOR),
    (dict(srs=" OSGEO:41001 "), MERCATOR),
    (dict(profile="mercator", srs="EPSG:4326"), MERCATOR),         # the profile wins over the SRS
    (dict(profile="geodetic", srs="EPSG:3857", upp=0.703125, order=0), GEODETIC_180),
    (dict(profile="global-geodetic", upp=1.40625, order=0), GEODETIC_360),
    (dict(srs="EPSG:4326", upp=0.703125 / 4, order=2), GEODETIC_180),
    (dict(srs="osgeo:4326", upp=1.40625 / 8, order=3), GEODETIC_360),
    (dict(profile="geodetic", upp=1.40625 / 4, href="2"), GEODETIC_360),               # the zoom from href
    (dict(profile="geodetic", width="512", upp=180 / 512 / 2, order=1), GEODETIC_180),  # 512-pixel tiles
    (dict(profile="geodetic", width="", upp=1.40625, order=0), GEODETIC_360),           # no TileFormat: 256
    (dict(profile="geodetic"), GEODETIC_180),                       # nothing to measure: the TMS-compatible grid
    (dict(profile="geodetic", upp=0.703125 * (1 + 1e-7), order=0), GEODETIC_180),  # float noise in the file
])
def test_tilemapresource_states_the_grid(tmp_path, kw, grid):
    assert xyz.read_tilemapresource(_tmr(tmp_path / "tilemapresource.xml", **kw)) == grid


@pytest.mark.parametrize("kw, needle", [
    (dict(profile="geodetic", upp=0.3515625, order=0), "geodetic tiles 90° wide at zoom 0"),
    (dict(profile="geodetic", upp=0.703125 * 1.001, order=0), "geodetic tiles 180.18° wide"),
    (dict(profile="raster", srs="EPSG:3857"), "gdal2tiles profile 'raster'"),
    (dict(srs="EPSG:32633"), "gdal2tiles profile 'EPSG:32633'"),
    (dict(), "gdal2tiles profile 'unknown'"),
])
def test_tilemapresource_grids_geolocator_cannot_place_are_refused(tmp_path, kw, needle):
    path = _tmr(tmp_path / "tilemapresource.xml", **kw)
    with pytest.raises(InputError) as ei:
        xyz.read_tilemapresource(path)
    assert ei.value.path == path and needle in ei.value.problem


def test_a_broken_tilemapresource_names_the_file(tmp_path):
    path = tmp_path / "tilemapresource.xml"
    path.write_text("<TileMap><SRS>")
    with pytest.raises(InputError) as ei:
        xyz.read_tilemapresource(path)
    assert ei.value.path == path and ei.value.problem.startswith("cannot read tilemapresource.xml (")


def test_row_order_templates_may_hold_spaces():
    assert xyz.row_order_from_template("https://a.test/{z}/{x}/{ -y }.png") is True
    assert xyz.row_order_from_template("https://a.test/{z}/{x}/{ y}.png") is False


def test_an_area_touching_the_tiles_edge_counts_as_overlapping():
    tiles = Bounds(10.0, 40.0, 11.0, 41.0)
    assert xyz._overlaps(tiles, Bounds(10.2, 41.0, 10.4, 41.5))  # shares the tiles' north edge
    assert xyz._overlaps(Bounds(10.2, 41.0, 10.4, 41.5), tiles)
    assert not xyz._overlaps(tiles, Bounds(10.2, 41.0 + 1e-9, 10.4, 41.5))


# ---------------------------------------------------------------- worldfile: the CRS and the rotated tile's bounds

import logging  # noqa: E402

from pyproj import CRS  # noqa: E402

from geolocator.core.geo import bounds_from_lonlat, transform_to_wgs84  # noqa: E402


def _world_png(folder, name="a", world=(1, 0, 0, -1, 500_000.5, 5_000_000.5), size=(20, 20)):
    _png(folder / f"{name}.png", np.full((size[1], size[0], 3), 90))
    (folder / f"{name}.pgw").write_text("\n".join(map(str, world)))
    return folder / f"{name}.png"


def test_an_upper_case_prj_gives_the_crs(tmp_path):
    _world_png(tmp_path)
    (tmp_path / "a.PRJ").write_text(CRS.from_epsg(32633).to_wkt("WKT1_ESRI"))
    assert worldfile.load_world_file_folder(tmp_path, None).tiles[0].bounds.west == pytest.approx(15.0, abs=1e-9)


@pytest.mark.parametrize("epsg, wkt", [(32633, CRS.from_epsg(32633).to_wkt("WKT1_ESRI")),
                                       (4326, CRS.from_epsg(4326).to_wkt("WKT1_ESRI"))])  # lon/lat axes vs EPSG's lat/lon
def test_a_prj_that_agrees_with_epsg_gives_no_warning(tmp_path, caplog, epsg, wkt):
    _world_png(tmp_path, world=(1e-4, 0, 0, -1e-4, 15.0, 45.0) if epsg == 4326 else (1, 0, 0, -1, 500_000.5, 5_000_000.5))
    (tmp_path / "a.prj").write_text(wkt)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, epsg)
    assert "says" not in caplog.text


def test_a_prj_that_disagrees_with_epsg_is_named_in_the_warning(tmp_path, caplog):
    _world_png(tmp_path)
    (tmp_path / "a.prj").write_text(CRS.from_epsg(32632).to_wkt("WKT1_ESRI"))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, 32633)
    assert f"{tmp_path / 'a.prj'} says EPSG:32632 but --epsg 32633 was given; using 32633" in caplog.text


def test_a_rotated_tiles_bounds_are_its_north_up_copys_box(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    cos, sin = math.cos(math.radians(20)), math.sin(math.radians(20))
    _world_png(tmp_path / "src", world=(2 * cos, 2 * sin, 2 * sin, -2 * cos, 500_000.0, 5_000_000.0), size=(40, 30))
    tile = worldfile.load_world_file_folder(tmp_path / "src", 32633).tiles[0]
    with rasterio.open(tile.path) as ds:
        left, bottom, right, top = ds.bounds
    lons, lats = transform_to_wgs84([left, right, left, right], [top, top, bottom, bottom], 32633)
    want = bounds_from_lonlat(lons, lats)
    got = tile.bounds
    assert (got.west, got.south, got.east, got.north) == pytest.approx((want.west, want.south, want.east, want.north), abs=1e-9)


@pytest.mark.parametrize("world", [(1.0, 0.3, 0.0, -1.0, 500_000.0, 5_000_000.0),   # only the D term
                                   (1.0, 0.0, 0.3, -1.0, 500_000.0, 5_000_000.0)])  # only the B term
def test_either_rotation_term_alone_makes_a_north_up_copy(tmp_path, monkeypatch, world):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    img = _world_png(tmp_path / "src", world=world)
    tile = worldfile.load_world_file_folder(tmp_path / "src", 32633).tiles[0]
    assert tile.path != img and tile.path.parent == tmp_path / "cache"


# ---------------------------------------------------------------- geotiff: windows and refusals

from rasterio.transform import Affine  # noqa: E402


def _gtiff(path, w, h, transform, crs="EPSG:32633"):
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", crs=crs,
                       transform=transform) as ds:
        ds.write(np.full((1, h, w), 7, np.uint8))
    return path


@pytest.mark.parametrize("size, tile, stride, starts", [
    (10, 4, 1, [0, 1, 2, 3, 4, 5, 6]),
    (11, 4, 4, [0, 4, 7]),      # the last window pulled back to end at the edge, never past it
    (12, 4, 4, [0, 4, 8]),
    (4, 4, 4, [0]),
])
def test_window_offsets_cover_the_axis_and_stay_inside(size, tile, stride, starts):
    assert geotiff._offsets(size, tile, stride) == starts


def test_every_refusal_of_cut_geotiff_names_the_file(tmp_path):
    tif = _gtiff(tmp_path / "o.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_500_000))
    for kwargs, needle in ((dict(tile_size_m=-5), "tile size must be a positive number of metres, got -5"),
                           (dict(tile_size_m=20, overlap=-0.1), "overlap must be a fraction in [0, 1), got -0.1")):
        with pytest.raises(InputError) as ei:
            geotiff.cut_geotiff(tif, **kwargs)
        assert ei.value.path == tif and needle in ei.value.problem
    nocrs = _gtiff(tmp_path / "n.tif", 64, 64, Affine(1, 0, 0, 0, -1, 64), crs=None)
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(nocrs, 20)
    assert ei.value.path == nocrs and ei.value.problem.startswith("the GeoTIFF has no coordinate system (CRS); ")
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"not a tiff")
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(junk, 20)
    assert ei.value.path == junk and ei.value.problem.startswith("cannot read as a GeoTIFF (")


def test_tiles_under_a_metre_are_cut_from_a_fine_raster(tmp_path):
    tif = _gtiff(tmp_path / "fine.tif", 40, 40, Affine(0.05, 0, 500_000, 0, -0.05, 5_500_000))  # 5 cm pixels
    ts = geotiff.cut_geotiff(tif, 0.5)
    assert len(ts) == 16 and {(t.window.width, t.window.height) for t in ts.tiles} == {(10, 10)}


@pytest.mark.parametrize("b, d", [(0.5, 0.0), (0.0, 0.5)])  # one rotation term alone is a rotation (a shear)
def test_a_geotiff_with_either_rotation_term_is_cut_from_its_north_up_copy(tmp_path, b, d):
    # refused until session 19; now warped north-up once (northup.py, tests/test_geotiff_not_north_up.py)
    tif = _gtiff(tmp_path / "r.tif", 50, 50, Affine(1, b, 500_000, d, -1, 5_000_000))
    ts = geotiff.cut_geotiff(tif, 20)
    assert len(ts) > 0 and ts.source == tif and all(t.path != tif for t in ts.tiles)
    with rasterio.open(ts.tiles[0].path) as ds:
        assert ds.transform.b == 0 and ds.transform.d == 0


def test_reading_geotiffs_without_rasterio_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(InputError) as ei:
        geotiff.import_rasterio(tmp_path / "o.tif")
    assert ei.value.problem == 'reading GeoTIFFs needs rasterio: pip install "geolocator[geotiff]"'


def test_tilemapresource_defaults_a_missing_width_and_zoom(tmp_path):
    path = tmp_path / "tilemapresource.xml"
    path.write_text('<TileMap><SRS>EPSG:4326</SRS><TileFormat height="256" extension="png"/>'
                    '<TileSets profile="geodetic"><TileSet units-per-pixel="1.40625"/></TileSets></TileMap>')
    assert xyz.read_tilemapresource(path) == GEODETIC_360  # 256 px tiles at zoom 0 (order "0")


def test_the_north_up_copy_is_an_rgba_geotiff_in_the_images_crs(tmp_path):
    from rasterio.enums import ColorInterp, Compression

    img = _png(tmp_path / "a.png", np.full((10, 10, 3), 70))
    out, _ = worldfile.resample_north_up(img, (0.8, 0.6, 0.6, -0.8, 500_000.0, 5_000_000.0), 32633, out_dir=tmp_path / "c")
    with rasterio.open(out) as ds:
        assert CRS.from_user_input(ds.crs.to_wkt()).equals(CRS.from_epsg(32633))
        assert tuple(ds.colorinterp) == (ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha)
        assert ds.compression == Compression.deflate
