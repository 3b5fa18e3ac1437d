"""Fit the confidence of flight frames the track placed (core/track_confidence.py) on the flights
training/compare_sequence.py renders and locates, and check it on the held-out ones.

Reads the predictions compare_sequence.py saved (WORK/<scene>/<flight>.pkl: its own output, with
the frames' truth for scoring) for the fit flights (--fit, default data/flights) and the held-out
flights (--check, default data/flights-heldout). Each flight is smoothed (core.sequence.smooth)
as it was located, and again with stretches of its frames left out (made "not located": as a
fogged frame that matched nothing) to give the track longer gaps to bridge and ends to extrapolate
past: interior stretches of GAP_LENGTHS frames (non-overlapping for one length) and the first or
last END_LENGTHS frames. Every frame the track placed (location_source "track") is a record:
status, metres from the nearest anchor (TrackPoint.anchor_distance_m, what the product reads at
run time), error, right (the Point within its top tile's half-diagonal of the truth, as
training/calibration.py). Truth only scores.

  python training/fit_track_confidence.py [--fit out/flights] [--check out/flights-heldout]
      [--out training/results/track_confidence.md]
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geolocator.core.model import SOURCE_TRACK, STATUS_NOT_LOCATED  # noqa: E402
from geolocator.core.predict import _tile_radius_m  # noqa: E402

GAP_LENGTHS = (2, 4, 6, 9, 12, 16, 20)  # frames left out inside a flight
END_LENGTHS = (1, 2, 3, 5, 8)  # frames left out at a flight's start or end
DISTANCE_EDGES = (0.0, 5.0, 10.0, 20.0, 30.0, 45.0, 60.0, 80.0, 110.0, math.inf)  # metres from the nearest anchor
BINS = np.linspace(0, 1, 11)


def blanked(predictions, drop: set[int]):
    """The flight with the frames at `drop` (indices in time order) made "not located"."""
    order = sorted(range(len(predictions)), key=lambda i: _time_key(predictions[i]))
    gone = {order[k] for k in drop if 0 <= k < len(order)}
    return [replace(p, status=STATUS_NOT_LOCATED, confidence=0.0) if i in gone else p for i, p in enumerate(predictions)]


def _time_key(pred):
    q = pred.query
    return (q.time_s if q.time_s is not None else 0.0, q.id)


def variants(n: int):
    """(name, frames left out) of one flight of `n` frames: as located, interior gaps, ends."""
    yield "as located", set()
    for length in GAP_LENGTHS:
        start = 2
        while start + length <= n - 2:
            yield f"gap {length} at {start}", set(range(start, start + length))
            start += length + 3
    for length in END_LENGTHS:
        yield f"first {length}", set(range(length))
        yield f"last {length}", set(range(n - length, n))


def records_for(work: Path, split: str) -> list[dict]:
    from geolocator.core.sequence import smooth

    rows = []
    for saved in sorted(work.glob("*/*.pkl")):
        with open(saved, "rb") as fh:
            predictions, _ = pickle.load(fh)
        predictions = sorted(predictions, key=_time_key) if predictions[0].query.time_s is not None else predictions
        for name, drop in variants(len(predictions)):
            tracks = smooth(blanked(predictions, drop))
            for track in tracks:
                for p in track.points:
                    if p.location_source != SOURCE_TRACK or p.error_m is None:
                        continue
                    pred = next(x for x in predictions if x.query.id == p.query.id)
                    rows.append({
                        "split": split, "flight": f"{saved.parent.name}/{saved.stem}", "variant": name,
                        "natural": not drop, "status": p.status, "distance_m": p.anchor_distance_m,
                        "error_m": p.error_m, "right": p.error_m <= _tile_radius_m(pred.top.tile),
                        "confidence": p.confidence,
                    })
    return rows


def fit(rows: list[dict], status: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Per distance bucket (DISTANCE_EDGES): its mean distance and Laplace share right ((right + 1)
    / (n + 2)), non-increasing with distance. None without records."""
    r = [x for x in rows if x["status"] == status]
    if not r:
        return None
    d = np.array([x["distance_m"] for x in r], float)
    y = np.array([x["right"] for x in r], float)
    from calibration import bucket_rates  # training/ is on sys.path when run as a script

    xs, rates = bucket_rates(d, y, DISTANCE_EDGES)
    rates = list(np.minimum.accumulate(rates))  # farther from a verified frame: never more confident
    return tuple(xs), tuple(round(float(v), 3) for v in rates)


def confidence_with(tables: dict, row: dict) -> float:
    from geolocator.core import track_confidence as tc

    saved = dict(tc.PLACED_TABLES)
    try:
        tc.PLACED_TABLES.clear()
        tc.PLACED_TABLES.update({k: v for k, v in tables.items() if v is not None})
        return tc.placed_confidence(row["status"], row["distance_m"])
    finally:
        tc.PLACED_TABLES.clear()
        tc.PLACED_TABLES.update(saved)


def bucket_lines(rows: list[dict], status: str) -> list[str]:
    out = ["| metres from the nearest anchor | frames | right | share right | Laplace | median error m | max error m |",
           "|---|---|---|---|---|---|---|"]
    r = [x for x in rows if x["status"] == status]
    for lo, hi in zip(DISTANCE_EDGES[:-1], DISTANCE_EDGES[1:]):
        b = [x for x in r if lo <= x["distance_m"] < hi]
        if not b:
            continue
        k = sum(x["right"] for x in b)
        e = [x["error_m"] for x in b]
        out.append(f"| {lo:g}-{hi:g} | {len(b)} | {k} | {100 * k / len(b):.1f} % | {(k + 1) / (len(b) + 2):.3f} "
                   f"| {np.median(e):.1f} | {max(e):.1f} |")
    return out


def reliability_lines(conf: np.ndarray, right: np.ndarray) -> list[str]:
    out = ["| confidence | frames | right | mean confidence |", "|---|---|---|---|"]
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        inside = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        if inside.any():
            out.append(f"| {lo:.1f}-{hi:.1f} | {int(inside.sum())} | {100 * right[inside].mean():.1f} % "
                       f"| {conf[inside].mean():.3f} |")
    return out


def ece(conf: np.ndarray, right: np.ndarray) -> float:
    total = 0.0
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        inside = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        if inside.any():
            total += inside.sum() * abs(conf[inside].mean() - right[inside].mean())
    return float(total / max(len(conf), 1))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fit", type=Path, default=ROOT / "data" / "flights")
    ap.add_argument("--check", type=Path, default=ROOT / "data" / "flights-heldout")
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "results" / "track_confidence.md")
    args = ap.parse_args(argv)
    fit_rows, check_rows = records_for(args.fit, "fit"), records_for(args.check, "check")
    statuses = ("interpolated", "extrapolated")
    tables_fit = {s: fit(fit_rows, s) for s in statuses}
    tables_all = {s: fit(fit_rows + check_rows, s) for s in statuses}
    lines = ["# Confidence of frames the track placed (core/track_confidence.py)", "",
             f"`python training/fit_track_confidence.py --fit {args.fit} --check {args.check}`. Records: every frame "
             "whose Point the track placed (location_source `track`: interpolated or extrapolated), in each flight "
             "as located and with stretches of frames left out (made not located): interior gaps of "
             f"{', '.join(map(str, GAP_LENGTHS))} frames (non-overlapping for one length), the first or last "
             f"{', '.join(map(str, END_LENGTHS))} frames. A frame appears once per variant that places it, so records "
             "of one flight are not independent. Right: the Point within its top tile's half-diagonal of the truth "
             "(35 m for these 50 m tiles), as calibration.md.", ""]
    for split, rows in (("fit flights", fit_rows), ("held-out flights", check_rows), ("all", fit_rows + check_rows)):
        for s in statuses:
            r = [x for x in rows if x["status"] == s]
            nat = [x for x in r if x["natural"]]
            lines += [f"## {split}: {s} ({len(r)} records, {sum(x['right'] for x in r)} right; as located: "
                      f"{len(nat)}, {sum(x['right'] for x in nat)} right)", "", *bucket_lines(rows, s), ""]
    for name, t in (("fit flights only", tables_fit), ("all eight flights (the product's)", tables_all)):
        lines += [f"Table fitted on the {name}:", ""]
        lines += [f"- {s}: distances {t[s][0]}, share right {t[s][1]}" if t[s] else f"- {s}: no records"
                  for s in statuses]
        lines.append("")
    # the check: the table fitted on the fit flights, read on the held-out flights
    for label, rows in (("held-out flights, all records", check_rows),
                        ("held-out flights, as located (their own fogged stretches)",
                         [x for x in check_rows if x["natural"]])):
        if not rows:
            continue
        conf = np.array([confidence_with(tables_fit, x) for x in rows])
        right = np.array([x["right"] for x in rows], float)
        lines += [f"## Reliability: the fit flights' table on the {label} ({len(rows)} records, ECE {ece(conf, right):.3f})",
                  "", *reliability_lines(conf, right), ""]
    text = "\n".join(lines)
    print(text)
    args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
