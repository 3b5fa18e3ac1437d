"""Video decoding memory and speed: sampling a 4K drone video stays bounded in memory.

Encodes a synthetic 3840x2160 H.264 clip (a textured scene panning, like a drone flying), then in a
fresh process per measurement samples a frame every --every seconds through the product's path
(media.video: seek, decode, shrink to 1024 px, frame cache) and reports peak RSS, time per sampled
frame and the cache's bytes per frame. Peak RSS does not depend on the clip's length (one decoded
frame at a time); an hour of 4K at 1 frame/s is 3600 such samples.

  python training/bench_video.py [--seconds 20] [--fps 10] [--every 1.0] [--out training/results/bench_video.txt]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def encode(path: Path, seconds: float, fps: int, size=(3840, 2160)) -> None:
    import av

    w, h = size
    rng = np.random.default_rng(0)
    world = (rng.random((h // 8 + 64, w // 8 + 64 + int(seconds * fps) * 4, 3)) * 255).astype(np.uint8)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "28", "g": str(2 * fps)}  # a key frame every 2 s
        for i in range(int(seconds * fps)):
            tile = world[: h // 8, i * 4: i * 4 + w // 8]
            frame = np.repeat(np.repeat(tile, 8, axis=0), 8, axis=1)
            for pkt in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                out.mux(pkt)
        for pkt in stream.encode():
            out.mux(pkt)


CHILD = r"""
import json, os, resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from geolocator.core.media import video as V
from geolocator.core.media.query_image import open_query_image
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
path, every, mode = Path(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
queries = V.video_queries(path, every_s=every)
started = time.perf_counter()
if mode == "product":
    for q in queries:
        open_query_image(q)  # decode + shrink + cache, as extraction and verification do
elif mode == "keep-full":  # what holding every sampled frame at full size would cost
    import av
    kept = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        for fr in c.decode(s):
            if fr.time is not None and any(abs(fr.time - q.time_s) < 1e-3 for q in queries):
                kept.append(fr.to_ndarray(format="rgb24"))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"frames": len(queries), "seconds": seconds, "peak_rss_mb": peak / 1024, "import_rss_mb": base / 1024}))
"""


def measure(video: Path, every: float, mode: str, cache: Path) -> dict:
    env = dict(os.environ, GEOLOCATOR_FRAME_CACHE=str(cache), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), str(video), str(every), mode],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--fps", type=int, default=10)
    ap.add_argument("--every", type=float, default=1.0)
    ap.add_argument("--out", type=Path, default=ROOT / "training" / "results" / "bench_video.txt")
    args = ap.parse_args(argv)
    # the record says what produced it (session 26: bench_video.txt had no command)
    lines = [f"# python training/bench_video.py --seconds {args.seconds:g} --fps {args.fps} --every {args.every:g}"]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        results = {}
        for seconds in (args.seconds / 2, args.seconds):
            video = tmp / f"clip_{seconds:g}.mp4"
            t0 = time.perf_counter()
            encode(video, seconds, args.fps)
            enc = time.perf_counter() - t0
            for mode in ("product", "keep-full"):
                r = measure(video, args.every, mode, tmp / f"frames_{seconds:g}")
                results[(seconds, mode)] = r
                cache_bytes = sum(p.stat().st_size for p in (tmp / f"frames_{seconds:g}").rglob("*.jpg")) if mode == "product" else 0
                line = (f"4K clip {seconds:g} s @ {args.fps} fps ({video.stat().st_size / 1e6:.1f} MB, encoded in {enc:.0f} s), "
                        f"every {args.every:g} s -> {r['frames']} frames, {mode:9s}: peak RSS {r['peak_rss_mb']:.0f} MB "
                        f"(after imports {r['import_rss_mb']:.0f} MB), {1000 * r['seconds'] / max(r['frames'], 1):.0f} ms/frame"
                        + (f", frame cache {cache_bytes / max(r['frames'], 1) / 1e3:.0f} kB/frame" if cache_bytes else ""))
                print(line, flush=True)
                lines.append(line)
    lines.append("product = media.video through open_query_image (seek, decode, shrink to 1024 px, JPEG frame cache); "
                 "keep-full = holding every sampled 4K frame as an array (what the product avoids). Peak RSS of the "
                 "product path should not grow with the clip's length; keep-full grows by ~25 MB per sampled frame.")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
