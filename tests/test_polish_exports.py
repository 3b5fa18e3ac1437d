"""Photos recorded far from the tiles: the CLI and the app said "N of M photos ... cannot be right",
but the GeoJSON, CSV, KML and GPX written from those answers said nothing, so a person opening the
file saw plausible positions. Each format now carries the sentence where it is seen."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.evaluate import far_from_tiles, far_from_tiles_note
from geolocator.core.model import LatLon, Query, TileSet

from .helpers import grid_tiles
from .test_cli_demo_features import demo_cli, features  # noqa: F401 - fixtures
from .test_first_hour_faults import _photo_with_gps
from .test_gui_first_hour import dirs  # noqa: F401 - fixture (settings and caches under tmp_path)

DULUTH = LatLon(46.8426071, -91.9945599)


@pytest.fixture
def far_and_near():
    """Two photos over a 2 x 2 grid: one recorded in Duluth (far), one over the grid; the predictions."""
    from geolocator.core.predict import predict

    tiles = grid_tiles(2, 2)
    far_q = Query("far.jpg", tiles[0].path, truth=DULUTH, truth_source="exif")
    near_q = Query("near.jpg", tiles[1].path, truth=tiles[1].center, truth_source="exif")
    preds = predict([far_q, near_q], tiles, np.array([[0.9, 0.1, 0.0, 0.0], [0.1, 0.9, 0.0, 0.0]]),
                    np.array([[0, 1], [1, 0]]))
    far = far_from_tiles([far_q, near_q], TileSet(tuple(tiles), Path(".")))
    return preds, far


def test_far_from_tiles_names_the_far_photos_and_keeps_its_sentence(far_and_near):
    preds, far = far_and_near
    assert far.query_ids == {"far.jpg"}
    assert far.note.startswith("1 of 2 photos") and far.note.endswith("cannot be right")
    assert far.about("far.jpg") == far.note and far.about("near.jpg") is None
    tiles = TileSet(tuple(grid_tiles(2, 2)), Path("."))
    assert far_from_tiles_note([p.query for p in preds], tiles) == far.note
    assert far_from_tiles([preds[1].query], tiles) is None


def test_geojson_says_it_at_the_top_and_on_the_far_photos_point(tmp_path, far_and_near):
    from geolocator.core.export_track import write_predictions_geojson

    preds, far = far_and_near
    out = tmp_path / "p.geojson"
    write_predictions_geojson(preds, [], out, far=far)
    doc = json.loads(out.read_text())
    props = {f["properties"]["query"]: f["properties"] for f in doc["features"]}
    assert doc["warning"] == far.note
    assert props["far.jpg"]["warning"] == far.note and "warning" not in props["near.jpg"]
    write_predictions_geojson(preds, [], out)  # all near: no warning anywhere
    assert "warning" not in out.read_text()


def test_csv_has_a_warning_column_filled_on_the_far_photos_row(tmp_path, far_and_near):
    from geolocator.core.export import write_csv

    preds, far = far_and_near
    out = tmp_path / "p.csv"
    write_csv(preds, out, far=far)
    with open(out, newline="") as f:
        rows = {r["query"]: r for r in csv.DictReader(f)}
    assert rows["far.jpg"]["warning"] == far.note and rows["near.jpg"]["warning"] == ""


@pytest.mark.parametrize("suffix", [".kml", ".gpx"])
def test_kml_and_gpx_say_it_in_the_document_and_the_far_photos_description(tmp_path, far_and_near, suffix):
    from geolocator.core.export_track import write_track

    preds, far = far_and_near
    out = tmp_path / f"p{suffix}"
    write_track([], out, photos=preds, attribution="Imagery © Someone", far=far)
    text = out.read_text()
    assert text.count(f"Warning: {far.note}.") == 2  # the document's description and the far photo's
    assert "Imagery © Someone" in text
    write_track([], out, photos=preds, attribution="Imagery © Someone")
    assert "Warning" not in out.read_text()


def test_locate_writes_the_warning_into_every_output_format(demo_cli, tmp_path):  # noqa: F811
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "q_0001.jpg", DULUTH.lat, DULUTH.lon)  # features come by file name
    _photo_with_gps(photos / "q_0002.jpg", 36.14202092, -115.23327936)  # over the demo tiles
    outs = {s: tmp_path / f"out{s}" for s in (".geojson", ".csv", ".kml")}
    for out in outs.values():
        assert demo_cli("locate", str(photos), "--tiles", str(Path(__file__).parents[1] / "resources" / "demo"),
                        "--no-verify", "--out", str(out))[0] == 0
    doc = json.loads(outs[".geojson"].read_text())
    assert doc["warning"].startswith("1 of 2 photos with a recorded position lies far from the tiles")
    with open(outs[".csv"], newline="") as f:
        rows = {r["query"]: r["warning"] for r in csv.DictReader(f)}
    assert rows == {"q_0001.jpg": doc["warning"], "q_0002.jpg": ""}
    assert f"Warning: {doc['warning']}." in outs[".kml"].read_text()


@pytest.mark.slow  # the real backbone (EfficientNet-Lite0) locates the photo: ~25 s
def test_the_apps_geojson_export_carries_the_warning(qtbot, dirs):  # noqa: F811
    from .test_gui_first_hour import make_window, tiny_tileset, wait_idle

    tmp_path = dirs
    csv_path = tiny_tileset(tmp_path / "region")
    photo = tmp_path / "photos" / "duluth.jpg"
    photo.parent.mkdir()
    _photo_with_gps(photo, DULUTH.lat, DULUTH.lon)
    w = make_window(qtbot, tmp_path)
    w.add_paths([photo])
    wait_idle(qtbot, w)
    w.open_tileset(csv_path)
    wait_idle(qtbot, w)
    out = tmp_path / "p.geojson"
    w.export_predictions(out)
    wait_idle(qtbot, w)
    assert w.message_bar.text == f"Saved 1 prediction to {out}"
    doc = json.loads(out.read_text())
    assert doc["warning"].startswith("1 of 1 photo with a recorded position lies far from the tiles")
    assert [f["properties"]["warning"] for f in doc["features"] if f["geometry"]["type"] == "Point"] == [doc["warning"]]
    w.close()
