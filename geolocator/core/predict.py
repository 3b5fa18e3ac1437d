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


def _weighted_location(matches: Sequence[Match]) -> LatLon:
    top = matches[0]
    group = [m for m in matches if m is top or _agrees(top.tile, m.tile)]
    weights = np.array([math.exp((m.score - top.score) / WEIGHT_TEMPERATURE) for m in group])
    weights /= weights.sum()
    lat = float(sum(w * m.tile.center.lat for w, m in zip(weights, group)))
    lon = float(sum(w * m.tile.center.lon for w, m in zip(weights, group)))
    return LatLon(lat, lon)


def _confidence(matches: Sequence[Match]) -> float:
    """Margin of the top tile over the best tile elsewhere: neighbours overlap the same ground, so
    a close second among them is agreement, not doubt."""
    if len(matches) < 2:
        return 1.0
    top = matches[0]
    rivals = [m.score for m in matches[1:] if not _agrees(top.tile, m.tile)]
    rival = rivals[0] if rivals else matches[-1].score
    return float(min(max((top.score - rival) / FULL_CONFIDENCE_MARGIN, 0.0), 1.0))


def predict(queries: Sequence[Query], tiles: Sequence[Tile], scores: np.ndarray, ids: np.ndarray) -> list[Prediction]:
    """One Prediction per query from its top-k (scores, tile indices), best first."""
    predictions = []
    for query, row_scores, row_ids in zip(queries, scores, ids):
        matches = tuple(Match(tiles[int(i)], float(s), rank) for rank, (s, i) in enumerate(zip(row_scores, row_ids), 1))
        location = matches[0].tile.center
        weighted = _weighted_location(matches)
        error = weighted_error = None
        if query.truth is not None:
            error = haversine_m(location, query.truth)
            weighted_error = haversine_m(weighted, query.truth)
        predictions.append(
            Prediction(query, matches, location, weighted, _confidence(matches), error, weighted_error)
        )
    return predictions
