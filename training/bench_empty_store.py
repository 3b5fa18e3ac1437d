"""A clipped tile package's empty tiles in the feature store and the large-set faiss index
(emptystore35): store bytes (apparent and on disk), index vectors and bytes, what a search returns,
and the mend of a store written before empty tiles were left out.

Data: alphamap34's benchmark package (training/bench_basemap_tile_alpha.build: the demo mosaic
clipped to a disc, 256 px PNG tiles at zoom 21 in an MBTiles, 420 tiles, 229 of them more than half
transparent). One tile view (rot0), dense_max=1 (the TileIndex route), verify off.

    OMP_NUM_THREADS=2 PYTHONPATH=. .venv/bin/python training/bench_empty_store.py [BACKBONE] [SCRATCH] [mend]

BACKBONE: "tiny" (the tests' 16-d net) or a name Workspace.set_backbone knows ("auto":
EfficientNet-Lite0, 1280-d, a real row size). With "mend" (new code only), the store is first
written as the code before session 34 wrote it (every tile through the model: holds_data patched
to True, no JUDGED mark) and the next Workspace's index() is timed (the mend). Run with PYTHONPATH
pointing at an older checkout (plus this file's folder) to compare.
Record: training/results/emptystore35_session35.md."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path


def _disk(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_size, st.st_blocks * 512


def main(backbone: str, scratch: Path, mend: bool) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench_basemap_tile_alpha import ZOOM, build
    from bench_workspace import opened_workspace
    from PIL import Image

    from geolocator.core.model import Query
    from geolocator.core.pipeline import Settings
    from geolocator.core.sources import registry
    from geolocator.core.tilesets import load_tileset

    package = build(scratch)["png"]
    cache = scratch / f"cache_{backbone}{'_mend' if mend else ''}"
    shutil.rmtree(cache, ignore_errors=True)
    ts = load_tileset(package, zoom=ZOOM)
    lake = scratch / "lake.png"
    Image.new("RGB", (320, 240), (127, 127, 127)).save(lake)

    def workspace():
        return opened_workspace(Settings(cache_dir=cache, tile_views=("rot0",), verify=False, dense_max=1, top_k=20),
                                ts, backbone)

    if mend:
        real = registry.holds_data
        registry.holds_data = lambda fraction: True
        old = workspace()
        old.index()
        root = old.store.root
        del old
        registry.holds_data = real
        (root / "empty-tiles.json").unlink(missing_ok=True)
        print(f"old store written: {root}")
    ws = workspace()
    t0 = time.perf_counter()
    ws.index()
    t_index = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = ws.tile_index()
    t_build = time.perf_counter() - t0
    t0 = time.perf_counter()
    pred = ws.locate([Query("lake.png", lake)])[0]
    t_locate = time.perf_counter() - t0
    empty = getattr(ws, "tile_empty", set())
    shown = [m.tile.id for m in pred.matches]
    empty_ids = {ts.tiles[i].id for i in empty}
    apparent, on_disk = _disk(ws.store.data_path)
    saved = sorted(ws.store.root.glob("index-*.faiss"))
    index_bytes = sum(p.stat().st_size for p in saved[-1:])
    print(f"| {backbone}{' (mend)' if mend else ''} | {len(ts)} | {len(empty)} | {len(ws.store)} | {apparent:,} | "
          f"{on_disk:,} | {index.index.ntotal} | {index_bytes:,} | {len(shown)} | {len(set(shown) & empty_ids)} | "
          f"{t_index:.2f} | {t_build:.2f} | {t_locate:.2f} |")


def scale(n: int = 150_000, empty_share: float = 1 / 3, dim: int = 64, photos: int = 10, m: int = 20) -> None:
    """Synthetic county scale, in memory: n tiles (non-negative unit features, as a GeM-pooled CNN's),
    a third of them zero rows (left out); one photo view, one tile view, flat index. Times a photo
    batch's candidates: as before (an index of every tile, the source asked for m + every left-out
    tile, then filtered) and now (an index without them, candidates.top_without)."""
    import numpy as np

    from geolocator.core.candidates import IndexCandidates, WithoutTiles
    from geolocator.core.model import Bounds, Query, Tile
    from geolocator.core.retrieval import TileIndex

    rng = np.random.default_rng(0)
    features = np.abs(rng.normal(size=(n, 1, dim))).astype(np.float32)
    features /= np.linalg.norm(features, axis=-1, keepdims=True)
    dropped = np.sort(rng.choice(n, int(n * empty_share), replace=False))
    features[dropped] = 0.0
    q = np.abs(rng.normal(size=(photos, 1, dim))).astype(np.float32)
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    queries = [Query(f"p{i}", Path(f"p{i}.jpg")) for i in range(photos)]
    tiles = [Tile(str(i), Path("t"), Bounds(0, 0, 1, 1)) for i in range(2)]  # (no prior reads them)
    rows = []
    for label, skip in (("before: every tile indexed, m + left out asked", None), ("now: left out not indexed", dropped)):
        t0 = time.perf_counter()
        index = TileIndex.build(features, kind="flat", skip=skip)
        built = time.perf_counter() - t0
        source = IndexCandidates(queries, q, features, index, tiles)
        asked: list[int] = []
        real = source.top
        source.top = lambda k: (asked.append(k), real(k))[1]
        t0 = time.perf_counter()
        if skip is None:  # the rule before: one fetch of m + every left-out tile, then filtered
            scores, ids = source.top(m + len(dropped))
            keep = ~np.isin(ids, dropped)
            order = np.argsort(~keep, axis=1, kind="stable")[:, :m]
            ids = np.take_along_axis(ids, order, 1)
        else:
            ids = WithoutTiles(source, dropped, n).top(m)[1]
        searched = time.perf_counter() - t0
        assert not np.isin(ids, dropped).any()
        rows.append(ids)
        print(f"| {label} | {n:,} | {len(dropped):,} | {index.index.ntotal:,} | {index.index.ntotal * dim * 4:,} | "
              f"{built:.2f} | {asked} | {searched:.2f} |")
    print("same candidates:", bool(np.array_equal(rows[0], rows[1])))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "scale":
        scale()
        sys.exit()
    main(sys.argv[1] if len(sys.argv) > 1 else "tiny", Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/emptystore35/bench"),
         len(sys.argv) > 3 and sys.argv[3] == "mend")
