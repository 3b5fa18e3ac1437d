import numpy as np
import pytest

from geolocator.core.evaluate import evaluate, positives, rank_metrics
from geolocator.core.model import LatLon, Query
from geolocator.core.predict import predict
from geolocator.core.retrieval import search

from .helpers import grid_tiles, query_at


def test_average_precision_by_hand():
    # positives at ranks 2 and 4 -> AP = (1/2 + 2/4) / 2 = 0.5
    sim = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    positive = np.array([False, True, False, True, False])
    recall, ap = rank_metrics(sim, positive, ks=(1, 2, 5))
    assert recall == {1: 0.0, 2: 1.0, 5: 1.0}
    assert ap == pytest.approx(0.5)


def test_positives_are_tiles_containing_the_point_or_the_named_tile():
    tiles = grid_tiles(2, 2)
    corner = LatLon(tiles[0].bounds.north, tiles[0].bounds.east)  # shared by all four tiles
    q = Query("q", tiles[0].path, truth=corner)
    assert positives(q, tiles).sum() == 4
    named = Query("q", tiles[0].path, truth_tile="r1c1")
    assert positives(named, tiles).tolist() == [False, False, False, True]


def test_evaluate_perfect_and_wrong_rankings():
    tiles = grid_tiles(3, 3)
    queries = [query_at(t, f"q{i}.jpg") for i, t in enumerate(tiles)]
    sim = np.eye(9, dtype=np.float32)  # every query's own tile first
    scores, ids = search(sim, sim[:, None, :], k=5)
    preds = predict(queries, tiles, scores, ids)
    ev = evaluate(queries, tiles, sim, preds)
    assert (ev.r1, ev.r5, ev.ap) == (100.0, 100.0, 100.0)
    assert ev.median_error_m == pytest.approx(0.0, abs=1e-6)
    assert ev.n_queries == 9 and ev.n_tiles == 9

    shifted = np.roll(np.eye(9, dtype=np.float32), 1, axis=1)  # the wrong tile first, the right one nowhere near
    shifted += np.eye(9, dtype=np.float32) * 0.5
    ev = evaluate(queries, tiles, shifted)
    assert ev.r1 == 0.0 and ev.r5 == 100.0
    assert ev.ap == pytest.approx(50.0)


def test_queries_without_truth_are_not_scored():
    tiles = grid_tiles(1, 2)
    q = Query("q", tiles[0].path)
    assert evaluate([q], tiles, np.ones((1, 2))) is None
