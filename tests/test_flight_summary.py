"""The line that ends `locate` counts what the file holds: a flight's frame that the track placed
(between verified frames) is neither "not located" nor "tile level only" there (session 14: a
20 s video with a fogged stretch ended with "18 verified, 0 tile level only, 2 not located" while
the file and the flight's own line said the 2 frames were interpolated, 0.25-0.39 m from the truth).
Since session 26 the summary counts levels (core/levels.py): flight()'s verified frames are at 0.5,
"verified but not confident"."""

from __future__ import annotations

from dataclasses import replace

from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED
from geolocator.core.levels import placed_levels
from geolocator.core.sequence import placed_statuses, smooth
from geolocator.core.wording import placed_summary

from .test_sequence import flight


def _flight_with_blurred_frames():
    """30 frames 1 s apart; frames 10-13 verified nothing (flight()'s `bad`), and 10 and 11 were
    moreover found featureless (status 'not located', as a fogged video frame is); the others
    verified, as predict marks them."""
    preds, _ = flight(n=30, bad=range(10, 14), chance=())
    out = []
    for i, p in enumerate(preds):
        status = STATUS_NOT_LOCATED if i in (10, 11) else ("retrieved" if i in (12, 13) else STATUS_VERIFIED)
        out.append(replace(p, status=status))
    return out


def test_frames_the_track_placed_are_counted_as_placed_by_the_track():
    preds = _flight_with_blurred_frames()
    [track] = smooth(preds)
    assert [p.status for p in track.points[10:14]] == ["interpolated"] * 4  # the track bridges them
    # 30 frames: 26 verified on their own, 4 (2 featureless + 2 unverified) placed by the track
    assert placed_summary(placed_levels(preds, [track])) == (
        "0 confident, 26 verified but not confident, 0 tile level only, 4 placed by the track")
    assert [s for s in placed_statuses(preds, [track]) if s != "verified"] == ["interpolated"] * 4


def test_without_a_track_each_photo_keeps_its_own_status():
    preds = _flight_with_blurred_frames()
    # --no-track: nothing placed frames 10-13, so they read as what they are on their own
    assert placed_summary(placed_levels(preds, [])) == (
        "0 confident, 26 verified but not confident, 2 tile level only, 2 not located")


def test_the_summary_names_track_placed_frames_only_when_there_are_some():
    assert placed_summary(["confident", "extrapolated", "interpolated", "not located"]) == (
        "1 confident, 0 tile level only, 2 placed by the track, 1 not located")
    assert placed_summary(["confident", "tile level only"]) == "1 confident, 1 tile level only"


def test_frames_past_the_last_verified_one_are_counted_as_placed_by_the_track():
    """The last 3 frames verified nothing: the track carries the flight on for them (extrapolated,
    at most 5 s past the last verified frame), so the file holds a track position for each."""
    preds, _ = flight(n=30, bad=range(27, 30), chance=())
    preds = [replace(p, status="retrieved" if i >= 27 else STATUS_VERIFIED) for i, p in enumerate(preds)]
    [track] = smooth(preds)
    assert [p.status for p in track.points[27:]] == ["extrapolated"] * 3
    assert placed_statuses(preds, [track])[27:] == ["extrapolated"] * 3
    assert placed_levels(preds, [track])[27:] == ["extrapolated"] * 3
    assert placed_summary(placed_levels(preds, [track])) == (
        "0 confident, 27 verified but not confident, 0 tile level only, 3 placed by the track")


def test_a_flagged_frame_is_counted_as_flagged_as_its_file_says():
    """Session 34 (newuser34): a frame whose verified answer contradicts its track read `flagged` in the
    file's level and in the flight's line ("7 confident, 1 flagged"), but the closing line counted it among
    the confident ("10 confident"), so the two counts of one run disagreed."""
    from .test_sequence import prediction

    preds, _ = flight(bad=(), chance=())
    preds[10] = prediction(preds[10].query, [(900, 900, 0.6, 30, True), (950, 950, 0.5, 0, False)])
    preds = [replace(p, status=STATUS_VERIFIED) for p in preds]  # verified, as predict marks them (at 0.5)
    [track] = smooth(preds)
    assert track.points[10].status == "flagged"
    levels = placed_levels(preds, [track])
    assert levels[10] == "flagged" and levels.count("flagged") == 1
    assert placed_summary(levels) == ("0 confident, 39 verified but not confident, 0 tile level only, "
                                      "1 flagged (verified, but at odds with its flight's track)")
