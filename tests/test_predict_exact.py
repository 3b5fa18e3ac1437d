"""Exact answers of core/predict.py worked out by hand: the weighted estimate across ±180°, the
small-footprint ceiling, NaN scores, the margins' edge cases, what a prediction carries. Written
against the survivors of session 7's mutation run
(training/results/mutation_evaluate_predict_candidates.md). No backbone, tiny inputs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import ground_size_m, haversine_m
from geolocator.core.model import Bounds, LatLon, Match, Query, Tile
from geolocator.core.predict import (
    FULL_COSINE_MARGIN,
    RETRIEVED_CEILING,
    SMALL_FOOTPRINT_CEILING,
    SMALL_FOOTPRINT_RATIO,
    UNVERIFIED_SOURCE,
    WEIGHT_TEMPERATURE,
    confidence,
    cosine_margin,
    footprint_ratio,
    inlier_margin,
    predict,
    retrieved_ceiling,
    verified_confidence,
    weighted_location,
)

from .helpers import grid_tiles, query_at


@dataclass(frozen=True)
class _Sized(Query):
    """A photo whose footprint across (metres) is known (rerank.query_footprint_m reads footprint_m)."""

    footprint_m: float | None = None


def _t(name, west, south, east, north):
    return Tile(name, Path(name), Bounds(west, south, east, north))


def test_the_calibration_constants():
    assert (WEIGHT_TEMPERATURE, FULL_COSINE_MARGIN, RETRIEVED_CEILING) == (0.02, 0.10, 0.6)
    assert (SMALL_FOOTPRINT_RATIO, SMALL_FOOTPRINT_CEILING, UNVERIFIED_SOURCE) == (0.5, 0.29, "weighted")


# -- the weighted estimate ----------------------------------------------------------------------------------
def test_weighted_location_across_the_antimeridian_exact():
    top = _t("w", 179.5, 0.0, 180.0, 0.5)     # centre 179.75
    east = _t("e", -180.0, 0.0, -179.5, 0.5)  # centre -179.75: half a degree east of the top's
    # equal scores: half way, exactly on 180 (kept as +180, not wrapped to -180)
    assert weighted_location([Match(top, 0.5, 1), Match(east, 0.5, 2)]) == LatLon(0.25, 180.0)
    wide = _t("e2", -180.0, 0.0, -179.0, 0.5)  # centre -179.5: 0.75 deg east of the top's
    # half way: 179.75 + 0.375 = 180.125, i.e. -179.875
    loc = weighted_location([Match(top, 0.5, 1), Match(wide, 0.5, 2)])
    assert loc.lat == 0.25 and loc.lon == pytest.approx(-179.875, abs=1e-12)
    # and westwards from the east side: -179.75 - 0.375 = -180.125, i.e. 179.875
    loc = weighted_location([Match(_t("e", -180.0, 0.0, -179.5, 0.5), 0.5, 1), Match(_t("w2", 179.0, 0.0, 180.0, 0.5),
                                                                                    0.5, 2)])
    assert loc.lon == pytest.approx(179.875, abs=1e-12)
    # exactly -180 is kept too
    loc = weighted_location([Match(east, 0.5, 1), Match(top, 0.5, 2)])
    assert loc == LatLon(0.25, -180.0)


def test_weighted_location_softmax_and_a_better_scoring_neighbour():
    a, b = _t("a", 10.0, 50.0, 10.5, 50.5), _t("b", 10.5, 50.0, 11.0, 50.5)  # centres 10.25, 10.75
    # one temperature (0.02) below: weights 1 and 1/e
    loc = weighted_location([Match(a, 0.60, 1), Match(b, 0.58, 2)])
    w = 1 / (1 + math.e)
    assert loc.lon == pytest.approx(10.25 + 0.5 * w, abs=1e-9) and loc.lat == pytest.approx(50.25)
    # a neighbour scoring above the top counts as much as the top, no more
    loc = weighted_location([Match(a, 0.60, 1), Match(b, 0.70, 2)])
    assert loc.lon == pytest.approx(10.5, abs=1e-12)
    # a tile that does not agree (1.5 x the radii away) is left out
    far = _t("far", 12.0, 50.0, 12.5, 50.5)
    assert weighted_location([Match(a, 0.60, 1), Match(far, 0.60, 2)]) == LatLon(50.25, 10.25)


# -- margins and ceilings ------------------------------------------------------------------------------------
def test_cosine_margin_clamps_and_rival():
    tiles = grid_tiles(1, 6)  # r0c0 .. r0c5, 0.001 deg apart: r0c0 and r0c4 do not agree
    top, near, far = tiles[0], tiles[1], tiles[4]
    assert cosine_margin([Match(top, 0.5, 1)]) == 0.0
    assert cosine_margin([Match(top, 0.5, 1), Match(far, 0.46, 2)]) == pytest.approx(0.4)
    assert cosine_margin([Match(top, 0.5, 1), Match(far, 0.7, 2)]) == 0.0  # never below 0
    assert cosine_margin([Match(top, 0.9, 1), Match(far, 0.1, 2)]) == 1.0  # never above 1
    # only neighbours: the last score is the rival
    assert cosine_margin([Match(top, 0.5, 1), Match(near, 0.49, 2), Match(near, 0.47, 3)]) == pytest.approx(0.3)
    # the best tile elsewhere, wherever it stands: answers the dense search ordered (core/dense.py)
    # may put a higher cosine below the top; the first one elsewhere (0.45) would claim 0.5
    assert cosine_margin([Match(top, 0.5, 1), Match(far, 0.45, 2), Match(tiles[5], 0.48, 3)]) == pytest.approx(0.2)


def test_inlier_margin_with_missing_counts():
    tiles = grid_tiles(1, 6)
    top, near, far = tiles[0], tiles[1], tiles[4]
    assert inlier_margin([Match(top, 0.5, 1, None)]) == 0
    assert inlier_margin([Match(top, 0.5, 1, 20), Match(far, 0.4, 2, None)]) == 20
    assert inlier_margin([Match(top, 0.5, 1, 20), Match(far, 0.4, 2, 7), Match(tiles[5], 0.3, 3, 9)]) == 11
    assert inlier_margin([Match(top, 0.5, 1, 20), Match(near, 0.4, 2, 19)]) == 20  # a neighbour is no rival
    assert inlier_margin([Match(top, 0.5, 1, 5), Match(far, 0.4, 2, 9)]) == -4
    assert verified_confidence(-4) == 0.25 and verified_confidence(0) == 0.25 and verified_confidence(8.4) == 0.833
    assert verified_confidence(100) == 0.997


def test_retrieved_ceiling_edge():
    assert retrieved_ceiling(None) == 0.6
    assert retrieved_ceiling(0.5) == 0.29 and retrieved_ceiling(0.0) == 0.29
    assert retrieved_ceiling(0.5000001) == 0.6
    tiles = grid_tiles(1, 6)
    matches = [Match(tiles[0], 0.9, 1), Match(tiles[4], 0.1, 2)]  # a full cosine margin
    assert confidence(matches, 8) == 0.6
    assert confidence(matches, 8, 0.5) == 0.29
    assert confidence(matches, 8, 0.51) == 0.6
    # verified: the ratio plays no part
    assert confidence([Match(tiles[0], 0.9, 1, 50), Match(tiles[4], 0.1, 2)], 8, 0.1) == 0.997
    assert confidence([Match(tiles[0], 0.9, 1, 8), Match(tiles[4], 0.1, 2)], 8, 0.1) == pytest.approx(
        0.25 + 0.583 * 8 / 8.4)
    assert confidence([Match(tiles[0], 0.9, 1, 7), Match(tiles[4], 0.1, 2)], 8, 0.1) == 0.29


def test_footprint_ratio_exact():
    tile = _t("t", 10.0, 50.0, 10.001, 50.001)
    width = ground_size_m(tile.bounds)[0]  # about 71.7 m along 50.0005 N
    assert 70 < width < 73
    assert footprint_ratio(_Sized("q", Path("q"), footprint_m=width / 4), tile) == pytest.approx(0.25, rel=1e-12)
    assert footprint_ratio(_Sized("q", Path("q"), footprint_m=None), tile) is None
    assert footprint_ratio(Query("q", Path("q")), tile) is None
    assert footprint_ratio(_Sized("q", Path("q"), footprint_m=30.0), _t("z", 10.0, 50.0, 10.0, 50.001)) is None


def test_predict_uses_the_footprint_only_when_unverified():
    tiles = grid_tiles(1, 6)
    width = ground_size_m(tiles[0].bounds)[0]
    q = _Sized("q", Path("q"), truth=tiles[0].center, footprint_m=width / 2)  # exactly the edge: small
    scores, ids = np.array([[0.9, 0.1]], np.float32), np.array([[0, 4]])
    assert predict([q], tiles, scores, ids)[0].confidence == pytest.approx(0.29)
    big = _Sized("q", Path("q"), truth=tiles[0].center, footprint_m=width * 0.51)
    assert predict([big], tiles, scores, ids)[0].confidence == pytest.approx(0.6)
    p = predict([q], tiles, scores, ids, inliers=np.array([[50, 0]]))[0]
    assert p.confidence == pytest.approx(0.997) and p.status == "verified"


# -- predict ---------------------------------------------------------------------------------------------
def test_nan_and_infinite_scores_rank_as_minus_one():
    tiles = grid_tiles(1, 6)
    p = predict([Query("q", Path("q"))], tiles, np.array([[0.5, np.nan, np.inf]]), np.array([[0, 4, 5]]))[0]
    assert [m.score for m in p.matches] == [0.5, -1.0, -1.0]
    assert [m.rank for m in p.matches] == [1, 2, 3] and [m.tile.id for m in p.matches] == ["r0c0", "r0c4", "r0c5"]
    assert p.confidence == pytest.approx(0.6)  # 0.5 - (-1) = 1.5 over the NaN rival: 15 full margins, capped at 1
    assert (p.error_m, p.weighted_error_m, p.tile_error_m) == (None, None, None)
    assert p.location == p.weighted_location == tiles[0].center and p.location_source == "weighted"


def test_predict_carries_inliers_grounds_and_three_errors():
    tiles = grid_tiles(1, 6)
    truth = LatLon(50.0005, 10.0)  # on the top tile's west edge, 0.0005 deg (one half tile) west of its centre
    ground = LatLon(50.0015, 10.0)  # 0.001 deg north of the truth
    q = Query("q", Path("q"), truth=truth)
    p = predict([q], tiles, np.array([[0.6, 0.59]]), np.array([[0, 4]]), inliers=np.array([[12.0, 3.0]]),
                grounds=[[ground, LatLon(0.0, 0.0)]], min_inliers=12)[0]
    assert [m.inliers for m in p.matches] == [12, 3] and [type(m.inliers) for m in p.matches] == [int, int]
    assert [m.ground for m in p.matches] == [ground, LatLon(0.0, 0.0)]
    assert (p.status, p.location_source, p.location) == ("verified", "homography", ground)
    r = 6_371_008.8
    assert p.error_m == pytest.approx(r * math.radians(0.001), rel=1e-9)  # along the meridian
    assert p.weighted_location == tiles[0].center  # the other tile does not agree: the top's centre
    assert p.weighted_error_m == p.tile_error_m == pytest.approx(haversine_m(truth, tiles[0].center), rel=1e-12)
    # inlier margin 12 - 3 = 9: between the table's knots (8.4, 0.833) and (10.7, 0.941)
    assert p.confidence == pytest.approx(0.833 + (0.941 - 0.833) * (9 - 8.4) / (10.7 - 8.4), rel=1e-12)
    assert p.note is None


def test_not_located_needs_a_reason():
    tiles = grid_tiles(1, 6)
    qs = [query_at(tiles[0], "a"), query_at(tiles[0], "b"), query_at(tiles[0], "c")]
    scores, ids = np.array([[0.9, 0.1]] * 3), np.array([[0, 4]] * 3)
    a, b, c = predict(qs, tiles, scores, ids, not_located=["blank", "", None])
    assert (a.status, a.confidence, a.note) == ("not located", 0.0, "blank")
    assert (b.status, b.confidence, b.note) == ("retrieved", 0.6, "")
    assert (c.status, c.confidence, c.note) == ("retrieved", 0.6, None)
    # a not-located photo keeps its Point and errors (scored like any other)
    assert a.location == tiles[0].center and a.error_m == pytest.approx(0.0, abs=1e-6)


def test_tiles_exactly_at_the_agreement_distance_agree():
    """'Within about one tile' is inclusive: two point tiles (radius 0) at the same place are at
    distance 0 <= 1.5 x (0 + 0) and agree, so the second is no rival."""
    point, same, far = _t("p", 10.0, 50.0, 10.0, 50.0), _t("q", 10.0, 50.0, 10.0, 50.0), _t("f", 11.0, 50.0, 11.0, 50.0)
    matches = [Match(point, 0.9, 1, 30), Match(same, 0.88, 2, 29), Match(far, 0.82, 3, 4)]
    assert cosine_margin(matches) == pytest.approx(0.8)  # the rival is the far tile's 0.82, not 0.88
    assert inlier_margin(matches) == 26


def test_footprint_ratio_of_a_tile_narrower_than_a_metre():
    tile = _t("t", 10.0, 50.0, 10.000005, 50.000005)
    width = ground_size_m(tile.bounds)[0]  # about 0.36 m
    assert 0.3 < width < 0.4
    assert footprint_ratio(_Sized("q", Path("q"), footprint_m=width), tile) == pytest.approx(1.0, rel=1e-12)


def test_the_tile_centre_setting_puts_an_unverified_point_on_the_top_tile():
    """UNVERIFIED_SOURCE names where an unverified photo goes (training/calibration.py compares both);
    set to the tile centre, the Point is the top tile's centre and says so."""
    import geolocator.core.predict as predict_module

    tiles = grid_tiles(1, 6)
    q = query_at(tiles[0], "a.jpg")
    before = predict_module.UNVERIFIED_SOURCE
    predict_module.UNVERIFIED_SOURCE = "tile_centre"
    try:
        p = predict([q], tiles, np.array([[0.6, 0.59]]), np.array([[0, 1]]))[0]
    finally:
        predict_module.UNVERIFIED_SOURCE = before
    assert (p.location, p.location_source) == (tiles[0].center, "tile_centre")
    assert p.weighted_location != tiles[0].center and p.query is q
    assert p.error_m == pytest.approx(0.0, abs=1e-6) and p.weighted_error_m > 1


def test_partial_cosine_margin_and_the_default_threshold():
    tiles = grid_tiles(1, 6)
    matches = [Match(tiles[0], 0.6, 1), Match(tiles[4], 0.55, 2)]  # half the full margin
    # the measured share right at margin 0.5: between 0.377 -> 0.103 and 0.601 -> 0.226
    # (confidence_tables.UNVERIFIED_RIGHT); a small footprint scales it by 0.29 / 0.6
    share = 0.103 + 0.123 * (0.5 - 0.377) / 0.224
    assert confidence(matches, 8) == pytest.approx(share)
    assert confidence(matches, 8, 0.5) == pytest.approx(share * 0.29 / 0.6)
    q = query_at(tiles[0], "a.jpg")
    scores, ids = np.array([[0.6, 0.55]]), np.array([[0, 4]])
    assert predict([q], tiles, scores, ids, inliers=np.array([[8, 0]]))[0].status == "verified"
    assert predict([q], tiles, scores, ids, inliers=np.array([[7, 0]]))[0].status == "retrieved"
