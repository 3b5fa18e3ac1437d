"""Which tiles of each region show pixel replication (route.replication_period), as verification
decodes them (sources.tile_image.open_tile_image at VerifySettings.max_side). Used to show which
regions the second look at smoothed tiles (VerifySettings.deblock) can touch at all
(training/results/deblock.md).

  PYTHONPATH=. python training/scan_replication.py resources/demo data/benchmark/*
"""

from __future__ import annotations

import sys

import numpy as np

from geolocator.core.queries import load_region
from geolocator.core.rerank import VerifySettings
from geolocator.core.route import replication_period
from geolocator.core.sources.tile_image import open_tile_image


def main(regions: list[str]) -> None:
    side = VerifySettings().max_side
    for region in regions:
        tiles = load_region(region).tiles.tiles
        replicated = sum(replication_period(np.asarray(open_tile_image(t, min_side=side).convert("L"), np.float64))
                         is not None for t in tiles)
        print(f"{region}: {len(tiles)} tiles, replicated: {replicated}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
