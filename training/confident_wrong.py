"""Answers shown confident (>= model.CONFIDENT) that are wrong, with the product's defaults, per
benchmark region: how many, which pass of verification gave each, with how many inliers, and
label-free signals of the winning pair, to see whether anything tells them from right ones.

  python training/confident_wrong.py measure data/benchmark/vegas --out /tmp/x/vegas.csv --cache /tmp/x/cache
  python training/confident_wrong.py table /tmp/x              # a table per region
  python training/confident_wrong.py compare /tmp/old /tmp/x   # what changed between two measurements

`measure` reads the region as the CLI's `locate REGION` does (cli._load_queries, cli._load_tiles,
cli._workspace with the parser's defaults and --cache-dir), locates, and writes one row per photo:
the shown confidence, the figure before photo_support (what Workspace._supported received), the
route's matcher, which pass gave the winning pair (first, fine, blind<tilt>, refine, second: the
second look settled the photo, mosaic, other), its inliers and margin, and, for verified answers,
signals of the winning pair: its footprint in the tile (the photo's corners through the homography:
area as a share of the tile, the ratio of its shortest to longest side, convex or not) and, for a
SIFT winning pair, the photo keypoints that agree with it (photo_support.answer_span). Truth is
used for scoring only: error_m (the Point against truth.csv, haversine) and `right` as
evaluate.honesty_figures counts it (error within the top tile's half-diagonal).
Findings: training/results/honest27_session27.md.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FIELDS = ["region", "query", "status", "confidence", "before_support", "matcher", "table", "inliers", "margin",
          "pass", "pair_inliers", "area_share", "side_ratio", "convex", "keypoints", "agreeing", "look",
          "error_m", "radius_m", "right"]


def _pass_of(verifier, query, tile, pair) -> str:
    """Which of `verifier`'s kept passes gave `pair`, by identity with its kept evaluations
    (private attributes: a measurement, not product code)."""
    from geolocator.core.cache import tile_key
    from geolocator.core.rerank import query_outline

    key = (verifier.photo_key(query, query_outline(query)), tile_key(tile))
    if verifier._first.get(key) is pair:
        return "first"
    for k, v in verifier._later.items():
        if v is pair and k[2] == key:
            kind, tilt = k[0], k[1]
            return f"{kind}{tilt:g}" if tilt is not None else str(kind)
    return "other"


def _footprint(corners) -> tuple[float, float, bool] | None:
    """(area as a share of the tile, shortest / longest side, convex) of a quadrilateral given as
    4 (x, y) tile fractions, or None without corners."""
    if not corners or len(corners) != 4:
        return None
    p = np.asarray(corners, float)
    x, y = p[:, 0], p[:, 1]
    area = 0.5 * abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    sides = np.hypot(*(np.roll(p, -1, axis=0) - p).T)
    e = np.roll(p, -1, axis=0) - p
    cross = e[:, 0] * np.roll(e, -1, axis=0)[:, 1] - e[:, 1] * np.roll(e, -1, axis=0)[:, 0]
    convex = bool(np.all(cross > 0) or np.all(cross < 0))
    return float(area), float(sides.min() / max(sides.max(), 1e-12)), convex


def recording(supported, seen: dict):
    """A stand-in for Workspace._supported that keeps in `seen` what photo_support received (the
    photos, their predictions before it, the second look's rows) and then calls `supported` with
    every argument it was given (progress and cancel too: session 31's signature)."""
    def wrapper(qs, predictions, looked, *rest, **named):
        seen["before"], seen["looked"], seen["queries"] = list(predictions), looked, list(qs)
        return supported(qs, predictions, looked, *rest, **named)

    return wrapper


def measure(folder: Path, out: Path, cache: Path, tiles_path: Path | None = None, adapt: str | None = None) -> None:
    from geolocator import cli
    from geolocator.core.confidence_tables import table_key, verified_confidence
    from geolocator.core.geo import haversine_m
    from geolocator.core.photo_support import answer_span, winning_pair
    from geolocator.core.predict import _tile_radius_m, inlier_margin

    args = cli.build_parser().parse_args(["locate", str(folder), "--tiles", str(tiles_path or folder / "tiles.csv"), "--cache-dir", str(cache), "--quiet"])
    queries = cli._load_queries(args.queries, args.every)
    tiles = cli._load_tiles(args.tiles, args, queries, args.queries)
    ws = cli._workspace(args)
    ws.open_tiles(tiles)
    if adapt:  # as `geolocator eval REGION --adapt --mode MODE` does (seed 0, the mode's own steps)
        ws.adapt(queries, mode=adapt, seed=0)
    seen = {}
    ws._supported = recording(ws._supported, seen)
    wall, cpu = time.perf_counter(), time.process_time()
    preds = ws.locate(queries)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    located = list(ws.last.queries)
    before = dict(zip([q.id for q in seen.get("queries", located)], seen.get("before", preds)))
    looked = seen.get("looked")
    second_rows = set()
    if looked is not None:
        second_rows = {q.id for q, r in zip(seen["queries"], looked.rows) if r}
    v = ws.verifier.settings
    key = table_key(v.matcher, v.mosaic)
    rows = []
    for q, p in zip(located, preds):
        margin = inlier_margin(p.matches) if p.matches else 0
        b = before.get(q.id, p)
        radius = _tile_radius_m(p.top.tile) if p.matches else ""
        err = "" if q.truth is None else haversine_m(q.truth, p.location)
        row = {"region": folder.name, "query": q.id, "status": p.status, "confidence": round(p.confidence, 4),
               "before_support": round(b.confidence, 4), "matcher": v.matcher,
               "inliers": (p.top.inliers or 0) if p.matches else 0, "margin": margin,
               "error_m": "" if err == "" else round(err, 1), "radius_m": "" if radius == "" else round(radius, 1),
               "right": "" if err == "" or radius == "" else int(err <= radius)}
        if p.status == "verified":
            looked_row = q.id in second_rows
            row["table"] = "second" if looked_row else (
                key if math.isclose(b.confidence, verified_confidence(margin, key), abs_tol=1e-6) else "other")
            source = ws._second_verifier() if looked_row else ws.verifier
            found = winning_pair(source, q, p.matches) if source is not None else None
            if found is not None:
                tile, pair = found
                row["pair_inliers"] = pair.inliers
                row["pass"] = "second" if looked_row else _pass_of(ws.verifier, q, tile, pair)
                fp = _footprint(pair.corners)
                if fp is not None:
                    row.update(area_share=round(fp[0], 4), side_ratio=round(fp[1], 4), convex=int(fp[2]))
                if v.matcher == "sift":
                    span = answer_span(ws.verifier, q, tile, pair)
                    if span is not None:
                        row.update(keypoints=span.keypoints, agreeing=span.agreeing, look=span.look)
        rows.append(row)
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    print(f"{folder}: {len(rows)} photos, matcher {v.matcher}, locate {wall:.0f} s wall / {cpu:.0f} CPU s "
          f"(this process) -> {out}")


def load(folder: Path) -> list[dict]:
    rows = []
    for f in sorted(folder.glob("*.csv")):
        for r in csv.DictReader(f.open()):
            r["confidence"] = float(r["confidence"])
            r["before_support"] = float(r["before_support"])
            rows.append(r)
    return rows


def table(folder: Path, bar: float = 0.9) -> None:
    """Per region: photos, verified, shown >= bar, wrong among them; then each wrong one shown
    >= bar and each wrong one verified below it."""
    rows = load(folder)
    print(f"| region | photos | verified | shown >= {bar:g} | of them wrong | verified 0.5-{bar:g} | of them wrong |")
    print("|---|---|---|---|---|---|---|")
    from geolocator.core.model import WEAK_BELOW

    tot = [0] * 6
    for region in sorted({r["region"] for r in rows}):
        rr = [r for r in rows if r["region"] == region]
        conf = [r for r in rr if r["confidence"] >= bar]
        wrong = [r for r in conf if r["right"] == "0"]
        mid = [r for r in rr if r["status"] == "verified" and WEAK_BELOW <= r["confidence"] < bar]
        fig = [len(rr), sum(r["status"] == "verified" for r in rr), len(conf), len(wrong), len(mid),
               sum(r["right"] == "0" for r in mid)]
        tot = [a + b for a, b in zip(tot, fig)]
        print(f"| {region} ({rr[0]['matcher']}) | " + " | ".join(map(str, fig)) + " |")
    print("| all | " + " | ".join(map(str, tot)) + " |")
    print(f"\nwrong answers verified at {WEAK_BELOW:g} or more:")
    for r in sorted(rows, key=lambda r: (r["region"], -r["confidence"])):
        if r["status"] == "verified" and r["right"] == "0" and r["confidence"] >= WEAK_BELOW:
            print(f"  {r['region']} {r['query']} conf={r['confidence']:.3f} (before support {r['before_support']:.3f}) "
                  f"table={r['table']} pass={r['pass']} inliers={r['inliers']} margin={r['margin']} "
                  f"pair={r['pair_inliers']} err={r['error_m']} m (radius {r['radius_m']}) area={r['area_share']} "
                  f"sides={r['side_ratio']} convex={r['convex']} agree={r['agreeing']}/{r['keypoints']}")
    print(f"\nby pass, answers shown >= {bar:g}: right / wrong")
    passes = sorted({r["pass"] for r in rows if r["confidence"] >= bar})
    for ps in passes:
        sel = [r for r in rows if r["confidence"] >= bar and r["pass"] == ps]
        band = [r for r in sel if r["confidence"] < 0.95]
        print(f"  {ps or '(no pair)'}: {sum(r['right'] == '1' for r in sel)} / {sum(r['right'] == '0' for r in sel)}"
              f"; of them claiming < 0.95: {sum(r['right'] == '1' for r in band)} / {sum(r['right'] == '0' for r in band)}")


def compare(old_folder: Path, new_folder: Path, bar: float = 0.9) -> None:
    """Two `measure` folders (the same regions measured twice, e.g. before and after a code change),
    photo by photo: per region, how many photos changed status, rightness, being shown >= `bar`, or
    only their confidence; then each photo that changed status, rightness or side of `bar`, old ->
    new. A photo measured in one folder only is counted, not compared."""
    old = {(r["region"], r["query"]): r for r in load(old_folder)}
    new = {(r["region"], r["query"]): r for r in load(new_folder)}
    both = sorted(old.keys() & new.keys())
    print(f"{len(both)} photos in both; only in {old_folder}: {len(old.keys() - new.keys())}, "
          f"only in {new_folder}: {len(new.keys() - old.keys())}")
    print(f"| region | photos | status changed | right changed | shown >= {bar:g} old -> new | wrong >= {bar:g} old -> new "
          f"| confidence changed | tile or pass changed |")
    print("|---|---|---|---|---|---|---|---|")
    listed = []
    for region in sorted({k[0] for k in both}):
        keys = [k for k in both if k[0] == region]
        pairs = [(old[k], new[k]) for k in keys]
        status = sum(a["status"] != b["status"] for a, b in pairs)
        right = sum(a["right"] != b["right"] for a, b in pairs)
        conf_old = sum(a["confidence"] >= bar for a, _ in pairs)
        conf_new = sum(b["confidence"] >= bar for _, b in pairs)
        wrong_old = sum(a["confidence"] >= bar and a["right"] == "0" for a, _ in pairs)
        wrong_new = sum(b["confidence"] >= bar and b["right"] == "0" for _, b in pairs)
        conf = sum(abs(a["confidence"] - b["confidence"]) > 1e-9 for a, b in pairs)
        moved = sum((a["error_m"], a["pass"]) != (b["error_m"], b["pass"]) for a, b in pairs)
        print(f"| {region} | {len(keys)} | {status} | {right} | {conf_old} -> {conf_new} | {wrong_old} -> {wrong_new} "
              f"| {conf} | {moved} |")
        listed += [(a, b) for a, b in pairs if a["status"] != b["status"] or a["right"] != b["right"]
                   or (a["confidence"] >= bar) != (b["confidence"] >= bar)]
    print(f"\nphotos that changed status, rightness or side of {bar:g} (old -> new):")
    for a, b in listed:
        print(f"  {a['region']} {a['query']}: {a['status']} -> {b['status']}, conf {a['confidence']:.3f} -> "
              f"{b['confidence']:.3f}, pass {a['pass'] or '-'} -> {b['pass'] or '-'}, inliers {a['inliers']} -> "
              f"{b['inliers']}, right {a['right']} -> {b['right']}, err {a['error_m']} -> {b['error_m']} m")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure")
    m.add_argument("folder", type=Path)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--cache", type=Path, required=True)
    m.add_argument("--tiles", type=Path, help="the tile set, for a folder of photos that is not a region folder "
                   "(no truth then: right is left empty)")
    m.add_argument("--adapt", choices=["best", "paper"], help="adapt to the region in this mode first (as eval --adapt)")
    t = sub.add_parser("table")
    t.add_argument("folder", type=Path)
    t.add_argument("--bar", type=float, default=0.9)
    c = sub.add_parser("compare", help="two measure folders, photo by photo")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument("--bar", type=float, default=0.9)
    a = p.parse_args(argv)
    if a.cmd == "measure":
        measure(a.folder, a.out, a.cache, a.tiles, a.adapt)
    elif a.cmd == "compare":
        compare(a.old, a.new, a.bar)
    else:
        table(a.folder, a.bar)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
