"""training/footprint_signals.py: the confidence bands and footprint signals of session 32's record
(training/results/coarse32_session32.md), on synthetic confident_wrong rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script(ROOT / "training" / "footprint_signals.py", "footprint_signals")


def _row(q, conf, right, status="verified", area="", side=""):
    return {"query": q, "confidence": str(conf), "right": right, "status": status, "area_share": area,
            "side_ratio": side, "inliers": "20", "margin": "20", "error_m": "1"}


ROWS = [_row("a", 0.95, "1", area="4", side="0.6"), _row("b", 0.97, "1", area="2", side="0.5"),
        _row("c", 0.70, "0", area="0.8", side="0.55"), _row("d", 0.51, "0", area="6", side="0.24"),
        _row("e", 0.6, "1", status="retrieved"), _row("f", 0.2, "0", area="1", side="0.1"), _row("g", 0.3, "")]


def test_bands_count_right_shown_and_the_confidence_claimed():
    got = _script().bands(ROWS)
    assert [(name, right, shown) for name, right, shown, _ in got] == [(">= 0.9", 2, 2), ("0.5-0.9", 1, 3), ("< 0.5", 0, 1)]
    assert [claimed for *_, claimed in got] == pytest.approx([1.92, 1.81, 0.2])  # g has no truth: left out


def test_signals_and_what_falls_below_a_cut():
    m = _script()
    values = m.signal_values(ROWS)
    assert values["side"] == {"a": 0.6, "b": 0.5, "c": 0.55, "d": 0.24, "f": 0.1}  # verified with a footprint
    assert values["area"]["c"] == pytest.approx(0.8 / 3)  # over the median of the >= 0.9 answers' areas (4, 2)
    assert m.below(ROWS, values["side"], 0.33) == (0, 2, 0, 1)
    assert m.below(ROWS, values["area"], 0.5) == (0, 2, 0, 1)
    assert m.signal_values([_row("c", 0.7, "0", area="1", side="0.5")])["area"] == {}  # nothing confident
