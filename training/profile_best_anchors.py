"""Where mode best's geometric anchors spend their time with a learned backend (issue 13, session 11).

Runs only the anchors (Workspace.geometric_labels: direct photo-tile matches, then photo-photo
chains) on an evenly spaced subsample of a region's photos, under cProfile, and counts the
LighterGlue pairs of each phase (direct: Verifier._verify_until_clear / _refine; chains:
adapt/geometric.py's photo-photo links), photo descriptions and mosaics built. Label-free: truth
only scores the labels at the end (share of labelled photos on a right tile).

  PYTHONPATH=. python training/profile_best_anchors.py --region data/benchmark/rotterdam-coarse \
      --photos 12 --anchor-options mosaic=1,mosaic_once=1 --cache-dir out/cache
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core.evaluate import positives
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region


def main() -> None:
    from compare_matchers import parse_matcher, subsample  # training/ is on sys.path as a script

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path, required=True)
    ap.add_argument("--photos", type=int, default=12)
    ap.add_argument("--matcher", default="xfeat")
    ap.add_argument("--anchor-options", default="")
    ap.add_argument("--links", type=int, default=None, help="GeometrySettings.links (default: its own)")
    ap.add_argument("--learned-links", type=int, default=None, help="GeometrySettings.learned_links (default: its own)")
    ap.add_argument("--cache-dir", type=Path, default=Path("out/cache"))
    ap.add_argument("--top", type=int, default=25)
    args = ap.parse_args()

    from geolocator.core.adapt import geometric as geo
    from geolocator.core.matchers import verify as learned

    region = load_region(args.region)
    queries = subsample(region.queries, args.photos)
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=args.cache_dir, verify_candidates=20,
                            matcher=args.matcher))
    ws.open_tiles(region.tiles)
    tf = ws.index()
    ok, qf, _ = ws.embed(queries)
    _, options = parse_matcher(f"x:{args.anchor_options}")
    ws.verifier.settings = replace(ws.verifier.settings, **options)
    overrides = {k: v for k, v in (("links", args.links), ("learned_links", args.learned_links)) if v is not None}
    if overrides:
        defaults = geo.GeometrySettings
        geo.GeometrySettings = lambda: defaults(**overrides)  # noqa: E731 - this script's setting only

    counts = {"direct": 0, "chain": 0, "describe": 0}
    phase = {"now": "direct"}
    pair, extract = learned.verify_pair, learned.features

    def counted_pair(*a, **k):
        counts[phase["now"]] += 1
        return pair(*a, **k)

    def counted_features(*a, **k):
        counts["describe"] += 1
        return extract(*a, **k)

    learned.verify_pair, learned.features = counted_pair, counted_features
    real_emit = geo.emit

    def emit(progress, event):  # the chain phase starts after the direct pass's last photo
        if "tiles" in (event.message or "") and event.step == event.total:
            phase["now"] = "chain"
        return real_emit(progress, event)

    geo.emit = emit
    frozen = ws._frozen_candidates(qf, tf)
    profile = cProfile.Profile()
    load = os.getloadavg()
    wall, cpu = time.perf_counter(), time.process_time()
    profile.enable()
    labels = ws.geometric_labels(ok, qf, tf, candidates=frozen)
    profile.disable()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tiles = ws.tileset.tiles
    placed = [(q, lab) for q, lab in zip(ok, labels) if lab is not None]
    right = sum(bool(positives(q, tiles)[lab.tile]) for q, lab in placed)
    direct = sum(lab.via is None for _, lab in placed)
    print(f"region {args.region.name}, {len(ok)} photos, anchors `{args.matcher}` ({args.anchor_options or 'defaults'}), "
          f"overrides {overrides or 'none'}; load {load[0]:.1f} -> {os.getloadavg()[0]:.1f}")
    print(f"wall {wall:.0f} s, CPU {cpu:.0f} s ({cpu / len(ok):.2f} CPU s a photo)")
    print(f"LighterGlue pairs: direct {counts['direct']} ({counts['direct'] / len(ok):.1f} a photo), "
          f"chains {counts['chain']} ({counts['chain'] / len(ok):.1f} a photo); descriptions {counts['describe']}")
    print(f"labels: {len(placed)} of {len(ok)} ({direct} direct, {len(placed) - direct} chained), "
          f"{right} on a right tile (truth scores only)")
    # each label's evidence and whether it is right (truth scores only): where a floor would separate them
    rows = sorted((lab.inliers, lab.via is None, bool(positives(q, tiles)[lab.tile])) for q, lab in placed)
    print("labels (inliers, direct, right):", " ".join(f"{n}{'d' if d else 'c'}{'+' if r else '-'}" for n, d, r in rows))
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
