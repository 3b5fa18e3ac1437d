"""core/ground_band.py: an oblique photo whose top rows look near the horizon is matched by its
ground band; the verifier's recorded view, the pose check and the answer follow the band.

Why (training/results/mend_session24.md section 2): 10 drone photos at gimbal pitch -30 (top edge
3.4 degrees below the horizon) placed 0 of 10 whole with their metadata and 10 of 10 cut to the
rows at least 20 degrees below the horizon."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageOps

from geolocator.core import camera, ground_band
from geolocator.core.ground_band import band_rows, below_horizon_deg, query_rows, whole_photo_outline
from geolocator.core.media.metadata import PhotoMeta
from geolocator.core.model import Bounds, LatLon, Query, Tile
from geolocator.core.oblique import ViewGeometry

# A DJI Phantom 4 Pro (FC6310): 8.8 mm lens on a 13.2 mm wide sensor, 5472 x 3648 pixels: f = 3648 px
DJI_SIZE = (5472, 3648)
RATIO = 8.8 / 13.2
SIZE = (600, 400)  # the same lens at a small size: f = 400 px = the height, as the DJI's


def _meta(pitch, altitude=30.0, **kw):
    return PhotoMeta(gimbal_pitch_deg=pitch, relative_altitude_m=altitude, focal_length_mm=8.8,
                     sensor_width_mm=13.2, focal_length_35mm=24.0, **kw)


def _photo(tmp_path, name, meta, size=SIZE, seed=0):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)).save(tmp_path / name)
    return Query(name, tmp_path / name, meta=meta)


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv(ground_band.ENV_VAR, raising=False)
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())


# ---------------------------------------------------------------------------------------------
# The rows


def test_band_rows_exact():
    f = RATIO * DJI_SIZE[0]
    assert f == pytest.approx(3648.0)
    # pitch -30: the row 20 deg below the horizon is 10 deg above the axis: h/2 - f tan 10
    top, bottom = band_rows(-30.0, f, DJI_SIZE[1], 20.0)
    assert bottom == 1.0
    assert top == pytest.approx(0.5 - math.tan(math.radians(10.0)), abs=1e-12)  # 0.32367
    assert (1 - top) * DJI_SIZE[1] == pytest.approx(2467.24, abs=0.01)  # mend24's 2,467 kept rows
    # pitch -45: the top edge looks 18.43 deg down, 20 cuts the rows above 25 deg over the axis
    assert band_rows(-45.0, f, DJI_SIZE[1], 20.0)[0] == pytest.approx(0.5 - math.tan(math.radians(25.0)), abs=1e-12)
    # pitch -60: the top edge looks 33.4 deg down: nothing cut
    assert band_rows(-60.0, f, DJI_SIZE[1], 20.0) is None
    assert band_rows(-90.0, f, DJI_SIZE[1], 20.0) is None
    # an axis above D: never cut below the centre row
    assert band_rows(-15.0, f, DJI_SIZE[1], 20.0) == (0.5, 1.0)
    assert band_rows(-0.0, f, DJI_SIZE[1], 20.0) == (0.5, 1.0)
    # D = 0: only what looks above the horizon (nothing at -30: the top edge is 3.4 deg down)
    assert band_rows(-30.0, f, DJI_SIZE[1], 0.0) is None
    assert band_rows(-20.0, f, DJI_SIZE[1], 0.0)[0] == pytest.approx(0.5 - math.tan(math.radians(20.0)))
    assert band_rows(-30.0, f, DJI_SIZE[1], None) is None  # off
    # scale-free: the same fractions at any size
    assert band_rows(-30.0, f / 8, DJI_SIZE[1] / 8, 20.0) == pytest.approx(band_rows(-30.0, f, DJI_SIZE[1], 20.0))
    for bad in ((0.0, 100.0), (100.0, 0.0), (float("nan"), 100.0), (float("inf"), 100.0)):
        with pytest.raises(ValueError):
            band_rows(-30.0, *bad)


def _plane_dip_deg(pitch, roll, f, u, v):
    """Degrees below the horizon of the vertical plane through the camera's heading that holds the
    ray of pixel (u, v) (from the centre, v down), built here in 3D, independently of ground_band.py:
    the camera looks p = -pitch below the horizon, then turns `roll` about its optical axis."""
    p, r = math.radians(-pitch), math.radians(roll)
    axis = np.array([0.0, math.cos(p), -math.sin(p)])  # world: x right, y the heading, z up
    right, down = np.array([1.0, 0.0, 0.0]), np.array([0.0, -math.sin(p), -math.cos(p)])
    right, down = math.cos(r) * right + math.sin(r) * down, -math.sin(r) * right + math.cos(r) * down
    ray = f * axis + u * right + v * down
    return math.degrees(math.atan2(-ray[2], ray[1]))


@pytest.mark.parametrize("roll", [5.0, -5.0, 1.0, 10.0])
def test_band_rows_with_a_gimbal_roll(roll):
    """With a roll the line D below the horizon is tilted across the photo: the band starts where
    it lies lowest, so both ends of its top row are at least D down (one of them exactly)."""
    w, h = DJI_SIZE
    f = RATIO * w
    top, bottom = band_rows(-30.0, f, h, 20.0, roll_deg=roll, width_px=w)
    level = band_rows(-30.0, f, h, 20.0)[0]
    assert bottom == 1.0 and top > level
    v = top * h - h / 2
    ends = [_plane_dip_deg(-30.0, roll, f, u, v) for u in (-w / 2, w / 2)]
    assert min(ends) == pytest.approx(20.0, abs=1e-9)
    assert max(ends) > 20.0
    assert _plane_dip_deg(-30.0, 0.0, f, 0.0, level * h - h / 2) == pytest.approx(20.0, abs=1e-9)  # the level case
    assert band_rows(-30.0, f, h, 20.0, roll_deg=0.0, width_px=w) == band_rows(-30.0, f, h, 20.0)
    assert band_rows(-30.0, f, h, 20.0, roll_deg=30.0, width_px=w) == (0.5, 1.0)  # never below the centre row
    assert band_rows(-30.0, f, h, 20.0, roll_deg=ground_band.ROLL_LIMIT_DEG, width_px=w) is None
    assert band_rows(-30.0, f, h, 20.0, roll_deg=float("nan"), width_px=w) is None
    with pytest.raises(ValueError):
        band_rows(-30.0, f, h, 20.0, roll_deg=roll)  # a roll needs the width


def test_the_roll_a_photo_or_frame_records_moves_its_band(tmp_path):
    """XMP GimbalRollDegree of a photo, SRT gb_roll of a video frame: the band follows it (before:
    the roll was not read, the band was the level one); a roll of 0 keeps the level band."""
    want = band_rows(-30.0, 400.0, SIZE[1], 20.0, roll_deg=4.0, width_px=SIZE[0])
    assert query_rows(_photo(tmp_path, "r.jpg", _meta(-30.0, gimbal_roll_deg=-4.0))) == pytest.approx(want)
    assert query_rows(_photo(tmp_path, "z.jpg", _meta(-30.0, gimbal_roll_deg=0.0))) == query_rows(
        _photo(tmp_path, "o.jpg", _meta(-30.0)))
    from geolocator.core.media.video import video_queries

    frame = video_queries(_clip(tmp_path, -30.0, roll=4.0), every_s=1.0)[0]
    assert frame.telemetry.gimbal_roll_deg == 4.0
    assert query_rows(frame) == pytest.approx(want)


def test_the_setting_and_its_override(monkeypatch):
    assert below_horizon_deg() == ground_band.BELOW_HORIZON_DEG == 20.0
    monkeypatch.setenv(ground_band.ENV_VAR, "35")
    assert below_horizon_deg() == 35.0
    for off in ("off", "None", ""):
        monkeypatch.setenv(ground_band.ENV_VAR, off)
        assert below_horizon_deg() is None
    for bad in ("twenty", "90", "-1", "nan"):
        monkeypatch.setenv(ground_band.ENV_VAR, bad)
        with pytest.raises(ValueError, match=ground_band.ENV_VAR):
            below_horizon_deg()


def test_a_ground_band_setting_that_is_no_number_is_one_line_of_the_cli_not_a_traceback(monkeypatch):
    """Input: GEOLOCATOR_GROUND_BAND_DEG=abc, then `geolocator locate …`. Before (docs37): a ValueError
    traceback, exit status 1, after the tiles' features were read. Now a GeolocatorError (still a ValueError),
    which the CLI prints as `error: GEOLOCATOR_GROUND_BAND_DEG='abc': expected …` with status 2 (cli.main)."""
    from geolocator.core.errors import GeolocatorError

    monkeypatch.setenv(ground_band.ENV_VAR, "abc")
    with pytest.raises(GeolocatorError) as e:
        below_horizon_deg()
    assert isinstance(e.value, ValueError)
    assert str(e.value) == "GEOLOCATOR_GROUND_BAND_DEG='abc': expected degrees below the horizon (e.g. 20) or 'off'"


# ---------------------------------------------------------------------------------------------
# Which photos


class _Poison:
    """Truth that must never be read: any use raises."""

    def __getattr__(self, name):
        raise AssertionError("the ground band read the truth")

    def __bool__(self):
        raise AssertionError("the ground band read the truth")


def test_which_photos_get_a_band(tmp_path, monkeypatch):
    q = replace(_photo(tmp_path, "o.jpg", _meta(-30.0)), truth=_Poison(), truth_tile=_Poison())  # never read
    rows = query_rows(q)
    assert rows == pytest.approx((0.5 - math.tan(math.radians(10.0)), 1.0))
    assert query_rows(_photo(tmp_path, "s.jpg", _meta(-60.0))) is None  # nothing to cut
    assert query_rows(_photo(tmp_path, "n.jpg", None)) is None  # no metadata
    assert query_rows(_photo(tmp_path, "p.jpg", PhotoMeta(gimbal_pitch_deg=-30.0))) is None  # no lens, no height
    frame = Query("v.mp4#t=1", tmp_path / "o.jpg", time_s=1.0, meta=_meta(-30.0))
    assert query_rows(frame) is None  # a video frame's view is its telemetry's, and it has none
    monkeypatch.setenv(ground_band.ENV_VAR, "off")
    assert query_rows(q) is None


def test_the_band_is_read_and_named(tmp_path):
    """media.query_image cuts the photo to its band wherever its pixels are read, and the band is
    part of its identity and key (as bars are)."""
    from geolocator.core.cache import file_identity, file_key
    from geolocator.core.media.query_image import open_query_image, query_identity, query_key

    q = replace(_photo(tmp_path, "o.jpg", _meta(-30.0)), truth=_Poison())
    whole = np.asarray(Image.open(q.path).convert("RGB"))
    top = round((0.5 - math.tan(math.radians(10.0))) * SIZE[1])  # row 129 of 400
    band = np.asarray(open_query_image(q))
    assert band.shape == (SIZE[1] - top, SIZE[0], 3)
    assert np.array_equal(band, whole[top:])
    assert query_identity(q).startswith(file_identity(q.path) + "|band=0.0000,0.3237,1.0000,1.0000")
    assert query_key(q) != file_key(q.path)


def test_photos_without_a_recorded_view_are_read_as_before(tmp_path):
    """Pinned: a photo without pitch metadata (or a steep one) is read whole, with the identity
    and key it always had."""
    from geolocator.core.cache import file_identity, file_key
    from geolocator.core.media.query_image import open_query_image, query_identity, query_key

    for name, meta in (("n.jpg", None), ("p.jpg", PhotoMeta(gimbal_pitch_deg=-30.0, focal_length_35mm=24.0)),
                       ("s.jpg", _meta(-60.0))):
        q = _photo(tmp_path, name, meta)
        assert np.array_equal(np.asarray(open_query_image(q)), np.asarray(Image.open(q.path).convert("RGB")))
        assert query_identity(q) == file_identity(q.path)
        assert query_key(q) == file_key(q.path)


# ---------------------------------------------------------------------------------------------
# Photos stored turned: the band is cut in the photo as displayed


_TURN = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def _turned_copy(tmp_path, name, upright: Image.Image, orientation: int, meta: PhotoMeta) -> Query:
    """The upright picture stored turned, with the EXIF Orientation that shows it upright again
    (what a lossless rotation by an editor writes), and its metadata as read (stored sides)."""
    stored = upright.transpose(_TURN[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(tmp_path / name, quality=95, exif=exif)
    return Query(name, tmp_path / name, meta=replace(meta, orientation=orientation, width=stored.width,
                                                      height=stored.height))


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_a_photo_stored_turned_is_cut_as_displayed(tmp_path, orientation):
    """A -30 photo stored turned (EXIF Orientation 3, 6, 8) is read upright by images.open_image;
    its band is the upright photo's rows (the same pixels, rows, view, and band tag), not whole
    (before: no recorded view, read whole) nor cut across its stored rows."""
    from geolocator.core.media.query_image import open_query_image, query_identity
    from geolocator.core.rerank import query_view

    rng = np.random.default_rng(3)
    picture = Image.fromarray(rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8))
    picture.save(tmp_path / "up.png")
    upright = Query("up.png", tmp_path / "up.png", meta=_meta(-30.0, orientation=1))
    turned = replace(_turned_copy(tmp_path, f"t{orientation}.jpg", picture, orientation, _meta(-30.0)),
                     truth=_Poison())
    shown = np.asarray(ImageOps.exif_transpose(Image.open(turned.path)).convert("RGB"))
    assert shown.shape == (SIZE[1], SIZE[0], 3)  # the test's own check: it displays upright
    want = (0.5 - math.tan(math.radians(10.0)), 1.0)
    assert query_rows(upright) == pytest.approx(want)
    assert query_rows(turned) == pytest.approx(want)
    assert query_view(turned) == query_view(upright)
    top = round(want[0] * SIZE[1])
    band = np.asarray(open_query_image(turned))
    assert band.shape == (SIZE[1] - top, SIZE[0], 3)
    assert np.array_equal(band, shown[top:])
    assert query_identity(turned).endswith("|band=0.0000,0.3237,1.0000,1.0000")  # the upright photo's band
    assert query_identity(upright).endswith("|band=0.0000,0.3237,1.0000,1.0000")


# ---------------------------------------------------------------------------------------------
# Video frames: the band of a frame whose telemetry records an oblique view


def _clip(tmp_path, pitch, *, focal="[focal_len: 24.00] ", picture=None, roll=0.0):
    """A 2-frame 600 x 400 H.264 clip (1 fps) and its DJI-style sidecar recording gimbal `pitch`,
    30 m above take-off and a 24 mm (35 mm-equivalent) lens: the test photos' lens, f = 400 px."""
    pytest.importorskip("av")
    import srt
    from datetime import timedelta

    from .flight_helpers import write_video

    rng = np.random.default_rng(5)
    picture = picture or Image.fromarray(rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8))
    path = write_video(tmp_path / "clip.mp4", [picture, picture], fps=1)
    cues = [srt.Subtitle(i + 1, timedelta(seconds=i), timedelta(seconds=i + 1),
                         f"FrameCnt: {i + 1}\n[iso: 100] {focal}[latitude: 36.1400000] [longitude: -115.2300000] "
                         f"[rel_alt: 30.000 abs_alt: 652.300] [gb_yaw: 12.0 gb_pitch: {pitch:.1f} gb_roll: {roll:.1f}]")
            for i in range(2)]
    (tmp_path / "clip.SRT").write_text(srt.compose(cues), encoding="utf-8")
    return path


def test_a_video_frame_with_a_recorded_oblique_view_is_cut_and_named(tmp_path, monkeypatch):
    """A -30 frame (telemetry gb_pitch, rel_alt, focal_len) is cut to the same band as a -30 photo
    through the same lens; its pixels are the band rows of the decoded frame, its identity carries
    the band and its key differs from the whole frame's (before: frames were never cut)."""
    from geolocator.core.media.query_image import open_query_image, query_identity, query_key
    from geolocator.core.media.video import video_queries
    from geolocator.core.rerank import query_view

    frame = video_queries(_clip(tmp_path, -30.0), every_s=1.0)[0]
    assert frame.telemetry.gimbal_pitch_deg == -30.0 and frame.truth is not None
    frame = replace(frame, truth=_Poison())  # the band never reads the recorded position
    want = (0.5 - math.tan(math.radians(10.0)), 1.0)
    assert query_rows(frame) == pytest.approx(want)
    view = query_view(frame)
    assert view.rows == pytest.approx(want)
    assert view.pitch_deg == -30.0 and view.altitude_m == 30.0
    assert view.focal_px(SIZE) == pytest.approx(400.0)  # 24 mm on the 43.27 mm diagonal: the photos' lens
    band, tag, key = np.asarray(open_query_image(frame)), query_identity(frame), query_key(frame)
    monkeypatch.setenv(ground_band.ENV_VAR, "off")
    whole = np.asarray(open_query_image(frame))
    assert whole.shape == (SIZE[1], SIZE[0], 3)
    top = round(want[0] * SIZE[1])
    assert np.array_equal(band, whole[top:])
    assert tag == query_identity(frame) + "|band=0.0000,0.3237,1.0000,1.0000"
    assert key != query_key(frame)


def test_which_video_frames_get_a_band(tmp_path):
    """Steep frames, frames whose telemetry has no lens, and frames without telemetry are read whole."""
    from geolocator.core.media.video import video_queries

    for sub in "abc":
        (tmp_path / sub).mkdir()
    assert query_rows(video_queries(_clip(tmp_path / "a", -60.0), every_s=1.0)[0]) is None  # nothing to cut
    no_lens = video_queries(_clip(tmp_path / "b", -30.0, focal=""), every_s=1.0)[0]
    assert no_lens.telemetry.gimbal_pitch_deg == -30.0 and no_lens.telemetry.focal_len is None
    assert query_rows(no_lens) is None
    assert query_rows(video_queries(_clip(tmp_path / "c", -30.0), every_s=1.0, telemetry=False)[0]) is None


# ---------------------------------------------------------------------------------------------
# The verifier's recorded view of the band


def _ground(view_pitch, altitude, f, u, v):
    """Ground (x right, y forward, metres) seen by the pixel (u, v) from the principal point (v down),
    written out here independently of oblique.py: ray = f fwd + u right + v down."""
    t = math.radians(90.0 + view_pitch)
    ray = np.array([u, f * math.sin(t) - v * math.cos(t), -f * math.cos(t) - v * math.sin(t)])
    s = altitude / -ray[2]
    return s * ray[0], s * ray[1]


def test_the_band_view_outline_and_turn_to_nadir_are_the_band_rows_of_the_whole():
    w, h = DJI_SIZE
    top = 0.5 - math.tan(math.radians(10.0))
    whole = ViewGeometry(-30.0, 30.0, RATIO)
    band = ViewGeometry(-30.0, 30.0, RATIO, rows=(top, 1.0))
    band_size = (w, h * (1 - top))
    f = 3648.0
    assert band.focal_px(band_size) == pytest.approx(f)
    expected = [_ground(-30.0, 30.0, f, u, v) for u, v in
                ((-w / 2, top * h - h / 2), (w / 2, top * h - h / 2), (w / 2, h / 2), (-w / 2, h / 2))]
    assert band.outline_m(band_size) == pytest.approx(np.array(expected), abs=1e-6)
    # a band pixel turns to nadir where the same pixel of the whole photo does (both in pixels
    # whose origin is the band's top-left corner: the turn keeps the principal point)
    shift = np.array([[1, 0, 0], [0, 1, top * h], [0, 0, 1]])
    expected_turn = np.linalg.inv(shift) @ whole.to_nadir(DJI_SIZE) @ shift
    turn = band.to_nadir(band_size)
    assert turn / turn[2, 2] == pytest.approx(expected_turn / expected_turn[2, 2], rel=1e-9, abs=1e-6)
    # the band's far edge looks 20 deg down: 82 m ahead of the camera 30 m up
    assert band.outline_m(band_size)[0, 1] == pytest.approx(30.0 / math.tan(math.radians(20.0)), rel=1e-9)
    # the whole photo's far corners look 3.4 deg down at the centre column, flatter at the corners
    # (86.6 deg off nadir and more): past MAX_RAY_OFF_NADIR_DEG, so the whole view has no outline
    # and its outline rule fell back to the fixed [min_area, max_area] (rerank.outline_rule)
    assert whole.outline_m(DJI_SIZE) is None
    from geolocator.core.rerank import VerifySettings, outline_rule

    assert outline_rule(whole, DJI_SIZE, (50.0, 50.0), VerifySettings()) is None
    rule = outline_rule(band, band_size, (50.0, 50.0), VerifySettings())
    assert rule is not None and rule.high is not None


def test_query_view_is_the_band_view(tmp_path):
    from geolocator.core.rerank import query_outline, query_view

    q = _photo(tmp_path, "o.jpg", _meta(-30.0))
    view = query_view(q)
    assert view.rows == pytest.approx((0.5 - math.tan(math.radians(10.0)), 1.0))
    assert query_outline(q) == view
    assert query_view(_photo(tmp_path, "s.jpg", _meta(-60.0))).rows is None


# ---------------------------------------------------------------------------------------------
# The pose check and the answer


ORIGIN = LatLon(36.14, -115.23)
TILE = Tile("t", None, Bounds(-115.2360, 36.1370, -115.2240, 36.1470))


def _in_tile(points):
    m_lat = math.pi * 6371008.8 / 180.0
    m_lon = m_lat * math.cos(math.radians(ORIGIN.lat))
    b = TILE.bounds
    return tuple(((ORIGIN.lon + x / m_lon - b.west) / (b.east - b.west),
                  (b.north - (ORIGIN.lat + y / m_lat)) / (b.north - b.south)) for x, y in points)


def test_the_pose_check_solves_the_band_not_the_whole_photo(tmp_path, monkeypatch):
    """A right match of a -30 photo's band implies the recorded 60 deg off nadir; solved as if the
    band's corners were the whole photo's (before the fix) it implied 41 (within the 25 deg
    tolerance here, so kept; with a tolerance of 10 it was named a contradiction)."""
    from geolocator.core import pose_check
    from geolocator.core.pose_check import contradiction, implied_tilt_deg

    q = _photo(tmp_path, "o.jpg", _meta(-30.0))
    rows = query_rows(q)
    band_size = (SIZE[0], SIZE[1] * (rows[1] - rows[0]))
    corners = _in_tile(ViewGeometry(-30.0, 30.0, RATIO, rows=rows).outline_m(band_size))
    outline = [TILE.point_at(x, y) for x, y in corners]
    assert implied_tilt_deg(q, outline, rows) == pytest.approx(60.0, abs=0.5)
    assert contradiction(q, TILE, corners) is None
    monkeypatch.setattr(pose_check, "TILT_TOLERANCE_DEG", 10.0)
    assert contradiction(q, TILE, corners) is None  # 41 vs 60 before the fix: named
    cam = camera.camera_for(q, tuple(outline), rows)
    assert cam.height_m == pytest.approx(30.0, rel=0.02)


def test_grounds_map_the_band_back_to_the_whole_photo():
    """Workspace._grounds: the answer is the ground under the whole photo's centre and the footprint
    the whole photo's corners, from a verification of its band."""
    from geolocator.core.pipeline import Workspace
    from geolocator.core.rerank import Verification

    w, h = DJI_SIZE
    top = 0.5 - math.tan(math.radians(10.0))
    band_size = (w, h * (1 - top))
    band_corners = _in_tile(ViewGeometry(-30.0, 30.0, RATIO, rows=(top, 1.0)).outline_m(band_size))
    band_centre = _in_tile([_ground(-30.0, 30.0, 3648.0, 0.0, (top * h + h) / 2 - h / 2)])[0]
    check = Verification(40, band_centre, None, band_corners)
    fake = SimpleNamespace(tileset=SimpleNamespace(tiles=[TILE]))
    candidates = np.zeros((1, 1), np.int64)
    grounds, outlines = Workspace._grounds(fake, [[check]], candidates, [True], [(top, 1.0)])
    m_lat = math.pi * 6371008.8 / 180.0
    centre = grounds[0, 0]
    # the whole photo's centre: along the axis, 30 m x tan 60 ahead of the camera
    assert (centre.lat - ORIGIN.lat) * m_lat == pytest.approx(30.0 * math.tan(math.radians(60.0)), abs=1e-3)
    assert centre.lon == pytest.approx(ORIGIN.lon, abs=1e-9)
    whole = _in_tile([_ground(-30.0, 30.0, 3648.0, u, v) for u, v in
                      ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))])
    got = [(p.lon, p.lat) for p in outlines[0, 0]]
    want = [(TILE.point_at(x, y).lon, TILE.point_at(x, y).lat) for x, y in whole]
    assert np.array(got) == pytest.approx(np.array(want), abs=1e-9)  # the far corners ~500 m ahead too
    # without a band the verification's own centre and corners stand (photos matched whole)
    grounds0, outlines0 = Workspace._grounds(fake, [[check]], candidates, [True])
    assert grounds0[0, 0] == TILE.point_at(*band_centre)
    assert outlines0[0, 0] == tuple(TILE.point_at(*xy) for xy in band_corners)


def test_whole_photo_outline_beyond_the_horizon_has_no_corners():
    # a band whose whole photo's top row looks above the horizon: a pitch -10 photo's lower half
    view = ViewGeometry(-10.0, 30.0, RATIO, rows=(0.5, 1.0))
    size = (600, 200)
    corners = _in_tile(view.outline_m(size))
    centre, whole = whole_photo_outline(corners, (0.5, 1.0))
    assert whole is None
    expected = _in_tile([_ground(-10.0, 30.0, 400.0, 0.0, 0.0)])[0]
    assert centre == pytest.approx(expected, abs=1e-9)
    assert whole_photo_outline(None, (0.5, 1.0)) == (None, None)
    assert whole_photo_outline(((0, 0), (0, 0), (0, 0), (0, 0)), (0.5, 1.0)) == (None, None)
