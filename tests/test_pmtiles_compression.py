"""PMTiles v3 archives whose directories, metadata and tiles are compressed with brotli or zstd (spec v3
§3 "Compression" codes 3 and 4), or stored uncompressed (1): read with the `brotli` and `zstandard`
packages (pmtiles36). Before, such archives were refused ("... compressed with BROTLI, which geolocator
cannot unpack", "PMTiles directories compressed with ZSTD are not supported (gzip is)").

The archives are laid out here from the `pmtiles` package's own directory and header serialisers: its
writer always gzips directories and metadata, so each serialised directory is gunzipped and packed
again with the codec under test, and the tiles are packed one by one.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import brotli
import numpy as np
import pytest
import zstandard
from PIL import Image, features

from geolocator.core.errors import InputError
from geolocator.core.model import Tile
from geolocator.core.sources import pmtiles as pm
from geolocator.core.sources.tile_image import load_package, open_tile_image

PACK = {
    "NONE": lambda b: b,
    "UNKNOWN": lambda b: b,  # tile compression 0: stored as is (go-pmtiles convert writes it over images)
    "GZIP": lambda b: gzip.compress(b, mtime=0),
    "BROTLI": lambda b: brotli.compress(b, quality=5),  # 11, the default, took ~1 s a PNG archive
    "ZSTD": zstandard.compress,
    # a frame whose header leaves out the content size (zstandard.decompress refuses those)
    "ZSTD_NOSIZE": lambda b: zstandard.ZstdCompressor(write_content_size=False).compress(b),
}


def packed_archive(path: Path, tiles: dict, *, tile_type: str = "PNG", internal: str = "BROTLI",
                   tile_comp: str = "BROTLI", leaf_size: int | None = None, metadata=None) -> Path:
    """A PMTiles v3 archive of `tiles` {(z, x, y): bytes}: directories and metadata packed with
    `internal`, each tile with `tile_comp` (a key of PACK); with `leaf_size`, the entries go into leaf
    directories of that many entries under the root (the layout of a large archive)."""
    from pmtiles.tile import Compression, Entry, TileType, serialize_directory, serialize_header, zxy_to_tileid

    def directory(entries):
        return PACK[internal](gzip.decompress(serialize_directory(entries)))

    blobs, entries, offset = [], [], 0
    for tid, tile in sorted((zxy_to_tileid(*k), v) for k, v in tiles.items()):
        blob = PACK[tile_comp](tile)
        entries.append(Entry(tid, offset, len(blob), 1))
        blobs.append(blob)
        offset += len(blob)
    data = b"".join(blobs)
    leaves = b""
    if leaf_size is None:
        root = directory(entries)
    else:
        root_entries = []
        for i in range(0, len(entries), leaf_size):
            leaf = directory(entries[i:i + leaf_size])
            root_entries.append(Entry(entries[i].tile_id, len(leaves), len(leaf), 0))
            leaves += leaf
        root = directory(root_entries)
    meta = PACK[internal](json.dumps({"attribution": "(c) packed", "name": "Packed"} if metadata is None
                                     else metadata).encode())
    zs = [z for z, _, _ in tiles]
    code = {"ZSTD_NOSIZE": "ZSTD"}
    h = {
        "root_offset": 127, "root_length": len(root), "metadata_offset": 127 + len(root),
        "metadata_length": len(meta), "leaf_directory_offset": 127 + len(root) + len(meta),
        "leaf_directory_length": len(leaves), "tile_data_offset": 127 + len(root) + len(meta) + len(leaves),
        "tile_data_length": len(data), "addressed_tiles_count": len(tiles), "tile_entries_count": len(entries),
        "tile_contents_count": len(entries), "clustered": True,
        "internal_compression": Compression[code.get(internal, internal)],
        "tile_compression": Compression[code.get(tile_comp, tile_comp)], "tile_type": TileType[tile_type],
        "min_zoom": min(zs), "max_zoom": max(zs), "min_lon_e7": -1800000000, "min_lat_e7": -850000000,
        "max_lon_e7": 1800000000, "max_lat_e7": 850000000, "center_zoom": min(zs), "center_lon_e7": 0,
        "center_lat_e7": 0,
    }
    path.write_bytes(serialize_header(h) + root + meta + leaves + data)
    return path


def _image(fmt: str, seed: int, size: int = 256) -> tuple[bytes, np.ndarray]:
    """An encoded `fmt` tile of smooth noise and the pixels it decodes to."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    image = Image.fromarray(small).resize((size, size), Image.Resampling.BILINEAR)
    buf = io.BytesIO()
    image.save(buf, fmt, **({"lossless": True} if fmt == "WEBP" else {}))
    data = buf.getvalue()
    return data, np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


FORMATS = [("PNG", "PNG", "png"), ("JPEG", "JPEG", "jpg"), ("WEBP", "WEBP", "webp"), ("AVIF", "AVIF", "avif")]
# every image type with brotli and zstd throughout; the other pairings (directories one way, tiles another,
# as tippecanoe-style writers do: gzip or zstd directories over uncompressed images) with PNG tiles
CASES = [(*f, c, c) for f in FORMATS for c in ("BROTLI", "ZSTD")] + [
    (*FORMATS[0], internal, tiles) for internal, tiles in [("ZSTD", "ZSTD_NOSIZE"), ("NONE", "NONE"), ("BROTLI", "NONE"),
                                                           ("ZSTD", "GZIP"), ("GZIP", "BROTLI"), ("NONE", "ZSTD"),
                                                           ("ZSTD", "NONE")]]


@pytest.mark.parametrize("tile_type, pil_format, fmt, internal, tile_comp", CASES)
def test_compressed_archives_of_each_image_type_open(tmp_path, internal, tile_comp, tile_type, pil_format, fmt):
    if fmt == "avif" and not features.check("avif"):
        pytest.skip("this Pillow has no AVIF codec")
    made = {(1, x, y): _image(pil_format, 10 * x + y) for x in range(2) for y in range(2)}
    p = packed_archive(tmp_path / "a.pmtiles", {k: d for k, (d, _) in made.items()}, tile_type=tile_type,
                       internal=internal, tile_comp=tile_comp)
    info = pm.read_info(p)
    assert (info.format, info.zooms, info.attribution, info.name) == (fmt, (1,), "(c) packed", "Packed")
    ts = load_package(p)
    assert [t.id for t in ts.tiles] == ["1/0/0", "1/0/1", "1/1/0", "1/1/1"]
    for t in ts.tiles:
        z, x, y = map(int, t.id.split("/"))
        assert pm.read_tile(p, t.ref) == made[(z, x, y)][0]
        assert np.array_equal(np.asarray(open_tile_image(t)), made[(z, x, y)][1])
    assert pm.read_tile(p, "1/5/5") is None


@pytest.mark.parametrize("internal", ["BROTLI", "ZSTD", "NONE"])
def test_compressed_leaf_directories_are_walked(tmp_path, internal):
    """A large archive's layout: root -> leaf directories, each packed with the archive's codec; the
    listing of one zoom and the look-up of a tile go through them."""
    tiles = {(z, x, y): f"{z}/{x}/{y}".encode() for z in (3, 4) for x in range(2**z) for y in range(2**z)}
    p = packed_archive(tmp_path / "l.pmtiles", tiles, internal=internal, tile_comp="ZSTD", leaf_size=7)
    for z in (3, 4):
        listed = pm.load(p, zoom=z).tiles
        assert sorted(t.id for t in listed) == sorted(f"{z}/{x}/{y}" for (zz, x, y) in tiles if zz == z)
    assert all(pm.read_tile(p, f"{z}/{x}/{y}") == data for (z, x, y), data in tiles.items())


def test_damaged_compressed_data_is_named_with_its_codec(tmp_path):
    good = {(1, 0, 0): b"one", (1, 1, 1): b"two"}
    p = packed_archive(tmp_path / "b.pmtiles", good, tile_comp="BROTLI")
    raw = bytearray(p.read_bytes())
    raw[-3:] = b"\xff\xff\xff"  # the end of the last tile's brotli stream (1/1/1 has the higher tile id)
    bad = tmp_path / "bad_tile.pmtiles"
    bad.write_bytes(bytes(raw))
    e = _err(pm.read_tile, bad, "1/1/1")
    assert e.path == bad and e.problem.startswith("tile 1/1/1: corrupt brotli data (")
    z = packed_archive(tmp_path / "z.pmtiles", good, internal="ZSTD", tile_comp="ZSTD")
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(z.read_bytes()[:-2])  # the last tile's frame loses its end
    # the file cut short is said as such, with the byte the tile runs to (trial37; before: "corrupt zstd data")
    assert _err(pm.read_tile, cut, "1/1/1").problem.endswith("(cut short: copy it again)")
    assert pm.read_tile(cut, "1/0/0") == b"one"
    # a root directory that is not brotli: the listing and the look-up say the directory is damaged
    d = packed_archive(tmp_path / "d.pmtiles", good)
    raw = bytearray(d.read_bytes())
    raw[127:130] = b"\xff\xff\xff"
    d.write_bytes(bytes(raw))
    assert _err(pm.load, d).problem.startswith("damaged PMTiles directory (corrupt brotli data (")
    assert _err(pm.read_tile, d, "1/0/0").problem.startswith("tile 1/0/0: damaged PMTiles directory (corrupt brotli")


def test_metadata_that_does_not_unpack_leaves_the_tiles_usable(tmp_path):
    p = packed_archive(tmp_path / "m.pmtiles", {(0, 0, 0): b"x"}, internal="ZSTD", tile_comp="NONE")
    h = pm._pool.get(p).header
    raw = bytearray(p.read_bytes())
    raw[h["metadata_offset"]:h["metadata_offset"] + 4] = b"\0\0\0\0"  # no zstd frame magic
    q = tmp_path / "q.pmtiles"
    q.write_bytes(bytes(raw))
    info = pm.read_info(q)
    assert (info.attribution, info.name, info.zooms) == (None, None, (0,))
    assert pm.read_tile(q, "0/0/0") == b"x"


@pytest.mark.parametrize("byte, code, problem", [
    (97, 5, "its directories are compressed with an unknown method (code 5; PMTiles v3 defines 0-4: unknown, none, "
            "gzip, brotli, zstd)"),
    (98, 9, "its tiles are compressed with an unknown method (code 9; PMTiles v3 defines 0-4: unknown, none, gzip, "
            "brotli, zstd)"),
    (99, 200, "its tiles are of an unknown type (code 200; PMTiles v3 defines 0-6)"),
    (99, 7, "its tiles are of an unknown type (code 7; PMTiles v3 defines 0-6)"),  # the first past MLT (PM10)
])
def test_a_compression_or_tile_type_the_spec_does_not_define_is_named(tmp_path, byte, code, problem):
    """Before: "damaged PMTiles header (5 is not a valid Compression)", the package's enum error."""
    p = packed_archive(tmp_path / "ok.pmtiles", {(0, 0, 0): b"x"})
    raw = bytearray(p.read_bytes())
    raw[byte] = code
    q = tmp_path / "odd.pmtiles"
    q.write_bytes(bytes(raw))
    e = _err(pm.read_info, q)
    assert (e.path, e.problem) == (q, problem)
    tile = Tile(id="0/0/0", path=q, bounds=pm.read_info(p).bounds, ref="0/0/0")
    assert _err(open_tile_image, tile).problem == problem


def test_unpack_codecs_and_refusal():
    for name in ("GZIP", "BROTLI", "ZSTD", "NONE"):
        assert pm.unpack(PACK[name](b"abc" * 50), name) == b"abc" * 50
    assert pm.unpack(PACK["ZSTD_NOSIZE"](b"abc" * 50), "ZSTD") == b"abc" * 50
    assert pm.unpack(b"\x89PNG", "UNKNOWN") == b"\x89PNG"
    with pytest.raises(ValueError, match="^corrupt gzip data"):
        pm.unpack(b"\x1f\x8b garbage", "GZIP")
    with pytest.raises(ValueError, match="^unknown PMTiles compression 'LZ4'$"):
        pm.unpack(b"x", "LZ4")


@pytest.mark.parametrize("tile_type, pil_format, fmt", FORMATS)
def test_an_archive_of_unknown_tile_type_is_read_by_its_first_tiles_format(tmp_path, tile_type, pil_format, fmt):
    """Regression (pmtiles36): go-pmtiles' `pmtiles convert` of an MBTiles whose `format` is "jpeg",
    "image/jpeg" or missing writes tile type 0 (unknown) and tile compression 0 over plain images; such
    an archive was refused ("its tiles are UNKNOWN, not imagery"). Its first tile (in leaves here, as in
    a large archive) now tells the format, and every tile opens."""
    if fmt == "avif" and not features.check("avif"):
        pytest.skip("this Pillow has no AVIF codec")
    made = {(2, x, y): _image(pil_format, 7 * x + y, size=64) for x in range(2) for y in range(2)}
    p = packed_archive(tmp_path / "u.pmtiles", {k: d for k, (d, _) in made.items()}, tile_type="UNKNOWN",
                       internal="GZIP", tile_comp="UNKNOWN", leaf_size=2)
    assert pm.read_info(p).format == fmt
    ts = load_package(p)
    assert len(ts.tiles) == 4
    for t in ts.tiles:
        z, x, y = map(int, t.id.split("/"))
        assert np.array_equal(np.asarray(open_tile_image(t)), made[(z, x, y)][1])


def test_an_archive_of_unknown_tile_type_whose_first_tile_is_no_image_is_refused(tmp_path):
    vector = packed_archive(tmp_path / "v.pmtiles", {(0, 0, 0): b"\x1a\x05layer"}, tile_type="UNKNOWN",
                            internal="GZIP", tile_comp="GZIP")  # a gzipped vector tile, as an MVT set holds
    e = _err(pm.read_info, vector)
    assert (e.path, e.problem) == (vector, "its header leaves the tile type unknown (0) and its first tile, 0/0/0, "
                                           "is not an image geolocator reads (png, jpg, webp or avif)")
    empty = packed_archive(tmp_path / "e.pmtiles", {(0, 0, 0): b"x"}, tile_type="UNKNOWN", internal="GZIP")
    raw = bytearray(empty.read_bytes())
    root = gzip.compress(b"\x00")  # a root directory of no entries
    raw[127:127 + len(root)] = root
    raw[16:24] = len(root).to_bytes(8, "little")
    empty.write_bytes(bytes(raw))
    assert _err(pm.read_info, empty).problem == ("its header leaves the tile type unknown (0) and it holds no tile "
                                                 "to tell it by")


@pytest.mark.parametrize("codec", ["BROTLI", "ZSTD", "ZSTD_NOSIZE", "GZIP"])
def test_a_tile_that_unpacks_past_the_limit_is_refused_before_it_is_all_unpacked(tmp_path, monkeypatch, codec):
    """A few bytes of brotli/zstd/gzip can unpack to gigabytes; each codec is stepped and stopped past
    MAX_UNPACKED_BYTES (256 MB; 1 MB here). Before, a 77-byte brotli tile of 50 MB of zeros was unpacked
    whole (brotli.decompress), and a zstd frame that gives its content size was allocated at that size."""
    monkeypatch.setattr(pm, "MAX_UNPACKED_BYTES", 2**20)
    name = codec.split("_")[0]
    bomb = PACK[codec](bytes(8 * 2**20))
    assert len(bomb) < 2**20 // 8
    p = packed_archive(tmp_path / "b.pmtiles", {(0, 0, 0): bytes(8 * 2**20), (1, 0, 0): bytes(2**20 - 1)},
                       tile_comp=codec)
    e = _err(pm.read_tile, p, "0/0/0")
    assert (e.path, e.problem) == (p, f"tile 0/0/0: {name.lower()} data unpacks to over 1 MB, refused "
                                      "(a decompression bomb?)")
    assert pm.read_tile(p, "1/0/0") == bytes(2**20 - 1)  # just under the limit: read whole


def test_codecs_read_what_their_libraries_write_in_pieces():
    """gzip members one after another are all read (as gzip.decompress does); a stream cut short is named."""
    data = bytes(range(256)) * 5000
    assert pm.unpack(gzip.compress(data[:1000]) + gzip.compress(data[1000:]), "GZIP") == data
    for codec in ("GZIP", "BROTLI", "ZSTD_NOSIZE"):
        packed = PACK[codec](data)
        assert pm.unpack(packed, codec.split("_")[0]) == data
        with pytest.raises(ValueError, match=r"^corrupt (gzip|brotli|zstd) data \("):
            pm.unpack(packed[: len(packed) // 2], codec.split("_")[0])


def test_a_zstd_bomb_is_fed_to_its_decoder_in_small_steps(monkeypatch):
    """zstd's output is bounded only by the input fed: 512 bytes a step (at most ~16 MB out) so that a bomb is
    stopped near MAX_UNPACKED_BYTES, not unpacked whole first (PM18: fed whole, 64 MB came out in one piece)."""
    import zstandard

    real = zstandard.ZstdDecompressor
    pieces: list[int] = []

    class Counting:
        def __init__(self, *a, **kw):
            self.inner = real(*a, **kw)

        def decompressobj(self):
            obj = self.inner.decompressobj()

            class Step:
                def decompress(self, data):
                    out = obj.decompress(data)
                    pieces.append(len(out))
                    return out

                @property
                def eof(self):
                    return obj.eof

            return Step()

    monkeypatch.setattr(pm, "MAX_UNPACKED_BYTES", 2**20)
    monkeypatch.setattr(zstandard, "ZstdDecompressor", Counting)
    bomb = zstandard.ZstdCompressor().compress(bytes(64 * 2**20))
    with pytest.raises(ValueError, match="zstd data unpacks to over 1 MB"):
        pm.unpack(bomb, "ZSTD")
    assert pieces and max(pieces) <= 32 * 2**20


@pytest.mark.parametrize("leaf_size", [None, 1])
def test_an_archive_cut_short_names_the_byte_its_tiles_run_to(tmp_path, leaf_size):
    """A v3 archive copied only in part (trial37): its first tile is read, a tile past the cut is named with
    the byte it runs to and the file's size, as version 2 archives are; before, a tile cut in half read as
    "corrupt image data (image file is truncated)" and one wholly past the end as "not an image"."""
    png = [_image("PNG", seed)[0] for seed in range(3)]
    tiles = {(2, 0, 0): png[0], (2, 1, 1): png[1], (2, 3, 3): png[2]}
    p = packed_archive(tmp_path / "whole.pmtiles", tiles, internal="NONE", tile_comp="NONE", leaf_size=leaf_size)
    raw = p.read_bytes()
    cut = tmp_path / "cut.pmtiles"
    cut.write_bytes(raw[:len(raw) - len(png[2]) - 10])  # 2/1/1 loses its last 10 bytes, 2/3/3 is all gone
    assert pm.read_tile(cut, "2/0/0") == png[0]
    for ref, end in (("2/1/1", len(raw) - len(png[2])), ("2/3/3", len(raw))):
        e = _err(pm.read_tile, cut, ref)
        assert e.path == cut
        assert e.problem == (f"tile {ref}: its bytes run to byte {end:,} but the file holds "
                             f"{len(raw) - len(png[2]) - 10:,} bytes (cut short: copy it again)")
    if leaf_size:  # cut inside the last leaf directory: that leaf is named, not parsed as a damaged one
        data_start = len(raw) - sum(len(b) for b in png)
        cut.write_bytes(raw[:data_start - 3])
        assert _err(pm.read_tile, cut, "2/3/3").problem == (
            f"cut short: a leaf directory runs to byte {data_start:,} but the file holds {data_start - 3:,} bytes "
            "(copy it again)")
