"""A verified match must agree with how the camera was pointed (the recorded gimbal pitch).

A verified homography puts the photo's four corners on the ground; with the lens known (a
35 mm-equivalent focal length), that outline fixes the camera pose by PnP (core/camera.py), and
with it the optical axis' tilt off nadir. A drone records that tilt itself: the gimbal pitch (DJI
XMP `GimbalPitchDegree`, a video frame's SRT `gb_pitch`; -90 = straight down, 0 = the horizon,
metadata.py's convention). On a right match the two agree within a few degrees (measured on
rendered 20 MP DJI photos at 15-60 m, pitch -90 to -45: at most 3.8 degrees,
training/results/newuser_session23.md); a match on the wrong ground is a homography chosen by
RANSAC among chance correspondences, with no reason to reproduce the recorded tilt (the one
confident wrong answer of that set implied 20 degrees off nadir for a photo taken at 60).

A match whose implied tilt differs from the recorded one by more than TILT_TOLERANCE_DEG is
therefore not taken as verified: its inliers are set to 0, so the photo falls back to its other
candidates (or says it is unsure) instead of claiming a verified place. The tolerance leaves room
for ground that is not level (the PnP tilt is against the ground the photo shows: a 20 degree slope
moves it by up to 20 degrees) and for gimbal and lens error. Photos without a recorded pitch or
focal length are not checked. The altitude is not compared: it is recorded above the take-off
point, which on a roof, a bridge deck or a hillside is tens of metres from the ground in the photo.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from .model import LatLon, Query, Tile

log = logging.getLogger(__name__)

# The most the tilt a verified outline implies may differ from the recorded one (degrees).
TILT_TOLERANCE_DEG = 25.0
# Recorded pitches outside this range (degrees) are not a camera looking at the ground: not used.
PITCH_RANGE_DEG = (-120.0, 0.0)


def recorded_tilt_deg(query: Query) -> float | None:
    """The optical axis' tilt off nadir (degrees, 0 = straight down) that the photo's metadata
    records (recorded_pitch_deg), as |90 + pitch| in DJI's convention (-90 = nadir; a pitch past
    nadir, e.g. -95, tilts 5 degrees the other way). None when no usable pitch is recorded."""
    pitch = recorded_pitch_deg(query)
    return None if pitch is None else abs(90.0 + pitch)


def recorded_pitch_deg(query: Query) -> float | None:
    """The gimbal pitch (degrees, DJI's convention: -90 = nadir, 0 = the horizon) the video frame's
    telemetry (FrameTelemetry.gimbal_pitch_deg) or the photo's metadata (PhotoMeta.gimbal_pitch_deg)
    records. None when nothing is recorded or the value is outside PITCH_RANGE_DEG."""
    pitch = None
    telemetry = getattr(query, "telemetry", None)
    if telemetry is not None:
        pitch = getattr(telemetry, "gimbal_pitch_deg", None)
    if pitch is None:
        meta = getattr(query, "meta", None)
        pitch = getattr(meta, "gimbal_pitch_deg", None) if meta is not None else None
    try:
        pitch = float(pitch)
    except (TypeError, ValueError):
        return None
    if not PITCH_RANGE_DEG[0] <= pitch <= PITCH_RANGE_DEG[1]:
        return None  # also NaN
    return pitch


def implied_tilt_deg(query: Query, outline: Sequence[LatLon], rows: tuple[float, float] | None = None) -> float | None:
    """The tilt off nadir (degrees) of the camera that sees `outline` (the photo's corners on
    the ground, TL, TR, BR, BL, as Match.footprint; with `rows`, the corners of that band of the
    photo's rows, as camera.camera_from_footprint) through the query's lens (camera.camera_for:
    PnP, memoised); None when the focal length or image size is unknown, or no pose fits."""
    from .camera import camera_for

    camera = camera_for(query, tuple(outline), rows)
    return None if camera is None else float(camera.tilt_deg)


def contradiction(query: Query, tile: Tile, corners) -> str | None:
    """Why a verified outline cannot be this photo's (a sentence naming both tilts), or None when
    it agrees with the recorded pitch or either tilt is unknown. `corners`: the corners in `tile`
    of the image the verifier matched, as fractions (x right, y down; rerank.Verification.corners):
    the photo's, or its ground band's when it was read as one (ground_band.query_rows: the same
    band media.query_image cut it to, so the camera is solved for those rows, not the whole photo)."""
    recorded = recorded_tilt_deg(query)
    if recorded is None or not corners or len(corners) != 4:
        return None
    from .ground_band import query_rows

    implied = implied_tilt_deg(query, [tile.point_at(x, y) for x, y in corners], query_rows(query))
    if implied is None or abs(implied - recorded) <= TILT_TOLERANCE_DEG:
        return None
    return (f"the match on {tile.id} implies a camera {implied:.0f}° off nadir, but the photo records "
            f"{recorded:.0f}° (gimbal pitch {recorded_pitch_deg(query):.0f}°): that candidate is not taken as verified "
            "(the photo's other candidates still count)")


def drop_contradicted(queries: Sequence[Query], tiles: Sequence[Tile], candidates, checks) -> list[list]:
    """`checks` (rows of rerank.Verification, one row per query, aligned with `candidates`' tile
    indices) with every match that contradicts its photo's recorded gimbal pitch (contradiction)
    set to 0 inliers, so it verifies nothing; each such match is logged (INFO) with its reason.
    Rows of photos without a recorded pitch are returned as they are."""
    out = []
    for qi, row in enumerate(checks):
        query = queries[qi]
        if recorded_tilt_deg(query) is None:
            out.append(row)
            continue
        new_row = []
        for ci, check in enumerate(row):
            why = None
            if check.inliers and check.corners is not None:
                why = contradiction(query, tiles[int(candidates[qi][ci])], check.corners)
            if why is not None:
                log.info("%s: %s", query.id, why)
                check = replace(check, inliers=0)
            new_row.append(check)
        out.append(new_row)
    return out
