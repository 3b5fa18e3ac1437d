"""The product pipeline end to end on the public benchmark regions, as `geolocator eval [--adapt]`
runs it: frozen vs mode `paper` vs mode `best`, with and without geometric verification at locate
time; mode `best` also without its geometric anchors (what `--no-verify` adapts with).

Truth is used only to score (Workspace.evaluate); adaptation sees the unlabeled tiles and photos.
Adapted rows are the mean over seeds. Prints a markdown table (also written to --out).

  python training/make_public_benchmark.py            # data/benchmark/{vegas,rotterdam}
  python training/compare_pipeline.py [--regions resources/demo data/benchmark/vegas ...] [--seeds 0 1] [--steps N]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import statistics
import time
from pathlib import Path

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]


def run(region, mode: str | None, geometric: bool, verify: tuple[bool, ...], seed: int, cache_dir: Path | None,
        adapter_dir: Path, steps: int | None = None) -> dict:
    """Adapt once (or not), then locate once per verification setting: {verify: metrics}."""
    ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=cache_dir, adapter_dir=adapter_dir))
    ws.open_tiles(region.tiles)
    ws.index()
    started = time.perf_counter()
    if mode is not None:
        ws.adapt(region.queries, mode=mode, seed=seed, steps=steps, geometric=geometric)
    adapt_s = time.perf_counter() - started
    results = {}
    for v in verify:
        ws.settings.verify = v
        started = time.perf_counter()
        ws.locate(region.queries)
        ev = ws.evaluate()
        results[v] = {"r1": ev.r1, "r5": ev.r5, "ap": ev.ap, "median_m": ev.median_error_m,
                      "refined_m": ev.extra["median_weighted_error_m"], "adapt_s": adapt_s,
                      "locate_s": time.perf_counter() - started}
    return results


# (row label, mode, geometric anchors in adaptation, verification settings at locate)
VARIANTS = [
    ("none (frozen)", None, False, (False, True)),
    ("paper", "paper", False, (False, True)),
    ("best, features only (`--no-verify`)", "best", False, (False,)),
    ("best (default: geometric anchors)", "best", True, (False, True)),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    # seed 0: the committed tables (training/results/compare_pipeline.md, docs/results.md: Results) were made with it
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--steps", type=int, help="adaptation steps (default: each mode's own; small for a smoke run)")
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/compare_pipeline.md")
    args = parser.parse_args()
    adapter_dir = Path(tempfile.mkdtemp(prefix="geolocator-compare-"))  # adapters are not kept

    lines = [
        "Product pipeline (`geolocator eval [--adapt --mode M] [--no-verify]`), EfficientNet-Lite0 (offline backbone),",
        f"tiles at 8 headings; adapted rows: mean (± stdev of R@1) over seeds {args.seeds}. "
        "Median error: top-1 tile centre; refined: photo centre through the verified homography "
        "(else the weighted tile mean). Times on 2 shared CPU cores.",
        "",
        "| region | adaptation | verification | R@1 | R@5 | AP | median error (m) | refined (m) | adapt (s) | locate (s) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path in args.regions:
        region = load_region(path)
        name = f"{path.name} ({len(region.tiles)} tiles, {len(region.queries)} photos)"
        for label, mode, geometric, verifies in VARIANTS:
            seeds = [0] if mode is None else args.seeds
            runs = [run(region, mode, geometric, verifies, s, args.cache_dir, adapter_dir, args.steps) for s in seeds]
            for verify in verifies:
                rows = [r[verify] for r in runs]
                mean = {k: statistics.fmean(r[k] for r in rows) for k in rows[0]}
                spread = f" ± {statistics.stdev(r['r1'] for r in rows):.1f}" if len(rows) > 1 else ""
                line = (f"| {name} | {label} | {'yes' if verify else 'no'} | {mean['r1']:.1f}{spread} | "
                        f"{mean['r5']:.1f} | {mean['ap']:.1f} | {mean['median_m']:.0f} | {mean['refined_m']:.1f} | "
                        f"{mean['adapt_s']:.1f} | {mean['locate_s']:.1f} |")
                add_row(lines, line)
    save(lines, args.out)
    shutil.rmtree(adapter_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
