"""Small synthetic flights for tests: a north-up mosaic of the demo tiles, views of it along a
path, encoded as an mp4 (PyAV) with an optional DJI-style telemetry sidecar."""

from __future__ import annotations

import csv
import math
from datetime import timedelta
from pathlib import Path

import numpy as np
from PIL import Image

from geolocator.core.model import Bounds, LatLon

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def demo_mosaic(scale: float = 0.5) -> tuple[Image.Image, Bounds]:
    """The demo's 6 x 6 tiles pasted into one north-up image (`scale` x their 256 px) and its bounds."""
    rows = list(csv.DictReader(open(DEMO / "tiles.csv")))
    bounds = [Bounds(*(float(r[k]) for k in ("west", "south", "east", "north"))) for r in rows]
    whole = bounds[0]
    for b in bounds[1:]:
        whole = whole.union(b)
    side = round(256 * scale)
    cols = round((whole.east - whole.west) / (bounds[0].east - bounds[0].west))
    nrows = round((whole.north - whole.south) / (bounds[0].north - bounds[0].south))
    canvas = Image.new("RGB", (cols * side, nrows * side))
    for r, b in zip(rows, bounds):
        x = round((b.west - whole.west) / (whole.east - whole.west) * cols)
        y = round((whole.north - b.north) / (whole.north - whole.south) * nrows)
        with Image.open(DEMO / r["path"]) as im:
            canvas.paste(im.convert("RGB").resize((side, side)), (x * side, y * side))
    return canvas, whole


def point_at(bounds: Bounds, size: tuple[int, int], x: float, y: float) -> LatLon:
    return bounds.point_at(x / size[0], y / size[1])


def render_view(mosaic: Image.Image, x: float, y: float, heading_deg: float, out: tuple[int, int],
                ground_px: float) -> Image.Image:
    """A nadir view centred on mosaic pixel (x, y), the image's top pointing `heading_deg`
    clockwise from north, `ground_px` mosaic pixels across its width, resized to `out`."""
    w, h = out
    gw, gh = ground_px, ground_px * h / w
    r = math.hypot(gw, gh) / 2 + 2
    box = (round(x - r), round(y - r), round(x + r), round(y + r))
    patch = mosaic.crop(box).rotate(heading_deg, resample=Image.Resampling.BILINEAR)
    c = patch.size[0] / 2
    view = patch.crop((round(c - gw / 2), round(c - gh / 2), round(c + gw / 2), round(c + gh / 2)))
    return view.resize(out, Image.Resampling.BILINEAR)


def write_video(path: Path, frames: list[Image.Image], fps: int = 5) -> Path:
    import av

    w, h = frames[0].size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "18", "preset": "ultrafast"}
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(np.asarray(image.convert("RGB")), format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_dji_srt(path: Path, positions: list[LatLon], fps: int, *, yaw: list[float] | None = None) -> Path:
    """A DJI Mini/Air-style sidecar: one cue per frame, bracketed fields (written with `srt`)."""
    import srt

    cues = []
    for i, p in enumerate(positions):
        start, end = timedelta(seconds=i / fps), timedelta(seconds=(i + 1) / fps)
        gimbal = f" [gb_yaw: {yaw[i]:.1f} gb_pitch: -90.0 gb_roll: 0.0]" if yaw else ""
        text = (f'<font size="28">FrameCnt: {i + 1}, DiffTime: {round(1000 / fps)}ms\n'
                f"2026-05-27 13:14:{22 + i / fps:06.3f}\n"
                f"[iso: 100] [shutter: 1/1000.0] [fnum: 2.8] [ev: 0] [focal_len: 24.00] "
                f"[latitude: {p.lat:.7f}] [longitude: {p.lon:.7f}] [rel_alt: 40.000 abs_alt: 652.300]{gimbal}</font>")
        cues.append(srt.Subtitle(i + 1, start, end, text))
    path.write_text(srt.compose(cues), encoding="utf-8")
    return path


def straight_flight(n: int, *, scale: float = 0.5, row: float = 0.5, out=(192, 144), ground_tiles: float = 1.0,
                    span: tuple[float, float] | None = None):
    """Frames of a flight from west to east along mosaic row fraction `row` (between fractions
    `span` of the width; default one tile in from each side): (frames, positions)."""
    mosaic, bounds = demo_mosaic(scale)
    tile_px = 256 * scale
    lo, hi = (tile_px, mosaic.size[0] - tile_px) if span is None else (span[0] * mosaic.size[0], span[1] * mosaic.size[0])
    xs = np.linspace(lo, hi, n)
    y = row * mosaic.size[1]
    frames = [render_view(mosaic, x, y, 0.0, out, ground_tiles * tile_px) for x in xs]
    positions = [point_at(bounds, mosaic.size, x, y) for x in xs]
    return frames, positions
