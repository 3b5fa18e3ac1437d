"""Benchmark: a PMTiles version 2 archive (formats37: read through pmtiles_v2 with the pmtiles
package's v2 parsers) against the same tiles as a v3 archive (write_pmtiles).

Prints CPU seconds for read_info + listing one zoom level from a cold archive, and CPU milliseconds
per random tile read (directories kept), for side^2 tiles at one zoom in v2 leaf directories (one
leaf per tile 6 levels up, as a v2 writer splits a big archive) and in v3.

    PYTHONPATH=. python training/bench_pmtiles_v2.py [--side 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geolocator.core.sources import pmtiles as pm  # noqa: E402
from tests.test_pmtiles_v2 import write_v2  # noqa: E402


def _cpu(fn):
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--side", type=int, default=200)
    ap.add_argument("--reads", type=int, default=2000)
    args = ap.parse_args()
    z, x0, y0 = 16, 34000, 22000
    tiles = {(z, x0 + i, y0 + j): b"t%05d" % (i * args.side + j) for i in range(args.side) for j in range(args.side)}
    rng = random.Random(0)
    refs = [f"{z}/{x}/{y}" for (_, x, y) in rng.sample(sorted(tiles), min(args.reads, len(tiles)))]
    with tempfile.TemporaryDirectory() as tmp:
        v2 = write_v2(Path(tmp) / "v2.pmtiles", tiles, {"format": "png"}, leaf_level=z - 6)
        v3 = pm.write_pmtiles(Path(tmp) / "v3.pmtiles", tiles, fmt="png")
        print(f"{len(tiles):,} tiles at zoom {z}; v2: leaves at zoom {z - 6}")
        for name, path in (("v2", v2), ("v3", v3)):
            pm._pool.close_all()
            listed_s, ts = _cpu(lambda: pm.load(path, zoom=z))
            assert len(ts.tiles) == len(tiles)
            read_s, _ = _cpu(lambda: [pm.read_tile(path, r) for r in refs])
            print(f"  {name}: read_info + list zoom {z}: {listed_s:.2f} CPU s; random read "
                  f"{1000 * read_s / len(refs):.3f} CPU ms/tile")


if __name__ == "__main__":
    main()
