"""Benchmark: evaluation on a large tile set (Workspace._evaluate_large) streams the feature store
once for all photos instead of once per photo.

Prints the CPU and wall time of retrieval.count_above called once per photo (how evaluation ran
before) and once for all photos (now), on random unit features, and checks both give the same
counts.

    PYTHONPATH=. python training/bench_evaluate_large.py [--tiles 200000] [--photos 50]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.retrieval import count_above  # noqa: E402


def timed(fn):
    cpu, wall = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=200_000)
    ap.add_argument("--photos", type=int, default=50)
    ap.add_argument("--dim", type=int, default=256)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    tiles = rng.normal(size=(args.tiles, 1, args.dim)).astype(np.float16)  # the store's layout and dtype
    tiles /= np.linalg.norm(tiles, axis=-1, keepdims=True)
    photos = rng.normal(size=(args.photos, 8, args.dim)).astype(np.float32)  # photos at 8 headings
    photos /= np.linalg.norm(photos, axis=-1, keepdims=True)
    thresholds = np.full((args.photos, 2), 0.2, np.float32)  # two positives a photo
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (CPU seconds are what to compare)")
    per, cpu_a, wall_a = timed(lambda: np.concatenate(
        [count_above(photos[i : i + 1], tiles, thresholds[i : i + 1]) for i in range(args.photos)]))
    once, cpu_b, wall_b = timed(lambda: count_above(photos, tiles, thresholds))
    assert (per == once).all()
    print(f"{args.photos} photos x 8 views against {args.tiles:,} tiles x {args.dim}-d float16:")
    print(f"  one count_above per photo: {cpu_a:.2f} s CPU ({wall_a:.2f} s wall)")
    print(f"  one count_above for all:   {cpu_b:.2f} s CPU ({wall_b:.2f} s wall), the same counts")


if __name__ == "__main__":
    main()
