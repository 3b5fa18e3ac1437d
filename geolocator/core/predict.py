"""From retrieved tiles to a located prediction: the best estimate of where the photo was taken,
how it was found (status, location_source) and a calibrated confidence."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from .confidence_tables import (  # noqa: F401
    VERIFIED_MARGINS,
    VERIFIED_RIGHT,
    table_key,
    unverified_share,
    verified_confidence,
)
from .content import BLURRED
from .geo import haversine_m
from .model import (
    SOURCE_HOMOGRAPHY,
    SOURCE_TILE_CENTRE,
    SOURCE_WEIGHTED,
    STATUS_NOT_LOCATED,
    STATUS_RETRIEVED,
    STATUS_VERIFIED,
    LatLon,
    Match,
    Prediction,
    Query,
    Tile,
)

# Scores within this cosine of the best one still pull the weighted estimate noticeably.
WEIGHT_TEMPERATURE = 0.02
# The cosine margin of the top tile over every unrelated tile that counts as a clear win.
FULL_COSINE_MARGIN = 0.10
# Where an unverified photo is put: the weighted estimate or the top tile's centre. Measured on
# the demo and the public regions (training/calibration.py): see UNVERIFIED_SOURCE's note there.
UNVERIFIED_SOURCE = SOURCE_WEIGHTED

# Confidence calibration (training/calibration.py --fit derives these; figures in
# training/results/calibration.md). A verified photo: the table of the matcher that verified it
# (core/confidence_tables.py: SIFT's is VERIFIED_MARGINS -> VERIFIED_RIGHT), at its inlier margin.
# An unverified photo: the measured share right at its cosine margin (confidence_tables
# UNVERIFIED_MARGINS -> UNVERIFIED_RIGHT), never above RETRIEVED_CEILING, scaled down for a small
# or low-texture photo (unverified_confidence).
RETRIEVED_CEILING = 0.6  # an unverified answer never claims more than this
# (and at most core/outside_tiles.OUTSIDE_CEILING, 0.13, in a job where under a quarter of the photos
# verified: they may not be in these tiles; Workspace.locate applies it after predict)
# A photo whose metadata footprint (altitude x sensor width / focal length) spans at most this
# share of the top tile's width (a quarter of its area) and that nothing verified: its global
# feature sees a small part of what a tile's does, so a clear cosine win says little. Its ceiling
# is the measured share right (Laplace) of such photos with a cosine margin >= 0.5, on the
# quarter-tile regions with their footprint as the metadata would give it (training/calibration.py
# --fit, training/results/calibration.md): a photo that cannot be placed says so below 0.3.
SMALL_FOOTPRINT_RATIO = 0.5
SMALL_FOOTPRINT_CEILING = 0.29
# A low-texture photo (content.is_low_texture: open water, fog, bare flat ground) that nothing
# verified: its global feature matches every flat tile about alike, so its answer is luck among
# neighbouring flat tiles. Measured (training/results/lowtex.md; right as calibration.py counts it,
# the Point within the top tile's half-diagonal): such photos of rotterdam-lowtex and Rotterdam,
# 13 a mode, were right 6 times frozen and 4 adapted (mode best, where 4 water photos claimed
# 0.50-0.60 and were shown confident); the ceiling is Laplace's (right + 1) / (n + 2) over both
# modes, (10 + 1) / (26 + 2) = 0.39: below 0.5, shown as unsure. (With a cosine margin >= 0.5:
# 5 of 9 right, too few to fit a ceiling of their own.)
LOW_TEXTURE_CEILING = 0.39
# ... and says why in words (Prediction.caution: the Results pane, GeoJSON): on rotterdam-lowtex every
# wrong answer of mode best is such a photo of open water alone (training/results/lowtex31_session31.md)
LOW_TEXTURE_CAUTION = ("low texture (open water, fog or featureless ground): nothing in it to match "
                       "against the imagery, so this position is a guess")
# A photo of almost no texture once its lighting is removed (content.texture_spread: a blank wall
# under a lighting gradient, newuser session 16, claimed RETRIEVED_CEILING 0.60) falls here too:
# label-free it cannot be told from calm water, and no more than water's share was ever measured.
# The same table and ceiling serve adapted features (mode best), measured on the same regions
# (training/results/calibration.md): 0 of 474 verified photos wrong, and 22 of 32 unverified ones
# with a clear cosine win (margin >= 0.9) right (frozen: 6 of 8), both at or above what these
# values claim.


def _tile_radius_m(tile: Tile) -> float:
    return haversine_m(LatLon(tile.bounds.south, tile.bounds.west), LatLon(tile.bounds.north, tile.bounds.east)) / 2


def confidence_radius_m(tile: Tile) -> float:
    """The radius, in metres, that a confidence speaks of: half the diagonal of `tile` (haversine
    between its south-west and north-east corners, / 2), the tile the answer is about (a photo's top
    tile; a flight's frame: the candidate tile the track chose, else its top). "Right", for every
    confidence table (training/calibration.py, core/confidence_tables.py, core/track_confidence.py),
    is the exported Point within this distance of the truth; so confidence 0.93 reads "0.93 that the
    Point is within radius_m of where the photo was taken" (35 m for 50 m tiles). Measured on the
    committed records by training/confidence_radius.py: of 1,679 answers shown >= 0.9, 100 % within
    it (training/results/mend_session19.md)."""
    return _tile_radius_m(tile)


def answer_radius_m(pred: Prediction) -> float | None:
    """confidence_radius_m of `pred`'s top tile (metres); None for a prediction without matches."""
    return confidence_radius_m(pred.top.tile) if pred.matches else None


def _agrees(top: Tile, other: Tile) -> bool:
    """Two tiles agree spatially when their centres lie within about one tile of each other."""
    return haversine_m(top.center, other.center) <= 1.5 * (_tile_radius_m(top) + _tile_radius_m(other))


def weighted_location(matches: Sequence[Match]) -> LatLon:
    """Similarity-weighted mean of the centres of the top tile and the tiles that agree with it
    (softmax of cosine scores, temperature WEIGHT_TEMPERATURE)."""
    top = matches[0]
    group = [m for m in matches if m is top or _agrees(top.tile, m.tile)]
    weights = np.array([math.exp(min(0.0, m.score - top.score) / WEIGHT_TEMPERATURE) for m in group])
    weights /= weights.sum()
    lat = float(sum(w * m.tile.center.lat for w, m in zip(weights, group)))
    # Longitudes averaged as offsets from the top tile's, the short way round: tiles either side
    # of ±180° (179.99 and -179.99) must not average to 0.
    ref = top.tile.center.lon
    lon = ref + float(sum(w * ((m.tile.center.lon - ref + 180.0) % 360.0 - 180.0) for w, m in zip(weights, group)))
    lon = (lon + 180.0) % 360.0 - 180.0 if not -180.0 <= lon <= 180.0 else lon
    return LatLon(lat, lon)


def cosine_margin(matches: Sequence[Match]) -> float:
    """In [0, 1]: the top tile's cosine margin over the best tile elsewhere, over
    FULL_COSINE_MARGIN. Neighbours overlap the same ground, so a close second among them is
    agreement, not doubt."""
    if len(matches) < 2:
        return 0.0  # nothing to compare with: no evidence of a clear win
    top = matches[0]
    rivals = [m.score for m in matches[1:] if not _agrees(top.tile, m.tile)]
    # the best rival, wherever it stands: answers ordered by other evidence than the cosine (the
    # dense search, core/dense.py) may put a tile of higher cosine below the top
    rival = max(rivals) if rivals else matches[-1].score
    return float(min(max((top.score - rival) / FULL_COSINE_MARGIN, 0.0), 1.0))


def inlier_margin(matches: Sequence[Match]) -> int:
    """The top tile's inliers minus the most inliers of any verified tile that does not agree
    with it spatially (two places cannot both be right)."""
    top = matches[0]
    rival = max((m.inliers or 0 for m in matches[1:] if not _agrees(top.tile, m.tile)), default=0)
    return int(top.inliers or 0) - int(rival)


def footprint_ratio(query: Query, tile: Tile) -> float | None:
    """The photo's ground footprint across (metres, from its metadata: rerank.query_footprint_m)
    over the tile's width (metres, along its middle parallel: geo.ground_size_m); None when the
    footprint is unknown."""
    from .geo import ground_size_m
    from .rerank import query_footprint_m

    footprint = query_footprint_m(query)
    if not footprint:
        return None
    width = ground_size_m(tile.bounds)[0]
    return footprint / width if width > 0 else None


def retrieved_ceiling(ratio: float | None, low_texture: bool = False) -> float:
    """The most an unverified answer may claim: SMALL_FOOTPRINT_CEILING for a photo known (from
    its metadata: footprint_ratio) to span at most SMALL_FOOTPRINT_RATIO of the tile's width,
    LOW_TEXTURE_CEILING for a low-texture photo (content.is_low_texture), the lower where both
    hold, else RETRIEVED_CEILING."""
    ceiling = SMALL_FOOTPRINT_CEILING if ratio is not None and ratio <= SMALL_FOOTPRINT_RATIO else RETRIEVED_CEILING
    return min(ceiling, LOW_TEXTURE_CEILING) if low_texture else ceiling


def unverified_confidence(margin: float, footprint_ratio: float | None = None, low_texture: bool = False) -> float:
    """In [0, RETRIEVED_CEILING]: the confidence of an answer nothing verified, whose top tile won by
    cosine margin `margin` (cosine_margin, in [0, 1]): the share of such answers measured right
    (confidence_tables.unverified_share; right: the Point within confidence_radius_m), capped at
    RETRIEVED_CEILING, times retrieved_ceiling(footprint_ratio, low_texture) / RETRIEVED_CEILING (a
    small or low-texture photo's ceiling was measured at a clear win; its shape is that of the rest)."""
    share = min(unverified_share(margin), RETRIEVED_CEILING) / RETRIEVED_CEILING
    return retrieved_ceiling(footprint_ratio, low_texture) * share


def confidence(matches: Sequence[Match], min_inliers: int, footprint_ratio: float | None = None,
               low_texture: bool = False, table: str = "sift") -> float:
    """In [0, 1], meant as the probability that the answer is right (the top tile holds the
    photo's centre): calibrated, see training/results/calibration.md. A verified top tile is
    scored by its inlier margin through the table of the matcher that verified it (`table`:
    confidence_tables.table_key; inlier_margin, verified_confidence: a matcher with no measured
    table claims less than 0.9); an unverified one by its cosine margin through
    unverified_confidence, at most retrieved_ceiling(footprint_ratio, low_texture) (global features
    alone are often wrong, and more often for a photo much smaller than a tile or of water)."""
    top = matches[0]
    if top.inliers is not None and top.inliers >= min_inliers:
        return verified_confidence(inlier_margin(matches), table)
    return unverified_confidence(cosine_margin(matches), footprint_ratio, low_texture)


def _finite(x: float, fallback: float = -1.0) -> float:
    """Scores of a featureless photo can be NaN (a zero vector normalised); they rank last."""
    x = float(x)
    return x if math.isfinite(x) else fallback


def predict(
    queries: Sequence[Query],
    tiles: Sequence[Tile],
    scores: np.ndarray,
    ids: np.ndarray,
    inliers: np.ndarray | None = None,
    grounds: Sequence[Sequence[LatLon | None]] | None = None,
    min_inliers: int | Sequence[int] = 8,
    not_located: Sequence[str | None] | None = None,
    low_texture: Sequence[bool] | None = None,
    table: str | Sequence[str] = "sift",
) -> list[Prediction]:
    """One Prediction per query from its top-k (cosine scores (Q, k), tile indices (Q, k); with
    geometric verification also inlier counts (Q, k) and the photo centre's ground point per
    match), best first. `not_located`: per query, why it has nothing to locate (content.py), or
    None; such a photo gets status "not located" and confidence 0, except a blurred one
    (content.BLURRED) whose top tile verified: it keeps its status and confidence, without the
    note. `low_texture`: per query,
    whether it is low texture (content.is_low_texture): unverified, it claims at most
    LOW_TEXTURE_CEILING and its `caution` says why (LOW_TEXTURE_CAUTION). `table`: the confidence table of the matcher that verified the inlier
    counts (confidence_tables.table_key of its name and mosaic setting), one for all or one per
    query (core/second_look.py verifies some photos with another matcher).

    The Point (`location`) is the best estimate: the photo centre through the verified homography
    when the top tile is verified and the homography puts the centre on the ground, else the
    estimate UNVERIFIED_SOURCE names."""
    predictions = []
    thresholds = np.broadcast_to(np.asarray(min_inliers), (len(queries),))
    for qi, (query, row_scores, row_ids) in enumerate(zip(queries, scores, ids)):
        row_min = int(thresholds[qi])
        row_inliers = [None] * len(row_ids) if inliers is None else [int(n) for n in inliers[qi]]
        row_grounds = [None] * len(row_ids) if grounds is None else list(grounds[qi])
        matches = tuple(
            Match(tiles[int(i)], _finite(s), rank, n, g)
            for rank, (s, i, n, g) in enumerate(zip(row_scores, row_ids, row_inliers, row_grounds), 1)
        )
        top = matches[0]
        weighted = weighted_location(matches)
        verified = top.inliers is not None and top.inliers >= row_min
        if verified and top.ground is not None:
            location, source = top.ground, SOURCE_HOMOGRAPHY
        elif UNVERIFIED_SOURCE == SOURCE_WEIGHTED:
            location, source = weighted, SOURCE_WEIGHTED
        else:
            location, source = top.tile.center, SOURCE_TILE_CENTRE
        status = STATUS_VERIFIED if verified else STATUS_RETRIEVED
        note = None if not_located is None else not_located[qi]
        flat = low_texture is not None and bool(low_texture[qi])
        row_table = table if isinstance(table, str) else table[qi]
        conf = confidence(matches, row_min, None if verified else footprint_ratio(query, top.tile), flat, row_table)
        if note == BLURRED and verified:
            # The content test guesses from gradients that a blurred frame cannot match; a verified
            # homography says it did (two fogged video frames were placed 0.16 and 0.27 m from their
            # truth, newuser_session14.md): geometry wins, as for low texture. A blank or
            # structure-free frame stays not located whatever verification claims.
            note = None
        elif note:
            status, conf = STATUS_NOT_LOCATED, 0.0
        caution = LOW_TEXTURE_CAUTION if flat and not verified and status != STATUS_NOT_LOCATED else None
        errors = [None, None, None]
        if query.truth is not None:
            errors = [haversine_m(p, query.truth) for p in (location, weighted, top.tile.center)]
        predictions.append(
            Prediction(query, matches, location, weighted, conf, errors[0], errors[1], source, status, errors[2], note,
                       caution)
        )
    return predictions
