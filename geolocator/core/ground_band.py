"""An oblique photo whose top edge nears the horizon is matched by its ground band only.

A drone photo taken at gimbal pitch -30 through a DJI Phantom 4 Pro's lens (FC6310: 5472 x 3648
pixels, focal length 3,648 px) sees its top edge 3.4 degrees below the horizon: the top third of
the picture is ground hundreds of metres away, seen at a grazing angle and smeared, which no nadir
map resembles. Matched whole, with their metadata, 10 such photos placed none; cut to the rows whose
ray is at least 20 degrees below the horizon, all 10, 0.04-0.34 m from the truth (measured without
metadata, training/results/mend_session24.md section 2; with it, training/results/oblique25_session25.md).

Geometry (pinhole camera, principal point at the image centre; first without roll: the gimbal keeps
the image rows level, so the horizon is an image row). The optical axis looks p = -pitch degrees below the
horizon (DJI's convention: pitch -90 = straight down, 0 = the horizon). Image row y (pixels from the
top edge, y = h/2 the centre) is seen along rays whose vertical plane through the axis dips

    p + atan((y - h/2) / f)   degrees below the horizon        (f: focal length, pixels)

so the rows at least D degrees below the horizon are y >= h/2 + f tan(D - p). The band is the
photo's full width from that row to the bottom edge. It never starts below the centre row: the
answer is the ground under the photo's centre, which stays inside the band (the centre row is
the band's top edge at worst, when p < D).

Roll (session 26): a gimbal roll r turns the camera about its optical axis after the pitch, which
turns the picture about its centre: the line of rays D below the horizon, s = f tan(D - p) below the
centre when level, becomes the line -u sin r + v cos r = s (u right, v down, from the centre), tilted
by r. It lies lowest at a side edge, u = +-w/2, at v = (s + w/2 sin|r|) / cos r: the band starts
there, so every kept row is at least D below the horizon across the whole width (the far corner on the
raised side is cut a little more than it needs). The band stays a full-width band of rows; the
verifier's view ignores the roll (oblique.py: taken as 0). Rolls of ROLL_LIMIT_DEG or more: no band.

Which images: those on the verifier's recorded-view path (rerank.query_view:
recorded_view.recorded_view: a photo's metadata (gimbal pitch more than 10 degrees off nadir,
height above take-off, focal length and sensor width), in the photo as displayed (a photo stored
turned, EXIF Orientation 2-8, is read upright and cut upright); or a video frame's telemetry record
(gb_pitch, rel_alt, focal_len)), without letterbox or pillarbox bars (a picture posted inside bars
was reframed; its lens no longer describes its rows). The focal length in pixels is
oblique.ViewGeometry.focal_px (the rule the verifier sizes its outline by). Nothing else is read:
never the truth, the position, the heading.

D is BELOW_HORIZON_DEG (20 degrees; a -45 photo's top edge looks 18.4 degrees down through the same
lens, so 20 cuts its top 3.4 % of rows, 1.6 degrees' worth); the environment variable
GEOLOCATOR_GROUND_BAND_DEG overrides it (a number of degrees, or "off": no photo is cut, for
before/after measurements on one code version).
"""

from __future__ import annotations

import math
import os

import numpy as np

from .errors import SettingError

# Rows whose ray is fewer degrees than this below the horizon are not matched (see the module doc).
BELOW_HORIZON_DEG = 20.0
# A gimbal roll this large or larger (degrees) tilts the horizon too far for a band of rows: no cut.
ROLL_LIMIT_DEG = 45.0
ENV_VAR = "GEOLOCATOR_GROUND_BAND_DEG"

Rows = tuple[float, float]  # (top, bottom) of the kept band, fractions of the whole photo's height


def below_horizon_deg() -> float | None:
    """D in degrees: GEOLOCATOR_GROUND_BAND_DEG when set (a number; "off", "none" or "" turns the
    band off: None), else BELOW_HORIZON_DEG. Raises SettingError (a GeolocatorError and a ValueError) naming
    the variable for any other value: the CLI says it in one line, not a traceback (docs37)."""
    raw = os.environ.get(ENV_VAR)
    if raw is None:
        return BELOW_HORIZON_DEG
    if raw.strip().lower() in ("", "off", "none"):
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingError(f"{ENV_VAR}={raw!r}: expected degrees below the horizon (e.g. 20) or 'off'") from None
    if not math.isfinite(value) or not 0.0 <= value < 90.0:
        raise SettingError(f"{ENV_VAR}={raw!r}: expected degrees in [0, 90) or 'off'")
    return value


def band_rows(pitch_deg: float, focal_px: float, height_px: float, below_deg: float | None = BELOW_HORIZON_DEG,
              *, roll_deg: float | None = None, width_px: float | None = None) -> Rows | None:
    """The rows of a photo to keep: (top, bottom) as fractions of its height (bottom always 1.0),
    or None when nothing is cut (every row's ray is at least `below_deg` below the horizon, or
    `below_deg` is None). `pitch_deg`: gimbal pitch, DJI's convention (-90 nadir, 0 the horizon);
    `focal_px`: focal length in pixels of an image `height_px` rows high (same scale). The top is
    the first row whose ray dips at least `below_deg` (see the module doc), at most 0.5 (the centre
    row). `roll_deg`: gimbal roll about the optical axis (either sign; None or 0: rows level), with
    `width_px` the image's width: the line of rays `below_deg` down is then tilted by the roll, and
    the top is where it lies lowest, at a side edge (the module doc); None (nothing cut) for a roll
    of ROLL_LIMIT_DEG or more, where no band of rows is level enough to mean anything. Raises
    ValueError for a focal length, height or (with a roll) width that is not positive and finite."""
    if below_deg is None:
        return None
    if not (math.isfinite(focal_px) and focal_px > 0 and math.isfinite(height_px) and height_px > 0):
        raise ValueError(f"band_rows needs a positive focal length and height, got {focal_px}, {height_px}")
    p = -float(pitch_deg)  # the axis' dip below the horizon
    if not math.isfinite(p):
        return None
    offset = focal_px * math.tan(math.radians(max(-89.0, min(89.0, below_deg - p))))  # below the centre, rows level
    roll = 0.0 if roll_deg is None else float(roll_deg)
    if roll:
        if not (width_px is not None and math.isfinite(width_px) and width_px > 0):
            raise ValueError(f"band_rows needs the image's width with a roll, got {width_px}")
        if not (math.isfinite(roll) and abs(roll) < ROLL_LIMIT_DEG):
            return None
        r = math.radians(abs(roll))
        offset = (offset + width_px / 2.0 * math.sin(r)) / math.cos(r)
    top_px = height_px / 2.0 + offset
    top = min(0.5, top_px / height_px)
    return None if top <= 0.0 else (top, 1.0)


def view_rows(view, size: tuple[int, int], below_deg: float | None = BELOW_HORIZON_DEG,
              roll_deg: float | None = None) -> Rows | None:
    """band_rows of a photo of `size` (width, height, pixels, as read) with this
    oblique.ViewGeometry (its pitch; its focal length in pixels at that size, ViewGeometry.focal_px)
    and gimbal roll (degrees, None: level)."""
    return band_rows(view.pitch_deg, view.focal_px(size), float(size[1]), below_deg,
                     roll_deg=roll_deg, width_px=float(size[0]))


def query_rows(query) -> Rows | None:
    """The ground band of a query, photo or video frame (band_rows at below_horizon_deg()), or
    None: no recorded oblique view (recorded_view.recorded_view: a photo's metadata, in the photo
    as displayed; a frame's telemetry), bars around the picture (media.query_image.bars_box), an
    unreadable header, or nothing to cut. The rows are those of the image as displayed (a photo
    stored turned is read upright, recorded_view.displayed_size). Raises ValueError when
    GEOLOCATOR_GROUND_BAND_DEG holds no valid value (below_horizon_deg)."""
    from .recorded_view import displayed_size, recorded_roll_deg, recorded_view

    view = recorded_view(query)
    below = below_horizon_deg()
    if view is None or below is None:
        return None
    from .media.query_image import bars_box

    if bars_box(query) is not None:
        return None
    size = displayed_size(query)
    return None if size is None else view_rows(view, size, below, recorded_roll_deg(query))


def whole_photo_outline(corners, rows: Rows):
    """The whole photo's centre and corners in a target image, from the band's corners there.

    `corners`: the band's corners (TL, TR, BR, BL) in the target as fractions (x right, y down;
    rerank.Verification.corners); `rows`: the band's (top, bottom) fractions of the whole photo's
    height. The four corners fix the band -> target homography exactly; the whole photo's centre
    (0.5, 0.5) and corners (rows 0 and 1) go through it. Returns (centre (x, y), corners ((x, y) x 4)
    or None): the corners are None when the whole photo's top edge lies at or beyond the horizon
    (a point through the homography's line at infinity: no finite outline). Returns (None, None)
    when the band's corners are degenerate (no homography)."""
    if corners is None or len(corners) != 4:
        return None, None
    top, bottom = rows
    span = bottom - top
    band = np.float64([[0, 0], [1, 0], [1, 1], [0, 1]])
    target = np.asarray(corners, np.float64)
    if target.shape != (4, 2) or not np.isfinite(target).all():
        return None, None
    h = _four_point_homography(band, target)
    if h is None:
        return None, None
    # whole-photo fractions -> band fractions: x the same, y (y - top) / span
    whole = np.float64([[0.5, 0.5], [0, 0], [1, 0], [1, 1], [0, 1]])
    pts = np.c_[whole[:, 0], (whole[:, 1] - top) / span, np.ones(len(whole))] @ h.T
    band_z = np.c_[band, np.ones(4)] @ h.T
    side = np.sign(band_z[:, 2].mean())  # the side of the line at infinity the band lies on
    ok = pts[:, 2] * side > 1e-9
    if not ok[0]:
        return None, None
    xy = pts[:, :2] / np.where(ok, pts[:, 2], 1.0)[:, None]
    centre = (float(xy[0, 0]), float(xy[0, 1]))
    if not ok.all():
        return centre, None
    return centre, tuple((float(x), float(y)) for x, y in xy[1:])


def _four_point_homography(source: np.ndarray, target: np.ndarray) -> np.ndarray | None:
    """The 3x3 homography (h33 = 1) taking 4 source points (4, 2) to 4 target points, solved in
    float64 (OpenCV's getPerspectiveTransform works in float32: ~1e-8 of a tile off); None when
    the points are degenerate (three in a line)."""
    a = np.zeros((8, 8))
    b = np.zeros(8)
    for i, ((x, y), (u, v)) in enumerate(zip(source, target)):
        a[2 * i] = (x, y, 1, 0, 0, 0, -u * x, -u * y)
        a[2 * i + 1] = (0, 0, 0, x, y, 1, -v * x, -v * y)
        b[2 * i], b[2 * i + 1] = u, v
    try:
        h = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return None
    h = np.append(h, 1.0).reshape(3, 3)
    if not np.isfinite(h).all() or abs(np.linalg.det(h)) < 1e-12 * max(1.0, float(np.abs(h).max())) ** 3:
        return None
    return h
