"""Probe (session 34): what do the verifications of photos from elsewhere look like, beside right ones?

Each photo of QUERIES is verified (rerank.Verifier.verify_photo: the product's coarse, fine and blind
passes, default VerifySettings, SIFT) against EVERY tile of TILES (all candidates: a superset of what a
locate verifies), and each pair that verifies (>= min_inliers, plausible) is one row: inliers, the
outline's share of the tile's area, its side ratio, its corner angles' spread, the affine part's
anisotropy at the photo's centre (singular values of the homography's Jacobian there), and (scoring
only) whether its centre lies within the tile's radius of truth. QUERIES:TILES of two regions: every
verification is a chance fit ("out"); a region against its own tiles: "in" (right or wrong by truth).

  PYTHONPATH=. python training/outregion_geometry.py --pair data/benchmark/vegas:data/benchmark/rotterdam \\
      --photos 40 --out /tmp/outregion34/geom.csv
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.geo import haversine_m  # noqa: E402
from geolocator.core.queries import load_region  # noqa: E402
from geolocator.core.camera import _image_size  # noqa: E402
from geolocator.core.camera_fit import camera_misfit  # noqa: E402
from geolocator.core.ground_band import query_rows  # noqa: E402
from geolocator.core.rerank import Verifier, VerifySettings  # noqa: E402

FIELDS = ["queries", "tiles", "kind", "query", "tile", "inliers", "area_share", "side_ratio", "angle_spread_deg",
          "anisotropy", "scale", "persp", "misfit", "hfov_deg", "tilt_deg", "corners", "right", "error_m"]


def outline_stats(corners, tile_size):
    """(area share, side ratio, spread of corner angles in degrees) of an outline (fractions)."""
    c = np.array(corners, float) * np.array(tile_size, float)
    x, y = c[:, 0], c[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    sides = np.linalg.norm(c - np.roll(c, -1, axis=0), axis=1)
    angles = []
    for i in range(4):
        a, b = c[i - 1] - c[i], c[(i + 1) % 4] - c[i]
        angles.append(np.degrees(np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12), -1, 1))))
    return area / (tile_size[0] * tile_size[1]), sides.max() / max(sides.min(), 1e-9), max(angles) - min(angles)


def jacobian_stats(h, photo_size):
    """(anisotropy s1/s2, scale sqrt(s1 s2), perspective |h31, h32| x photo size) at the photo's centre."""
    h = np.asarray(h, float)
    x, y = (photo_size[0] - 1) / 2, (photo_size[1] - 1) / 2
    u, v, w = h @ [x, y, 1.0]
    j = np.array([[h[0, 0] * w - u * h[2, 0], h[0, 1] * w - u * h[2, 1]],
                  [h[1, 0] * w - v * h[2, 0], h[1, 1] * w - v * h[2, 1]]]) / (w * w)
    s = np.linalg.svd(j, compute_uv=False)
    persp = float(np.hypot(h[2, 0] * photo_size[0], h[2, 1] * photo_size[1]) / abs(w))
    return float(s[0] / max(s[1], 1e-12)), float(np.sqrt(s[0] * s[1])), persp


def appending(out: Path, fields):
    """A csv.DictWriter appending to `out` (its header written when the file is new) and the open file,
    as a context manager: the probes add runs to one record."""
    from contextlib import contextmanager

    @contextmanager
    def _open():
        new = not out.exists()
        with out.open("a", newline="") as fh:
            w = csv.DictWriter(fh, fields)
            if new:
                w.writeheader()
            yield w, fh
    return _open()


def region_pairs(pairs, photos):
    """(pair text, queries folder, tiles folder, its photos subsampled to `photos`, "in" or "out") for each
    `--pair QUERIES:TILES` given: "in" when both name the same region."""
    from compare_matchers import subsample

    for pair in pairs:
        qp, tp = (Path(s) for s in pair.split(":"))
        yield pair, qp, tp, subsample(load_region(qp).queries, photos), "in" if qp.resolve() == tp.resolve() else "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pair", action="append", required=True)
    ap.add_argument("--photos", type=int, default=None)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--only", action="append", default=None, help="photo ids to keep (after subsampling)")
    args = ap.parse_args()
    with appending(args.out, FIELDS) as (w, fh):
        for pair, qp, tp, queries, kind in region_pairs(args.pair, args.photos):
            if args.only:
                queries = [q for q in queries if q.id in args.only]
            tiles = load_region(tp).tiles.tiles
            verifier = Verifier(VerifySettings())
            cands = np.arange(len(tiles))
            for q in queries:
                checks = verifier.verify_photo(q, tiles, cands)
                photo = verifier.described(q)
                for t, v in zip(tiles, checks):
                    if v.inliers < verifier.settings.min_inliers or v.corners is None:
                        continue
                    target = verifier.target(tiles, int(tiles.index(t)))[0]
                    area, ratio, spread = outline_stats(v.corners, target.size)
                    an, sc, pe = (jacobian_stats(v.homography, photo.size) if v.homography is not None and photo is not None
                                  else (np.nan, np.nan, np.nan))
                    fit = camera_misfit([t.point_at(x, y) for x, y in v.corners], _image_size(q), query_rows(q))
                    err = np.nan
                    right = ""
                    if kind == "in" and q.truth is not None and v.centre is not None:
                        at = t.point_at(*v.centre)
                        err = haversine_m(at, q.truth)
                        right = int(err <= P._tile_radius_m(t))
                    w.writerow({"queries": qp.name, "tiles": tp.name, "kind": kind, "query": q.id, "tile": t.id,
                                "inliers": v.inliers, "area_share": round(area, 4), "side_ratio": round(ratio, 3),
                                "angle_spread_deg": round(spread, 1), "anisotropy": round(an, 3), "scale": round(sc, 4),
                                "persp": round(pe, 4), "misfit": round(fit.misfit, 4) if fit else "",
                                "hfov_deg": round(fit.hfov_deg, 1) if fit else "", "tilt_deg": round(fit.tilt_deg, 1) if fit else "",
                                "corners": " ".join(f"{x:.4f},{y:.4f}" for x, y in v.corners), "right": right, "error_m": round(err, 1)})
                fh.flush()
                print(pair, q.id, max((v.inliers for v in checks), default=0), flush=True)


if __name__ == "__main__":
    main()
