"""Probe (session 34): the camera misfit of chance fits, many of them, cheaply.

Every photo of QUERIES against every tile of TILES (two regions: every fit is a chance fit) through
rerank.verify_pair at the verifier's coarse and fine keypoints (Verifier.photo / Verifier.tile, the
product's own descriptions; no blind pass), keeping each plausible fit (rerank._plausible) with at
least --min-inliers inliers (below the product's 8 too: the same chance process, more of it), with
its core/camera_fit.camera_misfit. A region against its own tiles records the right fits' too
(truth scores only).

  PYTHONPATH=. python training/outregion_chance_fits.py --pair data/benchmark/vegas:data/benchmark/rotterdam \\
      --photos 40 --min-inliers 5 --out /tmp/outregion34/chance.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.camera import _image_size  # noqa: E402
from geolocator.core.camera_fit import camera_misfit  # noqa: E402
from geolocator.core.geo import haversine_m  # noqa: E402
from geolocator.core.queries import load_region  # noqa: E402
from geolocator.core.rerank import Verifier, VerifySettings, verify_pair  # noqa: E402

FIELDS = ["queries", "tiles", "kind", "pass", "query", "tile", "inliers", "misfit", "hfov_deg", "tilt_deg", "right"]


def main() -> None:
    from outregion_geometry import appending, region_pairs

    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", action="append", required=True)
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--min-inliers", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with appending(args.out, FIELDS) as (w, fh):
        for pair, qp, tp, queries, kind in region_pairs(args.pair, args.photos):
            tiles = load_region(tp).tiles.tiles
            verifier = Verifier(VerifySettings())
            for q in queries:
                size = _image_size(q)
                for fine in (False, True):
                    verifier._current.call = None
                    photo = verifier.photo(q, fine=fine)
                    if photo is None:
                        continue
                    for t in tiles:
                        v = verify_pair(photo, verifier.tile(t, fine=fine), verifier.settings)
                        if v.inliers < args.min_inliers or v.corners is None:
                            continue
                        fit = camera_misfit([t.point_at(x, y) for x, y in v.corners], size)
                        right = ""
                        if kind == "in" and q.truth is not None and v.centre is not None:
                            right = int(haversine_m(t.point_at(*v.centre), q.truth) <= P._tile_radius_m(t))
                        w.writerow({"queries": qp.name, "tiles": tp.name, "kind": kind, "pass": "fine" if fine else "coarse",
                                    "query": q.id, "tile": t.id, "inliers": v.inliers,
                                    "misfit": "" if fit is None else round(fit.misfit, 4),
                                    "hfov_deg": "" if fit is None else round(fit.hfov_deg, 1),
                                    "tilt_deg": "" if fit is None else round(fit.tilt_deg, 1), "right": right})
                fh.flush()
                print(pair, q.id, flush=True)


if __name__ == "__main__":
    main()
