"""Geometric labels with 3 chaining rounds against more (ms29, session 29), one process per region.

Runs the label step of mode best (Workspace.geometric_labels, as Workspace.adapt and
training/geometry_labels.py call it: frozen candidates, the route's verifier) once for each value of
GeometrySettings.rounds given, on the same Workspace: the second run's direct pass reads the pairs the
first one verified (the verifier keeps them), so only chaining costs again. Prints, per setting, the
photos placed (right, scored against truth.csv afterwards: the step never sees it), which rounds ran
(from the step's own progress events), the seconds of the step, and the photos whose label differs
from the first setting's. Same labels mean the same adaptation input, so the same answers after it.

    python training/chain_rounds.py REGION [REGION ...] [--rounds 3 6] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("regions", nargs="+", type=Path)
    ap.add_argument("--rounds", nargs="+", type=int, default=[3, 6])
    ap.add_argument("--cache-dir", type=Path, default=None, help="feature cache (default: the user cache dir)")
    args = ap.parse_args()

    from geolocator.core.adapt import geometric
    from geolocator.core.evaluate import positives
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    defaults = geometric.GeometrySettings
    for path in args.regions:
        region = load_region(path)
        ws = Workspace(Settings(cache_dir=args.cache_dir))
        ws.open_tiles(region.tiles)
        tiles = region.tiles.tiles
        tile_features = ws.index()
        photos, photo_features, _ = ws.embed(region.queries)
        first = None
        for rounds in args.rounds:
            geometric.GeometrySettings = lambda **kw: defaults(**{"rounds": rounds, **kw})  # noqa: B023,E731
            seen: set[int] = set()

            def progress(ev, seen=seen) -> None:
                m = re.search(r"\(round (\d+)\)", ev.message or "")
                if m:
                    seen.add(int(m.group(1)))

            cpu, wall = time.process_time(), time.perf_counter()
            try:
                labels = ws.geometric_labels(photos, photo_features, tile_features, progress=progress)
            finally:
                geometric.GeometrySettings = defaults
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            right = [lab is not None and q.has_truth and bool(positives(q, tiles)[lab.tile])
                     for q, lab in zip(photos, labels)]
            placed = [lab is not None for lab in labels]
            changed = "" if first is None else ", ".join(
                f"{q.id} {tiles[a.tile].id if a else '-'} -> {tiles[b.tile].id if b else '-'}"
                for q, a, b in zip(photos, first, labels) if (a and a.tile) != (b and b.tile)) or "none"
            print(f"{path.name}: rounds {rounds}: {sum(placed)} of {len(photos)} placed, {sum(right)} right; "
                  f"rounds run {sorted(seen)}; {wall:.1f} s wall, {cpu:.1f} CPU s (this process)"
                  + ("" if first is None else f"; labels changed: {changed}"))
            first = labels if first is None else first


if __name__ == "__main__":
    main()
