"""Issue 14, session 11: test changes to the photo layout's adaptation (em.py) on fixed inputs.

Stage 1 (once per region and layout, the slow part): the Workspace's backbone features and the
geometric anchors exactly as Workspace.adapt computes them (frozen candidates, then SIFT labels and
chains), saved to --store as an .npz. Stage 2: em.adapt on those inputs with each --variant
(an em.Config field=value list, or "base"), then the adapted cosine ranking (no verification) as
locate scores it, split by whether the photo has a geometric anchor. Truth scores only; it never
reaches adaptation. The adapted ranking here equals compare_photo_rotation.py's unverified row when
the variant is "base" (same features, anchors, seed and code path).

  python training/photo_rotation_em_probe.py --region data/benchmark/rotterdam --cache-dir out/cache
      --store out/s11/probe --layouts photo tiles --variants base "views_pairs=aligned" [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time
from pathlib import Path

import numpy as np

from geolocator.core.adapt import em
from geolocator.core.evaluate import positives
from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.retrieval import similarity


def ranks_of(matrix: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(Q,) 1-based rank of each photo's best-ranked positive tile (ties count against it)."""
    return np.array([min(int((row >= row[t]).sum()) for t in np.flatnonzero(p)) for row, p in zip(matrix, pos)])


def stage1_arguments(parser: argparse.ArgumentParser) -> None:
    """The options stage1's runs are read from and stored under (this probe's and
    photo_rotation_photo_probe's): --region, --cache-dir, --store, --photo-views, --seed."""
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--store", type=Path, required=True, help="folder of the stage-1 .npz files")
    parser.add_argument("--photo-views", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)


def stage1(region, layout: str, cache_dir, photo_n: int, out: Path) -> dict:
    if out.exists():
        return dict(np.load(out))
    tv, qv, cand = (ROTATION_VIEWS, ("rot0",), 20) if layout == "tiles" else (("rot0",), photo_views(photo_n), 25)
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, tile_views=tv,
                            query_views=qv, verify_candidates=cand))
    ws.open_tiles(region.tiles)
    tiles = ws.index()
    ok, photos, _ = ws.embed(region.queries)
    cpu = time.process_time()
    frozen = ws._frozen_candidates(photos, tiles)
    anchors, summary = ws._geometric_anchors(ok, photos, tiles, None, None, frozen)
    pos = np.array([positives(q, region.tiles.tiles) for q in ok])
    data = {"tiles": tiles, "photos": photos, "anchors": anchors, "pos": pos,
            "ids": np.array([q.id for q in ok]), "labels_cpu_s": time.process_time() - cpu}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, **data)
    print(f"{layout}: labels {summary}, {data['labels_cpu_s']:.0f} CPU s", flush=True)
    return data


def parse_variant(text: str) -> dict:
    if text == "base":
        return {}
    out = {}
    for part in text.split(","):
        key, value = part.split("=")
        field = {f.name: f for f in dataclasses.fields(em.Config)}[key]
        kind = type(getattr(em.BEST, key))
        out[field.name] = value if kind is str else (value.lower() in ("1", "true", "yes")) if kind is bool else kind(value)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stage1_arguments(parser)
    parser.add_argument("--layouts", nargs="+", default=["photo"], choices=["tiles", "photo"])
    parser.add_argument("--variants", nargs="+", default=["base"])
    parser.add_argument("--anchors-from", choices=["own", "tiles"], default="own",
                        help="the layout's own anchors, or the tiles-x8 layout's (isolates the adapter)")
    args = parser.parse_args()
    region = load_region(args.region)
    print(f"{args.region.name}, seed {args.seed}: load average at the start "
          f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    print("| layout | variant | anchors | R@1 all | R@5 all | R@1 labelled | R@5 labelled | R@1 unlabelled | "
          "R@5 unlabelled (n) | adapt CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for layout in args.layouts:
        d = stage1(region, layout, args.cache_dir, args.photo_views, args.store / f"{args.region.name}-{layout}.npz")
        anchors = d["anchors"]
        if args.anchors_from == "tiles":
            anchors = stage1(region, "tiles", args.cache_dir, args.photo_views,
                             args.store / f"{args.region.name}-tiles.npz")["anchors"]
        has = anchors >= 0
        for text in args.variants:
            cfg = dataclasses.replace(em.BEST, **parse_variant(text))
            cpu = time.process_time()
            adapter = em.adapt(d["tiles"], d["photos"], config=cfg, seed=args.seed, device="cpu", anchors=anchors)
            cpu = time.process_time() - cpu
            r = ranks_of(similarity(adapter.transform_queries(d["photos"]), adapter.transform_tiles(d["tiles"])),
                         d["pos"])

            def pct(mask, k):
                return f"{100 * (r[mask] <= k).mean():.1f}" if mask.any() else "-"

            every = np.ones(len(r), bool)
            print(f"| {layout} | {text} | {args.anchors_from} | {pct(every, 1)} | {pct(every, 5)} | {pct(has, 1)} | "
                  f"{pct(has, 5)} | {pct(~has, 1)} | {pct(~has, 5)} ({int((~has).sum())}) | {cpu:.0f} |", flush=True)
            hard = np.flatnonzero(~has)
            names = [Path(str(d["ids"][i])).stem for i in hard]
            print("  unlabelled photos, their tile's adapted rank: "
                  + " ".join(f"{name}:{r[i]}" for name, i in zip(names, hard)), flush=True)
    print(f"load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
