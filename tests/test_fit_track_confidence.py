"""training/fit_track_confidence.py's fit: per distance bucket, the mean distance and the Laplace
share right, never rising with distance. Expected values worked out by hand from the records."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .helpers import load_script

TRAINING = Path(__file__).resolve().parents[1] / "training"


def test_fit_buckets_by_distance_with_laplace_shares_that_never_rise(monkeypatch):
    monkeypatch.syspath_prepend(str(TRAINING))  # the script imports calibration as a sibling, as when run
    fit = load_script(TRAINING / "fit_track_confidence.py", "fit_track_confidence_t").fit
    rows = [
        # 0-5 m: 3 right of 3 -> (3 + 1) / (3 + 2) = 0.8, mean 2.0
        *({"status": "interpolated", "distance_m": d, "right": True} for d in (1.0, 2.0, 3.0)),
        # 20-30 m: 1 right of 2 -> 2 / 4 = 0.5, mean 25.0
        {"status": "interpolated", "distance_m": 24.0, "right": True},
        {"status": "interpolated", "distance_m": 26.0, "right": False},
        # 45-60 m: 2 right of 2 -> 3 / 4 = 0.75, but never above a nearer bucket's 0.5
        {"status": "interpolated", "distance_m": 50.0, "right": True},
        {"status": "interpolated", "distance_m": 52.0, "right": True},
        {"status": "extrapolated", "distance_m": 1.0, "right": False},  # another status: not counted
    ]
    assert fit(rows, "interpolated") == ((2.0, 25.0, 51.0), (0.8, 0.5, 0.5))
    assert fit(rows, "extrapolated") == ((1.0,), (pytest.approx(1 / 3, abs=1e-3),))
    assert fit(rows, "corrected") is None
    sys.modules.pop("fit_track_confidence_t", None)
