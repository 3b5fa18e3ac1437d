"""Pixel coordinate conventions of keypoints, and maps between pixel grids in that convention.

Keypoints (OpenCV's KeyPoint.pt, the learned backends' pixel indices) count from pixel CENTRES:
pixel (column i, row j) is at (i, j), so an image of width w spans [-0.5, w - 0.5] and its centre
is at (w - 1) / 2. Fractions of an image (rerank's photo centre and corners, Tile.point_at) and
geographic bounds count from pixel EDGES: the image spans [0, w]. Homographies between keypoints
are in the centre convention, so every map built from sizes or bounds (a resize, a tile placed
in a mosaic or beside another) must be brought into it: x_centre = x_edge - 0.5.
"""

from __future__ import annotations

import numpy as np

# from pixel edges (image spans [0, w]) to keypoint coordinates (pixel centres at integers), and back
EDGES_TO_CENTRES = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])
CENTRES_TO_EDGES = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


def centred(edge_map: np.ndarray) -> np.ndarray:
    """A 3x3 map between two images written for pixel-edge coordinates (each image spans
    [0, w] x [0, h]), rewritten for keypoint coordinates (pixel centres at integers): the same
    ground goes to the same ground. (3, 3) float64."""
    return EDGES_TO_CENTRES @ np.asarray(edge_map, np.float64) @ CENTRES_TO_EDGES


def resize_map(source_size: tuple[int, int], target_size: tuple[int, int]) -> np.ndarray:
    """The 3x3 map from keypoint coordinates of an image of `source_size` (width, height) to those
    of the same image resampled to `target_size` (as cv2.resize and PIL place pixels: the two
    images span the same extent): x -> (x + 0.5) * s - 0.5 with s = target / source per axis."""
    sx, sy = target_size[0] / source_size[0], target_size[1] / source_size[1]
    return centred(np.diag([sx, sy, 1.0]))


def image_centre(size: tuple[int, int]) -> tuple[float, float]:
    """The centre of an image of `size` (width, height) in keypoint coordinates: ((w-1)/2, (h-1)/2)."""
    return (size[0] - 1) / 2.0, (size[1] - 1) / 2.0


def image_corners(size: tuple[int, int]) -> np.ndarray:
    """The outer corners (TL, TR, BR, BL) of an image of `size` (width, height) in keypoint
    coordinates: (4, 2) float64, from (-0.5, -0.5) to (w - 0.5, h - 0.5)."""
    w, h = size
    return np.float64([[-0.5, -0.5], [w - 0.5, -0.5], [w - 0.5, h - 0.5], [-0.5, h - 0.5]])


def fraction(x: float, y: float, size: tuple[int, int]) -> tuple[float, float]:
    """A point in keypoint coordinates of an image of `size` as fractions of its width and height
    (0 at the left / top edge, 1 at the right / bottom edge)."""
    return (x + 0.5) / size[0], (y + 0.5) / size[1]


# OpenCV SIFT (4.x, 5.0) finds keypoints on the image doubled by cv2.resize, whose pixel b lies at
# b / 2 - 0.25 of the original, and reports b / 2: every KeyPoint.pt is a quarter pixel right of
# and below the pixel centre it names, at every octave (the coarser octaves decimate the doubled
# image). Measured: a Gaussian blob centred on pixel (50, 40) comes out at (50.24, 40.24).
SIFT_OFFSET_PX = 0.25


def sift_points(keypoints) -> np.ndarray:
    """OpenCV SIFT KeyPoints' positions in keypoint coordinates (pixel centres at integers):
    (n, 2) float32, KeyPoint.pt less SIFT_OFFSET_PX on each axis."""
    points = np.float64([k.pt for k in keypoints]).reshape(-1, 2) - SIFT_OFFSET_PX
    return points.astype(np.float32)
