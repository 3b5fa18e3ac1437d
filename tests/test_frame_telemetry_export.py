"""A video frame's telemetry reaches the exports' metadata columns (docs/flights.md: the sidecar "gives each
frame its recorded position and gimbal angles"); a fresh user found them empty for every frame
(training/results/newuser_session14.md section 7)."""

import csv
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

from geolocator.core.export import predictions_to_geojson, recorded_properties, write_csv
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import PhotoMeta
from geolocator.core.predict import predict

from .helpers import grid_tiles, query_at


def _frame(tiles, telemetry):
    q = query_at(tiles[4], "DJI_0042.MP4#t=3")
    return replace(q, path=Path("DJI_0042.MP4"), time_s=3.0, telemetry=telemetry)


RECORD = FrameTelemetry(3.0, rel_alt_m=40.0, abs_alt_m=660.25, gimbal_yaw_deg=-45.5, gimbal_pitch_deg=-89.9,
                        gimbal_roll_deg=2.5, focal_len=240.0, when=datetime(2024, 5, 1, 10, 20, 33))


def test_a_frames_telemetry_fills_the_csv_and_geojson_metadata(tmp_path):
    tiles = grid_tiles(3, 3)
    frame = _frame(tiles, RECORD)
    [p] = predict([frame], tiles, np.array([[0.9, 0.2]]), np.array([[4, 0]]))
    write_csv([p], tmp_path / "p.csv")
    [row] = list(csv.DictReader((tmp_path / "p.csv").open()))
    # as the SRT wrote them; focal_len 240 is an older model's mm x 10 (camera.focal_35mm): 24 mm
    assert (row["relative_altitude_m"], row["absolute_altitude_m"]) == ("40.0", "660.25")
    assert (row["gimbal_yaw_deg"], row["gimbal_pitch_deg"], row["focal_length_35mm"]) == ("-45.5", "-89.9", "24.0")
    assert row["gimbal_roll_deg"] == "2.5"  # the SRT's gb_roll (session 26: the band follows it)
    assert row["captured_at"] == "2024-05-01T10:20:33"  # the cue's clock: no zone, none invented
    props = predictions_to_geojson([p])["features"][0]["properties"]
    assert (props["relative_altitude_m"], props["gimbal_yaw_deg"], props["focal_length_35mm"]) == (40.0, -45.5, 24.0)
    assert props["gimbal_roll_deg"] == 2.5
    json.dumps(props)  # JSON-ready


def test_a_frame_without_telemetry_or_with_empty_fields_leaves_them_out():
    tiles = grid_tiles(3, 3)
    assert recorded_properties(_frame(tiles, None)) == {}
    assert recorded_properties(_frame(tiles, FrameTelemetry(3.0))) == {}
    partial = recorded_properties(_frame(tiles, FrameTelemetry(3.0, rel_alt_m=12.5)))
    assert partial == {"relative_altitude_m": 12.5}


def test_a_photos_own_metadata_wins_over_a_telemetry_record():
    tiles = grid_tiles(3, 3)
    frame = replace(_frame(tiles, RECORD), meta=PhotoMeta(relative_altitude_m=55.0))
    props = recorded_properties(frame)
    assert props["relative_altitude_m"] == 55.0 and props["gimbal_yaw_deg"] == -45.5
