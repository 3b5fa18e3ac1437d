"""The large-set faiss index (retrieval.TileIndex, above Settings.dense_max) holds no tile left out of
the search (a package's empty tiles, unreadable ones: zero rows). It held them all: memory for
nothing (a county package a third empty), and in an IVF index every zero vector in one list that
each photo probing it scanned (emptystore35)."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.retrieval import TileIndex, best_view_scores, search
from geolocator.core.tilesets import load_tileset

from .test_map_tile_alpha import ZOOM, clipped  # noqa: F401 - the clipped disc as a folder and packages
from .test_package_empty_tiles import _data_fraction


def _unit(x):
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_an_index_without_the_skipped_tiles_finds_the_others_as_a_search_of_them(tmp_path, kind):
    rng = np.random.default_rng(1)
    n, v, d = 400, 2, 16
    features = _unit(rng.normal(size=(n, v, d)))
    skip = np.sort(rng.choice(n, 150, replace=False))
    features[skip] = 0.0
    kept = np.setdiff1d(np.arange(n), skip)
    queries = _unit(rng.normal(size=(5, 3, d)))
    index = TileIndex.build(features, kind=kind, skip=skip, nlist=4, nprobe=4)  # (IVF: every list probed)
    assert index.index.ntotal == len(kept) * v and index.searchable == len(kept) and index.n_tiles == n
    scores, ids = index.search(queries, 20)
    want_scores, want = search(queries, features[kept], 20)
    assert not np.isin(ids, skip).any() and (ids >= 0).all()
    if kind == "flat":
        assert np.array_equal(ids, kept[want])
    # (IVF's float16 vectors may swap near ties: the tiles found score as the best ones do)
    assert np.allclose(best_view_scores(queries, features, ids), want_scores, atol=2e-3)
    assert index.search(queries, n)[1].shape == (5, len(kept))  # at most the tiles it holds
    index.save(tmp_path / "i.faiss")
    again = TileIndex.load(tmp_path / "i.faiss")
    assert np.array_equal(again.ids, kept) and np.array_equal(again.search(queries, 20)[1], ids)
    assert TileIndex.build(features, kind=kind, nlist=4).index.ntotal == n * v  # (no skip: every tile)


@pytest.mark.parametrize("heading", [False, True])  # (the heading prior searches the index's single views)
def test_the_workspaces_index_holds_no_empty_package_tile(clipped, tmp_path, monkeypatch, heading):  # noqa: F811
    from geolocator.core.candidates import IndexCandidates
    from geolocator.core.model import PhotoMeta, Query
    from geolocator.core.pipeline import Settings, Workspace
    from PIL import Image

    from .test_extract import tiny_backbone

    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    empty = {i for i, t in enumerate(package.tiles) if _data_fraction(t) < 0.5}

    def workspace():
        ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0", "rot90"),
                                dense_max=1, top_k=len(package), heading_prior=heading))
        ws.set_backbone("tiny", loaded=tiny_backbone())
        ws.open_tiles(package)
        return ws

    ws = workspace()
    ws.index()
    assert ws.tile_empty == empty
    index = ws.tile_index()
    assert index.index.ntotal == (len(package) - len(empty)) * 2  # before: every tile's two views
    Image.new("RGB", (320, 240), (127, 127, 127)).save(tmp_path / "lake.png")
    photo = Query("lake.png", tmp_path / "lake.png", meta=PhotoMeta(gimbal_yaw_deg=10.0, flight_yaw_deg=10.0))
    pools: list = []
    real = IndexCandidates._view_pool
    monkeypatch.setattr(IndexCandidates, "_view_pool", lambda self, *a: pools.append(real(self, *a)) or pools[-1])
    shown = {m.tile.id for m in ws.locate([photo])[0].matches}
    assert bool(pools) == heading and not any(np.isin(p, sorted(empty)).any() for p in pools)
    assert len(shown) == len(package) - len(empty) and not shown & {package.tiles[i].id for i in empty}
    # the saved index is read again as it is; one saved holding every tile (before) is built again
    again = workspace()
    again.index()
    assert np.array_equal(again.tile_index().ids, index.ids)
    saved = next(again.store.root.glob("index-*.faiss"))
    TileIndex.build(again.index()).save(saved)
    third = workspace()
    third.index()
    assert third.tile_index().index.ntotal == (len(package) - len(empty)) * 2
