"""Priors from a drone's own records, each off by default and used only when the user asks.

Recorded positions (EXIF GPS, video telemetry) are truth for scoring; the GNSS prior is the one
place they become an input: "trust the recorded position within R metres" keeps only the tiles
within that circle as candidates. A query with no recorded position is searched everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from .geo import haversine_m
from .model import LatLon, Query, Tile

# Scores of excluded tiles: below any cosine (-1) and any verified lift (which starts at +2 on a
# cosine), so they can never be ranked or verified ahead of an allowed tile.
EXCLUDED = -1e6


def recorded_position(query: Query) -> LatLon | None:
    """Where the drone said it was: the frame's telemetry, or the photo's own GPS (EXIF, or XMP:
    truth_source "xmp:<prefix>", e.g. a DJI photo whose EXIF GPS block is empty), never a truth file."""
    telemetry = getattr(query, "telemetry", None)
    if telemetry is not None and getattr(telemetry, "position", None) is not None:
        return telemetry.position
    if query.truth_source == "exif" or (query.truth_source or "").startswith("xmp:"):
        return query.truth
    return None


def written_answer(query: Query) -> LatLon | None:
    """The position (degrees WGS84) geolocator wrote into this photo when it is a geotagged copy
    (PhotoMeta.written_answer, `--geotag-copies` / Export Geotagged Copies), else None."""
    return getattr(query.meta, "written_answer", None)


def recorded_positions(queries: Iterable[Query]) -> list[LatLon]:
    """The recorded positions (recorded_position) of those queries that have one, in order: the
    area to fetch imagery for, or to show on the map before any tile set is open. A photo whose fix
    froze (core.frozen_fix: not truth, no prior) gives that fix here: the last place the receiver
    knew is still the best guess of the area (fetch-tiles --around said "none of the photos has a
    GPS position" for a flight whose 12 photos all recorded one). So does a geotagged copy geolocator
    wrote (written_answer): an earlier answer, never truth or a prior, but where that photo is best known
    to be (ownout37: fetch-tiles --around its copies said none of them records a GPS position)."""
    from .frozen_fix import frozen_position

    found = (recorded_position(q) or frozen_position(q) or written_answer(q) for q in queries)
    return [where for where in found if where is not None]


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


def gnss_allowed_ids(query: Query, tiles: Sequence[Tile], radius_m: float,
                     boxes: np.ndarray | None = None) -> np.ndarray | None:
    """The ids of the tiles gnss_allowed keeps for one query, None when it has no recorded
    position (every tile allowed), without a Python pass over every tile (large tile sets): a
    degree box that holds the circle preselects with numpy, gnss_allowed's rule decides. The box
    follows from haversine_m's own formula: a point within R metres lies within R / (Earth radius)
    radians of latitude and R / (Earth radius x cos(the polemost latitude)) of longitude (1 %
    margin for the arcsine; no longitude bound near the poles or for huge radii).
    `boxes`: (N, 4) west, south, east, north of `tiles`, when the caller has it.
    Raises ValueError as gnss_allowed."""
    from .geo import EARTH_RADIUS_M

    where = recorded_position(query)
    if where is None:
        gnss_allowed([query], [], radius_m)  # the radius is checked either way
        return None
    if boxes is None:
        boxes = np.array([[t.bounds.west, t.bounds.south, t.bounds.east, t.bounds.north] for t in tiles],
                         np.float64).reshape(-1, 4)
    deg = 1.01 * radius_m / (EARTH_RADIUS_M * math.pi / 180.0) if math.isfinite(radius_m) else math.inf
    near = np.ones(len(boxes), bool)
    if deg < 10.0:
        near = (boxes[:, 1] - deg <= where.lat) & (where.lat <= boxes[:, 3] + deg)
        polemost = abs(where.lat) + deg
        if polemost < 80.0:
            dlon = deg / math.cos(math.radians(polemost))
            west, east = boxes[:, 0], boxes[:, 2]
            width = np.where(east >= west, east - west, east - west + 360.0)  # across +-180 too
            offset = (where.lon - west) % 360.0
            gap = np.where(offset <= width, 0.0, np.minimum(offset - width, 360.0 - offset))
            near &= gap <= dlon
    ids = np.flatnonzero(near)
    return ids[gnss_allowed([query], [tiles[int(i)] for i in ids], radius_m)[0]]


def apply_allowed(scores: np.ndarray, allowed: np.ndarray | None) -> np.ndarray:
    """Scores with excluded tiles pushed to EXCLUDED (a copy; `allowed` None: unchanged)."""
    if allowed is None:
        return scores
    return np.where(allowed, scores, EXCLUDED)


# -- heading prior ----------------------------------------------------------------------------------
HEADING_TOLERANCE_DEG = 67.5  # keeps the 2-3 indexed views nearest the recorded yaw (45 deg apart)


def recorded_yaw(query: Query) -> float | None:
    """Compass direction (degrees clockwise from north) the recorded gimbal yaw gives for the
    image's top edge: video telemetry, else the photo's XMP (core/media/metadata.py). A prior, never a fact: real DJI
    files carry yaws 180 deg off (shared/real-dji)."""
    telemetry = getattr(query, "telemetry", None)
    if telemetry is not None:
        return getattr(telemetry, "gimbal_yaw_deg", None)
    if query.time_s is None:
        meta = getattr(query, "meta", None)
        if meta is None:  # a Query made without reading its file (tests, scripts)
            from .media.metadata import read_photo_meta

            meta = read_photo_meta(query.path)
        return meta.gimbal_yaw_deg
    return None


def _views_near(queries: Sequence[Query], views: Sequence[str], sign: float, tolerance_deg: float) -> np.ndarray:
    """(Q, V) bool: views rotK whose sign * K lies within `tolerance_deg` of each query's recorded
    yaw (all True without a yaw, or when no view is that near: no narrowing rather than no search)."""
    from .extract import view_angle

    angles = sign * np.array([view_angle(v) for v in views], np.float64)
    allowed = np.ones((len(queries), len(views)), dtype=bool)
    for qi, q in enumerate(queries):
        yaw = recorded_yaw(q)
        if yaw is not None:
            diff = np.abs((angles - yaw + 180.0) % 360.0 - 180.0)
            if (diff <= tolerance_deg).any():
                allowed[qi] = diff <= tolerance_deg
    return allowed


def heading_views(queries: Sequence[Query], views: Sequence[str], tolerance_deg: float = HEADING_TOLERANCE_DEG) -> np.ndarray:
    """(Q, V) bool: the tile views (rotK: the tile turned K deg counter-clockwise, i.e. its top
    pointing at compass K, as extract.rotate_view makes them) within `tolerance_deg` of each query's
    recorded yaw. Rows of queries with no recorded yaw are all True."""
    return _views_near(queries, views, 1.0, tolerance_deg)


def heading_photo_views(queries: Sequence[Query], views: Sequence[str],
                        tolerance_deg: float = HEADING_TOLERANCE_DEG) -> np.ndarray:
    """(Q, V) bool: the photo views (rotK: the photo turned K deg counter-clockwise, as
    extract.rotate_view makes them) that bring a photo whose top points at compass `yaw` within
    `tolerance_deg` of north-up, i.e. K near -yaw (its top then points at compass yaw + K), for
    matching north-up tiles. Rows of queries with no recorded yaw are all True."""
    return _views_near(queries, views, -1.0, tolerance_deg)


def keep_photo_views(query_features: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    """(Q, Vq, D) features where each photo's disallowed views are replaced by its first allowed
    one: a max over views then only sees the allowed headings (a copy; rows all True unchanged)."""
    out = np.array(query_features, copy=True)
    for qi in np.flatnonzero(~allowed.all(axis=1)):
        keep = np.flatnonzero(allowed[qi])
        out[qi, ~allowed[qi]] = out[qi, keep[0]]
    return out


def similarity_in_views(query_features: np.ndarray, tile_features: np.ndarray, allowed_views: np.ndarray) -> np.ndarray:
    """(Q, N) cosine, max over each tile's views that `allowed_views` (Q, V) keeps for the query.
    Features L2-normalised: queries (Q, D), tiles (N, V, D)."""
    g = tile_features[:, None, :] if tile_features.ndim == 2 else tile_features
    sims = np.einsum("qd,nvd->qnv", np.asarray(query_features, np.float32), np.asarray(g, np.float32), optimize=True)
    sims = np.where(allowed_views[:, None, :], sims, -np.inf)
    return sims.max(axis=2)
