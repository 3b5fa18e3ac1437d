"""WMTS tile matrix sets in a national grid (EPSG:28992 RD New, EPSG:2056 LV95, EPSG:2154 /
IGNF:LAMB93 Lambert-93, ...): read, listed for an area, and stored as a GeoPackage in their own CRS.

A tile matrix set (OGC 07-057r7, WMTS 1.0.0, section 6.1 and its Table 6) is one CRS
(SupportedCRS, e.g. "urn:ogc:def:crs:EPSG::28992") and matrices, each with a ScaleDenominator, a
TopLeftCorner, TileWidth/TileHeight (pixels) and MatrixWidth/MatrixHeight (tiles). Facts used:

- Pixel size: scale denominator x 0.28 mm (the standardized rendering pixel of WMTS 1.0.0 section
  6.1) in metres, divided by the metres in one CRS unit (1 for metre CRSs; for degrees the
  standard's 6378137 x 2 pi / 360 = 111319.49 m).
- TopLeftCorner is written in the CRS's own axis order (as WMS 1.3.0 BBOXes are): EPSG:4326 is
  latitude first ("90 -180"), and some projected CRSs are northing first (EPSG:3006 SWEREF99 TM,
  EPSG:2180, EPSG:3035, EPSG:31467); RD New, LV95 and Lambert-93 are easting first. The order is
  read from the CRS's axes (pyproj axis_info, `axis_order`): a first axis pointing north or south
  beside one pointing east or west is northing first; polar stereographic CRSs (EPSG:3413, 5041,
  32661) give both axes the direction "south" or "north" (towards a meridian, ISO 19111), so there
  the axis names say which is the easting. Grids counted west or south (EPSG:2065 Krovak,
  EPSG:2053 Lo29) are refused: tiles here run east and south from the top-left corner.
  QGIS Server's fix "WMTS: CRS can have axis inverted" (2019) writes it so too.
- Tile (col, row) of a matrix covers x from left + col x tile width x pixel, y from top - row x tile
  height x pixel downwards (rows count from the top; TileRow/TileCol in GetTile).

Stored as a GeoPackage tile pyramid (OGC 12-128r18 clause 2.2): its rows also count from the top
and its gpkg_tile_matrix_set holds the extent in the set's CRS, so each fetched tile is stored as
the service sent it, with no resampling, and core/sources/gpkg.py reads it back in its own CRS
(tile corners transformed to WGS84 for the rest of the pipeline).

One tile table has one extent, whose (min_x, max_y) is tile (0, 0)'s top-left corner at every
zoom level (clause 2.2.6, Table Data Values), and every zoom level listed in gpkg_tile_matrix must
cover that extent exactly: matrix_width x tile_width x pixel_x_size = max_x - min_x, and the same
for the height (Requirement 45 of clause 2.2.7 "Tile Matrix", as the OGC test suite for GeoPackage
quotes it). A WMTS set need not be so: swisstopo's LV95 matrices (resolutions 4000 m ... 0.1 m,
widths rounded up to whole tiles) each cover another box, and WMTS lets every matrix have its own
TopLeftCorner (Table 6). A fetch asks for one level, so the table's extent is that level's matrix
(its TopLeftCorner, MatrixWidth x TileWidth x pixel by MatrixHeight x TileHeight x pixel), and
gpkg_tile_matrix lists the set's levels that cover exactly that box (all 17 of PDOK's RD set; a
level of its own origin alone). A later run into the same file at a level not listed is refused:
it needs a .gpkg of its own. When the listed levels' pixel sizes are not all a factor 2 apart,
the table is declared in gpkg_extensions as "gpkg_zoom_other" (GeoPackage's Zoom Other Intervals
extension; zoom levels a factor 2 apart are the default, clause 2.2.3 "Zoom Times Two").
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from ..model import Bounds
from ..names import readable
from .fetch import FetchError, TooManyTiles, recorded_attribution, source_host

OGC_PIXEL_M = 0.00028  # WMTS 1.0.0 section 6.1: the standardized rendering pixel, 0.28 mm
METRES_PER_DEGREE = 6378137.0 * 2 * math.pi / 360  # WMTS 1.0.0 section 6.1, for CRSs in degrees
CORNER_TOLERANCE = 1e-6  # of a tile's width: corners closer than this are the same origin
MAX_TILE_PX = 4096
DENSIFY_POINTS = 21
GPKG_APPLICATION_ID = 0x47504B47  # "GPKG" (OGC 12-128r18 requirement 2)
GPKG_USER_VERSION = 10200  # GeoPackage 1.2
TILE_TABLE = "tiles"


@dataclass(frozen=True)
class GridMatrix:
    """One TileMatrix of a national grid set: `identifier` (what GetTile's TileMatrix takes),
    `scale` (ScaleDenominator), `left`/`top` (the TopLeftCorner as easting/northing, or lon/lat, in
    CRS units, whatever order the document wrote them in), `pixel` (CRS units per pixel), tile and
    matrix sizes."""

    identifier: str
    scale: float
    left: float
    top: float
    pixel: float
    tile_w: int
    tile_h: int
    matrix_w: int
    matrix_h: int

    @property
    def span_x(self) -> float:
        return self.tile_w * self.pixel

    @property
    def span_y(self) -> float:
        return self.tile_h * self.pixel


@dataclass(frozen=True)
class GridSet:
    """A tile matrix set in a CRS other than Web Mercator: `identifier`, `crs_text` (as the document
    writes it), `crs` (what pyproj reads: "EPSG:28992", or the text itself), `matrices` (coarse to
    fine: the index in this tuple is the "zoom" fetch.py counts tiles with), `northing_first`
    (the corners were written northing first, the CRS's axis order), `metres_per_unit`."""

    identifier: str
    crs_text: str
    crs: str
    matrices: tuple[GridMatrix, ...]
    northing_first: bool
    metres_per_unit: float

    def label(self) -> str:
        from ..geo import crs_label

        return crs_label(self.crs)

    def extent(self, level: int = 0) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) in CRS units covered by matrix `level` (its TopLeftCorner,
        MatrixWidth x TileWidth pixels across, MatrixHeight x TileHeight down): the extent of a
        GeoPackage tile table that holds that level (module docstring)."""
        m = self.matrices[level]
        return m.left, m.top - m.matrix_h * m.span_y, m.left + m.matrix_w * m.span_x, m.top

    def covers_exactly(self, level: int, extent: tuple[float, float, float, float]) -> bool:
        """Whether matrix `level` covers exactly `extent` (min x, min y, max x, max y; CRS units):
        its top-left corner at (min x, max y) and its tiles spanning the width and the height, to
        CORNER_TOLERANCE of a tile. What a GeoPackage zoom level must do (module docstring)."""
        m = self.matrices[level]
        tol = CORNER_TOLERANCE * m.span_x
        mine = self.extent(level)
        return all(abs(a - b) <= tol for a, b in zip(mine, extent))

    def levels_of(self, extent: tuple[float, float, float, float]) -> list[int]:
        """The levels (matrix indices, coarse to fine) that cover exactly `extent`."""
        return [level for level in range(len(self.matrices)) if self.covers_exactly(level, extent)]

    def ground_m(self, level: int, lon: float, lat: float) -> float:
        """Ground width in metres of one tile of matrix `level` at (lon, lat) degrees: its width in
        CRS units in metres divided by the projection's scale factor there (pyproj get_factors)."""
        m = self.matrices[level]
        size = m.span_x * self.metres_per_unit
        try:
            from pyproj import CRS, Proj

            crs = CRS.from_user_input(self.crs)
            if crs.is_geographic:
                from ..geo import metres_per_degree

                return m.span_x * metres_per_degree(lat)[1]
            scale = float(Proj(crs).get_factors(lon, lat).parallel_scale)
        except Exception:  # noqa: BLE001 - a CRS without factors: the map size is the ground size
            scale = 1.0
        return size / scale if scale > 0 and math.isfinite(scale) else size

    def pixel_m(self, level: int) -> float:
        """The pixel size of matrix `level` in metres (scale denominator x 0.28 mm)."""
        return self.matrices[level].scale * OGC_PIXEL_M

    def area_in_crs(self, area: Bounds) -> tuple[float, float, float, float]:
        """`area` (WGS84 degrees) as (min x, min y, max x, max y) in the set's CRS, easting first,
        edges densified (a box in degrees is not a box in a projected CRS). Raises FetchError when
        pyproj cannot transform it."""
        from pyproj import CRS, Transformer
        from pyproj.exceptions import ProjError

        try:
            t = Transformer.from_crs(CRS.from_epsg(4326), CRS.from_user_input(self.crs), always_xy=True)
            box = t.transform_bounds(area.west, area.south, area.east, area.north, densify_pts=DENSIFY_POINTS)
        except ProjError as exc:
            raise FetchError(f"the area cannot be transformed to {self.label()} ({exc})") from None
        if not all(math.isfinite(v) for v in box):
            raise FetchError(f"the area {area.west:.4f},{area.south:.4f},{area.east:.4f},{area.north:.4f} cannot be "
                             f"transformed to {self.label()}: it lies outside what that CRS can hold")
        return box

    def tiles(self, level: int, area: Bounds, max_tiles: int) -> list[tuple[int, int, int]]:
        """(level, col, row) of the tiles of matrix `level` that `area` (WGS84 Bounds) touches, inside
        the matrix (cols 0..MatrixWidth-1, rows 0..MatrixHeight-1), columns then rows ascending.
        Raises FetchError for an area wholly outside the matrix, TooManyTiles above `max_tiles`."""
        m = self.matrices[level]
        x0, y0, x1, y1 = self.area_in_crs(area)
        hair = 1e-9 * m.span_x  # an edge on a tile boundary does not add a column or a row
        c0 = max(0, math.floor((x0 - m.left) / m.span_x))
        c1 = min(m.matrix_w - 1, math.floor((x1 - m.left - hair) / m.span_x))
        r0 = max(0, math.floor((m.top - y1) / m.span_y))
        r1 = min(m.matrix_h - 1, math.floor((m.top - y0 - hair) / m.span_y))
        if c1 < c0 or r1 < r0:
            raise FetchError(f"the area lies wholly outside tile matrix {m.identifier!r} of set {self.identifier!r} "
                             f"({self.label()})")
        n = (c1 - c0 + 1) * (r1 - r0 + 1)
        if n > max_tiles:
            raise TooManyTiles(n, level, max_tiles)
        return [(level, c, r) for c in range(c0, c1 + 1) for r in range(r0, r1 + 1)]

    def tile_box(self, level: int, col: int, row: int) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of a tile in CRS units."""
        m = self.matrices[level]
        x = m.left + col * m.span_x
        y = m.top - row * m.span_y
        return x, y - m.span_y, x + m.span_x, y


def crs_of(text: str):
    """(the text pyproj reads, pyproj CRS) for a SupportedCRS as documents write it:
    "urn:ogc:def:crs:EPSG::28992", "urn:ogc:def:crs:EPSG:6.18:3:2056" (a versioned URN PROJ does
    not read), "EPSG:2154", "http://www.opengis.net/def/crs/EPSG/0/28992", "IGNF:LAMB93". Raises
    ValueError when none of these is known."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    text = str(text or "").strip()
    tries = [text]
    m = re.search(r"(\d+)\s*$", text)
    if m and "epsg" in text.lower():
        tries.insert(0, f"EPSG:{m.group(1)}")
    for t in tries:
        try:
            return t, CRS.from_user_input(t)
        except (CRSError, ValueError, TypeError):
            continue
    raise ValueError(f"unknown CRS {text!r}")


def axis_order(axes) -> tuple[bool | None, str]:
    """(northing first?, "") for a CRS's first two pyproj AxisInfo, or (None, why) for axes this
    module cannot tile: a grid counted west or south (x growing to the west, EPSG:2065 Krovak,
    EPSG:2053 Lo29). Polar stereographic CRSs, whose both axes point "north" or "south" (towards a
    meridian), are ordered by the axes' names (Easting/Northing, ISO 19111 axis names)."""
    first, second = (a.direction.lower() for a in axes[:2])
    ns, ew = ("north", "south"), ("east", "west")
    if first in ns and second in ns:  # polar: the names, not the directions
        return axes[0].name.lower().startswith(("northing", "southing")), ""
    if {first, second} == {"north", "east"}:
        return first == "north", ""
    if (first in ns and second in ew) or (first in ew and second in ns):
        return None, (f"its axes count {first} and {second}; only grids counted east and north "
                      "(or polar grids) are supported")
    return None, f"its axes point {first} and {second}, not a map grid"


def grid_set(tms) -> tuple[GridSet | None, str]:
    """(GridSet, "") for an owslib TileMatrixSet whose CRS pyproj knows (metres or degrees), else
    (None, why not). The corners are read in the CRS's axis order (module docstring); the
    matrices are put coarse to fine (by pixel size)."""
    try:
        code, crs = crs_of(tms.crs)
    except ValueError:
        return None, f"unknown CRS {tms.crs!r}"
    axes = crs.axis_info
    if len(axes) < 2:
        return None, f"CRS {tms.crs}: not a 2D CRS"
    northing_first, why = axis_order(axes)
    if northing_first is None:
        return None, f"CRS {tms.crs}: {why}"
    if crs.is_geographic:
        per_unit = METRES_PER_DEGREE
    else:
        per_unit = float(axes[0].unit_conversion_factor or 0)
        if not (per_unit > 0 and math.isfinite(per_unit)):
            return None, f"CRS {tms.crs}: unknown unit {axes[0].unit_name!r}"
    if not tms.tilematrix:
        return None, "no tile matrices"
    matrices = []
    for ident, tm in tms.tilematrix.items():
        if not (tm.scaledenominator > 0 and math.isfinite(tm.scaledenominator)):
            return None, f"matrix {ident!r}: scale denominator {tm.scaledenominator}"
        if not (0 < tm.tilewidth <= MAX_TILE_PX and 0 < tm.tileheight <= MAX_TILE_PX):
            return None, f"matrix {ident!r}: {tm.tilewidth} x {tm.tileheight} px tiles"
        if not (tm.matrixwidth > 0 and tm.matrixheight > 0):
            return None, f"matrix {ident!r}: {tm.matrixwidth} x {tm.matrixheight} tiles"
        a, b = tm.topleftcorner  # owslib keeps the document's order
        if not (math.isfinite(a) and math.isfinite(b)):
            return None, f"matrix {ident!r}: top-left corner {a} {b}"
        left, top = (b, a) if northing_first else (a, b)
        if crs.is_geographic and not (abs(left) <= 360 and abs(top) <= 90 + 1e-6):
            return None, f"matrix {ident!r}: top-left corner {a:g} {b:g} is not in degrees ({tms.crs})"
        pixel = tm.scaledenominator * OGC_PIXEL_M / per_unit
        matrices.append(GridMatrix(ident, float(tm.scaledenominator), left, top, pixel, int(tm.tilewidth),
                                   int(tm.tileheight), int(tm.matrixwidth), int(tm.matrixheight)))
    matrices.sort(key=lambda m: -m.pixel)
    for a, b in zip(matrices, matrices[1:]):
        if math.isclose(a.pixel, b.pixel, rel_tol=1e-9):
            return None, f"matrices {a.identifier!r} and {b.identifier!r} have the same scale"
    return GridSet(tms.identifier, tms.crs, code, tuple(matrices), northing_first, per_unit), ""


def describe(grid: GridSet, levels: tuple[int, ...]) -> str:
    """"national grid EPSG:28992, levels 0 to 16 (pixels 3440.64 m to 0.105 m), into a .gpkg"."""
    from .wmts import _zoom_text

    lo, hi = grid.pixel_m(levels[0]), grid.pixel_m(levels[-1])
    return (f"national grid {grid.label()}, levels {_zoom_text(levels)} (pixels {lo:.4g} m to {hi:.4g} m), "
            "into a .gpkg")


# ---------------------------------------------------------------- the GeoPackage it is stored in


_SCHEMA = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
  identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT
  (strftime('%Y-%m-%dT%H:%M:%fZ','now')), min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
CREATE TABLE IF NOT EXISTS gpkg_tile_matrix_set (table_name TEXT NOT NULL PRIMARY KEY, srs_id INTEGER NOT NULL,
  min_x DOUBLE NOT NULL, min_y DOUBLE NOT NULL, max_x DOUBLE NOT NULL, max_y DOUBLE NOT NULL);
CREATE TABLE IF NOT EXISTS gpkg_tile_matrix (table_name TEXT NOT NULL, zoom_level INTEGER NOT NULL,
  matrix_width INTEGER NOT NULL, matrix_height INTEGER NOT NULL, tile_width INTEGER NOT NULL,
  tile_height INTEGER NOT NULL, pixel_x_size DOUBLE NOT NULL, pixel_y_size DOUBLE NOT NULL,
  CONSTRAINT pk_ttm PRIMARY KEY (table_name, zoom_level));
CREATE TABLE IF NOT EXISTS "tiles" (id INTEGER PRIMARY KEY AUTOINCREMENT, zoom_level INTEGER NOT NULL,
  tile_column INTEGER NOT NULL, tile_row INTEGER NOT NULL, tile_data BLOB NOT NULL,
  UNIQUE (zoom_level, tile_column, tile_row));
CREATE TABLE IF NOT EXISTS geolocator_metadata (name TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
  definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
CREATE TABLE IF NOT EXISTS geolocator_missing (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
  PRIMARY KEY (zoom_level, tile_column, tile_row));
"""
ZOOM_OTHER = ("gpkg_zoom_other", "http://www.geopackage.org/spec/#extension_zoom_other_intervals", "read-write")
_REQUIRED_SRS = [  # OGC 12-128r18 requirement 11: these three rows are always there
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
]


def _srs_row(grid: GridSet) -> tuple:
    from pyproj import CRS

    crs = CRS.from_user_input(grid.crs)
    auth = crs.to_authority()
    if auth and auth[0] == "EPSG":
        return (crs.name, int(auth[1]), "EPSG", int(auth[1]), crs.to_wkt(), grid.crs_text)
    return (crs.name, 100000, auth[0] if auth else "NONE", 100000, crs.to_wkt(), grid.crs_text)


def _zoom_other(grid: GridSet, levels: list[int]) -> bool:
    """Whether the pixel sizes of `levels` (listed in one tile table) are not all a factor 2 apart."""
    return any(not math.isclose(grid.matrices[a].pixel, 2 * grid.matrices[b].pixel, rel_tol=1e-9)
               for a, b in zip(levels, levels[1:])) or any(b != a + 1 for a, b in zip(levels, levels[1:]))


class GpkgSink:
    """fetch.py's sink for a national grid set: a GeoPackage whose one tile table ("tiles") holds
    matrix `level` of the set (the level fetched; None: the first): its extent is that matrix's,
    and gpkg_tile_matrix lists every level of the set that covers exactly that extent, numbered as
    GridSet.matrices (module docstring: GeoPackage Requirement 45), with gpkg_zoom_other declared
    when they are not a factor 2 apart. Tiles stored as sent; 404s in geolocator_missing;
    attribution, source host and the set in geolocator_metadata (core/sources/gpkg.py reads the
    attribution back). Raises InputError for a file that is not a GeoPackage, holds another grid,
    or holds levels of this set whose extent `level` does not cover exactly."""

    def __init__(self, path: Path, template, grid: GridSet, level: int | None = None) -> None:
        self.path = Path(path)
        self.created = not self.path.exists()
        self.grid = grid
        self._stored = False
        self._committed_changes = 0  # sqlite's total_changes at the last commit: nothing new, nothing written
        try:  # what a 404 recorded without a time counts as (missing_tiles): the file's last change before this run
            self._undated = self.path.stat().st_mtime
        except OSError:
            self._undated = None
        self._times = None
        from .package_commit import Uncommitted

        self._pending = Uncommitted()  # put since the last commit: keep_stored() after a failed write
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path)
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if tables and "geolocator_metadata" not in tables:  # someone else's file: never written into
                self.db.close()
                raise InputError(self.path, "already holds other content (it was not made by fetch-tiles): give a "
                                            "new .gpkg file")
            self.db.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, OSError) as exc:
            from .mbtiles import disk_refusal

            refusal = disk_refusal(self.path, exc, self.created)  # not the file's fault, as in MBTilesWriter
            if refusal is not None:
                raise refusal from None
            raise InputError(self.path, f"cannot write tiles into it: not a GeoPackage ({exc})") from None
        srs = _srs_row(grid)
        level = 0 if level is None else int(level)
        extent = grid.extent(level)
        row = self.db.execute("SELECT srs_id, min_x, min_y, max_x, max_y FROM gpkg_tile_matrix_set WHERE "
                              "table_name = ?", (TILE_TABLE,)).fetchone()
        if row is None:
            self.db.execute("PRAGMA application_id = %d" % GPKG_APPLICATION_ID)
            self.db.execute("PRAGMA user_version = %d" % GPKG_USER_VERSION)
            self.db.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)",
                                _REQUIRED_SRS + [("WGS 84 geodetic", 4326, "EPSG", 4326, _wgs84_wkt(), "")])
            self.db.execute("INSERT OR REPLACE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", srs)
            self.db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, "
                            "max_x, max_y, srs_id) VALUES (?, 'tiles', ?, ?, ?, ?, ?, ?, ?)",
                            (TILE_TABLE, template.name or readable(self.path.stem), f"WMTS tile matrix set {grid.identifier}",
                             *extent, srs[1]))
            self.db.execute("INSERT INTO gpkg_tile_matrix_set VALUES (?, ?, ?, ?, ?, ?)", (TILE_TABLE, srs[1], *extent))
            levels = grid.levels_of(extent)
            for z in levels:
                m = grid.matrices[z]
                self.db.execute("INSERT INTO gpkg_tile_matrix VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                (TILE_TABLE, z, m.matrix_w, m.matrix_h, m.tile_w, m.tile_h, m.pixel, m.pixel))
            if _zoom_other(grid, levels):
                self.db.execute("INSERT OR IGNORE INTO gpkg_extensions VALUES (?, 'tile_data', ?, ?, ?)",
                                (TILE_TABLE, *ZOOM_OTHER))
        else:
            stored = tuple(float(v) for v in row[1:])
            listed = {int(r[0]) for r in self.db.execute("SELECT zoom_level FROM gpkg_tile_matrix WHERE table_name = ?",
                                                         (TILE_TABLE,))}
            if int(row[0]) != srs[1] or not grid.levels_of(stored):
                raise InputError(self.path, f"holds tiles of another grid than the tile matrix set {grid.identifier!r} "
                                            f"({grid.label()}): give a new .gpkg file")
            if level not in listed or not grid.covers_exactly(level, stored):
                m = grid.matrices[level]
                held = sorted(listed)
                what = f"level {held[0]}" if len(held) == 1 else f"levels {', '.join(str(z) for z in held)}"
                raise InputError(self.path, f"holds {what} of tile matrix set {grid.identifier!r}; level {level} "
                                            f"(matrix {m.identifier!r}) covers another extent, and a GeoPackage tile "
                                            f"table has one extent for all its levels: give a new .gpkg file for "
                                            f"level {level}")
        self.set_metadata(source=source_host(template.url), name=template.name, tile_matrix_set=grid.identifier,
                          crs=grid.crs)
        if template.attribution:
            self.set_metadata(attribution=template.attribution)
        elif not self.get_metadata("attribution"):  # a credit line given by an earlier run is kept
            self.set_metadata(attribution=recorded_attribution(template)[0])
        self.db.commit()

    def set_metadata(self, **values) -> None:
        """Store metadata rows; a value already stored as it is is not written again (a rerun that fetches
        nothing leaves the file as it was: its size and time key the feature cache, core/cache.py)."""
        for key, value in values.items():
            if value is not None and self.get_metadata(key) != str(value):
                self.db.execute("INSERT OR REPLACE INTO geolocator_metadata VALUES (?, ?)", (key, str(value)))

    def get_metadata(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM geolocator_metadata WHERE name = ?", (key,)).fetchone()
        return row[0] if row else None

    def has(self, z, x, y) -> bool:
        return self.stored(z, x, y) is not None

    def stored(self, z, x, y) -> bytes | None:
        row = self.db.execute(f'SELECT tile_data FROM "{TILE_TABLE}" WHERE zoom_level=? AND tile_column=? AND '
                              "tile_row=?", (z, x, y)).fetchone()
        return bytes(row[0]) if row and row[0] is not None else None

    def known_missing(self, z, x, y) -> bool:
        return self.missing_age(z, x, y) is not None

    def missing_age(self, z, x, y) -> float | None:
        """Seconds since tile (level, col, row) was recorded missing (404), None when it is not."""
        return self._missing_times().age(z, x, y)

    def _missing_times(self):
        from .missing_tiles import SqliteMissingTimes

        if self._times is None:
            self._times = SqliteMissingTimes(self.db, self.path, undated=self._undated)
        return self._times

    def _insert(self, z, x, y, data: bytes) -> None:
        self.db.execute(f'INSERT OR REPLACE INTO "{TILE_TABLE}" (zoom_level, tile_column, tile_row, tile_data) '
                        "VALUES (?, ?, ?, ?)", (z, x, y, data))

    def put(self, z, x, y, data: bytes, kind: str) -> None:
        self._insert(z, x, y, data)
        self._stored = True
        self._pending.add(z, x, y, data, kind)

    def missing(self, z, x, y) -> None:
        """Record tile (level, col, row) missing (404) now; a tile recorded before gets the new time."""
        when = time.time()
        self._missing_times().record(z, x, y, when)
        self._pending.add_missing(z, x, y, when)  # replayed by keep_stored when a failed write rolled it back

    def commit(self) -> None:
        if self.db.total_changes > self._committed_changes:  # last_change only when something changed (session 33)
            self.db.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?",
                            (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), TILE_TABLE))
        self.db.commit()
        self._committed_changes = self.db.total_changes
        self._pending.clear()

    def keep_stored(self) -> int:
        """After a failed write: commit the tiles put since the last commit, as many as the disk takes
        (package_commit.keep_stored); returns how many."""
        from .package_commit import keep_stored

        kept = keep_stored(self.db, self._pending, lambda z, x, y, data, kind: self._insert(z, x, y, data),
                           lambda z, x, y, when: self._missing_times().record(z, x, y, when))
        self._committed_changes = self.db.total_changes
        return kept

    def close(self) -> None:
        try:
            self.commit()
        finally:  # a commit that fails (a full disk) still lets the file go
            self.db.close()

    def discard_if_empty(self) -> bool:
        """After close(): delete the file when this run created it and it holds no tile. True when deleted."""
        if not self.created or self._stored:
            return False
        for p in (self.path, self.path.with_name(self.path.name + "-journal")):
            p.unlink(missing_ok=True)
        return True


def _wgs84_wkt() -> str:
    from pyproj import CRS

    return CRS.from_epsg(4326).to_wkt()
