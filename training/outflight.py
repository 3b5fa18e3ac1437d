"""Flights from outside the tiles, label-free (core/outside_tiles.py's rule per flight; session 33).

Two measurements:

1. `--chunks`: offline, from committed records. A flight's frames are verified or not one by one, so a
   flight is a run of consecutive photos of one job: every window of n consecutive photos (query-id
   order) of each in-region job (training/results/calibration_records.csv: frozen, plain SIFT, no
   "+altitude" copies) and out-of-region job (training/results/outregion33_records.csv) read as a
   flight: how often its share verified (shown verified, confidence >= 0.5) is below the bar, and how
   many right unverified in-region answers that caps per 100 photos. Query-id order is not always flight
   order (the benchmark's photos are numbered, not timed): a harsher test than random draws where
   failures cluster (water, fields), the same where they do not.

2. `--locate` (heavy): located runs of one or more flights (videos, folders of timed photos) against
   one tile set, with the rule off (Settings.job_evidence False) and then: the run rule only
   (with_job_evidence, main before this session's flight rule) and the run + flight rule
   (with_flight_evidence); each flight's track (sequence.smooth) under each. One CSV row per frame.
   Truth (the video's .SRT) scores only (error_m, right).

    PYTHONPATH=. python training/outflight.py --chunks
    PYTHONPATH=. python training/outflight.py --locate --tiles data/benchmark/rotterdam \
        --flight /tmp/x/demo-flight/DJI_0001.MP4 --out /tmp/x/rec.csv --label demo-flight:rotterdam
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core.outside_tiles import OUTSIDE_SHARE_BAR, with_flight_evidence, with_job_evidence  # noqa: E402

RESULTS = ROOT / "training" / "results"
FIELDS = ["label", "tiles", "flight", "query", "status", "confidence_rule_off", "confidence_run_rule", "confidence",
          "track_status", "track_confidence_rule_off", "track_confidence_run_rule", "track_confidence",
          "track_caution", "flight_share", "run_share", "error_m", "track_error_m", "radius_m"]


def _shown_verified(r: dict) -> bool:
    return r["status"] == "verified" and float(r["confidence"]) >= 0.5


def chunk_table(sizes=(2, 3, 4, 6, 8, 12, 20), bar: float = OUTSIDE_SHARE_BAR) -> str:
    """Markdown: per window size n, in-region and out-of-region "flights" (windows of n consecutive
    photos of one job) below `bar`, and right in-region unverified answers capped per 100 photos."""
    from outregion import in_region_rows

    inside = in_region_rows(RESULTS / "calibration_records.csv")
    with (RESULTS / "outregion33_records.csv").open(newline="") as fh:
        outside = [r for r in csv.DictReader(fh) if r["kind"] == "out"]
    for r in inside:  # judged by the figure recorded without any rule
        r["confidence"] = r["confidence_rule_off"]
    for r in outside:
        r["confidence"] = r["confidence_rule_off"]

    def jobs(rows):
        out: dict[tuple, list[dict]] = {}
        for r in rows:
            out.setdefault((r["queries"], r["tiles"]), []).append(r)
        return {k: sorted(v, key=lambda r: r["query"]) for k, v in out.items()}

    j_in, j_out = jobs(inside), jobs(outside)
    lines = [f"Windows of n consecutive photos (query-id order) of each job read as a flight; bar {bar}: "
             "share of windows below it; in-region: right unverified answers capped per 100 windowed photos "
             f"(in-region jobs {len(j_in)}, {len(inside)} photos; out-of-region jobs {len(j_out)}, {len(outside)} photos).",
             "", "| n | in-region flights below the bar | right in-region answers capped / 100 photos | "
             "in-region below, vegas-low left out | out-of-region flights below the bar | "
             "lowest in-region job (share of its windows below) |",
             "|---|---|---|---|---|---|"]
    for n in sizes:
        below_in = total_in = capped = photos = 0
        other_below = other_total = 0
        worst = (0.0, "")
        for (q, _), rs in j_in.items():
            wins = [rs[i:i + n] for i in range(0, len(rs) - n + 1)]
            low = 0
            for w in wins:
                total_in += 1
                photos += n
                other_total += q != "vegas-low"
                if sum(map(_shown_verified, w)) / n < bar:
                    below_in += 1
                    other_below += q != "vegas-low"
                    low += 1
                    capped += sum(r["status"] == "retrieved" and r["right"] == "1" for r in w)
            if wins and low / len(wins) > worst[0]:
                worst = (low / len(wins), q)
        below_out = total_out = 0
        for rs in j_out.values():
            for i in range(0, len(rs) - n + 1):
                total_out += 1
                below_out += sum(map(_shown_verified, rs[i:i + n])) / n < bar
        lines.append(f"| {n} | {below_in} of {total_in} ({100 * below_in / max(total_in, 1):.1f} %) | "
                     f"{100 * capped / max(photos, 1):.2f} | {other_below} of {other_total} "
                     f"({100 * other_below / max(other_total, 1):.1f} %) | {below_out} of {total_out} "
                     f"({100 * below_out / max(total_out, 1):.0f} %) | {worst[1]} ({100 * worst[0]:.0f} %) |")
    return "\n".join(lines) + "\n"


def locate_rows(label: str, flights: list[Path], tiles: Path, cache_dir: Path | None) -> list[dict]:
    """One located run of `flights` (videos or folders of timed photos) against `tiles`: per frame its
    answer and its track's under the rule off, the run rule only, and the run + flight rule."""
    from geolocator.core.outside_tiles import flight_groups, verified_share
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.predict import _tile_radius_m
    from geolocator.core.queries import load_queries
    from geolocator.core.sequence import smooth
    from geolocator.core.tilesets import load_tileset

    queries = load_queries(list(flights), on_skip=lambda p, why: None)
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir, job_evidence=False))
    ws.open_tiles(load_tileset(tiles))
    off = ws.locate(queries)
    run, on = with_job_evidence(off), with_flight_evidence(off)
    points = [{pt.query.id: (t.name, pt) for t in smooth(p) for pt in t.points} for p in (off, run, on)]
    share_of = {}
    for g in flight_groups([p.query for p in off]):
        s = verified_share([off[i] for i in g])
        share_of.update({off[i].query.id: s for i in g})
    run_share = verified_share(off)
    rows = []
    for a, b, c in zip(off, run, on):
        qid = a.query.id
        name, pt_c = points[2].get(qid, ("", None))
        pts = [points[k].get(qid, ("", None))[1] for k in range(3)]
        rows.append({
            "label": label, "tiles": tiles.name, "flight": name, "query": qid, "status": a.shown_status,
            "confidence_rule_off": round(a.confidence, 4), "confidence_run_rule": round(b.confidence, 4),
            "confidence": round(c.confidence, 4), "track_status": pt_c.status if pt_c else "",
            **{f"track_confidence{s}": "" if p is None or p.confidence is None else round(p.confidence, 4)
               for s, p in zip(("_rule_off", "_run_rule", ""), pts)},
            "track_caution": (pt_c.caution or "")[:40] if pt_c else "",
            "flight_share": "" if share_of.get(qid) is None else round(share_of[qid], 3),
            "run_share": "" if run_share is None else round(run_share, 3),
            "error_m": "" if a.error_m is None else round(a.error_m, 1),
            "track_error_m": "" if pt_c is None or pt_c.error_m is None else round(pt_c.error_m, 1),
            "radius_m": round(_tile_radius_m(a.top.tile), 1) if a.matches else "",
        })
    return rows


def locate_table(rows: list[dict]) -> str:
    """Markdown per (run, flight): frames, share verified, and the most any unverified frame's answer and
    any non-verified track Point claims: rule off / run rule / run + flight rule; right = Point within
    its radius (truth scores only)."""
    lines = ["| run | tiles | flight | frames | flight share verified | run share | max answer (unverified): off / run / run+flight "
             "| max track Point (not verified): off / run / run+flight | track Points right | caution on |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["label"], r["tiles"], r["flight"]), []).append(r)
    for (label, tiles, flight), rs in groups.items():
        unv = [r for r in rs if r["status"] == "retrieved"]
        nv = [r for r in rs if r["track_status"] not in ("matched", "corrected", "flagged", "not located", "")]

        def most(rs_, key):
            vals = [float(r[key]) for r in rs_ if r[key] != ""]
            return f"{max(vals):.3f}" if vals else "-"

        right = [r for r in rs if r["track_error_m"] != "" and r["radius_m"] != ""]
        ok = sum(float(r["track_error_m"]) <= float(r["radius_m"]) for r in right)
        lines.append(f"| {label} | {tiles} | {flight or '(none)'} | {len(rs)} | {'-' if rs[0]['flight_share'] == '' else rs[0]['flight_share']} | "
                     f"{rs[0]['run_share']} | {most(unv, 'confidence_rule_off')} / {most(unv, 'confidence_run_rule')} / "
                     f"{most(unv, 'confidence')} | {most(nv, 'track_confidence_rule_off')} / "
                     f"{most(nv, 'track_confidence_run_rule')} / {most(nv, 'track_confidence')} | "
                     f"{ok} of {len(right)} | {sum(bool(r['track_caution']) for r in rs)} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chunks", action="store_true", help="the windows table from committed records")
    ap.add_argument("--locate", action="store_true", help="locate --flight(s) against --tiles (heavy)")
    ap.add_argument("--flight", type=Path, action="append", default=[], help="a video or a folder of timed photos")
    ap.add_argument("--tiles", type=Path)
    ap.add_argument("--label", default="run")
    ap.add_argument("--cache-dir", type=Path)
    ap.add_argument("--out", type=Path, help="CSV of frames (appended to; --locate), or read for the table")
    args = ap.parse_args(argv)
    if args.chunks:
        print(chunk_table())
    if args.locate:
        if not args.flight or args.tiles is None or args.out is None:
            ap.error("--locate needs --flight, --tiles and --out")
        rows = locate_rows(args.label, args.flight, args.tiles, args.cache_dir)
        new = not args.out.exists()
        with args.out.open("a", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=FIELDS)
            if new:
                w.writeheader()
            w.writerows(rows)
        print(locate_table(rows))
    elif args.out is not None and args.out.exists():
        with args.out.open(newline="") as fh:
            print(locate_table(list(csv.DictReader(fh))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
