"""A second matcher for the photos the first one verified nothing for (issue 13, session 19).

SIFT is the route for sharp imagery (core/route.py): it is fast and its matches are well
calibrated there. But strongly oblique photos of low-texture ground give SIFT a handful of
keypoints, and it verifies nothing even with its fine and blind-tilt passes. A learned matcher
(XFeat + LighterGlue, core/matchers) still matches several of them clearly: on rotterdam-lowtex the
five textured photos that mode best left wrong had 64-147 XFeat inliers on their true tile and 0-27
with SIFT (training/results/second_look.md). So a photo whose candidates verified nothing is
verified again by the learned matcher on its global top `upto` tiles, most-alike first with that
matcher's early stop; its row is replaced only when a tile matches clearly (the matcher's
`confident_at`: session 11 measured that weaker learned matches are often chance). Label-free.

The replaced row holds the learned matcher's counts only, so the photo's verified threshold
becomes that matcher's clear count and its confidence is read from that matcher's table
(confidence_tables.table_key); `Looked` carries both, per photo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .model import Query, Tile
from .progress import CancelToken, EtaClock, ProgressCallback, ProgressEvent, emit

# The learned matcher that looks a second time. XFeat: its table is measured
# (confidence_tables.XFEAT_*) and a pair costs ~0.3-0.5 CPU s on 2 cores, the cheapest learned one.
SECOND_MATCHER = "xfeat"


@dataclass(frozen=True)
class Looked:
    """Which photos the second look settled: `rows` (Q,) bool; `min_inliers` (Q,) the verified
    threshold per photo (the second matcher's clear count on those rows, the first's elsewhere);
    `tables` (Q,) the confidence table key per photo."""

    rows: np.ndarray
    min_inliers: np.ndarray
    tables: tuple[str, ...]


def second_look(verifier, queries: Sequence[Query], tiles: Sequence[Tile], order: np.ndarray,
                candidates: np.ndarray, checks: list[list], min_inliers, first_table: str, upto: int, *,
                footprints: Sequence | None = None, skip: Sequence[bool] | None = None,
                progress: ProgressCallback | None = None,
                cancel: CancelToken | None = None, workers: int = 1) -> tuple[np.ndarray, list[list], Looked]:
    """Verify again, with `verifier` (a learned backend's rerank.Verifier), each photo none of
    whose `checks` reached its `min_inliers` (one number or (Q,)), on the first `upto` tiles of its
    row of `order` ((Q, W) tile ids best first; the global ranking). A photo whose best tile then
    has at least verifier.settings.confident_at() inliers gets a new row: its C (=
    candidates.shape[1]) tiles with the most inliers of this look (ties: global order), with this
    look's verifications. Other rows, and those `skip` (Q,) marks, are returned as they were.

    Returns (candidates (Q, C), checks, Looked). Cancel is checked per photo and inside the
    verifier (between pairs); events "verify" per photo looked at. Raises what the verifier's
    backend raises when it cannot be built (the caller decides whether that is an error).
    `workers`: photos looked at at once (core/photo_pool.py; the same answers)."""
    from .photo_pool import map_photos

    n_q, c = candidates.shape
    floor = np.broadcast_to(np.reshape(np.asarray(min_inliers), (-1,)), (n_q,)).astype(np.int64)
    clear = int(verifier.settings.confident_at())
    second_table = table_key_of(verifier)
    todo = [qi for qi in range(n_q) if not any(v.inliers >= floor[qi] for v in checks[qi])
            and not (skip is not None and skip[qi])]
    rows = np.zeros(n_q, bool)
    candidates = candidates.copy()
    checks = list(checks)
    clock = EtaClock(len(todo))

    def tried_by(qi: int) -> np.ndarray:
        return np.asarray(order[qi][: max(int(upto), c)])

    def one(qi: int, token: CancelToken | None) -> list:
        footprint = None if footprints is None else footprints[qi]
        return list(verifier.verify_photo(queries[qi], tiles, tried_by(qi), footprint, cancel=token))

    def done(k: int, qi: int) -> None:
        emit(progress, ProgressEvent("verify", k, len(todo),
                                     f"second look ({verifier.settings.matcher}) at photos nothing verified",
                                     clock.eta(k)))

    for qi, found in zip(todo, map_photos(one, todo, workers=workers, cancel=cancel, done=done)):
        inliers = np.array([v.inliers for v in found], np.int64)
        if len(inliers) and inliers.max() >= clear:
            keep = np.argsort(-inliers, kind="stable")[:c]
            if len(keep) == c:  # a tile set smaller than C: keep the first look's row
                candidates[qi] = tried_by(qi)[keep]
                checks[qi] = [found[j] for j in keep]
                rows[qi] = True
    thresholds = np.where(rows, clear, floor)
    tables = tuple(second_table if r else first_table for r in rows)
    return candidates, checks, Looked(rows, thresholds, tables)


def table_key_of(verifier) -> str:
    """The confidence table key of `verifier`'s counts (confidence_tables.table_key)."""
    from .confidence_tables import table_key

    return table_key(verifier.settings.matcher, verifier.settings.mosaic)
