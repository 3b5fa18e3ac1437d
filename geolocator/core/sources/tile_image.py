"""The one way to get a tile's pixels, whatever the tile set's format.

Every consumer (feature extraction, geometric verification, thumbnails, the web map's basemap)
calls open_tile_image(tile). A plain tile is an image file (+ an optional pixel window of a big
GeoTIFF) and goes through images.open_image; a tile inside a package (Tile.ref set) is read from
its MBTiles / PMTiles / GeoPackage file by that format's reader and decoded alone.
"""

from __future__ import annotations

from pathlib import Path

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


def load_package(path: Path, *, zoom: int | None = None, tile_size_m: float | None = None) -> TileSet:
    """A tile package's tiles at one zoom level (see package.choose_zoom); nothing is decoded."""
    return _reader(path).load(Path(path), zoom=zoom, tile_size_m=tile_size_m)


def package_info(path: Path):
    """package.PackageInfo (zoom levels, bounds, attribution) of a tile package."""
    return _reader(path).read_info(Path(path))


def tile_bytes(tile: Tile) -> bytes:
    """The stored (encoded) bytes of a package tile. Raises InputError when it is missing."""
    if tile.ref is None:
        raise InputError(tile.path, "not a tile inside a package")
    data = _reader(tile.path).read_tile(tile.path, tile.ref)
    if data is None:
        raise InputError(tile.path, f"tile {tile.ref} is not in the package")
    return data


def open_tile_image(tile: Tile, *, min_side: int | None = None) -> Image.Image:
    """Decode `tile` to an RGB PIL image.

    `min_side` lets JPEG data decode at a reduced scale whose sides stay at least that long, and
    a whole GeoTIFF tile read at the working size (images.whole_raster_scale): the image's pixels
    then span the tile's bounds as the file's do, fewer of them.
    Raises InputError (naming the file, and the entry inside a package) for a missing, corrupt or
    oversized tile, like images.open_image does for files."""
    if tile.ref is None:
        from ..images import open_image

        return open_image(tile.path, tile.window, min_side=min_side)
    image = decode_tile(tile_bytes(tile), tile.path, tile.ref, min_side)
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
