"""Could a photo of open water inherit a placement from a placed photo it overlaps? (issue 13, session 31)

A probe, not a product path. For every photo of a region that nothing verified and that the product
calls low texture (content.survey, label-free), match it with SIFT against every photo that was
verified (diagnose_lowtex.py's records), as a locate-time photo-to-photo link would: fine keypoints
(contrast 0.01, the verifier's fine pass), photos doubled, Lowe's ratio 0.8, RANSAC homography
(8 px reprojection, OpenCV). The strongest link with at least --min-inliers inliers carries the water
photo's centre into the placed photo, and the placed photo's ground there is the inherited location.

Truth only scores: the placed photo's ground under a pixel is read from its true pose (poses.csv,
make_public_benchmark.camera_ground_points), which is what its verified homography gives to within
its 0.1-0.3 m refined error; the error is the distance from there to the water photo's truth. The
footprint overlap (from the true poses too) says which pairs see common ground at all.

  PYTHONPATH=. python training/lowtex_links.py --region data/benchmark/rotterdam-lowtex \\
      --records /tmp/lowtex31/diag_auto.csv --mode best --out /tmp/lowtex31/links.md
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CONTRAST = 0.01  # rerank's fine pass
UPSCALE = 2.0
RATIO = 0.8
RANSAC_PX = 8.0


def describe(path: Path):
    """SIFT keypoints (N, 2 px at the photo's own scale) and descriptors (N, 128) of a photo doubled."""
    import cv2

    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    if grey is None:
        raise SystemExit(f"{path}: cannot be read as an image")
    grey = cv2.resize(grey, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
    kp, desc = cv2.SIFT_create(nfeatures=2000, contrastThreshold=CONTRAST).detectAndCompute(grey, None)
    points = np.float32([k.pt for k in kp]).reshape(-1, 2) / UPSCALE
    return points, desc


def link(a, b) -> tuple[int, np.ndarray | None]:
    """(inliers, homography 3 x 3 from photo a's pixels to photo b's) of two descriptions; (0, None)
    when fewer than 4 matches pass the ratio test or RANSAC finds no model."""
    import cv2

    (pa, da), (pb, db) = a, b
    if da is None or db is None or len(pa) < 4 or len(pb) < 4:
        return 0, None
    pairs = cv2.BFMatcher().knnMatch(da, db, k=2)
    good = [m for m, n in (p for p in pairs if len(p) == 2) if m.distance < RATIO * n.distance]
    if len(good) < 4:
        return 0, None
    src = pa[[m.queryIdx for m in good]]
    dst = pb[[m.trainIdx for m in good]]
    H, mask = cv2.findHomography(src, dst, cv2.RANSAC, RANSAC_PX)
    if H is None or mask is None:
        return 0, None
    return int(mask.sum()), H


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path, default=ROOT / "data" / "benchmark" / "rotterdam-lowtex")
    ap.add_argument("--records", type=Path, required=True, help="diagnose_lowtex.py's CSV")
    ap.add_argument("--mode", default="best")
    ap.add_argument("--min-inliers", type=int, default=15)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    sys.path.insert(0, str(ROOT / "training"))
    from make_public_benchmark import QUERY_H, QUERY_W, camera_ground_points

    from geolocator.core.content import survey

    region = args.region
    truth = {r["query"]: r for r in csv.DictReader((region / "truth.csv").open())}
    poses = {r["query"]: r for r in csv.DictReader((region / "poses.csv").open())}
    rows = [r for r in csv.DictReader(args.records.open()) if r["mode"] == args.mode]
    if not rows:
        raise SystemExit(f"{args.records}: no rows of mode {args.mode}")
    placed = [r["query"] for r in rows if r["status"] == "verified"]
    water = [r for r in rows if r["status"] != "verified" and survey(region / r["query"])[1]]
    mlat = 110_540.0

    def ground(q: str) -> tuple[np.ndarray, np.ndarray]:
        """East and north (m, relative to the region's truth origin) under each pixel of photo q."""
        p, t = poses[q], truth[q]
        e, n = camera_ground_points(float(p["yaw_deg"]), float(p["tilt_deg"]), float(p["footprint_m"]), QUERY_W, QUERY_H)
        mlon = 111_320.0 * math.cos(math.radians(float(t["lat"])))
        return e + float(t["lon"]) * mlon, n + float(t["lat"]) * mlat

    def overlap(a: str, b: str) -> float:
        """Share of photo a's footprint that photo b sees (rasterised at 0.5 m)."""
        import cv2

        rings = []
        for q in (a, b):
            e, n = ground(q)
            ring = np.concatenate([np.stack([e[0], n[0]], 1), np.stack([e[:, -1], n[:, -1]], 1),
                                   np.stack([e[-1][::-1], n[-1][::-1]], 1), np.stack([e[:, 0][::-1], n[:, 0][::-1]], 1)])
            rings.append(ring)
        lo = np.minimum(rings[0].min(0), rings[1].min(0))
        size = np.ceil((np.maximum(rings[0].max(0), rings[1].max(0)) - lo) * 2).astype(int) + 2
        masks = []
        for ring in rings:
            m = np.zeros((size[1], size[0]), np.uint8)
            cv2.fillPoly(m, [np.round((ring - lo) * 2).astype(np.int32)], 1)
            masks.append(m.astype(bool))
        return float((masks[0] & masks[1]).sum() / max(masks[0].sum(), 1))

    described = {q: describe(region / q) for q in placed + [r["query"] for r in water]}
    lines = ["| photo | answer now (right, conf, error m) | most overlapped placed photo (share) | best link: photo, inliers "
             "(overlap share) | second link | inherited location error m | would be right |",
             "|---|---|---|---|---|---|---|"]
    gained = wrong_links = 0
    for r in water:
        q = r["query"]
        links = sorted(((link(described[q], described[p]), p) for p in placed), key=lambda x: -x[0][0])
        most = max(((overlap(q, p), p) for p in placed), default=(0.0, "-"))
        (n1, H), p1 = links[0]
        second = f"{Path(links[1][1]).stem} {links[1][0][0]}" if len(links) > 1 else "-"
        err, right = "-", "-"
        if n1 >= args.min_inliers and H is not None:
            cx, cy = QUERY_W / 2, QUERY_H / 2
            x, y, w = H @ np.array([cx, cy, 1.0])
            x, y = x / w, y / w
            e, n = ground(p1)
            col, row = int(np.clip(round(x - 0.5), 0, QUERY_W - 1)), int(np.clip(round(y - 0.5), 0, QUERY_H - 1))
            te, tn = ground(q)
            err_m = float(math.hypot(e[row, col] - te[QUERY_H // 2, QUERY_W // 2], n[row, col] - tn[QUERY_H // 2, QUERY_W // 2]))
            inside = 0 <= x < QUERY_W and 0 <= y < QUERY_H
            err = f"{err_m:.1f}" + ("" if inside else " (centre outside the placed photo)")
            ok = err_m <= 25.0 * math.sqrt(2)  # within a 50 m tile's half-diagonal (calibration.py's rule)
            right = "yes" if ok else "no"
            gained += ok and r["top_right"] == "0"
            wrong_links += not ok
        lines.append(f"| {Path(q).stem} | {'right' if r['top_right'] == '1' else 'wrong'}, {float(r['confidence']):.2f}, "
                     f"{float(r['error_m']):.1f} | {Path(most[1]).stem} ({most[0]:.2f}) | {Path(p1).stem}, {n1} "
                     f"({overlap(q, p1):.2f}) | {second} | {err} | {right} |")
    lines.append("")
    lines.append(f"{len(water)} unverified low-texture photos, {len(placed)} verified photos to link to; links >= "
                 f"{args.min_inliers} inliers: wrong answers made right {gained}, links off by more than 35 m {wrong_links}.")
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
