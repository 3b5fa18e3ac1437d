"""MBTiles whose metadata `format` is not one of the spec's names (formats37): the tiles' own bytes
say what they are; only a package whose first tile is no image geolocator decodes is refused."""

import io
import sqlite3

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.sources import mbtiles
from geolocator.core.sources.package import decode_tile, image_format


def _image(kind: str) -> bytes:
    rng = np.random.default_rng(3)
    im = Image.fromarray(rng.integers(0, 255, (256, 256, 3), dtype=np.uint8))
    buf = io.BytesIO()
    if kind == "png8":  # an 8-bit palette PNG, what "png8" writers store
        im.quantize(64).save(buf, "PNG")
    else:
        im.save(buf, {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}[kind])
    return buf.getvalue()


def _package(path, fmt, data):
    w = mbtiles.MBTilesWriter(path, fmt="png")
    w.put(5, 10, 12, data)
    w.close()
    with sqlite3.connect(path) as db:
        if fmt is None:
            db.execute("DELETE FROM metadata WHERE name = 'format'")
        else:
            db.execute("UPDATE metadata SET value = ? WHERE name = 'format'", (fmt,))
    return path


@pytest.mark.parametrize("declared, kind, told", [
    ("png8", "png8", "png"), ("PNG8", "png8", "png"), ("png256", "png8", "png"), ("jpeg-q85", "jpg", "jpg"),
    ("tiff", "jpg", "jpg"), (None, "webp", "webp"), (None, "png8", "png"), ("jpeg", "jpg", "jpeg"),
    ("JPEG", "jpg", "jpeg"), ("jpg", "jpg", "jpg"), ("webp", "webp", "webp"), ("image/png", "png", "png"),
])
def test_a_package_is_read_by_its_tiles_whatever_its_metadata_calls_them(tmp_path, declared, kind, told):
    # "png8" (and other names outside MBTiles 1.3) refused the package: "its tiles are 'png8', not imagery"
    path = _package(tmp_path / "a.mbtiles", declared, _image(kind))
    info = mbtiles.read_info(path)
    assert info.format == told
    tiles = mbtiles.load(path, zoom=5)
    assert [t.ref for t in tiles.tiles] == ["5/10/12"]
    assert decode_tile(mbtiles.read_tile(path, "5/10/12"), path, "5/10/12").size == (256, 256)


@pytest.mark.parametrize("declared", ["png8", "tiff"])
def test_an_odd_format_whose_first_tile_is_no_image_is_refused_naming_both(tmp_path, declared):
    path = _package(tmp_path / "a.mbtiles", declared, b"\x1f\x8b\x08\x00 gzipped vector tile")
    with pytest.raises(InputError) as err:
        mbtiles.read_info(path)
    assert err.value.path == path
    assert err.value.problem == (f"its metadata 'format' is {declared!r} and its first tile is not an image "
                                 "geolocator reads (geolocator needs png, jpg, webp or avif tiles)")


def test_no_format_and_a_tile_that_is_no_image_is_left_to_the_tile_decoder(tmp_path):
    # format is optional (before MBTiles 1.3): the package is listed, the tile refused when decoded, as before
    path = _package(tmp_path / "a.mbtiles", None, b"not an image")
    assert mbtiles.read_info(path).format is None
    with pytest.raises(InputError, match="tile 5/10/12: not an image"):
        decode_tile(mbtiles.read_tile(path, "5/10/12"), path, "5/10/12")


def test_an_empty_package_without_format_is_not_refused_at_its_metadata(tmp_path):
    path = tmp_path / "a.mbtiles"
    mbtiles.MBTilesWriter(path).close()
    with sqlite3.connect(path) as db:
        db.execute("DELETE FROM metadata WHERE name = 'format'")
    info = mbtiles.read_info(path)
    assert info.format is None and info.zooms == ()


@pytest.mark.parametrize("declared", ["pbf", "mvt", "application/x-protobuf", "application/vnd.mapbox-vector-tile"])
def test_vector_tiles_said_so_are_refused_by_name_without_a_look_at_the_tiles(tmp_path, declared):
    path = _package(tmp_path / "a.mbtiles", declared, _image("png"))
    with pytest.raises(InputError) as err:
        mbtiles.read_info(path)
    assert err.value.problem == f"its tiles are {declared!r}, not imagery (geolocator needs png, jpg, webp or avif tiles)"


@pytest.mark.parametrize("kind, told", [("png8", "png"), ("jpg", "jpg"), ("webp", "webp")])
def test_image_format_tells_tiles_by_their_signature(kind, told):
    assert image_format(_image(kind)) == told
    assert image_format(b"") is None and image_format(None) is None and image_format(b"GIF8 nope") is None
