"""training/calibration.py --fit on records with no unverified (or no verified) photo printed
"right nan %" and a fit of nothing: it says which photos there are none of."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _calibration():
    return load_script(ROOT / "training" / "calibration.py", "calibration_script")


def _records(path: Path, statuses: list[str], fields: list[str]) -> None:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fields)
        writer.writeheader()
        for i, status in enumerate(statuses):
            writer.writerow({k: 0 for k in fields} | {
                "region": "demo", "mode": "frozen", "matcher": "sift", "query": f"q_{i:04d}.jpg", "status": status, "source": "homography",
                "inliers": 30 + i, "inlier_margin": 9 + 3 * i, "cosine_margin": 0.5, "confidence": 0.9,
                "right": int(i % 4 != 0), "error_m": 0.1 * i, "weighted_error_m": 1.0, "tile_error_m": 2.0,
                "footprint_ratio": "nan"})


@pytest.mark.parametrize("status, none_of", [("verified", "unverified"), ("retrieved", "verified")])
def test_fit_says_there_are_no_photos_of_a_kind_instead_of_nan(tmp_path, monkeypatch, capsys, status, none_of):
    cal = _calibration()
    _records(tmp_path / "calibration_records.csv", [status] * 8, cal.FIELDS)
    monkeypatch.setattr(sys, "argv", ["calibration.py", "--from-records", "--fit", "--results", str(tmp_path)])
    cal.main()
    out = capsys.readouterr().out
    fit = out.split("# Confidence calibration")[0]  # the --fit lines, before the report
    assert f"no {none_of} photos" in fit
    assert "nan" not in fit.lower(), fit
    assert "nan" not in out.lower() and "np.float64" not in out  # nor in the report; no numpy reprs
