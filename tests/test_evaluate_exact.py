"""Exact answers of core/evaluate.py, worked out by hand: the large-set metrics (positive_ids,
evaluate_ranks), the error figures and the honesty figures, the far-from-tiles rule and its
sentences. Written against the survivors of session 7's mutation run
(training/results/mutation_evaluate_predict_candidates.md). No backbone, tiny inputs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.evaluate import (
    FarFromTiles,
    error_lines,
    evaluate,
    evaluate_ranks,
    far_from_tiles,
    far_from_tiles_note,
    honesty_figures,
    positive_ids,
    scored_queries,
)
from geolocator.core.geo import haversine_m
from geolocator.core.model import Bounds, Evaluation, LatLon, Match, Prediction, Query, Tile, TileSet

from .helpers import grid_tiles

R = 6_371_008.8  # the IUGG mean radius geo.haversine_m uses: along a meridian the distance is R x dlat


# -- positive_ids ------------------------------------------------------------------------------------
BOXES = np.array([[10.0, 50.0, 11.0, 51.0],   # 0: (51, 11) on its north-east corner
                  [11.0, 50.0, 12.0, 51.0],   # 1: on its north-west corner
                  [10.0, 51.0, 11.0, 52.0],   # 2: on its south-east corner
                  [12.0, 52.0, 13.0, 53.0],   # 3: far away
                  [11.0, 51.0, 12.0, 52.0]])  # 4: on its south-west corner


def test_positive_ids_include_every_edge_and_the_named_tile():
    q = Query("q", Path("q"), truth=LatLon(51.0, 11.0))
    assert positive_ids(q, BOXES, {}).tolist() == [0, 1, 2, 4]
    q = Query("q", Path("q"), truth=LatLon(51.0, 11.0), truth_tile="far")
    assert positive_ids(q, BOXES, {"far": 3}).tolist() == [0, 1, 2, 3, 4]
    # a named tile that is not in the set is no error and adds nothing
    assert positive_ids(q, BOXES, {"other": 3}).tolist() == [0, 1, 2, 4]
    # a name alone
    assert positive_ids(Query("q", Path("q"), truth_tile="far"), BOXES, {"far": 3}).tolist() == [3]
    # just outside each edge of tile 3 (west, south, east, north)
    for lat, lon in [(52.5, 11.999), (51.999, 12.5), (52.5, 13.001), (53.001, 12.5)]:
        assert positive_ids(Query("q", Path("q"), truth=LatLon(lat, lon)), BOXES, {}).tolist() == [], (lat, lon)
    assert positive_ids(Query("q", Path("q")), BOXES, {"x": 0}).tolist() == []
    assert positive_ids(Query("q", Path("q")), BOXES, {}).dtype == np.int64


# -- evaluate_ranks ------------------------------------------------------------------------------------
def test_evaluate_ranks_by_hand():
    queries = [Query(f"q{i}", Path(f"q{i}")) for i in range(4)]
    ranks = {0: np.array([4, 2]), 2: np.array([], np.int64), 3: np.array([7])}
    ev = evaluate_ranks(queries, [0, 2, 3], ranks, 11)
    # q0: positives at 2 and 4 (R@1 0, R@5 1, R@10 1, AP (1/2 + 2/4)/2 = 0.5); q2: a miss (outside);
    # q3: rank 7 (R@10 only, AP 1/7)
    assert ev.r1 == 0.0
    assert ev.r5 == pytest.approx(100 / 3)
    assert ev.r10 == pytest.approx(200 / 3)
    assert ev.ap == pytest.approx(100 * (0.5 + 0 + 1 / 7) / 3)
    assert (ev.n_queries, ev.n_tiles) == (3, 11)
    assert ev.median_error_m is None and ev.mean_error_m is None
    assert ev.extra == {"n_outside": 1, "median_weighted_error_m": None}
    ev = evaluate_ranks(queries, [3], {3: np.array([1])}, 5)
    assert (ev.r1, ev.r5, ev.r10, ev.ap) == (100.0, 100.0, 100.0, 100.0) and ev.extra["n_outside"] == 0
    assert evaluate_ranks(queries, [], {}, 5) is None


# -- the error figures: tile centre, refined estimate, Point -------------------------------------------------
def _tile(west=10.0, south=50.0, size=0.001, name="t"):
    return Tile(name, Path(name), Bounds(west, south, west + size, south + size))


def _pred(error, *, tile_error=None, weighted=None, conf=0.5, status="retrieved", source="weighted", tile=None):
    tile = tile or _tile()
    q = Query("q", Path("q"), truth=tile.center if error is not None else None)
    return Prediction(q, (Match(tile, 0.5, 1),), tile.center, tile.center, conf, error, weighted, source, status,
                      tile_error)


def test_error_figures_fall_back_and_use_the_homography_point():
    tiles = grid_tiles(1, 2)
    q = [Query("a", Path("a"), truth=tiles[0].center), Query("b", Path("b"), truth=tiles[1].center),
         Query("c", Path("c"), truth=tiles[1].center)]
    sim = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    preds = [
        _pred(10.0, tile_error=40.0, weighted=30.0, source="homography"),  # refined = the Point's 10
        _pred(20.0, tile_error=None, weighted=50.0),                       # no tile error: the Point's 20
        _pred(None, tile_error=None, weighted=70.0),                       # no truth: not scored
    ]
    ev = evaluate(q, tiles, sim, preds)
    assert ev.median_error_m == pytest.approx(30.0) and ev.mean_error_m == pytest.approx(30.0)  # 40, 20
    assert ev.extra["median_weighted_error_m"] == pytest.approx(30.0)  # 10 (homography), 50
    assert ev.extra["median_error_best_m"] == pytest.approx(15.0)
    # a prediction without a weighted error is left out of that median only
    preds[1] = _pred(20.0, tile_error=None, weighted=None)
    ev = evaluate(q, tiles, sim, preds)
    assert ev.extra["median_weighted_error_m"] == pytest.approx(10.0)
    assert ev.median_error_m == pytest.approx(30.0)
    ev = evaluate_ranks(q, [0, 1], {0: np.array([1]), 1: np.array([1])}, 2, preds)
    assert ev.extra["median_weighted_error_m"] == pytest.approx(10.0)
    assert (ev.median_error_m, ev.mean_error_m) == pytest.approx((30.0, 30.0))
    assert ev.extra["median_error_best_m"] == pytest.approx(15.0)


def test_honesty_figures_by_hand():
    tile = _tile()  # 0.001 deg square at 50 N
    sw, ne = LatLon(50.0, 10.0), LatLon(50.001, 10.001)
    radius = haversine_m(sw, ne) / 2  # the half-diagonal (about 67 m)
    assert 60 < radius < 70
    preds = [
        _pred(5.0, conf=0.9, status="verified", tile=tile),        # right, within 5 m, confident (0.9 counts)
        _pred(radius, conf=0.95, status="retrieved", tile=tile),   # right: exactly the half-diagonal
        _pred(1000.0, conf=0.89, status="not located", tile=tile),  # wrong, not confident
        _pred(2000.0, conf=1.0, status="verified", tile=tile),     # wrong, confident
    ]
    h = honesty_figures(preds)
    # the Point's error over the answers with a Point: the not-located one (no place claimed) is left out
    assert h["median_error_best_m"] == pytest.approx(radius)
    assert h["mean_error_best_m"] == pytest.approx((2005.0 + radius) / 3)
    assert h["within_5m_pct"] == pytest.approx(100 / 3)
    assert h["right_pct"] == 50.0
    assert (h["n_verified"], h["n_not_located"], h["n_confident"]) == (2, 1, 3)
    assert h["confident_right_pct"] == pytest.approx(200 / 3)
    assert set(h) == {"median_error_best_m", "mean_error_best_m", "within_5m_pct", "right_pct", "n_verified",
                      "n_not_located", "n_confident", "confident_right_pct", "n_error_camera", "n_error_centre"}
    assert (h["n_error_camera"], h["n_error_centre"]) == (0, 3)  # truth.csv's: the image centre's error
    # nothing with a Point: no Point error at all (not the candidates' middles' error)
    h = honesty_figures([_pred(1000.0, conf=0.0, status="not located", tile=tile)])
    assert (h["median_error_best_m"], h["mean_error_best_m"], h["within_5m_pct"]) == (None, None, None)
    assert h["n_not_located"] == 1 and h["right_pct"] == 0.0
    # just past the half-diagonal is wrong; nothing confident: no share
    h = honesty_figures([_pred(radius + 0.01, conf=0.1, tile=tile), _pred(5.01, conf=0.2, tile=tile)])
    assert h["right_pct"] == 50.0 and h["within_5m_pct"] == 0.0
    assert h["n_confident"] == 0 and h["confident_right_pct"] is None
    assert (h["n_verified"], h["n_not_located"]) == (0, 0)
    assert honesty_figures([]) == {}


def test_error_lines_with_only_one_figure():
    ev = Evaluation(1, 1, 1, 1, None, None, 1, 1, extra={"median_error_best_m": 2.26, "mean_error_best_m": 9.96})
    assert error_lines(ev) == ["Point error: median 2.3 m, mean 10 m"]
    ev = Evaluation(1, 1, 1, 1, 142.4, 2_300.0, 1, 1)
    assert error_lines(ev) == ["top tile centre error: median 142 m, mean 2.3 km"]


# -- scored_queries / far_from_tiles -----------------------------------------------------------------------
def _set(rows=2, cols=2, west=10.0, south=50.0, size=0.25):
    """Tiles of 0.25 deg (exact in binary), so the 'one median tile' margins are exact."""
    return TileSet(tuple(grid_tiles(rows, cols, size_deg=size, west=west, south=south)), Path("tiles"))


def _q(name, lat, lon, **kw):
    return Query(name, Path(name), truth=LatLon(lat, lon), truth_tile=kw.pop("truth_tile", None),
                 truth_source=kw.pop("truth_source", "exif"))


def _far_ids(queries, tiles):
    kept, _ = scored_queries(queries, tiles)
    return [q.id for q, k in zip(queries, kept) if q.truth is not None and k.truth is None]


def test_scored_queries_margin_is_one_median_tile_on_every_side():
    tiles = _set()  # 10..10.5 E, 50..50.5 N; margins 0.25 deg: near means 49.75..50.75 N, 9.75..10.75 E
    edge = [_q("s", 49.75, 10.2), _q("n", 50.75, 10.2), _q("w", 50.2, 9.75), _q("e", 50.2, 10.75),
            _q("wrapped", 50.2, 10.2 - 360.0)]
    assert _far_ids(edge, tiles) == []
    past = [_q("s", 49.74, 10.2), _q("n", 50.76, 10.2), _q("w", 50.2, 9.74), _q("e", 50.2, 10.76)]
    assert _far_ids(past, tiles) == ["s", "n", "w", "e"]
    # the margins are the median tile's height and width, not its area or sum: a 1 x 4 set of
    # 0.25-deg tiles is 1 deg wide and 0.25 deg tall
    wide = _set(1, 4)
    assert _far_ids([_q("a", 50.5, 10.0), _q("b", 50.51, 10.0), _q("c", 50.0, 11.25), _q("d", 50.0, 11.26)],
                    wide) == ["b", "d"]
    tall = _set(4, 1)
    assert _far_ids([_q("a", 51.25, 10.0), _q("b", 51.26, 10.0), _q("c", 50.0, 10.5), _q("d", 50.0, 10.51)],
                    tall) == ["b", "d"]


def test_scored_queries_across_the_antimeridian():
    tiles = TileSet((Tile("w", Path("w"), Bounds(179.5, 0.0, 180.0, 0.5)),
                     Tile("e", Path("e"), Bounds(-180.0, 0.0, -179.5, 0.5))), Path("t"))
    queries = [_q("a", 0.2, 179.0), _q("b", 0.2, -179.0), _q("c", 0.2, 178.99), _q("d", 0.2, -178.99),
               _q("e", 0.2, 180.0)]
    assert _far_ids(queries, tiles) == ["c", "d"]


def test_scored_queries_strip_the_truth_and_name_the_photos():
    tiles = _set()
    near = _q("near.jpg", 50.2, 10.2, truth_tile="r0c0", truth_source="truth.csv")
    far = _q("far.jpg", 10.0, 10.0, truth_tile="r0c0", truth_source="truth.csv")
    nothing = Query("none.jpg", Path("none.jpg"))
    kept, note = scored_queries([near, far, nothing], tiles)
    assert kept[0] is near and kept[2] is nothing
    assert (kept[1].id, kept[1].path) == ("far.jpg", Path("far.jpg"))
    assert (kept[1].truth, kept[1].truth_tile, kept[1].truth_source) == (None, None, None)
    assert note == ("1 truth point lies far outside the tiles and was ignored in the scores "
                    "(the photos are still located): far.jpg")
    assert scored_queries([near, nothing], tiles) == ((near, nothing), None)
    three = [_q(n, 0.0, 0.0) for n in "abc"]
    assert scored_queries(three, tiles)[1] == ("3 truth points lie far outside the tiles and were ignored in the "
                                               "scores (the photos are still located): a, b, c")
    five = [_q(n, 0.0, 0.0) for n in "abcde"]
    assert scored_queries(five, tiles)[1].endswith("located): a, b, c and 2 more")
    assert scored_queries(five[:4], tiles)[1].endswith("located): a, b, c and 1 more")


def test_far_from_tiles_sentence_by_hand():
    tiles = _set()  # centre 50.25 N, 10.25 E
    queries = [_q("near", 50.2, 10.2), _q("ten", 60.25, 10.25), _q("twenty", 70.25, 10.25),
               Query("nogps", Path("nogps"))]
    far = far_from_tiles(queries, tiles)
    km = R * math.radians(10.0) / 1000  # along the meridian: 1111.95 km
    assert f"{km:.0f}" == "1112"
    assert far.note == ("2 of 3 photos with a recorded position lie far from the tiles (the nearest 1112 km from "
                        "their centre): is this the tile set of the place they were taken? Their answers are the "
                        "best tiles of this set and cannot be right")
    assert far.query_ids == frozenset({"ten", "twenty"})
    assert far_from_tiles_note(queries, tiles) == far.note
    assert far_from_tiles(queries[:1] + queries[3:], tiles) is None
    assert far_from_tiles_note(queries[:1], tiles) is None
    # the nearest, whichever comes first; 500 km along the meridian south of the centre
    south = _q("south", 50.25 - math.degrees(500_000 / R), 10.25)
    note = far_from_tiles([queries[2], south], tiles).note
    assert note.startswith("2 of 2 photos with a recorded position lie far from the tiles (the nearest 500 km ")


def test_one_far_photo_reads_in_the_singular():
    """newuser32 (session 32): one real DJI photo against another place's orthophoto read '1 of 1 photos
    with a recorded position lie far from the tiles (the nearest 2259 km ...) ... Their answers are ...'."""
    tiles = _set()  # centre 50.25 N, 10.25 E
    alone = far_from_tiles([_q("ten", 60.25, 10.25)], tiles).note
    assert alone == ("1 of 1 photo with a recorded position lies far from the tiles (1112 km from their centre): "
                     "is this the tile set of the place it was taken? Its answer is the best tile of this set and "
                     "cannot be right")
    one_of_two = far_from_tiles([_q("near", 50.2, 10.2), _q("ten", 60.25, 10.25)], tiles).note
    assert one_of_two.startswith("1 of 2 photos with a recorded position lies far from the tiles (1112 km ")


def test_far_from_tiles_about_names_only_its_photos():
    far = FarFromTiles("a sentence", frozenset({"a.jpg"}))
    assert far.about("a.jpg") == "a sentence"
    assert far.about("b.jpg") is None


def test_error_lines_say_the_not_located_photos_are_not_counted():
    """The Evaluation panel's Point error is over photos with a Point (appuser33: field case 11's blank frames'
    candidates' middles made it 'median 33 m'); the photos left out are said."""
    ev = Evaluation(3, 3, 1, 1, None, None, 1, 1,
                    extra={"median_error_best_m": 0.04, "mean_error_best_m": 0.04, "n_not_located": 2})
    assert error_lines(ev) == ["Point error: median 0.04 m, mean 0.04 m (2 not located: no Point, not counted)"]
    ev = Evaluation(3, 3, 1, 1, None, None, 1, 1, extra={"median_error_best_m": None, "n_not_located": 3})
    assert error_lines(ev) == []
