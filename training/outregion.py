"""Photos taken outside the tiles: what does the answer say about them, and can anything label-free
tell "the place is not in these tiles" from "in the tiles but unverified"?

Locates the photos of one region against another region's tiles (every answer is then wrong: the
two regions are hundreds or thousands of km apart), and, with --in-region, the same photos against
their own region's tiles, through the product's own path (pipeline.Workspace, frozen features,
SIFT verification, default settings). One row per photo: status, top cosine, cosine margin,
confidence, the most inliers of any verification attempt, and the tile set's own cosine scale
(tile_self: the median over tiles of each tile's best cosine to a tile that does not agree with it
spatially, frozen features; label-free). Truth is used for scoring only (the `right` column).

  PYTHONPATH=. python training/outregion.py --pair data/benchmark/vegas:data/benchmark/rotterdam \\
      --photos 40 --cache-dir /tmp/outregion33/cache --out training/results/outregion_records.csv

A pair is QUERIES:TILES, where QUERIES is a region folder or a folder of photos (/work/shared/real-dji)
and TILES a region folder. Rows are appended to --out (its header written once).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.pipeline import Settings, Workspace  # noqa: E402
from geolocator.core.queries import is_region_folder, load_queries, load_region  # noqa: E402

FIELDS = ["queries", "tiles", "kind", "query", "status", "confidence", "top_score", "cosine_margin",
          "candidate_inliers", "top_inliers", "right", "error_m", "tile_self", "caution"]


def tile_self_cosine(features: np.ndarray, tiles) -> float:
    """Median over tiles of each tile's best cosine (first view against every view) to a tile that does
    not agree with it (predict._agrees): the cosine at which two different places of this tile set
    look alike. `features`: (N, V, D) or (N, D), L2-normalised."""
    f = np.asarray(features, dtype=np.float32)
    first = f[:, 0] if f.ndim == 3 else f
    every = f if f.ndim == 3 else f[:, None]
    sims = np.einsum("nd,mvd->nmv", first, every).max(axis=2)
    best = []
    for i, t in enumerate(tiles):
        others = [sims[i, j] for j, u in enumerate(tiles) if j != i and not P._agrees(t, u)]
        if others:
            best.append(max(others))
    return float(np.median(best)) if best else math.nan


def rows_for(queries_path: Path, tiles_path: Path, photos: int | None, cache_dir: Path | None) -> list[dict]:
    from compare_matchers import subsample

    tiles_region = load_region(tiles_path)
    if is_region_folder(queries_path):
        queries = load_region(queries_path).queries
    else:
        queries = load_queries(queries_path, on_skip=lambda p, why: None)
    queries = subsample(queries, photos)
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir))
    ws.open_tiles(tiles_region.tiles)
    predictions = ws.locate(queries)
    tile_self = tile_self_cosine(ws.index(), tiles_region.tiles.tiles)
    kind = "in" if queries_path.resolve() == tiles_path.resolve() else "out"
    rows = []
    for p in predictions:
        radius = P._tile_radius_m(p.top.tile)
        err = p.error_m
        rows.append({
            "queries": queries_path.name, "tiles": tiles_path.name, "kind": kind, "query": p.query.id,
            "status": p.status, "confidence": round(p.confidence, 4), "top_score": round(p.top.score, 4),
            "cosine_margin": round(P.cosine_margin(p.matches), 4),
            "candidate_inliers": max((m.inliers or 0 for m in p.matches), default=0),
            "top_inliers": p.top.inliers or 0,
            "right": "" if err is None else int(kind == "in" and err <= radius),
            "error_m": "" if err is None else round(err, 1), "tile_self": round(tile_self, 4),
            "caution": p.caution or "",
        })
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", action="append", required=True, help="QUERIES:TILES (folders)")
    ap.add_argument("--photos", type=int, default=40, help="evenly spaced photos per pair (0: all)")
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    for pair in args.pair:
        q, t = pair.split(":")
        rows = rows_for(Path(q), Path(t), args.photos or None, args.cache_dir)
        new = not args.out.exists()
        with args.out.open("a", newline="") as fh:
            w = csv.DictWriter(fh, FIELDS)
            if new:
                w.writeheader()
            w.writerows(rows)
        st = [r["status"] for r in rows]
        print(f"{pair}: {len(rows)} photos, {st.count('verified')} verified, "
              f"median conf {np.median([r['confidence'] for r in rows]):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
