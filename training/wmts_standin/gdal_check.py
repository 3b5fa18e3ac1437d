"""Session 29 (grid29): does GDAL (rasterio's bundled GPKG driver) read a GeoPackage that fetch-tiles wrote
from a national grid at the place we do? Prints the tile matrix set's extent, the gpkg_tile_matrix rows,
GDAL's transform and size, and for every stored tile the mean absolute difference between GDAL's pixels
at the tile's place (extent origin + column/row x 256 x the level's pixel) and the tile as decoded by
Pillow (0 for PNG; a few hundredths for JPEG, whose decoders differ by rounding).

    python training/wmts_standin/gdal_check.py FILE.gpkg
"""
import io, sqlite3, sys
import numpy as np
import rasterio
from rasterio.windows import Window
from PIL import Image

path = sys.argv[1]
db = sqlite3.connect(path)
sx, sy0, sx1, sy = db.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_tile_matrix_set").fetchone()
print("gpkg_tile_matrix_set", (sx, sy0, sx1, sy))
for row in db.execute("SELECT zoom_level, matrix_width, matrix_height, pixel_x_size FROM gpkg_tile_matrix"):
    print("  gpkg_tile_matrix", row, "covers", round(row[1] * 256 * row[3], 6), "x", round(row[2] * 256 * row[3], 6))
ext = db.execute("SELECT name FROM sqlite_master WHERE name = 'gpkg_extensions'").fetchone()
print("gpkg_extensions", db.execute("SELECT table_name, extension_name FROM gpkg_extensions").fetchall() if ext else [])
with rasterio.open(path) as ds:
    print("GDAL", ds.driver, ds.crs, "origin", (ds.transform.c, ds.transform.f), "pixel", (ds.transform.a, ds.transform.e),
          "size", (ds.width, ds.height))
    worst, n = 0.0, 0
    for z, c, r, data in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        px = db.execute("SELECT pixel_x_size FROM gpkg_tile_matrix WHERE zoom_level = ?", (z,)).fetchone()[0]
        col = round((sx + c * 256 * px - ds.transform.c) / ds.transform.a)
        row = round((ds.transform.f - (sy - r * 256 * px)) / -ds.transform.e)
        got = ds.read((1, 2, 3), window=Window(col, row, 256, 256)).transpose(1, 2, 0).astype(int)
        want = np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)
        worst, n = max(worst, float(np.abs(got - want).mean())), n + 1
    print(f"{n} tiles; worst mean |GDAL - Pillow| per pixel and band: {worst:.3f} (of 255)")
