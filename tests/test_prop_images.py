"""Property tests of tile pixels: a paletted image (GeoTIFF colour table, PNG palette) reads as its
palette's colours, never as grey indices (a field bug: a palette GeoTIFF matched as grey), for any
window of it. Deterministic (derandomize).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.images import open_image
from geolocator.core.model import PixelWindow

hypothesis = pytest.importorskip("hypothesis")
rasterio = pytest.importorskip("rasterio")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))


@st.composite
def paletted(draw):
    n = draw(st.integers(2, 16))
    palette = draw(st.lists(colours, min_size=n, max_size=n))
    w, h = draw(st.integers(8, 48)), draw(st.integers(8, 48))
    seed = draw(st.integers(0, 2**31))
    index = np.random.default_rng(seed).integers(0, n, (h, w)).astype(np.uint8)
    col, row = draw(st.integers(0, w - 4)), draw(st.integers(0, h - 4))
    window = PixelWindow(col, row, draw(st.integers(4, w - col)), draw(st.integers(4, h - row)))
    return palette, index, window


def _want(palette, index: np.ndarray, window: PixelWindow) -> np.ndarray:
    rgb = np.array(palette, np.uint8)[index]
    return rgb[window.row:window.row + window.height, window.col:window.col + window.width]


@prop(30)
@given(paletted())
def test_a_palette_geotiff_window_reads_as_its_colours(case):
    """A 1-band GeoTIFF with a colour table: every window reads as the table's colours."""
    from affine import Affine

    palette, index, window = case
    h, w = index.shape
    with tempfile.TemporaryDirectory(prefix="propfuzz-") as folder:
        path = Path(folder) / "p.tif"
        with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=1, dtype="uint8", crs="EPSG:3857",
                           transform=Affine(1.0, 0, 1000.0, 0, -1.0, 2000.0)) as ds:
            ds.write(index[None])
            ds.write_colormap(1, {i: (*c, 255) for i, c in enumerate(palette)})
        got = np.asarray(open_image(path, window).convert("RGB"))
    np.testing.assert_array_equal(got, _want(palette, index, window))


@prop(30)
@given(paletted())
def test_a_palette_png_reads_as_its_colours(case):
    """A paletted PNG (what XYZ tile folders often hold): read whole, RGB of its palette."""
    from PIL import Image

    palette, index, _ = case
    h, w = index.shape
    with tempfile.TemporaryDirectory(prefix="propfuzz-") as folder:
        path = Path(folder) / "p.png"
        im = Image.fromarray(index, mode="P")
        im.putpalette([v for c in palette for v in c])
        im.save(path)
        got = np.asarray(open_image(path).convert("RGB"))
    np.testing.assert_array_equal(got, _want(palette, index, PixelWindow(0, 0, w, h)))
