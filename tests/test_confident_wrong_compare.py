"""training/confident_wrong.py compare: two measurements of the same photos, photo by photo (session 28
re-measured session 27's confident answers after the xfeat race fix and compares them with it)."""

from __future__ import annotations

import csv
from pathlib import Path

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script(ROOT / "training" / "confident_wrong.py", "confident_wrong")


def _write(folder: Path, rows: list[dict], fields: list[str]) -> None:
    folder.mkdir()
    with (folder / "r.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: r.get(k, "") for k in fields})


def _row(query, status, conf, right, err, ps="first", inliers=30):
    return dict(region="r", query=query, status=status, confidence=conf, before_support=conf, matcher="sift",
                inliers=inliers, margin=inliers, right=right, error_m=err, radius_m=35.4, **{"pass": ps})


def test_compare_counts_and_lists_each_photo_that_changed(tmp_path, capsys):
    cw = _script()
    old = [_row("q1", "verified", 0.99, "1", 1.0), _row("q2", "verified", 0.908, "0", 40.8, "blind40", 10),
           _row("q3", "verified", 0.95, "1", 2.0), _row("q4", "retrieved", 0.03, "0", 4000.0, ""),
           _row("q5", "verified", 0.97, "1", 3.0)]
    new = [_row("q1", "verified", 0.99, "1", 1.0), _row("q2", "verified", 0.70, "1", 20.0, "first", 8),
           _row("q3", "verified", 0.96, "1", 2.0), _row("q4", "verified", 0.92, "0", 90.0, "second", 12),
           _row("q6", "verified", 0.99, "1", 1.0)]
    _write(tmp_path / "old", old, cw.FIELDS)
    _write(tmp_path / "new", new, cw.FIELDS)
    cw.compare(tmp_path / "old", tmp_path / "new")
    out = capsys.readouterr().out
    assert "4 photos in both; only in " in out and ": 1, only in " in out
    # status changed (q4), right changed (q2), shown >= 0.9 3 -> 3 (q1, q2, q3 -> q1, q3, q4),
    # wrong among them 1 -> 1 (q2 -> q4), confidence changed (q2, q3, q4), tile or pass changed (q2, q4)
    assert "| r | 4 | 1 | 1 | 3 -> 3 | 1 -> 1 | 3 | 2 |" in out
    listed = out.split("(old -> new):")[1].strip().splitlines()
    assert [line.split(":")[0].strip() for line in listed] == ["r q2", "r q4"]
    assert "conf 0.908 -> 0.700, pass blind40 -> first, inliers 10 -> 8, right 0 -> 1, err 40.8 -> 20.0 m" in listed[0]
    assert "retrieved -> verified" in listed[1] and "pass - -> second" in listed[1]
