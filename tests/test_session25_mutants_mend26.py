"""Tests that kill the hand mutants of session 25's code that the tests before them let live
(training/mutation_check_session26_mend26.py; training/results/mutation_session26_mend26.md)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from PIL import Image

from geolocator.core import camera, ground_band
from geolocator.core.changed_ground import (CHANGED_UNVERIFIED_CEILING, CHANGED_VERIFIED_BELOW, CHANGED_VERIFIED_SHARE,
                                            changed_confidence)
from geolocator.core.ground_band import band_rows, query_rows, whole_photo_outline
from geolocator.core.media.metadata import PhotoMeta
from geolocator.core.model import Query


@pytest.fixture(autouse=True)
def _no_override(monkeypatch):
    monkeypatch.delenv(ground_band.ENV_VAR, raising=False)
    monkeypatch.setattr(camera, "_CAMERAS", camera.OrderedDict())


def _meta(pitch):  # a Phantom 4 Pro's lens (8.8 mm on a 13.2 mm sensor), 30 m up: as tests/test_ground_band.py
    return PhotoMeta(gimbal_pitch_deg=pitch, relative_altitude_m=30.0, focal_length_mm=8.8, sensor_width_mm=13.2,
                     focal_length_35mm=24.0)


# ---- core/ground_band.py ------------------------------------------------------------------------

def test_a_band_limit_past_straight_up_still_keeps_the_lower_half():
    """GB5: D - p is clamped to +-89 degrees before its tangent. A camera tilted 30 degrees above the
    horizon (pitch +30) with D = 70 asks for rows 100 degrees off its axis: the tangent of 100 degrees
    is negative, and unclamped the band's top came out above the picture: nothing cut. Clamped, the
    top is the centre row (at most 0.5), as for any photo whose lower half is all there is."""
    assert band_rows(30.0, 400.0, 400.0, 70.0) == (0.5, 1.0)
    assert band_rows(-30.0, 400.0, 400.0, 20.0) == pytest.approx((0.5 - math.tan(math.radians(10.0)), 1.0))


def test_a_photo_inside_bars_gets_no_band(tmp_path):
    """GB10: a picture posted inside letterbox bars was reframed; its lens no longer says which rows
    look where, so it is matched whole (query_rows None); the same picture without bars is cut."""
    rng = np.random.default_rng(0)
    content = rng.integers(0, 255, (280, 600, 3), dtype=np.uint8)
    plain = tmp_path / "plain.jpg"
    Image.fromarray(rng.integers(0, 255, (400, 600, 3), dtype=np.uint8)).save(plain, quality=95)
    barred = tmp_path / "barred.jpg"
    framed = np.zeros((400, 600, 3), np.uint8)
    framed[60:340] = content
    Image.fromarray(framed).save(barred, quality=95)
    from geolocator.core.media.query_image import bars_box

    q_plain, q_barred = Query("plain.jpg", plain, meta=_meta(-30.0)), Query("barred.jpg", barred, meta=_meta(-30.0))
    assert bars_box(q_plain) is None and bars_box(q_barred) is not None
    assert query_rows(q_plain) is not None
    assert query_rows(q_barred) is None


def test_a_whole_photo_corner_on_the_line_at_infinity_gives_no_outline():
    """GB14: a corner of the whole photo exactly on the band homography's line at infinity (w = 0)
    has no finite place: no corners, only the centre. The band (0.5-1) maps to the trapezoid below,
    whose homography has w = y_band + 1, 0 on the whole photo's top row (y_band = -1)."""
    centre, corners = whole_photo_outline(((0.0, 0.0), (1.0, 0.0), (0.5, 0.5), (0.0, 0.5)), (0.5, 1.0))
    assert corners is None
    assert centre == pytest.approx((0.5, 0.0), abs=1e-12)


def test_band_corners_with_three_in_a_line_have_no_homography():
    """GB16: three of the band's four corners on one line: the linear system still solves, to a
    singular homography (determinant 0); it is refused (None, None), not used for an outline."""
    for corners in (((0, 0), (1, 0), (2, 0), (0, 1)), ((0, 0), (1, 1), (2, 2), (0, 1))):
        assert whole_photo_outline(corners, (0.5, 1.0)) == (None, None)


def test_the_centre_beyond_the_band_s_side_of_the_horizon_is_not_placed():
    """GB18: band corners whose homography puts the whole photo's centre on the other side of the
    line at infinity from the band (w = 1 - 3 y_band: the band's corners at w 1, 1, -2, -2, the
    centre's row y_band = 0.2 / 0.7 at w 0.14): no centre and no corners, never a point 'through'
    infinity."""
    assert whole_photo_outline(((0.0, 0.0), (1.0, 0.0), (-0.5, -0.5), (0.0, -0.5)), (0.3, 1.0)) == (None, None)


def test_a_photo_replaced_by_another_size_is_measured_again(tmp_path):
    """GB17: the stored size is kept by file identity (path, size, mtime), so a photo saved again at
    another size at the same path is read anew, not served from the cache. (Since band26 the size is
    read by recorded_view.displayed_size, for photos and video frames alike.)"""
    from geolocator.core.recorded_view import displayed_size

    path = tmp_path / "p.jpg"
    query = Query("p.jpg", path)
    Image.new("RGB", (600, 400), (90, 90, 90)).save(path)
    assert displayed_size(query) == (600, 400)
    Image.new("RGB", (400, 600), (90, 90, 90)).save(path, quality=50)
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # another mtime whatever the clock
    assert displayed_size(query) == (400, 600)


# ---- core/changed_ground.py ---------------------------------------------------------------------

def test_changed_ground_figures_exactly():
    """CG2-CG4: the measured figures themselves (newuser_session25.md): a verified answer at the bar
    (0.95) keeps it, one below claims at most (19 + 1) / (26 + 2) = 0.71, an unverified one at most
    (3 + 1) / (68 + 2) = 0.06; never more than it claimed."""
    assert (CHANGED_VERIFIED_BELOW, CHANGED_VERIFIED_SHARE, CHANGED_UNVERIFIED_CEILING) == (0.95, 0.71, 0.06)
    assert round((19 + 1) / (26 + 2), 2) == CHANGED_VERIFIED_SHARE and round((3 + 1) / (68 + 2), 2) == CHANGED_UNVERIFIED_CEILING
    assert changed_confidence(0.95, "verified") == 0.95  # at the bar: kept
    assert changed_confidence(0.9499, "verified") == 0.71
    assert changed_confidence(0.93, "verified") == 0.71
    assert changed_confidence(0.6, "verified") == 0.6  # below the share: never raised
    assert changed_confidence(0.6, "retrieved") == 0.06
    assert changed_confidence(0.05, "retrieved") == 0.05
    assert changed_confidence(0.0, "not located") == 0.0


def test_a_saved_changed_ground_choice_holds_from_the_app_s_start(qtbot, tmp_path):
    """CG14: the box saved ticked is ticked at the next start and the workspace's first locate uses
    it (before anything is toggled): the settings reach the core when the window is built."""
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True, changed_ground=True))
    assert w.backbone_panel.changed_ground.isChecked()
    assert w.session.ws.settings.changed_ground
    w.close()


# ---- adapt/geometric.link_heading and quick_link --------------------------------------------------

def test_a_link_s_heading_is_the_photo_s_against_its_partner(monkeypatch):
    """LH1, LH4: link_heading searches the heading of the photo (the one turned) against its partner,
    in that order (matchers/verify.best_heading(photo, target)); quick_link hands a heading it is given
    on to the first look, which then does not search it again (session 25: a heading search was a
    third of a link's cost)."""
    from geolocator.core.adapt import geometric
    from geolocator.core.matchers import verify

    calls = []
    monkeypatch.setattr(verify, "best_heading", lambda photo, target: calls.append((photo, target)) or ("view", "to_view"))
    assert geometric.link_heading("photo", "partner") == ("view", "to_view")
    assert calls == [("photo", "partner")]
    looked = []
    monkeypatch.setattr(verify, "quick_inliers",
                        lambda photo, partner, settings, expected_share=None, heading=None: looked.append(
                            (photo, partner, settings, expected_share, heading)) or 7)
    assert geometric.quick_link("photo", "partner", "settings", heading=("view", "to_view")) == 7
    assert looked == [("photo", "partner", "settings", 1.0, ("view", "to_view"))]
    assert geometric.quick_link("photo", "partner", "settings") == 7
    assert looked[-1][-1] is None


def test_the_changed_ground_box_waits_while_a_job_runs(qtbot, tmp_path, monkeypatch):
    """CG15: a running job reads the setting, so the box is disabled while one runs (as the matcher,
    mosaic and dense-search boxes) and enabled again after it."""
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    box = w.backbone_panel.changed_ground
    busy = {"now": True}
    monkeypatch.setattr(type(w.runner), "busy", property(lambda self: busy["now"]))
    w._refresh_actions()
    assert not box.isEnabled() and not w.backbone_panel.dense.isEnabled()
    busy["now"] = False
    w._refresh_actions()
    assert box.isEnabled()
    w.close()
