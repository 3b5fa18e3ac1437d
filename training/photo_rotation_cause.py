"""Why rotating the PHOTO ranked worse than rotating the TILES (issue 14), heading by heading.

At a relative heading k the tile layout compares (photo as taken, tile turned by k) and the photo
layout (photo turned by -k, tile as indexed). At multiples of 90 degrees both pairs are the same
pixels turned as a whole (exact transposes; the 4:3 photo is squashed to a square either way), so
any difference there is the model's own orientation preference. At odd multiples of 45 the views
differ: rotate_view keeps the largest blank-free square, which for a 4:3 photo is its middle half
(a 203 px square of 384x288) against a whole tile, while the tile layout compares the whole photo
with the tile's middle (the photo-to-tile scale ratio differs by 2.8x). extract.rotate_photo_view
keeps more of the photo (corners mirrored). Frozen EfficientNet-Lite0, no adaptation, no
verification; truth scores only. The remaining gap at right angles is a bias of rotated oblique
photos towards what all tiles share, which wins the max over headings for wrong tiles; centring each
photo view on the photos' mean (retrieval.centre_photo_views) removes it.

  python training/photo_rotation_cause.py [--regions resources/demo data/benchmark/vegas ...]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
import torch

from geolocator.core.backbones import load_backbone
from geolocator.core.cache import FeatureCache
from geolocator.core.evaluate import evaluate
from geolocator.core.extract import VIEWS, _item_identity, extract_features, rotate_view
from geolocator.core.media.query_image import open_query_image
from geolocator.core.queries import load_region
from geolocator.core.retrieval import centre_photo_views, similarity

ROOT = Path(__file__).resolve().parents[1]


def old_photo_views(queries, bb, cache: FeatureCache) -> np.ndarray:
    """(Q, 8, D) photo views as before the fix: rotate_view's blank-free square at odd headings
    (cached under the plain view names, which only the old rule wrote for photos)."""
    out = extract_features(queries, bb, views=VIEWS[::2], cache=cache).features  # 0/90/180/270: unchanged
    feats = np.zeros((len(queries), len(VIEWS), bb.dim), np.float32)
    feats[:, ::2] = out
    for j, v in enumerate(VIEWS):
        if j % 2 == 0:
            continue
        todo = []
        for i, q in enumerate(queries):
            key = cache.key(bb.signature, v, _item_identity(q))
            vec = cache.get(key, bb.dim)
            if vec is None:
                todo.append((i, key))
            else:
                feats[i, j] = vec
        for s in range(0, len(todo), 32):
            part = todo[s : s + 32]
            batch = torch.stack([bb.preprocess(rotate_view(open_query_image(queries[i], min_side=400), int(v[3:])))
                                 for i, _ in part])
            for (i, key), vec in zip(part, bb.encode(batch).numpy()):
                feats[i, j] = vec
                cache.put(key, vec)
    return feats


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", nargs="+", type=Path,
                    default=[ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"])
    ap.add_argument("--out", type=Path, default=ROOT / "training/results/photo_rotation_cause.md")
    ap.add_argument("--cache-dir", type=Path, help="feature cache (default: the user cache folder)")
    args = ap.parse_args()
    torch.set_num_threads(2)
    bb = load_backbone("efficientnet_lite0", device="cpu")
    cache = FeatureCache(args.cache_dir)
    lines = [__doc__.split("\n\n")[1].replace("\n", " "), "",
             f"Load average at the start: {'/'.join(f'{x:.1f}' for x in os.getloadavg())} (2 shared cores).", ""]
    heading_rows = ["| region | relative heading | tile turned: R@1 | photo turned, old square: R@1 | photo turned, new view: R@1 |",
                    "|---|---|---|---|---|"]
    total_rows = ["| region | layout | passes per tile / photo | R@1 | R@5 | AP |", "|---|---|---|---|---|---|"]
    for path in args.regions:
        region = load_region(path)
        tiles, queries = region.tiles.tiles, list(region.queries)
        T = extract_features(tiles, bb, views=VIEWS, cache=cache).features
        new = extract_features(queries, bb, views=VIEWS, cache=cache).features  # rotate_photo_view off the grid
        old = old_photo_views(queries, bb, cache)

        def ev(p, t):
            return evaluate(queries, tiles, similarity(p, t))

        for k in range(len(VIEWS)):
            back = (-k) % len(VIEWS)  # the photo turned the other way
            row = [ev(old[:, :1], T[:, k : k + 1]).r1, ev(old[:, back : back + 1], T[:, :1]).r1,
                   ev(new[:, back : back + 1], T[:, :1]).r1]
            heading_rows.append(f"| {path.name} | {k * 45} | " + " | ".join(f"{x:.1f}" for x in row) + " |")
        for name, p, t, cost in (("tiles at 8 headings, photo once (before)", old[:, :1], T, "8 / 1"),
                                 ("photo at 8 headings, old square, tiles once", old, T[:, :1], "1 / 8"),
                                 ("photo at 8 headings, new view, tiles once", new, T[:, :1], "1 / 8"),
                                 ("photo at 8 headings, new view, centred per view, tiles once (now)",
                                  centre_photo_views(new), T[:, :1], "1 / 8"),
                                 ("photo at 8 headings, old square, centred per view, tiles once",
                                  centre_photo_views(old), T[:, :1], "1 / 8"),
                                 ("photo at 4 headings (90-degree transposes), tiles once", new[:, ::2], T[:, :1], "1 / 4"),
                                 ("tiles at 4 headings (90-degree transposes), photo once", old[:, :1], T[:, ::2], "4 / 1")):
            e = ev(p, t)
            total_rows.append(f"| {path.name} | {name} | {cost} | {e.r1:.1f} | {e.r5:.1f} | {e.ap:.1f} |")
            print(total_rows[-1], flush=True)
    lines += ["R@1 with ONE relative heading compared (each photo's own heading is one of the eight, so",
              "these are low; what matters is the columns side by side):", "", *heading_rows, "",
              "All headings compared (max over the view pairs, the product's rule):", "", *total_rows, "",
              f"Load average at the end: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}."]
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
