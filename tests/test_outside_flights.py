"""A flight from outside the tiles among flights from inside them (core/outside_tiles.py, session 33).

outregion33's rule reads the share of a run's photos that verified: a run of two flights, one of them
from another area, stayed above the bar, and the foreign flight's unverified answers kept the unverified
table's figure (up to 0.6). The rule is now read per flight too (a video, one camera's timed photos), and
a flight's frames the track placed or left unverified claim no more than the rule allows and say why in
every output (the track's Point carries the caution; a frame's own low-texture caution still does not)."""

from __future__ import annotations

import csv
import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from geolocator.core import export
from geolocator.core.evaluate import exported_answers
from geolocator.core.export_track import predictions_and_tracks_to_geojson, tracks_to_gpx
from geolocator.core.model import Bounds, PhotoMeta, Query, Tile
from geolocator.core.outside_tiles import (
    FLIGHT_CAUTION,
    OUTSIDE_CAUTION,
    OUTSIDE_CEILING,
    flight_groups,
    verified_share,
    with_flight_evidence,
    with_job_evidence,
)
from geolocator.core.predict import LOW_TEXTURE_CAUTION, RETRIEVED_CEILING, predict
from geolocator.core.sequence import smooth
from geolocator.core.wording import caution_lines

CLAIM = 0.3  # below this an answer is not read as a claim
START = datetime(2026, 12, 4, 10, 0, 0)


def _tiles(n: int = 6) -> list[Tile]:
    """n small tiles in a row, about 50 m apart (none agrees with another: predict._agrees)."""
    return [Tile(f"t{i}", Path(f"t{i}.jpg"), Bounds(8.0 + 0.0007 * i, 47.0, 8.0 + 0.0007 * i + 0.0006, 47.00045))
            for i in range(n)]


def _photo(name: str, camera: str, k: int) -> Query:
    make, model = camera.split()
    return Query(name, Path(name), meta=PhotoMeta(captured_at=START + timedelta(seconds=3 * k), make=make, model=model))


def _run(flights: dict[str, list[int]], single: int = 0, low_texture=None):
    """predict() of a run: per camera a timed flight of photos, each row its top-3 inliers' first count
    (0: unverified, a clear cosine win: the unverified table's most); `single` untimed photos, unverified."""
    queries, rows = [], []
    for camera, firsts in flights.items():
        for k, first in enumerate(firsts):
            queries.append(_photo(f"{camera.split()[1]}_{k:02d}.jpg", camera, k))
            rows.append([first, 0, 0])
    for k in range(single):
        queries.append(Query(f"single_{k}.jpg", Path(f"single_{k}.jpg")))
        rows.append([0, 0, 0])
    n = len(queries)
    tiles = _tiles()
    scores = np.tile(np.array([[0.9, 0.7, 0.6]], np.float32), (n, 1))
    ids = np.array([[k % 2, 2 + k % 2, 4 + k % 2] for k in range(n)])  # a drone moving 33 m/s would not be tracked
    # a verified top's photo centre on the ground: its tile's centre (homography, as verification gives it)
    grounds = [[tiles[i].center if r[0] and c == 0 else None for c, i in enumerate(row)] for row, r in zip(ids, rows)]
    return predict(queries, tiles, scores, ids, np.array(rows), grounds, low_texture=low_texture)


def _by_camera(preds, camera_model: str):
    return [p for p in preds if p.query.id.startswith(camera_model)]


def test_flight_groups_are_the_timed_flights_per_camera_and_videos():
    preds = _run({"DJI HOME": [40] * 3, "DJI AWAY": [0] * 2}, single=2)
    video = [Query(f"v.mp4#t={t}", Path("v.mp4"), time_s=float(t)) for t in range(3)]
    groups = flight_groups([p.query for p in preds] + video)
    assert sorted(map(sorted, groups)) == [[0, 1, 2], [3, 4], [7, 8, 9]]  # the untimed photos 5, 6 in none


def test_a_run_of_two_flights_caps_only_the_foreign_flight():
    before = _run({"DJI HOME": [40] * 8 + [0] * 2, "DJI AWAY": [0] * 5})
    home, away = _by_camera(before, "HOME"), _by_camera(before, "AWAY")
    assert verified_share(before) == pytest.approx(8 / 15)  # above the bar: the run's rule alone lets it be
    assert all(p.confidence == pytest.approx(RETRIEVED_CEILING) for p in away)  # 0.6: DJI_0024's figure
    after = with_flight_evidence(before)
    home_after, away_after = _by_camera(after, "HOME"), _by_camera(after, "AWAY")
    assert home_after == home  # the flight that verified: untouched, its two unverified photos too
    assert all(p.confidence == OUTSIDE_CEILING < CLAIM and p.caution == FLIGHT_CAUTION for p in away_after)
    assert "may not be in these tiles" in FLIGHT_CAUTION and [p.status for p in away_after] == ["retrieved"] * 5


def test_single_photos_keep_the_run_rule():
    preds = _run({"DJI HOME": [40] * 6}, single=2)  # 6 of 8 verified: the run's share is above the bar
    after = with_flight_evidence(preds)
    assert after == preds
    nothing = _run({"DJI AWAY": [0] * 3}, single=2)  # nothing verified: every answer, single or not, capped
    assert all(p.confidence == OUTSIDE_CEILING and p.caution == OUTSIDE_CAUTION for p in with_flight_evidence(nothing))


def test_a_foreign_flights_frames_claim_little_and_say_why_in_every_output(tmp_path):
    preds = with_flight_evidence(_run({"DJI HOME": [40] * 8, "DJI AWAY": [0] * 6},
                                      low_texture=np.array([False] * 8 + [True] + [False] * 5)))
    tracks = smooth(preds)
    away = next(t for t in tracks if "AWAY" in t.name)
    home = next(t for t in tracks if "HOME" in t.name)
    placed = [p for p in away.points if p.status != "not located"]
    assert placed and all(p.confidence < CLAIM and p.caution == FLIGHT_CAUTION for p in placed)
    assert all(p.caution is None for p in home.points)
    # the first frame's own caution is the low-texture one; the track's Point says the flight's
    assert _by_camera(preds, "AWAY")[0].caution == LOW_TEXTURE_CAUTION
    names = {p.query.id for p in placed}
    # CSV
    out = tmp_path / "p.csv"
    export.write_csv(preds, out, tracks)
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {r["query"]: r for r in csv.DictReader(fh)}
    assert all(rows[n]["caution"] == FLIGHT_CAUTION and float(rows[n]["confidence"]) < CLAIM for n in names)
    assert all(rows[p.query.id]["caution"] == "" for p in home.points)
    # GeoJSON
    doc = predictions_and_tracks_to_geojson(preds, tracks)
    props = {f["properties"]["query"]: f["properties"] for f in doc["features"]
             if f["geometry"] is not None and f["geometry"]["type"] == "Point" and "query" in f["properties"]}
    assert all(props[n]["caution"] == FLIGHT_CAUTION and props[n]["confidence"] < CLAIM for n in names)
    assert all("caution" not in props[p.query.id] for p in home.points)
    # GPX (KML reads the same note)
    assert tracks_to_gpx(tracks).count("may not be in these tiles") >= len(names)
    # the CLI's caution line, and the app's Results pane (it reads exported_answers)
    assert caution_lines(preds, tracks) == [f"caution on {len(names)} photos ("
                                            + ", ".join(sorted(names)[:3]) + f" and {len(names) - 3} more): {FLIGHT_CAUTION}"]
    shown = {p.query.id: p for p in exported_answers(preds, tracks)}
    assert all(shown[n].caution == FLIGHT_CAUTION for n in names)
    from geolocator.core.webmap import popup_html
    from geolocator.gui.results_panel import _flight_frame_lines

    by_id = {p.query.id: p for p in preds}
    for pt in placed:  # the map's popup and the Results pane: the Point's caution
        assert "may not be in these tiles" in popup_html(by_id[pt.query.id], None, pt)
        assert f"Caution: {FLIGHT_CAUTION}" in _flight_frame_lines(by_id[pt.query.id], shown[pt.query.id], pt.status)
    for pt in home.points:
        assert "Caution" not in popup_html(by_id[pt.query.id], None, pt)
    json.dumps(doc)  # still plain JSON


def test_a_foreign_flights_track_through_two_false_verifications_claims_no_more_than_the_rule():
    """Out of region, 2 of 116 photos verified falsely (outregion33): a track between two such frames
    placed the frames between them at the verified frames' figure (the table fitted in-region)."""
    preds = with_flight_evidence(_run({"DJI HOME": [40] * 8, "DJI AWAY": [40, 0, 0, 0, 40] + [0] * 7}))
    away = next(t for t in smooth(preds) if "AWAY" in t.name)
    between = [p for p in away.points if p.status == "interpolated"]
    assert len(between) == 3 and all(p.confidence <= OUTSIDE_CEILING and p.caution == FLIGHT_CAUTION for p in between)
    verified = [p for p in away.points if p.verified]  # the rule never lowers a verified answer
    assert len(verified) == 2 and all(p.confidence > 0.9 and p.caution is None for p in verified)
    plain = smooth(_run({"DJI HOME": [40] * 8, "DJI AWAY": [40, 0, 0, 0, 40] + [0] * 7}))  # the rule off
    assert all(p.confidence > 0.9 for t in plain if "AWAY" in t.name for p in t.points if p.status == "interpolated")


def _half_foreign_tiles(folder: Path) -> tuple[Path, set[str]]:
    """The demo's tile set with its eastern columns' images replaced by smoothed random texture (plenty
    of keypoints, none of the photos' ground): photos over those tiles cannot verify, the others can;
    the backbone features stay the demo's (retrieval still finds clear wins). Returns the tiles.csv and
    the demo tile paths replaced."""
    from PIL import Image

    from .demo_features import DEMO

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    with open(DEMO / "tiles.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    cols = sorted({r["path"].split("_c")[1] for r in rows})
    foreign = set()
    for i, row in enumerate(rows):
        if row["path"].split("_c")[1] in cols[len(cols) // 2:]:
            foreign.add(row["path"])
            small = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
            Image.fromarray(small).resize((256, 256), Image.BICUBIC).save(folder / f"x{i:02d}.jpg")
            row["path"] = f"x{i:02d}.jpg"
        else:  # the demo's own image, beside the others (a tiles.csv names files inside its folder)
            shutil.copy(DEMO / row["path"], folder / f"x{i:02d}.jpg")
            row["path"] = f"x{i:02d}.jpg"
    with open(folder / "tiles.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return folder / "tiles.csv", foreign


@pytest.mark.slow
def test_a_stand_in_run_of_two_flights_through_the_workspace_caps_only_the_flight_that_did_not_verify(tmp_path):
    """Workspace.locate (demo features, real verification): flight HOME = demo photos over the demo's own
    tiles, flight AWAY = photos over tiles whose images are of 'somewhere else' (two cameras, timed 3 s
    apart). The run verifies well above the bar, so the run rule alone left AWAY's clear cosine wins as
    they were; the flight rule caps them and says why."""
    from dataclasses import replace as with_

    from geolocator.core.tilesets import load_tileset

    from .demo_features import demo_workspace

    tiles_csv, foreign = _half_foreign_tiles(tmp_path / "half")
    ws, region = demo_workspace(tmp_path)
    ws.open_tiles(load_tileset(tiles_csv))
    # which photo is over which half: the region's truth tile, to build the stand-in only
    home = [q for q in region.queries if q.truth_tile not in foreign][:12]
    away = [q for q in region.queries if q.truth_tile in foreign][:10]
    queries = ([with_(q, meta=PhotoMeta(captured_at=START + timedelta(seconds=3 * k), make="DJI", model="HOME"))
                for k, q in enumerate(home)]
               + [with_(q, meta=PhotoMeta(captured_at=START + timedelta(seconds=3 * k), make="DJI", model="AWAY"))
                  for k, q in enumerate(away)])
    ws.settings.job_evidence = False
    off = ws.locate(queries)
    ws.settings.job_evidence = True
    on = ws.locate(queries)
    n_home = len(home)
    assert verified_share(off) >= 0.25 and verified_share(off[n_home:]) < 0.25
    run_only = with_job_evidence(off)
    assert run_only == off  # main's run rule: the run verified enough, so nothing changed
    assert max(p.confidence for p in off[n_home:] if p.status == "retrieved") > OUTSIDE_CEILING
    assert on[:n_home] == off[:n_home]  # the flight that verified: as it was
    assert all(p.confidence <= OUTSIDE_CEILING and p.caution for p in on[n_home:] if p.status == "retrieved")
    assert any(p.caution == FLIGHT_CAUTION for p in on[n_home:])
