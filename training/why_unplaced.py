"""Why a region's photos fail after the Adapt button, from one `bench_gui.py --answers` file (ms29, session 29).

Reads the answers file (each photo's answer after each phase, and the Adapt phase's geometric labels)
and the region's truth.csv / tiles.csv, and prints:

- the labels: how many photos geometry placed, directly or chained (and how deep the chain), and how
  many of them on the right tile;
- R@1 of the answers after each phase;
- the wrong answers after Adapt: distance from the answer tile's centre to the photo's truth point
  (near misses, a tile or so off, or far);
- the photos without a label: distance from each to the nearest labelled photo (truth points), and
  whether its answer is right (could a chain have reached it?).

Truth is read to score and to describe only; nothing here feeds the app. Distances in metres on a
local equirectangular approximation (fine at a region's few hundred metres). Usage:

    python training/why_unplaced.py data/benchmark/rotterdam-ms ANSWERS_FILE
"""

from __future__ import annotations

import argparse
import csv
import math
from collections import Counter
from pathlib import Path


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Ground distance in metres between two (lat, lon) points in degrees (equirectangular, WGS84 mean radius)."""
    k = math.pi / 180 * 6_371_008.8
    return math.hypot((a[0] - b[0]) * k, (a[1] - b[1]) * k * math.cos(math.radians((a[0] + b[0]) / 2)))


def read_answers(path: Path) -> tuple[dict, dict]:
    """(answers, labels) of a bench_gui --answers file: answers[(phase, query_id)] = (tile_id, right),
    labels[query_id] = (tile_id or None, inliers, via query_id or None, right) from the LAST
    geometric_labels call recorded. Raises ValueError naming the file and line for a malformed line."""
    answers: dict = {}
    labels: dict = {}
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            p = line.rstrip("\n").split("\t")
            if p[0] == "answer" and len(p) == 5:
                answers[(p[1], p[2])] = (p[3], p[4] == "True")
            elif p[0] == "label" and len(p) == 7:
                labels[p[2]] = (None if p[3] == "-" else p[3], int(p[4]), None if p[5] == "-" else p[5], p[6] == "True")
            else:
                raise ValueError(f"{path}:{n}: not an answer or label line of bench_gui --answers")
    return answers, labels


def chain_depth(q: str, labels: dict) -> int:
    """0 for a direct label, 1 + the depth of the photo it was chained through otherwise."""
    depth, seen = 0, {q}
    while labels[q][2] is not None:
        q = labels[q][2]
        if q in seen:  # a loop cannot come out of geometric_labels; stop rather than spin
            break
        seen.add(q)
        depth += 1
    return depth


def summary(region: Path, answers_path: Path) -> list[str]:
    """The lines this script prints (see the module docstring)."""
    truth = {r["query"]: (float(r["lat"]), float(r["lon"])) for r in csv.DictReader(open(region / "truth.csv"))}
    centre = {r["path"]: ((float(r["south"]) + float(r["north"])) / 2, (float(r["west"]) + float(r["east"])) / 2)
              for r in csv.DictReader(open(region / "tiles.csv"))}
    answers, labels = read_answers(answers_path)
    placed = [q for q, lab in labels.items() if lab[0] is not None]
    out = []
    depth = Counter((chain_depth(q, labels), labels[q][3]) for q in placed)
    out.append(f"labels: {len(placed)} of {len(labels)} photos placed, {sum(labels[q][3] for q in placed)} on the right tile; "
               "by chain depth (0 direct), (depth, right): count: "
               + ", ".join(f"({d}, {'right' if r else 'wrong'}): {n}" for (d, r), n in sorted(depth.items())))
    for phase in sorted({ph for ph, _ in answers}):
        rows = [v for (ph, _), v in answers.items() if ph == phase]
        out.append(f"answers after {phase}: {sum(r for _, r in rows)} of {len(rows)} right")
    last = "adapt" if any(ph == "adapt" for ph, _ in answers) else sorted({ph for ph, _ in answers})[-1]
    wrong = sorted(metres(centre[t], truth[q]) for (ph, q), (t, r) in answers.items() if ph == last and not r)
    if wrong:
        out.append(f"wrong after {last}: {len(wrong)}; answer tile centre to truth <= 50 m {sum(d <= 50 for d in wrong)}, "
                   f"<= 100 m {sum(d <= 100 for d in wrong)}, <= 150 m {sum(d <= 150 for d in wrong)}, "
                   f"median {wrong[len(wrong) // 2]:.0f} m")
    bands = Counter()
    for q in labels:
        if q in placed or (last, q) not in answers:
            continue
        near = min((metres(truth[q], truth[o]) for o in placed), default=math.inf)
        band = "< 15 m" if near < 15 else "15-30 m" if near < 30 else "30-60 m" if near < 60 else ">= 60 m"
        bands[(band, answers[(last, q)][1])] += 1
    order = ["< 15 m", "15-30 m", "30-60 m", ">= 60 m"]
    out.append("unlabelled photos by the nearest labelled photo (truth), right / wrong after " + last + ": "
               + ", ".join(f"{b} {bands[(b, True)]} / {bands[(b, False)]}" for b in order))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("region", type=Path)
    ap.add_argument("answers", type=Path)
    args = ap.parse_args()
    for line in summary(args.region, args.answers):
        print(line)


if __name__ == "__main__":
    main()
