"""A checker for GeoJSON as RFC 7946 defines it, for the tests (no maintained PyPI validator here
checks the RFC's own rules: `geojson`'s is_valid does not look at ring winding or a `crs`
member). Returns the list of problems; an empty list means valid.

Checked: object types and required members (RFC 7946 §3), positions of 2 or 3 finite numbers with
longitude in [-180, 180] and latitude in [-90, 90] (§3.1.1, §4: WGS 84, lon first), LineString
length (§3.1.4), closed linear rings of >= 4 positions (§3.1.6), exterior rings counter-clockwise
and holes clockwise (§3.1.6), Feature `properties` an object or null and `id` a string or number
(§3.2), no `crs` member (§4 removed it), bbox of 2*n numbers (§5), FeatureCollection `features` an
array of Features (§3.3), and no NaN/Infinity anywhere (not JSON, RFC 8259).
"""

from __future__ import annotations

import json
import math

GEOMETRIES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}


def _position(pos, where, problems):
    if not isinstance(pos, list) or len(pos) not in (2, 3) or not all(
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pos
    ):
        problems.append(f"{where}: a position is 2 or 3 finite numbers, got {pos!r}")
        return
    lon, lat = pos[0], pos[1]
    if not -180 <= lon <= 180 or not -90 <= lat <= 90:
        problems.append(f"{where}: [lon, lat] out of range: {pos!r} (longitude first, WGS 84)")


def _signed_area(ring) -> float:
    return sum(x0 * y1 - x1 * y0 for (x0, y0, *_), (x1, y1, *_) in zip(ring, ring[1:])) / 2


def _ring(ring, where, exterior, problems):
    if not isinstance(ring, list) or len(ring) < 4:
        problems.append(f"{where}: a linear ring has at least 4 positions")
        return
    for i, pos in enumerate(ring):
        _position(pos, f"{where}[{i}]", problems)
    if ring[0] != ring[-1]:
        problems.append(f"{where}: a linear ring is closed (first position == last)")
    area = _signed_area(ring)
    if exterior and area <= 0:
        problems.append(f"{where}: exterior ring must be counter-clockwise (RFC 7946 3.1.6)")
    if not exterior and area >= 0:
        problems.append(f"{where}: a hole must be clockwise (RFC 7946 3.1.6)")


def _bbox(obj, where, problems):
    if "bbox" in obj:
        box = obj["bbox"]
        if not isinstance(box, list) or len(box) not in (4, 6) or not all(isinstance(v, (int, float)) for v in box):
            problems.append(f"{where}: bbox is 2*n numbers")


def _geometry(g, where, problems):
    if g is None:
        return  # an unlocated feature (RFC 7946 3.2)
    if not isinstance(g, dict) or g.get("type") not in GEOMETRIES:
        problems.append(f"{where}: not a geometry object: {str(g)[:80]}")
        return
    _bbox(g, where, problems)
    kind = g["type"]
    if kind == "GeometryCollection":
        for i, sub in enumerate(g.get("geometries", [])):
            _geometry(sub, f"{where}.geometries[{i}]", problems)
        return
    if "coordinates" not in g:
        problems.append(f"{where}: {kind} without coordinates")
        return
    c = g["coordinates"]
    if kind == "Point":
        _position(c, where, problems)
    elif kind in ("MultiPoint", "LineString"):
        if kind == "LineString" and len(c) < 2:
            problems.append(f"{where}: a LineString has at least 2 positions")
        for i, pos in enumerate(c):
            _position(pos, f"{where}[{i}]", problems)
    elif kind == "MultiLineString":
        for i, line in enumerate(c):
            _geometry({"type": "LineString", "coordinates": line}, f"{where}[{i}]", problems)
    elif kind == "Polygon":
        for i, ring in enumerate(c):
            _ring(ring, f"{where}[{i}]", i == 0, problems)
    elif kind == "MultiPolygon":
        for i, poly in enumerate(c):
            _geometry({"type": "Polygon", "coordinates": poly}, f"{where}[{i}]", problems)


def _feature(f, where, problems):
    if not isinstance(f, dict) or f.get("type") != "Feature":
        problems.append(f"{where}: not a Feature")
        return
    if "geometry" not in f:
        problems.append(f"{where}: a Feature has a geometry member (null if unlocated)")
    else:
        _geometry(f["geometry"], f"{where}.geometry", problems)
    if "properties" not in f or not (f["properties"] is None or isinstance(f["properties"], dict)):
        problems.append(f"{where}: properties is an object or null")
    if "id" in f and not isinstance(f["id"], (str, int, float)):
        problems.append(f"{where}: id is a string or a number")
    _bbox(f, where, problems)


def validate(doc) -> list[str]:
    """Problems with a GeoJSON document (a parsed object, or its text)."""
    problems: list[str] = []
    if isinstance(doc, (str, bytes)):
        try:
            doc = json.loads(doc, parse_constant=lambda name: problems.append(f"{name} is not JSON"))
        except ValueError as exc:
            return [f"not JSON: {exc}"]
    if not isinstance(doc, dict) or "type" not in doc:
        return problems + ["a GeoJSON text is an object with a type member"]
    if "crs" in doc:
        problems.append("the crs member was removed by RFC 7946 (section 4): coordinates are WGS 84")
    _bbox(doc, "document", problems)
    if doc["type"] == "FeatureCollection":
        if not isinstance(doc.get("features"), list):
            problems.append("a FeatureCollection has a features array")
        else:
            for i, f in enumerate(doc["features"]):
                _feature(f, f"features[{i}]", problems)
    elif doc["type"] == "Feature":
        _feature(doc, "feature", problems)
    else:
        _geometry(doc, "geometry", problems)
    return problems
