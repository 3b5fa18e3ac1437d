"""The sequence model on synthetic tracks: a flight over a grid of 50 m tiles, with frames whose
single-photo answer fails (nothing verified, a wrong tile on top) and a chance verified match far
away. No images: predictions are built directly, as retrieval + verification would give them."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.geo import haversine_m, metres_per_degree
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile
from geolocator.core.sequence import MotionModel, photo_capture, sequences, smooth, smooth_flight

ORIGIN = LatLon(50.0, 10.0)
M_LAT, M_LON = metres_per_degree(ORIGIN.lat)
TILE_M = 50.0


def at(east_m: float, north_m: float) -> LatLon:
    return LatLon(ORIGIN.lat + north_m / M_LAT, ORIGIN.lon + east_m / M_LON)


def tile_at(east_m: float, north_m: float) -> Tile:
    c, r = math.floor(east_m / TILE_M), math.floor(north_m / TILE_M)
    sw, ne = at(c * TILE_M, r * TILE_M), at((c + 1) * TILE_M, (r + 1) * TILE_M)
    return Tile(f"r{r}c{c}", Path(f"t/r{r}c{c}.jpg"), Bounds(sw.lon, sw.lat, ne.lon, ne.lat))


def prediction(query: Query, matches: list[tuple[float, float, float, int | None, bool]]) -> Prediction:
    """matches: (east m, north m, cosine, inliers, verified at that exact point)"""
    ms = []
    for rank, (e, n, score, inliers, exact) in enumerate(matches, 1):
        ms.append(Match(tile_at(e, n), score, rank, inliers, at(e, n) if exact else None))
    top = ms[0]
    loc = top.ground if top.ground is not None and (top.inliers or 0) >= 8 else top.tile.center
    err = None if query.truth is None else haversine_m(loc, query.truth)
    # location: the best estimate (the ground point when verified), as predict makes it
    return Prediction(query, tuple(ms), loc, loc, 0.5, err, err)


def flight(n=40, speed=8.0, bad=range(15, 22), chance=(30,), seed=0):
    """Frames 1 s apart flying east then turning north; `bad` frames verified nothing and rank a wrong
    tile first; `chance` frames have a strongly verified match 400 m away on top."""
    rng = np.random.default_rng(seed)
    preds, truths = [], []
    for i in range(n):
        e, nn = (40 + speed * i, 60.0) if i < 25 else (40 + speed * 25, 60 + speed * (i - 25))
        truths.append((e, nn))
        q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=at(e, nn), truth_source="srt", time_s=float(i))
        decoys = [(rng.uniform(0, 400), rng.uniform(0, 400), 0.5 - 0.01 * k, 0, False) for k in range(3)]
        if i in bad:
            matches = [decoys[0], (e, nn, 0.47, 3, False), decoys[1], decoys[2]]
        elif i in chance:
            matches = [(e + 400, nn + 300, 0.55, 40, True), (e + 2, nn - 1, 0.52, 25, True), *decoys[:2]]
        else:
            matches = [(e + rng.normal(0, 2), nn + rng.normal(0, 2), 0.6, int(rng.integers(12, 60)), True), *decoys]
        preds.append(prediction(q, matches))
    return preds, truths


def test_bad_stretch_is_bridged_and_right_frames_stay_right():
    preds, _ = flight()
    [track] = smooth(preds)
    assert track.name == "v.mp4" and len(track.points) == len(preds)
    own = np.array([p.own_error_m for p in track.points])
    seq = np.array([p.error_m for p in track.points])
    bad = list(range(15, 22)) + [30]
    good = [i for i in range(len(preds)) if i not in bad]
    assert own[bad].min() > 100  # the single photos fail there...
    assert seq[bad].max() < 15  # ...the track puts them within metres (linear between anchors)
    for i in good:  # never makes a right frame wrong: the very same point
        assert track.points[i].location == preds[i].location and track.points[i].status == "matched"
    for i in range(15, 22):
        assert track.points[i].status == "interpolated"
    # the chance match: the track went through the frame's second, consistent candidate
    assert track.points[30].status == "corrected" and track.points[30].rank == 2


def test_a_contradicting_verified_frame_with_no_consistent_candidate_is_flagged():
    preds, _ = flight(bad=(), chance=())
    q = preds[10].query
    wrong = prediction(q, [(900, 900, 0.6, 30, True), (950, 950, 0.5, 0, False)])
    preds[10] = wrong
    [track] = smooth(preds)
    p = track.points[10]
    # flagged, keeping its own (here wrong) verified answer; the track line passes where it should
    assert p.status == "flagged" and p.location == p.own and p.own_error_m > 1000
    assert haversine_m(track.line[10], p.query.truth) < 10


def test_speed_limit_is_what_decides():
    """The same jump is impossible at 5 m/s and fine at 200 m/s: the sequence model follows the
    motion model, not a hard-coded answer."""
    preds, _ = flight(n=12, bad=(), chance=(6,))
    # turn_cost 0: the speed limit alone (the heading term would also reject a 500 m out-and-back)
    slow = smooth_flight("f", [(p, float(p.query.time_s)) for p in preds], MotionModel(max_speed_mps=20, turn_cost=0.0))
    fast = smooth_flight("f", [(p, float(p.query.time_s)) for p in preds], MotionModel(max_speed_mps=2000, turn_cost=0.0))
    assert slow.points[6].rank == 2 and fast.points[6].rank == 1


def test_nothing_verified_anywhere_keeps_a_plausible_path():
    """No anchors: the track through unverified tiles is the best there is; far decoys are dropped."""
    preds = []
    for i in range(10):
        e, n = 25 + 10 * i, 25.0
        q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=at(e, n), time_s=float(i))
        top = (e, n, 0.6, 0, False) if i != 4 else (e + 3000, n, 0.6, 0, False)
        preds.append(prediction(q, [top, (e + 1000, n + 1000, 0.55, 0, False)]))
    [track] = smooth(preds)
    errors = [p.error_m for p in track.points]
    assert max(errors) < 60 and track.points[4].own_error_m > 2000


def test_flights_group_videos_and_timed_photos(tmp_path):
    start = datetime(2026, 6, 1, 10, 0, 0)
    paths = []
    for i, dt in enumerate((0, 2, 4, 1000, 1002)):  # a 16-minute pause splits the stills in two flights
        path = tmp_path / f"p{i}.jpg"
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "DJI", "FC300S"
        exif.get_ifd(0x8769)[0x9003] = (start + timedelta(seconds=dt)).strftime("%Y:%m:%d %H:%M:%S")
        Image.new("RGB", (8, 8)).save(path, exif=exif)
        paths.append(path)
    Image.new("RGB", (8, 8)).save(tmp_path / "untimed.jpg")
    assert photo_capture(paths[1]) == (start + timedelta(seconds=2), "DJI FC300S")
    assert photo_capture(tmp_path / "untimed.jpg") == (None, "")
    photos = [Query(p.name, p) for p in [*reversed(paths), tmp_path / "untimed.jpg"]]
    frames = [Query(f"v.mp4#t={t:g}", Path("v.mp4"), time_s=t) for t in (2.0, 0.0, 1.0)]
    flights = sequences(photos + frames)
    names = [(name, [q.id for q, _ in items], [t for _, t in items]) for name, items in flights]
    assert ("v.mp4", ["v.mp4#t=0", "v.mp4#t=1", "v.mp4#t=2"], [0.0, 1.0, 2.0]) in names
    assert ("photos DJI FC300S", ["p0.jpg", "p1.jpg", "p2.jpg"], [0.0, 2.0, 4.0]) in names
    assert ("photos DJI FC300S", ["p3.jpg", "p4.jpg"], [0.0, 2.0]) in names
    assert len(flights) == 3  # the untimed photo is in no flight


def test_real_dji_capture_times():
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "real-dji"
    if not shared.is_dir():
        pytest.skip(f"{shared} is absent (shared material beside the clone)")
    times = [photo_capture(p) for p in sorted(shared.glob("DJI_*.JPG"))]
    assert all(t is not None and t.year == 2016 and t.month == 6 for t, _ in times)
    assert all(cam.endswith("FC300S") for _, cam in times)
    assert [t for t, _ in times] == sorted(t for t, _ in times)  # file order is flight order here


def test_a_motion_model_that_is_wrong_still_moves_no_verified_frame():
    """A flight at 40 m/s against a 20 m/s limit (a fast FPV drone, say): consecutive right
    answers look impossible. Verified frames then keep their own answers (matched or flagged),
    never a tile they merely resemble."""
    preds, _ = flight(n=12, speed=40.0, bad=(), chance=())
    [track] = smooth(preds)
    for p, pred in zip(track.points, preds):
        assert p.location == pred.location and p.status in ("matched", "flagged")


# -- labels that say what is true (issue 12) ----------------------------------------------------
def test_a_flight_with_nothing_verified_has_no_matched_frame():
    """Real DJI photos against unrelated tiles formed a "flight" whose frames were all "matched"
    although no frame was verified: appearance alone is "retrieved", never "matched"."""
    preds = []
    for i in range(10):
        e, n = 25 + 10 * i, 25.0
        q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=at(e, n), time_s=float(i))
        preds.append(prediction(q, [(e, n, 0.6, 3, False), (e + 1000, n + 1000, 0.55, 0, False)]))
    [track] = smooth(preds)
    statuses = {p.status for p in track.points}
    assert statuses <= {"retrieved", "interpolated", "extrapolated", "not located"}, statuses
    assert "retrieved" in statuses and not any(p.verified for p in track.points)


def test_frames_past_the_last_verified_frame_are_extrapolated_then_not_located():
    """After the last verified frame nothing confirms where the drone went: a few seconds at
    constant velocity are "extrapolated" (with how far past), later frames "not located" and off
    the line; before the first verified frame the same. Between verified frames: interpolated."""
    preds, _ = flight(n=30, bad=(), chance=())
    horizon = MotionModel().extrapolate_s
    blind = [0, 1, 12, 13, *range(20, 30)]  # nothing verified, a wrong tile on top
    for i in blind:
        q = preds[i].query
        preds[i] = prediction(q, [(900, 900, 0.5, 0, False), (950, 50, 0.45, 2, False)])
    [track] = smooth(preds)
    st = [p.status for p in track.points]
    assert st[0] == st[1] == "extrapolated" and track.points[0].extrapolated_s == 2.0
    assert st[12] == st[13] == "interpolated" and track.points[12].extrapolated_s is None
    for i in range(20, 30):
        past = i - 19
        assert st[i] == ("extrapolated" if past <= horizon else "not located"), (i, st[i])
        if st[i] == "extrapolated":
            assert track.points[i].extrapolated_s == past
            assert track.points[i].error_m < 2 * track.points[i].own_error_m  # the track, not the decoy
    assert len(track.line) == 30 - sum(s == "not located" for s in st) == 30 - (10 - int(horizon))
    assert not any(track.points[i].verified for i in blind)


def test_a_content_free_frame_is_never_matched():
    """A frame with nothing to locate (sky, water: Prediction status "not located") has no
    evidence: it takes its place from the track or stays not located, whatever its noise ranked."""
    from dataclasses import replace as _replace

    from geolocator.core.model import STATUS_NOT_LOCATED

    preds, _ = flight(n=12, bad=(), chance=())
    preds[6] = _replace(preds[6], status=STATUS_NOT_LOCATED, confidence=0.0,
                        matches=(_replace(preds[6].matches[0], inliers=0, ground=None),) + preds[6].matches[1:])
    preds[11] = _replace(preds[11], status=STATUS_NOT_LOCATED, confidence=0.0)
    [track] = smooth(preds)
    assert track.points[6].status == "interpolated" and track.points[6].error_m < 10
    assert track.points[11].status == "extrapolated"  # 1 s past frame 10, the last with evidence


# -- the smooth-heading term (issue 12's motion model: a maximum speed, smooth heading) ----------
def test_heading_term_rejects_a_zigzag_through_a_repeated_structure():
    """Repetitive ground (rows of identical roofs) verifies a chance match on the neighbouring
    row, 25 m off the line, with far more inliers than the true one. Both are within the speed
    limit, so speed alone takes the chance match (a zig-zag out and back); the heading term keeps
    the straight path through the frame's second, true candidate."""
    preds, _ = flight(n=20, bad=(), chance=())
    for i in (9,):
        q = preds[i].query
        e, n = 40 + 8.0 * i, 60.0
        preds[i] = prediction(q, [(e, n + 25, 0.6, 200, True), (e, n, 0.58, 30, True)])
    items = [(p, float(p.query.time_s)) for p in preds]
    speed_only = smooth_flight("f", items, MotionModel(turn_cost=0.0))
    smooth_heading = smooth_flight("f", items, MotionModel())
    assert speed_only.points[9].rank == 1 and speed_only.points[9].error_m > 20  # the zig-zag
    assert smooth_heading.points[9].rank == 2 and smooth_heading.points[9].status == "corrected"
    assert smooth_heading.points[9].error_m < 1
    # nothing else moved: every other frame keeps its own verified answer
    for i in set(range(20)) - {9}:
        assert smooth_heading.points[i].location == preds[i].location


def test_heading_term_keeps_real_turns():
    """A lawnmower turn (east, a short hop north, back west) is what a mapping flight does: with
    every frame verified and no alternative, the turns cost something but nothing is moved."""
    preds = []
    path = [(40 + 15 * i, 60.0) for i in range(6)] + [(115, 75.0)] + [(115 - 15 * i, 90.0) for i in range(6)]
    for t, (e, n) in enumerate(path):
        q = Query(f"v.mp4#t={2 * t}", Path("v.mp4"), truth=at(e, n), time_s=float(2 * t))
        preds.append(prediction(q, [(e, n, 0.6, 40, True), (e + 60, n + 200, 0.55, 0, False)]))
    [track] = smooth(preds)
    assert [p.status for p in track.points] == ["matched"] * len(path)


def _objective(times, cands, path, model, origin):
    """The quantity viterbi_path maximises, written out for one path (None = off the track)."""
    from geolocator.core.sequence import _turn_penalty, _xy

    on = [(j, c) for j, c in enumerate(path) if c is not None]
    total = -model.skip_cost * (len(path) - len(on))
    for j, c in on:
        total += cands[j][c].emission
    for (i, a), (j, b) in zip(on, on[1:]):
        if j - i > model.max_gap_frames + 1:
            return -np.inf
        pa, pb = _xy([cands[i][a].position], origin)[0], _xy([cands[j][b].position], origin)[0]
        d = float(np.linalg.norm(pa - pb))
        reach = model.max_speed_mps * (times[j] - times[i]) + cands[i][a].slack_m + cands[j][b].slack_m
        if d > reach:
            return -np.inf
        total -= model.move_cost * (d / reach) ** 2
    for (h, x), (i, a), (j, b) in zip(on, on[1:], on[2:]):
        pts = [_xy([cands[f][c].position], origin) for f, c in ((h, x), (i, a), (j, b))]
        sl = [np.array([cands[f][c].slack_m]) for f, c in ((h, x), (i, a), (j, b))]
        total -= model.turn_cost * float(_turn_penalty(pts[0], sl[0], pts[1], sl[1], pts[2], sl[2])[0, 0, 0])
    return total


@pytest.mark.parametrize("seed", range(10))
def test_second_order_viterbi_is_exact(seed):
    """Against brute force over every path (each frame off the track or at one of its candidates)
    on small random flights: the dynamic programme (with its pruning of slots that cannot win)
    finds the best objective, turns included."""
    import itertools

    from geolocator.core.sequence import _Candidate, viterbi_path

    rng = np.random.default_rng(seed)
    model = MotionModel(max_speed_mps=15.0, max_gap_frames=1 + seed % 4, turn_cost=(4.0, 1.0, 8.0)[seed % 3],
                        skip_cost=(3.0, 1.0)[seed % 2])
    times = [0.0, 1.0, 2.0, 3.5, 4.5, 5.5]
    cands = []
    for j in range(len(times)):
        row = []
        for _ in range(int(rng.integers(0, 4))):
            pos = at(*(rng.uniform(0, 60, 2) + [12 * j, 0]))
            row.append(_Candidate(None, pos, float(rng.choice([10.0, 35.0])), bool(rng.integers(0, 2)),
                                  float(rng.normal(1, 2))))
        cands.append(row)
    best = max(_objective(times, cands, list(p), model, ORIGIN)
               for p in itertools.product(*[[None, *range(len(c))] for c in cands]))
    found = viterbi_path(times, cands, ORIGIN, model)
    assert _objective(times, cands, found, model, ORIGIN) == pytest.approx(best, abs=1e-9)


def test_each_frame_says_where_its_point_comes_from_and_from_which_tile():
    """A frame the track moves to another of its candidates names that candidate's tile and how the
    Point was found, so `tile`, `location_source` and the Point agree in every export."""
    from geolocator.core.export_track import predictions_and_tracks_to_geojson
    from geolocator.core.model import SOURCE_HOMOGRAPHY, SOURCE_TILE_CENTRE, SOURCE_TRACK

    # nothing verified anywhere; frame 4 ranks a tile 3 km away first, its own place second
    preds = []
    for i in range(10):
        e, n = 25 + 10 * i, 25.0
        q = Query(f"v.mp4#t={i}", Path("v.mp4"), truth=at(e, n), time_s=float(i))
        matches = [(e, n, 0.6, 0, False), (e + 1000, n + 1000, 0.55, 0, False)]
        if i == 4:
            matches = [(e + 3000, n, 0.6, 0, False), (e, n, 0.59, 0, False)]
        preds.append(prediction(q, matches))
    [track] = smooth(preds)
    moved = track.points[4]
    assert moved.rank == 2 and moved.status == "retrieved"
    assert moved.location_source == SOURCE_TILE_CENTRE and moved.tile == preds[4].matches[1].tile
    assert moved.location == moved.tile.center
    assert all(p.location_source is None and p.location == p.own for i, p in enumerate(track.points) if i != 4)
    doc = predictions_and_tracks_to_geojson(preds, [track])
    props = [f["properties"] for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert props[4]["tile"] == moved.tile.id and props[4]["location_source"] == SOURCE_TILE_CENTRE
    assert (props[4]["tile_center_lat"], props[4]["tile_center_lon"]) == pytest.approx(
        (moved.tile.center.lat, moved.tile.center.lon), abs=1e-7)
    assert props[3]["tile"] == preds[3].top.tile.id and props[3]["location_source"] == preds[3].location_source
    import csv
    import tempfile

    from geolocator.core.export import write_csv

    with tempfile.TemporaryDirectory() as tmp:
        write_csv(preds, Path(tmp) / "f.csv", tracks=[track])
        rows = list(csv.DictReader(open(Path(tmp) / "f.csv")))
    assert (rows[4]["tile"], rows[4]["location_source"]) == (moved.tile.id, SOURCE_TILE_CENTRE)
    assert float(rows[4]["tile_center_lat"]) == pytest.approx(moved.tile.center.lat, abs=1e-7)
    assert (rows[3]["tile"], rows[3]["location_source"]) == (preds[3].top.tile.id, preds[3].location_source)

    # a flight with verified frames: a frame that verified nothing lies on the track between them
    # ("track"), a chance match far away is corrected to its verified second candidate ("homography")
    vpreds, _ = flight()
    vtrack = smooth_flight("f", [(p, float(p.query.time_s)) for p in vpreds])
    for p, pred in zip(vtrack.points, vpreds):
        if p.status in ("interpolated", "extrapolated"):
            assert p.location_source == SOURCE_TRACK and p.tile is None
        elif p.status == "corrected":
            chosen = pred.matches[p.rank - 1]
            assert p.location_source == SOURCE_HOMOGRAPHY and p.tile == chosen.tile and p.location == chosen.ground
    assert {p.status for p in vtrack.points} >= {"interpolated", "corrected"}


def test_photos_a_minute_apart_are_not_placed_between_each_other():
    """Session 24 (a search-and-rescue pilot's photos, taken a minute apart when a heat signature
    was seen): a photo that verified nothing was "interpolated" between verified photos 60 s either
    side of it, at confidence 0.76-0.995, and 81-267 m from where it was taken. The interpolation
    table (track_confidence.md) was measured with at most 63 s between the anchors around a gap
    (20 stills 3 s apart left out); 120 s at up to 20 m/s is 2.4 km of reach, which the track
    cannot narrow. Such a frame keeps its own single-photo answer instead (not from the track), and a
    short gap (the video's 7 bad frames) is still bridged."""
    preds = []
    places = [(40, 60), (300, 260), (80, 380)]  # verified, unverified, verified: scattered sightings
    for i, (e, n) in enumerate(places):
        q = Query(f"DJI_{i}.JPG", Path(f"DJI_{i}.JPG"), truth=at(e, n))
        if i == 1:  # verified nothing; its top is a wrong tile, the right one second
            matches = [(150, 120, 0.5, 0, False), (e, n, 0.47, 3, False)]
        else:
            matches = [(e, n, 0.6, 40, True), (e + 200, n, 0.4, 0, False)]
        preds.append(prediction(q, matches))
    track = smooth_flight("photos DJI M30T", [(p, 60.0 * i) for i, p in enumerate(preds)])
    middle = track.points[1]
    assert middle.location_source != "track" and middle.status not in ("interpolated", "extrapolated")
    assert middle.location == preds[1].location  # its own answer, and its own confidence
    assert middle.confidence == preds[1].confidence
    preds, _ = flight()  # 1 s frames: a 7-frame bad stretch is still bridged
    [track] = smooth(preds)
    assert all(track.points[i].status == "interpolated" for i in range(15, 22))


def test_a_corrected_photo_between_photos_a_minute_apart_claims_two_places_only():
    """Session 25 (mutant S8): a photo whose top verified nothing but whose second candidate did is
    moved there ("corrected"); between verified photos 60 s either side of it no track measure holds
    (max_bridge_s), so it claims no more than two places for one photo (TWO_PLACES) and no anchor
    distance, as moved_confidence says without a place."""
    from geolocator.core.track_confidence import TWO_PLACES

    preds = []
    for i, (e, n) in enumerate([(40, 60), (300, 260), (80, 380)]):
        q = Query(f"DJI_{i}.JPG", Path(f"DJI_{i}.JPG"), truth=at(e, n))
        if i == 1:  # a wrong top (nothing verified), its right place second and verified
            matches = [(150, 120, 0.5, 0, False), (e, n, 0.47, 40, True)]
        else:
            matches = [(e, n, 0.6, 40, True), (e + 200, n, 0.4, 0, False)]
        preds.append(prediction(q, matches))
    middle = smooth_flight("photos", [(p, 60.0 * i) for i, p in enumerate(preds)]).points[1]
    assert middle.status == "corrected"
    assert middle.confidence == TWO_PLACES and middle.anchor_distance_m is None
    near = smooth_flight("photos", [(p, 20.0 * i) for i, p in enumerate(preds)]).points[1]  # 20 s apart
    assert near.status == "corrected" and near.anchor_distance_m is not None


def test_a_blank_photo_between_photos_a_minute_apart_stays_not_located():
    """Session 25 (mutant S7): a photo with nothing in it ("not located": no candidates, off the
    track) between verified photos 60 s either side of it is not placed by the track either; 20 s
    apart it is ("interpolated")."""
    from dataclasses import replace

    from geolocator.core.model import SOURCE_TRACK, STATUS_NOT_LOCATED

    preds = []
    for i, (e, n) in enumerate([(40, 60), (300, 260), (80, 380)]):
        q = Query(f"DJI_{i}.JPG", Path(f"DJI_{i}.JPG"), truth=at(e, n))
        p = prediction(q, [(e, n, 0.6, 40, True), (e + 200, n, 0.4, 0, False)])
        preds.append(replace(p, status=STATUS_NOT_LOCATED, confidence=0.0) if i == 1 else p)
    far = smooth_flight("photos", [(p, 60.0 * i) for i, p in enumerate(preds)]).points[1]
    assert far.status == STATUS_NOT_LOCATED and far.location_source != SOURCE_TRACK
    near = smooth_flight("photos", [(p, 20.0 * i) for i, p in enumerate(preds)]).points[1]
    assert near.status == "interpolated" and near.location_source == SOURCE_TRACK
