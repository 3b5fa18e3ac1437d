"""Tiles enlarged by pixel replication, resampled smoothly before local features are found.

Imagery served at a finer zoom than its sensor's (rotterdam-ms: WorldView-2's 2 m multispectral
pixels stored at 1 m, then 5.12 px a metre in the tiles; gdal2tiles' default `average` at zooms
past the source does the same) shows each real pixel as a block of equal ones. The blocks' sharp
edges and corners are no detail of the ground, but keypoint detectors fire on them, and a photo of
the ground has none of them. Each block is taken as the one sample it is, at its centre, and the
image rebuilt from those samples by bicubic interpolation (Keys 1981, OpenCV INTER_CUBIC): the
image a smooth enlargement of the sensor's pixels would have given. route.replication_lattice
finds the blocks; tiles without replication are returned untouched.
"""

from __future__ import annotations

import numpy as np

from .route import replication_lattice


def smooth_replicated(pil_image):
    """`pil_image` (a PIL image, any mode) with pixel replication undone, or the same object when
    route.replication_lattice finds none in its grey levels. The result is RGB (or L for an L
    image) of the same size. Each block's value is the mean of its inner half (JPEG ringing at its
    edges left out), sampled at its centre, then interpolated bicubically at every pixel."""
    import cv2
    from PIL import Image

    grey = np.asarray(pil_image.convert("L"), np.float64)
    lattice = replication_lattice(grey)
    if lattice is None:
        return pil_image
    (period_x, period_y), (edge_x, edge_y) = lattice
    mode = "L" if pil_image.mode == "L" else "RGB"
    pixels = np.asarray(pil_image.convert(mode), np.float32)
    h, w = pixels.shape[:2]
    smoothed = cv2.blur(pixels, (max(1, int(period_x / 2)), max(1, int(period_y / 2))), borderType=cv2.BORDER_REPLICATE)

    def centres(edge: float, period: float, n: int) -> np.ndarray:
        # block centres edge + (k + 0.5) P covering [0, n - 1] with one block to spare each side
        first = int(np.floor((0 - edge) / period - 0.5)) - 1
        last = int(np.ceil((n - 1 - edge) / period - 0.5)) + 1
        return edge + (np.arange(first, last + 1) + 0.5) * period

    cx, cy = centres(edge_x, period_x, w), centres(edge_y, period_y, h)
    mx, my = np.meshgrid(cx.astype(np.float32), cy.astype(np.float32))
    samples = cv2.remap(smoothed, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    # each output pixel's position on the sample grid: sample k sits at cx[0] + k * P
    ux = ((np.arange(w) - cx[0]) / period_x).astype(np.float32)
    uy = ((np.arange(h) - cy[0]) / period_y).astype(np.float32)
    gx, gy = np.meshgrid(ux, uy)
    rebuilt = cv2.remap(samples, gx, gy, cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
    return Image.fromarray(np.clip(np.rint(rebuilt), 0, 255).astype(np.uint8), mode)
