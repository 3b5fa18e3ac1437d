"""core/pose_check.py: a verified match whose implied camera tilt contradicts the recorded gimbal
pitch is not taken as verified.

Why (newuser_session23.md): an inspector's 20 MP DJI photo taken 45 m up at gimbal pitch -30 was
"verified" at confidence 0.81 on a tile 123 m from where it was taken; the homography put the
camera 20 degrees off nadir, the photo recorded 60. Every right match of that set implied the
recorded tilt within 3.8 degrees."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from geolocator.core import camera, pose_check
from geolocator.core.media.metadata import PhotoMeta
from geolocator.core.model import Bounds, LatLon, Query, Tile
from geolocator.core.oblique import ViewGeometry
from geolocator.core.pose_check import contradiction, drop_contradicted, recorded_tilt_deg
from geolocator.core.rerank import Verification

SIZE = (600, 400)
F35 = 24.0
# the PnP camera (camera.camera_from_footprint): fx = F35 / 43.27 mm x the image diagonal in pixels
FOCAL_RATIO = F35 / camera.FULL_FRAME_DIAGONAL_MM * math.hypot(*SIZE) / max(SIZE)
ORIGIN = LatLon(36.14, -115.23)
TILE = Tile("t", None, Bounds(-115.2320, 36.1390, -115.2280, 36.1420))


def _corners(tilt_deg: float, altitude_m: float = 30.0):
    """The photo's corners (TL, TR, BR, BL) in TILE as fractions, for a camera `altitude_m` above
    ORIGIN looking north `tilt_deg` off nadir (oblique.ViewGeometry's outline: x east, y north)."""
    outline = ViewGeometry(tilt_deg - 90.0, altitude_m, FOCAL_RATIO).outline_m(SIZE)
    m_lat = math.pi * 6371008.8 / 180.0
    m_lon = m_lat * math.cos(math.radians(ORIGIN.lat))
    b = TILE.bounds
    out = []
    for x, y in outline:
        lat, lon = ORIGIN.lat + y / m_lat, ORIGIN.lon + x / m_lon
        out.append(((lon - b.west) / (b.east - b.west), (b.north - lat) / (b.north - b.south)))
    return tuple(out)


def _photo(tmp_path, pitch, name="p.jpg", focal=F35):
    Image.new("RGB", SIZE).save(tmp_path / name)
    return Query(name, tmp_path / name, meta=PhotoMeta(gimbal_pitch_deg=pitch, focal_length_35mm=focal))


@pytest.fixture(autouse=True)
def _fresh_camera_memo(monkeypatch):
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())


def test_recorded_tilt_from_the_gimbal_pitch():
    assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=-90.0))) == 0.0
    assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=-30.0))) == 60.0
    assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=-95.0))) == 5.0  # past nadir
    for pitch in (None, 10.0, -150.0, float("nan")):  # nothing, the sky, nonsense
        assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=pitch))) is None
    assert recorded_tilt_deg(Query("a", None)) is None


def test_a_match_that_agrees_with_the_pitch_is_kept(tmp_path):
    corners = _corners(45.0)
    assert contradiction(_photo(tmp_path, -45.0), TILE, corners) is None
    # within the tolerance (sloping ground, gimbal error): still kept
    assert contradiction(_photo(tmp_path, -45.0 - pose_check.TILT_TOLERANCE_DEG + 2, "q.jpg"), TILE, corners) is None


def test_a_match_that_contradicts_the_pitch_is_named(tmp_path):
    # the outline of a camera 20 deg off nadir; the photo says 60 (pitch -30): the session's case
    why = contradiction(_photo(tmp_path, -30.0), TILE, _corners(20.0))
    assert why is not None and "implies a camera 20° off nadir" in why and "records 60°" in why
    assert "gimbal pitch -30°" in why and TILE.id in why
    # about that one candidate, not the photo (session 33: the line read as a verdict on a frame then matched
    # through another candidate)
    assert why.endswith(": that candidate is not taken as verified (the photo's other candidates still count)")
    # nadir recorded, an oblique outline
    assert contradiction(_photo(tmp_path, -90.0, "n.jpg"), TILE, _corners(50.0)) is not None
    # a pitch past nadir is named as recorded (it read -85 for -95: the tilt minus 90)
    why = contradiction(_photo(tmp_path, -95.0, "m.jpg"), TILE, _corners(50.0))
    assert why is not None and "gimbal pitch -95°" in why and "records 5°" in why


def test_nothing_to_compare_means_no_contradiction(tmp_path):
    corners = _corners(20.0)
    assert contradiction(_photo(tmp_path, None), TILE, corners) is None  # no pitch recorded
    assert contradiction(_photo(tmp_path, -30.0, "f.jpg", focal=None), TILE, corners) is None  # no lens
    assert contradiction(_photo(tmp_path, -30.0, "c.jpg"), TILE, None) is None  # no outline


def test_drop_contradicted_zeroes_only_the_contradicting_match(tmp_path, caplog):
    q = _photo(tmp_path, -40.0)
    untold = Query("u.jpg", tmp_path / "p.jpg")  # no metadata: its row is left alone
    wrong = Verification(40, (0.5, 0.5), None, _corners(20.0))
    right = Verification(30, (0.5, 0.5), None, _corners(50.0))
    none = Verification(0)
    candidates = np.zeros((2, 3), np.int64)
    with caplog.at_level("INFO", logger="geolocator.core.pose_check"):
        rows = drop_contradicted([q, untold], [TILE], candidates, [[wrong, right, none], [wrong, right, none]])
    assert [c.inliers for c in rows[0]] == [0, 30, 0]
    assert rows[0][0].corners == wrong.corners and rows[0][1] is right
    assert [c.inliers for c in rows[1]] == [40, 30, 0]
    assert "p.jpg: the match on t implies a camera 20° off nadir" in caplog.text


def test_locate_does_not_verify_a_match_that_contradicts_the_pitch(tmp_path):
    """The pipeline's verification path: photo "a" verifies on tile 2 with the outline of a nadir
    camera (a square on the ground, tests/test_pipeline_exact.CORNERS); recorded nadir it is
    verified, recorded at pitch -30 (60 deg off nadir) it is not."""
    from tests.test_pipeline_exact import world

    rng = np.random.default_rng(0)  # texture: a blank photo would be "not located" before verification counts
    Image.fromarray(rng.integers(0, 255, (400, 400, 3), dtype=np.uint8)).save(tmp_path / "a.jpg")
    for pitch, status in ((-90.0, "verified"), (-30.0, "retrieved")):
        ws, qs = world(tmp_path / str(pitch))
        qs[0] = Query("a", tmp_path / "a.jpg", truth=qs[0].truth,
                      meta=PhotoMeta(gimbal_pitch_deg=pitch, focal_length_35mm=F35))
        preds = ws.locate(qs)
        assert preds[0].status == status, pitch
        assert (preds[0].matches[0].inliers or 0) == (20 if status == "verified" else 0)


def test_a_video_frame_is_checked_by_its_telemetry_pitch(tmp_path):
    """A video frame records its gimbal pitch in the SRT (FrameTelemetry.gimbal_pitch_deg), not in a
    PhotoMeta; the check reads it there first (session 24: a mutant that ignored the telemetry left
    every frame unchecked and no test failed). A photo's own metadata is the fallback."""
    from geolocator.core.media.telemetry import FrameTelemetry

    frame = Query("v.mp4#t=2", tmp_path / "v.mp4", time_s=2.0, telemetry=FrameTelemetry(2.0, gimbal_pitch_deg=-30.0))
    assert recorded_tilt_deg(frame) == 60.0
    both = Query("v.mp4#t=3", tmp_path / "v.mp4", time_s=3.0, telemetry=FrameTelemetry(3.0, gimbal_pitch_deg=-60.0),
                 meta=PhotoMeta(gimbal_pitch_deg=-90.0))
    assert recorded_tilt_deg(both) == 30.0  # the frame's own record wins
    unsaid = Query("v.mp4#t=4", tmp_path / "v.mp4", time_s=4.0, telemetry=FrameTelemetry(4.0),
                   meta=PhotoMeta(gimbal_pitch_deg=-45.0))
    assert recorded_tilt_deg(unsaid) == 45.0


def test_the_pitch_range_holds_its_ends():
    """PITCH_RANGE_DEG is inclusive, as its docstring says: a gimbal at the horizon (DJI writes +0.00)
    and at -120 are read; a hair beyond either end is not (session 24: the ends were untested)."""
    low, high = pose_check.PITCH_RANGE_DEG
    for pitch, tilt in ((high, 90.0), (low, 30.0)):
        assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=pitch))) == tilt
    for pitch in (high + 0.1, low - 0.1):
        assert recorded_tilt_deg(Query("a", None, meta=PhotoMeta(gimbal_pitch_deg=pitch))) is None
