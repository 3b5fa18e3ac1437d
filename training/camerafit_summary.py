"""Tables of training/camerafit_variants.py's rows (session 35): per region and variant, the check off / on.

  PYTHONPATH=. python training/camerafit_summary.py /tmp/camerafit35/variants.csv

"Right" (scoring only) is re-read here for crops: a crop's centre is not the photo's centre, so its truth is
the crop's centre pixel carried to the ground through the ORIGINAL photo's verified outline (on its truth
tile, training/camerafit_orig_outlines.py's record, `--outlines`, where it puts the centre within RADIUS_M of
truth; else the `orig` variant's top footprint with the check off where that answer is right; the crop is
unscored otherwise). Other variants keep the script's `right` (the answer within the tile's radius of truth.csv).

Columns: photos (scored); verified (status) off / on; right AND verified off / on; lost (right and verified
with the check off, not with it on); photos with a candidate at >= min_inliers refused; wrong AND verified off / on; misfit of each
photo's candidate with the most inliers (>= min_inliers) with the check off (median, 90th pct, max), and
that of the right ones only (max).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from geolocator.core.geo import haversine_m, local_metres  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402

CORNERS = ("TL", "TR", "BR", "BL")
RADIUS_M = 35.0  # half the diagonal of the benchmark's 50 m tiles (predict._tile_radius_m)


def _crop_centre(variant: str, i: int, w: float, h: float) -> tuple[float, float] | None:
    """The crop's centre in the original photo's pixels, or None for a variant that is not a crop."""
    if "crop" not in variant:
        return None
    s = math.sqrt(int(variant.split("crop")[1]) / 100.0)
    corner = CORNERS[i % 4]
    x = s * w / 2 if corner in ("TL", "BL") else w - s * w / 2
    y = s * h / 2 if corner in ("TL", "TR") else h - s * h / 2
    if variant.startswith("barrel35"):  # the crop is of the distorted frame: back to the render's pixels
        from camerafit_variants import _barrel_to_source
        x, y = _barrel_to_source(x, y, w, h, -0.35)
    return x, y


def _ground_of(pixel, footprint: str, w: float, h: float) -> LatLon:
    corners = [LatLon(*map(float, c.split(","))) for c in footprint.split()]
    g = local_metres(corners, corners[0]).astype(np.float64)
    m = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), g.astype(np.float32))
    e, n = cv2.perspectiveTransform(np.array([[pixel]], np.float64), m)[0, 0]
    from geolocator.core.geo import metres_per_degree
    m_lat, m_lon = metres_per_degree(corners[0].lat)
    return LatLon(corners[0].lat + n / m_lat, corners[0].lon + e / m_lon)


def _misfit_of(text: str) -> float | None:
    if not text or not text.split(":")[1]:
        return None
    return float(text.split(":")[1])


def _outlines(path: str | None) -> dict[tuple[str, str], str]:
    """(region, query) -> the original photo's outline on its truth tile (training/camerafit_orig_outlines.py)
    where it puts the photo's centre within RADIUS_M of truth.csv (data/benchmark/REGION)."""
    if not path:
        return {}
    out = {}
    truths: dict[str, dict[str, LatLon]] = {}
    for r in csv.DictReader(open(path)):
        if r["region"] not in truths:
            t = csv.DictReader(open(Path("data/benchmark") / r["region"] / "truth.csv"))
            truths[r["region"]] = {x["query"]: LatLon(float(x["lat"]), float(x["lon"])) for x in t}
        corners = [LatLon(*map(float, c.split(","))) for c in r["footprint"].split()]
        centre = _ground_of((0.5, 0.5), r["footprint"], 1.0, 1.0)
        if haversine_m(centre, truths[r["region"]][r["query"]]) <= RADIUS_M and len(corners) == 4:
            out[(r["region"], r["query"])] = r["footprint"]
    return out


def table(path: str, outlines: dict[tuple[str, str], str]) -> list[str]:
    rows = list(csv.DictReader(open(path)))
    groups: dict[tuple[str, str], dict[str, dict[str, dict]]] = defaultdict(lambda: defaultdict(dict))
    for r in rows:
        groups[(r["region"], r["variant"])][r["check"]][r["query"]] = r
    out = ["| region | variant | photos (scored) | verified off / on | right+verified off / on | lost | refused (photos) "
           "| wrong+verified off / on | misfit median | 90th pct | max | max of right |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (region, variant), by in groups.items():
        off, on = by.get("off", {}), by.get("on", {})
        orig = groups.get((region, "orig"), {}).get("off", {})
        right: dict[str, bool | None] = {}
        for i, q in enumerate(sorted(off)):
            r = off[q]
            o = orig.get(q)
            centre = _crop_centre(variant, i, float(o["width"]), float(o["height"])) if o else None
            footprint = outlines.get((region, q)) or (o["footprint"] if o and o["right"] == "1" else "")
            if "crop" not in variant:
                right[q] = None  # the script's own column
            elif o is None or not footprint:
                right[q] = "unscored"
            else:
                truth = _ground_of(centre, footprint, float(o["width"]), float(o["height"]))
                for mode in (off, on):
                    m = mode[q]
                    mode[q] = dict(m, right=str(int(haversine_m(LatLon(float(m["lat"]), float(m["lon"])), truth) <= RADIUS_M)))
        scored = [q for q in off if right.get(q) != "unscored"]

        def ok(r):
            return r["status"] == "verified" and r["right"] == "1"
        def wrong(r):
            return r["status"] == "verified" and r["right"] == "0"
        lost = [q for q in scored if ok(off[q]) and q in on and not ok(on[q])]
        fits = [(_misfit_of(off[q].get("best_fit", "")), ok(off[q])) for q in scored]
        mis = [m for m, _ in fits if m is not None]
        mis_right = [m for m, good in fits if m is not None and good]
        qs = np.percentile(mis, [50, 90, 100]) if mis else [np.nan] * 3
        out.append(f"| {region} | {variant} | {len(off)} ({len(scored)}) | "
                   f"{sum(off[q]['status'] == 'verified' for q in scored)} / {sum(on[q]['status'] == 'verified' for q in scored)} | "
                   f"{sum(ok(off[q]) for q in scored)} / {sum(ok(on[q]) for q in scored)} | {len(lost)} | "
                   f"{sum(int(on[q]['refused']) > 0 for q in scored)} | "
                   f"{sum(wrong(off[q]) for q in scored)} / {sum(wrong(on[q]) for q in scored)} | {qs[0]:.3f} | {qs[1]:.3f} | {qs[2]:.3f} | "
                   f"{max(mis_right) if mis_right else float('nan'):.3f} |")
        for q in lost:
            out.append(f"|  | lost: {q} | | off {off[q]['top_inliers']} inliers, best {off[q]['best_fit']} | "
                       f"on: {on[q]['status']}, refused {on[q]['refused_fits']} | | | | | | | |")
    return out


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("csv", nargs="+")
    ap.add_argument("--outlines", default=None, help="training/camerafit_orig_outlines.py's record")
    args = ap.parse_args()
    outlines = _outlines(args.outlines)
    for p in args.csv:
        print(p)
        print("\n".join(table(p, outlines)))
