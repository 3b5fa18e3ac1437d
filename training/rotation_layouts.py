"""Which (photo views x tile views) layouts rank as well as tiles at 8 headings, on frozen features.

Same cached EfficientNet-Lite0 features for every layout (each photo and tile at all 8 headings),
cosine max over the view pairs, no adaptation, no verification; truth scores only. Explains the
frozen-feature rows of photo_rotation.md: ImageNet features are not rotation-equivariant, and a
rotated oblique photo is further from what the model saw in training than a rotated nadir tile.

  python training/rotation_layouts.py [--regions resources/demo data/benchmark/vegas ...]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from geolocator.core.backbones import load_backbone
from geolocator.core.cache import FeatureCache
from geolocator.core.evaluate import evaluate
from geolocator.core.extract import VIEWS, extract_features
from geolocator.core.queries import load_region
from geolocator.core.retrieval import similarity

ROOT = Path(__file__).resolve().parents[1]
LAYOUTS = {  # name: (photo view slice, tile view slice) over VIEWS = rot0, rot45, ..., rot315
    "photo x1, tiles x8 (before; the default up to 10,000 tiles)": (slice(0, 1), slice(None)),
    "photo x8, tiles x1 (after; the default above 10,000 tiles)": (slice(None), slice(0, 1)),
    "photo x4 (90-degree steps), tiles x2 (0, 45)": (slice(None, None, 2), slice(0, 2)),
    "photo x4 (90-degree steps), tiles x1": (slice(None, None, 2), slice(0, 1)),
    "photo x1, tiles x4 (90-degree steps)": (slice(0, 1), slice(None, None, 2)),
    "photo x1, tiles x1": (slice(0, 1), slice(0, 1)),
    "photo x8, tiles x8": (slice(None), slice(None)),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", nargs="+", type=Path,
                    default=[ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"])
    ap.add_argument("--out", type=Path, default=ROOT / "training/results/rotation_layouts.md")
    ap.add_argument("--cache-dir", type=Path, help="feature cache (default: the user cache folder)")
    args = ap.parse_args()
    bb = load_backbone("efficientnet_lite0", device="cpu")
    cache = FeatureCache(args.cache_dir)
    lines = ["Frozen EfficientNet-Lite0, no adaptation, no verification (`training/rotation_layouts.py`).",
             f"Load average: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}.", "",
             "| region | layout | forward passes per tile / photo | R@1 | R@5 | AP |", "|---|---|---|---|---|---|"]
    for path in args.regions:
        region = load_region(path)
        tiles = extract_features(region.tiles.tiles, bb, views=VIEWS, cache=cache).features
        photos = extract_features(region.queries, bb, views=VIEWS, cache=cache).features
        for name, (pv, tv) in LAYOUTS.items():
            for dtype in (np.float32, np.float16) if tv == slice(0, 1) and pv == slice(None) else (np.float32,):
                t = tiles[:, tv].astype(dtype).astype(np.float32)  # float16: as the feature store keeps them
                ev = evaluate(region.queries, region.tiles.tiles, similarity(photos[:, pv], t))
                label = name + (", tiles stored as float16" if dtype is np.float16 else "")
                line = (f"| {path.name} | {label} | {len(VIEWS[tv])} / {len(VIEWS[pv])} | {ev.r1:.1f} | {ev.r5:.1f} | "
                        f"{ev.ap:.1f} |")
                print(line, flush=True)
                lines.append(line)
    args.out.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
