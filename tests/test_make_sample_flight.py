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
