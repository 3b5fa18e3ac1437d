"""Oblique drone views: the ground outline a tilted camera sees, and a view of the photo turned
towards nadir (issue 13, /work/shared/oblique-views.md).

A drone photo's metadata records the gimbal pitch (DJI convention: -90 = straight down, 0 = the
horizon), the height above the take-off point and the lens (focal length over sensor width). With
them, a pinhole camera over flat ground sees a trapezoid: narrow at the photo's bottom edge (the
ground nearest the camera), wide at its top edge (the far ground). Its area, not a nadir photo's
rectangle, is the size a correct homography's outline must have in a tile: an oblique view's far
edge covers many times a nadir footprint, and a fixed size rule threw correct fits away.

Conventions (all here): the camera is at height `altitude_m` above a flat ground, heading along
+y ("forward"), x to its right; its image x grows right, image y grows down, and the top edge of
the photo (as stored, EXIF orientation 1) looks furthest. Pitch and roll of the drone body are
assumed to be taken out by the gimbal (roll 0). Lengths in metres, angles in degrees, pixels in
whatever scale the caller's image size is given in (the focal length in pixels follows it).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

# Views nearer nadir than this are nadir views: metadata.footprint_m's rectangle applies to them
# (the same tolerance, so the two never disagree about which rule a photo gets).
from .media.metadata import NADIR_TOLERANCE_DEG

# A ray flatter than this (degrees off nadir) meets the ground so far away that a tilt error of a
# few degrees moves it by more than the photo: treated as reaching the horizon.
MAX_RAY_OFF_NADIR_DEG = 85.0
# Lenses a view is made for: focal length / sensor width from a fisheye's ~0.2 to a 23x zoom's ~15,
# with room either way. Outside it the value is a unit or parsing error, and the turn to nadir
# (K R K^-1) of a ratio like 1e300 or 1e-300 is singular in floating point.
FOCAL_RATIO_RANGE = (0.1, 100.0)
# Above any drone's ceiling: keeps the ground outline's area finite (1e300 m squared overflows).
MAX_ALTITUDE_M = 1e5


@dataclass(frozen=True)
class ViewGeometry:
    """What a photo's metadata says about where its camera looked.

    pitch_deg: gimbal pitch, -90 = nadir, 0 = horizontal (DJI's convention), degrees.
    altitude_m: camera height above the ground plane (metres; the take-off point's height stands in).
    focal_ratio: focal length / sensor width along the image's long side (dimensionless), so the
    focal length in pixels of an image whose long side is L pixels is focal_ratio x L.
    rows: None for the whole photo; else the image the methods are given is the photo's band of
    rows (top, bottom), fractions of the whole photo's height, full width (core/ground_band.py):
    a `size` passed to them is the band's, the lens and principal point stay the whole photo's.
    """

    pitch_deg: float
    altitude_m: float
    focal_ratio: float
    rows: tuple[float, float] | None = None

    def whole_size(self, size: tuple[int, int]) -> tuple[float, float]:
        """(width, height) of the whole photo whose band (`rows`) is `size` pixels; `size` itself
        when the view is of the whole photo."""
        if self.rows is None:
            return float(size[0]), float(size[1])
        return float(size[0]), size[1] / (self.rows[1] - self.rows[0])

    def principal_point(self, size: tuple[int, int]) -> tuple[float, float]:
        """The principal point (the whole photo's centre) in the pixels of the image of `size`."""
        w, h = self.whole_size(size)
        top = 0.0 if self.rows is None else self.rows[0] * h
        return w / 2.0, h / 2.0 - top

    @property
    def tilt_deg(self) -> float:
        """Degrees off nadir of the optical axis (0 = straight down)."""
        return 90.0 + self.pitch_deg

    def focal_px(self, size: tuple[int, int]) -> float:
        """Focal length in pixels of an image of `size` (width, height; the band's when `rows`)."""
        return self.focal_ratio * max(self.whole_size(size))

    def outline_m(self, size: tuple[int, int], tilt_deg: float | None = None) -> np.ndarray | None:
        """The ground the photo's corners see, (4, 2) metres (x right, y forward, from the point
        under the camera), in the order TL, TR, BR, BL of the image; None when a corner's ray
        is more than MAX_RAY_OFF_NADIR_DEG off nadir (at or near the horizon: no finite outline).
        `tilt_deg` overrides the recorded tilt (for the tolerance of share_range)."""
        w, h = size
        t = math.radians(self.tilt_deg if tilt_deg is None else tilt_deg)
        f = self.focal_px(size)
        cx, cy = self.principal_point(size)
        forward = np.array([0.0, math.sin(t), -math.cos(t)])  # the optical axis
        right = np.array([1.0, 0.0, 0.0])
        down = np.cross(forward, right)  # image rows grow towards the camera's feet
        limit = math.cos(math.radians(MAX_RAY_OFF_NADIR_DEG))
        out = []
        for u, v in ((-cx, -cy), (w - cx, -cy), (w - cx, h - cy), (-cx, h - cy)):
            ray = f * forward + u * right + v * down
            if -ray[2] <= limit * np.linalg.norm(ray):  # too flat, or pointing up
                return None
            s = self.altitude_m / -ray[2]
            out.append((s * ray[0], s * ray[1]))
        return np.array(out)

    def share_range(self, size: tuple[int, int], tile_ground_m: tuple[float, float], tolerance: float,
                    tilt_error_deg: float = 5.0) -> tuple[float, float | None] | None:
        """(low, high) share of a tile's area (width x height metres) the photo's ground outline may
        cover: its area at the recorded tilt +- `tilt_error_deg` (gimbal and ground slope), times
        tolerance**2 either way (the linear `tolerance` of height above ground, as for nadir
        photos). high is None when the steeper tilt reaches the horizon (no upper bound). None
        when the outline at the recorded tilt itself is not finite or the tile has no area."""
        tile_area = tile_ground_m[0] * tile_ground_m[1]
        at = self.outline_m(size)
        if at is None or not tile_area > 0:
            return None
        low = self.outline_m(size, max(0.0, self.tilt_deg - tilt_error_deg))
        high = self.outline_m(size, self.tilt_deg + tilt_error_deg)
        low_area = polygon_area(low if low is not None else at)
        t2 = tolerance * tolerance
        return (low_area / t2 / tile_area,
                None if high is None else polygon_area(high) * t2 / tile_area)

    def side_ratio(self, size: tuple[int, int], tilt_deg: float | None = None) -> float | None:
        """Longest over shortest side of the ground outline (None when it is not finite)."""
        outline = self.outline_m(size, tilt_deg)
        if outline is None:
            return None
        sides = np.linalg.norm(outline - np.roll(outline, -1, axis=0), axis=1)
        return float(sides.max() / sides.min())

    def to_nadir(self, size: tuple[int, int]) -> np.ndarray:
        """3x3 homography from the photo's pixels to those of a camera at the same place turned
        straight down (same focal length, principal point at the whole photo's centre): K R K^-1, R the
        rotation by the tilt about the camera's x axis. A ground point's image then has the same
        scale everywhere (up to the lens), so a nadir map's features look alike."""
        f = self.focal_px(size)
        cx, cy = self.principal_point(size)
        t = math.radians(self.tilt_deg)
        k = np.array([[f, 0.0, cx], [0.0, f, cy], [0.0, 0.0, 1.0]])
        # real camera coordinates (x right, y down, z along the axis) -> the nadir camera's
        r = np.array([[1.0, 0.0, 0.0], [0.0, math.cos(t), -math.sin(t)], [0.0, math.sin(t), math.cos(t)]])
        return k @ r @ np.linalg.inv(k)


def assumed_view(tilt_deg: float, hfov_deg: float) -> ViewGeometry:
    """A ViewGeometry for a photo whose metadata says nothing: tilted `tilt_deg` off nadir about the
    image's horizontal axis (its top edge the far side, as a gimbal tilts a drone camera) through
    a lens `hfov_deg` wide along the image's long side. Only its to_nadir warp is meaningful (the
    height is a placeholder: 1 m). Raises ValueError for a tilt outside [0, 90) or a lens outside
    (0, 180) degrees."""
    if not 0.0 <= tilt_deg < 90.0 or not 0.0 < hfov_deg < 180.0:
        raise ValueError(f"assumed view needs a tilt in [0, 90) and a lens in (0, 180) degrees, got {tilt_deg}, {hfov_deg}")
    return ViewGeometry(tilt_deg - 90.0, 1.0, 1.0 / (2.0 * math.tan(math.radians(hfov_deg) / 2.0)))


def signed_area(points: np.ndarray) -> float:
    """Shoelace area of a polygon (n, 2); its sign is the orientation of the vertex order."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(np.dot(x, np.roll(y, -1)) - np.dot(np.roll(x, -1), y))


def polygon_area(points: np.ndarray) -> float:
    """Area (absolute, shoelace) of a polygon (n, 2)."""
    return abs(signed_area(points))


def _real(value) -> float | None:
    """`value` as a float, else None. PhotoMeta's numbers are floats (finite, as
    metadata.read_photo_meta reads them) or None, but one built elsewhere may hold an int beyond
    float range (float() raises OverflowError: the one exception a real number raises here) or
    something that is not a number at all (a str is not read). NaN and infinities pass through:
    view_geometry's range checks turn them away."""
    if not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return None


def view_geometry(meta) -> ViewGeometry | None:
    """The ViewGeometry of an oblique photo from its PhotoMeta: gimbal pitch recorded and more than
    NADIR_TOLERANCE_DEG off nadir (nearer nadir, metadata.footprint_m's rectangle applies), camera
    height above take-off, focal length and sensor width known, the image stored upright (EXIF
    orientation absent or 1: otherwise which edge looks furthest is not the top of the stored
    pixels; recorded_view.recorded_view gives a photo stored turned the view of the photo as
    displayed, which is what images.open_image reads, and a video frame its telemetry's). None otherwise,
    and for odd values (NaN, infinities, numbers beyond float range, not numbers, a focal ratio
    outside FOCAL_RATIO_RANGE, a height above MAX_ALTITUDE_M). Raises AttributeError when `meta` is not a
    PhotoMeta (or None): a caller's mistake, not odd metadata."""
    if meta is None:
        return None
    pitch, alt = _real(meta.gimbal_pitch_deg), _real(meta.relative_altitude_m)
    f, sw = _real(meta.focal_length_mm), _real(meta.sensor_width_mm)
    if pitch is None or not (alt and alt > 0 and f and f > 0 and sw and sw > 0):
        return None
    if meta.orientation not in (None, 1):
        return None
    tilt = 90.0 + pitch
    if not NADIR_TOLERANCE_DEG < tilt < 90.0:  # near nadir, at or above the horizon, or past nadir
        return None
    focal_ratio = f / sw
    if not (FOCAL_RATIO_RANGE[0] <= focal_ratio <= FOCAL_RATIO_RANGE[1] and alt <= MAX_ALTITUDE_M):
        return None
    return ViewGeometry(pitch, alt, focal_ratio)
