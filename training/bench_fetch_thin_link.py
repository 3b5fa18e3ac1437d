"""fetch-tiles over a thin, failing link, emulated on 127.0.0.1 (session 30, net30).

A tile server in a subprocess of this script shares one byte budget among all its responses (RATE bytes/s,
default 200 kB/s: a satellite or weak mobile link) and waits LATENCY seconds before each answer (the
link's round trip); its tiles are JPEGs of 256 px noise over a gradient, about the size of aerial tiles.
Modes make it fail the way such links do. Measured, each printed as one JSON line:

  concurrency  tiles/s and kB/s for --concurrency 1, 2, 4, 8 (does more in flight make a thin link worse?)
  eta          a resume of 150 stored + 58 tiles: the first ETA shown vs the time it really took
  cancel       a cancel (core) and Ctrl-C (the CLI) while every request hangs: seconds until it returns
  silent       the server goes silent after 20 tiles (takes requests, sends nothing), default timeouts:
               seconds from the silence to the fetch's stop, and its message
  kill         SIGKILL after 30 tiles arrived at 4 a second: tiles the .mbtiles kept
  memory       peak RSS of a 10,000-tile fetch into .mbtiles and of its resume (the server unthrottled)

Run: OMP_NUM_THREADS=1 PYTHONPATH=. python training/bench_fetch_thin_link.py [--only NAME ...]
(figures in training/results/net30_session30.md). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

# the checkout whose geolocator the CLI runs are made with (BENCH_REPO=/path/to/other/checkout with
# PYTHONPATH=/path/to/other/checkout measures another version: how the "before" figures were taken)
REPO = Path(os.environ.get("BENCH_REPO") or Path(__file__).resolve().parents[1])
BBOX = "4.46,51.91,4.48,51.92"  # 208 tiles at zoom 18


# ---------------------------------------------------------------- the server (run with --serve)


def serve(port: int, rate: float, latency: float, mode: str) -> None:
    """Answer /z/x/y.jpg. mode: ok | stall (every request hangs) | stall-after:N (the first N answered) |
    tiny (one 1 kB JPEG for every tile, unthrottled: for the memory run)."""
    import numpy as np
    from PIL import Image

    lock = threading.Lock()
    state = {"n": 0, "free_at": time.monotonic()}
    cache: dict = {}

    def jpeg(z, x, y) -> bytes:
        if mode == "tiny":
            key = "tiny"
            if key not in cache:
                b = io.BytesIO()
                Image.new("RGB", (256, 256), (90, 120, 80)).save(b, "JPEG", quality=50)
                cache[key] = b.getvalue()
            return cache[key]
        key = (z, x, y)
        if key not in cache:
            rng = np.random.default_rng((z * 1_000_003 + x) * 1_000_003 + y)
            px = rng.random((256, 256, 3)) * 60 + np.linspace(0, 180, 256)[:, None, None]
            b = io.BytesIO()
            Image.fromarray(px.astype(np.uint8)).save(b, "JPEG", quality=80)
            cache[key] = b.getvalue()
        return cache[key]

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            with lock:
                state["n"] += 1
                n = state["n"]
            m = re.match(r"^/(\d+)/(\d+)/(\d+)\.jpg$", self.path)
            if not m:
                self.send_error(404)
                return
            if mode != "tiny":
                time.sleep(latency)
            if mode == "stall" or (mode.startswith("stall-after:") and n > int(mode.split(":")[1])):
                if mode.startswith("stall-after"):
                    print(f"silent {time.time():.3f}", flush=True)
                time.sleep(3600)
                return
            body = jpeg(*map(int, m.groups()))
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            for i in range(0, len(body), 4096):
                part = body[i:i + 4096]
                if mode != "tiny":  # one byte budget shared by every response: the link
                    with lock:
                        start = max(time.monotonic(), state["free_at"])
                        state["free_at"] = start + len(part) / rate
                    time.sleep(max(0.0, start + len(part) / rate - time.monotonic()))
                try:
                    self.wfile.write(part)
                except OSError:
                    return

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    print("ready", flush=True)
    httpd.serve_forever()


class Server:
    """This script with --serve in a subprocess on a free 127.0.0.1 port; `silent_at` reads when the
    stall-after mode went silent (the time.time() the server printed)."""

    def __init__(self, rate: float, latency: float, mode: str = "ok") -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", str(self.port), "--rate", str(rate),
                                      "--latency", str(latency), "--mode", mode], stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline().strip() == "ready"
        self.url = f"http://127.0.0.1:{self.port}/{{z}}/{{x}}/{{y}}.jpg"

    def silent_at(self) -> float | None:
        line = self.proc.stdout.readline()
        return float(line.split()[1]) if line.startswith("silent") else None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


# ---------------------------------------------------------------- the measurements


def _tiles(zoom: int = 18):
    from geolocator.core.model import Bounds
    from geolocator.core.sources import fetch as F

    w, s, e, n = map(float, BBOX.split(","))
    return F.tiles_for_bbox(Bounds(w, s, e, n), zoom)


def bench_concurrency(tmp: Path, rate: float, latency: float) -> dict:
    from geolocator.core.sources import fetch as F

    tiles = _tiles()[:60]
    out = {}
    with Server(rate, latency) as server:
        t = F.parse_template(server.url)
        for c in (1, 2, 4, 8):
            path = tmp / f"c{c}.mbtiles"
            r = F.fetch_tiles(t, tiles, path, concurrency=c)
            out[c] = {"tiles_s": round(r.fetched / r.seconds, 2), "kB_s": round(r.bytes / r.seconds / 1e3, 1),
                      "seconds": round(r.seconds, 1), "failed": len(r.failed)}
    return out


def bench_eta(tmp: Path, rate: float, latency: float) -> dict:
    from geolocator.core.sources import fetch as F

    tiles = _tiles()
    path = tmp / "eta.mbtiles"
    with Server(rate, latency) as server:
        t = F.parse_template(server.url)
        F.fetch_tiles(t, tiles[:150], path)
        seen = []
        t0 = time.monotonic()
        F.fetch_tiles(t, tiles, path, progress=lambda e: seen.append((time.monotonic() - t0, e.step, e.eta_s)))
        total = time.monotonic() - t0
    first = next((el, step, eta) for el, step, eta in seen if eta is not None and step < len(tiles))
    half = next((el, step, eta) for el, step, eta in seen if step >= 150 + (len(tiles) - 150) // 2)
    return {"stored": 150, "asked": len(tiles) - 150, "first_eta_step": first[1], "first_eta_s": round(first[2], 1),
            "true_left_s": round(total - first[0], 1), "half_eta_s": round(half[2], 1),
            "half_true_left_s": round(total - half[0], 1), "total_s": round(total, 1)}


def bench_cancel(tmp: Path, rate: float, latency: float) -> dict:
    from geolocator.core.errors import Cancelled
    from geolocator.core.progress import CancelToken
    from geolocator.core.sources import fetch as F

    out = {}
    with Server(rate, latency, "stall") as server:
        token = CancelToken()
        threading.Timer(3.0, token.cancel).start()
        t0 = time.monotonic()
        try:
            F.fetch_tiles(F.parse_template(server.url), _tiles(), tmp / "cancel.mbtiles", cancel=token)
        except Cancelled:
            pass
        out["core_cancel_s"] = round(time.monotonic() - t0 - 3.0, 2)
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url, f"--bbox={BBOX}",
                                 "--zoom", "18", "--out", str(tmp / "cli.mbtiles"), "-q"], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(8.0)  # the CLI started and its 4 requests hang
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        proc.wait()
        out["cli_ctrl_c_s"] = round(time.monotonic() - t0, 2)
        out["cli_rc"] = proc.returncode
    return out


def bench_silent(tmp: Path, rate: float, latency: float) -> dict:
    proc_out = tmp / "silent.log"
    with Server(rate, latency, "stall-after:20") as server:
        with open(proc_out, "w") as log:
            proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url, f"--bbox={BBOX}",
                                     "--zoom", "18", "--out", str(tmp / "silent.mbtiles"), "-q"], cwd=REPO,
                                    stdout=log, stderr=subprocess.STDOUT)
            silent = server.silent_at()
            proc.wait(timeout=1800)
            ended = time.time()
    said = [ln for ln in proc_out.read_text().splitlines() if ln.startswith("error:")]
    return {"stopped_after_silence_s": round(ended - silent, 1), "rc": proc.returncode,
            "message": said[0] if said else None}


def bench_kill(tmp: Path, rate: float, latency: float) -> dict:
    import sqlite3

    path = tmp / "kill.mbtiles"
    with Server(rate, 0.25) as server:  # about 4 tiles a second, one in flight
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url, f"--bbox={BBOX}",
                                 "--zoom", "18", "--out", str(path), "--concurrency", "1", "-q"], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(12.0)
        proc.kill()
        proc.wait()
    kept = sqlite3.connect(path).execute("SELECT COUNT(*) FROM tiles").fetchone()[0] if path.exists() else 0
    return {"killed_after_s": 12.0, "tiles_kept": kept}


def bench_memory(tmp: Path, n_tiles: int = 10_000) -> dict:
    code = ("import resource, sys; from geolocator.core.sources import fetch as F\n"
            f"tiles = [(19, 260000 + i // 100, 170000 + i % 100) for i in range({n_tiles})]\n"
            "r = F.fetch_tiles(F.parse_template(sys.argv[1]), tiles, sys.argv[2])\n"
            "print(r.fetched, r.already, round(r.seconds, 1), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = {}
    with Server(0, 0, "tiny") as server:
        for run in ("first", "resume"):
            line = subprocess.run([sys.executable, "-c", code, server.url, str(tmp / "large.mbtiles")], cwd=REPO,
                                  capture_output=True, text=True, check=True).stdout.split()
            out[run] = {"fetched": int(line[0]), "already": int(line[1]), "seconds": float(line[2]),
                        "peak_rss_mb": round(int(line[3]) / 1024, 1)}
    out["tiles"] = n_tiles
    return out


BENCHES = {"concurrency": bench_concurrency, "eta": bench_eta, "cancel": bench_cancel, "silent": bench_silent,
           "kill": bench_kill}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="ok", help=argparse.SUPPRESS)
    ap.add_argument("--rate", type=float, default=200e3, help="the link's bytes per second (default 200 kB/s)")
    ap.add_argument("--latency", type=float, default=0.6, help="seconds before each answer (default 0.6: satellite)")
    ap.add_argument("--only", nargs="+", choices=[*BENCHES, "memory"])
    a = ap.parse_args()
    if a.serve:
        serve(a.serve, a.rate, a.latency, a.mode)
        return
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    print(json.dumps({"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "load": os.getloadavg()[0],
                      "rate_B_s": a.rate, "latency_s": a.latency}), flush=True)
    with tempfile.TemporaryDirectory(prefix="thin-link-") as tmp:
        for name in a.only or [*BENCHES, "memory"]:
            t0 = time.monotonic()
            got = bench_memory(Path(tmp)) if name == "memory" else BENCHES[name](Path(tmp), a.rate, a.latency)
            print(json.dumps({"bench": name, **got, "load_after": round(os.getloadavg()[0], 2),
                              "wall_s": round(time.monotonic() - t0, 1)}), flush=True)


if __name__ == "__main__":
    main()
