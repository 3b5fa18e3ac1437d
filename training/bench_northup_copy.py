"""What a north-up copy costs (session 20, mend20): CPU seconds to warp a rotated GeoTIFF north-up
(northup.north_up_copy), for a source with an alpha band, with a nodata value, and with neither.

The raster is made from real imagery: the 25 Rotterdam benchmark tiles of part p1 (data/benchmark/rotterdam,
5 x 5 of 256 px) put together, mirrored into a SIDE x SIDE px mosaic, placed by a geotransform
rotated ANGLE degrees (no resampling to make it: only its georeference is rotated). Prints per case
CPU s (time.process_time: GDAL warps on the calling thread here), wall s, the copy's size, and a
digest of its pixels and mask (to show a change to the copy code leaves the copy bit for bit the same).

    PYTHONPATH=. python training/bench_northup_copy.py [--side 4096] [--angle 8] [--repeat 2]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
TILES = ROOT / "data/benchmark/rotterdam/tiles"


def mosaic(side: int) -> np.ndarray:
    """(3, side, side) uint8: the 5 x 5 Rotterdam tiles side by side, mirrored to fill `side`."""
    rows = [np.concatenate([np.asarray(Image.open(TILES / f"p1_r{r:02d}_c{c:02d}.jpg").convert("RGB"))
                            for c in range(5)], axis=1) for r in range(5)]
    one = np.concatenate(rows, axis=0)
    block = np.concatenate([np.concatenate([one, one[:, ::-1]], axis=1),
                            np.concatenate([one[::-1], one[::-1, ::-1]], axis=1)], axis=0)
    reps = -(-side // block.shape[0])
    return np.ascontiguousarray(np.tile(block, (reps, reps, 1))[:side, :side].transpose(2, 0, 1))


def write_source(path: Path, data: np.ndarray, angle: float, case: str) -> Path:
    import rasterio
    from affine import Affine

    side = data.shape[1]
    t = Affine.translation(590_000, 5_750_000) @ Affine.rotation(-angle) @ Affine(0.3, 0, 0, 0, -0.3, 0)
    kw = {"driver": "GTiff", "width": side, "height": side, "dtype": "uint8", "crs": "EPSG:32631", "transform": t,
          "tiled": True, "blockxsize": 256, "blockysize": 256, "compress": "deflate"}
    if case == "alpha":
        alpha = np.full((1, side, side), 255, np.uint8)
        alpha[:, : side // 10] = 0  # a transparent northern strip
        with rasterio.open(path, "w", count=4, photometric="RGB", alpha="YES", **kw) as ds:
            ds.write(np.concatenate([data, alpha]))
    elif case == "nodata":
        d = data.copy()
        d[:, : side // 10] = 0
        with rasterio.open(path, "w", count=3, photometric="RGB", nodata=0, **kw) as ds:
            ds.write(d)
    else:
        with rasterio.open(path, "w", count=3, photometric="RGB", **kw) as ds:
            ds.write(data)
    return path


def digest(path: Path) -> str:
    import rasterio

    with rasterio.open(path) as ds:
        h = hashlib.sha256(ds.read().tobytes())
        h.update(ds.dataset_mask().tobytes())
    return h.hexdigest()[:12]


def main() -> None:
    from geolocator.core.sources.northup import north_up_copy

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", type=int, default=4096)
    parser.add_argument("--angle", type=float, default=8.0)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    data = mosaic(args.side)
    with tempfile.TemporaryDirectory(prefix="bench-northup-") as tmp:
        tmp = Path(tmp)
        print(f"{args.side} x {args.side} px rotated {args.angle} deg (Rotterdam tiles, mirrored)")
        print("| source | CPU s (each run) | wall s | copy px | copy MB | digest |\n|---|---|---|---|---|---|")
        for case in ("alpha", "nodata", "neither"):
            src = write_source(tmp / f"{case}.tif", data, args.angle, case)
            cpu, wall = [], []
            for i in range(args.repeat):
                out_dir = tmp / f"out-{case}-{i}"
                c0, w0 = time.process_time(), time.perf_counter()
                copy = north_up_copy(src, "EPSG:32631", out_dir=out_dir)
                cpu.append(time.process_time() - c0)
                wall.append(time.perf_counter() - w0)
            with Image.open(copy) as im:
                size = im.size
            print(f"| {case} | {' / '.join(f'{c:.2f}' for c in cpu)} | {min(wall):.2f} | {size[0]} x {size[1]} | "
                  f"{copy.stat().st_size / 2**20:.1f} | {digest(copy)} |", flush=True)


if __name__ == "__main__":
    main()
