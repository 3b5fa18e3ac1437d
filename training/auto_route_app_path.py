"""The app's path with `--matcher auto` on one region, timed per phase (training/results/auto_route.md).

As the app's workers call it: Workspace(Settings as the CLI builds them, matcher "auto") ->
open_tiles -> index (fixed start cost) -> locate every photo (frozen) -> evaluate; then, with
--adapt, one-click adaptation (Workspace.adapt, mode best, seed 0) -> locate -> evaluate.
Truth only scores (Workspace.evaluate); the route is resolved from the tiles alone.

    OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 python training/auto_route_app_path.py \
        data/benchmark/vegas-coarse --adapt --cache-dir out/cache --json out/auto/vegas-coarse.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path


def clock():
    return time.perf_counter(), time.process_time()


def since(start):
    wall, cpu = clock()
    return round(wall - start[0], 2), round(cpu - start[1], 2)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("region", type=Path)
    p.add_argument("--matcher", default="auto")
    p.add_argument("--adapt", action="store_true", help="also mode best (one-click adaptation) and locate again")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache-dir", type=Path, required=True)
    p.add_argument("--json", type=Path)
    args = p.parse_args()

    start = clock()
    from geolocator.cli import build_parser, _workspace
    from geolocator.core.queries import load_region

    region = load_region(args.region)
    cli = build_parser().parse_args(["eval", str(args.region), "--matcher", args.matcher, "--cache-dir",
                                     str(args.cache_dir)])
    ws = _workspace(cli)  # the CLI's settings: every default as a user gets it
    ws.open_tiles(region.tiles)
    ws.index()
    route_start = clock()
    route = ws.route()  # resolved from the tiles (the verifier would resolve it on first use)
    out = {"region": str(args.region), "photos": len(region.queries), "tiles": len(region.tiles),
           "route": route.as_dict(), "reason": route.reason, "route_wall_cpu_s": since(route_start),
           "start_wall_cpu_s": since(start), "load_start": os.getloadavg()[0], "seed": args.seed,
           "time_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}
    print(route.reason, flush=True)

    def located(label):
        t = clock()
        predictions = ws.locate(region.queries)
        wall, cpu = since(t)
        ev = ws.evaluate(predictions)
        n = len(region.queries)
        row = {"r1": round(ev.r1, 1), "r5": round(ev.r5, 1), "median_error_m": ev.median_error_m,
               "median_error_best_m": ev.extra.get("median_error_best_m"), "n_scored": ev.n_queries,
               "locate_wall_s": wall, "locate_cpu_s": cpu, "wall_s_per_photo": round(wall / n, 2),
               "cpu_s_per_photo": round(cpu / n, 2), "load_after": os.getloadavg()[0],
               "verified": sum(p.status == "verified" for p in predictions)}
        out[label] = row
        print(label, json.dumps(row), flush=True)

    located("frozen")
    if args.adapt:
        t = clock()
        adapter = ws.adapt(region.queries, mode="best", seed=args.seed,
                           save_to=args.cache_dir / "adapters" / f"{args.region.name}.safetensors")
        wall, cpu = since(t)
        out["adapt"] = {"wall_s": wall, "cpu_s": cpu, "geometry": adapter.card.get("geometry"),
                        "load_after": os.getloadavg()[0]}
        print("adapt", json.dumps(out["adapt"]), flush=True)
        located("best")
    out["total_wall_cpu_s"] = since(start)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1))
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
