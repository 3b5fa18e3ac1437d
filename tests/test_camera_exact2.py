"""More exact answers of core/camera.py's pose from a footprint, written for the survivors of the
mutation runs of sessions 6-7 (training/results/mutation_camera.md): strongly tilted cameras whose
image side or bottom points above the horizon, footprints no camera above the ground explains, and
the two solvers (SQPnP, then IPPE), each proposal filtered on its own."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from geolocator.core.camera import FULL_FRAME_DIAGONAL_MM, camera_from_footprint
from geolocator.core.geo import metres_per_degree
from geolocator.core.model import LatLon

ORIGIN = LatLon(36.14, -115.23)
W, H = 4000, 3000
F_PX = math.hypot(W, H)  # focal35 = FULL_FRAME_DIAGONAL_MM: the focal length is the image diagonal
TILT = math.radians(50.0)


def _footprint(fwd, right, height=60.0):
    """The corners (TL, TR, BR, BL) on the ground of a pinhole camera at ORIGIN, `height` m up, whose
    optical axis is `fwd` and image x axis `right` (east, north, up unit vectors)."""
    fwd, right = np.asarray(fwd, float), np.asarray(right, float)
    down = np.cross(fwd, right)
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    corners = []
    for u, v in ((0, 0), (W, 0), (W, H), (0, H)):
        ray = fwd * F_PX + right * (u - W / 2) + down * (v - H / 2)
        assert ray[2] < 0  # every corner's ray meets the ground
        g = np.array([0.0, 0.0, height]) + (-height / ray[2]) * ray
        corners.append(LatLon(ORIGIN.lat + g[1] / m_lat, ORIGIN.lon + g[0] / m_lon))
    return tuple(corners)


def _assert_pose(cam, height, tilt_deg, heading_deg):
    assert cam is not None
    assert cam.height_m == pytest.approx(height, abs=1e-3)
    assert cam.tilt_deg == pytest.approx(tilt_deg, abs=1e-3)
    assert (cam.heading_deg - heading_deg + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-3)
    assert cam.position.lat == pytest.approx(ORIGIN.lat, abs=1e-8)
    assert cam.position.lon == pytest.approx(ORIGIN.lon, abs=1e-8)


def test_a_camera_tilted_50_degrees_towards_its_image_right():
    # axis 50 deg off nadir towards the east; the image's right edge then points 50 deg above the
    # horizontal (its x axis has an up component of sin 50 = 0.77 > cos 50 = 0.64)
    fwd = (math.sin(TILT), 0.0, -math.cos(TILT))
    right = (math.cos(TILT), 0.0, math.sin(TILT))
    _assert_pose(camera_from_footprint(_footprint(fwd, right), (W, H), FULL_FRAME_DIAGONAL_MM), 60.0, 50.0, 0.0)


def test_a_camera_tilted_50_degrees_towards_its_image_bottom():
    # axis 50 deg off nadir towards the south while the image's top edge points north: the image's
    # "down" axis points 50 deg above the horizontal
    fwd = (0.0, -math.sin(TILT), -math.cos(TILT))
    _assert_pose(camera_from_footprint(_footprint(fwd, (1.0, 0.0, 0.0)), (W, H), FULL_FRAME_DIAGONAL_MM), 60.0, 50.0, 0.0)


def _local(points_en):
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    return tuple(LatLon(ORIGIN.lat + n / m_lat, ORIGIN.lon + e / m_lon) for e, n in points_en)


@pytest.mark.parametrize("corners", [
    # mirrored (corners counter-clockwise seen from above) and distorted footprints, in east/north metres:
    # every pose the solvers propose is below the ground or looks up
    [(0.0, 0.0), (82.8, -297.8), (166.0, -354.3), (161.0, -226.7)],
    [(0.0, 0.0), (-407.4, -110.3), (-383.8, -121.1), (-186.7, -228.6)],
    # the exact nadir footprint mirrored east-west: the camera 60 m BELOW the ground, looking up, fits it exactly
    [(24.0, 18.0), (-24.0, 18.0), (-24.0, -18.0), (24.0, -18.0)],
])
def test_a_footprint_only_a_camera_below_the_ground_or_looking_up_explains_has_no_pose(corners):
    assert camera_from_footprint(_local(corners), (W, H), FULL_FRAME_DIAGONAL_MM) is None


class _Solvers:
    """cv2.solvePnPGeneric recorded: the flags of each call, SQPnP made to fail or to propose extra poses."""

    def __init__(self, real, *, sqpnp_fails=False, extra=()):
        self.real, self.sqpnp_fails, self.extra, self.flags = real, sqpnp_fails, list(extra), []

    def __call__(self, obj, img, K, dist, flags="left out"):
        self.flags.append(flags)
        if flags == cv2.SOLVEPNP_SQPNP:
            if self.sqpnp_fails:
                raise cv2.error("SQPnP refused")
            n, rvecs, tvecs, errs = self.real(obj, img, K, dist, flags=flags)
            return n + len(self.extra), (*[r for r, _ in self.extra], *rvecs), (*[t for _, t in self.extra], *tvecs), errs
        return self.real(obj, img, K, dist, **({} if flags == "left out" else {"flags": flags}))


def test_sqpnp_then_ippe_are_asked_and_ippe_still_answers_when_sqpnp_fails(monkeypatch):
    # tilted towards the image bottom, where IPPE's first pose is the exact one (IPPE's closed form
    # fails only at nadir)
    footprint = _footprint((0.0, -math.sin(TILT), -math.cos(TILT)), (1.0, 0.0, 0.0))
    spy = _Solvers(cv2.solvePnPGeneric)
    monkeypatch.setattr(cv2, "solvePnPGeneric", spy)
    _assert_pose(camera_from_footprint(footprint, (W, H), FULL_FRAME_DIAGONAL_MM), 60.0, 50.0, 0.0)
    assert spy.flags == [cv2.SOLVEPNP_SQPNP, cv2.SOLVEPNP_IPPE]
    failing = _Solvers(spy.real, sqpnp_fails=True)
    monkeypatch.setattr(cv2, "solvePnPGeneric", failing)
    _assert_pose(camera_from_footprint(footprint, (W, H), FULL_FRAME_DIAGONAL_MM), 60.0, 50.0, 0.0)
    assert failing.flags == [cv2.SOLVEPNP_SQPNP, cv2.SOLVEPNP_IPPE]


def test_proposals_below_the_ground_or_not_finite_are_skipped_and_the_next_ones_still_weighed(monkeypatch):
    footprint = _footprint((math.sin(TILT), 0.0, -math.cos(TILT)), (math.cos(TILT), 0.0, math.sin(TILT)))
    below = (np.zeros((3, 1)), np.array([[0.0], [0.0], [60.0]]))  # R = I: looking up, 60 m below the ground
    not_finite = (np.array([[math.pi], [0.0], [0.0]]), np.full((3, 1), np.nan))  # looks down; position NaN
    monkeypatch.setattr(cv2, "solvePnPGeneric", _Solvers(cv2.solvePnPGeneric, extra=[below, not_finite]))
    _assert_pose(camera_from_footprint(footprint, (W, H), FULL_FRAME_DIAGONAL_MM), 60.0, 50.0, 0.0)


def test_a_proposal_exactly_on_the_ground_is_not_above_it(monkeypatch):
    # the east-west mirror of the exact nadir footprint: every real proposal is below the ground; the
    # one added sits exactly at height 0 (t = 0, looking down), which is not above the ground either
    mirrored = _local([(24.0, 18.0), (-24.0, 18.0), (-24.0, -18.0), (24.0, -18.0)])
    on_ground = (np.array([[math.pi], [0.0], [0.0]]), np.zeros((3, 1)))
    monkeypatch.setattr(cv2, "solvePnPGeneric", _Solvers(cv2.solvePnPGeneric, extra=[on_ground]))
    assert camera_from_footprint(mirrored, (W, H), FULL_FRAME_DIAGONAL_MM) is None
