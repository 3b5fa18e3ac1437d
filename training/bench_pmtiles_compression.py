"""Benchmark: PMTiles archives whose directories (and tiles) are compressed with gzip, brotli, zstd or
nothing are listed and read at about the same cost (pmtiles36: brotli/zstd directories are unpacked,
then handed to the pmtiles package's parser in a stored gzip member).

Prints, per directory compression: CPU seconds to list one zoom level of side^2 tiles from a cold
archive (root + leaf directories of 4,096 entries, as a large archive is laid out), and CPU
milliseconds per random tile read (directories cached), for tiles stored as is and packed with the
same codec.

    PYTHONPATH=. python training/bench_pmtiles_compression.py [--side 200]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.sources import pmtiles as pm  # noqa: E402
from tests.test_pmtiles_compression import packed_archive  # noqa: E402


def _jpeg(seed: int) -> bytes:
    """A small smooth 64 px JPEG (~0.7 KB): the listing and look-ups are measured, not disk bandwidth
    (40,000 of them must not fill a shared machine's /tmp)."""
    small = Image.effect_noise((8, 8), 40 + seed).convert("RGB")
    buf = io.BytesIO()
    small.resize((64, 64), Image.Resampling.BICUBIC).save(buf, "JPEG", quality=75)
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=200, help="tiles per side: side^2 tiles at zoom 18")
    ap.add_argument("--reads", type=int, default=2000)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds are what to compare)")
    z, x0, y0 = 18, 47161, 102812
    blobs = [_jpeg(i) + bytes([i]) * i for i in range(64)]  # distinct contents: one entry per tile
    tiles = {(z, x0 + i, y0 + j): blobs[(i * 7 + j) % 64] for i in range(args.side) for j in range(args.side)}
    refs = [f"{z}/{x}/{y}" for _, x, y in tiles]
    rng = random.Random(0)
    sample = [rng.choice(refs) for _ in range(args.reads)]
    print(f"{len(tiles)} tiles at zoom {z}; {args.reads} random reads")
    print(f"{'directories':>11} {'tiles':>6} {'file MB':>8} {'dirs KB':>8} {'list s':>7} {'read ms':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for internal in ("GZIP", "BROTLI", "ZSTD", "NONE"):
            # tiles as is, and packed with the directories' codec (gzip images were read before and are rare)
            for tile_comp in ("NONE",) + ((internal,) if internal in ("BROTLI", "ZSTD") else ()):
                path = packed_archive(Path(tmp) / f"{internal}_{tile_comp}.pmtiles", tiles, tile_type="JPEG",
                                      internal=internal, tile_comp=tile_comp, leaf_size=4096)
                h = pm._pool.get(path).header
                dirs_kb = (h["root_length"] + h["leaf_directory_length"]) / 1e3
                pm._pool.close_all()
                t0 = time.process_time()
                listed = pm.load(path, zoom=z)
                t_list = time.process_time() - t0
                assert len(listed.tiles) == len(tiles)
                t0 = time.process_time()
                for ref in sample:
                    data = pm.read_tile(path, ref)
                    assert data is not None and data[:3] == b"\xff\xd8\xff"
                t_read = (time.process_time() - t0) / len(sample) * 1e3
                pm._pool.close_all()
                print(f"{internal:>11} {tile_comp:>6} {path.stat().st_size / 1e6:8.1f} {dirs_kb:8.1f} {t_list:7.2f} "
                      f"{t_read:8.3f}")
                path.unlink()


if __name__ == "__main__":
    main()
