"""Probe: how well does each matcher / image treatment find the right place across sensors?

A diagnostic, not a pipeline: for an evenly spaced sample of a region's photos it verifies each
photo against the 3 x 3 mosaic around its TRUE tile and around `--decoys` far tiles (truth picks
them: scoring only, to measure the matcher's power to tell right from wrong; nothing here feeds
locating or adaptation). Per variant it prints the share of photos whose true mosaic gets a
plausible homography with >= 12 / >= 40 inliers (40 = LEARNED_STOP_INLIERS, what overrules an
adapted ranking), whose true mosaic beats every decoy, and the decoys' largest inlier counts.

  PYTHONPATH=. python training/probe_cross_sensor.py data/benchmark/rotterdam-ms --photos 24 \
      --variants xfeat xfeat+deblock sift

Variants: a matcher name, optionally with `+treatment`s applied to the decoded images before
description: `deblock` (tiles: each replicated block averaged to one pixel, then enlarged back
bicubically; route.replication_period finds the block), `clahe` (photos and tiles: CLAHE on
each channel's luminance).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core import rerank
from geolocator.core.evaluate import positives
from geolocator.core.queries import load_region


def deblock(pil_image):
    """The image with pixel-replicated blocks (route.replication_period) resampled smoothly:
    area-averaged to one pixel a block, then enlarged back bicubically. Unchanged without blocks."""
    import cv2
    from PIL import Image

    from geolocator.core.route import replication_period

    rgb = np.asarray(pil_image.convert("RGB"))
    period = replication_period(np.asarray(pil_image.convert("L"), np.float64))
    if period is None:
        return pil_image
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (max(1, round(w / period)), max(1, round(h / period))), interpolation=cv2.INTER_AREA)
    return Image.fromarray(cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC))


def clahe(pil_image):
    import cv2
    from PIL import Image

    lab = cv2.cvtColor(np.asarray(pil_image.convert("RGB")), cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(lab[..., 0])
    return Image.fromarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))


def far_tiles(tiles, true_index: int, n: int) -> list[int]:
    """n tiles at least 3 tile widths from the true tile, evenly spread over the set."""
    c = tiles[true_index].bounds.center
    w = tiles[true_index].bounds.width_deg
    far = [i for i, t in enumerate(tiles) if abs(t.bounds.center.lon - c.lon) > 3 * w
           or abs(t.bounds.center.lat - c.lat) > 3 * (t.bounds.north - t.bounds.south)]
    if not far:
        return []
    return [far[int(k)] for k in np.linspace(0, len(far) - 1, n).round().astype(int)]


def run_variant(spec: str, region, sample, decoys: int):
    import geolocator.core.media.query_image as qi
    import geolocator.core.sources.tile_image as ti

    name, *treatments = spec.split("+")
    settings = rerank.VerifySettings(matcher=name, mosaic=1)
    # tT: the photo also described turned to nadir at an assumed tilt of T degrees (the blind pass's
    # oblique.assumed_view); each target's count is the best over the photo's descriptions
    tilts = [float(t[1:]) for t in treatments if t.startswith("t") and t[1:].isdigit()]
    open_tile, open_query = ti.open_tile_image, qi.open_query_image

    def tile_image(tile, **kw):
        image = open_tile(tile, **kw)
        if "deblock" in treatments:
            image = deblock(image)
        if "smooth" in treatments:  # the product's: deblock.smooth_replicated (block centres, bicubic)
            from geolocator.core.deblock import smooth_replicated

            image = smooth_replicated(image)
        if "clahe" in treatments:
            image = clahe(image)
        return image

    def query_image(query, **kw):
        image = open_query(query, **kw)
        if "clahe" in treatments:
            image = clahe(image)
        for t in treatments:  # pN: the photo shrunk N times (a coarser scale, nearer the tiles')
            if t.startswith("p") and t[1:].replace(".", "").isdigit():
                f = float(t[1:])
                image = image.resize((max(1, round(image.width / f)), max(1, round(image.height / f))), 3)
        return image

    ti.open_tile_image, qi.open_query_image = tile_image, query_image
    try:
        verifier = rerank.Verifier(settings)
        tiles = region.tiles.tiles
        rows = []
        start = time.process_time()
        for q in sample:
            truth = int(np.flatnonzero(positives(q, tiles))[0])
            photos = [verifier.photo(q)] if not tilts or 0 in tilts else []
            if tilts:
                from geolocator.core.oblique import assumed_view

                image = query_image(q, min_side=settings.max_side)
                photos += [rerank.rectified_local_features(image, assumed_view(t, 65.0), settings) for t in tilts if t]
            counts = []
            for t in [truth, *far_tiles(tiles, truth, decoys)]:
                target, _, _ = verifier.target(tiles, t)
                counts.append(max(rerank_pair(photo, target, settings) for photo in photos))
            rows.append(counts)
        cpu = time.process_time() - start
    finally:
        ti.open_tile_image, qi.open_query_image = open_tile, open_query
    rows = np.array(rows)
    true, worst = rows[:, 0], rows[:, 1:].max(axis=1)
    n = len(rows)
    print(f"{spec:24s} true>=12 {100 * (true >= 12).mean():5.1f}  true>=40 {100 * (true >= 40).mean():5.1f}  "
          f"true>decoys {100 * (true > worst).mean():5.1f}  true median {np.median(true):5.1f}  "
          f"decoy max {worst.max():3d} (>=12: {100 * (worst >= 12).mean():4.1f} %)  CPU s/photo {cpu / n:5.2f}", flush=True)
    return rows


def rerank_pair(photo, target, settings) -> int:
    if photo is None:
        return 0
    if settings.matcher == "sift":
        return rerank.verify_pair(photo, target, settings).inliers
    from geolocator.core.matchers import verify as learned

    return learned.verify_pair(photo, target, settings).inliers


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("region", type=Path)
    p.add_argument("--photos", type=int, default=24)
    p.add_argument("--decoys", type=int, default=3)
    p.add_argument("--variants", nargs="+", default=["xfeat", "xfeat+deblock"])
    a = p.parse_args()
    region = load_region(a.region)
    qs = list(region.queries)
    sample = [qs[int(i)] for i in np.linspace(0, len(qs) - 1, a.photos).round().astype(int)]
    print(f"{a.region.name}: {len(sample)} photos, {a.decoys} decoy mosaics each", flush=True)
    for spec in a.variants:
        run_variant(spec, region, sample, a.decoys)


if __name__ == "__main__":
    main()
