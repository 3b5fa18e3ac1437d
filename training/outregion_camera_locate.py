"""Located with and without camera_fit's check (session 34): what changes for a product user.

Locates QUERIES against TILES through the product's path (pipeline.Workspace, frozen features, SIFT
verification, default settings, as training/outregion.py), once with core/camera_fit.py's check off
(MISFIT_BAR set to infinity: main's behaviour) and once on, in one Workspace (the second locate reuses
the first's pair evaluations: only the check differs). One row per photo and mode: status, confidence,
top inliers, right (truth scores only: within the answered tile's radius of truth; a pair of two regions
is "out" and every answer wrong).

  PYTHONPATH=. python training/outregion_camera_locate.py --pair resources/demo:resources/demo \\
      --cache-dir /tmp/outregion34/cache --out /tmp/outregion34/locate.csv
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import camera_fit  # noqa: E402
from geolocator.core import predict as P  # noqa: E402
from geolocator.core.pipeline import Settings, Workspace  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402

FIELDS = ["queries", "tiles", "kind", "check", "query", "status", "shown_status", "confidence", "top_inliers",
          "right", "error_m", "caution", "seconds"]


def main() -> None:
    from outregion_geometry import appending, region_pairs

    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", action="append", required=True)
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    bar = camera_fit.MISFIT_BAR
    with appending(args.out, FIELDS) as (w, fh):
        for pair, qp, tp, queries, kind in region_pairs(args.pair, args.photos):
            ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.cache_dir))
            ws.open_tiles(load_tileset(tp))
            for check, value in (("off", math.inf), ("on", bar)):
                camera_fit.MISFIT_BAR = value
                t0 = time.perf_counter()
                preds = ws.locate(queries)
                took = time.perf_counter() - t0
                for p in preds:
                    err = p.error_m
                    radius = P._tile_radius_m(p.top.tile) if p.matches else math.nan
                    w.writerow({"queries": qp.name, "tiles": tp.name, "kind": kind, "check": check, "query": p.query.id,
                                "status": p.status, "shown_status": p.shown_status, "confidence": round(p.confidence, 4),
                                "top_inliers": (p.top.inliers or 0) if p.matches else 0,
                                "right": "" if err is None else int(kind == "in" and err <= radius),
                                "error_m": "" if err is None else round(err, 1), "caution": p.caution or "",
                                "seconds": round(took, 1)})
                fh.flush()
                print(pair, check, f"{took:.0f} s", flush=True)
            camera_fit.MISFIT_BAR = bar


if __name__ == "__main__":
    main()
