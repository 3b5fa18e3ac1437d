"""The north-up copy of a rotated image (a world file with rotation terms, or a rotated GeoTIFF) on a
full cache disk (faults36, session 36). GDAL says only "Write failed. See previous exception for
details." (rasterio's RasterioIOError, no errno, no file named) and sources/worldfile.py left its
partial `<name>-<key>.<pid>.tmp` in the cache. Now: an InputError naming the image, the cache folder
and "the disk is full" (the file system's free space, read before the partial file is removed), and
no partial file."""

from __future__ import annotations

import types

import numpy as np
import pytest
import rasterio
from PIL import Image

from geolocator.core import outputs
from geolocator.core.errors import InputError
from geolocator.core.sources import worldfile as W

WORLD = (0.1, 0.05, 0.05, -0.1, 500000.0, 5800000.0)  # rotated 26.6°: resampled north-up


def _rotated(tmp_path):
    img = tmp_path / "ortho.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (60, 80, 3), dtype=np.uint8)).save(img)
    return img


def _gdal_fails_writing(monkeypatch):
    real = rasterio.open

    def fake_open(path, mode="r", **kw):
        if mode != "w":
            return real(path, mode, **kw)
        ds = real(path, mode, **kw)  # the partial file is made, then the write fails as on a full disk

        def write(*a, **k):
            raise rasterio.errors.RasterioIOError("Write failed. See previous exception for details.")

        ds.write = write
        return ds

    monkeypatch.setattr(rasterio, "open", fake_open)


def _free(monkeypatch, free_bytes):
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: types.SimpleNamespace(f_bavail=free_bytes // 4096, f_frsize=4096))


def test_a_full_cache_disk_says_so_and_leaves_no_partial_copy(tmp_path, monkeypatch):
    img, cache = _rotated(tmp_path), tmp_path / "northup"
    _gdal_fails_writing(monkeypatch)
    _free(monkeypatch, 8192)
    with pytest.raises(InputError) as e:
        W.resample_north_up(img, WORLD, "EPSG:32633", out_dir=cache)
    assert e.value.path == img
    assert e.value.problem == f"the image is rotated and its north-up copy cannot be written in {cache} (the disk is full)"
    assert not list(cache.glob("*.tmp")) and not list(cache.glob("*.tif"))


def test_a_write_failure_with_room_left_gives_gdals_words(tmp_path, monkeypatch):
    img, cache = _rotated(tmp_path), tmp_path / "northup"
    _gdal_fails_writing(monkeypatch)
    _free(monkeypatch, 10 << 30)
    with pytest.raises(InputError, match=r"\(Write failed\. See previous exception for details\.\)$"):
        W.resample_north_up(img, WORLD, "EPSG:32633", out_dir=cache)
    assert not list(cache.glob("*.tmp"))


def test_described_write_failure_prefers_the_errno(tmp_path, monkeypatch):
    import errno

    _free(monkeypatch, 0)
    assert outputs.described_write_failure(OSError(errno.EACCES, "Permission denied"), tmp_path) == \
        "permission denied (the folder cannot be written)"
    assert outputs.described_write_failure(RuntimeError("boom"), tmp_path) == "the disk is full"
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: (_ for _ in ()).throw(OSError(errno.ENOENT, "gone")))
    assert outputs.described_write_failure(RuntimeError("boom"), tmp_path) == "boom"


def test_the_free_space_is_counted_in_bytes_not_blocks(tmp_path, monkeypatch):
    """f_bavail counts blocks of f_frsize bytes: 4 MB free (1,000 blocks) is not a full disk, 400 kB is
    (OU3: blocks read as bytes called any disk with under 4 GB free full, hiding the library's words)."""
    _free(monkeypatch, 1000 * 4096)
    assert outputs.described_write_failure(RuntimeError("boom"), tmp_path) == "boom"
    _free(monkeypatch, 100 * 4096)
    assert outputs.described_write_failure(RuntimeError("boom"), tmp_path) == "the disk is full"


def test_a_kmz_image_copied_out_onto_a_full_disk_is_said_and_not_left_half(tmp_path, monkeypatch):
    """A KMZ's image is copied out of the zip into the north-up cache once: on a full disk the raw
    "No space left on device" ended the run (no file named) and the partial `…jpg.tmp` stayed."""
    import errno

    from geolocator.core.sources import kml_overlay, registry
    from geolocator.core.sources.registry import LoadOptions

    from .test_kml_overlay import _box, _kml, _kmz
    from .tile_packages import demo_mosaic

    cache = tmp_path / "northup"
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(cache))
    mosaic, b = demo_mosaic(1.0)
    kmz = _kmz(tmp_path / "demo.kmz", _kml(_box(b)), mosaic)

    def full(src, dst, length=0):
        dst.write(src.read(1000))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kml_overlay.shutil, "copyfileobj", full)
    with pytest.raises(InputError) as e:
        registry.load(kmz, LoadOptions(tile_size_m=50.0))
    assert e.value.path == kmz
    assert e.value.problem == f"cannot copy its image files/mosaic.jpg out of the KMZ into {cache} (the disk is full)"
    assert not [p for p in cache.iterdir() if p.name.endswith(".tmp")]
