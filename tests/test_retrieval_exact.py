"""Exact answers of core/retrieval.py on tiny arrays whose nearest neighbours, scores and ranks are
worked out by hand (written for the survivors of session 7's mutation run of retrieval.py).
No backbone runs; faiss indexes hold a few vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from geolocator.core import retrieval
from geolocator.core.errors import Cancelled
from geolocator.core.progress import CancelToken
from geolocator.core.retrieval import (
    CENTRE_MIN_PHOTOS,
    FLAT_MAX,
    MappedFeatures,
    TileIndex,
    _rows_float32,
    ap_from_ranks,
    best_view_scores,
    centre_photo_views,
    count_above,
    merge_views,
    search,
    search_reverse,
    similarity,
    top_k,
)

S = np.float32(np.sqrt(0.5))  # 0.70710677


# -- centre_photo_views ------------------------------------------------------------------------------


def test_centre_min_photos_is_eight():
    assert CENTRE_MIN_PHOTOS == 8


def test_two_photos_are_centred_per_view_and_normalised():
    # view 0: [1,0] and [0,1], mean [.5,.5] -> [.5,-.5], [-.5,.5] -> +-[s,-s]
    # view 1: [2,0] and [0,0], mean [1,0] -> [1,0], [-1,0] (already unit length)
    x = np.array([[[1, 0], [2, 0]], [[0, 1], [0, 0]]], np.float64)
    out = centre_photo_views(x, min_photos=2)
    assert out.dtype == np.float32 and out.shape == (2, 2, 2)
    np.testing.assert_allclose(out[0, 0], [S, -S], atol=1e-7)
    np.testing.assert_allclose(out[1, 0], [-S, S], atol=1e-7)
    np.testing.assert_allclose(out[0, 1], [1, 0], atol=1e-7)
    np.testing.assert_allclose(out[1, 1], [-1, 0], atol=1e-7)


def test_identical_photos_centre_to_zeros_not_nan():
    x = np.ones((3, 1, 2), np.float32)
    out = centre_photo_views(x, min_photos=3)
    assert np.array_equal(out, np.zeros((3, 1, 2), np.float32))


def test_zero_rows_are_written_as_zeros_every_time():
    # rows with zero norm after centring are set to 0 explicitly (not left as whatever memory held),
    # and no "where without out" warning is raised
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for seed in range(60):
            row = np.random.default_rng(seed).integers(-8, 8, size=(1, 1, 2)) / 4  # exact float32 means
            assert np.array_equal(centre_photo_views(np.repeat(row, 3, axis=0), min_photos=3), np.zeros((3, 1, 2), np.float32))


def test_one_photo_centres_when_min_photos_is_zero_or_one():
    # max(1, min_photos): one photo minus its own mean is zero
    x = np.array([[[3.0, 4.0]]])
    for m in (0, 1):
        assert np.array_equal(centre_photo_views(x, min_photos=m), np.zeros((1, 1, 2), np.float32))


def test_below_min_photos_or_not_three_dimensional_is_returned_unchanged_as_float32():
    x = np.arange(7 * 1 * 2, dtype=np.int64).reshape(7, 1, 2)
    out = centre_photo_views(x)  # default 8
    assert out.dtype == np.float32 and np.array_equal(out, x.astype(np.float32))
    x8 = np.zeros((8, 1, 2))
    x8[0, 0] = [8.0, 0.0]  # mean [1, 0]: photo 0 -> [7, 0] -> [1, 0]; the others -> [-1, 0]
    out8 = centre_photo_views(x8)
    np.testing.assert_allclose(out8[:, 0, 0], [1] + [-1] * 7, atol=1e-7)
    flat = np.array([[3.0, 4.0], [1.0, 0.0]])
    out2 = centre_photo_views(flat, min_photos=1)
    assert out2.dtype == np.float32 and np.array_equal(out2, flat.astype(np.float32))
    # min_photos given as a float is read as an int: 2.9 -> 2, so two photos are centred
    two = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    np.testing.assert_allclose(centre_photo_views(two, min_photos=2.9)[0, 0], [S, -S], atol=1e-7)


# -- similarity / top_k / merge_views ----------------------------------------------------------------


def test_similarity_is_the_max_over_both_sides_views():
    q = np.array([[[1, 0, 0], [0, 1, 0]]], np.float32)  # one photo, two views
    g = np.array([[[0, 0, 1], [0, S, S]], [[-1, 0, 0], [0, 0, -1]]], np.float32)
    out = similarity(q, g)
    assert out.dtype == np.float32 and out.shape == (1, 2)
    np.testing.assert_allclose(out, [[S, 0.0]], atol=1e-7)


def test_top_k_ties_go_to_the_lower_index_and_k_is_clipped():
    sim = np.array([[0.5, 0.9, 0.5, 0.1]], np.float32)
    scores, ids = top_k(sim, 10)
    assert ids.tolist() == [[1, 0, 2, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.5, 0.5, 0.1]])


def test_merge_views_keeps_each_tiles_best_and_pads_with_minus_one():
    # one photo, two query views; tile views 2: vector ids 0,1 -> tile 0; 2,3 -> tile 1; 4,5 -> tile 2
    fs = np.array([[0.9, 0.2, 0.1], [0.8, 0.95, 0.0]], np.float32)
    fi = np.array([[1, 2, -1], [5, 0, -1]], np.int64)
    scores, ids = merge_views(fs, fi, 1, 2, 2, 5)
    assert ids.tolist() == [[0, 2, 1, -1, -1]]
    np.testing.assert_allclose(scores[0, :3], [0.95, 0.8, 0.2])
    assert np.all(np.isneginf(scores[0, 3:])) and scores.dtype == np.float32 and ids.dtype == np.int64


# -- exact search on three tiles --------------------------------------------------------------------

TILES = np.array([
    [[1, 0, 0], [0, 1, 0]],   # tile 0
    [[0, 0, 1], [S, S, 0]],   # tile 1
    [[-1, 0, 0], [0, 0, -1]],  # tile 2
], np.float32)
PHOTO = np.array([[[S, S, 0], [0, 0, 1]], [[-1, 0, 0], [0, -1, 0]]], np.float32)
# photo 0: tile 0 -> max(s, s, 0, 0) = s; tile 1 -> max(0, 1, 1, 0) = 1; tile 2 -> max(-s, 0, 0, -1) = 0
# photo 1: tile 0 -> max(-1, 0, 0, -1) = 0; tile 1 -> max(0, -s, 0, -s) = 0; tile 2 -> max(1, 0, 0, 0) = 1
EXPECTED = np.array([[S, 1.0, 0.0], [0.0, 0.0, 1.0]], np.float32)


def test_similarity_of_the_three_tiles():
    np.testing.assert_allclose(similarity(PHOTO, TILES), EXPECTED, atol=1e-6)


@pytest.mark.parametrize("k", [1, 2, 3, 7])
def test_search_finds_the_hand_worked_order(k):
    scores, ids = search(PHOTO, TILES, k)
    kk = min(k, 3)
    assert scores.shape == (2, kk) and ids.shape == (2, kk)
    assert ids[0].tolist() == [1, 0, 2][:kk]
    assert ids[1].tolist() == [2, 0, 1][:kk]  # tiles 0 and 1 tie at 0: lower index first
    np.testing.assert_allclose(scores[0], [1.0, S, 0.0][:kk], atol=1e-6)
    np.testing.assert_allclose(scores[1], [1.0, 0.0, 0.0][:kk], atol=1e-6)


def test_search_with_no_photos_or_k_zero_gives_empty_arrays():
    s, i = search(np.zeros((0, 3), np.float32), TILES, 2)
    assert s.shape == (0, 2) and i.shape == (0, 2) and s.dtype == np.float32 and i.dtype == np.int64
    s, i = search(PHOTO, TILES, 0)
    assert s.shape == (2, 0) and i.shape == (2, 0)


def test_search_reverse_on_single_view_photos():
    drones = np.array([[1, 0, 0], [0, 0, 1], [S, S, 0]], np.float32)
    # tile 0 views [1,0,0],[0,1,0]: drone 0 -> 1, drone 1 -> 0, drone 2 -> s
    scores, ids = search_reverse(drones, TILES, 2)
    assert ids[0].tolist() == [0, 2]
    np.testing.assert_allclose(scores[0], [1.0, S], atol=1e-6)
    # tile 2 views [-1,0,0],[0,0,-1]: drone 0 -> 0, drone 1 -> 0, drone 2 -> 0 (its best view): all tie
    assert ids[2].tolist() == [0, 1]
    s, i = search_reverse(drones, TILES[:0], 2)
    assert s.shape == (0, 2) and i.dtype == np.int64 and s.dtype == np.float32


# -- TileIndex -------------------------------------------------------------------------------------


def test_flat_max_is_two_hundred_thousand_vectors():
    assert FLAT_MAX == 200_000


def test_a_flat_index_finds_the_hand_worked_order_and_counts_its_vectors():
    index = TileIndex.build(TILES)
    assert index.kind == "flat" and index.n_tiles == 3 and index.views == 2 and index.index.ntotal == 6
    scores, ids = index.search(PHOTO, 2)
    assert ids.tolist() == [[1, 0], [2, 0]]
    np.testing.assert_allclose(scores, [[1.0, S], [1.0, 0.0]], atol=1e-6)
    scores, ids = index.search(PHOTO, 9)  # k clipped to the 3 tiles
    assert ids.tolist() == [[1, 0, 2], [2, 0, 1]]
    s, i = index.search(PHOTO[:0], 2)
    assert s.shape == (0, 2) and i.shape == (0, 2) and s.dtype == np.float32 and i.dtype == np.int64
    s, i = index.search(PHOTO, 0)
    assert s.shape == (2, 0) and i.shape == (2, 0)


def test_a_single_view_photo_searches_a_two_view_index():
    index = TileIndex.build(TILES, kind="flat")
    scores, ids = index.search(np.array([[0, 0, -1]], np.float32), 3)  # only tile 2's view 1 equals it
    assert ids.tolist() == [[2, 0, 1]]
    np.testing.assert_allclose(scores, [[1.0, 0.0, 0.0]], atol=1e-6)


def test_the_add_loop_reports_each_chunk_and_stops_when_cancelled():
    events = []
    index = TileIndex.build(TILES, kind="flat", chunk=4, progress=events.append)  # 4 // 2 views = 2 tiles a chunk
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("index:add", 2, 3, "2/3 tiles"), ("index:add", 3, 3, "3/3 tiles")]
    assert index.index.ntotal == 6
    events.clear()
    TileIndex.build(TILES, kind="flat", chunk=1, progress=events.append)  # chunk < views: one tile a chunk
    assert [e.step for e in events] == [1, 2, 3]
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        TileIndex.build(TILES, kind="flat", cancel=token)


def test_unknown_kind_is_refused_by_name():
    with pytest.raises(ValueError, match=r"unknown index kind 'hnsw' \(auto, flat, ivf\)"):
        TileIndex.build(TILES, kind="hnsw")


def _unit_rows(n: int, v: int, d: int, seed: int) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, v, d)).astype(np.float32)
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def test_auto_picks_ivf_above_flat_max(monkeypatch):
    import faiss

    monkeypatch.setattr(retrieval, "FLAT_MAX", 6)
    assert TileIndex.build(TILES).kind == "flat"  # 6 vectors: not above
    feats = _unit_rows(40, 2, 8, 0)  # 80 vectors -> nlist int(sqrt(80) / 2) = 4, nprobe max(1, 4 // 16) = 1
    events = []
    index = TileIndex.build(feats, progress=events.append)
    assert index.kind == "ivf" and index.index.ntotal == 80
    ivf = faiss.extract_index_ivf(index.index)
    assert ivf.nlist == 4 and ivf.nprobe == 1 and ivf.metric_type == faiss.METRIC_INNER_PRODUCT
    # train_size min(100000, 64 * 4) = 256 -> min(40, 256 // 2) = 40 tiles -> 80 vectors
    assert (events[0].stage, events[0].step, events[0].total, events[0].message) == (
        "index:train", 0, 1, "training 4 IVF lists on 80 vectors")


def test_ivf_settings_and_an_exhaustive_probe_equal_exact_search():
    import faiss

    feats = _unit_rows(300, 2, 8, 1)  # 600 vectors: nlist int(sqrt(600) / 2) = 12 by default
    events = []
    index = TileIndex.build(feats, kind="ivf", chunk=128, progress=events.append)
    ivf = faiss.downcast_index(index.index)
    assert isinstance(ivf, faiss.IndexIVFScalarQuantizer)
    assert ivf.nlist == 12 and ivf.nprobe == 1 and ivf.cp.niter == 10
    assert ivf.sq.qtype == faiss.ScalarQuantizer.QT_fp16 and ivf.metric_type == faiss.METRIC_INNER_PRODUCT
    # train_size min(100000, 64 * 12) = 768 -> min(300, 384) = 300 tiles -> 600 vectors
    assert events[0].message == "training 12 IVF lists on 600 vectors"
    assert [e.step for e in events[1:]] == [64, 128, 192, 256, 300]  # chunk 128 // 2 views = 64 tiles
    index2 = TileIndex.build(feats, kind="ivf", nlist=5, nprobe=5)
    ivf2 = faiss.downcast_index(index2.index)
    assert ivf2.nlist == 5 and ivf2.nprobe == 5
    q = _unit_rows(4, 1, 8, 2)[:, 0]
    scores, ids = index2.search(q, 5)
    exact_scores, exact = search(q, feats, 5)
    # every list probed: only fp16 rounding differs (it may swap near-ties)
    assert [sorted(r) for r in ids.tolist()] == [sorted(r) for r in exact.tolist()]
    np.testing.assert_allclose(scores, exact_scores, atol=2e-3)
    # a small training set: train_size 30 -> min(300, 30 // 2) = 15 tiles -> 30 vectors
    events.clear()
    TileIndex.build(feats, kind="ivf", nlist=1, train_size=30, progress=events.append)
    assert events[0].message == "training 1 IVF lists on 30 vectors"
    events.clear()
    TileIndex.build(feats, kind="ivf", nlist=1, train_size=1, progress=events.append)  # at least one tile
    assert events[0].message == "training 1 IVF lists on 2 vectors"


def test_ivf_nprobe_is_a_sixteenth_of_the_lists():
    import faiss

    feats = _unit_rows(300, 2, 8, 3)
    ivf = faiss.downcast_index(TileIndex.build(feats, kind="ivf", nlist=32).index)
    assert ivf.nlist == 32 and ivf.nprobe == 2
    ivf = faiss.downcast_index(TileIndex.build(feats, kind="ivf", nlist=48).index)
    assert ivf.nprobe == 3


def test_the_default_ivf_sample_is_drawn_with_seed_zero():
    events0, events_default = [], []
    feats = _unit_rows(300, 2, 8, 4)
    a = TileIndex.build(feats, kind="ivf", nlist=2, train_size=64, progress=events_default.append)
    b = TileIndex.build(feats, kind="ivf", nlist=2, train_size=64, seed=0, progress=events0.append)
    q = _unit_rows(6, 1, 8, 5)[:, 0]
    assert np.array_equal(a.search(q, 7)[1], b.search(q, 7)[1])


class _Stop(Exception):
    pass


def _recording_ivf(monkeypatch, samples, stop=False):
    """faiss.IndexIVFScalarQuantizer whose train records the sample it is given (and, with stop,
    raises _Stop instead of training)."""
    import faiss

    class Recording(faiss.IndexIVFScalarQuantizer):
        def train(self, x):
            samples.append(np.array(x, copy=True))
            if stop:
                raise _Stop
            return super().train(x)

    monkeypatch.setattr(faiss, "IndexIVFScalarQuantizer", Recording)


def test_the_ivf_sample_is_distinct_float32_tiles_in_order(monkeypatch):
    samples = []
    _recording_ivf(monkeypatch, samples)
    feats = np.arange(50 * 2 * 4, dtype=np.float64).reshape(50, 2, 4)  # every row distinct
    TileIndex.build(feats, kind="ivf", nlist=1)  # train_size 64: 32 tiles of the 50, without repeats
    s = samples[-1]
    assert s.dtype == np.float32 and s.shape == (64, 4)
    tiles = s[::2, 0] // 8  # row 2t of the sample is tile t's view 0, whose first value is 8t
    assert len(set(tiles.tolist())) == 32 and np.all(np.diff(tiles) > 0)
    assert np.array_equal(s, feats[tiles.astype(int)].reshape(-1, 4))
    TileIndex.build(feats, kind="ivf", nlist=2, train_size=100)  # min(100, 128) // 2 = 50: every tile, once each
    assert np.array_equal(samples[-1], feats.reshape(-1, 4).astype(np.float32))


def test_ivf_lists_for_tiny_sets_and_the_training_share(monkeypatch):
    import faiss

    # 3 vectors: sqrt(3) / 2 = 0.87 -> at least one list
    ivf = faiss.downcast_index(TileIndex.build(_unit_rows(3, 1, 4, 6), kind="ivf").index)
    assert ivf.nlist == 1
    ivf = faiss.downcast_index(TileIndex.build(_unit_rows(15, 1, 4, 6), kind="ivf").index)  # sqrt(15) / 2 = 1.94
    assert ivf.nlist == 1
    ivf = faiss.downcast_index(TileIndex.build(_unit_rows(16, 1, 4, 6), kind="ivf").index)  # 2.0
    assert ivf.nlist == 2
    samples = []
    _recording_ivf(monkeypatch, samples, stop=True)
    # train_size min(100000, 64 * 2) = 128 -> 64 tiles of 2 views
    with pytest.raises(_Stop):
        TileIndex.build(_unit_rows(300, 2, 4, 7), kind="ivf", nlist=2)
    assert samples[-1].shape == (128, 4)
    # at most 100000 by default: 1600 lists would want 102400
    with pytest.raises(_Stop):
        TileIndex.build(np.zeros((100_001, 1, 1), np.float32), kind="ivf", nlist=1600)
    assert samples[-1].shape == (100_000, 1)


def test_tiles_are_added_32768_vectors_a_chunk_by_default():
    events = []
    TileIndex.build(np.zeros((32_769, 1, 2), np.float32), kind="flat", progress=events.append)
    assert [e.step for e in events] == [32_768, 32_769]


def test_save_and_load_round_trip(tmp_path):
    index = TileIndex.build(TILES)
    path = tmp_path / "tiles.faiss"
    index.save(path)
    assert json.loads((tmp_path / "tiles.json").read_text()) == {"n_tiles": 3, "views": 2, "kind": "flat"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiles.faiss", "tiles.json"]  # no .tmp left
    loaded = TileIndex.load(path)
    assert (loaded.n_tiles, loaded.views, loaded.kind, loaded.index.ntotal) == (3, 2, "flat", 6)
    assert loaded.search(PHOTO, 3)[1].tolist() == [[1, 0, 2], [2, 0, 1]]


def test_load_of_a_missing_or_damaged_index_is_none(tmp_path):
    assert TileIndex.load(tmp_path / "none.faiss") is None
    TileIndex.build(TILES).save(tmp_path / "a.faiss")
    (tmp_path / "a.json").write_text("{not json")
    assert TileIndex.load(tmp_path / "a.faiss") is None
    TileIndex.build(TILES).save(tmp_path / "b.faiss")
    (tmp_path / "b.faiss").write_bytes(b"garbage")
    assert TileIndex.load(tmp_path / "b.faiss") is None
    TileIndex.build(TILES).save(tmp_path / "c.faiss")
    (tmp_path / "c.faiss").unlink()
    assert TileIndex.load(tmp_path / "c.faiss") is None


def test_tile_index_constructor_casts_counts_to_int():
    t = TileIndex(None, np.int64(5), 2.0, "flat")
    assert type(t.n_tiles) is int and type(t.views) is int and (t.n_tiles, t.views, t.kind) == (5, 2, "flat")


# -- best_view_scores / count_above / ap_from_ranks ----------------------------------------------------


def test_best_view_scores_in_the_asked_order_with_minus_inf_for_none():
    ids = np.array([[2, -1, 1, 0], [0, 2, -1, -1]])
    out = best_view_scores(PHOTO, TILES, ids)
    assert out.dtype == np.float32 and out.shape == (2, 4)
    np.testing.assert_allclose(out[0, [0, 2, 3]], [0.0, 1.0, S], atol=1e-6)
    np.testing.assert_allclose(out[1, [0, 1]], [0.0, 1.0], atol=1e-6)
    assert np.isneginf(out[0, 1]) and np.all(np.isneginf(out[1, 2:]))
    none = best_view_scores(PHOTO, TILES, np.full((2, 2), -1))
    assert np.all(np.isneginf(none))


def test_best_view_scores_of_a_single_view_photo_on_a_memmap(tmp_path):
    mm = np.lib.format.open_memmap(tmp_path / "f.npy", mode="w+", dtype=np.float16, shape=TILES.shape)
    mm[:] = TILES
    out = best_view_scores(np.array([[1, 0, 0]], np.float32), mm, np.array([[2, 0, 1]]))
    np.testing.assert_allclose(out, [[0.0, 1.0, S]], atol=1e-3)


def test_best_view_scores_sums_in_float32():
    # float64 tiles are cast to float32 before the product: 1 + 4e-8 + 4e-8 is 1.0 in float32 (each
    # addend below half an ulp), while in float64 it is 1.00000008, which rounds to 1.0000001
    out = best_view_scores(np.ones((1, 3), np.float32), np.array([[[1.0, 4e-8, 4e-8]]]), np.array([[0]]))
    assert out.tolist() == [[1.0]]


def test_float64_photos_are_cast_to_float32_before_the_products():
    # 1 - 3e-8 is 1 - 2**-24 in float32 (3e-8 is above half its ulp 2**-24), so [1, -(1 - 3e-8)] . [1, 1]
    # is 2**-24 after the cast, 3e-8 without it
    v = np.array([[1.0, -(1 - 3e-8)]])
    assert similarity(np.ones((1, 2)), v).tolist() == [[2.0**-24]]
    assert similarity(v, np.ones((1, 2))).tolist() == [[2.0**-24]]
    assert best_view_scores(v, np.ones((1, 1, 2), np.float32), np.array([[0]])).tolist() == [[2.0**-24]]
    # a photo 1 + 2e-9 is 1.0 in float32: its score on a 0.5 tile is 0.5, not above 0.5
    q = np.array([[1.0 + 2e-9, 0.0]])
    assert count_above(q, np.array([[[0.5, 0.0]]], np.float32), np.array([[0.5]], np.float32), tolerance=0).tolist() == [[0]]


def test_count_above_counts_tiles_strictly_above_each_threshold():
    # photo 0 scores [s, 1, 0]; photo 1 scores [0, 0, 1]
    thr = np.array([[0.5, 0.0, 1.0, -0.5], [0.0, 0.99, -1.0, 1.0]], np.float32)
    expected = [[2, 2, 0, 3], [1, 1, 3, 0]]
    assert count_above(PHOTO, TILES, thr).tolist() == expected
    assert count_above(PHOTO, TILES, thr, chunk=1).tolist() == expected
    assert count_above(PHOTO, TILES, thr, chunk=2).tolist() == expected
    assert count_above(PHOTO, TILES, thr).dtype == np.int64
    # the tolerance: a tile only 1e-6 above its own score computed elsewhere is a tie
    assert count_above(PHOTO, TILES, np.array([[S - 1e-6], [1 - 1e-6]], np.float32)).tolist() == [[1], [0]]
    assert count_above(PHOTO, TILES, np.array([[S - 1e-6], [1 - 1e-6]], np.float32), tolerance=0).tolist() == [[2], [1]]
    assert count_above(PHOTO, TILES, np.array([[S - 2e-5]], np.float32)[[0, 0]]).tolist() == [[2], [1]]


def test_count_above_compares_in_float32_and_strictly():
    q = np.array([[1.0, 0.0]], np.float32)
    half = np.array([[[0.5, 0.0]]], np.float32)  # score exactly 0.5
    # thresholds are rounded to float32 first: 0.5 - 1e-9 is 0.5 there, and 0.5 > 0.5 is false
    assert count_above(q, half, np.array([[0.5 - 1e-9]], np.float64), tolerance=0).tolist() == [[0]]
    assert count_above(q, half, np.array([[0.5]], np.float32), tolerance=0).tolist() == [[0]]  # a tie is not above
    assert count_above(q, half, np.array([[0.49]], np.float32), tolerance=0).tolist() == [[1]]
    # so are the tiles: 0.5 + 1e-9 in float64 scores 0.5 in float32
    assert count_above(q, np.array([[[0.5 + 1e-9, 0.0]]]), np.array([[0.5]], np.float32), tolerance=0).tolist() == [[0]]
    # the default tolerance 1e-5: 0.49999 + 1e-5 = 0.5 is not below 0.5, 0.49998 + 1e-5 is
    assert count_above(q, half, np.array([[0.49998]], np.float32)).tolist() == [[1]]
    assert count_above(q, half, np.array([[0.499995]], np.float32)).tolist() == [[0]]


def test_ap_from_ranks_by_hand():
    recall, ap = ap_from_ranks([3, 1])
    assert recall == {1: 1.0, 5: 1.0, 10: 1.0} and ap == pytest.approx((1 / 1 + 2 / 3) / 2)
    recall, ap = ap_from_ranks([6], ks=(5, 6))
    assert recall == {5: 0.0, 6: 1.0} and ap == pytest.approx(1 / 6)
    recall, ap = ap_from_ranks([])
    assert recall == {1: 0.0, 5: 0.0, 10: 0.0} and ap == 0.0


# -- _rows_float32 / MappedFeatures ---------------------------------------------------------------------


def test_rows_float32_flattens_views_of_the_asked_rows():
    x = np.arange(3 * 2 * 4, dtype=np.float64).reshape(3, 2, 4)
    out = _rows_float32(x, 1, 3)
    assert out.dtype == np.float32 and out.flags.c_contiguous and out.shape == (4, 4)
    assert out[:, 0].tolist() == [8.0, 12.0, 16.0, 20.0]
    assert _rows_float32(x[:, :, ::2], 0, 1).flags.c_contiguous


def test_mapped_features_maps_only_the_rows_asked_for():
    x = np.arange(4 * 2 * 3, dtype=np.float64).reshape(4, 2, 3)
    seen = []

    def fn(rows):
        seen.append((rows.dtype, rows.shape))
        return rows[..., :2] * 2

    m = MappedFeatures(x, fn)
    assert m.shape == (4, 2, 2) and len(m) == 4
    assert seen == [(np.float32, (1, 2, 3))]
    out = m[np.array([3, 1])]
    assert out.tolist() == [[[36, 38], [42, 44]], [[12, 14], [18, 20]]]
    assert seen[-1] == (np.float32, (2, 2, 3))
