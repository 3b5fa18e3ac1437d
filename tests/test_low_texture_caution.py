"""A low-texture photo that nothing verified says why its answer is a guess (session 31, lowtex31).

On rotterdam-lowtex every wrong answer of mode best is a photo of open water alone: nothing in it
to match (training/results/lowtex31_session31.md). Its confidence was already capped
(predict.LOW_TEXTURE_CEILING), but the app and the files read "tile level only" with no reason.
Now Prediction.caution says it: in the Results pane, the list's status tooltip, the map's popup,
GeoJSON and the .evidence.json file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geolocator.core import predict as P
from geolocator.core.export import predictions_to_geojson
from geolocator.core.model import Bounds, LatLon, Query, Tile


def _tile(i):
    return Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(0.01 * i, 10.0, 0.01 * i + 0.001, 10.001))


def _predictions(low_texture, inliers=None, not_located=None):
    tiles = [_tile(0), _tile(1000)]
    n = len(low_texture)
    qs = [Query(f"q{i}", Path(f"/x/q{i}.jpg")) for i in range(n)]
    scores = np.tile([0.9, 0.5], (n, 1))
    ids = np.tile([0, 1], (n, 1))
    grounds = None if inliers is None else [[LatLon(10.0005, 0.0005), None]] * n
    return P.predict(qs, tiles, scores, ids, inliers=inliers, grounds=grounds, low_texture=low_texture,
                     not_located=not_located)


def test_an_unverified_low_texture_answer_carries_the_caution():
    flat, textured = _predictions([True, False])
    assert flat.status == "retrieved" and flat.confidence == pytest.approx(P.LOW_TEXTURE_CEILING)
    assert flat.caution == P.LOW_TEXTURE_CAUTION
    assert "open water" in flat.caution and "guess" in flat.caution
    assert textured.caution is None  # unverified, but it has texture: its level says enough


def test_a_verified_or_not_located_low_texture_photo_has_no_caution():
    (verified,) = _predictions([True], inliers=np.array([[30, 0]]))
    assert verified.status == "verified" and verified.caution is None  # geometry found something
    (blank,) = _predictions([True], not_located=["blank"])
    assert blank.status == "not located" and blank.caution is None  # its note says why


def test_geojson_carries_the_caution_only_where_there_is_one():
    flat, textured = _predictions([True, False])
    features = predictions_to_geojson([flat, textured])["features"]
    assert features[0]["properties"]["caution"] == P.LOW_TEXTURE_CAUTION
    assert "caution" not in features[1]["properties"]


def test_kml_and_gpx_say_the_caution_of_a_photo_in_no_flight():
    import xml.etree.ElementTree as ET

    from geolocator.core.export_track import tracks_to_gpx, tracks_to_kml

    flat, textured = _predictions([True, False])
    gpx = ET.fromstring(tracks_to_gpx([], [flat, textured]))
    descs = [w.find("{http://www.topografix.com/GPX/1/1}desc").text for w in gpx.iter("{http://www.topografix.com/GPX/1/1}wpt")]
    assert f"caution: {P.LOW_TEXTURE_CAUTION}" in descs[0] and "caution" not in descs[1]
    kml = ET.fromstring(tracks_to_kml([], [flat, textured]))
    descs = [d.text for d in kml.iter("{http://www.opengis.net/kml/2.2}description")]
    assert sum(f"caution: {P.LOW_TEXTURE_CAUTION}" in (d or "") for d in descs) == 1


def test_the_app_shows_the_caution(qtbot):
    from PySide6.QtCore import Qt

    from geolocator.gui.query_list import COL_STATUS, QueryList
    from geolocator.gui.results_panel import ResultsPanel

    flat, textured = _predictions([True, False])
    pane = ResultsPanel()
    qtbot.addWidget(pane)
    pane.show_query(flat.query, flat, None, {})
    assert f"Caution: {P.LOW_TEXTURE_CAUTION}" in pane.details.text().replace("\xa0", " ")
    pane.show_query(textured.query, textured, None, {})
    assert "Caution" not in pane.details.text()
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([flat.query, textured.query])
    w.set_prediction(flat)
    w.set_prediction(textured)
    model = w.model()
    tips = [model.data(model.index(i, COL_STATUS), Qt.ItemDataRole.ToolTipRole) for i in range(2)]
    assert tips[0].startswith("tile level only: not verified") and tips[0].endswith(P.LOW_TEXTURE_CAUTION)
    assert P.LOW_TEXTURE_CAUTION not in tips[1]


def test_the_map_popup_and_the_evidence_file_say_the_caution():
    from geolocator.core.evidence import evidence_facts
    from geolocator.core.model import TileSet
    from geolocator.core.webmap import popup_html

    flat, textured = _predictions([True, False])
    assert "<th style='text-align:left;padding-right:6px'>Caution</th>" in popup_html(flat, None)
    assert "open water" in popup_html(flat, None)
    assert "Caution" not in popup_html(textured, None)
    tileset = TileSet((_tile(0), _tile(1000)), Path("/nonexistent/tiles"))
    assert evidence_facts(flat, tileset)["caution"] == P.LOW_TEXTURE_CAUTION
    assert evidence_facts(textured, tileset)["caution"] is None
