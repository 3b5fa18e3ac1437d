"""Two honesty faults of the flight track found on built flights (flights37_session37.md, fixed in
track37_session37.md): a photo verified on two overlapping tiles a metre apart was "corrected" onto the
second and read two places' confidence; and the spline between verified frames, fed a column's end (a
hairpin), swung tens of metres past it across a 20 s gap while claiming 0.84-0.96. Predictions are built
directly (as retrieval + verification would give them), on tests/test_sequence.py's 50 m tile grid."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from geolocator.core.geo import haversine_m
from geolocator.core.model import Query
from geolocator.core.sequence import MotionModel, smooth_flight
from geolocator.core.track_confidence import placed_confidence

from .test_sequence import at, prediction


def _straight(n: int = 9, every_s: float = 4.0):
    """Photos 4 s apart flying north at 12 m/s, each verified on its own tile at the truth."""
    preds = []
    for i in range(n):
        e, nn = 25.0, 25.0 + 48.0 * i
        q = Query(f"DJI_{i:04d}.JPG", Path(f"DJI_{i:04d}.JPG"), truth=at(e, nn))
        preds.append(prediction(q, [(e, nn, 0.6, 40, True), (e + 300, nn, 0.4, 0, False)]))
    return preds, [every_s * i for i in range(n)]


def test_a_photo_verified_twice_at_one_place_keeps_its_own_top_and_confidence():
    """Input: photo 4 verified on its top tile (9 inliers) and on the neighbouring tile (60 inliers),
    the two centres 1.4 m apart, its own confidence 0.997. Wrong: the track went through the second
    (more inliers), so the photo was `corrected` and read TWO_PLACES' 0.19 ("weak match") for a place
    it had itself verified. Fixed: within verified_slack_m the two are one place to the track, and the
    photo keeps its top: `matched`, its own answer and confidence. 30 m apart the track's choice stands."""
    preds, times = _straight()
    e, nn = 25.0, 25.0 + 48.0 * 4
    for apart, want in ((1.4, "matched"), (30.0, "corrected")):
        q = preds[4].query
        two = prediction(q, [(e, nn, 0.6, 9, True), (e + apart, nn - 0.1, 0.58, 60, True)])
        two = replace(two, confidence=0.997)
        got = smooth_flight("photos", list(zip([*preds[:4], two, *preds[5:]], times))).points[4]
        assert got.status == want, (apart, got.status, got.rank)
        if want == "matched":
            assert got.rank == 1 and got.location == two.matches[0].ground and got.confidence == 0.997
            assert got.shown_status == "matched"
        else:
            assert got.rank == 2 and got.location == two.matches[1].ground


def _hairpin():
    """Photos 4 s apart down one column (x = 25 m) from y = 325 m to 25 m, across to x = 75 m and back
    up: frames 0-6 south, 7 at the turn's far side (y = 10 m: the path turns back by 107 degrees
    there), 8-13 north. Frames 8-11 verified nothing (a wrong tile on top): 20 s between the verified
    frames 7 and 12 around them, right after the turn."""
    path = [(25.0, 325.0 - 50.0 * i) for i in range(7)] + [(75.0, 10.0 + 50.0 * k) for k in range(7)]
    preds = []
    for i, (e, nn) in enumerate(path):
        q = Query(f"DJI_{i:04d}.JPG", Path(f"DJI_{i:04d}.JPG"), truth=at(e, nn))
        if 8 <= i <= 11:
            matches = [(e + 400.0, nn + 200.0, 0.5, 0, False), (e, nn, 0.47, 3, False)]
        else:
            matches = [(e, nn, 0.6, 40, True), (e + 300.0, nn, 0.4, 0, False)]
        preds.append(replace(prediction(q, matches), confidence=0.99))
    return preds, [4.0 * i for i in range(len(path))]


def test_the_track_does_not_swing_past_a_hairpin_across_a_long_gap():
    """Input: the hairpin above. Wrong: one cubic spline through every verified frame swung past the
    turn between frames 7 and 12 (the same construction on the Vegas tiles put such frames 34-125 m
    off at 0.84-0.96). Fixed: the spline is split at the anchors where the path turns sharply
    (MotionModel.sharp_turn_deg), so the gap after the turn is bridged along the leg it is on."""
    preds, times = _hairpin()
    track = smooth_flight("photos", list(zip(preds, times)))
    gap = [track.points[i] for i in range(8, 12)]
    assert all(p.status == "interpolated" for p in gap)
    errors = [haversine_m(p.location, p.query.truth) for p in gap]
    assert max(errors) < 10.0, errors
    # and nothing the track placed reads confident while wrong
    for p in track.points:
        if p.status == "interpolated" and p.error_m > 25.0:
            assert p.confidence < 0.9, (p.query.id, p.error_m, p.confidence)


def test_a_gentle_curve_keeps_its_spline():
    """A quarter circle of radius 250 m flown in frames 2 s apart (30 m, about 7 degrees a frame) turns
    nowhere sharply: one spline, so a frame left out is placed on the arc (a line would cut it)."""
    import math

    preds = []
    for i in range(14):
        a = math.radians(90.0 * i / 13)
        e, nn = 25.0 + 250.0 * math.cos(a), 25.0 + 250.0 * math.sin(a)
        q = Query(f"DJI_{i:04d}.JPG", Path(f"DJI_{i:04d}.JPG"), truth=at(e, nn))
        matches = ([(e + 400.0, nn, 0.5, 0, False)] if i in (6, 7) else [(e, nn, 0.6, 40, True)])
        preds.append(prediction(q, matches))
    times = [2.0 * i for i in range(14)]
    split = smooth_flight("photos", list(zip(preds, times)))
    line = smooth_flight("photos", list(zip(preds, times)), MotionModel(sharp_turn_deg=0.0))  # every anchor a cut
    assert split.points[6].status == "interpolated"
    assert split.points[6].error_m < 1.0 < line.points[6].error_m


def test_a_frame_placed_across_a_turn_inside_the_gap_claims_less():
    """Input: the same column's end, but the frames at the turn itself (4-7: down to y = 25 m, across,
    and up to y = 75 m) verified nothing: the verified frames around the gap head south into it and
    north out of it. Wrong: the track cuts the corner and the frames on it, 51-102 m from where they
    were taken but 10-20 m from a verified frame, read the interpolated table's 0.99. Fixed: where
    the heading into a gap and out of it differ by more than MotionModel.sharp_turn_deg, such a frame
    is read as one past an end (the extrapolated table) at no less than the track's speed times its
    seconds from the nearer verified frame: the corner is not claimed."""
    path = [(25.0, 325.0 - 50.0 * i) for i in range(7)] + [(75.0, 25.0 + 50.0 * k) for k in range(7)]
    preds = []
    for i, (e, nn) in enumerate(path):
        q = Query(f"DJI_{i:04d}.JPG", Path(f"DJI_{i:04d}.JPG"), truth=at(e, nn))
        matches = ([(e + 400.0, nn + 200.0, 0.5, 0, False), (e, nn, 0.47, 3, False)] if i in (5, 6, 7, 8)
                   else [(e, nn, 0.6, 40, True), (e + 300.0, nn, 0.4, 0, False)])
        preds.append(replace(prediction(q, matches), confidence=0.99))
    track = smooth_flight("photos", list(zip(preds, [4.0 * i for i in range(len(path))])))
    corner = [track.points[i] for i in (5, 6, 7, 8)]
    assert all(p.status == "interpolated" for p in corner)
    assert all(p.error_m > 25.0 for p in corner)  # the corner is where the track cannot know
    assert all(p.confidence < 0.9 for p in corner), [p.confidence for p in corner]
    assert all(p.confidence < 0.5 for p in corner[1:3])  # 8 s from a verified frame at 12 m/s: unsure
    # a gap on a straight leg keeps the interpolated table's figure
    legs, times = _straight(n=9)
    legs = [replace(p, confidence=0.99) for p in legs]
    legs[4] = prediction(legs[4].query, [(325.0, 25.0 + 48.0 * 4, 0.5, 0, False), (25.0, 25.0 + 48.0 * 4, 0.47, 3, False)])
    mid = smooth_flight("photos", list(zip(legs, times))).points[4]
    assert mid.status == "interpolated"
    assert mid.confidence == placed_confidence("interpolated", mid.anchor_distance_m, [0.99, 0.99]) > 0.85
