"""MBTiles 1.3 raster tile packages (SQLite), read and written with the standard sqlite3 module.

Spec: https://github.com/mapbox/mbtiles-spec/blob/master/1.3/spec.md. Conventions that matter:
- `tiles(zoom_level, tile_column, tile_row, tile_data)`, rows counted from the SOUTH (TMS), so an
  XYZ row y is stored as 2^z - 1 - y;
- `metadata(name, value)`: format (png/jpg/webp), bounds "W,S,E,N" in WGS84, attribution,
  minzoom/maxzoom, name.
Tiles are listed when the set is loaded and decoded one at a time by read_tile (lazily).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

from ..errors import InputError
from ..geo import xyz_tile_bounds
from ..model import Bounds, Tile, TileSet
from ..names import readable
from .package import (PackageInfo, image_format, readonly_sqlite, tile_blob, as_int, parse_ref, pick_zoom,
                      web_mercator_tile_m)

SUFFIXES = (".mbtiles",)


_query = readonly_sqlite("MBTiles")


def _metadata(path: Path) -> dict[str, str]:
    names = {r[0] for r in _query(path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if "tiles" not in names:
        raise InputError(path, "not an MBTiles file: it has no 'tiles' table")
    if "metadata" not in names:
        return {}
    # a NULL value is no value (it read as the text "None": a NULL format refused the package as "'none', not imagery")
    return {str(k).strip().lower(): str(v) for k, v in _query(path, "SELECT name, value FROM metadata")
            if k is not None and v is not None}


def _bounds(path: Path, text: str | None) -> Bounds | None:
    if not text:
        return None
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        w = s = e = n = math.nan
    # degrees on the globe (MBTiles 1.3: WGS84), south below north; west > east crosses ±180°. NaN, infinity
    # or EPSG:3857 metres written by mistake were read as a box with no centre, or one thousands of degrees wide
    if not (all(-180.0 <= v <= 180.0 for v in (w, e)) and -90.0 <= s <= n <= 90.0):
        raise InputError(path, f"metadata 'bounds' must be 'west,south,east,north' in degrees, got {text!r}")
    return Bounds(w, s, e, n)


# MBTiles 1.3 `format`: png, jpg, webp, or "an IETF media type for other formats"; the media types of
# the imagery formats are read as their short names (a writer that used "image/png" holds PNG tiles)
_MEDIA_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/jpg": "jpg", "image/webp": "webp", "image/avif": "avif"}
IMAGE_FORMATS = frozenset({"png", "jpg", "jpeg", "webp", "avif"})
# vector tiles, said so plainly (MBTiles 1.3 "pbf"; the names and media types other writers use): refused by name
VECTOR_FORMATS = frozenset({"pbf", "mvt", "mlt", "application/x-protobuf", "application/vnd.mapbox-vector-tile",
                            "application/vnd.maplibre-vector-tile"})


def read_info(path: Path) -> PackageInfo:
    """The package's metadata and zoom levels. A `format` that names no image format geolocator knows
    ("png8", "tiff"...) is replaced by the format of the first stored tile (package.image_format).
    A missing `format` is filled the same way (None when the first tile is no image). Raises InputError
    when it is not an MBTiles file, holds vector tiles (format pbf, mvt...), or names an odd format and
    its first tile is no image geolocator decodes: geolocator needs imagery."""
    path = Path(path)
    meta = _metadata(path)
    fmt = (meta.get("format") or "").strip().lower() or None
    fmt = _MEDIA_TYPES.get(fmt, fmt)
    if fmt in VECTOR_FORMATS:
        raise InputError(path, f"its tiles are {fmt!r}, not imagery (geolocator needs png, jpg, webp or avif tiles)")
    if fmt is None or fmt not in IMAGE_FORMATS:
        # no name, or one outside the spec ("png8" for 8-bit PNGs, "png256", "jpeg-q85", "tiff"): the tiles say
        # what they are (each is decoded by its content anyway). Refused only when the first is no image geolocator
        # decodes; before formats37 any such name refused the whole package as "not imagery"
        # (no name at all is not refused: the spec had format optional before 1.3, and each tile is refused as
        # it is decoded, as before)
        told = image_format(_first_tile(path))
        if told is None and fmt is not None:
            raise InputError(path, f"its metadata 'format' is {fmt!r} and its first tile is not an image geolocator "
                                   "reads (geolocator needs png, jpg, webp or avif tiles)")
        fmt = told
    zooms = tuple(int(r[0]) for r in _query(path, "SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level"))
    return PackageInfo(path, "mbtiles", zooms, fmt, _bounds(path, meta.get("bounds")),
                       meta.get("attribution") or None, meta.get("name") or None)


def _first_tile(path: Path) -> bytes | None:
    """The bytes of one stored tile (the first SQLite returns), None when it holds none."""
    rows = _query(path, "SELECT tile_data FROM tiles WHERE tile_data IS NOT NULL LIMIT 1")
    return tile_blob(rows[0][0]) if rows else None


def load(path: Path, *, zoom: int | None = None, tile_size_m: float | None = None) -> TileSet:
    """Tiles of one zoom level (`zoom`, else the level whose tiles are nearest `tile_size_m`
    metres on the ground; see package.choose_zoom). Tile ids and refs are "z/x/y" in XYZ rows."""
    path = Path(path)
    info = read_info(path)
    lat = info.bounds.center.lat if info.bounds is not None else _stored_centre_lat(path, info.zooms)
    z = pick_zoom(path, info.zooms, zoom, lambda level: web_mercator_tile_m(level, lat), tile_size_m)
    n = 2**z
    tiles = []
    for col, row in _query(path, "SELECT tile_column, tile_row FROM tiles WHERE zoom_level = ? "
                                 "ORDER BY tile_column, tile_row", (z,)):
        x, y = int(col), n - 1 - int(row)  # TMS row -> XYZ row
        try:
            bounds = xyz_tile_bounds(z, x, y)
        except ValueError as exc:
            raise InputError(path, f"zoom {z}: {exc}") from None
        ref = f"{z}/{x}/{y}"
        tiles.append(Tile(id=ref, path=path, bounds=bounds, ref=ref))
    return TileSet(tuple(tiles), path, attribution=info.attribution, zoom=z)


def _stored_centre_lat(path: Path, zooms: tuple[int, ...]) -> float:
    """Latitude of the middle of the stored tiles (bounds are optional in MBTiles metadata, and the
    tile ground size used to choose a zoom depends on latitude)."""
    if not zooms:
        return 0.0
    z = zooms[-1]
    rows = _query(path, "SELECT MIN(tile_row), MAX(tile_row) FROM tiles WHERE zoom_level = ?", (z,))
    lo, hi = rows[0]
    n = 2**z
    try:
        return xyz_tile_bounds(z, 0, n - 1 - round((int(lo) + int(hi)) / 2)).center.lat
    except (TypeError, ValueError):
        return 0.0


def read_tile(path: Path, ref: str) -> bytes | None:
    """The stored bytes of tile `ref` ("z/x/y", XYZ rows), None when the package lacks it."""
    z, x, y = (as_int(path, ref, v) for v in parse_ref(path, ref, 3))
    rows = _query(path, "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                  (z, x, 2**z - 1 - y))
    return tile_blob(rows[0][0]) if rows else None


# SQLite's result codes for a file that is no database (https://www.sqlite.org/rescode.html)
NOT_A_DATABASE, CORRUPT = 26, 11  # SQLITE_NOTADB, SQLITE_CORRUPT


def disk_refusal(path: Path, exc: BaseException, new: bool) -> InputError | None:
    """The InputError for a tile package (MBTiles, GeoPackage) whose schema could not be written for the
    disk's or folder's sake (a full disk, a read-only folder, an input/output error: an OSError, or an
    sqlite3 error other than SQLITE_NOTADB/SQLITE_CORRUPT), with the file and journal it made removed
    when it is `new`; None when the file itself is no database (the caller says so). Before faults36
    such a file was "not an MBTiles file (database or disk is full)" and the empty file stayed."""
    if not isinstance(exc, OSError) and getattr(exc, "sqlite_errorcode", None) in (NOT_A_DATABASE, CORRUPT):
        return None
    from ..outputs import describe_os_error, describe_sqlite_error

    if new:
        for made in (path, path.with_name(path.name + "-journal")):
            made.unlink(missing_ok=True)
    why = describe_os_error(exc) if isinstance(exc, OSError) else describe_sqlite_error(exc)
    return InputError(path, f"cannot write tiles into it ({why})")


class MBTilesWriter:
    """Adds tiles to an MBTiles file (created with the 1.3 schema when new). Used by fetch-tiles:
    commit() makes what was written durable, so a cancelled or interrupted fetch keeps its tiles."""

    def __init__(self, path: Path, *, name: str = "", fmt: str = "png", attribution: str | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        new = not self.path.exists()
        try:
            self.db = sqlite3.connect(self.path)
            self.db.executescript(
                "CREATE TABLE IF NOT EXISTS metadata (name TEXT, value TEXT);"
                "CREATE UNIQUE INDEX IF NOT EXISTS metadata_name ON metadata (name);"
                "CREATE TABLE IF NOT EXISTS tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,"
                " tile_data BLOB);"
                "CREATE UNIQUE INDEX IF NOT EXISTS tile_index ON tiles (zoom_level, tile_column, tile_row);"
                # 404s of a fetch: a resumed fetch does not ask for them again (not part of MBTiles)
                "CREATE TABLE IF NOT EXISTS geolocator_missing (zoom_level INTEGER, tile_column INTEGER,"
                " tile_row INTEGER, PRIMARY KEY (zoom_level, tile_column, tile_row));"
            )
        except sqlite3.DatabaseError as exc:
            refusal = disk_refusal(self.path, exc, new)  # a full disk, a folder that refuses the file
            if refusal is not None:
                raise refusal from None
            raise InputError(self.path, f"cannot write tiles into it: not an MBTiles file ({exc})") from None
        from .missing_tiles import SqliteMissingTimes

        self._missing_times = SqliteMissingTimes(self.db, self.path)  # when each 404 was recorded (session 35)
        # defaults for a new file only: a rerun into an existing one keeps its name and declared format (a
        # JPEG set re-declared "png" by a rerun that fetched nothing, session 33); a credit line given replaces
        defaults = {"name": name or readable(self.path.stem), "format": fmt, "type": "baselayer", "version": "1.3"}
        self.set_metadata(**{k: v for k, v in defaults.items() if self.get_metadata(k) is None}, attribution=attribution)

    def set_metadata(self, **values) -> None:
        """Store metadata rows; a value already stored as it is is not written again, so a rerun that
        changes nothing leaves the file untouched (its size and time key the feature cache: core/cache.py)."""
        for key, value in values.items():
            if value is not None and self.get_metadata(key) != str(value):
                self.db.execute("INSERT OR REPLACE INTO metadata (name, value) VALUES (?, ?)", (key, str(value)))

    def get_metadata(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM metadata WHERE name = ?", (key,)).fetchone()
        return row[0] if row else None

    def has(self, z: int, x: int, y: int) -> bool:
        row = 2**z - 1 - y
        return self.db.execute("SELECT 1 FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                               (z, x, row)).fetchone() is not None

    def stored(self, z: int, x: int, y: int) -> bytes | None:
        """The bytes stored for XYZ tile (z, x, y), None when there is none."""
        row = self.db.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                              (z, x, 2**z - 1 - y)).fetchone()
        return None if row is None else tile_blob(row[0])

    def known_missing(self, z: int, x: int, y: int) -> bool:
        return self.missing_age(z, x, y) is not None

    def missing_age(self, z: int, x: int, y: int) -> float | None:
        """Seconds since XYZ tile (z, x, y) was recorded missing (404), None when it is not."""
        return self._missing_times.age(z, x, 2**z - 1 - y)

    def put(self, z: int, x: int, y: int, data: bytes) -> None:
        self.db.execute("INSERT OR REPLACE INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, sqlite3.Binary(data)))

    def missing(self, z: int, x: int, y: int, when: float | None = None) -> None:
        """Record XYZ tile (z, x, y) missing (404) at `when` (Unix s, default now); a tile recorded before
        gets the new time."""
        self._missing_times.record(z, x, 2**z - 1 - y, when)

    def finish_metadata(self) -> None:
        """minzoom/maxzoom/bounds/center from the tiles actually stored (MBTiles 1.3 'metadata')."""
        zooms = [r[0] for r in self.db.execute("SELECT DISTINCT zoom_level FROM tiles ORDER BY zoom_level")]
        if not zooms:
            return
        b = None
        for z, cmin, cmax, rmin, rmax in self.db.execute(
            "SELECT zoom_level, MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row) FROM tiles"
            " WHERE zoom_level = ?", (zooms[-1],)
        ):
            n = 2**z
            nw = xyz_tile_bounds(z, cmin, n - 1 - rmax)
            se = xyz_tile_bounds(z, cmax, n - 1 - rmin)
            b = Bounds(nw.west, se.south, se.east, nw.north)
        self.set_metadata(minzoom=zooms[0], maxzoom=zooms[-1])
        if b is not None:
            self.set_metadata(bounds=f"{b.west:.8f},{b.south:.8f},{b.east:.8f},{b.north:.8f}",
                              center=f"{b.center.lon:.8f},{b.center.lat:.8f},{zooms[-1]}")

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        try:
            self.finish_metadata()
            self.db.commit()
        finally:
            self.db.close()
