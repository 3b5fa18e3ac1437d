"""The app's list shows a flight's frame where the map and the files put it (session 14: an
interpolated video frame read "interpolated 0.15 m" in the list, its own single-photo estimate's
error, while the map, GeoJSON, CSV, GPX and KML place it on the track, 0.39 m from the truth)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from geolocator.core.export_track import frame_errors, tracks_to_geojson
from geolocator.core.sequence import smooth

from .test_sequence import flight


def _track():
    preds, _ = flight(n=30, bad=range(10, 14), chance=())
    preds = [replace(p, status="verified" if i not in range(10, 14) else "retrieved") for i, p in enumerate(preds)]
    [track] = smooth(preds)
    return preds, track


def test_frame_errors_are_the_exported_errors_at_the_track_position():
    preds, track = _track()
    errors = frame_errors([track])
    doc = tracks_to_geojson([track])
    exported = {f["properties"]["query"]: (f["properties"]["error_m"], f["properties"]["error_kind"])
                for f in doc["features"] if f["properties"].get("kind") == "frame"}
    assert set(errors) == set(exported) and len(errors) == 30
    for qid, (err, kind) in errors.items():
        assert (round(err, 2), kind) == exported[qid]
    # the bridged frames: the track's Point (within metres) is not the frame's own answer (a decoy
    # tile ranked first, hundreds of metres off): the list must not show the latter
    for i in range(10, 14):
        qid = preds[i].query.id
        assert track.points[i].status == "interpolated"
        assert errors[qid][0] == pytest.approx(track.points[i].error_m) and errors[qid][0] < 15
        assert preds[i].error_m > 100


def test_the_list_shows_a_track_frame_at_its_track_position(qtbot):
    pytest.importorskip("pytestqt")
    from geolocator.core.geo import format_distance
    from geolocator.gui.query_list import COL_ERROR, COL_STATUS, QueryList

    preds, track = _track()
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([p.query for p in preds])
    errors = frame_errors([track])
    for p, tp in zip(preds, track.points):
        w.set_prediction(p, tp.status, errors.get(p.query.id))
    row = w.topLevelItem(11)
    assert row.text(COL_STATUS) == "interpolated"
    assert row.text(COL_ERROR) == format_distance(track.points[11].error_m)  # "3.2 m", not its own "181 m"
    assert row.foreground(COL_ERROR).color().name() == "#1a9850"  # right: green, as the map draws it


def test_frame_errors_compare_the_camera_with_a_recorded_camera_position(tmp_path):
    """As the exports (_props): a verified frame whose camera PnP knows is scored camera against the
    recorded (EXIF) position, an unverified one by its Point; a frame without truth is left out,
    wherever it comes in the flight."""
    from geolocator.core.export_track import _props
    from geolocator.core.model import LatLon, Query
    from geolocator.core.sequence import Track, TrackPoint

    from .test_export_track_exact2 import _framed

    camera = _framed(tmp_path)  # nadir footprint at 50 m, truth (EXIF) right under the camera
    unverified = replace(_framed(tmp_path), verified=False)
    bare = TrackPoint(Query("b.jpg", tmp_path / "b.jpg"), 0.0, LatLon(1.0, 2.0), "interpolated", LatLon(1.0, 2.0))
    errors = frame_errors([Track("g", (bare, camera))])
    assert set(errors) == {"a.jpg"}  # the bare frame first: the frames after it are still read
    err, kind = errors["a.jpg"]
    props = _props(camera, "g")
    assert kind == props["error_kind"] == "camera" and round(err, 2) == props["error_m"] == 0.0
    assert frame_errors([Track("h", (unverified,))]) == {"a.jpg": (123.4567, "centre")}  # its Point, unrounded
