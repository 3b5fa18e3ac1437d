"""A georeferenced raster read whole (a GeoTIFF in a folder of tiles, a north-up copy used as one
tile) is read at the resolution the pipeline works it at, not at full resolution (session 32,
bigtile32): a folder of 10,000 px 16-bit GeoTIFF tiles took 3.7 GB a tile read whole
(training/results/fieldfuzz32_session32.md). Its pixels are then whole_raster_scale of the file's
own, on the grid whole_read_transform gives; a window of a big GeoTIFF is read as stored."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.images import open_image, whole_raster_scale, whole_read_transform
from geolocator.core.model import PixelWindow

from .demo_features import DEMO, ROOT
from .helpers import load_script, spy_open_image_sizes

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_origin  # noqa: E402


def _photo() -> Image.Image:
    return Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")  # 384 x 288


def _geotiff(path, image: Image.Image, transform, dtype="uint8", crs="EPSG:32611"):
    data = np.moveaxis(np.asarray(image), -1, 0).astype(dtype)
    if dtype == "uint16":
        data *= 257
    with rasterio.open(path, "w", driver="GTiff", width=image.width, height=image.height, count=3, dtype=dtype,
                       photometric="RGB", crs=crs, transform=transform, tiled=True) as ds:
        ds.write(data)
    return path


def test_the_scale_keeps_what_the_verifier_needs_and_fits_the_budget():
    assert images.TILE_WORK_SIDE == 1024  # 2 x VerifySettings.max_side: the fine pass's zoomed tiles
    # a 10,000 px tile for the verifier (min_side 512): 1/8, 1250 px, still over 1024 px a side
    assert whole_raster_scale(10_000, 10_000, 512) == 8
    assert whole_raster_scale(20_000, 20_000, 512) == 16
    assert whole_raster_scale(20_000, 5_000, 365) == 4  # the shorter side counts: 1250 px
    assert whole_raster_scale(1_500, 1_500, 512) == 1  # already about the working size: as stored
    # no min_side (a consumer that resamples by ground size): the budget alone, as a JPEG's draft
    assert whole_raster_scale(8_000, 8_000, None) == 1  # 64 MP: at the budget
    assert whole_raster_scale(10_000, 10_000, None) == 2
    assert whole_raster_scale(20_000, 20_000, None) == 4
    for w, h, m in ((10_000, 10_000, 512), (20_000, 20_000, None), (9_999, 3, 512)):
        s = whole_raster_scale(w, h, m)
        assert math.ceil(w / s) * math.ceil(h / s) <= images.DECODE_BUDGET_PIXELS


@pytest.mark.parametrize("dtype", ["uint8", "uint16"])
def test_a_georeferenced_raster_read_whole_is_reduced_to_the_working_size(tmp_path, monkeypatch, dtype):
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 64)  # the 384 x 288 demo photo plays a big tile
    photo = _photo()
    path = _geotiff(tmp_path / "ortho.tif", photo, from_origin(600000, 4000000, 0.25, 0.25), dtype)
    got = open_image(path, min_side=40)
    assert got.size == (96, 72)  # 1/4: 72 px >= 64 on the shorter side; 1/8 would leave 36
    want = np.asarray(photo.reduce(4), np.float32)  # GDAL's average of each 4 x 4 block
    if dtype == "uint8":
        assert np.abs(np.asarray(got, np.float32) - want).mean() < 1.0
    else:  # 16-bit: stretched, the same picture in other tones
        assert np.corrcoef(np.asarray(got, np.float32).ravel(), want.ravel())[0, 1] > 0.99
    assert open_image(path).size == (384, 288)  # no min_side, under the budget: as stored
    window = PixelWindow(col=100, row=50, width=64, height=48)
    assert open_image(path, window, min_side=40).size == (64, 48)  # a window: its own pixels, as stored


def test_the_reduced_grid_puts_each_pixel_where_the_file_does(tmp_path, monkeypatch):
    """A point on the ground reads the same colour in the reduced whole read (through
    whole_read_transform) as in a full-resolution window around it: the georeference is scaled
    with the pixels, the image is not shifted or cropped."""
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 64)
    photo = _photo()
    transform = from_origin(600000, 4000000, 0.25, 0.25)
    path = _geotiff(tmp_path / "ortho.tif", photo, transform)
    got = open_image(path, min_side=40)
    grid = whole_read_transform(transform, photo.size, got.size)
    assert (grid.a, grid.e, grid.c, grid.f) == (1.0, -1.0, 600000, 4000000)
    full = np.asarray(photo, np.float32)
    reduced = np.asarray(got, np.float32)
    errors = []
    for col, row in ((10, 10), (85, 20), (40, 60), (95, 71)):
        x, y = grid @ (col + 0.5, row + 0.5)  # the reduced pixel's centre on the ground
        fc, fr = (int(v) for v in ~transform @ (x, y))
        block = full[fr - 2: fr + 2, fc - 2: fc + 2].reshape(-1, 3).mean(axis=0)
        errors.append(np.abs(reduced[row, col] - block).max())
    assert max(errors) < 2.0, errors


# ---------------------------------------------------------------- a demo photo on a big tile


def _bench():
    # one way to build the big tile for this test and training/bench_big_tile_memory.py's table
    return load_script(ROOT / "training" / "bench_big_tile_memory.py", "bench_big_tile_memory")


def verified_place(tile_folder, photo_name: str = "q_0001.jpg"):
    """(lat, lon, inliers) where the Verifier puts the demo photo on the only tile of `tile_folder`."""
    from geolocator.core.model import Query
    from geolocator.core.rerank import Verifier
    from geolocator.core.tilesets import load_tileset

    tiles = load_tileset(tile_folder).tiles
    (found,) = Verifier().verify_photo(Query(photo_name, DEMO / "queries" / photo_name), tiles, [0])
    assert found.centre is not None, found
    b = tiles[0].bounds
    fx, fy = found.centre
    return b.north - fy * (b.north - b.south), b.west + fx * (b.east - b.west), found.inliers


def test_a_demo_photo_verifies_on_a_big_geotiff_tile_where_the_full_read_puts_it(tmp_path, monkeypatch):
    """A 4096 px GeoTIFF tile (four demo tiles, 100 m, upsampled 8x: 2.4 cm pixels) is read at 1/4
    (1024 px) for the verifier instead of whole: the photo lands within 0.2 m of where the full
    read puts it, and near its truth."""
    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon

    lat, lon = _bench().truth("q_0001.jpg")
    (tmp_path / "tiles").mkdir()
    _bench().big_demo_tile(tmp_path / "tiles" / "big.tif", lat, lon, 4096)
    read = spy_open_image_sizes(monkeypatch)
    reduced = verified_place(tmp_path / "tiles")
    assert (1024, 1024) in read and (4096, 4096) not in read, read  # the case under test: read reduced
    read.clear()
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 10**6)  # as before: read at full resolution
    full = verified_place(tmp_path / "tiles")
    assert (4096, 4096) in read, read
    assert reduced[2] >= 12 and full[2] >= 12, (reduced, full)
    assert haversine_m(LatLon(*reduced[:2]), LatLon(*full[:2])) < 0.2, (reduced, full)
    assert haversine_m(LatLon(*reduced[:2]), LatLon(lat, lon)) < 5.0, (reduced, (lat, lon))


def test_the_block_cache_of_a_whole_read_holds_two_rows_of_blocks():
    from types import SimpleNamespace

    mb = 2**20

    def ds(width, block, dtype, bands=3):
        return SimpleNamespace(width=width, block_shapes=[block] * bands, dtypes=[dtype] * bands)

    # a 20,000 px 16-bit RGB tile in 256 px blocks: 79 blocks of 384 KiB a row, two rows
    assert images.whole_read_cache_bytes(ds(20_000, (256, 256), "uint16")) == 2 * 79 * 256 * 256 * 6
    assert images.whole_read_cache_bytes(ds(10_000, (256, 256), "uint8")) == 32 * mb  # the least
    assert images.whole_read_cache_bytes(ds(100_000, (512, 512), "float32", 4)) == 256 * mb  # the most
    assert images.whole_read_cache_bytes(ds(10_000, (1, 10_000), "uint8")) == 32 * mb  # a striped TIFF


@pytest.mark.slow
@pytest.mark.skipif(__import__("sys").platform != "linux", reason="/proc and ru_maxrss in KiB are Linux-only")
def test_a_10000_px_geotiff_tile_is_read_for_the_verifier_in_little_memory(tmp_path):
    """Measured as training/bench_big_tile_memory.py does (a fresh subprocess, peak resident growth
    over the read): 968 MB before session 32 (read whole), 266 MB read at 1/8 with a 256 MB block
    cache, 42 MB with two rows of blocks."""
    bench = _bench()
    lat, lon = bench.truth("q_0001.jpg")
    (tmp_path / "tiles").mkdir()
    bench.big_demo_tile(tmp_path / "tiles" / "big.tif", lat, lon, 10_000)
    got = bench.measure(tmp_path / "tiles", "after")
    assert got.get("size") == [1250, 1250], got
    assert got["grew_mb"] < 150, got


def test_a_big_tiff_tile_with_alpha_has_its_data_counted_without_decoding_it_whole(tmp_path, monkeypatch):
    """Loading a folder counts each tile's alpha (registry.keep_tiles_with_data): Pillow decoded a
    10,000 px RGBA GeoTIFF whole for it (~700 MB); over VALID_FRACTION_MAX_SIDE the alpha band is
    read decimated through rasterio instead, and gives the same fraction."""
    from rasterio.enums import ColorInterp

    monkeypatch.setattr(images, "VALID_FRACTION_MAX_SIDE", 64)
    path = tmp_path / "a.tif"
    data = np.full((4, 300, 400), 120, np.uint8)
    data[3] = 255
    data[3, :, :100] = 0  # the western quarter holds no data
    with rasterio.open(path, "w", driver="GTiff", width=400, height=300, count=4, dtype="uint8", crs="EPSG:32611",
                       transform=from_origin(600000, 4000000, 0.25, 0.25), photometric="RGB", alpha="YES") as ds:
        ds.write(data)
        ds.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    monkeypatch.setattr(Image.Image, "getchannel", lambda *a: pytest.fail("decoded whole by Pillow"))
    assert images.valid_fraction(path) == pytest.approx(0.75, abs=0.02)
