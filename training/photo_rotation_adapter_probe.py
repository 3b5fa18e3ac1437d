"""Issue 14, session 10: why the photo-x12 adapter orders Rotterdam's unverifiable photos worse than
the tiles-x8 adapter. For each layout: adapt once (mode best, geometric anchors, --seed, as
compare_photo_rotation.py's run()), then score the adapted cosine ranking (no verification) of the
photo's tile over all photos, over the photos adaptation gave a geometric label, and over the others
(the hard ones), in two readings of the same adapter:

  as used     the adapter as locate uses it (BatchNorm with its running statistics, which mix the
              tile batches' and the photo batches' statistics);
  per domain  the encoder's BatchNorm normalised with each domain's own statistics over all its rows
              (every tile view; every photo view), as every training step saw them (label-free,
              transductive: a diagnosis, not a product path).

Truth scores only. Prints one markdown row per layout and reading.

  python training/photo_rotation_adapter_probe.py --region data/benchmark/rotterdam --cache-dir out/cache
      [--photo-views 12] [--photo-candidates 25] [--fine-below 12] [--centre-adapted] [--seed 0]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from geolocator.core.adapt.adapter import QUERY, TILE
from geolocator.core.evaluate import positives
from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.retrieval import similarity


def per_domain_encode(model, x: np.ndarray, domain: str) -> np.ndarray:
    """(..., D) -> (..., H) L2-normalised codes, the encoder's BatchNorm fed this domain's own batch
    statistics over all rows of `x` (training-mode normalisation, no running-statistics update)."""
    flat = torch.from_numpy(np.asarray(x, np.float32).reshape(-1, x.shape[-1]))
    lin, bn = model.enc[0], model.enc[1]
    with torch.no_grad():
        h = lin(model.prepare(flat, domain))
        h = F.batch_norm(h, None, None, bn.weight, bn.bias, training=True, eps=bn.eps)
        out = F.normalize(h, dim=-1).numpy()
    return out.reshape(*x.shape[:-1], out.shape[-1])


def ranks_of(matrix: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(Q,) 1-based rank of each photo's best-ranked positive tile (ties count against it)."""
    out = np.empty(len(matrix), np.int64)
    for i, row in enumerate(matrix):
        out[i] = min(int((row >= row[t]).sum()) for t in np.flatnonzero(pos[i]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--photo-views", type=int, default=12)
    parser.add_argument("--photo-candidates", type=int, default=25)
    parser.add_argument("--fine-below", type=int)
    parser.add_argument("--centre-adapted", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layouts", nargs="+", default=["tiles", "photo"], choices=["tiles", "photo"])
    args = parser.parse_args()
    region = load_region(args.region)
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-probe-"))
    print(f"{args.region.name}: load average at the start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}",
          flush=True)
    print("| layout | reading | R@1 all | R@5 all | R@1 labelled | R@5 labelled | R@1 unlabelled | R@5 unlabelled "
          "(n) | adapt CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    layouts = {"tiles": ("tiles x8", ROTATION_VIEWS, ("rot0",), 20),
               "photo": (f"photo x{args.photo_views}", ("rot0",), photo_views(args.photo_views), args.photo_candidates)}
    for key in args.layouts:
        name, tv, qv, cand = layouts[key]
        ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=args.cache_dir, tile_views=tv,
                                query_views=qv, adapter_dir=adapter_dir, verify_candidates=cand,
                                centre_adapted_views=args.centre_adapted))
        ws.open_tiles(region.tiles)
        if args.fine_below is not None:
            ws.verifier.settings = dataclasses.replace(ws.verifier.settings, fine_below=args.fine_below)
        tiles = ws.index()
        ok, photos, _ = ws.embed(region.queries)
        anchors = None
        labelled = ws._geometric_anchors

        def keep(*a, **k):
            nonlocal anchors
            anchors, summary = labelled(*a, **k)
            return anchors, summary

        ws._geometric_anchors = keep
        cpu = time.process_time()
        ws.adapt(region.queries, mode="best", seed=args.seed)
        adapt_cpu = time.process_time() - cpu
        pos = np.array([positives(q, region.tiles.tiles) for q in ok])
        has = anchors >= 0
        inputs = ws._centred(photos)  # what locate hands the adapter (centred only with the card's mark)
        model = ws.adapter.model
        readings = {
            "as used": similarity(ws.adapter.transform_queries(inputs), ws.adapter.transform_tiles(tiles)),
            "per domain": similarity(per_domain_encode(model, inputs, QUERY), per_domain_encode(model, tiles, TILE)),
        }
        for reading, m in readings.items():
            r = ranks_of(m, pos)

            def pct(mask, k):
                return f"{100 * (r[mask] <= k).mean():.1f}" if mask.any() else "-"

            every = np.ones(len(r), bool)
            print(f"| {name} | {reading} | {pct(every, 1)} | {pct(every, 5)} | {pct(has, 1)} | {pct(has, 5)} | "
                  f"{pct(~has, 1)} | {pct(~has, 5)} ({int((~has).sum())}) | {adapt_cpu:.0f} |", flush=True)
        hard = np.flatnonzero(~has)
        r = ranks_of(readings["as used"], pos)
        print(f"{name}: unlabelled photos and their tile's adapted rank: "
              + ", ".join(f"{ok[i].id.split('/')[-1].split('.')[0]}:{r[i]}" for i in hard), flush=True)
        wrong = [i for i in np.flatnonzero(has) if not pos[i, anchors[i]]]
        print(f"{name}: labels {int(has.sum())}, wrong {[ok[i].id for i in wrong]}", flush=True)
    shutil.rmtree(adapter_dir, ignore_errors=True)
    print(f"load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
