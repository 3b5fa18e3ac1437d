"""Does an unverified answer's confidence read as "about that many in ten are within radius_m"?
(session 20, mend20)

Reads the committed records (training/results/calibration_records.csv; truth used only to score),
takes every answer nothing verified (status retrieved, every matcher and region), and prints a
reliability table (bins of the shown confidence: answers, mean confidence, share right, i.e. the
Point within radius_m) for three rules:

- before: session 19's rule, predict.retrieved_ceiling(footprint) x the cosine margin (linear);
- after: today's predict.unverified_confidence (confidence_tables.UNVERIFIED_RIGHT, fitted on
  these records: in-sample);
- held out by region: the same fit (calibration.fit_unverified_table) made without the region
  scored (a "+altitude" copy goes with its region), as calibration.py's held-out tables are;
- held out by city: made without the city scored (demo, vegas*, rotterdam*: the regions cut from
  one city share photos or imagery), the harsher test: no answer is scored by a table its city shaped.

  python training/unverified_reliability.py
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibration import fit_unverified_table, unverified_fit_records  # noqa: E402  (training/ on the path)

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
EDGES = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6001)


def city(region: str) -> str:
    """The city a benchmark region was cut from ('rotterdam-coarse' -> 'rotterdam', 'vegas-low+altitude' -> 'vegas')."""
    return region.split("+")[0].split("-")[0]


def load() -> list[dict]:
    """The unverified records, numbers as floats, footprint ratio None when unknown."""
    rows = []
    with (RESULTS / "calibration_records.csv").open() as f:
        for r in csv.DictReader(f):
            if r["status"] in (STATUS_VERIFIED, STATUS_NOT_LOCATED):
                continue
            ratio = float(r.get("footprint_ratio") or math.nan)
            rows.append({"region": r["region"], "status": r["status"], "cosine_margin": float(r["cosine_margin"]),
                         "footprint_ratio": None if math.isnan(ratio) else ratio, "right": float(r["right"]),
                         "error_m": float(r["error_m"]), "radius_m": float(r["radius_m"])})
    return rows


def region(name: str) -> str:
    """A region with its "+altitude" copy ('vegas-low+altitude' -> 'vegas-low')."""
    return name.split("+")[0]


def held_out_confidence(rows: list[dict], group=city) -> list[float]:
    """Each record's confidence by a table fitted on the records of the other groups (`group`:
    city or region), through the same cap and footprint scaling as predict.unverified_confidence."""
    out = []
    for r in rows:
        train = unverified_fit_records([t for t in rows if group(t["region"]) != group(r["region"])])
        margins, rates = fit_unverified_table(np.array([t["cosine_margin"] for t in train]),
                                              np.array([t["right"] for t in train]))
        share = min(float(np.interp(r["cosine_margin"], margins, rates)), P.RETRIEVED_CEILING) / P.RETRIEVED_CEILING
        out.append(P.retrieved_ceiling(r["footprint_ratio"]) * share)
    return out


def table(conf: list[float], rows: list[dict]) -> list[str]:
    """Markdown rows: per bin of EDGES, answers, mean confidence, share within radius_m."""
    c, y = np.array(conf), np.array([r["right"] for r in rows])
    lines = ["| shown confidence | answers | mean confidence | within radius_m |", "|---|---|---|---|"]
    for lo, hi in zip(EDGES, EDGES[1:]):
        sel = (c >= lo) & (c < hi)
        n = int(sel.sum())
        lines.append(f"| {lo:.1f}-{min(hi, 0.6):.1f} | {n} | " + ("- | - |" if not n else
                     f"{c[sel].mean():.3f} | {100 * y[sel].mean():.1f} % ({int(y[sel].sum())}) |"))
    ece = sum(abs(c[s].mean() - y[s].mean()) * s.sum() for lo, hi in zip(EDGES, EDGES[1:])
              if (s := (c >= lo) & (c < hi)).any()) / len(c)
    lines.append(f"| all | {len(c)} | {c.mean():.3f} | {100 * y.mean():.1f} % (ECE {ece:.3f}) |")
    return lines


def main() -> None:
    rows = load()
    assert all(r["right"] == float(r["error_m"] <= r["radius_m"]) for r in rows), "right is not 'within radius_m'"
    before = [P.retrieved_ceiling(r["footprint_ratio"]) * r["cosine_margin"] for r in rows]
    after = [P.unverified_confidence(r["cosine_margin"], r["footprint_ratio"]) for r in rows]
    print(f"{len(rows)} unverified answers (calibration_records.csv); right = the Point within radius_m")
    for title, conf in (("before (ceiling x cosine margin)", before), ("after (confidence_tables.UNVERIFIED_RIGHT, "
                        "in-sample)", after), ("held out by region (fitted without the region scored)", held_out_confidence(rows, region)),
                        ("held out by city (fitted without the city scored)", held_out_confidence(rows, city))):
        print(f"\n{title}\n" + "\n".join(table(conf, rows)))


if __name__ == "__main__":
    main()
