"""Two honesty guards of the flight track, measured on built flights (session 37, track37).

(1) own top: a frame the track took through a verified candidate within verified_slack_m of its own
verified top is kept on its top (`matched`, its own confidence), not `corrected` at two places' 0.19
(sequence._own_top_when_one_place). (2) turns: the spline between verified frames is split where the
anchors' path turns by more than MotionModel.sharp_turn_deg (sequence._sharp_turns), so it no longer
swings past a corner across a long gap, and a frame placed across a gap whose heading in and out differ
by more than that is read by the extrapolated table at the track's speed x its seconds from the nearer
anchor (sequence._turn_across). Each is switched off to compare: (1) by putting the Viterbi path back as
it was, (2) by sharp_turn_deg=180.

The flights are training/flights37_cases.py's (column serpentines over the Vegas benchmark's 7 x 6 tiles
of 50 m, one query a tile, 4 s apart, EXIF written per case, grouped and smoothed as `locate` does); the
single-photo answers come from one Workspace.locate (EfficientNet-Lite0 + verification, top 10) of the
queries the cases use, kept under --work. Truth (truth.csv) scores only.

  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/track37_cases.py locate --region vegas-radiometric
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/track37_cases.py locate --region vegas --sets edge
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/track37_cases.py cases --out training/results/track37_cases.md
"""

from __future__ import annotations

import argparse
import csv
import pickle
import shutil
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

import flights37_cases as f37  # noqa: E402

from geolocator.core import sequence  # noqa: E402
from geolocator.core.sequence import MotionModel  # noqa: E402

WORK = Path("/tmp/track37")
VARIANTS = {  # name: (own top on, sharp_turn_deg)
    "before (neither)": (False, 180.0),
    "own top only": (True, 180.0),
    "turns only": (False, MotionModel().sharp_turn_deg),
    "both (committed)": (True, MotionModel().sharp_turn_deg),
    "both, split at 60 deg": (True, 60.0),
    "both, split at 120 deg": (True, 120.0),
}


def _region(region: str) -> None:
    f37.REGION = f37.BENCH / region
    f37.WORK = WORK / region
    f37.WORK.mkdir(parents=True, exist_ok=True)


def locate(region: str, sets: list[str]) -> None:
    """flights37_cases.locate, on the queries the cases use only (fewer to locate on a shared machine)."""
    from geolocator.core.model import LatLon
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_queries
    from geolocator.core.tilesets import load_tileset

    _region(region)
    with open(f37.REGION / "truth.csv", newline="") as fh:
        truth = {Path(r["query"]).name: r for r in csv.DictReader(fh)}
    queries = [replace(q, truth=LatLon(float(truth[q.path.name]["lat"]), float(truth[q.path.name]["lon"])),
                       truth_tile=truth[q.path.name]["tile"], truth_source="truth.csv")
               for q in load_queries(f37.REGION / "queries")]
    cases = f37.build_cases()
    for name in sets:
        if (f37.WORK / f"{name}.pkl").is_file():
            continue
        tiles_csv = f37.REGION / "tiles.csv" if name == "full" else f37.edge_tiles_csv()
        wanted = {p["src"] for t, photos, _ in cases.values() if t == name for p in photos}
        start = time.perf_counter()
        ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10))
        ws.open_tiles(load_tileset(tiles_csv))
        preds = ws.locate([q for q in queries if q.path.name in wanted])
        with open(f37.WORK / f"{name}.pkl", "wb") as fh:
            pickle.dump(list(preds), fh)
        print(f"{region} {name}: {len(preds)} located in {time.perf_counter() - start:.0f} s", flush=True)


def run_variant(own_top: bool, turn_deg: float, preds, case_dir, photos) -> dict:
    keep = sequence._own_top_when_one_place
    if not own_top:
        sequence._own_top_when_one_place = lambda path, cands, slack_m: path
    try:
        return f37.score_case(preds, case_dir, photos, MotionModel(sharp_turn_deg=turn_deg))
    finally:
        sequence._own_top_when_one_place = keep


def figures(rows: list[dict]) -> tuple[int, int, int, float]:
    right = sum(r["after"] <= f37.RIGHT_M for r in rows)
    cw = sum(r["after"] > f37.RIGHT_M and r["conf_after"] >= f37.CONFIDENT and r["placed"] for r in rows)
    cw8 = sum(r["after"] > f37.RIGHT_M and r["conf_after"] >= 0.8 and r["placed"] for r in rows)
    cr = sum(r["after"] <= f37.RIGHT_M and r["conf_after"] >= f37.CONFIDENT and r["placed"] for r in rows)
    return right, cw, cw8, statistics.fmean(r["after"] for r in rows), cr


def cases(args) -> None:
    lines = ["# track37: own top kept at one place; the track at sharp turns (training/track37_cases.py)", "",
             f"right = within {f37.RIGHT_M:.0f} m of the truth; cw = confident wrong (not right, confidence >= "
             f"{f37.CONFIDENT}, placed); cw.8 = the same at >= 0.8; cr = confident right (right at >= "
             f"{f37.CONFIDENT}). Single-photo answers from one locate; per case "
             "each variant smooths the same answers. Truth scores only.", "",
             "| region | case | photos | single photo right / cw | " + " | ".join(
                 f"{v}: right / cw / cw.8 / mean m / cr" for v in VARIANTS) + " |",
             "|---|---|---|---|" + "---|" * len(VARIANTS)]
    changed: list[str] = []
    for region, sets in (("vegas-radiometric", ("full", "edge")), ("vegas", ("edge",))):
        _region(region)
        preds = {}
        for name in sets:
            pkl = f37.WORK / f"{name}.pkl"
            if pkl.is_file():
                with open(pkl, "rb") as fh:
                    preds[name] = {p.query.path.name: p for p in pickle.load(fh)}
        for i, (case, (tiles, photos, _)) in enumerate(f37.build_cases().items()):
            if tiles not in preds or (args.only and not any(o in case for o in args.only)):
                continue
            case_dir = f37.WORK / "cases" / f"{i:02d}"
            shutil.rmtree(case_dir, ignore_errors=True)
            f37._write(case_dir, photos)
            res = {v: run_variant(*VARIANTS[v], preds[tiles], case_dir, photos) for v in VARIANTS}
            base = res["before (neither)"]["rows"]
            single_right = sum(r["before"] <= f37.RIGHT_M for r in base)
            single_cw = sum(r["before"] > f37.RIGHT_M and r["conf_before"] >= f37.CONFIDENT for r in base)
            cells = " | ".join("{} / {} / {} / {:.1f} / {}".format(*figures(res[v]["rows"])) for v in VARIANTS)
            lines.append(f"| {region} | {case} | {len(base)} | {single_right} / {single_cw} | {cells} |")
            print(lines[-1], flush=True)
            after = res["both (committed)"]["rows"]
            for b, a in zip(base, after):
                if abs(b["after"] - a["after"]) > 0.5 or abs(b["conf_after"] - a["conf_after"]) > 0.01:
                    changed.append(f"| {region} | {case} | {b['id']} | {b['status']} {b['conf_after']:.2f}, "
                                   f"{b['after']:.1f} m | {a['status']} {a['conf_after']:.2f}, {a['after']:.1f} m |")
    lines += ["", "Frames whose Point or confidence changed, before (neither) -> both:", "",
              "| region | case | frame | before: shown status, confidence, error | both |", "|---|---|---|---|---|",
              *changed]
    print("\n".join(lines[-len(changed) - 3:]))
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["locate", "cases"])
    ap.add_argument("--region", default="vegas-radiometric")
    ap.add_argument("--sets", default="full,edge", help="locate: which tile sets (full, edge)")
    ap.add_argument("--only", nargs="*", help="cases: only cases whose name contains one of these")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    if args.step == "locate":
        locate(args.region, args.sets.split(","))
    else:
        cases(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
