"""How long sampling a video of few key frames takes, with the seek rule of media.video (session 36).

A clip of `--seconds` at 10 fps, 320x240, ONE key frame (x264 g/keyint_min above the frame count), is
written with PyAV to a temporary folder; it is sampled every `--every` seconds by media.video.iter_frames
(the frames each decoded and shrunk), and, for reference, decoded whole in one pass. Before session 36
each sample past SEEK_AHEAD_S sought back to the one key frame and decoded every frame before it again.

    OMP_NUM_THREADS=1 PYTHONPATH=. nice -n 10 .venv/bin/python training/bench_video_seek.py \
        [--seconds 300] [--every 10 30] [--out training/results/video36_seek.txt]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np



def write_clip(path: Path, seconds: int) -> None:
    import av

    n = seconds * 10
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=10, options={"g": str(n + 1), "keyint_min": str(n + 1), "sc_threshold": "0"})
        s.width, s.height, s.pix_fmt = 320, 240, "yuv420p"
        for i in range(n):
            for k in s.encode(av.VideoFrame.from_ndarray(np.full((240, 320, 3), i % 250, np.uint8), format="rgb24")):
                c.mux(k)
        for k in s.encode():
            c.mux(k)


def main(argv=None) -> int:
    import av

    from geolocator.core.media import video as V

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--every", type=float, nargs="+", default=[10.0, 30.0])
    ap.add_argument("--out", type=Path, default=Path("training/results/video36_seek.txt"))
    a = ap.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    lines = [f"# command: python training/bench_video_seek.py --seconds {a.seconds} --every "
             f"{' '.join(str(e) for e in a.every)}  (commit {commit}, load {os.getloadavg()[0]:.1f})"]
    with tempfile.TemporaryDirectory() as tmp:
        clip = Path(tmp) / "one_key.mp4"
        write_clip(clip, a.seconds)
        for every in a.every:
            times = V.sample_times(V.probe_video(clip).duration_s, every)
            t0 = time.perf_counter()
            got = list(V.iter_frames(clip, times))
            lines.append(f"{a.seconds} s, 10 fps, one key frame, every {every:g} s: {len(got)} frames in "
                         f"{time.perf_counter() - t0:.2f} s (iter_frames)")
        t0 = time.perf_counter()
        with av.open(str(clip)) as c:
            n = sum(1 for _ in c.decode(video=0))
        lines.append(f"reference: decoding all {n} frames in one pass: {time.perf_counter() - t0:.2f} s")
    print("\n".join(lines))
    a.out.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
