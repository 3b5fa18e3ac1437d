"""Summaries of the learned matchers' per-photo rows (issue 13, session 14's region_table_learned.md).

Reads the per-photo CSVs that training/compare_matchers.py --per-photo writes (photo, global rank,
right 0/1, inliers, error m, source): the learned rows in training/results/region_table/learned/ and
the route's (auto) rows of session 13 in training/results/region_table/, every photo. Prints

1. per region and mode, R@1 (%) of each learned matcher on its photos beside auto's R@1 on the SAME
   photos (auto's rows exist for every photo; rows are joined by photo name; a learned row absent from
   --learned is read from --auto's folder, where session 13 kept its oblique frozen rows, marked
   '(s13)'), the photos where a
   learned matcher is right and auto wrong (+) or the reverse (-), and how many of the learned rows
   give their photo's true tile the global rank auto's row gave it (all of them: the same adaptation);
   then mode best with each matcher's OWN anchors (adaptation's geometric labels verified by that
   matcher, --own; session 15), mode "best-own", beside auto's best rows: its global ranks differ from
   auto's where the own anchors changed the adaptation;
2. per region and matcher, best with own anchors against best with the route's anchors on the same
   photos: R@1 of each, the photos right with own anchors and wrong with the route's (+) or the reverse (-),
   and how many true tiles got the same global rank in both;
3. for each matcher, the share of right answers by the answer's inlier count (bins <15, 15-29,
   30-59, >=60) over its rows placed by a homography (verified), and apart the rows placed otherwise
   (source not 'homography': nothing verified, the global ranking's answer): what the confidence cap
   of a learned backend rests on.

Truth only scores: 'right' was written by the scorer, nothing here feeds locating.

  python training/region_table_learned_summary.py [--learned DIR] [--auto DIR] [--own DIR]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGIONS = ("demo", "vegas", "rotterdam", "vegas-coarse", "rotterdam-coarse", "vegas-blurhaze",
           "vegas-radiometric", "rotterdam-lowtex", "vegas-oblique", "rotterdam-oblique")
MODES = ("frozen", "paper", "best", "best-own")  # best-own: best, each matcher's own anchors (--own)
MATCHERS = ("xfeat", "aliked_widen=0", "disk_widen=0")
BINS = ((0, 15), (15, 30), (30, 60), (60, None))  # [lo, hi) inliers


def read_rows(path: Path) -> dict[str, dict]:
    """photo name -> row (right and inliers as int, error_m as float or None); {} when absent."""
    if not path.exists():
        return {}
    rows = {}
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            rows[r["photo"]] = {"right": int(r["right"]), "inliers": int(r["inliers"]), "rank": int(r["global_rank"]),
                                "source": r["source"],
                                "error_m": None if r["error_m"] in ("", "–") else float(r["error_m"])}
    return rows


def pct(k: int, n: int) -> str:
    return f"{100.0 * k / n:.1f}" if n else "–"


def inlier_bin(inliers: int) -> int:
    """Index into BINS of an inlier count."""
    for i, (lo, hi) in enumerate(BINS):
        if inliers >= lo and (hi is None or inliers < hi):
            return i
    raise ValueError(inliers)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learned", type=Path, default=ROOT / "training/results/region_table/learned")
    ap.add_argument("--auto", type=Path, default=ROOT / "training/results/region_table")
    ap.add_argument("--own", type=Path, default=None,
                    help="best with each matcher's own anchors (default: the own-anchors folder inside --learned)")
    args = ap.parse_args()
    own = args.own or args.learned / "own-anchors"

    def learned_rows(region: str, mode: str, m: str) -> tuple[dict[str, dict], str]:
        """(rows, mark) of a learned matcher: best-own from the --own folder (file REGION-best-M.csv),
        else --learned, else session 13's rows beside auto's (mark ' (s13)')."""
        if mode == "best-own":
            return read_rows(own / f"{region}-best-{m}.csv"), ""
        rows = read_rows(args.learned / f"{region}-{mode}-{m}.csv")
        if rows:
            return rows, ""
        return read_rows(args.auto / f"{region}-{mode}-{m}.csv"), " (s13)"

    print("| region | mode | photos | " + " | ".join(f"{m.split('_')[0]} R@1" for m in MATCHERS)
          + " | auto R@1, same photos | learned right where auto wrong (+) / wrong where auto right (-) "
          "| global ranks equal to auto's (same adaptation) |")
    print("|---|---|---|" + "---|" * len(MATCHERS) + "---|---|---|")
    all_rows: dict[str, list[dict]] = {m: [] for m in MATCHERS}
    for region in REGIONS:
        for mode in MODES:
            # best-own is scored against the route's best: the product's answer on those photos
            auto = read_rows(args.auto / f"{region}-{mode.replace('-own', '')}-auto.csv")
            cells, photos, diffs, same_rank = [], None, [], []
            for m in MATCHERS:
                rows, mark = learned_rows(region, mode, m)
                if not rows:
                    cells.append("not run")
                    continue
                all_rows[m].extend(rows.values())
                photos = photos or sorted(rows)
                cells.append(pct(sum(r["right"] for r in rows.values()), len(rows)) + mark)
                plus = sum(1 for p, r in rows.items() if p in auto and r["right"] and not auto[p]["right"])
                minus = sum(1 for p, r in rows.items() if p in auto and not r["right"] and auto[p]["right"])
                diffs.append(f"{m.split('_')[0]} +{plus}/-{minus}")
                same_rank += [p in auto and r["rank"] == auto[p]["rank"] for p, r in rows.items()]
            if photos is None:
                continue
            same = [auto[p]["right"] for p in photos if p in auto]
            auto_cell = f"{pct(sum(same), len(same))} ({len(same)} photos)" if auto else "no auto CSV"
            print(f"| {region} | {mode} | {len(photos)} | " + " | ".join(cells) + f" | {auto_cell} | {', '.join(diffs)} | {sum(same_rank)} / {len(same_rank)} |")

    print("\nMode best, each matcher's own anchors against the route's anchors, same photos (R@1 %; "
          "+: right with own anchors, wrong with the route's; -: the reverse; true tiles at the same global rank):\n")
    print("| region | matcher | photos | R@1 own anchors | R@1 route anchors | own vs route | global ranks equal |")
    print("|---|---|---|---|---|---|---|")
    for region in REGIONS:
        for m in MATCHERS:
            mine, route = learned_rows(region, "best-own", m)[0], learned_rows(region, "best", m)[0]
            if not mine:
                continue
            both = [p for p in mine if p in route]
            plus = sum(1 for p in both if mine[p]["right"] and not route[p]["right"])
            minus = sum(1 for p in both if not mine[p]["right"] and route[p]["right"])
            equal = sum(1 for p in both if mine[p]["rank"] == route[p]["rank"])
            print(f"| {region} | {m.split('_')[0]} | {len(mine)} | {pct(sum(r['right'] for r in mine.values()), len(mine))} | "
                  f"{pct(sum(route[p]['right'] for p in both), len(both)) if both else 'not run'} | "
                  f"+{plus}/-{minus} | {equal} / {len(both)} |")

    print("\nRight answers by the answer's inlier count, all rows of each matcher placed by a homography "
          "(right / rows, %), and the rows placed otherwise:\n")
    labels = [f"<{hi}" if lo == 0 else (f">={lo}" if hi is None else f"{lo}-{hi - 1}") for lo, hi in BINS]
    print("| matcher | rows | " + " | ".join(labels) + " | not verified (other source) |")
    print("|---|---|" + "---|" * (len(BINS) + 1))
    for m, rows in all_rows.items():
        counts = [[0, 0] for _ in BINS]
        other = [0, 0]
        for r in rows:
            c = counts[inlier_bin(r["inliers"])] if r["source"] == "homography" else other
            c[0] += r["right"]
            c[1] += 1
        print(f"| {m} | {len(rows)} | " + " | ".join(f"{k} / {n} ({pct(k, n)})" for k, n in [*counts, other]) + " |")


if __name__ == "__main__":
    main()
