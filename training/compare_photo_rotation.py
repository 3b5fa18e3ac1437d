"""Before/after of issue 14 step 1: tiles at 8 headings (before) vs tiles once + photos at 8 headings
(after), same scoring (max over the 8 relative headings), on the demo and the public regions.

Rows: frozen features with and without geometric verification, and mode best (geometric anchors,
the product default) with and without verification. Truth scores only. Prints a markdown table
(also written to --out) with R@1 / R@5 / AP, the forward passes each variant needs and the time.

  python training/make_public_benchmark.py      # data/benchmark/{vegas,rotterdam}
  python training/compare_photo_rotation.py [--regions ...] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from geolocator.core.model import ROTATION_VIEWS
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]
LAYOUTS = {  # name: (tile views, photo views)
    "before: tiles x8, photo x1": (ROTATION_VIEWS, ("rot0",)),
    "after: tiles x1, photo x8": (("rot0",), ROTATION_VIEWS),
}


def run(region, tile_views, query_views, adapt: bool, seed: int, cache_dir: Path | None, adapter_dir: Path,
        steps: int | None = None) -> dict:
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, tile_views=tile_views,
                            query_views=query_views, adapter_dir=adapter_dir))
    ws.open_tiles(region.tiles)
    ws.index()
    started = time.perf_counter()
    if adapt:
        ws.adapt(region.queries, mode="best", seed=seed, steps=steps)
    adapt_s = time.perf_counter() - started
    out = {}
    for verify in (False, True):
        ws.settings.verify = verify
        started = time.perf_counter()
        ws.locate(region.queries)
        ev = ws.evaluate()
        out[verify] = (ev, adapt_s, time.perf_counter() - started)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-adapt", action="store_true", help="frozen features only (no adaptation rows)")
    parser.add_argument("--layouts", nargs="+", choices=["before", "after"], default=["before", "after"])
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/photo_rotation.md")
    parser.add_argument("--steps", type=int, help="adaptation steps (default: the adaptation's own)")
    args = parser.parse_args()
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-rotation-"))  # adapters are not kept
    lines = [
        "Issue 14 step 1: embed each tile once and rotate the photo (after) instead of each tile (before);",
        "the score is the max over the 8 relative headings either way. EfficientNet-Lite0, mode best with",
        f"geometric anchors, seed {args.seed}. Forward passes = tiles x tile views + photos x photo views.",
        f"Load average when run: {'/'.join(f'{x:.1f}' for x in os.getloadavg())} (2 shared cores).",
        "",
        "| region | layout | forward passes | adaptation | verification | R@1 | R@5 | AP | adapt (s) | locate (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in args.regions:
        region = load_region(path)
        name = f"{path.name} ({len(region.tiles)} tiles, {len(region.queries)} photos)"
        for layout, (tv, qv) in LAYOUTS.items():
            if layout.split(":")[0] not in args.layouts:
                continue
            passes = len(region.tiles) * len(tv) + len(region.queries) * len(qv)
            for adapt in (False,) if args.no_adapt else (False, True):
                for verify, (ev, adapt_s, locate_s) in run(region, tv, qv, adapt, args.seed, args.cache_dir, adapter_dir,
                                                             args.steps).items():
                    add_row(lines, f"| {name} | {layout} | {passes} | {'best' if adapt else 'none'} | "
                                   f"{'yes' if verify else 'no'} | {ev.r1:.1f} | {ev.r5:.1f} | {ev.ap:.1f} | "
                                   f"{adapt_s:.1f} | {locate_s:.1f} |")
    lines.append(f"\nLoad average after: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.")
    save(lines, args.out)
    shutil.rmtree(adapter_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
