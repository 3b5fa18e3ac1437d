"""Can a pinhole camera see this outline at all? A verified match's fit to a camera, with no metadata.

A verified homography puts the photo's four corners on the ground (the footprint, TL, TR, BR, BL).
A real photo of flat ground is the ground seen through a pinhole camera: with the principal point
at the image centre and square pixels, the map from ground metres to image pixels is
A ~ K [r1 r2 t] with K = diag(f, f, 1) and r1, r2 two orthonormal columns of a rotation. For a
candidate focal length f, the first two columns of K^-1 A must then be orthogonal and of equal
length: two conditions on one unknown (f), so a homography has one degree of "camera-ness" left
over that any real view meets and a chance fit (RANSAC among matches that happen to agree)
has no reason to (Zhang, "A Flexible New Technique for Camera Calibration", IEEE PAMI 22(11),
2000, section 2.2: the two constraints a plane's homography puts on the intrinsics).

camera_misfit measures that left-over degree: the smallest, over focal lengths of a plausible lens
(FOV_RANGE_DEG across the width), of max(|cos| of the angle between the two columns, |ln| of the ratio
of their lengths): 0 for an outline a camera sees exactly; about 0.1 for 6 degrees of shear or 10 % of
stretch. It needs no focal length, altitude or pitch from the photo: it reads the outline only.

A crop moves the principal point off the picture's centre (a 9 % corner crop of a wide oblique view
reads 0.51 at the centre). Where the photo's metadata places its crop (PhotoMeta.framing: Lightroom /
Camera Raw's applied crs:Crop*, turned or not, media/framing.py), query_misfit reads the outline with
the principal point where the crop puts it (a turned crop is the frame seen by a camera rolled about its
axis: still a pinhole camera, its principal point the frame's centre carried through the turn); a crop of unknown place is read at the centre, as any photo
(SEARCH_UNPLACED_CROPS; training/results/cropmeta36_session36.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .geo import local_metres
from .model import LatLon

# The widest and narrowest lens considered (horizontal field of view across the image's width,
# degrees): from a long zoom to a fisheye-like action camera (DJI's 84-degree diagonal is ~73 across).
FOV_RANGE_DEG = (10.0, 150.0)
_FOV_STEPS = 281


@dataclass(frozen=True)
class CameraFit:
    misfit: float  # max(|cos angle(r1, r2)|, |ln(|r1| / |r2|)|) at the best focal length (0: a camera)
    hfov_deg: float  # the horizontal field of view at which it fits best
    tilt_deg: float  # that camera's optical axis off nadir (0 = straight down)


def camera_misfit(footprint: Sequence[LatLon], image_size: tuple[int, int],
                  rows: tuple[float, float] | None = None, principal: tuple[float, float] = (0.5, 0.5),
                  frame: float = 1.0) -> CameraFit | None:
    """How far the outline `footprint` (the photo's four corners on the ground, TL, TR, BR, BL, as
    Match.footprint) is from what a pinhole camera (principal point at `principal`, square pixels,
    any focal length with a horizontal field of view in FOV_RANGE_DEG) sees of flat ground: see the
    module doc. `image_size`: (width, height) pixels of the image as matched; `rows`: the footprint
    is that band of the photo's rows (top, bottom fractions of its height: core/ground_band.py);
    `principal`: the principal point as fractions of the image's width and height (x right, y down;
    the centre unless the photo is a crop: media/framing.principal_point); `frame`: the camera's
    whole frame's width over the image's (1 / the crop's width fraction), so that the lens range is
    that of the frame. The footprint is WGS84 (LatLon degrees), read as local east/north metres about
    its first corner (geo.local_metres; east the short way across ±180°); the lens is searched on a
    grid of _FOV_STEPS fields of view (0.5° apart). Returns None, raising nothing, when the footprint
    is not four points, has no area or no finite homography, or the size is not positive."""
    ground = _ground(footprint, image_size)
    if ground is None:
        return None
    return _fit(ground, image_size, rows, principal, frame)


# The principal point searched for a photo known to be cropped, place unknown: a PRINCIPAL_GRID x
# PRINCIPAL_GRID grid over where the crop can put it (media/framing.principal_bounds; the picture, edges
# included, when the crop's size is unknown: a corner crop of a quarter of the frame has it at its corner).
PRINCIPAL_GRID = 9
# Whether a crop of unknown place (PhotoMeta.framing cropped, no box) has its principal point searched
# (camera_misfit_anywhere) or read at the centre as any photo. See the measurement in
# training/results/cropmeta36_session36.md.
SEARCH_UNPLACED_CROPS = False


def camera_misfit_anywhere(footprint: Sequence[LatLon], image_size: tuple[int, int],
                           rows: tuple[float, float] | None = None,
                           bounds: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 1.0), (0.0, 1.0)),
                           ) -> CameraFit | None:
    """camera_misfit with the principal point unknown: the best fit over a PRINCIPAL_GRID x
    PRINCIPAL_GRID grid of principal points spanning `bounds` ((x_min, x_max), (y_min, y_max),
    fractions of the image's width and height; the image itself by default; media/framing.
    principal_bounds), for a photo whose metadata says it was cropped but not where. Two unknowns
    more leave the outline's two constraints little to test: chance fits pass more often
    (camerafit35), so this is for such photos only. None as camera_misfit."""
    ground = _ground(footprint, image_size)
    if ground is None:
        return None
    (x0, x1), (y0, y1) = bounds
    fits = (_fit(ground, image_size, rows, (px, py), 1.0)
            for px in np.linspace(x0, x1, PRINCIPAL_GRID) for py in np.linspace(y0, y1, PRINCIPAL_GRID))
    return min((f for f in fits if f is not None), key=lambda f: f.misfit, default=None)


def _ground(footprint, image_size) -> np.ndarray | None:
    """The footprint as east/north metres about its mean, (4, 2); None when it cannot be fitted."""
    import cv2

    if footprint is None or len(footprint) != 4 or not image_size or min(image_size) <= 0:
        return None
    ground = local_metres(footprint, footprint[0])
    if not np.isfinite(ground).all() or abs(cv2.contourArea(ground.astype(np.float32))) < 1e-6:
        return None
    return ground - ground.mean(axis=0)


def _fit(ground: np.ndarray, image_size, rows, principal, frame) -> CameraFit | None:
    import cv2

    w, h = float(image_size[0]), float(image_size[1])
    top, bottom = (0.0, 1.0) if rows is None else rows
    px, py = principal[0] * w, principal[1] * h
    image = np.array([[-px, top * h - py], [w - px, top * h - py],
                      [w - px, bottom * h - py], [-px, bottom * h - py]], np.float64)
    a = cv2.getPerspectiveTransform(ground.astype(np.float32), image.astype(np.float32)).astype(np.float64)
    if not np.isfinite(a).all():
        return None
    fovs = np.linspace(*FOV_RANGE_DEG, _FOV_STEPS)
    f = (frame * w / 2.0) / np.tan(np.radians(fovs) / 2.0)  # (F,)
    r1 = np.stack([a[0, 0] / f, a[1, 0] / f, np.full_like(f, a[2, 0])], axis=1)  # (F, 3)
    r2 = np.stack([a[0, 1] / f, a[1, 1] / f, np.full_like(f, a[2, 1])], axis=1)
    n1, n2 = np.linalg.norm(r1, axis=1), np.linalg.norm(r2, axis=1)
    cos = np.abs((r1 * r2).sum(axis=1)) / (n1 * n2)
    misfit = np.maximum(cos, np.abs(np.log(n1 / n2)))
    best = int(np.argmin(misfit))
    axis = np.cross(r1[best] / n1[best], r2[best] / n2[best])  # the ground's normal in camera coordinates
    tilt = math.degrees(math.acos(min(1.0, abs(float(axis[2]) / float(np.linalg.norm(axis))))))
    return CameraFit(float(misfit[best]), float(fovs[best]), tilt)


# An outline whose camera_misfit is above this is not taken as a verified place. Measured on the
# benchmark's rendered photos, every tile verified (training/results/outregion34_session34.md): right
# fits 0.001-0.36 (median 0.006; the highest, 0.29 and 0.36, fits on a tile the photo only partly
# covers, or a low-texture oblique one), chance fits (photos of one region in another's tiles, and
# wrong fits in a region's own tiles at 8-10 inliers) 0.55-2.8, the two false verifications of
# outregion33 0.56 and 0.73. The bar sits between, nearer the right fits' side than the middle would.
MISFIT_BAR = 0.45


def query_misfit(query, footprint: Sequence[LatLon]) -> tuple[CameraFit | None, str]:
    """The camera check's reading of `footprint` (the outline of `query`'s matched image on the ground,
    TL, TR, BR, BL) and how the principal point was placed: ("centre" | "crop box" | "searched").
    The image is the photo (its EXIF orientation applied: camera._image_size), the picture inside its
    bars (media.query_image.bars_box), or its ground band (ground_band.query_rows); the principal
    point is where the photo's framing (PhotoMeta.framing: media/framing.py) puts it: the centre for
    an uncropped or resized photo, carried into the crop box for a crop the metadata places exactly
    (camera_misfit with `principal` and `frame`), searched over the picture for a crop it does not
    place (camera_misfit_anywhere). (None, ...) when the size is unknown or the outline cannot be read."""
    from .camera import _image_size, _quarter_turned
    from .ground_band import query_rows
    from .media.framing import crop_width_share, principal_bounds, principal_point
    from .media.query_image import bars_box

    size = _image_size(query)
    if size is None or not footprint:
        return None, "centre"
    framing = None
    if getattr(query, "time_s", None) is None:  # a video frame has no photo metadata
        meta = getattr(query, "meta", None)
        if meta is None:
            from .media.metadata import read_photo_meta

            meta = read_photo_meta(query.path)
        framing = meta.framing
    principal, frame = principal_point(framing), 1.0
    box = bars_box(query)  # letterbox/pillarbox bars: the picture matched is the box inside them
    if box is not None:
        left, top, right, bottom = box
        size = (size[0] * (right - left), size[1] * (bottom - top))
        if principal is not None:
            principal = ((principal[0] - left) / (right - left), (principal[1] - top) / (bottom - top))
    rows = query_rows(query)
    if principal is None and not SEARCH_UNPLACED_CROPS:
        principal = (0.5, 0.5)
    if principal is None:
        bounds = principal_bounds(framing)
        if _quarter_turned(query):  # the bounds are of the stored pixels; the image matched is turned
            bounds = (bounds[1], bounds[0])  # (each is symmetric about 0.5: a mirror leaves it as it is)
        if box is not None:
            bounds = tuple(((lo - a) / (b - a), (hi - a) / (b - a))
                           for (lo, hi), (a, b) in zip(bounds, ((box[0], box[2]), (box[1], box[3]))))
        return camera_misfit_anywhere(footprint, size, rows, bounds), "searched"
    if framing is not None and framing.cropped and framing.box is not None:
        frame = 1.0 / crop_width_share(framing)  # of a turned crop, its turned width
        if box is not None:  # the picture between the bars is that share of the crop's width
            frame /= box[2] - box[0]
        return camera_misfit(footprint, size, rows, principal, frame), "crop box"
    return camera_misfit(footprint, size, rows, principal, frame), "centre"


def uncameralike(query, tile, corners) -> str | None:
    """Why a verified outline cannot be what this photo's camera saw (a sentence naming the tile
    and the misfit), or None when a pinhole camera fits it (query_misfit <= MISFIT_BAR) or it
    cannot be read (no corners, the image's size unknown). `corners`: the matched image's corners in
    `tile` as fractions (x right, y down; rerank.Verification.corners), of the photo, of the picture
    inside its bars (media.query_image.bars_box), or of its ground band when it was read as one
    (ground_band.query_rows), as pose_check.contradiction. A photo whose metadata says it was cropped
    is read with the principal point the crop puts it at (query_misfit)."""
    if not corners or len(corners) != 4:
        return None
    fit, how = query_misfit(query, [tile.point_at(x, y) for x, y in corners])
    if fit is None or fit.misfit <= MISFIT_BAR:
        return None
    said = {"crop box": ", the principal point where the photo's crop puts it",
            "searched": ", the principal point anywhere in the cropped photo"}.get(how, "")
    return (f"the match on {tile.id} maps the photo onto an outline no camera sees (misfit {fit.misfit:.2f}, "
            f"above {MISFIT_BAR}{said}): that candidate is not taken as verified (the photo's other candidates still count)")


def drop_uncameralike(queries, tiles, candidates, checks) -> list[list]:
    """`checks` (rows of rerank.Verification, one row per query, aligned with `candidates`' tile
    indices) with every match whose outline no pinhole camera sees (uncameralike) set to 0 inliers,
    so it verifies nothing; each is logged with its reason: at INFO where there are up to
    SAID_ONE_BY_ONE of them, else at DEBUG (`-v`) under one INFO line that counts them (set_aside_line;
    session 37: a 190-photo flight printed 31 such lines, between the progress and the answers,
    about candidates none of which changed what the user reads). Needs no metadata: every photo is
    checked. Same shape as `checks`."""
    import logging
    from dataclasses import replace

    log = logging.getLogger(__name__)
    out, said = [], []
    for qi, row in enumerate(checks):
        new_row = []
        for ci, check in enumerate(row):
            if check.inliers and check.corners is not None:
                why = uncameralike(queries[qi], tiles[int(candidates[qi][ci])], check.corners)
                if why is not None:
                    said.append((queries[qi].id, why))
                    check = replace(check, inliers=0)
            new_row.append(check)
        out.append(new_row)
    level = logging.INFO if len(said) <= SAID_ONE_BY_ONE else logging.DEBUG
    for qid, why in said:
        log.log(level, "%s: %s", qid, why)
    if len(said) > SAID_ONE_BY_ONE:
        log.info("%s", set_aside_line([qid for qid, _ in said]))
    return out


SAID_ONE_BY_ONE = 3  # more matches set aside than this are counted in one line (drop_uncameralike)


def set_aside_line(query_ids: list[str]) -> str:
    """One line for many matches set aside as no camera's outline (drop_uncameralike), one id per
    match: "verify: 31 matches on 24 photos (DJI_0004.JPG, DJI_0015.JPG, DJI_0044.JPG and 21 more) set aside: each maps its
    photo onto an outline no camera sees (chance agreement); those photos' other candidates still
    count (-v: each, with its tile and misfit)"."""
    from .wording import count, first_named

    photos = list(dict.fromkeys(query_ids))
    return (f"verify: {count(len(query_ids), 'match', 'matches')} on {count(len(photos), 'photo')} "
            f"({first_named(photos, 3)}) set aside: "
            "each maps its photo onto an outline no camera sees (chance agreement); those photos' other "
            "candidates still count (-v: each, with its tile and misfit)")
