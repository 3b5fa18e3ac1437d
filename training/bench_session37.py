"""Did session 37 make geolocator's commands slower or hungrier? Old and new timed in one run (perf37).

The commands people run, each as a fresh `python -m geolocator ...` (or a short python -c for the
openers) whose PYTHONPATH is one checkout; the child's CPU time (user + sys) and peak resident memory
come from os.wait4's rusage (the child and what it waited for; Linux reports ru_maxrss in KiB):

  locate-demo   locate 6 of the bundled demo's photos on its 36 tiles, a fresh --cache-dir each run (so
                the tiles' features are extracted: > 30 s of work, the partial commits of faults37 happen)
  locate-bench  locate 8 photos of data/benchmark/rotterdam-quarter on its 8 tiles, fresh --cache-dir
  video         locate an 8 s clip (640x480, 10 fps, made with PyAV from a benchmark photo) --every 2 on
                rotterdam-quarter's tiles, fresh --cache-dir
  fetch-folder  fetch-tiles of a zoom-17 bbox (~300 tiles) from a 127.0.0.1 tile server (this process,
                threads; its CPU is not the child's) into a z/x/y folder, fresh each run
  fetch-mbtiles the same into a .mbtiles
  open-pmtiles  tilesets.load_tileset on a PMTiles of 1,024 zoom-17 tiles, then every tile's pixels read
                (package readers' read + decode: what extraction does), in a child (python -c)
  open-gpkg     the same on a GeoPackage GDAL wrote (2048 x 2048 px RGB, EPSG:3857, its 256 px tiles)
  list          queries.load_queries on a folder of 2,000 small DJI JPEGs (5 cards, names shared: the
                geotagged-copy check) with geolocator's own outputs beside them: an evidence pair
                (.evidence.png + .evidence.json) beside each photo, 400 geotagged copies in tagged/,
                a fetched z/x/y tile folder (metadata.json, 500 tiles), a .geojson and a .csv
  map           webmap.build_map + render of 2,000 answers (the app's map page and the markers' styles of
                appwalk37; half with truth, confidences spread over the levels; tests/helpers' tiles)

Runs alternate old/new, the order flipped each repetition, so the shared machine's load falls on both
alike; figures are medians, and new/old. os.getloadavg() is printed before and after.

  python training/bench_session37.py --old /tmp/perf37/old --new . [--reps 3] [--only list video ...]
Writes the tables to stdout (committed as training/results/bench_session37*.txt).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
BBOX = "4.300,51.850,4.400,51.900"  # zoom 17: 37 x 30 = ~1,100 tiles
WORKS = ("locate-demo", "locate-bench", "video", "fetch-folder", "fetch-mbtiles", "open-pmtiles", "open-gpkg",
         "list", "map")


# -- inputs (made once under --work, shared by both checkouts) -----------------------------------------
def make_video(path: Path, seconds: int = 8, fps: int = 10) -> None:
    """A clip panning slowly over a benchmark photo (640 x 480 H.264), written with PyAV."""
    import av
    import numpy as np
    from PIL import Image

    src = sorted((ROOT / "data/benchmark/rotterdam-quarter/queries").glob("*.jpg"))[0]
    base = np.asarray(Image.open(src).convert("RGB").resize((960, 720)))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        for i in range(seconds * fps):
            dx = int(i * 300 / (seconds * fps))
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(base[100:580, dx:dx + 640]), format="rgb24")
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def _tile_jpegs(n: int = 16) -> list[bytes]:
    from PIL import Image

    tiles = sorted((ROOT / "data/benchmark/rotterdam/tiles").glob("*"))[:n]
    out = []
    for t in tiles:
        buf = io.BytesIO()
        Image.open(t).convert("RGB").resize((256, 256)).save(buf, "JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def make_pmtiles(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from geolocator.core.sources.pmtiles import write_pmtiles

    jpegs = _tile_jpegs()
    tiles = {(17, 67120 + i // 32, 43090 + i % 32): jpegs[i % len(jpegs)] for i in range(1024)}
    write_pmtiles(path, tiles, fmt="jpg", attribution="bench")


def make_gpkg(path: Path) -> None:
    import numpy as np
    import rasterio
    from affine import Affine
    from PIL import Image

    src = sorted((ROOT / "data/benchmark/rotterdam/tiles").glob("*"))[:16]
    mosaic = np.zeros((2048, 2048, 3), np.uint8)
    for i, t in enumerate(src):
        r, c = divmod(i, 4)
        mosaic[r * 512:(r + 1) * 512, c * 512:(c + 1) * 512] = np.asarray(Image.open(t).convert("RGB").resize((512, 512)))
    with rasterio.open(path, "w", driver="GPKG", width=2048, height=2048, count=3, dtype="uint8", crs="EPSG:3857",
                       transform=Affine(0.6, 0, 485000, 0, -0.6, 6780000)) as ds:
        ds.write(mosaic.transpose(2, 0, 1))


def make_listing(folder: Path, n: int = 2000) -> None:
    """`n` DJI photos (bench_session36_overhead.make_photos) and geolocator's outputs beside them."""
    from PIL import Image

    from bench_session36_overhead import make_photos

    sys.path.insert(0, str(ROOT))
    from geolocator.core.geotag_copies import geotagged_jpeg

    make_photos(folder, n)
    png = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 80)).save(png, "PNG")
    photos = sorted(folder.rglob("*.JPG"))
    for p in photos:
        (p.parent / f"{p.stem}.evidence.png").write_bytes(png.getvalue())
        (p.parent / f"{p.stem}.evidence.json").write_text(json.dumps({"id": p.name, "lat": 51.9, "lon": 4.45}))
    tagged = folder / "tagged"
    tagged.mkdir()
    for p in photos[:400]:
        (tagged / p.name).write_bytes(geotagged_jpeg(p.read_bytes(), 51.9, 4.45, 30.0))
    jpegs = _tile_jpegs()
    area = folder / "area"
    for i in range(500):
        out = area / "17" / str(67120 + i // 25) / f"{43090 + i % 25}.jpg"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(jpegs[i % len(jpegs)])
    (area / "metadata.json").write_text(json.dumps({"name": "area", "format": "jpg", "scheme": "xyz"}))
    (folder / "located.geojson").write_text('{"type": "FeatureCollection", "features": []}')
    (folder / "located.csv").write_text("photo,lat,lon\n")


def subset(src: Path, dst: Path, n: int) -> Path:
    if not dst.exists():
        dst.mkdir(parents=True)
        for p in sorted(src.glob("*.jpg"))[:n]:
            shutil.copy(p, dst / p.name)
    return dst


# -- a 127.0.0.1 tile server ----------------------------------------------------------------------------
def serve_tiles() -> tuple[ThreadingHTTPServer, int]:
    jpegs = _tile_jpegs()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            parts = self.path.strip("/").split("/")
            try:
                z, x, y = (int(parts[0]), int(parts[1]), int(parts[2].split(".")[0]))
            except (ValueError, IndexError):
                self.send_error(404)
                return
            body = jpegs[(x * 7 + y * 13 + z) % len(jpegs)]
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


MAP_CODE = """
import sys, tempfile
from dataclasses import replace
from pathlib import Path
from geolocator.core import webmap
from geolocator.core.model import LatLon, TileSet
from tests.helpers import two_tile_prediction
tmp = Path(tempfile.mkdtemp())
preds = []
for i in range(2000):
    p = two_tile_prediction(tmp, conf=(i % 20) / 20, status=("verified", "retrieved", "not located")[i % 3 // 2 * (1 + i % 2)],
                            truth=LatLon(50.1, 10.2 + (i % 2) * 0.5) if i % 2 else None)
    preds.append(replace(p, query=replace(p.query, id=f"photos/DJI_{i:04d}.JPG"),
                         location=LatLon(50.0 + i * 1e-4, 10.0 + i * 2e-4)))
html = webmap.build_map(TileSet(tuple(m.tile for m in preds[0].matches), tmp), preds,
                        assets=webmap.Assets(None)).get_root().render()
print(len(html), "characters")
"""


OPEN_CODE = """
import sys, time
from pathlib import Path
from geolocator.core.tilesets import load_tileset
from geolocator.core.sources.tile_image import open_tile_image
ts = load_tileset(Path(sys.argv[1]))
n = 0
for t in ts.tiles:
    open_tile_image(t)
    n += 1
print(n)
"""


# -- one timed run -----------------------------------------------------------------------------------
def run_one(tree: Path, cmd: list[str], cwd: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree), "OMP_NUM_THREADS": "1", "GEOLOCATOR_NO_NETWORK": "1",
           "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    # GNU time measures: a child forked from this (large) process starts with its peak RSS as ru_maxrss
    figures = cwd / f".bench-time-{os.getpid()}"
    t0 = time.perf_counter()
    res = subprocess.run(["/usr/bin/time", "-o", str(figures), "-f", "%U %S %M", *cmd], env=env, cwd=str(cwd),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    wall = time.perf_counter() - t0
    out = res.stdout.decode(errors="replace")
    if res.returncode != 0:
        raise SystemExit(f"{tree}: {' '.join(cmd)} exited {res.returncode}:\n{out[-3000:]}")
    user, sys_, rss_kb = figures.read_text().split()[-3:]
    figures.unlink()
    return {"cpu": float(user) + float(sys_), "wall": wall, "peak_rss": int(rss_kb) / 1024,
            "tail": out.strip().splitlines()[-1:]}


def command(work: str, tree: Path, w: Path, port: int, tag: str) -> tuple[list[str], Path]:
    py = [sys.executable, "-m", "geolocator"]
    fresh = w / "runs" / tag
    if fresh.exists():
        shutil.rmtree(fresh)
    fresh.mkdir(parents=True)
    if work == "locate-demo":
        return py + ["locate", "--tiles", str(ROOT / "resources/demo"), "--cache-dir", str(fresh / "cache"),
                     "-q", str(w / "demo6")], tree
    if work == "locate-bench":
        return py + ["locate", "--tiles", str(ROOT / "data/benchmark/rotterdam-quarter"), "--cache-dir",
                     str(fresh / "cache"), "-q", str(w / "bench8")], tree
    if work == "video":
        return py + ["locate", "--tiles", str(ROOT / "data/benchmark/rotterdam-quarter"), "--cache-dir",
                     str(fresh / "cache"), "--every", "2", "-q", str(w / "clip.mp4")], tree
    if work in ("fetch-folder", "fetch-mbtiles"):
        out = fresh / ("area" if work == "fetch-folder" else "area.mbtiles")
        return py + ["fetch-tiles", f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.jpg", "--bbox", BBOX, "--zoom", "17",
                     "--attribution", "bench", "--out", str(out), "-q"], tree
    if work == "open-pmtiles":
        return [sys.executable, "-c", OPEN_CODE, str(w / "area.pmtiles")], tree
    if work == "open-gpkg":
        return [sys.executable, "-c", OPEN_CODE, str(w / "area.gpkg")], tree
    if work == "list":
        code = ("import sys; from pathlib import Path; from geolocator.core.queries import load_queries; "
                "s = []; q = load_queries(Path(sys.argv[1]), on_skip=lambda p, r: s.append(p)); "
                "print(len(q), 'queries', len(s), 'skipped')")
        return [sys.executable, "-c", code, str(w / "listing")], tree
    if work == "map":
        return [sys.executable, "-c", MAP_CODE], tree
    raise SystemExit(f"unknown work {work}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--new", type=Path, default=ROOT)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("/tmp/perf37/work"))
    ap.add_argument("--only", nargs="*", default=list(WORKS))
    a = ap.parse_args()
    w = a.work
    w.mkdir(parents=True, exist_ok=True)
    subset(ROOT / "resources/demo/queries", w / "demo6", 6)
    subset(ROOT / "data/benchmark/rotterdam-quarter/queries", w / "bench8", 8)
    for name, make, work in (("clip.mp4", make_video, "video"), ("area.pmtiles", make_pmtiles, "open-pmtiles"),
                             ("area.gpkg", make_gpkg, "open-gpkg"), ("listing", make_listing, "list")):
        if work in a.only and not (w / name).exists():
            make(w / name)
    server, port = serve_tiles()
    print(f"old {a.old} ({_head(a.old)}) | new {a.new} ({_head(a.new)}) | reps {a.reps} | "
          f"load before {os.getloadavg()}", flush=True)
    print(f"{'work':<14} {'cpu old':>8} {'cpu new':>8} {'ratio':>6} {'wall old':>9} {'wall new':>9} {'ratio':>6} "
          f"{'rss old':>8} {'rss new':>8} {'ratio':>6}   cpu runs old | new", flush=True)
    for work in a.only:
        got: dict[str, list[dict]] = {"old": [], "new": []}
        for rep in range(a.reps):
            for which in (("old", "new") if rep % 2 == 0 else ("new", "old")):
                tree = a.old if which == "old" else a.new
                cmd, cwd = command(work, tree, w, port, f"{work}-{which}")
                got[which].append(run_one(tree, cmd, cwd))
        med = {x: {k: statistics.median(r[k] for r in got[x]) for k in ("cpu", "wall", "peak_rss")} for x in got}
        runs = " ".join(f"{r['cpu']:.2f}" for r in got["old"]) + " | " + " ".join(f"{r['cpu']:.2f}" for r in got["new"])
        o, n = med["old"], med["new"]
        print(f"{work:<14} {o['cpu']:>7.2f}s {n['cpu']:>7.2f}s {n['cpu'] / o['cpu']:>6.2f} {o['wall']:>8.2f}s "
              f"{n['wall']:>8.2f}s {n['wall'] / o['wall']:>6.2f} {o['peak_rss']:>7.0f}M {n['peak_rss']:>7.0f}M "
              f"{n['peak_rss'] / o['peak_rss']:>6.2f}   {runs}", flush=True)
        walls = " ".join(f"{r['wall']:.1f}" for r in got["old"]) + " | " + " ".join(f"{r['wall']:.1f}" for r in got["new"])
        rss = " ".join(f"{r['peak_rss']:.0f}" for r in got["old"]) + " | " + " ".join(f"{r['peak_rss']:.0f}" for r in got["new"])
        print(f"{'':<14} wall runs old | new: {walls}; peak RSS MB: {rss}; load {os.getloadavg()[0]:.1f}", flush=True)
        print(f"{'':<14} last line old: {got['old'][-1]['tail']} | new: {got['new'][-1]['tail']}", flush=True)
    server.shutdown()
    shutil.rmtree(w / "runs", ignore_errors=True)
    print(f"load after {os.getloadavg()}")


def _head(tree: Path) -> str:
    res = subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return res.stdout.strip()


if __name__ == "__main__":
    main()
