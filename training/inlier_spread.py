"""How much of the photo a verified answer's inliers cover (issue 13's honesty on coarse imagery,
session 32: training/results/coarse32_session32.md): a probe, not product code.

  python training/inlier_spread.py data/benchmark/rotterdam-coarse --out /tmp/x/spread.csv --cache /tmp/x/cache

Locates the region as the CLI's `locate REGION` does (training/confident_wrong.py's reading of it,
the same cache), then, for each verified answer on a learned backend's route, matches the photo
again against its answered tile's target (Verifier.target: the tile's mosaic on the coarse route)
with matchers/verify.verify_pair, keeping the inlier keypoints of the one fit it makes (cv2.findHomography's mask). Per photo:
the inliers re-found (beside those the answer claimed: a mosaic_once answer may have come through
a neighbour's mosaic, so they can differ) and `spread`, the area of the inliers' convex hull over
the photo's (both in the matched view's pixels, cv2.convexHull / cv2.contourArea). Truth only scores
(`right`, `error_m`, as confident_wrong.py)."""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ["query", "confidence", "inliers", "margin", "refound", "spread", "fits_alike", "right", "error_m"]


def _key(photo) -> bytes:
    """A photo's keypoints as bytes: the same photo described again gives the same key."""
    return np.ascontiguousarray(photo.points).tobytes()


def hull_share(points: np.ndarray, size: tuple[int, int]) -> float:
    """In [0, 1]: the area of the convex hull of `points` ((n, 2) pixels) over the area of a
    `size` (width, height) image; 0 for fewer than 3 points."""
    import cv2

    if len(points) < 3:
        return 0.0
    hull = cv2.convexHull(np.asarray(points, np.float32))
    return float(cv2.contourArea(hull)) / float(size[0] * size[1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--cache", type=Path, required=True)
    a = p.parse_args(argv)

    import cv2

    from geolocator import cli
    from geolocator.core.geo import haversine_m
    from geolocator.core.matchers import verify
    from geolocator.core.photo_support import winning_pair
    from geolocator.core.predict import _tile_radius_m, inlier_margin

    args = cli.build_parser().parse_args(["locate", str(a.folder), "--tiles", str(a.folder / "tiles.csv"),
                                          "--cache-dir", str(a.cache), "--quiet"])
    queries = cli._load_queries(args.queries, args.every)
    tiles = cli._load_tiles(args.tiles, args, queries, args.queries)
    ws = cli._workspace(args)
    ws.open_tiles(tiles)
    import threading

    fits = threading.local()
    seen: dict[bytes, list[tuple[int, float]]] = {}
    lock = threading.Lock()
    find, pair = cv2.findHomography, verify.verify_pair

    def watched_find(src, dst, *rest, **named):  # the fit's inlier keypoints, for this thread's pair
        homography, mask = find(src, dst, *rest, **named)
        fits.points = np.asarray(src)[mask.ravel() > 0] if mask is not None else np.zeros((0, 2))
        return homography, mask

    def watched_pair(photo, target, settings, *rest, **named):  # every learned verification of a photo
        fits.points = None
        result = pair(photo, target, settings, *rest, **named)
        if result.inliers and fits.points is not None:
            with lock:
                seen.setdefault(_key(photo), []).append((int(result.inliers), hull_share(fits.points, photo.size)))
        return result

    cv2.findHomography, verify.verify_pair = watched_find, watched_pair
    try:
        preds = ws.locate(queries)
    finally:
        cv2.findHomography, verify.verify_pair = find, pair
    v = ws.verifier
    if v.settings.matcher == "sift":
        print("the SIFT route: this probe is for a learned backend's route", file=sys.stderr)
        return 2
    rows = []
    for q, pr in zip(list(ws.last.queries), preds):
        if pr.status != "verified" or not pr.matches:
            continue
        found = winning_pair(v, q, pr.matches)
        claimed = found[1].inliers if found is not None else pr.top.inliers
        fitted = seen.get(_key(v.photo(q)), [])
        same = [spread for n, spread in fitted if n == claimed]
        err = "" if q.truth is None else haversine_m(q.truth, pr.location)
        rows.append({"query": q.id, "confidence": round(pr.confidence, 4), "inliers": pr.top.inliers,
                     "margin": inlier_margin(pr.matches), "refound": claimed if same else "",
                     "spread": round(max(same), 4) if same else "", "fits_alike": len(same),
                     "right": "" if err == "" else int(err <= _tile_radius_m(pr.top.tile)),
                     "error_m": "" if err == "" else round(err, 1)})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    with a.out.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{a.folder}: {len(rows)} verified answers -> {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
