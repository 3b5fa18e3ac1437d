"""Camera position from a verified footprint (PnP on the ground plane)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.camera import camera_from_footprint, focal_35mm
from geolocator.core.geo import haversine_m, metres_per_degree
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import LatLon, Query

ORIGIN = LatLon(36.14, -115.23)


def footprint_of(cam_e, cam_n, height, yaw_deg, tilt_deg, w, h, focal35):
    """Ground points (LatLon) of the image corners of a pinhole camera (top edge towards yaw)."""
    f = focal35 / math.hypot(36, 24) * math.hypot(w, h)
    yaw, tilt = math.radians(yaw_deg), math.radians(tilt_deg)
    fwd = np.array([math.sin(yaw) * math.sin(tilt), math.cos(yaw) * math.sin(tilt), -math.cos(tilt)])
    right = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
    down = np.cross(fwd, right)
    cam = np.array([cam_e, cam_n, height])
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    out = []
    for u, v in ((0, 0), (w, 0), (w, h), (0, h)):
        ray = fwd * f + right * (u - w / 2) + down * (v - h / 2)
        p = cam + (-cam[2] / ray[2]) * ray
        out.append(LatLon(ORIGIN.lat + p[1] / m_lat, ORIGIN.lon + p[0] / m_lon))
    return tuple(out), LatLon(ORIGIN.lat + cam_n / m_lat, ORIGIN.lon + cam_e / m_lon)


# (0, 0) and (90, 0): exactly nadir, the footprint an exact rectangle, where IPPE alone gave NaN
@pytest.mark.parametrize("yaw,tilt", [(0.0, 0.0), (90.0, 0.0), (10.0, 0.0), (45.0, 20.0), (220.0, 35.0), (300.0, 50.0)])
def test_camera_pose_from_an_exact_footprint(yaw, tilt):
    quad, truth = footprint_of(30.0, -12.0, 60.0, yaw, tilt, 4000, 2250, 20.0)
    cam = camera_from_footprint(quad, (4000, 2250), 20.0)
    assert cam is not None
    assert haversine_m(cam.position, truth) < 0.5
    assert cam.height_m == pytest.approx(60.0, abs=0.5)
    assert cam.tilt_deg == pytest.approx(tilt, abs=0.5)
    # at nadir too the heading is defined: the compass direction of the image's top edge
    assert (cam.heading_deg - yaw + 180) % 360 - 180 == pytest.approx(0.0, abs=0.5)
    # the image centre's ground point is tens of metres from the camera when oblique
    centre_offset = 60.0 * math.tan(math.radians(tilt))
    assert haversine_m(cam.position, truth) < max(1.0, 0.05 * centre_offset)


def test_no_pose_for_a_degenerate_footprint():
    p = LatLon(36.14, -115.23)
    assert camera_from_footprint((p, p, p, p), (400, 300), 24.0) is None
    assert camera_from_footprint(None, (400, 300), 24.0) is None


def test_focal_length_from_telemetry_and_exif(tmp_path):
    frame = Query("v#t=0", Path("v"), time_s=0.0, telemetry=FrameTelemetry(0.0, focal_len=24.0))
    assert focal_35mm(frame) == 24.0
    legacy = Query("v#t=0", Path("v"), time_s=0.0, telemetry=FrameTelemetry(0.0, focal_len=240.0))
    assert focal_35mm(legacy) == 24.0  # mm x 10 on older DJI models
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = 20
    Image.new("RGB", (8, 8)).save(tmp_path / "a.jpg", exif=exif)
    assert focal_35mm(Query("a.jpg", tmp_path / "a.jpg")) == 20.0
    Image.new("RGB", (8, 8)).save(tmp_path / "b.jpg")
    assert focal_35mm(Query("b.jpg", tmp_path / "b.jpg")) is None
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "real-dji"
    if shared.is_dir():  # the Phantom 3's FC300S: 3.61 mm on a 6.16 mm-wide sensor, ~20 mm equivalent
        assert focal_35mm(Query("DJI_0018.JPG", shared / "DJI_0018.JPG")) == 20.0


def test_track_export_compares_like_with_like(tmp_path):
    """A frame with telemetry (the camera's position) and a verified footprint: error_kind camera,
    measured from the PnP camera; without a focal length: the centre, and it says so."""
    from dataclasses import replace

    from geolocator.core.export_track import tracks_to_geojson
    from geolocator.core.sequence import Track, TrackPoint

    from .flight_helpers import write_video

    video = write_video(tmp_path / "v.mp4", [Image.new("RGB", (400, 224))] * 2, fps=1)
    quad, cam_truth = footprint_of(0.0, 0.0, 50.0, 90.0, 30.0, 400, 224, 24.0)
    centre = LatLon(sum(p.lat for p in quad) / 4, sum(p.lon for p in quad) / 4)
    q = Query("v.mp4#t=0", video, truth=cam_truth, truth_source="srt", time_s=0.0,
              telemetry=FrameTelemetry(0.0, cam_truth, focal_len=24.0))
    point = TrackPoint(q, 0.0, centre, "matched", centre, 1, True, haversine_m(centre, cam_truth),
                       haversine_m(centre, cam_truth), quad, centre)
    props = tracks_to_geojson([Track("v.mp4", (point,))])["features"][0]["properties"]
    assert props["error_kind"] == "camera" and props["error_m"] < 1.0
    assert props["centre_error_m"] > 20  # 30 deg off nadir from 50 m: the centre is ~29 m away
    assert props["camera_height_m"] == pytest.approx(50.0, abs=0.5)
    no_focal = replace(point, query=replace(q, telemetry=FrameTelemetry(0.0, cam_truth)))
    props = tracks_to_geojson([Track("v.mp4", (no_focal,))])["features"][0]["properties"]
    assert props["error_kind"] == "centre" and props["error_m"] > 20 and "camera_lat" not in props


def _verified_photo(tmp_path, *, focal35=20, truth_source="exif"):
    """A 400 x 225 photo with EXIF FocalLengthIn35mmFilm, verified with the footprint a camera
    50 m up, 30 deg off nadir looking east would see; the truth is that camera's position."""
    from geolocator.core.model import Match, Prediction, Tile, Bounds

    exif = Image.Exif()
    if focal35:
        exif.get_ifd(0x8769)[0xA405] = focal35
    Image.new("RGB", (400, 225)).save(tmp_path / "p.jpg", exif=exif)
    quad, cam = footprint_of(0.0, 0.0, 50.0, 90.0, 30.0, 400, 225, focal35 or 20)
    centre = LatLon(sum(p.lat for p in quad) / 4, sum(p.lon for p in quad) / 4)
    q = Query("p.jpg", tmp_path / "p.jpg", truth=cam, truth_source=truth_source)
    tile = Tile("t.jpg", Path("t.jpg"), Bounds(centre.lon - 1e-3, centre.lat - 1e-3, centre.lon + 1e-3, centre.lat + 1e-3))
    err = haversine_m(centre, cam)
    return Prediction(q, (Match(tile, 0.9, 1, 40, centre, quad),), centre, centre, 0.95, err, err,
                      "homography", "verified"), cam


def test_single_photo_outputs_carry_the_camera_position(tmp_path):
    """GeoJSON properties and CSV columns of a single verified photo: the camera position (PnP on
    its footprint), and error_m against the recorded (camera) position compares the camera."""
    import csv

    from geolocator.core.export import CAMERA_CSV_COLUMNS, prediction_properties, write_csv

    pred, cam = _verified_photo(tmp_path)
    props = prediction_properties(pred)
    assert haversine_m(LatLon(props["camera_lat"], props["camera_lon"]), cam) < 1.0
    assert props["camera_height_m"] == pytest.approx(50.0, abs=0.5)
    assert props["camera_tilt_deg"] == pytest.approx(30.0, abs=0.5)
    assert props["camera_heading_deg"] == pytest.approx(90.0, abs=0.5)
    assert props["error_kind"] == "camera" and props["error_m"] < 1.0 and props["centre_error_m"] > 20
    write_csv([pred], tmp_path / "p.csv")
    [row] = list(csv.DictReader(open(tmp_path / "p.csv")))
    assert set(CAMERA_CSV_COLUMNS) <= set(row)
    assert float(row["camera_height_m"]) == pytest.approx(50.0, abs=0.5) and row["error_kind"] == "camera"
    assert float(row["error_m"]) < 1.0 and float(row["centre_error_m"]) > 20


def test_single_photo_without_a_focal_length_or_verification_has_no_camera(tmp_path):
    from dataclasses import replace

    from geolocator.core.export import prediction_properties

    pred, _ = _verified_photo(tmp_path, focal35=None)
    props = prediction_properties(pred)
    assert "camera_lat" not in props and props["error_kind"] == "centre" and props["error_m"] > 20
    pred, _ = _verified_photo(tmp_path)
    props = prediction_properties(replace(pred, status="retrieved"))  # not verified: no footprint to trust
    assert "camera_lat" not in props and props["error_kind"] == "centre"
    # a truth file gives the ground point at the centre: the camera is reported, the centre compared
    pred, _ = _verified_photo(tmp_path, truth_source="truth.csv")
    props = prediction_properties(pred)
    assert "camera_lat" in props and props["error_kind"] == "centre" and "centre_error_m" not in props


def test_the_camera_pose_of_a_frame_is_solved_once_for_every_export(tmp_path, monkeypatch):
    """GeoJSON, CSV and the error column each ask for the camera: one PnP solve per query and
    footprint (it was solved up to three times per frame); another footprint is solved anew."""
    import geolocator.core.camera as camera
    from geolocator.core.export import compared_error, prediction_properties, write_csv

    solves = []
    real = camera.camera_from_footprint
    monkeypatch.setattr(camera, "camera_from_footprint", lambda *a, **k: solves.append(1) or real(*a, **k))
    pred, cam = _verified_photo(tmp_path)
    first = prediction_properties(pred)
    write_csv([pred], tmp_path / "p.csv")
    error, kind = compared_error(pred)
    assert len(solves) == 1 and kind == "camera" and error == first["error_m"]
    moved = tuple(LatLon(p.lat + 1e-5, p.lon) for p in pred.top.footprint)
    assert camera.camera_for(pred.query, moved).position != camera.camera_for(pred.query, pred.top.footprint).position
    assert len(solves) == 2
