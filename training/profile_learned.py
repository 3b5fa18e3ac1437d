"""Where a learned verifier's time goes (issue 13, session 12): per backend, on a few photos of one
region, the CPU seconds of each stage of Verifier.verify_photo, timed by wrapping the stages:
photo keypoints (all headings), tile keypoints (first time / from the disk cache), the heading
search (one product per photo heading), the learned matcher (pairs and keypoints per side), RANSAC
and the rest. Also whether each backend lists its keypoints strongest first (verify.py and
rerank.py take prefixes as "the strongest k").

  PYTHONPATH=. python training/profile_learned.py --region resources/demo --photos 6 --matchers aliked disk xfeat

Frozen global ranking (EfficientNet-Lite0), 20 candidates, the verifier's defaults. Truth is not read.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]


def subsample(items, n):
    return [items[int(i)] for i in np.linspace(0, len(items) - 1, n).round().astype(int)] if n < len(items) else list(items)


def timed(table, key, fn):
    def wrapper(*args, **kwargs):
        cpu = time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            table[key][0] += time.process_time() - cpu
            table[key][1] += 1
    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--region", type=Path, default=ROOT / "resources/demo")
    ap.add_argument("--photos", type=int, default=6)
    ap.add_argument("--matchers", nargs="+", default=["aliked", "disk", "xfeat"])
    ap.add_argument("--cache-dir", type=Path, default=ROOT / "out" / "cache")
    args = ap.parse_args()
    import cv2
    import torch

    from geolocator.core import rerank
    from geolocator.core.matchers import get_matcher
    from geolocator.core.matchers import verify as learned

    region = load_region(args.region)
    photos = subsample(region.queries, args.photos)
    print(f"region {args.region.name}, {len(photos)} photos, torch threads {torch.get_num_threads()}, "
          f"load {os.getloadavg()[0]:.1f}")
    for name in args.matchers:
        ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10, cache_dir=args.cache_dir, matcher=name,
                                verify_widen=0))
        ws.open_tiles(region.tiles)
        ws.index()
        ws.settings.verify = False
        ws.locate(photos)
        ws.settings.verify = True
        m = get_matcher(name)
        table = defaultdict(lambda: [0.0, 0])
        sizes = []
        original = {"extract": m.extract, "match": m.match}
        m.extract = timed(table, "extract (any image)", original["extract"])

        def match(a, b, _orig=original["match"]):
            sizes.append((len(a), len(b)))
            return _orig(a, b)

        m.match = timed(table, "matcher (pairs)", match)
        saved = {"headings": learned.headings_and_scores, "photo": rerank.Verifier.photo,
                 "stored": rerank.Verifier._stored_tile, "ransac": cv2.findHomography}
        learned.headings_and_scores = timed(table, "heading search", saved["headings"])
        rerank.Verifier.photo = timed(table, "photo keypoints (all headings)", saved["photo"])
        rerank.Verifier._stored_tile = timed(table, "tile keypoints (cache or extract)", saved["stored"])
        cv2.findHomography = timed(table, "RANSAC", saved["ransac"])
        try:
            wall, cpu = time.perf_counter(), time.process_time()
            ws.locate(photos)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        finally:
            learned.headings_and_scores = saved["headings"]
            rerank.Verifier.photo = saved["photo"]
            rerank.Verifier._stored_tile = saved["stored"]
            cv2.findHomography = saved["ransac"]
            m.extract, m.match = original["extract"], original["match"]
        ev = ws.evaluate()
        print(f"\n{name}: locate {cpu / len(photos):.2f} CPU s / photo ({wall / len(photos):.2f} s wall), "
              f"R@1 {ev.r1:.1f} (scoring only)")
        for key, (seconds, calls) in table.items():
            print(f"  {key:36s} {seconds / len(photos):7.3f} CPU s / photo  ({calls} calls)")
        if sizes:
            a, b = np.array(sizes).T
            print(f"  pairs matched {len(sizes) / len(photos):.1f} / photo; keypoints per side photo {a.mean():.0f}, "
                  f"tile {b.mean():.0f}")
        # keypoint order: is the list strongest first? (verify.py takes prefixes as the top k)
        from geolocator.core.images import open_image

        f = m.extract(learned._to_array(open_image(photos[0].path, None, min_side=512), 512, grey=False))
        if f.scores is not None and len(f.scores) > 1:
            print(f"  scores descending: {bool(np.all(np.diff(f.scores) <= 0))}; first 512 hold "
                  f"{np.isin(np.argsort(-f.scores)[:512], np.arange(512)).mean() * 100:.0f}% of the 512 strongest; "
                  f"first 512 span rows {f.points[:512, 1].min():.0f}-{f.points[:512, 1].max():.0f} of {f.size[1]}")


if __name__ == "__main__":
    main()
