"""What honouring the georeference costs when a tile set is opened and read (issue 9 §1).

Generates, in a temporary folder: an XYZ folder of 256 px PNG tiles (RGB, and RGBA with a
transparent half, the gdal2tiles edge case), and a tiled RGBA GeoTIFF orthophoto in UTM with a
transparent border. Prints: seconds to open each tile set (row-order detection, alpha check per
tile = a header read, or a decode for tiles with alpha; the GeoTIFF's decimated validity mask),
and milliseconds to decode one window with and without a mask.

    PYTHONPATH=. python training/bench_georef.py [--tiles 1000] [--side 6000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image


def _xyz(root: Path, n: int, alpha: bool) -> None:
    rng = np.random.default_rng(0)
    side = int(np.ceil(np.sqrt(n)))
    base = rng.integers(0, 255, (256, 256, 4 if alpha else 3), dtype=np.uint8)
    if alpha:
        base[..., 3] = 255
        base[:, 160:, 3] = 0  # 37 % transparent: kept, masked
    for i in range(n):
        x, y = 80_000 + i % side, 200_000 + i // side
        path = root / "19" / str(x) / f"{y}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(base, "RGBA" if alpha else "RGB").save(path, compress_level=1)


def _geotiff(path: Path, side: int) -> None:
    import rasterio
    from rasterio.enums import ColorInterp
    from rasterio.transform import Affine

    with rasterio.open(path, "w", driver="GTiff", width=side, height=side, count=4, dtype="uint8", crs="EPSG:32611",
                       transform=Affine(0.2, 0, 600_000, 0, -0.2, 4_000_000), tiled=True, blockxsize=256,
                       blockysize=256, compress="deflate", photometric="RGB", alpha="YES") as ds:
        rng = np.random.default_rng(0)
        for row in range(0, side, 1024):
            h = min(1024, side - row)
            block = rng.integers(0, 255, (4, h, side), dtype=np.uint8)
            block[3] = 255
            yy = np.arange(row, row + h)[:, None]
            xx = np.arange(side)[None, :]
            block[3][(xx + yy) < side // 3] = 0  # a transparent corner triangle
            ds.write(block, window=rasterio.windows.Window(0, row, side, h))
        ds.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]


def _time(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", type=int, default=1000)
    ap.add_argument("--side", type=int, default=6000)
    args = ap.parse_args()

    from geolocator.core.images import open_image
    from geolocator.core.tilesets import load_tileset

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _xyz(tmp / "rgb", args.tiles, alpha=False)
        _xyz(tmp / "rgba", args.tiles, alpha=True)
        _geotiff(tmp / "ortho.tif", args.side)
        print(f"XYZ folder, {args.tiles} RGB tiles:  open {_time(lambda: load_tileset(tmp / 'rgb', tms=False)):.2f} s")
        print(f"XYZ folder, {args.tiles} RGBA tiles: open {_time(lambda: load_tileset(tmp / 'rgba', tms=False)):.2f} s")
        ts = load_tileset(tmp / "ortho.tif", tile_size_m=50)
        t_open = _time(lambda: load_tileset(tmp / "ortho.tif", tile_size_m=50))
        print(f"GeoTIFF {args.side}x{args.side} RGBA, 50 m windows: open {t_open:.2f} s, {len(ts)} tiles kept")
        full = [t for t in ts.tiles if t.window.col > args.side // 2 and t.window.row > args.side // 2][:20]
        rgb_tiles = load_tileset(tmp / "rgb", tms=False).tiles[:20]
        rgba_tiles = load_tileset(tmp / "rgba", tms=False).tiles[:20]
        for name, tiles in (("GeoTIFF window 250 px (mask read)", full), ("PNG tile RGB", rgb_tiles),
                            ("PNG tile RGBA (masked)", rgba_tiles)):
            per = _time(lambda: [open_image(t.path, t.window) for t in tiles]) / len(tiles)
            print(f"decode {name}: {per * 1000:.1f} ms")


if __name__ == "__main__":
    main()
