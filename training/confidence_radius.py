"""What radius does a confidence speak of? (session 19, mend19)

Every confidence the program shows was fitted and checked (training/calibration.py) against one
rule of "right": the exported Point lies within the top tile's half-diagonal of the truth
(predict.answer_radius_m; `radius_m` in calibration_records.csv). This reads the committed records
(truth used only to score), each confidence computed again with the current tables as
`calibration.py --from-records` does, and prints per confidence bin and per status the share of
answers within that radius, and, for contrast, within half of it, within 10 m and within 5 m: a
stated radius is honest when the share within it matches the confidence, and a smaller one would
claim more than was measured.

  python training/confidence_radius.py
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

from geolocator.core import predict as P
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED

RESULTS = Path(__file__).resolve().parent / "results"
EDGES = (0.0, 0.2, 0.4, 0.5, 0.6, 0.8, 0.9, 0.95, 1.0001)


def records() -> list[dict]:
    """calibration_records.csv, each row's confidence recomputed with the current tables."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from calibration import record_confidence  # the calibration script's own rule

    out = []
    with (RESULTS / "calibration_records.csv").open() as f:
        for r in csv.DictReader(f):
            out.append({"status": r["status"], "confidence": record_confidence(r), "error_m": float(r["error_m"]),
                        "radius_m": float(r["radius_m"]), "right": int(float(r["right"])), "region": r["region"]})
    return out


def shares(rows: list[dict]) -> str:
    n = len(rows)
    if not n:
        return "| 0 | - | - | - | - | - |"
    mean_conf = sum(r["confidence"] for r in rows) / n

    def pct(test) -> str:
        return f"{100 * sum(1 for r in rows if test(r)) / n:.1f} %"

    return (f"| {n:,} | {mean_conf:.3f} | {pct(lambda r: r['error_m'] <= r['radius_m'])} | "
            f"{pct(lambda r: r['error_m'] <= r['radius_m'] / 2)} | {pct(lambda r: r['error_m'] <= 10)} | "
            f"{pct(lambda r: r['error_m'] <= 5)} |")


def main() -> None:
    rows = records()
    assert all(r["right"] == int(r["error_m"] <= r["radius_m"]) for r in rows), "the records' rule is not the radius"
    radii = sorted({round(r["radius_m"], 1) for r in rows})
    print(f"{len(rows):,} records (calibration_records.csv); radius_m values (m): {', '.join(map(str, radii))}")
    head = ("| confidence | answers | mean confidence | within radius_m | within radius_m / 2 | within 10 m | "
            "within 5 m |\n|---|---|---|---|---|---|---|")
    for title, keep in (("all answers", lambda r: True), ("verified", lambda r: r["status"] == STATUS_VERIFIED),
                        ("not verified (retrieved)", lambda r: r["status"] not in (STATUS_VERIFIED, STATUS_NOT_LOCATED))):
        sel = [r for r in rows if keep(r)]
        print(f"\n{title}\n{head}")
        for lo, hi in zip(EDGES, EDGES[1:]):
            print(f"| {lo:.2f}-{min(hi, 1.0):.2f} " + shares([r for r in sel if lo <= r["confidence"] < hi]))
        print("| >= 0.9 " + shares([r for r in sel if r["confidence"] >= 0.9]))


if __name__ == "__main__":
    main()
