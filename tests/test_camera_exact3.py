"""The last camera.py mutant session 7 left "not killed" (training/results/mutation_camera.md,
session 8): camera_from_footprint's filter at its boundary, a proposed pose whose optical axis is
exactly horizontal. No rotation vector gives an exactly horizontal axis through cv2.Rodrigues, so
the solver and Rodrigues are stood in for: the solver proposes one pose, Rodrigues gives its exact
rotation."""

from __future__ import annotations

import cv2
import numpy as np

from geolocator.core.camera import camera_from_footprint
from geolocator.core.model import LatLon

# A camera 10 m up looking due west, level: rows of R are the camera's x, y, z axes in
# (east, north, up): x = north, y = down, z = x cross y = west. Its optical axis (third row) has an
# up component of exactly 0.0: not looking down, so it must be refused (None: no other proposal).
R_LEVEL = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, -1.0], [-1.0, 0.0, 0.0]])
CENTRE = np.array([0.0, 0.0, 10.0])
SENTINEL = np.array([[0.25], [0.5], [0.75]])


def test_a_pose_looking_exactly_horizontally_is_refused(monkeypatch):
    assert np.linalg.det(R_LEVEL) == 1.0 and (R_LEVEL.T @ [0.0, 0.0, 1.0])[2] == 0.0
    tvec = (-R_LEVEL @ CENTRE).reshape(3, 1)  # centre = -R^T t = (0, 0, 10): above the ground
    real_rodrigues = cv2.Rodrigues
    calls = []

    def solve(ground, image, K, dist, flags):
        calls.append(flags)
        if flags == cv2.SOLVEPNP_SQPNP:
            return 1, (SENTINEL.copy(),), (tvec.copy(),), None
        return 0, (), (), None

    def rodrigues(rvec, *args):
        if np.array_equal(np.asarray(rvec).ravel(), SENTINEL.ravel()):
            return R_LEVEL.copy(), None
        return real_rodrigues(rvec, *args)

    monkeypatch.setattr(cv2, "solvePnPGeneric", solve)
    monkeypatch.setattr(cv2, "Rodrigues", rodrigues)
    footprint = (LatLon(36.0, -115.0), LatLon(36.0, -114.999), LatLon(35.999, -114.999), LatLon(35.999, -115.0))
    assert camera_from_footprint(footprint, (400, 300), 24.0) is None
    assert calls == [cv2.SOLVEPNP_SQPNP, cv2.SOLVEPNP_IPPE]
