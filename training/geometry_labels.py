"""How many photos the geometric E-step places, and how many of those labels are right.

Runs the label step of mode best (adapt/geometric.py) on each region exactly as Workspace.adapt
does (frozen EfficientNet-Lite0 candidates, default settings), then scores the labels against the
truth, which the step itself never sees.

  python training/geometry_labels.py [--regions resources/demo data/benchmark/vegas ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geolocator.core.adapt.geometric import GeometrySettings
from geolocator.core.evaluate import positives
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tables import add_row, save

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="+", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--cache-dir", type=Path, help="feature cache (default: the user cache dir)")
    parser.add_argument("--out", type=Path, default=ROOT / "training/results/geometry_labels.md")
    args = parser.parse_args()
    lines = [
        f"Geometric pseudo-labels ({GeometrySettings()}), top 20 frozen candidates per photo.",
        "",
        "| region | photos | placed directly (right) | placed through a photo (right) | not placed | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for path in args.regions:
        region = load_region(path)
        ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=args.cache_dir))
        ws.open_tiles(region.tiles)
        tile_features = ws.index()
        photos, photo_features, _ = ws.embed(region.queries)
        started = time.perf_counter()
        labels = ws.geometric_labels(photos, photo_features, tile_features)  # as Workspace.adapt does
        seconds = time.perf_counter() - started
        right = [label is not None and bool(positives(q, region.tiles.tiles)[label.tile]) for q, label in zip(photos, labels)]
        direct = [i for i, label in enumerate(labels) if label is not None and label.via is None]
        chained = [i for i, label in enumerate(labels) if label is not None and label.via is not None]
        add_row(lines, f"| {path.name} | {len(photos)} | {len(direct)} ({sum(right[i] for i in direct)}) | "
                       f"{len(chained)} ({sum(right[i] for i in chained)}) | {labels.count(None)} | {seconds:.1f} |")
    save(lines, args.out)


if __name__ == "__main__":
    main()
