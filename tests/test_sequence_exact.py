"""Exact answers of core/sequence.py on tiny synthetic tracks (written for the survivors of the
mutation run of session 7). Every expected value is worked out by hand in the comments: positions
are local east/north metres about ORIGIN, one candidate or frame at a time, so each decision of the
dynamic programme (skip or keep, reach or not, which candidate) is a comparison of a few numbers."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.geo import haversine_m, metres_per_degree
from geolocator.core.model import (SOURCE_HOMOGRAPHY, SOURCE_TILE_CENTRE, SOURCE_TRACK, STATUS_NOT_LOCATED,
                                   LatLon, Match, PhotoMeta, Prediction, Query, Tile)
from geolocator.core.sequence import (MotionModel, Track, TrackPoint, _candidates, _Candidate, _capture_of, _interpolate,
                                      _place, _query_capture, _turn_penalty, _xy, sequences, smooth, smooth_flight,
                                      viterbi_path)

# the flat local frame of test_sequence.py: metres east/north of ORIGIN, 50 m tiles
from .test_sequence import M_LAT, M_LON, ORIGIN, TILE_M, at, tile_at  # noqa: E402,F401


def near(a: LatLon, b: LatLon, tol_m: float = 1e-3) -> bool:
    return haversine_m(a, b) <= tol_m


def cand(e: float, n: float, emission: float = 0.0, slack: float = 0.0, verified: bool = True) -> _Candidate:
    return _Candidate(None, at(e, n), slack, verified, emission)


def match(e, n, score, rank, inliers=None, verified=False, footprint=None) -> Match:
    return Match(tile_at(e, n), score, rank, inliers, at(e, n) if verified else None, footprint)


def pred(i: int, matches: list[Match], location: LatLon | None = None, truth: LatLon | None = None,
         status: str = "retrieved") -> Prediction:
    q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=truth, time_s=float(i))
    top = matches[0] if matches else None
    if location is None:
        location = top.ground if top is not None and top.ground is not None else (top.tile.center if top else at(0, 0))
    return Prediction(q, tuple(matches), location, location, 0.5, status=status)


def foot(e: float) -> tuple[LatLon, ...]:
    return (at(e - 1, 1), at(e + 1, 1), at(e + 1, -1), at(e - 1, -1))


# -- _xy --------------------------------------------------------------------------------------------
def test_xy_is_east_north_metres_about_the_origin():
    xy = _xy([at(12.0, -7.0), ORIGIN, at(-3.5, 40.0)], ORIGIN)
    assert xy.shape == (3, 2) and xy.dtype == np.float64
    assert xy == pytest.approx(np.array([[12.0, -7.0], [0.0, 0.0], [-3.5, 40.0]]), abs=1e-8)
    assert _xy([], ORIGIN).shape == (0, 2)


# -- _turn_penalty ----------------------------------------------------------------------------------
def _p(*pts):
    return np.array(pts, np.float64).reshape(-1, 2)


def _s(*v):
    return np.array(v, np.float64)


@pytest.mark.parametrize("nxt, expected", [((20, 0), 0.0), ((10, 10), 0.5), ((0, 0), 1.0), ((0, 10), 0.75)])
def test_turn_penalty_of_exactly_known_legs(nxt, expected):
    # prev (0,0) -> mid (10,0) -> next; no slack: (1 - cos)/2 with cos 1, 0, -1, -1/sqrt(2)... for (0,10):
    # legs (10,0) and (-10,10): cos = -100/(10*sqrt(200)) = -1/sqrt(2): (1 + 0.70711)/2 = 0.853553
    if nxt == (0, 10):
        expected = (1 + 1 / math.sqrt(2)) / 2
    pen = _turn_penalty(_p((0, 0)), _s(0.0), _p((10, 0)), _s(0.0), _p(nxt), _s(0.0))
    assert pen.shape == (1, 1, 1)
    assert pen[0, 0, 0] == pytest.approx(expected, abs=1e-12)


def test_turn_penalty_weights_each_leg_by_its_ends_slacks():
    # a right angle (0.5); leg 1 of length 10 with prev slack 10 and mid slack 0: 100/(100+0+100) = 0.5;
    # leg 2 of length 10 with next slack 5: 100/(100+0+25) = 0.8 -> 0.5 * 0.5 * 0.8 = 0.2
    pen = _turn_penalty(_p((0, 0)), _s(10.0), _p((10, 0)), _s(0.0), _p((10, 10)), _s(5.0))
    assert pen[0, 0, 0] == pytest.approx(0.2, abs=1e-12)
    # the mid slack counts in both legs: 5 -> 100/125 = 0.8 twice -> 0.5 * 0.64 = 0.32
    pen = _turn_penalty(_p((0, 0)), _s(0.0), _p((10, 0)), _s(5.0), _p((10, 10)), _s(0.0))
    assert pen[0, 0, 0] == pytest.approx(0.32, abs=1e-12)
    # longer second leg (20 m, next slack 10): 400/(400+100) = 0.8; first leg 3-4-5 (25 m, prev slack 0,
    # mid slack 0): 1; legs (15,20) and (0,20): cos = 400/(25*20) = 0.8 -> (1-0.8)/2 = 0.1 -> 0.1 * 0.8
    pen = _turn_penalty(_p((0, 0)), _s(0.0), _p((15, 20)), _s(0.0), _p((15, 40)), _s(10.0))
    assert pen[0, 0, 0] == pytest.approx(0.08, abs=1e-12)


def test_turn_penalty_without_a_previous_position_or_a_leg_is_zero():
    nan = np.full((1, 2), np.nan)
    assert _turn_penalty(nan, _s(0.0), _p((10, 0)), _s(3.0), _p((0, 0)), _s(3.0))[0, 0, 0] == 0.0
    # a zero-length second leg (no slack: 0/0) and a zero-length first leg (with slack)
    assert _turn_penalty(_p((0, 0)), _s(0.0), _p((10, 0)), _s(0.0), _p((10, 0)), _s(0.0))[0, 0, 0] == 0.0
    assert _turn_penalty(_p((10, 0)), _s(2.0), _p((10, 0)), _s(2.0), _p((0, 0)), _s(2.0))[0, 0, 0] == 0.0


def test_turn_penalty_shapes_and_axes():
    """(K1 mids, P previous slots, K2 nexts): entry [a, p, q] is the turn prev[p] -> mid[a] -> next[q]."""
    prev, prev_s = _p((0, 0), (np.nan, np.nan), (20, 0)), _s(0.0, 0.0, 0.0)
    mid, mid_s = _p((10, 0), (10, 10)), _s(0.0, 0.0)
    nxt, nxt_s = _p((20, 0), (10, 20)), _s(0.0, 0.0)
    pen = _turn_penalty(prev, prev_s, mid, mid_s, nxt, nxt_s)
    assert pen.shape == (2, 3, 2)
    # mid (10,0): from (0,0): straight on to (20,0) 0; to (10,20) a right angle 0.5
    #             from (20,0): reversal to (20,0) 1; to (10,20) a right angle 0.5
    # mid (10,10): from (0,0) leg (10,10); to (20,0) leg (10,-10): right angle 0.5; to (10,20) leg (0,10):
    #              cos 1/sqrt2 -> (1 - 0.70711)/2; from (20,0) leg (-10,10): to (20,0) leg (10,-10) reversal 1;
    #              to (10,20) leg (0,10): cos 1/sqrt2 again
    c = 1 / math.sqrt(2)
    expected = np.array([
        [[0.0, 0.5], [0.0, 0.0], [1.0, 0.5]],
        [[0.5, (1 - c) / 2], [0.0, 0.0], [1.0, (1 - c) / 2]],
    ])
    assert pen == pytest.approx(expected, abs=1e-12)


# -- _candidates ------------------------------------------------------------------------------------
def test_candidates_of_an_unverified_frame_are_tile_centres_with_clipped_emissions():
    p = pred(0, [match(10, 10, 0.6, 1), match(60, 10, 0.55, 2, inliers=7, verified=True), match(110, 10, 0.1, 3)])
    cs = _candidates(p, MotionModel())
    assert [c.verified for c in cs] == [False, False, False]
    assert [c.match for c in cs] == list(p.matches)
    assert [c.position for c in cs] == [m.tile.center for m in p.matches]
    # (score - best) / 0.02: 0, -2.5, -25 -> clipped at -20
    assert [c.emission for c in cs] == pytest.approx([0.0, -2.5, -20.0], abs=1e-9)
    # slack: half the tile's diagonal, 50 m * sqrt(2) / 2 = 35.36 m (haversine on the sphere: 0.3 %)
    assert [c.slack_m for c in cs] == pytest.approx([25 * math.sqrt(2)] * 3, rel=5e-3)
    # another temperature: (0.55 - 0.6) / 0.05 = -1
    assert _candidates(p, MotionModel(cosine_temperature=0.05))[1].emission == pytest.approx(-1.0, abs=1e-9)


def test_candidates_keep_only_the_verified_ones_when_any_is():
    ms = [match(10, 10, 0.7, 1), match(60, 12, 0.6, 2, inliers=16, verified=True),
          match(110, 10, 0.5, 3, inliers=8, verified=True), match(160, 10, 0.4, 4, inliers=7, verified=True),
          Match(tile_at(210, 10), 0.3, 5, 50, None)]  # many inliers but no ground point: not verified
    cs = _candidates(pred(0, ms), MotionModel())
    assert [c.match.rank for c in cs] == [2, 3]
    assert [c.position for c in cs] == [at(60, 12), at(110, 10)]  # the homography centres, not the tiles'
    assert [c.slack_m for c in cs] == [10.0, 10.0] and all(c.verified for c in cs)
    # 4 + ln(16/8) and 4 + ln(8/8)
    assert [c.emission for c in cs] == pytest.approx([4.0 + math.log(2.0), 4.0], abs=1e-12)
    # other parameters: min_inliers 16 keeps one; bonus 1 and slack 3
    cs = _candidates(pred(0, ms), MotionModel(min_inliers=16, verified_bonus=1.0, verified_slack_m=3.0))
    assert [(c.match.rank, c.slack_m) for c in cs] == [(2, 3.0)] and cs[0].emission == pytest.approx(1.0, abs=1e-12)


def test_candidates_of_an_empty_or_content_free_frame():
    assert _candidates(Prediction(Query("a", Path("a")), (), at(0, 0), at(0, 0), 0.0), MotionModel()) == []
    ms = [match(10, 10, 0.6, 1, inliers=30, verified=True)]
    assert _candidates(pred(0, ms, status=STATUS_NOT_LOCATED), MotionModel()) == []
    assert len(_candidates(pred(0, ms, status="verified"), MotionModel())) == 1


# -- viterbi_path -----------------------------------------------------------------------------------
def M(**kw) -> MotionModel:
    base = dict(max_speed_mps=20.0, skip_cost=3.0, move_cost=0.5, turn_cost=0.0, max_gap_frames=30)
    base.update(kw)
    return MotionModel(**base)


def test_viterbi_of_no_frames():
    assert viterbi_path([], [], ORIGIN, M()) == []


@pytest.mark.parametrize("emission, expected", [(-2.9, [0]), (-3.0, [None]), (-3.1, [None])])
def test_viterbi_one_frame_is_on_the_track_when_its_emission_beats_the_skip(emission, expected):
    # on: emission; off: -skip = -3 (a tie stays off: the first, empty, answer is kept)
    assert viterbi_path([0.0], [[cand(0, 0, emission)]], ORIGIN, M()) == expected


@pytest.mark.parametrize("emission, expected", [(-2.9, [None, 0]), (-3.1, [None, None])])
def test_viterbi_a_track_starting_late_pays_for_the_frames_before(emission, expected):
    # frame 0 has no candidate: [None, 0] scores -3 + e, [None, None] -6
    assert viterbi_path([0.0, 1.0], [[], [cand(0, 0, emission)]], ORIGIN, M()) == expected


@pytest.mark.parametrize("emission, expected", [(-2.9, [0, None]), (-3.1, [None, None])])
def test_viterbi_a_track_ending_early_pays_for_the_frames_after(emission, expected):
    assert viterbi_path([0.0, 1.0], [[cand(0, 0, emission)], []], ORIGIN, M()) == expected


def test_viterbi_reach_is_inclusive_and_made_of_speed_time_and_slacks():
    # two frames 1 s apart, 12 m apart, no slack. Both on: -0.5 * (d/reach)^2 >= -0.5; one off: -3.
    # exactly representable: origin (0, 0), a longitude step of 2^-13 deg; speed = that many metres a second
    o = LatLon(0.0, 0.0)
    step = 2.0 ** -13
    d = step * metres_per_degree(0.0)[1]
    cs = [[_Candidate(None, o, 0.0, True, 0.0)], [_Candidate(None, LatLon(0.0, step), 0.0, True, 0.0)]]
    assert viterbi_path([0.0, 1.0], cs, o, M(max_speed_mps=d)) == [0, 0]  # d <= reach, with equality
    assert viterbi_path([0.0, 1.0], cs, o, M(max_speed_mps=d * 0.999)) == [0, None]
    # 30 m in 2 s at 10 m/s (20 m) with slacks 5 + 6 (reach 31): on; slacks 5 + 4 (29): off
    for s2, expected in ((6.0, [0, 0]), (4.0, [0, None])):
        got = viterbi_path([0.0, 2.0], [[cand(0, 0, slack=5.0)], [cand(30, 0, slack=s2)]], ORIGIN, M(max_speed_mps=10.0))
        assert got == expected
    # times out of order give no time to move: 5 m with no slack is out of reach at any speed
    assert viterbi_path([1.0, 0.0], [[cand(0, 0)], [cand(5, 0)]], ORIGIN, M(max_speed_mps=100.0)) == [0, None]


@pytest.mark.parametrize("b_emission, move_cost, expected", [(-0.1, 0.5, 1), (-0.15, 0.5, 0), (-0.1, 0.2, 0)])
def test_viterbi_move_cost_is_quadratic_in_the_used_reach(b_emission, move_cost, expected):
    # frame 0 at (0,0); frame 1: A at 10 m (emission 0), B at 0 m. Reach 20 m in 1 s.
    # A: -move_cost * (10/20)^2 = -0.125 (move_cost 0.5) or -0.05 (0.2); B: b_emission - 0
    cs = [[cand(0, 0)], [cand(10, 0), cand(0, 0, b_emission)]]
    assert viterbi_path([0.0, 1.0], cs, ORIGIN, M(move_cost=move_cost)) == [0, expected]


@pytest.mark.parametrize("gap, expected", [(1, [0, None, 0]), (0, [None, None, 0])])
def test_viterbi_bridges_at_most_max_gap_frames(gap, expected):
    # frame 1 is out of reach of both; 0 -> 2: 10 m in 2 s (reach 40): -0.5 * 0.25^2 = -0.03125
    # [0, None, 0]: 0 + 0.5 - 3 - 0.03125 = -2.53; [None, None, 0]: -6 + 0.5 = -5.5; [None, 0, None]: -6
    cs = [[cand(0, 0)], [cand(1000, 0)], [cand(10, 0, 0.5)]]
    assert viterbi_path([0.0, 1.0, 2.0], cs, ORIGIN, M(max_gap_frames=gap)) == expected


def test_viterbi_a_bridge_pays_the_skip_of_each_frame_it_spans():
    # 0 -> 3 across two frames out of reach: 0 + 2.5 - 2 * 3 - 0.5 * (15/60)^2 = -3.53
    # against the last frame alone: -9 + 2.5 = -6.5; with skip 1: -0.03 + 0.5 ... still the bridge.
    cs = [[cand(0, 0)], [cand(1000, 0)], [cand(2000, 0)], [cand(15, 0, 2.5)]]
    assert viterbi_path([0.0, 1.0, 2.0, 3.0], cs, ORIGIN, M(max_gap_frames=2)) == [0, None, None, 0]
    # a first frame worth 0 against the bridge's cost: emission -3.4 at frame 0:
    # bridge -3.4 + 2.5 - 6 - 0.0078 = -6.908; frame 3 alone: -6.5 -> alone
    cs[0] = [cand(0, 0, -3.4)]
    assert viterbi_path([0.0, 1.0, 2.0, 3.0], cs, ORIGIN, M(max_gap_frames=2)) == [None, None, None, 0]


@pytest.mark.parametrize("nxt, x, turn, expected", [
    ((0, 0), 2.9, 3.0, 0), ((0, 0), 3.1, 3.0, 1), ((0, 0), 0.1, 0.0, 1),
    ((10, 10), 1.4, 3.0, 0), ((10, 10), 1.6, 3.0, 1), ((0, 0), 0.9, 1.0, 0), ((0, 0), 1.1, 1.0, 1),
])
def test_viterbi_turn_cost(nxt, x, turn, expected):
    # frames at 0, 1, 2 s: (0,0), (10,0), then C = (20,0) straight on (emission 0) or D = nxt (emission x).
    # Skips cost 10 (never worth it). Moves: 10 m of 20 m reach each: -0.125 each.
    # C: -0.25. D reversal: -0.25 - 3 * 1 + x; D right angle (10 m too): -0.25 - 3 * 0.5 + x.
    cs = [[cand(0, 0)], [cand(10, 0)], [cand(20, 0), cand(*nxt, x)]]
    assert viterbi_path([0.0, 1.0, 2.0], cs, ORIGIN, M(skip_cost=10.0, turn_cost=turn)) == [0, 0, expected]


def test_viterbi_turn_through_a_bridge_uses_the_candidate_before_the_gap():
    # frames 0..3; frame 2 out of reach. Path 0 -> 1 -> 3: the turn at frame 1 is prev (0,0), mid (10,0),
    # next: C = (30,0) straight on (0) or D = (10,20) a right angle (emission 1.4, 20 m of 40 m reach:
    # -0.125, and C: 20 m of 40: -0.125). D: 1.4 - 1.5 < 0 = C  -> C; with emission 1.6: D.
    for x, expected in ((1.4, 0), (1.6, 1)):
        cs = [[cand(0, 0)], [cand(10, 0)], [cand(5000, 0)], [cand(30, 0), cand(10, 20, x)]]
        got = viterbi_path([0.0, 1.0, 2.0, 3.0], cs, ORIGIN, M(skip_cost=10.0, turn_cost=3.0))
        assert got == [0, 0, None, expected]


def test_viterbi_picks_the_best_of_several_previous_candidates():
    # frame 0: P = (0,0) emission 0 or Q = (0,30) emission 0.2; frame 1: (0,10). Reach 20 in 1 s:
    # P -> -0.5 * (10/20)^2 = -0.125 ; Q -> 20 m: -0.5. P total -0.125 > Q total -0.3 -> P
    cs = [[cand(0, 30, 0.2), cand(0, 0)], [cand(0, 10)]]
    assert viterbi_path([0.0, 1.0], cs, ORIGIN, M()) == [1, 0]
    # Q worth 0.5: -0.0 > -0.125 -> Q
    cs = [[cand(0, 30, 0.5), cand(0, 0)], [cand(0, 10)]]
    assert viterbi_path([0.0, 1.0], cs, ORIGIN, M()) == [0, 0]


# -- _interpolate / _place --------------------------------------------------------------------------
def ll(p: LatLon) -> tuple[float, float]:
    return (p.lat, p.lon)


def flat(points) -> list[float]:
    return [x for p in points for x in (p.lat, p.lon)]


def test_interpolate_without_anchors_or_with_one():
    assert _interpolate([0.0, 1.0], {}) == [None, None]
    out = _interpolate([0.0, 1.0, 2.0], {1: LatLon(3.0, 4.0)}, horizon_s=5.0)
    assert [ll(p) for p in out] == [(3.0, 4.0)] * 3


def test_interpolate_two_anchors_linear_then_constant_velocity_up_to_the_horizon():
    times = [0.0, 1.0, 2.0, 3.0, 4.0, 10.0, -9.0]
    anchors = {1: LatLon(1.0, 2.0), 3: LatLon(3.0, 6.0)}  # 1 deg lat and 2 deg lon a second
    out = flat(_interpolate(times, anchors, horizon_s=5.0))
    # t=0: 1 s before: (0, 0); t=2: (2, 4); t=4: (4, 8); t=10: 7 s after, 5 s at most: (8, 16);
    # t=-9: 10 s before, 5 at most: (-4, -8)
    assert out == pytest.approx([0, 0, 1, 2, 2, 4, 3, 6, 4, 8, 8, 16, -4, -8], abs=1e-12)
    out = flat(_interpolate(times, anchors, horizon_s=0.5))
    assert out == pytest.approx([0.5, 1, 1, 2, 2, 4, 3, 6, 3.5, 7, 3.5, 7, 0.5, 1], abs=1e-12)
    assert flat(_interpolate(times, anchors)) == pytest.approx(  # default horizon: held
        [1, 2, 1, 2, 2, 4, 3, 6, 3, 6, 3, 6, 1, 2], abs=1e-12)


def test_interpolate_extrapolates_with_the_velocity_of_the_nearest_two_anchors():
    # anchors at t = 1, 2, 3 with lat 0, 1, 3: velocity 1 before, 2 after
    times = [0.0, 1.0, 2.0, 3.0, 4.0]
    out = _interpolate(times, {1: LatLon(0.0, 0.0), 2: LatLon(1.0, 0.0), 3: LatLon(3.0, 0.0)}, horizon_s=5.0)
    assert [p.lat for p in out] == pytest.approx([-1.0, 0.0, 1.0, 3.0, 5.0], abs=1e-12)
    # two anchors at the same time: no velocity, held
    out = _interpolate([0.0, 1.0, 1.0], {1: LatLon(2.0, 0.0), 2: LatLon(2.0, 0.0)}, horizon_s=5.0)
    assert out[0].lat == 2.0


def test_interpolate_four_anchors_follow_a_cubic():
    # lat = t^3, lon = t^2 at t = 0, 1, 2, 3: a not-a-knot cubic spline through 4 points is that cubic:
    # at 1.5: 3.375 and 2.25 (linear would give 4.5 and 2.5); outside: linear from the last two anchors
    times = [0.0, 1.0, 1.5, 2.0, 3.0, 4.0, -1.0]
    anchors = {0: LatLon(0.0, 0.0), 1: LatLon(1.0, 1.0), 3: LatLon(8.0, 4.0), 4: LatLon(27.0, 9.0)}
    out = flat(_interpolate(times, anchors, horizon_s=5.0))
    assert out == pytest.approx([0, 0, 1, 1, 3.375, 2.25, 8, 4, 27, 9, 27 + 19, 9 + 5, -1, -1], abs=1e-9)
    # the first and the last interval follow the cubic too: 0.5 -> 0.125, 0.25; 2.5 -> 15.625, 6.25
    out = flat(_interpolate([0.0, 1.0, 2.0, 3.0, 0.5, 2.5], {0: LatLon(0.0, 0.0), 1: LatLon(1.0, 1.0),
                                                            2: LatLon(8.0, 4.0), 3: LatLon(27.0, 9.0)}, 5.0))[8:]
    assert out == pytest.approx([0.125, 0.25, 15.625, 6.25], abs=1e-9)
    # three anchors (t = 0, 1, 3 of the same cubic): linear at 2: 1 + (27 - 1) / 2 = 14, lon 1 + 8/2 = 5
    out = _interpolate([0.0, 1.0, 2.0, 3.0], {0: LatLon(0, 0), 1: LatLon(1, 1), 3: LatLon(27, 9)}, 5.0)
    assert ll(out[2]) == pytest.approx((14.0, 5.0), abs=1e-12)
    # four anchors with a repeated time: no spline (linear between the ones around)
    out = _interpolate([0.0, 1.0, 2.0, 2.0, 1.5], {0: LatLon(0, 0), 1: LatLon(1, 1), 2: LatLon(8, 4),
                                                    3: LatLon(8, 4)}, 5.0)
    assert ll(out[4]) == pytest.approx((4.5, 2.5), abs=1e-12)


def test_place_says_interpolated_extrapolated_or_nothing():
    times = [0.0, 1.0, 2.0, 3.0, 4.0, 8.0, 10.0]
    anchors = {1: at(0, 0), 3: at(0, 0)}
    got = [_place(times, anchors, j, 5.0) for j in range(len(times))]
    # t = 8: 5 s past the last anchor (t = 3), the horizon itself: still extrapolated; t = 10: 7 s, beyond
    assert got == [("extrapolated", 1.0), ("interpolated", None), ("interpolated", None), ("interpolated", None),
                   ("extrapolated", 1.0), ("extrapolated", 5.0), None]
    assert isinstance(got[0][1], float)
    assert _place(times, anchors, 0, 0.5) is None and _place(times, anchors, 6, 7.0) == ("extrapolated", 7.0)
    assert _place(times, {}, 0, 5.0) is None
    # one anchor: no velocity, not even at its own time
    assert _place(times, {1: at(0, 0)}, 1, 5.0) is None and _place(times, {1: at(0, 0)}, 0, 5.0) is None


# -- sequences --------------------------------------------------------------------------------------
def photo(name: str, when: datetime | None, make="DJI", model="FC300S") -> Query:
    return Query(name, Path(f"/nonexistent/{name}"), meta=PhotoMeta(make=make, model=model, captured_at=when))


def test_capture_of_metadata():
    tz = timezone(timedelta(hours=2))
    m = PhotoMeta(make="DJI", model="FC300S", captured_at=datetime(2026, 6, 1, 10, 0, 0, tzinfo=tz))
    assert _capture_of(m) == (datetime(2026, 6, 1, 10, 0, 0), "DJI FC300S")  # camera time, offset dropped
    assert _capture_of(m)[0].tzinfo is None
    assert _capture_of(PhotoMeta(model="FC300S")) == (None, "FC300S")
    assert _capture_of(PhotoMeta(make="DJI ", model="")) == (None, "DJI")
    assert _capture_of(object()) == (None, "")
    assert _query_capture(photo("a.jpg", datetime(2026, 1, 2, 3, 4, 5), "X", "Y")) == (datetime(2026, 1, 2, 3, 4, 5), "X Y")


def test_sequences_exactly():
    t0 = datetime(2026, 6, 1, 10, 0, 0)
    qs = [
        Query("b.mp4#t=5", Path("b.mp4"), time_s=5.0), Query("a.mp4#t=3.5", Path("a.mp4"), time_s=3.5),
        Query("a.mp4#t=2", Path("a.mp4"), time_s=2.0), Query("c.mp4#t=0", Path("c.mp4"), time_s=0.0),
        Query("b.mp4#t=7", Path("b.mp4"), time_s=7.0, meta=PhotoMeta(captured_at=t0)),  # a frame, not a photo
        photo("p3", t0 + timedelta(seconds=601)), photo("p1", t0 + timedelta(seconds=300)),
        photo("p0", t0), photo("p2", t0 + timedelta(seconds=301 + 300)), photo("p4", t0 + timedelta(seconds=602)),
        photo("q0", t0, "", ""), photo("q1", t0 + timedelta(seconds=1), "", ""),
        photo("lone", t0 + timedelta(hours=1)), photo("untimed", None),
    ]
    got = [(name, [(q.id, t) for q, t in items]) for name, items in sequences(qs)]
    assert got == [
        ("b.mp4", [("b.mp4#t=5", 0.0), ("b.mp4#t=7", 2.0)]),
        ("a.mp4", [("a.mp4#t=2", 0.0), ("a.mp4#t=3.5", 1.5)]),  # c.mp4: one frame, dropped
        # 300 s apart: one flight; then 301 s: a new one; p2 and p3 at the same time: by id
        ("photos DJI FC300S", [("p0", 0.0), ("p1", 300.0)]),
        ("photos DJI FC300S", [("p2", 0.0), ("p3", 0.0), ("p4", 1.0)]),  # "lone": one photo, dropped
        ("photos", [("q0", 0.0), ("q1", 1.0)]),
    ]
    # a longer allowed gap joins the first two photo flights
    got = [(name, [q.id for q, _ in items]) for name, items in sequences(qs, MotionModel(max_photo_gap_s=301.0))]
    assert ("photos DJI FC300S", ["p0", "p1", "p2", "p3", "p4"]) in got


# -- smooth_flight ----------------------------------------------------------------------------------
def test_smooth_flight_statuses_sources_and_footprints():
    """Frames 1 s apart flying east at 10 m/s, default model:
    0 verified top -> matched; 1 a far verified top, a verified second on the line -> corrected;
    2 nothing verified, its second tile on the line -> interpolated (the track, rank 2);
    3 verified -> matched; 4 content-free -> interpolated (no rank); 5 verified -> matched;
    6 a verified answer 240 m off the line, out of reach -> flagged; 7 verified -> matched."""
    truth = [at(10 * i, 0) for i in range(8)]
    preds = [
        pred(0, [match(0, 0, 0.6, 1, 16, True, foot(0)), match(300, 300, 0.5, 2)], truth=truth[0]),
        pred(1, [match(400, 300, 0.6, 1, 40, True, foot(400)), match(10, 0, 0.55, 2, 16, True, foot(10))],
             truth=truth[1]),
        pred(2, [match(900, 900, 0.5, 1), match(20, 0, 0.499, 2)], truth=truth[2]),
        pred(3, [match(30, 0, 0.6, 1, 16, True, foot(30))]),
        pred(4, [match(40, 0, 0.6, 1, 50, True, foot(40))], status=STATUS_NOT_LOCATED),
        pred(5, [match(50, 0, 0.6, 1, 16, True)]),
        pred(6, [match(300, 0, 0.6, 1, 16, True, foot(300))], truth=truth[6]),
        pred(7, [match(70, 0, 0.6, 1, 16, True)]),
    ]
    track = smooth_flight("v.mp4", [(p, i) for i, p in enumerate(preds)])
    pts = track.points
    assert track.name == "v.mp4" and len(pts) == 8
    assert [p.status for p in pts] == ["matched", "corrected", "interpolated", "matched", "interpolated", "matched",
                                       "flagged", "matched"]
    assert [p.rank for p in pts] == [1, 2, 2, 1, None, 1, None, 1]
    assert [p.verified for p in pts] == [True, True, False, True, False, True, True, True]
    assert [p.location_source for p in pts] == [SOURCE_HOMOGRAPHY, SOURCE_HOMOGRAPHY, SOURCE_TRACK, SOURCE_HOMOGRAPHY,
                                                SOURCE_TRACK, SOURCE_HOMOGRAPHY, None, SOURCE_HOMOGRAPHY]
    assert [p.tile for p in pts] == [preds[0].matches[0].tile, preds[1].matches[1].tile, None,
                                     preds[3].top.tile, None, preds[5].top.tile, None, preds[7].top.tile]
    assert [p.footprint for p in pts] == [foot(0), foot(10), None, foot(30), None, None, foot(300), None]
    assert all(p.time_s == float(i) and isinstance(p.time_s, float) for i, p in enumerate(pts))
    assert [p.extrapolated_s for p in pts] == [None] * 8
    assert [p.own for p in pts] == [p.location for p in preds]
    # locations: the verified centres; frames 2 and 4 on the line (anchors 0..5 and 7 are collinear at
    # 10 m/s: the spline is that line); frame 6 its own answer, the track at (60, 0)
    expected = [at(0, 0), at(10, 0), at(20, 0), at(30, 0), at(40, 0), at(50, 0), at(300, 0), at(70, 0)]
    assert all(near(p.location, e) for p, e in zip(pts, expected)), [p.location for p in pts]
    assert pts[6].location == preds[6].location and near(pts[6].track_location, at(60, 0))
    assert [p.track_location for p in pts if p.status in ("matched", "corrected")] == \
        [p.location for p in pts if p.status in ("matched", "corrected")]
    assert pts[2].track_location == pts[2].location and pts[4].track_location == pts[4].location
    # errors against the truth where there is one, else None
    assert pts[1].error_m == haversine_m(pts[1].location, truth[1]) and pts[1].error_m < 1e-3
    assert pts[1].own_error_m == haversine_m(at(400, 300), truth[1])
    assert pts[6].error_m == haversine_m(at(300, 0), truth[6]) and pts[6].own_error_m == pts[6].error_m
    assert pts[2].own_error_m == haversine_m(preds[2].location, truth[2])
    assert pts[3].error_m is None and pts[3].own_error_m is None
    # the line: the track's positions, the flagged frame at the track
    assert len(track.line) == 8 and near(track.line[6], at(60, 0)) and track.line[1] == pts[1].location


def test_smooth_flight_extrapolated_retrieved_and_not_located():
    """Verified frames 0 and 1 (10 m/s east); then frames with nothing verified: 2 (its top tile on the
    line: on the track, 1 s past) and 3 (a far tile only: off the track, 2 s past): extrapolated; 9 s
    past (beyond the 5 s horizon): 9 on the track by its top tile -> retrieved, its own estimate; 10 off
    it -> not located, its own estimate, off the line."""
    own9 = at(123, 4)
    preds = [
        pred(0, [match(0, 0, 0.6, 1, 16, True)]),
        pred(1, [match(10, 0, 0.6, 1, 16, True)]),
        pred(2, [match(20, 0, 0.6, 1)]),
        pred(3, [match(5000, 0, 0.6, 1)]),
        pred(9, [match(90, 0, 0.6, 1)], location=own9),
        pred(10, [match(9000, 0, 0.6, 1)]),
    ]
    track = smooth_flight("f", [(p, int(p.query.time_s)) for p in preds])
    pts = track.points
    assert [p.status for p in pts] == ["matched", "matched", "extrapolated", "extrapolated", "retrieved",
                                       "not located"]
    assert [p.extrapolated_s for p in pts] == [None, None, 1.0, 2.0, None, None]
    assert [p.rank for p in pts] == [1, 1, 1, None, 1, None]
    assert [p.location_source for p in pts] == [SOURCE_HOMOGRAPHY, SOURCE_HOMOGRAPHY, SOURCE_TRACK, SOURCE_TRACK,
                                                None, None]
    assert near(pts[2].location, at(20, 0)) and near(pts[3].location, at(30, 0))
    assert pts[4].location == own9 and pts[4].track_location == own9 and pts[4].tile is None
    assert pts[5].location == preds[5].location and pts[5].track_location is None
    assert not any(p.verified for p in pts[2:]) and all(p.footprint is None for p in pts[2:])
    # the line ends with the last extrapolated frame: frame 9 is a tile it resembles, past the horizon, in a
    # flight with verified frames (Track.on_line; it was on the line until session 18)
    assert len(track.line) == 4 and track.line[-1] == pts[3].location


def test_smooth_flight_with_nothing_verified_places_frames_between_retrieved_tiles():
    """No verified frame: frames 0 and 2 on the track by their top tiles (retrieved, their own estimates,
    one of them by its second tile: that tile's centre), frame 1 (a far tile only) between them."""
    own0 = at(1, 2)
    preds = [
        pred(0, [match(10, 10, 0.6, 1)], location=own0),
        pred(1, [match(9000, 0, 0.6, 1)]),
        pred(2, [match(7000, 0, 0.6, 1), match(60, 10, 0.59, 2)]),
    ]
    track = smooth_flight("f", [(p, i) for i, p in enumerate(preds)])
    pts = track.points
    assert [p.status for p in pts] == ["retrieved", "interpolated", "retrieved"]
    assert [p.rank for p in pts] == [1, None, 2]
    assert [p.location_source for p in pts] == [None, SOURCE_TRACK, SOURCE_TILE_CENTRE]
    assert pts[0].location == own0 and pts[0].tile is None
    assert pts[2].location == preds[2].matches[1].tile.center and pts[2].tile == preds[2].matches[1].tile
    # between the two tile centres (25, 25) and (75, 25): (50, 25)
    assert near(pts[1].location, at(50, 25))
    assert not any(p.verified for p in pts)


def test_an_off_track_verified_frame_near_the_track_is_matched():
    """Zig-zag: frame 1's verified answer 15 m off the line. With no verified bonus and a strong turn cost
    the track skips it (skip 3 < the turns' cost); it keeps its own answer, within 2 x 10 m of the track:
    "matched", not "flagged"; its footprint is its own top's."""
    preds = [pred(0, [match(0, 0, 0.6, 1, 8, True)]), pred(1, [match(10, 15, 0.6, 1, 8, True, foot(10))]),
             pred(2, [match(20, 0, 0.6, 1, 8, True)]), pred(3, [match(30, 0, 0.6, 1, 8, True)])]
    model = MotionModel(verified_bonus=0.0, turn_cost=30.0)
    pts = smooth_flight("f", [(p, i) for i, p in enumerate(preds)], model).points
    assert [p.status for p in pts] == ["matched"] * 4 and [p.rank for p in pts] == [1, None, 1, 1]
    assert pts[1].location == at(10, 15) and near(pts[1].track_location, at(10, 0))
    assert pts[1].verified and pts[1].footprint == foot(10) and pts[1].location_source is None
    # a tighter slack makes 15 m "far": flagged
    model = MotionModel(verified_bonus=0.0, turn_cost=30.0, verified_slack_m=7.0)
    assert smooth_flight("f", [(p, i) for i, p in enumerate(preds)], model).points[1].status == "flagged"


def test_a_verified_frame_with_no_track_at_all_keeps_its_answer_on_the_line():
    # a verified emission of -5 + ln(8/8) = -5 < -skip (3): the track is empty; its own answer stays
    p = pred(0, [match(5, 5, 0.6, 1, 8, True, foot(5))])
    [pt] = smooth_flight("f", [(p, 0.0)], MotionModel(verified_bonus=-5.0)).points
    assert (pt.status, pt.rank, pt.verified, pt.location, pt.track_location) == ("matched", None, True, at(5, 5),
                                                                                 at(5, 5))
    assert pt.footprint == foot(5)
    # content-free (nothing to locate, whatever its matches say): not located
    p = pred(0, [match(5, 5, 0.6, 1, 30, True)], status=STATUS_NOT_LOCATED)
    [pt] = smooth_flight("f", [(p, 0.0)]).points
    assert (pt.status, pt.track_location, pt.verified) == ("not located", None, False)


def test_smooth_groups_flights_and_leaves_other_predictions_out():
    preds = [pred(i, [match(10 * i, 0, 0.6, 1, 16, True)]) for i in range(3)]
    alone = Prediction(Query("x.jpg", Path("/nonexistent/x.jpg"), meta=PhotoMeta()), preds[0].matches,
                       at(0, 0), at(0, 0), 0.5)
    tracks = smooth([preds[2], alone, preds[0], preds[1]])
    assert [t.name for t in tracks] == ["v.mp4"]
    assert [p.query.id for p in tracks[0].points] == ["v.mp4#t=0", "v.mp4#t=1", "v.mp4#t=2"]
    assert [p.status for p in tracks[0].points] == ["matched"] * 3
    assert smooth([]) == [] and smooth_flight("e", []) == Track("e", ())


def test_track_line_skips_not_located_and_uses_the_track_location():
    q = Query("a", Path("a"))
    pts = (TrackPoint(q, 0.0, at(0, 0), "matched", at(0, 0)),
           TrackPoint(q, 1.0, at(9, 9), "flagged", at(9, 9), track_location=at(1, 0)),
           TrackPoint(q, 2.0, at(5, 5), "not located", at(5, 5)))
    assert Track("t", pts).line == [at(0, 0), at(1, 0)]


def test_candidates_verified_means_a_ground_point_and_enough_inliers():
    # no verified match (the second has inliers but no ground point): both tiles are states
    ms = [match(10, 10, 0.7, 1), Match(tile_at(60, 10), 0.6, 2, 50, None)]
    cs = _candidates(pred(0, ms), MotionModel())
    assert [(c.match.rank, c.verified) for c in cs] == [(1, False), (2, False)]
    # a ground point without an inlier count is no verification, even against a minimum of 1
    ms = [Match(tile_at(10, 10), 0.7, 1, None, at(12, 12)), match(60, 10, 0.6, 2)]
    cs = _candidates(pred(0, ms), MotionModel(min_inliers=1))
    assert [(c.match.rank, c.verified, c.position) for c in cs] == [(1, False, ms[0].tile.center),
                                                                    (2, False, ms[1].tile.center)]
    # exactly min_inliers is verified, and then the only state
    ms = [match(10, 10, 0.7, 1), match(60, 10, 0.6, 2, inliers=8, verified=True)]
    cs = _candidates(pred(0, ms), MotionModel())
    assert [(c.match.rank, c.verified, c.emission) for c in cs] == [(2, True, 4.0)]


def test_place_before_the_first_anchor_counts_from_it():
    times = [1.0, 3.0, 5.0]
    anchors = {1: at(0, 0), 2: at(0, 0)}
    # 2 s before the first anchor (not 1 + 3 = 4)
    assert _place(times, anchors, 0, 5.0) == ("extrapolated", 2.0)
    assert _place(times, anchors, 0, 3.0) == ("extrapolated", 2.0) and _place(times, anchors, 0, 1.9) is None


def test_smooth_passes_its_motion_model_on():
    """Two timed photos 10 s apart (from their metadata), each verified with 16 inliers: one flight
    under the default model (gap 300 s), none under a 5 s gap; a model asking 20 inliers verifies
    neither frame."""
    t0 = datetime(2026, 6, 1, 10, 0, 0)
    preds = []
    for i in range(2):
        q = Query(f"p{i}.jpg", Path(f"/nonexistent/p{i}.jpg"), meta=PhotoMeta(captured_at=t0 + timedelta(seconds=10 * i)))
        ms = (match(10 * i, 0, 0.6, 1, 16, True),)
        preds.append(Prediction(q, ms, at(10 * i, 0), at(10 * i, 0), 0.5))
    [track] = smooth(preds)
    assert track.name == "photos" and [p.time_s for p in track.points] == [0.0, 10.0]
    assert [p.status for p in track.points] == ["matched", "matched"]
    assert smooth(preds, MotionModel(max_photo_gap_s=5.0)) == []
    [track] = smooth(preds, MotionModel(min_inliers=20))
    assert not any(p.verified for p in track.points)
    assert [p.status for p in track.points] == ["retrieved", "retrieved"]


def test_viterbi_keeps_each_candidates_own_best_previous_slot():
    """Pruning is per candidate: frame 1's Q (reachable only from A2) keeps its slot from A2 although
    P (reachable only from A1) scores far higher. A1 (0,0), A2 (1000,0); P (10,0) emission 10, Q (1010,0)
    emission 0; R (1020,0) emission 20, reachable only from Q. [A2, Q, R] = 20 - 2 * 0.125 = 19.75;
    [None, Q, R] = -3 + 20 - 0.125 = 16.875; [A1, P, None] = 10 - 0.125 - 3 = 6.875."""
    cs = [[cand(0, 0), cand(1000, 0)], [cand(10, 0, 10.0), cand(1010, 0)], [cand(1020, 0, 20.0)]]
    assert viterbi_path([0.0, 1.0, 2.0], cs, ORIGIN, M(turn_cost=3.0)) == [1, 1, 0]


def test_a_frame_off_the_track_is_verified_only_with_an_inlier_count():
    # a ground point without inliers, minimum 1, a negative skip cost (the track takes nothing):
    # not verified, nothing placed it -> not located (with "inliers or 1" it would read as matched)
    p = pred(0, [Match(tile_at(5, 5), 0.6, 1, None, at(5, 5))])
    [pt] = smooth_flight("f", [(p, 0.0)], MotionModel(min_inliers=1, skip_cost=-1.0)).points
    assert (pt.status, pt.verified, pt.rank) == ("not located", False, None)


def test_an_off_track_verified_frame_exactly_two_slacks_from_the_track_is_not_far():
    """Frames 0 and 2 at (0,0) with 176216 inliers (emission -5 + ln(22027) = +5.0), frame 1 at (30,0)
    with 8 (emission -5 < -3: off the track). The track at frame 1 is (0,0) exactly (between two equal
    anchors); with the slack set to half that distance, "far" (> 2 x slack) is false: matched."""
    a, b = at(0, 0), at(30, 0)
    d = haversine_m(b, a)
    preds = [pred(0, [match(0, 0, 0.6, 1, 176216, True)]), pred(1, [match(30, 0, 0.6, 1, 8, True)]),
             pred(2, [match(0, 0, 0.6, 1, 176216, True)])]
    for slack, status in ((d / 2, "matched"), (d / 2 * (1 - 1e-12), "flagged")):
        model = MotionModel(verified_bonus=-5.0, verified_slack_m=slack)
        pts = smooth_flight("f", [(p, i) for i, p in enumerate(preds)], model).points
        assert [p.rank for p in pts] == [1, None, 1] and pts[1].track_location == a
        assert pts[1].status == status and pts[1].location == b


def test_a_flight_that_flew_off_the_imagery_has_no_line_through_its_guesses():
    """Seen as a search-and-rescue user (newuser_session18.md): 27 photos verified, then the drone flew
    off the imagery; its last 3 photos were `retrieved` (a tile they resemble, 20 s past the last
    verified one, confidence 0.007-0.35), and the track line (GeoJSON, KML, GPX <trk>, the app's map)
    ran from the last verified photo back across the searched area through those three guesses.
    The line now ends where the verified frames (and 5 s of extrapolation) end; the guesses stay
    points with their status, and a flight with nothing verified keeps its line through retrieved ones."""
    import xml.etree.ElementTree as ET

    from geolocator.core.export_track import tracks_to_geojson, tracks_to_gpx

    preds = [pred(0, [match(0, 0, 0.6, 1, 16, True)]), pred(5, [match(40, 0, 0.6, 1, 16, True)]),
             pred(10, [match(80, 0, 0.6, 1, 16, True)]),
             # 20 s and more past the last verified frame, each on a tile it only resembles (within 20 m/s)
             pred(30, [match(-100, 60, 0.6, 1)]), pred(35, [match(-60, -40, 0.6, 1)])]
    track = smooth_flight("f", [(p, int(p.query.time_s)) for p in preds])
    assert [p.status for p in track.points] == ["matched"] * 3 + ["retrieved"] * 2
    assert track.line == [p.location for p in track.points[:3]]
    line = next(f for f in tracks_to_geojson([track])["features"] if f["properties"]["kind"] == "track")
    assert len(line["geometry"]["coordinates"]) == 3
    gpx = ET.fromstring(tracks_to_gpx([track]))
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    assert [e.findtext("g:name", namespaces=ns) for e in gpx.iterfind("g:trk/g:trkseg/g:trkpt", ns)] == [
        "v.mp4#t=0", "v.mp4#t=5", "v.mp4#t=10"]
    assert len(gpx.findall("g:wpt", ns)) == 5  # every frame stays a waypoint, with its status
    # the app's Results pane said "retrieved: a tile it resembles, on the flight's track (not verified)"
    from geolocator.core.wording import track_status_words

    # in the level's words (core/levels.py, session 26), as a photo's
    assert track_status_words("retrieved") == "tile level only: a tile it resembles (appearance only, not verified)"
    # nothing verified: the retrieved frames are all there is, and the line goes through them
    blind = smooth_flight("g", [(p, int(p.query.time_s)) for p in preds[3:]])
    assert [p.status for p in blind.points] == ["retrieved"] * 2 and len(blind.line) == 2


def test_place_bridges_only_the_anchors_just_around_a_frame_up_to_max_bridge_s():
    """Session 24's bridge limit, exactly (session 25, mutants S2-S4): a frame between two verified
    frames is placed when the two just before and just after it are at most `bridge_s` apart (63 s,
    the longest gap the interpolated table was measured on, bridged; 64.5 s not), whatever the
    first and last anchors of the flight are."""
    times = [0.0, 10.0, 40.0, 73.0, 105.0, 137.5]
    anchors = {0: at(0, 0), 1: at(0, 0), 3: at(0, 0), 5: at(0, 0)}
    assert MotionModel().max_bridge_s == 63.0
    assert _place(times, anchors, 2, 5.0, 63.0) == ("interpolated", None)  # 10 -> 73: 63 s, the limit itself
    assert _place(times, anchors, 4, 5.0, 63.0) is None  # 73 -> 137.5: 64.5 s
    assert _place(times, anchors, 4, 5.0, 64.5) == ("interpolated", None)
    assert _place(times, anchors, 4, 5.0) == ("interpolated", None)  # no limit given: as before session 24


def test_a_moved_frame_between_anchors_too_far_apart_claims_two_places_only():
    """moved_confidence with the bridge limit (session 25, mutant S5): a corrected frame whose verified
    neighbours are 120 s apart has no place from the track, so TWO_PLACES and no distance; 60 s
    apart, the interpolated table and the metres to the nearer anchor."""
    from geolocator.core.sequence import moved_confidence
    from geolocator.core.track_confidence import TWO_PLACES

    far = moved_confidence([0.0, 60.0, 120.0], {0: at(0, 0), 2: at(100, 0)}, 1, at(30, 0), 5.0, 63.0)
    assert far == (TWO_PLACES, None)
    near, metres = moved_confidence([0.0, 30.0, 60.0], {0: at(0, 0), 2: at(100, 0)}, 1, at(30, 0), 5.0, 63.0)
    assert metres == pytest.approx(30.0, abs=0.1) and near != TWO_PLACES
