"""A short sample flight to try the video path with: a nadir clip over a tile set, its DJI-style
telemetry (.SRT) and the truth, rendered in seconds (no locating; compare_sequence.py also locates).

The frames are cut from the tiles themselves (stitched into one mosaic), seen by a camera looking
straight down that flies a gentle curve, the top of each frame pointing along the flight; colours
shifted a little so that frames are not the tiles' pixels. Written to --out:

- `DJI_0001.MP4`: H.264 (PyAV), `--seconds` long at `--fps` frames a second;
- `DJI_0001.SRT`: one DJI bracket cue per frame (``[latitude: …] [longitude: …] [rel_alt: …]``,
  ``[focal_len: …]`` as a 35 mm equivalent that gives the footprint, gimbal yaw/pitch/roll), read by
  `geolocator locate` as the camera's recorded position: truth for scoring only;
- `truth.csv`: time_s, lat, lon, heading_deg of every frame (the same positions as the SRT).

  python training/make_sample_flight.py [--tiles resources/demo/tiles.csv] [--out sample-flight]
  geolocator locate sample-flight/DJI_0001.MP4 --tiles resources/demo/tiles.csv --out flight.geojson

The tile set must be a tiles.csv grid of equal north-up tiles in WGS84 degrees (the demo and the
benchmark regions are). A tile set of separate patches (Rotterdam's three) is flown over its largest
patch; tiles that cannot be read, or a patch too small or too gappy for the path, stop it with a
sentence naming the file.
"""

from __future__ import annotations

import argparse
import csv
import math
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geolocator.core.geo import metres_per_degree  # noqa: E402

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # what a 35 mm-equivalent focal length refers to


@dataclass(frozen=True)
class Mosaic:
    """The tiles stitched north-up: `image` (RGB) covering west..east, south..north (degrees);
    `coverage` (mode "L", the image's size, 255 where a tile lies, 0 in gaps) or None: all covered."""

    image: Image.Image
    west: float
    south: float
    east: float
    north: float
    coverage: Image.Image | None = None

    def pixel(self, lat: float, lon: float) -> tuple[float, float]:
        """(column, row) of a position, in the mosaic's pixels (0, 0: its north-west corner)."""
        w, h = self.image.size
        return ((lon - self.west) / (self.east - self.west) * w, (self.north - lat) / (self.north - self.south) * h)

    def metres_per_pixel(self) -> tuple[float, float]:
        """(east-west, north-south) ground size of one pixel at the mosaic's middle latitude."""
        m_lat, m_lon = metres_per_degree((self.south + self.north) / 2)
        w, h = self.image.size
        return (self.east - self.west) * m_lon / w, (self.north - self.south) * m_lat / h


def _read_rows(tiles_csv: Path) -> list[tuple[str, float, float, float, float]]:
    """(path, west, south, east, north) of every row; SystemExit naming the file when it cannot be read."""
    try:
        with open(tiles_csv, newline="") as fh:
            rows = [(r["path"], *(float(r[k]) for k in ("west", "south", "east", "north")))
                    for r in csv.DictReader(fh)]
    except OSError as exc:
        raise SystemExit(f"{tiles_csv}: cannot read it ({exc.strerror or exc})") from None
    except (KeyError, TypeError, ValueError) as exc:
        raise SystemExit(f"{tiles_csv}: not a tiles.csv (columns path, west, south, east, north in degrees): "
                         f"{exc!r}") from None
    if not rows:
        raise SystemExit(f"{tiles_csv}: no tiles")
    return rows


def tile_patches(bounds: np.ndarray) -> list[list[int]]:
    """Groups of touching tiles: `bounds` (N, 4) west, south, east, north in degrees; two tiles are in
    one patch when their rectangles overlap or share an edge (within 1 % of a tile's size; corners
    alone do not join). Returns lists of row indices, the largest patch first (ties: first row)."""
    n = len(bounds)
    tol_x = 0.01 * np.median(bounds[:, 2] - bounds[:, 0])
    tol_y = 0.01 * np.median(bounds[:, 3] - bounds[:, 1])
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        w, s, e, nn = bounds[i]
        # overlap in one axis by more than the tolerance, and touch/overlap (within it) in the other
        ox = np.minimum(e, bounds[:, 2]) - np.maximum(w, bounds[:, 0])
        oy = np.minimum(nn, bounds[:, 3]) - np.maximum(s, bounds[:, 1])
        joined = ((ox > tol_x) & (oy > -tol_y)) | ((oy > tol_y) & (ox > -tol_x))
        for j in np.nonzero(joined)[0]:
            ri, rj = root(i), root(int(j))
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
    groups: dict[int, list[int]] = {}
    for i in range(n):
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g[0]))


def read_mosaic(tiles_csv: Path, *, log=None) -> Mosaic:
    """Stitch a tiles.csv grid (path, west, south, east, north; paths relative to the file) into one
    north-up mosaic at the first tile's degrees a pixel.

    A tile set of several separate patches (the benchmark's Rotterdam: three, kilometres apart) is
    stitched over its largest patch only (the others are left out, said through `log(str)` when
    given), so that the flight, centred on the mosaic, is over tiles and not the gap between them.

    Raises SystemExit (a sentence naming the file) when the CSV or a tile cannot be read."""
    tiles_csv = Path(tiles_csv)
    rows = _read_rows(tiles_csv)
    patches = tile_patches(np.array([r[1:] for r in rows], float))
    if len(patches) > 1 and log is not None:
        sizes = ", ".join(str(len(g)) for g in patches)
        log(f"{tiles_csv}: {len(patches)} separate patches of tiles ({sizes} tiles); the flight is over "
            f"the largest ({len(patches[0])} tiles)")
    rows = [rows[i] for i in patches[0]]

    def open_tile(path: str) -> Image.Image:
        try:
            return Image.open(tiles_csv.parent / path)
        except (OSError, ValueError) as exc:  # missing file, not an image (PIL's UnidentifiedImageError)
            reason = getattr(exc, "strerror", None) or "not an image PIL can open"
            raise SystemExit(f"{tiles_csv}: tile {tiles_csv.parent / path} cannot be read ({reason})") from None

    with open_tile(rows[0][0]) as first:
        tw, th = first.size
    dlon, dlat = (rows[0][3] - rows[0][1]) / tw, (rows[0][4] - rows[0][2]) / th  # degrees a pixel
    if dlon <= 0 or dlat <= 0:
        raise SystemExit(f"{tiles_csv}: tile {rows[0][0]} has east <= west or north <= south")
    west, south = min(r[1] for r in rows), min(r[2] for r in rows)
    east, north = max(r[3] for r in rows), max(r[4] for r in rows)
    size = (round((east - west) / dlon), round((north - south) / dlat))
    if size[0] * size[1] > 400_000_000:
        raise SystemExit(f"{tiles_csv}: its largest patch of tiles would be a {size[0]} x {size[1]} px mosaic; "
                         "give a tiles.csv of a smaller area")
    image = Image.new("RGB", size)
    coverage = Image.new("L", size, 0)
    for path, w, s, e, n in rows:
        box = (round((w - west) / dlon), round((north - n) / dlat))
        tile_size = (max(1, round((e - w) / dlon)), max(1, round((n - s) / dlat)))
        with open_tile(path) as tile:
            try:
                image.paste(tile.convert("RGB").resize(tile_size), box)
            except OSError as exc:  # truncated or corrupt image data
                raise SystemExit(f"{tiles_csv}: tile {tiles_csv.parent / path} cannot be read ({exc})") from None
        coverage.paste(255, (*box, box[0] + tile_size[0], box[1] + tile_size[1]))
    return Mosaic(image, west, south, east, north, coverage)


def render_frame(mosaic: Mosaic, lat: float, lon: float, heading_deg: float, size: tuple[int, int],
                 metres_per_px: float) -> Image.Image:
    """What a nadir camera above (lat, lon) sees: `size` (width, height) pixels of `metres_per_px`,
    the frame's top towards `heading_deg` (clockwise from north), its centre at (lat, lon).

    A frame pixel (u, v) (v down) lies x = (u - w/2) m/px to the right and y = (v - h/2) m/px
    below the centre; with the top along heading h, right is (cos h, -sin h) and up (sin h, cos h)
    in (east, north), so the ground point is east = x cos h - y sin h, north = -x sin h - y cos h
    from the centre (PIL's affine transform maps each output pixel to its source pixel)."""
    w, h = size
    mx, my = mosaic.metres_per_pixel()
    c0, r0 = mosaic.pixel(lat, lon)
    ch, sh = math.cos(math.radians(heading_deg)), math.sin(math.radians(heading_deg))
    s = metres_per_px
    # column = c0 + east / mx, row = r0 - north / my, with (x, y) = s * (X - w/2, Y - h/2) in PIL's
    # continuous coordinates (pixel u's centre at X = u + 0.5, as Mosaic.pixel's)
    a, b = s * ch / mx, -s * sh / mx
    d, e = s * sh / my, s * ch / my
    coeffs = (a, b, c0 - a * w / 2 - b * h / 2, d, e, r0 - d * w / 2 - e * h / 2)
    return mosaic.image.transform((w, h), Image.Transform.AFFINE, coeffs, resample=Image.Resampling.BILINEAR)


def frame_coverage(mosaic: Mosaic, lat: float, lon: float, heading_deg: float, size: tuple[int, int],
                   metres_per_px: float) -> float:
    """Share (0..1) of the frame render_frame would give that lies on tiles (1.0 when the mosaic
    has no gaps recorded); outside the mosaic or in a gap between tiles counts as not covered."""
    if mosaic.coverage is None:
        cov = Mosaic(Image.new("L", mosaic.image.size, 255), mosaic.west, mosaic.south, mosaic.east, mosaic.north)
    else:
        cov = Mosaic(mosaic.coverage, mosaic.west, mosaic.south, mosaic.east, mosaic.north)
    seen = np.asarray(render_frame(cov, lat, lon, heading_deg, size, metres_per_px), float)
    return float((seen >= 128).mean())


def flight_path(mosaic: Mosaic, seconds: float, fps: float, speed_mps: float, turn_deg: float, margin_m: float):
    """(t, lat, lon, heading) per frame: a constant-speed arc through the mosaic's middle, its
    heading turning by `turn_deg` over the clip, starting heading 20 deg; shortened (never
    leaving the mosaic by less than `margin_m`) when the mosaic is small."""
    m_lat, m_lon = metres_per_degree((mosaic.south + mosaic.north) / 2)
    half_e = (mosaic.east - mosaic.west) * m_lon / 2 - margin_m
    half_n = (mosaic.north - mosaic.south) * m_lat / 2 - margin_m
    if half_e <= 0 or half_n <= 0:
        raise SystemExit(f"the tiles cover too little ground for a {2 * margin_m:.0f} m wide view")
    t = np.arange(0, seconds, 1 / fps)
    heading = 20.0 + turn_deg * t / max(seconds, 1e-9)
    step = speed_mps / fps
    e = np.cumsum(np.r_[0.0, step * np.sin(np.radians(heading[:-1]))])
    n = np.cumsum(np.r_[0.0, step * np.cos(np.radians(heading[:-1]))])
    e, n = e - (e.max() + e.min()) / 2, n - (n.max() + n.min()) / 2  # centred on the mosaic
    scale = min(1.0, half_e / max(np.abs(e).max(), 1e-9), half_n / max(np.abs(n).max(), 1e-9))
    e, n = e * scale, n * scale  # a small mosaic: a shorter flight (slower), the same shape
    lat0, lon0 = (mosaic.south + mosaic.north) / 2, (mosaic.west + mosaic.east) / 2
    return t, lat0 + n / m_lat, lon0 + e / m_lon, heading % 360.0


def srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(path: Path, t, lat, lon, heading, fps: float, altitude_m: float, focal35_mm: float,
              start: datetime) -> None:
    """One cue per frame in the layout DJI's Mini/Air/Mavic 3 write (core/media/telemetry.py)."""
    cues = []
    for i, (ti, la, lo, hd) in enumerate(zip(t, lat, lon, heading)):
        when = start + timedelta(seconds=float(ti))
        yaw = (hd + 180.0) % 360.0 - 180.0  # DJI writes gimbal yaw in -180..180
        cues.append(
            f"{i + 1}\n{srt_time(ti)} --> {srt_time(ti + 1 / fps)}\n"
            f"<font size=\"28\">FrameCnt: {i + 1}, DiffTime: {1000 / fps:.0f}ms\n"
            f"{when:%Y-%m-%d %H:%M:%S}.{when.microsecond // 1000:03d}\n"
            f"[iso: 100] [shutter: 1/1000.0] [fnum: 2.8] [ev: 0] [focal_len: {focal35_mm:.2f}] "
            f"[latitude: {la:.7f}] [longitude: {lo:.7f}] [rel_alt: {altitude_m:.3f} abs_alt: {altitude_m + 620:.3f}] "
            f"[gb_yaw: {yaw:.1f} gb_pitch: -90.0 gb_roll: 0.0] </font>\n")
    path.write_text("\n".join(cues), encoding="utf-8")


def make_sample_flight(tiles_csv: Path, out: Path, *, seconds: float = 10.0, fps: float = 10.0,
                       size: tuple[int, int] = (480, 360), footprint_m: float = 60.0, altitude_m: float = 40.0,
                       speed_mps: float = 8.0, turn_deg: float = 60.0, stem: str = "DJI_0001") -> Path:
    """Render the clip, its .SRT and truth.csv into `out` (created); returns the video's path."""
    import av

    mosaic = read_mosaic(Path(tiles_csv), log=lambda msg: print(msg, file=sys.stderr))
    w, h = size
    s = footprint_m / w
    diagonal_m = s * math.hypot(w, h)
    try:
        t, lat, lon, heading = flight_path(mosaic, seconds, fps, speed_mps, turn_deg, margin_m=diagonal_m / 2 + 2)
    except SystemExit as exc:
        raise SystemExit(f"{tiles_csv}: {exc} (give a smaller --footprint)") from None
    # the path is inside the patch's bounding box; a patch that is not a full rectangle (a missing
    # tile, an L shape) can still leave a frame over a gap: refuse rather than render blank frames
    for ti, la, lo, hd in zip(t, lat, lon, heading):
        share = frame_coverage(mosaic, la, lo, hd, size, s)
        if share < 0.999:
            raise SystemExit(f"{tiles_csv}: the frame at {ti:.1f} s would be {100 * (1 - share):.0f} % outside "
                             "the tiles (a gap in the grid); give a tiles.csv of a full rectangle of tiles "
                             "or a smaller --footprint")
    out.mkdir(parents=True, exist_ok=True)
    video = out / f"{stem}.MP4"
    with av.open(str(video), "w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        for la, lo, hd in zip(lat, lon, heading):
            frame = render_frame(mosaic, la, lo, hd, size, s)
            # a drone camera is not the satellite's: a little more colour, a little brighter
            frame = ImageEnhance.Brightness(ImageEnhance.Color(frame).enhance(1.3)).enhance(1.08)
            for pkt in stream.encode(av.VideoFrame.from_ndarray(np.asarray(frame), format="rgb24")):
                container.mux(pkt)
        for pkt in stream.encode():
            container.mux(pkt)
    # a 35 mm-equivalent focal length spans 43.27 mm of diagonal: footprint diagonal = altitude x 43.27 / f
    focal35 = altitude_m * FULL_FRAME_DIAGONAL_MM / diagonal_m
    write_srt(out / f"{stem}.SRT", t, lat, lon, heading, fps, altitude_m, focal35, datetime(2026, 6, 1, 10, 0, 0))
    with open(out / "truth.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["time_s", "lat", "lon", "heading_deg"])
        wr.writerows((f"{ti:.3f}", f"{la:.7f}", f"{lo:.7f}", f"{hd:.2f}") for ti, la, lo, hd in zip(t, lat, lon, heading))
    return video


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tiles", type=Path, default=ROOT / "resources" / "demo" / "tiles.csv",
                    help="a tiles.csv grid of north-up WGS84 tiles (default: the demo's)")
    ap.add_argument("--out", type=Path, default=Path("sample-flight"), help="folder to write (default sample-flight)")
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--fps", type=float, default=10.0)
    ap.add_argument("--width", type=int, default=480, help="frame width in pixels (height: 3/4 of it)")
    ap.add_argument("--footprint", type=float, default=60.0, help="ground width of a frame in metres (default 60)")
    args = ap.parse_args(argv)
    video = make_sample_flight(args.tiles, args.out, seconds=args.seconds, fps=args.fps,
                               size=(args.width, args.width * 3 // 4), footprint_m=args.footprint)
    print(f"wrote {video}, {video.with_suffix('.SRT').name} and truth.csv; next: geolocator locate {video} "
          f"--tiles {args.tiles} --out flight.geojson")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
