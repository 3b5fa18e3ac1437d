"""What `--matcher auto` reads on each region: effective pixels across a tile (core/route.py) and
the route chosen, with the spread over the sampled tiles and the cost (training/results/auto_route.md).

    OMP_NUM_THREADS=1 PYTHONPATH=. python training/route_detail_table.py resources/demo data/benchmark/*

Reads only tiles (tiles.csv and the images), as the route does.
"""

from __future__ import annotations

import sys
import time

import numpy as np


def main(paths: list[str]) -> None:
    from geolocator.core import route
    from geolocator.core.tilesets import load_tileset

    print("| region | tiles | sampled | side px | factor (median) | px across (median) | p10 | p90 | min | max "
          "| route | CPU s | wall s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for path in paths:
        tiles = load_tileset(path).tiles
        per_tile: list[float] = []
        real = route.effective_factor

        def spy(a, _real=real):
            f = _real(a)
            if f is not None:
                per_tile.append(min(a.shape) / f)
            return f

        route.effective_factor = spy
        wall, cpu = time.perf_counter(), time.process_time()
        chosen = route.choose_route(tiles)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        route.effective_factor = real
        d, px = chosen.detail, np.array(per_tile)
        name = f"{chosen.matcher}{' + mosaic ' + str(chosen.mosaic) if chosen.mosaic else ''}"
        print(f"| {path} | {len(tiles)} | {d.sampled} | {d.side_px} | {d.factor:.2f} | **{d.pixels_across:.1f}** | "
              f"{np.percentile(px, 10):.1f} | {np.percentile(px, 90):.1f} | {px.min():.1f} | {px.max():.1f} | {name} | "
              f"{cpu:.2f} | {wall:.2f} |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
