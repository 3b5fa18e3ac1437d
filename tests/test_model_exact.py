"""Exact answers of the data model's arithmetic (core/model.py), worked out by hand: written for the
survivors of session 8's mutation run (training/results/mutation_model_em.md)."""

import hashlib
from pathlib import Path

import pytest

from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile, TileSet, _wrap_lon


def _tile(tid, b, corners=None):
    return Tile(tid, Path(f"{tid}.png"), Bounds(*b), corners=corners)


@pytest.mark.parametrize("lon, expected", [(180.0, 180.0), (-180.0, -180.0), (190.0, -170.0), (-190.0, 170.0),
                                           (179.5, 179.5), (540.0, -180.0), (0.0, 0.0), (0.1, 0.1),
                                           (-33.3, -33.3), (-180.5, 179.5)])
def test_wrap_lon_folds_into_minus_180_to_180(lon, expected):
    assert _wrap_lon(lon) == expected


def test_bounds_width_east_unwrapped_and_centre():
    plain = Bounds(10.0, 20.0, 14.0, 28.0)
    assert plain.width_deg == 4.0 and plain.east_unwrapped == 14.0 and not plain.crosses_antimeridian
    assert plain.center == LatLon(24.0, 12.0)
    cross = Bounds(170.0, 0.0, -160.0, 10.0)  # 170 -> 180 -> -160: 30 degrees
    assert cross.crosses_antimeridian
    assert cross.width_deg == 30.0 and cross.east_unwrapped == 200.0
    assert cross.center == LatLon(5.0, -175.0)  # 170 + 15 = 185 = -175
    assert not Bounds(5.0, 0.0, 5.0, 1.0).crosses_antimeridian  # west == east: a zero-width box


def test_bounds_contains_edges_inclusive_and_across_the_antimeridian():
    b = Bounds(10.0, 20.0, 14.0, 28.0)
    for lat, lon in [(20.0, 12.0), (28.0, 12.0), (24.0, 10.0), (24.0, 14.0), (24.0, 12.0)]:
        assert b.contains(LatLon(lat, lon)), (lat, lon)
    for lat, lon in [(19.99, 12.0), (28.01, 12.0), (24.0, 9.99), (24.0, 14.01)]:
        assert not b.contains(LatLon(lat, lon)), (lat, lon)
    c = Bounds(170.0, 0.0, -170.0, 10.0)
    for lon in (170.0, 175.0, 180.0, -180.0, -175.0, -170.0):
        assert c.contains(LatLon(5.0, lon)), lon
    for lon in (169.9, 0.0, -169.9):
        assert not c.contains(LatLon(5.0, lon)), lon
    assert not c.contains(LatLon(10.5, 175.0)) and not c.contains(LatLon(-0.5, 175.0))


def test_bounds_point_at_fractions():
    b = Bounds(10.0, 20.0, 14.0, 28.0)
    assert b.point_at(0.25, 0.5) == LatLon(24.0, 11.0)
    assert b.point_at(0.0, 0.0) == LatLon(28.0, 10.0)  # top-left
    assert b.point_at(1.0, 1.0) == LatLon(20.0, 14.0)
    assert b.point_at(1.5, -0.25) == LatLon(30.0, 16.0)  # extrapolated
    assert Bounds(170.0, 0.0, -170.0, 10.0).point_at(0.75, 0.0) == LatLon(10.0, -175.0)  # 170 + 15


def test_bounds_union_plain_circular_and_global():
    assert Bounds(0.0, 0.0, 10.0, 10.0).union(Bounds(20.0, -5.0, 30.0, 5.0)) == Bounds(0.0, -5.0, 30.0, 10.0)
    # exactly 180 wide: still the plain box
    assert Bounds(0.0, 0.0, 10.0, 1.0).union(Bounds(170.0, 0.0, 180.0, 1.0)) == Bounds(0.0, 0.0, 180.0, 1.0)
    # plain min/max would be 340 wide: the 40-degree box across the antimeridian is narrower
    a, b = Bounds(-170.0, 0.0, -160.0, 10.0), Bounds(160.0, 2.0, 170.0, 12.0)
    assert a.union(b) == Bounds(160.0, 0.0, -160.0, 12.0)
    assert b.union(a) == Bounds(160.0, 0.0, -160.0, 12.0)
    # one box already crossing: its west edge (175) is the union's start, 175 -> -170 = 15 wide
    assert Bounds(175.0, 0.0, -175.0, 1.0).union(Bounds(-172.0, 0.0, -170.0, 1.0)) == Bounds(175.0, 0.0, -170.0, 1.0)
    assert Bounds(-172.0, 0.0, -170.0, 1.0).union(Bounds(175.0, 0.0, -175.0, 1.0)) == Bounds(175.0, 0.0, -170.0, 1.0)
    # a crossing box inside another crossing box
    assert Bounds(170.0, 0.0, -170.0, 1.0).union(Bounds(175.0, 0.0, -175.0, 1.0)) == Bounds(170.0, 0.0, -170.0, 1.0)
    # plain min/max 180.5 wide, but the gap between them (180.3) is wider: the way round is 179.7
    u = Bounds(-0.5, 0.0, -0.4, 1.0).union(Bounds(179.9, 0.0, 180.0, 1.0))
    assert u.west == 179.9 and u.east == pytest.approx(-0.4, abs=1e-9) and (u.south, u.north) == (0.0, 1.0)
    # a tie (190 wide from either box's west edge): the first box's west edge starts the union
    assert Bounds(0.0, 0.0, 0.0, 1.0).union(Bounds(170.0, 0.0, -170.0, 1.0)) == Bounds(0.0, 0.0, -170.0, 1.0)
    # 340 + 40 overlapping round the globe: the whole circle
    assert Bounds(-170.0, 0.0, 170.0, 1.0).union(Bounds(160.0, 0.0, -160.0, 1.0)) == Bounds(-180.0, 0.0, 180.0, 1.0)
    # together exactly 360 (two boxes of 180 meeting at both ends): the whole circle
    assert Bounds(0.0, 0.0, 180.0, 1.0).union(Bounds(180.0, 0.0, 0.0, 1.0)) == Bounds(-180.0, 0.0, 180.0, 1.0)


def test_split_at_antimeridian():
    plain = Bounds(10.0, 0.0, 20.0, 1.0)
    assert plain.split_at_antimeridian() == (plain,)
    assert Bounds(170.0, -1.0, -175.0, 2.0).split_at_antimeridian() == (
        Bounds(170.0, -1.0, 180.0, 2.0), Bounds(-180.0, -1.0, -175.0, 2.0))


def test_tile_point_at_bilinear_between_corners_and_across_180():
    corners = (LatLon(10.0, 0.0), LatLon(10.0, 2.0), LatLon(8.0, 2.5), LatLon(8.0, 0.5))  # tl tr br bl
    t = _tile("t", (0.0, 8.0, 2.5, 10.0), corners)
    # weights (1-x)(1-y), x(1-y), xy, (1-x)y at x=0.25, y=0.5: 0.375, 0.125, 0.125, 0.375
    p = t.point_at(0.25, 0.5)
    assert p.lat == pytest.approx(9.0, abs=1e-12) and p.lon == pytest.approx(0.75, abs=1e-12)
    p = t.point_at(1.0, 1.0)
    assert p == LatLon(8.0, 2.5)
    fine = _tile("f", (0.1, 0.0, 0.3, 1.0), (LatLon(1.0, 0.1), LatLon(1.0, 0.3), LatLon(0.0, 0.3), LatLon(0.0, 0.1)))
    assert fine.point_at(0.0, 0.0) == LatLon(1.0, 0.1)  # a corner is exactly itself
    across = _tile("x", (179.0, 0.0, -179.0, 1.0),
                   (LatLon(1.0, 179.0), LatLon(1.0, -179.0), LatLon(0.0, -179.0), LatLon(0.0, 179.0)))
    p = across.point_at(0.75, 0.0)  # 0.25 * 179 + 0.75 * 181 = 180.5 = -179.5
    assert p.lat == pytest.approx(1.0) and p.lon == pytest.approx(-179.5, abs=1e-9)
    plain = _tile("p", (10.0, 20.0, 14.0, 28.0))
    assert plain.point_at(0.25, 0.5) == LatLon(24.0, 11.0) and plain.center == LatLon(24.0, 12.0)


def test_tileset_len_bounds_tile_at_and_fingerprint():
    ts = TileSet((_tile("a", (0.0, 0.0, 2.0, 2.0)), _tile("b", (0.0, 1.0, 2.0, 4.0)), _tile("c", (5.0, -3.0, 6.0, 0.5))),
                 Path("set"))
    assert len(ts) == 3
    assert ts.bounds == Bounds(0.0, -3.0, 6.0, 4.0)
    # both a (centre lat 1) and b (centre lat 2.5) hold lat 1.9: b is nearer (0.6 against 0.9)
    assert ts.tile_at(LatLon(1.9, 1.0)) == 1
    assert ts.tile_at(LatLon(1.2, 1.0)) == 0  # 0.2 against 1.3
    assert ts.tile_at(LatLon(1.75, 1.0)) == 0  # a tie (0.75 each): the first tile
    assert ts.tile_at(LatLon(3.0, 5.5)) is None
    assert ts.tile_at(LatLon(0.0, 5.9)) == 2
    # longitude decides: d (centre lon 1.0) and e (centre lon 1.5) both hold lon 1.4 (0.4 against 0.1)
    lon_set = TileSet((_tile("d", (0.0, 0.0, 2.0, 2.0)), _tile("e", (1.0, 0.0, 2.0, 2.0))), Path("s"))
    assert lon_set.tile_at(LatLon(1.0, 1.4)) == 1 and lon_set.tile_at(LatLon(1.0, 1.1)) == 0
    # the short way round +-180: A (179 -> -175, centre -178) is 2.2 degrees from 179.8, B (170 -> -179,
    # centre 175.5) 4.3
    wrap = TileSet((_tile("B", (170.0, 0.0, -179.0, 2.0)), _tile("A", (179.0, 0.0, -175.0, 2.0))), Path("w"))
    assert wrap.tile_at(LatLon(1.0, 179.8)) == 1
    assert wrap.tile_at(LatLon(1.0, 178.0)) == 0  # only B
    # A' (179 -> -178, centre -179.5) is 1.0 from 179.5 across the line, B' (176 -> 180, centre 178) 1.5
    near = TileSet((_tile("B'", (176.0, 0.0, 180.0, 2.0)), _tile("A'", (179.0, 0.0, -178.0, 2.0))), Path("n"))
    assert near.tile_at(LatLon(1.0, 179.5)) == 1
    one = TileSet((_tile("a", (0.0, 0.0, 1.0, 1.0)),), Path("x"))
    expected = hashlib.sha256(b"a|Bounds(west=0.0, south=0.0, east=1.0, north=1.0)|None\n").hexdigest()[:16]
    assert one.fingerprint() == expected and len(expected) == 16


def test_prediction_top_and_tile_center():
    t1, t2 = _tile("a", (0.0, 0.0, 2.0, 4.0)), _tile("b", (10.0, 0.0, 12.0, 2.0))
    m1, m2 = Match(t1, 0.9, 1), Match(t2, 0.5, 2)
    p = Prediction(Query("q", Path("q.jpg")), (m1, m2), LatLon(0, 0), LatLon(0, 0), 0.5)
    assert p.top is m1 and p.tile_center == LatLon(2.0, 1.0)
