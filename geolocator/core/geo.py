"""Geodesy helpers: distances, ground sizes, slippy-map tiles, world files and CRS transforms.

Everything the rest of the app sees is WGS84 degrees; this module is where other coordinate
systems get converted, so the conventions (half-pixel offsets, TMS flips, the antimeridian) live
in one place. Ground sizes are geodesic metres on the WGS84 ellipsoid (pyproj.Geod), whatever the
CRS's own units are (Web Mercator metres are not ground metres away from the equator).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from .bom_text import read_bom_text
from .errors import InputError
from .model import Bounds, LatLon

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius: the usual choice for haversine
WEB_MERCATOR_MAX_LAT = math.degrees(math.atan(math.sinh(math.pi)))  # ~85.0511


def haversine_m(a: LatLon, b: LatLon) -> float:
    """Great-circle distance in metres on a spherical Earth (radius EARTH_RADIUS_M), fine for
    scoring: within 0.57 % of the WGS84 geodesic (geodesic_m), the worst a short north-south step
    on the equator, where the meridian curves with radius 6,335 km (measured against pyproj.Geod
    by tests/test_prop_geo.py)."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat = lat2 - lat1
    dlon = math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=1)
def _geod():
    from pyproj import Geod

    return Geod(ellps="WGS84")


def geodesic_m(a: LatLon, b: LatLon) -> float:
    """Geodesic distance in metres on the WGS84 ellipsoid (Karney's algorithm via pyproj.Geod):
    the exact figure for sizes shown to the user; `haversine_m` stays the scoring distance."""
    return float(_geod().inv(a.lon, a.lat, b.lon, b.lat)[2])


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of latitude, metres per degree of longitude) at `lat` on WGS84.

    Measured with pyproj.Geod over 0.001° steps (the ellipsoid's meridional and parallel radii),
    so it is exact to well under a millimetre per degree.
    """
    lat = max(-90.0, min(90.0, float(lat)))
    step = 1e-3
    lo, hi = max(-90.0, lat - step / 2), min(90.0, lat + step / 2)
    g = _geod()
    m_lat = g.inv(0.0, lo, 0.0, hi)[2] / (hi - lo)
    m_lon = 0.0 if abs(lat) >= 90.0 else g.inv(0.0, lat, step, lat)[2] / step
    return float(m_lat), float(max(m_lon, 0.0))


def local_metres(points, origin: LatLon) -> np.ndarray:
    """(N, 2) float64 east/north metres of `points` (LatLon, degrees) about `origin`: equirectangular
    at the origin's latitude (metres_per_degree; exact enough over a flight or a photo's footprint),
    east the short way round, so a point just across ±180° is metres away, not the globe's girth."""
    m_lat, m_lon = metres_per_degree(origin.lat)
    return np.array([[((p.lon - origin.lon + 180.0) % 360.0 - 180.0) * m_lon, (p.lat - origin.lat) * m_lat]
                     for p in points], np.float64).reshape(-1, 2)


def ground_size_m(bounds: Bounds) -> tuple[float, float]:
    """(width, height) in metres on the ground of a lon/lat box: the width along its middle
    parallel, the height along its middle meridian (geodesics on WGS84; antimeridian-safe)."""
    mid_lat, mid_lon = bounds.center.lat, bounds.center.lon
    g = _geod()
    half = bounds.width_deg / 2.0
    width = g.inv(mid_lon - half, mid_lat, mid_lon, mid_lat)[2] + g.inv(mid_lon, mid_lat, mid_lon + half, mid_lat)[2]
    height = g.inv(mid_lon, bounds.south, mid_lon, bounds.north)[2]
    return float(width), float(height)


def format_ground_size(bounds: Bounds) -> str:
    """'97 x 100 m' (or km above 10 km): a tile's size on the ground, as shown to the user."""
    w, h = ground_size_m(bounds)
    if max(w, h) >= 10_000:
        return f"{w / 1000:.1f} x {h / 1000:.1f} km"
    return f"{w:.0f} x {h:.0f} m"


def format_distance(metres: float) -> str:
    """A distance as people write it: '0.10 m', '2.3 m', '142 m', '2.3 km', '2259 km'. Two decimals
    under 1 m (a verified Point's error), one under 10 m and 10 km, whole units above; the unit
    changes where the rounded figure would read 1000 m. No thousands separator (session 28): "2,259
    km" reads 2.259 km to a German, French or Brazilian reader, whose decimal mark is the comma, and
    both are plausible distances; SI writes digits ungrouped or grouped by a space, never by a comma."""
    m = float(metres)
    if abs(m) < 0.995:
        return f"{m:.2f} m"
    if abs(m) < 9.95:
        return f"{m:.1f} m"
    if abs(m) < 999.5:
        return f"{m:.0f} m"
    if abs(m) < 9_950:
        return f"{m / 1000:.1f} km"
    return f"{m / 1000:.0f} km"


def ground_metres_per_pixel(crs, x: float, y: float, dx: float, dy: float, steps: int = 16) -> tuple[float, float]:
    """Ground metres of one pixel step (dx along columns, dy along rows, in `crs` units) at the
    map point (x, y): both steps are transformed to WGS84 and measured as geodesics, so the
    figure is right for any CRS (Web Mercator's 1/cos(lat) scale, UTM's k, US survey feet,
    degrees). Measured over `steps` pixels centred on the point to keep rounding out of it.

    Raises ValueError when the CRS is unknown or the point cannot be transformed.
    """
    h = steps / 2.0
    xs = [x - h * dx, x + h * dx, x, x]
    ys = [y, y, y - h * dy, y + h * dy]
    lons, lats = transform_to_wgs84(xs, ys, crs)
    g = _geod()
    col_m = g.inv(lons[0], lats[0], lons[1], lats[1])[2] / steps
    row_m = g.inv(lons[2], lats[2], lons[3], lats[3])[2] / steps
    return float(col_m), float(row_m)


def bounds_from_lonlat(lons, lats) -> Bounds:
    """The narrowest lon/lat box around points (e.g. a tile's transformed corners).

    Points on both sides of ±180° that lie closer across it than across 0° give a box that
    crosses the antimeridian (west > east, RFC 7946 §3.1.9), not one that spans the globe.
    """
    return _boxes_from_lonlat(np.reshape(np.asarray(lons, float), (1, -1)), np.reshape(np.asarray(lats, float), (1, -1)))[0]


def _boxes_from_lonlat(lons: np.ndarray, lats: np.ndarray) -> list[Bounds]:
    """bounds_from_lonlat of each row of (n, k) lon/lat arrays, vectorised."""
    west, east = lons.min(axis=1), lons.max(axis=1)
    wide = east - west > 180.0
    if wide.any():
        shifted = np.where(lons < 0, lons + 360.0, lons)
        s_west, s_east = shifted.min(axis=1), shifted.max(axis=1)
        across = wide & (s_east - s_west < east - west)  # closer across ±180° than across 0°
        west = np.where(across, np.where(s_west > 180.0, s_west - 360.0, s_west), west)
        east = np.where(across, np.where(s_east > 180.0, s_east - 360.0, s_east), east)
    south, north = lats.min(axis=1), lats.max(axis=1)
    return [Bounds(float(w), float(s), float(e), float(n)) for w, s, e, n in zip(west, south, east, north)]


def projected_boxes_bounds(x0, y0, x1, y1, crs) -> list[Bounds]:
    """WGS84 bounds of axis-aligned boxes in `crs` (an EPSG number, any CRS text pyproj accepts,
    a pyproj/rasterio CRS): x0, y0, x1, y1 are arrays (n,) of their edges in CRS units. Each box's
    corners and edge midpoints (a projected rectangle's lon/lat extent can bulge between corners)
    go through one vectorised transform; a box across ±180° comes back with west > east (RFC 7946
    §3.1.9, bounds_from_lonlat). Raises ValueError for an unknown CRS or points it cannot transform."""
    return [b for b, _ in projected_boxes(x0, y0, x1, y1, crs)]


# Corners closer to a lon/lat-aligned box than this (degrees, ~1 mm) are not worth keeping.
_ALIGNED_DEG = 1e-8


def projected_boxes(x0, y0, x1, y1, crs) -> list[tuple[Bounds, tuple[LatLon, LatLon, LatLon, LatLon] | None]]:
    """Each box's (bounds, corners): projected_boxes_bounds, plus the WGS84 positions of the
    box's corners as a north-up image of it has them (top-left, top-right, bottom-right,
    bottom-left; "up" is +y of the CRS), or None when the box is aligned with lon/lat. A projected
    CRS turns its grid against the meridians by the grid convergence (UTM: up to ~3°, 1° at Las
    Vegas in zone 11), so a pixel's place is not linear in the lon/lat bounds; Tile.point_at uses
    the corners. Same transform, same errors as projected_boxes_bounds."""
    x0, y0, x1, y1 = (np.atleast_1d(np.asarray(v, float)) for v in (x0, y0, x1, y1))
    xm, ym = (x0 + x1) / 2.0, (y0 + y1) / 2.0
    xs = np.stack([x0, x1, x0, x1, xm, xm, x0, x1], axis=1).ravel()
    ys = np.stack([y0, y0, y1, y1, y0, y1, ym, ym], axis=1).ravel()
    lons, lats = transform_to_wgs84(xs, ys, crs)
    lons, lats = lons.reshape(-1, 8), lats.reshape(-1, 8)
    boxes = _boxes_from_lonlat(lons, lats)
    # columns 0..3 are (x0, y0), (x1, y0), (x0, y1), (x1, y1): pick TL, TR, BR, BL with +y up
    top_first = y0 >= y1
    out = []
    for i, bounds in enumerate(boxes):
        order = (0, 1, 3, 2) if top_first[i] else (2, 3, 1, 0)
        corners = tuple(LatLon(float(lats[i, k]), float(lons[i, k])) for k in order)
        tl, tr, br, bl = corners
        aligned = max(abs(tl.lat - tr.lat), abs(bl.lat - br.lat), abs(tl.lon - bl.lon), abs(tr.lon - br.lon))
        out.append((bounds, None if aligned < _ALIGNED_DEG else corners))
    return out


def projected_box_bounds(x0: float, y0: float, x1: float, y1: float, crs) -> Bounds:
    """projected_boxes_bounds of one box."""
    return projected_boxes_bounds([x0], [y0], [x1], [y1], crs)[0]


def projected_box(x0: float, y0: float, x1: float, y1: float, crs):
    """projected_boxes of one box: (bounds, corners or None)."""
    return projected_boxes([x0], [y0], [x1], [y1], crs)[0]


# Deepest zoom accepted: ~4 cm tiles at z=30; deeper, float64 degrees can no longer tell a tile's
# edges apart near the poles (z=52 gave zero-height tiles) and nobody serves such tiles.
MAX_ZOOM = 30


def xyz_tile_bounds(z: int, x: int, y: int, tms: bool = False) -> Bounds:
    """WGS84 bounds of a Web-Mercator tile (mercantile). XYZ counts rows from the north (the
    OSM/Google "slippy map" convention); TMS (OSGeo Tile Map Service spec, what gdal2tiles writes
    by default) counts them from the south: y_xyz = 2**z - 1 - y_tms.

    Raises ValueError for a tile that does not exist at zoom z.
    """
    import mercantile

    if not 0 <= z <= MAX_ZOOM:  # checked before 2**z: a huge z in a folder name would never finish
        raise ValueError(f"zoom level {z} is out of range 0..{MAX_ZOOM}")
    n = 2**z
    if not (0 <= x < n and 0 <= y < n):
        raise ValueError(f"tile z={z} x={x} y={y} does not exist (x and y must be in 0..{max(n - 1, 0)})")
    if tms:
        y = n - 1 - y
    b = mercantile.bounds(x, y, z)
    return Bounds(b.west, b.south, b.east, b.north)


def geodetic_tile_bounds(z: int, x: int, y: int, tile_deg: float, tms: bool = True) -> Bounds:
    """WGS84 bounds of a tile of gdal2tiles' "geodetic" profile (EPSG:4326 grid from -180, -90,
    square tiles `tile_deg` degrees wide at zoom z: 180° at zoom 0 with --tmscompatible, 360°
    without). TMS rows count from the south; `tms=False` for the XYZ variant (from the north).

    Plain arithmetic on a lat/lon grid (mercantile only knows Web Mercator). Raises ValueError
    for a tile outside the grid.
    """
    if not (math.isfinite(tile_deg) and tile_deg > 0):  # before dividing by it (a tilemapresource.xml with 0)
        raise ValueError(f"tile z={z} x={x} y={y} does not exist in a geodetic grid of {tile_deg} deg tiles")
    cols, rows = round(360.0 / tile_deg), max(1, round(180.0 / tile_deg))
    if z < 0 or not (0 <= x < cols and 0 <= y < rows):
        raise ValueError(f"tile z={z} x={x} y={y} does not exist in a {cols}x{rows} geodetic grid")
    south = -90.0 + y * tile_deg if tms else 90.0 - (y + 1) * tile_deg
    return Bounds(-180.0 + x * tile_deg, max(south, -90.0), -180.0 + (x + 1) * tile_deg, min(south + tile_deg, 90.0))


DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")  # "10,5": a European spreadsheet's 10.5


def parse_number(path: Path, line: int, name: str, text: str, lo: float, hi: float) -> float:
    """A finite float in [lo, hi] or an InputError naming file, line and column."""
    try:
        value = float(text)
    except ValueError:
        if DECIMAL_COMMA.match(text.strip()):
            raise InputError(
                path, f"{name} is written with a decimal comma ({text!r}): write {text.strip().replace(',', '.')}", line=line
            ) from None
        raise InputError(path, f"{name} is not a number: {text!r}", line=line) from None
    if not math.isfinite(value):
        raise InputError(path, f"{name} is not a finite number: {text!r}", line=line)
    if not lo <= value <= hi:
        raise InputError(path, f"{name} = {value} is out of range [{lo:g}, {hi:g}]", line=line)
    return value


WorldFile = tuple[float, float, float, float, float, float]


def read_world_file(path: Path, allow_rotation: bool = False) -> WorldFile:
    """Read the six numbers (A, D, B, E, C, F) of an ESRI world file, in file order.

    A, E: pixel size along x and y (E negative for north-up); D, B: rotation/shear terms; C, F:
    map coordinates of the CENTRE of the top-left pixel. Rotated rasters (B or D non-zero) are
    refused unless `allow_rotation` (the caller then resamples or refuses with its own reason):
    tiles are axis-aligned boxes, so a rotated image would otherwise be mislocated silently.
    Raises InputError naming the file.
    """
    path = Path(path)
    try:
        # Windows Notepad's "UTF-8" begins with a byte order mark, its "Unicode" is UTF-16 with one: the mark
        # names the encoding (bom_text), else UTF-8
        lines = [ln.strip() for ln in read_bom_text(path, errors="replace").splitlines()]
    except OSError as exc:
        raise InputError(path, f"cannot read world file ({exc.strerror or exc})") from None
    lines = [ln for ln in lines if ln]
    if len(lines) != 6:
        raise InputError(path, f"a world file has 6 numbers, one per line; found {len(lines)} lines")
    values = [parse_number(path, i, f"value {i}", text, -math.inf, math.inf) for i, text in enumerate(lines, start=1)]
    a, d, b, e, c, f = values
    if a == 0.0 or e == 0.0:
        raise InputError(path, "pixel size (line 1 or 4) is zero")
    if (b != 0.0 or d != 0.0) and not allow_rotation:
        raise InputError(path, f"rotated world files (non-zero rotation terms on lines 2-3) are not supported ({world_rotation_deg(values):.2f}° rotation)")
    return a, d, b, e, c, f


def world_rotation_deg(world) -> float:
    """Rotation of the image's x axis from east, degrees counter-clockwise (0 for north-up)."""
    a, d = world[0], world[1]
    return math.degrees(math.atan2(d, a))


def world_rotation_negligible(world, width: int, height: int) -> bool:
    """True when the rotation/shear terms move no corner of a `width` x `height` image by more
    than a tenth of a pixel: float noise from the writer, safe to read as north-up."""
    a, d, b, e = world[:4]
    return abs(b) * height < 0.1 * abs(a) and abs(d) * width < 0.1 * abs(e)


def world_file_affine(world):
    """The rasterio/GDAL Affine (pixel corner -> map) of a world file. The world file names the
    centre of the top-left pixel (ESRI convention), GDAL's geotransform its outer corner: shift
    by half a pixel along both pixel axes, rotation terms included."""
    from affine import Affine

    a, d, b, e, c, f = world
    return Affine(a, b, c - a / 2.0 - b / 2.0, d, e, f - d / 2.0 - e / 2.0)


def world_file_bounds(world: WorldFile, width: int, height: int, epsg) -> Bounds:
    """WGS84 bounds of a `width` x `height` image georeferenced by `world` in `epsg` (an EPSG
    number, or any CRS pyproj accepts: WKT from a .prj, "EPSG:32760", a pyproj CRS).

    C, F locate the CENTRE of the top-left pixel, so the outer edge is half a pixel further out.
    A box crossing ±180° comes back with west > east. Raises ValueError for rotation or a CRS
    that cannot be transformed.
    """
    return world_file_box(world, width, height, epsg)[0]


def world_file_box(world: WorldFile, width: int, height: int, epsg):
    """(bounds, corners) of the image, as world_file_bounds and geo.projected_boxes give them."""
    a, d, b, e, c, f = world
    if (b != 0.0 or d != 0.0) and not world_rotation_negligible(world, width, height):
        raise ValueError("rotated world files are not supported")
    x0, y0 = c - a / 2.0, f - e / 2.0  # outer corner of the top-left pixel
    return projected_box(x0, y0, x0 + a * width, y0 + e * height, epsg)


def read_prj(path: Path):
    """The CRS of an ESRI .prj sidecar (WKT, ESRI or OGC flavour) as a pyproj CRS.
    Raises InputError naming the file when pyproj cannot read it."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    path = Path(path)
    try:
        text = read_bom_text(path, errors="replace").strip()  # a BOM names UTF-8 or UTF-16 (Notepad), is no WKT
        return CRS.from_wkt(text)
    except OSError as exc:
        raise InputError(path, f"cannot read .prj file ({exc.strerror or exc})") from None
    except CRSError as exc:
        raise InputError(path, f"not a coordinate system pyproj can read ({exc})") from None


def _aux_xml_srs(path: Path) -> str | None:
    """The text of the <SRS> element of a GDAL PAM sidecar (`map.png.aux.xml`: a PAMDataset root),
    None when it has none (ArcGIS writes statistics-only ones) or is no such XML. Parsed with
    defusedxml (no DTDs, entities or external references)."""
    from defusedxml import ElementTree as SafeET

    try:
        root = SafeET.fromstring(Path(path).read_bytes())
    except Exception:  # noqa: BLE001 - unreadable or not XML: it states no CRS
        return None
    srs = root.find("SRS") if root.tag == "PAMDataset" else None
    text = (srs.text or "").strip() if srs is not None else ""
    return text or None


def crs_sidecar(image: Path) -> Path | None:
    """The file beside `image` that states its coordinate system: an ESRI `.prj` (`map.prj`), else
    GDAL's PAM sidecar `map.png.aux.xml` holding an <SRS> (what QGIS's "Save as Image", GDAL's
    exports and ArcGIS write beside a PNG/JPEG and its world file). None when neither does."""
    image = Path(image)
    prj = next((p for p in (image.with_suffix(".prj"), image.with_suffix(".PRJ")) if p.is_file()), None)
    if prj is not None:
        return prj
    aux = image.with_name(image.name + ".aux.xml")
    return aux if aux.is_file() and _aux_xml_srs(aux) is not None else None


def read_crs_sidecar(path: Path):
    """The CRS a sidecar found by crs_sidecar states, as a pyproj CRS: a .prj's WKT (read_prj), an
    .aux.xml's <SRS> (WKT or any text pyproj reads). Raises InputError naming the file when
    pyproj cannot read it."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    path = Path(path)
    if not path.name.lower().endswith(".aux.xml"):
        return read_prj(path)
    text = _aux_xml_srs(path)
    if text is None:
        raise InputError(path, "no <SRS> element: it states no coordinate system")
    try:
        return CRS.from_user_input(text)
    except CRSError as exc:
        raise InputError(path, f"its <SRS> is not a coordinate system pyproj can read ({exc})") from None


def parse_crs(value):
    """A pyproj CRS from what a user types or a file holds: 32760, "EPSG:32760", "ESRI:102003",
    a WKT text, a PROJ string, or a pyproj/rasterio CRS. Raises ValueError for anything unknown."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    if isinstance(value, CRS):
        return value
    if hasattr(value, "to_wkt") and not isinstance(value, str):
        value = value.to_wkt()  # a rasterio CRS
    text = str(value).strip()
    try:
        return CRS.from_epsg(int(text)) if text.isdigit() else CRS.from_user_input(text)
    except (CRSError, ValueError, TypeError) as exc:
        raise ValueError(f"unknown coordinate system {text[:80]!r} ({exc})") from None


def _is_wgs84(crs) -> bool:
    return isinstance(crs, (int, str)) and str(crs).strip().upper() in {"4326", "EPSG:4326"}


def crs_label(crs) -> str:
    """A short name for messages: "EPSG:32760", else the CRS's name (never a page of WKT)."""
    if isinstance(crs, int) or (isinstance(crs, str) and crs.strip().isdigit()):
        return f"EPSG:{str(crs).strip()}"
    try:
        c = parse_crs(crs)
    except ValueError:
        return str(crs)[:60]
    auth = c.to_authority()
    return f"{auth[0]}:{auth[1]}" if auth else c.name


def not_a_map(crs) -> str | None:
    """What a pyproj CRS is, in words, when its coordinates are no place on a map: "a height system
    (Vertical CRS, EGM96 height)" or "an earth-centred system (Geocentric CRS, WGS 84)"; None for a
    geographic or projected CRS (a compound one by its horizontal part) and for anything else (an
    engineering CRS: PROJ then finds no way to WGS84 and says so)."""
    if crs.is_geographic or crs.is_projected:
        return None
    if crs.is_vertical:
        return f"a height system ({crs.type_name}, {crs.name})"
    if crs.is_geocentric:
        return f"an earth-centred system ({crs.type_name}, {crs.name})"
    return None


def _crs_key(crs) -> str:
    """A hashable text for the transformer cache (pyproj and rasterio CRS objects become WKT)."""
    if isinstance(crs, (int, str)):
        return str(crs).strip()
    if hasattr(crs, "to_wkt"):
        return crs.to_wkt()
    return str(crs)


@lru_cache(maxsize=32)
def _transformer_for(key: str):
    # pyproj is imported lazily so modules that only need haversine stay quick to import.
    from pyproj import CRS, Transformer

    from pyproj.exceptions import ProjError

    # always_xy: inputs are (easting, northing) / (lon, lat) whatever the CRS's axis order says.
    crs = parse_crs(key)
    if not_a_map(crs):  # a height system's "coordinates" went through as degrees, latitude and longitude swapped
        raise ValueError(f"{crs_label(key)} is {not_a_map(crs)}, not a map's coordinate system: give the "
                         "projected or geographic one the coordinates are in")
    try:
        return Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    except ProjError as exc:  # a CRS PROJ parses but cannot map to WGS84 (found by the fuzz campaign)
        raise ValueError(f"no transformation from {crs_label(key)} to WGS84 ({exc})") from None


def _transformer(crs):
    return _transformer_for(_crs_key(crs))


def transform_to_wgs84(xs, ys, epsg) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates from `epsg` (an EPSG number, any CRS text pyproj accepts, or a
    pyproj/rasterio CRS) to WGS84 (lons, lats) in degrees, longitudes folded into [-180, 180]. Raises ValueError for an unknown CRS or points it cannot transform."""
    xs = np.asarray(xs, dtype=float)
    ys = np.asarray(ys, dtype=float)
    if _is_wgs84(epsg):
        lons, lats = xs.copy(), ys.copy()
    else:
        lons, lats = _transformer(epsg).transform(xs, ys)
        lons, lats = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
    if not (np.all(np.isfinite(lons)) and np.all(np.isfinite(lats))):
        raise ValueError(f"coordinates cannot be transformed from {crs_label(epsg)} to WGS84 (wrong EPSG code?)")
    if np.any(np.abs(lats) > 90) or np.any(np.abs(lons) > 540):
        raise ValueError(f"coordinates fall outside the globe once transformed from {crs_label(epsg)} (wrong EPSG code?)")
    # A raster in degrees may run on past 180° (e.g. 179.9 to 180.1): fold into [-180, 180] so
    # bounds_from_lonlat sees the antimeridian crossing; more than a turn out is an error above.
    outside = np.abs(lons) > 180
    if outside.any():
        lons = np.where(outside, (lons + 180.0) % 360.0 - 180.0, lons)
    return lons, lats
