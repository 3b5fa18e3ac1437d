"""One writer for every prediction format (core/exports.py), used by `locate --out` and by the app's
Export Predictions: the app used to write GeoJSON only, so a search team wanting KML for Google Earth
or CSV for a spreadsheet had to go through the CLI."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.errors import GeolocatorError
from geolocator.core.exports import (EXCEL_CSV_FILTER, PREDICTION_FORMATS, check_prediction_path, dialog_filters,
                                     with_suffix_of, write_predictions)
from geolocator.core.model import Query

from .helpers import grid_tiles
from .test_gui_first_hour import dirs  # noqa: F401 - fixture (settings and caches under tmp_path)


@pytest.fixture
def two_predictions():
    from geolocator.core.predict import predict

    tiles = grid_tiles(2, 2)
    queries = [Query("a.jpg", tiles[0].path), Query("b.jpg", tiles[3].path)]
    preds = predict(queries, tiles, np.array([[0.9, 0.1, 0.0, 0.0], [0.0, 0.1, 0.2, 0.8]]),
                    np.array([[0, 1], [3, 2]]))
    return preds, tiles


def test_the_dialog_offers_each_format_once_with_all_its_suffixes():
    assert dialog_filters() == ["GeoJSON (*.geojson *.json)", "CSV (*.csv)", EXCEL_CSV_FILTER, "KML (*.kml)",
                                "GPX (*.gpx)"]


@pytest.mark.parametrize("typed, chosen, expected", [
    ("/x/flight", "KML (*.kml)", "/x/flight.kml"),
    ("/x/flight", "GeoJSON (*.geojson *.json)", "/x/flight.geojson"),
    ("/x/flight.csv", "KML (*.kml)", "/x/flight.csv"),      # a suffix the user typed wins
    ("/x/flight.GPX", "CSV (*.csv)", "/x/flight.GPX"),
    ("/x/v1.2", "CSV (*.csv)", "/x/v1.2.csv"),             # ".2" is no format: the filter's suffix is added
    ("/x/flight", "All files (*)", "/x/flight"),            # nothing to add: refused later, by name
])
def test_a_name_without_a_format_takes_the_chosen_filters_suffix(typed, chosen, expected):
    assert with_suffix_of(typed, chosen) == Path(expected)


def test_an_unknown_suffix_is_refused_naming_the_file_and_the_formats(tmp_path):
    with pytest.raises(GeolocatorError) as exc:
        check_prediction_path(tmp_path / "out.shp")
    assert str(exc.value) == (f"{tmp_path / 'out.shp'}: unknown output type '.shp': name the file with one of "
                              ".geojson, .json, .csv, .kml, .gpx")
    with pytest.raises(GeolocatorError, match=r"'\(no extension\)'"):
        write_predictions(tmp_path / "out", [])
    assert not (tmp_path / "out").exists()


def test_each_suffix_gets_its_format(tmp_path, two_predictions):
    preds, tiles = two_predictions
    assert sorted(PREDICTION_FORMATS) == [".csv", ".geojson", ".gpx", ".json", ".kml"]

    doc = json.loads(write_predictions(tmp_path / "p.geojson", preds, attribution="(c) test").read_text())
    assert doc["type"] == "FeatureCollection"
    points = {f["properties"]["query"]: f["geometry"]["coordinates"] for f in doc["features"]}
    assert points == {p.query.id: pytest.approx([p.location.lon, p.location.lat], abs=1e-7) for p in preds}

    rows = list(csv.DictReader(write_predictions(tmp_path / "p.CSV", preds, attribution="(c) test").open()))
    assert [(r["query"], r["tile"]) for r in rows] == [("a.jpg", tiles[0].id), ("b.jpg", tiles[3].id)]
    assert {r["attribution"] for r in rows} == {"(c) test"}

    kml = ET.parse(write_predictions(tmp_path / "p.kml", preds)).getroot()
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    names = [e.text for e in kml.iterfind(".//k:Placemark/k:name", ns)]
    assert names == ["a.jpg", "b.jpg"]  # photos in no flight: placemarks, not dropped

    gpx = ET.parse(write_predictions(tmp_path / "p.gpx", preds)).getroot()
    wpts = gpx.findall("{http://www.topografix.com/GPX/1/1}wpt")
    assert [(float(w.get("lat")), float(w.get("lon"))) for w in wpts] == [
        pytest.approx((p.location.lat, p.location.lon), abs=1e-7) for p in preds]


def test_the_app_exports_kml_and_csv_and_says_what_an_unknown_suffix_is(qtbot, dirs, two_predictions):  # noqa: F811
    from .test_gui_first_hour import make_window, wait_idle

    preds, _ = two_predictions
    w = make_window(qtbot, dirs)
    w.predictions = {p.query.id: p for p in preds}  # as a finished locate leaves them (no backbone here)

    kml = dirs / "out.kml"
    w.export_predictions(kml)
    wait_idle(qtbot, w)
    assert w.message_bar.text == f"Saved 2 predictions to {kml}"
    root = ET.parse(kml).getroot()
    assert [e.text for e in root.iterfind(".//{http://www.opengis.net/kml/2.2}Placemark/"
                                          "{http://www.opengis.net/kml/2.2}name")] == ["a.jpg", "b.jpg"]

    table = dirs / "out.csv"
    w.export_predictions(table)
    wait_idle(qtbot, w)
    assert [r["query"] for r in csv.DictReader(table.open())] == ["a.jpg", "b.jpg"]

    w.export_predictions(dirs / "out.txt")
    wait_idle(qtbot, w)
    assert "unknown output type '.txt'" in w.message_bar.text and not (dirs / "out.txt").exists()
    assert w.act_export.text().startswith("Export Predictions (GeoJSON, CSV, KML, GPX)")
    assert w.act_export.iconText() == "Export Predictions"
    w.close()


def test_a_folder_given_as_the_output_is_named_as_a_folder(tmp_path):
    # `locate … --out /tmp` (a folder, the mistake of someone who expects files written into it) said
    # "unknown output type '(no extension)'"; the folder is what is wrong (session 13, first-hour run)
    (tmp_path / "results.d").mkdir()  # a folder whose name even looks like a file's
    for folder in (tmp_path, tmp_path / "results.d"):
        with pytest.raises(GeolocatorError) as exc:
            check_prediction_path(folder)
        assert str(exc.value) == (f"{folder}: is a folder; name a file in it, e.g. {folder / 'predictions.geojson'} "
                                  "(.geojson, .json, .csv, .kml or .gpx)")
