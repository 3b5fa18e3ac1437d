import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from geolocator.core import images
from geolocator.core.errors import InputError
from geolocator.core.images import (
    image_size,
    list_images,
    open_image,
    probe_image,
    read_exif_gps,
    thumbnail,
    to_rgb_uint8,
)
from geolocator.core.model import LatLon, PixelWindow

try:
    import rasterio
    from rasterio.transform import Affine
except ImportError:  # the GeoTIFF extra is optional; the PIL paths are still tested
    rasterio = None
needs_rasterio = pytest.mark.skipif(rasterio is None, reason="rasterio (geotiff extra) not installed")


def _gradient(w=40, h=30):
    """An RGB image whose pixels encode their own position, so crops can be checked exactly."""
    y, x = np.mgrid[0:h, 0:w]
    return np.stack([x * 5 % 256, y * 7 % 256, (x + y) % 256], axis=-1).astype(np.uint8)


def _write_tif(path, data, crs="EPSG:32633", transform=None):
    data = data if data.ndim == 3 else data[None]
    with rasterio.open(
        path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
        dtype=data.dtype, crs=crs, transform=transform or Affine(1, 0, 500_000, 0, -1, 5_500_000),
    ) as ds:
        ds.write(data)
    return path


def test_list_images_recursive_sorted_case_insensitive(tmp_path):
    (tmp_path / "b").mkdir()
    for name in ["b/z.JPG", "a.png", "c.webp", "b/d.tiff", "notes.txt", ".hidden.jpg", "e.jpeg"]:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "f.jpg").write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in list_images(tmp_path)]
    assert found == ["a.png", "b/d.tiff", "b/z.JPG", "c.webp", "e.jpeg"]
    assert [p.name for p in list_images(tmp_path, recursive=False)] == ["a.png", "c.webp", "e.jpeg"]


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_open_image_returns_rgb(tmp_path, mode):
    arr = _gradient()
    im = Image.fromarray(arr).convert(mode)
    im.save(tmp_path / "x.png")
    out = open_image(tmp_path / "x.png")
    assert out.mode == "RGB" and out.size == (40, 30)
    if mode in ("RGB", "RGBA"):
        assert np.array_equal(np.asarray(out), arr)


def test_open_image_window_pil_crop(tmp_path):
    arr = _gradient()
    Image.fromarray(arr).save(tmp_path / "x.png")
    out = open_image(tmp_path / "x.png", PixelWindow(col=5, row=7, width=10, height=4))
    assert out.size == (10, 4)
    assert np.array_equal(np.asarray(out), arr[7:11, 5:15])


@needs_rasterio
def test_open_image_window_geotiff_reads_exact_pixels(tmp_path):
    arr = _gradient(64, 48)
    tif = _write_tif(tmp_path / "o.tif", np.transpose(arr, (2, 0, 1)).copy())
    out = open_image(tif, PixelWindow(col=10, row=20, width=16, height=8))
    assert out.mode == "RGB" and out.size == (16, 8)
    assert np.array_equal(np.asarray(out), arr[20:28, 10:26])


@needs_rasterio
def test_open_image_geotiff_one_band_is_grey_and_four_bands_keep_three(tmp_path):
    grey = (np.arange(20 * 30) % 256).astype(np.uint8).reshape(20, 30)
    out = np.asarray(open_image(_write_tif(tmp_path / "g.tif", grey)))
    assert out.shape == (20, 30, 3)
    assert all(np.array_equal(out[..., c], grey) for c in range(3))
    four = np.stack([np.full((8, 8), v, np.uint8) for v in (10, 20, 30, 40)])
    out4 = np.asarray(open_image(_write_tif(tmp_path / "f.tif", four), PixelWindow(0, 0, 4, 4)))
    assert out4.shape == (4, 4, 3) and tuple(out4[0, 0]) == (10, 20, 30)


@needs_rasterio
def test_open_image_geotiff_uint16_is_stretched_by_percentiles(tmp_path):
    data = np.linspace(1000, 5000, 50 * 50).reshape(1, 50, 50).astype(np.uint16)
    out = np.asarray(open_image(_write_tif(tmp_path / "u16.tif", data)))
    assert out.dtype == np.uint8
    assert out.min() == 0 and out.max() == 255  # 2 % / 98 % clip points map to the full range
    assert np.all(np.diff(out[..., 0].ravel().astype(int)) >= 0)  # monotone: order preserved


def test_to_rgb_uint8_float_with_nan():
    data = np.array([[0.0, np.nan], [0.5, 1.0]], dtype=np.float32)
    out = to_rgb_uint8(data)
    assert out.shape == (2, 2, 3) and out.dtype == np.uint8
    assert out[0, 0, 0] == 0 and out[1, 1, 0] == 255 and out[0, 1, 0] == 0


def test_open_image_tif_without_rasterio_uses_pil(tmp_path, monkeypatch):
    arr = _gradient()
    Image.fromarray(arr).save(tmp_path / "plain.tif")
    monkeypatch.setattr(images, "_rasterio", lambda: None)
    out = open_image(tmp_path / "plain.tif", PixelWindow(2, 3, 5, 5))
    assert np.array_equal(np.asarray(out), arr[3:8, 2:7])


def test_open_image_16bit_png_via_pil(tmp_path):
    data = np.linspace(0, 60000, 32 * 32).reshape(32, 32).astype(np.uint16)
    Image.fromarray(data).save(tmp_path / "d16.png")
    out = np.asarray(open_image(tmp_path / "d16.png"))
    assert out.shape == (32, 32, 3) and out.min() == 0 and out.max() == 255


@needs_rasterio
def test_window_outside_image_is_an_input_error(tmp_path):
    Image.fromarray(_gradient()).save(tmp_path / "x.png")
    with pytest.raises(InputError, match="outside"):
        open_image(tmp_path / "x.png", PixelWindow(35, 0, 10, 10))
    tif = _write_tif(tmp_path / "o.tif", np.zeros((1, 10, 10), np.uint8))
    with pytest.raises(InputError, match="outside"):
        open_image(tif, PixelWindow(0, 5, 10, 10))


@pytest.mark.parametrize("name, content", [("notes.jpg", b"hello, not a jpeg"), ("empty.png", b"")])
def test_non_image_is_input_error_naming_file(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    with pytest.raises(InputError) as ei:
        open_image(tmp_path / name)
    assert name in str(ei.value)
    assert probe_image(tmp_path / name) is not None


def test_truncated_image_is_input_error_naming_file(tmp_path):
    Image.fromarray(_gradient(200, 200)).save(tmp_path / "full.png")
    data = (tmp_path / "full.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as ei:
        open_image(tmp_path / "cut.png")
    assert "cut.png" in str(ei.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        open_image(tmp_path / "nope.png")


def _png_header_only(path, width, height):
    """A tiny file whose header claims width x height (1-bit grey): a decompression bomb."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b""))
    return path


def test_decompression_bomb_header_is_refused(tmp_path):
    bomb = _png_header_only(tmp_path / "bomb.png", 100_000, 100_000)
    assert bomb.stat().st_size < 200
    with pytest.raises(InputError) as ei:
        open_image(bomb)
    assert "bomb.png" in str(ei.value) and "too large" in str(ei.value)
    assert "too large" in probe_image(bomb)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_decompression_bomb_between_limit_and_twice_limit(tmp_path, monkeypatch):
    # PIL only *warns* between 1x and 2x its limit; we still refuse.
    Image.fromarray(_gradient(40, 30)).save(tmp_path / "x.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # 1200 pixels: warning zone
    with pytest.raises(InputError, match="too large"):
        open_image(tmp_path / "x.png")
    with pytest.raises(InputError, match="too large"):
        image_size(tmp_path / "x.png")


def _jpeg_with_gps(path, lat_ref, lat, lon_ref, lon):
    exif = Image.Exif()
    exif[images.GPS_IFD] = {1: lat_ref, 2: lat, 3: lon_ref, 4: lon}
    Image.new("RGB", (16, 16), "green").save(path, exif=exif)
    return path


def test_read_exif_gps_south_east_rationals(tmp_path):
    lat = (IFDRational(33, 1), IFDRational(51, 1), IFDRational(3036, 100))  # 33 51' 30.36"
    p = _jpeg_with_gps(tmp_path / "g.jpg", "S", lat, "E", (151.0, 12.0, 30.0))
    got = read_exif_gps(p)
    assert got.lat == pytest.approx(-(33 + 51 / 60 + 30.36 / 3600), abs=1e-9)
    assert got.lon == pytest.approx(151 + 12 / 60 + 30 / 3600, abs=1e-9)


def test_read_exif_gps_north_west(tmp_path):
    p = _jpeg_with_gps(tmp_path / "g.jpg", "N", (40.0, 26.0, 46.0), "W", (79.0, 58.0, 56.0))
    got = read_exif_gps(p)
    assert got == LatLon(pytest.approx(40.446111, abs=1e-6), pytest.approx(-79.982222, abs=1e-6))


def test_read_exif_gps_absent_or_unusable(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.jpg")
    assert read_exif_gps(tmp_path / "plain.jpg") is None
    zero = _jpeg_with_gps(tmp_path / "z.jpg", "N", (0.0, 0.0, 0.0), "E", (0.0, 0.0, 0.0))
    assert read_exif_gps(zero) is None  # cameras without a fix write zeros
    bad = _jpeg_with_gps(tmp_path / "b.jpg", "N", (95.0, 0.0, 0.0), "E", (10.0, 0.0, 0.0))
    assert read_exif_gps(bad) is None
    (tmp_path / "junk.jpg").write_bytes(b"junk")
    assert read_exif_gps(tmp_path / "junk.jpg") is None


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 CW on display
    Image.new("RGB", (40, 20)).save(tmp_path / "o.jpg", exif=exif)
    assert open_image(tmp_path / "o.jpg").size == (20, 40)


def test_open_image_min_side_decodes_big_jpegs_smaller(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (2000, 1500), (120, 60, 30)).save(path, quality=90)
    full = open_image(path)
    reduced = open_image(path, min_side=300)
    assert full.size == (2000, 1500)
    assert 300 <= min(reduced.size) < 1500  # JPEG draft scale: 1/2, 1/4 ... but never below min_side
    assert reduced.size[0] / reduced.size[1] == pytest.approx(2000 / 1500, rel=0.01)


def test_thumbnail_fits_the_box_from_a_reduced_jpeg_decode(tmp_path):
    path = tmp_path / "big.jpg"
    Image.new("RGB", (2400, 1600), (40, 90, 160)).save(path, quality=90)
    thumb = thumbnail(path, 192)
    assert thumb.size == (192, 128) and thumb.mode == "RGB"
    assert thumb.getpixel((96, 64)) == pytest.approx((40, 90, 160), abs=3)
    with pytest.raises(InputError):
        thumbnail(tmp_path / "missing.jpg", 192)


# A 24x16 RGB TIFF whose StripOffsets tag is typed ASCII (mutated by the nightly fuzz run): Pillow's
# decoder raised TypeError out of open_image instead of a sentence naming the file.
_ASCII_OFFSETS_TIFF = (
    "eNrz9NRi4GBgYOBiYGBkYWAEsiSAmBHKFgBiJkZmBmYg3QbEzEA2SByE2aBsJiAWZGQCs3uAWBQqDtIjhmSOOJTdwMLAIINkDghwgCEDIxMzCysbOwcn"
    "FzcPLx+/gKCQsIiomLiEpJS0jKycvIKikrKKqpq6hqaWto6unr6BoZGxiamZuYWllbWNrZ29g6OTs4urm7uHp5e3j6+ff0BgUHBIaFh4RGRUdExsXHxC"
    "YlJySmpaekZmVnZObl5+QWFRcUlpWXlFZVV1TW1dfUNjU3NLa1t7R2dXd09vX/+EiZMmT5k6bfqMmbNmz5k7b/6ChYsWL1m6bPmKlatWr1m7bv2GjZs2"
    "b9m6bfuOnbt279m7b/+Bg4cOHzl67PiJk6dOnzl77vyFi5cuX7l67fqNm7du37l77/6Dh48eP3n67PmLl69ev3n77v2Hj58+f/n67fuPn79GvT7q9VGv"
    "D7DXAUd7GEY=")


def test_tiff_with_a_mistyped_strip_offsets_tag_is_an_input_error(tmp_path, monkeypatch):
    import base64

    path = tmp_path / "photo.tif"
    path.write_bytes(zlib.decompress(base64.b64decode(_ASCII_OFFSETS_TIFF)))
    monkeypatch.setattr(images, "_rasterio", lambda: None)  # the PIL route, where the TypeError came from
    with pytest.raises(InputError, match="photo.tif.*corrupt image data"):
        open_image(path)
