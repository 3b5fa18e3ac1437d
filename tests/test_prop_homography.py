"""Property tests of pixel conventions between a photo and a tile (core/pixel_grid.py, rerank's
photo_centre_in / photo_corners_in): a homography written for pixel edges, brought to keypoint
coordinates, sends the photo's centre and corners where the edge map says; an image warped by a
known homography (OpenCV, as the verifier's warps are) puts a feature where that homography says.
A half-pixel slip or a swapped axis breaks these. Deterministic (derandomize).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.pixel_grid import centred, image_centre, image_corners, resize_map
from geolocator.core.rerank import photo_centre_in, photo_corners_in

hypothesis = pytest.importorskip("hypothesis")
cv2 = pytest.importorskip("cv2")
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

PROP = prop(100)

sizes = st.tuples(st.integers(8, 2000), st.integers(8, 2000))


@st.composite
def edge_maps(draw):
    """A photo -> tile map in pixel-edge coordinates: scale, turn, shift, a little perspective."""
    s = draw(st.floats(0.05, 4.0))
    a = math.radians(draw(st.floats(-180.0, 180.0)))
    tx, ty = draw(st.floats(-500.0, 500.0)), draw(st.floats(-500.0, 500.0))
    p, q = draw(st.floats(-1e-4, 1e-4)), draw(st.floats(-1e-4, 1e-4))
    return np.array([[s * math.cos(a), -s * math.sin(a), tx], [s * math.sin(a), s * math.cos(a), ty], [p, q, 1.0]])


def _apply(h: np.ndarray, x: float, y: float) -> tuple[float, float]:
    u, v, w = h @ np.array([x, y, 1.0])
    return u / w, v / w


@PROP
@given(edge_maps(), sizes, sizes)
def test_the_photo_centre_and_corners_land_where_the_edge_map_says(edge, photo_size, tile_size):
    """photo_centre_in / photo_corners_in of the keypoint-coordinate homography (centred(edge)) are
    the edge map's images of the photo's middle (w/2, h/2) and outer corners, as fractions of the tile."""
    w, h = photo_size
    assume(all(abs((edge @ np.array([x, y, 1.0]))[2]) > 1e-3 for x, y in ((0, 0), (w, 0), (w, h), (0, h), (w / 2, h / 2))))
    photo, tile = SimpleNamespace(size=photo_size), SimpleNamespace(size=tile_size)
    got = photo_centre_in(centred(edge), photo, tile)
    want = _apply(edge, w / 2, h / 2)
    assert got == pytest.approx((want[0] / tile_size[0], want[1] / tile_size[1]), rel=1e-9, abs=1e-9)
    corners = photo_corners_in(centred(edge), photo, tile)
    for got_c, (x, y) in zip(corners, ((0, 0), (w, 0), (w, h), (0, h))):
        u, v = _apply(edge, x, y)
        assert got_c == pytest.approx((u / tile_size[0], v / tile_size[1]), rel=1e-9, abs=1e-9)


@PROP
@given(sizes, sizes)
def test_resizing_there_and_back_is_the_identity_and_keeps_the_outline(a, b):
    """resize_map(a -> b) then (b -> a) is the identity; it sends a's centre and outer corners to b's."""
    np.testing.assert_allclose(resize_map(b, a) @ resize_map(a, b), np.eye(3), atol=1e-12)
    m = resize_map(a, b)
    assert _apply(m, *image_centre(a)) == pytest.approx(image_centre(b), abs=1e-9)
    for (x, y), want in zip(image_corners(a), image_corners(b)):
        assert _apply(m, x, y) == pytest.approx(tuple(want), abs=1e-9)


def _blob(size: tuple[int, int], x: float, y: float, sigma: float) -> np.ndarray:
    cols, rows = np.meshgrid(np.arange(size[0], dtype=np.float64), np.arange(size[1], dtype=np.float64))
    return np.exp(-((cols - x) ** 2 + (rows - y) ** 2) / (2 * sigma**2))


def _centroid(image: np.ndarray) -> tuple[float, float]:
    rows, cols = np.indices(image.shape, dtype=np.float64)
    total = image.sum()
    return float((cols * image).sum() / total), float((rows * image).sum() / total)


@PROP
@given(st.floats(40.0, 88.0), st.floats(40.0, 88.0), st.floats(0.6, 1.6), st.floats(-180.0, 180.0),
       st.floats(-10.0, 10.0), st.floats(-10.0, 10.0))
def test_a_tile_warped_by_a_known_homography_puts_a_feature_where_it_says(x, y, scale, angle, dx, dy):
    """A blob at keypoint (x, y) of a 128 px tile, warped into a 128 px photo by the similarity H
    (keypoint coordinates, about the image centre) with cv2.warpPerspective as the verifier warps:
    its centroid in the photo is H(x, y) to 0.05 px."""
    size = (128, 128)
    tile = _blob(size, x, y, 3.0)
    a = math.radians(angle)
    c = np.array(image_centre(size))
    turn = np.array([[scale * math.cos(a), -scale * math.sin(a)], [scale * math.sin(a), scale * math.cos(a)]])
    h = np.eye(3)
    h[:2, :2] = turn
    h[:2, 2] = c + np.array([dx, dy]) - turn @ c
    want = _apply(h, x, y)
    assume(all(12.0 < v < 115.0 for v in want))  # the blob whole inside the photo
    photo = cv2.warpPerspective(tile, h, size, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    got = _centroid(photo)
    assert got == pytest.approx(want, abs=0.05), (got, want)
