"""Was this photo cropped or resized after the camera took it? What its metadata says (PhotoMeta.framing).

A crop moves the camera's principal point (where the optical axis meets the picture) off the pixels'
centre; a resize does not. core/camera_fit.py reads the principal point from this. Evidence, in order:

- Adobe Camera Raw / Lightroom settings in XMP (namespace http://ns.adobe.com/camera-raw-settings/1.0/,
  prefix crs): `crs:HasCrop` "True" with `crs:CropLeft/Top/Right/Bottom`, the crop's edges as fractions
  of the whole frame (0-1, right and bottom measured from the left and top, not inward), `crs:CropAngle`
  its turn in degrees. They describe these pixels only with `crs:AlreadyApplied` "True" (a rendered,
  exported file); without it they are an edit Camera Raw applies when it opens the file (a raw's sidecar,
  a JPEG edited in place) and the pixels are still the whole frame. A crop of a photo with an EXIF
  Orientation other than 1 (which way the fractions run is then not certain) says that the photo is
  cropped but not where.
- A turned crop (crs:CropAngle not 0, -45 to 45 degrees): the edges are then the turned crop's top-left
  (CropLeft, CropTop) and bottom-right (CropRight, CropBottom) corners as points of the unturned frame,
  and the crop is the box those two corners span once the frame is turned by the angle about its centre,
  x' = x cos a + y sin a, y' = -x sin a + y cos a (pixels from the frame's centre, y down): the reading of
  darktable's Lightroom import (src/develop/lightroom.c, dt_lightroom_import) and ART's (import_crop);
  Adobe publishes no text for it. The fractions are of the frame's width and height, so the turn needs the
  frame's aspect: the exported pixels' aspect gives it (turned_frame_aspect). A turned crop whose other two
  corners would lie outside the frame (beyond TURNED_SLACK) is not what Camera Raw makes (it keeps a crop
  inside the picture): cropped, place unknown.
- EXIF PixelXDimension / PixelYDimension (EXIF 2.32 tags 0xA002 / 0xA003, "ExifImageWidth/Height":
  the size the camera wrote) against the decoded size; else the same fields in XMP (exif:PixelXDimension).
  The same aspect (within one pixel of rounding, or 1 %) is a resize: the principal point stays in the
  middle. Another aspect is a crop of unknown place (or a stretch: no metadata tells them apart). An
  off-centre crop that keeps the aspect reads as a resize, and a portrait crop of a landscape frame as the
  frame turned a quarter: nothing in these fields tells them apart (an EXIF thumbnail the crop tool kept
  may: media/thumb_framing.py).

Not used: the EXIF thumbnail's aspect. DCF cameras write a 160 x 120 thumbnail whatever the photo's
aspect (a 16:9 photo's with bars), so a different aspect would call most 16:9 photos cropped.
Reading never raises: no evidence is None.
"""

from __future__ import annotations

import math

from ..model import Framing

# Two aspects (width / height) within this (as a ratio) are the same frame: a crop that trims under 1 %
# moves the principal point by under 0.5 % of the side, and raw decoders' sizes differ from the EXIF
# size by a few margin pixels.
SAME_ASPECT = 0.01
CROP_ANGLE_TOLERANCE_DEG = 0.01  # Camera Raw writes CropAngle 0 for an unturned crop
CROP_ANGLE_LIMIT_DEG = 45.0  # Camera Raw's straighten range; beyond it the corners' order is another
# How far (fraction of the frame's side) a turned crop's corners may lie outside the frame: the edges are
# written to 6 decimals and the pixels' aspect is rounded to whole pixels.
TURNED_SLACK = 0.01


def _number(value) -> float | None:
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _true(value) -> bool:
    return str(value or "").strip().lower() == "true"


def crs_framing(xmp: dict[str, str], orientation: int | None,
                decoded: tuple[int, int] | None = None) -> Framing | None:
    """The crop Camera Raw's settings (`xmp`: media.metadata.parse_xmp's fields, "crs:Name") say was
    applied to these pixels: Framing(True, (left, top, right, bottom), ...) for an unturned crop of a
    photo with EXIF `orientation` 1 or None; for a turned one (crs:CropAngle), the same with angle_deg
    and frame_aspect (turned_frame_aspect of the `decoded` size, (width, height) pixels); Framing(True,
    None, ...) for another orientation, edges that are not a box inside 0-1, or a turned crop whose frame
    cannot be read (no decoded size, a turn beyond CROP_ANGLE_LIMIT_DEG, corners outside the frame);
    None when no applied crop is recorded (crs:AlreadyApplied not "True", crs:HasCrop not "True", or the
    box is the whole frame)."""
    if not (_true(xmp.get("crs:AlreadyApplied")) and _true(xmp.get("crs:HasCrop"))):
        return None
    left, top, right, bottom = (_number(xmp.get(f"crs:Crop{side}")) for side in ("Left", "Top", "Right", "Bottom"))
    angle = _number(xmp.get("crs:CropAngle")) or 0.0
    turned = abs(angle) > CROP_ANGLE_TOLERANCE_DEG
    # a turned crop's edges are two corners: a wide crop turned far has its top-left corner below its
    # bottom-right one (CropTop > CropBottom), so only their span is checked (turned_frame_aspect)
    if None in (left, top, right, bottom) or not (
            all(0 <= v <= 1 for v in (left, top, right, bottom)) if turned
            else 0 <= left < right <= 1 and 0 <= top < bottom <= 1):
        return Framing(True, None, "XMP crs:HasCrop (Camera Raw/Lightroom crop; its edges are not a box in the frame)")
    if (left, top, right, bottom) == (0, 0, 1, 1):
        return None
    said = f"XMP crs:Crop* (Camera Raw/Lightroom crop turned {angle:g} degrees)" if turned else \
        "XMP crs:Crop* (Camera Raw/Lightroom crop)"
    if orientation not in (None, 1):
        return Framing(True, None, f"{said[:-1]} of a photo with EXIF Orientation {orientation})")
    if not turned:
        return Framing(True, (left, top, right, bottom), said)
    aspect = turned_frame_aspect((left, top, right, bottom), angle, decoded)
    if aspect is None:
        return Framing(True, None, f"{said[:-1]}; the frame it was turned on cannot be read)")
    return Framing(True, (left, top, right, bottom), said, angle_deg=angle, frame_aspect=aspect)


def _turned_span(box, angle_deg: float, aspect: float) -> tuple[float, float, float, float] | None:
    """The turned crop as (x_min, x_max, y_min, y_max) in the turned frame's coordinates (the frame's height
    1, its width `aspect`, about its centre), or None when it spans nothing: the module doc's turn applied
    to the corners (CropLeft, CropTop) and (CropRight, CropBottom)."""
    left, top, right, bottom = box
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    turned = [(x * c + y * s, -x * s + y * c)
              for x, y in (((left - 0.5) * aspect, top - 0.5), ((right - 0.5) * aspect, bottom - 0.5))]
    (x0, y0), (x1, y1) = turned
    span = (min(x0, x1), max(x0, x1), min(y0, y1), max(y0, y1))
    return span if span[1] - span[0] > 0 and span[3] - span[2] > 0 else None


def turned_frame_aspect(box, angle_deg: float, decoded: tuple[int, int] | None) -> float | None:
    """The whole frame's width over its height for a crop turned `angle_deg` (crs:CropAngle) with Camera
    Raw's edges `box`, read from the crop's pixels (`decoded`, (width, height): the crop, resized or not):
    the crop spans d = right - left of the frame's width W and e = bottom - top of its height H between two
    corners, so its sides are d W cos a + e H sin a and -d W sin a + e H cos a, whose ratio is the pixels'
    k = width / height: W / H = e (k cos a - sin a) / (d (cos a + k sin a)). None when `decoded` is unknown,
    the turn is beyond CROP_ANGLE_LIMIT_DEG, no positive aspect solves it, or the crop's other two corners
    would lie outside the frame (by more than TURNED_SLACK): then the convention does not describe it."""
    if not decoded or min(decoded) < 1 or abs(angle_deg) > CROP_ANGLE_LIMIT_DEG:
        return None
    left, top, right, bottom = box
    d, e, k = right - left, bottom - top, decoded[0] / decoded[1]
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    num, den = e * (k * c - s), d * (c + k * s)
    if den == 0 or num / den <= 0:
        return None
    aspect = num / den
    sides = (d * aspect * c + e * s, -d * aspect * s + e * c)  # the crop's turned width and height
    if min(sides) <= 0:  # the corners are not its top-left and bottom-right
        return None
    span = _turned_span(box, angle_deg, aspect)
    if span is None:
        return None
    x_min, x_max, y_min, y_max = span
    for x, y in ((x_max, y_min), (x_min, y_max)):  # the two corners the edges do not give, back in the frame
        fx, fy = (x * c - y * s) / aspect + 0.5, x * s + y * c + 0.5
        if not (-TURNED_SLACK <= fx <= 1 + TURNED_SLACK and -TURNED_SLACK <= fy <= 1 + TURNED_SLACK):
            return None
    return aspect


def _dimension(value) -> int | None:
    x = _number(value[0] if isinstance(value, (tuple, list)) and value else value)
    return int(x) if x is not None and x >= 1 and x == int(x) else None


def size_framing(recorded: tuple[int, int] | None, decoded: tuple[int, int] | None, source: str) -> Framing | None:
    """What the size the camera recorded (`recorded`, EXIF PixelX/YDimension as (width, height))
    says of the decoded pixels (`decoded`, (width, height) as stored): None when either is unknown or
    they are equal; Framing(False, ...) when the aspect is the same (a resize: within one pixel of
    rounding or SAME_ASPECT) or the same turned a quarter (a tool that turned the pixels and kept
    the EXIF sizes); Framing(True, None, ..., least_share) for another aspect (a crop, place unknown;
    least_share the decoded over the recorded width and height when neither is larger). `source`
    names the fields in the sentence."""
    if not recorded or not decoded or None in recorded or None in decoded or min(*recorded, *decoded) < 1:
        return None
    (rw, rh), (w, h) = recorded, decoded
    if (rw, rh) == (w, h):
        return None
    said = f"{source} {rw} x {rh}, pixels {w} x {h}"
    # a frame turned a quarter with the sizes kept, or a crop of that shape (a portrait crop of a landscape
    # frame): these fields cannot tell; both are read at the centre by the camera check (a crop of unknown
    # place is), and the EXIF thumbnail may tell (media/thumb_framing.py)
    turned = "turned a quarter, or a crop of that shape (these fields cannot tell which)"
    for aw, ah, what in ((rw, rh, "resized"), (rh, rw, turned)):
        # rounding each side to whole pixels moves w * ah - h * aw by at most (aw + ah) / 2 per pixel of error
        if abs(w * ah - h * aw) <= aw + ah or abs(math.log((w / h) / (aw / ah))) <= SAME_ASPECT:
            return Framing(False, None, f"{said}: the whole frame, {what}")
    # a crop that was not enlarged after is at least this share of the frame (it may have been shrunk too)
    least = (w / rw, h / rh) if w <= rw and h <= rh else None
    return Framing(True, None, f"{said}: another aspect, a crop", least)


def recorded_size(exif_ifd: dict, xmp: dict[str, str]) -> tuple[tuple[int, int] | None, str]:
    """The frame size the camera recorded, ((width, height) pixels or None, the fields' name): EXIF
    PixelX/YDimension, else XMP exif:PixelX/YDimension."""
    recorded = (_dimension(exif_ifd.get(0xA002)), _dimension(exif_ifd.get(0xA003)))
    source = "EXIF PixelXDimension x PixelYDimension"
    if None in recorded:
        recorded = (_dimension(xmp.get("exif:PixelXDimension")), _dimension(xmp.get("exif:PixelYDimension")))
        source = "XMP exif:PixelXDimension x PixelYDimension"
    return (recorded if None not in recorded else None), source


def read_framing(exif_ifd: dict, xmp: dict[str, str], decoded: tuple[int, int] | None,
                 orientation: int | None) -> Framing | None:
    """PhotoMeta.framing from a photo's EXIF IFD (`exif_ifd`, Pillow's {tag: value}), its XMP fields
    (parse_xmp's, sidecars included), its decoded (stored) size and EXIF orientation: Camera Raw's
    applied crop first (crs_framing; a crop of unknown place when the recorded size says the pixels were
    cropped again since), else the recorded size against the decoded one (size_framing; EXIF, else XMP
    exif:PixelX/YDimension). None when the metadata says nothing. Raises nothing."""
    recorded, source = recorded_size(exif_ifd, xmp)
    by_size = size_framing(recorded, decoded, source)
    found = crs_framing(xmp, orientation, decoded)
    if found is not None and found.box is not None and by_size is not None and by_size.cropped:
        # the export's sizes (an export rewrites them) no longer match the pixels' aspect: cropped again
        # by a tool that kept the export's metadata, so the box is not these pixels' any more
        return Framing(True, None, f"{found.source}, then cropped again ({by_size.source})")
    return found if found is not None else by_size


def principal_point(framing: Framing | None) -> tuple[float, float] | None:
    """Where the camera's principal point lies in the pixels (x right, y down, fractions of their
    width and height; may lie outside 0-1 for a small crop) when the metadata says exactly: the whole
    frame's centre (0.5, 0.5) carried into the crop box, ((0.5 - left) / (right - left),
    (0.5 - top) / (bottom - top)); for a turned crop (angle_deg), the centre carried through the turn
    (_turned_span). (0.5, 0.5) for no framing or a resize; None for a crop of unknown place."""
    if framing is None or not framing.cropped:
        return (0.5, 0.5)
    if framing.box is None:
        return None
    left, top, right, bottom = framing.box
    if framing.angle_deg and framing.frame_aspect:
        # a turned crop: the frame's centre is the origin of the turned coordinates (_turned_span)
        span = _turned_span(framing.box, framing.angle_deg, framing.frame_aspect)
        if span is None:
            return None
        x_min, x_max, y_min, y_max = span
        return (-x_min / (x_max - x_min), -y_min / (y_max - y_min))
    return ((0.5 - left) / (right - left), (0.5 - top) / (bottom - top))


def crop_shares(framing: Framing) -> tuple[float, float] | None:
    """The crop's width and height as shares of the whole frame's width and height, for a crop the
    metadata places: (right - left, bottom - top), or for a turned one its turned sides over the frame's
    (_turned_span). The camera's lens is the frame's: camera_fit's `frame` is 1 / the width share, and a
    35 mm-equivalent focal length refers to the frame's diagonal (camera.camera_from_footprint). None for
    no placed crop."""
    if framing is None or not framing.cropped or framing.box is None:
        return None
    if framing.angle_deg and framing.frame_aspect:
        span = _turned_span(framing.box, framing.angle_deg, framing.frame_aspect)
        return None if span is None else ((span[1] - span[0]) / framing.frame_aspect, span[3] - span[2])
    return framing.box[2] - framing.box[0], framing.box[3] - framing.box[1]


def crop_width_share(framing: Framing) -> float | None:
    """The crop's width as a share of the whole frame's width (crop_shares' first); None for no placed crop."""
    shares = crop_shares(framing)
    return None if shares is None else shares[0]


def principal_bounds(framing: Framing) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where the principal point can lie in a crop of unknown place, ((x_min, x_max), (y_min, y_max))
    as fractions of the pixels' width and height (stored orientation): a crop of a share `c` of the
    frame's side whose left edge is at `left` (0 to 1 - c) puts the frame's centre at (0.5 - left) / c,
    anywhere in [1 - 0.5 / c, 0.5 / c]; a share smaller than least_share is not possible and a larger
    one (a crop shrunk after) narrows it. The picture itself, (0, 1), when least_share is None."""
    if framing.least_share is None:
        return (0.0, 1.0), (0.0, 1.0)
    return tuple((1.0 - 0.5 / c, 0.5 / c) for c in framing.least_share)  # type: ignore[return-value]
