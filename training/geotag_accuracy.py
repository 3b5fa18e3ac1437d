"""Could a geotag's horizontal accuracy be tighter than the answer's radius? (session 29, mend29)

core/geotags.py writes a confident answer's accuracy as its tile's radius (predict.confidence_radius_m:
35.4 m for the benchmark's 50 m tiles), the distance its confidence speaks of. The calibration records
(training/results/calibration_records.csv: every photo of the demo and the benchmark regions located,
its exported Point's error against the truth, for scoring only) put every answer shown >= 0.9 within
10 m. This script asks whether a tighter bound HOLDS OUT OF SAMPLE: for each rule, the bound is fitted
on every region but one and checked on the one left out (its confident answers beyond the bound are
counted), region by region. A rule would be used only if no held-out region has an answer beyond it.

    python training/geotag_accuracy.py

Reads only the committed records (no locating). Confidence is the current predict.py's for each
record's evidence (calibration.record_confidence), as calibration.py --from-records computes it.
Regions are grouped by their name before "+" (a "+altitude" rerun is the same photos), and matchers
into families: sift, xfeat, xfeat through mosaics (the records' tile GSD is the same 0.196 m/px for
every region but the "-quarter" ones, 0.39 m/px, so GSD adds no split the matcher does not).
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
RECORDS = HERE / "results" / "calibration_records.csv"
TEXT = ("region", "mode", "matcher", "query", "status", "source")


def family(matcher: str) -> str:
    return "xfeat+mosaic" if "mosaic" in matcher else matcher.split(":")[0]


def confident_records(path: Path = RECORDS, at: float = 0.9) -> list[dict]:
    """The records whose current confidence is >= `at`, each with `family`, `place` (region without
    "+..."), `error_m`, `radius_m`."""
    from calibration import record_confidence

    with path.open(newline="") as f:
        rows = [{k: (v if k in TEXT else float(v)) for k, v in r.items()} for r in csv.DictReader(f)]
    out = []
    for r in rows:
        r["matcher"] = r.get("matcher") or "sift"
        if record_confidence(r) >= at:
            r["family"], r["place"] = family(r["matcher"]), r["region"].split("+")[0]
            out.append(r)
    return out


def held_out(rows: list[dict], key, bound_of) -> list[tuple[str, str, int, int, float, float]]:
    """For each place and group (key(r)): the bound fitted on the other places' records of the group
    (bound_of(list of records) -> metres, or a ratio of the radius when it returns ("ratio", x)),
    and how many of the place's records lie beyond it. Rows (place, group, n, beyond, bound, worst)."""
    out = []
    places = sorted({r["place"] for r in rows})
    for place in places:
        mine = defaultdict(list)
        for r in rows:
            if r["place"] == place:
                mine[key(r)].append(r)
        for group, test in sorted(mine.items()):
            train = [r for r in rows if r["place"] != place and key(r) == group]
            if not train:
                out.append((place, group, len(test), -1, float("nan"), max(r["error_m"] for r in test)))
                continue
            kind, value = bound_of(train)
            limits = [value * r["radius_m"] if kind == "ratio" else value for r in test]
            beyond = sum(r["error_m"] > lim for r, lim in zip(test, limits))
            out.append((place, group, len(test), beyond, value, max(r["error_m"] for r in test)))
    return out


RULES = {
    "per matcher family: the others' largest error": (lambda r: r["family"],
                                                      lambda t: ("m", max(r["error_m"] for r in t))),
    "per matcher family: twice the others' largest error": (lambda r: r["family"],
                                                            lambda t: ("m", 2 * max(r["error_m"] for r in t))),
    "per matcher family: the others' largest error / radius": (lambda r: r["family"],
                                                               lambda t: ("ratio", max(r["error_m"] / r["radius_m"] for r in t))),
    "every matcher pooled: the others' largest error": (lambda r: "all", lambda t: ("m", max(r["error_m"] for r in t))),
    "every matcher pooled: the others' 99th percentile": (lambda r: "all",
                                                          lambda t: ("m", float(np.percentile([r["error_m"] for r in t], 99)))),
}


def main() -> None:
    rows = confident_records()
    print(f"# {len(rows)} confident records (confidence >= 0.9 now) of {len({r['place'] for r in rows})} places, "
          f"from {RECORDS.name}")
    print(f"{'place':<18} {'family':<13} {'n':>4} {'radius m':>8} {'median m':>8} {'p95 m':>6} {'max m':>6}")
    groups = defaultdict(list)
    for r in rows:
        groups[(r["place"], r["family"])].append(r)
    for (place, fam), rs in sorted(groups.items()):
        e = np.array([r["error_m"] for r in rs])
        print(f"{place:<18} {fam:<13} {len(rs):>4} {np.median([r['radius_m'] for r in rs]):8.1f} {np.median(e):8.2f} "
              f"{np.percentile(e, 95):6.2f} {e.max():6.2f}")
    every = np.array([r["error_m"] for r in rows])
    print(f"all: max {every.max():.2f} m; beyond 10 m: {(every > 10).sum()}; beyond the radius: "
          f"{sum(r['error_m'] > r['radius_m'] for r in rows)}")
    for name, (key, bound_of) in RULES.items():
        result = held_out(rows, key, bound_of)
        failed = [x for x in result if x[3] > 0]
        alone = [x for x in result if x[3] < 0]
        print(f"\n## held out, {name}: holds on {len(result) - len(failed) - len(alone)} of {len(result)} "
              f"(place, family) groups; fails on {len(failed)}; {len(alone)} with no other place to fit on")
        for place, group, n, beyond, bound, worst in failed + alone:
            what = "no other place of this family" if beyond < 0 else f"{beyond} of {n} beyond {bound:.3g}"
            print(f"  {place:<18} {group:<13} {what}; its largest error {worst:.2f} m")


if __name__ == "__main__":
    main()
