"""Shot cuts (core/media/cuts.py): the measurements its thresholds were set from, and its CPU cost.

Makes small clips (320 x 240, 10 fps, H.264) from the demo's photos and tiles and a benchmark tile:
- cuts9: nine demo photos, one still second each (8 cuts);
- cutspan9: nine other demo photos, one second each panning within it (8 cuts; 13/14/15 look alike);
- flight60: a flight over the demo mosaic (tests/flight_helpers.straight_flight), no cut;
- benchpan: a window sliding across a Las Vegas benchmark tile (enlarged 2x), 1/20 frame a frame, no cut;
- farcut: two views of the demo mosaic 500 px apart, one cut;
- blur9: the nine photos of newuser22's clip, 3 s each (640 x 480, 5 fps), the last second of each
  suddenly blurred (Gaussian 12 px): 8 cuts, and 9 blur onsets that are not cuts;
then a 1280 x 720, 30 fps, 20 s pan (every pair of samples suspect: the worst case, everything
decoded again) for the CPU per frame. Prints per clip the sampled-pair MADs, per gap the largest
and median decoded step, the shots found, and CPU seconds (process time).

  OMP_NUM_THREADS=1 python training/bench_cuts.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
# the frames' cache in a folder removed at exit (a mkdtemp here left one in /tmp per import: the test
# that runs every training script's --help made a new one each run)
_FRAMES = tempfile.TemporaryDirectory(prefix="bench-cuts-frames-")
os.environ.setdefault("GEOLOCATOR_FRAME_CACHE", _FRAMES.name)

from flight_helpers import demo_mosaic, render_view, straight_flight, write_video  # noqa: E402

from geolocator.core.media import cuts, video  # noqa: E402

W, H = 320, 240


def photo(i: int) -> Image.Image:
    return Image.open(ROOT / "resources" / "demo" / "queries" / f"q_{i:04d}.jpg").convert("RGB").resize((W, H))


def pan_in(im: Image.Image, n: int) -> list[Image.Image]:
    big = im.resize((int(W * 1.3), int(H * 1.3)))
    return [big.crop((int(k * (big.width - W) / (n - 1)), 0, int(k * (big.width - W) / (n - 1)) + W, H)) for k in range(n)]


def measure(name: str, path: Path) -> None:
    times = video.sample_times(video.probe_video(path).duration_s, 1.0)
    t = time.process_time()
    thumbs = [cuts.thumbnail(video.open_frame(path, x)) for x in times]
    decode_s = time.process_time() - t
    pair = [cuts.mad(a, b) for a, b in zip(thumbs, thumbs[1:])]
    steps = cuts.decoded_steps(path, list(zip(times, times[1:])))
    t = time.process_time()
    shots = cuts.video_shots(path, times)  # the frames are cached now: what it costs when a track is made
    cut_s = time.process_time() - t
    print(f"{name}: {len(times)} samples; sampled-pair MAD {[round(x, 1) for x in pair]}")
    fine = [[f for f, _ in s] for s in steps]
    print(f"  decoded steps (max, median, coarse change at the max) "
          f"{[(round(max(f), 1), round(float(np.median(f)), 1), round(s[int(np.argmax(f))][1], 1)) for f, s in zip(fine, steps)]}")
    print(f"  shots {shots}; CPU {cut_s:.2f} s for cuts ({cut_s / len(times) * 1000:.0f} ms a sample), "
          f"{decode_s:.2f} s for the product's own decode into the frame cache")


def main() -> None:
    # the record says what produced it (session 26: bench_cuts.txt had no command)
    print(f"# python training/bench_cuts.py (OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')})", flush=True)
    out = Path(tempfile.mkdtemp(prefix="bench-cuts-"))
    tile = Image.open(ROOT / "data" / "benchmark" / "vegas" / "tiles" / "r03_c03.jpg").convert("RGB")
    big = tile.resize((tile.width * 2, tile.height * 2))
    mosaic, _ = demo_mosaic(0.5)
    clips = {
        "cuts9": [photo(i) for i in range(1, 10) for _ in range(10)],
        "cutspan9": [f for i in range(11, 20) for f in pan_in(photo(i), 10)],
        "flight60": straight_flight(60, out=(W, H))[0],
        "benchpan": [big.crop((x, 100, x + W, 100 + H)) for x in range(0, big.width - W, 16)],
        "farcut": [render_view(mosaic, 200 + 2 * k, 300, 0, (W, H), 128) for k in range(10)]
        + [render_view(mosaic, 600 + 2 * k, 500, 0, (W, H), 128) for k in range(10)],
    }
    for name, frames in clips.items():
        measure(name, write_video(out / f"{name}.mp4", frames, fps=10))
    from PIL import ImageFilter

    blur9 = []
    for i in range(1, 106, 13):
        im = Image.open(ROOT / "resources" / "demo" / "queries" / f"q_{i:04d}.jpg").convert("RGB").resize((640, 480))
        blur9 += [im] * 10 + [im.filter(ImageFilter.GaussianBlur(12))] * 5
    measure("blur9", write_video(out / "blur9.mp4", blur9, fps=5))
    m4 = mosaic.resize((mosaic.width * 3, mosaic.height * 3))
    hd = [m4.crop((x, 200, x + 1280, 920)).copy() for x in np.linspace(0, m4.width - 1280, 600).astype(int)]
    measure("pan720p30 (worst case: every gap decoded again)", write_video(out / "pan720.mp4", hd, fps=30))


if __name__ == "__main__":
    main()
