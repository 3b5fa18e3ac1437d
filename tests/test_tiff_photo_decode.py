"""A TIFF photo (no georeference) read whole is reduced like a JPEG's draft (session 32, fieldfuzz32):
by 2, 4 or 8 to fit the decode budget and to keep its sides at least `min_side`. rasterio decoded
it whole at any size: a 96 MP 16-bit TIFF photo took 6.0 GB and 30 s (1.1 GB and 5.6 s after;
training/results/fieldfuzz32_session32.md). A georeferenced raster read whole has its own rule
(images.whole_raster_scale; tests/test_georaster_whole_read.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.images import open_image

from .demo_features import DEMO

rasterio = pytest.importorskip("rasterio")


def _photo() -> Image.Image:
    return Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")  # 384 x 288


def _tiff16(path, photo: Image.Image, **profile):
    data = np.moveaxis(np.asarray(photo), -1, 0).astype(np.uint16) * 257
    with rasterio.open(path, "w", driver="GTiff", width=photo.width, height=photo.height, count=3, dtype="uint16",
                       photometric="RGB", **profile) as ds:
        ds.write(data)
    return path


@pytest.mark.parametrize("budget,min_side", [(10**12, 100), (10**12, 40), (30_000, None), (10**12, None)])
def test_a_tiff_photo_is_reduced_as_a_jpeg_of_its_size_is(tmp_path, monkeypatch, budget, min_side):
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", budget)
    photo = _photo()
    jpeg = tmp_path / "p.jpg"
    photo.save(jpeg, quality=95)
    for path in (tmp_path / "p8.tif", _tiff16(tmp_path / "p16.tif", photo)):
        if path.name == "p8.tif":
            photo.save(path)
        got = open_image(path, min_side=min_side)
        assert got.size == open_image(jpeg, min_side=min_side).size, (path.name, budget, min_side)
        s = photo.width // got.width
        want = np.asarray(photo.reduce(s), np.float32)  # the mean of each s x s block
        if path.name == "p8.tif":
            assert np.abs(np.asarray(got, np.float32) - want).mean() < 1.0, (s, min_side)
        else:  # 16-bit data is stretched between its 2nd and 98th percentiles: the same picture, other tones
            assert np.corrcoef(np.asarray(got, np.float32).ravel(), want.ravel())[0, 1] > 0.99, (s, min_side)


def test_the_reduction_is_said_in_sizes_the_budget_needs(tmp_path, monkeypatch):
    """Over the budget only: 384 x 288 = 110,592 px; a budget of 30,000 needs 1/2 (192 x 144), one
    of 20,000 needs 1/4 (96 x 72)."""
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 30_000)
    path = tmp_path / "p.tif"
    _photo().save(path)
    assert open_image(path).size == (192, 144)
    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 20_000)
    assert open_image(path).size == (96, 72)

