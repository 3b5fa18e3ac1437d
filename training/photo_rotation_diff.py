"""Issue 14: the two layouts photo by photo on frozen features -- tiles at 8 headings and the photo
once ("tiles x8"), against tiles once and the photo at N headings 360/N degrees apart, views centred
("photo xN"; session 7 compared N = 8, session 8 adds finer headings, --photo-views 8 12 24). Every
layout verifies with ONE shared Verifier, so a photo-tile pair gets the same inliers in all of them:
every difference comes from the candidates (the 20 verified) and the cosines that order the
unverified. Prints per layout the frozen recall@k of the photo's tile (features only) and, with
verification, verified R@1/R@5, how often the tile is among the 20 verified, and the flips against
tiles x8 (right only in one); with --explain, for each flipped photo the global rank of its tile in
both layouts, whether it was verified and with how many inliers, and the best-verified tiles. With
--adapt (session 9) each layout is first adapted, mode best with geometric anchors and --seed, as
compare_photo_rotation.py's run() (the shared Verifier also labels), and the ranks, candidates and
verification are the adapted ones; --explain then also prints each flipped photo's geometric label
in both layouts (tile, right or wrong, or none). --own-verifiers: one Verifier per layout instead
of the shared one, as compare_photo_rotation.py (a pair's inliers may then differ between layouts:
SIFT's fine pass upgrades a call's candidates only where none of them verified, so a shared
Verifier's pairs depend on the calls made before; session 9). Truth scores only.

  python training/photo_rotation_diff.py --region resources/demo --cache-dir out/cache [--photo-views 8 12 24]
      [--photo-candidates 25] [--adapt [--seed 0]] [--own-verifiers] [--explain]
      [--fine-candidates N] [--fine-below N] [--centre-adapted]   (session 10; every layout)
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

from geolocator.core.evaluate import positives
from geolocator.core.model import ROTATION_VIEWS, photo_views
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.rerank import verified_ranking

KS = (1, 5, 10, 20)


def zscore(m: np.ndarray) -> np.ndarray:
    """Each row of a (Q, N) score matrix as z-scores over its N tiles."""
    return (m - m.mean(axis=1, keepdims=True)) / m.std(axis=1, keepdims=True)


def layout_run(region, tile_views, views, cache_dir, verify: bool, verifier=None, fuse_raw: bool = False,
               candidates: int = 20, adapt_seed: int | None = None, adapter_dir: Path | None = None,
               steps: int | None = None, verify_settings: dict | None = None, centre_adapted: bool = False) -> dict:
    """One layout's frozen candidates, and with `verify` its verification and ranking (what
    Workspace.locate computes). `fuse_raw` (photo layouts): candidates and the cosine order by
    z(raw photo views' scores) + z(centred ones') per photo instead of the centred scores.
    `candidates`: tiles verified per photo (Settings.verify_candidates). `adapt_seed` (not None):
    adapt first (mode best, that seed, `steps` or the adaptation's own; adapters saved under
    `adapter_dir`), so candidates, cosines and verification are the adapted ones; "anchors" is then
    each photo's geometric label (-1: none). `verify_settings`: VerifySettings fields replaced on the
    layout's own Verifier (not on a shared one); `centre_adapted`: Settings.centre_adapted_views."""
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, tile_views=tile_views,
                            query_views=views, verify_candidates=candidates, adapter_dir=adapter_dir,
                            centre_adapted_views=centre_adapted))
    ws.open_tiles(region.tiles)
    tiles = ws.index()
    if verifier is not None:
        ws._verifier = verifier
    elif verify_settings:
        ws.verifier.settings = dataclasses.replace(ws.verifier.settings, **verify_settings)
    cpu = time.process_time()
    ok, photos, _ = ws.embed(region.queries)
    embed_cpu = time.process_time() - cpu
    anchors = None
    if adapt_seed is not None:
        labelled = ws._geometric_anchors

        def keep_labels(*args, **kwargs):  # the labels adaptation trained on, kept for --explain
            nonlocal anchors
            anchors, summary = labelled(*args, **kwargs)
            return anchors, summary

        ws._geometric_anchors = keep_labels
        ws.adapt(region.queries, mode="best", seed=adapt_seed, steps=steps)
    source = ws._candidates(ok, ws._centred(photos), tiles, None, None)
    if fuse_raw and len(tile_views) == 1:
        from geolocator.core.retrieval import similarity

        source.matrix = zscore(similarity(photos, tiles)) + zscore(source.matrix)
    out = dict(ws=ws, ok=ok, cosine=source.matrix, top20=source.top(ws.settings.verify_candidates)[1],
               embed_cpu=embed_cpu, anchors=anchors)
    if verify:
        cpu = time.process_time()
        need = ws._min_inliers(ok)
        found = ws._verify(ok, source, need, None, None)
        ranking = verified_ranking(source.matrix, found.candidates, found.counts, need)
        out.update(verified=found.candidates, counts=found.counts, ranking=ranking, top1=ranking.argmax(axis=1),
                   need=need, verify_cpu=time.process_time() - cpu)
    return out


def tile_ranks(matrix: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """(Q,) 1-based rank of each photo's best-ranked positive tile in a (Q, N) score matrix (ties
    count against it: a positive tied with another tile ranks after it, as argsort may put it)."""
    ranks = np.full(len(matrix), np.iinfo(np.int64).max)
    for i, row in enumerate(matrix):
        for t in np.flatnonzero(pos[i]):
            ranks[i] = min(ranks[i], int((row >= row[t]).sum()))
    return ranks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", type=Path, required=True)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--photo-views", nargs="+", type=int, default=[8], help="photo headings per layout")
    parser.add_argument("--no-verify", action="store_true", help="frozen recall only")
    parser.add_argument("--explain", action="store_true", help="print each flipped photo")
    parser.add_argument("--photo-candidates", type=int, default=20,
                        help="tiles verified per photo in the photo layouts (tiles x8 keeps 20)")
    parser.add_argument("--fuse-raw", action="store_true",
                        help="photo layouts search z(raw) + z(centred) scores (training/photo_rotation_fusion.py)")
    parser.add_argument("--adapt", action="store_true", help="adapt each layout first (mode best, --seed)")
    parser.add_argument("--seed", type=int, default=0, help="the adaptation's seed (with --adapt)")
    parser.add_argument("--steps", type=int, help="adaptation steps (with --adapt; default: the adaptation's own)")
    parser.add_argument("--own-verifiers", action="store_true",
                        help="each layout verifies with its own Verifier, as a fresh Workspace does (a pair's "
                             "inliers then depend on its layout's calls: SIFT's fine pass runs on a call's "
                             "candidates only where none verified)")
    parser.add_argument("--fine-candidates", type=int, help="VerifySettings.fine_candidates (default: the Workspace's)")
    parser.add_argument("--fine-below", type=int, help="VerifySettings.fine_below (default: min_inliers)")
    parser.add_argument("--centre-adapted", action="store_true", help="Settings.centre_adapted_views")
    args = parser.parse_args()
    replaced = {k: v for k, v in (("fine_candidates", args.fine_candidates), ("fine_below", args.fine_below))
                if v is not None}
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-rotation-diff-")) if args.adapt else None
    region = load_region(args.region)
    print(f"{args.region.name}: load average at the start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    layouts = {"tiles x8": (ROTATION_VIEWS, ("rot0",))}
    layouts.update({f"photo x{n}": (("rot0",), photo_views(n)) for n in args.photo_views})
    runs, verifier = {}, None
    for name, (tv, pv) in layouts.items():
        runs[name] = layout_run(region, tv, pv, args.cache_dir, not args.no_verify, verifier, args.fuse_raw,
                                20 if len(tv) > 1 else args.photo_candidates,
                                args.seed if args.adapt else None, adapter_dir, args.steps, replaced,
                                args.centre_adapted)
        verifier = runs[name]["ws"].verifier if not (args.no_verify or args.own_verifiers) else None
    ok = runs["tiles x8"]["ok"]
    pos = np.array([positives(q, region.tiles.tiles) for q in ok])
    rows = np.arange(len(ok))
    right = {}
    print("| layout | passes/photo | embed CPU s | frozen R@1 | R@5 | R@10 | R@20 | worst rank | verified R@1 | R@5 "
          "| tile among the verified % | verify CPU s | right only here / only in tiles x8 |")
    for n, r in runs.items():
        ranks = tile_ranks(r["cosine"], pos)
        frozen = " | ".join(f"{100 * (ranks <= k).mean():.1f}" for k in KS)
        in20 = np.array([pos[i, r["top20"][i]].any() for i in rows])
        line = f"| {n} | {len(layouts[n][1])} | {r['embed_cpu']:.0f} | {frozen} | {ranks.max()} |"
        if "ranking" in r:
            vr = tile_ranks(r["ranking"], pos)
            right[n] = vr <= 1
            base = right.get("tiles x8", right[n])
            line += (f" {100 * (vr <= 1).mean():.1f} | {100 * (vr <= 5).mean():.1f} | {100 * in20.mean():.1f} | "
                     f"{r['verify_cpu']:.0f} | {int((right[n] & ~base).sum())} / {int((~right[n] & base).sum())} |")
        else:
            line += f" - | - | {100 * in20.mean():.1f} | - | - |"
        print(line, flush=True)
    if args.explain and right:
        for n in list(runs)[1:]:
            for i in np.flatnonzero(right["tiles x8"] != right[n]):
                print(f"{ok[i].id} ({n} vs tiles x8)")
                for m in ("tiles x8", n):
                    r = runs[m]
                    if r["anchors"] is not None:
                        a = int(r["anchors"][i])
                        print(f"  {m}: geometric label "
                              + ("none" if a < 0 else f"{a} ({'right' if pos[i, a] else 'wrong'})"))
                    rank = tile_ranks(r["cosine"][i : i + 1], pos[i : i + 1])[0]
                    own = [int(c) for c in r["verified"][i] if pos[i, c]]
                    best = np.argsort(-r["counts"][i], kind="stable")[:2]
                    inl = [int(r["counts"][i][list(r["verified"][i]).index(t)]) for t in own]
                    print(f"  {m}: {'right' if right[m][i] else 'wrong'}, tile's cosine rank {rank}, "
                          f"{'verified: ' + str(inl) + ' inliers' if own else 'not among the verified'}; "
                          f"most inliers: {[(int(r['verified'][i][b]), int(r['counts'][i][b])) for b in best]} "
                          f"(need {int(np.atleast_1d(r['need'])[i] if np.ndim(r['need']) else r['need'])})")
    if args.adapt:
        for n, r in runs.items():  # how many photos each layout's adaptation labelled, and rightly
            a = r["anchors"]
            if a is not None:
                got = a >= 0
                good = np.array([got[i] and pos[i, a[i]] for i in rows])
                print(f"{n}: geometric labels {int(got.sum())} of {len(ok)}, right {int(good.sum())}, "
                      f"wrong {int((got & ~good).sum())}")
        shutil.rmtree(adapter_dir, ignore_errors=True)
    print(f"load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)


if __name__ == "__main__":
    main()
