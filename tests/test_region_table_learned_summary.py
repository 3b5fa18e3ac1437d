"""training/region_table_learned_summary.py on hand-made per-photo CSVs: R@1 beside auto's on the
same photos (joined by photo name, not by row order) and right answers by inlier bin."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = "photo,global_rank,right,inliers,error_m,source\n"


def _write(path: Path, rows: list[tuple[str, int, int]], ranks: dict[str, int] | None = None,
           weighted: tuple[str, ...] = ()) -> None:
    """rows (photo, right, inliers); global rank 1 unless in `ranks`; source homography unless in `weighted`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + "".join(f"{p},{(ranks or {}).get(p, 1)},{r},{n},1.0,"
                                     f"{'weighted' if p in weighted else 'homography'}\n" for p, r, n in rows))


def test_summary_joins_auto_by_photo_and_bins_inliers(tmp_path):
    learned, auto = tmp_path / "learned", tmp_path / "auto"
    # auto: 4 photos of vegas, best; right on a, b only. The learned rows cover c and a (in that order):
    # auto's R@1 on the same photos is 1 of 2 = 50.0 (over all 4 it would be 50.0 too, so d is right
    # there to tell them apart: 3 of 4 = 75.0 over every photo)
    _write(auto / "vegas-best-auto.csv", [("a", 1, 100), ("b", 1, 100), ("c", 0, 3), ("d", 1, 80)])
    # xfeat: c right (auto wrong: +1), a wrong (auto right: -1) -> 1 of 2 = 50.0
    # c's global rank differs from auto's (4 vs 1): 5 of the 6 learned rows below share auto's ranks
    _write(learned / "vegas-best-xfeat.csv", [("c", 1, 14), ("a", 0, 15)], ranks={"c": 4})
    # aliked: both right -> 100.0, +1 / -0
    _write(learned / "vegas-best-aliked_widen=0.csv", [("c", 1, 29), ("a", 1, 30)])
    # a learned row kept beside auto's (session 13's layout) is read when --learned lacks it: disk 1 of 2
    # (a is placed without a homography: counted apart from the inlier bins)
    _write(auto / "vegas-best-disk_widen=0.csv", [("c", 0, 60), ("a", 1, 59)], weighted=("a",))
    out = subprocess.run([sys.executable, str(ROOT / "training/region_table_learned_summary.py"),
                          "--learned", str(learned), "--auto", str(auto)],
                         capture_output=True, text=True, check=True).stdout
    row = next(line for line in out.splitlines() if line.startswith("| vegas | best |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells == ["vegas", "best", "2", "50.0", "100.0", "50.0 (s13)", "50.0 (2 photos)",
                     "xfeat +1/-1, aliked +1/-0, disk +0/-0", "5 / 6"]
    # no other region or mode has rows
    assert sum(line.startswith("| ") and "R@1" not in line and "---" not in line
               for line in out.split("Right answers")[0].splitlines()) == 1
    bins = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")[1:]]
            for line in out.split("Right answers")[1].splitlines() if line.startswith("| ") and "rows" not in line}
    # bins <15, 15-29, 30-59, >=60, then not verified: xfeat 14 (right) and 15 (wrong); aliked 29 (right)
    # and 30 (right); disk 60 (wrong) and a (right, weighted: 59 inliers but not in the 30-59 bin)
    assert bins["xfeat"] == ["2", "1 / 1 (100.0)", "0 / 1 (0.0)", "0 / 0 (–)", "0 / 0 (–)", "0 / 0 (–)"]
    assert bins["aliked_widen=0"] == ["2", "0 / 0 (–)", "1 / 1 (100.0)", "1 / 1 (100.0)", "0 / 0 (–)", "0 / 0 (–)"]
    assert bins["disk_widen=0"] == ["2", "0 / 0 (–)", "0 / 0 (–)", "0 / 0 (–)", "0 / 1 (0.0)", "1 / 1 (100.0)"]


def test_summary_reads_own_anchor_rows_apart_and_compares_them_with_route_anchors(tmp_path):
    learned, auto = tmp_path / "learned", tmp_path / "auto"
    # auto's best: a, b, d right, c wrong (global rank 1 each)
    _write(auto / "vegas-best-auto.csv", [("a", 1, 100), ("b", 1, 100), ("c", 0, 3), ("d", 1, 80)])
    # aliked with the route's anchors: c and a right, b wrong, rank 1 each -> 2 of 3 = 66.7
    _write(learned / "vegas-best-aliked_widen=0.csv", [("c", 1, 40), ("a", 1, 40), ("b", 0, 5)])
    # aliked with its own anchors (same file name, in learned/own-anchors): c right, a wrong at global
    # rank 2, b wrong -> R@1 1 of 3 = 33.3; against auto on c, a, b (2 of 3 = 66.7): c +1, a -1, b -1;
    # ranks equal to auto's 2 of 3 (c, b). Against the route's anchors: c level, a -1, b wrong in both
    # (not a "-") -> +0/-1, ranks equal 2 of 3, the route's R@1 66.7
    _write(learned / "own-anchors" / "vegas-best-aliked_widen=0.csv", [("c", 1, 40), ("a", 0, 5), ("b", 0, 5)],
           ranks={"a": 2})
    out = subprocess.run([sys.executable, str(ROOT / "training/region_table_learned_summary.py"),
                          "--learned", str(learned), "--auto", str(auto)],
                         capture_output=True, text=True, check=True).stdout
    tables = out.split("Mode best, each matcher's own anchors")
    rows = {tuple(c.strip() for c in line.strip("|").split("|")[:2]): [c.strip() for c in line.strip("|").split("|")]
            for line in tables[0].splitlines() if line.startswith("| vegas")}
    assert rows[("vegas", "best-own")] == ["vegas", "best-own", "3", "not run", "33.3", "not run", "66.7 (3 photos)",
                                           "aliked +1/-2", "2 / 3"]
    # the route-anchored row is unchanged by the own-anchor file of the same name
    assert rows[("vegas", "best")][3:6] == ["not run", "66.7", "not run"]
    own = [[c.strip() for c in line.strip("|").split("|")]
           for line in tables[1].split("Right answers")[0].splitlines() if line.startswith("| vegas")]
    assert own == [["vegas", "aliked", "3", "33.3", "66.7", "+0/-1", "2 / 3"]]
