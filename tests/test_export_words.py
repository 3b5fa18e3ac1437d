"""What the CLI's closing line and every exported text say of a photo "not located" (session 34,
exportwords34). Before: `locate --out p.gpx` said "wrote 4 predictions to p.gpx" for a GPX holding 3, the
photo it left out named on stderr after it; a KML description read "not located; blank frame (…); not
located: no place is claimed (nothing to match in the picture), …", "not located" twice and a second
reason, which for a flight's frame the track left unplaced ("nothing on the flight's track placed it") was
wrong; such a frame's description gave "confidence 0.000" of a claim it does not make."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import gpxpy

from geolocator.core.content import BLURRED
from geolocator.core.export import NOT_LOCATED_CAUTION, predictions_to_geojson, write_csv
from geolocator.core.export_track import tracks_to_gpx, tracks_to_kml
from geolocator.core.exports import write_predictions, wrote_line
from geolocator.core.wording import NO_PLACE_CLAIMED, TRACK_STATUS_WORDS, left_out_line, not_located_words

from .test_not_located_exports import _flight, _preds

KML = {"k": "http://www.opengis.net/kml/2.2"}


def _descriptions(kml: str) -> dict[str, str]:
    return {pm.find("k:name", KML).text: pm.find("k:description", KML).text
            for pm in ET.fromstring(kml).iter(f"{{{KML['k']}}}Placemark") if pm.find("k:description", KML) is not None}


def test_the_count_line_counts_what_each_file_holds_and_names_what_a_gpx_left_out():
    preds = _preds()  # cap.jpg not located, good.jpg verified
    assert wrote_line(["p.gpx"], preds) == "wrote 1 of 2 predictions to p.gpx (1 not located, so left out: cap.jpg)"
    assert wrote_line(["p.csv", "p.gpx", "p.kml"], preds) == (
        "wrote 2 predictions to p.csv, p.kml and 1 of 2 to p.gpx (1 not located, so left out: cap.jpg)")
    assert wrote_line(["p.geojson"], preds) == "wrote 2 predictions to p.geojson"  # every other format lists it
    assert wrote_line(["p.gpx"], preds[1:]) == "wrote 1 prediction to p.gpx"
    frames, tracks = _flight()  # f1.jpg: the track left it not located; the flight's track said after the count
    assert wrote_line(["a.kml", "a.gpx"], frames, tracks) == (
        "wrote 2 predictions and 1 track to a.kml and 1 of 2 to a.gpx (1 not located, so left out: f1.jpg)")
    many = [preds[0]] * 5 + [preds[1]]
    assert wrote_line(["p.gpx"], many, inline=2) == (
        "wrote 1 of 6 predictions to p.gpx (5 not located, so left out: cap.jpg, cap.jpg and 3 more)")


def test_the_count_line_agrees_with_the_files(tmp_path):
    preds = _preds()
    for suffix in (".gpx", ".kml", ".csv", ".geojson"):
        path = write_predictions(tmp_path / f"p{suffix}", preds)
        text = path.read_text(encoding="utf-8")
        held = {".gpx": lambda: len(gpxpy.parse(text).waypoints),
                ".kml": lambda: text.count("<Placemark"),
                ".csv": lambda: len(list(csv.DictReader(io.StringIO(text)))),
                ".geojson": lambda: len(json.loads(text)["features"])}[suffix]()
        line = wrote_line([path], preds)
        assert line.startswith(f"wrote {held} of 2 predictions" if held < 2 else "wrote 2 predictions"), (suffix, line)


def test_a_not_located_photo_says_not_located_and_why_once_in_every_text(tmp_path):
    kml = _descriptions(tracks_to_kml([], _preds()))
    assert kml["cap.jpg"] == f"not located: {BLURRED}; {NO_PLACE_CLAIMED}"
    assert kml["cap.jpg"].count("not located") == 1 and "nothing to match" not in kml["cap.jpg"]
    # without a note: what the level means (core/levels.py), once
    assert not_located_words(None) == "not located: nothing to match (blank, sky or blurred picture)"
    # GeoJSON and CSV: the level in `status`/`level`, why in `note`; the caution adds what follows, not them again
    props = predictions_to_geojson(_preds())["features"][0]["properties"]
    assert (props["level"], props["note"], props["caution"]) == ("not located", BLURRED, NO_PLACE_CLAIMED)
    assert NOT_LOCATED_CAUTION == NO_PLACE_CLAIMED and "not located" not in NOT_LOCATED_CAUTION
    write_csv(_preds(), tmp_path / "p.csv")
    row = next(csv.DictReader(open(tmp_path / "p.csv", encoding="utf-8")))
    cells = " | ".join(row.values())
    assert cells.count(BLURRED) == 1 and cells.count(NO_PLACE_CLAIMED) == 1


def test_a_frame_the_track_left_not_located_says_the_tracks_reason_and_no_confidence():
    _, tracks = _flight()  # f1.jpg's own answer was a retrieved guess: it had something to match
    desc = _descriptions(tracks_to_kml(tracks))["f1.jpg"]
    assert desc == f"{TRACK_STATUS_WORDS['not located']}; t=90.000 s; {NO_PLACE_CLAIMED}"
    assert "confidence" not in desc and "nothing to match" not in desc and desc.count("not located") == 1
    gpx = gpxpy.parse(tracks_to_gpx(tracks))
    assert gpx.description == "Not located, so left out (no position to give): f1.jpg."


def test_a_photo_that_could_not_be_read_is_in_none_of_several_files():
    """`--out p.csv --out p.gpx` with a photo cut short mid-copy: 'is not in them', not 'in it'."""
    failed = {"/day/IMG_0010.JPG": "corrupt image data"}
    assert left_out_line(failed) == "; 1 photo could not be read and is not in it: IMG_0010.JPG (the warning above says why)"
    assert left_out_line(failed, files=2) == (
        "; 1 photo could not be read and is not in them: IMG_0010.JPG (the warning above says why)")


def test_a_not_located_answer_names_no_source_of_a_place_it_does_not_have(tmp_path):
    """Field case 11: the blank frames' GeoJSON and CSV said `location_source` "weighted" beside a null
    geometry and empty lat/lon (session 34)."""
    props = predictions_to_geojson(_preds())["features"][0]["properties"]
    assert props["query"] == "cap.jpg" and props["location_source"] is None
    write_csv(_preds(), tmp_path / "p.csv")
    rows = {r["query"]: r for r in csv.DictReader(open(tmp_path / "p.csv", encoding="utf-8"))}
    assert rows["cap.jpg"]["location_source"] == "" and rows["good.jpg"]["location_source"] == "homography"
