"""PMTiles v3 raster archives, read with the `pmtiles` package (header, metadata, directories,
tile look-up) over a memory map of the file. v1/v2 archives go to pmtiles_v2 (told by their first bytes).

Spec: https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md. Tiles are addressed by a
Hilbert tile id ordered by zoom (all of zoom z come before zoom z+1), which lets the listing of
one zoom level skip every leaf directory that cannot hold it without reading any tile data.
Directories, metadata and tiles may each be stored uncompressed or compressed with gzip, brotli
(the `brotli` package) or zstd (`zstandard`), spec v3 §3 "Compression".
"""

from __future__ import annotations

import gzip
import json
import math
import mmap
import zlib
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..geo import xyz_tile_bounds
from ..model import Bounds, Tile, TileSet
from . import pmtiles_v2
from .package import HandlePool, PackageInfo, image_format, as_int, parse_ref, pick_zoom, web_mercator_tile_m

SUFFIXES = (".pmtiles",)
# spec v3 §3.5 tile types that are imagery; AVIF (0x05) decodes as AVIF photos do (Pillow 11.3+: core/images.py)
_IMAGE_TYPES = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "AVIF": "avif"}
# spec v3 §3 header bytes 97 (internal compression), 98 (tile compression) and 99 (tile type): the codes it defines
_COMPRESSIONS = {0: "UNKNOWN", 1: "NONE", 2: "GZIP", 3: "BROTLI", 4: "ZSTD"}
_TILE_TYPE_COUNT = 7  # 0 unknown .. 6 MLT


class _Corrupt(ValueError):
    """Compressed data its codec cannot unpack (the message names the codec and its complaint)."""


# The most bytes one directory, metadata block or tile may unpack to: the biggest image the decoder takes
# (images.DECODE_BUDGET_PIXELS, 64 MP) as an uncompressed RGBA PNG, with room. A few bytes of brotli or zstd
# unpack to gigabytes ("decompression bombs"); each codec below is stepped and stopped past this.
MAX_UNPACKED_BYTES = 256 * 2**20
_OUT_STEP = 2**20  # output asked for per step (brotli, gzip)
_IN_STEP = 512  # zstd input fed per step: its output is at most ~128 KiB a 4-byte block, ~16 MB a step


def _bomb(name: str) -> _Corrupt:
    return _Corrupt(f"{name} data unpacks to over {MAX_UNPACKED_BYTES // 2**20} MB, refused (a decompression bomb?)")


def _zstd(data: bytes) -> bytes:
    import zstandard

    # a decompressobj, not zstandard.decompress: that refuses frames whose header leaves out the content
    # size, and for those that give it, it allocates whatever they say. One per frame: zstd data is "one or
    # more frames" (RFC 8878 §3.1, as `zstd -d` and gzip's members read it); a decompressobj stops at the
    # first frame's end, and the frames after it were dropped without a word
    pieces, size, rest = [], 0, bytes(data)
    while True:
        unpacker = zstandard.ZstdDecompressor().decompressobj()
        for start in range(0, len(rest), _IN_STEP):
            pieces.append(unpacker.decompress(rest[start:start + _IN_STEP]))
            size += len(pieces[-1])
            if size > MAX_UNPACKED_BYTES:
                raise _bomb("zstd")
            if unpacker.eof:
                rest = unpacker.unused_data + rest[start + _IN_STEP:]
                break
        if not unpacker.eof:
            raise _Corrupt("corrupt zstd data (truncated frame)")
        if not rest:
            return b"".join(pieces)


def _brotli(data: bytes) -> bytes:
    import brotli

    unpacker = brotli.Decompressor()
    pieces, size, given = [], 0, data
    # past the output limit the rest comes from calls with empty input (brotli 1.2); nothing more: the input
    # ended early. Each piece counted, the first too: brotli rounds the limit up to its ~32 KiB window, so a
    # first call may already hold all of a small limit's worth and more
    while True:
        pieces.append(unpacker.process(given, output_buffer_limit=_OUT_STEP))
        size += len(pieces[-1])
        if size > MAX_UNPACKED_BYTES:
            raise _bomb("brotli")
        if unpacker.is_finished() or (not pieces[-1] and not given):
            break
        given = b""
    if not unpacker.is_finished():
        raise _Corrupt("corrupt brotli data (truncated stream)")
    return b"".join(pieces)


def _gzip(data: bytes) -> bytes:
    if not data:  # brotli and zstd refuse no bytes as a cut stream; zlib is never asked about them
        raise _Corrupt("corrupt gzip data (truncated stream: no bytes)")
    pieces, size, rest = [], 0, bytes(data)
    while rest:  # gzip members one after another (RFC 1952 §2.2), as gzip.decompress reads them
        unpacker = zlib.decompressobj(wbits=31)
        while True:
            pieces.append(unpacker.decompress(rest, _OUT_STEP))
            size += len(pieces[-1])
            if size > MAX_UNPACKED_BYTES:
                raise _bomb("gzip")
            rest = unpacker.unconsumed_tail
            if unpacker.eof or not rest:
                break
        if not unpacker.eof:
            raise _Corrupt("corrupt gzip data (truncated stream)")
        rest = unpacker.unused_data
    return b"".join(pieces)


def unpack(data: bytes, compression: str) -> bytes:
    """`data` decompressed as PMTiles compression `compression` ("NONE", "UNKNOWN": as is; "GZIP"
    with zlib, "BROTLI" with the `brotli` package, "ZSTD" with `zstandard`; spec v3 §3).
    Raises ValueError (its message "corrupt <codec> data (...)") for data the codec refuses, and
    for data that unpacks to over MAX_UNPACKED_BYTES."""
    if compression in ("NONE", "UNKNOWN"):
        return bytes(data)
    if compression == "ZSTD":
        import zstandard

        try:
            return _zstd(data)
        except zstandard.ZstdError as exc:
            raise _Corrupt(f"corrupt zstd data ({exc})") from None
    if compression == "BROTLI":
        import brotli

        try:
            return _brotli(data)
        except brotli.error as exc:
            raise _Corrupt(f"corrupt brotli data ({exc})") from None
    if compression == "GZIP":
        try:
            return _gzip(data)
        except zlib.error as exc:
            raise _Corrupt(f"corrupt gzip data ({exc})") from None
    raise ValueError(f"unknown PMTiles compression {compression!r}")


def _header_problem(head: bytes) -> str | None:
    """Why a v3 header the package refused (it raises ValueError for a code outside its enums) cannot
    be read: a compression or tile type code spec v3 does not define, named; None when it is not that."""
    if len(head) < 100:
        return None
    for what, code in (("directories", head[97]), ("tiles", head[98])):
        if code not in _COMPRESSIONS:
            return (f"its {what} are compressed with an unknown method (code {code}; PMTiles v3 defines "
                    "0-4: unknown, none, gzip, brotli, zstd)")
    if head[99] >= _TILE_TYPE_COUNT:
        return f"its tiles are of an unknown type (code {head[99]}; PMTiles v3 defines 0-6)"
    return None


class _Archive:
    """An open archive: the file, its memory map and the library's Reader over it."""

    def __init__(self, path: Path) -> None:
        from pmtiles.reader import Reader
        from pmtiles.tile import MagicNumberNotFound, SpecVersionUnsupported

        self.path = path
        self._dirs: dict[tuple[int, int], list] = {}
        self.sniffed: str | None = None  # the image format told from the first tile (_sniffed_format)
        try:
            self.file = open(path, "rb")
        except OSError as exc:
            raise InputError(path, f"cannot open ({exc.strerror or exc})") from None
        try:
            self.map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:  # an empty file cannot be mapped
            self.file.close()
            raise InputError(path, f"not a PMTiles archive ({exc})") from None
        self.reader = Reader(self.get_bytes)
        try:
            self.header = self.reader.header()
        except MagicNumberNotFound:
            self.close()
            raise InputError(path, "not a PMTiles archive (no 'PMTiles' magic number)") from None
        except SpecVersionUnsupported:
            self.close()
            raise InputError(path, "only PMTiles version 3 archives are supported") from None
        except (ValueError, IndexError) as exc:
            problem = _header_problem(self.get_bytes(0, 127)) or f"damaged PMTiles header ({exc})"
            self.close()
            raise InputError(path, problem) from None
        self.internal = self.header["internal_compression"].name
        if self.internal == "UNKNOWN":  # 0: the writer did not say, and brotli data has no signature to tell it by
            self.close()
            raise InputError(path, "its header does not say how its directories are compressed (code 0, unknown): "
                                   "geolocator reads none, gzip, brotli or zstd")

    def get_bytes(self, offset: int, length: int) -> bytes:
        return self.map[offset: offset + length]

    def directory(self, offset: int, length: int) -> list:
        """A deserialised directory, kept: the package's parser is pure Python and the root of a
        10,000-tile archive takes ~0.5 s to parse, which Reader.get would repeat for every tile."""
        from pmtiles.tile import deserialize_directory

        key = (offset, length)
        entries = self._dirs.get(key)
        if entries is None:
            if len(self._dirs) >= 64:  # bounded: a few root/leaf directories are all a look-up needs
                self._dirs.pop(next(iter(self._dirs)))
            # the package's parser gunzips what it is given and takes no other decoder (pmtiles 3.8.1): the
            # directory, unpacked here, goes to it in a stored (level 0) gzip member, a copy and a CRC. Gzipped
            # ones too: its gzip.decompress has no size limit and its zlib.error escaped every caller
            data = gzip.compress(unpack(self.get_bytes(offset, length), self.internal), compresslevel=0, mtime=0)
            entries = self._dirs[key] = deserialize_directory(data)
        return entries

    def metadata(self) -> object:
        """The JSON metadata, unpacked as the directories are (Reader.metadata gunzips only).
        Raises ValueError for data that is not compressed JSON."""
        h = self.header
        return json.loads(unpack(self.get_bytes(h["metadata_offset"], h["metadata_length"]), self.internal))

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """Tile bytes, the look-up of pmtiles.reader.Reader.get (root, then at most 3 leaf levels,
        spec v3 section 'Directories') over cached directories. Raises InputError naming the file and the
        byte it would have to reach when the tile or its leaf directory lies past the file's end (cut short),
        as pmtiles_v2.Archive.get does."""
        from pmtiles.tile import find_tile, zxy_to_tileid

        if not (0 <= z <= 31 and 0 <= x < 1 << z and 0 <= y < 1 << z):
            # not a tile of the XYZ grid, so in no archive (zxy_to_tileid's ValueError read "damaged directory")
            return None
        tile_id = zxy_to_tileid(z, x, y)
        h = self.header
        offset, length = h["root_offset"], h["root_length"]
        for _ in range(4):
            entry = find_tile(self.directory(offset, length), tile_id)
            if entry is None:
                return None
            if entry.run_length > 0:
                end = h["tile_data_offset"] + entry.offset + entry.length
                if end > len(self.map):  # a slice past the end is short or empty: "truncated", "not an image"
                    raise InputError(self.path, f"tile {z}/{x}/{y}: its bytes run to byte {end:,} but the file holds "
                                                f"{len(self.map):,} bytes (cut short: copy it again)")
                return self.get_bytes(h["tile_data_offset"] + entry.offset, entry.length)
            offset, length = h["leaf_directory_offset"] + entry.offset, entry.length
            if offset + length > len(self.map):
                raise InputError(self.path, f"cut short: a leaf directory runs to byte {offset + length:,} but the "
                                            f"file holds {len(self.map):,} bytes (copy it again)")
        return None

    def close(self) -> None:
        try:
            self.map.close()
        except Exception:  # noqa: BLE001
            pass
        self.file.close()


def _open(path: Path) -> _Archive | pmtiles_v2.Archive:
    """The archive at `path`: a v3 one, or (its first bytes "PM" and version 1 or 2: spec v2, 2021-22) an
    old one read by pmtiles_v2. Before formats37 those were refused with a conversion command."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError as exc:
        raise InputError(path, f"cannot open ({exc.strerror or exc})") from None
    return pmtiles_v2.Archive(path) if pmtiles_v2.old_version(head) else _Archive(path)


_pool = HandlePool(_open)


def read_info(path: Path) -> PackageInfo:
    """Header and JSON metadata. Raises InputError for a file that is not a raster PMTiles archive
    (v3, or v1/v2 through pmtiles_v2)."""
    path = Path(path)
    archive = _pool.get(path)
    if isinstance(archive, pmtiles_v2.Archive):
        return pmtiles_v2.read_info(archive)
    h = archive.header
    kind = h["tile_type"].name
    if kind == "UNKNOWN":
        fmt = _sniffed_format(archive)
    elif kind in _IMAGE_TYPES:
        fmt = _IMAGE_TYPES[kind]
    else:
        raise InputError(path, f"its tiles are {kind}, not imagery (geolocator needs png, jpg, webp or avif tiles)")
    try:
        meta = archive.metadata() if h["metadata_length"] else {}
    except (ValueError, OSError, EOFError):
        meta = {}  # metadata is optional: the tiles are still usable
    if not isinstance(meta, dict):
        meta = {}
    bounds = Bounds(h["min_lon_e7"] / 1e7, h["min_lat_e7"] / 1e7, h["max_lon_e7"] / 1e7, h["max_lat_e7"] / 1e7)
    if bounds.west == bounds.east or bounds.south == bounds.north:
        # a box of no area bounds no tile: the writer set none (go-pmtiles convert leaves all four 0 for an
        # MBTiles without 'bounds'), and reading it as a box at 0°, 0° put the tiles' ground size at the equator
        bounds = None
    # every level from min to max zoom: the tile counts may be 0, which spec v3 §3.2 reads "unknown" (an
    # archive whose writer set none was "a tile package that holds no tiles"); an empty level is skipped by load
    zooms = tuple(range(h["min_zoom"], h["max_zoom"] + 1))
    return PackageInfo(path, "pmtiles", zooms, fmt, bounds,
                       str(meta.get("attribution") or "") or None, str(meta.get("name") or "") or None)


def _first_entry(archive: _Archive) -> tuple[str, object] | None:
    """("z/x/y", directory entry) of the archive's first tile in tile-id order (no tile data read),
    None when it has none. Raises InputError naming the archive for a damaged directory."""
    from pmtiles.tile import tileid_to_zxy

    h = archive.header
    offset, length = h["root_offset"], h["root_length"]
    try:
        for _ in range(4):  # the root and at most 3 leaf levels (spec v3 "Directories")
            entries = archive.directory(offset, length)
            if not entries:
                return None
            e = entries[0]
            if e.run_length > 0:
                return "/".join(map(str, tileid_to_zxy(e.tile_id))), e
            offset, length = h["leaf_directory_offset"] + e.offset, e.length
    except (OSError, EOFError, ValueError, IndexError) as exc:
        raise InputError(archive.path, f"damaged PMTiles directory ({exc})") from None
    raise InputError(archive.path, "PMTiles directories nested too deep (damaged archive?)")


def _sniffed_format(archive: _Archive) -> str:
    """The image format of an archive whose header leaves the tile type unknown (0), told by Pillow
    from its first tile: go-pmtiles' `convert` of an MBTiles whose `format` is not exactly png/jpg/webp
    ("jpeg", "image/jpeg", missing) writes such archives of plain images. Raises InputError when that
    tile is not an image geolocator reads (vector tiles, say)."""
    if archive.sniffed is None:
        first = _first_entry(archive)
        fmt = None
        if first is not None:
            h, e = archive.header, first[1]
            try:
                fmt = image_format(unpack(archive.get_bytes(h["tile_data_offset"] + e.offset, e.length),
                                          h["tile_compression"].name))
            except ValueError:  # tile data its codec refuses
                fmt = None
        if fmt is None:
            told = ("it holds no tile to tell it by" if first is None else
                    f"its first tile, {first[0]}, is not an image geolocator reads (png, jpg, webp or avif)")
            raise InputError(archive.path, f"its header leaves the tile type unknown (0) and {told}")
        archive.sniffed = fmt
    return archive.sniffed


def tileids_to_xy(ids: np.ndarray, z: int) -> tuple[np.ndarray, np.ndarray]:
    """Column and row (XYZ) of PMTiles tile ids that all lie at zoom `z`: pmtiles.tile.tileid_to_zxy
    (Hilbert curve, spec v3 "Tile IDs") over a numpy array. The package converts one id at a time
    in Python (~0.1 ms each: minutes for a million-tile level); tests check both agree."""
    pos = np.asarray(ids, dtype=np.int64) - ((1 << (2 * z)) - 1) // 3
    x = np.zeros_like(pos)
    y = np.zeros_like(pos)
    s, n = 1, 1 << z
    while s < n:
        rx = (pos // 2) & s
        ry = (pos ^ rx) & s
        swap = ry == 0
        flip = swap & (rx != 0)
        x = np.where(flip, s - 1 - x, x)
        y = np.where(flip, s - 1 - y, y)
        x, y = np.where(swap, y, x), np.where(swap, x, y)
        x += rx
        y += ry
        pos >>= 1
        s <<= 1
    return x, y


def _tiles_at_zoom(archive: _Archive, z: int) -> list[tuple[int, int, int]]:
    """(z, x, y) of every tile stored at zoom `z`, from the directories alone (no tile data)."""
    from pmtiles.tile import zxy_to_tileid

    h = archive.header
    lo = zxy_to_tileid(z, 0, 0)
    hi = lo + 4**z  # first id of zoom z+1
    runs: list[np.ndarray] = []

    def walk(offset: int, length: int, depth: int) -> None:
        if depth > 3:  # the spec allows at most 3 levels below the root
            raise InputError(archive.path, "PMTiles directories nested too deep (damaged archive?)")
        entries = archive.directory(offset, length)
        for i, e in enumerate(entries):
            end = entries[i + 1].tile_id if i + 1 < len(entries) else None
            if e.run_length == 0:  # a leaf directory holding ids from e.tile_id up to the next entry
                if e.tile_id < hi and (end is None or end > lo):
                    walk(h["leaf_directory_offset"] + e.offset, e.length, depth + 1)
            else:
                start, end = max(e.tile_id, lo), min(e.tile_id + e.run_length, hi)
                if start < end:
                    runs.append(np.arange(start, end, dtype=np.int64))

    try:
        walk(h["root_offset"], h["root_length"], 0)
    except InputError:
        raise
    except (OSError, EOFError, ValueError, IndexError) as exc:
        raise InputError(archive.path, f"damaged PMTiles directory ({exc})") from None
    if not runs:
        return []
    xs, ys = tileids_to_xy(np.concatenate(runs), z)
    return [(z, x, y) for x, y in zip(xs.tolist(), ys.tolist())]


def load(path: Path, *, zoom: int | None = None, tile_size_m: float | None = None) -> TileSet:
    """Tiles of one zoom level (`zoom`, else the level nearest `tile_size_m` metres on the
    ground; see package.choose_zoom). Tile ids and refs are "z/x/y" (XYZ rows)."""
    path = Path(path)
    if isinstance(archive := _pool.get(path), pmtiles_v2.Archive):
        return pmtiles_v2.load(archive, zoom=zoom, tile_size_m=tile_size_m)
    info = read_info(path)
    if info.bounds is not None:
        lat = info.bounds.center.lat
    else:  # the latitude of the first tile (tile-id order): what the zoom choice's ground sizes depend on
        first = _first_entry(_pool.get(path))
        lat = xyz_tile_bounds(*map(int, first[0].split("/"))).center.lat if first is not None else 0.0
    zooms = list(info.zooms)
    while True:
        # the header gives only min and max zoom: a level between them may be empty, then the next
        # best level is taken (when the zoom was not asked for)
        z = pick_zoom(path, tuple(zooms), zoom, lambda level: web_mercator_tile_m(level, lat), tile_size_m)
        found = _tiles_at_zoom(_pool.get(path), z)
        if found or zoom is not None or len(zooms) == 1:
            break
        zooms.remove(z)
    tiles = []
    for tz, x, y in sorted(found, key=lambda t: (t[1], t[2])):
        ref = f"{tz}/{x}/{y}"
        tiles.append(Tile(id=ref, path=path, bounds=xyz_tile_bounds(tz, x, y), ref=ref))
    if not tiles:
        raise InputError(path, f"no tiles at zoom {z}")
    return TileSet(tuple(tiles), path, attribution=info.attribution, zoom=z)


def read_tile(path: Path, ref: str) -> bytes | None:
    """The bytes of tile `ref` ("z/x/y"), unpacked as the header's tile compression says (see `unpack`);
    None when the archive lacks it. Raises InputError naming the archive for damaged directories or data."""
    z, x, y = (as_int(path, ref, v) for v in parse_ref(path, ref, 3))
    archive = _pool.get(path)
    if isinstance(archive, pmtiles_v2.Archive):
        return pmtiles_v2.read_tile(archive, ref, z, x, y)
    try:
        data = archive.get(z, x, y)
    except (OSError, EOFError, ValueError, IndexError) as exc:
        raise InputError(path, f"tile {ref}: damaged PMTiles directory ({exc})") from None
    if data is None:
        return None
    try:
        return unpack(data, archive.header["tile_compression"].name)
    except _Corrupt as exc:
        raise InputError(path, f"tile {ref}: {exc}") from None


def write_pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], *, fmt: str = "png",
                  attribution: str | None = None, name: str = "") -> Path:
    """Write `tiles` {(z, x, y): image bytes} as a PMTiles v3 archive with the pmtiles package
    (used by tests and by anyone converting a fetched folder)."""
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    if not tiles:
        raise ValueError("no tiles to write")
    tile_type = {"png": TileType.PNG, "jpg": TileType.JPEG, "jpeg": TileType.JPEG, "webp": TileType.WEBP,
                 "avif": TileType.AVIF}[fmt]
    zs = [z for z, _, _ in tiles]
    # plain min/max: the header's "min longitude ... max longitude" (spec v3 §3) has no antimeridian
    # convention, and Bounds.union's narrowest arc across ±180° wrote a min longitude above the max
    boxes = [xyz_tile_bounds(z, x, y) for z, x, y in tiles]
    b = Bounds(min(t.west for t in boxes), min(t.south for t in boxes), max(t.east for t in boxes),
               max(t.north for t in boxes))
    path = Path(path)
    with write(str(path)) as writer:
        for tid, data in sorted((zxy_to_tileid(z, x, y), d) for (z, x, y), d in tiles.items()):
            writer.write_tile(tid, data)
        writer.finalize(
            {
                "tile_type": tile_type, "tile_compression": Compression.NONE,
                "min_zoom": min(zs), "max_zoom": max(zs),
                # outward to the 1e-7° grid (int() truncated toward 0: a western edge at -7.12345678 was written
                # -7.1234567, east of the tiles)
                "min_lon_e7": math.floor(b.west * 1e7), "min_lat_e7": math.floor(b.south * 1e7),
                "max_lon_e7": math.ceil(b.east * 1e7), "max_lat_e7": math.ceil(b.north * 1e7),
                "center_zoom": max(zs), "center_lon_e7": int(b.center.lon * 1e7), "center_lat_e7": int(b.center.lat * 1e7),
            },
            {"attribution": attribution or "", "name": name or path.stem},
        )
    return path
