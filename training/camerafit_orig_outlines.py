"""The original photos' outlines on their truth tile (session 35, scoring only): where a crop's centre lies.

training/camerafit_summary.py scores a crop against the ground under the crop's centre pixel, read through the
original photo's verified outline. The locate rows carry the answer's top footprint, which is missing where the
answer's tile is the one under the photo's centre and not the best-verified one; this verifies each original
photo against its truth tile alone (rerank.Verifier.verify_photo, default settings) and writes its outline.

  PYTHONPATH=. python training/camerafit_orig_outlines.py --region data/benchmark/vegas --photos 24 \\
      --out /tmp/camerafit35/orig_outlines.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from geolocator.core.queries import load_region  # noqa: E402
from geolocator.core.rerank import Verifier, VerifySettings  # noqa: E402


def main() -> None:
    from compare_matchers import subsample

    ap = argparse.ArgumentParser()
    ap.add_argument("--region", action="append", required=True, type=Path)
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    with args.out.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["region", "query", "inliers", "footprint"])
        for region in args.region:
            reg = load_region(region)
            tiles = reg.tiles.tiles
            ids = [t.id for t in tiles]
            verifier = Verifier(VerifySettings())
            for q in subsample(reg.queries, args.photos):
                if q.truth_tile not in ids:
                    continue
                t = tiles[ids.index(q.truth_tile)]
                v = verifier.verify_photo(q, tiles, np.array([ids.index(q.truth_tile)]))[0]
                if v.inliers < verifier.settings.min_inliers or v.corners is None:
                    continue
                w.writerow([region.name, q.id, v.inliers,
                            " ".join(f"{p.lat:.7f},{p.lon:.7f}" for p in (t.point_at(x, y) for x, y in v.corners))])
                fh.flush()


if __name__ == "__main__":
    main()
