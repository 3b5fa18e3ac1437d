"""Exact answers written for the last mutants of core/sources/ that session 7 left "not killed"
(training/results/mutation_sources.md, session 8): a warning filter widened to every warning, the
first row-height estimate of cut_geotiff on a CRS whose scale changes within half a pixel, the
draft factors and the destination grid of resample_north_up, and a TileJSON read under a
non-UTF-8 locale. Each expected value is worked out in the comments, not taken from the code."""

from __future__ import annotations

import math
import types
import warnings

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.sources import xyz

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import Affine  # noqa: E402

from geolocator.core.sources import geotiff, worldfile  # noqa: E402

from .helpers import under_c_locale  # noqa: E402


# ---------------------------------------------------------------- geotiff: open_quietly


class _NotGeoreferenced(UserWarning):
    pass


def test_open_quietly_silences_only_the_not_georeferenced_warning(tmp_path):
    # a stand-in for rasterio whose open() warns twice: the NotGeoreferencedWarning is silenced,
    # any other warning of the open still reaches the caller
    def fake_open(path):
        warnings.warn("no geotransform", _NotGeoreferenced)
        warnings.warn("something else about the file", RuntimeWarning)
        return ("dataset", path)

    fake = types.SimpleNamespace(errors=types.SimpleNamespace(NotGeoreferencedWarning=_NotGeoreferenced),
                                 open=fake_open)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert geotiff.open_quietly(fake, tmp_path / "a.tif") == ("dataset", tmp_path / "a.tif")
    assert [(w.category, str(w.message)) for w in seen] == [(RuntimeWarning, "something else about the file")]


# ---------------------------------------------------------------- geotiff: cut_geotiff's first estimate


def test_a_tile_under_two_pixels_is_measured_half_a_pixel_down_on_fast_changing_mercator(tmp_path):
    # EPSG:3857 raster, 1000 km pixels, top edge at y = -15,000 km (79.1 S), middle column x = 0.
    # Ground size of a pixel row, as ground_metres_per_pixel defines it (geodesic over 16 rows
    # centred on the point, /16), computed with pyproj's Geod for this test:
    #   row 0: 235,601 m, row 0.5: 219,055 m, row 1: 203,518 m  (south of the equator, rows shrink)
    # Tile 316,929 m = 1.5 x the mean of rows 0.5 and 1: 1.345 px at row 0 -> first estimate 1 row,
    # so the size is measured at row 0.5: 1.447 px -> 1 row (with a first estimate of 2 rows it
    # would be measured at row 1: 1.557 -> 2 rows). Columns there: 133,405 m -> 2.38 -> 2 px.
    from rasterio.crs import CRS

    path = tmp_path / "south.tif"
    p = 1_000_000.0
    with rasterio.open(path, "w", driver="GTiff", width=4, height=4, count=1, dtype="uint8",
                       crs=CRS.from_epsg(3857), transform=Affine(p, 0, -2 * p, 0, -p, -15 * p)) as ds:
        ds.write(np.full((1, 4, 4), 100, np.uint8))
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(path, 316_929.0)
    assert ei.value.problem == "316929.0 m is only 1 pixels here; choose a larger tile size"


# ---------------------------------------------------------------- xyz: a TileJSON under another locale


def test_a_tilejson_is_read_as_utf8_whatever_the_locale(tmp_path):
    # TileJSON is JSON, i.e. UTF-8 (RFC 8259 section 8.1). A file naming "Zürich" (bytes C3 BC),
    # read under the C locale (ASCII) with the locale's encoding would not decode and be ignored.
    (tmp_path / "metadata.json").write_bytes('{"name": "Zürich", "scheme": "tms"}'.encode("utf-8"))
    found = under_c_locale(lambda: xyz._tilejson_order(tmp_path))
    assert found == (True, "metadata.json (scheme tms)")


# ---------------------------------------------------------------- worldfile: resample_north_up

C30, S30 = math.cos(math.radians(30)), math.sin(math.radians(30))


def test_a_drafted_jpeg_scales_each_axis_by_its_own_draft_factor(tmp_path, monkeypatch):
    # A 9 x 64 px JPEG over a 16 px budget is drafted at 1/8 to ceil(9/8) x ceil(64/8) = 2 x 8 px:
    # a decoded column stands for 9/2 = 4.5 source columns, a decoded row for 64/8 = 8 rows.
    # The copy's pixel is the finer one, 1 m x 4.5 = 4.5 m: 2 columns (9 m) and ceil(64/4.5) = 15 rows.
    # Rows whose centre lies above 64 m (rows 0-13: 13.5 x 4.5 = 60.75) are data, row 14 (65.25) is not.
    # Columns 0-7 black, column 8 white: decoded column 0 is black, column 1 (the block of column 8,
    # padded by repeating it) white. The copy's columns sample the decoded ones at their centres
    # (2.25 / 4.5 = 0.5 and 6.75 / 4.5 = 1.5): black, white.
    import geolocator.core.images as images
    from geolocator.core.images import open_image

    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 16)
    grey = np.zeros((64, 9, 3), np.uint8)
    grey[:, 8] = 255
    Image.fromarray(grey).save(tmp_path / "a.jpg", quality=100, subsampling=0)
    decoded = np.asarray(open_image(tmp_path / "a.jpg"))
    assert decoded.shape == (8, 2, 3)
    assert decoded[:, 0].max() < 20 and decoded[:, 1].min() > 235
    out, t = worldfile.resample_north_up(tmp_path / "a.jpg", (1.0, 0.0, 0.0, -1.0, 500_000.0, 5_000_000.0),
                                         32633, out_dir=tmp_path / "c")
    # (the world file gives the top-left pixel's centre: its corner is half a 1 m pixel up and left)
    assert tuple(t)[:6] == pytest.approx((4.5, 0.0, 499_999.5, 0.0, -4.5, 5_000_000.5), abs=1e-9)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (2, 15)
        red, alpha = ds.read(1), ds.read(4)
    assert (alpha[:14] == 255).all() and (alpha[14] == 0).all()
    assert red[:14, 0].max() < 20 and red[:14, 1].min() > 235


def test_the_north_up_copy_lies_on_the_grid_it_returns(tmp_path):
    # A 4 x 4 image of 1 m pixels turned 30 degrees spans 4 (cos 30 + sin 30) = 5.46 m each way:
    # the copy is ceil(5.46) = 6 px of 1 m, so its last column and last row (centres at 5.5 m)
    # lie beyond the image, and a copy pixel holds data exactly when its centre falls inside the
    # turned square (GDAL warps by pixel centres).
    from geolocator.core.geo import world_file_affine

    img = tmp_path / "a.png"
    Image.fromarray(np.full((4, 4, 3), 120, np.uint8)).save(img)
    world = (C30, S30, S30, -C30, 500_000.0, 5_000_000.0)
    out, t = worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path / "c")
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (6, 6)
        alpha = ds.read(4)
    assert (tuple(t)[0], tuple(t)[4]) == (1.0, -1.0)
    inverse = ~world_file_affine(world)
    inside = np.zeros((6, 6), bool)
    for r in range(6):
        for c in range(6):
            col, row = inverse @ (t.c + c + 0.5, t.f - r - 0.5)
            inside[r, c] = 0 < col < 4 and 0 < row < 4
    assert not inside[5].any() and not inside[:, 5].any()
    assert ((alpha == 255) == inside).all() and set(np.unique(alpha)) == {0, 255}
