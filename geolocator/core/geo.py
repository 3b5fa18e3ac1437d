"""Geodesy helpers: distances, slippy-map tiles, world files and CRS transforms.

Everything the rest of the app sees is WGS84 degrees; this module is where other coordinate
systems get converted, so the conventions (half-pixel offsets, TMS flips) live in one place.
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import InputError
from .model import Bounds, LatLon

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius: the usual choice for haversine
WEB_MERCATOR_MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))  # ~85.0511


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres on a spherical Earth (error < 0.5 %, fine for scoring)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) at `lat` on WGS84.

    Series expansion of the ellipsoid's meridional and parallel radii; accurate to centimetres,
    which is plenty for turning a tile size in metres into degrees.
    """
    p = math.radians(lat)
    m_lat = 111_132.92 - 559.82 * math.cos(2 * p) + 1.175 * math.cos(4 * p) - 0.0023 * math.cos(6 * p)
    m_lon = 111_412.84 * math.cos(p) - 93.5 * math.cos(3 * p) + 0.118 * math.cos(5 * p)
    return m_lat, max(m_lon, 0.0)


# Deepest zoom accepted: ~4 cm tiles at z=30; deeper, float64 degrees can no longer tell a tile's
# edges apart near the poles (z=52 gave zero-height tiles) and nobody serves such tiles.
MAX_ZOOM = 30


def _tile_lat(y: float, n: int) -> float:
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def xyz_tile_bounds(z: int, x: int, y: int, tms: bool = False) -> Bounds:
    """WGS84 bounds of a Web-Mercator tile. XYZ counts rows from the north, TMS from the south."""
    if not 0 <= z <= MAX_ZOOM:  # checked before 2**z: a huge z in a folder name would never finish
        raise ValueError(f"zoom level {z} is out of range 0..{MAX_ZOOM}")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise ValueError(f"tile z={z} x={x} y={y} does not exist (x and y must be in 0..{n - 1})")
    if tms:
        y = n - 1 - y
    return Bounds(
        west=x / n * 360.0 - 180.0,
        south=_tile_lat(y + 1, n),
        east=(x + 1) / n * 360.0 - 180.0,
        north=_tile_lat(y, n),
    )


def parse_number(path: Path, line: int, name: str, text: str, lo: float, hi: float) -> float:
    """A finite float in [lo, hi] or an InputError naming file, line and column."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, f"{name} is not a number: {text!r}", line=line) from None
    if not math.isfinite(value):
        raise InputError(path, f"{name} is not a finite number: {text!r}", line=line)
    if not lo <= value <= hi:
        raise InputError(path, f"{name} = {value} is out of range [{lo:g}, {hi:g}]", line=line)
    return value


def read_world_file(path: Path) -> tuple[float, float, float, float, float, float]:
    """Read the six numbers (A, D, B, E, C, F) of an ESRI world file, in file order.

    Rotated rasters (B or D non-zero) are refused here: tiles are axis-aligned bounding boxes,
    so a rotated image would be mislocated silently otherwise.
    """
    path = Path(path)
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()]
    except OSError as exc:
        raise InputError(path, f"cannot read world file ({exc.strerror or exc})") from None
    lines = [ln for ln in lines if ln]
    if len(lines) != 6:
        raise InputError(path, f"a world file has 6 numbers, one per line; found {len(lines)} lines")
    values = [parse_number(path, i, f"value {i}", text, -math.inf, math.inf) for i, text in enumerate(lines, start=1)]
    a, d, b, e, c, f = values
    if b != 0.0 or d != 0.0:
        raise InputError(path, "rotated world files (non-zero rotation terms on lines 2-3) are not supported")
    if a == 0.0 or e == 0.0:
        raise InputError(path, "pixel size (line 1 or 4) is zero")
    return a, d, b, e, c, f


def world_file_bounds(
    world: tuple[float, float, float, float, float, float], width: int, height: int, epsg: int | str
) -> Bounds:
    """WGS84 bounds of a `width` x `height` image georeferenced by `world` in `epsg`.

    C, F locate the CENTRE of the top-left pixel, so the outer edge is half a pixel further out.
    """
    a, d, b, e, c, f = world
    if b != 0.0 or d != 0.0:
        raise ValueError("rotated world files are not supported")
    x0, y0 = c - a / 2.0, f - e / 2.0  # outer corner of the top-left pixel
    x1, y1 = x0 + a * width, y0 + e * height
    xs = np.array([x0, x1, x0, x1], dtype=float)
    ys = np.array([y0, y0, y1, y1], dtype=float)
    lons, lats = transform_to_wgs84(xs, ys, epsg)
    return Bounds(float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max()))


def _is_wgs84(crs: int | str) -> bool:
    return str(crs).strip().upper() in {"4326", "EPSG:4326"}


@lru_cache(maxsize=32)
def _transformer(crs: int | str):
    # pyproj is imported lazily so modules that only need haversine stay quick to import.
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        src = CRS.from_epsg(int(crs)) if str(crs).isdigit() else CRS.from_user_input(crs)
    except (CRSError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown coordinate system {crs!r} ({exc})") from None
    # always_xy: inputs are (easting, northing) / (lon, lat) whatever the CRS's axis order says.
    return Transformer.from_crs(src, CRS.from_epsg(4326), always_xy=True)


def transform_to_wgs84(xs, ys, epsg: int | str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates from `epsg` (an EPSG number, or any CRS text pyproj accepts) to
    WGS84 (lons, lats). Raises ValueError for an unknown CRS or points it cannot transform."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    if _is_wgs84(epsg):
        lons, lats = xs.copy(), ys.copy()
    else:
        lons, lats = _transformer(epsg).transform(xs, ys)
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if not (np.all(np.isfinite(lons)) and np.all(np.isfinite(lats))):
        raise ValueError(f"coordinates cannot be transformed from {epsg} to WGS84 (wrong EPSG code?)")
    if np.any(np.abs(lats) > 90) or np.any(np.abs(lons) > 180):
        raise ValueError(f"coordinates fall outside the globe once transformed from {epsg} (wrong EPSG code?)")
    return lons, lats
