"""Compare adaptation methods on the public benchmark regions (cached features, see
cache_benchmark_features.py). Truth is used ONLY to score; adapt() sees features alone.

Methods (R@1, R@5, AP in %, median error in metres of the top-1 tile centre, adaptation seconds;
mean over seeds):
  vanilla rot0         frozen features, tiles indexed north-up only
  vanilla 8 rot        frozen features, tiles indexed at 8 rotations (score = max over views)
  paper (rot0 / 8 rot) mode "paper" (trained on rot0 as published), indexed north-up / at 8 rotations
  best                 mode "best", the product default (8-rotation index)
  supervised ref.      same network (best-mode config) trained on TRUE pairs of half the places for
                       2x best's steps; scored on the photos of the other half only (against all
                       tiles) — training/ only
A hit is a retrieved tile whose id is the truth tile or whose bounds contain the truth point.

  python training/compare_methods.py [--regions vegas rotterdam] [--seeds 0 1 2] [--out FILE]
  python training/compare_methods.py --variant "keep_start=0.3,rounds=8" ...   # experiments on best
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from supervised_reference import split_places, train_supervised  # noqa: E402
from tables import add_row, save  # noqa: E402

from geolocator.core.adapt import BEST, PAPER, adapt  # noqa: E402
from geolocator.core.geo import haversine_m  # noqa: E402
from geolocator.core.evaluate import rank_metrics  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402
from geolocator.core.retrieval import similarity  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load(region: str, features: Path) -> dict:
    with np.load(features / f"{region}.npz") as z:
        return {"region": region, **{k: z[k] for k in z.files}}


def positives(data: dict) -> np.ndarray:
    """(Q, N) hit mask: truth tile, or tile bounds containing the truth point."""
    b, ll, tt = data["tile_bounds"], data["truth_latlon"], data["truth_tile"]
    lat, lon = ll[:, :1], ll[:, 1:]
    inside = (b[None, :, 1] <= lat) & (lat <= b[None, :, 3]) & (b[None, :, 0] <= lon) & (lon <= b[None, :, 2])
    inside |= np.arange(len(b))[None, :] == tt[:, None]
    return inside


def score(sim: np.ndarray, data: dict, rows: np.ndarray | None = None) -> dict:
    pos = positives(data)
    rows = np.arange(len(sim)) if rows is None else rows
    b = data["tile_bounds"]
    centres = np.stack([(b[:, 1] + b[:, 3]) / 2, (b[:, 0] + b[:, 2]) / 2], axis=1)
    r1, r5, aps, errs = [], [], [], []
    for i in rows:
        recall, ap = rank_metrics(sim[i], pos[i], ks=(1, 5))
        r1.append(recall[1])
        r5.append(recall[5])
        aps.append(ap)
        lat, lon = data["truth_latlon"][i]
        c = centres[int(np.argmax(sim[i]))]
        errs.append(haversine_m(LatLon(float(c[0]), float(c[1])), LatLon(float(lat), float(lon))))
    return {"R@1": 100 * np.mean(r1), "R@5": 100 * np.mean(r5), "AP": 100 * np.mean(aps),
            "median_m": float(np.median(errs))}


_PAPER_CACHE: dict = {}


def run_method(name: str, data: dict, seed: int, variant: dict) -> tuple[dict, float]:
    tiles, queries = data["tile_feats"], data["query_feats"]
    t0 = time.perf_counter()
    if name == "vanilla rot0":
        return score(similarity(queries, tiles[:, :1]), data), 0.0
    if name == "vanilla 8 rot":
        return score(similarity(queries, tiles), data), 0.0
    if name.startswith("paper"):
        key = (data["region"], seed)  # one paper adapter serves both index variants
        if key not in _PAPER_CACHE:
            _PAPER_CACHE[key] = (adapt(tiles, queries, mode="paper", seed=seed, device="cpu"),
                                 time.perf_counter() - t0)
        a, secs = _PAPER_CACHE[key]
        idx = tiles[:, :1] if name == "paper rot0" else tiles
        return score(similarity(a.transform_queries(queries), a.transform_tiles(idx)), data), secs
    if name == "best":
        cfg = replace(BEST, **variant) if variant else None
        a = adapt(tiles, queries, mode="best", seed=seed, device="cpu", config=cfg)
        secs = time.perf_counter() - t0
        return score(similarity(a.transform_queries(queries), a.transform_tiles(tiles)), data), secs
    if name == "supervised ref.":
        train, test = split_places(len(tiles), seed)
        tt = data["truth_tile"]
        qtrain = np.flatnonzero((tt >= 0) & train[np.maximum(tt, 0)])
        qtest = np.flatnonzero((tt >= 0) & test[np.maximum(tt, 0)])
        a = train_supervised(tiles, queries[qtrain], tt[qtrain], steps=BEST.steps * 2, seed=seed)
        secs = time.perf_counter() - t0
        sim = similarity(a.transform_queries(queries), a.transform_tiles(tiles))
        return score(sim, data, rows=qtest), secs
    raise ValueError(name)


METHODS = ["vanilla rot0", "vanilla 8 rot", "paper rot0", "paper 8 rot", "best", "supervised ref."]


def parse_variant(text: str | None) -> dict:
    out = {}
    for part in filter(None, (text or "").split(",")):
        k, v = part.split("=")
        default = getattr(BEST, k)
        out[k] = (v.lower() in ("1", "true", "yes")) if isinstance(default, bool) else type(default)(v)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", nargs="+", default=["vegas", "rotterdam"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--methods", nargs="+", default=METHODS)
    ap.add_argument("--features", type=Path, default=ROOT / "data" / "features")
    ap.add_argument("--variant", default=None, help="override best-mode Config fields, e.g. 'rounds=8'")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--out", type=Path, default=None, help="also write the markdown table here")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    variant = parse_variant(args.variant)
    lines = [f"Backbone features: data/features/<region>.npz (efficientnet_lite0, GeM, 8 tile rotations). "
             f"Mean over seeds {args.seeds}. best = {BEST.steps} steps, paper = {PAPER.steps} steps."
             + (f" Variant: {variant}." if variant else ""), "",
             "| region | method | R@1 | R@5 | AP | median error (m) | adaptation (s) |",
             "|---|---|---|---|---|---|---|"]
    print("\n".join(lines), flush=True)
    for region in args.regions:
        data = load(region, args.features)
        for name in args.methods:
            runs = [run_method(name, data, s, variant) for s in (args.seeds if "vanilla" not in name else [0])]
            m = {k: np.mean([r[0][k] for r in runs]) for k in runs[0][0]}
            sd = np.std([r[0]["R@1"] for r in runs])
            secs = np.mean([r[1] for r in runs])
            r1 = f"{m['R@1']:.1f}" + (f" ± {sd:.1f}" if len(runs) > 1 else "")
            line = (f"| {region} ({len(data['tile_feats'])} tiles, {len(data['query_feats'])} photos) | {name} | "
                    f"{r1} | {m['R@5']:.1f} | {m['AP']:.1f} | {m['median_m']:.0f} | {secs:.1f} |")
            add_row(lines, line)
    save(lines, args.out, echo=False)


if __name__ == "__main__":
    main()
