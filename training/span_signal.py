"""Label-free signals of how much of a photo agrees with its verified answer, measured on intact
benchmark photos and on session 25's synthetic after-event photos (training/flood_photos.py), to see
whether any tells a look-alike that won on the ground water left visible from a right answer.

  python training/span_signal.py measure data/benchmark/vegas --out /tmp/x/vegas.csv
  python training/span_signal.py measure /tmp/flood/sets/vegas --tiles data/benchmark/vegas/tiles.csv \
      --out /tmp/x/flood_vegas.csv
  python training/span_signal.py score /tmp/x --flood-truth /tmp/flood/truth_private.csv

`measure` locates the photos with the product's defaults but the photo-support rule off
(Workspace, frozen features, Settings.photo_support False) and, for each verified answer, takes the
homography of the pair that won (rerank.Verifier.kept; the second look's verifier for the answers it
gave) and counts, with the photo's SIFT description at the first and at the fine pass's contrast
(core/photo_support.answer_span), the photo keypoints whose ratio-test match lands within ransac_px
of where the homography puts them ("agreeing"). Per answer: confidence, inlier margin, which table
scored it, which pass won, the photo's keypoints, agreeing points, and the share of an 8 x 8 grid
over the photo that holds agreeing points against the share that holds keypoints at all. It then
applies the product's rule (photo_support.with_support) to the same answers and prints what it
changes and its CPU time. No truth is read, except the benchmark's own error_m that the product
computes for evaluation (written for `score`).
`score` joins the flood truth (truth_private.csv) and prints the wrong and the weakly verified
answers with their signals, then, per signal threshold, how many SIFT-verified answers claiming
less than --below it would flag, right and wrong, and of them shown >= 0.9, per set of photos.
Findings: training/results/honest26_session26.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ["set", "query", "status", "confidence", "table", "inliers", "margin", "tile", "pair_inliers",
          "keypoints", "agreeing", "cells_agree", "cells_kp", "look", "pass", "error_m", "lat", "lon"]


def _pass_of(verifier, query, tile, pair) -> str:
    """Which of the verifier's kept passes gave `pair` ("first", "fine", "blind<tilt>", or "other":
    the deblock second look or a moved answer), by identity with the verifier's kept evaluations
    (private attributes: a measurement, not product code)."""
    from geolocator.core.cache import tile_key
    from geolocator.core.rerank import query_outline

    key = (verifier.photo_key(query, query_outline(query)), tile_key(tile))
    if verifier._first.get(key) is pair:
        return "first"
    if verifier._later.get(("fine", None, key, None)) is pair:
        return "fine"
    for tilt in verifier.settings.blind_tilts:
        if verifier._later.get(("blind", tilt, key, None)) is pair:
            return f"blind{tilt:g}"
    return "other"


def measure(folder: Path, tiles_csv: Path | None, out: Path, cache: Path | None) -> None:
    from geolocator.core.confidence_tables import verified_confidence
    from geolocator.core.photo_support import answer_span, winning_pair
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.predict import inlier_margin
    from geolocator.core.queries import load_queries, load_region
    from geolocator.core.sources.csv import load_tiles_csv

    if tiles_csv is None:
        region = load_region(folder)
        tileset, queries = region.tiles, region.queries
    else:
        tileset, queries = load_tiles_csv(tiles_csv), load_queries(folder, base=folder)
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache, photo_support=False))
    ws.open_tiles(tileset)
    preds = ws.locate(queries)
    rows = []
    for q, p in zip(queries, preds):
        margin = inlier_margin(p.matches) if p.matches else 0
        row = {"set": folder.name, "query": q.id, "status": p.status, "confidence": round(p.confidence, 4),
               "inliers": p.top.inliers or 0 if p.matches else 0, "margin": margin,
               "error_m": "" if p.error_m is None else round(p.error_m, 1),
               "lat": round(p.location.lat, 7), "lon": round(p.location.lon, 7)}
        if p.status == "verified":
            sift = math.isclose(p.confidence, verified_confidence(margin, "sift"), abs_tol=1e-6)
            row["table"] = "sift" if sift else "other"
            # the second look's answers: its learned matcher's homography, checked against SIFT's description
            second = None if sift else ws._second_verifier()
            found = winning_pair(ws.verifier if sift else second, q, p.matches) if (sift or second) else None
            span = answer_span(ws.verifier, q, *found) if found is not None else None
            if span is not None:
                row.update(tile=found[0].path.name, pair_inliers=found[1].inliers, look=span.look,
                           keypoints=span.keypoints, agreeing=span.agreeing, cells_agree=round(span.cells_agree, 4),
                           cells_kp=round(span.cells_kp, 4),
                           **{"pass": _pass_of(ws.verifier, q, found[0], found[1]) if sift else "second"})
        rows.append(row)
    # the product's rule (core/photo_support.with_support) on the same answers, timed (CPU s of this process)
    import time

    from geolocator.core.photo_support import SUPPORT_BELOW, with_support

    checked = sum(p.status == "verified" and p.confidence < SUPPORT_BELOW for p in preds)
    start = time.process_time()
    second_rows = np.array([r.get("pass") == "second" or (r.get("table") == "other") for r in rows])
    after = with_support(queries, preds, ws.verifier, ws._second_verifier() if second_rows.any() else None,
                         second_rows)
    spent = time.process_time() - start
    changed = [(q.id, round(a.confidence, 4), round(b.confidence, 4)) for q, a, b in zip(queries, preds, after)
               if a.confidence != b.confidence]
    print(f"with_support: {checked} verified answers below {SUPPORT_BELOW} checked in {spent:.2f} CPU s; "
          f"changed {len(changed)}: {changed}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{folder}: {len(rows)} photos, {sum(r['status'] == 'verified' for r in rows)} verified -> {out}")


def _hav(a, b, c, d) -> float:
    r = 6371008.8
    p1, p2 = math.radians(a), math.radians(c)
    x = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(d - b) / 2) ** 2
    return 2 * r * math.asin(math.sqrt(x))


def load_scored(folder: Path, flood_truth: Path | None, radius_m: float = 35.0) -> list[dict]:
    """Every row of folder/*.csv with `right` (the Point within radius_m of the truth) and `group`
    ("flood:REGION" for flood_REGION.csv, scored against flood_truth; else the file's stem, scored by
    the product's own error_m from the benchmark's truth.csv)."""
    truth = {}
    if flood_truth is not None:
        truth = {(r["region"], f"{r['level']}/{r['file']}"): r for r in csv.DictReader(flood_truth.open())}
    out = []
    for f in sorted(folder.glob("*.csv")):
        for r in csv.DictReader(f.open()):
            if f.stem.startswith("flood_"):
                region = f.stem.split("_", 1)[1]
                t = truth[(region, r["query"])]
                r["group"], r["kind"] = f"flood:{region}", r["query"].split("/")[0]
                r["right"] = _hav(float(t["lat"]), float(t["lon"]), float(r["lat"]), float(r["lon"])) <= radius_m
            else:
                r["group"], r["kind"] = f.stem, ""
                r["right"] = r["error_m"] != "" and float(r["error_m"]) <= radius_m
            r["confidence"] = float(r["confidence"])
            out.append(r)
    return out


SIGNALS = {
    "cells_agree": lambda r: float(r["cells_agree"]),
    "cells_ratio": lambda r: float(r["cells_agree"]) / max(float(r["cells_kp"]), 1e-9),
    "agree_share": lambda r: float(r["agreeing"]) / max(float(r["keypoints"]), 1.0),
}


def score(folder: Path, flood_truth: Path | None, below: float) -> None:
    """Prints, per group, the signals of wrong verified answers and, per signal and threshold, how many
    SIFT-verified answers claiming [0.5, `below`) it would flag: right/wrong, and of them shown >= 0.9."""
    rows = [r for r in load_scored(folder, flood_truth) if r["status"] == "verified"]
    groups = sorted({r["group"] for r in rows})
    sift = [r for r in rows if r["table"] == "sift" and r["cells_agree"] not in ("", None)]
    print(f"verified: {len(rows)}; scored by the SIFT table with a kept pair: {len(sift)}")
    for g in groups:
        gr = [r for r in rows if r["group"] == g]
        print(f"\n## {g}: verified {len(gr)}, wrong {sum(not r['right'] for r in gr)}, "
              f"shown >= 0.9 {sum(r['confidence'] >= 0.9 for r in gr)} (wrong {sum(r['confidence'] >= 0.9 and not r['right'] for r in gr)})")
        for r in sorted(gr, key=lambda r: r["confidence"]):
            if not r["right"] or (r["confidence"] < below and r["table"] == "sift"):
                sig = " ".join(f"{k}={f(r):.3f}" for k, f in SIGNALS.items()) if r in sift else "(no pair)"
                print(f"  {'WRONG' if not r['right'] else 'right'} {r['query']} conf={r['confidence']:.3f} "
                      f"table={r['table']} inl={r['inliers']} margin={r['margin']} kp={r['keypoints']} "
                      f"agree={r['agreeing']} look={r['look']} {sig}")
    band = [r for r in sift if r["confidence"] < below]
    print(f"\n## thresholds: SIFT-verified answers claiming < {below} (n={len(band)}); flagged = signal < t")
    for name, f in SIGNALS.items():
        values = sorted({round(f(r), 3) for r in band})
        for t in values[: 40]:
            t2 = t + 1e-6
            line = []
            for g in groups:
                gb = [r for r in band if r["group"] == g]
                fl = [r for r in gb if f(r) < t2]
                line.append(f"{g}: right {sum(r['right'] for r in fl)}/{sum(r['right'] for r in gb)} "
                            f"wrong {sum(not r['right'] for r in fl)}/{sum(not r['right'] for r in gb)} "
                            f"(>=0.9 right {sum(r['right'] and r['confidence'] >= 0.9 for r in fl)} "
                            f"wrong {sum((not r['right']) and r['confidence'] >= 0.9 for r in fl)})")
            print(f"{name} < {t:.3f}: " + "; ".join(line))


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("folder", type=Path)
    m.add_argument("--tiles", type=Path)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--cache", type=Path)
    sc = sub.add_parser("score")
    sc.add_argument("folder", type=Path)
    sc.add_argument("--flood-truth", type=Path)
    sc.add_argument("--below", type=float, default=0.97)
    a = p.parse_args(argv)
    if a.cmd == "measure":
        measure(a.folder, a.tiles, a.out, a.cache)
    else:
        score(a.folder, a.flood_truth, a.below)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
