"""Property tests of the flight model (core/sequence.py): where the track puts frames between and
past the verified ones, for ALL flights hypothesis draws, not only the synthetic ones of
test_sequence.py. Deterministic (derandomize): the same flights every run.

Found by these properties (session 33): a flight across the antimeridian (Fiji, the Aleutians,
Chukotka) had its interpolated frames put on the far side of the globe (longitude 0, or 269.998:
not a longitude at all), and the Viterbi speed limit saw a 100 m hop across ±180° as 38,000 km;
two verified frames a burst apart (0.01 s, each off by half a metre) gave the extrapolation a
100 m/s velocity, an "extrapolated" frame hundreds of metres off (seqvel33).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from geolocator.core.geo import haversine_m
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED, Bounds, LatLon, Match, Prediction, Query, Tile
from geolocator.core.sequence import MotionModel, _interpolate, _place, _xy, smooth_flight

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

PROP = prop(150)


def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


def _lon_gap(a: float, b: float) -> float:
    """Degrees of longitude between a and b the short way round."""
    return abs(_wrap(a - b))


# A straight, constant-velocity leg: start anywhere (longitudes near ±180° drawn often), a heading
# in degrees of lat/lon per second small enough that a flight stays well under a degree.
lats = st.floats(-80.0, 80.0, allow_nan=False)
lons = st.one_of(st.floats(-180.0, 180.0, allow_nan=False), st.floats(179.999, 180.0), st.floats(-180.0, -179.999))
rates = st.floats(-1.2e-4, 1.2e-4, allow_nan=False)  # <= 19 m/s: under MotionModel.max_speed_mps


@st.composite
def legs(draw):
    lat0, lon0, vlat, vlon = draw(lats), draw(lons), draw(rates), draw(rates)
    n = draw(st.integers(3, 14))
    gaps = draw(st.lists(st.floats(0.2, 5.0), min_size=n - 1, max_size=n - 1))
    times = [0.0]
    for g in gaps:
        times.append(times[-1] + g)
    anchored = draw(st.sets(st.integers(0, n - 1), min_size=2, max_size=n))
    if draw(st.booleans()):  # half the legs cross ±180° halfway
        lon0 = _wrap(180.0 - vlon * times[-1] / 2.0)
    return lat0, lon0, vlat, vlon, times, sorted(anchored)


def _on_leg(lat0, lon0, vlat, vlon, t) -> LatLon:
    return LatLon(lat0 + vlat * t, _wrap(lon0 + vlon * t))


@PROP
@given(legs())
def test_interpolated_frames_lie_on_a_straight_constant_speed_leg(leg):
    """Anchors on a straight leg flown at constant speed: every frame between the first and the
    last anchor lies on the leg at its own time (a cubic spline or a line through collinear,
    evenly timed points is that line), also when the leg crosses ±180°; every longitude is one."""
    lat0, lon0, vlat, vlon, times, anchored = leg
    anchors = {i: _on_leg(lat0, lon0, vlat, vlon, times[i]) for i in anchored}
    got = _interpolate(times, anchors)
    for j, p in enumerate(got):
        assert -180.0 <= p.lon <= 180.0 and -90.0 <= p.lat <= 90.0, (j, p)
        if times[anchored[0]] <= times[j] <= times[anchored[-1]]:
            want = _on_leg(lat0, lon0, vlat, vlon, times[j])
            assert abs(p.lat - want.lat) < 1e-7 and _lon_gap(p.lon, want.lon) < 1e-7, (j, p, want)


@PROP
@given(legs(), st.floats(0.0, 30.0))
def test_extrapolated_frames_keep_the_last_velocity_up_to_the_horizon(leg, horizon):
    """Past the anchors, constant velocity for at most `horizon` seconds, then held: a frame never
    moves further from the nearest end anchor than the leg's speed times the horizon allows."""
    lat0, lon0, vlat, vlon, times, anchored = leg
    anchors = {i: _on_leg(lat0, lon0, vlat, vlon, times[i]) for i in anchored}
    got = _interpolate(times, anchors, horizon)
    first, last = anchors[anchored[0]], anchors[anchored[-1]]
    speed = math.hypot(vlat, vlon)  # degrees per second
    for j, p in enumerate(got):
        edge = first if times[j] < times[anchored[0]] else last if times[j] > times[anchored[-1]] else None
        if edge is None:
            continue
        beyond = min(abs(times[j] - times[anchored[0]]), abs(times[j] - times[anchored[-1]]))
        reach = speed * min(beyond, horizon) + 1e-9
        assert abs(p.lat - edge.lat) <= reach and _lon_gap(p.lon, edge.lon) <= reach, (j, p, edge, reach)


@PROP
@given(lats, lons, st.floats(-0.01, 0.01), st.floats(-0.01, 0.01))
def test_local_metres_match_the_ground_distance_across_the_antimeridian(lat, lon, dlat, dlon):
    """_xy's east/north metres about an origin agree with the ground distance (haversine) to 1 %
    for points within ~1 km, on either side of ±180°: the speed limit reads these."""
    origin, p = LatLon(lat, lon), LatLon(max(-89.0, min(89.0, lat + dlat)), _wrap(lon + dlon))
    east, north = _xy([p], origin)[0]
    ground = haversine_m(origin, p)
    assert math.hypot(east, north) == pytest.approx(ground, rel=0.01, abs=0.5)


def _tile(at: LatLon) -> Tile:
    d = 5e-4
    return Tile(f"t{at.lat:.6f}_{at.lon:.6f}", Path("t.png"), Bounds(_wrap(at.lon - d), at.lat - d, _wrap(at.lon + d), at.lat + d))


def _frame(i: int, at: LatLon | None, t: float) -> Prediction:
    q = Query(f"flight.mp4#t={t:.3f}", Path("flight.mp4"), time_s=t)
    if at is None:  # a blurred frame: nothing to locate
        return Prediction(q, (), LatLon(0.0, 0.0), LatLon(0.0, 0.0), 0.0, status=STATUS_NOT_LOCATED)
    m = Match(_tile(at), 0.9, 1, inliers=200, ground=at)
    return Prediction(q, (m,), at, at, 0.95, location_source="homography", status=STATUS_VERIFIED)


@PROP
@given(legs())
def test_a_flight_across_any_meridian_is_placed_on_its_leg(leg):
    """smooth_flight of a flight whose verified frames lie on a straight leg (flown under the 20 m/s speed limit)
    keeps every verified frame matched and puts the frames between them (blurred: not located on
    their own) on the leg, within a metre, at any longitude, ±180° included."""
    lat0, lon0, vlat, vlon, times, anchored = leg
    preds = [_frame(j, _on_leg(lat0, lon0, vlat, vlon, t) if j in anchored else None, t) for j, t in enumerate(times)]
    track = smooth_flight("flight", list(zip(preds, times)))
    for j, point in enumerate(track.points):
        if j in anchored:
            assert point.status == "matched", (j, point.status)
        elif times[anchored[0]] < times[j] < times[anchored[-1]]:
            assert point.status == "interpolated", (j, point.status)
            assert haversine_m(point.location, _on_leg(lat0, lon0, vlat, vlon, times[j])) < 1.0, (j, point.location)


@PROP
@given(st.lists(st.tuples(st.integers(-10**7, 10**7), st.booleans()), min_size=1, max_size=12), lats, lons)
def test_times_out_of_order_or_repeated_do_not_crash(rows, lat, lon):
    """Frames handed over out of time order, or two at one time (millisecond clocks), still give one
    track point each with a position on the globe: nothing raises."""
    preds, times = [], []
    for k, (ms, located) in enumerate(rows):
        t = ms / 1000.0
        at = LatLon(lat, _wrap(lon + 1e-5 * k)) if located else None
        preds.append(_frame(k, at, t))
        times.append(t)
    track = smooth_flight("flight", list(zip(preds, times)))
    assert len(track.points) == len(rows)
    for p in track.points:
        assert -90.0 <= p.location.lat <= 90.0 and -180.0 <= p.location.lon <= 180.0


# -- the failing examples, as plain regression tests ---------------------------------------------------


def test_interpolation_across_the_antimeridian_stays_at_it():
    """Two anchors 100 m apart either side of ±180°: the frame between them is at ±180°, not at
    longitude 0 (linear), nor at 269.998 (the spline through four)."""
    mid = _interpolate([0, 1, 2], {0: LatLon(-17.0, 179.9995), 2: LatLon(-17.0, -179.9995)})[1]
    assert _lon_gap(mid.lon, 180.0) < 1e-9
    got = _interpolate(list(range(7)), {0: LatLon(-17, 179.997), 2: LatLon(-17, 179.999),
                                        4: LatLon(-17, -179.999), 6: LatLon(-17, -179.997)})
    assert [round(_lon_gap(p.lon, 180.0), 6) for p in got] == [0.003, 0.002, 0.001, 0.0, 0.001, 0.002, 0.003]
    assert all(-180.0 <= p.lon <= 180.0 for p in got)


def test_local_metres_across_the_antimeridian_are_metres():
    east, north = _xy([LatLon(-17.0, -179.9995)], LatLon(-17.0, 179.9995))[0]
    assert east == pytest.approx(106.4, abs=0.5) and north == 0.0


def test_a_flight_over_the_antimeridian_after_a_blurred_first_frame():
    """The first frame not located (its own estimate at 0, 0): the others, 14 m/s across ±180°,
    are matched, the first extrapolated from them, and a frame between them interpolated on the leg."""
    times = [0.0, 1.0, 2.0, 6.0]
    places = [None, LatLon(0.0, -179.99938), LatLon(0.0, -179.99951), LatLon(0.0, 179.99998)]
    preds = [_frame(j, at, t) for j, (at, t) in enumerate(zip(places, times))]
    points = smooth_flight("flight", list(zip(preds, times))).points
    assert [p.status for p in points] == ["extrapolated", "matched", "matched", "matched"]
    preds[2] = _frame(2, None, 2.0)
    points = smooth_flight("flight", list(zip(preds, times))).points
    assert [p.status for p in points] == ["extrapolated", "matched", "interpolated", "matched"]
    assert _lon_gap(points[2].location.lon, -179.99951) < 1e-5


# -- extrapolation's velocity: a time base and the speed limit (seqvel33) ----------------------------------

M_PER_DEG = 111_000.0  # metres per degree of latitude, about: 0.5 m is 4.5e-6 degrees


@st.composite
def bursty_flights(draw):
    """A leg under the speed limit whose verified frames may come a burst apart (0.001-0.05 s: two
    photos of a burst, close video samples), each off the leg by up to half a metre (verification
    noise), then blurred frames up to 6 s past the last (and before the first) verified frame."""
    lat0, lon0, vlat, vlon = draw(lats), draw(lons), draw(rates), draw(rates)
    n = draw(st.integers(2, 8))
    gaps = draw(st.lists(st.one_of(st.floats(0.001, 0.05), st.floats(0.2, 3.0)), min_size=n - 1, max_size=n - 1))
    times = [0.0]
    for g in gaps:
        times.append(times[-1] + g)
    noise = st.floats(-0.5 / M_PER_DEG, 0.5 / M_PER_DEG)
    places = [LatLon(p.lat + draw(noise), _wrap(p.lon + draw(noise))) for p in
              (_on_leg(lat0, lon0, vlat, vlon, t) for t in times)]
    after = draw(st.lists(st.floats(0.1, 6.0), min_size=1, max_size=4))
    before = draw(st.lists(st.floats(0.1, 6.0), max_size=2))
    return places, times, [times[-1] + a for a in after] + [-b for b in before]


@PROP
@given(bursty_flights())
def test_extrapolated_frames_stay_within_the_speed_limit_of_the_last_anchor(flight):
    """smooth_flight: every frame past the verified ones that the track claims ("extrapolated") lies
    within the speed limit times its seconds past the end anchor plus the anchor's own slack (the
    Viterbi reach: MotionModel.verified_slack_m), whatever the time between the verified frames;
    _interpolate with no slack given: within the speed limit times the seconds alone."""
    places, times, blind = flight
    preds = [_frame(j, at, t) for j, (at, t) in enumerate(zip(places, times))]
    preds += [_frame(len(preds) + k, None, t) for k, t in enumerate(blind)]
    all_times = times + blind
    track = smooth_flight("flight", list(zip(preds, all_times)))
    speed, slack = MotionModel().max_speed_mps, MotionModel().verified_slack_m
    for point in track.points[len(times):]:
        edge = places[0] if point.time_s < times[0] else places[-1]
        if point.status == "extrapolated":
            reach = speed * point.extrapolated_s + slack + 1e-3
            assert haversine_m(point.location, edge) <= reach, (point.time_s, haversine_m(point.location, edge), reach)
        else:
            assert point.status == "not located", point.status
    model = MotionModel()
    got = _interpolate(all_times, dict(enumerate(places)), 30.0, model.velocity_base_s, model.max_speed_mps)
    for x, p in zip(blind, got[len(times):]):
        edge, past = (places[0], -x) if x < 0 else (places[-1], x - times[-1])
        assert haversine_m(p, edge) <= speed * past + 1e-3, (x, haversine_m(p, edge))


def _north(m: float) -> LatLon:
    return LatLon(48.0 + m / M_PER_DEG, 11.0)


def test_two_photos_of_a_burst_do_not_send_the_next_frame_away():
    """Two verified photos 0.01 s apart, a metre apart (0.5 m of verification noise each), then
    blurred frames 1-4 s and 10 s later: before, the velocity of the two (100 m/s) put the frame 4 s
    later "extrapolated" 400 m away. Now no velocity is measured over a burst: the frames past it
    are not located, and the track holds the last photo's place (no kilometre-long line)."""
    times = [0.0, 0.01, 1.0, 2.0, 4.0, 10.0]
    preds = [_frame(0, _north(0.0), 0.0), _frame(1, _north(1.0), 0.01)] + [_frame(j, None, t) for j, t in enumerate(times[2:], 2)]
    track = smooth_flight("burst", list(zip(preds, times)))
    assert [p.status for p in track.points] == ["matched", "matched"] + ["not located"] * 4
    for p in track.points[2:]:
        assert p.location == p.own  # its own estimate, claimed nowhere
    model = MotionModel()
    held = _interpolate(times, {0: _north(0.0), 1: _north(1.0)}, model.extrapolate_s, model.velocity_base_s,
                        model.max_speed_mps)
    assert max(haversine_m(p, _north(1.0)) for p in held[2:]) < 1e-6


def test_a_burst_at_the_end_of_a_flight_takes_its_velocity_over_a_second_or_more():
    """Verified frames at 0, 2, 4 s on a leg flown north at 10 m/s, a burst photo at 4.01 s off by a
    metre: the frames 1 and 3 s later are extrapolated at the leg's speed (from the anchor 2 s back),
    within 3 m of the leg, not 100 m/s from the burst pair."""
    times = [0.0, 2.0, 4.0, 4.01, 5.01, 7.01]
    places = [_north(0.0), _north(20.0), _north(40.0), _north(41.1)]
    preds = [_frame(j, at, t) for j, (at, t) in enumerate(zip(places, times))] + [_frame(4, None, 5.01), _frame(5, None, 7.01)]
    track = smooth_flight("flight", list(zip(preds, times)))
    assert [p.status for p in track.points[4:]] == ["extrapolated", "extrapolated"]
    for p in track.points[4:]:
        assert haversine_m(p.location, _north(10.0 * p.time_s)) < 3.0, (p.time_s, haversine_m(p.location, _north(10.0 * p.time_s)))


def test_an_end_faster_than_the_speed_limit_is_not_claimed():
    """_place: two anchors 2 s apart but 100 m apart (50 m/s, past the 20 m/s limit and the two
    verified centres' 20 m of slack): one of them is wrong, the frame past them is not claimed; at
    15 m/s it is extrapolated."""
    times = [0.0, 2.0, 3.0]
    args = (5.0, math.inf, 1.0, 20.0, 20.0)
    assert _place(times, {0: _north(0.0), 1: _north(100.0)}, 2, *args) is None
    assert _place(times, {0: _north(0.0), 1: _north(30.0)}, 2, *args) == ("extrapolated", 1.0)


def test_the_extrapolation_velocity_is_capped_at_the_speed_limit():
    """_interpolate: two anchors 2 s and 100 m apart (50 m/s) measure a velocity over more than the
    1 s base, capped at the 20 m/s limit: 1 s past the last, 20 m further north, not 50 m; with
    no limit given (the default), the measured 50 m."""
    times = [0.0, 2.0, 3.0]
    anchors = {0: _north(0.0), 1: _north(100.0)}
    capped = _interpolate(times, anchors, 5.0, 1.0, 20.0)[2]
    assert haversine_m(capped, _north(100.0)) == pytest.approx(20.0, abs=0.01) and capped.lat > _north(100.0).lat
    free = _interpolate(times, anchors, 5.0)[2]
    assert haversine_m(free, _north(100.0)) == pytest.approx(50.0, abs=0.2)  # _north: 111 km a degree, about
    # with the end's slack (smooth_flight passes MotionModel.verified_slack_m, 10 m): 20 + 10 m
    loose = _interpolate(times, anchors, 5.0, 1.0, 20.0, 10.0)[2]
    assert haversine_m(loose, _north(100.0)) == pytest.approx(30.0, abs=0.01)
