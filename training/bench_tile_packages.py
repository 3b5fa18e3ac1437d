"""Benchmark: tile packages are listed without decoding and read one tile at a time, and
fetch-tiles keeps a local server busy within its concurrency bound.

Prints: time and peak Python memory to list N tiles of one zoom from MBTiles / PMTiles /
GeoPackage (no tile data read), time per random tile read + decode, and fetch throughput against
a 127.0.0.1 server (tiles/s at concurrency 4, the server answering after 20 ms).

    PYTHONPATH=. python training/bench_tile_packages.py [--side 200]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.sources import fetch as F  # noqa: E402
from geolocator.core.sources.pmtiles import write_pmtiles  # noqa: E402
from geolocator.core.sources.tile_image import open_tile_image  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402
from tests.tile_packages import write_gpkg_web_mercator, write_mbtiles  # noqa: E402
from tests.tile_server import TileServer  # noqa: E402


def _jpeg(seed: int) -> bytes:
    """A small smooth 256 px JPEG (~2 KB): the benchmark measures indexing and look-ups, not disk
    bandwidth, and must not write gigabytes on a shared machine."""
    small = Image.effect_noise((8, 8), 40 + seed).convert("RGB")
    buf = io.BytesIO()
    small.resize((256, 256), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def main() -> None:
    import os

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds are what to compare)")
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=200, help="tiles per side: side^2 tiles at zoom 18")
    args = ap.parse_args()
    blobs = [_jpeg(i) for i in range(16)]
    z, x0, y0 = 18, 47161, 102812
    tiles = {(z, x0 + i, y0 + j): blobs[(i * 7 + j) % 16] for i in range(args.side) for j in range(args.side)}
    n = len(tiles)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        paths = {
            "mbtiles": write_mbtiles(tmp / "b.mbtiles", tiles),
            "pmtiles": write_pmtiles(tmp / "b.pmtiles", tiles, fmt="jpg"),
            "gpkg": write_gpkg_web_mercator(tmp / "b.gpkg", tiles),
        }
        print(f"{n:,} tiles of 256 px at zoom {z} ({sum(len(b) for b in tiles.values()) / 1e6:.0f} MB of JPEG)")
        for kind, path in paths.items():
            tracemalloc.start()
            t, c = time.perf_counter(), time.process_time()
            ts = load_tileset(path, zoom=z)
            listed, listed_cpu = time.perf_counter() - t, time.process_time() - c
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            sample = random.Random(0).sample(ts.tiles, 200)
            c = time.process_time()
            for tile in sample:
                open_tile_image(tile)
            per = (time.process_time() - c) / len(sample)
            print(f"  {kind:8s} list {len(ts):,} tiles: {listed_cpu:.2f} s CPU ({listed:.2f} s wall, tracemalloc on), "
                  f"peak {peak / 1e6:.0f} MB Python memory; read + decode one tile: {per * 1e3:.1f} ms CPU")
        few = dict(list(tiles.items())[:400])
        with TileServer(few, delay_s=0.02) as server:
            t = time.perf_counter()
            report = F.fetch_tiles(F.parse_template(server.url), sorted(few), tmp / "f.mbtiles", concurrency=4)
            dt = time.perf_counter() - t
            print(f"  fetch {report.fetched} tiles, server latency 20 ms, concurrency 4: {dt:.1f} s "
                  f"({report.fetched / dt:.0f} tiles/s; ideal {4 / 0.02:.0f}/s), max in flight {server.max_in_flight}")


if __name__ == "__main__":
    main()
