"""Photos taken outside the tiles: what does the answer say about them, and can anything label-free
tell "the place is not in these tiles" from "in the tiles but unverified"?

Locates the photos of one region against another region's tiles (every answer is then wrong: the
two regions are hundreds or thousands of km apart), or against their own (a pair X:X, kind "in"),
through the product's own path (pipeline.Workspace, frozen features, SIFT verification, default
settings). One row per photo: status, top cosine, cosine margin, confidence (with
core/outside_tiles.py's job rule, and without it: confidence_rule_off), the most inliers of any
verification attempt, and the tile set's own cosine scale (tile_self: the median over tiles of each
tile's best cosine to a tile that does not agree with it spatially, frozen features; label-free). Truth
is used for scoring only (the `right` column).

  PYTHONPATH=. python training/outregion.py --pair data/benchmark/vegas:data/benchmark/rotterdam \\
      --photos 40 --cache-dir /tmp/outregion33/cache --out training/results/outregion_records.csv

A pair is QUERIES:TILES, where QUERIES is a region folder or a folder of photos (/work/shared/real-dji)
and TILES a region folder or imagery load_tileset reads (a GeoTIFF orthophoto). Rows are appended to
--out (its header written once).
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.pipeline import Settings, Workspace  # noqa: E402
from geolocator.core.queries import is_region_folder, load_queries, load_region  # noqa: E402
from geolocator.core.outside_tiles import with_job_evidence  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402

FIELDS = ["queries", "tiles", "kind", "query", "status", "confidence", "confidence_rule_off", "top_score", "cosine_margin",
          "candidate_inliers", "top_inliers", "right", "error_m", "tile_self", "caution"]


def tile_self_cosine(features: np.ndarray, tiles) -> float:
    """Median over tiles of each tile's best cosine (first view against every view) to a tile that does
    not agree with it (predict._agrees): the cosine at which two different places of this tile set
    look alike. `features`: (N, V, D) or (N, D), L2-normalised."""
    f = np.asarray(features, dtype=np.float32)
    first = f[:, 0] if f.ndim == 3 else f
    every = f if f.ndim == 3 else f[:, None]
    sims = np.einsum("nd,mvd->nmv", first, every).max(axis=2)
    best = []
    for i, t in enumerate(tiles):
        others = [sims[i, j] for j, u in enumerate(tiles) if j != i and not P._agrees(t, u)]
        if others:
            best.append(max(others))
    return float(np.median(best)) if best else math.nan


def rows_for(queries_path: Path, tiles_path: Path, photos: int | None, cache_dir: Path | None) -> list[dict]:
    from compare_matchers import subsample

    tileset = load_tileset(tiles_path)  # a region folder, or imagery (a GeoTIFF orthophoto, ...)
    if is_region_folder(queries_path):
        queries = load_region(queries_path).queries
    else:
        queries = load_queries(queries_path, on_skip=lambda p, why: None)
    queries = subsample(queries, photos)
    # the job rule (core/outside_tiles.py) applied here, after a locate without it: both figures recorded
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir, job_evidence=False))
    ws.open_tiles(tileset)
    rule_off = ws.locate(queries)
    predictions = with_job_evidence(rule_off)
    tile_self = tile_self_cosine(ws.index(), tileset.tiles)
    kind = "in" if queries_path.resolve() == tiles_path.resolve() else "out"
    rows = []
    for p, off in zip(predictions, rule_off):
        radius = P._tile_radius_m(p.top.tile)
        err = p.error_m
        rows.append({
            "queries": queries_path.name, "tiles": tiles_path.name, "kind": kind, "query": p.query.id,
            "status": p.status, "confidence": round(p.confidence, 4),
            "confidence_rule_off": round(off.confidence, 4), "top_score": round(p.top.score, 4),
            "cosine_margin": round(P.cosine_margin(p.matches), 4),
            "candidate_inliers": max((m.inliers or 0 for m in p.matches), default=0),
            "top_inliers": p.top.inliers or 0,
            "right": "" if err is None else int(kind == "in" and err <= radius),
            "error_m": "" if err is None else round(err, 1), "tile_self": round(tile_self, 4),
            "caution": p.caution or "",
        })
    return rows


def _load(path: Path) -> list[dict]:
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def in_region_rows(calibration_csv: Path) -> list[dict]:
    """The in-region records of training/calibration.py (calibration_records.csv) that hold the same
    fields: frozen features, plain SIFT, every region but the "+altitude" copies (the same photos); their
    confidence as recorded (confidence_rule_off) and with the job rule applied per region (confidence)."""
    out = []
    for r in _load(calibration_csv):
        if r["mode"] != "frozen" or r["matcher"] != "sift" or "+altitude" in r["region"] or r["top_score"] == "nan":
            continue
        out.append({"queries": r["region"], "tiles": r["region"], "kind": "in", "query": r["query"],
                    "status": r["status"], "confidence": r["confidence"], "top_score": r["top_score"],
                    "cosine_margin": r["cosine_margin"], "candidate_inliers": r["candidate_inliers"],
                    "right": str(int(float(r["right"])))})
    from geolocator.core.outside_tiles import OUTSIDE_CEILING, OUTSIDE_SHARE_BAR

    jobs: dict[str, list[dict]] = {}
    for r in out:  # recorded without the job rule: both figures, as rows_for records them
        r["confidence_rule_off"] = r["confidence"]
        jobs.setdefault(r["queries"], []).append(r)
    for rs in jobs.values():
        if sum(r["status"] == "verified" and float(r["confidence"]) >= 0.5 for r in rs) / len(rs) < OUTSIDE_SHARE_BAR:
            for r in rs:
                if r["status"] == "retrieved":
                    r["confidence"] = str(min(float(r["confidence"]), OUTSIDE_CEILING))
    return out


def report(out_rows: list[dict], in_rows: list[dict]) -> str:
    """Markdown: per job (queries x tiles) its share verified and the spread of each signal; then per
    photo signal, thresholds "flag an unverified answer when the signal is below t": out-of-region
    unverified answers caught against in-region unverified answers flagged and right ones among them lost."""
    lines = ["| queries | tiles | kind | photos | verified | share verified | top cosine (min-median-max) | "
             "cosine margin (median) | max confidence of unverified: rule off / on |", "|---|---|---|---|---|---|---|---|---|"]
    jobs: dict[tuple, list[dict]] = {}
    for r in out_rows + in_rows:
        jobs.setdefault((r["queries"], r["tiles"], r["kind"]), []).append(r)
    for (q, t, kind), rs in jobs.items():
        ver = sum(r["status"] == "verified" for r in rs)
        top = np.array([float(r["top_score"]) for r in rs])
        unv = [float(r["confidence"]) for r in rs if r["status"] == "retrieved"]
        off = [float(r.get("confidence_rule_off") or r["confidence"]) for r in rs if r["status"] == "retrieved"]
        lines.append(f"| {q} | {t} | {kind} | {len(rs)} | {ver} | {ver / len(rs):.2f} | {top.min():.3f}-"
                     f"{np.median(top):.3f}-{top.max():.3f} | {np.median([float(r['cosine_margin']) for r in rs]):.2f} | "
                     f"{max(off, default=0):.3f} / {max(unv, default=0):.3f} |")
    out_u = [r for r in out_rows if r["status"] == "retrieved"]
    in_u = [r for r in in_rows if r["status"] == "retrieved"]
    in_right = [r for r in in_u if r["right"] == "1"]
    lines += ["", f"Out-of-region answers: {len(out_rows)}, {len(out_rows) - len(out_u)} not unverified "
              f"(verified or not located); in-region unverified answers: {len(in_u)}, {len(in_right)} right.", ""]
    for field, cuts in (("top_score", (0.45, 0.5, 0.55, 0.6, 0.65, 0.7)), ("cosine_margin", (0.25, 0.5, 0.75, 0.99)),
                        ("candidate_inliers", (1, 3, 5, 7))):
        lines += ["", f"Flag an unverified answer when `{field}` < t:", "",
                  "| t | out-of-region caught | in-region unverified flagged | in-region right answers lost |",
                  "|---|---|---|---|"]
        for t in cuts:
            caught = sum(float(r[field]) < t for r in out_u)
            flagged = sum(float(r[field]) < t for r in in_u)
            lost = sum(float(r[field]) < t for r in in_right)
            lines.append(f"| {t:g} | {caught} of {len(out_u)} | {flagged} of {len(in_u)} | {lost} of {len(in_right)} |")
    lines += job_rule(jobs)
    return "\n".join(lines) + "\n"


def job_rule(jobs: dict[tuple, list[dict]], sizes=(1, 2, 4, 8, 16, 40), draws: int = 2000, seed: int = 0) -> list[str]:
    """The job-level signal (core/outside_tiles.py): jobs whose share verified is below a bar, out of
    region and in; then, for in-region photos located in small jobs (`draws` random draws of `sizes`
    photos from one in-region job, numpy seed `seed`), how often such a job falls below the bar and
    how many of its right unverified answers are then capped (claimed more than the ceiling before)."""
    from geolocator.core.outside_tiles import OUTSIDE_CEILING, OUTSIDE_SHARE_BAR

    def share(rs):
        return sum(r["status"] == "verified" and float(r["confidence"]) >= 0.5 for r in rs) / len(rs)

    lines = ["", "Flag a job (its unverified answers) when its share verified (shown verified, confidence >= 0.5) < t:", "",
             "| t | out-of-region jobs caught | out-of-region unverified answers caught | in-region jobs flagged | "
             "in-region right unverified answers capped |", "|---|---|---|---|---|"]
    outs = [rs for (q, t, k), rs in jobs.items() if k == "out"]
    ins = [rs for (q, t, k), rs in jobs.items() if k == "in"]
    for bar in (0.05, 0.1, 0.25, 0.5):
        o = [rs for rs in outs if share(rs) < bar]
        i = [rs for rs in ins if share(rs) < bar]
        lost = sum(r["status"] == "retrieved" and r["right"] == "1" and float(r["confidence_rule_off"]) > OUTSIDE_CEILING
                   for rs in i for r in rs)
        right = sum(r["status"] == "retrieved" and r["right"] == "1" for rs in ins for r in rs)
        lines.append(f"| {bar:g} | {len(o)} of {len(outs)} | {sum(r['status'] == 'retrieved' for rs in o for r in rs)} of "
                     f"{sum(r['status'] == 'retrieved' for rs in outs for r in rs)} | {len(i)} of {len(ins)} | {lost} of {right} |")
    rng = np.random.default_rng(seed)
    lines += ["", f"In-region photos located in small jobs (random draws of n photos from each in-region job, "
              f"{draws} a size), bar {OUTSIDE_SHARE_BAR:g}: share of jobs below it, and right unverified answers "
              f"capped to {OUTSIDE_CEILING} per 100 photos:", "",
              "| job | " + " | ".join(f"n={n}" for n in sizes) + " |", "|---|" + "---|" * len(sizes)]
    for rs in ins:
        cells = []
        for n in sizes:
            if n > len(rs):
                cells.append("-")
                continue
            below = capped = 0
            for _ in range(draws):
                pick = [rs[i] for i in rng.choice(len(rs), n, replace=False)]
                if share(pick) < OUTSIDE_SHARE_BAR:
                    below += 1
                    capped += sum(r["status"] == "retrieved" and r["right"] == "1"
                                  and float(r["confidence_rule_off"]) > OUTSIDE_CEILING for r in pick)
            cells.append(f"{100 * below / draws:.0f} % / {100 * capped / (draws * n):.1f}")
        lines.append(f"| {rs[0]['queries']} | " + " | ".join(cells) + " |")
    return lines


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", action="append", default=[], help="QUERIES:TILES (folders)")
    ap.add_argument("--report", type=Path, help="print the tables of these records (--out) beside the in-region "
                    "records of this calibration_records.csv, locating nothing")
    ap.add_argument("--photos", type=int, default=40, help="evenly spaced photos per pair (0: all)")
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    if args.report:
        rows = _load(args.out)
        print(report([r for r in rows if r["kind"] == "out"], [r for r in rows if r["kind"] == "in"]
                     + in_region_rows(args.report)))
        return 0
    for pair in args.pair:
        q, t = pair.split(":")
        rows = rows_for(Path(q), Path(t), args.photos or None, args.cache_dir)
        new = not args.out.exists()
        with args.out.open("a", newline="") as fh:
            w = csv.DictWriter(fh, FIELDS)
            if new:
                w.writeheader()
            w.writerows(rows)
        st = [r["status"] for r in rows]
        print(f"{pair}: {len(rows)} photos, {st.count('verified')} verified, "
              f"median conf {np.median([r['confidence'] for r in rows]):.3f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
