"""Run every shared field case with the CLI as its README says, and compare each exported Point
with the right answer (session 19, mend19).

The cases live in ../shared/field-cases beside the tree by default, or in the folder given with
--cases (see its README: what goes in, the right answer). Each
case is run in its own folder with the README's command (`geolocator locate queries --tiles ...
--out p.geojson`), then every photo's exported Point is compared with its right position. The
right positions are the README's / expected.txt's (truth used only to score). A blank frame (case
11) is right when it is `not located` with confidence 0; case 04's void fix is right when it is
not used as truth.

  python training/field_cases_cli.py [--cases DIR] [--cache-dir DIR] [--out DIR]

Exit status: 0 when every photo is right, 1 when one is wrong or a case's run failed, 2 when the
cases folder or one of its case folders is missing (the message names it).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIELD = ROOT.parent / "shared" / "field-cases"
DEMO = ["--tiles", "../demo-tiles/tiles.csv"]
# case -> (the README's arguments after `locate queries`, {photo: (lat, lon) right answer, or a rule})
CASES = {
    "02-exif-gps-empty-xmp-only": (DEMO, {"DJI_0101.JPG": (36.1418363, -115.2334184)}),
    "04-gps-status-void": (DEMO, {"DJI_0065.JPG": "void fix not truth"}),
    "05-gdal2tiles-tms": (["--tiles", "tiles"], {"DJI_0001.JPG": (36.1405919, -115.2322311),
                                                 "DJI_0002.JPG": (36.1412573, -115.2317162),
                                                 "DJI_0003.JPG": (36.1408414, -115.2312012)}),
    "07-geotiff-palette": (["--tiles", "ortho_palette.tif", "--tile-size-m", "50"],
                           {"DJI_0301.JPG": (36.1400055, -115.2321265), "DJI_0302.JPG": (36.1411118, -115.2313459)}),
    "08-antimeridian-utm-worldfiles": (["--tiles", "tiles", "--epsg", "32760"],
                                       {"IMG_0001.JPG": (-16.7999622, -179.9998881),
                                        "IMG_0002.JPG": (-16.8000109, -179.9995124),
                                        "IMG_0003.JPG": (-16.80047, 179.9999699)}),
    "10-geotiff-nodata-alpha-border": (["--tiles", "odm_orthophoto.tif", "--tile-size-m", "50"],
                                       {"DJI_1001.JPG": (36.1400055, -115.2321265),
                                        "DJI_1002.JPG": (36.1411118, -115.2313459),
                                        "DJI_1003.JPG": (36.140872, -115.2321959)}),
    "11-blank-photo-geojson-nan": (DEMO, {"DJI_1101.JPG": "not located", "DJI_1102.JPG": "not located"}),
    "15-altitude-scale": (DEMO, {"DJI_alt012m.JPG": (36.140213, -115.232231), "DJI_alt045m.JPG": (36.140213, -115.232231),
                                 "DJI_alt150m.JPG": (36.140213, -115.232231)}),
    "16-exact-position-tile-corner": (DEMO, {"DJI_corner.JPG": (36.1408075, -115.2320526),
                                             "DJI_offset.JPG": (36.1409175, -115.2321926)}),
}
WITHIN_M = 1.0  # the README's "within 1 m" / "< 1 m"


def haversine_m(a, b) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(h))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run every shared field case with the CLI and score it.")
    parser.add_argument("--cases", type=Path, default=FIELD,
                        help=f"the field-cases folder, one sub-folder a case (default: {FIELD})")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/field_cases_cache"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/field_cases_out"))
    args = parser.parse_args(argv)
    missing = [args.cases / case for case in CASES if not (args.cases / case).is_dir()]
    if missing:
        where = "the cases folder " + str(args.cases) if not args.cases.is_dir() else ", ".join(map(str, missing))
        print(f"field cases not found: {where} does not exist (give the folder with --cases DIR)", file=sys.stderr)
        return 2
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    wrong = 0
    for case, (tiles, right) in CASES.items():
        out = args.out / case / "p.geojson"
        out.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "geolocator", "locate", "queries", *tiles, "--out", str(out),
                              "--cache-dir", str(args.cache_dir), "-q"], cwd=args.cases / case, env=env,
                             capture_output=True, text=True)
        wall = time.perf_counter() - started
        if run.returncode:
            print(f"{case}: exit {run.returncode}\n{run.stderr[-2000:]}")
            wrong += 1
            continue
        feats = {f["properties"]["query"]: f for f in json.loads(out.read_text())["features"]
                 if f["geometry"] is None or f["geometry"]["type"] == "Point"}  # null: a photo not located
        for photo, answer in right.items():
            f = feats.get(photo)
            props = f["properties"] if f else {}
            lon, lat = f["geometry"]["coordinates"] if f and f["geometry"] else (math.nan, math.nan)
            if answer == "not located":  # and no place given (geometry null, session 33)
                ok = props.get("status") == "not located" and props.get("confidence") == 0 and f is not None and f["geometry"] is None
                said = f"{props.get('status')}, confidence {props.get('confidence')}"
            elif answer == "void fix not truth":
                ok = "truth_lat" not in props and "void" in (props.get("truth_note") or "")
                said = f"truth_note {props.get('truth_note')!r}"
            else:
                d = haversine_m((lat, lon), answer)
                ok = d <= WITHIN_M
                said = f"{d:.2f} m from the right answer ({props.get('status')}, {props.get('location_source')})"
            wrong += not ok
            print(f"{case} {photo}: {'right' if ok else 'WRONG'}: {said}")
        print(f"{case}: {wall:.1f} s wall")
    print(f"{'all right' if not wrong else f'{wrong} wrong'}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
