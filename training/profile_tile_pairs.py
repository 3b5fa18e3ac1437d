"""Every photo-tile pair a learned backend glues when the app locates a region, before and after
its adapter, and what a cheap first look says of each (issue 13, session 25: the Adapt phase's
second part, every photo located again, on the real multi-sensor regions).

Opens the region as the app does (Settings defaults) with an empty pair store, locates every photo,
then loads the region adapter saved in `--adapter` (what the Adapt button trained) and locates them
again. Each LighterGlue pair (matchers/verify.verify_pair) is recorded with its glued inliers,
whether it is clear (the verifier's early stop), and its first look (matchers/verify.quick_inliers)
at 1024 and 2048 keypoints. Label-free: truth is never read.

  PYTHONPATH=. python training/profile_tile_pairs.py --region REGION --cache-dir CACHE --adapter A.safetensors --out pairs.json
  PYTHONPATH=. python training/profile_tile_pairs.py --analyse pairs.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

KEYPOINTS = (1024, 2048)
THRESHOLDS = (4, 6, 8, 10, 12, 15, 20)


def record(region_dir: Path, cache_dir: Path, adapter: Path) -> list[dict]:
    from geolocator.core.adapt import RegionAdapter
    from geolocator.core.matchers import verify as learned
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    shutil.rmtree(cache_dir / "pairs", ignore_errors=True)  # every pair glued afresh
    region = load_region(region_dir)
    ws = Workspace(Settings(cache_dir=cache_dir, adapter_dir=Path(tempfile.mkdtemp()) / "adapters"))
    ws.open_tiles(region.tiles)
    rows, lock, phase = [], threading.Lock(), {"name": "open"}
    verify_pair = learned.verify_pair

    def glued(photo, target, settings, expected_share=None, heading=None):
        started = time.thread_time()
        result = verify_pair(photo, target, settings, expected_share, heading)
        row = {"phase": phase["name"], "inliers": int(result.inliers), "glue_cpu_s": time.thread_time() - started,
               "clear": int(result.inliers) >= settings.stop_at(), "share": expected_share}
        started = time.thread_time()
        for k in KEYPOINTS:
            row[f"first_look_{k}"] = learned.quick_inliers(photo, target, settings, expected_share, keypoints=k)
        row["first_look_cpu_s"] = (time.thread_time() - started) / len(KEYPOINTS)
        with lock:
            rows.append(row)
        return result

    learned.verify_pair = glued
    for name, use in (("open", None), ("adapted", adapter)):
        phase["name"] = name
        if use is not None:
            ws.set_adapter(RegionAdapter.load(use, expect_backbone=ws.backbone.name))
        started, cpu = time.time(), time.process_time()
        ws.locate(list(region.queries))
        print(f"{name}: located {len(region.queries)} photos in {time.time() - started:.0f} s wall, "
              f"{time.process_time() - cpu:.0f} CPU s (first looks included)", flush=True)
    return rows


def analyse(rows: list[dict]) -> None:
    for name in sorted({r["phase"] for r in rows}):
        part = [r for r in rows if r["phase"] == name]
        clear = np.array([r["clear"] for r in part], bool)
        inl = np.array([r["inliers"] for r in part])
        print(f"{name}: {len(part)} pairs glued, {clear.sum()} clear; glue {np.mean([r['glue_cpu_s'] for r in part]):.3f} "
              f"CPU s a pair, first look {np.mean([r['first_look_cpu_s'] for r in part]):.3f}; "
              f"glued inliers 12-39: {((inl >= 12) & ~clear).sum()}")
        for k in KEYPOINTS:
            look = np.array([r[f"first_look_{k}"] for r in part])
            print(f"  first look at {k}: clear pairs' looks {sorted(look[clear].tolist())[:12]} ...")
            for t in THRESHOLDS:
                keep = look >= t
                print(f"    >= {t:2d}: {keep.sum():5d} of {len(part)} glued ({100 * keep.mean():.0f} %), "
                      f"clear kept {(keep & clear).sum()} of {clear.sum()}, 12+ kept {(keep & (inl >= 12)).sum()} of {(inl >= 12).sum()}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path)
    ap.add_argument("--cache-dir", type=Path, default=Path("out/cache"))
    ap.add_argument("--adapter", type=Path, help="the region adapter the Adapt button saved")
    ap.add_argument("--out", type=Path, help="write every pair's row here (JSON)")
    ap.add_argument("--analyse", type=Path, help="only analyse pairs written by an earlier run")
    args = ap.parse_args()
    if args.analyse:
        analyse(json.loads(args.analyse.read_text()))
        return
    if args.region is None or args.adapter is None:
        ap.error("--region and --adapter are needed (or --analyse)")
    rows = record(args.region, args.cache_dir, args.adapter)
    if args.out:
        args.out.write_text(json.dumps(rows))
    analyse(rows)


if __name__ == "__main__":
    main()
