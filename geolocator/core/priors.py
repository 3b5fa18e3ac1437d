"""Priors from a drone's own records, each off by default and used only when the user asks.

Recorded positions (EXIF GPS, video telemetry) are truth for scoring; the GNSS prior is the one
place they become an input: "trust the recorded position within R metres" keeps only the tiles
within that circle as candidates. A query with no recorded position is searched everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .geo import haversine_m
from .model import LatLon, Query, Tile

# Scores of excluded tiles: below any cosine (-1) and any verified lift (which starts at +2 on a
# cosine), so they can never be ranked or verified ahead of an allowed tile.
EXCLUDED = -1e6


def recorded_position(query: Query) -> LatLon | None:
    """Where the drone said it was: the frame's telemetry, or the photo's EXIF GPS (not a truth file)."""
    telemetry = getattr(query, "telemetry", None)
    if telemetry is not None and getattr(telemetry, "position", None) is not None:
        return telemetry.position
    if query.truth_source == "exif":
        return query.truth
    return None


def _distance_to_tile_m(point: LatLon, tile: Tile) -> float:
    """Metres from a point to the nearest point of a tile's bounds (0 inside)."""
    b = tile.bounds
    nearest = LatLon(min(max(point.lat, b.south), b.north), min(max(point.lon, b.west), b.east))
    return haversine_m(point, nearest)


def gnss_allowed(queries: Sequence[Query], tiles: Sequence[Tile], radius_m: float) -> np.ndarray:
    """(Q, N) bool: tile n may hold query q's image centre — its bounds come within `radius_m`
    metres of q's recorded position. Rows of queries with no recorded position are all True.
    Raises ValueError for a radius that is not a positive number of metres."""
    if not (radius_m > 0 and math.isfinite(radius_m)):
        raise ValueError(f"the GNSS prior radius must be a positive number of metres, not {radius_m}")
    allowed = np.ones((len(queries), len(tiles)), dtype=bool)
    for qi, q in enumerate(queries):
        where = recorded_position(q)
        if where is not None:
            allowed[qi] = [_distance_to_tile_m(where, t) <= radius_m for t in tiles]
    return allowed


def apply_allowed(scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Scores with excluded tiles pushed to EXCLUDED (a copy; `allowed` None: unchanged)."""
    if allowed is None:
        return scores
    return np.where(allowed, scores, EXCLUDED)
