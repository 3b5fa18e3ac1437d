"""training/why_unplaced.py and probe_weak_links.strongest: the per-photo reading of a bench_gui --answers
file that session 29 (ms29) used to say why rotterdam-ms's photos fail. Synthetic files only."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script(name: str):
    sys.path.insert(0, str(ROOT))
    try:
        spec = importlib.util.spec_from_file_location(name, ROOT / "training" / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        return mod
    finally:
        sys.path.remove(str(ROOT))


def _region(tmp_path: Path) -> Path:
    """Three 0.001-degree tiles in a row at 52 N (about 69 m wide), four photos."""
    reg = tmp_path / "r"
    reg.mkdir()
    (reg / "tiles.csv").write_text("path,west,south,east,north\n"
                                   "tiles/a.jpg,4.000,52.000,4.001,52.001\n"
                                   "tiles/b.jpg,4.001,52.000,4.002,52.001\n"
                                   "tiles/c.jpg,4.010,52.000,4.011,52.001\n")
    (reg / "truth.csv").write_text("query,lat,lon,tile\n"
                                   "queries/q1.jpg,52.0005,4.0005,tiles/a.jpg\n"
                                   "queries/q2.jpg,52.0005,4.0006,tiles/a.jpg\n"
                                   "queries/q3.jpg,52.0005,4.0015,tiles/b.jpg\n"
                                   "queries/q4.jpg,52.0005,4.0105,tiles/c.jpg\n")
    return reg


def _answers(tmp_path: Path) -> Path:
    lines = [
        "answer\topen\tqueries/q1.jpg\ttiles/a.jpg\tTrue",
        "answer\topen\tqueries/q2.jpg\ttiles/c.jpg\tFalse",
        "answer\topen\tqueries/q3.jpg\ttiles/c.jpg\tFalse",
        "answer\topen\tqueries/q4.jpg\ttiles/a.jpg\tFalse",
        "label\t1\tqueries/q1.jpg\ttiles/a.jpg\t60\t-\tTrue",
        "label\t1\tqueries/q2.jpg\ttiles/a.jpg\t45\tqueries/q1.jpg\tTrue",
        "label\t1\tqueries/q3.jpg\ttiles/a.jpg\t41\tqueries/q2.jpg\tFalse",
        "label\t1\tqueries/q4.jpg\t-\t0\t-\tNone",
        "answer\tadapt\tqueries/q1.jpg\ttiles/a.jpg\tTrue",
        "answer\tadapt\tqueries/q2.jpg\ttiles/a.jpg\tTrue",
        "answer\tadapt\tqueries/q3.jpg\ttiles/a.jpg\tFalse",
        "answer\tadapt\tqueries/q4.jpg\ttiles/b.jpg\tFalse",
    ]
    path = tmp_path / "run.answers"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_metres_is_about_111_km_a_degree_of_latitude_and_shrinks_with_longitude():
    w = _script("why_unplaced")
    assert w.metres((52.0, 4.0), (53.0, 4.0)) == pytest.approx(111_195, rel=1e-3)
    assert w.metres((52.0, 4.0), (52.0, 5.0)) == pytest.approx(111_195 * 0.6157, rel=1e-3)  # cos 52 deg


def test_summary_counts_labels_by_chain_depth_and_reads_wrong_answers_and_unlabelled_photos(tmp_path):
    w = _script("why_unplaced")
    lines = w.summary(_region(tmp_path), _answers(tmp_path))
    assert lines[0].startswith("labels: 3 of 4 photos placed, 2 on the right tile")
    assert "(0, right): 1, (1, right): 1, (2, wrong): 1" in lines[0]
    assert "answers after adapt: 2 of 4 right" in lines
    assert "answers after open: 1 of 4 right" in lines
    # wrong after adapt: q3 answered a (centre 4.0005) for truth 4.0015 (~69 m), q4 answered b
    # (centre 4.0015) for truth 4.0105 (~616 m; with two the median line shows the upper)
    wrong = next(line for line in lines if line.startswith("wrong after adapt"))
    assert "wrong after adapt: 2; answer tile centre to truth <= 50 m 0, <= 100 m 1, <= 150 m 1" in wrong
    assert wrong.endswith("median 616 m")
    # the one unlabelled photo, q4, lies ~616 m from the nearest labelled one (q3), wrong
    assert lines[-1].endswith("< 15 m 0 / 0, 15-30 m 0 / 0, 30-60 m 0 / 0, >= 60 m 0 / 1")


def test_a_malformed_line_names_the_file_and_line(tmp_path):
    w = _script("why_unplaced")
    bad = tmp_path / "bad.answers"
    bad.write_text("answer\topen\tqueries/q1.jpg\ttiles/a.jpg\tTrue\nnonsense\n")
    with pytest.raises(ValueError, match=r"bad\.answers:2"):
        w.read_answers(bad)


def test_strongest_first_look_among_all_or_the_most_alike_partners():
    p = _script("probe_weak_links")
    rows = [["a", 5, 30], ["b", 50, 20], ["c", 40, 20], ["d", 1, 35]]
    assert p.strongest(rows, None) == ["d", 1, 35]
    assert p.strongest(rows, 2) == ["b", 50, 20]  # b and c tie on inliers: the higher partner score
    assert p.strongest(rows, 3) == ["a", 5, 30]
