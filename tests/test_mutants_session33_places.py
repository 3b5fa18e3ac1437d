"""Tests the session-33 mutation check (training/mutation_check_session33.py) found missing for "a
not-located photo has no place" (model.claims_place and its uses in core/export.py, export_track.py,
exports.py, geotags.py, evidence.py, webmap.py): each kills a mutant the earlier tests let through
(named in its docstring)."""

from __future__ import annotations

import json

from geolocator.core.evaluate import FarFromTiles
from geolocator.core.export import NOT_LOCATED_CAUTION, PLACE_FIELDS, predictions_to_geojson, without_place

from .test_not_located_exports import _preds


# what export.camera_properties gives of a verified footprint: where the drone was and how it looked
CAMERA = {"camera_lat": 46.1, "camera_lon": 9.6, "camera_height_m": 120.0, "camera_heading_deg": 33.0,
          "camera_tilt_deg": 12.5}


def test_without_place_says_confidence_zero_whatever_the_answer_held():
    """EX2, EX12: a not-located answer's properties read confidence 0 and the not-located caution even
    when the figures handed in held another (an older record, a frame's own guess), and every field
    that gives or derives from a place is null, the camera's pose (export.camera_properties) all of it;
    the other properties are kept."""
    props = {"query": "cap.jpg", "status": "not located", "confidence": 0.4, "caution": "low texture",
             "lat": 46.1, "lon": 9.6, "radius_m": 350.0, "mgrs": "32T", "note": "blurred", **CAMERA}
    out = without_place(props)
    assert out["confidence"] == 0.0 and out["caution"] == NOT_LOCATED_CAUTION
    assert all(out[k] is None for k in ("lat", "lon", "radius_m", "mgrs", *CAMERA))
    assert set(CAMERA) <= set(PLACE_FIELDS)
    assert (out["query"], out["status"], out["note"]) == ("cap.jpg", "not located", "blurred")
    assert props["confidence"] == 0.4  # a new dict: the one handed in is left as it was


def test_the_far_from_tiles_warning_reaches_a_not_located_photo_too():
    """EX5: evaluate.far_from_tiles' sentence marks every photo it is about, a not-located one (null
    geometry) as well as a located one: a blank photo recorded far away is as likely of the wrong tiles."""
    far = FarFromTiles("recorded 2,000 km from the tiles", frozenset({"cap.jpg", "good.jpg"}))
    doc = predictions_to_geojson(_preds(), far=far)
    photos = {f["properties"]["query"]: f for f in doc["features"]}
    assert photos["cap.jpg"]["geometry"] is None
    assert photos["cap.jpg"]["properties"]["warning"] == far.note == photos["good.jpg"]["properties"]["warning"]
    assert json.loads(json.dumps(doc))["warning"] == far.note


def test_a_not_located_csv_row_reads_confidence_zero_whatever_the_answer_held(tmp_path):
    """EX8 (as EX2 for the CSV): the row of a not-located answer reads confidence 0.0, with its place
    cells empty and the not-located caution, even when the answer handed in held another figure."""
    import csv
    from dataclasses import replace

    from geolocator.core.export import write_csv

    blank, good = _preds()
    write_csv([replace(blank, confidence=0.4), good], tmp_path / "p.csv")
    rows = {r["query"]: r for r in csv.DictReader(open(tmp_path / "p.csv", encoding="utf-8"))}
    assert (rows["cap.jpg"]["confidence"], rows["cap.jpg"]["lat"], rows["cap.jpg"]["caution"]) == ("0.0", "", NOT_LOCATED_CAUTION)
    assert float(rows["good.jpg"]["confidence"]) == good.confidence


def test_a_frame_placed_by_its_track_scores_no_single_frame_error_when_its_own_answer_was_not_located():
    """ET2: with a truth, the frame's single_error_m (its own answer's distance from the truth) is
    null where that answer was not located (its `own` is the candidates' middle, no claim), while the
    track's Point keeps its error_m."""
    from dataclasses import replace

    from geolocator.core.export_track import predictions_and_tracks_to_geojson
    from geolocator.core.model import STATUS_NOT_LOCATED, LatLon

    from .test_not_located_exports import WHERE, _flight

    preds, tracks = _flight()
    truth = LatLon(46.5005, 9.2505)
    blurred = replace(preds[1], status=STATUS_NOT_LOCATED, confidence=0.0,
                      query=replace(preds[1].query, truth=truth, truth_source="truth.csv"))
    placed = replace(tracks[0].points[1], query=blurred.query, status="interpolated", location=WHERE,
                     confidence=0.8, own_placed=False, own_error_m=400.0, error_m=70.0)
    tracks = [replace(tracks[0], points=(tracks[0].points[0], placed))]
    doc = predictions_and_tracks_to_geojson([preds[0], blurred], tracks)
    (frame,) = [f for f in doc["features"] if f["properties"].get("query") == "f1.jpg"]
    assert frame["properties"]["error_m"] == 70.0 and frame["properties"]["truth_lat"] == 46.5005
    assert frame["properties"]["single_error_m"] is None


def test_a_track_geojson_alone_gives_a_not_located_frame_no_place_nor_radius():
    """ET3: the flight-only GeoJSON (tracks_to_geojson, write_track_geojson: `track` with no photos)
    lists a frame the track left not located with null geometry, no radius around a place it has
    not, confidence 0 and the not-located caution; the matched frame keeps its figures."""
    from geolocator.core.export_track import tracks_to_geojson

    from .test_not_located_exports import _flight

    _, tracks = _flight()
    frames = {f["properties"]["query"]: f for f in tracks_to_geojson(tracks)["features"]
              if f["properties"].get("kind") == "frame"}
    props = frames["f1.jpg"]["properties"]
    assert frames["f1.jpg"]["geometry"] is None
    assert props["radius_m"] is None and props["confidence"] == 0.0
    assert props["caution"] == NOT_LOCATED_CAUTION and props["status"] == "not located"
    assert frames["f0.jpg"]["geometry"]["coordinates"][1] == 46.5 and frames["f0.jpg"]["properties"]["confidence"] == 0.97


def test_the_gpx_left_out_line_names_twenty_then_counts_the_rest():
    """ET7, ET8: left_out_note names the first `shown` (20) photos left out of a GPX, then "and N
    more"; exactly 20 are all named with no "and 0 more"; none: no line."""
    from geolocator.core.export_track import left_out_note

    ids = [f"DJI_{i:04d}.JPG" for i in range(25)]
    twenty = left_out_note(ids[:20])
    assert twenty == f"Not located, so left out (no position to give): {', '.join(ids[:20])}."
    many = left_out_note(ids)
    assert many.endswith(f"{ids[19]} and 5 more.") and ids[20] not in many
    assert left_out_note(ids, shown=2) == "Not located, so left out (no position to give): DJI_0000.JPG, DJI_0001.JPG and 23 more."
    assert left_out_note([]) is None


def test_a_gpx_named_in_capitals_still_says_what_it_leaves_out():
    """EXS1: "TRACK.GPX" is a GPX (write_predictions picks the writer by the lower-cased suffix), so
    left_out_of names its not-located photo as for "track.gpx"; other formats leave none out."""
    from geolocator.core.exports import left_out_of

    preds = _preds()
    assert left_out_of("TRACK.GPX", preds) == left_out_of("track.gpx", preds)
    assert "cap.jpg" in left_out_of("TRACK.GPX", preds) and "good.jpg" not in left_out_of("TRACK.GPX", preds)
    assert left_out_of("track.geojson", preds) is None


def test_a_flights_not_located_frame_is_named_once_in_the_gpx_left_out_line():
    """EXS2: a frame of a flight is named by its track point alone: a frame whose own answer and track
    point are both not located is named once, not also as a photo in no flight."""
    from dataclasses import replace

    from geolocator.core.exports import left_out_of
    from geolocator.core.model import STATUS_NOT_LOCATED

    from .test_not_located_exports import _flight

    preds, tracks = _flight()
    preds[1] = replace(preds[1], status=STATUS_NOT_LOCATED, confidence=0.0)
    line = left_out_of("flight.gpx", preds, tracks)
    assert line == "Not located, so left out (no position to give): f1.jpg."


def _panel(tmp_path, status: str, at):
    """evidence._imagery_panel of a photo of `status` whose answer's Point is `at`, on one plain grey tile."""
    from pathlib import Path

    from PIL import Image

    from geolocator.core.evidence import _imagery_panel
    from geolocator.core.model import Bounds, Match, Prediction, Query, Tile, TileSet

    Image.new("RGB", (256, 256), (100, 100, 100)).save(tmp_path / "t1.png")
    tile = Tile("t1", tmp_path / "t1.png", Bounds(9.6, 46.1, 9.7, 46.15))
    pred = Prediction(Query("cap.jpg", Path("cap.jpg")), (Match(tile, 0.31, 1),), at, at, 0.0, status=status)
    return _imagery_panel(pred, TileSet((tile,), tmp_path))


def test_the_evidence_picture_neither_marks_nor_widens_to_a_not_located_photos_middle(tmp_path):
    """EV3, EV4: the evidence figure's imagery of a not-located photo shows its top tile with no red
    cross (no Point was claimed) and its view is not widened to take in the candidates' middle; a
    retrieved answer at the same places gets both (the test tells them apart)."""
    import numpy as np

    from geolocator.core.model import STATUS_NOT_LOCATED, LatLon

    def crosses(img) -> int:
        return int((np.asarray(img.convert("RGB")) == (255, 40, 40)).all(axis=-1).sum())

    inside, outside = LatLon(46.125, 9.65), LatLon(46.3, 9.9)
    img, _ = _panel(tmp_path, STATUS_NOT_LOCATED, inside)
    assert crosses(img) == 0
    assert crosses(_panel(tmp_path, "retrieved", inside)[0]) > 0
    _, view = _panel(tmp_path, STATUS_NOT_LOCATED, outside)
    assert view.north < 46.3 and view.east < 9.9  # the tile and its margin only
    _, wide = _panel(tmp_path, "retrieved", outside)
    assert wide.north > 46.3 and wide.east > 9.9


def test_the_map_popup_of_a_frame_the_track_left_not_located_gives_no_radius_nor_position():
    """WM3, WM4: the popup of a flight's frame the track left not located reads its confidence with no
    "within N m" and Location "none: not located", not the track's coordinates nor its radius."""
    from geolocator.core import webmap

    from .test_not_located_exports import _flight

    preds, tracks = _flight()
    frame = tracks[0].points[1]
    assert frame.status == "not located" and frame.radius_m == 350.0
    html = webmap.popup_html(preds[1], None, track_point=frame)
    assert "within" not in html and "350" not in html
    assert "none: not located" in html and "46.123456" not in html and "9.654321" not in html
    placed = webmap.popup_html(preds[0], None, track_point=tracks[0].points[0])
    assert "46.500000, 9.250000" in placed


def test_a_frame_past_the_tracks_horizon_claims_nothing_though_its_own_guess_did():
    """SQ2: a frame the track leaves "not located" (past the extrapolation horizon after the last
    verified frame) reads confidence 0 on the track (the app's list, the CLI line, the map popup), not
    its own unverified guess's figure: no place is claimed, so nothing is claimed to be sure of."""
    from geolocator.core.sequence import MotionModel, smooth

    from .test_sequence import flight, prediction

    preds, _ = flight(n=30, bad=(), chance=())
    for i in range(20, 30):  # nothing verified after frame 19: a clear but unverified guess each
        preds[i] = prediction(preds[i].query, [(900, 900, 0.9, 0, False), (950, 50, 0.45, 2, False)])
    [track] = smooth(preds)
    past = [i for i in range(20, 30) if i - 19 > MotionModel().extrapolate_s]
    assert past and all(track.points[i].status == "not located" for i in past)
    assert all(preds[i].status == "retrieved" and preds[i].confidence > 0 for i in past)
    assert [track.points[i].confidence for i in past] == [0.0] * len(past)
