"""The one way to get a tile's pixels, whatever the tile set's format.

Every consumer (feature extraction, geometric verification, thumbnails, the web map's basemap)
calls open_tile_image(tile). A plain tile is an image file (+ an optional pixel window of a big
GeoTIFF) and goes through images.open_image; a tile inside a package (Tile.ref set) is read from
its MBTiles / PMTiles / GeoPackage file by that format's reader and decoded alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import InputError
from ..model import Tile, TileSet
from . import gpkg, mbtiles, pmtiles
from .package import decode_tile

# suffix -> reader module (load, read_info, read_tile): the registry of tile packages
PACKAGE_READERS = {suffix: module for module in (mbtiles, pmtiles, gpkg) for suffix in module.SUFFIXES}
PACKAGE_SUFFIXES = frozenset(PACKAGE_READERS)


def is_package(path: Path) -> bool:
    return Path(path).suffix.lower() in PACKAGE_READERS


def _reader(path: Path):
    reader = PACKAGE_READERS.get(Path(path).suffix.lower())
    if reader is None:
        raise InputError(path, f"not a tile package (expected {', '.join(sorted(PACKAGE_SUFFIXES))})")
    return reader


def load_package(path: Path, *, zoom: int | None = None, tile_size_m: float | None = None,
                 table: str | None = None) -> TileSet:
    """A tile package's tiles at one zoom level (see package.choose_zoom); nothing is decoded. `table`:
    a GeoPackage's tile table (gpkg.split_table); InputError for another kind of package, which has none."""
    if table is not None:
        if Path(path).suffix.lower() != ".gpkg":
            raise InputError(path, f"a tile table ({table!r}) is chosen only in a GeoPackage (.gpkg): give the file "
                                   "alone")
        return gpkg.load(Path(path), zoom=zoom, tile_size_m=tile_size_m, table=table)
    return _reader(path).load(Path(path), zoom=zoom, tile_size_m=tile_size_m)


def package_info(path: Path, table: str | None = None):
    """package.PackageInfo (zoom levels, bounds, attribution) of a tile package; `table`: a GeoPackage's
    tile table (None: its first by name)."""
    if table is not None and Path(path).suffix.lower() == ".gpkg":
        return gpkg.read_info(Path(path), table)
    return _reader(path).read_info(Path(path))


def tile_bytes(tile: Tile) -> bytes:
    """The stored (encoded) bytes of a package tile. Raises InputError when it is missing."""
    if tile.ref is None:
        raise InputError(tile.path, "not a tile inside a package")
    data = _reader(tile.path).read_tile(tile.path, tile.ref)
    if data is None:
        raise InputError(tile.path, f"tile {tile.ref} is not in the package")
    return data


def open_tile_image(tile: Tile, *, min_side: int | None = None, keep_alpha: bool = False) -> Image.Image:
    """Decode `tile` to an RGB PIL image, its transparent pixels (alpha 0) filled with the
    opaque ones' mean colour (what matching and thumbnails read: images._flatten_alpha).

    `keep_alpha` (the map's basemap): a tile whose own pixels carry alpha (a PNG/WebP file or
    package entry with transparent edges) comes back RGBA, its alpha as stored, when any pixel
    is below 255; an opaque one (every JPEG) stays RGB. A raster's nodata/mask is not here: see
    tile_valid_mask.

    `min_side` lets JPEG data decode at a reduced scale whose sides stay at least that long, and
    a whole GeoTIFF tile read at the working size (images.whole_raster_scale): the image's pixels
    then span the tile's bounds as the file's do, fewer of them.
    Raises InputError (naming the file, and the entry inside a package) for a missing, corrupt or
    oversized tile, like images.open_image does for files."""
    if tile.ref is None:
        from ..images import open_image

        return open_image(tile.path, tile.window, min_side=min_side, keep_alpha=keep_alpha)
    image = decode_tile(tile_bytes(tile), tile.path, tile.ref, min_side, keep_alpha)
    if tile.window is not None:  # not produced by the readers today; honoured for completeness
        w = tile.window
        if w.col < 0 or w.row < 0 or w.col + w.width > image.width or w.row + w.height > image.height:
            raise InputError(tile.path, f"tile {tile.ref}: pixel window {w} lies outside the {image.width}x{image.height} tile")
        image = image.crop((w.col, w.row, w.col + w.width, w.row + w.height))
    return image


def tile_thumbnail(tile: Tile, size: int) -> Image.Image:
    """The tile fitted into size x size pixels (JPEG data decoded at a reduced scale)."""
    image = open_tile_image(tile, min_side=size)
    image.thumbnail((size, size))
    return image


# the longest side a file's no-data mask is read at for the map (once per file, then cut per tile):
# the basemap is at most 2048 px, so a finer mask is never seen
MASK_MAX_SIDE = 2048


def tile_valid_mask(tile: Tile, width: int, height: int, cache: dict | None = None) -> np.ndarray | None:
    """Which pixels of `tile`, drawn `width` x `height` pixels, hold data: a (height, width) bool
    array, or None when every pixel does (or the tile is not a raster GDAL reads: a PNG/WebP
    file's or package entry's own alpha comes with its pixels, open_tile_image(keep_alpha=True);
    a JPEG has none). The mask is GDAL's per-dataset one (alpha band, nodata value or internal
    mask, as images._read_rasterio reads it); a north-up copy of a rotated overlay
    (northup.north_up_copy) marks its corners outside the overlay so. It is read once per file
    (at most MASK_MAX_SIDE px on its long side, kept in `cache`, a dict the caller keeps across
    the tiles of one drawing) and cut and nearest-sampled for each tile: a read per window made the
    map of a 300-window 6000 x 6000 GeoTIFF with a nodata value 70 % slower to draw (5.1 s, not
    3.0 s), the one read 0.4-0.6 s slower (training/results/kmzmap33_session33.md).
    Raises InputError naming the file when rasterio cannot read the mask."""
    from ..images import RASTER_SUFFIXES, _rasterio

    if tile.ref is not None or Path(tile.path).suffix.lower() not in RASTER_SUFFIXES:
        return None
    cache = {} if cache is None else cache
    key = str(tile.path)
    if key not in cache:
        cache[key] = _file_valid_mask(_rasterio(), Path(tile.path))
    entry = cache[key]
    if entry is None:
        return None
    mask, full_w, full_h = entry
    w = tile.window
    c0, r0, c1, r1 = (0, 0, full_w, full_h) if w is None else (w.col, w.row, w.col + w.width, w.row + w.height)
    sy, sx = mask.shape[0] / full_h, mask.shape[1] / full_w
    # the mask pixel under each drawn pixel's centre
    rows = np.minimum(((r0 + (np.arange(height) + 0.5) * (r1 - r0) / height) * sy).astype(int), mask.shape[0] - 1)
    cols = np.minimum(((c0 + (np.arange(width) + 0.5) * (c1 - c0) / width) * sx).astype(int), mask.shape[1] - 1)
    valid = mask[np.ix_(rows, cols)]
    return None if valid.all() else valid


def _file_valid_mask(rio, path: Path):
    """(mask, width, height): the file's no-data mask read reduced (bool, at most MASK_MAX_SIDE a side)
    and the file's own size; None when rasterio is missing or every pixel holds data."""
    if rio is None:
        return None
    from rasterio.enums import MaskFlags

    try:
        with rio.open(path) as ds:
            if all(MaskFlags.all_valid in flags for flags in ds.mask_flag_enums):
                return None
            step = max(1, -(-max(ds.width, ds.height) // MASK_MAX_SIDE))
            shape = (-(-ds.height // step), -(-ds.width // step))
            mask = ds.dataset_mask(out_shape=shape) > 0
            return (None if mask.all() else (mask, ds.width, ds.height))
    except Exception as exc:  # noqa: BLE001 - rasterio's errors name no file; ours does
        raise InputError(path, f"cannot read its no-data mask ({exc})") from None
