"""What a fetch's progress says while the server holds a tile back (session 35, fetcheta35).

A tile server on 127.0.0.1 (http.server in a thread) serves TILES small JPEGs, each after DELAY s, and
holds the last one back HOLD s. fetch_tiles runs with 4 in flight; every progress event is printed as
one JSON line (seconds since the start, step, eta_s, message), then a summary: the time left said at
the last event before the hold, how many events came during the hold, and what the last of them said.

Run: OMP_NUM_THREADS=1 PYTHONPATH=. python training/bench_fetch_waiting.py [--hold 20] [--tiles 36]
(PYTHONPATH=/path/to/other/checkout measures another version: how the "before" figures were taken;
figures in training/results/fetcheta35_session35.md). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=36)
    ap.add_argument("--hold", type=float, default=20.0, help="seconds the last tile is held back")
    ap.add_argument("--delay", type=float, default=0.1, help="seconds before each other answer")
    args = ap.parse_args()

    from PIL import Image

    from geolocator.core.sources import fetch as F

    buf = io.BytesIO()
    Image.new("RGB", (256, 256), (90, 120, 80)).save(buf, "JPEG")
    jpeg = buf.getvalue()
    tiles = [(16, 30000 + i % 6, 20000 + i // 6) for i in range(args.tiles)]
    held = "/{}/{}/{}.jpg".format(*tiles[-1])

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):  # noqa: N802
            time.sleep(args.hold if self.path == held else args.delay)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(jpeg)))
            self.end_headers()
            self.wfile.write(jpeg)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.jpg"
    t0 = time.perf_counter()
    events = []

    def progress(e):
        row = {"t": round(time.perf_counter() - t0, 1), "step": e.step, "eta_s": None if e.eta_s is None else
               round(e.eta_s, 1), "message": e.message}
        events.append(row)
        print(json.dumps(row), flush=True)

    with tempfile.TemporaryDirectory(prefix="fetcheta35-") as tmp:
        F.fetch_tiles(F.parse_template(url), tiles, Path(tmp) / "t", progress=progress)
    httpd.shutdown()
    last = len(tiles) - 1
    before = [e for e in events if e["step"] < last or (e["step"] == last and "waiting" not in e["message"])]
    hold_start = next((e["t"] for e in events if e["step"] == last), None)
    during = [e for e in events if e["step"] == last]
    print(json.dumps({"summary": True, "tiles": len(tiles), "hold_s": args.hold,
                      "last_tile_came_at_s": events[-1]["t"], "hold_began_at_s": hold_start,
                      "eta_said_when_hold_began": during[0]["eta_s"] if during else None,
                      "events_during_hold": len(during), "first_event_in_hold": during[0] if during else None,
                      "last_event_in_hold": during[-1] if during else None,
                      "events_before": len(before)}))


if __name__ == "__main__":
    main()
