"""A job whose photos hardly verify: its unverified answers may be of a place outside the tiles.

The unverified confidence (predict.unverified_confidence, confidence_tables.UNVERIFIED_RIGHT) was
measured on photos whose place IS in the tiles, most of them in jobs where nearly every other photo
verified: there a clear cosine win was right about 2 times in 3. A photo taken elsewhere (another
area, a transit leg, another day's flight) has no right answer in the tiles, yet its cosine margin
can still be a clear win: the real DJI_0024, 2,259 km from a Las Vegas orthophoto, read "0.600 that
it is within 72 m" (training/results/newuser31_session31.md). Label-free, the one signal that told
the two apart in training/results/outregion33_session33.md is the share of the job's photos that
verified: photos of one region against another region's tiles verified 0-3 % of a job (one false
verification of 40 Las Vegas photos in Rotterdam's tiles), while each in-region job of the benchmark
verified at least 14 % (vegas-low, the lowest), and in-region jobs that verified under
OUTSIDE_SHARE_BAR were themselves rarely right where unverified. The photo's own top cosine and cosine
margin did not separate (their ranges overlap: same record). A false verification in a job from
elsewhere keeps its verified confidence: this rule never lowers a verified answer.

So, after a locate that verified (verification on), where fewer than OUTSIDE_SHARE_BAR of the located
photos show as verified (model.Prediction.shown_status, as wording.nothing_verified_note counts them),
each unverified answer claims at most OUTSIDE_CEILING and says why (OUTSIDE_CAUTION). Verified
answers are never changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .model import STATUS_NOT_LOCATED, STATUS_RETRIEVED, STATUS_VERIFIED, Prediction

# Below this share of a job's located photos verified, its unverified answers fall under
# OUTSIDE_CEILING. Measured (training/results/outregion33_session33.md): each benchmark region's own
# photos verified 14-100 % per job (vegas-low 6 of 42, rotterdam-coarse through SIFT mosaics 16 of 98,
# the rest 75 % or more); photos of one region against another region's tiles 0-3 %.
OUTSIDE_SHARE_BAR = 0.25
# The most an unverified answer of such a job claims: Laplace's (right + 1) / (n + 2) over the
# unverified answers with a cosine margin >= 0.5 (the upper half, where the unverified table claims
# most) of the in-region jobs below OUTSIDE_SHARE_BAR in training/results/calibration_records.csv
# (2 right of 21: (2 + 1) / (21 + 2) = 0.13), at a stated prior of 0 for out-of-region jobs (every
# photo of one is wrong, so any such prior only lowers the share right): below 0.3, never read as a claim.
OUTSIDE_CEILING = 0.13
OUTSIDE_CAUTION = ("may not be in these tiles: few or none of the photos located with it were verified against "
                   "them, so its tile-level answer is a guess (are these the tiles of the place it was taken?)")


def verified_share(predictions: Sequence[Prediction]) -> float | None:
    """In [0, 1]: the share of `predictions` (one job's photos) not "not located" whose shown status
    is verified (model.Prediction.shown_status: verified at confidence >= model.WEAK_BELOW); None when
    every photo is not located (or there are none)."""
    located = [p for p in predictions if p.status != STATUS_NOT_LOCATED]
    if not located:
        return None
    return sum(p.shown_status == STATUS_VERIFIED for p in located) / len(located)


def with_job_evidence(predictions: Sequence[Prediction], bar: float = OUTSIDE_SHARE_BAR,
                      ceiling: float = OUTSIDE_CEILING) -> list[Prediction]:
    """`predictions` (one job, located with verification on) with each unverified answer (status
    retrieved) capped at `ceiling` and given OUTSIDE_CAUTION (where it had no caution of its own) when
    verified_share(predictions) is below `bar`; unchanged otherwise. Verified and not-located answers
    are never changed. Call it only when verification ran: with it off no photo can verify."""
    share = verified_share(predictions)
    if share is None or share >= bar:
        return list(predictions)
    out = []
    for p in predictions:
        if p.status == STATUS_RETRIEVED:
            p = replace(p, confidence=min(p.confidence, ceiling), caution=p.caution or OUTSIDE_CAUTION)
        out.append(p)
    return out
