"""PMTiles version 1 and 2 archives (2021-22; superseded by v3), read with the `pmtiles` package's
v2 module (`pmtiles.v2`: its header parser and directory parser, `load_directory`).

Spec: https://github.com/protomaps/PMTiles/blob/main/spec/v2/spec.md. A 512,000-byte header section:
"PM", the version (uint16 LE), the metadata's length (uint32), the root directory's entry count
(uint16), the metadata (JSON: bounds, minzoom, maxzoom, format...), then the root directory of 17-byte
entries (z, x, y of 1, 3 and 3 bytes, offset of 6 and length of 4). An entry whose z has its top bit
set points to a leaf directory; every leaf of the root sits at one zoom (the "leaf level") and holds
the tiles below its tile. Rows are XYZ (counted from the north): the package's v2 converter flipped
MBTiles rows on the way in. Version 1 has the same layout without the sorting and metadata rules.
"""

from __future__ import annotations

import mmap
from pathlib import Path

from ..errors import InputError
from ..geo import xyz_tile_bounds
from ..model import Bounds, Tile, TileSet
from .mbtiles import VECTOR_FORMATS
from .package import PackageInfo, image_format, pick_zoom, web_mercator_tile_m

_NAMES = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp", "avif": "avif", "image/png": "png",
          "image/jpeg": "jpg", "image/webp": "webp"}
_ENTRY = 17  # bytes per directory entry


def old_version(head: bytes) -> int | None:
    """1 or 2 when `head` (a file's first bytes) begins a PMTiles v1/v2 archive ("PM" and the version
    as a little-endian uint16); None otherwise (v3 begins "PMTiles": its "Ti" reads as 26964)."""
    if len(head) >= 4 and head[:2] == b"PM":
        version = int.from_bytes(head[2:4], "little")
        return version if version in (1, 2) else None
    return None


class Archive:
    """An open v1/v2 archive: the file, its memory map, the package's v2 Reader and its parsed header
    (root directory and leaf index). Leaf directories are parsed once and kept (Reader.get parses
    the leaf again for every tile). Raises InputError naming the file for a damaged header."""

    def __init__(self, path: Path) -> None:
        from pmtiles.v2 import Reader

        self.path = Path(path)
        self._leaves: dict[tuple[int, int], dict] = {}
        self.zooms: tuple[int, ...] | None = None  # the zoom levels its directories hold (read_info)
        try:
            self.file = open(self.path, "rb")
        except OSError as exc:
            raise InputError(self.path, f"cannot open ({exc.strerror or exc})") from None
        try:
            self.map = mmap.mmap(self.file.fileno(), 0, access=mmap.ACCESS_READ)
            self.version = old_version(self.map[:4]) or 2
            # the package asserts the magic, json.loads the metadata and slices the root: a cut or damaged header
            # raises any of these
            self.header = Reader(self.get_bytes).header()
        except (OSError, ValueError, AssertionError, IndexError, RecursionError) as exc:  # RecursionError: JSON nested
            self.close()                                                                # deeper than Python parses
            raise InputError(self.path, f"damaged PMTiles version {self.version} header ({exc or type(exc).__name__})") from None
        # the package reads bytes past the end as zeros (int.from_bytes of an empty slice is 0): a file cut inside its
        # root listed a phantom tile 0/0/0 of no bytes and tiles at offsets cut in half (propfuzz37)
        self.size = len(self.map)
        root_end = 10 + int.from_bytes(self.map[4:8], "little") + _ENTRY * int.from_bytes(self.map[8:10], "little")
        if root_end > self.size:
            self.close()
            raise InputError(self.path, f"cut short: its root directory runs to byte {root_end:,} but the file holds "
                                        f"{self.size:,} bytes (copy it again)")
        self.meta = self.header.metadata if isinstance(self.header.metadata, dict) else {}
        levels = {z for z, _, _ in self.header.leaves}
        if len(levels) > 1:  # spec v2: "All leaf directories in a single directory must have the same Z value"
            self.close()
            raise InputError(self.path, f"damaged PMTiles version 2 root: leaf directories at zooms {sorted(levels)}")
        self.leaf_level = levels.pop() if levels else None

    def get_bytes(self, offset: int, length: int) -> bytes:
        return self.map[offset: offset + length]

    def leaf(self, offset: int, length: int) -> dict:
        """{(z, x, y): (offset, length)} of the tiles of one leaf directory (leaves below it: none).
        Raises InputError when the leaf lies past the file's end (a file cut short)."""
        from pmtiles.v2 import load_directory

        key = (offset, length)
        if key not in self._leaves:
            if offset + length > self.size:  # read as zeros: phantom 0/0/0 tiles (see __init__)
                raise InputError(self.path, f"cut short: a leaf directory runs to byte {offset + length:,} but the "
                                            f"file holds {self.size:,} bytes (copy it again)")
            if len(self._leaves) >= 64:
                self._leaves.pop(next(iter(self._leaves)))
            self._leaves[key] = load_directory(self.get_bytes(offset, length), 0, length // _ENTRY)[0]
        return self._leaves[key]

    def entries(self):
        """Every tile's (z, x, y) -> (offset, length): the root's, then each leaf's once."""
        yield from self.header.root_dir.items()
        for offset, length in sorted(set(self.header.leaves.values())):
            yield from self.leaf(offset, length).items()

    def get(self, z: int, x: int, y: int) -> bytes | None:
        """The stored bytes of tile z/x/y (XYZ), None when the archive lacks it: the root, else the leaf
        of its ancestor at the leaf level (pmtiles.v2.Reader.get's look-up, over kept leaves). Raises InputError
        naming the file when the tile's bytes or its leaf lie past the file's end (a file cut short)."""
        if not (0 <= z <= 127 and 0 <= x < 1 << z and 0 <= y < 1 << z):
            return None
        found = self.header.root_dir.get((z, x, y))
        if found is None and self.leaf_level is not None and z >= self.leaf_level:
            d = z - self.leaf_level
            where = self.header.leaves.get((self.leaf_level, x >> d, y >> d))
            if where is not None:
                found = self.leaf(*where).get((z, x, y))
        if found is None:
            return None
        if found[0] + found[1] > self.size:  # a slice past the end is short or empty, not an error
            raise InputError(self.path, f"tile {z}/{x}/{y}: its bytes run to byte {found[0] + found[1]:,} but the file "
                                        f"holds {self.size:,} bytes (cut short: copy it again)")
        return self.get_bytes(*found)

    def close(self) -> None:
        try:
            self.map.close()
        except Exception:  # noqa: BLE001 - not mapped yet
            pass
        self.file.close()


def _bounds(meta: dict) -> Bounds | None:
    """The metadata's "bounds" ("w,s,e,n" as MBTiles writes it, or a list of four), None when it is
    missing, not four numbers, or not a box in degrees."""
    value = meta.get("bounds")
    try:
        w, s, e, n = (float(v) for v in (value.split(",") if isinstance(value, str) else value))
    except (TypeError, ValueError, AttributeError):
        return None
    if all(-180.0 <= v <= 180.0 for v in (w, e)) and -90.0 <= s < n <= 90.0 and w != e:
        return Bounds(w, s, e, n)
    return None


def _first(archive: Archive) -> tuple[tuple[int, int, int], bytes] | None:
    """(z, x, y) and the bytes of the lowest tile (zoom, then column, row), None for an empty archive."""
    keys = sorted(archive.header.root_dir) or sorted(k for k, _ in archive.entries())
    if not keys:
        return None
    _check_key(archive, *keys[0])  # a damaged entry: get() gave None (a TypeError), its bounds a ValueError
    data = archive.get(*keys[0])
    if data is None:  # in a leaf that is not its ancestor's at the leaf level: listed, yet no look-up finds it
        z, x, y = keys[0]
        raise InputError(archive.path, f"damaged PMTiles version {archive.version} directory: tile {z}/{x}/{y} is "
                                       "listed in a leaf directory that is not its own")
    return keys[0], data


def _check_key(archive: Archive, z: int, x: int, y: int) -> None:
    """Raises InputError naming the archive for a directory entry that is no XYZ tile (zoom over 30, the highest
    xyz_tile_bounds takes, or a column or row outside its zoom): a damaged directory (propfuzz37)."""
    if not (z <= 30 and x < 1 << z and y < 1 << z):
        raise InputError(archive.path, f"damaged PMTiles version {archive.version} directory: tile {z}/{x}/{y} is "
                                       f"outside zoom {z}" if z <= 30 else
                         f"damaged PMTiles version {archive.version} directory: tile {z}/{x}/{y} (zoom over 30)")


def _unpacked(archive: Archive, data: bytes, ref: str) -> bytes:
    """Tile bytes as the metadata's "compression" says (v2 had gzip for vector tiles; raster ones none)."""
    from .pmtiles import unpack

    how = str(archive.meta.get("compression") or "none").strip().upper()
    if how in ("", "NONE"):
        return bytes(data)
    try:
        return unpack(data, how)
    except ValueError as exc:
        raise InputError(archive.path, f"tile {ref}: {exc}") from None


def read_info(archive: Archive) -> PackageInfo:
    """Zoom levels (from the directories), format (the metadata's, else the first tile's signature),
    bounds, attribution and name. Raises InputError for vector tiles or tiles that are no image."""
    path, meta = archive.path, archive.meta
    declared = str(meta.get("format") or "").strip().lower()
    fmt = _NAMES.get(declared)
    if declared in VECTOR_FORMATS:
        raise InputError(path, f"its tiles are {declared!r}, not imagery (geolocator needs png, jpg, webp or avif tiles)")
    if fmt is None:
        first = _first(archive)
        fmt = image_format(_unpacked(archive, first[1], "/".join(map(str, first[0])))) if first else None
        if fmt is None:
            what = f"its tiles are {declared!r}" if declared else "its metadata gives no tile format"
            told = "it holds no tile" if first is None else "its first tile is not an image geolocator reads"
            raise InputError(path, f"{what} and {told} (geolocator needs png, jpg, webp or avif tiles)")
    if archive.zooms is None:  # every leaf is read once for it: kept (read_info is asked again by load)
        archive.zooms = tuple(sorted({z for (z, _, _), _ in archive.entries()}))
    zooms = archive.zooms
    return PackageInfo(path, "pmtiles", zooms, fmt, _bounds(meta), str(meta.get("attribution") or "") or None,
                       str(meta.get("name") or "") or None)


def load(archive: Archive, *, zoom: int | None = None, tile_size_m: float | None = None) -> TileSet:
    """Tiles of one zoom level, as pmtiles.load: `zoom`, else the level nearest `tile_size_m` metres
    (package.choose_zoom at the bounds' latitude, else the first tile's). Refs are "z/x/y" (XYZ). Raises
    InputError naming the archive as read_info does, for an archive with no tiles or none at the zoom
    chosen, a zoom it does not hold (pick_zoom), or a damaged directory entry."""
    path = archive.path
    info = read_info(archive)
    if not info.zooms:
        raise InputError(path, "a tile package that holds no tiles")
    if info.bounds is not None:
        lat = info.bounds.center.lat
    else:
        lat = xyz_tile_bounds(*_first(archive)[0]).center.lat
    z = pick_zoom(path, info.zooms, zoom, lambda level: web_mercator_tile_m(level, lat), tile_size_m)
    tiles = []
    for tz, x, y in sorted((k for k, _ in archive.entries() if k[0] == z), key=lambda t: (t[1], t[2])):
        _check_key(archive, tz, x, y)
        ref = f"{tz}/{x}/{y}"
        tiles.append(Tile(id=ref, path=path, bounds=xyz_tile_bounds(tz, x, y), ref=ref))
    if not tiles:
        raise InputError(path, f"no tiles at zoom {z}")
    return TileSet(tuple(tiles), path, attribution=info.attribution, zoom=z)


def read_tile(archive: Archive, ref: str, z: int, x: int, y: int) -> bytes | None:
    """The bytes of tile z/x/y (`ref` names it in errors), None when the archive lacks it. Raises
    InputError naming the archive when the tile or its leaf directory lies past the file's end (Archive.get)
    or its bytes do not unpack as the metadata's "compression" says."""
    data = archive.get(z, x, y)
    return None if data is None else _unpacked(archive, data, ref)

