"""training/calibration.py fits one verified-confidence table per matcher (confidence_tables.table_key)
and scores each held-out region with the table of its own matcher, fitted without it."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _cal():
    return load_script(ROOT / "training" / "calibration.py", "calibration_script_matchers")


def _row(region, matcher, margin, right, status="verified", confidence=0.5):
    return {"region": region, "mode": "frozen", "matcher": matcher, "query": f"q{margin}", "status": status,
            "inlier_margin": float(margin), "right": float(right), "confidence": confidence}


def test_row_key_reads_the_backend_and_the_mosaic_from_a_spec():
    cal = _cal()
    assert cal.row_key("sift") == "sift" and cal.row_key("") == "sift"
    assert cal.row_key("xfeat") == "xfeat" and cal.row_key("xfeat:widen=49") == "xfeat"
    assert cal.row_key("xfeat:mosaic=1,mosaic_once=1,widen=49") == "xfeat+mosaic"
    assert cal.row_key("sift:mosaic=0") == "sift" and cal.row_key("aliked:mosaic=2") == "aliked+mosaic"


def test_learned_table_buckets_by_hand():
    cal = _cal()
    # LEARNED_MARGIN_EDGES [8, 16, 24, 32, 40, 48, 64, 96, inf): margins 9, 12 (one wrong) fall in 8-15:
    # mean 10.5, (1 + 1) / (2 + 2) = 0.5; 50, 60, 70 in 48-63 (50, 60: mean 55, 3/4 = 0.75) and 64-95
    # (70: 2/3, raised to 0.75 to never fall); 5 is below every bucket (left out)
    import numpy as np

    margins, right = cal.fit_table(np.array([5, 9, 12, 50, 60, 70.0]), np.array([0, 0, 1, 1, 1, 1.0]),
                                   cal.LEARNED_MARGIN_EDGES)
    assert margins == (10.5, 55.0, 70.0) and right == (0.5, 0.75, 0.75)


def test_held_out_table_needs_enough_verified_records_of_its_own_key():
    cal = _cal()
    few = [_row("a", "xfeat", 50, 1)] * (cal.MIN_FIT_VERIFIED - 1)
    assert cal.held_out_table(few, "xfeat") is None  # too few: uncalibrated
    # SIFT's and unverified records do not count for xfeat's table
    assert cal.held_out_table(few + [_row("a", "sift", 50, 1), _row("a", "xfeat", 50, 1, "retrieved")], "xfeat") is None
    enough = few + [_row("b", "xfeat:widen=49", 50, 1)]  # same key, another spec
    margins, right = cal.held_out_table(enough, "xfeat")
    n = cal.MIN_FIT_VERIFIED
    assert margins == (0.0, 50.0) and right == (0.25, round((n + 1) / (n + 2), 3))
    assert cal.table_confidence(_row("c", "xfeat", 50, 1), None) == pytest.approx(0.8)  # capped SIFT table
    assert cal.table_confidence(_row("c", "xfeat", 25, 1), (margins, right)) == pytest.approx(0.25 + (right[1] - 0.25) / 2)
    assert cal.table_confidence(_row("c", "xfeat", 25, 1, "retrieved", 0.37), (margins, right)) == 0.37


def test_report_scores_each_held_out_region_with_its_own_matchers_table(tmp_path, monkeypatch, capsys):
    cal = _cal()
    fields = cal.FIELDS
    rows = []
    # region a: 120 right xfeat answers at margin 60 and one wrong at 12; region b: the same at 60, and a
    # wrong one at 62. Held out, b is scored by a's table: 60-62 lies in a's bucket 48-63 (121 / 122 right,
    # Laplace 0.992): b's wrong answer is shown >= 0.9 (the check reports it, it does not hide it)
    for region, wrong in (("a", 12), ("b", 62)):
        rows += [_row(region, "xfeat", 60, 1) for _ in range(120)] + [_row(region, "xfeat", wrong, 0)]
    with (tmp_path / "calibration_records.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fields, restval="0")
        writer.writeheader()
        for r in rows:
            writer.writerow(r | {"source": "homography", "footprint_ratio": "nan"})
    monkeypatch.setattr(sys, "argv", ["calibration.py", "--from-records", "--results", str(tmp_path)])
    cal.main()
    text = (tmp_path / "calibration.md").read_text()
    held = text.split("## Held out: the table fitted without the region it is scored on (xfeat)")[1]
    lines = [line for line in held.splitlines() if line.startswith("| a |") or line.startswith("| b |")][:2]
    # a, by b's table (its one bucket: 60.0, 121 / 123 = 0.984): its wrong 12 gets 0.25 + 0.734 x 12 / 60 = 0.40
    assert lines[0] == "| a | frozen | 121 | 120 | 100.0 % | 0 |"
    assert lines[1] == "| b | frozen | 121 | 121 | 99.2 % | 1 |"
