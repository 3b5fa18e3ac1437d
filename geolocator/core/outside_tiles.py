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


def _capped(p: Prediction, ceiling: float, caution: str) -> Prediction:
    """`p` claiming at most `ceiling`, with `caution` where it has no caution of its own."""
    return replace(p, confidence=min(p.confidence, ceiling), caution=p.caution or caution)


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
            p = _capped(p, ceiling, OUTSIDE_CAUTION)
        out.append(p)
    return out


# A flight's frames (a video, or one camera's timed photos: core/sequence.py's grouping) share one
# place: a flight from another area among flights from this one keeps the run's share above
# OUTSIDE_SHARE_BAR while none of its own frames verify (outregion33's "not done" (a)). The same bar
# and ceiling, read per flight (measured per flight: training/results/outflight33_session33.md).
FLIGHT_CAUTION = ("may not be in these tiles: few or none of the frames of its flight were verified against them, "
                  "so its place (and the flight's track there) is a guess (are these the tiles of the place it was flown?)")
OUTSIDE_CAUTIONS = (OUTSIDE_CAUTION, FLIGHT_CAUTION)


def is_outside_caution(caution: str | None) -> bool:
    """Whether `caution` (model.Prediction.caution) is this module's: about the place of the run or the
    flight (OUTSIDE_CAUTION, FLIGHT_CAUTION), not about the frame's own picture (a low-texture guess)."""
    return caution in OUTSIDE_CAUTIONS


def flight_groups(queries: Sequence, flights=None) -> list[list[int]]:
    """The flights among `queries` (model.Query, one run's) as lists of their indices, as `flights`
    (core.flights.Flights: the run's grouping, made once by the caller's core.flights.FlightRule with
    the clock zones and motion model its tracks use) groups them; None: grouped here by the default
    FlightRule (default motion model, no clock zones). A video's frames are a flight (one per shot of
    an edit), timed photos as core.sequence.sequences groups them; photos without a capture time, and
    flights of one photo, are in none."""
    if flights is None:
        from .flights import FlightRule

        flights = FlightRule().group(queries)
    return flights.groups(queries)


def with_flight_evidence(predictions: Sequence[Prediction], bar: float = OUTSIDE_SHARE_BAR,
                         ceiling: float = OUTSIDE_CEILING, *, flights=None) -> list[Prediction]:
    """with_job_evidence over the whole run (`predictions`, located with verification on), then per
    flight (flight_groups(queries, `flights`): pass the run's core.flights.Flights, the grouping its
    tracks are drawn from): a flight whose verified_share is below `bar` has each unverified answer
    capped at `ceiling` and given FLIGHT_CAUTION (where it has no caution yet). A photo in no flight
    is read by the run's share only. Verified and not-located answers are never changed. Same order
    and length. Give it the answers before any flight's cap (Located.uncapped): answers capped under
    another grouping keep that grouping's caps."""
    out = with_job_evidence(predictions, bar, ceiling)
    for group in flight_groups([p.query for p in out], flights):
        share = verified_share([out[i] for i in group])
        if share is None or share >= bar:
            continue
        for i in group:
            p = out[i]
            if p.status == STATUS_RETRIEVED:
                out[i] = _capped(p, ceiling, FLIGHT_CAUTION)
    return out


def flight_caution(predictions: Sequence[Prediction]) -> str | None:
    """The caution a flight's track carries (`predictions`: its frames' own answers): the first of them
    that is this module's (is_outside_caution: the run's or the flight's share verified fell below the
    bar), else None. A frame the track placed or kept unverified then shows it, and claims at most
    OUTSIDE_CEILING (core/sequence.smooth_flight): its Point comes from the same frames that did not verify."""
    return next((p.caution for p in predictions if is_outside_caution(p.caution)), None)


# A frame the track extrapolates just past verified frames of its flight, whose own picture was
# read and matched none of its candidates (its own answer "retrieved", with no caution: neither too
# blurred nor featureless, which make a frame "not located" or give it the low-texture caution). The
# track's table (core/track_confidence.py) was measured on frames whose own pictures were blurred or
# left out, which the track places right 83-99 % of the time; a sharp frame that matched nothing is
# another case, and it is what a photo of another place taken in the flight's time looks like (a second
# drone of the same model, a wrong clock): leftovers37 put a Rotterdam photo 3 s after 30 demo photos
# and the track extrapolated it at 0.964, "confident", 8,600 km from where it was taken. Label-free, the
# two cannot be told apart from the frame alone (the one such in-region frame of compare_sequence.py's
# Las Vegas video was placed 0.1 m from its truth, none of its 10 candidates near it), so the frame
# keeps the track's place and claims no more than a guess whose place may be outside the tiles
# (OUTSIDE_CEILING; set, not measured), saying why. A frame interpolated between verified frames is left
# as the table reads it (core/sequence.smooth_flight applies this to extrapolated frames only).
UNMATCHED_CAUTION = ("its own picture matched none of the tiles while the frames around it did: it may be of "
                     "another place (another camera, a wrong clock), so its place on the track is a guess")


def unmatched_in_flight(prediction: Prediction) -> bool:
    """Whether a flight frame's own answer (model.Prediction) is a readable picture that matched nothing:
    status retrieved and no caution of its own (see UNMATCHED_CAUTION). The caller (sequence.smooth_flight)
    applies it only to a frame the track extrapolated past verified frames (verification ran)."""
    return prediction.status == STATUS_RETRIEVED and prediction.caution is None
