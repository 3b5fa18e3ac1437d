"""Property tests of an MBTiles package's `format` value (formats37: core/sources/mbtiles.read_info), propfuzz37.

Any `format` a writer leaves (an image name in any case and spacing, a media type, a vector name, a name outside
the spec such as "png8" or "tiff", none, NULL, a BLOB or a number) beside any first stored tile (PNG, JPEG, WebP,
vector data, junk, no bytes, a NULL row first, a tile stored as TEXT or a number): read_info raises only
InputError naming the package, vector tiles are always refused, a declared image format is kept, and an odd or
missing one is the first tile's format (an odd one with no image to tell it by is refused; a missing one is None).
"""

from __future__ import annotations

import gzip
import io
import sqlite3

import pytest
from hypothesis import example, given, strategies as st
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.sources import mbtiles as mb

from .prop_profile import prop


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 200, 30)).save(buf, format=fmt)
    return buf.getvalue()


TILES = {"png": _image("PNG"), "jpg": _image("JPEG"), "webp": _image("WEBP"),
         "pbf": gzip.compress(b"\x1a\x05layer"), "junk": b"\x00\x01junk", "empty": b""}
NAMES = ["png", "jpg", "jpeg", "webp", "avif", "image/png", "image/jpeg", "image/jpg", "image/webp", "pbf", "mvt",
         "application/x-protobuf", "application/vnd.mapbox-vector-tile", "png8", "png256", "jpeg-q85", "tiff", "grid",
         "", "none"]
formats = st.one_of(
    st.none(),  # no row at all
    st.just(None).map(lambda _: ("NULL",)),
    st.tuples(st.sampled_from(NAMES), st.sampled_from([str, str.upper, str.title]),
              st.sampled_from(["", " ", "\t", "\n"])).map(lambda t: t[2] + t[1](t[0]) + t[2]),
    st.binary(max_size=6).map(lambda b: ("BLOB", b)),
    st.integers(-5, 5).map(lambda i: ("INT", i)),
    st.text(max_size=12),
)
first_tiles = st.one_of(st.sampled_from(sorted(TILES)).map(lambda k: TILES[k]),
                        st.text(max_size=8), st.integers(0, 9), st.binary(max_size=16))


def _write(path, fmt, tiles, null_first):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value)")
    db.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data)")
    if fmt is not None:
        value = None if fmt == ("NULL",) else fmt[1] if isinstance(fmt, tuple) else fmt
        db.execute("INSERT INTO metadata VALUES ('format', ?)", (value,))
    if null_first:
        db.execute("INSERT INTO tiles VALUES (3, 0, 0, NULL)")
    for i, data in enumerate(tiles):
        db.execute("INSERT INTO tiles VALUES (3, ?, 1, ?)", (i, data))
    db.commit()
    db.close()


def _declared(fmt):
    if fmt is None or fmt == ("NULL",):
        return None
    text = str(fmt[1]) if isinstance(fmt, tuple) else fmt
    text = text.strip().lower()
    return mb._MEDIA_TYPES.get(text, text) or None


def _told(data):
    from geolocator.core.sources.package import image_format

    return image_format(data) if isinstance(data, bytes) else None


@given(formats, first_tiles, st.booleans())
@example(None, "", False)  # no format, a first tile stored as TEXT: TypeError from bytes(str) (found here)
@prop(150, fixtures=True)
def test_any_format_value_beside_any_first_tile(tmp_path, fmt, first, null_first):
    path = tmp_path / "a.mbtiles"
    path.unlink(missing_ok=True)
    _write(path, fmt, [first, TILES["png"]], null_first)
    declared = _declared(fmt)
    try:
        info = mb.read_info(path)
    except InputError as exc:
        assert str(path) in str(exc)
        assert declared in mb.VECTOR_FORMATS or (declared not in mb.IMAGE_FORMATS and declared is not None
                                                 and _told(first) is None), (fmt, str(exc))
        return
    assert declared not in mb.VECTOR_FORMATS
    if declared in mb.IMAGE_FORMATS:
        assert info.format == declared
    else:
        assert info.format == _told(first)
    assert info.zooms == (3,)


# --- the failing inputs, as plain regression tests ---------------------------------------------------------------

def test_a_first_tile_stored_as_text_is_no_image_not_a_type_error(tmp_path):
    # was: TypeError ("string argument without an encoding") out of read_info, format missing, first tile TEXT ''
    path = tmp_path / "a.mbtiles"
    _write(path, None, ["", TILES["png"]], False)
    assert mb.read_info(path).format is None
    _write(tmp_path / "b.mbtiles", "png8", ["iVBORw0KGgo="], False)  # base64 text: no image to tell "png8" by
    with pytest.raises(InputError, match="its metadata 'format' is 'png8' and its first tile is not an image"):
        mb.read_info(tmp_path / "b.mbtiles")


@pytest.mark.parametrize("value", ["iVBORw0KGgo=", -1, 10**12])
def test_a_tile_stored_as_text_or_a_number_reads_as_bytes_no_decoder_takes(tmp_path, value):
    # was: read_tile raised TypeError (text), ValueError (-1: "negative count"), or allocated 10**12 zero bytes
    from geolocator.core.sources import gpkg
    from geolocator.core.sources.package import decode_tile

    path = tmp_path / "a.mbtiles"
    _write(path, "png", [value], False)
    data = mb.read_tile(path, "3/0/6")  # row 1 of zoom 3 is XYZ row 6
    assert data == str(value).encode()
    with pytest.raises(InputError, match="3/0/6"):
        decode_tile(data, path, "3/0/6")
    gp = tmp_path / "a.gpkg"
    db = sqlite3.connect(gp)
    db.execute("CREATE TABLE t (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data)")
    db.execute("INSERT INTO t VALUES (3, 0, 1, ?)", (value,))
    db.commit()
    db.close()
    assert gpkg.read_tile(gp, "t/3/0/1") == str(value).encode()
