"""Exact answers for core/oblique.py's ViewGeometry.share_range and side_ratio, written for the
survivors of session 9's mutation run (training/results/mutation_retrieval_rerank.md, "Session 9").

The camera of every test: a 2 x 2 px image, focal length sqrt 3 px (half field of view 30 deg), H m
up, its axis t deg off nadir. In the vertical plane the far edge's middle looks t + 30 deg off
nadir, the near edge's t - 30 deg: forward distances H tan(t + 30) and H tan(t - 30). The ray to an
edge's middle is sqrt(f^2 + 1) = 2 px long in the camera, the corner 1 px to its side, so an edge's
half width on the ground is (H / cos(t +- 30)) / 2. The trapezoid's area is its mean width times
its depth: (H / (2 cos(t + 30)) + H / (2 cos(t - 30))) * H (tan(t + 30) - tan(t - 30)).
(Straight down, t = 0: a square 2 H tan 30 across, 4 H^2 / 3.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

from geolocator.core.oblique import ViewGeometry

R3 = math.sqrt(3)


def _area(t_deg: float, h: float) -> float:
    """The hand formula above (not the code's shoelace over its corner rays)."""
    far, near = math.radians(t_deg + 30), math.radians(t_deg - 30)
    return (h / (2 * math.cos(far)) + h / (2 * math.cos(near))) * h * (math.tan(far) - math.tan(near))


def test_share_range_default_tilt_error_is_5_degrees_and_the_milder_tilt_stops_at_nadir():
    # 3 deg off nadir, 10 m up, a 20 m x 10 m tile (200 m^2), tolerance 2 (x 4 on areas):
    # low: the area at max(0, 3 - 5) = 0 deg (the nadir square, 400/3 m^2) / 4 / 200 = 1/6;
    # high: the area at 3 + 5 = 8 deg x 4 / 200.
    # premise: the hand formula gives 6 sqrt 2 H^2 at 45 deg (test_oblique's hand-worked
    # trapezoid) and 4 H^2 / 3 at nadir
    assert _area(45.0, 10.0) == pytest.approx(6 * math.sqrt(2) * 100, rel=1e-12)
    assert _area(0.0, 10.0) == pytest.approx(400 / 3, rel=1e-12)
    view = ViewGeometry(-87.0, 10.0, R3 / 2)
    low, high = view.share_range((2, 2), (20.0, 10.0), 2.0)
    assert low == pytest.approx(1 / 6, rel=1e-12)
    assert high == pytest.approx(_area(8.0, 10.0) * 4 / 200, rel=1e-12)
    # the premise that tells the candidates apart: 0 / 1 / 3 deg give different areas, 8 / 9 too
    assert _area(1.0, 10.0) > 400 / 3 * (1 + 1e-6) and _area(3.0, 10.0) > _area(1.0, 10.0) * (1 + 1e-6)
    assert _area(9.0, 10.0) > _area(8.0, 10.0) * (1 + 1e-6)


def test_share_range_at_45_degrees_uses_the_areas_at_40_and_50():
    # 45 deg, 20 m up, a 30 m x 40 m tile (1200 m^2), tolerance 2.5 (6.25 on areas), tilt error 5
    view = ViewGeometry(-45.0, 20.0, R3 / 2)
    low, high = view.share_range((2, 2), (30.0, 40.0), 2.5, 5.0)
    assert low == pytest.approx(_area(40.0, 20.0) / 6.25 / 1200, rel=1e-12)
    assert high == pytest.approx(_area(50.0, 20.0) * 6.25 / 1200, rel=1e-12)


def test_share_range_needs_a_tile_with_area_and_takes_any_positive_one():
    view = ViewGeometry(-45.0, 20.0, R3 / 2)
    assert view.share_range((2, 2), (0.0, 30.0), 2.0) is None
    assert view.share_range((2, 2), (30.0, 0.0), 2.0) is None
    # a tile of 0.5 x 1 m (0.5 m^2: less than 1, still an area): shares over 0.5
    low, high = view.share_range((2, 2), (0.5, 1.0), 1.0, 5.0)
    assert low == pytest.approx(_area(40.0, 20.0) / 0.5, rel=1e-12)
    assert high == pytest.approx(_area(50.0, 20.0) / 0.5, rel=1e-12)


def test_side_ratio_follows_the_tilt_it_is_given():
    # at 45 deg the near and far edges are the shortest and longest: (sqrt 6 + sqrt 2) / (sqrt 6 - sqrt 2)
    # = 2 + sqrt 3 (test_oblique); asked for tilt 0 the same camera sees a square: ratio 1.
    # At 20 deg: the far edge H / cos 50, the near one H / cos 10 (half widths' ratio, the edges
    # being the longest and shortest sides: the slanted ones lie between, checked below).
    view = ViewGeometry(-45.0, 10.0, R3 / 2)
    assert view.side_ratio((2, 2)) == pytest.approx(2 + R3, rel=1e-12)
    assert view.side_ratio((2, 2), 0.0) == pytest.approx(1.0, rel=1e-12)
    far, near = math.radians(50.0), math.radians(-10.0)
    slant = math.hypot((1 / math.cos(far) - 1 / math.cos(near)) / 2, math.tan(far) - math.tan(near))
    assert slant < 1 / math.cos(far) and slant > 1 / math.cos(near)  # premise: the ratio is far / near
    assert view.side_ratio((2, 2), 20.0) == pytest.approx(math.cos(near) / math.cos(far), rel=1e-12)


def test_share_range_falls_back_to_the_recorded_tilt_when_the_other_one_has_no_outline():
    # A negative tilt error swaps the roles: "low" is then taken at t + 5. At 50 deg that is
    # 55 deg, whose top corners look past 85 deg off nadir (the corner ray's cosine off nadir is
    # 2 cos(t + 30) / sqrt 5 for this camera: 2 cos 85 / sqrt 5 = 0.078 < cos 85 = 0.087), so the
    # recorded tilt's own area stands in: area(50) / 1 / 100.
    view = ViewGeometry(-40.0, 10.0, R3 / 2)
    assert 2 * math.cos(math.radians(85)) / math.sqrt(5) < math.cos(math.radians(85))
    assert view.outline_m((2, 2), 55.0) is None
    low, high = view.share_range((2, 2), (10.0, 10.0), 1.0, -5.0)
    assert low == pytest.approx(_area(50.0, 10.0) / 100, rel=1e-12)
    assert high == pytest.approx(_area(45.0, 10.0) / 100, rel=1e-12)


def _meta(**kw):
    from geolocator.core.model import PhotoMeta

    base = dict(width=4000, height=3000, gimbal_pitch_deg=-45.0, relative_altitude_m=30.0, focal_length_mm=4.5,
                sensor_width_mm=6.4)
    base.update(kw)
    return PhotoMeta(**base)


def test_view_geometry_takes_any_positive_height_and_lens_and_its_tilt_bounds_are_strict():
    from geolocator.core.oblique import view_geometry

    # under 1 m / 1 mm is still positive: a camera 0.5 m up with a 0.5 mm lens on a 0.8 mm sensor
    assert view_geometry(_meta(relative_altitude_m=0.5, focal_length_mm=0.5, sensor_width_mm=0.8)) == \
        ViewGeometry(-45.0, 0.5, 0.625)
    # tilt = 90 + pitch: pitch -80 is exactly NADIR_TOLERANCE_DEG (10) off nadir: a nadir photo;
    # pitch -79.5 (10.5 deg) and -0.5 (89.5 deg, just below the horizon) are oblique
    assert view_geometry(_meta(gimbal_pitch_deg=-80.0)) is None
    assert view_geometry(_meta(gimbal_pitch_deg=-79.5)) == ViewGeometry(-79.5, 30.0, 4.5 / 6.4)
    assert view_geometry(_meta(gimbal_pitch_deg=-0.5)) == ViewGeometry(-0.5, 30.0, 4.5 / 6.4)


# -- rerank: the camera rule's inputs and bounds ------------------------------------------------------------


def test_outline_rule_passes_its_tilt_error_on():
    from geolocator.core.rerank import VerifySettings, outline_rule

    # 45 deg +- 10, 20 m up, a 30 x 40 m tile, footprint_tolerance 2.5 (6.25 on areas); the side
    # ratio at 55 deg: the far edge H / cos 85 over the near one H / cos 25 (slanted sides between)
    view = ViewGeometry(-45.0, 20.0, R3 / 2)
    rule = outline_rule(view, (2, 2), (30.0, 40.0), VerifySettings(), tilt_error_deg=10.0)
    assert rule.low == pytest.approx(_area(35.0, 20.0) / 6.25 / 1200, rel=1e-12)
    assert rule.high is None  # 55 deg: the top corners look past 85 deg (see above)
    assert view.outline_m((2, 2), 55.0) is None


def _homography(src, dst):
    import cv2

    return cv2.getPerspectiveTransform(np.float32(src), np.float32(dst)).astype(np.float64)


def test_the_camera_rule_allows_its_own_side_ratio_beyond_the_fixed_one():
    from geolocator.core.rerank import OutlineRule, VerifySettings, _plausible

    # a 4 x 4 px photo mapped onto a trapezoid of sides 10 (top), 90 (bottom), and two slanted
    # sides of hypot(40, 40) = 56.6: ratio 9 (> the fixed 8), area (10 + 90) / 2 x 40 = 2000 px^2
    # of a 100 x 100 px tile (share 0.2)
    h = _homography([[0, 0], [4, 0], [4, 4], [0, 4]], [[45, 30], [55, 30], [95, 70], [5, 70]])
    settings = VerifySettings()
    assert not _plausible(h, (4, 4), (100, 100), settings)  # the fixed ratio 8
    assert _plausible(h, (4, 4), (100, 100), settings, OutlineRule(0.1, 0.3, 9.5))
    assert not _plausible(h, (4, 4), (100, 100), settings, OutlineRule(0.1, 0.3, 8.5))


def test_the_camera_rules_size_bounds_are_strict():
    from geolocator.core.rerank import OutlineRule, VerifySettings, _plausible

    # a 4 x 4 px photo drawn 1:1 in an 8 x 8 px tile: share 16 / 64 = 0.25 exactly
    h = np.eye(3)
    s = VerifySettings()
    assert _plausible(h, (4, 4), (8, 8), s, OutlineRule(0.2, 0.3, 8.0))
    assert not _plausible(h, (4, 4), (8, 8), s, OutlineRule(0.25, 0.3, 8.0))
    assert not _plausible(h, (4, 4), (8, 8), s, OutlineRule(0.2, 0.25, 8.0))
    assert _plausible(h, (4, 4), (8, 8), s, OutlineRule(0.2, None, 8.0))


def test_the_fine_pass_describes_an_oblique_photo_turned_to_nadir_at_the_fine_contrast(tmp_path, monkeypatch):
    from dataclasses import replace

    from PIL import Image

    import geolocator.core.rerank as rerank
    from geolocator.core.model import Query

    seen = []

    def spy(image, view, settings, *, contrast=None, between=None):
        seen.append((view, contrast))
        return "features"

    monkeypatch.setattr(rerank, "rectified_local_features", spy)
    path = tmp_path / "q.png"
    Image.new("L", (40, 30), 90).save(path)
    query = Query("q", path, meta=replace(_meta(), width=40, height=30))
    v = rerank.Verifier(rerank.VerifySettings(fine_contrast=0.013))
    assert v.photo(query, fine=True) == "features" and v.photo(query) == "features"
    from geolocator.core.ground_band import query_rows

    view = ViewGeometry(-45.0, 30.0, 4.5 / 6.4, rows=query_rows(query))  # the band the verifier reads
    assert view.rows is not None
    assert seen == [(view, 0.013), (view, None)]


def test_a_corner_ray_exactly_at_the_limit_counts_as_too_flat(monkeypatch):
    import geolocator.core.oblique as oblique

    # Straight down, a 2 x 4 px image with a 2 px focal length: every corner ray is (+-1, +-2, -2)
    # px, 3 px long, its cosine off nadir exactly 2 / 3. With the limit set to the angle whose
    # float cosine times 3 is exactly 2.0 (48.1896851042214 deg: found by stepping ulps around
    # acos(2/3)), the corners lie exactly on it: "at or near the horizon", no outline.
    limit_deg = 48.1896851042214
    assert math.cos(math.radians(limit_deg)) * 3.0 == 2.0
    view = ViewGeometry(-90.0, 10.0, 0.5)  # focal 0.5 x 4 = 2 px
    monkeypatch.setattr(oblique, "MAX_RAY_OFF_NADIR_DEG", limit_deg)
    assert view.outline_m((2, 4)) is None
    # a hair flatter allowed: the nadir rectangle 10 x (1, 2) / 2 m from the centre
    monkeypatch.setattr(oblique, "MAX_RAY_OFF_NADIR_DEG", 48.19)
    np.testing.assert_allclose(view.outline_m((2, 4)), [(-5, 10), (5, 10), (5, -10), (-5, -10)], atol=1e-12)
