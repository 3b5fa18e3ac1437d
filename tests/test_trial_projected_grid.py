"""A projected CRS's pixel grid is turned against the meridians (grid convergence): a point found
in a tile's pixels must be placed through the grid, not linearly in the tile's lon/lat box.

Found by the session-6 new-user trial: photos verified on a UTM 11N orthophoto of Las Vegas (1°
of convergence there) came out 0.5-1.1 m off, where the same photos on the EPSG:4326 original and
a Nevada state-plane copy (0.2°) were 0.1 m off. Near a zone's edge the error reaches metres.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from pyproj import Geod, Transformer

from geolocator.core.geo import projected_boxes
from geolocator.core.model import LatLon, Tile
from geolocator.core.pipeline import Workspace
from geolocator.core.sources.geotiff import cut_geotiff
from geolocator.core.sources.worldfile import load_world_file_folder

rasterio = pytest.importorskip("rasterio")

GEOD = Geod(ellps="WGS84")
# UTM 11N at 45° N, 2.8° east of its central meridian: ~2° of grid convergence
EPSG = 32611
X0, Y0 = 720_000.0, 4_990_000.0  # top-left corner, metres
PX = 1.0  # metres per pixel
SIZE = 300
FRACTIONS = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.5, 0.5), (0.9, 0.2), (-0.5, 1.5)]


def _true_point(tile: Tile, fx: float, fy: float) -> LatLon:
    w = tile.window
    col = (w.col + fx * w.width) if w else fx * SIZE
    row = (w.row + fy * w.height) if w else fy * SIZE
    lon, lat = Transformer.from_crs(EPSG, 4326, always_xy=True).transform(X0 + col * PX, Y0 - row * PX)
    return LatLon(lat, lon)


def _metres(a: LatLon, b: LatLon) -> float:
    return GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2]


def _worst(tile: Tile, point_at) -> float:
    return max(_metres(point_at(fx, fy), _true_point(tile, fx, fy)) for fx, fy in FRACTIONS)


def _geotiff(path):
    from rasterio.transform import from_origin

    rng = np.random.default_rng(0)
    with rasterio.open(path, "w", driver="GTiff", width=SIZE, height=SIZE, count=1, dtype="uint8",
                       crs=f"EPSG:{EPSG}", transform=from_origin(X0, Y0, PX, PX)) as ds:
        ds.write(rng.integers(0, 255, (1, SIZE, SIZE), dtype=np.uint8))
    return path


def test_tiles_cut_from_a_utm_geotiff_place_pixels_through_the_grid(tmp_path):
    tiles = cut_geotiff(_geotiff(tmp_path / "utm.tif"), tile_size_m=100.0).tiles
    assert len(tiles) == 9
    for tile in tiles:
        # the set-up is one where the lon/lat box alone is metres off at the corners
        assert _worst(tile, tile.bounds.point_at) > 1.5
        assert _worst(tile, tile.point_at) < 0.01


def test_a_utm_world_file_image_places_pixels_through_the_grid(tmp_path):
    from PIL import Image

    folder = tmp_path / "wf"
    folder.mkdir()
    Image.fromarray(np.random.default_rng(1).integers(0, 255, (SIZE, SIZE), dtype=np.uint8)).save(folder / "a.png")
    # the world file names the centre of the top-left pixel
    (folder / "a.pgw").write_text(f"{PX}\n0\n0\n{-PX}\n{X0 + PX / 2}\n{Y0 - PX / 2}\n")
    [tile] = load_world_file_folder(folder, EPSG).tiles
    assert _worst(tile, tile.bounds.point_at) > 3.0
    assert _worst(tile, tile.point_at) < 0.01


def test_boxes_aligned_with_lon_lat_keep_no_corners_and_place_as_before():
    [(bounds, corners)] = projected_boxes([-115.0], [36.001], [-114.999], [36.0], 4326)
    assert corners is None
    tile = Tile("t", path=None, bounds=bounds)
    assert tile.point_at(0.25, 0.75) == bounds.point_at(0.25, 0.75)


def test_corners_of_a_box_whose_y_grows_downward_in_the_arrays_are_still_top_left_first():
    # GeoPackage boxes come as (min x, min y, max x, max y); GeoTIFF windows as (west, north, east, south)
    [(_, a)] = projected_boxes([X0], [Y0 - 100], [X0 + 100], [Y0], EPSG)
    [(_, b)] = projected_boxes([X0], [Y0], [X0 + 100], [Y0 - 100], EPSG)
    assert a == b
    tl, tr, br, bl = a
    assert tl.lat > bl.lat and tr.lon > tl.lon and br.lat < tr.lat


def test_a_tile_across_the_antimeridian_interpolates_across_it():
    corners = (LatLon(1.0, 179.9995), LatLon(1.0002, -179.9995), LatLon(0.0002, -179.9995), LatLon(0.0, 179.9995))
    tile = Tile("t", path=None, bounds=projected_boxes([0], [1], [1], [0], 4326)[0][0], corners=corners)
    mid = tile.point_at(0.5, 0.5)
    assert mid.lon == pytest.approx(180.0, abs=1e-9) or mid.lon == pytest.approx(-180.0, abs=1e-9)
    assert mid.lat == pytest.approx(0.5001)


def test_the_pipeline_places_a_verified_centre_and_footprint_through_the_tiles_grid(tmp_path):
    tiles = cut_geotiff(_geotiff(tmp_path / "utm.tif"), tile_size_m=100.0).tiles
    fake = SimpleNamespace(tileset=SimpleNamespace(tiles=tiles))
    outline = ((0.1, 0.1), (0.9, 0.1), (0.9, 0.9), (0.1, 0.9))
    checks = [[SimpleNamespace(centre=(0.9, 0.1), corners=outline)]]
    grounds, outlines = Workspace._grounds(fake, checks, np.array([[4]]))
    tile = tiles[4]
    assert _metres(grounds[0, 0], _true_point(tile, 0.9, 0.1)) < 0.01
    assert max(_metres(p, _true_point(tile, *xy)) for p, xy in zip(outlines[0, 0], outline)) < 0.01
