"""The last whole-resolution reads of big GeoTIFF tiles (session 32, georead32): dense.ground_of and
the evidence panel say what they need (min_side), so a big tile is read at its working size there
too (bigtile32 left them reading a 10,000 px tile at 5,000 px); a paletted georeferenced raster
read whole is reduced as well, its indexes taken nearest and expanded through its colour table.
Small fixtures: TILE_WORK_SIDE is lowered so the 384 x 288 demo photo plays a big tile."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.model import Bounds, Tile

from .demo_features import DEMO
from .helpers import spy_open_image_sizes

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_bounds  # noqa: E402

BOUNDS = Bounds(10.0, 50.0, 10.001, 50.0007)  # ~72 m x 78 m at 50 deg N


def _photo() -> Image.Image:
    return Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")  # 384 x 288


def _geotiff_tile(path, image: Image.Image, bounds: Bounds = BOUNDS) -> Tile:
    data = np.moveaxis(np.asarray(image), -1, 0)
    transform = from_bounds(bounds.west, bounds.south, bounds.east, bounds.north, image.width, image.height)
    with rasterio.open(path, "w", driver="GTiff", width=image.width, height=image.height, count=3, dtype="uint8",
                       photometric="RGB", crs="EPSG:4326", transform=transform, tiled=True) as ds:
        ds.write(data)
    return Tile(path.stem, path, bounds)


@pytest.fixture
def reads(monkeypatch):
    """The sizes images.open_image returns, in order (the spy calls the real reader)."""
    seen = spy_open_image_sizes(monkeypatch)
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 64)
    return seen


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(np.asarray(a, np.float64).ravel(), np.asarray(b, np.float64).ravel())[0, 1])


def test_dense_ground_reads_a_big_geotiff_tile_at_the_ground_resolution_it_resamples_to(tmp_path, reads, monkeypatch):
    from geolocator.core.dense import DenseSettings, ground_of, ground_side_px

    tile = _geotiff_tile(tmp_path / "big.tif", _photo())
    settings = DenseSettings()  # 1 m a pixel: the ~72 m tile becomes ~72 px
    need = ground_side_px(tile, settings.metres_per_px)
    assert 70 <= need <= 74, need
    ground = ground_of([tile], [0], settings)
    assert reads == [(96, 72)], reads  # 1/4, the shorter side still >= what it needs; was the full 384 x 288
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 10**6)  # as before: the full read
    reads.clear()
    full = ground_of([tile], [0], settings)
    assert reads == [(384, 288)], reads
    # the same ground, pixel for pixel where the tile is (each image mapped by its own size and bounds)
    assert ground.channels.shape == full.channels.shape
    assert np.allclose(ground.centre_box, full.centre_box)
    assert _corr(ground.channels, full.channels) > 0.9


def test_the_evidence_panel_reads_a_big_geotiff_tile_at_the_panel_size(tmp_path, reads, monkeypatch):
    from geolocator.core import evidence
    from geolocator.core.model import Match, Prediction, Query, TileSet

    monkeypatch.setattr(evidence, "IMAGERY_SIDE", 64)  # with TILE_WORK_SIDE 64: a 384 px tile is big
    photo = _photo()
    tile = _geotiff_tile(tmp_path / "big.tif", photo)
    centre = tile.bounds.center
    pred = Prediction(Query("q.jpg", tmp_path / "q.jpg"), (Match(tile, 0.9, 1),), centre, centre, 0.9)
    panel, view = evidence._imagery_panel(pred, TileSet((tile,), tmp_path))
    assert reads == [(96, 72)], reads  # 1/4: still over the panel's 64 px; was the full 384 x 288
    assert max(panel.size) == 64
    monkeypatch.setattr(images, "TILE_WORK_SIDE", 10**6)  # as before: the full read
    reads.clear()
    full, full_view = evidence._imagery_panel(pred, TileSet((tile,), tmp_path))
    assert reads == [(384, 288)], reads
    # the same picture in the same place (the tile mapped by its image's own size and its bounds)
    assert full.size == panel.size and full_view == view
    a, b = np.asarray(panel, np.float32), np.asarray(full, np.float32)
    assert _corr(a, b) > 0.95 and np.abs(a - b).mean() < 8, (_corr(a, b), np.abs(a - b).mean())


def _paletted_geotiff(path, index: np.ndarray, table: dict[int, tuple[int, int, int, int]], nodata=None):
    h, w = index.shape
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", photometric="palette",
                       crs="EPSG:4326", transform=from_bounds(10.0, 50.0, 10.001, 50.001, w, h), tiled=True,
                       nodata=nodata) as ds:
        ds.write(index, 1)
        ds.write_colormap(1, table)
    return path


def test_a_paletted_georeferenced_raster_read_whole_is_reduced_nearest_then_expanded(tmp_path, reads):
    """512 px of 8 x 8 blocks, each one of four table entries far apart in index (0, 85, 170, 255):
    read at 1/8 (64 px >= TILE_WORK_SIDE), each pixel is its block's table colour; averaging the
    indexes would make indexes between the entries (colours the table does not hold)."""
    rng = np.random.default_rng(7)
    entries = [0, 85, 170, 255]
    colours = {0: (200, 30, 30, 255), 85: (30, 200, 30, 255), 170: (30, 30, 200, 255), 255: (240, 240, 240, 255)}
    blocks = rng.choice(entries, size=(64, 64)).astype(np.uint8)
    index = np.kron(blocks, np.ones((8, 8), np.uint8))
    path = _paletted_geotiff(tmp_path / "palette.tif", index, colours)
    got = np.asarray(images.open_image(path, min_side=40))
    assert got.shape == (64, 64, 3), got.shape  # was read whole: 512 x 512
    lut = np.zeros((256, 3), np.uint8)
    for i, rgba in colours.items():
        lut[i] = rgba[:3]
    assert np.array_equal(got, lut[blocks])
    # read as stored when a window is asked, or when no min_side is given and it fits the budget
    assert images.open_image(path).size == (512, 512)
    assert np.array_equal(np.asarray(images.open_image(path)), lut[index])


def test_a_paletted_raster_with_a_nodata_index_keeps_its_no_data_when_reduced(tmp_path, reads):
    """The nodata index is still no data at 1/8: filled with the mean of the rest, not its colour."""
    blocks = np.zeros((64, 64), np.uint8)
    blocks[:, 32:] = 1  # the right half: the nodata index
    index = np.kron(blocks, np.ones((8, 8), np.uint8))
    path = _paletted_geotiff(tmp_path / "palette.tif", index, {0: (10, 120, 220, 255), 1: (255, 0, 255, 255)}, nodata=1)
    got = np.asarray(images.open_image(path, min_side=40))
    assert got.shape == (64, 64, 3), got.shape
    assert (got == (10, 120, 220)).all()  # no magenta: the nodata half filled with the valid half's mean
