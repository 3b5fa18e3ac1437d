"""training/make_sample_flight.py: a sample clip a new user can locate in a minute (newuser_session14.md
section 7: the README's flight needed compare_sequence.py, which also locates every flight)."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import make_sample_flight as msf  # noqa: E402

from geolocator.core.geo import haversine_m, metres_per_degree  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402


def _marker_mosaic() -> tuple[msf.Mosaic, float]:
    """A 201 x 201 px black mosaic of 0.5 m square pixels centred on (10 N, 20 E), with one white
    3 x 3 px marker 20 px (10 m) north and 10 px (5 m) east of its centre pixel; returns it and its
    metres a pixel."""
    m_lat, m_lon = metres_per_degree(10.0)
    px = 0.5
    half = 100.5  # the centre pixel (100, 100) has its middle at the mosaic's centre
    arr = np.zeros((201, 201, 3), np.uint8)
    arr[79:82, 109:112] = 255  # around row 80, column 110: 20 px north, 10 px east of (100, 100)
    mosaic = msf.Mosaic(Image.fromarray(arr), 20.0 - half * px / m_lon, 10.0 - half * px / m_lat,
                        20.0 + half * px / m_lon, 10.0 + half * px / m_lat)
    return mosaic, px


def _bright_centre(img: Image.Image) -> tuple[float, float]:
    a = np.asarray(img.convert("L"), float)
    ys, xs = np.nonzero(a > 128)
    return float(xs.mean()), float(ys.mean())


@pytest.mark.parametrize("heading, expected", [
    # frame 61 x 61 px at the mosaic's scale, centred on the mosaic: its centre pixel is (30, 30).
    (0.0, (40.0, 10.0)),    # flying north: north up, east right: 20 px above, 10 px right
    (90.0, (10.0, 20.0)),   # flying east: north on the left, east up
    (180.0, (20.0, 50.0)),  # flying south: north down, east on the left
    (270.0, (50.0, 40.0)),  # flying west: north on the right, east down
])
def test_frame_top_points_along_the_heading(heading, expected):
    mosaic, px = _marker_mosaic()
    frame = msf.render_frame(mosaic, 10.0, 20.0, heading, (61, 61), px)
    x, y = _bright_centre(frame)
    assert x == pytest.approx(expected[0], abs=0.6) and y == pytest.approx(expected[1], abs=0.6)


def test_sample_flight_reads_back_with_its_telemetry(tmp_path):
    from geolocator.core.camera import focal_35mm
    from geolocator.core.queries import load_queries

    video = msf.make_sample_flight(ROOT / "resources" / "demo" / "tiles.csv", tmp_path, seconds=2.0, fps=5.0,
                                   size=(160, 120), footprint_m=60.0, altitude_m=40.0, speed_mps=8.0,
                                   turn_deg=0.0)
    assert video.name == "DJI_0001.MP4" and video.with_suffix(".SRT").is_file()
    with open(tmp_path / "truth.csv", newline="") as fh:
        truth = {round(float(r["time_s"]), 3): LatLon(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(fh)}
    assert len(truth) == 10  # 2 s at 5 frames a second
    frames = load_queries(video, every_s=1.0)
    assert [q.time_s for q in frames] == [0.0, 1.0]
    for q in frames:
        # the product reads the SRT's position as the frame's truth, the same as truth.csv's
        assert q.truth_source == "srt"
        assert haversine_m(q.truth, truth[q.time_s]) < 0.05
        assert q.telemetry.rel_alt_m == pytest.approx(40.0)
        # a 60 m wide 160 x 120 frame spans a 75 m diagonal: 40 m x 43.27 mm / 75 m = 23.08 mm
        assert focal_35mm(q) == pytest.approx(40.0 * math.hypot(36, 24) / 75.0, abs=0.01)
    # straight at 8 m/s: 8 m between the two frames, one second apart
    assert haversine_m(frames[0].truth, frames[1].truth) == pytest.approx(8.0, abs=0.05)


DEMO_TILES = ROOT / "resources" / "demo" / "tiles.csv"
FAR_PATCH = 0.03  # degrees of latitude (about 3.3 km) between the demo's block and the far-off patch


def _copy_tiles(tmp_path: Path, names: list[str]) -> Path:
    """A tiles.csv in tmp_path holding demo tiles (copied next to it) under patch names: `p1_rRR_cCC` is the
    demo's tile rRR_cCC where it lies; `p3_…` is demo tile r05_c05 moved FAR_PATCH degrees north, a patch of its
    own kilometres away (as the benchmark's Rotterdam tiles.csv holds three: outflight33, samplefix33)."""
    with open(DEMO_TILES, newline="") as fh:
        rows = {Path(r["path"]).stem: r for r in csv.DictReader(fh)}
    (tmp_path / "t").mkdir()
    with open(tmp_path / "tiles.csv", "w", newline="") as fh:
        wr = csv.DictWriter(fh, ["path", "west", "south", "east", "north"])
        wr.writeheader()
        for name in names:
            src = rows[name[3:]] if name.startswith("p1_") else rows["r05_c05"]
            row = dict(src, path=f"t/{name}.jpg")
            if not name.startswith("p1_"):
                row.update(south=float(src["south"]) + FAR_PATCH, north=float(src["north"]) + FAR_PATCH)
            (tmp_path / row["path"]).write_bytes((DEMO_TILES.parent / src["path"]).read_bytes())
            wr.writerow(row)
    return tmp_path / "tiles.csv"


def _frames(video: Path) -> list[np.ndarray]:
    import av

    with av.open(str(video)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def test_flight_over_separate_patches_is_over_the_tiles(tmp_path, capsys):
    # outflight33: over Rotterdam's tiles.csv (three patches kilometres apart) every frame was blank:
    # the path was centred on the patches' bounding box, in the gap between them
    block = [f"p1_r{r:02d}_c{c:02d}" for r in range(3) for c in range(3)]
    tiles = _copy_tiles(tmp_path, block + ["p3_r02_c00"])
    video = msf.make_sample_flight(tiles, tmp_path / "out", seconds=2.0, fps=5.0, size=(160, 120),
                                   footprint_m=40.0, turn_deg=30.0)
    frames = _frames(video)
    assert len(frames) == 10
    assert min(float(a.std()) for a in frames) > 8.0  # aerial texture, not a uniform (blank) frame
    assert "2 separate patches of tiles (9, 1 tiles)" in capsys.readouterr().err
    # the truth lies on the 3 x 3 block, not between the patches
    with open(tiles, newline="") as fh:
        box = [r for r in csv.DictReader(fh) if Path(r["path"]).stem in block]
    with open(tmp_path / "out" / "truth.csv", newline="") as fh:
        for r in csv.DictReader(fh):
            assert min(float(b["south"]) for b in box) < float(r["lat"]) < max(float(b["north"]) for b in box)
            assert min(float(b["west"]) for b in box) < float(r["lon"]) < max(float(b["east"]) for b in box)


def test_a_gap_under_the_path_is_refused(tmp_path):
    # a ring of 8 tiles, the middle one missing: one patch, its middle not covered
    ring = [f"p1_r{r:02d}_c{c:02d}" for r in range(3) for c in range(3) if (r, c) != (1, 1)]
    tiles = _copy_tiles(tmp_path, ring)
    with pytest.raises(SystemExit, match="outside the tiles"):
        msf.make_sample_flight(tiles, tmp_path / "out", seconds=1.0, fps=5.0, size=(160, 120), footprint_m=40.0)
    assert not (tmp_path / "out" / "DJI_0001.MP4").exists()


def test_unreadable_tile_and_small_area_are_refused(tmp_path):
    tiles = _copy_tiles(tmp_path, ["p1_r00_c00", "p1_r00_c01"])
    (tmp_path / "t" / "p1_r00_c01.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(SystemExit, match=r"p1_r00_c01\.jpg cannot be read"):
        msf.read_mosaic(tiles)
    (tmp_path / "t" / "p1_r00_c01.jpg").unlink()
    with pytest.raises(SystemExit, match=r"p1_r00_c01\.jpg cannot be read"):
        msf.read_mosaic(tiles)
    (tmp_path / "one").mkdir()
    one = _copy_tiles(tmp_path / "one", ["p1_r00_c00"])  # 50 x 50 m: too little for a 60 m wide view
    with pytest.raises(SystemExit, match=r"tiles\.csv: the tiles cover too little ground"):
        msf.make_sample_flight(one, tmp_path / "out", seconds=1.0, fps=5.0, size=(160, 120), footprint_m=60.0)
