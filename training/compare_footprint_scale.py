"""Are photos from a high or a low flight placed? Issue 9 §3: a photo whose ground footprint is 3x
a tile, or a quarter of one, must still be placed, or say so with a low confidence.

The product pipeline (frozen EfficientNet-Lite0 + geometric verification, no adaptation) on
public regions with near-nadir photos (0-15 deg off nadir) whose footprint is 2.7-3.3 tiles
(vegas-wide) or 0.22-0.3 of a tile: on degraded 50 m tiles of 0.6 m (vegas-low, ~20 real tile
pixels under a photo) and on detailed 100 m tiles at 768 px (vegas-quarter, rotterdam-quarter: the
field's case). Each region runs without metadata (the synthetic photos carry none) and with the
relative altitude, focal length and sensor width a drone records (with_flight_altitude, from
poses.csv: no position, no heading). Truth is used only to score.

  python training/make_public_benchmark.py --regions vegas-wide vegas-low vegas-quarter rotterdam-quarter
  python training/compare_footprint_scale.py [--regions ...] [--altitude off on] [--widen 0 42]

Writes training/results/compare_footprint_scale.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core.model import PhotoMeta
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.predict import _tile_radius_m
from geolocator.core.queries import load_region
from tables import add_row, built_regions, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data/benchmark"
DEFAULT_REGIONS = [BENCH / "vegas-wide", BENCH / "vegas-low", BENCH / "vegas-quarter", BENCH / "rotterdam-quarter"]
PLACED_M = 5.0  # "placed": the exported Point within this of the truth
# A camera for the simulated flight metadata: a 1-inch sensor (13.2 mm wide) behind 8.8 mm, as on
# many survey drones; only the ratio matters (footprint = altitude x sensor width / focal length).
SENSOR_WIDTH_MM, FOCAL_MM = 13.2, 8.8


def with_flight_altitude(region_path: Path, queries):
    """The queries with the metadata a drone would have recorded for them: a relative altitude
    that gives, through metadata.footprint_m, the footprint poses.csv rendered (its ground width
    at the target, times cos(tilt): the height of a camera tilted off nadir). Neither position nor
    heading: label-free. Queries without a poses.csv row are returned as they are."""
    with open(region_path / "poses.csv", newline="") as fh:
        poses = {r["query"]: r for r in csv.DictReader(fh)}
    out = []
    for q in queries:
        pose = poses.get(q.id)
        if pose is None:
            out.append(q)
            continue
        ground = float(pose["footprint_m"]) * math.cos(math.radians(float(pose["tilt_deg"])))
        from PIL import Image

        with Image.open(q.path) as im:
            w, h = im.size
        meta = replace(q.meta or PhotoMeta(), width=w, height=h, focal_length_mm=FOCAL_MM,
                       sensor_width_mm=SENSOR_WIDTH_MM, relative_altitude_m=ground * FOCAL_MM / SENSOR_WIDTH_MM)
        out.append(replace(q, meta=meta))
    return out


def measure(path: Path, cache_dir: Path | None, widen: int = 0, altitude: bool = False) -> dict:
    region = load_region(path)
    queries = with_flight_altitude(path, region.queries) if altitude else region.queries
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir, verify_widen=widen))
    ws.open_tiles(region.tiles)
    ws.index()
    started = time.perf_counter()
    predictions = [p for p in ws.locate(queries) if p.query.truth is not None]
    seconds = time.perf_counter() - started
    ev = ws.evaluate()
    # where global features alone rank the tile under the photo's centre (verification sees the
    # top Settings.verify_candidates): tells whether a larger tile set would still reach it
    from geolocator.core.retrieval import similarity

    ok, features, _ = ws.embed(region.queries)
    sim = similarity(features, ws.index())
    ranks = [1 + int((row > row[region.tiles.tile_at(q.truth)]).sum()) for q, row in zip(ok, sim)
             if q.truth is not None and region.tiles.tile_at(q.truth) is not None]
    err = np.array([p.error_m for p in predictions])
    conf = np.array([p.confidence for p in predictions])
    right = np.array([p.error_m <= _tile_radius_m(p.top.tile) for p in predictions])
    placed = err <= PLACED_M
    confident = conf >= 0.9
    # not placed, and said so: a low confidence (the issue's fallback), or not located
    honest = ~placed & (conf < 0.3)
    return {"n": len(predictions), "r1": ev.r1, "placed": int(placed.sum()), "right": int(right.sum()),
            "median": float(np.median(err)), "verified": sum(p.status == "verified" for p in predictions),
            "confident": int(confident.sum()), "confident_right": int((confident & right).sum()),
            "unplaced_low": int(honest.sum()), "unplaced": int((~placed).sum()), "seconds": seconds,
            "rank_median": float(np.median(ranks)), "rank_max": int(max(ranks)),
            "beyond": int(sum(r > ws.settings.verify_candidates for r in ranks)), "tiles": len(region.tiles)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--widen", type=int, nargs="*", default=[0],
                        help="also measure with --verify-widen N (0: the default, off)")
    parser.add_argument("--altitude", nargs="+", choices=["off", "on"], default=["off", "on"],
                        help="without / with the flight metadata a drone records (with_flight_altitude)")
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/compare_footprint_scale.md")
    args = parser.parse_args()
    lines = [
        "# Photos from a high or a low flight (issue 9 §3)", "",
        "Frozen EfficientNet-Lite0 + geometric verification (the default `locate`). Placed: the "
        f"exported Point within {PLACED_M:.0f} m of the truth. Right: within the top tile's half-diagonal. "
        "Confident: confidence >= 0.9. Not placed, low: a photo not placed whose confidence is < 0.3 "
        "(it says it is unsure). Altitude on: each photo carries the relative altitude, focal length and sensor "
        "width a drone records (no position), so the footprint is known (with_flight_altitude). "
        "Regenerate: `python training/compare_footprint_scale.py`.", "",
        "| region | verify-widen | altitude | photos | R@1 | placed | median error (m) | verified | confident | right among confident | "
        "not placed, low confidence | global rank of the photo's tile: median / worst | beyond the 20 verified | "
        "locate (s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in built_regions(args.regions):
        for widen, altitude in [(w, a) for w in args.widen for a in args.altitude]:
            r = measure(path, args.cache_dir, widen, altitude == "on")
            cr = "-" if not r["confident"] else f"{r['confident_right']}/{r['confident']}"
            add_row(lines, f"| {path.name} | {widen or 'off'} | {altitude} | {r['n']} | {r['r1']:.1f} | {r['placed']}/{r['n']} | "
                           f"{r['median']:.2f} | {r['verified']}/{r['n']} | {r['confident']} | {cr} | "
                           f"{r['unplaced_low']}/{r['unplaced']} | {r['rank_median']:.0f} / {r['rank_max']} of {r['tiles']} | "
                           f"{r['beyond']} | {r['seconds']:.0f} |")
    save(lines, args.out)


if __name__ == "__main__":
    main()
