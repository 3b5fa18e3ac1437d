"""Builders for the tile-package tests: a Web Mercator XYZ pyramid made from the demo imagery, and
the same tiles packaged as MBTiles, PMTiles and GeoPackage (EPSG:3857 or a UTM grid).

The demo's tiles.csv tiles are 50 m squares, not slippy-map tiles, so they are pasted into one
north-up mosaic (linear in degrees: the region is 300 m across) and XYZ tiles are cut out of it.
Each tile is encoded once; the folder and every package store exactly those bytes.
"""

from __future__ import annotations

import io
import math
import sqlite3
from pathlib import Path

import mercantile
from PIL import Image

from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.model import Bounds
from geolocator.core.tilesets import load_tiles_csv

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"
ATTRIBUTION = "SpaceNet / Maxar (CC BY-SA 4.0), demo derivative"


def demo_mosaic(scale: float = 0.5) -> tuple[Image.Image, Bounds]:
    """The 36 demo tiles in one image (`scale` of their resolution) and its WGS84 bounds."""
    ts = load_tiles_csv(DEMO / "tiles.csv")
    b = ts.bounds
    first = Image.open(ts.tiles[0].path)
    px_per_deg_x = first.width * scale / (ts.tiles[0].bounds.east - ts.tiles[0].bounds.west)
    px_per_deg_y = first.height * scale / (ts.tiles[0].bounds.north - ts.tiles[0].bounds.south)
    size = (round((b.east - b.west) * px_per_deg_x), round((b.north - b.south) * px_per_deg_y))
    mosaic = Image.new("RGB", size, (0, 0, 0))
    for t in ts.tiles:
        x0 = round((t.bounds.west - b.west) * px_per_deg_x)
        y0 = round((b.north - t.bounds.north) * px_per_deg_y)
        x1 = round((t.bounds.east - b.west) * px_per_deg_x)
        y1 = round((b.north - t.bounds.south) * px_per_deg_y)
        mosaic.paste(Image.open(t.path).convert("RGB").resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR), (x0, y0))
    return mosaic, b


def cut(mosaic: Image.Image, mb: Bounds, tb: Bounds, size: int = 256) -> Image.Image:
    """The part of the mosaic inside `tb` (WGS84), as a size x size image; outside is black."""
    sx = mosaic.width / (mb.east - mb.west)
    sy = mosaic.height / (mb.north - mb.south)
    box = ((tb.west - mb.west) * sx, (mb.north - tb.north) * sy, (tb.east - mb.west) * sx, (mb.north - tb.south) * sy)
    return mosaic.transform((size, size), Image.Transform.EXTENT, box, Image.Resampling.BILINEAR, fillcolor=(0, 0, 0))


def jpeg(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=90)
    return buf.getvalue()


def demo_pyramid(zooms=(18, 19)) -> dict[tuple[int, int, int], bytes]:
    """{(z, x, y): JPEG bytes} of every XYZ tile touching the demo region at `zooms`."""
    mosaic, b = demo_mosaic()
    out = {}
    for z in zooms:
        for t in mercantile.tiles(b.west, b.south, b.east, b.north, [z]):
            out[(t.z, t.x, t.y)] = jpeg(cut(mosaic, b, xyz_tile_bounds(t.z, t.x, t.y)))
    return out


def write_folder(folder: Path, tiles: dict) -> Path:
    for (z, x, y), data in tiles.items():
        p = folder / str(z) / str(x) / f"{y}.jpg"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return folder


def write_mbtiles(path: Path, tiles: dict, attribution: str | None = ATTRIBUTION) -> Path:
    db = sqlite3.connect(path)
    db.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                     "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);"
                     # the index every MBTiles writer adds (the spec's tile look-ups rely on it)
                     "CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);")
    meta = {"name": "demo", "format": "jpg", "minzoom": min(k[0] for k in tiles), "maxzoom": max(k[0] for k in tiles)}
    if attribution:
        meta["attribution"] = attribution
    db.executemany("INSERT INTO metadata VALUES (?, ?)", [(k, str(v)) for k, v in meta.items()])
    db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                   [(z, x, 2**z - 1 - y, d) for (z, x, y), d in tiles.items()])  # TMS rows
    db.commit()
    db.close()
    return path


_GPKG_SCHEMA = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
  organization_coordsys_id INTEGER, definition TEXT, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, description TEXT,
  last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, srs_id INTEGER);
CREATE TABLE gpkg_tile_matrix_set (table_name TEXT PRIMARY KEY, srs_id INTEGER, min_x REAL, min_y REAL,
  max_x REAL, max_y REAL);
CREATE TABLE gpkg_tile_matrix (table_name TEXT, zoom_level INTEGER, matrix_width INTEGER, matrix_height INTEGER,
  tile_width INTEGER, tile_height INTEGER, pixel_x_size REAL, pixel_y_size REAL);
"""


def _gpkg(path: Path, table: str, epsg: int, extent, matrices, tiles) -> Path:
    """matrices: {z: (matrix_w, matrix_h, tile_px, pixel_size)}; tiles: {(z, col, row): bytes}."""
    from pyproj import CRS

    db = sqlite3.connect(path)
    db.executescript(_GPKG_SCHEMA)
    db.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, '')",
               (f"EPSG:{epsg}", epsg, epsg, CRS.from_epsg(epsg).to_wkt()))
    db.execute("INSERT INTO gpkg_contents VALUES (?, 'tiles', 'demo', '', '', ?, ?, ?, ?, ?)", (table, *extent, epsg))
    db.execute("INSERT INTO gpkg_tile_matrix_set VALUES (?, ?, ?, ?, ?, ?)", (table, epsg, *extent))
    for z, (mw, mh, px, size) in matrices.items():
        db.execute("INSERT INTO gpkg_tile_matrix VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (table, z, mw, mh, px, px, size, size))
    db.execute(f'CREATE TABLE "{table}" (id INTEGER PRIMARY KEY AUTOINCREMENT, zoom_level INTEGER, '
               "tile_column INTEGER, tile_row INTEGER, tile_data BLOB, UNIQUE (zoom_level, tile_column, tile_row))")
    db.executemany(f'INSERT INTO "{table}" (zoom_level, tile_column, tile_row, tile_data) VALUES (?, ?, ?, ?)',
                   [(z, c, r, d) for (z, c, r), d in tiles.items()])
    db.commit()
    db.close()
    return path


WEB_MERCATOR_HALF = math.pi * 6_378_137.0


def write_gpkg_web_mercator(path: Path, tiles: dict, table: str = "demo") -> Path:
    """The XYZ tiles in a GeoPackage tile matrix set covering the whole Web Mercator world: the
    GeoPackage row is then the XYZ row (both counted from the north)."""
    h = WEB_MERCATOR_HALF
    zooms = sorted({z for z, _, _ in tiles})
    matrices = {z: (2**z, 2**z, 256, 2 * h / 2**z / 256) for z in zooms}
    return _gpkg(path, table, 3857, (-h, -h, h, h), matrices, tiles)


def write_gpkg_utm(path: Path, tile_m: float = 50.0, table: str = "utm") -> tuple[Path, dict]:
    """A GeoPackage in UTM zone 11N (EPSG:32611) cut from the demo mosaic: `tile_m` metre tiles of
    256 px. Returns the path and {(col, row): WGS84 Bounds expected for that tile}."""
    from pyproj import Transformer

    mosaic, b = demo_mosaic()
    to_utm = Transformer.from_crs(4326, 32611, always_xy=True)
    to_wgs = Transformer.from_crs(32611, 4326, always_xy=True)
    xs, ys = to_utm.transform([b.west, b.east, b.west, b.east], [b.south, b.south, b.north, b.north])
    x0, y1 = math.floor(min(xs)), math.ceil(max(ys))
    cols = math.ceil((max(xs) - x0) / tile_m)
    rows = math.ceil((y1 - min(ys)) / tile_m)
    tiles, expected = {}, {}
    for r in range(rows):
        for c in range(cols):
            ex = [x0 + c * tile_m, x0 + (c + 1) * tile_m]
            ey = [y1 - (r + 1) * tile_m, y1 - r * tile_m]
            lons, lats = to_wgs.transform([ex[0], ex[1], ex[0], ex[1]], [ey[0], ey[0], ey[1], ey[1]])
            tb = Bounds(min(lons), min(lats), max(lons), max(lats))
            tiles[(0, c, r)] = jpeg(cut(mosaic, b, tb))
            expected[(c, r)] = tb
    extent = (x0, y1 - rows * tile_m, x0 + cols * tile_m, y1)
    _gpkg(path, table, 32611, extent, {0: (cols, rows, 256, tile_m / 256)}, tiles)
    return path, expected
