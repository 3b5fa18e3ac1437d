"""A large stand-in area and a long 4K flight over it, to measure what an 8 GB laptop can run.

The benchmark regions cover a fraction of a km². A search team's area is tens of km². This script
builds a stand-in of that size from one region's pixels (default vegas: one contiguous grid; rotterdam's three patches leave black gaps): the region's tiles are stitched
(make_sample_flight.read_mosaic) and laid side by side, each copy flipped and its brightness moved
a little (random, seeded), into one mosaic of about --side-km on a side, cut into a `tiles.csv` grid of
--tile-m square tiles (JPEG). Repeated ground is NOT a real area: the figures this serves are memory
and time, never accuracy (a frame can match a copy of its ground elsewhere).

Then a nadir 4K clip (--width x --height, default 3840 x 2160) flying a gentle arc over the middle
for --minutes at --fps, encoded H.264 at a low bitrate (libx264, ultrafast, CRF --crf) so a 30 min
file stays a few hundred MB, with its DJI-style .SRT (truth for scoring only) beside it.

  python training/make_long_flight.py --out /tmp/ram29/area [--side-km 4.5] [--minutes 30] [--fps 1]
  geolocator index /tmp/ram29/area/tiles.csv
  geolocator locate /tmp/ram29/area/DJI_0001.MP4 --tiles /tmp/ram29/area/tiles.csv --every 5 --out flight.csv
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from datetime import datetime
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

from geolocator.core.geo import metres_per_degree  # noqa: E402
from make_sample_flight import (FULL_FRAME_DIAGONAL_MM, Mosaic, flight_path, read_mosaic,  # noqa: E402
                                render_frame, write_srt)


def build_area(source_csv: Path, out: Path, side_km: float, tile_m: float, seed: int = 0) -> Mosaic:
    """The stand-in mosaic (also written as `out/tiles/*.jpg` + `out/tiles.csv`)."""
    src = read_mosaic(source_csv)
    mx, my = src.metres_per_pixel()
    mpp = min(mx, my)
    sw, sh = src.image.size
    tile_px = max(16, round(tile_m / mpp))
    n = max(1, round(side_km * 1000 / tile_m))
    side_px = n * tile_px
    rng = np.random.default_rng(seed)
    big = Image.new("RGB", (side_px, side_px))
    base = src.image.resize((round(sw * mx / mpp), round(sh * my / mpp)))  # square pixels of mpp metres
    bw, bh = base.size
    for y in range(0, side_px, bh):
        for x in range(0, side_px, bw):
            piece = base
            if rng.random() < 0.5:
                piece = piece.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
            if rng.random() < 0.5:
                piece = piece.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
            piece = ImageEnhance.Brightness(piece).enhance(float(rng.uniform(0.9, 1.1)))
            big.paste(piece, (x, y))
    lat0, lon0 = (src.south + src.north) / 2, (src.west + src.east) / 2
    m_lat, m_lon = metres_per_degree(lat0)
    half = side_px * mpp / 2
    west, east = lon0 - half / m_lon, lon0 + half / m_lon
    south, north = lat0 - half / m_lat, lat0 + half / m_lat
    (out / "tiles").mkdir(parents=True, exist_ok=True)
    dlon, dlat = (east - west) / n, (north - south) / n
    rows = ["path,west,south,east,north"]
    for r in range(n):
        for c in range(n):
            name = f"tiles/r{r:03d}_c{c:03d}.jpg"
            big.crop((c * tile_px, r * tile_px, (c + 1) * tile_px, (r + 1) * tile_px)).save(out / name, quality=88)
            w, nn = west + c * dlon, north - r * dlat
            rows.append(f"{name},{w:.8f},{nn - dlat:.8f},{w + dlon:.8f},{nn:.8f}")
    (out / "tiles.csv").write_text("\n".join(rows) + "\n")
    return Mosaic(big, west, south, east, north)


def encode_flight(mosaic: Mosaic, out: Path, *, minutes: float, fps: float, size: tuple[int, int],
                  footprint_m: float, altitude_m: float, crf: int, stem: str = "DJI_0001") -> Path:
    import av

    w, h = size
    s = footprint_m / w
    diagonal_m = s * math.hypot(w, h)
    seconds = minutes * 60
    t, lat, lon, heading = flight_path(mosaic, seconds, fps, speed_mps=6.0, turn_deg=120.0,
                                       margin_m=diagonal_m / 2 + 2)
    # a drone camera is not the satellite's: a little more colour (once, on the whole mosaic)
    mosaic = Mosaic(ImageEnhance.Color(mosaic.image).enhance(1.3), mosaic.west, mosaic.south, mosaic.east, mosaic.north)
    video = out / f"{stem}.MP4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "ultrafast", "g": str(max(1, round(2 * fps)))}
        for k, (la, lo, hd) in enumerate(zip(lat, lon, heading)):
            frame = render_frame(mosaic, la, lo, hd, size, s)
            for pkt in stream.encode(av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")):
                container.mux(pkt)
            if k % 300 == 0:
                print(f"  frame {k}/{len(t)}", flush=True)
        for pkt in stream.encode():
            container.mux(pkt)
    focal35 = altitude_m * FULL_FRAME_DIAGONAL_MM / diagonal_m
    write_srt(out / f"{stem}.SRT", t, lat, lon, heading, fps, altitude_m, focal35, datetime(2026, 6, 1, 10, 0, 0))
    return video


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", type=Path, default=ROOT / "data" / "benchmark" / "vegas" / "tiles.csv")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--side-km", type=float, default=4.5, help="side of the square area (default 4.5 km: ~20 km²)")
    ap.add_argument("--tile-m", type=float, default=100.0, help="tile side on the ground (default 100 m)")
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--fps", type=float, default=1.0)
    ap.add_argument("--width", type=int, default=3840)
    ap.add_argument("--height", type=int, default=2160)
    ap.add_argument("--footprint", type=float, default=120.0, help="ground width of a frame in metres")
    ap.add_argument("--crf", type=int, default=32)
    ap.add_argument("--no-video", action="store_true", help="the tiles only")
    args = ap.parse_args(argv)
    t0, c0 = time.perf_counter(), time.process_time()
    mosaic = build_area(args.source, args.out, args.side_km, args.tile_m)
    n = sum(1 for _ in open(args.out / "tiles.csv")) - 1
    print(f"area: {n} tiles of {args.tile_m:.0f} m in {args.out / 'tiles.csv'} "
          f"({time.perf_counter() - t0:.0f} s)", flush=True)
    if not args.no_video:
        video = encode_flight(mosaic, args.out, minutes=args.minutes, fps=args.fps, size=(args.width, args.height),
                              footprint_m=args.footprint, altitude_m=80.0, crf=args.crf)
        print(f"video: {video} ({video.stat().st_size / 1e6:.0f} MB, {args.minutes:g} min at {args.fps:g} fps, "
              f"{args.width}x{args.height})")
    print(f"wall {time.perf_counter() - t0:.0f} s, CPU {time.process_time() - c0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
