"""A photo "not located" (nothing to match: lens cap, white frame, sky, blur) claims no place, so no export
gives it one (session 33): it was a Point at its candidates' middle, marked "not located" with confidence
0, which a search team's GIS draws as a pin where nothing was claimed. Each writer, with one not-located
photo beside a located one, and a flight's frame the track left not located."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import gpxpy

from geolocator.core import webmap
from geolocator.core.content import BLURRED
from geolocator.core.export import (NOT_LOCATED_CAUTION, PLACE_FIELDS, predictions_to_geojson, write_csv,
                                    write_geojson)
from geolocator.core.export_track import (NOT_LOCATED_FOLDER, predictions_and_tracks_to_geojson, tracks_to_gpx,
                                          tracks_to_kml)
from geolocator.core.exports import left_out_of, write_predictions
from geolocator.core.geotags import geotags_for
from geolocator.core.model import (STATUS_NOT_LOCATED, Bounds, LatLon, Match, Prediction, Query, Tile,
                                   claims_place)
from geolocator.core.sequence import Track, TrackPoint

from . import rfc7946
from .helpers import json_numbers

KML = {"k": "http://www.opengis.net/kml/2.2"}
MIDDLE = LatLon(46.123456, 9.654321)  # the blank photo's candidates' middle: no claim, never to be written
WHERE = LatLon(46.5, 9.25)  # the located photo's answer



def _preds() -> list[Prediction]:
    tile = Tile("t1", Path("t1.png"), Bounds(9.6, 46.1, 9.7, 46.15))
    other = Tile("t2", Path("t2.png"), Bounds(9.2, 46.45, 9.3, 46.55))
    blank = Prediction(Query("cap.jpg", Path("cap.jpg"), truth=LatLon(46.12, 9.65), truth_source="truth.csv"),
                       (Match(tile, 0.31, 1),), MIDDLE, MIDDLE, 0.0, error_m=400.0, weighted_error_m=400.0,
                       tile_error_m=410.0, status=STATUS_NOT_LOCATED, note=BLURRED)
    good = Prediction(Query("good.jpg", Path("good.jpg")), (Match(other, 0.9, 1, inliers=80, ground=WHERE),), WHERE,
                      WHERE, 0.97, location_source="homography", status="verified")
    return [blank, good]


def _has_middle(text: str) -> bool:
    """Whether `text` holds the blank photo's candidates' middle, in any rounding of 4 decimals or more."""
    return "46.1234" in text or "9.6543" in text


def test_claims_place_is_false_for_not_located_only():
    assert not claims_place(STATUS_NOT_LOCATED)
    assert all(claims_place(s) for s in ("verified", "weak match", "retrieved", "interpolated", "flagged", None))


def test_geojson_feature_stays_with_null_geometry_and_no_place_nor_nan(tmp_path):
    doc = predictions_to_geojson(_preds(), tile_footprints=True)
    blank, good = doc["features"][:2]
    assert blank["geometry"] is None and good["geometry"] == {"type": "Point", "coordinates": [9.25, 46.5]}
    props = blank["properties"]
    assert (props["query"], props["status"], props["level"], props["confidence"]) == ("cap.jpg", "not located",
                                                                                     "not located", 0.0)
    assert props["note"] == BLURRED and props["caution"] == NOT_LOCATED_CAUTION
    present = [f for f in PLACE_FIELDS if f in props]
    assert {"weighted_lat", "tile_center_lat", "radius_m", "error_m", "mgrs", "utm"} <= set(present)
    assert all(props[f] is None for f in present)
    assert all(math.isfinite(x) for x in json_numbers(props))
    assert not _has_middle(json.dumps(blank))
    assert good["properties"]["mgrs"] and good["properties"]["confidence"] == 0.97  # the located one unchanged
    write_geojson(_preds(), tmp_path / "p.geojson")  # allow_nan=False: fails on a NaN
    assert rfc7946.validate((tmp_path / "p.geojson").read_text()) == []


def test_csv_row_stays_with_empty_place_cells_and_the_caution_in_both_flavours(tmp_path):
    for excel, sep in ((False, ","), (True, ";")):
        path = tmp_path / f"p{excel}.csv"
        write_csv(_preds(), path, excel=excel)
        text = path.read_text(encoding="utf-8-sig")
        assert not _has_middle(text) and "nan" not in text.lower()
        rows = {r["query"]: r for r in csv.DictReader(io.StringIO(text), delimiter=sep)}
        blank, good = rows["cap.jpg"], rows["good.jpg"]
        assert all(blank[c] == "" for c in PLACE_FIELDS if c in blank)
        assert (blank["status"], blank["level"], blank["caution"], blank["note"]) == (
            "not located", "not located", NOT_LOCATED_CAUTION, BLURRED)
        assert blank["confidence"] in ("0.0", "0,0") and blank["truth_lat"] != ""  # the truth stays (scoring)
        assert good["lat"].replace(",", ".") == "46.5" and good["mgrs"] and good["caution"] == ""


def test_kml_placemark_without_geometry_in_a_not_located_folder():
    doc = ET.fromstring(tracks_to_kml([], _preds())).find("k:Document", KML)
    folders = {f.find("k:name", KML).text: f for f in doc.findall("k:Folder", KML)}
    assert set(folders) == {"photos in no flight", NOT_LOCATED_FOLDER}
    (pm,) = folders[NOT_LOCATED_FOLDER].findall("k:Placemark", KML)
    assert pm.find("k:name", KML).text == "cap.jpg"
    assert [el.tag.split("}")[1] for el in pm] == ["name", "description", "ExtendedData"]  # no geometry at all
    assert NOT_LOCATED_CAUTION in pm.find("k:description", KML).text
    (good,) = folders["photos in no flight"].findall("k:Placemark", KML)
    assert good.find("k:Point/k:coordinates", KML).text == "9.25,46.5,0.0"
    assert not _has_middle(tracks_to_kml([], _preds())) and "0.0,0.0" not in tracks_to_kml([], _preds())


def test_gpx_leaves_it_out_and_names_it(tmp_path):
    gpx = gpxpy.parse(tracks_to_gpx([], _preds()))
    assert [w.name for w in gpx.waypoints] == ["good.jpg"]
    assert gpx.description == "Not located, so left out (no position to give): cap.jpg."
    assert left_out_of(tmp_path / "p.gpx", _preds()) == gpx.description  # what the CLI and the app say
    assert left_out_of(tmp_path / "p.kml", _preds()) is None and left_out_of(tmp_path / "p.gpx", _preds()[1:]) is None
    write_predictions(tmp_path / "p.gpx", _preds())
    assert not _has_middle((tmp_path / "p.gpx").read_text())


def _flight():
    """A two-frame flight: the first matched, the second left "not located" by the track though its own
    single-frame answer was a (retrieved) guess."""
    blank, good = _preds()
    guess = Prediction(Query("f1.jpg", Path("f1.jpg")), blank.matches, MIDDLE, MIDDLE, 0.3, status="retrieved")
    frame = Prediction(Query("f0.jpg", Path("f0.jpg")), good.matches, WHERE, WHERE, 0.97, status="verified",
                       location_source="homography")
    track = Track("photos", (TrackPoint(frame.query, 0.0, WHERE, "matched", WHERE, verified=True, confidence=0.97),
                             TrackPoint(guess.query, 90.0, MIDDLE, "not located", MIDDLE, confidence=0.0,
                                        radius_m=350.0)))
    return [frame, guess], [track]


def test_a_flight_frame_the_track_left_not_located_has_no_place_either(tmp_path):
    preds, tracks = _flight()
    doc = predictions_and_tracks_to_geojson(preds, tracks)
    frames = {f["properties"]["query"]: f for f in doc["features"] if "query" in f["properties"]}
    assert frames["f1.jpg"]["geometry"] is None and frames["f0.jpg"]["geometry"]["type"] == "Point"
    props = frames["f1.jpg"]["properties"]
    assert props["status"] == "not located" and props["confidence"] == 0.0 and props["caution"] == NOT_LOCATED_CAUTION
    assert all(props[f] is None for f in PLACE_FIELDS if f in props) and "single_lat" in props
    assert not _has_middle(json.dumps(doc))  # nor its own single-frame guess
    write_csv(preds, tmp_path / "f.csv", tracks=tracks)
    rows = {r["query"]: r for r in csv.DictReader(open(tmp_path / "f.csv"))}
    assert (rows["f1.jpg"]["lat"], rows["f1.jpg"]["single_lat"], rows["f1.jpg"]["confidence"]) == ("", "", "0.0")
    gpx = gpxpy.parse(tracks_to_gpx(tracks))
    assert [w.name for w in gpx.waypoints] == ["f0.jpg"] and "f1.jpg" in gpx.description
    assert [p.name for p in gpx.tracks[0].segments[0].points] == ["f0.jpg"]  # the line does not pass through it
    kml = tracks_to_kml(tracks)
    assert not _has_middle(kml) and "within" not in kml.split("f1.jpg")[1]  # no radius around a place it has not
    # a photo sequence's frame the track left not located gets no GPS in a geotag (nor a geotagged copy)
    tags, left_out = geotags_for([preds[0], preds[1]], tracks, min_confidence=0.0)
    assert [t.query_id for t in tags] == ["f0.jpg"] and ("f1.jpg", "not located") in left_out


def test_the_map_draws_no_marker_for_it_but_keeps_it_listed(tmp_path):
    page = webmap.build_map(None, _preds(), assets=webmap.Assets(tmp_path / "a"), tracks=[]).get_root().render()
    items = {d["id"]: d for d in (json.loads(x) for x in re.findall(r"geoloc\.add\((\{.*?\})\);\n", page))}
    assert set(items) == {"cap.jpg", "good.jpg"}  # listed, both
    assert (items["cap.jpg"]["lat"], items["cap.jpg"]["lon"], items["cap.jpg"]["truth"]) == (None, None, None)
    assert items["cap.jpg"]["colour"] == webmap.NOT_LOCATED_COLOUR and "none: not located" in items["cap.jpg"]["popup"]
    assert items["good.jpg"]["lat"] == 46.5
    assert "if (d.lat === null) { api.data[d.id] = d; api.notLocatedShown(); return; }" in page  # no marker, no pan (api.highlight); counted in the legend


def test_the_evidence_record_gives_no_place(tmp_path):
    """evidence.json (core/evidence.py, `locate --evidence`): a not-located photo's record has no
    coordinates, grid reference nor radius, and says why; a located one keeps them."""
    from geolocator.core.evidence import evidence_facts
    from geolocator.core.model import TileSet

    blank, good = _preds()
    tileset = TileSet(tuple({m.tile.id: m.tile for p in (blank, good) for m in p.matches}.values()), tmp_path)
    facts = evidence_facts(blank, tileset)
    assert facts["location"]["lat"] is None and facts["location"]["mgrs"] is None and facts["radius_m"] is None
    assert facts["caution"] == NOT_LOCATED_CAUTION and facts["status"] == "not located"
    assert not _has_middle(json.dumps(facts))
    assert evidence_facts(good, tileset)["location"]["lat"] == 46.5


def test_a_frame_the_track_placed_gives_no_single_frame_place_when_its_own_answer_was_not_located(tmp_path):
    """A blurred frame between verified ones: the track places it (interpolated), but its own answer was
    "not located": its single_lat/lon (the candidates' middle) are not given, in any format."""
    from dataclasses import replace

    preds, tracks = _flight()
    blurred = replace(preds[1], status=STATUS_NOT_LOCATED, confidence=0.0, note=BLURRED)
    placed = replace(tracks[0].points[1], status="interpolated", location=WHERE, confidence=0.8, own_placed=False)
    tracks = [replace(tracks[0], points=(tracks[0].points[0], placed))]
    doc = predictions_and_tracks_to_geojson([preds[0], blurred], tracks)
    (frame,) = [f for f in doc["features"] if f["properties"].get("query") == "f1.jpg"]
    assert frame["geometry"]["type"] == "Point" and frame["properties"]["status"] == "interpolated"
    assert frame["properties"]["single_lat"] is None and frame["properties"]["weighted_lat"] is None
    assert "caution" not in frame["properties"]  # the Point is the track's, which claims it
    write_csv([preds[0], blurred], tmp_path / "f.csv", tracks=tracks)
    text = (tmp_path / "f.csv").read_text()
    row = {r["query"]: r for r in csv.DictReader(io.StringIO(text))}["f1.jpg"]
    assert (row["lat"], row["single_lat"], row["weighted_lat"]) == ("46.5", "", "")
    gpx = tracks_to_gpx(tracks)
    assert "single-frame estimate none (not located)" in gpx
    assert not _has_middle(json.dumps(doc)) and not _has_middle(text) and not _has_middle(gpx)


def test_the_sequence_model_records_whether_a_frames_own_answer_was_located():
    from dataclasses import replace

    from geolocator.core.sequence import smooth

    from .test_sequence import flight

    preds, _ = flight(n=6, bad=(), chance=())
    preds[3] = replace(preds[3], status=STATUS_NOT_LOCATED, confidence=0.0, note=BLURRED)
    (track,) = smooth(preds)
    assert [p.own_placed for p in track.points] == [True, True, True, False, True, True]
    assert track.points[3].status == "interpolated"  # the track still places it, between verified frames
