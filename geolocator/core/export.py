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
from collections.abc import Sequence
from pathlib import Path

from .media.metadata import META_FIELDS, meta_properties
from .model import Bounds, LatLon, Prediction
from .outputs import csv_safe, write_text

DECIMALS = 7  # ~1 cm; RFC 7946 recommends not implying more precision than that


def _point(p: LatLon) -> list[float]:
    return [round(p.lon, DECIMALS), round(p.lat, DECIMALS)]


def _ring(b: Bounds) -> list[list[float]]:
    corners = [(b.west, b.south), (b.east, b.south), (b.east, b.north), (b.west, b.north), (b.west, b.south)]
    return [[round(x, DECIMALS), round(y, DECIMALS)] for x, y in corners]  # counter-clockwise, closed


def _footprint(b: Bounds) -> dict:
    """A tile's box as GeoJSON: a Polygon, or a MultiPolygon cut at ±180° when the box crosses
    the antimeridian (RFC 7946 §3.1.9), so no viewer draws it round the whole globe."""
    parts = b.split_at_antimeridian()
    if len(parts) == 1:
        return {"type": "Polygon", "coordinates": [_ring(b)]}
    return {"type": "MultiPolygon", "coordinates": [[_ring(part)] for part in parts]}


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
    if p.query.truth_note:  # why the photo's own GPS was not taken as truth
        props["truth_note"] = p.query.truth_note
    props.update(meta_properties(p.query.meta))  # what the photo's EXIF/XMP recorded
    return props


def predictions_to_geojson(predictions: Sequence[Prediction], *, tile_footprints: bool = False,
                           attribution: str | None = None) -> dict:
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
                    "geometry": _footprint(tile.bounds),
                    "properties": {"tile": tile.id, "kind": "tile_footprint"},
                }
            )
    out = {"type": "FeatureCollection", "features": features}
    if attribution:
        out["attribution"] = attribution  # the imagery's credit line (an RFC 7946 foreign member)
    return out


def _write_atomic(path: Path, text: str) -> None:
    # atomic, umask permissions (0644, not mkstemp's 0600), failures name `path` (OutputError)
    write_text(path, text)


def write_geojson(predictions: Sequence[Prediction], path: Path, *, tile_footprints: bool = False,
                  attribution: str | None = None) -> None:
    # allow_nan=False: a NaN that slipped through fails here, loudly, instead of writing invalid JSON
    _write_atomic(path, json.dumps(predictions_to_geojson(predictions, tile_footprints=tile_footprints,
                                                          attribution=attribution), indent=1, allow_nan=False))


CSV_COLUMNS = ["query", "lat", "lon", "weighted_lat", "weighted_lon", "tile", "score", "confidence", "truth_lat", "truth_lon", "error_m",
               "status", "location_source", "tile_center_lat", "tile_center_lon", "note"]
META_CSV_COLUMNS = ["truth_source", "truth_note", *META_FIELDS]  # after the columns above, which keep their places
# Last, so readers of the columns above are unaffected: the imagery's credit line (the tile set's
# attribution, the same on every row; empty when the tile set has none). CSV has no place for
# file-level metadata, and a sidecar file gets separated from its CSV.
ATTRIBUTION_CSV_COLUMNS = ["attribution"]


def _meta_cells(p: Prediction) -> list:
    meta = meta_properties(p.query.meta)
    return [p.query.truth_source or "", p.query.truth_note or ""] + [meta.get(name, "") for name in META_FIELDS]


def write_csv(predictions: Sequence[Prediction], path: Path, *, attribution: str | None = None) -> None:
    """One row per prediction: CSV_COLUMNS, META_CSV_COLUMNS, then ATTRIBUTION_CSV_COLUMNS
    (`attribution`, the imagery's credit line, on every row). Text cells are neutralised (csv_safe)."""
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    credit = csv_safe(attribution or "")
    writer.writerow(CSV_COLUMNS + META_CSV_COLUMNS + ATTRIBUTION_CSV_COLUMNS)
    for p in predictions:
        truth = p.query.truth
        writer.writerow(
            [
                csv_safe(p.query.id),
                round(p.location.lat, DECIMALS),
                round(p.location.lon, DECIMALS),
                round(p.weighted_location.lat, DECIMALS),
                round(p.weighted_location.lon, DECIMALS),
                csv_safe(p.top.tile.id),
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
            + _meta_cells(p)
            + [credit]
        )
    _write_atomic(path, buf.getvalue())
