"""Benchmark: what re-checking the tiles an earlier fetch stored costs (fetch-tiles on an existing
tile set; core/sources/fetch.py stored_damage).

Builds an .mbtiles of N tiles (256 px crops of the demo region's imagery, JPEG quality 90 and PNG:
what imagery services send) with write_mbtiles, and times, over every stored tile:
  - has():            the existence check fetch-tiles made before (one SELECT per tile);
  - stored + end:     read the bytes and check their end (_ends_whole, no decode), the default now;
  - stored + decode:  read the bytes and decode them whole with Pillow (image_damage), --verify.

    PYTHONPATH=. python training/bench_fetch_recheck.py [--tiles 40000]

Prints CPU seconds (process time) beside wall seconds and the load average.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.sources import fetch as F  # noqa: E402
from geolocator.core.sources.mbtiles import MBTilesWriter  # noqa: E402
from tests.tile_packages import write_mbtiles  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "tiles"


def _crops(kind: str, count: int = 64) -> list[bytes]:
    """`count` distinct 256 px tiles cut from the demo imagery, encoded as `kind`."""
    out = []
    for path in sorted(DEMO.glob("*.jpg")):
        with Image.open(path) as im:
            im = im.convert("RGB").resize((512, 512))
        for left in (0, 256):
            for top in (0, 256):
                buf = io.BytesIO()
                crop = im.crop((left, top, left + 256, top + 256))
                crop.save(buf, kind, **({"quality": 90} if kind == "JPEG" else {}))
                out.append(buf.getvalue())
                if len(out) == count:
                    return out
    return out


def _time(label: str, fn, keys, n: int) -> None:
    c, t = time.process_time(), time.perf_counter()
    bad = sum(1 for k in keys if fn(*k))
    cpu, wall = time.process_time() - c, time.perf_counter() - t
    print(f"  {label:16s} {cpu:7.2f} CPU s ({wall:6.2f} s wall), {cpu / n * 1e3:6.3f} ms CPU a tile; {bad} flagged")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tiles", type=int, default=40_000)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds are what to compare)")
    side = int(round(args.tiles ** 0.5))
    n = side * side
    z, x0, y0 = 18, 47161, 102812
    for kind in ("JPEG", "PNG"):
        blobs = _crops(kind)
        tiles = {(z, x0 + i, y0 + j): blobs[(i * 7 + j) % len(blobs)] for i in range(side) for j in range(side)}
        with tempfile.TemporaryDirectory() as tmp:
            path = write_mbtiles(Path(tmp) / "b.mbtiles", tiles)
            mean_kb = sum(len(b) for b in blobs) / len(blobs) / 1e3
            print(f"{n:,} {kind} tiles of 256 px, {mean_kb:.0f} kB each on average ({path.stat().st_size / 1e6:.0f} MB)")
            w = MBTilesWriter(path)
            keys = list(tiles)
            _time("has()", lambda *k: not w.has(*k), keys, n)
            _time("stored + end", lambda *k: F.stored_damage(w.stored(*k)) is not None, keys, n)
            _time("stored + decode", lambda *k: F.stored_damage(w.stored(*k), decode=True) is not None, keys, n)
            w.db.close()


if __name__ == "__main__":
    main()

# Measured 2026-12-02 (session 21, mend21), load 4.0 on 2 shared CPUs, 162 s wall, 81 CPU s in all:
# 40,000 JPEG tiles of 256 px, 8 kB each on average (359 MB)
#   has()               0.10 CPU s (  0.44 s wall),  0.003 ms CPU a tile
#   stored + end        0.34 CPU s (  1.00 s wall),  0.009 ms CPU a tile
#   stored + decode    10.92 CPU s ( 20.52 s wall),  0.273 ms CPU a tile
# 40,000 PNG tiles of 256 px, 40 kB each on average (1634 MB)
#   has()               0.11 CPU s (  0.16 s wall),  0.003 ms CPU a tile
#   stored + end        0.78 CPU s (  3.89 s wall),  0.020 ms CPU a tile
#   stored + decode    62.69 CPU s (108.93 s wall),  1.567 ms CPU a tile
