"""Resident memory of a Verifier that has verified against many tiles, with its tile budget and without.

Verification keeps each tile's keypoints (SIFT at 512 px: up to 1,500 keypoints, ~0.78 MB) so a tile
asked for again is not described again. Before session 29 it kept them all for its life, so a long
flight over a large area (the app keeps one Verifier per tile set) held O(tiles visited) memory.
This describes the tiles of a tiles.csv, plain and "fine" (the second pass's view), through
Verifier.tile, as verification does, in a fresh process per mode, and prints the resident memory
(RSS) after every --step tiles:

- "budget": rerank.TILE_MEMORY_BYTES as shipped (least recently used dropped past it);
- "unbounded": TILE_MEMORY_BYTES = 10**15, how the code behaved before session 29.

  python training/bench_verifier_memory.py /tmp/ram29/area/tiles.csv [--limit 484] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, sys, time, psutil
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from geolocator.core import rerank
from geolocator.core.tilesets import load_tileset
if sys.argv[3] == "unbounded":
    rerank.TILE_MEMORY_BYTES = 10**15
tiles = load_tileset(Path(sys.argv[2])).tiles[: int(sys.argv[4])]
step = int(sys.argv[5])
v = rerank.Verifier(rerank.VerifySettings())
proc = psutil.Process()
base = proc.memory_info().rss
rows, peak, c0 = [], base, time.process_time()
for k, t in enumerate(tiles, 1):
    v.tile(t)
    v.tile(t, fine=True)
    rss = proc.memory_info().rss
    peak = max(peak, rss)
    if k % step == 0 or k == len(tiles):
        rows.append((k, rss))
print(json.dumps(dict(base=base, rows=rows, peak=peak, cpu=time.process_time() - c0,
                      held=v._tiles.nbytes if hasattr(v._tiles, "nbytes") else None)))
"""


def measure(tiles_csv: Path, mode: str, limit: int, step: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(tiles_csv), mode, str(limit), str(step)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("tiles", type=Path, help="a tiles.csv (or any tile set geolocator reads)")
    ap.add_argument("--limit", type=int, default=10**9, help="describe at most this many tiles")
    ap.add_argument("--step", type=int, default=100)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    mb = 2 ** 20
    lines = [f"# command: python training/bench_verifier_memory.py {args.tiles} --limit {args.limit} --step {args.step}"]
    for mode in ("budget", "unbounded"):
        t0 = time.perf_counter()
        r = measure(args.tiles, mode, args.limit, args.step)
        growth = ", ".join(f"{k}: +{(rss - r['base']) / mb:.0f}" for k, rss in r["rows"])
        lines.append(f"{mode:9s}: RSS after imports {r['base'] / mb:.0f} MiB; growth (MiB) after N tiles described "
                     f"plain + fine: {growth}; peak {r['peak'] / mb:.0f} MiB; {r['cpu']:.0f} CPU s, "
                     f"{time.perf_counter() - t0:.0f} s wall")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
