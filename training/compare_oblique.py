"""Oblique drone views placed within metres? (issue 13, shared/oblique-views.md)

On the oblique yardstick (photos 30-55 deg off nadir through a wide DJI lens, each carrying the
gimbal pitch, relative altitude and lens a DJI photo records; make_public_benchmark.py --regions
oblique), two measurements, truth used only to score:

1. Census of homographies: each photo's SIFT fit against the tile under its centre (truth.csv's
   tile) and against 5 tiles far from it (chance fits). A fit with >= min_inliers is "correct"
   when it puts the photo's centre within PLACED_M of the truth. Counted: correct fits the old
   rule (fixed [min_area, max_area] share, side ratio <= 8: what photos without a nadir footprint
   get) and the new one (rerank.outline_rule: the camera's ground trapezoid) reject; chance fits
   each lets through. Photo keypoints as they are, and described on the view turned to nadir
   (rerank.rectified_local_features).
2. The default pipeline (frozen EfficientNet-Lite0 + SIFT verification, no adaptation) with the
   old rule, the new rule, and the new rule + rectification: R@1, median error of the exported
   point, share within PLACED_M, share verified.

  python training/make_public_benchmark.py --regions oblique [--out out/benchmark]
  python training/compare_oblique.py [--regions out/benchmark/vegas-oblique ...] [--cache-dir out/cache]

Writes training/results/compare_oblique.md.
"""

from __future__ import annotations

import argparse
import csv
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core.geo import ground_size_m, haversine_m
from geolocator.core.model import LatLon
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from geolocator.core.rerank import (Verifier, VerifySettings, _plausible, fit_homography, outline_rule, query_view,
                                    photo_centre_in)
from tables import add_row, built_regions, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "data/benchmark"
DEFAULT_REGIONS = [BENCH / "vegas-oblique", BENCH / "rotterdam-oblique"]
PLACED_M = 5.0
CHANCE_TILES = 5  # far tiles per photo whose fits are chance fits


def _centre_error_m(homography, photo, tile_features, tile, truth: LatLon) -> float:
    centre = photo_centre_in(homography, photo, tile_features)
    if centre is None:
        return float("inf")
    return haversine_m(tile.point_at(*centre), truth)  # through the tile's own grid, as locate places it


def census(path: Path, rectify: bool) -> dict:
    """Counts of correct and chance homographies and what each rule does with them."""
    path = path.resolve()
    region = load_region(path)
    tiles = region.tiles.tiles
    with open(path / "truth.csv", newline="") as fh:
        truth_tile = {r["query"]: r["tile"] for r in csv.DictReader(fh)}
    by_path = {Path(t.path).relative_to(path).as_posix(): i for i, t in enumerate(tiles)}
    centres = np.array([[(t.bounds.west + t.bounds.east) / 2, (t.bounds.south + t.bounds.north) / 2] for t in tiles])
    settings = VerifySettings(rectify=rectify)
    old = replace(settings, oblique=False)
    verifier = Verifier(settings)
    rng = np.random.default_rng(0)
    n = dict(photos=0, views=0, fits=0, correct=0, old_rejects=0, new_rejects=0, chance=0, chance_old=0, chance_new=0)
    for q in region.queries:
        view = query_view(q)
        n["photos"] += 1
        n["views"] += view is not None
        ti = by_path[truth_tile[Path(q.path).relative_to(path).as_posix()]]
        photo = verifier.photo(q)
        # chance: tiles whose centre is over 1.5 tile widths from the true tile's
        width = tiles[ti].bounds.east - tiles[ti].bounds.west
        far = np.flatnonzero(np.abs(centres - centres[ti]).max(axis=1) > 1.5 * width)
        others = rng.choice(far, size=min(CHANCE_TILES, len(far)), replace=False)
        for t in (ti, *others):
            tile = tiles[int(t)]
            features = verifier.tile(tile)
            fit = fit_homography(photo, features, settings) if photo is not None else None
            if fit is None or fit[1] < settings.min_inliers:
                continue
            homography, _ = fit
            rule = outline_rule(view, photo.size, ground_size_m(tile.bounds), settings) if view else None
            passes_old = _plausible(homography, photo.size, features.size, old)
            passes_new = _plausible(homography, photo.size, features.size, settings, rule)
            if t == ti:
                n["fits"] += 1
                if _centre_error_m(homography, photo, features, tile, q.truth) <= PLACED_M:
                    n["correct"] += 1
                    n["old_rejects"] += not passes_old
                    n["new_rejects"] += not passes_new
            else:
                n["chance"] += 1
                n["chance_old"] += passes_old
                n["chance_new"] += passes_new
    return n


def subsample(items, n: int | None) -> list:
    """`n` evenly spaced items (all when n is None or not smaller), as compare_matchers.py does."""
    if not n or n >= len(items):
        return list(items)
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, n).round().astype(int)]


def locate(path: Path, cache_dir: Path | None, oblique: bool, rectify: bool, matcher: str = "sift",
           photos: int | None = None) -> dict:
    region = load_region(path)
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir, matcher=matcher))
    ws.open_tiles(region.tiles)
    ws.index()
    ws._verifier = Verifier(replace(ws.verifier.settings, oblique=oblique, rectify=rectify))
    started, cpu = time.perf_counter(), time.process_time()
    predictions = [p for p in ws.locate(subsample(region.queries, photos)) if p.query.truth is not None]
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ev = ws.evaluate()
    err = np.array([p.error_m for p in predictions])
    return {"n": len(predictions), "r1": ev.r1, "median": float(np.median(err)),
            "placed": int((err <= PLACED_M).sum()), "verified": sum(p.status == "verified" for p in predictions),
            "seconds": seconds, "cpu": cpu}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--skip-locate", action="store_true")
    parser.add_argument("--matcher", default="sift",
                        help="verification backend (core/matchers); not sift: no SIFT census, and locate with the "
                             "camera-geometry rule only, photo as taken vs turned to nadir")
    parser.add_argument("--photos", type=int, help="locate an evenly spaced subsample of this many photos a region")
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/compare_oblique.md")
    args = parser.parse_args()
    regions = list(built_regions(args.regions))
    lines = [
        "# Oblique views with camera metadata (issue 13)", "",
        f"Correct: a SIFT fit (>= 8 inliers) on the tile under the photo's centre that puts the centre within "
        f"{PLACED_M:.0f} m of the truth. Chance: fits on {CHANCE_TILES} tiles far (> 1.5 tiles) from it. Old rule: the "
        "fixed share [0.02, 16] and side ratio <= 8 (photos without a nadir footprint); new: rerank.outline_rule "
        "from the recorded pitch, height and lens. Regenerate: `python training/compare_oblique.py`.", "",
        "| region | photo keypoints | photos (with a view) | fits on the true tile | correct | correct rejected, old rule | "
        "correct rejected, new rule | chance fits | chance passed, old | chance passed, new |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in regions if args.matcher == "sift" else ():
        for rectify in (False, True):
            c = census(path, rectify)
            add_row(lines, f"| {path.name} | {'turned to nadir' if rectify else 'as taken'} | {c['photos']} ({c['views']}) | "
                           f"{c['fits']} | {c['correct']} | {c['old_rejects']} | {c['new_rejects']} | {c['chance']} | "
                           f"{c['chance_old']} | {c['chance_new']} |")
    if not args.skip_locate:
        lines += ["", f"`locate` (frozen EfficientNet-Lite0, {args.matcher} verification with its default depth, no "
                  "adaptation" + (f"; {args.photos} evenly spaced photos a region" if args.photos else "") + "):", "",
                  f"| region | matcher | plausibility | photo keypoints | photos | R@1 | median error (m) | "
                  f"within {PLACED_M:.0f} m | verified | locate (s) | CPU (s) |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        settings = (((False, False), (True, False), (True, True)) if args.matcher == "sift"
                    else ((True, False), (True, True)))
        for path in regions:
            for oblique, rectify in settings:
                r = locate(path, args.cache_dir, oblique, rectify, args.matcher, args.photos)
                add_row(lines, f"| {path.name} | {args.matcher} | {'camera geometry' if oblique else 'old (fixed size)'} | "
                               f"{'turned to nadir' if rectify else 'as taken'} | {r['n']} | {r['r1']:.1f} | "
                               f"{r['median']:.2f} | {r['placed']}/{r['n']} ({100 * r['placed'] / r['n']:.0f} %) | "
                               f"{r['verified']}/{r['n']} | {r['seconds']:.0f} | {r['cpu']:.0f} |")
    save(lines, args.out)


if __name__ == "__main__":
    main()
