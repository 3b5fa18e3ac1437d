"""Tile sets from every supported layout, all normalised to Tile records with WGS84 bounds.

The readers live in `core/sources/` (one module per format, chosen by `sources.registry`):
1. tiles.csv  (path,west,south,east,north; the primary format)        sources/csv.py
2. one GeoTIFF orthophoto cut into windows of a given ground size       sources/geotiff.py
3. XYZ / TMS folders z/x/y.png, row order detected                      sources/xyz.py
4. images with world files (+ --epsg or a .prj), or georeferenced TIFFs sources/worldfile.py

This module keeps the public names other code imports (the CLI, the GUI, queries.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from .model import Bounds, LatLon, TileSet
from .sources import LoadOptions, load
from .sources.csv import TILES_CSV_COLUMNS, load_tiles_csv, read_csv_rows, resolve_inside
from .sources.geotiff import DEFAULT_TILE_SIZE_M, MIN_TILE_PIXELS, MIN_VALID_FRACTION, cut_geotiff, import_rasterio
from .sources.worldfile import WORLD_FILE_SUFFIXES, find_world_file, load_world_file_folder
from .sources.xyz import XYZ_SUFFIXES, detect_grid, load_xyz_folder, row_order_from_template
from .sources.xyz import xyz_files as _xyz_files

__all__ = [
    "DEFAULT_TILE_SIZE_M", "MIN_TILE_PIXELS", "MIN_VALID_FRACTION", "TILES_CSV_COLUMNS", "WORLD_FILE_SUFFIXES",
    "XYZ_SUFFIXES", "LoadOptions", "cut_geotiff", "detect_grid", "find_world_file", "import_rasterio",
    "load_tiles_csv", "load_tileset", "load_world_file_folder", "load_xyz_folder", "read_csv_rows",
    "resolve_inside", "row_order_from_template", "_xyz_files",
]


def load_tileset(
    path: Path,
    *,
    epsg: int | str | None = None,
    tms: bool | None = None,
    tile_size_m: float | None = None,
    overlap: float = 0.0,
    hint_points: Iterable[LatLon] = (),
    area: Bounds | None = None,
    zoom: int | None = None,
    table: str | None = None,
) -> TileSet:
    """Read a tile set, recognising the layout: a region folder or .csv, a GeoTIFF, a tile package
    (.mbtiles, .pmtiles, .gpkg: one zoom level, `zoom` or the one nearest `tile_size_m`), an XYZ/TMS
    folder, or a folder of images with world files (see core/sources/).

    `epsg`: CRS of world-file tiles (EPSG number or any CRS text pyproj knows). `tms`: True/False
    force TMS/XYZ row order, None detects it. `tile_size_m`: ground metres of GeoTIFF windows.
    `hint_points` (photos' GPS) and `area` only check an ambiguous XYZ/TMS row order; they never
    place photos. `table`: a GeoPackage's tile table; `path` may also name one as GDAL does,
    "GPKG:area.gpkg:TABLE" (sources.gpkg.split_table). Raises InputError naming the file and the problem.
    """
    from .sources.gpkg import split_table

    path, named = split_table(path)
    options = LoadOptions(
        epsg=epsg, tms=tms, tile_size_m=tile_size_m, overlap=overlap,
        hint_points=tuple(p for p in hint_points if p is not None), area=area, zoom=zoom, table=table or named,
    )
    tileset = load(Path(path), options)
    if Path(path).is_dir():
        from .sources.package import only_zoom, with_folder_attribution  # fetch-tiles' folders
        from .sources.registry import reader_for

        if zoom is not None and (reader := reader_for(Path(path))) is not None and reader.name == "XYZ/TMS folder":
            tileset = only_zoom(tileset, zoom)  # one level of a multi-zoom XYZ folder
        tileset = with_folder_attribution(tileset, Path(path))
    return tileset


def is_imagery(path: Path) -> bool:
    """Whether a file or folder given beside drone photos (the app's command line, a drop) is a tile
    set rather than photos, beyond the .csv / package / region cases the caller checks: a GeoTIFF
    with a CRS and geotransform, ground control points, or a geotransform (its own or a .tfw's)
    and a .prj beside it (a plain TIFF is a photo), an image with a world file beside it,
    or a z/x/y tile folder. Cheap: headers and names only."""
    from .images import RASTER_SUFFIXES
    from .sources.worldfile import _geotiff_georef

    path = Path(path)
    if path.is_dir():
        return bool(_xyz_files(path))
    if not path.is_file():
        return False
    if path.suffix.lower() in RASTER_SUFFIXES:  # a GeoTIFF, or a VRT / JPEG 2000 read the same way
        from .sources.geotiff import places_itself

        return _geotiff_georef(path) is not None or places_itself(path)
    return find_world_file(path) is not None
