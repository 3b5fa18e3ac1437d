"""Is there anything in a photo to locate? A label-free test for content-free frames.

A lens-cap (black), over-exposed (white), sky, featureless or badly blurred frame matches every
tile about equally: whatever tile ranks first, the answer is noise, and must be shown as "not
located" with a confidence of about 0 instead of a confident marker.

The test is gradient energy (mean Sobel magnitude, grey levels 0-255) at two working sizes, a rule
on pixels alone whatever the camera: at 64 px on the longer side (`structure`: noise, JPEG grain
and smooth sky gradients average out, ground layout stays) and at 256 px (`detail`: what defocus
or motion blur removes). Measured (min over photos): demo 32 / 26, Las Vegas 28 / 26, Rotterdam
8.6 / 10.2, field cases 10, 15, 16 >= 44 / 14.6 (the 12 m-footprint photo, blurry yet placeable);
black / white frames 0 / 0; a synthetic sky with noise 4.9; pure noise 4.8; a demo photo blurred
with sigma 24 px 23.5 / 6.0.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

MIN_STRUCTURE = 6.0  # below: no ground layout at all (blank, sky, noise)
MIN_DETAIL = 7.0  # below: blurred beyond matching
# The one reason a verified match overrules (predict.predict): a blurred frame still has ground
# structure, and a homography can hold on it; a blank or structure-free one cannot truly verify.
# Named for what the rule sees, no fine detail: a clear sky with a soft cloud has the structure of a
# gradient and no detail, and was told "too blurred" (newuser session 16).
BLURRED = "too blurred or featureless to match (blur, fog, clear sky)"
# Grey-level standard deviation (0-255, at 256 px on the longer side) below which a photo is low
# texture: open water, fog, bare flat ground. Ripples and JPEG grain keep such a photo's gradient
# energy above MIN_STRUCTURE (rotterdam-lowtex's water photos: 7.3-18.6), but not its spread.
# Measured (training/results/lowtex.md): water photos 3.9-5.4 (rotterdam-lowtex 11 of 110,
# Rotterdam 2 of 196); every other photo of the demo and the public regions >= 8.6 (vegas-blurhaze's
# veiled photos); the demo >= 14.5. Such a photo is not "not located" (it may still verify: a
# weak texture can hold a match), but unverified it claims little (predict.LOW_TEXTURE_CEILING).
MIN_SPREAD = 7.0
# A photo is low texture too when its texture_spread (the spread once the lighting is taken out) is
# below MIN_TEXTURE: a white wall under a lighting gradient spread 14-15 grey levels, nearly all of
# it the gradient, and claimed 0.60 (newuser session 16). Measured (training/results/
# mend_session17.md, texture_spread): water 3.4-4.6; synthetic plaster walls that pass the content
# test 2.1-3.9 (fine grain), 4.2-6.7 with coarse blotches; every other photo of the demo and the 11
# public regions >= 4.7 (vegas-blurhaze's most veiled, right at tile level: kept out), then 5.7 and
# >= 8.7. Not MIN_SPREAD: 4.7 and 5.7 would fall below it. Set between, not fitted.
MIN_TEXTURE = 4.0
SPREAD_SIDE = 256


@dataclass(frozen=True)
class Content:
    structure: float  # mean Sobel magnitude at 64 px (grey levels per pixel)
    detail: float  # the same at 256 px

    @property
    def reason(self) -> str | None:
        """Why the frame has nothing to locate, or None when it has."""
        if self.structure < 0.5 and self.detail < 0.5:
            return "blank frame (uniform: lens cap, over- or under-exposed)"
        if self.structure < MIN_STRUCTURE:
            return "no ground structure (sky, water, fog or blank)"
        if self.detail < MIN_DETAIL:
            return BLURRED
        return None


def _gradient_energy(grey: np.ndarray, longer_side: int) -> float:
    import cv2

    h, w = grey.shape
    scale = longer_side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(grey, size, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    gx = cv2.Sobel(small, cv2.CV_32F, 1, 0)
    gy = cv2.Sobel(small, cv2.CV_32F, 0, 1)
    value = float(np.mean(np.hypot(gx, gy)))
    return value if np.isfinite(value) else 0.0


def spread_array(grey: np.ndarray) -> float:
    """Standard deviation of a grey image's levels (H, W; 0-255) at SPREAD_SIDE px on its longer
    side (block averages when shrinking; a smaller image as it is), so a rule on it does not
    depend on the camera's resolution. 0.0 for an empty or non-finite image."""
    grey = _at_spread_side(grey)
    if grey.size == 0:
        return 0.0
    value = float(grey.std())
    return value if np.isfinite(value) else 0.0


def _at_spread_side(grey: np.ndarray) -> np.ndarray:
    """A grey image (H, W) as float32, non-finite levels 0, shrunk by block averages to SPREAD_SIDE
    px on its longer side (a smaller or empty one as it is)."""
    import cv2

    grey = np.nan_to_num(np.asarray(grey, np.float32))
    if grey.size == 0:
        return grey
    h, w = grey.shape
    scale = SPREAD_SIDE / max(h, w)
    if scale < 1:
        grey = cv2.resize(grey, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    return grey


def texture_spread(grey: np.ndarray) -> float:
    """spread_array with the lighting taken out: the standard deviation (grey levels 0-255) of a
    grey image (H, W) at SPREAD_SIDE px on its longer side, less the quadratic surface in x and y
    that fits it best (least squares): a lighting gradient or vignetting is not texture. Never
    more than spread_array (the surface includes a constant). 0.0 for an empty or non-finite image.
    A sharp step between two halves loses part of its spread too (a quadratic fits some of a
    step), so the rule reads it against its own measured floor (MIN_TEXTURE)."""
    grey = _at_spread_side(grey)
    if grey.size == 0:
        return 0.0
    values = grey.astype(np.float64).ravel()
    q = _surface_basis(grey.shape)
    # the least-squares surface is the projection on the basis' span: two matrix products, which let
    # other threads run (np.linalg.lstsq held the GIL through its whole solve, 4-6 ms a photo here and
    # far longer whenever the OS preempted it: the app's window froze while it surveyed the photos,
    # training/results/stall33_session33.md)
    value = float((values - q @ (q.T @ values)).std())
    return value if np.isfinite(value) else 0.0


@lru_cache(maxsize=8)
def _surface_basis(shape: tuple[int, int]) -> np.ndarray:
    """An orthonormal basis (H*W, k <= 6; float64, read-only) of the quadratic surfaces in x and y
    on an image of `shape` (H, W): the span of 1, x, y, x², y², xy with x, y in [0, 1), as the left
    singular vectors of that basis (numpy.linalg.svd) whose singular value is above
    numpy.linalg.lstsq's default cut (machine epsilon x max(H*W, 6) x the largest), so projecting
    on it is lstsq's least-squares fit, a one-pixel row or column's lower rank included. Photos of
    one camera share it (cached)."""
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    x, y = (xx / max(shape[1], 1)).ravel(), (yy / max(shape[0], 1)).ravel()  # in [0, 1): well conditioned
    basis = np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)
    u, sv, _ = np.linalg.svd(basis, full_matrices=False)
    keep = sv > np.finfo(np.float64).eps * max(basis.shape) * sv[0]
    q = np.ascontiguousarray(u[:, keep])
    q.flags.writeable = False
    return q


def is_low_texture(spread: float | None, texture: float | None = None) -> bool:
    """Whether a photo of this spread (spread_array) is low texture: below MIN_SPREAD, or its
    `texture` (texture_spread: the lighting taken out) below MIN_TEXTURE. None: unknown, no."""
    return (spread is not None and spread < MIN_SPREAD) or (texture is not None and texture < MIN_TEXTURE)


def measure_array(grey: np.ndarray) -> Content:
    """Content of a grey image (H, W), any numeric type scaled to 0-255."""
    grey = np.nan_to_num(np.asarray(grey, np.float32))
    return Content(_gradient_energy(grey, 64), _gradient_energy(grey, 256))


def _grey(source) -> np.ndarray:
    """A photo (a path or a Query, video frames included) as grey levels (H, W; 0-255), decoded at a
    reduced scale (256 px on the shorter side at least: a 4000 px JPEG at 1/8), or a photo already
    decoded (a PIL image: no second decode). Raises InputError like images.open_image."""
    from PIL import Image

    from .model import Query

    if isinstance(source, Image.Image):
        return np.asarray(source.convert("L"), np.float32)
    if isinstance(source, Query):
        from .media.query_image import open_query_image

        image = open_query_image(source, min_side=SPREAD_SIDE)
    else:
        from .images import open_image

        image = open_image(Path(source), min_side=SPREAD_SIDE)
    return np.asarray(image.convert("L"), np.float32)


def measure(source) -> Content:
    """Content of an image file (a path) or of a query (a photo or a video frame), decoded at a
    reduced scale (a 4000 px JPEG at 1/8). Raises InputError like images.open_image."""
    return measure_array(_grey(source))


def survey(source) -> tuple[str | None, bool]:
    """(content_free_reason, whether it is low texture: is_low_texture of its spread_array and
    texture_spread) of a
    photo (a path or a Query) from one decode, or of its pixels already decoded (a PIL image, e.g.
    verification's: every measure shrinks to 256 px or less, so a larger decode serves); (None,
    False) when it cannot be read (its reading error is reported where it is embedded)."""
    from .errors import GeolocatorError

    try:
        grey = _grey(source)
    except GeolocatorError:
        return None, False
    return measure_array(grey).reason, is_low_texture(spread_array(grey), texture_spread(grey))


def content_free_reason(source) -> str | None:
    """Why the photo (a path or a Query, video frames included) has nothing to locate (see
    Content.reason), None when it has content or cannot be read (reading errors are reported where
    the photo is embedded)."""
    from .errors import GeolocatorError

    try:
        return measure(source).reason
    except GeolocatorError:
        return None
