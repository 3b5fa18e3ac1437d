"""Property tests of PMTiles' codecs as pmtiles36 left them (core/sources/pmtiles.py `unpack`, `read_tile`):
any bytes packed with gzip / brotli / zstd (spec v3 §3 compression codes 2-4) or stored (1, 0) read back
exactly, at any size up to MAX_UNPACKED_BYTES; a stream cut short or changed is refused as "corrupt <codec>
data (...)" (a ValueError, an InputError naming the archive and tile through read_tile), never another
exception; and nothing past the limit is ever returned. Settings: tests/prop_profile.py."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
import zstandard
from hypothesis import example, given
from hypothesis import strategies as st

from geolocator.core.errors import InputError
from geolocator.core.sources import pmtiles as pm
from .prop_profile import prop
from .test_pmtiles_compression import packed_archive

CODECS = ("GZIP", "BROTLI", "ZSTD")

# Bytes that compress as real payloads do: runs (a PNG's flat sky) and noise (a JPEG's entropy-coded data).
payloads = st.one_of(
    st.binary(max_size=3000),
    st.lists(st.tuples(st.integers(0, 255), st.integers(1, 4000)), max_size=6).map(
        lambda runs: b"".join(bytes([v]) * n for v, n in runs)),
)


@st.composite
def packed(draw, data=payloads):
    """(codec, payload, packed bytes) as the writers in use pack one blob: each codec at a drawn level,
    gzip with or without a file name and time, zstd with or without its content size and checksum."""
    codec = draw(st.sampled_from(CODECS))
    raw = draw(data)
    if codec == "GZIP":
        blob = gzip.compress(raw, compresslevel=draw(st.integers(0, 9)), mtime=draw(st.sampled_from([0, 1733390000])))
    elif codec == "BROTLI":
        blob = brotli.compress(raw, quality=draw(st.integers(0, 9)), mode=draw(st.sampled_from(
            [brotli.MODE_GENERIC, brotli.MODE_TEXT])))
    else:
        blob = zstandard.ZstdCompressor(level=draw(st.integers(1, 9)), write_content_size=draw(st.booleans()),
                                        write_checksum=draw(st.booleans())).compress(raw)
    return codec, raw, blob


@prop(150)
@given(packed())
def test_any_bytes_packed_with_any_codec_unpack_exactly(case):
    """gzip, brotli and zstd blobs of any content unpack to exactly that content; NONE and UNKNOWN pass
    the bytes through."""
    codec, raw, blob = case
    assert pm.unpack(blob, codec) == raw
    assert pm.unpack(raw, "NONE") == raw == pm.unpack(raw, "UNKNOWN")


@prop(60)
@given(st.binary(max_size=400), st.integers(1, 4), st.sampled_from(["GZIP", "ZSTD"]))
def test_concatenated_members_or_frames_unpack_to_their_whole(raw, parts, codec):
    """gzip members (RFC 1952 §2.2) and zstd frames (RFC 8878 §3.1: "one or more frames") written one
    after another unpack to the concatenation of their contents, as `gzip -d` / `zstd -d` read them."""
    step = max(1, len(raw) // parts)
    pieces = [raw[i:i + step] for i in range(0, len(raw), step)] or [b""]
    pack = (lambda b: gzip.compress(b, mtime=0)) if codec == "GZIP" else zstandard.compress
    assert pm.unpack(b"".join(pack(p) for p in pieces), codec) == raw


@prop(150)
@given(packed(), st.data())
@example(("GZIP", b"x", gzip.compress(b"x", mtime=0)), None)  # cut to nothing: read as b"" before
def test_a_stream_cut_short_is_refused_naming_its_codec(case, data):
    """Any proper prefix of a blob (a download or copy that stopped) is refused with "corrupt <codec>
    data", never returned as shorter content, and never raises anything but that ValueError."""
    codec, raw, blob = case
    cut = 0 if data is None else data.draw(st.integers(0, len(blob) - 1), label="cut")
    with pytest.raises(ValueError, match=f"corrupt {codec.lower()} data"):
        pm.unpack(blob[:cut], codec)


@prop(150)
@given(packed(), st.data())
def test_a_changed_stream_is_refused_or_read_never_another_exception(case, data):
    """Bytes changed anywhere in a blob (a bad sector, a bit flip): the codec either refuses them with
    the named ValueError or unpacks something (brotli carries no checksum; a flipped literal may decode),
    and that something is never more than the limit."""
    codec, raw, blob = case
    spots = data.draw(st.lists(st.tuples(st.integers(0, len(blob) - 1), st.integers(1, 255)), min_size=1,
                               max_size=3), label="xor")
    changed = bytearray(blob)
    for at, mask in spots:
        changed[at] ^= mask
    try:
        out = pm.unpack(bytes(changed), codec)
    except ValueError as exc:
        assert f"corrupt {codec.lower()} data" in str(exc) or "unpacks to over" in str(exc)
    else:
        assert len(out) <= pm.MAX_UNPACKED_BYTES


@prop(80)
@given(st.sampled_from(CODECS), st.integers(0, 9000), st.booleans())
@example("BROTLI", 4097, False)
@example("ZSTD", 4097, True)
@example("GZIP", 4096, False)
def test_the_size_limit_holds_at_every_size(monkeypatch_limit, codec, size, noisy):
    """With the limit at 4096 bytes (and the codecs' steps below it, as with the real 256 MB and 1 MB /
    512 B steps): content of up to 4096 bytes reads back, one byte more is refused as a decompression
    bomb, for every codec and whatever the content compresses to."""
    raw = (bytes(range(256)) * 40)[:size] if noisy else b"\x00" * size
    blob = {"GZIP": lambda b: gzip.compress(b, mtime=0), "BROTLI": brotli.compress,
            "ZSTD": zstandard.compress}[codec](raw)
    if size <= 4096:
        assert pm.unpack(blob, codec) == raw
    else:
        with pytest.raises(ValueError, match=f"{codec.lower()} data unpacks to over"):
            pm.unpack(blob, codec)


@pytest.fixture(scope="module")
def monkeypatch_limit():
    mp = pytest.MonkeyPatch()
    mp.setattr(pm, "MAX_UNPACKED_BYTES", 4096)
    mp.setattr(pm, "_OUT_STEP", 1000)
    mp.setattr(pm, "_IN_STEP", 8)
    yield
    mp.undo()


@prop(40)
@given(st.sampled_from(CODECS), st.binary(min_size=1, max_size=200), st.integers(0, 1000))
@example("BROTLI", b"\x1a", 0)  # one byte of junk that is a whole brotli stream (nightly)
def test_read_tile_names_the_archive_and_tile_for_any_bad_tile_data(tmp_path_factory, codec, junk, cut):
    """Any tile bytes in an archive that says they are <codec>: read_tile gives the content or an
    InputError whose message names the tile and the codec; nothing else escapes."""
    from pmtiles.tile import Compression

    folder = tmp_path_factory.mktemp("tile")
    good = {"GZIP": lambda b: gzip.compress(b, mtime=0), "BROTLI": brotli.compress,
            "ZSTD": zstandard.compress}[codec](junk)
    blob = (junk if cut % 3 == 0 else good[:cut % len(good)] if cut % 3 == 1 else good)
    path = packed_archive(folder / "a.pmtiles", {(0, 0, 0): blob}, internal="GZIP", tile_comp="NONE")
    raw = bytearray(path.read_bytes())
    raw[98] = Compression[codec].value  # the header's tile compression byte (spec v3 §3, offset 98)
    path.write_bytes(bytes(raw))
    pm._pool.close_all()  # a path reused by the next example is another file
    try:
        out = pm.read_tile(path, "0/0/0")
    except InputError as exc:
        assert exc.path == path and "tile 0/0/0" in exc.problem and codec.lower() in exc.problem
    else:  # a whole stream reads back; junk or a cut may happen to be a valid stream (b"\x1a" is brotli)
        assert out == junk if blob is good else out is not None
    finally:
        pm._pool.close_all()


def test_zlib_stream_without_gzip_header_is_named():
    """A raw zlib stream (not gzip's wrapper) labelled GZIP is refused by name, not read."""
    with pytest.raises(ValueError, match="corrupt gzip data"):
        pm.unpack(zlib.compress(b"x" * 100), "GZIP")


@prop(40)
@given(st.sampled_from(["GZIP", "BROTLI", "ZSTD", "NONE"]), st.sampled_from(["root", "metadata"]), st.data())
def test_a_damaged_directory_or_metadata_block_is_an_input_error(tmp_path_factory, internal, part, data):
    """Bytes changed or cut in an archive's root directory or metadata, packed with any codec: reading it
    (read_info, load, read_tile) gives its tiles or an InputError naming the archive, never another
    exception (a damaged directory was read through the pmtiles package's deserialiser)."""
    from geolocator.core.sources.tile_image import load_package

    folder = tmp_path_factory.mktemp("dir")
    path = packed_archive(folder / "a.pmtiles", {(2, x, y): b"t%d%d" % (x, y) for x in range(3) for y in range(2)},
                          internal=internal, tile_comp="NONE", tile_type="PNG")
    raw = bytearray(path.read_bytes())
    header = pm._Archive(path).header
    pm._pool.close_all()
    start, length = ((header["root_offset"], header["root_length"]) if part == "root"
                     else (header["metadata_offset"], header["metadata_length"]))
    for at, mask in data.draw(st.lists(st.tuples(st.integers(0, length - 1), st.integers(1, 255)), min_size=1,
                                       max_size=3), label="xor"):
        raw[start + at] ^= mask
    path.write_bytes(bytes(raw))
    try:
        tiles = load_package(path)
        for t in tiles.tiles:
            pm.read_tile(path, t.ref)
    except InputError as exc:
        assert exc.path == path
    finally:
        pm._pool.close_all()


def test_a_gzipped_directory_is_held_to_the_size_limit(tmp_path, monkeypatch):
    """Directories compressed with gzip (the writers' default) went to the pmtiles package's gzip.decompress,
    which unpacks whatever a few bytes say: a gzip bomb of a directory was read whole. With the limit set to
    a few bytes, the root directory is refused as the codecs refuse tiles."""
    from geolocator.core.sources.tile_image import load_package

    path = packed_archive(tmp_path / "a.pmtiles", {(1, x, y): b"t" for x in range(2) for y in range(2)},
                          internal="GZIP", tile_comp="NONE")
    monkeypatch.setattr(pm, "MAX_UNPACKED_BYTES", 8)
    monkeypatch.setattr(pm, "_OUT_STEP", 4)
    pm._pool.close_all()
    try:
        with pytest.raises(InputError, match="gzip data unpacks to over"):
            load_package(path)
    finally:
        pm._pool.close_all()
