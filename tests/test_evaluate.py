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


def _verified_and_unverified():
    """Two photos on a 3 x 3 grid: one verified 0.3 tile east of its tile's centre (its Point is the
    truth), one unverified on its tile. (tiles, queries, similarity (2, 9), predictions, truth)."""
    tiles = grid_tiles(3, 3)
    c = tiles[0].center
    truth = LatLon(c.lat, c.lon + 0.0003)  # 0.3 tile east of the centre
    queries = [Query("v.jpg", tiles[0].path, truth=truth), query_at(tiles[8], "u.jpg")]
    sim = np.zeros((2, 9))
    sim[0, 0], sim[1, 8] = 0.9, 0.9
    preds = predict(queries, tiles, np.array([[0.9, 0.2], [0.9, 0.1]]), np.array([[0, 8], [8, 0]]),
                    inliers=np.array([[60, 0], [0, 0]]), grounds=[[truth, None], [None, None]])
    return tiles, queries, sim, preds, truth


def test_existing_error_keys_keep_their_meaning_and_new_ones_describe_the_point():
    """median_error_m stays the top tile centre's error, median_weighted_error_m the refined
    estimate's; median_error_best_m is the exported Point's, and confident_right_pct says how
    often a photo shown with confidence >= 0.9 was right."""
    tiles, queries, sim, preds, truth = _verified_and_unverified()
    ev = evaluate(queries, tiles, sim, preds)
    tile_errors = [p.tile_error_m for p in preds]
    assert ev.median_error_m == pytest.approx(np.median(tile_errors))
    assert ev.extra["median_weighted_error_m"] == pytest.approx(np.median([0.0, preds[1].weighted_error_m]))
    assert ev.extra["median_error_best_m"] == pytest.approx(np.median([p.error_m for p in preds]))
    assert preds[0].error_m == pytest.approx(0.0, abs=1e-6) and preds[0].tile_error_m > 10
    assert ev.extra["n_verified"] == 1 and ev.extra["n_confident"] == 1 and ev.extra["confident_right_pct"] == 100.0
    assert ev.extra["within_5m_pct"] == pytest.approx(50.0 if preds[1].error_m > 5 else 100.0)


def test_the_points_error_is_the_headline_and_the_tile_centre_is_labelled():
    """`eval` said "error: median 12.9 m" (the top tile centre) while the exported Point was 0.10 m off:
    users read the tool as 13 m wrong. error_lines (CLI and app) lead with the Point's error."""
    from geolocator.core.evaluate import error_lines
    from geolocator.core.model import Evaluation

    ev = Evaluation(85.2, 90.7, 93.0, 88.1, 12.94, 20.5, 108, 36,
                    extra={"median_error_best_m": 0.099, "mean_error_best_m": 1520.0})
    assert error_lines(ev) == ["Point error: median 0.10 m, mean 1.5 km",
                               "top tile centre error: median 13 m, mean 20 m"]
    assert error_lines(Evaluation(1, 1, 1, 1, None, None, 1, 1)) == []


def test_large_tile_sets_report_the_same_error_figures_as_small_ones():
    """evaluate_ranks (no Q x N matrix) gave median_error_m as the Point's error and no
    median_error_best_m; `evaluate` gives the tile centre's and the Point's. Same predictions, same figures."""
    from geolocator.core.evaluate import evaluate_ranks

    tiles, queries, sim, preds, _ = _verified_and_unverified()
    small = evaluate(queries, tiles, sim, preds)
    large = evaluate_ranks(queries, [0, 1], {0: np.array([1]), 1: np.array([1])}, 9, preds)
    assert (large.median_error_m, large.mean_error_m) == pytest.approx((small.median_error_m, small.mean_error_m))
    for key in ("median_weighted_error_m", "median_error_best_m", "mean_error_best_m", "n_verified"):
        assert large.extra[key] == pytest.approx(small.extra[key]), key


@pytest.mark.parametrize("metres, text", [(0.099, "0.10 m"), (0.0, "0.00 m"), (0.996, "1.0 m"), (2.26, "2.3 m"),
                                          (9.96, "10 m"), (142.4, "142 m"), (999.4, "999 m"), (999.6, "1.0 km"),
                                          (2_300, "2.3 km"), (9_960, "10 km"), (2_258_995.9, "2259 km")])
def test_distances_are_written_for_people(metres, text):
    from geolocator.core.geo import format_distance

    assert format_distance(metres) == text
