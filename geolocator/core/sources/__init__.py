"""Where imagery comes from: tile-set readers, one module per format, chosen by a small registry
(registry.py).

Every reader turns its format into Tile records with WGS84 bounds (antimeridian-aware, see
model.Bounds) and honours the georeferencing the data carries, or refuses it with an InputError
that names the file and says why. `geolocator.core.tilesets` is the public entry point. Tile
packages (MBTiles, PMTiles, GeoPackage) are read lazily: loading lists their tiles, and
`tile_image.open_tile_image` decodes one tile's pixels when a consumer asks for them.
"""

from .registry import READER_MODULES, LoadOptions, Reader, load, reader_for, readers

__all__ = ["READER_MODULES", "LoadOptions", "Reader", "load", "reader_for", "readers"]
