"""How often is a photo whose geometry verified right, by its confidence? (session 18, mend18)

A user's multispectral GeoTIFF gave 10 answers with the status `verified`, all wrong, at confidence
0.19-0.56 (training/results/newuser_session17.md). This reads the committed per-photo records that hold
both a status and whether the answer was right (truth used only to score):

- calibration_records.csv (demo and public regions, SIFT, xfeat, xfeat and SIFT through mosaics), each
  verified record's confidence computed again from its inlier margin with the current tables
  (predict.verified_confidence, as `training/calibration.py --from-records` does);
- lowtex_records.csv and lowtex_records_blind.csv (rotterdam-lowtex), with the confidence they hold.

and prints, per confidence bin, the verified records and the share right, for each matcher and pooled;
then the share right below and above each candidate cut.

  python training/verified_by_confidence.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from geolocator.core import predict as P
from geolocator.core.model import STATUS_VERIFIED

RESULTS = Path(__file__).resolve().parent / "results"
EDGES = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0001)
CUTS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8)


def records() -> list[tuple[str, float, int]]:
    """(group, confidence, right) of every verified record."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from calibration import row_key  # training/ on sys.path: the calibration script's own key rule

    out = []
    with (RESULTS / "calibration_records.csv").open() as f:
        for r in csv.DictReader(f):
            if r["status"] != STATUS_VERIFIED:
                continue
            matcher = r.get("matcher") or "sift"
            conf = P.verified_confidence(float(r["inlier_margin"]), row_key(matcher))
            out.append((matcher, conf, int(float(r["right"]))))
    for name in ("lowtex_records.csv", "lowtex_records_blind.csv"):
        with (RESULTS / name).open() as f:
            for r in csv.DictReader(f):
                if r["status"] == STATUS_VERIFIED:
                    out.append((f"lowtex ({name})", float(r["confidence"]), int(float(r["top_right"]))))
    return out


def table(rows: list[tuple[str, float, int]], title: str) -> list[str]:
    lines = [f"\n{title} ({len(rows)} verified)", "| confidence | verified | right | share right |", "|---|---|---|---|"]
    for lo, hi in zip(EDGES, EDGES[1:]):
        inside = [ok for _, c, ok in rows if lo <= c < hi]
        if inside:
            lines.append(f"| {lo:.2f}-{min(hi, 1.0):.2f} | {len(inside)} | {sum(inside)} | "
                         f"{100 * sum(inside) / len(inside):.0f} % |")
    return lines


def cuts(rows: list[tuple[str, float, int]]) -> list[str]:
    lines = ["\nBelow and at or above each cut (all verified records pooled)",
             "| cut | below: verified, right, share | at or above: verified, right, share |", "|---|---|---|"]
    for cut in CUTS:
        below = [ok for _, c, ok in rows if c < cut]
        above = [ok for _, c, ok in rows if c >= cut]

        def said(x):
            return f"{len(x)}, {sum(x)}, {100 * sum(x) / len(x):.0f} %" if x else "0"

        lines.append(f"| {cut:.1f} | {said(below)} | {said(above)} |")
    return lines


def main() -> None:
    rows = records()
    lines = table(rows, "All verified records pooled")
    for group in sorted({g for g, _, _ in rows}):
        lines += table([r for r in rows if r[0] == group], group)
    lines += cuts(rows)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
