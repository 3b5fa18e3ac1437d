"""Property tests of camera geometry (core/oblique.py ViewGeometry, core/camera.py): a ground
outline scales with altitude, a nadir one is centred under the camera, and the pose solved from a
footprint is the pose the footprint was made with, for ALL poses hypothesis draws (any heading,
tilts to 50°, 20-500 m up, anywhere on the globe up to ±180°). Deterministic (derandomize).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geolocator.core.camera import FULL_FRAME_DIAGONAL_MM, camera_from_footprint
from geolocator.core.geo import haversine_m, metres_per_degree
from geolocator.core.model import LatLon
from geolocator.core.oblique import ViewGeometry, polygon_area

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

PROP = prop(120)

sizes = st.sampled_from([(4000, 3000), (3000, 4000), (1920, 1080), (640, 512), (5472, 3648)])
focals = st.floats(14.0, 120.0)  # 35 mm-equivalent focal lengths of drone cameras
heights = st.floats(20.0, 500.0)
tilts = st.floats(0.0, 50.0)


def _view(size, focal35, height, tilt) -> ViewGeometry:
    f_px = focal35 / FULL_FRAME_DIAGONAL_MM * math.hypot(*size)
    return ViewGeometry(tilt - 90.0, height, f_px / max(size))


@PROP
@given(sizes, focals, heights, tilts, st.floats(1.1, 10.0))
def test_a_ground_outline_scales_with_altitude(size, focal35, height, tilt, k):
    """k times higher, the same camera sees k times further along each side (k² the area)."""
    low, high = _view(size, focal35, height, tilt).outline_m(size), _view(size, focal35, k * height, tilt).outline_m(size)
    assume(low is not None)  # a wide lens tilted far: a corner's ray nears the horizon
    assert high is not None
    np.testing.assert_allclose(high, k * low, rtol=1e-9, atol=1e-9)
    assert polygon_area(high) == pytest.approx(k * k * polygon_area(low), rel=1e-9)


@PROP
@given(sizes, focals, heights)
def test_a_nadir_outline_is_centred_under_the_camera_and_sized_by_the_lens(size, focal35, height):
    """Straight down, the outline is the image's rectangle, centred under the camera, its sides
    height x pixels / focal pixels (the pinhole's similar triangles)."""
    view = _view(size, focal35, height, 0.0)
    out = view.outline_m(size)
    np.testing.assert_allclose(out.mean(axis=0), [0.0, 0.0], atol=1e-9 * height)
    f = view.focal_px(size)
    assert out[1, 0] - out[0, 0] == pytest.approx(height * size[0] / f, rel=1e-9)
    assert out[0, 1] - out[3, 1] == pytest.approx(height * size[1] / f, rel=1e-9)


@PROP
@given(sizes, focals, heights, st.floats(0.0, 45.0), st.floats(0.5, 5.0))
def test_tilting_further_sees_more_ground(size, focal35, height, tilt, more):
    view = _view(size, focal35, height, tilt)
    further = view.outline_m(size, tilt + more)
    assume(further is not None)
    assert polygon_area(further) > polygon_area(view.outline_m(size))


def _footprint(outline: np.ndarray, heading_deg: float, at: LatLon) -> tuple[LatLon, ...]:
    """Outline metres (x right, y forward) turned to `heading_deg` (clockwise from north) about the
    point under the camera at `at`, as WGS84 corners."""
    m_lat, m_lon = metres_per_degree(at.lat)
    h = math.radians(heading_deg)
    out = []
    for x, y in outline:
        east, north = x * math.cos(h) + y * math.sin(h), -x * math.sin(h) + y * math.cos(h)
        lon = at.lon + east / m_lon
        out.append(LatLon(at.lat + north / m_lat, (lon + 180.0) % 360.0 - 180.0))
    return tuple(out)


def _angle_gap(a: float, b: float) -> float:
    return abs((a - b + 180.0) % 360.0 - 180.0)


@PROP
@given(sizes, focals, heights, tilts, st.floats(0.0, 360.0, exclude_max=True), st.floats(-70.0, 70.0),
       st.one_of(st.floats(-180.0, 180.0), st.floats(179.99, 180.0)))
def test_the_pose_from_a_footprint_is_the_pose_that_made_it(size, focal35, height, tilt, heading, lat, lon):
    """A camera `height` m above (lat, lon), tilted and turned to `heading`: its corners' ground
    points give back its place (to 0.2 % of its height), height (0.2 %), tilt and heading (0.2°),
    and the footprint's area is the same at every heading."""
    at = LatLon(lat, lon)
    outline = _view(size, focal35, height, tilt).outline_m(size)
    assume(outline is not None)  # a wide lens tilted far: a corner's ray nears the horizon
    footprint = _footprint(outline, heading, at)
    cam = camera_from_footprint(footprint, size, focal35)
    assert cam is not None
    assert cam.height_m == pytest.approx(height, rel=2e-3)
    assert haversine_m(cam.position, at) < 2e-3 * height, (cam.position, at)
    assert abs(cam.tilt_deg - tilt) < 0.2 and _angle_gap(cam.heading_deg, heading) < 0.2, cam
    assert -180.0 <= cam.position.lon <= 180.0


def test_a_footprint_across_the_antimeridian_gives_the_camera_above_it():
    """Regression (found by the property above): a nadir photo 20 m above (0°, 180°), its footprint
    either side of ±180°, gave no pose, or one 24,770 km up."""
    size = (4000, 3000)
    footprint = _footprint(_view(size, 24.0, 20.0, 0.0).outline_m(size), 0.0, LatLon(0.0, 180.0))
    assert {p.lon > 0 for p in footprint} == {True, False}
    cam = camera_from_footprint(footprint, size, 24.0)
    assert cam is not None and cam.height_m == pytest.approx(20.0, rel=1e-6)
    assert haversine_m(cam.position, LatLon(0.0, 180.0)) < 1e-3 and -180.0 <= cam.position.lon <= 180.0
