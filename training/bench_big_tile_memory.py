"""Peak memory and time of reading a big GeoTIFF tile whole (a folder of GeoTIFF tiles, each one tile),
before and after session 32's decimated read (images.whole_raster_scale), and where a demo photo verifies on it.

Run:  PYTHONPATH=. .venv/bin/python training/bench_big_tile_memory.py [--sides 10000 20000] [--verify]
      PYTHONPATH=. .venv/bin/python training/bench_big_tile_memory.py --alpha [--sides 10000]

Each tile is four demo tiles (resources/demo, 100 m of ground) pasted by their bounds and upsampled
(bicubic) to SIDE x SIDE pixels, written as a tiled deflate GeoTIFF (EPSG:4326) alone in a folder.
Each read runs in a fresh subprocess, as training/bench_decode_memory.py measures: the folder is
loaded as a tile set (load_tileset), the peak is reset (VmHWM), and the tile is read as the verifier
reads it (open_tile_image(tile, min_side=512); `--reader dense` / `evidence`: dense.ground_of at
1 m a pixel / the evidence figure's imagery panel, session 32 georead32); the figure is the peak resident growth over that
read. "before" runs the same code with whole_raster_scale forced to 1 (the full-resolution read of
sessions before 32). `--verify` also places demo photo q_0001 on the tile with the Verifier (SIFT),
after and before, and prints how far apart the two places are and how far each is from its truth.
`--alpha`: the peak of loading a folder that holds one RGBA GeoTIFF (its alpha is counted to keep
or leave out the tile, registry.keep_tiles_with_data), instead.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"

# both probes: the process's peak resident memory in KiB (VmHWM, reset first so that import peaks do
# not count; ru_maxrss where the kernel cannot reset it)
PEAK_CODE = """
def status(key):  # KiB, from /proc/self/status
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
try:
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    peak = lambda: status("VmHWM")
except OSError:
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

PROBE = """
import json, resource, sys, time
from pathlib import Path
from geolocator.core import images
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.tilesets import load_tileset
folder, mode, verify = Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1"
reader = sys.argv[5] if len(sys.argv) > 5 else "verifier"
if mode == "before":
    images.whole_raster_scale = lambda width, height, min_side: 1
tiles = load_tileset(folder).tiles
""" + PEAK_CODE + """before = status("VmRSS")
t = time.perf_counter()
sizes, real_open = [], images.open_image
def spy(*a, **k):
    im = real_open(*a, **k)
    sizes.append(im.size)
    return im
images.open_image = spy
if reader == "dense":  # dense.ground_of: the tile's ground at 1 m a pixel
    from geolocator.core.dense import DenseSettings, ground_of
    ground_of(tiles, [0], DenseSettings())
elif reader == "evidence":  # the evidence figure's imagery panel, the photo placed at the tile's centre
    from geolocator.core.evidence import _imagery_panel
    from geolocator.core.model import Match, Prediction, Query, TileSet
    c = tiles[0].bounds.center
    _imagery_panel(Prediction(Query("q", folder / "q.jpg"), (Match(tiles[0], 0.9, 1),), c, c, 0.9), TileSet(tuple(tiles), folder))
else:
    open_tile_image(tiles[0], min_side=512)
images.open_image = real_open
size = sizes[-1]
out = {"size": list(size), "read_s": time.perf_counter() - t, "grew_mb": (peak() - before) / 1024}
if verify:
    from geolocator.core.model import Query
    from geolocator.core.rerank import Verifier
    q = Path(sys.argv[4])
    (found,) = Verifier().verify_photo(Query(q.name, q), tiles, [0])
    b = tiles[0].bounds
    if found.centre is not None:
        fx, fy = found.centre
        out["place"] = [b.north - fy * (b.north - b.south), b.west + fx * (b.east - b.west)]
    out["inliers"] = found.inliers
print(json.dumps(out))
"""


LOAD_PROBE = """
import json, resource, sys, time
from pathlib import Path
from geolocator.core.tilesets import load_tileset
""" + PEAK_CODE + """before = status("VmRSS")
t = time.perf_counter()
tiles = load_tileset(Path(sys.argv[1])).tiles
print(json.dumps({"tiles": len(tiles), "load_s": time.perf_counter() - t, "grew_mb": (peak() - before) / 1024}))
"""


def rgba_tile(path: Path, side: int) -> Path:
    """A `side` px RGBA GeoTIFF (EPSG:4326, tiled, deflate), grey, its western 1 % transparent."""
    import rasterio
    from rasterio.enums import ColorInterp
    from rasterio.transform import from_bounds

    with rasterio.open(path, "w", driver="GTiff", width=side, height=side, count=4, dtype="uint8", crs="EPSG:4326",
                       transform=from_bounds(-115.234, 36.141, -115.233, 36.142, side, side), tiled=True,
                       compress="deflate", photometric="RGB", alpha="YES") as ds:
        for r0 in range(0, side, 1000):
            rows = min(1000, side - r0)
            a = np.full((4, rows, side), 120, np.uint8)
            a[3] = 255
            a[3, :, : side // 100] = 0
            ds.write(a, window=((r0, r0 + rows), (0, side)))
        ds.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
    return path


def measure_load(folder: Path) -> dict:
    """Load `folder` as a tile set in a fresh subprocess: {"tiles", "load_s", "grew_mb"} or {"failed"}."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", LOAD_PROBE, str(folder)], capture_output=True, text=True, env=env,
                          timeout=1800)
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def truth(name: str) -> tuple[float, float]:
    with open(DEMO / "truth.csv") as f:
        row = next(r for r in csv.DictReader(f) if r["query"].endswith(name))
    return float(row["lat"]), float(row["lon"])


def big_demo_tile(path: Path, lat: float, lon: float, side: int, n: int = 2, dtype: str = "uint8") -> Path:
    """A GeoTIFF (EPSG:4326, tiled, deflate) of the n x n demo tiles around (lat, lon), pasted by
    their bounds (tiles.csv) and upsampled bicubic to `side` x `side` pixels, written in bands of
    rows (the upsampled image is never held whole). "uint16": the 8-bit values x 257; "palette": one
    band of indexes into a 256-colour table (Pillow's quantize), upsampled nearest. Returns `path`."""
    import rasterio
    from PIL import Image
    from rasterio.transform import from_bounds

    with open(DEMO / "tiles.csv") as f:
        rows = [{**r, **{k: float(r[k]) for k in ("west", "south", "east", "north")}} for r in csv.DictReader(f)]
    wests, norths = sorted({r["west"] for r in rows}), sorted({r["north"] for r in rows}, reverse=True)
    c = min(max(i for i, w in enumerate(wests) if w <= lon), len(wests) - n)
    r = min(max(i for i, nn in enumerate(norths) if nn >= lat), len(norths) - n)
    picked = [t for t in rows if t["west"] in wests[c: c + n] and t["north"] in norths[r: r + n]]
    tile_px = Image.open(DEMO / picked[0]["path"]).size[0]
    canvas = Image.new("RGB", (n * tile_px, n * tile_px))
    for t in picked:
        at = ((wests.index(t["west"]) - c) * tile_px, (norths.index(t["north"]) - r) * tile_px)
        canvas.paste(Image.open(DEMO / t["path"]).convert("RGB"), at)
    west, south = min(t["west"] for t in picked), min(t["south"] for t in picked)
    east, north = max(t["east"] for t in picked), max(t["north"] for t in picked)
    palette = dtype == "palette"
    if palette:
        canvas = canvas.quantize(256)
        rgb = canvas.getpalette()[: 3 * 256]
    with rasterio.open(path, "w", driver="GTiff", width=side, height=side, count=1 if palette else 3,
                       dtype="uint8" if palette else dtype, photometric="palette" if palette else "RGB",
                       crs="EPSG:4326", transform=from_bounds(west, south, east, north, side, side),
                       tiled=True, compress="deflate") as ds:
        step = 1024
        for r0 in range(0, side, step):
            rows_out = min(step, side - r0)
            box = (0, r0 * canvas.height / side, canvas.width, (r0 + rows_out) * canvas.height / side)
            if palette:
                part = np.asarray(canvas.resize((side, rows_out), Image.Resampling.NEAREST, box=box))
                ds.write(part, 1, window=((r0, r0 + rows_out), (0, side)))
                continue
            part = np.moveaxis(np.asarray(canvas.resize((side, rows_out), Image.Resampling.BICUBIC, box=box)), -1, 0)
            ds.write(part.astype(dtype) * (257 if dtype == "uint16" else 1), window=((r0, r0 + rows_out), (0, side)))
        if palette:
            ds.write_colormap(1, {i: (*rgb[3 * i: 3 * i + 3], 255) for i in range(len(rgb) // 3)})
    return path


def measure(folder: Path, mode: str, photo: Path | None = None, reader: str = "verifier") -> dict:
    """Read the only tile of `folder` in a fresh subprocess ("after" or "before"); {"size",
    "read_s", "grew_mb"[, "place", "inliers"]} or {"failed": last line of its error}."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    args = [sys.executable, "-c", PROBE, str(folder), mode, "1" if photo else "0", str(photo or ""), reader]
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=1800)
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else str(done.returncode)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sides", type=int, nargs="+", default=[10_000, 20_000])
    ap.add_argument("--dtypes", nargs="+", default=["uint8", "uint16"], help="uint8, uint16 and/or palette")
    ap.add_argument("--modes", nargs="+", default=["after", "before"])
    ap.add_argument("--verify", action="store_true", help="also place demo photo q_0001 on each tile")
    ap.add_argument("--alpha", action="store_true",
                    help="instead: peak memory of loading a folder holding one RGBA GeoTIFF of each side")
    ap.add_argument("--reader", choices=["verifier", "dense", "evidence"], default="verifier",
                    help="what reads the tile: the verifier (min_side 512), dense.ground_of or the evidence panel")
    ap.add_argument("--tmp", type=Path, default=None, help="scratch folder (default: the system's)")
    args = ap.parse_args()
    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon

    if args.alpha:
        print("| folder | tiles | peak growth (MB) | load s |\n|---|---|---|---|", flush=True)
        with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
            for side in args.sides:
                folder = Path(tmp) / f"rgba-{side}"
                folder.mkdir()
                rgba_tile(folder / "a.tif", side)
                got = measure_load(folder)
                if "failed" in got:
                    print(f"| one {side} px RGBA GeoTIFF | failed: {got['failed']} | | |", flush=True)
                else:
                    print(f"| one {side} px RGBA GeoTIFF | {got['tiles']} | {got['grew_mb']:.0f} | {got['load_s']:.1f} |",
                          flush=True)
        return 0
    photo = DEMO / "queries" / "q_0001.jpg"
    lat, lon = truth(photo.name)
    print("| tile | read | image read | peak growth (MB) | read s | q_0001 placed (m from truth, inliers) |")
    print("|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for side in args.sides:
            for dtype in args.dtypes:
                folder = Path(tmp) / f"tiles-{side}-{dtype}"
                folder.mkdir()
                t = time.perf_counter()
                path = big_demo_tile(folder / "big.tif", lat, lon, side, dtype=dtype)
                made = time.perf_counter() - t
                places = {}
                for mode in args.modes:
                    got = measure(folder, mode, photo if args.verify else None, args.reader)
                    if "failed" in got:
                        print(f"| {side} px {dtype} | {mode} | failed: {got['failed']} | | | |", flush=True)
                        continue
                    placed = ""
                    if "place" in got:
                        places[mode] = LatLon(*got["place"])
                        placed = f"{haversine_m(places[mode], LatLon(lat, lon)):.3f} m, {got['inliers']}"
                    elif args.verify:
                        placed = f"not placed ({got.get('inliers')})"
                    w, h = got["size"]
                    print(f"| {side} px {dtype} ({path.stat().st_size / 1e6:.0f} MB file, written in {made:.0f} s) | "
                          f"{mode} | {w}x{h} | {got['grew_mb']:.0f} | {got['read_s']:.1f} | {placed} |", flush=True)
                if len(places) == 2:
                    print(f"|  | after vs before | | | | {haversine_m(places['after'], places['before']):.3f} m apart |",
                          flush=True)
                path.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
