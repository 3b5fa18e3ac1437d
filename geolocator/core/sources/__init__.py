"""Where imagery comes from: one reader per tile-set format.

Tile packages (MBTiles, PMTiles, GeoPackage) are read lazily: loading lists their tiles, and
`tile_image.open_tile_image` decodes one tile's pixels when a consumer asks for them.
"""
