"""Predictions out: GeoJSON (RFC 7946: [lon, lat], WGS84, <= 7 decimals) and CSV.

The Point (GeoJSON geometry, CSV lat/lon) is Prediction.location, the best estimate;
`location_source` says where it comes from ("homography" | "weighted" | "tile_centre") and `status`
how the photo was placed ("verified" | "retrieved" | "not located"). The top tile's centre and the
similarity-weighted estimate are kept as properties. No NaN or infinity is ever written (RFC 8259
has none): a number that is not finite becomes null / an empty cell."""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from .model import Bounds, LatLon, Prediction

DECIMALS = 7  # ~1 cm; RFC 7946 recommends not implying more precision than that


def _point(p: LatLon) -> list[float]:
    return [round(p.lon, DECIMALS), round(p.lat, DECIMALS)]


def _ring(b: Bounds) -> list[list[float]]:
    corners = [(b.west, b.south), (b.east, b.south), (b.east, b.north), (b.west, b.north), (b.west, b.south)]
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in corners]  # counter-clockwise, closed


def _round(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else round(float(x), digits)


def prediction_properties(p: Prediction) -> dict:
    props = {
        "query": p.query.id,
        "tile": p.top.tile.id,
        "score": _round(p.top.score),
        "confidence": _round(p.confidence),
        "weighted_lat": _round(p.weighted_location.lat, DECIMALS),
        "weighted_lon": _round(p.weighted_location.lon, DECIMALS),
        "top_k": [{"rank": m.rank, "tile": m.tile.id, "score": _round(m.score)} for m in p.matches],
        "status": p.status,
        "location_source": p.location_source,
        "tile_center_lat": _round(p.tile_center.lat, DECIMALS),
        "tile_center_lon": _round(p.tile_center.lon, DECIMALS),
        "inliers": p.top.inliers,
    }
    if p.note:
        props["note"] = p.note
    if p.query.truth is not None:
        props.update(
            truth_lat=round(p.query.truth.lat, DECIMALS),
            truth_lon=round(p.query.truth.lon, DECIMALS),
            truth_source=p.query.truth_source,
            error_m=_round(p.error_m, 2),
            weighted_error_m=_round(p.weighted_error_m, 2),
            tile_error_m=_round(p.tile_error_m, 2),
        )
    return props


def predictions_to_geojson(predictions: Sequence[Prediction], *, tile_footprints: bool = False) -> dict:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": _point(p.location)}, "properties": prediction_properties(p)}
        for p in predictions
    ]
    if tile_footprints:
        seen = {}
        for p in predictions:
            for m in p.matches:
                seen.setdefault(m.tile.id, m.tile)
        for tile in seen.values():
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [_ring(tile.bounds)]},
                    "properties": {"tile": tile.id, "kind": "tile_footprint"},
                }
            )
    return {"type": "FeatureCollection", "features": features}


def _write_atomic(path: Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_geojson(predictions: Sequence[Prediction], path: Path, *, tile_footprints: bool = False) -> None:
    # allow_nan=False: a NaN that slipped through fails here, loudly, instead of writing invalid JSON
    _write_atomic(path, json.dumps(predictions_to_geojson(predictions, tile_footprints=tile_footprints), indent=1,
                                   allow_nan=False))


CSV_COLUMNS = ["query", "lat", "lon", "weighted_lat", "weighted_lon", "tile", "score", "confidence", "truth_lat", "truth_lon", "error_m",
               "status", "location_source", "tile_center_lat", "tile_center_lon", "note"]


def write_csv(predictions: Sequence[Prediction], path: Path) -> None:
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for p in predictions:
        truth = p.query.truth
        writer.writerow(
            [
                p.query.id,
                round(p.location.lat, DECIMALS),
                round(p.location.lon, DECIMALS),
                round(p.weighted_location.lat, DECIMALS),
                round(p.weighted_location.lon, DECIMALS),
                p.top.tile.id,
                _round(p.top.score),
                _round(p.confidence),
                "" if truth is None else round(truth.lat, DECIMALS),
                "" if truth is None else round(truth.lon, DECIMALS),
                "" if p.error_m is None else _round(p.error_m, 2),
                p.status,
                p.location_source,
                round(p.tile_center.lat, DECIMALS),
                round(p.tile_center.lon, DECIMALS),
                p.note or "",
            ]
        )
    _write_atomic(path, buf.getvalue())
