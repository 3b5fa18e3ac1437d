"""What Google Earth depends on in every KML we write (leftovers37), beside its validity against OGC KML
2.2's schema (ogckml22.xsd as fastkml ships it, offline: tests/test_kml_schema_valid.py): the KML 2.2
namespace on the root, one Document, each `coordinates` a list of `lon,lat[,alt]` tuples (no space
inside a tuple, finite, lon in [-180, 180], lat in [-90, 90]; OGC 07-147r2 §16.9.1), each LinearRing
closed with at least 4 tuples (§10.5), and a flight's frames in time order. Checked on an edited video
(a line per shot) with a photo, a flight with footprints and a blind end, and photos not located."""

from __future__ import annotations

import math
import re

import pytest
from lxml import etree

from geolocator.core.export_track import tracks_to_kml
from geolocator.core.sequence import smooth

from .test_export_track import _blind_end_predictions
from .test_export_track import tracks as flight_tracks  # noqa: F401 - fixture
from .test_kml_schema_valid import _schema_errors
from .test_not_located_exports import _preds as located_and_not
from .test_shot_everywhere import _edit

NS = "{http://www.opengis.net/kml/2.2}"
TUPLE = re.compile(r"^-?\d+(\.\d+)?(e-?\d+)?,-?\d+(\.\d+)?(e-?\d+)?(,-?\d+(\.\d+)?(e-?\d+)?)?$")


def _check(text: str) -> etree._Element:
    assert _schema_errors(text) == []
    root = etree.fromstring(text.encode("utf-8"))
    assert root.tag == f"{NS}kml" and [c.tag for c in root] == [f"{NS}Document"]
    for el in root.iter(f"{NS}coordinates"):
        tuples = el.text.split()
        assert tuples, "empty coordinates"
        for t in tuples:
            assert TUPLE.match(t), t  # lon,lat[,alt], no space inside
            lon, lat, *alt = (float(v) for v in t.split(","))
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and all(map(math.isfinite, (lon, lat, *alt)))
    for ring in root.iter(f"{NS}LinearRing"):
        tuples = ring.find(f"{NS}coordinates").text.split()
        assert len(tuples) >= 4 and tuples[0] == tuples[-1]
    return root


def _frame_names(folder) -> list[str]:
    return [p.findtext(f"{NS}name") for p in folder.iter(f"{NS}Placemark") if "#t=" in (p.findtext(f"{NS}name") or "")]


def test_an_edited_video_and_a_photo(tmp_path):
    preds, tracks = _edit()
    root = _check(tracks_to_kml(tracks, preds[6:]))
    lines = list(root.iter(f"{NS}LineString"))
    assert len(lines) == 2  # a line per shot
    names = [n for f in root.iter(f"{NS}Folder") for n in _frame_names(f) if f.findtext(f"{NS}name", "").startswith("edit")]
    assert names == sorted(names, key=lambda n: float(n.split("#t=")[1]))
    point = {p.findtext(f"{NS}name"): p.find(f".//{NS}Point/{NS}coordinates").text for p in root.iter(f"{NS}Placemark")
             if p.find(f".//{NS}Point") is not None}
    still = preds[6]
    lon, lat = (float(v) for v in point["still.jpg"].split(",")[:2])
    assert lon == pytest.approx(still.location.lon, abs=1e-6) and lat == pytest.approx(still.location.lat, abs=1e-6)


def test_a_flight_with_footprints_a_blind_end_and_photos_not_located(flight_tracks):  # noqa: F811
    root = _check(tracks_to_kml(flight_tracks, located_and_not()))
    assert list(root.iter(f"{NS}LinearRing"))  # the footprint is there to check
    _check(tracks_to_kml(smooth(_blind_end_predictions()), located_and_not()))
