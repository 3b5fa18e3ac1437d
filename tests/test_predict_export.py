import csv
import json

import numpy as np
import pytest

from geolocator.core.export import predictions_to_geojson, write_csv, write_geojson
from geolocator.core.geo import haversine_m
from geolocator.core.model import Query
from geolocator.core.predict import predict

from .helpers import grid_tiles, query_at


def _predictions():
    tiles = grid_tiles(3, 3)
    queries = [query_at(tiles[4], "a.jpg"), Query("b.jpg", tiles[0].path)]
    scores = np.array([[0.9, 0.85, 0.2], [0.5, 0.49, 0.48]], np.float32)
    ids = np.array([[4, 5, 0], [8, 0, 4]])
    return tiles, predict(queries, tiles, scores, ids)


def test_prediction_location_weighting_and_confidence():
    tiles, (a, b) = _predictions()
    assert a.location == tiles[4].center
    assert a.error_m == pytest.approx(0.0, abs=1e-6)
    # the neighbour r1c2 agrees spatially and pulls the refined point east, the far tile r0c0 does not
    assert tiles[4].center.lon < a.weighted_location.lon < tiles[5].center.lon
    assert a.weighted_location.lat == pytest.approx(tiles[4].center.lat)
    assert a.confidence == pytest.approx(1.0)  # 0.9 vs an unrelated 0.2
    assert b.error_m is None and b.confidence < 0.2  # three far-apart tiles score alike: unsure
    assert [m.rank for m in a.matches] == [1, 2, 3]


def test_geojson_follows_rfc7946(tmp_path):
    tiles, preds = _predictions()
    out = tmp_path / "p.geojson"
    write_geojson(preds, out, tile_footprints=True)
    doc = json.loads(out.read_text())
    assert doc["type"] == "FeatureCollection"
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    polygons = [f for f in doc["features"] if f["geometry"]["type"] == "Polygon"]
    assert len(points) == 2 and len(polygons) == 4  # the distinct tiles in both top-k lists
    lon, lat = points[0]["geometry"]["coordinates"]
    assert (lat, lon) == (round(tiles[4].center.lat, 7), round(tiles[4].center.lon, 7))
    for f in doc["features"]:
        for value in json.dumps(f["geometry"]["coordinates"]).replace("[", "").replace("]", "").split(","):
            assert len(value.strip().split(".")[-1]) <= 7
    ring = polygons[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    assert area2 > 0  # exterior ring counter-clockwise
    props = points[0]["properties"]
    assert props["query"] == "a.jpg" and props["tile"] == "r1c1" and len(props["top_k"]) == 3
    assert props["error_m"] == 0.0 and "error_m" not in points[1]["properties"]


def test_csv_round_trip(tmp_path):
    _, preds = _predictions()
    out = tmp_path / "p.csv"
    write_csv(preds, out)
    rows = list(csv.DictReader(out.open()))
    assert [r["query"] for r in rows] == ["a.jpg", "b.jpg"]
    assert float(rows[0]["lat"]) == pytest.approx(preds[0].location.lat, abs=1e-7)
    assert rows[1]["error_m"] == ""


def test_geojson_dict_has_no_nan():
    _, preds = _predictions()
    text = json.dumps(predictions_to_geojson(preds), allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert haversine_m(preds[0].location, preds[0].weighted_location) < 100
