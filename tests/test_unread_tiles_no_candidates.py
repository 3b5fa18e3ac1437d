"""A tile that could not be read is never a candidate or an answer (newuser session 16 / mend16: its
features are zeros, so it scored 0, above every negative cosine, and stayed in the ranking: a
`no preview, 0.00` card in the app's top-5 of a truncated GeoTIFF). It is still reported
(skipped.tile_failures_summary)."""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.candidates import DenseCandidates, WithoutTiles
from geolocator.core.model import Query, TileSet
from geolocator.core.priors import EXCLUDED
from geolocator.core.skipped import tile_failures_summary


def _stand_in(**attrs):
    """A Workspace stand-in for calling its methods: `attrs`, no empty package tiles, the real left_out."""
    from types import MethodType, SimpleNamespace

    from geolocator.core.pipeline import Workspace

    ws = SimpleNamespace(tile_empty=set(), **attrs)
    ws.left_out = MethodType(Workspace.left_out, ws)
    return ws


def test_a_dropped_tile_is_no_candidate_even_where_it_scores_best():
    # one photo [1, 0]; tiles: [-1, 0.1] (cosine -0.995), zeros (a tile not read: scores 0, the best),
    # [-1, -1] (-0.707), [0, 1] (0.0, a tie with the zeros, after it by index)
    q = np.array([[1.0, 0.0]], np.float32)
    t = np.array([[-1.0, 0.1], [0.0, 0.0], [-1.0, -1.0], [0.0, 1.0]], np.float32)
    t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
    dense = DenseCandidates([Query("q", "q.jpg")], q, t, [None] * 4)
    assert dense.top(1)[1].tolist() == [[1]]  # the fault: the unread tile ranks first
    src = WithoutTiles(dense, {1: "corrupt"}, 4)
    assert src.readable == 3
    scores, ids = src.top(4)  # more than there are readable tiles: the three readable ones
    assert ids.tolist() == [[3, 2, 0]]
    assert scores[0] == pytest.approx([0.0, -1 / np.sqrt(2), -1 / np.sqrt(1.01)], abs=1e-6)
    assert src.top(1)[1].tolist() == [[3]]
    assert src.scores(np.array([[1, 2]])).tolist()[0][0] == EXCLUDED
    assert src.matrix[0, 1] == EXCLUDED and src.matrix[0, 3] == pytest.approx(0.0, abs=1e-6)
    assert dense.matrix[0, 1] == pytest.approx(0.0)  # the source is not changed
    assert src.widened(np.array([True])).top(2)[1].tolist() == [[3, 2]]


@pytest.mark.parametrize("dense_max", [1_000_000, 1])  # the dense matrix, and the TileIndex route
def test_a_tile_set_with_one_corrupt_tile_never_answers_with_it(tmp_path, dense_max):
    from geolocator.core.pipeline import Settings, Workspace
    from tests.test_extract import _img, _tiles, tiny_backbone

    tiles = _tiles(tmp_path / "tiles", 4)
    (tmp_path / "tiles" / "t2.png").write_bytes(b"not an image")
    photos = []
    for i in range(4):  # each photo the very pixels of one tile (the corrupt one's too)
        _img(i).save(tmp_path / f"p{i}.png")
        photos.append(Query(f"p{i}.png", tmp_path / f"p{i}.png"))
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",), dense_max=dense_max,
                            top_k=10))
    ws.set_backbone("tiny", loaded=tiny_backbone())
    ws.open_tiles(TileSet(tuple(tiles), tmp_path))
    predictions = ws.locate(photos)
    assert set(ws.tile_failures) == {2}
    for p in predictions:
        assert [m.tile.id for m in p.matches if m.tile.id == "t2.png"] == []
        assert len(p.matches) == 3 and [m.rank for m in p.matches] == [1, 2, 3]
    # the photos of readable tiles find their own tile first (same pixels)
    assert [predictions[i].top.tile.id for i in (0, 1, 3)] == ["t0.png", "t1.png", "t3.png"]
    line, _ = tile_failures_summary(ws.tileset.tiles, ws.tile_failures)
    assert line.startswith("1 tile of 4 could not be read and is not searched") and "t2.png" in line


def test_the_answer_does_not_move_onto_a_tile_that_was_not_read():
    """Workspace._tile_under_centre moves a verified answer to the tile under the photo's centre; an
    unread tile there (its neighbour was seen, not it) keeps the answer where it was verified."""
    from types import SimpleNamespace

    from geolocator.core.model import LatLon
    from geolocator.core.pipeline import Workspace

    ground = LatLon(0.5, 0.5)
    candidates, counts = np.array([[0, 1]]), np.array([[20, 0]])
    grounds = np.empty((1, 2), dtype=object)
    grounds[0, 0] = ground
    for failures, want_ids, want_counts in (({2: "corrupt"}, [[0, 1]], [[20, 0]]),
                                            ({}, [[0, 2]], [[20, 21]])):  # read: it takes the answer, 20 + 1
        ws = _stand_in(tileset=SimpleNamespace(tile_at=lambda g: 2), tile_failures=failures)
        ids, got_counts, got_grounds, _ = Workspace._tile_under_centre(ws, candidates, counts, grounds, 8)
        assert ids.tolist() == want_ids and got_counts.tolist() == want_counts


class _Source:
    """A candidates source of one photo over 300 tiles scoring 1 - i / 299 (tile 0 best), with the
    attributes the Workspace reads handed through."""

    n = 300
    narrowed = np.array([True])
    original = object()
    matrix = None

    def __init__(self):
        self.stored = np.array([[0.5, 0.4]])

    def top(self, k):
        k = min(k, self.n)
        return (1 - np.arange(k) / (self.n - 1))[None], np.arange(k)[None]

    def scores(self, ids):
        return self.stored  # its own array: the wrapper must not write into it

    def widened(self, rows):
        return self


def test_without_tiles_keeps_the_order_of_a_long_row_and_hands_the_source_through():
    src = _Source()
    dropped = range(0, 300, 3)  # every third tile not read
    w = WithoutTiles(src, dropped, 300)
    assert w.readable == 200 and w.narrowed is src.narrowed and w.original is src.original and w.matrix is None
    scores, ids = w.top(150)  # rows far longer than 16: the kept ones in the source's order, best first
    assert ids.tolist() == [[i for i in range(300) if i % 3][:150]]
    assert scores[0].tolist() == pytest.approx([1 - i / 299 for i in range(300) if i % 3][:150])
    assert w.top(0)[1].shape == (1, 0) and w.top(500)[1].shape == (1, 200)
    got = w.scores(np.array([[0, 1]]))
    assert got.tolist() == [[EXCLUDED, 0.4]] and src.stored.tolist() == [[0.5, 0.4]]  # the source's array untouched
    assert w.widened(np.array([True])).top(2)[1].tolist() == [[1, 2]]


def _four_tiles_one_corrupt(tmp_path, **settings):
    """A workspace (tiny backbone, no verification, one tile view) on 4 tiles of which t2 is not an
    image, and 4 photos, each the pixels of one tile."""
    from geolocator.core.pipeline import Settings, Workspace
    from tests.test_extract import _img, _tiles, tiny_backbone

    tiles = _tiles(tmp_path / "tiles", 4)
    (tmp_path / "tiles" / "t2.png").write_bytes(b"not an image")
    photos = []
    for i in range(4):
        _img(i).save(tmp_path / f"p{i}.png")
        photos.append(Query(f"p{i}.png", tmp_path / f"p{i}.png"))
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",), **settings))
    ws.set_backbone("tiny", loaded=tiny_backbone())
    ws.open_tiles(TileSet(tuple(tiles), tmp_path))
    return ws, photos


@pytest.mark.parametrize("dense_max", [1_000_000, 1])  # the dense matrix, and the TileIndex route
def test_adaptations_frozen_candidates_leave_out_a_tile_that_was_not_read(tmp_path, dense_max):
    """Session 18: locate left unread tiles out (WithoutTiles) but adaptation's frozen candidates
    (Workspace._frozen_candidates: the tiles its geometric labels verify and its tile pool) did not:
    with 4 tiles and 20 candidates a photo, the corrupt one was among every photo's candidates."""
    ws, photos = _four_tiles_one_corrupt(tmp_path, dense_max=dense_max)
    tile_features = ws.index()
    _, query_features, _ = ws.embed(photos)
    assert set(ws.tile_failures) == {2}
    candidates = ws._frozen_candidates(query_features, tile_features)
    assert candidates.shape == (4, 3) and not (candidates == 2).any()
    assert sorted(candidates[0].tolist()) == [0, 1, 3]
    assert [candidates[i, 0] for i in (0, 1, 3)] == [0, 1, 3]  # the photo's own tile first (same pixels)


def test_adaptation_trains_without_the_tiles_that_were_not_read():
    """Session 18: adaptation trained on every tile's features, the zeros of unread tiles too (and its
    random pool of negatives could draw them). Workspace._without_unread drops them and moves the
    anchors to their place in what is kept."""
    from types import SimpleNamespace

    from geolocator.core.pipeline import Workspace

    ws = _stand_in(tile_failures={2: "corrupt", 5: "truncated"})
    pool, anchors = Workspace._without_unread(ws, 6, None, np.array([3, -1, 2, 0]))
    assert pool.tolist() == [0, 1, 3, 4] and anchors.tolist() == [2, -1, -1, 0]  # an unread anchor: none
    pool, anchors = Workspace._without_unread(ws, 6, np.array([1, 2, 4, 5]), np.array([2, 1, -1]))
    assert pool.tolist() == [1, 4] and anchors.tolist() == [1, -1, -1]  # positions in the pool, as given
    assert Workspace._without_unread(_stand_in(tile_failures={}), 6, None, None) == (None, None)


def test_an_adapter_is_trained_on_the_tiles_that_were_read(tmp_path):
    ws, photos = _four_tiles_one_corrupt(tmp_path, adapter_dir=tmp_path / "adapters")
    adapter = ws.adapt(photos, mode="paper", steps=2, geometric=False)
    assert adapter.card["n_tiles"] == 4 and adapter.card["n_tiles_trained_on"] == 3  # before: 4, the zeros too
