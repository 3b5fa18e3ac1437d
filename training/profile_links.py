"""Every photo-photo link the Adapt button glues on a region, and what a cheap first look says of it
(issue 13, session 24: the Adapt phase's longest part on the real multi-sensor regions).

Opens the region as the app does (Settings defaults, the region's photos located once), then runs
adaptation (mode best) with every learned link glued (first looks passed, GeometrySettings.link_cap 0) and, for
each link, records its glued inliers (LighterGlue via rerank.verify_pair), its partner score
(partner_scores), and its first look (matchers/verify.quick_inliers) at 512, 1024 and 2048
keypoints, and the chaining round it was glued in. Label-free: truth is never read. Prints, for each
first-look threshold, how many links would be glued and how many clear links (glued inliers >= the
verifier's early stop) would be kept; then (session 25) how many links a photo and round would be
glued, and clear ones found, if the partners were glued in first-look order or at most a few a round.

  PYTHONPATH=. python training/profile_links.py --region REGION --cache-dir CACHE --out links.json
  PYTHONPATH=. python training/profile_links.py --analyse links.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

KEYPOINTS = (512, 1024, 2048)
THRESHOLDS = (6, 8, 10, 12, 15, 20)


def record(region_dir: Path, cache_dir: Path) -> list[dict]:
    from geolocator.core.adapt import geometric
    from geolocator.core.matchers.verify import quick_inliers
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region

    region = load_region(region_dir)
    ws = Workspace(Settings(cache_dir=cache_dir, adapter_dir=Path(tempfile.mkdtemp()) / "adapters"))
    ws.open_tiles(region.tiles)
    started = time.time()
    ws.locate(list(region.queries))
    print(f"located {len(region.queries)} photos in {time.time() - started:.0f} s", flush=True)
    scores, links, lock = {}, [], threading.Lock()
    partner_scores, verify_pair = geometric.partner_scores, geometric.verify_pair
    from geolocator.core import photo_pool

    map_photos, passes = photo_pool.map_photos, {"n": -1}  # pass 0: the direct matches, then the rounds

    def counted(*args, **kwargs):
        passes["n"] += 1
        return map_photos(*args, **kwargs)

    def scored(photo, partners):
        out = partner_scores(photo, partners)
        with lock:
            scores.update({(id(photo), id(p)): v for p, v in zip(partners, out)})
        return out

    def glued(photo, partner, settings, expected_share=None, heading=None):
        started = time.thread_time()
        result = verify_pair(photo, partner, settings, expected_share=expected_share, heading=heading)
        row = {"photo": id(photo), "partner": id(partner), "score": scores.get((id(photo), id(partner))),
               "round": passes["n"],
               "inliers": int(result.inliers), "glue_cpu_s": time.thread_time() - started,
               "clear": int(result.inliers) >= settings.stop_at()}
        started = time.thread_time()
        for k in KEYPOINTS:
            row[f"first_look_{k}"] = quick_inliers(photo, partner, settings, expected_share=1.0, keypoints=k)
        row["first_look_cpu_s"] = (time.thread_time() - started) / len(KEYPOINTS)
        with lock:
            links.append(row)
        return result

    geometric.partner_scores, geometric.verify_pair = scored, glued
    photo_pool.map_photos = counted
    geometric.quick_link = lambda *args, **kwargs: 1 << 30  # every link glued, to see them all
    defaults = geometric.GeometrySettings  # ... with no cap a round (session 27's link_cap, off by default)
    geometric.GeometrySettings = lambda **kw: defaults(**{"link_cap": 0, **kw})  # noqa: E731
    started, cpu = time.time(), time.process_time()
    passes["n"] = -1  # (locate's own passes before this are not adaptation's)
    ws.adapt(list(region.queries), mode="best")
    print(f"adapted in {time.time() - started:.0f} s wall, {time.process_time() - cpu:.0f} CPU s", flush=True)
    return links


def analyse(links: list[dict]) -> None:
    clear = np.array([row["clear"] for row in links], bool)
    print(f"{len(links)} links glued, {clear.sum()} clear; glue {np.mean([r['glue_cpu_s'] for r in links]):.3f} "
          f"CPU s a link, first look {np.mean([r['first_look_cpu_s'] for r in links]):.3f}")
    for k in KEYPOINTS:
        look = np.array([row[f"first_look_{k}"] for row in links])
        print(f"first look at {k} keypoints: clear links {sorted(look[clear].tolist())}")
        for t in THRESHOLDS:
            keep = look >= t
            print(f"  >= {t:2d}: {keep.sum():5d} of {len(links)} glued ({100 * keep.mean():.0f} %), "
                  f"clear kept {(keep & clear).sum()} of {clear.sum()}")


def analyse_order(links: list[dict], threshold: int = 12, k: int = 1024) -> None:
    """Per photo and round (rows recorded with "round"): links glued when the partners are glued in
    descending first-look order, stopping at the first clear one, and at most `cap` a photo a round,
    against today's order (partner score) with the same stop; clear links kept."""
    from collections import defaultdict

    if not links or "round" not in links[0]:
        return
    groups = defaultdict(list)
    for row in links:
        groups[row["photo"], row["round"]].append(row)
    clear_all = sum(r["clear"] for r in links)

    def glued(order_key, cap):
        n = kept = 0
        for rows in groups.values():
            rows = [r for r in rows if r[f"first_look_{k}"] >= threshold]
            rows = sorted(rows, key=order_key)[:cap]
            for r in rows:
                n += 1
                if r["clear"]:
                    kept += 1
                    break
        return n, kept

    print(f"{len(groups)} photo-rounds; links with first look >= {threshold} at {k} keypoints, glued in an order, "
          f"stopping at the first clear one (clear links in all: {clear_all})")
    for cap in (1, 2, 3, 4, 6, 8):
        today = glued(lambda r: -(r["score"] or 0), cap)
        looked = glued(lambda r: -r[f"first_look_{k}"], cap)
        print(f"  at most {cap} a photo a round: partner-score order {today[0]} glued, {today[1]} clear found; "
              f"first-look order {looked[0]} glued, {looked[1]} clear found")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path)
    ap.add_argument("--cache-dir", type=Path, default=Path("out/cache"))
    ap.add_argument("--out", type=Path, help="write every link's row here (JSON)")
    ap.add_argument("--analyse", type=Path, help="only analyse links written by an earlier run")
    args = ap.parse_args()
    if args.analyse:
        rows = json.loads(args.analyse.read_text())
        analyse(rows)
        analyse_order(rows)
        return
    if args.region is None:
        ap.error("--region is needed (or --analyse)")
    links = record(args.region, args.cache_dir)
    if args.out:
        args.out.write_text(json.dumps(links))
    analyse(links)
    analyse_order(links)


if __name__ == "__main__":
    main()
