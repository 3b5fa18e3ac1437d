"""Exact answers of core/camera.py (mutation testing, issue 15): focal lengths at their limits,
a nadir pose with a known scale, the refusals, and camera_for's memo."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from PIL import Image

import geolocator.core.camera as camera
from geolocator.core.camera import FULL_FRAME_DIAGONAL_MM, CameraEstimate, camera_from_footprint, focal_35mm
from geolocator.core.geo import metres_per_degree
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import LatLon, PhotoMeta, Query

ORIGIN = LatLon(36.14, -115.23)


def _frame(focal_len):
    return Query("v#t=0", Path("v.mp4"), time_s=0.0, telemetry=FrameTelemetry(0.0, focal_len=focal_len))


def test_the_35mm_diagonal():
    assert FULL_FRAME_DIAGONAL_MM == pytest.approx(43.2666153, abs=1e-6)


def test_telemetry_focal_lengths_at_the_mm_x_10_limit():
    assert focal_35mm(_frame(150.0)) == 150.0  # 150 is still mm
    assert focal_35mm(_frame(151.0)) == pytest.approx(15.1)
    assert focal_35mm(_frame(24)) == 24.0 and isinstance(focal_35mm(_frame(24)), float)
    # no focal length in the telemetry, or none at all: a frame has no EXIF to fall back on
    assert focal_35mm(_frame(None)) is None
    assert focal_35mm(_frame(0.0)) is None
    assert focal_35mm(Query("v#t=0", Path("v.mp4"), time_s=0.0)) is None


@pytest.mark.parametrize("value,expected", [(5.0, 5.0), (2000.0, 2000.0), (4.9, None), (2000.5, None), (None, None), (24, 24.0)])
def test_focal_length_from_the_photo_meta_and_its_limits(value, expected, tmp_path):
    q = Query("a.jpg", tmp_path / "missing.jpg", meta=PhotoMeta(focal_length_35mm=value))
    got = focal_35mm(q)
    assert got == expected and (got is None or isinstance(got, float))


@pytest.mark.parametrize("value,expected", [(5, 5.0), (2000, 2000.0), (4, None), (2001, None), (35, 35.0)])
def test_focal_length_from_the_file_and_its_limits(value, expected, tmp_path):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = value
    Image.new("RGB", (8, 8)).save(tmp_path / "a.jpg", exif=exif)
    got = focal_35mm(Query("a.jpg", tmp_path / "a.jpg"))
    assert got == expected and (got is None or isinstance(got, float))


def test_no_focal_length_from_a_missing_file(tmp_path):
    assert focal_35mm(Query("a.jpg", tmp_path / "missing.jpg")) is None


def _nadir(height, w, h, focal35, heading=0.0):
    """The footprint of a camera straight down at ORIGIN + (0, 0) with the image's top towards `heading`."""
    f = focal35 / FULL_FRAME_DIAGONAL_MM * math.hypot(w, h)
    half_w, half_h = w / 2 * height / f, h / 2 * height / f
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    a = math.radians(heading)
    corners = []
    for x, y in ((-half_w, half_h), (half_w, half_h), (half_w, -half_h), (-half_w, -half_h)):
        e = x * math.cos(a) + y * math.sin(a)
        n = -x * math.sin(a) + y * math.cos(a)
        corners.append(LatLon(ORIGIN.lat + n / m_lat, ORIGIN.lon + e / m_lon))
    return tuple(corners)


@pytest.mark.parametrize("heading", [0.0, 90.0, 180.0, 270.0, 30.0])
def test_a_nadir_pose_has_the_exact_height_heading_and_position(heading):
    # focal35 = the 35 mm diagonal: f in pixels is the image diagonal (5000 px), the footprint 40 x 30 m at 50 m
    quad = _nadir(50.0, 4000, 3000, FULL_FRAME_DIAGONAL_MM, heading)
    cam = camera_from_footprint(quad, (4000, 3000), FULL_FRAME_DIAGONAL_MM)
    assert isinstance(cam, CameraEstimate)
    assert cam.height_m == pytest.approx(50.0, abs=1e-3)
    assert cam.tilt_deg == pytest.approx(0.0, abs=0.05)
    assert (cam.heading_deg - heading + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-3)
    assert 0.0 <= cam.heading_deg < 360.0
    assert cam.position.lat == pytest.approx(ORIGIN.lat, abs=1e-8)
    assert cam.position.lon == pytest.approx(ORIGIN.lon, abs=1e-8)


def test_the_scale_follows_the_focal_length_and_the_image_size():
    quad = _nadir(50.0, 4000, 3000, FULL_FRAME_DIAGONAL_MM)
    # twice the focal length: the same footprint is seen from twice the height
    assert camera_from_footprint(quad, (4000, 3000), 2 * FULL_FRAME_DIAGONAL_MM).height_m == pytest.approx(100.0, abs=1e-3)
    # the same footprint on an image of half the pixels: f scales with the diagonal, height unchanged
    assert camera_from_footprint(quad, (2000, 1500), FULL_FRAME_DIAGONAL_MM).height_m == pytest.approx(50.0, abs=1e-3)


def test_refusals():
    quad = _nadir(50.0, 4000, 3000, FULL_FRAME_DIAGONAL_MM)
    assert camera_from_footprint(quad[:3], (4000, 3000), 24.0) is None
    assert camera_from_footprint(quad + quad[:1], (4000, 3000), 24.0) is None
    assert camera_from_footprint(quad, (4000, 3000), 0.0) is None
    assert camera_from_footprint(quad, (4000, 3000), -24.0) is None
    assert camera_from_footprint(None, (4000, 3000), 24.0) is None
    # a line has no area: no pose
    p, q = quad[0], quad[2]
    assert camera_from_footprint((p, q, p, q), (4000, 3000), 24.0) is None
    # the corners mirrored (TL and TR swapped with BL and BR): a camera below the ground, or none looking down
    mirrored = (quad[3], quad[2], quad[1], quad[0])
    cam = camera_from_footprint(mirrored, (4000, 3000), FULL_FRAME_DIAGONAL_MM)
    assert cam is None or (cam.height_m > 0 and cam.tilt_deg < 90.0)


def test_a_tiny_footprint_still_has_a_pose():
    # 4 cm across (contour area ~1e-3 m^2 > the 1e-6 threshold)
    quad = _nadir(0.05, 4000, 3000, FULL_FRAME_DIAGONAL_MM)
    cam = camera_from_footprint(quad, (4000, 3000), FULL_FRAME_DIAGONAL_MM)
    assert cam is not None and cam.height_m == pytest.approx(0.05, rel=1e-3)


def _photo(tmp_path, name="a.jpg", size=(400, 300)):
    Image.new("RGB", size).save(tmp_path / name)
    return Query(name, tmp_path / name, meta=PhotoMeta(focal_length_35mm=FULL_FRAME_DIAGONAL_MM))


def test_camera_for_solves_with_the_photo_size_and_focal_length(tmp_path, monkeypatch):
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())
    q = _photo(tmp_path, size=(4000, 3000))
    quad = _nadir(50.0, 4000, 3000, FULL_FRAME_DIAGONAL_MM)
    cam = camera.camera_for(q, quad)
    assert cam.height_m == pytest.approx(50.0, abs=1e-3)
    assert camera.camera_for(q, ()) is None and camera.camera_for(q, None) is None
    no_focal = Query("b.jpg", q.path, meta=PhotoMeta())
    assert camera.camera_for(no_focal, quad) is None
    unreadable = Query("c.jpg", tmp_path / "missing.jpg", meta=PhotoMeta(focal_length_35mm=24.0))
    assert camera.camera_for(unreadable, quad) is None


def test_camera_for_memo_is_bounded_and_keeps_the_recently_used(tmp_path, monkeypatch):
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())
    monkeypatch.setattr(camera, "CAMERA_CACHE_SIZE", 2)
    calls = []
    monkeypatch.setattr(camera, "camera_from_footprint", lambda fp, size, f, rows=None: calls.append((fp, size, f)) or ("pose", fp[0]))
    q = _photo(tmp_path)
    fps = [tuple(LatLon(1.0 + i, 2.0) for _ in range(4)) for i in range(3)]
    assert camera.camera_for(q, fps[0]) == ("pose", fps[0][0])
    assert calls == [(fps[0], (400, 300), FULL_FRAME_DIAGONAL_MM)]
    camera.camera_for(q, fps[1])
    assert camera.camera_for(q, fps[0]) == ("pose", fps[0][0]) and len(calls) == 2  # memo; fps[0] most recent
    camera.camera_for(q, fps[2])  # drops the oldest: fps[1]
    assert len(camera._CAMERAS) == 2
    camera.camera_for(q, fps[0])
    assert len(calls) == 3
    camera.camera_for(q, fps[1])
    assert len(calls) == 4
    # a list footprint is keyed as its tuple
    camera.camera_for(q, list(fps[1]))
    assert len(calls) == 4


def test_a_frame_size_is_probed_once(tmp_path, monkeypatch):
    import geolocator.core.media.video as video

    probes = []

    class Info:
        width, height = 1920, 1080

    monkeypatch.setattr(camera, "_PROBES", {})
    monkeypatch.setattr(video, "probe_video", lambda path: probes.append(path) or Info())
    frame = Query("v#t=1", tmp_path / "v.mp4", time_s=1.0)
    assert camera._image_size(frame) == (1920, 1080)
    assert camera._image_size(frame) == (1920, 1080)
    assert probes == [str(tmp_path / "v.mp4")]
    assert camera._PROBES == {str(tmp_path / "v.mp4"): probes and camera._PROBES[str(tmp_path / "v.mp4")]}
    assert camera._image_size(Query("x.jpg", tmp_path / "missing.jpg")) is None


def test_focal_35mm_of_objects_without_the_optional_attributes(tmp_path):
    from types import SimpleNamespace

    # no telemetry attribute: a photo's meta decides
    assert focal_35mm(SimpleNamespace(time_s=None, meta=PhotoMeta(focal_length_35mm=24.0))) == 24.0
    # telemetry without a focal_len attribute, and no meta attribute: the file decides (missing: None)
    q = SimpleNamespace(telemetry=SimpleNamespace(), time_s=None, path=tmp_path / "missing.jpg")
    assert focal_35mm(q) is None


def test_a_focal_length_under_1mm_still_has_a_pose():
    quad = _nadir(50.0, 4000, 3000, 0.5)
    cam = camera_from_footprint(quad, (4000, 3000), 0.5)
    assert cam is not None and cam.height_m == pytest.approx(50.0, rel=1e-4)


@pytest.mark.parametrize("yaw,pitch,roll", [(20.0, 25.0, 30.0), (200.0, 10.0, -35.0)])
def test_a_rolled_camera_has_the_heading_of_its_top_edge_and_the_tilt_of_its_axis(yaw, pitch, roll):
    """The camera turned about its axis (roll): the image's top edge no longer points where the axis leans."""
    import numpy as np

    w, h, focal35, height = 4000, 3000, FULL_FRAME_DIAGONAL_MM, 60.0
    f = focal35 / FULL_FRAME_DIAGONAL_MM * math.hypot(w, h)
    y, p, r = map(math.radians, (yaw, pitch, roll))
    fwd = np.array([math.sin(y) * math.sin(p), math.cos(y) * math.sin(p), -math.cos(p)])
    right0 = np.array([math.cos(y), -math.sin(y), 0.0])
    down0 = np.cross(fwd, right0)
    right = math.cos(r) * right0 + math.sin(r) * down0
    down = np.cross(fwd, right)
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    cam_pos = np.array([0.0, 0.0, height])
    quad = []
    for u, v in ((0, 0), (w, 0), (w, h), (0, h)):
        ray = fwd * f + right * (u - w / 2) + down * (v - h / 2)
        g = cam_pos + (-height / ray[2]) * ray
        quad.append(LatLon(ORIGIN.lat + g[1] / m_lat, ORIGIN.lon + g[0] / m_lon))
    cam = camera_from_footprint(tuple(quad), (w, h), focal35)
    assert cam.height_m == pytest.approx(height, abs=1e-2)
    assert cam.tilt_deg == pytest.approx(math.degrees(math.acos(-fwd[2])), abs=1e-2)
    expected_heading = math.degrees(math.atan2(-down[0], -down[1])) % 360.0
    assert (cam.heading_deg - expected_heading + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-2)
    assert cam.position.lat == pytest.approx(ORIGIN.lat, abs=1e-7)
    assert cam.position.lon == pytest.approx(ORIGIN.lon, abs=1e-7)


def test_a_photo_stored_a_quarter_turn_is_solved_as_it_was_matched(tmp_path, monkeypatch):
    """A photo stored 400 x 300 with EXIF Orientation 6 is matched turned (300 x 400: images.open_image
    applies the orientation), so its footprint is the turned image's. Solved with the stored size, a nadir
    camera 50 m up came out 28.9 m up and 41° off nadir (which session 23's gimbal-pitch check would
    have read as a contradiction); with the shown size it is exact. From
    the PhotoMeta when read, else from the file."""
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (400, 300)).save(tmp_path / "turned.jpg", exif=exif)
    quad = _nadir(50.0, 300, 400, FULL_FRAME_DIAGONAL_MM)  # the footprint of the image as shown
    for meta in (PhotoMeta(focal_length_35mm=FULL_FRAME_DIAGONAL_MM, orientation=6), None):
        q = Query("turned.jpg", tmp_path / "turned.jpg", meta=meta)
        if meta is None:
            monkeypatch.setattr(camera, "focal_35mm", lambda _q: FULL_FRAME_DIAGONAL_MM)
        cam = camera.camera_for(q, quad)
        assert cam is not None and cam.height_m == pytest.approx(50.0, abs=1e-3)
        assert cam.tilt_deg == pytest.approx(0.0, abs=1e-3)
    upright = Query("u.jpg", tmp_path / "turned.jpg", meta=PhotoMeta(focal_length_35mm=FULL_FRAME_DIAGONAL_MM, orientation=1))
    assert camera._image_size(upright) == (400, 300)
