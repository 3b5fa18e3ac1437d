"""Oblique views (issue 13): the ground trapezoid of a tilted camera (core/oblique.py), the
plausibility rule that follows it (rerank.outline_rule), the photo turned towards nadir before SIFT
(rerank.rectified_local_features), and the oblique yardstick's DJI metadata read back."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.model import PhotoMeta
from geolocator.core.oblique import ViewGeometry, polygon_area, view_geometry
from geolocator.core.rerank import (OutlineRule, VerifySettings, _plausible, outline_rule,
                                    rectified_local_features)

R3, R2, R6 = math.sqrt(3), math.sqrt(2), math.sqrt(6)


def _square_camera(pitch_deg=-45.0, altitude_m=10.0):
    # a square 2 x 2 px image whose half field of view is 30 deg: focal = 1 / tan 30 = sqrt(3) px,
    # i.e. focal_ratio = sqrt(3) / 2 of the 2 px long side
    return ViewGeometry(pitch_deg, altitude_m, R3 / 2)


def test_a_45_degree_cameras_ground_trapezoid_worked_out_by_hand():
    # Camera 10 m up, axis 45 deg off nadir, half field 30 deg. In the vertical plane the top edge
    # looks 45 + 30 = 75 deg off nadir, the bottom edge 15 deg: forward distances 10 tan 75 =
    # 10 (2 + sqrt 3) and 10 tan 15 = 10 (2 - sqrt 3). A corner ray is f*axis + u*right + v*down
    # with axis (0, s, -s), down (0, -s, -s), s = 1/sqrt 2, f = sqrt 3, u = +-1, v = -+1; its
    # height component -(sqrt 3 -+ 1)/sqrt 2 scales the ray to the ground: half widths
    # 10 sqrt 2 / (sqrt 3 -+ 1) = 10 (sqrt 6 +- sqrt 2) / 2 at the far and near edges.
    outline = _square_camera().outline_m((2, 2))
    far_x, near_x = 10 * (R6 + R2) / 2, 10 * (R6 - R2) / 2
    far_y, near_y = 10 * (2 + R3), 10 * (2 - R3)
    expected = [(-far_x, far_y), (far_x, far_y), (near_x, near_y), (-near_x, near_y)]  # TL, TR, BR, BL
    np.testing.assert_allclose(outline, expected, atol=1e-9)
    # area: mean width sqrt 6 H times depth 2 sqrt 3 H = 6 sqrt 2 H^2
    assert polygon_area(outline) == pytest.approx(6 * R2 * 100, rel=1e-12)
    # the slanted sides are 10 hypot(sqrt 2, 2 sqrt 3) = 37.4 m, the far edge 10 (sqrt 6 + sqrt 2) =
    # 38.6 m is the longest, the near edge the shortest: ratio (sqrt 6 + sqrt 2) / (sqrt 6 - sqrt 2) = 2 + sqrt 3
    assert 10 * math.hypot(R2, 2 * R3) < 10 * (R6 + R2)
    assert _square_camera().side_ratio((2, 2)) == pytest.approx(2 + R3, rel=1e-12)


def test_straight_down_the_outline_is_the_nadir_footprint():
    # 50 m up, 8.8 mm lens on a 13.2 mm sensor: 50 x 13.2 / 8.8 = 75 m across, 75 x 3/4 along
    view = ViewGeometry(-45.0, 50.0, 8.8 / 13.2)
    outline = view.outline_m((4000, 3000), tilt_deg=0.0)
    np.testing.assert_allclose(outline, [(-37.5, 28.125), (37.5, 28.125), (37.5, -28.125), (-37.5, -28.125)],
                               atol=1e-9)


def test_a_view_reaching_the_horizon_has_no_outline():
    # 61 + 30 deg: the top edge looks above the horizon; 56 + 30 = 86 deg is past MAX_RAY_OFF_NADIR_DEG
    # (85) in the vertical plane; 50 + 30 = 80 deg keeps every corner (corner rays are steeper than
    # the edge's middle: 76.6 deg at 45, worked out above)
    assert _square_camera(pitch_deg=-29.0).outline_m((2, 2)) is None
    assert _square_camera(pitch_deg=-34.0).outline_m((2, 2)) is None
    assert _square_camera(pitch_deg=-40.0).outline_m((2, 2)) is not None


def test_turned_to_nadir_a_ground_point_lands_where_a_nadir_camera_sees_it():
    view = _square_camera()
    h = view.to_nadir((2, 2))

    def apply(x, y):
        u, v, w = h @ np.array([x, y, 1.0])
        return u / w, v / w

    # A nadir camera at the same place (image up = forward) sees ground (x, y) at pixel
    # (1 + f x / H, 1 - f y / H). The photo's top-left corner sees (-10 (sqrt 6 + sqrt 2)/2, 10 (2 + sqrt 3))
    # (worked out above): pixel (1 - sqrt 3 (sqrt 6 + sqrt 2) / 2, 1 - sqrt 3 (2 + sqrt 3)) = (.., -2 - 2 sqrt 3).
    np.testing.assert_allclose(apply(0, 0), (1 - R3 * (R6 + R2) / 2, -2 - 2 * R3), atol=1e-9)
    # the photo's centre sees the ground 10 tan 45 = 10 m ahead: pixel (1, 1 - sqrt 3)
    np.testing.assert_allclose(apply(1, 1), (1, 1 - R3), atol=1e-9)


def _meta(**kw):
    base = dict(width=4000, height=3000, gimbal_pitch_deg=-45.0, relative_altitude_m=30.0, focal_length_mm=4.5,
                sensor_width_mm=6.4)
    base.update(kw)
    return PhotoMeta(**base)


def test_view_geometry_from_metadata_only_for_oblique_upright_photos_with_height_and_lens():
    assert view_geometry(_meta()) == ViewGeometry(-45.0, 30.0, 4.5 / 6.4)
    assert view_geometry(_meta(gimbal_pitch_deg=-85.0)) is None  # within 10 deg of nadir: footprint_m's case
    assert view_geometry(_meta(gimbal_pitch_deg=-79.0)) is not None
    assert view_geometry(_meta(gimbal_pitch_deg=0.0)) is None  # looking at the horizon
    assert view_geometry(_meta(gimbal_pitch_deg=None)) is None
    assert view_geometry(_meta(relative_altitude_m=None)) is None
    assert view_geometry(_meta(relative_altitude_m=-3.0)) is None  # below take-off: no ground under it
    assert view_geometry(_meta(sensor_width_mm=None)) is None
    assert view_geometry(_meta(focal_length_mm=0.0)) is None
    assert view_geometry(_meta(orientation=6)) is None  # stored a quarter turn: the far edge is not the top
    assert view_geometry(_meta(orientation=1)) is not None
    assert view_geometry(None) is None


# Odd values a PhotoMeta may hold when built elsewhere than metadata.read_photo_meta (which stores
# only finite floats): each is "no view", never an exception and never a view with an infinite
# height or a zero/infinite focal length (session 10: query_view used to catch every exception).
ODD = [
    dict(gimbal_pitch_deg=float("nan")), dict(gimbal_pitch_deg=float("-inf")),
    dict(gimbal_pitch_deg=5.0),  # looking 5 deg above the horizon
    dict(gimbal_pitch_deg=-95.0),  # past nadir (tilt -5)
    dict(focal_length_mm=0.0), dict(focal_length_mm=float("nan")), dict(sensor_width_mm=None),
    dict(relative_altitude_m=float("nan")), dict(relative_altitude_m=float("inf")),
    dict(relative_altitude_m=10**400),  # an int no float holds: float() raises OverflowError
    dict(focal_length_mm=1e300, sensor_width_mm=1e-300),  # f / sw = inf
    dict(focal_length_mm=5e-324, sensor_width_mm=1e10),  # f / sw underflows to 0.0
    dict(focal_length_mm=4.5, sensor_width_mm=6400.0),  # mm over um: f / sw = 7e-4, no lens
    dict(relative_altitude_m=1e300),  # the outline's area overflows
    dict(gimbal_pitch_deg="-45"), dict(relative_altitude_m=object()),  # not numbers at all
]


@pytest.mark.parametrize("odd", ODD, ids=[next(iter(d.items())).__repr__()[:40] for d in ODD])
def test_odd_metadata_gives_no_view(odd):
    from geolocator.core.model import Query
    from geolocator.core.rerank import query_view

    assert view_geometry(_meta(**odd)) is None
    assert query_view(Query("p.jpg", Path("p.jpg"), meta=_meta(**odd))) is None


def test_a_programming_error_is_not_taken_for_odd_metadata(monkeypatch):
    # something that is not a PhotoMeta (a caller's mistake) and a bug inside view_geometry both
    # surface; before session 10 query_view caught every exception and said "no view"
    from geolocator.core import recorded_view, rerank
    from geolocator.core.model import Query

    with pytest.raises(AttributeError):
        rerank.query_view(Query("p.jpg", Path("p.jpg"), meta={"gimbal_pitch_deg": -45.0}))

    def broken(meta):
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(recorded_view, "view_geometry", broken)  # query_view reads it through recorded_view
    with pytest.raises(ZeroDivisionError):
        rerank.query_view(Query("p.jpg", Path("p.jpg"), meta=_meta()))


def _check_view(view):
    """A view view_geometry gives: finite positive height and focal ratio, a tilt strictly between
    NADIR_TOLERANCE_DEG (10) and 90, and a finite, invertible turn to nadir."""
    if view is None:
        return
    assert math.isfinite(view.altitude_m) and view.altitude_m > 0
    assert math.isfinite(view.focal_ratio) and view.focal_ratio > 0
    assert 10.0 < view.tilt_deg < 90.0
    h = view.to_nadir((384, 288))
    assert np.isfinite(h).all() and abs(np.linalg.det(h)) > 0


EDGES = [None, math.nan, math.inf, -math.inf, 0.0, -1.0, 5e-324, 1e-300, 1e300, 10**400, "7"]


def test_every_edge_value_in_the_metadata_gives_no_view_or_a_finite_one():
    # a census of every combination of edge values (and two usable ones) in the four fields
    # view_geometry reads: it raises nothing and every view it gives is finite (_check_view)
    import itertools

    seen = 0
    for pitch, alt, f, sw in itertools.product([-45.0, -80.0 + 1e-9, *EDGES], [30.0, *EDGES], [4.5, *EDGES],
                                               [6.4, *EDGES]):
        view = view_geometry(_meta(gimbal_pitch_deg=pitch, relative_altitude_m=alt, focal_length_mm=f,
                                   sensor_width_mm=sw))
        _check_view(view)
        seen += view is not None
    # usable: pitch -45, -80+ or -1 (3: tilt 45, 10+, 89; 0 and the tiny ones are tilt 90) x alt 30, 5e-324, 1e-300 (3; positive and at most 1e5 m) x the
    # (f, sw) pairs whose ratio lies in [0.1, 100]: 4.5 / 6.4 = 0.70 and the four equal pairs but
    # 6.4's (5e-324, 1e-300, 1e300 each over itself = 1); every other pair of these magnitudes is
    # below 1e-23 or above 1e23 (4)
    assert seen == 3 * 3 * 4


def test_any_numbers_in_the_metadata_give_no_view_or_a_finite_one():
    # random floats and ints of any size in the four fields (the census above holds its edges)
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings
    from hypothesis import strategies as st

    number = st.one_of(st.none(), st.floats(), st.integers(-(10**400), 10**400))

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(pitch=st.one_of(st.floats(-80.0, 0.0), number), alt=st.one_of(st.floats(1.0, 500.0), number),
           f=st.one_of(st.floats(1.0, 50.0), number), sw=st.one_of(st.floats(1.0, 40.0), number))
    def check(pitch, alt, f, sw):
        _check_view(view_geometry(_meta(gimbal_pitch_deg=pitch, relative_altitude_m=alt, focal_length_mm=f,
                                        sensor_width_mm=sw)))

    check()


def _true_homography(view, size, tile_m, tile_px, yaw_deg, at=(0.5, 0.5)):
    """Photo pixels -> tile pixels of the camera's real ground plane: its 4 corner correspondences fix
    it (a plane seen by a pinhole camera is a homography). The photo's centre ground point sits at
    `at` (fractions of the tile), the camera heading yaw_deg clockwise from north (tile up)."""
    import cv2

    outline = view.outline_m(size)
    centre_y = view.altitude_m * math.tan(math.radians(view.tilt_deg))
    yaw = math.radians(yaw_deg)
    east = outline[:, 0] * math.cos(yaw) + (outline[:, 1] - centre_y) * math.sin(yaw)
    north = -outline[:, 0] * math.sin(yaw) + (outline[:, 1] - centre_y) * math.cos(yaw)
    px = tile_px / tile_m
    tile = np.c_[at[0] * tile_px + east * px, at[1] * tile_px - north * px]
    w, h = size
    return cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), tile.astype(np.float32))


def test_a_correct_strong_oblique_fit_is_kept_by_the_camera_rule_and_thrown_away_by_the_fixed_one():
    # 35 m up, 55 deg off nadir through a 70.8 deg lens, over 30 m tiles: the far edge reaches
    # 35 tan(55 + 28.1) = 290 m, the outline covers ~65 tiles (shared/oblique-views.md's failure)
    settings = VerifySettings()
    view = ViewGeometry(-35.0, 35.0, 4.5 / 6.4)
    size = (384, 288)
    homography = _true_homography(view, size, 30.0, 256, yaw_deg=30.0)
    rule = outline_rule(view, size, (30.0, 30.0), settings)
    assert polygon_area(view.outline_m(size)) / 900 > settings.max_area  # beyond the fixed size rule
    assert not _plausible(homography, size, (256, 256), settings)  # today's rule for it
    assert _plausible(homography, size, (256, 256), settings, rule)
    # ... and at a milder 40 deg, where both rules keep it
    mild = ViewGeometry(-50.0, 35.0, 4.5 / 6.4)
    assert _plausible(_true_homography(mild, size, 30.0, 256, 200.0), size, (256, 256), settings,
                      outline_rule(mild, size, (30.0, 30.0), settings))


def test_the_camera_rule_rejects_outlines_of_the_wrong_size_or_shape():
    settings = VerifySettings()
    view = ViewGeometry(-45.0, 20.0, 4.5 / 6.4)
    size = (384, 288)
    rule = outline_rule(view, size, (30.0, 30.0), settings)
    right = _true_homography(view, size, 30.0, 256, 0.0)
    assert _plausible(right, size, (256, 256), settings, rule)
    # The size bound: the area at the recorded tilt -+ 5 deg, times / over footprint_tolerance^2
    # (6.25, the nadir rule's). Scaled 4x (16x the area) or 1/4 across, the outline is beyond it
    # (premise checked on the model's own areas at 40, 45 and 50 deg), scaled 2x or 1/2 it is not.
    areas = {t: polygon_area(view.outline_m(size, t)) for t in (40.0, 45.0, 50.0)}
    assert 16 > 6.25 * areas[50.0] / areas[45.0] and 1 / 16 < areas[40.0] / areas[45.0] / 6.25
    assert 4 < 6.25 * areas[50.0] / areas[45.0] and 1 / 4 > areas[40.0] / areas[45.0] / 6.25

    def scaled(k):  # the outline k times larger across, about the tile's centre
        about = np.array([[1, 0, 128], [0, 1, 128], [0, 0, 1.0]])
        return about @ np.diag([k, k, 1.0]) @ np.linalg.inv(about) @ right

    for k in (4.0, 0.25):
        assert not _plausible(scaled(k), size, (256, 256), settings, rule)
    for k in (2.0, 0.5):
        assert _plausible(scaled(k), size, (256, 256), settings, rule)
    # the side ratio allowed: the steeper tilt's times footprint_tolerance, never below max_side_ratio
    assert isinstance(rule, OutlineRule) and rule.high is not None
    assert rule.max_side_ratio == pytest.approx(max(settings.max_side_ratio,
                                                    view.side_ratio(size, 50.0) * settings.footprint_tolerance))
    # a sliver beyond that ratio is rejected although its area is right: the outline squeezed
    # 8x along the tile's x and stretched 8x along y keeps its area, not its shape
    squeeze = np.array([[1, 0, 128], [0, 1, 128], [0, 0, 1.0]]) @ np.diag([1 / 8, 8, 1.0]) @ \
        np.array([[1, 0, -128], [0, 1, -128], [0, 0, 1.0]]) @ right
    assert not _plausible(squeeze, size, (256, 256), settings, rule)


def test_the_camera_rule_gives_way_to_the_fixed_one_without_a_finite_outline():
    settings = VerifySettings()
    grazing = ViewGeometry(-20.0, 30.0, 4.5 / 6.4)  # 70 + 28 deg: the top edge above the horizon
    assert outline_rule(grazing, (384, 288), (30.0, 30.0), settings) is None
    steep_edge = ViewGeometry(-38.0, 30.0, 4.5 / 6.4)  # 52 deg: finite, but 57 deg reaches 85 deg
    rule = outline_rule(steep_edge, (384, 288), (30.0, 30.0), settings)
    assert rule is not None and rule.high is None  # no upper bound: the view may reach the horizon


def _blobs(size=(384, 288), spots=((100, 80), (260, 90), (190, 150), (80, 220), (300, 230), (200, 250))):
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.full((h, w), 60.0)
    for x, y in spots:
        image += 180 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 5.0 ** 2))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)), np.array(spots, float)


def test_keypoints_found_on_the_nadir_view_come_back_in_the_photos_pixels():
    image, spots = _blobs()
    view = ViewGeometry(-50.0, 30.0, 4.5 / 6.4)  # 40 deg off nadir: the blobs move by tens of pixels
    features = rectified_local_features(image, view, VerifySettings())
    assert features.size == (384, 288)
    assert len(features.points) >= len(spots)
    # the keypoints of round blobs (DoG extrema at their centres) lie on the blobs of the photo
    nearest = np.min(np.linalg.norm(features.points[:, None] - spots[None], axis=2), axis=1)
    assert (nearest < 1.0).sum() >= len(spots) and np.median(nearest) < 1.0, nearest
    # where the nadir view draws them is far from there (so the test tells the two frames apart)
    h = view.to_nadir((384, 288))
    moved = (np.c_[spots, np.ones(len(spots))] @ h.T)
    assert np.abs(moved[:, :2] / moved[:, 2:] - spots).max() > 40


def test_the_verifier_describes_a_photo_with_an_oblique_view_turned_to_nadir_only_when_asked(tmp_path):
    from geolocator.core.model import Query
    from geolocator.core.rerank import Verifier

    image, _ = _blobs()
    path = tmp_path / "q.png"
    image.save(path)
    meta = replace(_meta(), width=384, height=288)
    query = Query("q", path, meta=meta)
    plain = Verifier(VerifySettings(rectify=False)).photo(query)
    turned = Verifier(VerifySettings()).photo(query)
    # what the verifier reads: the photo's ground band (core/ground_band.py) and that band's view
    from geolocator.core.media.query_image import open_query_image
    from geolocator.core.rerank import query_view

    assert query_view(query).rows is not None  # this lens at -45: its top rows look 17 deg down
    direct = rectified_local_features(open_query_image(query), query_view(query), VerifySettings())
    np.testing.assert_allclose(turned.points, direct.points)
    assert plain.points.shape != turned.points.shape or not np.allclose(plain.points, turned.points)


def test_the_pipeline_sizes_a_photo_by_its_nadir_footprint_else_its_oblique_camera(tmp_path):
    from geolocator.core.model import Query
    from geolocator.core.rerank import query_outline

    path = tmp_path / "q.jpg"
    nadir = _meta(gimbal_pitch_deg=-88.0, relative_altitude_m=45.0)
    # nadir: 45 m x 6.4 / 4.5 = 64 m across (metadata.footprint_m)
    assert query_outline(Query("a", path, meta=nadir)) == pytest.approx(64.0)
    assert query_outline(Query("b", path, meta=_meta())) == ViewGeometry(-45.0, 30.0, 4.5 / 6.4)
    assert query_outline(Query("c", path)) is None
    assert query_outline(Query("d", path, meta=_meta(relative_altitude_m=None))) is None


def test_the_verifier_turns_an_oblique_camera_into_its_outline_rule_over_each_tile():
    from geolocator.core.model import Bounds
    from geolocator.core.rerank import LocalFeatures, Verifier

    photo = LocalFeatures(np.zeros((0, 2), np.float32), np.zeros((0, 128), np.float32), (384, 288))
    # a tile of 0.0005 deg square at the equator, measured as _share does (haversine on the IUGG
    # mean sphere, 6 371 008.8 m): 0.0005 deg x 6 371 008.8 x pi / 180 = 55.597 m both ways
    side = 0.0005 * 6371008.8 * math.pi / 180
    bounds = Bounds(west=0.0, south=-0.00025, east=0.0005, north=0.00025)
    view = ViewGeometry(-45.0, 20.0, 4.5 / 6.4)
    rule = Verifier(VerifySettings())._share(photo, bounds, view)
    expected = outline_rule(view, (384, 288), (side, side), VerifySettings())
    assert rule.low == pytest.approx(expected.low, rel=1e-6) and rule.high == pytest.approx(expected.high, rel=1e-6)
    assert rule.max_side_ratio == pytest.approx(expected.max_side_ratio)
    assert Verifier(VerifySettings(oblique=False))._share(photo, bounds, view) is None  # today's rule
    assert Verifier(VerifySettings())._share(photo, bounds, None) is None
    # a nadir footprint keeps its share: 30 m x 22.5 m over the tile's area
    share = Verifier(VerifySettings())._share(photo, bounds, 30.0)
    assert share == pytest.approx(30.0 * 22.5 / side ** 2, rel=1e-6)


def test_results_are_kept_apart_by_the_oblique_camera():
    from geolocator.core.model import Query
    from geolocator.core.rerank import Verifier

    v = Verifier()
    q = Query("q", Path("q.jpg"))
    a, b = ViewGeometry(-45.0, 20.0, 0.7), ViewGeometry(-40.0, 20.0, 0.7)
    assert v.photo_key(q, a) != v.photo_key(q, b) != v.photo_key(q, None)
    assert v.photo_key(q, a) == v.photo_key(q, ViewGeometry(-45.0, 20.0, 0.7))
    assert v.photo_key(q, 30.04) == v.photo_key(q, 30.0)  # footprints as before: to 0.1 m


@pytest.mark.parametrize("pitch", [-10.0, -20.0])
def test_a_photo_that_sees_the_horizon_is_still_described_on_its_nadir_view(pitch):
    # 80 / 70 deg off nadir through a 70.8 deg lens (vertical half field 28 deg): the photo's top
    # edge looks above the horizon, so its nadir view is unbounded. Its ground below must still be
    # described (a canvas built from the corners beyond the horizon came out empty: 0 keypoints).
    image, spots = _blobs()
    features = rectified_local_features(image, ViewGeometry(pitch, 30.0, 4.5 / 6.4), VerifySettings())
    nearest = np.min(np.linalg.norm(features.points[:, None] - spots[None], axis=2), axis=1)
    assert (nearest < 1.0).sum() >= 4, nearest
    # the near edge's blobs (the sharpest ground) are among them: (80, 220) and (200, 250)
    for x, y in ((80, 220), (200, 250)):
        assert np.min(np.linalg.norm(features.points - (x, y), axis=1)) < 1.0
