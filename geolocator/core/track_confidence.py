"""How far to trust a flight frame the track placed (sequence.py: `interpolated`, `extrapolated`):
P(right | metres from the nearest anchor of the track), measured.

Right, as for every confidence here (training/calibration.py): the exported Point within the top
tile's half-diagonal of the truth. Such a frame has no verified answer of its own; its Point is
the track's (a spline between verified frames, or a held velocity just past them), so what tells
how far to trust it is how far it stands from the verified frames around it: the track bends
between them and nothing measured it there.

Fitted by training/fit_track_confidence.py (truth only scores; figures in
training/results/track_confidence.md) on the synthetic flights training/compare_sequence.py renders
(their own fogged stretches, and stretches of their frames left out to make longer gaps and ends),
in buckets of distance, each bucket's share right smoothed by Laplace's rule of succession and made
non-increasing with distance; checked on the held-out flights (compare_sequence.py --heldout).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .confidence_tables import VERIFIED_TABLES

# (mean metres from the nearest anchor of each bucket, share right) per status, fitted on all eight
# flights (compare_sequence.py and --heldout), 2026-12-02: 4,149 interpolated records (4,035 right;
# 61 of them the flights' own fogged frames, all right) and 184 extrapolated ones (171 right), in
# buckets 0-5-10-20-30-45-60-80-110-inf m (0-5 m: no record; flat before the first). Fitted on the
# first four flights alone and read on the four held-out ones: shown >= 0.9, right 99.3 % of 1,984;
# ECE 0.034 (training/results/track_confidence.md). Beyond the last bucket measured the
# share falls linearly to 0 at PAST_MEASURED x its distance (set, not measured): past what was
# measured no figure is claimed as it was.
PLACED_TABLES: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
    "interpolated": ((7.9, 14.8, 24.5, 35.9, 51.8, 68.7, 91.2, 117.7),
                     (0.998, 0.996, 0.993, 0.953, 0.872, 0.854, 0.826, 0.826)),
    "extrapolated": ((8.7, 16.0, 24.7, 37.2, 50.9, 61.9),
                     (0.971, 0.971, 0.96, 0.757, 0.7, 0.25)),
}
PAST_MEASURED = 2.0

# A frame the track moved onto another of its candidates (sequence.moved_confidence) where no track
# through the other verified frames places it: two places claimed for one frame (its top and the
# candidate the track took), at most one right. What every verified-confidence table starts at for
# two places verified equally strongly (margin 0; the lowest of them): set, not measured.
TWO_PLACES = min(right[0] for _, right in VERIFIED_TABLES.values())


def placed_confidence(status: str, distance_m: float | None, anchor_confidences: Sequence[float] | None = None) -> float:
    """In [0, 1]: how often a frame the track placed (`status` "interpolated" or "extrapolated") at
    `distance_m` metres from the nearest anchor of its track (sequence._nearest_anchors) was right,
    by PLACED_TABLES (linear between buckets, flat before the first).

    `anchor_confidences`: the confidences shown for the anchor frames around it (two between them,
    one past the track's ends; sequence.smooth_flight passes them always): the frame is trusted no
    more than the least trusted of them (set, not measured: the track through a wrong anchor is
    wrong there too, and a frame nothing verified must not read more certain than the verified
    frames it was placed from; in a flight where nothing is verified the anchors are tiles on the
    track that appearance alone chose), nor more than the table gives at its distance. None: the
    table alone. 0 for a status with no table, or no distance."""
    table = PLACED_TABLES.get(status)
    if table is None or distance_m is None:
        return 0.0
    distances, right = table
    end = distances[-1] * PAST_MEASURED
    placed = float(np.interp(distance_m, np.r_[distances, end], np.r_[right, 0.0]))
    if anchor_confidences is not None:  # the distance's figure, and no more than the anchors'
        return min(placed, float(min(anchor_confidences, default=0.0)))
    return placed
