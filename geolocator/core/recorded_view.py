"""The view a query's camera recorded (gimbal pitch, height, lens), for a photo or a video frame,
in the image as the pipeline reads it.

A photo: its EXIF/XMP (oblique.view_geometry of its PhotoMeta). images.open_image turns a photo by
its EXIF orientation before anything looks at it, so the view applies to the photo as displayed:
a photo stored turned (Orientation 2-8: a lossless rotation by an editor, or a camera that writes
the sensor's rows as they came) is shown upright, its top edge the far side as a gimbal camera
takes it, and gets the same view as the upright copy. Its size as displayed has the stored sides
swapped for a quarter turn (metadata.quarter_turned).

A video frame: its telemetry record (media/telemetry.FrameTelemetry, the SRT cue nearest the
frame's time): `gimbal_pitch_deg` (DJI's convention, -90 = nadir), `rel_alt_m` (height above
take-off) and the lens from `focal_len`, a 35 mm-equivalent focal length (camera.focal_35mm: the
same reading, older models' mm x 10 included). A 35 mm-equivalent focal length refers to the full
frame's diagonal (43.27 mm; camera.FULL_FRAME_DIAGONAL_MM, the convention camera.camera_from_footprint
solves the pose with), so the focal length in pixels of a frame of w x h pixels is
focal_35 / 43.27 x sqrt(w^2 + h^2); as an oblique.ViewGeometry focal ratio (over the longer side)
that is focal_35 / 43.27 x sqrt(w^2 + h^2) / max(w, h). Caveat: some makers quote a video mode's
35 mm equivalent by the photo mode's 4:3 frame; for a 16:9 frame cut from the full sensor width
that reads the focal length about 9 % long. A frame without a pitch, a height or a lens in its
record has no recorded view, nor does a frame without a readable frame size.

A photo its metadata says was cropped (PhotoMeta.framing) has no recorded view: the view is the whole
frame's, seen through a centred lens, and the crop's is another (measured on the benchmark's oblique
crops: training/results/crop37_session37.md).

Nothing else is read: never the truth, the position, the heading.
"""

from __future__ import annotations

import functools
import math
from dataclasses import replace
from pathlib import Path

from .oblique import ViewGeometry, view_geometry


def recorded_view(query) -> ViewGeometry | None:
    """The oblique.ViewGeometry the query's camera recorded, of the image as the pipeline reads
    it (see the module doc): a video frame's from its telemetry (frame_view), a photo's from its
    metadata (oblique.view_geometry, in the photo as displayed). None: nadir or near it, no
    pitch, height or lens recorded, odd values (view_geometry's rules), no readable frame size."""
    if getattr(query, "time_s", None) is not None:
        record = getattr(query, "telemetry", None)
        if record is None:
            return None
        from .camera import focal_35mm

        focal = focal_35mm(query)
        size = displayed_size(query) if focal else None
        return None if size is None else frame_view(record, size, focal)
    meta = getattr(query, "meta", None)
    if meta is not None and meta.framing is not None and meta.framing.cropped:
        # a crop's view is not the recorded one: its lens across the pixels and its principal point are
        # the crop's (ViewGeometry has the frame's, centred), so none is claimed (crop37)
        return None
    if meta is not None and meta.orientation not in (None, 1):
        meta = replace(meta, orientation=1)  # read as displayed: images.open_image turns it upright
    return view_geometry(meta)


def recorded_roll_deg(query) -> float | None:
    """The gimbal roll (degrees, about the optical axis; 0 or None: the image rows level) the video
    frame's telemetry (FrameTelemetry.gimbal_roll_deg: SRT gb_roll, G.PRY's second angle) or the
    photo's metadata (PhotoMeta.gimbal_roll_deg: XMP GimbalRollDegree) records; None when none is
    recorded or it is not a finite number. A photo stored turned keeps its roll: the roll is about
    the optical axis, the same in the photo as displayed."""
    if getattr(query, "time_s", None) is not None:
        value = getattr(getattr(query, "telemetry", None), "gimbal_roll_deg", None)
    else:
        value = getattr(getattr(query, "meta", None), "gimbal_roll_deg", None)
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def frame_view(record, size: tuple[int, int], focal35_mm: float) -> ViewGeometry | None:
    """The view of a video frame of `size` (width, height, pixels) from its telemetry `record`
    (FrameTelemetry: gimbal_pitch_deg in degrees, -90 = nadir; rel_alt_m in metres above take-off)
    through a lens of `focal35_mm` (35 mm-equivalent, by the full frame's diagonal, mm). Goes
    through oblique.view_geometry's rules (pitch more than 10 degrees off nadir and below the
    horizon, a positive height, a focal ratio in range), so a frame and a photo are turned away
    alike. None when any is missing or odd."""
    from .camera import FULL_FRAME_DIAGONAL_MM
    from .model import PhotoMeta

    w, h = size
    try:
        ratio = float(focal35_mm) / FULL_FRAME_DIAGONAL_MM * math.hypot(w, h) / max(w, h)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    if not (math.isfinite(ratio) and ratio > 0):
        return None
    # view_geometry reads focal length / sensor width: the ratio stands for it with a unit sensor
    meta = PhotoMeta(gimbal_pitch_deg=getattr(record, "gimbal_pitch_deg", None),
                     relative_altitude_m=getattr(record, "rel_alt_m", None),
                     focal_length_mm=ratio, sensor_width_mm=1.0)
    return view_geometry(meta)


def displayed_size(query) -> tuple[int, int] | None:
    """(width, height) in pixels of the query's image as the pipeline reads it, before any cut:
    a video frame's size from its container (media.video.probe_video), a photo's stored size with
    its sides swapped when it is shown a quarter turn from how it is stored (EXIF Orientation 5-8,
    metadata.quarter_turned; a RAW file's header size is already the visible one). Read once per
    file identity (a file edited in place is read anew); None when the file cannot be read."""
    from .cache import file_identity

    try:
        identity = file_identity(query.path)
    except OSError:
        return None
    frame = getattr(query, "time_s", None) is not None
    size = _size_for(identity, query.path, frame)
    if size is None or frame:
        return size
    from .images import RAW_SUFFIXES
    from .media.metadata import quarter_turned

    turned = quarter_turned(getattr(query, "meta", None)) and Path(query.path).suffix.lower() not in RAW_SUFFIXES
    return (size[1], size[0]) if turned else size


@functools.lru_cache(maxsize=8192)
def _size_for(identity: str, path, frame: bool) -> tuple[int, int] | None:
    try:
        if frame:
            from .media.video import probe_video

            info = probe_video(path)
            return int(info.width), int(info.height)
        from .images import image_size

        return tuple(image_size(path))
    except Exception:  # noqa: BLE001 - an unreadable header: its reader says why when the pixels are asked for
        return None
