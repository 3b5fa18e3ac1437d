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
                       + WARNING_CSV_COLUMNS + ["track_status", "radius_m", "mgrs", "utm", "shot", "level", "time_utc", "caution"])
    a, b = (dict(zip(rows[0], r)) for r in rows[1:])
    assert a["relative_altitude_m"] == "39.8" and a["captured_at"] == "2016-06-23T16:31:59+00:00" and a["truth_note"] == ""
    assert b["truth_note"].startswith("EXIF GPS fix is void") and b["relative_altitude_m"] == ""


def test_the_exif_orientation_is_exported_beside_the_stored_width_and_height(tmp_path):
    """newuser session 15: `width` x `height` are as stored while `footprint_*` are as displayed; without
    the orientation a reader could not tell a quarter-turned photo's two apart. Orientation 6 (stored
    4000 x 2250, shown turned a quarter) is written as recorded: 6; a photo without the tag gets none."""
    from dataclasses import replace

    turned = replace(META, orientation=6)
    tiles = grid_tiles(2, 2)
    queries = [Query("t.jpg", Path("t.jpg"), meta=turned), Query("a.jpg", Path("a.jpg"), meta=META)]
    preds = predict(queries, tiles, np.array([[0.9, 0.5], [0.8, 0.4]], np.float32), np.array([[0, 1], [2, 3]]))
    write_geojson(preds, tmp_path / "p.geojson")
    t, a = (f["properties"] for f in json.loads((tmp_path / "p.geojson").read_text())["features"])
    assert (t["exif_orientation"], t["width"], t["height"]) == (6, 4000, 2250)
    # displayed a quarter turn: the footprint's width is the stored height's side (39.8 m x 6.16 / 3.61
    # along the stored 4000 px, x 2250 / 4000 along the 2250 px), its height the stored width's
    assert (t["footprint_w_m"], t["footprint_h_m"]) == (round(39.8 * 6.16 / 3.61 * 2250 / 4000, 3),
                                                        round(39.8 * 6.16 / 3.61, 3))
    assert "exif_orientation" not in a
    write_csv(preds, tmp_path / "p.csv")
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["exif_orientation"] for r in rows] == ["6", ""]
    assert "exif_orientation" in META_CSV_COLUMNS
