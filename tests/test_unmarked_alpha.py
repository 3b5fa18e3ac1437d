"""An RGBA GeoTIFF whose 4th band is not marked alpha (session 20, mend20).

rasterio writes four 8-bit bands with photometric RGB and no alpha="YES" as TIFF ExtraSamples
"unspecified": GDAL reads band 4 as undefined, and QGIS sets a transparency band only for a band GDAL
calls alpha (qgsrasterlayer.cpp, "Auto set alpha band"), so both show the transparent part black.
This reader keeps doing what they do (band 4 ignored; an RGB + NIR file stays RGB + NIR) but says so
once, naming the file and the fix. Before: nothing was said; the transparent part was black."""

from __future__ import annotations

import logging

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
from affine import Affine  # noqa: E402

from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.sources import geotiff, worldfile  # noqa: E402

T = Affine(1, 0, 500_000, 0, -1, 5_000_000)


def _four_band(path, fourth):
    rows, cols = np.mgrid[0:64, 0:64]
    rgb = np.stack([40 + 2 * cols, 60 + 2 * rows, 200 - cols - rows]).astype(np.uint8)
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=4, dtype="uint8", crs="EPSG:32633",
                       transform=T, photometric="RGB") as ds:
        ds.write(np.concatenate([rgb, fourth[None]]))
    with rasterio.open(path) as ds:
        assert ds.colorinterp[3] == rasterio.enums.ColorInterp.undefined  # what the file says
    return path


def _mask():
    m = np.full((64, 64), 255, np.uint8)
    m[:, :20] = 0  # the western third transparent
    return m


def _nir():
    rows, cols = np.mgrid[0:64, 0:64]
    return (30 + 3 * cols + rows).astype(np.uint8)  # a smooth near-infrared band, some 0-free range


def _notices(caplog):
    return [r.getMessage() for r in caplog.records if "not marked alpha" in r.getMessage()]


def test_an_unmarked_mask_band_is_said_once_naming_the_file(tmp_path, caplog):
    tif = _four_band(tmp_path / "rgba.tif", _mask())
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = geotiff.cut_geotiff(tif, 16)
    [notice] = _notices(caplog)
    assert notice.startswith(f"{tif}: band 4 holds only 0 and 255") and "read as black" in notice
    assert f"gdal_edit.py -colorinterp_4 alpha {tif}" in notice
    # still read as GDAL and QGIS read it: band 4 ignored, the transparent part black, every window kept
    assert len(ts) == 16
    west = np.asarray(open_image(ts.tiles[0].path, ts.tiles[0].window))
    assert west.shape == (16, 16, 3) and west[:, 0].max() > 0  # RGB pixels, not the mask


def test_in_a_folder_of_tiles_it_is_said_once_for_all(tmp_path, caplog):
    (tmp_path / "tiles").mkdir()
    for name in ("a.tif", "b.tif"):
        _four_band(tmp_path / "tiles" / name, _mask())
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert len(worldfile.load_world_file_folder(tmp_path / "tiles", None)) == 2
    [notice] = _notices(caplog)
    assert notice.startswith(f"{tmp_path / 'tiles' / 'a.tif'} (and 1 more): band 4")


def test_rgb_plus_nir_is_read_as_before_and_not_called_a_mask(tmp_path, caplog):
    """A guard (passed before too): band 4 of an RGB + NIR file is near-infrared, no notice."""
    tif = _four_band(tmp_path / "rgbn.tif", _nir())
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = geotiff.cut_geotiff(tif, 16)
    assert _notices(caplog) == [] and len(ts) == 16
    with rasterio.open(tif) as ds:
        rgb = ds.read([1, 2, 3], window=((0, 16), (0, 16)))
    assert np.array_equal(np.asarray(open_image(ts.tiles[0].path, ts.tiles[0].window)), np.moveaxis(rgb, 0, -1))
