"""Does the confidence mean what it says? Locate every photo of the demo and the public benchmark
regions (truth used only to score), then report how often a photo shown with confidence >= 0.9 is
right, a reliability diagram, and which unverified estimate (weighted mean or tile centre) is
closer to the truth.

"Right" means the exported Point lies within the top tile's half-diagonal of the truth: the answer
names the right place (a verified photo is then typically within a metre or two).

  python training/make_public_benchmark.py            # data/benchmark/{vegas,rotterdam}
  python training/calibration.py [--modes frozen best] [--fit]
  python training/calibration.py --matcher xfeat:mosaic=1,mosaic_once=1,widen=49 --photos 42 --merge ...

Each record names its matcher (spec as compare_matchers.py spells it); --fit prints one table per
confidence_tables.table_key (backend, and "+mosaic" through mosaics) with at least MIN_FIT_VERIFIED
verified records, and the report scores each matcher held out with its own table.

Writes training/results/calibration.md, calibration.png (matplotlib, the `dev` extra) and
calibration_records.csv (one row per photo and mode: the evidence confidence is computed from, so
the curve can be refitted with --from-records without locating again). --fit prints the tables
for core/confidence_tables.py fitted on the records (and SIFT's maximum-likelihood logistic).
"""

from __future__ import annotations

import argparse
import csv
import math
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from geolocator.core import predict as P
from geolocator.core.confidence_tables import (UNCALIBRATED_CEILING, VERIFIED_MARGINS, VERIFIED_RIGHT, table_key,
                                               verified_table)
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED
from geolocator.core.pipeline import Settings, Workspace
from geolocator.core.queries import load_region

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "training/results"
DEFAULT_REGIONS = [ROOT / "resources/demo", ROOT / "data/benchmark/vegas", ROOT / "data/benchmark/rotterdam"]
FIELDS = ["region", "mode", "matcher", "query", "status", "source", "inliers", "inlier_margin", "cosine_margin", "confidence",
          "right", "error_m", "weighted_error_m", "tile_error_m", "radius_m", "top_score", "candidate_inliers",
          "footprint_ratio"]
BINS = np.linspace(0.0, 1.0, 11)
# calibration.md from this line on is written by hand (commands, times, load of the runs) and kept
# when the generated part above it is written again
KEPT = "<!-- written by hand below: kept by training/calibration.py -->"


def records_for(path: Path, modes: list[str], cache_dir: Path | None, altitude: bool = False,
                steps: int | None = None, matcher: str = "sift", photos: int | None = None) -> list[dict]:
    """One row per photo with truth and per mode, frozen first. One Workspace serves every mode:
    its verifier keeps each photo-tile result, so the adapted locate verifies only new pairs
    (the results are those of a fresh Workspace: a pair's verification does not depend on the
    ranking that proposed it). `altitude`: the photos carry the flight metadata poses.csv implies
    (compare_footprint_scale.with_flight_altitude); the region is named "<name>+altitude".
    `matcher`: the verifying backend with optional settings, spelt as compare_matchers.py's
    (`xfeat:mosaic=1,mosaic_once=1,widen=49`); `photos`: locate an evenly spaced subsample of this
    many photos (slow learned matchers; adaptation still sees them all)."""
    region = load_region(path)
    if altitude:
        from compare_footprint_scale import with_flight_altitude  # training/ is on sys.path as a script

        region = replace(region, queries=with_flight_altitude(path, region.queries))
    from compare_matchers import parse_matcher, subsample  # training/ is on sys.path as a script

    name, overrides = parse_matcher(matcher)
    widen = overrides.pop("widen", None)
    ws = Workspace(Settings(backbone="efficientnet_lite0", cache_dir=cache_dir, matcher=name, verify_widen=widen,
                            adapter_dir=Path(tempfile.mkdtemp(prefix="geolocator-calibration-"))))  # not kept
    ws.open_tiles(region.tiles)  # drops the verifier: its settings are set after
    ws.verifier.settings = replace(ws.verifier.settings, **overrides)
    scored = subsample(region.queries, photos)
    rows = []
    for mode in sorted(modes, key=lambda m: m != "frozen"):
        if mode == "best":
            ws.adapt(region.queries, mode="best", seed=0, steps=steps)
        rows += _rows(path.name + ("+altitude" if altitude else ""), mode, ws.locate(scored), matcher)
        print(f"{path.name} {mode}: {len(rows)} photos so far", flush=True)
    shutil.rmtree(ws.settings.adapter_dir, ignore_errors=True)
    return rows


def _rows(name: str, mode: str, predictions, matcher: str = "sift") -> list[dict]:
    rows = []
    for p in predictions:
        if p.query.truth is None:
            continue
        radius = P._tile_radius_m(p.top.tile)
        rows.append({
            "region": name, "mode": mode, "matcher": matcher, "query": p.query.id, "status": p.status, "source": p.location_source,
            "inliers": p.top.inliers or 0, "inlier_margin": P.inlier_margin(p.matches),
            "cosine_margin": round(P.cosine_margin(p.matches), 4), "confidence": round(p.confidence, 4),
            "right": int(p.error_m <= radius), "error_m": round(p.error_m, 2),
            "weighted_error_m": round(p.weighted_error_m, 2), "tile_error_m": round(p.tile_error_m, 2),
            "radius_m": round(radius, 2), "top_score": round(p.top.score, 4),
            # the most inliers any verified candidate reached (below min_inliers when unverified)
            "candidate_inliers": max((m.inliers or 0 for m in p.matches), default=0),
            "footprint_ratio": round(P.footprint_ratio(p.query, p.top.tile) or math.nan, 3),
        })
    return rows


def fit_logistic(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (midpoint, slope) of P(y=1 | x) = 1 / (1 + exp(-slope (x - midpoint))), by
    Newton's method on the two-parameter logistic regression (small, well-conditioned)."""
    w = np.zeros(2)
    X = np.c_[np.ones_like(x), x]
    for _ in range(50):
        p = 1 / (1 + np.exp(-(X @ w)))
        grad = X.T @ (y - p)
        hess = X.T @ (X * (p * (1 - p))[:, None]) + 1e-6 * np.eye(2)
        w = w + np.linalg.solve(hess, grad)
    slope = w[1]
    return float(-w[0] / slope), float(slope)


MARGIN_EDGES = [8, 10, 12, 14, 16, 20, 10_000]
# A learned backend (xfeat + LighterGlue) counts several times SIFT's inliers on the same pair
# (right coarse matches 41-157, wrong ones 9-26: training/results/coarse.md), so its buckets span more.
LEARNED_MARGIN_EDGES = [8, 16, 24, 32, 40, 48, 64, 96, 10_000]
# A table key with fewer verified records than this gets no table (--fit says so): it stays
# uncalibrated (confidence_tables.UNCALIBRATED_CEILING), never >= 0.9.
MIN_FIT_VERIFIED = 100


# Buckets of the cosine margin (predict.cosine_margin) for the unverified table: the last holds the
# clear wins (a margin clipped at 1: the top tile beat every rival by FULL_COSINE_MARGIN or more).
UNVERIFIED_MARGIN_EDGES = [0.0, 0.25, 0.5, 0.75, 1.0, 1.0001]


def unverified_fit_records(rows: list[dict]) -> list[dict]:
    """The records confidence_tables' UNVERIFIED table is fitted on: answers nothing verified
    (status retrieved, any matcher: the unverified confidence does not depend on it) whose photo's
    footprint is unknown or more than predict.SMALL_FOOTPRINT_RATIO of the tile (a known-small
    photo is scored by SMALL_FOOTPRINT_CEILING; every "+altitude" region's photos are such copies)."""
    return [r for r in rows if r["status"] not in (STATUS_VERIFIED, STATUS_NOT_LOCATED)
            and not float(r.get("footprint_ratio") or math.nan) <= P.SMALL_FOOTPRINT_RATIO]


def fit_unverified_table(x: np.ndarray, y: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The table confidence_tables.unverified_share interpolates: per cosine-margin bucket
    (UNVERIFIED_MARGIN_EDGES) holding any record, its mean margin (rounded to 0.001) and its share
    right smoothed by Laplace's rule of succession, made non-decreasing by isotonic regression
    weighted by the bucket's count (scipy.optimize.isotonic_regression: pool adjacent violators; a
    running maximum would lift a bucket above what it measured), after a set point (0, 0): a margin of
    0 is no win at all (one candidate, or a rival as close), so no claim (none of the records had one;
    2 of the 50 with a margin up to 0.1 were right). x: margins in [0, 1]; y: 1 right, 0 wrong."""
    from scipy.optimize import isotonic_regression

    means, rates, counts = [], [], []
    for lo, hi in zip(UNVERIFIED_MARGIN_EDGES[:-1], UNVERIFIED_MARGIN_EDGES[1:]):
        inside = (x >= lo) & (x < hi)
        if inside.any():
            means.append(round(float(x[inside].mean()), 3))
            rates.append(float((y[inside].sum() + 1) / (inside.sum() + 2)))
            counts.append(float(inside.sum()))
    fitted = isotonic_regression(rates, weights=counts, increasing=True).x
    return (0.0, *means), (0.0, *(round(float(r), 3) for r in fitted))


def record_confidence(r: dict) -> float:
    """The confidence the current predict.py gives a record's evidence (as located now): 0 not
    located; verified by its matcher's table at its inlier margin; else unverified_confidence of
    its cosine margin and footprint ratio (the records hold no low-texture flag)."""
    if r["status"] == STATUS_NOT_LOCATED:
        return 0.0
    if r["status"] == STATUS_VERIFIED:  # the table of the matcher that verified it
        return P.verified_confidence(float(r["inlier_margin"]), row_key(r.get("matcher") or "sift"))
    ratio = float(r.get("footprint_ratio") or math.nan)
    return P.unverified_confidence(float(r["cosine_margin"]), None if math.isnan(ratio) else ratio)


def job_share(rows: list[dict]) -> float | None:
    """outside_tiles.verified_share of one job's records: the share of its located photos verified at a
    confidence of model.WEAK_BELOW or more (shown as verified); None when none is located."""
    from geolocator.core.model import WEAK_BELOW

    located = [r for r in rows if r["status"] != STATUS_NOT_LOCATED]
    if not located:
        return None
    return sum(r["status"] == STATUS_VERIFIED and r["confidence"] >= WEAK_BELOW for r in located) / len(located)


def jobs_of(rows: list[dict]) -> dict[tuple, list[dict]]:
    """The records by job: one locate of a region's photos (region, mode, matcher), as the product ran it."""
    jobs: dict[tuple, list[dict]] = {}
    for r in rows:
        jobs.setdefault((r["region"], r["mode"], r.get("matcher") or "sift"), []).append(r)
    return jobs


def apply_job_evidence(rows: list[dict]) -> None:
    """In place: each record's confidence as core/outside_tiles.with_job_evidence leaves it (what
    Workspace.locate does after predict): in a job whose job_share is below OUTSIDE_SHARE_BAR, an
    unverified answer claims at most OUTSIDE_CEILING. `confidence` must already be record_confidence's."""
    from geolocator.core.model import STATUS_RETRIEVED
    from geolocator.core.outside_tiles import OUTSIDE_CEILING, OUTSIDE_SHARE_BAR

    for job in jobs_of(rows).values():
        share = job_share(job)
        if share is not None and share < OUTSIDE_SHARE_BAR:
            for r in job:
                if r["status"] == STATUS_RETRIEVED:
                    r["confidence"] = min(r["confidence"], OUTSIDE_CEILING)


def row_key(spec: str) -> str:
    """The confidence table (confidence_tables.table_key) of a record's matcher spec
    ('xfeat:mosaic=1,widen=49' -> 'xfeat+mosaic'; 'sift' -> 'sift')."""
    name, _, options = (spec or "sift").partition(":")
    mosaic = dict(item.split("=", 1) for item in options.split(",") if item).get("mosaic", "0")
    return table_key(name, int(mosaic))


def edges_for(key: str) -> list[int]:
    """Buckets of a table key: SIFT's counts (with or without mosaics) or a learned backend's."""
    return MARGIN_EDGES if key.split("+")[0] == "sift" else LEARNED_MARGIN_EDGES


def fit_table(x: np.ndarray, y: np.ndarray, edges: list[int] = MARGIN_EDGES) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The calibration table confidence_tables.verified_confidence interpolates: per inlier-margin
    bucket (`edges`: MARGIN_EDGES for SIFT, LEARNED_MARGIN_EDGES for a learned backend), its mean margin and its rate of being right smoothed by Laplace's rule of
    succession ((right + 1) / (n + 2)), made non-decreasing. Wrong verified answers are rare (3 of
    456 when measured), so a maximum-likelihood logistic (fit_logistic) is driven by three points
    and puts a 9-inlier answer at 0.93; the smoothed buckets stay honest where photos are few."""
    margins, rates = bucket_rates(x, y, edges)
    rates = list(np.maximum.accumulate(rates))
    return tuple(margins), tuple(round(float(r), 3) for r in rates)  # floats: printed for predict.py, no np.float64(…)


def bucket_rates(x: np.ndarray, y: np.ndarray, edges) -> tuple[list[float], list[float]]:
    """Per bucket [edges[i], edges[i+1]) of x holding any record: its mean x (rounded to 0.1) and
    its share of y = 1 (right) smoothed by Laplace's rule of succession, (right + 1) / (n + 2)."""
    means, rates = [], []
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (x >= lo) & (x < hi)
        if inside.sum() == 0:
            continue
        means.append(round(float(x[inside].mean()), 1))
        rates.append(float((y[inside].sum() + 1) / (inside.sum() + 2)))
    return means, rates


def reliability(conf: np.ndarray, right: np.ndarray) -> list[tuple[float, float, float, int]]:
    """(bin low, bin high, share right, count) over BINS; the last bin includes 1.0."""
    out = []
    for lo, hi in zip(BINS[:-1], BINS[1:]):
        inside = (conf >= lo) & ((conf < hi) | (hi == 1.0))
        out.append((lo, hi, float(right[inside].mean()) if inside.any() else math.nan, int(inside.sum())))
    return out


def confident_precision(conf: np.ndarray, right: np.ndarray, at: float = 0.9) -> tuple[float | None, int]:
    sel = conf >= at
    return (float(right[sel].mean()) if sel.any() else None), int(sel.sum())


def held_out_table(train: list[dict], key: str) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """The table `key`'s verified records in `train` fit (margin 0 starts it, as in
    confidence_tables), or None with fewer than MIN_FIT_VERIFIED of them (uncalibrated)."""
    v = [r for r in train if r["status"] == STATUS_VERIFIED and row_key(r["matcher"]) == key]
    if len(v) < MIN_FIT_VERIFIED:
        return None
    margins, rates = fit_table(np.array([r["inlier_margin"] for r in v], float),
                               np.array([r["right"] for r in v], float), edges_for(key))
    return with_start(margins, rates)


def with_start(margins: tuple, rates: tuple) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The table confidence_tables keeps: margin 0 first, at the 0.25 set for it (SIFT's
    VERIFIED_RIGHT[0]) or the first measured share where that is lower (never falling)."""
    return (0.0, *margins), (min(VERIFIED_RIGHT[0], *rates[:1]), *rates)


def table_confidence(r: dict, table: tuple | None) -> float:
    """A record's confidence with `table` for its verified photos (None: uncalibrated, SIFT's
    table capped as confidence_tables.verified_confidence does); other photos keep theirs."""
    if r["status"] != STATUS_VERIFIED:
        return r["confidence"]
    if table is None:
        return min(float(np.interp(r["inlier_margin"], VERIFIED_MARGINS, VERIFIED_RIGHT)), UNCALIBRATED_CEILING)
    return float(np.interp(r["inlier_margin"], *table))


def held_out(rows: list[dict], matcher: str = "sift") -> list[str]:
    """Leave one region out: the table of the records' key fitted on the other regions' verified
    photos (both modes; records of every matcher spec with the same table key), scored on this
    one's records of `matcher`, per mode (unverified and not-located photos keep their confidence)."""
    lines = ["", f"## Held out: the table fitted without the region it is scored on ({matcher})", "",
             "| region | mode | photos | conf >= 0.9 | right among them | wrong shown >= 0.9 |", "|---|---|---|---|---|---|"]
    key = row_key(matcher)
    mine = [r for r in rows if r["matcher"] == matcher]
    for region in sorted({r["region"] for r in mine}):
        train = [r for r in rows if r["region"] != region]
        if key == "sift" and not any(r["status"] == STATUS_VERIFIED and row_key(r["matcher"]) == key for r in train):
            continue
        table = held_out_table(train, key)
        for mode in sorted({r["mode"] for r in mine}):
            test = [r for r in mine if r["region"] == region and r["mode"] == mode]
            if not test:
                continue
            conf = np.array([table_confidence(r, table) for r in test])
            right = np.array([r["right"] for r in test], float)
            prec, n = confident_precision(conf, right)
            wrong = int(((conf >= 0.9) & (right == 0)).sum())
            lines.append(f"| {region} | {mode} | {len(test)} | {n} | {'-' if prec is None else f'{100 * prec:.1f} %'} | {wrong} |")
    return lines


def reliability_table(rows: list[dict], title: str) -> list[str]:
    conf = np.array([r["confidence"] for r in rows], float)
    right = np.array([r["right"] for r in rows], float)
    lines = ["", f"## Reliability diagram ({title})", "", "| confidence | photos | right |", "|---|---|---|"]
    for lo, hi, share, cnt in reliability(conf, right):
        lines.append(f"| {lo:.1f}-{hi:.1f} | {cnt} | {'-' if cnt == 0 else f'{100 * share:.1f} %'} |")
    return lines


def report(rows: list[dict], seconds: float | None) -> str:
    everything, rows = rows, [r for r in rows if r["matcher"] == "sift"]  # SIFT first; other matchers after
    if not rows:
        return "\n".join(["# Confidence calibration", "", "No SIFT records.", *matcher_sections(everything)]) + "\n"
    lines = ["# Confidence calibration", "",
             "Every photo of the demo and the public benchmark regions located by the product pipeline "
             "(EfficientNet-Lite0, verification on, SIFT; `best` = adapted with mode best, seed 0; other matchers: "
             "their own section below). Right: the exported "
             "Point within the top tile's half-diagonal of the truth. Truth is used only to score. "
             "Regenerate: `python training/calibration.py` "
             + ("(re-scored from calibration_records.csv with the current predict.py)." if seconds is None
                else f"({seconds:.0f} s on 2 shared cores)."), "",
             "## How often a confident answer is right", "",
             "| region | mode | photos | conf >= 0.9 | right among them | right overall | median error (m) | "
             "within 5 m | not located | ECE |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    modes = sorted({r["mode"] for r in rows})
    groups = sorted({(r["region"], r["mode"]) for r in rows}) + [("all", m) for m in modes if len(modes) > 1] + [("all", "all")]
    for region, mode in groups:
        sel = [r for r in rows if (region == "all" or r["region"] == region) and (mode == "all" or r["mode"] == mode)]
        c = np.array([r["confidence"] for r in sel], float)
        y = np.array([r["right"] for r in sel], float)
        prec, n = confident_precision(c, y)
        bins = reliability(c, y)
        ece = sum(cnt * abs(share - (lo + hi) / 2) for lo, hi, share, cnt in bins if cnt) / max(len(sel), 1)
        # ECE against bin mean confidence rather than the bin middle
        ece = sum(abs(y[(c >= lo) & ((c < hi) | (hi == 1.0))].mean() - c[(c >= lo) & ((c < hi) | (hi == 1.0))].mean()) * cnt
                  for lo, hi, _, cnt in bins if cnt) / max(len(sel), 1)
        nl = sum(r["status"] == STATUS_NOT_LOCATED for r in sel)
        err = np.array([r["error_m"] for r in sel], float)
        lines.append(f"| {region} | {mode} | {len(sel)} | {n} | {'-' if prec is None else f'{100 * prec:.1f} %'} | "
                     f"{100 * y.mean():.1f} % | {np.median(err):.2f} | {100 * np.mean(err <= 5.0):.1f} % | {nl} | "
                     f"{ece:.3f} |")
    lines += held_out(rows)
    for mode in sorted({r["mode"] for r in rows}):
        lines += reliability_table([r for r in rows if r["mode"] == mode], f"{mode}, all regions")
    lines += reliability_table(rows, "all photos")
    unverified = [r for r in rows if r["status"] != STATUS_VERIFIED and r["status"] != STATUS_NOT_LOCATED]
    small = [r for r in unverified if r.get("footprint_ratio", math.nan) <= P.SMALL_FOOTPRINT_RATIO]
    lines += ["", "Unverified photos are scored by the measured share right at their cosine margin "
              "(confidence_tables.UNVERIFIED_RIGHT), up to predict.retrieved_ceiling: "
              f"{P.RETRIEVED_CEILING}, or {P.SMALL_FOOTPRINT_CEILING} when the metadata footprint spans at most "
              f"{P.SMALL_FOOTPRINT_RATIO} of the tile's width (regions `+altitude`: the photos carry the flight "
              "metadata their poses.csv implies, compare_footprint_scale.with_flight_altitude)."]
    lines += reliability_table([r for r in unverified if r not in small], "unverified, footprint unknown or larger")
    lines += reliability_table(small, f"unverified, metadata footprint <= {P.SMALL_FOOTPRINT_RATIO} tile")
    lines += ["", "![reliability diagram](calibration.png)", "",
              "## Which estimate for an unverified photo", "",
              "Median error (m) of the two candidates for the Point when geometry verified nothing "
              "(predict.UNVERIFIED_SOURCE):", "",
              "| region | mode | unverified photos | similarity-weighted | top tile centre | weighted closer |",
              "|---|---|---|---|---|---|"]
    for region, mode in groups:
        sel = [r for r in rows if r["status"] != STATUS_VERIFIED and (region == "all" or r["region"] == region)
               and (mode == "all" or r["mode"] == mode)]
        if not sel:
            continue
        wv = np.array([r["weighted_error_m"] for r in sel], float)
        tv = np.array([r["tile_error_m"] for r in sel], float)
        lines.append(f"| {region} | {mode} | {len(sel)} | {np.median(wv):.1f} | {np.median(tv):.1f} | "
                     f"{100 * np.mean(wv < tv):.0f} % |")
    verified = [r for r in rows if r["status"] == STATUS_VERIFIED]
    if verified:
        lines += ["", "## Verified photos by inlier margin", "", "| inlier margin | photos | right |", "|---|---|---|"]
        edges = [-1000, 0, 4, 8, 12, 16, 24, 32, 64, 10_000]
        for lo, hi in zip(edges[:-1], edges[1:]):
            sel = [r for r in verified if lo <= r["inlier_margin"] < hi]
            if sel:
                lines.append(f"| {lo if lo > -1000 else '< 0'}..{hi - 1 if hi < 10_000 else ''} | {len(sel)} | "
                             f"{100 * np.mean([r['right'] for r in sel]):.1f} % |")
    lines += matcher_sections(everything)
    return "\n".join(lines) + "\n"


def matcher_sections(rows: list[dict]) -> list[str]:
    """Per matcher spec other than plain SIFT: how often an answer shown >= 0.9 is right with the
    tables in confidence_tables (fitted on every region: in-sample) and held out, and its
    verified photos by inlier margin."""
    lines = []
    for spec in sorted({r["matcher"] for r in rows} - {"sift"}):
        mine = [r for r in rows if r["matcher"] == spec]
        key = row_key(spec)
        lines += ["", f"## Matcher `{spec}` (confidence table `{key}`"
                  + ("" if verified_table(key) else ": none measured, capped at "
                     f"{UNCALIBRATED_CEILING}") + ")", "",
                  "| region | mode | photos | verified | conf >= 0.9 | right among them | wrong shown >= 0.9 | right overall |",
                  "|---|---|---|---|---|---|---|---|"]
        for region, mode in sorted({(r["region"], r["mode"]) for r in mine}) + [("all", "all")]:
            sel = [r for r in mine if region in ("all", r["region"]) and mode in ("all", r["mode"])]
            c = np.array([r["confidence"] for r in sel], float)
            y = np.array([r["right"] for r in sel], float)
            prec, n = confident_precision(c, y)
            lines.append(f"| {region} | {mode} | {len(sel)} | {sum(r['status'] == STATUS_VERIFIED for r in sel)} | {n} | "
                         f"{'-' if prec is None else f'{100 * prec:.1f} %'} | {int(((c >= 0.9) & (y == 0)).sum())} | "
                         f"{100 * y.mean():.1f} % |")
        lines += held_out(rows, spec)
        verified = [r for r in mine if r["status"] == STATUS_VERIFIED]
        if verified:
            lines += ["", f"Verified photos of `{spec}` by inlier margin:", "",
                      "| inlier margin | photos | right |", "|---|---|---|"]
            edges = [-1000, 0, *LEARNED_MARGIN_EDGES]
            for lo, hi in zip(edges[:-1], edges[1:]):
                sel = [r for r in verified if lo <= r["inlier_margin"] < hi]
                if sel:
                    lines.append(f"| {lo if lo > -1000 else '< 0'}..{hi - 1 if hi < 10_000 else ''} | {len(sel)} | "
                                 f"{sum(r['right'] for r in sel):.0f} |")
    return lines


def plot(rows: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], "k--", lw=1, label="perfect calibration")
    for mode in sorted({r["mode"] for r in rows}):
        sel = [r for r in rows if r["mode"] == mode]
        c = np.array([r["confidence"] for r in sel], float)
        y = np.array([r["right"] for r in sel], float)
        pts = [(c[(c >= lo) & ((c < hi) | (hi == 1.0))].mean(), share, cnt) for lo, hi, share, cnt in reliability(c, y) if cnt]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-", label=f"{mode} ({len(sel)} photos)")
        for x, s, cnt in pts:
            ax.annotate(str(cnt), (x, s), fontsize=6, textcoords="offset points", xytext=(3, -8))
    ax.set_xlabel("confidence (bin mean)")
    ax.set_ylabel("share right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Reliability: demo + public regions")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", nargs="*", type=Path, default=DEFAULT_REGIONS)
    parser.add_argument("--modes", nargs="+", default=["frozen", "best"], choices=["frozen", "best"])
    parser.add_argument("--cache-dir", type=Path)
    parser.add_argument("--from-records", action="store_true", help="re-report the saved records, locating nothing")
    parser.add_argument("--merge", action="store_true", help="keep the saved records of the regions and modes not located now")
    parser.add_argument("--altitude", nargs="*", type=Path, default=[],
                        help="also these regions with the flight metadata their poses.csv implies (region '<name>+altitude')")
    parser.add_argument("--fit", action="store_true", help="print the verified-confidence logistic fitted on the records")
    parser.add_argument("--matcher", default="sift", help="verifying backend and settings, spelt as compare_matchers.py's "
                        "(e.g. xfeat:mosaic=1,mosaic_once=1,widen=49); recorded per row")
    parser.add_argument("--photos", type=int, help="locate an evenly spaced subsample of this many photos per region")
    parser.add_argument("--steps", type=int, help="adaptation steps of mode best (default: the adaptation's own)")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="folder for calibration.md, calibration.png and calibration_records.csv")
    args = parser.parse_args()

    results = args.results
    results.mkdir(parents=True, exist_ok=True)
    records_path = results / "calibration_records.csv"
    started = time.perf_counter()

    def saved_rows() -> list[dict]:
        with records_path.open() as f:
            rows = [{k: (v if k in ("region", "mode", "matcher", "query", "status", "source") else float(v))
                     for k, v in r.items()} for r in csv.DictReader(f)]
        for r in rows:  # records saved before the matcher column were all SIFT's
            r["matcher"] = r.get("matcher") or "sift"
        return rows

    if args.from_records:
        rows = saved_rows()
        for r in rows:  # the confidence the current predict.py parameters give this evidence
            r["confidence"] = record_confidence(r)
        apply_job_evidence(rows)  # and the job's own evidence (core/outside_tiles.py), as Workspace.locate
    else:
        rows = []
        for path in args.regions:
            if not (path / "tiles.csv").is_file():
                print(f"skipping {path}: not built (python training/make_public_benchmark.py)")
                continue
            rows += records_for(path, args.modes, args.cache_dir, steps=args.steps, matcher=args.matcher,
                                photos=args.photos)
        for path in args.altitude:
            rows += records_for(path, ["frozen"], args.cache_dir, altitude=True, matcher=args.matcher,
                                photos=args.photos)
        if args.merge and records_path.is_file():  # keep the saved rows of the regions, modes, matchers not run now
            done = {(r["region"], r["mode"], r["matcher"]) for r in rows}
            rows = [r for r in saved_rows() if (r["region"], r["mode"], r["matcher"]) not in done] + rows
        with records_path.open("w", newline="") as f:
            writer = csv.DictWriter(f, FIELDS, restval="nan")  # rows saved before a field existed
            writer.writeheader()
            writer.writerows(rows)
    if args.fit:
        for key in sorted({row_key(r["matcher"]) for r in rows}, key=lambda k: k != "sift"):
            v = [r for r in rows if r["status"] == STATUS_VERIFIED and row_key(r["matcher"]) == key]
            if not v:  # nothing to fit without them (a fit of nothing printed "midpoint nan")
                print(f"verified ({key}): no verified photos in the records: nothing to fit")
                continue
            x, y = np.array([r["inlier_margin"] for r in v], float), np.array([r["right"] for r in v], float)
            if key == "sift":
                mid, slope = fit_logistic(x, y)
                print(f"verified: {len(v)} photos, maximum likelihood: midpoint {mid:.2f} slope {slope:.3f}")
            if len(v) < MIN_FIT_VERIFIED:
                print(f"verified ({key}): {len(v)} photos, fewer than {MIN_FIT_VERIFIED}: no table, it stays "
                      f"uncalibrated (capped at {UNCALIBRATED_CEILING})")
                continue
            margins, rates = with_start(*fit_table(x, y, edges_for(key)))
            print(f"verified ({key}): {len(v)} photos, {len(v) - int(y.sum())} wrong; smoothed buckets "
                  f"(confidence_tables.py): margins = {margins}  right = {rates}")
        u = [r for r in rows if r["status"] != STATUS_VERIFIED and r["matcher"] == "sift"]  # SIFT's unverified photos
        if u:
            print(f"unverified: {len(u)} photos, right {100 * np.mean([r['right'] for r in u]):.1f} %")
        else:
            print("unverified: no unverified photos in the records")
        fit = unverified_fit_records(rows)
        if fit:  # confidence_tables.UNVERIFIED_MARGINS / UNVERIFIED_RIGHT
            margins, rates = fit_unverified_table(np.array([r["cosine_margin"] for r in fit], float),
                                                  np.array([r["right"] for r in fit], float))
            print(f"unverified (every matcher, footprint unknown or > {P.SMALL_FOOTPRINT_RATIO} tile): {len(fit)} photos, "
                  f"{sum(r['right'] for r in fit):.0f} right; (confidence_tables.py): UNVERIFIED_MARGINS = {margins}  "
                  f"UNVERIFIED_RIGHT = {rates}")
        from geolocator.core.outside_tiles import OUTSIDE_SHARE_BAR  # outside_tiles.OUTSIDE_CEILING

        low = [r for job in jobs_of(rows).values() if (job_share(job) or 0.0) < OUTSIDE_SHARE_BAR
               for r in unverified_fit_records(job)]
        if low:
            clear = [r["right"] for r in low if r["cosine_margin"] >= 0.5]
            print(f"unverified, jobs verifying under {OUTSIDE_SHARE_BAR:g} of their photos "
                  f"({', '.join(sorted({r['region'] for r in low}))}): {len(low)} photos, {sum(r['right'] for r in low):.0f} "
                  f"right; cosine margin >= 0.5: {len(clear)} photos, right {sum(clear):.0f} "
                  f"(Laplace {(sum(clear) + 1) / (len(clear) + 2):.3f}: outside_tiles.OUTSIDE_CEILING)")
        for mode in sorted({r["mode"] for r in u}):  # predict.RETRIEVED_CEILING against each mode
            clear = [r["right"] for r in u if r["mode"] == mode and r["cosine_margin"] >= 0.9]
            if clear:
                print(f"unverified, {mode}, cosine margin >= 0.9: {len(clear)} photos, right {100 * np.mean(clear):.1f} %"
                      f" (Laplace {(sum(clear) + 1) / (len(clear) + 2):.3f})")
        small = [r for r in u if r.get("footprint_ratio", math.nan) <= P.SMALL_FOOTPRINT_RATIO]  # nan: unknown
        if small:  # predict.SMALL_FOOTPRINT_CEILING: the share right of those with a clear-ish cosine win
            clear = [r["right"] for r in small if r["cosine_margin"] >= 0.5]
            print(f"unverified, footprint <= {P.SMALL_FOOTPRINT_RATIO} tile: {len(small)} photos, right "
                  f"{100 * np.mean([r['right'] for r in small]):.1f} %; cosine margin >= 0.5: {len(clear)} photos, right "
                  f"{sum(clear):.0f} (Laplace {(sum(clear) + 1) / (len(clear) + 2):.3f})")
    text = report(rows, None if args.from_records else time.perf_counter() - started)
    old = results / "calibration.md"
    if old.is_file() and KEPT in old.read_text():  # the hand-written record of how the runs were made
        text += "\n" + KEPT + old.read_text().split(KEPT, 1)[1]
    (results / "calibration.md").write_text(text)
    if not plot([r for r in rows if r["matcher"] == "sift"], results / "calibration.png"):
        print("matplotlib not installed (pip install -e .[dev]): no calibration.png")
    print(text)


if __name__ == "__main__":
    main()
