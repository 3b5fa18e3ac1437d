"""Exports carry what the photo's metadata recorded, and why its GPS was not taken as truth."""

import csv
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from geolocator.core.export import (ATTRIBUTION_CSV_COLUMNS, CAMERA_CSV_COLUMNS, CSV_COLUMNS, FLIGHT_CSV_COLUMNS, META_CSV_COLUMNS,
                                     WARNING_CSV_COLUMNS, write_csv, write_geojson)
from geolocator.core.model import PhotoMeta, Query
from geolocator.core.predict import predict

from .helpers import grid_tiles

META = PhotoMeta(make="DJI", model="FC300S", width=4000, height=2250, captured_at=datetime(2016, 6, 23, 16, 31, 59, tzinfo=timezone.utc),
                 relative_altitude_m=39.8, gimbal_yaw_deg=45.0, gimbal_pitch_deg=-89.9, focal_length_mm=3.61,
                 sensor_width_mm=6.16, sensor_height_mm=3.465)


def _predictions():
    tiles = grid_tiles(2, 2)
    queries = [
        Query("a.jpg", Path("a.jpg"), meta=META),
        Query("b.jpg", Path("b.jpg"), truth_note="EXIF GPS fix is void (GPSStatus V, measurement void): not used as truth"),
    ]
    scores = np.array([[0.9, 0.5], [0.8, 0.4]], np.float32)
    return predict(queries, tiles, scores, np.array([[0, 1], [2, 3]]))


def test_geojson_properties_hold_metadata_and_truth_note(tmp_path):
    write_geojson(_predictions(), tmp_path / "p.geojson")
    a, b = (f["properties"] for f in json.loads((tmp_path / "p.geojson").read_text())["features"])
    assert a["captured_at"] == "2016-06-23T16:31:59+00:00" and a["model"] == "FC300S"
    assert a["relative_altitude_m"] == 39.8 and a["gimbal_yaw_deg"] == 45.0 and a["gimbal_pitch_deg"] == -89.9
    assert a["footprint_w_m"] == round(39.8 * 6.16 / 3.61, 3) and a["footprint_h_m"] == round(39.8 * 6.16 / 3.61 * 2250 / 4000, 3)
    assert "truth_note" not in a and "flight_yaw_deg" not in a  # nothing recorded, nothing written
    assert b["truth_note"].startswith("EXIF GPS fix is void") and "captured_at" not in b


def test_csv_keeps_its_columns_and_adds_metadata_after_them(tmp_path):
    write_csv(_predictions(), tmp_path / "p.csv")
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == (CSV_COLUMNS + META_CSV_COLUMNS + CAMERA_CSV_COLUMNS + FLIGHT_CSV_COLUMNS + ATTRIBUTION_CSV_COLUMNS
                       + WARNING_CSV_COLUMNS)
    a, b = (dict(zip(rows[0], r)) for r in rows[1:])
    assert a["relative_altitude_m"] == "39.8" and a["captured_at"] == "2016-06-23T16:31:59+00:00" and a["truth_note"] == ""
    assert b["truth_note"].startswith("EXIF GPS fix is void") and b["relative_altitude_m"] == ""
