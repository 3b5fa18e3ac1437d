"""Tile sets from the four supported layouts, all normalised to Tile records with WGS84 bounds.

1. tiles.csv  (path,west,south,east,north; the primary format)
2. XYZ / TMS folders  z/x/y.png
3. images with world files (+ an EPSG code)
4. one GeoTIFF orthophoto cut into windows of a given ground size (rasterio extra)
"""

from __future__ import annotations

import csv
import logging
import math
import os
import re
from pathlib import Path

from .errors import InputError
from .geo import metres_per_degree, parse_number, read_world_file, transform_to_wgs84, world_file_bounds, xyz_tile_bounds
from .images import TIFF_SUFFIXES, image_size, list_images
from .model import Bounds, PixelWindow, Tile, TileSet

log = logging.getLogger("geolocator")

TILES_CSV_COLUMNS = ("path", "west", "south", "east", "north")
XYZ_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})
WORLD_FILE_SUFFIXES = (".pgw", ".jgw", ".tfw", ".wld", ".pngw", ".jpgw", ".jpegw", ".tifw", ".tiffw", ".webpw")
DEFAULT_TILE_SIZE_M = 100.0
MIN_TILE_PIXELS = 8  # below this a "tile" carries no usable image content


# ---------------------------------------------------------------- CSV helpers (shared with queries)


def read_csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a headed CSV; errors name the file and line.

    Header names are matched case-insensitively and stripped, so Excel-made files work.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: Excel writes a BOM
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read as UTF-8 text ({exc})") from None
    reader = csv.reader(text.splitlines())
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(path, f"empty file: expected a header line '{','.join(required)}'") from None
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})", line=1) from None
    names = [h.strip().lower() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}; the header must contain {','.join(required)}", line=1)
    rows = []
    try:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue  # blank line
            if len(values) > len(names):
                raise InputError(path, f"{len(values)} values but the header has {len(names)} columns", line=line)
            row = {n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)}
            rows.append((line, row))
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})", line=reader.line_num) from None
    if not rows:
        raise InputError(path, "no data rows after the header")
    return rows


def resolve_inside(path: Path, line: int, base: Path, text: str, what: str = "path") -> tuple[Path, str]:
    """Resolve `text` relative to `base`; refuse anything that leaves `base`.

    Returns (absolute path, posix path relative to base). The check is lexical (../ and absolute
    paths), so a region folder can still use symlinks that the user set up on purpose.
    """
    if not text:
        raise InputError(path, f"{what} is empty", line=line)
    text = text.replace("\\", "/")  # CSVs written on Windows
    base = Path(os.path.abspath(base))
    full = Path(os.path.normpath(base / text))  # an absolute `text` replaces base here
    if not full.is_relative_to(base):
        raise InputError(path, f"{what} {text!r} points outside the folder {base}", line=line)
    rel = full.relative_to(base).as_posix()
    if rel == ".":
        raise InputError(path, f"{what} {text!r} names the folder itself, not a file", line=line)
    return full, rel


# ---------------------------------------------------------------- 1. tiles.csv


def load_tiles_csv(path: Path) -> TileSet:
    """Read a tile index: path,west,south,east,north in WGS84 degrees, paths relative to the CSV."""
    path = Path(path)
    base = path.parent
    tiles: list[Tile] = []
    first_line: dict[str, int] = {}
    for line, row in read_csv_rows(path, TILES_CSV_COLUMNS):
        w = parse_number(path, line, "west", row["west"], -180, 180)
        s = parse_number(path, line, "south", row["south"], -90, 90)
        e = parse_number(path, line, "east", row["east"], -180, 180)
        n = parse_number(path, line, "north", row["north"], -90, 90)
        if w > e:
            raise InputError(path, f"west ({w}) is greater than east ({e}); tiles crossing the antimeridian are not supported", line=line)
        if s > n:
            raise InputError(path, f"south ({s}) is greater than north ({n})", line=line)
        if w == e or s == n:
            raise InputError(path, "tile has zero width or height", line=line)
        full, rel = resolve_inside(path, line, base, row["path"])
        if not full.is_file():
            raise InputError(path, f"image file {rel!r} does not exist", line=line)
        if rel in first_line:
            raise InputError(path, f"{rel!r} is listed twice (first on line {first_line[rel]})", line=line)
        first_line[rel] = line
        tiles.append(Tile(id=rel, path=full, bounds=Bounds(w, s, e, n)))
    return TileSet(tuple(tiles), path)


# ---------------------------------------------------------------- 2. XYZ / TMS folders

_INT = re.compile(r"^\d+$")


def _xyz_files(folder: Path) -> list[tuple[int, int, int, Path]]:
    found = []
    for zdir in folder.iterdir():
        if not (zdir.is_dir() and _INT.match(zdir.name)):
            continue
        for xdir in zdir.iterdir():
            if not (xdir.is_dir() and _INT.match(xdir.name)):
                continue
            for f in xdir.iterdir():
                if f.is_file() and f.suffix.lower() in XYZ_SUFFIXES and _INT.match(f.stem):
                    found.append((int(zdir.name), int(xdir.name), int(f.stem), f))
    return sorted(found)


def load_xyz_folder(folder: Path, tms: bool = False) -> TileSet:
    """Slippy-map tiles z/x/y.png (Web Mercator). `tms=True` when rows count from the south."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "not a folder")
    tiles = []
    for z, x, y, f in _xyz_files(folder):
        try:
            bounds = xyz_tile_bounds(z, x, y, tms=tms)
        except ValueError as exc:
            raise InputError(f, str(exc)) from None
        tiles.append(Tile(id=f.relative_to(folder).as_posix(), path=f, bounds=bounds))
    if not tiles:
        raise InputError(folder, "no z/x/y tiles found (expected files like 17/68123/44012.png)")
    return TileSet(tuple(tiles), folder)


# ---------------------------------------------------------------- 3. world files


def find_world_file(image: Path) -> Path | None:
    """The sidecar world file of `image` (a.png -> a.pgw / a.pngw / a.wld), lower or upper case."""
    ext = image.suffix.lower().lstrip(".")
    if not ext:
        return None
    for suffix in (f".{ext[0]}{ext[-1]}w", f".{ext}w", ".wld"):
        for candidate in (suffix, suffix.upper()):
            world = image.with_suffix(candidate)
            if world.is_file():
                return world
    return None


def _epsg_required(folder: Path) -> InputError:
    return InputError(folder, "images with world files need the EPSG code of their coordinates (e.g. --epsg 32633)")


def load_world_file_folder(folder: Path, epsg: int | str | None) -> TileSet:
    """Images with sidecar world files in a projection given by `epsg`. Images without a world
    file are skipped with a warning (a stray preview should not block the set)."""
    folder = Path(folder)
    if epsg is None:
        raise _epsg_required(folder)
    tiles = []
    for img in list_images(folder):
        world_path = find_world_file(img)
        if world_path is None:
            log.warning("%s: no world file next to it; skipped", img)
            continue
        world = read_world_file(world_path)
        width, height = image_size(img)
        try:
            bounds = world_file_bounds(world, width, height, epsg)
        except ValueError as exc:
            raise InputError(world_path, f"{exc} (EPSG {epsg})") from None
        tiles.append(Tile(id=img.relative_to(folder).as_posix(), path=img, bounds=bounds))
    if not tiles:
        raise InputError(folder, f"no images with world files ({' '.join(WORLD_FILE_SUFFIXES)}) found")
    return TileSet(tuple(tiles), folder)


# ---------------------------------------------------------------- 4. GeoTIFF cut into windows


def import_rasterio(path: Path):
    try:
        import rasterio
    except ImportError:
        raise InputError(path, 'reading GeoTIFFs needs rasterio: pip install "geolocator[geotiff]"') from None
    return rasterio


def _offsets(size: int, tile: int, stride: int) -> list[int]:
    """Window starts along one axis; the last window is pulled back so the far edge is covered."""
    starts = list(range(0, size - tile + 1, stride))
    if starts[-1] + tile < size:
        starts.append(size - tile)
    return starts


def cut_geotiff(path: Path, tile_size_m: float, overlap: float = 0.0) -> TileSet:
    """Cut a north-up GeoTIFF into square-on-the-ground windows of `tile_size_m` metres that
    overlap by the fraction `overlap`. Tiles share the tif's path and carry a PixelWindow."""
    path = Path(path)
    if not (tile_size_m and tile_size_m > 0 and math.isfinite(tile_size_m)):
        raise InputError(path, f"tile size must be a positive number of metres, got {tile_size_m}")
    if not 0.0 <= overlap < 1.0:
        raise InputError(path, f"overlap must be a fraction in [0, 1), got {overlap}")
    rasterio = import_rasterio(path)
    try:
        with rasterio.open(path) as ds:
            crs, t, width, height = ds.crs, ds.transform, ds.width, ds.height
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(path, f"cannot read as a GeoTIFF ({exc})") from None
    if crs is None:
        raise InputError(path, "the GeoTIFF has no coordinate system (CRS)")
    if t.b != 0 or t.d != 0:
        raise InputError(path, "rotated GeoTIFFs are not supported")
    if t.a <= 0 or t.e >= 0:
        raise InputError(path, "only north-up GeoTIFFs are supported (positive x and negative y pixel size)")

    # Pixel size on the ground, so tiles are tile_size_m whatever the raster's units are.
    if crs.is_geographic:
        m_lat, m_lon = metres_per_degree(t.f + t.e * height / 2)
        px_w, px_h = t.a * m_lon, -t.e * m_lat
    else:
        try:
            unit = float(crs.linear_units_factor[1])
        except Exception:  # noqa: BLE001 - unknown units: assume metres, the common case
            unit = 1.0
        px_w, px_h = t.a * unit, -t.e * unit
    tw = min(width, max(1, round(tile_size_m / px_w)))
    th = min(height, max(1, round(tile_size_m / px_h)))
    if min(tw, th) < MIN_TILE_PIXELS:
        raise InputError(path, f"{tile_size_m} m is only {min(tw, th)} pixels here; choose a larger tile size")

    windows = [
        PixelWindow(col, row, tw, th)
        for row in _offsets(height, th, max(1, round(th * (1 - overlap))))
        for col in _offsets(width, tw, max(1, round(tw * (1 - overlap))))
    ]
    # The four corners of every window at once, then one vectorised CRS transform.
    xs, ys = [], []
    for w in windows:
        x0, x1 = t.c + w.col * t.a, t.c + (w.col + w.width) * t.a
        y0, y1 = t.f + w.row * t.e, t.f + (w.row + w.height) * t.e
        xs += [x0, x1, x0, x1]
        ys += [y0, y0, y1, y1]
    epsg = crs.to_epsg()
    try:
        lons, lats = transform_to_wgs84(xs, ys, epsg if epsg is not None else crs.to_wkt())
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    tiles = []
    for i, w in enumerate(windows):
        lo, la = lons[4 * i : 4 * i + 4], lats[4 * i : 4 * i + 4]
        bounds = Bounds(float(lo.min()), float(la.min()), float(lo.max()), float(la.max()))
        tiles.append(Tile(id=f"{path.name}@c{w.col}_r{w.row}", path=path, bounds=bounds, window=w))
    return TileSet(tuple(tiles), path)


# ---------------------------------------------------------------- auto-detection


def load_tileset(
    path: Path,
    *,
    epsg: int | str | None = None,
    tms: bool = False,
    tile_size_m: float | None = None,
    overlap: float = 0.0,
    zoom: int | None = None,
) -> TileSet:
    """Read a tile set, guessing the layout: a region folder or .csv, a GeoTIFF, a tile package
    (.mbtiles, .pmtiles, .gpkg: one zoom level, `zoom` or the one nearest `tile_size_m`), an XYZ
    folder, or a folder of images with world files."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "not found")
    if path.is_file():
        suffix = path.suffix.lower()
        from .sources.tile_image import PACKAGE_SUFFIXES, load_package  # tile packages: core/sources/

        if suffix in PACKAGE_SUFFIXES:
            return load_package(path, zoom=zoom, tile_size_m=tile_size_m)
        if suffix == ".csv":
            return load_tiles_csv(path)
        if suffix in TIFF_SUFFIXES:
            return cut_geotiff(path, tile_size_m or DEFAULT_TILE_SIZE_M, overlap)
        raise InputError(path, "unsupported tile set: give a tiles.csv, a GeoTIFF (.tif), a tile package "
                               "(.mbtiles, .pmtiles, .gpkg) or a folder")
    if (path / "tiles.csv").is_file():
        return load_tiles_csv(path / "tiles.csv")
    if _xyz_files(path):
        from .sources.package import only_zoom, with_folder_attribution  # fetch-tiles' folders

        return with_folder_attribution(only_zoom(load_xyz_folder(path, tms=tms), zoom), path)
    if any(find_world_file(p) for p in list_images(path)):
        return load_world_file_folder(path, epsg)
    raise InputError(
        path,
        "not a tile set: expected a tiles.csv, z/x/y tile folders, or images with world files "
        f"({' '.join(WORLD_FILE_SUFFIXES)})",
    )

