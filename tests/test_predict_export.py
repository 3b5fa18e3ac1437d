import csv
import json

import numpy as np
import pytest

from geolocator.core.content import BLURRED
from geolocator.core.export import predictions_to_geojson, write_csv, write_geojson
from geolocator.core.geo import haversine_m
from geolocator.core.model import Query
from geolocator.core.model import LatLon
from geolocator.core.predict import RETRIEVED_CEILING, predict

from .helpers import grid_tiles, query_at


def _predictions():
    tiles = grid_tiles(3, 3)
    queries = [query_at(tiles[4], "a.jpg"), Query("b.jpg", tiles[0].path)]
    scores = np.array([[0.9, 0.85, 0.2], [0.5, 0.49, 0.48]], np.float32)
    ids = np.array([[4, 5, 0], [8, 0, 4]])
    return tiles, predict(queries, tiles, scores, ids)


def test_prediction_location_weighting_and_confidence():
    tiles, (a, b) = _predictions()
    assert a.tile_center == tiles[4].center and a.tile_error_m == pytest.approx(0.0, abs=1e-6)
    # the neighbour r1c2 agrees spatially and pulls the weighted point east, the far tile r0c0 does not
    assert tiles[4].center.lon < a.weighted_location.lon < tiles[5].center.lon
    assert a.weighted_location.lat == pytest.approx(tiles[4].center.lat)
    # unverified: the Point is the weighted estimate, and its error is the Point's
    assert (a.location, a.location_source, a.status) == (a.weighted_location, "weighted", "retrieved")
    assert a.error_m == pytest.approx(haversine_m(a.location, a.query.truth)) and a.error_m > 1
    # 0.9 vs an unrelated 0.2 is a clear win, but global features alone never claim certainty
    assert a.confidence == pytest.approx(RETRIEVED_CEILING)
    assert b.error_m is None and b.confidence < 0.1  # three far-apart tiles score alike: unsure
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
    assert (lat, lon) == (round(preds[0].location.lat, 7), round(preds[0].location.lon, 7))  # the best estimate
    for f in doc["features"]:
        for value in json.dumps(f["geometry"]["coordinates"]).replace("[", "").replace("]", "").split(","):
            assert len(value.strip().split(".")[-1]) <= 7
    ring = polygons[0]["geometry"]["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5
    area2 = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    assert area2 > 0  # exterior ring counter-clockwise
    props = points[0]["properties"]
    assert props["query"] == "a.jpg" and props["tile"] == "r1c1" and len(props["top_k"]) == 3
    assert props["error_m"] == round(preds[0].error_m, 2) and "error_m" not in points[1]["properties"]
    assert (props["tile_center_lat"], props["tile_center_lon"]) == (round(tiles[4].center.lat, 7), round(tiles[4].center.lon, 7))
    assert props["tile_error_m"] == 0.0 and props["status"] == "retrieved" and props["location_source"] == "weighted"


def test_csv_round_trip(tmp_path):
    _, preds = _predictions()
    out = tmp_path / "p.csv"
    write_csv(preds, out)
    rows = list(csv.DictReader(out.open()))
    assert [r["query"] for r in rows] == ["a.jpg", "b.jpg"]
    assert float(rows[0]["lat"]) == pytest.approx(preds[0].location.lat, abs=1e-7)
    assert rows[1]["error_m"] == ""
    assert rows[0]["status"] == "retrieved" and rows[0]["location_source"] == "weighted"
    assert float(rows[0]["tile_center_lon"]) == pytest.approx(preds[0].tile_center.lon, abs=1e-7)


def test_geojson_dict_has_no_nan():
    _, preds = _predictions()
    text = json.dumps(predictions_to_geojson(preds), allow_nan=False)  # raises on NaN/inf
    assert "NaN" not in text
    assert haversine_m(preds[0].location, preds[0].weighted_location) < 100


def _verified(inliers, ground_offset_deg=0.0002, rival_inliers=0):
    """One photo whose top tile (r0c0) is verified with `inliers`, the photo centre through the
    homography `ground_offset_deg` east of the tile centre, and a far tile (r2c2) verified with
    `rival_inliers`."""
    tiles = grid_tiles(3, 3)
    centre = tiles[0].center
    ground = LatLon(centre.lat, centre.lon + ground_offset_deg)
    query = Query("v.jpg", tiles[0].path, truth=ground, truth_source="truth.csv")
    pred = predict([query], tiles, np.array([[0.5, 0.6, 0.4]]), np.array([[0, 8, 4]]), inliers=np.array([[inliers, rival_inliers, 0]]),
                   grounds=[[ground, None, None]])[0]
    return tiles, pred


def test_verified_point_is_the_photo_centre_through_the_homography():
    tiles, p = _verified(60)
    assert (p.status, p.location_source) == ("verified", "homography")
    assert p.error_m == pytest.approx(0.0, abs=1e-6)  # the exported Point is the refined estimate
    assert p.tile_error_m > 10 and p.tile_center == tiles[0].center
    feature = predictions_to_geojson([p])["features"][0]
    assert feature["geometry"]["coordinates"] == [round(p.location.lon, 7), round(p.location.lat, 7)]
    assert feature["properties"]["location_source"] == "homography" and feature["properties"]["inliers"] == 60


def test_confidence_needs_strong_geometry_not_just_a_verified_tile():
    # the kind seen on the demo (q_0032): 9 inliers on the wrong tile, shown with confidence 1.00
    assert _verified(9)[1].confidence < 0.9
    assert _verified(60)[1].confidence >= 0.97
    # two places both verified equally strongly: they cannot both be right
    assert _verified(60, rival_inliers=58)[1].confidence < 0.5
    assert _verified(12)[1].confidence < _verified(20)[1].confidence < _verified(40)[1].confidence


def test_not_located_photo_has_zero_confidence_and_says_why(tmp_path):
    tiles = grid_tiles(3, 3)
    queries = [query_at(tiles[4], "black.jpg"), query_at(tiles[1], "fine.jpg")]
    scores = np.array([[0.9, 0.2, 0.1], [0.9, 0.2, 0.1]])
    ids = np.array([[4, 0, 8], [1, 8, 6]])
    # a blank frame stays not located even when verification claims 30 inliers (it cannot truly hold)
    black, fine = predict(queries, tiles, scores, ids, inliers=np.array([[30, 0, 0], [30, 0, 0]]),
                          not_located=["blank frame", None])
    assert (black.status, black.confidence, black.note) == ("not located", 0.0, "blank frame")
    assert fine.status == "verified" and fine.confidence > 0.5
    doc = predictions_to_geojson([black, fine])
    assert [f["properties"]["status"] for f in doc["features"]] == ["not located", "verified"]
    assert doc["features"][0]["properties"]["note"] == "blank frame"
    write_csv([black, fine], tmp_path / "p.csv")
    rows = list(csv.DictReader((tmp_path / "p.csv").open()))
    assert [r["status"] for r in rows] == ["not located", "verified"] and rows[0]["confidence"] == "0.0"


def test_a_verified_photo_the_content_test_calls_blurred_stays_verified():
    """Two fogged video frames read "too blurred to match" were verified by their own homography
    0.16 and 0.27 m from the truth and still shown "not located", confidence 0 (newuser_session14.md
    section 7): a verified match overrules the gradient heuristic; the same photo unverified does not."""
    tiles = grid_tiles(3, 3)
    fog = query_at(tiles[4], "fog.jpg")
    scores, ids = np.array([[0.9, 0.2, 0.1]]), np.array([[4, 0, 8]])
    [clear] = predict([fog], tiles, scores, ids, inliers=np.array([[30, 0, 0]]))
    [verified] = predict([fog], tiles, scores, ids, inliers=np.array([[30, 0, 0]]),
                         not_located=[BLURRED])
    assert (verified.status, verified.note) == ("verified", None)
    assert verified.confidence == clear.confidence > 0.5  # the inlier table's, as without the note
    [unverified] = predict([fog], tiles, scores, ids, inliers=np.array([[3, 0, 0]]),
                           not_located=[BLURRED])
    assert (unverified.status, unverified.confidence, unverified.note) == ("not located", 0.0, BLURRED)
    # a frame with no ground structure at all stays not located, whatever verification claims
    [sky] = predict([fog], tiles, scores, ids, inliers=np.array([[30, 0, 0]]),
                    not_located=["no ground structure (sky, water, fog or blank)"])
    assert (sky.status, sky.confidence) == ("not located", 0.0)


def test_nan_scores_never_reach_the_files(tmp_path):
    """A featureless photo's embedding can be a zero vector whose cosine scores are NaN."""
    tiles = grid_tiles(3, 3)
    nan = float("nan")
    preds = predict([query_at(tiles[4], "featureless.jpg")], tiles, np.array([[nan, nan, nan]]), np.array([[4, 0, 8]]))
    out = tmp_path / "p.geojson"
    write_geojson(preds, out, tile_footprints=True)
    text = out.read_text()
    assert "NaN" not in text and "Infinity" not in text
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} in the GeoJSON"))
    assert 0.0 <= preds[0].confidence <= 1.0
    write_csv(preds, tmp_path / "p.csv")
    assert "nan" not in (tmp_path / "p.csv").read_text().lower()
