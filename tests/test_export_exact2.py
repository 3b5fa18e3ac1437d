"""More exact contents of the per-photo exports (core/export.py), written for the survivors of
session 6's mutation run on export.py (training/results/mutation.md, "Session 6, later"): the
drone's position on a verified photo (camera_properties, compared_error, the CSV's camera cells and
error_m), a flight's frames in the CSV (track tile, source and tile centre, or the photo's own when
the track gives none), full-precision weighted and tile-centre positions, every feature's type,
and empty cells without a truth or a credit. No image is read and no model runs: camera.camera_for
is replaced by a recorded pose (core/camera.py's PnP has its own tests in test_camera.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from geolocator.core import camera as camera_mod
from geolocator.core import export
from geolocator.core.geo import haversine_m
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile
from geolocator.core.sequence import Track, TrackPoint

# tile centres with more than 4 decimals: a rounding to 4 (the default of _round) shows
A = Tile("a", Path("tiles/a.png"), Bounds(10.00012345, 50.00012345, 10.00112345, 50.00112345))
B = Tile("b", Path("tiles/b.png"), Bounds(10.00212345, 50.00212341, 10.00312345, 50.00312341))  # east and north of A
QUAD = (LatLon(50.0011, 10.0001), LatLon(50.0011, 10.0009), LatLon(50.0002, 10.0009), LatLon(50.0002, 10.0001))
POSE = camera_mod.CameraEstimate(LatLon(50.00012345678, 10.00023456789), 80.123456, 12.345678, 3.456789)
TRUTH = LatLon(50.0003, 10.0004)


@pytest.fixture
def posed(monkeypatch):
    """camera_for gives POSE for QUAD (the verified footprint) and records what it was asked."""
    calls = []

    def fake(query, footprint):
        calls.append(footprint)
        return POSE if footprint == QUAD else None

    monkeypatch.setattr(camera_mod, "camera_for", fake)
    return calls


def _prediction(qid: str, status: str = "verified", truth_source: str | None = "exif", **kw) -> Prediction:
    q = Query(qid, Path(qid), truth=TRUTH if truth_source else None, truth_source=truth_source)
    values = dict(location=LatLon(50.00061234567, 10.00051234567), weighted_location=LatLon(50.00041234567, 10.00061234567),
                  confidence=0.8, location_source="homography", status=status, error_m=12.3456)
    values.update(kw)
    return Prediction(q, (Match(A, 0.9, 1, inliers=40, footprint=QUAD), Match(B, 0.5, 2)), **values)


def test_a_verified_photo_with_a_gps_truth_gives_the_drones_position_and_its_error(posed):
    p = _prediction("v.jpg")
    props = export.prediction_properties(p)
    camera_error = round(haversine_m(POSE.position, TRUTH), 2)
    assert {k: props[k] for k in (*export.CAMERA_FIELDS, "error_m", "error_kind", "centre_error_m")} == {
        "camera_lat": 50.0001235, "camera_lon": 10.0002346, "camera_height_m": 80.12, "camera_heading_deg": 12.35,
        "camera_tilt_deg": 3.46, "error_m": camera_error, "error_kind": "camera", "centre_error_m": 12.35}
    assert camera_error != 12.35 and posed == [QUAD]  # asked with the top match's verified footprint
    assert export.compared_error(p) == (camera_error, "camera")


def test_a_truth_that_is_not_the_cameras_keeps_the_centre_error_but_still_gives_the_pose(posed):
    p = _prediction("t.jpg", truth_source="truth.csv")
    props = export.prediction_properties(p)
    assert (props["camera_lat"], props["error_m"], props["error_kind"]) == (50.0001235, 12.35, "centre")
    assert "centre_error_m" not in props and export.compared_error(p) == (12.3456, "centre")


def test_no_pose_unless_geometry_verified_the_top_match(posed):
    p = _prediction("r.jpg", status="retrieved", location_source="weighted")
    props = export.prediction_properties(p)
    assert not set(export.CAMERA_FIELDS) & set(props) and props["error_kind"] == "centre" and props["error_m"] == 12.35
    assert export.compared_error(p) == (12.3456, "centre")
    assert QUAD not in posed  # camera_for never saw the unverified footprint


def test_weighted_and_tile_centre_positions_keep_seven_decimals(posed):
    props = export.prediction_properties(_prediction("v.jpg"))
    assert (props["weighted_lat"], props["weighted_lon"]) == (50.0004123, 10.0006123)
    assert (props["tile_center_lat"], props["tile_center_lon"]) == (50.0006234, 10.0006234)


def test_every_feature_is_a_feature(posed):
    doc = export.predictions_to_geojson([_prediction("v.jpg")], tile_footprints=True)
    assert [f["type"] for f in doc["features"]] == ["Feature"] * 3


def _rows(path: Path) -> list[dict]:
    return list(csv.DictReader(path.open(newline="")))


def test_the_csv_gives_the_camera_cells_and_the_cameras_error(tmp_path, posed):
    export.write_csv([_prediction("v.jpg"), _prediction("n.jpg", truth_source=None, status="retrieved", error_m=None)],
                     tmp_path / "p.csv")
    v, n = _rows(tmp_path / "p.csv")
    assert [v[k] for k in (*export.CAMERA_FIELDS, "error_m", "error_kind", "centre_error_m")] == [
        "50.0001235", "10.0002346", "80.12", "12.35", "3.46", str(round(haversine_m(POSE.position, TRUTH), 2)),
        "camera", "12.35"]
    # no truth, no credit, no track: empty cells, never a placeholder
    assert [n[k] for k in ("truth_lat", "truth_lon", "truth_source", "truth_note", "attribution", "flight",
                           "error_m", "error_kind", "camera_lat")] == [""] * 9


def test_a_flight_frame_is_written_at_the_track_with_its_tile_or_the_photos_own(tmp_path, posed):
    a, b = _prediction("f1.jpg", truth_source="truth.csv"), _prediction("f2.jpg", truth_source=None)
    on_track = LatLon(50.0022222222, 10.0033333333)
    track = Track("flight.mp4", (
        TrackPoint(a.query, 0.0, on_track, "interpolated", a.location, rank=2, error_m=99.0,
                   location_source="track", tile=B),
        TrackPoint(b.query, 1.5, b.location, "matched", b.location, rank=1, verified=True, extrapolated_s=None),
    ))
    export.write_csv([a, b], tmp_path / "f.csv", [track])
    ra, rb = _rows(tmp_path / "f.csv")
    assert [ra[k] for k in ("lat", "lon", "tile", "status", "location_source", "tile_center_lat", "tile_center_lon",
                            "flight", "time_s", "verified", "extrapolated_s", "error_m", "error_kind")] == [
        "50.0022222", "10.0033333", "b", "interpolated", "track", "50.0026234", "10.0026234",
        "flight.mp4", "0.0", "False", "", "99.0", "centre"]  # the error of the track's position, not the photo's own
    # the track names no tile or source for a frame placed by its own answer: the photo's own are kept
    assert [rb[k] for k in ("tile", "location_source", "tile_center_lat", "tile_center_lon", "extrapolated_s")] == [
        "a", "homography", "50.0006234", "10.0006234", ""]
