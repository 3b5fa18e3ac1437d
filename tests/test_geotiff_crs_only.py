"""A TIFF with a coordinate system but no position on the ground (no geotransform, no GCPs: rasterio
reads the identity transform) is refused as not georeferenced (session 16: it read "only north-up
GeoTIFFs are supported (positive x and negative y pixel size)", its pixel grid taken for map units,
while the same file given as a photo's tile set is named "a TIFF without georeference")."""

from __future__ import annotations

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.sources.geotiff import cut_geotiff, what_tiff_is  # noqa: E402


def _crs_only(path):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rasterio: "no geotransform", the point of this file
        with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8",
                           crs="EPSG:32633") as ds:
            ds.write(np.zeros((1, 64, 64), np.uint8))
    return path


def test_a_tiff_with_a_crs_but_no_position_is_refused_as_not_georeferenced(tmp_path):
    tif = _crs_only(tmp_path / "crs_only.tif")
    with pytest.raises(InputError) as err:
        cut_geotiff(tif, 50)
    assert str(err.value) == (
        f"{tif}: the TIFF has a coordinate system (EPSG:32633) but no position on the ground (no geotransform, no "
        f"ground control points); georeference it first, e.g. gdal_translate -a_ullr <west> <north> <east> <south> "
        f"{tif} out.tif (its corners in that CRS), or put a world file (.tfw) beside it")
    assert what_tiff_is(tif) == "a TIFF without georeference (not a GeoTIFF: no position on the ground)"

