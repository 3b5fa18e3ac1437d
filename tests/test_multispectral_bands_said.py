"""A multispectral GeoTIFF whose bands carry no colour marks is read with bands 1-3 as red, green, blue
(session 17, newuser17: WorldView-2's 4-band `ms1.tif` from the solaris wheel, blue/green/red/NIR, was
cut into tiles showing blue as red, and nothing said so). Now one warning names the file, the band count,
what was read, and the two ways out; files whose bands are marked, and 3-band files, say nothing."""

from __future__ import annotations

import logging

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")

from rasterio.enums import ColorInterp as CI  # noqa: E402
from rasterio.transform import from_origin  # noqa: E402

from geolocator.core import images  # noqa: E402
from geolocator.core.model import PixelWindow  # noqa: E402
from geolocator.core.sources.geotiff import cut_geotiff  # noqa: E402


def _write(path, bands: int, dtype="float64", colorinterp=None):
    """A 40 x 40 px raster at 1 m pixels in UTM 31N (Rotterdam), band k holding the value 100 k + pixel
    column (so each band is told apart, and the float data needs a stretch)."""
    data = np.stack([np.tile(np.arange(40, dtype=float), (40, 1)) + 100 * (k + 1) for k in range(bands)]).astype(dtype)
    with rasterio.open(path, "w", driver="GTiff", width=40, height=40, count=bands, dtype=dtype,
                       crs="EPSG:32631", transform=from_origin(593270, 5747657, 1.0, 1.0)) as ds:
        ds.write(data)
        if colorinterp is not None:
            ds.colorinterp = colorinterp
    return path


def _warnings(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_four_band_geotiff_without_colour_marks_is_said_once_naming_the_file(tmp_path, caplog):
    tif = _write(tmp_path / "ms1.tif", 4)
    with rasterio.open(tif) as ds:  # what GDAL writes for a 4-band float file: gray, undefined x 3
        assert list(ds.colorinterp) == [CI.gray, CI.undefined, CI.undefined, CI.undefined]
    with caplog.at_level(logging.INFO, logger="geolocator"):
        tiles = cut_geotiff(tif, 20)
    assert len(tiles) == 4  # 40 m square at 20 m windows: 2 x 2
    assert _warnings(caplog) == [
        f"{tif} has 4 bands and none is marked red, green or blue: bands 1, 2, 3 are read as red, green, blue. "
        "Multispectral imagery often stores blue first (WorldView, PlanetScope, Sentinel-2: blue, green, red, "
        f"near-infrared); if so, export a natural-colour GeoTIFF (gdal_translate -b 3 -b 2 -b 1 {tif} rgb.tif) or "
        f"mark its bands (gdal_edit.py -colorinterp_1 blue -colorinterp_2 green -colorinterp_3 red {tif})"]


def test_marked_bands_and_three_band_files_say_nothing_and_the_marks_are_followed(tmp_path, caplog):
    marked = _write(tmp_path / "marked.tif", 4, colorinterp=[CI.blue, CI.green, CI.red, CI.undefined])
    rgb16 = _write(tmp_path / "rgb16.tif", 3, dtype="uint16")  # gray, undefined, undefined: colour in file order
    with caplog.at_level(logging.INFO, logger="geolocator"):
        cut_geotiff(marked, 20)
        cut_geotiff(rgb16, 20)
    assert _warnings(caplog) == []
    # The advice works: marked blue/green/red, band 3 (values 300-339) is shown as red and band 1 (100-139)
    # as blue. One stretch over bands 1-3 (2nd-98th percentile of 100..339) puts red above green above blue.
    px = np.asarray(images.open_image(marked, PixelWindow(20, 20, 1, 1)))[0, 0]
    assert px[0] > px[1] > px[2]


def test_unmarked_colour_bands_counts_only_unmarked_rasters_of_four_or_more_data_bands():
    f = images.unmarked_colour_bands
    assert f([CI.gray, CI.undefined, CI.undefined, CI.undefined]) == 4
    assert f([CI.undefined] * 8) == 8  # WorldView-2's 8 bands
    assert f([CI.gray, CI.undefined, CI.undefined, CI.undefined, CI.alpha]) == 4  # alpha is no data band
    assert f([CI.gray, CI.undefined, CI.undefined]) == 0  # three bands: an RGB export in file order
    assert f([CI.gray, CI.undefined, CI.undefined, CI.alpha]) == 0  # RGB + alpha
    assert f([CI.red, CI.green, CI.blue, CI.undefined]) == 0  # marked: followed
    assert f([CI.undefined, CI.blue, CI.undefined, CI.undefined]) == 0  # any colour mark: the file names its colours
    assert f([CI.cyan, CI.magenta, CI.yellow, CI.black]) == 0  # CMYK is converted
    assert f([CI.gray]) == 0
    assert f([CI.palette, CI.undefined, CI.undefined, CI.undefined]) == 0  # a palette band is no data band: 3 remain


def test_a_header_whose_colour_interpretation_cannot_be_read_is_cut_all_the_same(tmp_path, monkeypatch, caplog):
    """Found by tests/test_fuzz_parsers.py::test_fuzz_geotiff on this change: a damaged TIFF whose
    colorinterp raised GDAL's CPLE_AppDefinedError ("Incompatible type for StripOffsets") escaped
    cut_geotiff as a traceback; the band check is a courtesy and must never stop a tile set opening."""
    from rasterio._err import CPLE_AppDefinedError

    from geolocator.core.sources import geotiff

    def broken(_colorinterp):
        raise CPLE_AppDefinedError(1, 1, 'TIFFFetchStripThing:Incompatible type for "StripOffsets"')

    monkeypatch.setattr(geotiff, "unmarked_colour_bands", broken)
    tif = _write(tmp_path / "ms1.tif", 4)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        assert len(cut_geotiff(tif, 20)) == 4
    assert _warnings(caplog) == []
