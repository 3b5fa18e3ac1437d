"""Why mode `paper` ranks below the frozen backbone on some hard regions (session 14, issue 13).

region_table.md found paper's global R@1 and recall@20 below frozen on vegas-coarse, rotterdam-coarse,
vegas-radiometric and rotterdam-oblique. Mode paper is EM-CVGL as published (em._paper_steps): its
E-step pairs the north-up tile view with the photo as taken (one view each) by mutual nearest
neighbours. This probe measures, per region, with truth used only to score:

- frozen retrieval as locate ranks it (max over the tiles' 8 headings): R@1, recall@20;
- frozen, north-up tile vs photo as taken (what paper's first E-step sees): R@1;
- the precision of paper's E-step pairs (share of pseudo-pairs whose tile holds the photo's truth),
  over the first 20 and the last 20 of its 200 steps, and pairs per step;
- paper's adapted retrieval (max over headings, as locate ranks it): R@1, recall@20.

The pairs are read by wrapping em.mutual_nn and torch.randint (which draws each step's photo per
tile) for the duration of one em.adapt call: no product code changes.

  PYTHONPATH=. python training/paper_mode_probe.py --regions data/benchmark/vegas-coarse ... --cache-dir out/cache
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from geolocator.core.adapt import em
from geolocator.core.evaluate import positives
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.retrieval import similarity


def ranks(sim: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(Q,) 1-based rank of each photo's best-ranked true tile (ties count against it)."""
    return np.array([min(int((row >= row[t]).sum()) for t in np.flatnonzero(p)) for row, p in zip(sim, pos)])


def paper_with_pairs(tiles: np.ndarray, photos: np.ndarray, pos: np.ndarray, seed: int):
    """em.adapt(mode='paper') while recording each step's E-step pairs: (adapter, [(pairs, right)])."""
    steps: list[tuple[int, int]] = []
    picks: list[torch.Tensor] = []
    real_randint, real_mutual = torch.randint, em.mutual_nn

    def randint(*args, **kwargs):  # _paper_steps draws each tile's photo with torch.randint
        out = real_randint(*args, **kwargs)
        picks.append(out)
        return out

    def mutual(sim, **kwargs):
        pairs = real_mutual(sim, **kwargs)
        photo = picks[-1][pairs.drone].cpu().numpy()
        right = pos[photo, pairs.sat.cpu().numpy()]
        steps.append((len(right), int(right.sum())))
        return pairs

    torch.randint, em.mutual_nn = randint, mutual
    try:
        adapter = em.adapt(tiles, photos, mode="paper", seed=seed, device="cpu")
    finally:
        torch.randint, em.mutual_nn = real_randint, real_mutual
    return adapter, steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", nargs="+", type=Path, required=True)
    ap.add_argument("--cache-dir", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"load average at the start {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    print("| region | tiles | photos | frozen R@1 | frozen recall@20 | frozen north-up vs as taken R@1 | "
          "paper pairs / step (first 20, last 20) | paper pair precision % (first 20, last 20) | "
          "paper R@1 | paper recall@20 | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for path in args.regions:
        cpu = time.process_time()
        region = load_region(path)
        ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.cache_dir))
        ws.open_tiles(region.tiles)
        tiles = ws.index()  # (N, V, D), V = 8 headings here (sets under 10,000 tiles)
        ok, photos, _ = ws.embed(region.queries)  # (Q, D) or (Q, 1, D): the photo as taken
        pos = np.array([positives(q, region.tiles.tiles) for q in ok])
        frozen = ranks(similarity(photos, tiles), pos)
        upright = ranks(similarity(photos, tiles[:, :1]), pos)
        adapter, steps = paper_with_pairs(tiles, photos, pos, args.seed)
        paper = ranks(similarity(adapter.transform_queries(photos), adapter.transform_tiles(tiles)), pos)
        first, last = np.array(steps[:20]), np.array(steps[-20:])

        def prec(block):
            return f"{100 * block[:, 1].sum() / max(1, block[:, 0].sum()):.1f}"

        def pct(r, k):
            return f"{100 * (r <= k).mean():.1f}"

        print(f"| {path.name} | {len(tiles)} | {len(ok)} | {pct(frozen, 1)} | {pct(frozen, 20)} | {pct(upright, 1)} | "
              f"{first[:, 0].mean():.1f}, {last[:, 0].mean():.1f} | {prec(first)}, {prec(last)} | {pct(paper, 1)} | "
              f"{pct(paper, 20)} | {time.process_time() - cpu:.0f} |", flush=True)
    print(f"load average at the end {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
