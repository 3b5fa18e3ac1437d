"""GeoTIFFs people give as imagery that are not plain 8-bit RGB (formats37): a DEM (one band of
heights) is refused as not imagery, naming the clue; a paletted band, 16-bit and float bands, an
internal nodata mask and a COG whose overviews skip levels are read."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core import images
from geolocator.core.errors import InputError
from geolocator.core.sources.geotiff import cut_geotiff
from geolocator.core.sources.tile_image import open_tile_image

rasterio = pytest.importorskip("rasterio")
from rasterio.enums import Resampling  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402

SIDE = 256
PROFILE = dict(driver="GTiff", crs="EPSG:32633", transform=from_origin(500_000, 5_000_000, 0.5, 0.5),
               width=SIDE, height=SIDE)


def _heights(dtype="float32"):
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    return (1200 + 0.3 * xx + 50 * np.sin(yy / 20)).astype(dtype)[None]


def _write(path, data, *, units=None, description=None, area_or_point=None, nodata=None, **extra):
    with rasterio.open(path, "w", count=data.shape[0], dtype=data.dtype, nodata=nodata, **PROFILE, **extra) as ds:
        ds.write(data)
        if units:
            ds.units = (units,)
        if description:
            ds.set_band_description(1, description)
        if area_or_point:
            ds.update_tags(AREA_OR_POINT=area_or_point)
    return path


@pytest.mark.parametrize("name, kw, dtype, clue", [
    ("area.tif", {"units": "m"}, "float32", "its unit is 'm'"),
    ("area.tif", {"units": "metre"}, "int16", "its unit is 'metre'"),
    ("area.tif", {"description": "Elevation above EGM2008"}, "float32", "its band is described as 'Elevation'"),
    ("Copernicus_DSM_10_N47_00_E008_00_DEM.tif", {}, "float32", "its name says 'DSM'"),
    ("srtm_38_03.tif", {}, "int16", "its name says 'srtm'"),
    ("area.tif", {"area_or_point": "Point"}, "float32", "its pixels are points (AREA_OR_POINT=Point)"),
])
def test_a_dem_given_as_imagery_is_refused_naming_its_clue(tmp_path, name, kw, dtype, clue):
    # before: cut into windows and matched as a grey picture of the heights, with no word said
    path = _write(tmp_path / name, _heights(dtype), nodata=-9999, **kw)
    want = (f"one band of {dtype} values and {clue}: heights (a DEM, DSM or DTM), not imagery a photo can be matched "
            "against; give the orthophoto (an image of the ground) instead, or if this really is an image, an 8-bit "
            f"copy of it: gdal_translate -ot Byte -scale {name} image.tif")
    with pytest.raises(InputError) as err:
        cut_geotiff(path, 20)
    assert (err.value.path, err.value.problem) == (path, want)
    with pytest.raises(InputError) as err:  # one GeoTIFF read whole as a tile (a folder of GeoTIFF tiles)
        images.open_image(path)
    assert (err.value.path, err.value.problem) == (path, want)


@pytest.mark.parametrize("dtype, scale", [("float32", 1 / 4000), ("uint16", 1), ("int16", 1)])
def test_one_band_of_16_bit_or_float_values_without_a_height_clue_is_read_as_grey_imagery(tmp_path, dtype, scale):
    # panchromatic DNs or reflectance: nothing says heights, so the band is stretched to grey as before
    data = (np.random.default_rng(1).integers(0, 4000, (1, SIDE, SIDE)) * scale).astype(dtype)
    path = _write(tmp_path / "pan.tif", data, area_or_point="Area")
    ts = cut_geotiff(path, 20)
    img = np.asarray(open_tile_image(ts.tiles[0]))
    assert len(ts) == 49 and img.shape == (40, 40, 3) and (img[..., 0] == img[..., 1]).all() and img.std() > 20


def test_16_bit_rgb_and_a_4_band_raster_with_a_height_unit_are_imagery(tmp_path):
    data = np.random.default_rng(2).integers(0, 4000, (3, SIDE, SIDE)).astype("uint16")
    path = _write(tmp_path / "rgb16.tif", data, photometric="RGB", units=None)
    img = np.asarray(open_tile_image(cut_geotiff(path, 20).tiles[0]))
    assert img.shape == (40, 40, 3) and not (img[..., 0] == img[..., 1]).all()


def test_a_paletted_geotiff_is_read_through_its_colour_table(tmp_path):
    index = np.zeros((1, SIDE, SIDE), np.uint8)
    index[:, :, SIDE // 2:] = 1
    path = tmp_path / "pal.tif"
    with rasterio.open(path, "w", count=1, dtype="uint8", photometric="palette", **PROFILE) as ds:
        ds.write(index)
        ds.write_colormap(1, {0: (200, 30, 30, 255), 1: (30, 30, 200, 255)})
    ts = cut_geotiff(path, 20)
    left, right = (np.asarray(open_tile_image(t)).reshape(-1, 3).mean(axis=0) for t in (ts.tiles[0], ts.tiles[-1]))
    assert left.round().tolist() == [200, 30, 30] and right.round().tolist() == [30, 30, 200]


def test_an_internal_nodata_mask_leaves_out_empty_windows_and_fills_the_rest(tmp_path):
    data = np.random.default_rng(3).integers(0, 255, (3, SIDE, SIDE)).astype("uint8")
    path = tmp_path / "masked.tif"
    mask = np.zeros((SIDE, SIDE), np.uint8)
    mask[:, :150] = 255  # the west 150 columns hold data
    with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True):
        with rasterio.open(path, "w", count=3, dtype="uint8", photometric="RGB", **PROFILE) as ds:
            ds.write(data)
            ds.write_mask(mask)
    ts = cut_geotiff(path, 20)
    assert ts.tiles and all(t.window.col + t.window.width / 2 <= 150 + 20 for t in ts.tiles)
    edge = [t for t in ts.tiles if t.window.col < 150 < t.window.col + t.window.width]
    assert edge, "a window across the mask's edge is kept (over half of it holds data)"
    img = np.asarray(open_tile_image(edge[0]))
    cut = 150 - edge[0].window.col
    assert len(np.unique(img[:, cut:].reshape(-1, 3), axis=0)) == 1  # the masked part filled flat


def test_a_cog_whose_overviews_skip_levels_reads_like_one_without_overviews(tmp_path):
    side = 2048
    yy, xx = np.mgrid[0:side, 0:side]
    data = np.stack([(xx // 8 % 256), (yy // 8 % 256), ((xx + yy) // 16 % 256)]).astype("uint8")
    prof = dict(PROFILE, width=side, height=side)
    paths = []
    for name, levels in (("plain.tif", None), ("cog.tif", [4, 16])):
        path = tmp_path / name
        with rasterio.open(path, "w", count=3, dtype="uint8", photometric="RGB", tiled=True, blockxsize=256,
                           blockysize=256, **prof) as ds:
            ds.write(data)
            if levels:
                ds.build_overviews(levels, Resampling.average)
        paths.append(path)
    with rasterio.open(paths[1]) as ds:
        assert ds.overviews(1) == [4, 16]
    scale = images.whole_raster_scale(side, side, 1)
    assert scale not in (1, 4, 16)  # a level the file lacks: GDAL reads it from the next finer level
    plain, cog = (np.asarray(images.open_image(p, min_side=1), np.float32) for p in paths)
    assert plain.shape == cog.shape == (side // scale, side // scale, 3)
    assert np.abs(plain - cog).mean() < 2.0
    windows = [np.asarray(open_tile_image(cut_geotiff(p, 100).tiles[5]), np.float32) for p in paths]
    assert (windows[0] == windows[1]).all()  # windows are read at full resolution, overviews or not
