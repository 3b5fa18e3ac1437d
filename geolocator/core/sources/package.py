"""What the tile-package readers (MBTiles, PMTiles, GeoPackage) share: the zoom choice, the
decoding of one stored tile, and per-thread handles on open package files.

A package holds many zoom levels; geolocator indexes one. The level is the one whose tile ground
size is closest (on a log scale) to a target ground size: the photos' footprint when it is known,
else DEFAULT_TILE_GROUND_M, the same default a GeoTIFF is cut at.
"""

from __future__ import annotations

import io
import math
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from PIL import Image, UnidentifiedImageError

from ..errors import InputError
from ..model import Bounds

DEFAULT_TILE_GROUND_M = 100.0
# Equatorial circumference of the Web Mercator sphere (EPSG:3857 radius 6 378 137 m).
WEB_MERCATOR_CIRCUMFERENCE_M = 2 * math.pi * 6_378_137.0
RASTER_FORMATS = frozenset({"png", "jpg", "jpeg", "webp"})


@dataclass(frozen=True)
class PackageInfo:
    """What a tile package says about itself (from its metadata), before any tile is decoded."""

    path: Path
    kind: str  # "mbtiles", "pmtiles", "gpkg"
    zooms: tuple[int, ...]  # levels that hold tiles, ascending
    format: str | None = None  # png / jpg / webp, when declared
    bounds: Bounds | None = None  # WGS84, when declared
    attribution: str | None = None
    name: str | None = None
    table: str | None = None  # GeoPackage tile table


def web_mercator_tile_m(zoom: int, lat: float) -> float:
    """Ground width in metres of one Web Mercator tile at `zoom` and latitude `lat` (degrees):
    circumference x cos(lat) / 2^zoom (the slippy-map convention, OSM wiki "Zoom levels")."""
    return WEB_MERCATOR_CIRCUMFERENCE_M * math.cos(math.radians(lat)) / 2**zoom


def photos_ground_m(queries) -> tuple[float | None, int]:
    """(the tile ground size that suits these photos, how many photos said it): the median over the
    photos of their estimated footprint (media.metadata.footprint_m, from altitude and camera) as a
    square of the same area, sqrt(width x height) metres. (None, 0) when no photo's metadata tells."""
    import statistics

    from ..media.metadata import footprint_m

    sizes = []
    for q in queries:
        fp = footprint_m(getattr(q, "meta", None))
        if fp is not None and all(v > 0 and math.isfinite(v) for v in fp):
            sizes.append(math.sqrt(fp[0] * fp[1]))
    return (float(statistics.median(sizes)), len(sizes)) if sizes else (None, 0)


def choose_zoom(zooms: Iterable[int], ground_m: Callable[[int], float], target_m: float | None) -> int:
    """The level among `zooms` whose tile ground size `ground_m(z)` (metres) is nearest to
    `target_m` on a log scale (a tile twice too big is as bad as one half too big).

    Raises ValueError when `zooms` is empty or `target_m` is not a positive number."""
    zooms = sorted(set(zooms))
    if not zooms:
        raise ValueError("the package holds no tiles")
    target = DEFAULT_TILE_GROUND_M if target_m is None else float(target_m)
    if not (target > 0 and math.isfinite(target)):
        raise ValueError(f"target tile ground size must be a positive number of metres, got {target_m}")
    return min(zooms, key=lambda z: (abs(math.log(max(ground_m(z), 1e-9) / target)), -z))


def pick_zoom(path: Path, zooms: tuple[int, ...], zoom: int | None, ground_m: Callable[[int], float],
              target_m: float | None) -> int:
    """`zoom` when given (checked against what the package holds), else choose_zoom's pick."""
    if not zooms:
        raise InputError(path, "the tile package holds no tiles")
    if zoom is not None:
        if zoom not in zooms:
            raise InputError(path, f"no tiles at zoom {zoom}; the package has zoom levels {_ranges(zooms)}")
        return int(zoom)
    try:
        return choose_zoom(zooms, ground_m, target_m)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def _ranges(zooms: tuple[int, ...]) -> str:
    return f"{zooms[0]}-{zooms[-1]}" if list(zooms) == list(range(zooms[0], zooms[-1] + 1)) else ", ".join(map(str, zooms))


# Pillow's format names of the tile images geolocator decodes -> the short names packages use
_PILLOW_TILE_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp", "AVIF": "avif"}


def tile_blob(value) -> bytes | None:
    """A tile_data value of a tile package (MBTiles, GeoPackage) as bytes, None for NULL: a BLOB as stored; TEXT
    or a number (a writer that bound the wrong type) as its UTF-8 text, which no image decoder takes, so the tile
    is refused by name as a damaged one is. bytes() of such a value raised TypeError (text), ValueError (a
    negative number) or made a buffer of that many zeros (a number: 10**12 is a MemoryError) (propfuzz37)."""
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, (bytearray, memoryview)):
        return bytes(value)
    return str(value).encode("utf-8", "surrogatepass")


def image_format(data: bytes | None) -> str | None:
    """"png", "jpg", "webp" or "avif": the format of tile bytes `data` as Pillow identifies it from their
    signature (Image.open reads the header only; nothing is decoded); None for anything else (vector
    tiles, gzip, damaged bytes, no bytes). Used where a package's declared format is missing or odd."""
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as im:
            return _PILLOW_TILE_FORMATS.get(im.format)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None


def decode_tile(data: bytes | None, path: Path, ref: str, min_side: int | None = None,
                keep_alpha: bool = False) -> Image.Image:
    """Decode one stored tile (PNG/JPEG/WebP bytes) to RGB, with the same rules as image files
    (core/images.py): above images.DECODE_BUDGET_PIXELS a JPEG is drafted and anything else
    refused, transparent pixels (no data) are filled with the opaque ones' mean colour, corrupt
    data is an InputError naming the package and the entry. `min_side` lets JPEGs decode at a
    reduced scale. `keep_alpha`: RGBA as stored when any pixel is below alpha 255 (the map's
    basemap; images._flatten_alpha)."""
    from .. import images

    if data is None:
        raise InputError(path, f"tile {ref} is not in the package")
    try:
        im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InputError(path, f"tile {ref}: image is too large, refusing to decode it") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InputError(path, f"tile {ref}: not an image, or a format that cannot be read") from None
    try:
        width, height = im.size
        request = images._draft_request(width, height, min_side)
        if request is not None:
            im.draft("RGB", request)
        if im.size[0] * im.size[1] > images.DECODE_BUDGET_PIXELS:
            raise InputError(path, f"tile {ref}: image is {width}x{height} = {width * height / 1e6:.0f} MP, over the "
                                   f"{images.DECODE_BUDGET_PIXELS / 1e6:.0f} MP decode budget")
        im.load()
        return images._flatten_alpha(im, keep_alpha)
    except InputError:
        raise
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"tile {ref}: corrupt image data ({exc})") from None


class HandlePool:
    """One open handle per (thread, file version): sqlite3 connections may not cross threads,
    and a package rewritten on disk (a resumed fetch) must be reopened, not read stale."""

    def __init__(self, opener: Callable[[Path], object]) -> None:
        self._opener = opener
        self._local = threading.local()

    def get(self, path: Path):
        path = Path(path)
        try:
            st = path.stat()
        except OSError as exc:
            raise InputError(path, f"cannot read the tile package ({exc.strerror or exc})") from None
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        handles = getattr(self._local, "handles", None)
        if handles is None:
            handles = self._local.handles = {}
        handle = handles.get(key)
        if handle is None:
            for old in [k for k in handles if k[0] == key[0]]:  # an older version of this file
                _close(handles.pop(old))
            handle = handles[key] = self._opener(path)
        return handle

    def close_all(self) -> None:
        """Close this thread's handles (tests, and before a file is replaced on Windows)."""
        for handle in getattr(self._local, "handles", {}).values():
            _close(handle)
        self._local.handles = {}


def _close(handle) -> None:
    close = getattr(handle, "close", None)
    if close is not None:
        try:
            close()
        except Exception:  # noqa: BLE001 - closing a handle that is already unusable
            pass


def parse_ref(path: Path, ref: str, parts: int) -> list[str]:
    """Split a Tile.ref into its `parts` fields, or an InputError naming the package."""
    fields = str(ref).split("/")
    if len(fields) != parts:
        raise InputError(path, f"malformed tile reference {ref!r}")
    return fields


def as_int(path: Path, ref: str, text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InputError(path, f"malformed tile reference {ref!r}") from None


FOLDER_METADATA = "metadata.json"  # written by fetch-tiles next to z/x/y folders (MBTiles-like keys)


def with_folder_attribution(tileset, folder: Path):
    """`tileset` with the attribution recorded in `folder`/metadata.json, when there is one (a
    folder has no standard place for it; fetch-tiles writes this file)."""
    import dataclasses
    import json

    meta_path = Path(folder) / FOLDER_METADATA
    if tileset.attribution or not meta_path.is_file():
        return tileset
    try:
        from ..bom_text import read_bom_text

        meta = json.loads(read_bom_text(meta_path))  # a BOM (UTF-8's, or UTF-16's: "Unicode") is not "damaged"
    except (OSError, ValueError):
        return tileset  # a damaged sidecar must not block the tiles
    text = meta.get("attribution") if isinstance(meta, dict) else None
    return dataclasses.replace(tileset, attribution=str(text)) if text else tileset


def only_zoom(tileset, zoom: int | None):
    """The tiles of an XYZ folder (ids "z/x/y.ext") at `zoom`; all of them when `zoom` is None.
    Raises InputError when the folder has no tiles at that zoom."""
    import dataclasses

    if zoom is None:
        return tileset
    keep = tuple(t for t in tileset.tiles if t.id.split("/", 1)[0] == str(int(zoom)))
    if not keep:
        levels = sorted({int(t.id.split("/", 1)[0]) for t in tileset.tiles if t.id.split("/", 1)[0].isdigit()})
        raise InputError(tileset.source, f"no tiles at zoom {zoom}; the folder has zoom levels "
                                         f"{', '.join(map(str, levels))}")
    return dataclasses.replace(tileset, tiles=keep, zoom=int(zoom))


def readonly_sqlite(kind: str) -> Callable[..., list[tuple]]:
    """A query function `query(path, sql, args=()) -> rows` over read-only SQLite connections (one
    per thread and file version, HandlePool) for a tile package of `kind` ("MBTiles",
    "GeoPackage"): reading a tile set never changes the user's file, and a broken one is an
    InputError naming it."""

    def connect(path: Path) -> sqlite3.Connection:
        # the name's own bytes (os.fsencode), percent-encoded: a name that is not UTF-8 (b"Karte
        # M\xe4rz.mbtiles" from a Latin-1 card) reaches SQLite as the bytes on disk; quote() of its
        # text raised UnicodeEncodeError on the surrogate Python holds for \xe4 (session 29)
        uri = f"file:{quote(os.fsencode(Path(path).resolve()))}?mode=ro"
        try:
            return sqlite3.connect(uri, uri=True, check_same_thread=False)
        except sqlite3.Error as exc:
            raise InputError(path, f"cannot open as a {kind} (SQLite) file ({exc})") from None

    pool = HandlePool(connect)

    def query(path: Path, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return pool.get(path).execute(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise InputError(path, f"not a readable {kind} file ({exc})") from None

    return query
