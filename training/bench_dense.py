"""CPU seconds of the dense search (core/dense.py) a photo, against the same code at another git
revision, in one run (interleaved photo by photo, so the load on a shared machine hits both alike).

Each photo of the region is searched blind on the first `--candidates` tiles around it (the tile
under its truth point and its nearest tiles: truth only picks which grounds are timed, it scores
nothing), as Workspace._verify would search a photo that verified nothing. Prints CPU s a photo
for each revision, their ratio, and the largest difference of the best scores (the same search
should give the same scores). Usage:
    python training/bench_dense.py --region data/benchmark/rotterdam-ms --photos 6 --baseline HEAD~1
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def module_at(revision: str):
    """core/dense.py as it was at `revision` (git show), imported as a module of its own."""
    source = subprocess.run(["git", "show", f"{revision}:geolocator/core/dense.py"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout
    # relative imports (from .mosaic ...) need the package: place it as a sibling module of core
    path = ROOT / "geolocator/core" / f"_bench_dense_{abs(hash(revision))}.py"
    path.write_text(source)
    try:
        spec = importlib.util.spec_from_file_location(f"geolocator.core.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    finally:
        path.unlink()
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--photos", type=int, default=6, help="photos timed, evenly spaced")
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--baseline", default="HEAD~1", help="git revision to compare with")
    args = parser.parse_args()

    from geolocator.core import dense
    from geolocator.core.media.query_image import open_query_image
    from geolocator.core.queries import load_region

    old = module_at(args.baseline)
    region = load_region(args.region)
    tiles = region.tiles.tiles
    centres = np.array([[t.center.lat, t.center.lon] for t in tiles])
    picks = np.unique(np.linspace(0, len(region.queries) - 1, args.photos).round().astype(int))
    rankers = {"now": dense.DenseRanker(tiles), args.baseline: old.DenseRanker(tiles)}
    spent = {name: 0.0 for name in rankers}
    worst = 0.0
    for qi in picks:
        query = region.queries[qi]
        near = np.argsort(((centres - [query.truth.lat, query.truth.lon]) ** 2).sum(axis=1))[: args.candidates]
        grey = np.asarray(open_query_image(query, min_side=512).convert("L"), np.float32)
        for ranker in rankers.values():
            for t in near:  # grounds are built once per tile set: not timed
                ranker.ground(int(t))
        found = {}
        for name, ranker in rankers.items():
            started = time.process_time()
            found[name] = ranker.scores(grey, near)
            spent[name] += time.process_time() - started
        worst = max(worst, float(np.nanmax(np.abs(found["now"] - found[args.baseline]))))
        print(f"{Path(query.path).name}: " + ", ".join(f"{n} {spent[n]:.1f}" for n in spent), flush=True)
    n = len(picks)
    print(f"{args.region.name}: {n} photos x {args.candidates} candidates, CPU s a photo: now "
          f"{spent['now'] / n:.2f}, {args.baseline} {spent[args.baseline] / n:.2f}, ratio "
          f"{spent['now'] / spent[args.baseline]:.2f}; largest score difference {worst:.2e}")


if __name__ == "__main__":
    main()
