"""No loss of accuracy from the scale-robust verification and the honest Point: the product
pipeline (frozen EfficientNet-Lite0 + geometric verification, no adaptation) on the demo and the
public benchmark regions, with the verification rules before this change (a fixed outline area of
0.15-4 tiles, one pass) and after (geometric plausibility, footprint-relative size, fine second
pass). Truth is used only to score.

  python training/make_public_benchmark.py            # data/benchmark/{vegas,rotterdam}
  python training/compare_honest.py [--regions ...]

Writes training/results/compare_honest.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, built_regions, save  # training/ is on sys.path when run as a script
from geolocator.core.rerank import Verifier, VerifySettings

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]
RULES = {
    "before: area 0.15-4 tiles, one pass": VerifySettings(min_area=0.15, max_area=4.0, max_side_ratio=1e9, fine_pass=False),
    "after: geometry + fine pass": VerifySettings(),
}


def run(region, settings: VerifySettings, cache_dir: Path | None) -> dict:
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir))
    ws.open_tiles(region.tiles)
    ws.index()
    ws._verifier = Verifier(settings)  # the rule under test (Workspace builds the default one)
    started = time.perf_counter()
    ws.locate(region.queries)
    seconds = time.perf_counter() - started
    ev = ws.evaluate()
    return {"r1": ev.r1, "median_tile": ev.median_error_m, "refined": ev.extra["median_weighted_error_m"],
            "best": ev.extra["median_error_best_m"], "within5": ev.extra["within_5m_pct"],
            "verified": ev.extra["n_verified"], "n": ev.n_queries, "confident": ev.extra["n_confident"],
            "confident_right": ev.extra["confident_right_pct"], "seconds": seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/compare_honest.md")
    args = parser.parse_args()
    lines = [
        "Frozen EfficientNet-Lite0 + geometric verification (no adaptation), verification rules before and after "
        "the scale-robust change. Point: the exported best estimate. Confident: confidence >= 0.9; right: Point within "
        "the top tile's half-diagonal of the truth. Locate times on 2 heavily shared CPU cores (8 engineers).",
        "",
        "| region | verification rule | R@1 | median error, tile centre (m) | median error, Point (m) | Point within 5 m | "
        "verified | confident | right among confident | locate (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in built_regions(args.regions):
        region = load_region(path)
        name = f"{path.name} ({len(region.tiles)} tiles, {len(region.queries)} photos)"
        for label, settings in RULES.items():
            r = run(region, settings, args.cache_dir)
            cr = "-" if r["confident_right"] is None else f"{r['confident_right']:.1f} %"
            add_row(lines, f"| {name} | {label} | {r['r1']:.1f} | {r['median_tile']:.1f} | {r['best']:.2f} | "
                           f"{r['within5']:.1f} % | {r['verified']}/{r['n']} | {r['confident']} | {cr} | {r['seconds']:.0f} |")
    save(lines, args.out)


if __name__ == "__main__":
    main()
