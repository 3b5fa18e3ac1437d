"""Photos the adapter never saw: adapt on every other drone photo of a region (label-free, as the
product does), then locate the other half, against the frozen pipeline on that same half.

`compare_pipeline.py` measures the transductive case (adapt on the photos you then locate, which is
what "Adapt to this region" does); this script says what an adapter brings to photos added later.
Verification is on in both rows. Truth is used only to score.

  python training/compare_inductive.py [--regions ...] [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import statistics
from pathlib import Path

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region
from tables import add_row, save  # training/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])  # the committed table's seed
    parser.add_argument("--steps", type=int, help="adaptation steps (default: mode best's own; small for a smoke run)")
    parser.add_argument("--cache-dir", type=Path, help="feature cache (default: the user cache dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/compare_inductive.md")
    args = parser.parse_args()
    adapter_dir = tempfile.mkdtemp(prefix="geolocator-inductive-")  # adapters are not kept
    lines = [
        "Adapt (mode best, geometric anchors) on the even-numbered photos of a region; locate the odd-numbered",
        f"ones, which adaptation never saw. Verification on. EfficientNet-Lite0, tiles at 8 headings; seeds {args.seeds}.",
        "",
        "| region | photos adapted on / located | frozen R@1 (unseen) | adapted R@1 (unseen) | adapted R@1 (seen) |",
        "|---|---|---|---|---|",
    ]
    for path in args.regions:
        region = load_region(path)
        seen, unseen = region.queries[0::2], region.queries[1::2]
        ws = Workspace(Settings(backbone="efficientnet_lite0", adapter_dir=Path(adapter_dir), cache_dir=args.cache_dir))
        ws.open_tiles(region.tiles)
        ws.locate(unseen)
        frozen = ws.evaluate().r1
        on_unseen, on_seen = [], []
        for seed in args.seeds:
            ws.adapt(seen, mode="best", seed=seed, steps=args.steps)
            ws.locate(unseen)
            on_unseen.append(ws.evaluate().r1)
            ws.locate(seen)
            on_seen.append(ws.evaluate().r1)
        line = (f"| {path.name} | {len(seen)} / {len(unseen)} | {frozen:.1f} | {statistics.fmean(on_unseen):.1f} | "
                f"{statistics.fmean(on_seen):.1f} |")
        add_row(lines, line)
    save(lines, args.out)
    shutil.rmtree(adapter_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
