"""Exact contents of the per-photo exports (core/export.py): every GeoJSON property and CSV cell
of hand-built predictions, written for session 6's mutation run (training/results/mutation.md).
No image is read and no model runs."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from geolocator.core import export
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile


def _tile(tid: str, west: float, south: float, size: float = 0.001) -> Tile:
    return Tile(tid, Path(f"tiles/{tid}.png"), Bounds(west, south, west + size, south + size))


A = _tile("a", 10.0, 50.0)
B = _tile("b", 10.001, 50.0)
C = _tile("c", 10.002, 50.0)


def _prediction(query: Query, matches=None, **kw) -> Prediction:
    matches = matches or (Match(A, 0.912345678, 1), Match(B, 0.5, 2, inliers=7))
    values = dict(location=LatLon(50.000512345678, 10.000498765432), weighted_location=LatLon(50.0004, 10.0006),
                  confidence=0.87654321, location_source="weighted", status="retrieved")
    values.update(kw)
    return Prediction(query, tuple(matches), **values)


def test_format_confidence_never_rounds_up_to_certainty():
    # three decimals everywhere (mend17: 0.971 in the CSV, 0.9710 in KML, 0.97 in the list and GPX
    # before); 0.9996 would round to 1.000: 0.999 instead; exactly 1 stays 1.000
    assert [export.format_confidence(c) for c in (0.0, 0.5, 0.994, 0.996, 0.997, 0.9994, 0.9996, 1.0, 0.97104)] == \
        ["0.000", "0.500", "0.994", "0.996", "0.997", "0.999", "0.999", "1.000", "0.971"]


def test_machine_confidence_is_the_csv_figure():
    # the CSV's and GeoJSON's 4-decimal round, as text without trailing zeros (KML Data held 0.9710)
    assert [export.machine_confidence(c) for c in (0.971, 0.99664, 0.5, 1.0)] == ["0.971", "0.9966", "0.5", "1.0"]


def test_round_drops_what_json_cannot_hold():
    assert [export._round(x) for x in (None, math.nan, math.inf, -math.inf, 1.23456789, -2)] == \
        [None, None, None, None, 1.2346, -2.0]
    assert export._round(1.23456789, 2) == 1.23 and export._round(7.5, 0) == 8.0


def test_points_and_rings_are_lon_lat_to_seven_decimals_and_counter_clockwise():
    assert export._point(LatLon(50.123456789, -10.987654321)) == [-10.9876543, 50.1234568]
    b = Bounds(10.123456789, 50.0, 10.2, 50.200000049)
    assert export._ring(b) == [[10.1234568, 50.0], [10.2, 50.0], [10.2, 50.2], [10.1234568, 50.2], [10.1234568, 50.0]]


def test_a_footprint_across_the_antimeridian_is_two_polygons_cut_at_180():
    assert export._footprint(Bounds(179.5, -1.0, -179.5, 1.0)) == {"type": "MultiPolygon", "coordinates": [
        [[[179.5, -1.0], [180.0, -1.0], [180.0, 1.0], [179.5, 1.0], [179.5, -1.0]]],
        [[[-180.0, -1.0], [-179.5, -1.0], [-179.5, 1.0], [-180.0, 1.0], [-180.0, -1.0]]],
    ]}
    assert export._footprint(Bounds(1.0, 2.0, 3.0, 4.0)) == {"type": "Polygon", "coordinates": [
        [[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 4.0], [1.0, 2.0]]]}


def test_properties_of_a_photo_with_a_truth_file_position():
    q = Query("x.jpg", Path("x.jpg"), truth=LatLon(50.00055555555, 10.00044444444), truth_source="truth.csv")
    p = _prediction(q, error_m=12.3456, weighted_error_m=23.4567, tile_error_m=34.5678, note="why")
    assert export.prediction_properties(p) == {
        "query": "x.jpg", "tile": "a", "score": 0.9123, "confidence": 0.8765, "radius_m": 66.1,
        "weighted_lat": 50.0004, "weighted_lon": 10.0006,
        "top_k": [{"rank": 1, "tile": "a", "score": 0.9123}, {"rank": 2, "tile": "b", "score": 0.5}],
        "status": "retrieved", "level": "tile level only", "location_source": "weighted",
        "tile_center_lat": 50.0005, "tile_center_lon": 10.0005, "inliers": None, "note": "why",
        "truth_lat": 50.0005556, "truth_lon": 10.0004444, "truth_source": "truth.csv",
        "error_m": 12.35, "weighted_error_m": 23.46, "tile_error_m": 34.57, "error_kind": "centre",
        "mgrs": "32U NA 71701 39167", "utm": "32U 571701mE 5539167mN",  # the Point's (PyPI mgrs 1.6.0)
    }


def test_properties_without_truth_leave_the_truth_out_and_keep_the_photos_records():
    meta = PhotoMeta(make="DJI", relative_altitude_m=80.12345, gimbal_yaw_deg=-12.5)
    q = Query("y.jpg", Path("y.jpg"), truth_note="EXIF GPS is 0, 0", meta=meta)
    props = export.prediction_properties(_prediction(q, status="verified", location_source="homography"))
    assert "truth_lat" not in props and "error_m" not in props and "error_kind" not in props and "note" not in props
    assert (props["truth_note"], props["make"], props["relative_altitude_m"], props["gimbal_yaw_deg"]) == \
        ("EXIF GPS is 0, 0", "DJI", 80.123, -12.5)
    assert (props["status"], props["location_source"]) == ("verified", "homography")


@pytest.mark.parametrize("source, camera", [("exif", True), ("srt", True), ("xmp:drone-dji", True),
                                             ("truth.csv", False), (None, False), ("xmpfile", False)])
def test_which_truths_record_the_camera_position(source, camera):
    assert export._records_camera(source) is camera


def test_a_geojson_lists_each_tile_footprint_once_in_first_seen_order_with_the_credit():
    q = Query("x.jpg", Path("x.jpg"))
    preds = [_prediction(q, matches=(Match(B, 0.9, 1), Match(A, 0.8, 2))),
             _prediction(Query("y.jpg", Path("y.jpg")), matches=(Match(C, 0.9, 1), Match(B, 0.7, 2)))]
    doc = export.predictions_to_geojson(preds, tile_footprints=True, attribution="© someone")
    assert doc["attribution"] == "© someone" and doc["type"] == "FeatureCollection"
    assert [f["geometry"]["type"] for f in doc["features"]] == ["Point", "Point", "Polygon", "Polygon", "Polygon"]
    assert [f["properties"] for f in doc["features"][2:]] == [
        {"tile": t, "kind": "tile_footprint"} for t in ("b", "a", "c")]
    assert doc["features"][0]["geometry"]["coordinates"] == [10.0004988, 50.0005123]
    assert "attribution" not in export.predictions_to_geojson(preds, attribution="")
    assert len(export.predictions_to_geojson(preds)["features"]) == 2


def test_the_geojson_file_is_the_document_and_refuses_nan(tmp_path):
    q = Query("x.jpg", Path("x.jpg"))
    out = tmp_path / "p.geojson"
    export.write_geojson([_prediction(q)], out, tile_footprints=True, attribution="credit")
    doc = json.loads(out.read_text())
    assert doc == export.predictions_to_geojson([_prediction(q)], tile_footprints=True, attribution="credit")
    assert out.read_text().startswith('{\n "type"')  # indent=1
    bad = _prediction(q, location=LatLon(math.nan, 10.0))
    with pytest.raises(ValueError):
        export.write_geojson([bad], tmp_path / "nan.geojson")


def test_a_csv_row_holds_every_column_in_its_place(tmp_path):
    meta = PhotoMeta(model="FC6310", width=4000, height=3000)
    q = Query("=x.jpg", Path("x.jpg"), truth=LatLon(50.00055555555, 10.00044444444), truth_source="truth.csv", meta=meta)
    p = _prediction(q, error_m=12.3456, note="a note")
    out = tmp_path / "p.csv"
    export.write_csv([p, _prediction(Query("y.jpg", Path("y.jpg")))], out, attribution="+credit")
    header, row, row2 = list(csv.reader(out.open(newline="")))
    assert header == (export.CSV_COLUMNS + export.META_CSV_COLUMNS + export.CAMERA_CSV_COLUMNS
                      + export.FLIGHT_CSV_COLUMNS + ["attribution", "warning", "track_status", "radius_m", "mgrs", "utm",
                                                             "shot", "level", "time_utc", "caution"])
    cells = dict(zip(header, row))
    assert [cells[c] for c in export.CSV_COLUMNS] == [
        "'=x.jpg", "50.0005123", "10.0004988", "50.0004", "10.0006", "a", "0.9123", "0.8765", "50.0005556",
        "10.0004444", "12.35", "retrieved", "weighted", "50.0005", "10.0005", "a note"]
    assert (cells["truth_source"], cells["model"], cells["width"], cells["height"]) == ("truth.csv", "FC6310", "4000", "3000")
    assert cells["error_kind"] == "centre" and cells["camera_lat"] == "" and cells["flight"] == ""
    assert cells["attribution"] == "'+credit" and cells["warning"] == ""  # no far-from-tiles note given
    assert cells["time_utc"] == ""  # in no flight: no flight frame's time
    assert (cells["mgrs"], cells["utm"]) == ("32U NA 71701 39167", "32U 571701mE 5539167mN")  # PyPI mgrs 1.6.0
    cells2 = dict(zip(header, row2))
    assert (cells2["truth_lat"], cells2["error_m"], cells2["error_kind"], cells2["note"]) == ("", "", "", "")
    assert len(row) == len(row2) == len(header)


def test_compared_error_without_a_truth_is_none_and_else_the_points():
    assert export.compared_error(_prediction(Query("x.jpg", Path("x.jpg")), error_m=5.0)) == (None, None)
    q = Query("x.jpg", Path("x.jpg"), truth=LatLon(50.0, 10.0), truth_source="truth.csv")
    assert export.compared_error(_prediction(q, error_m=5.0)) == (5.0, "centre")
