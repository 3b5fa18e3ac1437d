"""The corner look (VerifySettings.corners, Settings.verify_corners) against the product's route
without it, per region: R@1 (all photos, and those within --near metres of a tile corner against
the rest), refined median error, seconds and CPU seconds a photo (corners30, session 30, issue 13).

Each variant runs in its own Workspace with its own cache folder (global features, pair store,
keypoints), so neither reads what the other verified: the seconds are each variant's own. The route
is the CLI's (`auto`, widening as the CLI, the xfeat second look on). Mode `best` adapts (geometric
anchors through the same verifier, so with the corner look where it is on) and locates again.
Truth only scores (Workspace.evaluate) and says where each photo lies (corner_positions.py).

    python training/compare_corners.py REGION... --corners 3 [--modes frozen best] [--out FILE] [--per-photo DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from compare_matchers import _confident, dump_photos, fmt  # training/ is on sys.path as a script
from corner_positions import positions
from tables import add_row, save


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("regions", nargs="+", type=Path)
    ap.add_argument("--corners", type=int, default=3, help="VerifySettings.corners of the variant with the look")
    ap.add_argument("--modes", nargs="+", default=["frozen"])
    ap.add_argument("--near", type=float, default=10.0, help="metres from a tile corner that count as near")
    ap.add_argument("--scratch", type=Path, default=None, help="folder for the variants' caches (default: a temporary one)")
    ap.add_argument("--per-photo", type=Path, help="folder: one CSV per row (compare_matchers.dump_photos)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="geolocator-corners-"))
    lines: list[str] = []
    add_row(lines, f"corners={args.corners}, near = within {args.near:g} m of a tile corner; load average at start "
                   + " / ".join(f"{x:.1f}" for x in os.getloadavg()))
    add_row(lines, "| region | photos (near) | route | mode | corners | R@1 | R@1 near | R@1 rest | refined median m "
                   "| s / photo | CPU s / photo | confidence >= 0.9: right / shown | load |")
    add_row(lines, "|" + "---|" * 13)
    for path in args.regions:
        region = load_region(path)
        pos = positions(path)
        for corners in (0, args.corners):
            cache = scratch / f"{path.name}-c{corners}"
            shutil.rmtree(cache, ignore_errors=True)
            ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache, verify_candidates=20,
                                    matcher="auto", verify_widen=None, adapter_dir=cache / "adapters",
                                    verify_corners=corners))
            ws.open_tiles(region.tiles)
            ws.index()
            route = ws.route()
            for mode in args.modes:
                label = mode
                if mode != "frozen":
                    started, cpu = time.perf_counter(), time.process_time()
                    ws.adapt(region.queries, mode=mode, seed=0, geometric=mode == "best")
                    label = f"{mode} (adapt {time.perf_counter() - started:.0f} s, {time.process_time() - cpu:.0f} CPU s)"
                load = os.getloadavg()[0]
                started, cpu = time.perf_counter(), time.process_time()
                ws.locate(region.queries)
                n = len(region.queries)
                seconds, cpu_s = (time.perf_counter() - started) / n, (time.process_time() - cpu) / n
                ev = ws.evaluate()
                tiles = ws.tileset.tiles
                right = {}
                for q, pred in zip(ws.last.queries, ws.last.predictions):
                    from geolocator.core.evaluate import positives

                    right[Path(q.path).name] = bool(positives(q, tiles)[[t.id for t in tiles].index(pred.top.tile.id)])
                near = [right[k] for k in right if pos[k]["corner_m"] <= args.near]
                rest = [right[k] for k in right if pos[k]["corner_m"] > args.near]
                if args.per_photo is not None:
                    dump_photos(args.per_photo / f"{path.name}-{mode}-c{corners}.csv", ws, ws.last.similarity, tiles)
                add_row(lines, f"| {path.name} | {n} ({len(near)}) | {route.matcher}{' mosaic ' + str(route.mosaic) if route.mosaic else ''} "
                               f"| {label} | {corners} | {ev.r1:.1f} | {_pct(near)} | {_pct(rest)} "
                               f"| {fmt(ev.extra['median_weighted_error_m'])} | {seconds:.2f} | {cpu_s:.2f} | {_confident(ev)} "
                               f"| {load:.1f} |")
            shutil.rmtree(cache, ignore_errors=True)
    add_row(lines, f"\nload average at the end {os.getloadavg()[0]:.1f}")
    save(lines, args.out, echo=False)


def _pct(flags: list[bool]) -> str:
    return f"{100 * sum(flags) / len(flags):.1f}" if flags else "-"


if __name__ == "__main__":
    main()
