"""Property tests of how a run's photos and frames are grouped into flights (core/sequence.py
_sequences through core/flights.FlightRule): for any photos hypothesis draws (one or two camera
models, serials or none, one to three folders, any capture times with gaps) and frames of videos,

- the order the photos come in (a folder listing's order, the app's sort) never changes the flights:
  the same names, the same frames in the same order, the same seconds from each flight's start;
- every photo is in at most one flight, a flight's consecutive photos are at most
  MotionModel.max_photo_gap_s apart and its times start at 0 and never go back; a photo in no flight
  has no photo of its camera in its folder within the gap (a flight of one is dropped, nothing else);
- Flights.groups gives each flight's frames as indices into the queries, each index once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from geolocator.core.flights import FlightRule  # noqa: E402
from geolocator.core.model import PhotoMeta, Query  # noqa: E402
from geolocator.core.sequence import MotionModel  # noqa: E402

from .prop_profile import prop  # noqa: E402

START = datetime(2026, 5, 1, 10, 0, 0)
GAP = MotionModel().max_photo_gap_s


@st.composite
def runs(draw):
    n = draw(st.integers(1, 14))
    queries = []
    for k in range(n):
        folder = draw(st.sampled_from(["cardA/100MEDIA", "cardA/101MEDIA", "cardB/100MEDIA"]))
        model = draw(st.sampled_from(["FC3411", "FC7303"]))
        serial = draw(st.sampled_from([None, "S1", "S2"]))
        # times on a coarse grid so that ties and gaps exactly at max_photo_gap_s are drawn
        secs = draw(st.one_of(st.integers(0, 40).map(lambda s: s * GAP / 4), st.floats(0, 10 * GAP)))
        when = None if draw(st.integers(0, 9)) == 0 else START + timedelta(seconds=secs)
        queries.append(Query(f"{folder}/IMG_{k:04d}.JPG", Path(f"/nowhere/{folder}/IMG_{k:04d}.JPG"),
                             meta=PhotoMeta(captured_at=when, make="DJI", model=model, serial=serial)))
    for v in range(draw(st.integers(0, 2))):  # frames of a video (not on disk: one flight, as before)
        times = draw(st.lists(st.floats(0, 600, allow_nan=False), min_size=1, max_size=5, unique=True))
        queries += [Query(f"v{v}.mp4#t={t}", Path(f"/nowhere/v{v}.mp4"), time_s=t) for t in times]
    order = draw(st.permutations(range(len(queries))))
    return queries, [queries[i] for i in order]


def _key(flights):
    return sorted((name, tuple((q.id, round(t, 9)) for q, t in items), shot) for name, items, shot in flights.flights)


@prop(60)
@given(runs())
def test_the_order_photos_come_in_never_changes_the_flights(run):
    queries, shuffled = run
    rule = FlightRule()
    assert _key(rule.group(queries)) == _key(rule.group(shuffled))


@prop(60)
@given(runs())
def test_every_photo_is_in_one_flight_at_most_and_a_flight_is_split_only_at_a_gap(run):
    queries, _ = run
    flights = FlightRule().group(queries)
    seen = [q.id for _, items, _ in flights.flights for q, _ in items]
    assert len(seen) == len(set(seen))
    for name, items, _ in flights.flights:
        times = [t for _, t in items]
        assert times[0] == 0.0 and all(b >= a for a, b in zip(times, times[1:])), (name, times)
        if items[0][0].time_s is None:
            assert all(b - a <= GAP + 1e-9 for a, b in zip(times, times[1:])), (name, times)
    for q in queries:  # a timed photo left out is alone: no photo of its camera in its folder within the gap
        if q.id in seen or q.time_s is not None or q.meta.captured_at is None:
            continue
        for other in queries:
            if other is q or other.time_s is not None or other.meta.captured_at is None:
                continue
            same = (other.meta.model, other.meta.serial, Path(other.id).parent) == (q.meta.model, q.meta.serial, Path(q.id).parent)
            assert not (same and abs((other.meta.captured_at - q.meta.captured_at).total_seconds()) <= GAP), (q.id, other.id)
    groups = flights.groups(queries)
    flat = [i for g in groups for i in g]
    assert len(flat) == len(set(flat)) == len(seen)
    assert sorted(queries[i].id for i in flat) == sorted(seen)


def _prediction(q: Query, k: int, kind: int):
    from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED, Bounds, LatLon, Match, Prediction, Tile

    if kind == 0:  # nothing to locate
        return Prediction(q, (), LatLon(0.0, 0.0), LatLon(0.0, 0.0), 0.0, status=STATUS_NOT_LOCATED)
    at = LatLon(47.0 + 1e-5 * k, 8.0 + (2e-5 * k if kind == 1 else 0.3))  # kind 2: a far-off answer
    tile = Tile(f"t{k}", Path("t.png"), Bounds(at.lon - 5e-4, at.lat - 5e-4, at.lon + 5e-4, at.lat + 5e-4))
    return Prediction(q, (Match(tile, 0.9, 1, inliers=200, ground=at),), at, at, 0.95,
                      location_source="homography", status=STATUS_VERIFIED)


@prop(40)
@given(runs(), st.data())
def test_the_order_predictions_come_in_never_changes_the_tracks(run, data):
    """sequence.smooth: the same tracks (names, frames, places, statuses) whatever order the answers come in."""
    from geolocator.core.sequence import smooth

    queries, _ = run
    kinds = data.draw(st.lists(st.integers(0, 2), min_size=len(queries), max_size=len(queries)))
    preds = [_prediction(q, k, kind) for k, (q, kind) in enumerate(zip(queries, kinds))]
    order = data.draw(st.permutations(range(len(preds))))

    def key(tracks):
        return sorted((t.name, tuple((p.query.id, p.time_s, p.location, p.status, p.rank) for p in t.points)) for t in tracks)

    assert key(smooth(preds)) == key(smooth([preds[i] for i in order]))


@prop(40)
@given(runs(), st.sampled_from([{}, {"/nowhere/cardA": 2}, {"/nowhere/cardB": -5, "/nowhere/cardA/101MEDIA": 9}]))
def test_clock_zones_split_flights_whatever_the_order(run, zones):
    """With clock zones per folder (--clock-zone FOLDER=ZONE): the same flights in any order, and
    photos read in different zones' clocks are never one flight."""
    from datetime import timedelta, timezone

    from geolocator.core.clock_zones import ClockZones

    queries, shuffled = run
    clocks = ClockZones.from_mapping(None, {f: timezone(timedelta(hours=h)) for f, h in zones.items()})
    rule = FlightRule(clock_zones=clocks)
    flights = rule.group(queries)
    assert _key(flights) == _key(rule.group(shuffled))
    for _, items, _ in flights.flights:
        photos = [q for q, _ in items if q.time_s is None]
        assert len({clocks.clock_of(q.path) for q in photos}) <= 1
