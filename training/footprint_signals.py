"""Confidence bands and two label-free footprint signals of verified answers, per region, from
`training/confident_wrong.py measure` files (issue 13's honesty on coarse imagery, session 32:
training/results/coarse32_session32.md).

  python training/footprint_signals.py /tmp/x/cw            # every REGION.csv in the folder

Per region: answers shown >= 0.9, 0.5-0.9 and < 0.5 (right / shown, and the sum of the confidences
shown: what a calibrated confidence expects right), each wrong answer shown >= 0.5, then for the
verified answers with a footprint two signals at a few cuts, with how many right and wrong answers
fall below the cut (all, and those shown >= 0.5):
  side     the footprint's shortest over longest side in the tile (confident_wrong's side_ratio)
  area     its area share of the tile over the median of the region's answers shown >= 0.9 (a
           flight's photos are taken from about one height, so a much smaller footprint is odd)
Truth (the `right` column) only scores."""

from __future__ import annotations

import argparse
import csv
import statistics
from pathlib import Path

BANDS = ((0.9, float("inf"), ">= 0.9"), (0.5, 0.9, "0.5-0.9"), (float("-inf"), 0.5, "< 0.5"))
CUTS = {"side": (0.2, 0.25, 0.33, 0.4), "area": (0.25, 0.33, 0.4, 0.5)}


def bands(rows: list[dict]) -> list[tuple[str, int, int, float]]:
    """(band, right, shown, sum of the confidences shown) per BANDS band of `rows` (confident_wrong
    rows: confidence as text or float, right "1" / "0"; rows without truth are left out)."""
    out = []
    for lo, hi, name in BANDS:
        sel = [r for r in rows if r["right"] in ("0", "1") and lo <= float(r["confidence"]) < hi]
        out.append((name, sum(r["right"] == "1" for r in sel), len(sel), sum(float(r["confidence"]) for r in sel)))
    return out


def signal_values(rows: list[dict]) -> dict[str, dict[str, float]]:
    """{signal: {query: value}} for the verified rows with a footprint (see the module docstring);
    "area" is empty when no answer is shown >= 0.9 (no median to compare with)."""
    verified = [r for r in rows if r["status"] == "verified" and r.get("area_share") not in (None, "")]
    confident = [float(r["area_share"]) for r in verified if float(r["confidence"]) >= 0.9]
    median = statistics.median(confident) if confident else None
    return {"side": {r["query"]: float(r["side_ratio"]) for r in verified},
            "area": {} if not median else {r["query"]: float(r["area_share"]) / median for r in verified}}


def below(rows: list[dict], values: dict[str, float], cut: float) -> tuple[int, int, int, int]:
    """(right, wrong, right shown >= 0.5, wrong shown >= 0.5) among `rows` whose value is under `cut`."""
    sel = [r for r in rows if r["query"] in values and values[r["query"]] < cut]
    high = [r for r in sel if float(r["confidence"]) >= 0.5]
    return (sum(r["right"] == "1" for r in sel), sum(r["right"] == "0" for r in sel),
            sum(r["right"] == "1" for r in high), sum(r["right"] == "0" for r in high))


def report(folder: Path) -> str:
    lines = []
    for f in sorted(folder.glob("*.csv")):
        rows = list(csv.DictReader(f.open()))
        lines.append(f"\n## {f.stem} ({len(rows)} photos)\n\n| band | right / shown | sum of confidences |\n|---|---|---|")
        lines += [f"| {name} | {right} / {shown} | {claimed:.1f} |" for name, right, shown, claimed in bands(rows)]
        wrong = sorted((r for r in rows if r["right"] == "0" and float(r["confidence"]) >= 0.5),
                       key=lambda r: -float(r["confidence"]))
        lines.append("\nwrong, shown >= 0.5: " + (", ".join(
            f"{r['query']} {float(r['confidence']):.3f} ({r['status']}, inliers {r['inliers']}, margin {r['margin']}, "
            f"side {r.get('side_ratio') or '-'}, area {r.get('area_share') or '-'}, {r['error_m']} m)" for r in wrong) or "none"))
        values = signal_values(rows)
        lines.append("\n| signal < cut | right | wrong | right shown >= 0.5 | wrong shown >= 0.5 |\n|---|---|---|---|---|")
        for name, cuts in CUTS.items():
            for cut in cuts:
                lines.append(f"| {name} < {cut:g} | " + " | ".join(map(str, below(rows, values[name], cut))) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path, help="a folder of confident_wrong.py measure files (REGION.csv)")
    print(report(p.parse_args(argv).folder))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
