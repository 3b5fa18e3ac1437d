"""Compare rules for using the dense search's scores (core/dense.py) offline, on what one run saw.

`compare_matchers.py --dense-dump DIR` records, for a row run with `dense_search=1`, each photo's
candidates (after verification and the tile under the centre), their inliers, cosines and dense
scores, and which candidates are right (truth: scoring only). This script replays the final
ordering of every photo under several rules and prints R@1 and photos gained / lost against
the cosine order (the rule without the dense search). Rules:

- cosine:   unverified candidates in cosine order (dense search off);
- replace:  searched photos' unverified candidates in dense order (session 18's first rule);
- gap G:    a searched photo's dense top goes first when its score beats the best candidate
            elsewhere (not its neighbour: tiles sharing an edge or corner) by at least G;
            otherwise the cosine order;
- rankfuse: unverified candidates by the sum of their cosine rank and dense rank.

Verified candidates (>= the photo's min_inliers) stay above all of these, by inliers, as in
rerank.verified_ranking. `--rescore k=v,...` scores the searched photos' candidates again with
those DenseSettings (e.g. heading_step_deg=15) and replays the rules on those scores, with the
CPU seconds a searched photo, so a cheaper search is compared on the same candidates. Usage:
    python training/dense_rules.py --region data/benchmark/rotterdam-ms DUMP.npz [...] [--rescore k=v,...]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def neighbours(tiles) -> np.ndarray:
    """(N, N) bool: tiles whose bounds touch or overlap (a shared edge or corner)."""
    b = np.array([[t.bounds.west, t.bounds.south, t.bounds.east, t.bounds.north] for t in tiles])
    eps = 1e-9
    return ((b[:, None, 0] <= b[None, :, 2] + eps) & (b[None, :, 0] <= b[:, None, 2] + eps)
            & (b[:, None, 1] <= b[None, :, 3] + eps) & (b[None, :, 1] <= b[:, None, 3] + eps))


def top_choice(row: dict, rule: str, near: np.ndarray, gap: float = 0.0) -> int:
    """Index (into the photo's candidates) of the answer under `rule`."""
    counts, scores, dense, cands = row["counts"], row["scores"], row["dense"], row["candidates"]
    verified = counts >= row["min_inliers"]
    if verified.any():
        key = np.where(verified, 2.0 + counts + scores, -np.inf)
        return int(np.argmax(key))
    searched = ~np.isnan(dense).all()
    if not searched or rule == "cosine":
        return int(np.argmax(scores))
    d = np.nan_to_num(dense, nan=-1.0)
    if rule == "replace":
        return int(np.argmax(d))
    if rule == "gap":
        best = int(np.argmax(d))
        elsewhere = [d[j] for j in range(len(d)) if j != best and not near[cands[best], cands[j]]]
        rival = max(elsewhere) if elsewhere else -1.0
        return best if d[best] - rival >= gap else int(np.argmax(scores))
    if rule == "rankfuse":
        scored = ~np.isnan(dense)
        rc = np.argsort(np.argsort(-scores))
        rd = np.argsort(np.argsort(-d))
        key = np.where(scored, -(rc + rd).astype(float), -np.inf)
        return int(np.argmax(key))
    raise ValueError(rule)


def rescore(rows, ids, region, tiles, spec: str, every: int):
    """The rows with the searched photos' dense scores computed again under DenseSettings(`spec`),
    only every `every`-th searched photo kept (the others dropped). Prints CPU s a searched photo."""
    import time

    from PIL import Image

    from geolocator.core import dense
    from geolocator.core.queries import load_region
    from geolocator.core.rerank import query_outline

    overrides = {}
    for item in filter(None, spec.split(",")):
        k, v = item.split("=")
        overrides[k] = tuple(float(x) for x in v.split("|")) if "|" in v else type(getattr(dense.DenseSettings, k))(float(v))
    ranker = dense.DenseRanker(tiles, dense.DenseSettings(**overrides))
    queries = {q.id: q for q in load_region(region).queries}
    out, n, cpu = [], 0, time.process_time()
    searched = [i for i, r in enumerate(rows) if not np.isnan(r["dense"]).all()]
    keep = set(searched[::every])
    for i, r in enumerate(rows):
        if i in searched and i not in keep:
            continue
        if i in keep:
            first = int((~np.isnan(r["dense"])).sum())
            grey = np.asarray(Image.open(queries[ids[i]].path).convert("L"), np.float32)
            new = np.full(len(r["dense"]), np.nan)
            new[:first] = ranker.scores(grey, r["candidates"][:first], query_outline(queries[ids[i]]))
            r = dict(r, dense=new)
            n += 1
        out.append(r)
    print(f"rescored {n} searched photos with {overrides}: {(time.process_time() - cpu) / max(n, 1):.2f} CPU s each")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--region", type=Path, required=True)
    ap.add_argument("dumps", type=Path, nargs="+")
    ap.add_argument("--gaps", type=float, nargs="*", default=[0.01, 0.02, 0.03, 0.05, 0.08])
    ap.add_argument("--rescore", default=None, help="DenseSettings overrides, k=v,... (tuples as a|b|c)")
    ap.add_argument("--every", type=int, default=1, help="with --rescore: every n-th searched photo only")
    args = ap.parse_args()
    from geolocator.core.queries import load_region

    tiles = load_region(args.region).tiles.tiles  # the order compare_matchers opened them in
    near = neighbours(tiles)
    for path in args.dumps:
        d = np.load(path)
        rows = [{k: d[k][i] for k in ("candidates", "counts", "scores", "dense", "right")} | {"min_inliers": d["min_inliers"][i]}
                for i in range(len(d["ids"]))]
        if args.rescore:
            rows = rescore(rows, list(d["ids"]), args.region, tiles, args.rescore, args.every)
        searched = sum(1 for r in rows if not np.isnan(r["dense"]).all())
        base = [bool(r["right"][top_choice(r, "cosine", near)]) for r in rows]
        print(f"{path.name}: {len(rows)} photos, {searched} searched; cosine R@1 {100 * np.mean(base):.1f}")
        variants = [("replace", 0.0), ("rankfuse", 0.0)] + [("gap", g) for g in args.gaps]
        for rule, gap in variants:
            got = [bool(r["right"][top_choice(r, rule, near, gap)]) for r in rows]
            gained = sum(g and not b for g, b in zip(got, base))
            lost = sum(b and not g for g, b in zip(got, base))
            label = f"gap {gap:.2f}" if rule == "gap" else rule
            print(f"  {label:10s} R@1 {100 * np.mean(got):5.1f}  gained {gained:2d} lost {lost:2d}")


if __name__ == "__main__":
    main()
