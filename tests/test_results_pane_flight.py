"""A flight's frame reads the same in the app's Results pane as in the exports (session 16: the pane
showed the single-frame answer, while the map, the files and the Evaluation panel give the track's:
an interpolated frame read "not located, confidence 0.00" there, and a decoy tile's position), and
a frame the track CORRECTED is not exported with the confidence of the top tile the track rejected.

The flight is tests/test_sequence.py's: frames 1 s apart at 8 m/s due east, then north; frames
10-13 fogged (not located, confidence 0, as predict leaves a featureless frame); frame 30 a chance
match: a strongly verified tile 500 m off on top (40 inliers), its consistent verified second (25
inliers, 2.2 m from its truth) below."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

from geolocator.core.geo import haversine_m
from geolocator.core.levels import level_of
from geolocator.core.model import STATUS_NOT_LOCATED, STATUS_VERIFIED, LatLon
from geolocator.core.predict import confidence as single_confidence
from geolocator.core.sequence import smooth
from geolocator.core.track_confidence import TWO_PLACES, placed_confidence

from .test_sequence import flight

CHANCE = 30


def _flight(n=40):
    preds, _ = flight(n=n, bad=range(10, 14), chance=(CHANCE,))
    out = []
    for i, p in enumerate(preds):
        if i in range(10, 14):
            out.append(replace(p, status=STATUS_NOT_LOCATED, confidence=0.0, note="too blurred"))
        else:  # verified, with the confidence predict gives its top tile (SIFT table, by inlier margin)
            out.append(replace(p, status=STATUS_VERIFIED, confidence=single_confidence(p.matches, 8)))
    [track] = smooth(out)
    return out, track


def test_a_corrected_frame_is_not_exported_with_its_rejected_top_tiles_confidence():
    preds, track = _flight()
    p = track.points[CHANCE]
    assert p.status == "corrected" and p.rank == 2
    # its own confidence is about its top tile, 500 m off: margin 40 - 25 = 15 inliers, between the
    # SIFT table's 14.6 (0.967) and 17.9 (0.98): high, for a place the track rejected
    assert 0.967 <= preds[CHANCE].confidence <= 0.98
    assert haversine_m(p.location, preds[CHANCE].location) > 400
    # read as the track's: frames 29 and 31 (verified, 8 m a second apart, ~2 m noise each) lie
    # about 8 m from it, where interpolated frames were right 0.996-0.998 of the time
    # (track_confidence.PLACED_TABLES: buckets at 7.9 m -> 0.998, 14.8 m -> 0.996, flat below 7.9)
    nearest = min(haversine_m(p.location, track.points[i].location) for i in (CHANCE - 1, CHANCE + 1))
    assert 3 < nearest < 13 and p.anchor_distance_m == pytest.approx(nearest)
    assert p.confidence == pytest.approx(placed_confidence("interpolated", nearest))
    assert 0.996 <= p.confidence <= 0.998
    for i in (0, 9, 14, 29, 31):  # a matched frame keeps its own top tile's confidence
        assert track.points[i].status == "matched" and track.points[i].confidence == preds[i].confidence


def test_a_corrected_frame_with_no_track_around_it_claims_two_places_at_most():
    """Frames 29 and 30 alone: the track still takes 30's consistent second candidate (its top is
    500 m off in 1 s), but one other verified frame places nothing (a velocity needs two), so no
    measured figure applies: the set one, two places verified, at most one right."""
    preds, _ = _flight()
    [two] = smooth([preds[CHANCE - 1], preds[CHANCE]])
    p = two.points[1]
    assert p.status == "corrected" and p.rank == 2
    assert p.confidence == TWO_PLACES and p.anchor_distance_m is None
    assert TWO_PLACES == pytest.approx(0.192)  # xfeat+mosaic's margin-0 share, the lowest table start
    assert two.points[0].confidence == preds[CHANCE - 1].confidence  # matched: its own


def _exported_rows(preds, track, tmp_path):
    from geolocator.core.exports import write_predictions

    write_predictions(tmp_path / "f.csv", preds, [track])
    with open(tmp_path / "f.csv", newline="") as fh:
        return {r["query"]: r for r in csv.DictReader(fh)}


def test_the_results_pane_shows_a_flight_frame_as_exported(qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from geolocator.core.export import format_confidence
    from geolocator.core.export_track import frame_errors
    from geolocator.core.geo import format_distance
    from geolocator.gui.jobs import Results, _track_answers

    from .helpers import results_window

    preds, track = _flight()
    # the top tile centre's error, as predict gives it: about the single frame's top tile only
    preds = [replace(p, tile_error_m=haversine_m(p.tile_center, p.query.truth)) for p in preds]
    tracks = [track]
    w = results_window(qtbot, tmp_path, preds, Results(
        preds, {}, None, None, None, None, track_status={p.query.id: p.status for p in track.points},
        track_error=frame_errors(tracks), track_confidence={p.query.id: p.confidence for p in track.points},
        track_answers=_track_answers(preds, tracks)))
    rows = _exported_rows(preds, track, tmp_path)

    def pane(i):
        w.select_query(preds[i].query.id)
        return w.results.details.text().replace("\xa0", " ")

    for i, how in ((11, "interpolated by the track"), (CHANCE, "confident; corrected by the track")):
        row, text = rows[preds[i].query.id], pane(i)
        lines = text.splitlines()
        # the CSV's Point (written with 7 decimals) to the pane's 6, its confidence and status
        assert lines[0].startswith("Location  ")
        lat, lon = (float(x) for x in lines[0].split("   (")[0][len("Location  "):].split(", "))
        assert lat == pytest.approx(float(row["lat"]), abs=1e-6) and lon == pytest.approx(float(row["lon"]), abs=1e-6)
        assert haversine_m(LatLon(lat, lon), preds[i].location) > 100  # not its own answer (a decoy tile, or 500 m off)
        assert lines[1].startswith(f"Status  {how}") and f"confidence {format_confidence(float(row['confidence']))}" in lines[1]
        # the single-frame answer, secondary: its own Point, level (core/levels.py) and confidence
        own = preds[i]
        single = next(line for line in lines if line.startswith("Single frame  "))
        assert single.startswith(f"Single frame  {own.location.lat:.6f}, {own.location.lon:.6f}   {level_of(own)}, "
                                 f"confidence {format_confidence(own.confidence)}")
        truth = next(line for line in lines if line.startswith("Truth  "))
        assert f"error {format_distance(float(row['error_m']))}" in truth  # the track Point's error, as exported
        assert "tile centre" not in truth  # its top tile's centre says nothing of the track's Point
    assert "0.00" in pane(11).splitlines()[2] and "not located, confidence 0.00" in pane(11) and "too blurred" in pane(11)
    assert "0.00" not in pane(11).splitlines()[1]  # the interpolated frame's own 0 is not its answer's
    # a matched frame: its own answer is the exported one: no second line for it
    text = pane(5)
    # its level (as the list), then how the track placed it (levels.frame_words, session 27)
    assert "Single frame" not in text and text.splitlines()[1].startswith("Status  confident; matched: ")
    assert text.splitlines()[0].startswith(f"Location  {preds[5].location.lat:.6f}")
    assert f"(tile centre {format_distance(preds[5].tile_error_m)})" in text  # its own top tile: as before


def test_a_frame_retrieved_on_another_tile_claims_no_more_than_two_places():
    """Nothing verified (tests/test_sequence.py's unverified flight, 10 m a second due east): frame
    4's top tile is 3 km off, its second tile the right place; the track takes the second
    ("retrieved", rank 2). Its own confidence was about the 3 km tile: 0.55 here (set in this test,
    above TWO_PLACES), so it must fall to TWO_PLACES; one already lower stays lower."""
    from pathlib import Path

    from geolocator.core.model import Query

    from .test_sequence import at, prediction

    def frames(conf4):
        preds = []
        for i in range(10):
            e, n = 25 + 10 * i, 25.0
            q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=at(e, n), time_s=float(i))
            top = (e, n, 0.6, 0, False) if i != 4 else (e + 3000, n, 0.6, 0, False)
            p = prediction(q, [top, (e, n, 0.55, 0, False)] if i == 4 else [top, (e + 1000, n + 1000, 0.55, 0, False)])
            preds.append(replace(p, confidence=conf4 if i == 4 else 0.3))
        [track] = smooth(preds)
        return track.points

    points = frames(0.55)
    assert points[4].status == "retrieved" and points[4].rank == 2
    assert haversine_m(points[4].location, points[4].query.truth) < 40  # the second tile's centre
    assert points[4].confidence == TWO_PLACES
    assert frames(0.1)[4].confidence == 0.1
    assert points[3].status == "retrieved" and points[3].rank == 1 and points[3].confidence == 0.3  # its own


def test_a_corrected_frame_past_the_other_verified_frames_is_read_as_extrapolated():
    """Frame 30 last: 1 s (about 8 m) past frame 29, within the 5 s horizon, the table of frames
    extrapolated past verified ones applies: 0.971 at 8.7 m and at 16 m (PLACED_TABLES), flat below
    8.7. Frames 23-29 and 30 only, with frames 24-28 dropped: 30 stands 7 s past 23, beyond the
    horizon: nothing measured places it, TWO_PLACES."""
    preds, _ = _flight(n=31)
    [track] = smooth(preds[20:])
    p = track.points[-1]
    assert p.status == "corrected" and 3 < p.anchor_distance_m < 13
    assert p.confidence == pytest.approx(0.971)
    [gap] = smooth([preds[23], preds[22], preds[CHANCE]])  # in time order: 22, 23, then 30
    p = gap.points[-1]
    assert p.status == "corrected" and p.confidence == TWO_PLACES and p.anchor_distance_m is None


def test_track_status_words_say_how_the_track_placed_a_frame():
    from geolocator.core.wording import track_status_words

    # docs/flights.md's flight table, in a sentence: an interpolated frame lies between verified frames
    assert track_status_words("interpolated") == "interpolated by the track, between verified frames"
    assert track_status_words("corrected").startswith("corrected by the track")
    assert track_status_words("odd") == "odd"  # a status it does not know: as is
