"""Before / after per-photo records of compare_matchers.py --per-photo (same photos, same order):
R@1, the median refined error over the photos placed through their homography (both runs), the
median of the paired change, and how many photos changed tile.

  python training/compare_per_photo.py BEFORE_DIR AFTER_DIR
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np


def rows(path: Path) -> list[dict]:
    with path.open() as f:
        return list(csv.DictReader(f))


def main() -> None:
    before_dir, after_dir = map(Path, sys.argv[1:3])
    print("| region | photos | R@1 before | R@1 after | answers changed (right->wrong / wrong->right) | homography both | "
          "median refined m before | after | median change m | mean change m | |change| median m |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for b_path in sorted(before_dir.glob("*.csv")):
        b, a = rows(b_path), rows(after_dir / b_path.name)
        assert [r["photo"] for r in b] == [r["photo"] for r in a]
        r1b = 100 * np.mean([int(r["right"]) for r in b])
        r1a = 100 * np.mean([int(r["right"]) for r in a])
        lost = sum(x["right"] == "1" and y["right"] == "0" for x, y in zip(b, a))
        won = sum(x["right"] == "0" and y["right"] == "1" for x, y in zip(b, a))
        both = [(float(x["error_m"]), float(y["error_m"])) for x, y in zip(b, a)
                if x["source"] == y["source"] == "homography" and x["right"] == y["right"] == "1"]
        eb, ea = np.array([p[0] for p in both]), np.array([p[1] for p in both])
        d = ea - eb
        print(f"| {b_path.stem} | {len(b)} | {r1b:.1f} | {r1a:.1f} | {lost} / {won} | {len(both)} | {np.median(eb):.3f} | "
              f"{np.median(ea):.3f} | {np.median(d):+.3f} | {np.mean(d):+.4f} | {np.median(np.abs(d)):.3f} |")


if __name__ == "__main__":
    main()
