"""Complex-valued rasters (SAR single-look complex products) given as imagery (session 20, mend20).

Before, such a file was cut into tiles and read as the real part of its pixels, with numpy's
ComplexWarning ("Casting complex values to real discards the imaginary part") as the only sign
(session 19's record). Now every reader says plainly, naming the file: "complex SAR data
(complex64): not imagery a photo can be matched against": cut_geotiff, a folder of tiles (skipped
with that reason), open_image, the CLI's locate and the app's Open Tile Set."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
from affine import Affine  # noqa: E402

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.sources import geotiff, worldfile  # noqa: E402

SENTENCE = "complex SAR data ({}): not imagery a photo can be matched against"


def _sar(path, dtype="complex64"):
    rng = np.random.default_rng(0)
    data = (rng.normal(size=(1, 64, 64)) + 1j * rng.normal(size=(1, 64, 64))) * 100
    if dtype == "complex_int16":  # GDAL's CInt16 (Sentinel-1 SLC): rasterio writes it from complex64
        data = np.round(data)
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=1, dtype=dtype, crs="EPSG:32633",
                       transform=Affine(1, 0, 500_000, 0, -1, 5_000_000)) as ds:
        ds.write(data.astype(np.complex64 if dtype == "complex_int16" else dtype))
    return path


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_a_complex_geotiff_is_refused_with_a_sentence_naming_it(tmp_path, dtype):
    """Before: 16 tiles cut, each read as its real part with a ComplexWarning."""
    tif = _sar(tmp_path / "slc.tif", dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no ComplexWarning on the way
        with pytest.raises(InputError) as ei:
            geotiff.cut_geotiff(tif, 16)
        assert ei.value.path == tif and ei.value.problem == SENTENCE.format(dtype)
        with pytest.raises(InputError) as ei:
            open_image(tif)
        assert str(ei.value) == f"{tif}: " + SENTENCE.format(dtype)


def test_a_complex_geotiff_in_a_folder_of_tiles_is_skipped_with_that_reason(tmp_path, caplog):
    (tmp_path / "tiles").mkdir()
    _sar(tmp_path / "tiles" / "slc.tif")
    with caplog.at_level(logging.WARNING, logger="geolocator"), pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path / "tiles", None)
    assert "slc.tif: " + SENTENCE.format("complex64") in ei.value.problem
    assert any(SENTENCE.format("complex64") in r.getMessage() and "slc.tif" in r.getMessage() for r in caplog.records)


def test_the_cli_says_it_and_exits_with_the_input_error_code(tmp_path, capsys):
    from PIL import Image

    from geolocator.cli import main

    tif = _sar(tmp_path / "slc.tif")
    photo = tmp_path / "p.jpg"
    Image.new("RGB", (64, 64), (90, 120, 60)).save(photo)
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        rc = main(["locate", str(photo), "--tiles", str(tif), "--tile-size-m", "16", "--cache-dir",
                   str(tmp_path / "cache"), "-q"])
    err = capsys.readouterr().err
    assert rc == 2 and f"{tif}: " + SENTENCE.format("complex64") in err, err
