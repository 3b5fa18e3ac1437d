"""An unverified (retrieved) answer's confidence reads as the share of such answers within radius_m
(session 20, mend20). Session 19 measured the old rule (RETRIEVED_CEILING x cosine margin, linear)
on the committed records: answers shown 0.2-0.4 were within radius_m 11.8 % of the time."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from geolocator.core import predict as P

ROOT = Path(__file__).resolve().parents[1]


def _unverified_records() -> list[dict]:
    with (ROOT / "training/results/calibration_records.csv").open() as f:
        return [r for r in csv.DictReader(f) if r["status"] == "retrieved"]


def test_no_band_of_unverified_answers_claims_more_than_it_was_right():
    """Every 0.1-wide band of shown confidence holding 10 or more of the committed unverified answers
    is right (Point within radius_m) at least as often as its mean confidence, less 0.05 of slack.
    Before: the band 0.2-0.3 held 71 answers at mean 0.248, 9.9 % right; 0.3-0.4 22 at 0.338, 18.2 %."""
    rows = _unverified_records()
    conf = np.array([P.unverified_confidence(float(r["cosine_margin"]),
                                             None if math.isnan(x := float(r["footprint_ratio"] or "nan")) else x)
                     for r in rows])
    right = np.array([float(r["right"]) for r in rows])
    assert all(float(r["right"]) == float(float(r["error_m"]) <= float(r["radius_m"])) for r in rows)
    checked = 0
    for lo in np.arange(0.0, 0.6, 0.1):
        band = (conf >= lo) & (conf < lo + 0.1)
        if band.sum() >= 10:
            checked += 1
            assert conf[band].mean() <= right[band].mean() + 0.05, (lo, int(band.sum()), conf[band].mean(), right[band].mean())
    assert checked >= 3


def test_the_table_is_what_the_calibration_script_fits_from_the_records():
    """confidence_tables' UNVERIFIED table equals calibration.fit_unverified_table on the committed
    records (no hand-set figure). Before: neither the table nor the fit existed."""
    sys.path.insert(0, str(ROOT / "training"))
    from calibration import fit_unverified_table, unverified_fit_records

    from geolocator.core.confidence_tables import UNVERIFIED_MARGINS, UNVERIFIED_RIGHT

    fit = unverified_fit_records(_unverified_records())
    margins, rates = fit_unverified_table(np.array([float(r["cosine_margin"]) for r in fit]),
                                          np.array([float(r["right"]) for r in fit]))
    assert (margins, rates) == (UNVERIFIED_MARGINS, UNVERIFIED_RIGHT)


def test_unverified_confidence_rises_with_the_margin_and_keeps_its_ceilings():
    """Non-decreasing in the cosine margin; a clear win claims the ceiling (RETRIEVED_CEILING, or the
    small-footprint / low-texture one); a margin of 0.3 claims about what such answers were right
    (0.1), where the linear rule claimed 0.18."""
    margins = np.linspace(0, 1, 101)
    conf = [P.unverified_confidence(m) for m in margins]
    assert all(b >= a for a, b in zip(conf, conf[1:]))
    assert P.unverified_confidence(1.0) == pytest.approx(P.RETRIEVED_CEILING)
    assert P.unverified_confidence(1.0, 0.4) == pytest.approx(P.SMALL_FOOTPRINT_CEILING)
    assert P.unverified_confidence(1.0, None, True) == pytest.approx(P.LOW_TEXTURE_CEILING)
    assert 0.05 < P.unverified_confidence(0.3) < 0.12
