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
