"""Where adaptation's per-tile XFeat anchors spend their time, and which pairs they need (issue 13,
session 31): every photo of a region against each of its frozen top-C tiles with XFeat + LighterGlue
on the tile alone (no mosaic), each stage timed: the photo's description, the tiles' descriptions,
the heading search (mutual-neighbour count, the verifier's "most alike" order), the first look
(quick_inliers: mutual nearest neighbours + one homography) and the glue (LighterGlue + RANSAC).

Every pair is glued (no early stop), so a policy (which pairs, in what order, stop where) can be
replayed offline from the JSON: `--replay OUT.json`. Truth is read only to score the replay.

  OMP_NUM_THREADS=2 PYTHONPATH=. python training/profile_tile_anchors.py --region data/benchmark/rotterdam-ms \
      --cache-dir /tmp/x/cache --out /tmp/x/pairs.json
  PYTHONPATH=. python training/profile_tile_anchors.py --replay /tmp/x/pairs.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def profile(region_path: Path, cache_dir: Path, out: Path, candidates: int) -> None:
    from geolocator.core.evaluate import positives
    from geolocator.core.matchers import verify as learned
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region
    from geolocator.core.rerank import query_outline

    region = load_region(region_path)
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, device="cpu",
                            verify_candidates=candidates, matcher="xfeat"))
    ws.open_tiles(region.tiles)
    tile_features = ws.index()
    ok, query_features, _ = ws.embed(region.queries)
    frozen = ws._frozen_candidates(query_features, tile_features)
    tiles = ws.tileset.tiles
    verifier = ws.verifier
    s = verifier.settings
    cpu, wall = time.process_time(), time.perf_counter()
    for tile in tiles:
        verifier.tile(tile)
    record = {"region": region_path.name, "tiles": len(tiles), "stop": s.stop_at(),
              "tile_describe_cpu_s": time.process_time() - cpu, "tile_describe_s": time.perf_counter() - wall,
              "photos": []}
    for qi, q in enumerate(ok):
        cpu = time.process_time()
        photo = verifier.described(q)
        describe = time.process_time() - cpu
        cands = [int(t) for t in frozen[qi]]
        targets = [verifier.tile(tiles[t]) for t in cands]
        cpu = time.process_time()
        heads = learned.headings_and_scores(photo, targets) if photo is not None else [(None, 0)] * len(cands)
        heading_cpu = time.process_time() - cpu
        outline = query_outline(q)
        pairs = []
        for t, target, (heading, score) in zip(cands, targets, heads):
            share = verifier._share(photo, tiles[t], outline) if photo is not None else None
            c0 = time.process_time()
            look = learned.quick_inliers(photo, target, s, share, heading=heading) if photo is not None else 0
            c1 = time.process_time()
            glued = learned.verify_pair(photo, target, s, share, heading).inliers if photo is not None else 0
            c2 = time.process_time()
            pairs.append({"tile": t, "alike": score, "look": look, "inliers": glued,
                          "look_cpu": c1 - c0, "glue_cpu": c2 - c1})
        right = positives(q, tiles)  # scoring only
        record["photos"].append({"photo": Path(q.path).name, "describe_cpu": describe, "heading_cpu": heading_cpu,
                                 "pairs": pairs, "right": [bool(right[t]) for t in cands]})
        print(qi, Path(q.path).name, f"describe {describe:.2f} glue {sum(p['glue_cpu'] for p in pairs):.2f} CPU s",
              "clear" if max(p["inliers"] for p in pairs) >= s.stop_at() else "", flush=True)
        out.write_text(json.dumps(record))


def replay(path: Path) -> None:
    """Policies over the profiled pairs: which photos get a clear direct anchor, how many are right,
    glue pairs and CPU s spent. Orders: frozen rank, alike (heading search), first look."""
    rec = json.loads(path.read_text())
    stop = rec["stop"]
    photos = rec["photos"]
    n = len(photos)
    print(f"{rec['region']}: {n} photos, tiles described {rec['tile_describe_cpu_s']:.0f} CPU s, "
          f"photos described {sum(p['describe_cpu'] for p in photos):.0f} CPU s, heading searches "
          f"{sum(p['heading_cpu'] for p in photos):.1f} CPU s, "
          f"first looks {sum(x['look_cpu'] for p in photos for x in p['pairs']):.0f} CPU s, "
          f"glue {sum(x['glue_cpu'] for p in photos for x in p['pairs']):.0f} CPU s "
          f"({sum(len(p['pairs']) for p in photos)} pairs)")
    print("| order | K | look >= | placed | right | glued pairs | glue CPU s | first looks |")
    print("|---|---|---|---|---|---|---|---|")
    for order in ("frozen", "alike", "look"):
        for k in (1, 2, 3, 5, 8, 10, 20):
            for floor in (0, 12):
                placed = right = glued = looks = 0
                glue_cpu = 0.0
                for p in photos:
                    pairs = list(enumerate(p["pairs"]))[:20]
                    if order == "frozen":
                        pairs = pairs[:k]
                    elif order == "alike":
                        pairs = sorted(pairs, key=lambda x: (-x[1]["alike"], x[0]))[:k]
                    else:
                        looks += len(pairs)
                        pairs = sorted(pairs, key=lambda x: (-x[1]["look"], -x[1]["alike"], x[0]))[:k]
                    if floor and order != "look":
                        looks += len(pairs)
                    for i, x in pairs:
                        if floor and x["look"] < floor:
                            continue
                        glued += 1
                        glue_cpu += x["glue_cpu"]
                        if x["inliers"] >= stop:
                            placed += 1
                            right += p["right"][i]
                            break
                print(f"| {order} | {k} | {floor} | {placed} | {right} | {glued} | {glue_cpu:.0f} | {looks} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path)
    ap.add_argument("--cache-dir", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--candidates", type=int, default=20)
    ap.add_argument("--replay", type=Path)
    args = ap.parse_args()
    if args.replay is not None:
        replay(args.replay)
    else:
        profile(args.region, args.cache_dir, args.out, args.candidates)


if __name__ == "__main__":
    main()
