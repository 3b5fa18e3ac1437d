"""rerank.rectified_local_features through a spy on OpenCV (session 9's mutation survivors): the
resampling to the working size, the nadir canvas (its homography and size worked out by hand), the
mask SIFT sees, SIFT's options, and the features' shapes and types."""

from __future__ import annotations

import math

import cv2
import numpy as np
from PIL import Image

import geolocator.core.rerank as rerank
from geolocator.core.oblique import ViewGeometry
from geolocator.core.rerank import VerifySettings, rectified_local_features

from .helpers import Cv2Spy, spy_on_cv2

R2, R3, R6 = math.sqrt(2), math.sqrt(3), math.sqrt(6)
NADIR = ViewGeometry(-90.0, 10.0, 0.7)  # straight down: to_nadir is the identity


class _Sift:
    def __init__(self, spy, kw):
        self.spy, self.sift = spy, cv2.SIFT_create(**kw)

    def detectAndCompute(self, image, mask):  # noqa: N802 - OpenCV's name
        self.spy.calls.append(("detect", image, mask))
        return self.sift.detectAndCompute(image, mask)


class _Cv2Spy(Cv2Spy):
    """OpenCV with resize, warpPerspective, erode, SIFT_create and detectAndCompute recorded (and run)."""

    def warpPerspective(self, src, m, dsize, **kw):  # noqa: N802
        out = cv2.warpPerspective(src, m, dsize, **kw)
        self.calls.append(("warp", src, m, dsize, kw, out))
        return out

    def erode(self, src, kernel):
        out = cv2.erode(src, kernel)
        self.calls.append(("erode", src, kernel, out))
        return out

    def SIFT_create(self, **kw):  # noqa: N802
        self.calls.append(("SIFT_create", kw))
        return _Sift(self, kw)


def _spy(monkeypatch) -> _Cv2Spy:
    return spy_on_cv2(monkeypatch, rerank, _Cv2Spy())


def test_a_nadir_view_is_drawn_at_max_side_with_a_nearest_mask_eroded_5_by_5(monkeypatch):
    spy = _spy(monkeypatch)
    # 8 x 4 px at max_side 16: no resampling to the working size (it never enlarges); straight down
    # the nadir view is the photo itself, so the canvas is the photo scaled 16 / 8 = 2: 16 x 8 px
    img = (np.arange(32, dtype=np.uint8).reshape(4, 8) * 7)
    # contrast_norm=0: the pixels as they are (the default stretch is rerank.normalise_contrast's test)
    f = rectified_local_features(Image.fromarray(img), NADIR, VerifySettings(max_side=16, contrast_norm=0))
    assert f.size == (8, 4) and spy.named("resize") == []
    (src, m, dsize, kw, nadir), (msrc, mm, mdsize, mkw, mout) = spy.named("warp")
    np.testing.assert_array_equal(src, img)
    np.testing.assert_allclose(m, np.diag([2.0, 2.0, 1.0]), atol=1e-12)
    assert dsize == (16, 8) and kw == {"flags": cv2.INTER_LINEAR}
    np.testing.assert_array_equal(msrc, np.full((4, 8), 255, np.uint8))
    np.testing.assert_allclose(mm, np.diag([2.0, 2.0, 1.0]), atol=1e-12)
    assert mdsize == (16, 8) and mkw == {"flags": cv2.INTER_NEAREST}
    [(esrc, kernel, eroded)] = spy.named("erode")
    assert esrc is mout and kernel.shape == (5, 5) and kernel.dtype == np.uint8 and (kernel == 1).all()
    [(image, mask)] = spy.named("detect")
    assert image is nadir and mask is eroded
    assert spy.named("SIFT_create") == [{"nfeatures": 1500}]
    rectified_local_features(Image.fromarray(img), NADIR, VerifySettings(max_side=16, fine_n_features=900),
                             contrast=0.02)
    assert spy.named("SIFT_create")[1] == {"nfeatures": 900, "contrastThreshold": 0.02}


def test_a_photo_larger_than_max_side_is_averaged_down_first(monkeypatch):
    spy = _spy(monkeypatch)
    # 6 x 3 px at max_side 2: working size (2, 1), each pixel the mean of a 3 x 3 block (INTER_AREA):
    # 423 / 9 = 47, 1044 / 9 = 116; straight down the canvas is that image itself (scale 2 / 2 = 1)
    img = np.array([[0, 30, 60, 90, 120, 150],
                    [10, 100, 70, 200, 50, 250],
                    [20, 50, 83, 30, 60, 94]], np.uint8)
    f = rectified_local_features(Image.fromarray(img), NADIR, VerifySettings(max_side=2, contrast_norm=0))
    [(dsize, kw, out)] = spy.named("resize")
    assert dsize == (2, 1) and kw == {"interpolation": cv2.INTER_AREA}
    (src, m, wsize, _, nadir), _ = spy.named("warp")
    assert src.tolist() == [[47, 116]] and wsize == (2, 1) and nadir.tolist() == [[47, 116]]
    # nothing to describe in 2 pixels: no keypoints, in the documented shapes and types
    assert f.size == (2, 1)
    assert f.points.shape == (0, 2) and f.points.dtype == np.float32
    assert f.descriptors.shape == (0, 128) and f.descriptors.dtype == np.float32


def test_a_one_pixel_side_stays_one_pixel_on_the_canvas(monkeypatch):
    spy = _spy(monkeypatch)
    # 1 x 100 at max_side 50: working size (1, 50) (the width is not reduced: cubic, as
    # image_local_features does); the canvas (scale 50 / 50 = 1) is 1 x 50, not widened to 2
    f = rectified_local_features(Image.new("L", (1, 100), 128), NADIR, VerifySettings(max_side=50))
    assert f.size == (1, 50)
    [(dsize, kw, _)] = spy.named("resize")
    assert dsize == (1, 50) and kw == {"interpolation": cv2.INTER_CUBIC}
    assert [w[2] for w in spy.named("warp")] == [(1, 50), (1, 50)]
    # and 100 x 1: (50, 1), averaged (the width shrinks)
    f = rectified_local_features(Image.new("L", (100, 1), 128), NADIR, VerifySettings(max_side=50))
    assert f.size == (50, 1) and spy.named("resize")[1][:2] == ((50, 1), {"interpolation": cv2.INTER_AREA})
    assert [w[2] for w in spy.named("warp")][2:] == [(50, 1), (50, 1)]


def test_the_canvas_of_a_45_degree_view_worked_out_by_hand(monkeypatch):
    spy = _spy(monkeypatch)
    # 2 x 2 px, focal sqrt 3 px, 45 deg off nadir (test_oblique's camera). Turned to nadir
    # (x' = f px / z + 1, y' = f (py cos t - sin t) / z + 1, z = py sin t + cos t, px, py the
    # pixel's offsets from the centre over f): the centre lands at (1, 1 - sqrt 3), the top
    # corners at (1 -+ (3 sqrt 2 + sqrt 6) / 2, -2 - 2 sqrt 3), the bottom ones at
    # (1 -+ (3 sqrt 2 - sqrt 6) / 2, 4 - 2 sqrt 3). The crop: 2 x max side / 2 = 2 around the
    # centre, lo = (-1, -1 - sqrt 3), hi = (3, 3 - sqrt 3); the photo's extent cuts hi's y to the
    # near edge, 4 - 2 sqrt 3 (x: -2.35 .. 4.35 is wider than the crop; the far edge's y above it).
    # Canvas = 2 / max(4, 5 - sqrt 3) = 0.5 x (nadir - lo): 2 x round(1.63) = 2 x 2 px.
    view = ViewGeometry(-45.0, 10.0, R3 / 2)
    rectified_local_features(Image.new("L", (2, 2), 100), view, VerifySettings(max_side=2))
    (_, m, dsize, _, _), _ = spy.named("warp")
    assert dsize == (2, 2)

    def canvas(x, y):
        u, v, w = m @ np.array([x, y, 1.0])
        return u / w, v / w

    lo = np.array([-1.0, -1 - R3])
    np.testing.assert_allclose(canvas(1, 1), ((1 - lo[0]) / 2, (1 - R3 - lo[1]) / 2), atol=1e-9)
    np.testing.assert_allclose(canvas(0, 0), ((1 - (3 * R2 + R6) / 2 - lo[0]) / 2, (-2 - 2 * R3 - lo[1]) / 2),
                               atol=1e-9)
    np.testing.assert_allclose(canvas(2, 2), ((1 + (3 * R2 - R6) / 2 - lo[0]) / 2, (4 - 2 * R3 - lo[1]) / 2),
                               atol=1e-9)
    # the near edge is the canvas's bottom: y = (4 - 2 sqrt 3 - lo_y) / 2 = (5 - sqrt 3) / 2 = 1.63 < 2 px
    assert canvas(0, 2)[1] == canvas(2, 2)[1]


def test_keypoints_come_back_as_float32_with_their_descriptors():
    # 40 deg off nadir, six round blobs: keypoints found (premise), points and descriptors float32
    w, h = 384, 288
    yy, xx = np.mgrid[0:h, 0:w]
    image = np.full((h, w), 60.0)
    for x, y in ((100, 80), (260, 90), (190, 150), (80, 220), (300, 230), (200, 250)):
        image += 180 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 5.0 ** 2))
    f = rectified_local_features(Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)),
                                 ViewGeometry(-50.0, 30.0, 4.5 / 6.4), VerifySettings())
    assert len(f.points) >= 6 and f.points.dtype == np.float32 and f.points.shape[1] == 2
    assert f.descriptors is not None and f.descriptors.dtype == np.float32
    assert f.descriptors.shape == (len(f.points), 128)


def _canvas_of(spy):
    (_, m, dsize, _, _), _ = spy.named("warp")

    def canvas(x, y):
        u, v, w = m @ np.array([x, y, 1.0])
        return np.array([u / w, v / w])

    return canvas, dsize


def test_a_mild_views_canvas_is_the_photos_own_extent(monkeypatch):
    spy = _spy(monkeypatch)
    # The same 2 x 2 camera 20 deg off nadir. Turned to nadir, a row's depth is z = cos t - sin t / sqrt 3
    # at the top, cos t + sin t / sqrt 3 at the bottom (py = -+ 1 / sqrt 3); the top corners land at
    # x = 1 -+ 1 / z_top, y = 1 - sqrt 3 tan(t + 30) (the far edge's ground H tan 50 ahead); the
    # bottom ones at y = 1 + sqrt 3 tan(30 - t) = 1 + sqrt 3 tan 10. All of it lies inside the crop
    # (centre (1, 1 - sqrt 3 tan 20) +- 2): lo is the top-left corner's image in x AND in y (two
    # different corners' coordinates, each the minimum of its own axis), the canvas is the photo's
    # extent: 2 / z_top wide, so scale = z_top, and the top-left corner lands at (0, 0).
    t = math.radians(20.0)
    z_top, z_bottom = math.cos(t) - math.sin(t) / R3, math.cos(t) + math.sin(t) / R3
    rectified_local_features(Image.new("L", (2, 2), 100), ViewGeometry(-70.0, 10.0, R3 / 2),
                             VerifySettings(max_side=2))
    canvas, dsize = _canvas_of(spy)
    np.testing.assert_allclose(canvas(0, 0), (0, 0), atol=1e-9)
    np.testing.assert_allclose(canvas(2, 0), (2, 0), atol=1e-9)
    depth = R3 * (math.tan(math.radians(50)) + math.tan(math.radians(10)))
    np.testing.assert_allclose(canvas(2, 2), (1 + z_top / z_bottom, z_top * depth), atol=1e-9)
    assert dsize == (2, round(z_top * depth))  # 2 x 2 (1.76 rounds to 2)


def test_a_view_beyond_the_horizon_keeps_its_near_edge_on_the_canvas(monkeypatch):
    spy = _spy(monkeypatch)
    # 70 deg off nadir: the top row's depth cos 70 - sin 70 / sqrt 3 < 0 (above the horizon), so the
    # crop alone bounds the canvas: centre (1, 1 - sqrt 3 tan 70) +- 2 (2 x max side / 2). Its
    # bottom, 3 - sqrt 3 tan 70 = -1.76, is above the near edge's image 1 - sqrt 3 tan 40 = -0.45
    # (its ground H tan 40 ahead), which is kept: the canvas spans 4 x (2 + sqrt 3 (tan 70 - tan 40))
    # = 4 x 5.31, scale s = 2 / 5.31, and the photo's centre lands at (2 s, 2 s).
    assert math.cos(math.radians(70)) - math.sin(math.radians(70)) / R3 < 0
    rectified_local_features(Image.new("L", (2, 2), 100), ViewGeometry(-20.0, 10.0, R3 / 2),
                             VerifySettings(max_side=2))
    canvas, dsize = _canvas_of(spy)
    s = 2 / (2 + R3 * (math.tan(math.radians(70)) - math.tan(math.radians(40))))
    np.testing.assert_allclose(canvas(1, 1), (2 * s, 2 * s), atol=1e-9)
    np.testing.assert_allclose(canvas(2, 2)[1], 2.0, atol=1e-9)  # the near edge: the canvas's bottom
    assert dsize == (round(4 * s), 2)


def test_a_camera_tilted_back_past_nadir_is_the_mirror_image(monkeypatch):
    spy = _spy(monkeypatch)
    # pitch -110 (20 deg past nadir, backwards; view_geometry never builds one, ViewGeometry takes
    # it): the mild view's canvas upside down. Now the BOTTOM edge looks furthest: the bottom
    # corners land at x = 1 -+ 1 / z_top (z_top, z_bottom of the 20 deg case), y = 1 + sqrt 3 tan 50,
    # the top ones at y = 1 - sqrt 3 tan 10; lo is the bottom-left corner's x and the top edge's y.
    t = math.radians(20.0)
    z_top, z_bottom = math.cos(t) - math.sin(t) / R3, math.cos(t) + math.sin(t) / R3
    rectified_local_features(Image.new("L", (2, 2), 100), ViewGeometry(-110.0, 10.0, R3 / 2),
                             VerifySettings(max_side=2))
    canvas, dsize = _canvas_of(spy)
    depth = R3 * (math.tan(math.radians(50)) + math.tan(math.radians(10)))
    np.testing.assert_allclose(canvas(0, 2), (0, z_top * depth), atol=1e-9)
    np.testing.assert_allclose(canvas(2, 2), (2, z_top * depth), atol=1e-9)
    np.testing.assert_allclose(canvas(0, 0), (1 - z_top / z_bottom, 0), atol=1e-9)
    assert dsize == (2, 2)


class _View:
    """Any object with to_nadir will do for rectified_local_features: this one a chosen homography."""

    def __init__(self, h):
        self.h = h

    def to_nadir(self, size):
        return self.h


def test_a_corner_at_depth_1e_9_counts_as_beyond_the_horizon(monkeypatch):
    spy = _spy(monkeypatch)
    # H = [[1, 0, 0], [0, 1, 0], [0, 1, 1e-9]] on a 2 x 2 photo: the top corners' depth is exactly
    # 1e-9, the bottom ones' 2 + 1e-9. At the threshold the photo counts as unbounded, so the crop
    # alone bounds the canvas: centre c = 1 / (1 + 1e-9) (both axes) +- 2, scale 2 / 4; the near
    # edge (y = 2 / (2 + 1e-9) < c + 2) does not extend it. The centre pixel lands at (1, 1).
    # (Counting the top corners as finite would put them at (0, 0) and (2e9, 0) and crop to them.)
    rectified_local_features(Image.new("L", (2, 2), 100), _View(np.array([[1, 0, 0], [0, 1, 0], [0, 1, 1e-9]])),
                             VerifySettings(max_side=2))
    canvas, dsize = _canvas_of(spy)
    assert dsize == (2, 2)
    np.testing.assert_allclose(canvas(1, 1), (1, 1), atol=1e-9)
