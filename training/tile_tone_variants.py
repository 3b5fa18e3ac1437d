"""Copies of a benchmark region whose tiles are re-toned to grey, for the session-26 measurement of
"does colour in the tiles hurt when the photos have none?" (training/results/tile_tone_session26.md).

rotterdam-ms pairs grey-ish photos (rendered from WorldView-2's pan band) with natural-colour tiles
(the multispectral bands). Pan sees into the near infrared, where vegetation is bright, so each
variant writes tiles as one grey band (repeated three times):

    grey = 0.299 R + 0.587 G + 0.114 B + k * gauss(max(0, 2G - R - B), sigma)

k = 0 is plain luminance (ITU-R BT.601 weights, as Pillow's "L"); k > 0 adds a vegetation term
(excess green, Woebbecke et al. 1995), smoothed because the tiles are JPEGs with subsampled chroma.
The variant's queries/, truth.csv, tiles.csv and poses.csv are symlinks to the region's own.
Truth is not read here; `geolocator eval VARIANT --json` scores the copies like the region.

    python training/tile_tone_variants.py data/benchmark/rotterdam-ms /tmp/ms-grey --k 0
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np
from PIL import Image
from scipy import ndimage


def retone(rgb: np.ndarray, k: float, sigma: float) -> np.ndarray:
    """(H, W, 3) uint8 RGB -> (H, W, 3) uint8 grey (the same value in each band)."""
    a = rgb.astype(np.float64)
    r, g, b = a[..., 0], a[..., 1], a[..., 2]
    grey = 0.299 * r + 0.587 * g + 0.114 * b
    if k:
        exg = np.maximum(0.0, 2 * g - r - b)
        grey = grey + k * (ndimage.gaussian_filter(exg, sigma) if sigma else exg)
    return np.repeat(np.clip(grey, 0, 255).astype(np.uint8)[..., None], 3, axis=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("region", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--k", type=float, default=0.0, help="weight of the vegetation term (0: luminance)")
    ap.add_argument("--sigma", type=float, default=4.0, help="Gaussian sigma of the vegetation term, tile pixels")
    args = ap.parse_args()
    (args.out / "tiles").mkdir(parents=True, exist_ok=True)
    for name in ("queries", "truth.csv", "tiles.csv", "poses.csv"):
        src, dst = (args.region / name).resolve(), args.out / name
        if src.exists() and not dst.exists():
            os.symlink(src, dst)
    for tile in sorted((args.region / "tiles").iterdir()):
        rgb = np.asarray(Image.open(tile).convert("RGB"))
        Image.fromarray(retone(rgb, args.k, args.sigma)).save(args.out / "tiles" / tile.name, quality=95)
    print(args.out)


if __name__ == "__main__":
    main()
