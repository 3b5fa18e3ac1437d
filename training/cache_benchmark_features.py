"""Extract and save frozen-backbone features of the public benchmark regions (for compare_methods).

For each region folder data/benchmark/<region> it writes data/features/<region>.npz with
  tile_feats   (N, 8, D) float32  every tile at the 8 rotation views rot0 ... rot315
  query_feats  (Q, D)    float32  drone photos (one view: their heading is unknown)
  tile_ids, tile_bounds (N, 4: west, south, east, north), query_ids,
  truth_latlon (Q, 2), truth_tile (Q,) index into tiles or -1 — evaluation only: compare_methods
  never passes these to adapt().

  python training/cache_benchmark_features.py [--regions vegas rotterdam] [--backbone efficientnet_lite0]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from geolocator.core.backbones import load_backbone
from geolocator.core.extract import VIEWS, extract_features
from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]


def cache_region(region_dir: Path, out: Path, backbone) -> None:
    region = load_region(region_dir)
    tiles, queries = region.tiles.tiles, region.queries
    t0 = time.perf_counter()
    tr = extract_features(tiles, backbone, views=VIEWS, batch_size=32)
    qr = extract_features(queries, backbone, views=("rot0",), batch_size=32)
    if tr.failed or qr.failed:
        raise SystemExit(f"{region_dir}: unreadable images: {tr.failed or qr.failed}")
    index = {t.id: i for i, t in enumerate(tiles)}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        out,
        tile_feats=tr.features,
        query_feats=qr.features[:, 0],
        tile_ids=np.array([t.id for t in tiles]),
        tile_bounds=np.array([[t.bounds.west, t.bounds.south, t.bounds.east, t.bounds.north] for t in tiles]),
        query_ids=np.array([q.id for q in queries]),
        truth_latlon=np.array([[q.truth.lat, q.truth.lon] if q.truth else [np.nan, np.nan] for q in queries]),
        truth_tile=np.array([index.get(q.truth_tile, -1) if q.truth_tile else -1 for q in queries]),
        backbone=np.array(backbone.name),
        weights_id=np.array(backbone.weights_id),
        views=np.array(VIEWS),
    )
    print(f"{region_dir.name}: {len(tiles)} tiles x {len(VIEWS)} views, {len(queries)} queries, "
          f"d={backbone.dim}, {time.perf_counter() - t0:.0f} s -> {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regions", nargs="+", default=["vegas", "rotterdam"])
    ap.add_argument("--benchmark", type=Path, default=ROOT / "data" / "benchmark")
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "features")
    ap.add_argument("--backbone", default="efficientnet_lite0")
    args = ap.parse_args()
    backbone = load_backbone(args.backbone, device="cpu")
    for name in args.regions:
        cache_region(args.benchmark / name, args.out / f"{name}.npz", backbone)


if __name__ == "__main__":
    main()
