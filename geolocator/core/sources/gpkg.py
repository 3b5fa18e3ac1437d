"""GeoPackage raster tiles (OGC 12-128r18, clause 2.2 "Tiles"), read with sqlite3.

A tile pyramid user data table holds (zoom_level, tile_column, tile_row, tile_data), rows counted
from the TOP (north) of the tile matrix set's extent. Georeferencing comes from
gpkg_tile_matrix_set (the extent, in the srs_id's CRS) and gpkg_tile_matrix (per zoom: tile size in
pixels and pixel size in CRS units), so any CRS pyproj knows works: tile corners are transformed to
WGS84 and a tile's bounds are their bounding box (as for GeoTIFF windows). A GeoPackage that
fetch-tiles wrote from a WMTS national grid (wmts_grid.GpkgSink) also holds the imagery's credit line
in a geolocator_metadata table, read back as the package's attribution.
"""

from __future__ import annotations

import logging
import math
import shlex
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..geo import metres_per_degree, projected_boxes, transform_to_wgs84
from ..model import Bounds, Tile, TileSet
from .package import PackageInfo, readonly_sqlite, as_int, pick_zoom, tile_blob

SUFFIXES = (".gpkg",)


_query = readonly_sqlite("GeoPackage")
log = logging.getLogger("geolocator")


def _quoted(path: Path, table: str) -> str:
    """A table name from the file (gpkg_contents, i.e. the user's file) as an SQL identifier: in double
    quotes, each one inside doubled (SQLite "SQL As Understood By SQLite", keywords), so any name is
    one identifier. GDAL names a raster table after the file ("Ortho (Süd) 2023.gpkg" holds table
    "Ortho (Süd) 2023"), which a check for ASCII letters, digits and _ .- refused (pmtiles36).
    Raises InputError for an empty name or one holding NUL, which no SQLite statement can carry."""
    if not table or "\x00" in table:
        raise InputError(path, f"unsupported tile table name {table!r}")
    return '"' + table.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Matrix:
    zoom: int
    width: int  # tiles across
    height: int
    tile_w: int  # pixels
    tile_h: int
    px_x: float  # CRS units per pixel
    px_y: float


def _tile_tables(path: Path) -> list[str]:
    """The names of the GeoPackage's tile tables (gpkg_contents data_type 'tiles'), by name."""
    names = {r[0] for r in _query(path, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    if "gpkg_contents" not in names or "gpkg_tile_matrix_set" not in names:
        raise InputError(path, "not a GeoPackage with raster tiles (no gpkg_contents / gpkg_tile_matrix_set table)")
    tables = [r[0] for r in _query(path, "SELECT table_name FROM gpkg_contents WHERE data_type = 'tiles' "
                                         "ORDER BY table_name")]
    if not tables:
        kinds = {r[0] for r in _query(path, "SELECT DISTINCT data_type FROM gpkg_contents")}
        if "2d-gridded-coverage" in kinds:  # OGC 17-066r1: elevation or other measured values, not pictures
            raise InputError(path, "its rasters are gridded coverage data (elevation or other values, "
                                   "2d-gridded-coverage), not imagery: geolocator needs image tiles")
        raise InputError(path, "the GeoPackage holds no raster tiles (only features or attributes)")
    return tables


def tile_tables(path: Path) -> list[str]:
    """The names of the GeoPackage's tile tables (gpkg_contents rows of data_type 'tiles', OGC 12-128r18
    clause 1.1.3.1), by name, as GDAL's GPKG:FILE.gpkg:TABLE names them: what the app offers to choose from
    where there are several. Reads gpkg_contents, none of the tiles. Raises InputError for a file that
    is not a GeoPackage with raster tiles."""
    return _tile_tables(Path(path))


# GDAL's name for one table of a GeoPackage (its GPKG raster driver's connection string, "GPKG:filename.gpkg:
# table_name", https://gdal.org/drivers/raster/gpkg.html): what `gdalinfo` and QGIS's raster sources write
CONNECTION_PREFIX = "GPKG:"


def split_table(given) -> tuple[Path, str | None]:
    """(the file, the tile table) named by `given` (str or Path): GDAL's connection string
    "GPKG:area.gpkg:ortho_2023" gives (Path("area.gpkg"), "ortho_2023"); anything else, or a file that
    really has such a name, comes back as it is with None. The file ends at the first ".gpkg:" (a
    Windows drive's "C:" and a table name holding ":" stay whole), else at the last ":". Raises
    InputError when no table follows the file ("GPKG:area.gpkg", "GPKG:area.gpkg:")."""
    text = str(given)
    if not text[:len(CONNECTION_PREFIX)].upper() == CONNECTION_PREFIX or Path(text).exists():
        return Path(given), None
    rest = text[len(CONNECTION_PREFIX):]
    end = rest.lower().find(".gpkg:")
    cut = end + len(".gpkg") if end >= 0 else rest.rfind(":")
    if cut <= 0 or not rest[cut + 1:]:
        raise InputError(Path(rest.rstrip(":") or text), "name a tile table after the file: GPKG:FILE.gpkg:TABLE "
                                                        "(GDAL's connection string)")
    return Path(rest[:cut]), rest[cut + 1:]


class TableName(str):
    """GDAL's name for one tile table of a GeoPackage, "GPKG:area.gpkg:TABLE", kept as the text it is: a
    Path collapses "//", drops "." parts and a trailing "/", so a table named "a//b", "x/./y" or "ortho/"
    (legal SQLite names) came back as "a/b", "x/y", "ortho", which the file does not hold (propfuzz37).
    A str (json, QSettings and argparse take it as one); `file`, `table` and `name` read it as
    split_table does. Raises InputError on construction for text that names no table."""

    __slots__ = ()

    def __new__(cls, text: str) -> "TableName":
        self = super().__new__(cls, text)
        if split_table(str(self))[1] is None:
            raise InputError(Path(str(self)), "not a GeoPackage table name (GPKG:FILE.gpkg:TABLE)")
        return self

    @property
    def file(self) -> Path:
        """The GeoPackage."""
        return split_table(str(self))[0]

    @property
    def table(self) -> str:
        """The tile table's name, as written."""
        return split_table(str(self))[1]

    @property
    def name(self) -> str:
        """What a title or a progress line shows: the file's name and the table, "area.gpkg:ortho"."""
        return f"{self.file.name}:{self.table}"


def connection(path: Path, table: str) -> TableName:
    """GDAL's name for the tile table `table` of the GeoPackage at `path`: "GPKG:" + path + ":" + table as a
    TableName (a str: a Path would rewrite a table named "a//b"), which split_table takes apart again (where
    the file's own path holds no ".gpkg:") and load_tileset, the CLI's --tiles and the app's Recent Tile Sets
    open. Raises InputError for an empty table name."""
    return TableName(f"{CONNECTION_PREFIX}{path}:{table}")


def path_or_table(given) -> Path | TableName:
    """A tile set or photo path as given (the command line, Recent Tile Sets' saved text): GDAL's
    "GPKG:FILE.gpkg:TABLE" as a TableName, its table's name as written; anything else, and "GPKG:area.gpkg"
    with no table (opening it says what is missing), a Path. argparse's `type` for --tiles. Never raises."""
    if isinstance(given, TableName):
        return given
    try:
        if split_table(given)[1] is not None:
            return TableName(str(given))
    except InputError:
        pass
    return Path(given)


def _tile_table(path: Path, table: str | None) -> str:
    tables = _tile_tables(path)
    if table is None:
        return tables[0]
    if table not in tables:
        raise InputError(path, f"no tile table {table!r}; it has {', '.join(tables)}")
    return table


def _crs(path: Path, table: str) -> tuple[str, object]:
    """(CRS text for pyproj, pyproj CRS) of the table's tile matrix set."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    rows = _query(path, "SELECT s.srs_id, s.organization, s.organization_coordsys_id, s.definition "
                        "FROM gpkg_tile_matrix_set t JOIN gpkg_spatial_ref_sys s ON s.srs_id = t.srs_id "
                        "WHERE t.table_name = ?", (table,))
    if not rows:
        raise InputError(path, f"tile table {table!r} has no tile matrix set or spatial reference system")
    srs_id, org, code, definition = rows[0]
    candidates = []
    if org and str(org).upper() == "EPSG" and code is not None and int(code) > 0:
        candidates.append(f"EPSG:{int(code)}")
    if definition and str(definition).strip().lower() not in ("", "undefined"):
        candidates.append(str(definition))
    for text in candidates:
        try:
            return text, CRS.from_user_input(text)
        except CRSError:
            continue
    raise InputError(path, f"tile table {table!r}: unknown coordinate system (srs_id {srs_id}, {org}:{code})")


def _matrices(path: Path, table: str) -> dict[int, _Matrix]:
    rows = _query(path, "SELECT zoom_level, matrix_width, matrix_height, tile_width, tile_height, pixel_x_size, "
                        "pixel_y_size FROM gpkg_tile_matrix WHERE table_name = ? ORDER BY zoom_level", (table,))
    out = {}
    for z, mw, mh, tw, th, px, py in rows:
        if min(mw, mh, tw, th) <= 0 or not (px > 0 and py > 0):
            raise InputError(path, f"tile table {table!r}, zoom {z}: invalid tile matrix")
        out[int(z)] = _Matrix(int(z), int(mw), int(mh), int(tw), int(th), float(px), float(py))
    return out


def _extent(path: Path, table: str) -> tuple[float, float, float, float]:
    rows = _query(path, "SELECT min_x, min_y, max_x, max_y FROM gpkg_tile_matrix_set WHERE table_name = ?", (table,))
    min_x, min_y, max_x, max_y = (float(v) for v in rows[0])
    if not (max_x > min_x and max_y > min_y):
        raise InputError(path, f"tile table {table!r}: empty tile matrix set extent")
    return min_x, min_y, max_x, max_y


def _wgs84(path: Path, crs_text: str, xs, ys) -> tuple[np.ndarray, np.ndarray]:
    try:
        return transform_to_wgs84(xs, ys, crs_text)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def _boxes(path: Path, crs_text: str, x0, y0, x1, y1) -> list[tuple[Bounds, tuple | None]]:
    """geo.projected_boxes (bounds and corners, antimeridian-safe), its errors naming the file."""
    try:
        return projected_boxes(x0, y0, x1, y1, crs_text)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None


def read_info(path: Path, table: str | None = None) -> PackageInfo:
    path = Path(path)
    table = _tile_table(path, table)
    crs_text, _ = _crs(path, table)
    min_x, min_y, max_x, max_y = _extent(path, table)
    [(bounds, _)] = _boxes(path, crs_text, [min_x], [min_y], [max_x], [max_y])
    zooms = tuple(int(r[0]) for r in _query(path, f"SELECT DISTINCT zoom_level FROM {_quoted(path, table)} "
                                                  "ORDER BY zoom_level"))
    ident = _query(path, "SELECT identifier FROM gpkg_contents WHERE table_name = ?", (table,))
    return PackageInfo(path, "gpkg", zooms, None, bounds, _attribution(path), (ident[0][0] if ident else None) or table,
                       table)


def _attribution(path: Path) -> str | None:
    """The imagery's credit line that fetch-tiles recorded (geolocator_metadata, written by
    wmts_grid.GpkgSink for a WMTS national grid), None in a GeoPackage from elsewhere."""
    names = {r[0] for r in _query(path, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "geolocator_metadata" not in names:
        return None
    rows = _query(path, "SELECT value FROM geolocator_metadata WHERE name = 'attribution'")
    return str(rows[0][0]) if rows and rows[0][0] else None


def _ground_m(crs, m: _Matrix, lon: float, lat: float) -> float:
    """Ground width in metres of one tile of matrix `m` at (lon, lat): its width in CRS units,
    in metres, divided by the projection's scale factor there (Web Mercator's 1/cos(lat), ~1 for
    UTM; pyproj Proj.get_factors)."""
    size = m.tile_w * m.px_x
    if crs.is_geographic:
        return size * metres_per_degree(lat)[1]
    try:
        factor = float(crs.axis_info[0].unit_conversion_factor)
    except (IndexError, TypeError, ValueError):
        factor = 1.0
    try:
        from pyproj import Proj

        scale = float(Proj(crs).get_factors(lon, lat).parallel_scale)
    except Exception:  # noqa: BLE001 - a CRS without factors: take the map size as ground size
        scale = 1.0
    if not (scale > 0 and math.isfinite(scale)):
        scale = 1.0
    return size * factor / scale


def _stored_centre(path: Path, table: str, crs_text: str, matrices: dict[int, _Matrix], zooms) -> tuple[float, float]:
    """(lon, lat) of the middle of the stored tiles at the finest level (the tile matrix set's
    extent may be the whole world, as for Web Mercator sets)."""
    z = max(zooms)
    m = matrices[z]
    min_x, _, _, max_y = _extent(path, table)
    c0, c1, r0, r1 = _query(path, f"SELECT MIN(tile_column), MAX(tile_column), MIN(tile_row), MAX(tile_row) "
                                  f"FROM {_quoted(path, table)} WHERE zoom_level = ?", (z,))[0]
    if c0 is None:  # listed by SELECT DISTINCT but matching no integer: zoom_level stored as text (untyped column)
        raise InputError(path, f"tile table {table!r}: no tiles at zoom {z} (its zoom_level values are not integers)")
    x = min_x + (c0 + c1 + 1) / 2 * m.tile_w * m.px_x
    y = max_y - (r0 + r1 + 1) / 2 * m.tile_h * m.px_y
    lons, lats = _wgs84(path, crs_text, [x], [y])
    return float(lons[0]), float(lats[0])


def load(path: Path, *, zoom: int | None = None, tile_size_m: float | None = None, table: str | None = None) -> TileSet:
    """Tiles of one zoom level of one tile table (the first in gpkg_contents unless `table`), at
    `zoom` or the level nearest `tile_size_m` metres (package.choose_zoom). Ids and refs are
    "table/z/col/row" (GeoPackage rows, from the north)."""
    path = Path(path)
    info = read_info(path, table)
    if table is None and len(tables := _tile_tables(path)) > 1:
        # said where the set is loaded (once), not in read_info, which the app and CLI call often
        # and how to read another (leftovers36): GDAL's connection string, as gdalinfo and QGIS name a table
        # quoted for the shell where it needs it (trial37: the example "GPKG:area.gpkg:ortho 2024", pasted, gave
        # locate two arguments)
        log.warning("%s holds %d tile tables (%s); only %r, the first by name, is read: choose another as GDAL "
                    "names it, --tiles %s:TABLE (e.g. %s; the app takes the same name on its command line)",
                    path, len(tables), ", ".join(map(repr, tables)), info.table,
                    shlex.quote(f"{CONNECTION_PREFIX}{path}"),
                    shlex.quote(f"{CONNECTION_PREFIX}{path}:{next(t for t in tables if t != info.table)}"))
    table = info.table
    crs_text, crs = _crs(path, table)
    matrices = _matrices(path, table)
    zooms = tuple(z for z in info.zooms if z in matrices)
    if not zooms:
        raise InputError(path, f"tile table {table!r} holds no tiles with a tile matrix")
    lon, lat = _stored_centre(path, table, crs_text, matrices, zooms)
    z = pick_zoom(path, zooms, zoom, lambda level: _ground_m(crs, matrices[level], lon, lat), tile_size_m)
    m = matrices[z]
    min_x, _, _, max_y = _extent(path, table)
    cells = [(int(c), int(r)) for c, r in _query(
        path, f"SELECT tile_column, tile_row FROM {_quoted(path, table)} WHERE zoom_level = ? "
              "ORDER BY tile_column, tile_row", (z,))]
    bad = [(c, r) for c, r in cells if not (0 <= c < m.width and 0 <= r < m.height)]
    if bad:
        raise InputError(path, f"tile table {table!r}, zoom {z}: tile column/row {bad[0]} outside the "
                               f"{m.width}x{m.height} tile matrix")
    if not cells:
        raise InputError(path, f"tile table {table!r} has no tiles at zoom {z}")
    span_x, span_y = m.tile_w * m.px_x, m.tile_h * m.px_y
    cols = np.array([c for c, _ in cells], dtype=float)
    rows = np.array([r for _, r in cells], dtype=float)
    x0, x1 = min_x + cols * span_x, min_x + (cols + 1) * span_x
    y1, y0 = max_y - rows * span_y, max_y - (rows + 1) * span_y
    # every tile's box in one vectorised transform (transform_to_wgs84 refuses what it cannot place)
    tiles = []
    for (c, r), (bounds, corners) in zip(cells, _boxes(path, crs_text, x0, y0, x1, y1)):
        ref = f"{table}/{z}/{c}/{r}"
        tiles.append(Tile(id=ref, path=path, bounds=bounds, ref=ref, corners=corners))
    return TileSet(tuple(tiles), path, attribution=info.attribution, zoom=z)


def read_tile(path: Path, ref: str) -> bytes | None:
    """The bytes of tile `ref` ("table/z/col/row"; the table's name may hold "/" itself), None when the
    table lacks it."""
    table, *nums = str(ref).rsplit("/", 3)
    if len(nums) != 3:
        raise InputError(path, f"malformed tile reference {ref!r}")
    z, c, r = (as_int(path, ref, v) for v in nums)
    rows = _query(path, f"SELECT tile_data FROM {_quoted(path, table)} WHERE zoom_level = ? AND tile_column = ? "
                        "AND tile_row = ?", (z, c, r))
    return tile_blob(rows[0][0]) if rows else None
