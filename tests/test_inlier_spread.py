"""training/inlier_spread.py's measure of how much of a photo its inliers cover (session 32's probe)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script(ROOT / "training" / "inlier_spread.py", "inlier_spread")


def test_hull_share_is_the_inliers_hull_over_the_photo():
    share = _script().hull_share
    corner = np.array([[0, 0], [100, 0], [100, 50], [0, 50], [50, 25]], np.float32)  # a quarter of 200 x 100
    assert share(corner, (200, 100)) == pytest.approx(0.25)
    spread = np.array([[0, 0], [200, 0], [200, 100], [0, 100]], np.float32)
    assert share(spread, (200, 100)) == pytest.approx(1.0)
    assert share(np.array([[0, 0], [10, 10]], np.float32), (200, 100)) == 0.0  # too few for an area
    assert share(np.array([[0, 0], [10, 10], [20, 20]], np.float32), (200, 100)) == 0.0  # on a line
