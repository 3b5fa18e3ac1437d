"""Issue 14, session 12: why one photo's tile ranks lower after the photo-x12 adapter than after the
tiles-x8 one (Rotterdam q_0196: 5th against 1st, unverified, mode best), and which label-free ways of
ranking the adapted photo views move it, measured on every photo of the region.

Inputs per layout are training/photo_rotation_em_probe.py's stage 1 (backbone features and the
geometric anchors exactly as Workspace.adapt computes them, saved to --store). Then em.adapt with the
shipped mode best (seed --seed), recording the E-step's label for the photo in each round, and prints
for the photo: its tile's frozen and adapted rank, the tiles above it with the view pair that wins
each score (photo heading x tile heading), the photo's adapted score per photo heading, its nearest
photos in the E-step's photo graph and their geometric anchors. Last, ranking variants of the
adapted photo-x12 features (every photo, R@1 / R@5 all and unlabelled): the shipped max over the 12
photo headings, the max over the 4 quarter-turn headings only (the headings that need no blank
corners), a soft max (log-mean-exp) over the headings, and per-heading centring of the adapted photo
views. Truth (the region's truth.csv, via positives) only scores and names the photo's tile; it
never reaches adaptation or a ranking.

  python training/photo_rotation_photo_probe.py --region data/benchmark/rotterdam --cache-dir out/cache
      --store out/s12/probe --photo q_0196 [--seed 0] [--photo-views 12] [--layouts tiles photo]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from geolocator.core.adapt import em
from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.queries import load_region
from photo_rotation_em_probe import ranks_of, stage1, stage1_arguments  # training/ is on sys.path when run as a script


def adapt_recording(d: dict, seed: int, index: int, config=None):
    """em.adapt (shipped mode best unless `config`) on stage-1 inputs; also returns the E-step's
    (label, confidence, kNN neighbours) of photo `index` in each round."""
    rounds = []
    shipped = em._best_e_step

    def recording(model, tiles, queries, cfg, keep_share, gen, anchors=None):
        label, conf, keep, quality = shipped(model, tiles, queries, cfg, keep_share, gen, anchors)
        e_q = em._embed(model, queries, em.QUERY)
        graph = e_q[:, 0] @ e_q[:, 0].T  # as the shipped E-step (knn_views off)
        graph.fill_diagonal_(-float("inf"))
        nn = graph[index].topk(cfg.knn).indices.tolist()
        rounds.append((int(label[index]), float(conf[index]), bool((keep == index).any()), nn))
        return label, conf, keep, quality

    em._best_e_step = recording
    try:
        adapter = em.adapt(d["tiles"], d["photos"], config=config or em.BEST, seed=seed, device="cpu",
                           anchors=d["anchors"])
    finally:
        em._best_e_step = shipped
    return adapter, rounds


def pair_scores(q: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(Vq, D) x (N, Vt, D) -> (Vq, N, Vt) cosine of every view pair (inputs L2-normalised)."""
    n, vt, dim = t.shape
    return (q @ t.reshape(n * vt, dim).T).reshape(len(q), n, vt)


def as_views(x: np.ndarray) -> np.ndarray:
    return x[:, None, :] if x.ndim == 2 else x


def describe(name, layout, d, adapter, rounds, index, tile_names, q_names, qv_names, tv_names) -> None:
    """Print the photo's ranks, the tiles above its tile and the view pairs that win them."""
    pos = d["pos"]
    truth = np.flatnonzero(pos[index])
    raw_q, raw_t = as_views(d["photos"]), as_views(d["tiles"])
    norm = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    frozen_rank = ranks_of(pair_scores(norm(raw_q[index]), norm(raw_t)).max(axis=(0, 2))[None], pos[index][None])[0]
    aq, at = as_views(adapter.transform_queries(d["photos"])), as_views(adapter.transform_tiles(d["tiles"]))
    pairs = pair_scores(aq[index], at)  # (Vq, N, Vt)
    score = pairs.max(axis=(0, 2))
    rank = ranks_of(score[None], pos[index][None])[0]
    anchor = int(d["anchors"][index])
    print(f"\n### {layout}: {name} (true tile(s) {[tile_names[t] for t in truth]}; geometric anchor "
          f"{'none' if anchor < 0 else tile_names[anchor]})")
    print(f"frozen rank (raw features, max over view pairs) {frozen_rank}; adapted rank {rank}")
    order = np.argsort(-score, kind="stable")[: max(rank, 5) + 1]
    print("| rank | tile | true | adapted score | winning photo heading | winning tile heading | photos anchored here |")
    print("|---|---|---|---|---|---|---|")
    for r, t in enumerate(order, 1):
        vq, vt = np.unravel_index(np.argmax(pairs[:, t, :]), pairs[:, t, :].shape)
        print(f"| {r} | {tile_names[t]} | {'yes' if t in truth else ''} | {score[t]:.4f} | {qv_names[vq]} | "
              f"{tv_names[vt]} | {int((d['anchors'] == t).sum())} |")
    top = order[0]
    per_view = pairs.max(axis=2)  # (Vq, N): best over tile headings for each photo heading
    print("per photo heading: adapted score of the true tile / of the top tile / rank of the true tile")
    print("  " + "; ".join(f"{qv_names[v]} {per_view[v, truth].max():.3f}/{per_view[v, top]:.3f}/"
                           f"{ranks_of(per_view[v][None], pos[index][None])[0]}" for v in range(len(per_view))))
    print("E-step rounds (label, confidence, kept, nearest photos -> their anchor tile):")
    for i, (label, conf, kept, nn) in enumerate(rounds):
        near = ", ".join(f"{q_names[j]}->{tile_names[d['anchors'][j]] if d['anchors'][j] >= 0 else '-'}"
                         f"{'(true)' if d['anchors'][j] in truth else ''}" for j in nn)
        print(f"  round {i}: {tile_names[label]}{' (true)' if label in truth else ''} conf {conf:.3f} "
              f"kept {kept}; {near}")


def variants(d: dict, adapter) -> dict:
    """{name: (Q, N) score} label-free rankings of the adapted photo views (photo layout)."""
    aq, at = adapter.transform_queries(d["photos"]), adapter.transform_tiles(d["tiles"])  # (Q, V, D), (N, 1, D)
    t = at.reshape(len(at), -1, at.shape[-1])[:, 0]
    per = np.einsum("qvd,nd->qvn", aq, t)  # (Q, Vq, N)
    nv = aq.shape[1]
    quarter = [v for v in range(nv) if (v * 360 // nv) % 90 == 0]
    out = {"max over all photo headings (shipped)": per.max(axis=1),
           f"max over the {len(quarter)} quarter-turn headings": per[:, quarter].max(axis=1)}
    for tau in (0.02, 0.05):  # log-mean-exp in cosine units; -> max as tau -> 0
        out[f"soft max over headings, tau {tau}"] = tau * (np.log(np.exp((per - per.max(axis=1, keepdims=True))
                                                                         / tau).mean(axis=1))) + per.max(axis=1)
    centred = aq - aq.mean(axis=0, keepdims=True)  # per heading, over the photos (label-free)
    centred /= np.linalg.norm(centred, axis=-1, keepdims=True)
    tc = t - t.mean(axis=0, keepdims=True)
    tc /= np.linalg.norm(tc, axis=-1, keepdims=True)
    out["per-heading centred photo views (and centred tiles)"] = np.einsum("qvd,nd->qvn", centred, tc).max(axis=1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    stage1_arguments(parser)
    parser.add_argument("--photo", required=True, help="photo id stem, e.g. q_0196")
    parser.add_argument("--layouts", nargs="+", default=["tiles", "photo"], choices=["tiles", "photo"],
                        help="layouts to describe the photo in (the variants need photo)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    region = load_region(args.region)
    tile_names = [Path(t.id).stem for t in region.tiles.tiles]
    print(f"{args.region.name}, photo {args.photo}, seed {args.seed}: load average at the start "
          f"{'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    adapted = {}
    for layout in args.layouts:
        cpu = time.process_time()
        d = stage1(region, layout, args.cache_dir, args.photo_views, args.store / f"{args.region.name}-{layout}.npz")
        q_names = [Path(str(i)).stem for i in d["ids"]]
        index = q_names.index(args.photo)
        adapter, rounds = adapt_recording(d, args.seed, index)
        qv = ("rot0",) if layout == "tiles" else photo_views(args.photo_views)
        tv = ROTATION_VIEWS if layout == "tiles" else ("rot0",)
        describe(args.photo, "tiles x8" if layout == "tiles" else f"photo x{args.photo_views}", d, adapter, rounds,
                 index, tile_names, q_names, qv, tv)
        print(f"({time.process_time() - cpu:.0f} CPU s with stage 1 where not stored)", flush=True)
        adapted[layout] = (d, adapter, index)
    if "photo" not in adapted:
        return
    d, adapter, index = adapted["photo"]
    has = d["anchors"] >= 0
    print(f"\n### Ranking the adapted photo-x{args.photo_views} views (every photo; {int((~has).sum())} without a "
          "geometric anchor)")
    print(f"| ranking | R@1 all | R@5 all | R@1 unlabelled | R@5 unlabelled | {args.photo} rank | unlabelled ranks |")
    print("|---|---|---|---|---|---|---|")
    for name, score in variants(d, adapter).items():
        r = ranks_of(score, d["pos"])

        def pct(mask, k):
            return f"{100 * (r[mask] <= k).mean():.1f}" if mask.any() else "-"

        every = np.ones(len(r), bool)
        print(f"| {name} | {pct(every, 1)} | {pct(every, 5)} | {pct(~has, 1)} | {pct(~has, 5)} | {r[index]} | "
              f"{' '.join(str(x) for x in r[~has])} |", flush=True)
    print(f"load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
