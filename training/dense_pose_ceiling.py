"""How far could the dense search (core/dense.py) go if the photo's pose were known? (issue 13)

For every `--step`-th photo of a region, the dense score of the photo on EVERY tile's ground (the
tile and its 8 neighbours, the photo's centre inside the tile), with the pose hypotheses made from
what is known:

- known:             the rendered pose of poses.csv (tilt, heading, ground width, the 55 deg lens)
- known-but-heading: tilt, width and lens known; headings every 10 deg
- heading-only:      the blind tilts, widths and 65 deg lens; the heading known
- blind:             what the pipeline tries (DenseSettings: 3 tilts x 4 widths x 36 headings)

and prints the share of photos whose true tile ranks first, in the top 3 and top 5, and the CPU s.
poses.csv and truth.csv are the benchmark's own record of how each photo was rendered: they are
read here to measure a ceiling, never by geolocator to answer.

    python training/dense_pose_ceiling.py data/benchmark/rotterdam-ms --step 4
"""

from __future__ import annotations

import argparse
import csv
import os
import time
from pathlib import Path

import numpy as np
from PIL import Image

from geolocator.core import dense
from geolocator.core.evaluate import positives
from geolocator.core.queries import load_region

RENDER_HFOV_DEG = 55.0  # training/make_public_benchmark.py QUERY_HFOV_DEG: the lens every photo was rendered with
VARIANTS = ("known", "known-but-heading", "heading-only", "blind")


def hypotheses(variant: str, pose: dict, tile_edge_m: float, settings: dense.DenseSettings) -> dense.Hypotheses:
    """The poses tried for one photo under `variant` (module docstring); `pose`: its poses.csv row."""
    yaw, tilt, width = float(pose["yaw_deg"]), float(pose["tilt_deg"]), float(pose["footprint_m"])
    every = tuple(np.arange(0.0, 360.0, settings.heading_step_deg))
    blind_widths = tuple(w * tile_edge_m for w in settings.widths)
    if variant == "known":
        return dense.Hypotheses((tilt,), RENDER_HFOV_DEG, (width,), headings_deg=(yaw,))
    if variant == "known-but-heading":
        return dense.Hypotheses((tilt,), RENDER_HFOV_DEG, (width,), headings_deg=every)
    if variant == "heading-only":
        return dense.Hypotheses(tuple(settings.tilts_deg), settings.hfov_deg, blind_widths, headings_deg=(yaw,))
    if variant == "blind":
        return dense.hypotheses_for(None, tile_edge_m, settings)
    raise ValueError(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("region", type=Path)
    ap.add_argument("--step", type=int, default=4, help="every step-th photo (default 4)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of: " + ", ".join(VARIANTS))
    args = ap.parse_args()
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    region = load_region(args.region)
    tiles = region.tiles.tiles
    poses = {Path(r["query"]).name: r for r in csv.DictReader((args.region / "poses.csv").open())}
    settings = dense.DenseSettings()
    ranker = dense.DenseRanker(tiles, settings)
    grounds = [ranker.ground(t) for t in range(len(tiles))]
    edge = ranker.tile_edge_m(0)
    ranks: dict[str, list[int]] = {v: [] for v in variants}
    cpu: dict[str, float] = dict.fromkeys(variants, 0.0)
    photos = [q for q in region.queries if q.has_truth][:: args.step]
    print(f"# dense_pose_ceiling  {args.region.name}: {len(photos)} photos (every {args.step}th), {len(tiles)} tiles, "
          f"load average {os.getloadavg()[0]:.1f}")
    for q in photos:
        grey = np.asarray(Image.open(q.path).convert("L"), np.float32)
        truth = positives(q, tiles)
        row = []
        for v in variants:
            t0 = time.process_time()
            found = dense.best_scores(dense.templates(grey, hypotheses(v, poses[Path(q.path).name], edge, settings),
                                                      settings), grounds, settings)
            cpu[v] += time.process_time() - t0
            scores = np.array([value for value, _ in found])
            rank = int(np.flatnonzero(truth[np.argsort(-scores, kind="stable")])[0]) + 1
            ranks[v].append(rank)
            row.append(f"{v}: {rank}")
        print(f"{Path(q.path).name}  " + "  ".join(row), flush=True)
    print()
    print("| pose | photos | true tile first | top 3 | top 5 | median rank | CPU s a photo |")
    print("|---|---|---|---|---|---|---|")
    for v in variants:
        r = np.array(ranks[v])
        print(f"| {v} | {len(r)} | {100 * np.mean(r == 1):.1f} | {100 * np.mean(r <= 3):.1f} | {100 * np.mean(r <= 5):.1f} "
              f"| {np.median(r):.0f} | {cpu[v] / max(1, len(r)):.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
