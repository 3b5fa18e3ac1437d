"""Indexing a clipped tile package (emptytiles34): what leaving out its tiles more than half
transparent saves. Uses alphamap34's data (training/bench_basemap_tile_alpha.build: the demo mosaic
clipped to a disc, 256 px PNG tiles at zoom 21 in an MBTiles, ~440 tiles), then times, in this
process, Workspace.index on a fresh cache (every tile decoded; the model runs on those with data)
and again on a second Workspace over the same cache (the store's rows reused), and reports the
tiles searched, the tiles left out, the store's rows and bytes on disk.

    OMP_NUM_THREADS=2 PYTHONPATH=. .venv/bin/python training/bench_package_empty_tiles.py [BACKBONE] [SCRATCH]

BACKBONE: "tiny" (default: the tests' 16-d net, so mostly the decoding is timed) or a name
Workspace.set_backbone knows ("auto": EfficientNet-Lite0 on this machine) to see the model's share. Run with PYTHONPATH pointing at an
older checkout (plus this file's folder) to compare. Record: training/results/emptytiles34_session34.md."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def main(backbone: str, scratch: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_basemap_tile_alpha import ZOOM, build
    from bench_workspace import opened_workspace

    from geolocator.core.pipeline import Settings
    from geolocator.core.tilesets import load_tileset

    package = build(scratch)["png"]
    cache = scratch / f"cache_{backbone}"
    shutil.rmtree(cache, ignore_errors=True)
    ts = load_tileset(package, zoom=ZOOM)

    def workspace():
        return opened_workspace(Settings(cache_dir=cache, tile_views=("rot0",), verify=False), ts, backbone)

    times = []
    for _ in range(2):
        ws = workspace()
        ws.backbone  # noqa: B018 - loaded before the clock starts
        t0 = time.perf_counter()
        features = ws.index()
        times.append(time.perf_counter() - t0)
    empty = len(getattr(ws, "tile_empty", ()))
    left_out = empty + len(ws.tile_failures)
    store = ws.store
    print(f"| {backbone} | {len(ts)} | {len(ts) - left_out} | {empty} | {times[0]:.2f} | {times[1]:.2f} | "
          f"{len(store)} | {_size(store.root):,} | {features.shape} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tiny", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/emptytiles34/bench"))
