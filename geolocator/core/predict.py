"""From retrieved tiles to a located prediction: a point, a refined point and a confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .geo import haversine_m
from .model import LatLon, Match, Prediction, Query, Tile

# Scores within this cosine of the best one still pull the refined estimate noticeably.
WEIGHT_TEMPERATURE = 0.02
# A confidence of 1 means the top tile beats every unrelated tile by at least this cosine margin.
FULL_CONFIDENCE_MARGIN = 0.10


def _tile_radius_m(tile: Tile) -> float:
    return haversine_m(LatLon(tile.bounds.south, tile.bounds.west), LatLon(tile.bounds.north, tile.bounds.east)) / 2


def _agrees(top: Tile, other: Tile) -> bool:
    """Two tiles agree spatially when their centres lie within about one tile of each other."""
    return haversine_m(top.center, other.center) <= 1.5 * (_tile_radius_m(top) + _tile_radius_m(other))


def _refined_location(matches: Sequence[Match], min_inliers: int) -> LatLon:
    top = matches[0]
    if top.ground is not None and (top.inliers or 0) >= min_inliers:
        return top.ground
    group = [m for m in matches if m is top or _agrees(top.tile, m.tile)]
    weights = np.array([math.exp((m.score - top.score) / WEIGHT_TEMPERATURE) for m in group])
    weights /= weights.sum()
    lat = float(sum(w * m.tile.center.lat for w, m in zip(weights, group)))
    # Longitudes averaged as offsets from the top tile's, the short way round: tiles either side
    # of ±180° (179.99 and -179.99) must not average to 0.
    ref = top.tile.center.lon
    lon = ref + float(sum(w * ((m.tile.center.lon - ref + 180.0) % 360.0 - 180.0) for w, m in zip(weights, group)))
    lon = (lon + 180.0) % 360.0 - 180.0 if not -180.0 <= lon <= 180.0 else lon
    return LatLon(lat, lon)


def _cosine_confidence(matches: Sequence[Match]) -> float:
    """Margin of the top tile over the best tile elsewhere: neighbours overlap the same ground, so
    a close second among them is agreement, not doubt."""
    if len(matches) < 2:
        return 1.0
    top = matches[0]
    rivals = [m.score for m in matches[1:] if not _agrees(top.tile, m.tile)]
    rival = rivals[0] if rivals else matches[-1].score
    return float(min(max((top.score - rival) / FULL_CONFIDENCE_MARGIN, 0.0), 1.0))


def _confidence(matches: Sequence[Match], min_inliers: int) -> float:
    """In [0, 1]. A geometrically verified top tile scores 0.5-1 by its inlier margin over the best
    verified tile elsewhere; an unverified one 0-0.5 by its cosine margin (less evidence)."""
    top = matches[0]
    if top.inliers is None or top.inliers < min_inliers:
        scale = 1.0 if top.inliers is None else 0.5
        return scale * _cosine_confidence(matches)
    rivals = [m.inliers or 0 for m in matches[1:] if not _agrees(top.tile, m.tile)]
    rival = max(rivals, default=0)
    return float(0.5 + 0.5 * max(top.inliers - rival, 0) / top.inliers)


def predict(
    queries: Sequence[Query],
    tiles: Sequence[Tile],
    scores: np.ndarray,
    ids: np.ndarray,
    inliers: np.ndarray | None = None,
    grounds: Sequence[Sequence[LatLon | None]] | None = None,
    min_inliers: int | Sequence[int] = 8,
) -> list[Prediction]:
    """One Prediction per query from its top-k (cosine scores, tile indices; with geometric
    verification also inlier counts and the photo centre's ground point per match), best first."""
    predictions = []
    thresholds = np.broadcast_to(np.asarray(min_inliers), (len(queries),))
    for qi, (query, row_scores, row_ids) in enumerate(zip(queries, scores, ids)):
        row_min = int(thresholds[qi])
        row_inliers = [None] * len(row_ids) if inliers is None else [int(n) for n in inliers[qi]]
        row_grounds = [None] * len(row_ids) if grounds is None else list(grounds[qi])
        matches = tuple(
            Match(tiles[int(i)], float(s), rank, n, g)
            for rank, (s, i, n, g) in enumerate(zip(row_scores, row_ids, row_inliers, row_grounds), 1)
        )
        location = matches[0].tile.center
        weighted = _refined_location(matches, row_min)
        error = weighted_error = None
        if query.truth is not None:
            error = haversine_m(location, query.truth)
            weighted_error = haversine_m(weighted, query.truth)
        predictions.append(
            Prediction(query, matches, location, weighted, _confidence(matches, row_min), error, weighted_error)
        )
    return predictions
