"""Exact answers of core/candidates.py, worked out by hand: each photo's best tiles under the
heading and GNSS priors, from the dense (Q, N) matrix and from a TileIndex, and what widening
drops. Features are built so that a photo along e0 scores a tile view by its first component:
every score below is a number written in the test. Written against the survivors of session 7's
mutation run (training/results/mutation_evaluate_predict_candidates.md). No backbone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geolocator.core.candidates import DenseCandidates, IndexCandidates, _taken, heading_masks
from geolocator.core.model import PhotoMeta, Query
from geolocator.core.priors import EXCLUDED
from geolocator.core.retrieval import TileIndex

from .helpers import grid_tiles

EX = EXCLUDED
TILE_VIEWS = ("rot0", "rot90", "rot180")  # one more name than the features hold: only the first V count
PHOTO_VIEWS = ("rot0", "rot90", "rot180")
# first components of the tiles' views: rot0, rot90 (a photo along e0 scores each view by it)
A0 = (0.9, 0.2, 0.6, 0.4)
A90 = (0.1, 0.8, 0.3, 0.5)


def _unit_rows(first, axis):
    out = np.zeros((len(first), 5), np.float32)
    out[:, 0] = first
    out[:, axis] = np.sqrt(1.0 - np.asarray(first, np.float64) ** 2)
    return out


def _tile_views():
    """(4, 2, 5): view rot0 of tile i has first component A0[i], view rot90 A90[i]."""
    return np.stack([_unit_rows(A0, 1), _unit_rows(A90, 2)], axis=1)


def _photo_views():
    """(4, 1, 5) tiles whose single view scores A0[i] against e0 and A90[i] against e1."""
    t = np.zeros((4, 5), np.float32)
    t[:, 0], t[:, 1] = A0, A90
    t[:, 2] = np.sqrt(1.0 - np.asarray(A0, np.float64) ** 2 - np.asarray(A90, np.float64) ** 2)
    return t[:, None, :]


def _e(i, n=5):
    v = np.zeros(n, np.float32)
    v[i] = 1.0
    return v


def _q(name, yaw=None, at=None):
    """A photo with a recorded gimbal yaw (or none) and a recorded (EXIF) position (or none)."""
    return Query(name, Path(name), truth=at, truth_source="exif" if at is not None else None,
                 meta=PhotoMeta(gimbal_yaw_deg=yaw))


TILES = grid_tiles(1, 4)  # 0.001 deg apart at 50 N: a 10 m circle round a centre holds that tile only


def _flat_index(features):
    return TileIndex.build(features, kind="flat")


# -- heading_masks and _taken ---------------------------------------------------------------------------
def test_heading_masks_tile_views_and_photo_views():
    qs = [_q("north", 0.0), _q("none"), _q("east", 90.0), _q("between", 45.0)]
    photo_mask, tile_mask, narrowed = heading_masks(qs, np.zeros((4, 5)), TILE_VIEWS, PHOTO_VIEWS, 2)
    assert photo_mask is None
    assert tile_mask.tolist() == [[True, False], [True, True], [False, True], [True, True]]
    assert narrowed.tolist() == [True, False, True, False]
    # one photo view is the same as none: the tiles' views are narrowed
    assert heading_masks(qs, np.zeros((4, 1, 5)), TILE_VIEWS, PHOTO_VIEWS, 2)[1].shape == (4, 2)
    # photos at two headings: rot90 turns a photo whose top points at 270 (west) north-up
    qs = [_q("north", 0.0), _q("none"), _q("west", 270.0)]
    photo_mask, tile_mask, narrowed = heading_masks(qs, np.zeros((3, 2, 5)), TILE_VIEWS, PHOTO_VIEWS, 3)
    assert tile_mask is None
    assert photo_mask.tolist() == [[True, False], [True, True], [False, True]]
    assert narrowed.tolist() == [True, False, True]


def test_taken_is_view_zero():
    f = np.arange(12.0).reshape(2, 3, 2)
    assert _taken(f).tolist() == [[0.0, 1.0], [6.0, 7.0]]
    assert _taken(f[:, 0]).tolist() == [[0.0, 1.0], [6.0, 7.0]]


# -- the dense layout ------------------------------------------------------------------------------------
def _heading_queries(at=None):
    return [_q("north", 0.0, at), _q("none"), _q("east", 90.0)]


def test_dense_heading_on_tile_views():
    photos = np.stack([_e(0)] * 3)
    dense = DenseCandidates(_heading_queries(), photos, _tile_views(), TILES, views=(TILE_VIEWS, PHOTO_VIEWS),
                            heading=True)
    np.testing.assert_allclose(dense.matrix, [A0, np.maximum(A0, A90), A90], atol=1e-6)
    np.testing.assert_allclose(dense.unrestricted, [np.maximum(A0, A90)] * 3, atol=1e-6)
    assert dense.narrowed.tolist() == [True, False, True] and dense.gnss is False
    scores, ids = dense.top(2)
    assert ids.tolist() == [[0, 2], [0, 1], [1, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.6], [0.9, 0.8], [0.8, 0.5]], atol=1e-6)
    np.testing.assert_allclose(dense.scores(np.array([[3, 1], [3, 1], [0, 2]])), [[0.4, 0.2], [0.5, 0.8], [0.1, 0.3]],
                               atol=1e-6)
    wide = dense.widened(np.array([True, False, False]))
    assert wide is not dense and dense.matrix[0, 1] == pytest.approx(0.2)  # the original is unchanged
    assert wide.top(2)[1].tolist() == [[0, 1], [0, 1], [1, 3]]
    np.testing.assert_allclose(wide.matrix[0], [0.9, 0.8, 0.6, 0.5], atol=1e-6)
    # no prior: the unrestricted matrix, nothing narrowed
    plain = DenseCandidates(_heading_queries(), photos, _tile_views(), TILES)
    assert plain.narrowed is None and plain.gnss is False
    np.testing.assert_allclose(plain.matrix, [np.maximum(A0, A90)] * 3, atol=1e-6)
    # the heading prior with no yaw anywhere narrows nobody
    none = DenseCandidates([_q("a"), _q("b")], photos[:2], _tile_views(), TILES, views=(TILE_VIEWS, PHOTO_VIEWS),
                           heading=True)
    assert none.narrowed.tolist() == [False, False]
    np.testing.assert_allclose(none.matrix, [np.maximum(A0, A90)] * 2, atol=1e-6)


def test_dense_heading_on_photo_views():
    photos = np.stack([np.stack([_e(0), _e(1)])] * 3)  # view rot0 along e0, rot90 along e1
    qs = [_q("north", 0.0), _q("none"), _q("west", 270.0)]
    dense = DenseCandidates(qs, photos, _photo_views(), TILES, views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    np.testing.assert_allclose(dense.matrix, [A0, np.maximum(A0, A90), A90], atol=1e-6)
    assert dense.narrowed.tolist() == [True, False, True]
    assert dense.top(1)[1].tolist() == [[0], [0], [1]]


def test_dense_gnss_circle_and_widening_keeps_it():
    at = TILES[1].center  # the circle holds tile 1 only
    photos = np.stack([_e(0)] * 3)
    dense = DenseCandidates(_heading_queries(at), photos, _tile_views(), TILES, views=(TILE_VIEWS, PHOTO_VIEWS),
                            heading=True, gnss_m=10.0)
    assert dense.gnss is True
    np.testing.assert_allclose(dense.matrix[0], [EX, 0.2, EX, EX], atol=1e-6)  # heading (rot0) and circle
    np.testing.assert_allclose(dense.matrix[1:], [np.maximum(A0, A90), A90], atol=1e-6)  # no position recorded
    scores, ids = dense.top(3)
    assert ids[0].tolist() == [1, 0, 2]  # excluded tiles fill the row, lowest ids first
    np.testing.assert_allclose(scores[0], [0.2, EX, EX], atol=1e-6)
    wide = dense.widened(np.array([True, False, True]))
    np.testing.assert_allclose(wide.matrix[0], [EX, 0.8, EX, EX], atol=1e-6)  # every view, still the circle
    np.testing.assert_allclose(wide.matrix[2], np.maximum(A0, A90), atol=1e-6)
    np.testing.assert_allclose(wide.matrix[1], dense.matrix[1])
    # GNSS alone; gnss_m 0 or None is no prior
    only = DenseCandidates(_heading_queries(at), photos, _tile_views(), TILES, gnss_m=10.0)
    np.testing.assert_allclose(only.matrix[0], [EX, 0.8, EX, EX], atol=1e-6)
    assert DenseCandidates(_heading_queries(at), photos, _tile_views(), TILES, gnss_m=0).gnss is False


# -- the index layout ------------------------------------------------------------------------------------
def test_index_heading_on_tile_views_matches_the_hand_values():
    photos = np.stack([_e(0)] * 3)
    feats = _tile_views()
    src = IndexCandidates(_heading_queries(), photos, feats, _flat_index(feats), TILES,
                          views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    assert src.matrix is None and src.narrowed.tolist() == [True, False, True]
    assert src.allowed == [None, None, None]
    for n, want_ids, want in [(1, [[0], [0], [1]], [[0.9], [0.9], [0.8]]),
                              (2, [[0, 2], [0, 1], [1, 3]], [[0.9, 0.6], [0.9, 0.8], [0.8, 0.5]]),
                              (3, [[0, 2, 3], [0, 1, 2], [1, 3, 2]],
                               [[0.9, 0.6, 0.4], [0.9, 0.8, 0.6], [0.8, 0.5, 0.3]]),
                              (9, [[0, 2, 3, 1], [0, 1, 2, 3], [1, 3, 2, 0]],
                               [[0.9, 0.6, 0.4, 0.2], [0.9, 0.8, 0.6, 0.5], [0.8, 0.5, 0.3, 0.1]])]:
        scores, ids = src.top(n)
        assert ids.tolist() == want_ids, n
        np.testing.assert_allclose(scores, want, atol=1e-6)
    ids = np.array([[3, 1, -1], [3, 1, -1], [0, 2, -1]])
    np.testing.assert_allclose(src.scores(ids), [[0.4, 0.2, -np.inf], [0.5, 0.8, -np.inf], [0.1, 0.3, -np.inf]],
                               atol=1e-6)
    wide = src.widened(np.array([True, False, False]))
    assert wide.tile_mask.tolist() == [[True, True], [True, True], [False, True]]
    assert src.tile_mask.tolist() == [[True, False], [True, True], [False, True]]  # unchanged
    assert wide.top(2)[1].tolist() == [[0, 1], [0, 1], [1, 3]]


def test_index_view_pool_searches_deeper_until_enough_allowed_tiles():
    """Every rot90 view scores below every rot0 view: the first 2 x 2 views searched hold no allowed
    one, the search goes 4 times deeper."""
    feats = np.stack([_unit_rows((0.9, 0.8, 0.7, 0.6), 1), _unit_rows((0.1, 0.2, 0.3, 0.4), 2)], axis=1)
    src = IndexCandidates([_q("east", 90.0)], np.stack([_e(0)]), feats, _flat_index(feats), TILES,
                          views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    assert src._view_pool(0, 1, np.array([False, True])).tolist() == [0, 1, 2, 3]
    # the first 2 views searched are both allowed here; 6 views hold all four rot0 ones
    assert src._view_pool(0, 1, np.array([True, False])).tolist() == [0, 1]
    assert src._view_pool(0, 3, np.array([True, False])).tolist() == [0, 1, 2, 3]
    scores, ids = src.top(2)
    assert ids.tolist() == [[3, 2]]
    np.testing.assert_allclose(scores, [[0.4, 0.3]], atol=1e-6)


def test_index_heading_on_photo_views():
    photos = np.stack([np.stack([_e(0), _e(1)])] * 3)
    qs = [_q("north", 0.0), _q("none"), _q("west", 270.0)]
    feats = _photo_views()
    src = IndexCandidates(qs, photos, feats, _flat_index(feats), TILES, views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    assert src.tile_mask is None and src.narrowed.tolist() == [True, False, True]
    scores, ids = src.top(2)
    assert ids.tolist() == [[0, 2], [0, 1], [1, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.6], [0.9, 0.8], [0.8, 0.5]], atol=1e-6)
    np.testing.assert_allclose(src.scores(np.array([[1], [1], [0]])), [[0.2], [0.8], [0.1]], atol=1e-6)
    wide = src.widened(np.array([False, False, True]))
    np.testing.assert_allclose(wide.top(1)[0], [[0.9], [0.9], [0.9]], atol=1e-6)
    np.testing.assert_array_equal(wide.q[0], src.q[0])
    np.testing.assert_array_equal(wide.q[2], photos[2])
    np.testing.assert_array_equal(src.original, photos)


def test_index_gnss_circle_fills_the_row_with_excluded_tiles():
    at = TILES[1].center
    photos = np.stack([_e(0)] * 3)
    feats = _tile_views()
    src = IndexCandidates(_heading_queries(at), photos, feats, _flat_index(feats), TILES,
                          views=(TILE_VIEWS, PHOTO_VIEWS), heading=True, gnss_m=10.0)
    assert src.allowed[0].tolist() == [1] and src.allowed[1:] == [None, None]
    scores, ids = src.top(3)
    assert ids.tolist() == [[1, 0, 2], [0, 1, 2], [1, 3, 2]]
    np.testing.assert_allclose(scores, [[0.2, EX, EX], [0.9, 0.8, 0.6], [0.8, 0.5, 0.3]], atol=1e-6)
    np.testing.assert_allclose(src.scores(np.array([[0, 1, -1]] * 3)),
                               [[EX, 0.2, -np.inf], [0.9, 0.8, -np.inf], [0.1, 0.8, -np.inf]], atol=1e-6)
    wide = src.widened(np.array([True, False, False]))
    np.testing.assert_allclose(wide.top(2)[0][0], [0.8, EX], atol=1e-6)
    # the circle alone, and a chunk of one tile gives the same exact scores
    only = IndexCandidates(_heading_queries(at), photos, feats, _flat_index(feats), TILES, gnss_m=10.0)
    assert only.tile_mask is None and only.narrowed is None
    np.testing.assert_allclose(only._exact(0, np.array([3, 1, -1, 0]), chunk=1), [EX, 0.8, -np.inf, EX], atol=1e-6)
    np.testing.assert_allclose(only._exact(1, np.array([3, 1, -1, 0]), chunk=1), [0.5, 0.8, -np.inf, 0.9], atol=1e-6)
    assert only.top(4)[1].tolist()[0] == [1, 0, 2, 3]


def test_index_gnss_circle_of_two_tiles():
    at = TILES[1].center
    photos = np.stack([_e(0)])
    feats = _tile_views()
    src = IndexCandidates([_q("a", None, at)], photos, feats, _flat_index(feats), TILES, gnss_m=80.0)
    assert src.allowed[0].tolist() == [0, 1, 2]  # 0.0005 deg of longitude (36 m) to the neighbours' edges
    scores, ids = src.top(4)
    assert ids.tolist() == [[0, 1, 2, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.8, 0.6, EX]], atol=1e-6)


class _Approximate(TileIndex):
    """A flat index that answers `search` with a chosen (float16-rounded, too short) list, as IVF can."""

    def __init__(self, features, answer):
        real = TileIndex.build(features, kind="flat")
        super().__init__(real.index, real.n_tiles, real.views, "ivf")
        self.answer = answer

    def search(self, queries, k):
        scores, ids = self.answer
        return np.array(scores, np.float32)[:, :k].copy(), np.array(ids, np.int64)[:, :k].copy()


def test_ivf_scores_are_recomputed_and_missing_tiles_filled():
    photos = np.stack([_e(0)] * 2)
    feats = _tile_views()
    # photo 0: three tiles, approximately scored and misordered; photo 1: one tile found, then -1s
    answer = ([[0.95, 0.5, 0.4], [0.59, -np.inf, -np.inf]], [[2, 0, 1], [2, -1, -1]])
    src = IndexCandidates([_q("a"), _q("b")], photos, feats, _Approximate(feats, answer), TILES)
    scores, ids = src.top(3)
    assert ids.tolist() == [[0, 1, 2], [0, 1, 2]]
    np.testing.assert_allclose(scores, [[0.9, 0.8, 0.6], [0.9, 0.8, 0.6]], atol=1e-6)
    # two found, both high: the fill takes the lowest other ids, ranked with the found ones
    answer = ([[0.95, 0.7, -np.inf]], [[3, 2, -1]])
    src = IndexCandidates([_q("a")], photos[:1], feats, _Approximate(feats, answer), TILES)
    scores, ids = src.top(3)
    assert ids.tolist() == [[0, 2, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.6, 0.5]], atol=1e-6)


def test_dense_heading_with_single_view_tiles_counts_one_view():
    """Tiles with one view (N, D): only the first tile-view name applies (rot0), so a photo flown
    east (yaw 90) has no view near its heading and is not narrowed."""
    photos = np.stack([_e(0)] * 2)
    tiles = _photo_views()[:, 0]  # (4, 5)
    dense = DenseCandidates([_q("east", 90.0), _q("north", 0.0)], photos, tiles, TILES,
                            views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    assert dense.narrowed.tolist() == [False, False]
    np.testing.assert_allclose(dense.matrix, [A0, A0], atol=1e-6)


def test_index_heading_with_one_photo_view_and_the_exact_pool():
    """Photos given as (Q, 1, D): the tiles' views are narrowed, as for (Q, D)."""
    photos = np.stack([_e(0)] * 3)[:, None, :]
    feats = _tile_views()
    src = IndexCandidates(_heading_queries(), photos, feats, _flat_index(feats), TILES,
                          views=(TILE_VIEWS, PHOTO_VIEWS), heading=True)
    scores, ids = src.top(2)
    assert ids.tolist() == [[0, 2], [0, 1], [1, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.6], [0.9, 0.8], [0.8, 0.5]], atol=1e-6)
    np.testing.assert_allclose(src.scores(np.array([[1], [1], [0]])), [[0.2], [0.8], [0.1]], atol=1e-6)
    # the east photo's search: the first 4 views hold rot90 of tiles 1 and 3, exactly the 2 asked for
    assert src._view_pool(2, 2, np.array([False, True])).tolist() == [1, 3]
    assert src._view_pool(2, 3, np.array([False, True])).tolist() == [1, 2, 3]
    # more than the set holds: every tile
    assert src._view_pool(2, 9, np.array([False, True])).tolist() == [0, 1, 2, 3]


def test_index_gnss_circle_with_photo_views():
    at = TILES[1].center
    photos = np.stack([np.stack([_e(0), _e(1)])] * 2)  # view rot0 along e0, rot90 along e1
    feats = _photo_views()
    qs = [_q("north", 0.0, at), _q("none", None, at)]
    src = IndexCandidates(qs, photos, feats, _flat_index(feats), TILES, views=(TILE_VIEWS, PHOTO_VIEWS),
                          heading=True, gnss_m=80.0)
    scores, ids = src.top(4)
    assert ids.tolist() == [[0, 2, 1, 3], [0, 1, 2, 3]]
    np.testing.assert_allclose(scores, [[0.9, 0.6, 0.2, EX], [0.9, 0.8, 0.6, EX]], atol=1e-6)
    np.testing.assert_allclose(src.scores(np.array([[3, 1], [3, 1]])), [[EX, 0.2], [EX, 0.8]], atol=1e-6)


def test_ivf_fill_when_tile_zero_was_found():
    photos = np.stack([_e(0)])
    feats = _tile_views()
    src = IndexCandidates([_q("a")], photos, feats, _Approximate(feats, ([[0.9, -np.inf, -np.inf]], [[0, -1, -1]])),
                          TILES)
    scores, ids = src.top(3)
    assert ids.tolist() == [[0, 1, 2]]
    np.testing.assert_allclose(scores, [[0.9, 0.8, 0.6]], atol=1e-6)


def test_ivf_ties_rank_lower_ids_first_as_the_dense_layout_does():
    """Tiles with equal features (blank or duplicated tiles) score alike; the IVF re-ranking keeps
    the index's order among equal exact scores (lower id first), so both layouts rank them the
    same. 20 tiles scoring 0.1, 0.2, 0.3, 0.4 in turn; the approximate scores are all rounded to 0.5."""
    first = [0.1, 0.2, 0.3, 0.4] * 5
    feats = _unit_rows(first, 1)[:, None, :]
    photos = np.stack([_e(0)])
    answer = ([[0.5] * 20], [list(range(20))])
    src = IndexCandidates([_q("a")], photos, feats, _Approximate(feats, answer), grid_tiles(1, 20))
    scores, ids = src.top(20)
    want = [i for v in (0.4, 0.3, 0.2, 0.1) for i in range(20) if first[i] == v]
    assert want[:6] == [3, 7, 11, 15, 19, 2]
    assert ids[0].tolist() == want
    np.testing.assert_allclose(scores[0], sorted(first, reverse=True), atol=1e-6)
    dense = DenseCandidates([_q("a")], photos, feats, grid_tiles(1, 20))
    assert dense.top(20)[1][0].tolist() == want
