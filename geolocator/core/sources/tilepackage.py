"""Tile packages (MBTiles, PMTiles, GeoPackage) as a registry entry: one zoom level of the package,
read lazily (see tile_image.py and the per-format modules)."""

from __future__ import annotations

from pathlib import Path

from .registry import LoadOptions, Reader
from .tile_image import PACKAGE_SUFFIXES, load_package


def _claims(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in PACKAGE_SUFFIXES


def _load(path: Path, options: LoadOptions):
    return load_package(path, zoom=options.zoom, tile_size_m=options.tile_size_m, table=options.table)


READER = Reader("tile package", _claims, _load, "a tile package (.mbtiles, .pmtiles, .gpkg)")
