"""Property tests of the prediction exports (core/exports.py: GeoJSON, CSV, KML, GPX): whatever the
predictions (any place on the globe, poles and ±180° included, verified or not, confidences that
are NaN or infinite), each file parses back with the reader people use (json, csv, defusedxml,
gpxpy), names every photo once, puts it where its Point is to 1e-7°, and holds no NaN or Infinity
token. Deterministic (derandomize): the same predictions every run.

A not-located photo's geometry is being changed in parallel (session 33, nolocate33: null
geometry); these properties skip the coordinates of not-located photos, and accept a null geometry
for them, so they hold before and after.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from pathlib import Path

import pytest

from geolocator.core.exports import write_predictions
from geolocator.core.model import (STATUS_NOT_LOCATED, STATUS_RETRIEVED, STATUS_VERIFIED, Bounds, LatLon, Match,
                                   Prediction, Query, Tile)

hypothesis = pytest.importorskip("hypothesis")
gpxpy = pytest.importorskip("gpxpy")
defused = pytest.importorskip("defusedxml.ElementTree")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

PROP = prop(40, fixtures=True)



def _wrap(lon: float) -> float:
    return (lon + 180.0) % 360.0 - 180.0


lats = st.one_of(st.floats(-90.0, 90.0), st.sampled_from([-90.0, 90.0, 0.0, -0.0, 89.9999999]))
lons = st.one_of(st.floats(-180.0, 180.0), st.sampled_from([-180.0, 180.0, 0.0, 179.9999999, -179.9999999]))
confidences = st.one_of(st.floats(0.0, 1.0), st.sampled_from([math.nan, math.inf, -math.inf, 1.0, 0.0]))
statuses = st.sampled_from([STATUS_VERIFIED, STATUS_RETRIEVED, STATUS_NOT_LOCATED])


@st.composite
def predictions(draw):
    n = draw(st.integers(1, 6))
    out = []
    for i in range(n):
        at = LatLon(draw(lats), draw(lons))
        d = 5e-4
        tile = Tile(f"tiles/{i}.png", Path(f"tiles/{i}.png"),
                    Bounds(_wrap(at.lon - d), max(-90.0, at.lat - d), _wrap(at.lon + d), min(90.0, at.lat + d)))
        status = draw(statuses)
        score = draw(st.one_of(st.floats(-1.0, 1.0), st.just(math.nan)))
        if status == STATUS_VERIFIED:
            corners = tuple(LatLon(max(-90.0, min(90.0, at.lat + dy)), _wrap(at.lon + dx))
                            for dx, dy in ((-1e-4, 1e-4), (1e-4, 1e-4), (1e-4, -1e-4), (-1e-4, -1e-4)))
            match = Match(tile, score, 1, inliers=draw(st.integers(8, 500)), ground=at, footprint=corners)
            source = "homography"
        else:
            match, source = Match(tile, score, 1), "tile_centre"
        truth = draw(st.one_of(st.none(), st.builds(LatLon, lats, lons)))
        q = Query(f"photos/p{i}.jpg", Path(f"/nonexistent/p{i}.jpg"), truth=truth,
                  truth_source=None if truth is None else "truth.csv")
        error = None if truth is None else draw(st.one_of(st.floats(0.0, 2e7), st.just(math.inf)))
        out.append(Prediction(q, (match,), at, at, draw(confidences), error_m=error, location_source=source,
                              status=status))
    return out


def _no_nan_tokens(text: str, suffix: str) -> None:
    for token in ("NaN", "Infinity", "nan", "inf"):
        assert token not in text.replace("Information", "").replace("information", ""), (suffix, token)


def _close(got_lat: float, got_lon: float, want: LatLon) -> bool:
    return abs(got_lat - want.lat) <= 1e-7 + 1e-12 and abs(_wrap(got_lon - want.lon)) <= 1e-7 + 1e-12


def _written(preds, suffix: str) -> str:
    with tempfile.TemporaryDirectory(prefix="propfuzz-") as folder:
        path = write_predictions(Path(folder) / f"out{suffix}", preds)
        return path.read_text(encoding="utf-8-sig")


def _geojson_points(text: str) -> dict[str, tuple[float, float] | None]:
    def refuse(token):
        raise AssertionError(f"GeoJSON holds {token}")

    doc = json.loads(text, parse_constant=refuse)
    out = {}
    for f in doc["features"]:
        props = f.get("properties") or {}
        if "query" in props and (f["geometry"] is None or f["geometry"]["type"] == "Point"):
            coords = None if f["geometry"] is None else f["geometry"]["coordinates"]
            out[props["query"]] = None if coords is None else (coords[1], coords[0])
    return out


def _csv_points(text: str) -> dict[str, tuple[float, float] | None]:
    rows = list(csv.DictReader(io.StringIO(text)))
    return {r["query"]: None if r["lat"] == "" else (float(r["lat"]), float(r["lon"])) for r in rows}


def _kml_points(text: str) -> dict[str, tuple[float, float] | None]:
    root = defused.fromstring(text.encode("utf-8"))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    out = {}
    for pm in root.iter("{http://www.opengis.net/kml/2.2}Placemark"):
        name = pm.findtext("k:name", namespaces=ns)
        coords = pm.findtext(".//k:Point/k:coordinates", namespaces=ns)
        if name is not None and name.startswith("photos/"):
            out[name] = None if not coords else tuple(reversed([float(v) for v in coords.strip().split(",")[:2]]))
    return out


def _gpx_points(text: str) -> dict[str, tuple[float, float] | None]:
    gpx = gpxpy.parse(text)
    return {w.name: (w.latitude, w.longitude) for w in gpx.waypoints}


READERS = {".geojson": _geojson_points, ".csv": _csv_points, ".kml": _kml_points, ".gpx": _gpx_points}


@pytest.mark.parametrize("suffix", list(READERS))
def test_every_export_parses_back_to_its_points(suffix, caches):
    @PROP
    @given(predictions())
    def check(preds):
        text = _written(preds, suffix)
        _no_nan_tokens(text, suffix)
        points = READERS[suffix](text)
        for p in preds:
            located = p.status != STATUS_NOT_LOCATED
            if located:
                assert p.query.id in points, (suffix, p.query.id, sorted(points))
            got = points.get(p.query.id)
            if located or got is not None:
                assert got is not None and _close(got[0], got[1], p.location), (suffix, p.query.id, got, p.location)

    check()


@prop(30)
@given(predictions())
def test_tile_footprints_across_the_antimeridian_are_cut_there(preds):
    """GeoJSON with tile footprints: each footprint is a Polygon or a MultiPolygon of parts none
    wider than the tile (RFC 7946 §3.1.9: cut at ±180°, never drawn round the globe)."""
    from geolocator.core.export import predictions_to_geojson

    doc = predictions_to_geojson(preds, tile_footprints=True)
    for f in doc["features"]:
        if f["properties"].get("kind") != "tile_footprint":
            continue
        polygons = [f["geometry"]["coordinates"]] if f["geometry"]["type"] == "Polygon" else f["geometry"]["coordinates"]
        for rings in polygons:
            lons = [x for x, _ in rings[0]]
            assert max(lons) - min(lons) <= 1e-3 + 1e-9, f
            assert rings[0][0] == rings[0][-1]


# -- the failing example, as a plain regression test ---------------------------------------------------


def test_a_confidence_that_is_no_number_reads_unknown(caches, tmp_path):
    """A NaN confidence (a degenerate score) was written "confidence nan" in GPX/KML descriptions
    and "None" in KML's Data; CSV and GeoJSON already left it empty/null."""
    from geolocator.core.export import format_confidence, machine_confidence

    assert [format_confidence(c) for c in (math.nan, math.inf, 0.9996, 1.0)] == ["unknown", "unknown", "0.999", "1.000"]
    assert [machine_confidence(c) for c in (math.nan, -math.inf, 0.97)] == ["", "", "0.97"]
    tile = Tile("t.png", Path("t.png"), Bounds(0.0, 0.0, 0.001, 0.001))
    pred = Prediction(Query("photos/p.jpg", tmp_path / "p.jpg"), (Match(tile, 0.5, 1),), tile.center, tile.center,
                      math.nan)
    for suffix in (".gpx", ".kml"):
        text = write_predictions(tmp_path / f"out{suffix}", [pred]).read_text(encoding="utf-8")
        assert "confidence unknown" in text and "nan" not in text and ">None<" not in text
