"""How sure an answer is, in one set of words wherever a person reads it (session 26, mend26).

Before, the app's map legend called every answer below 0.9 "unsure" while the list, the CLI's
status column and its summary said "verified" for the same answers at 0.5-0.9, and the list said
"retrieved" where the summary said "tile level only" (newuser_session25.md: an assessor read
"verified" as sure; 7 of 26 such answers on damaged ground were wrong). Now the CLI's status
column and summary, the app's list and Results pane, the map's markers and legend and KML's pins
all say one of these levels, from the answer's status and confidence, with the bars of
core/model.py (CONFIDENT, WEAK_BELOW) as their only source:

  confident                   verified by local-feature geometry, confidence >= model.CONFIDENT (0.9)
  verified but not confident  verified, confidence in [model.WEAK_BELOW, model.CONFIDENT) (0.5-0.9)
  weak match                  verified, confidence < model.WEAK_BELOW (model.STATUS_WEAK)
  tile level only             nothing verified it: global features alone (model.STATUS_RETRIEVED)
  not located                 nothing to match (blank, sky, blur): confidence 0

A flight's frame (frame_level): a `matched` or `corrected` frame is a verified answer and reads a
photo's level by its track confidence (session 27: a matched frame at 0.5-0.9 read "matched" in the
list beside photos reading "verified but not confident"); a frame the track placed without a
verified answer of its own keeps the track's word (interpolated, extrapolated, flagged, weak track:
core/sequence.py and docs/flights.md's table; FRAME_LEVEL_MEANS), its "retrieved" reads "tile
level only" as a photo's does. How the track placed a verified frame (matched, corrected) is said
after its level where there is room (frame_words: the Results pane, the list's tooltip). The
files' machine-readable `status` (GeoJSON, CSV, GPX <type>, KML's status data) is unchanged:
Prediction.shown_status, sequence.TrackPoint.shown_status.
"""

from __future__ import annotations

from .model import CONFIDENT, STATUS_NOT_LOCATED, STATUS_RETRIEVED, STATUS_VERIFIED, STATUS_WEAK, WEAK_BELOW

LEVEL_CONFIDENT = "confident"
LEVEL_NOT_CONFIDENT = "verified but not confident"
LEVEL_WEAK = STATUS_WEAK  # "weak match"
LEVEL_TILE = "tile level only"
LEVEL_NOT_LOCATED = STATUS_NOT_LOCATED  # "not located"
# every level a photo's answer can read, surest first
LEVELS = (LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT, LEVEL_WEAK, LEVEL_TILE, LEVEL_NOT_LOCATED)


def _bar(x: float) -> str:
    return f"{x:g}"  # 0.9, 0.5


# What each level means, in a sentence (the app's tooltips, the map's legend, the level tables of
# README.md and docs/outputs.md).
LEVEL_MEANS = {
    LEVEL_CONFIDENT: f"verified against the imagery, confidence {_bar(CONFIDENT)} or more",
    LEVEL_NOT_CONFIDENT: (f"verified against the imagery, but confidence {_bar(WEAK_BELOW)}-{_bar(CONFIDENT)}: "
                          "check it before relying on it"),
    LEVEL_WEAK: f"verified, but confidence below {_bar(WEAK_BELOW)}: treat it as unconfirmed",
    LEVEL_TILE: "not verified: a tile it resembles (appearance only); the point is a tile-level estimate",
    LEVEL_NOT_LOCATED: "nothing to match (blank, sky or blurred picture)",
}


def answer_level(status: str, confidence: float | None) -> str:
    """The level people read for an answer of `status` (model.Prediction.status or .shown_status,
    or a flight frame's track status, core/sequence.py STATUSES) at `confidence` (in [0, 1]; None:
    unknown). "verified": LEVEL_CONFIDENT at model.CONFIDENT or more, LEVEL_NOT_CONFIDENT from
    model.WEAK_BELOW or when the confidence is unknown, LEVEL_WEAK below model.WEAK_BELOW;
    "retrieved": LEVEL_TILE; every other status (weak match, not located, a track's words) as is."""
    if status == STATUS_VERIFIED:
        if confidence is not None and confidence >= CONFIDENT:
            return LEVEL_CONFIDENT
        if confidence is not None and confidence < WEAK_BELOW:
            return LEVEL_WEAK
        return LEVEL_NOT_CONFIDENT
    if status == STATUS_RETRIEVED:
        return LEVEL_TILE
    return status


# What a flight's own words mean, where a frame's level is one (frame_level); the track's STATUSES
FRAME_LEVEL_MEANS = {
    "interpolated": "not verified itself: placed by the flight's track between verified frames",
    "extrapolated": "not verified itself: placed by the flight's track past the first or last verified frame",
    "flagged": "its own verified answer, which contradicts the flight's track: check it",
    "weak track": f"placed by the flight's track, but confidence below {_bar(WEAK_BELOW)}: treat it as unconfirmed",
}
VERIFIED_ON_TRACK = ("matched", "corrected")  # sequence.STATUSES whose Point is the frame's verified answer


def frame_level(status: str, confidence: float | None) -> str:
    """The level people read for a flight's frame of track `status` (core/sequence.py STATUSES) at
    its track `confidence` (sequence.TrackPoint.confidence in [0, 1]; None: unknown): `matched` and
    `corrected` (a verified answer on the track) read answer_level("verified", confidence), i.e.
    confident / verified but not confident / weak match; below model.WEAK_BELOW an interpolated or
    extrapolated frame reads "weak track" (sequence.shown_track_status); "retrieved" reads
    LEVEL_TILE; the others (interpolated, extrapolated, flagged, not located) as they are."""
    from .sequence import shown_track_status  # late: sequence pulls numpy; this module stays light

    if status in VERIFIED_ON_TRACK:
        return answer_level(STATUS_VERIFIED, confidence)
    return answer_level(shown_track_status(status, confidence), None)


def frame_words(status: str, confidence: float | None) -> str:
    """frame_level and how the track placed the frame, for where there is room (the Results pane's
    Status line, the list's tooltip): "verified but not confident; corrected by the track: another of
    its verified candidates", "interpolated by the track, between verified frames" (wording.
    track_status_words, whose words already start with the level for every other status)."""
    from .sequence import shown_track_status
    from .wording import track_status_words

    level = frame_level(status, confidence)
    words = track_status_words(status if status in VERIFIED_ON_TRACK else shown_track_status(status, confidence))
    return words if words.startswith(level) else f"{level}; {words}"


def point_level(point) -> str:
    """frame_level of a flight's frame (a sequence.TrackPoint, at its own confidence): the list, the
    map, the CLI's status column, the GPX and KML descriptions and the files' `level` say this."""
    return frame_level(point.status, point.confidence)


def level_of(pred) -> str:
    """answer_level of a model.Prediction (its own answer, not a flight track's)."""
    return answer_level(pred.status, pred.confidence)


def placed_levels(predictions, tracks=()) -> list[str]:
    """How each of `predictions` (model.Prediction) was placed, in prediction order, for the count
    that ends a locate (wording.placed_summary): 'interpolated' or 'extrapolated' for a flight's
    frame the track placed (core/sequence.Track points; its single-frame answer, often 'not located'
    for a blurred frame, is not what the file holds), 'flagged' for a frame whose own verified answer
    contradicts its track (as the file's `level` says), else level_of its own answer."""
    from .sequence import placed_statuses  # late: sequence pulls numpy; this module stays light

    by_track = ("interpolated", "extrapolated")  # a Prediction's own shown_status is never one of these
    # a frame whose verified answer contradicts its flight's track: the file's `level` says "flagged", so
    # does the flight's line (session 34, newuser34: the closing line counted it "confident")
    flagged = {p.query.id for t in tracks for p in t.points if p.status == "flagged"}
    return ["flagged" if p.query.id in flagged else s if s in by_track else level_of(p)
            for s, p in zip(placed_statuses(predictions, tracks), predictions)]


# The order a flight's frames are counted in (frame_counts): the levels surest first, then the track's
# own words from the frame's own verified answer to placed by the track, then nothing verified
FRAME_COUNT_ORDER = (LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT, LEVEL_WEAK, "flagged", "interpolated", "extrapolated",
                     "weak track", LEVEL_TILE, LEVEL_NOT_LOCATED)


def frame_counts(levels) -> str:
    """'18 confident, 4 verified but not confident, 7 extrapolated, 1 not located': how many of a
    flight's frames read each level (`levels`: frame_level of each frame), in FRAME_COUNT_ORDER, a
    word not in it after them in the order first met; "" for no frames. The CLI's per-flight line
    (session 28: it counted the track's words, "18 matched", beside a list and files that say
    "confident" for the same frames)."""
    levels = list(levels)
    words = [w for w in FRAME_COUNT_ORDER if w in levels] + list(dict.fromkeys(w for w in levels
                                                                             if w not in FRAME_COUNT_ORDER))
    return ", ".join(f"{levels.count(w):,} {w}" for w in words)
