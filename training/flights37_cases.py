"""Whole flights as people bring them, through the sequence model (session 37, flights37).

Flights are built from the public benchmark's Vegas queries (make_public_benchmark.py: 5 drone views a
50 m tile, each at a random pose over its tile; 7 rows x 6 columns of tiles). A flight visits the tiles
column by column (a serpentine: down column 0, up column 1, ...), one query a tile, 4 s apart (about
12 m/s), so consecutive photos are 20-80 m apart. The photos are copied with EXIF times written the way
cameras write them (DateTimeOriginal, SubSecTimeOriginal, OffsetTimeOriginal, Make/Model), one case a
folder, then grouped and smoothed exactly as `locate` does (core.sequence.smooth on the photos' metadata);
the single-photo predictions come from one Workspace.locate of the source queries (EfficientNet-Lite0 +
geometric verification, top 10), made once and reused (`locate` step), so before/after compare the same
answers. Truth (truth.csv) scores only. The answers (full.pkl, edge.pkl) and the case folders are kept
under /tmp/flights37 (per region); `locate` took 3-19 min a region on the shared 2-core machine (load 7-17).

  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/flights37_cases.py locate   # ~minutes, once
  OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python training/flights37_cases.py cases [--region R] [--out FILE.md]

Committed: training/results/flights37_cases_vegas.md, flights37_cases_radiometric.md (--region vegas-radiometric).
"""

from __future__ import annotations

import argparse
import csv
import pickle
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BENCH = ROOT / "data" / "benchmark"
REGION = BENCH / "vegas"  # --region sets it
WORK = Path("/tmp/flights37")  # --region vegas-X: WORK / vegas-X
EDGE_COLS = 3  # the "edge" tile set keeps columns 0-2: a column-major flight leaves it halfway


def tiles_rows() -> list[dict]:
    with open(REGION / "tiles.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def edge_tiles_csv() -> Path:
    out = WORK / "edge" / "tiles.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = [r for r in tiles_rows() if int(r["path"].split("_c")[1][:2]) < EDGE_COLS]
    import shutil

    (out.parent / "tiles").mkdir(exist_ok=True)
    for r in rows:  # copied: a tiles.csv names files inside its own folder
        shutil.copyfile(REGION / r["path"], out.parent / r["path"])
    with open(out, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return out


def locate(args) -> None:
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.queries import load_queries
    from geolocator.core.tilesets import load_tileset

    queries = load_queries(REGION / "queries")
    truth = {}
    with open(REGION / "truth.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            truth[Path(r["query"]).name] = r
    from geolocator.core.model import LatLon

    queries = [replace(q, truth=LatLon(float(truth[q.path.name]["lat"]), float(truth[q.path.name]["lon"])),
                       truth_tile=truth[q.path.name]["tile"], truth_source="truth.csv") for q in queries]
    for name, tiles_csv in (("full", REGION / "tiles.csv"), ("edge", edge_tiles_csv())):
        if (WORK / f"{name}.pkl").is_file():
            continue
        start = time.perf_counter()
        # the edge tile set is flown by one case only: its flight's photos alone (the others' answers are unused)
        wanted = set(tour(0, by_name=True)) if name == "edge" else None
        mine = [q for q in queries if wanted is None or q.path.name in wanted]
        ws = Workspace(Settings(backbone="efficientnet_lite0", top_k=10))
        ws.open_tiles(load_tileset(tiles_csv))
        preds = ws.locate(mine)
        with open(WORK / f"{name}.pkl", "wb") as fh:
            pickle.dump(list(preds), fh)
        print(f"{name}: {len(preds)} located in {time.perf_counter() - start:.0f} s", flush=True)


RIGHT_M = 25.0  # within half a 50 m tile: the right place
CONFIDENT = 0.9  # the level people act on ("confident")
MAKE, MODEL = "DJI", "FC3411"


def tour(k: int, cols: range = range(6), by_name: bool = False) -> list[str]:
    """Query file names of a column-serpentine flight over the tiles, the k-th query (0-4) of each tile;
    `by_name`: the k-th by file name instead (a centre anywhere in the tile: a jagged path; the edge case's
    flight, located before the nearest-to-the-line choice was made)."""
    # A drone flying down a column passes near its centre line: each tile's queries ordered by how far
    # their centre lies across the track (east-west), the k-th nearest taken. The centres still jitter
    # along the track and across it by a few metres (random poses), more than a real flight's would.
    # The truth builds the flight here (as a renderer's path would); it never reaches the locating.
    by_tile: dict[str, list[tuple[float, str]]] = {}
    tiles = {Path(r["path"]).stem: (float(r["west"]) + float(r["east"])) / 2 for r in tiles_rows()}
    with open(REGION / "truth.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            tile = Path(r["tile"]).stem
            across = 0.0 if by_name else abs(float(r["lon"]) - tiles[tile])
            by_tile.setdefault(tile, []).append((across, Path(r["query"]).name))
    out = []
    for c in cols:
        rows = range(7) if c % 2 == 0 else range(6, -1, -1)
        for r in rows:
            near = sorted(by_tile.get(f"r{r:02d}_c{c:02d}", []))
            if near:
                out.append(near[k % len(near)][1])
    return out


def tile_queries(r: int, c: int) -> list[str]:
    with open(REGION / "truth.csv", newline="") as fh:
        return sorted(Path(x["query"]).name for x in csv.DictReader(fh) if Path(x["tile"]).stem == f"r{r:02d}_c{c:02d}")


def photo(src: str, when, name: str, folder: str = "", sub: str | None = None, offset: str | None = None,
          model: str = MODEL, timed: bool = True) -> dict:
    return dict(src=src, when=when, name=name, folder=folder, sub=sub, offset=offset, model=model, timed=timed)


def _write(case_dir: Path, photos: list[dict]) -> None:
    import piexif

    for p in photos:
        out = case_dir / p["folder"] / p["name"]
        out.parent.mkdir(parents=True, exist_ok=True)
        exif_ifd = {}
        if p["timed"]:
            exif_ifd[piexif.ExifIFD.DateTimeOriginal] = p["when"].strftime("%Y:%m:%d %H:%M:%S").encode()
            if p["sub"] is not None:
                exif_ifd[piexif.ExifIFD.SubSecTimeOriginal] = p["sub"].encode()
            if p["offset"] is not None:
                exif_ifd[piexif.ExifIFD.OffsetTimeOriginal] = p["offset"].encode()
        # ImageUniqueID: a burst's frames are different files (the loader locates byte-identical copies once)
        exif_ifd[piexif.ExifIFD.ImageUniqueID] = f"{p['folder']}/{p['name']}".encode()
        exif = piexif.dump({"0th": {piexif.ImageIFD.Make: MAKE.encode(), piexif.ImageIFD.Model: p["model"].encode()},
                            "Exif": exif_ifd})
        piexif.insert(exif, (REGION / "queries" / p["src"]).read_bytes(), str(out))  # the pixels as they were


def build_cases() -> dict[str, tuple[str, list[dict], int]]:
    """{case: (tile set 'full'/'edge', photos, flights expected)}."""
    from datetime import datetime, timedelta

    t0 = datetime(2026, 6, 1, 10, 0, 0)

    def flight(k, start, first_no=1, every=4.0, by_name=False, **kw):
        return [photo(src, start + timedelta(seconds=every * i), f"DJI_{first_no + i:04d}.JPG", **kw)
                for i, src in enumerate(tour(k, by_name=by_name))]

    cases = {}
    cases["one flight"] = ("full", flight(0, t0), 1)
    cases["two flights an hour apart, one folder"] = ("full", flight(0, t0) + flight(1, t0 + timedelta(hours=1), 43), 2)
    cases["same area on two days, one folder"] = ("full", flight(2, t0) + flight(3, t0 + timedelta(days=1), 43), 2)
    cases["clock in Tokyo time, OffsetTime +09:00"] = ("full", flight(0, t0 + timedelta(hours=7), offset="+09:00"), 1)
    cases["clock 7 h off, no OffsetTime"] = ("full", flight(0, t0 - timedelta(hours=7)), 1)
    half = flight(0, t0)
    cases["OffsetTime on half the photos"] = ("full", [dict(p, offset="+02:00") if i % 2 else p
                                                        for i, p in enumerate(half)], 1)
    cases["every 4th photo without a time"] = ("full", [dict(p, timed=False) if i % 4 == 2 else p
                                                         for i, p in enumerate(flight(0, t0))], 1)
    # bursts: 3 frames of one photo in one second, at every 7th place
    def burst(sub: bool):
        out, i = [], 0
        for j, p in enumerate(flight(0, t0)):
            copies = 3 if j % 7 == 3 else 1
            for c in range(copies):
                out.append(dict(p, name=f"DJI_{i + 1:04d}.JPG", sub=(f"{10 + 30 * c:02d}" if sub else None)))
                i += 1
        return out
    cases["bursts of 3, SubSecTime"] = ("full", burst(True), 1)
    cases["bursts of 3, same second, no SubSecTime"] = ("full", burst(False), 1)
    cases["leaves the tile set halfway (jagged path)"] = ("edge", flight(0, t0, by_name=True), 1)
    cases["file numbers roll over DJI_0999 -> DJI_0001"] = (
        "full", [dict(p, name=f"DJI_{(979 + i) % 999 + 1:04d}.JPG") for i, p in enumerate(flight(0, t0))], 1)
    # the card rolls over from 100MEDIA to 101MEDIA in a burst of 3 (one second, no SubSecTime)
    roll = []
    for i, p in enumerate(flight(0, t0)):
        for c in range(3 if i == 19 else 1):
            roll.append(dict(p))
    roll = [dict(p, folder="DCIM/100MEDIA" if i < 20 else "DCIM/101MEDIA",
                 name=f"DJI_{980 + i:04d}.JPG" if i < 20 else f"DJI_{i - 19:04d}.JPG") for i, p in enumerate(roll)]
    cases["100MEDIA -> 101MEDIA within a burst"] = ("full", roll, 1)
    # a stop and hover over tile r03_c02 (the camera yawing): 15 photos 2 s apart
    base = flight(0, t0)
    stop = next(i for i, p in enumerate(base) if p["src"] in tile_queries(3, 2))
    hover = [photo(src, base[stop]["when"] + timedelta(seconds=2 * (h + 1)), "") for h, src in
             enumerate((tile_queries(3, 2) * 5)[:15])]
    shift = timedelta(seconds=2 * 16)
    seq = base[:stop + 1] + hover + [dict(p, when=p["when"] + shift) for p in base[stop + 1:]]
    cases["stop and hover, 15 photos at one place"] = ("full", [dict(p, name=f"DJI_{i + 1:04d}.JPG")
                                                                for i, p in enumerate(seq)], 1)
    return cases


def score_case(preds_by_src: dict, case_dir: Path, photos: list[dict], model=None) -> dict:
    from geolocator.core.geo import haversine_m
    from geolocator.core.queries import load_queries
    from geolocator.core.sequence import MotionModel, sequences, smooth

    model = model or MotionModel()
    src_of = {str(Path(p["folder"]) / p["name"]) if p["folder"] else p["name"]: p["src"] for p in photos}
    preds = []
    for q in load_queries(case_dir):
        src = preds_by_src[src_of[q.id]]
        preds.append(replace(src, query=replace(q, truth=src.query.truth, truth_tile=src.query.truth_tile,
                                                 truth_source="truth.csv")))
    flights = sequences([p.query for p in preds], model)
    tracks = smooth(preds, model)
    by_id = {tp.query.id: tp for t in tracks for tp in t.points}
    rows = []
    for p in preds:
        tp = by_id.get(p.query.id)
        before = haversine_m(p.location, p.query.truth)
        after_loc, conf_after, status = ((tp.location, tp.confidence if tp.confidence is not None else p.confidence,
                                          tp.shown_status) if tp else (p.location, p.confidence, p.shown_status))
        after = haversine_m(after_loc, p.query.truth)
        rows.append(dict(id=p.query.id, before=before, after=after, conf_before=p.confidence, conf_after=conf_after,
                         status=status, placed=status != "not located",
                         r1=p.top.tile.id.endswith(Path(p.query.truth_tile).name) if p.matches else False))
    return dict(flights=len(flights), sizes=[len(items) for _, items in flights], rows=rows,
                track_status={t.name: len(t.points) for t in tracks})


def summarise(name: str, expected: int, res: dict) -> str:
    rows = res["rows"]
    n = len(rows)
    right_b = sum(r["before"] <= RIGHT_M for r in rows)
    right_a = sum(r["after"] <= RIGHT_M for r in rows)
    fixed = sum(r["before"] > RIGHT_M >= r["after"] for r in rows)
    broken = sum(r["before"] <= RIGHT_M < r["after"] for r in rows)
    cw_b = sum(r["before"] > RIGHT_M and r["conf_before"] >= CONFIDENT for r in rows)
    cw_a = sum(r["after"] > RIGHT_M and r["conf_after"] >= CONFIDENT and r["placed"] for r in rows)
    import statistics

    med_b = statistics.median(r["before"] for r in rows)
    med_a = statistics.median(r["after"] for r in rows)
    mean_b = statistics.fmean(r["before"] for r in rows)
    mean_a = statistics.fmean(r["after"] for r in rows)
    r1 = sum(r["r1"] for r in rows)
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    st = ", ".join(f"{k} {v}" for k, v in sorted(statuses.items()))
    ok = "yes" if res["flights"] == expected else "**no**"
    return (f"| {name} | {n} | {expected} / {res['flights']} {res['sizes']} {ok} | {r1} | {right_b} / {right_a} | "
            f"{med_b:.1f} / {med_a:.1f} | {mean_b:.1f} / {mean_a:.1f} | {fixed} | {broken} | {cw_b} / {cw_a} | {st} |")


def cases(args) -> None:
    import shutil

    preds = {}
    for name in ("full", "edge"):
        if not (WORK / f"{name}.pkl").is_file():
            continue
        with open(WORK / f"{name}.pkl", "rb") as fh:
            preds[name] = {p.query.path.name: p for p in pickle.load(fh)}
    lines = [
        f"# Whole flights as people bring them: {REGION.name} (training/flights37_cases.py --region {REGION.name})", "",
        f"Benchmark queries of {REGION.name} as column-serpentine flights (one query a 50 m tile, the one nearest "
        "the column's centre line, 4 s apart), EXIF written "
        "per case; single-photo answers from one locate (EfficientNet-Lite0 + verification, top 10), then "
        "core.sequence.smooth with the default MotionModel. 'right' = within "
        f"{RIGHT_M:.0f} m of the truth; 'confident wrong' = not right at confidence >= {CONFIDENT} (placed frames "
        "only). Before = each photo on its own, after = the exported Point after the track. R@1: top tile = "
        "truth tile (single photo).", "",
        "| case | photos | flights expected / found (sizes) | R@1 | right before / after | median err m | "
        "mean err m | fixed | broken | confident wrong before / after | statuses after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for i, (name, (tiles, photos, expected)) in enumerate(build_cases().items()):
        if tiles not in preds:
            continue
        case_dir = WORK / "cases" / f"{i:02d}"
        shutil.rmtree(case_dir, ignore_errors=True)
        _write(case_dir, photos)
        res = score_case(preds[tiles], case_dir, photos)
        lines.append(summarise(name, expected, res))
        print(lines[-1], flush=True)
        if args.verbose:
            for r in res["rows"]:
                print("   ", r)
    if args.out:
        args.out.write_text("\n".join(lines) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["locate", "cases"])
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "results" / "flights37_cases.md")
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--region", default="vegas", help="a benchmark region of 7 x 6 tiles of 50 m (vegas, "
                    "vegas-radiometric, vegas-coarse, vegas-blurhaze)")
    args = ap.parse_args(argv)
    global REGION, WORK
    REGION = BENCH / args.region
    if args.region != "vegas":
        WORK = WORK / args.region
    WORK.mkdir(parents=True, exist_ok=True)
    if args.step == "locate":
        locate(args)
    else:
        cases(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
