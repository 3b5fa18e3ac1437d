"""Where the drone was, not only what it saw: the camera position from a verified homography.

Recorded positions (EXIF GPS, telemetry) are the CAMERA's; geolocator's estimate is the ground point
at the image centre, which for an oblique view lies tens of metres away. When the camera model is
known (a 35 mm-equivalent focal length from EXIF or telemetry), the verified footprint (the photo's
corners on the ground through its homography) gives the camera pose by PnP on the ground plane.
Two OpenCV solvers propose poses and the one that reprojects the corners best wins:
- SQPnP (Terzakis & Lourakis, "A Consistently Fast and Globally Optimal Solution to the
  Perspective-n-Point Problem", ECCV 2020): globally optimal for any configuration, planar and
  fronto-parallel included;
- IPPE for planar points (Collins & Bartoli, "Infinitesimal Plane-based Pose Estimation", IJCV
  2014), which also returns the second pose of the planar two-fold ambiguity.
IPPE alone failed on an exactly nadir view: its closed form takes the square root of
1 - |a column of the 2x2 rotation block|^2, which is exactly 0 for a fronto-parallel plane and comes
out as -1e-16 after rounding, so both its poses were NaN (a nadir photo is a mapping drone's
everyday case, not a corner case). Lens distortion is ignored (drone cameras correct most).
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from .geo import local_metres, metres_per_degree
from .model import LatLon, Query

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # 35 mm-equivalent focal lengths refer to this diagonal


@dataclass(frozen=True)
class CameraEstimate:
    position: LatLon  # the camera's ground position (below the lens)
    height_m: float  # above the ground plane the footprint lies on
    heading_deg: float  # compass direction of the image's top edge, clockwise from north
    tilt_deg: float  # optical axis off nadir (0 = straight down)


def focal_35mm(query: Query) -> float | None:
    """35 mm-equivalent focal length (mm): telemetry `focal_len` for a video frame (older DJI
    models write mm x 10), else EXIF FocalLengthIn35mmFilm (0xA405) of a photo (from its PhotoMeta
    when read, else from the file); None when unknown."""
    telemetry = getattr(query, "telemetry", None)
    if telemetry is not None and getattr(telemetry, "focal_len", None):
        f = float(telemetry.focal_len)
        return f / 10.0 if f > 150 else f
    if query.time_s is not None:
        return None
    meta = getattr(query, "meta", None)
    if meta is not None:  # read when the photo was loaded (core/media/metadata.py, the same EXIF tag)
        f = meta.focal_length_35mm
        return float(f) if f is not None and 5.0 <= f <= 2000.0 else None
    try:
        from PIL import Image

        with Image.open(query.path) as im:
            f = im.getexif().get_ifd(0x8769).get(0xA405)
    except Exception:  # noqa: BLE001 - metadata is a bonus
        return None
    try:
        f = float(f)
    except (TypeError, ValueError):
        return None
    return f if 5.0 <= f <= 2000.0 else None


def camera_from_footprint(footprint: tuple[LatLon, ...], image_size: tuple[int, int], focal35_mm: float,
                          rows: tuple[float, float] | None = None, principal: tuple[float, float] = (0.5, 0.5),
                          shares: tuple[float, float] = (1.0, 1.0)) -> CameraEstimate | None:
    """Camera pose from the photo's four corners on the ground (TL, TR, BR, BL, as Match.footprint)
    and a pinhole camera (principal point at `principal`, fractions of the image's width and height, the
    centre unless the photo is a crop: media/framing.principal_point; fx = fy = focal35 / 43.27 mm x the
    camera's whole frame's diagonal in pixels, the image's sides over `shares`, the crop's width and
    height shares of the frame: media/framing.crop_shares; a 35 mm-equivalent focal length is the
    frame's). None when no pose puts the camera above the ground. Positions in the
    footprint's local east/north metres (equirectangular about its first corner, east measured the
    short way across ±180°), returned as WGS84 (longitude in [-180, 180)).
    `rows`: the footprint is that of the photo's band of rows (top, bottom), fractions of its
    height, full width (core/ground_band.py): its corners are those rows' ends; None: the whole photo."""
    import cv2

    if footprint is None or len(footprint) != 4 or focal35_mm <= 0:
        return None
    w, h = image_size
    origin = footprint[0]
    m_lat, m_lon = metres_per_degree(origin.lat)
    # east the short way round: a footprint across ±180° (Taveuni, Fiji) is metres wide, not the globe
    ground = np.column_stack([local_metres(footprint, origin), np.zeros(len(footprint))])
    top, bottom = (0.0, 1.0) if rows is None else rows
    image = np.array([[0, top * h], [w, top * h], [w, bottom * h], [0, bottom * h]], np.float64)
    if abs(cv2.contourArea(ground[:, :2].astype(np.float32))) < 1e-6:  # no area: no pose
        return None
    f = focal35_mm / FULL_FRAME_DIAGONAL_MM * math.hypot(w / shares[0], h / shares[1])
    K = np.array([[f, 0, principal[0] * w], [0, f, principal[1] * h], [0, 0, 1]], np.float64)
    poses = []
    for flag in (cv2.SOLVEPNP_SQPNP, cv2.SOLVEPNP_IPPE):  # see the module doc: why both
        try:
            _, rvecs, tvecs, _ = cv2.solvePnPGeneric(ground, image, K, None, flags=flag)
        except cv2.error:
            continue
        poses.extend(zip(rvecs, tvecs))
    best = None
    for rvec, tvec in poses:
        R, _ = cv2.Rodrigues(rvec)
        centre = (-R.T @ tvec).ravel()  # camera centre in ground coordinates (east, north, up)
        # east/north/up is right-handed with up out of the ground; OpenCV's camera looks along +z
        axis = R.T @ np.array([0.0, 0.0, 1.0])
        if not (np.isfinite(centre).all() and np.isfinite(axis).all()) or centre[2] <= 0 or axis[2] >= 0:
            continue  # degenerate, or not above the ground looking down
        err = float(np.linalg.norm(cv2.projectPoints(ground, rvec, tvec, K, None)[0].reshape(-1, 2) - image))
        if best is None or err < best[0]:
            best = (err, centre, R)
    if best is None:
        return None
    _, centre, R = best
    up_in_image = R.T @ np.array([0.0, -1.0, 0.0])  # the image's "up" direction on the ground
    heading = math.degrees(math.atan2(up_in_image[0], up_in_image[1])) % 360.0
    axis = R.T @ np.array([0.0, 0.0, 1.0])
    tilt = math.degrees(math.acos(min(1.0, max(-1.0, -axis[2]))))
    position = LatLon(origin.lat + centre[1] / m_lat, (origin.lon + centre[0] / m_lon + 180.0) % 360.0 - 180.0)
    return CameraEstimate(position, float(centre[2]), heading, tilt)


def _photo_framing(query: Query):
    """A photo's PhotoMeta.framing (read from the file when the query has no meta yet); None for a video
    frame (no photo metadata) or a file whose metadata cannot be read."""
    if getattr(query, "time_s", None) is not None:
        return None
    meta = getattr(query, "meta", None)
    if meta is None:
        try:
            from .media.metadata import read_photo_meta

            meta = read_photo_meta(query.path)
        except Exception:  # noqa: BLE001 - no metadata: read as any photo
            return None
    return meta.framing


def _image_size(query: Query) -> tuple[int, int] | None:
    """(width, height) of the image as it was matched: a photo is turned by its EXIF orientation
    before verification (images.open_image), so its footprint's corners are those of the turned
    image, and a photo stored a quarter turn from how it is shown (orientation 5-8) has its stored
    sides swapped (with the stored aspect, a nadir camera 50 m up came out 28.9 m up and 41° off nadir)."""
    try:
        if query.time_s is not None:
            info = _probe_cached(str(query.path))
            return info.width, info.height
        from .images import image_size

        w, h = image_size(query.path)
    except Exception:  # noqa: BLE001 - an unreadable header only means no camera estimate
        return None
    return (h, w) if _quarter_turned(query) else (w, h)


def _quarter_turned(query: Query) -> bool:
    """Whether the photo is shown a quarter turn from how it is stored (metadata.quarter_turned: EXIF
    Orientation 5-8): from its PhotoMeta when read, else read from the file now."""
    from .media.metadata import quarter_turned, read_photo_meta

    meta = getattr(query, "meta", None)
    return quarter_turned(meta if meta is not None else read_photo_meta(query.path))


def _probe_cached(path: str):
    from .media.video import probe_video

    cached = _PROBES.get(path)
    if cached is None:
        cached = _PROBES[path] = probe_video(path)
    return cached


_PROBES: dict = {}


# camera_for's results by (query content, focal length, footprint): each export of a frame (CSV,
# GeoJSON, GPX/KML notes, the app's error column) asks again, and a pose is two PnP solves plus a
# header read. Bounded: oldest dropped first.
_CAMERAS: OrderedDict = OrderedDict()
CAMERA_CACHE_SIZE = 8192


def camera_for(query: Query, footprint: tuple[LatLon, ...] | None,
               rows: tuple[float, float] | None = None) -> CameraEstimate | None:
    """The camera pose of a query whose verified footprint is known, when its focal length is
    (memoised: the same query, footprint and rows are solved once). `rows`: as camera_from_footprint's.
    A photo whose metadata says it was cropped (PhotoMeta.framing) is solved with the lens on the whole
    frame and the principal point where the crop puts it; one cropped where the metadata does not say
    has no pose (None): its focal length in its own pixels is not known."""
    if not footprint:
        return None
    from .media.framing import crop_shares, principal_point
    from .media.query_image import query_key

    focal = focal_35mm(query)
    if focal is None:
        return None
    framing = _photo_framing(query)
    if framing is not None and framing.cropped and framing.box is None:
        return None
    key = (query_key(query), focal, tuple(footprint), rows)
    if key in _CAMERAS:
        _CAMERAS.move_to_end(key)
        return _CAMERAS[key]
    size = _image_size(query)
    shares = crop_shares(framing)
    if size is None:
        camera = None
    elif shares is None:  # the whole frame: principal point in the middle
        camera = camera_from_footprint(footprint, size, focal, rows)
    else:
        camera = camera_from_footprint(footprint, size, focal, rows, principal=principal_point(framing), shares=shares)
    _CAMERAS[key] = camera
    if len(_CAMERAS) > CAMERA_CACHE_SIZE:
        _CAMERAS.popitem(last=False)
    return camera
