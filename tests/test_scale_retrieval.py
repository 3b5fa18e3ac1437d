"""Retrieval without a photos x tiles matrix: TileIndex (flat/IVF), streamed ranks, large-set locate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geolocator.core.evaluate import rank_metrics
from geolocator.core.retrieval import (MappedFeatures, TileIndex, ap_from_ranks, best_view_scores, count_above,
                                       search, similarity)


def _unit(x):
    return (x / np.linalg.norm(x, axis=-1, keepdims=True)).astype(np.float32)


def test_flat_tile_index_is_exact_and_survives_save_load(tmp_path):
    rng = np.random.default_rng(0)
    tiles, photos = _unit(rng.normal(size=(300, 2, 16))), _unit(rng.normal(size=(7, 8, 16)))
    index = TileIndex.build(tiles.astype(np.float16), kind="auto")
    assert index.kind == "flat"
    scores, ids = index.search(photos, 10)
    np.testing.assert_array_equal(ids, search(photos, tiles.astype(np.float16).astype(np.float32), 10)[1])
    index.save(tmp_path / "i.faiss")
    again = TileIndex.load(tmp_path / "i.faiss")
    np.testing.assert_array_equal(again.search(photos, 10)[1], ids)
    assert TileIndex.load(tmp_path / "missing.faiss") is None


def test_ivf_finds_the_true_neighbours_of_clustered_data():
    rng = np.random.default_rng(1)
    centres = _unit(rng.normal(size=(40, 32)))
    tiles = _unit(centres[rng.integers(0, 40, 4000)] + 0.3 * rng.normal(size=(4000, 32)))[:, None, :]
    photos = _unit(tiles[rng.choice(4000, 50, replace=False), 0] + 0.05 * rng.normal(size=(50, 32)))
    ivf = TileIndex.build(tiles, kind="ivf", nlist=64, nprobe=16, train_size=4000)
    exact = search(photos, tiles, 10)[1]
    got = ivf.search(photos, 10)[1]
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, got)])
    assert ivf.kind == "ivf" and recall >= 0.9
    assert (got[:, 0] == exact[:, 0]).mean() >= 0.95


def test_streamed_ranks_give_the_dense_metrics():
    rng = np.random.default_rng(2)
    tiles, photos = _unit(rng.normal(size=(500, 1, 24))), _unit(rng.normal(size=(12, 4, 24)))
    sim = similarity(photos, tiles)
    positives = [rng.choice(500, size=rng.integers(1, 4), replace=False) for _ in photos]
    for qi, pos in enumerate(positives):
        thr = best_view_scores(photos[qi : qi + 1], tiles, pos[None, :])
        np.testing.assert_allclose(thr[0], sim[qi, pos], rtol=1e-5, atol=1e-6)
        ranks = 1 + count_above(photos[qi : qi + 1], tiles, thr, chunk=37)[0]
        mask = np.zeros(500, bool)
        mask[pos] = True
        dense_recall, dense_ap = rank_metrics(sim[qi], mask)
        recall, ap = ap_from_ranks(ranks)
        assert recall == dense_recall and ap == pytest.approx(dense_ap)
    assert ap_from_ranks(np.array([], np.int64)) == ({1: 0.0, 5: 0.0, 10: 0.0}, 0.0)


def test_mapped_features_transform_only_the_rows_asked_for():
    x = np.arange(24, dtype=np.float32).reshape(3, 2, 4)
    seen = []

    def fn(rows):
        seen.append(len(rows))
        return rows[..., :2] * 2

    m = MappedFeatures(x, fn)
    assert m.shape == (3, 2, 2) and len(m) == 3
    np.testing.assert_array_equal(m[1:3], x[1:3, :, :2] * 2)
    assert seen == [1, 2]


@pytest.mark.parametrize("verify", [False, True])
def test_large_set_locate_matches_the_dense_path(tmp_path, verify, monkeypatch):
    """The same workspace with dense_max=0 takes the TileIndex route: same answers, same metrics;
    evaluation streams the store once for all photos (one count_above call, not one per photo)."""
    import geolocator.core.retrieval as retrieval
    from tests.test_extract import _img, tiny_backbone

    passes = []
    real_count_above = retrieval.count_above
    monkeypatch.setattr(retrieval, "count_above", lambda *a, **k: passes.append(1) or real_count_above(*a, **k))
    from geolocator.core.model import Bounds, LatLon, Query, Tile, TileSet
    from geolocator.core.pipeline import Settings, Workspace

    bb = tiny_backbone()
    folder = tmp_path / "t"
    folder.mkdir()
    tiles = []
    for i in range(24):
        _img(i, (64, 64)).save(folder / f"t{i}.png")
        tiles.append(Tile(f"t{i}", folder / f"t{i}.png", Bounds(i * 0.01, 0, (i + 1) * 0.01, 0.01)))
    queries = []
    for j, i in enumerate([2, 5, 11, 17, 23]):
        _img(i, (72, 54)).rotate(90 * j, expand=True).save(folder / f"q{j}.jpg")
        queries.append(Query(f"q{j}", folder / f"q{j}.jpg", truth=LatLon(0.005, i * 0.01 + 0.005)))
    results = {}
    for dense_max in (10**9, 0):
        # SIFT: these synthetic tiles read ~17 px across, so "auto" would verify with xfeat (+4-7 s here)
        ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=verify, dense_max=dense_max, top_k=5,
                                verify_candidates=6, matcher="sift"))
        ws.set_backbone("tiny", loaded=bb)
        ws.open_tiles(TileSet(tuple(tiles), folder))
        preds = ws.locate(queries)
        ev = ws.evaluate()
        results[dense_max] = ([[m.tile.id for m in p.matches] for p in preds], (ev.r1, ev.r5, ev.ap), ws.last)
    dense, large = results[10**9], results[0]
    assert large[2].similarity is None and dense[2].similarity is not None
    assert large[0] == dense[0]
    assert large[1] == pytest.approx(dense[1])
    assert len(passes) == 1


def test_adaptation_pool_holds_candidates_and_anchors(tmp_path):
    from geolocator.core.pipeline import Settings, Workspace

    rng = np.random.default_rng(4)
    tiles, photos = _unit(rng.normal(size=(500, 1, 16))), _unit(rng.normal(size=(6, 8, 16)))
    anchors = np.array([-1, 17, -1, 499, 3, -1])
    ws = Workspace(Settings(adapt_max_tiles=60, verify_candidates=5))
    pool, pool_anchors = ws._adaptation_pool(photos, tiles, anchors, 0, None, None)
    assert len(pool) == 60 and len(np.unique(pool)) == 60 and (np.diff(pool) > 0).all()
    candidates = search(photos, tiles, 5)[1]
    assert set(candidates.ravel()) <= set(pool.tolist())
    np.testing.assert_array_equal(np.where(anchors >= 0, pool[np.maximum(pool_anchors, 0)], -1), anchors)
    assert ws._adaptation_pool(photos, tiles[:50], None, 0, None, None) == (None, None)  # small: every tile


def test_geometric_labels_sample_photos_above_the_limit(monkeypatch):
    """No hard stop: above GeometrySettings.max_photos an evenly spaced sample is labelled."""
    from geolocator.core.adapt import geometric
    from geolocator.core.adapt.geometric import GeoLabel
    from geolocator.core.pipeline import Settings, Workspace

    import functools

    monkeypatch.setattr(geometric, "GeometrySettings", functools.partial(geometric.GeometrySettings, max_photos=10))
    seen = []
    ws = Workspace(Settings(matcher="sift"))  # "auto" would need a tile set to measure

    def fake_labels(queries, query_features, tile_features, **kw):
        seen.append(list(queries))
        return [GeoLabel(tile=int(q), inliers=30) for q in queries]

    monkeypatch.setattr(ws, "geometric_labels", fake_labels)
    photos = list(range(35))
    anchors, summary = ws._geometric_anchors(photos, np.zeros((35, 1, 4)), np.zeros((3, 1, 4)), None, None)
    assert summary["used"] and summary["sampled_photos"] == 10 and len(seen[0]) == 10
    assert seen[0][0] == 0 and seen[0][-1] == 34
    assert (anchors >= 0).sum() == 10 and all(anchors[i] == i for i in seen[0])


@pytest.mark.parametrize("dense_max", [10**9, 0])
def test_adapt_searches_the_frozen_candidates_once(tmp_path, monkeypatch, dense_max):
    """The geometric labels and the tile pool come from one frozen candidate search (it ran twice
    per adapt), in the dense layout and through the TileIndex; both get the same candidates."""
    import geolocator.core.adapt as adapt_package
    import geolocator.core.retrieval as retrieval
    from geolocator.core.adapt import geometric
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_region
    from tests.flight_helpers import DEMO
    from tests.test_extract import tiny_backbone

    searches, labelled = [], []
    dense_search, index_search = retrieval.search, retrieval.TileIndex.search
    monkeypatch.setattr(retrieval, "search", lambda *a, **k: searches.append("dense") or dense_search(*a, **k))
    monkeypatch.setattr(retrieval.TileIndex, "search", lambda self, *a, **k: searches.append("index") or index_search(self, *a, **k))
    monkeypatch.setattr(geometric, "geometric_labels",
                        lambda queries, tiles, candidates, *a, **k: labelled.append(candidates) or [None] * len(queries))

    class Saved:  # the training itself is not under test here
        def save(self, path, card):
            self.card = card

    trained = []
    monkeypatch.setattr(adapt_package, "adapt", lambda tiles, *a, **k: trained.append(len(tiles)) or Saved())
    region = load_region(DEMO)
    ws = Workspace(Settings(cache_dir=tmp_path / "f", adapt_max_tiles=10, verify_candidates=3, dense_max=dense_max))
    ws._backbone = tiny_backbone()
    ws.open_tiles(region.tiles)
    ws.adapt(region.queries[:4], geometric=True, save_to=tmp_path / "a.safetensors")
    assert searches == ["dense" if dense_max else "index"]
    assert labelled[0].shape == (4, 3) and trained == [10]  # the labels and the 10-tile pool were served


def test_an_ivf_search_that_finds_too_few_tiles_never_hands_on_a_minus_one():
    """IVF probes a few lists; where they hold fewer tiles than asked, faiss returns -1 ids. Each
    candidate must be a real tile (a -1 would be verified and shown as the last tile), scored
    exactly, best first."""
    from geolocator.core.candidates import IndexCandidates
    from geolocator.core.model import Query

    rng = np.random.default_rng(3)
    a, b = _unit(rng.normal(size=32)), _unit(rng.normal(size=32))
    # two tight clusters of 20 tiles each, 2 lists, 1 probed: the photo's list holds 20 tiles
    tiles = _unit(np.concatenate([a + 0.01 * rng.normal(size=(20, 32)), b + 0.01 * rng.normal(size=(20, 32))]))
    tiles = tiles[:, None, :].astype(np.float32)
    index = TileIndex.build(tiles, kind="ivf", nlist=2, nprobe=1, train_size=40)
    photo = _unit(a + 0.01 * rng.normal(size=32))[None, None, :]
    assert (index.search(photo, 30)[1] < 0).any()  # the condition this test is about
    source = IndexCandidates([Query("p.jpg", Path("p.jpg"))], photo, tiles, index, tiles=[None] * 40)
    scores, ids = source.top(30)
    assert (ids >= 0).all() and len(set(ids[0].tolist())) == 30
    assert set(range(20)) <= set(ids[0].tolist())  # the photo's own cluster, all of it
    np.testing.assert_allclose(scores[0], (tiles[ids[0], 0] @ photo[0, 0]), rtol=1e-5)
    assert (np.diff(scores[0]) <= 1e-6).all()  # best first
