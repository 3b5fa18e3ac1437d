"""Predictions out: GeoJSON (RFC 7946: [lon, lat], WGS84, <= 7 decimals) and CSV.

The Point (GeoJSON geometry, CSV lat/lon) is Prediction.location, the best estimate;
`location_source` says where it comes from ("homography" | "weighted" | "tile_centre"; a flight's
frame between verified frames: "track") and `status`
how the photo was placed, as people read it (Prediction.shown_status: "verified" | "weak match" |
"retrieved" | "not located"). The top tile's centre and the
similarity-weighted estimate are kept as properties. No NaN or infinity is ever written (RFC 8259
has none): a number that is not finite becomes null / an empty cell.

A photo (or a flight's frame) "not located" (model.claims_place False: blank, sky, blurred, nothing to
match) claims no place, so it has none anywhere a place is read from: its GeoJSON Feature stays, with
`"geometry": null` (RFC 7946 §3.2: "a Feature object ... has a member with the name 'geometry'. The
value ... is either a Geometry object ... or, in the case that the Feature is unlocated, a JSON null
value") and every property that gives or derives from a place null (PLACE_FIELDS); its CSV row stays,
those cells empty, `caution` saying why (NOT_LOCATED_CAUTION). Its candidates' middle
(Prediction.location) is research scoring's alone (training/)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from .coords import grid_properties
from .levels import level_of
from .media.metadata import META_FIELDS, exported_values, meta_properties
from .model import STATUS_VERIFIED, Bounds, LatLon, Prediction, claims_place
from .outputs import csv_safe, write_text
from .predict import answer_radius_m
from .wording import NO_PLACE_CLAIMED

DECIMALS = 7  # ~1 cm; RFC 7946 recommends not implying more precision than that


# What a not-located answer's export leaves empty (null in GeoJSON, "" in CSV): the properties and
# columns that give a place or derive from one (lat/lon of the Point, the weighted estimate, the top
# tile's centre, the single-frame estimate, MGRS/UTM, the radius and the errors measured from them), and
# `location_source`, which says where the Point comes from: with no Point it said "weighted" (session 34).
PLACE_FIELDS = ("lat", "lon", "location_source", "weighted_lat", "weighted_lon", "tile_center_lat", "tile_center_lon", "single_lat",
                "single_lon", "radius_m", "error_m", "weighted_error_m", "tile_error_m", "centre_error_m",
                "single_error_m", "error_kind", "mgrs", "utm", "camera_lat", "camera_lon", "camera_height_m",
                "camera_heading_deg", "camera_tilt_deg")
# The `caution` of a not-located answer in every export (CSV cell, GeoJSON property, KML/GPX text).
# Its level and why are in the `status`, `level` and `note` fields: this says what follows (wording.py).
NOT_LOCATED_CAUTION = NO_PLACE_CLAIMED


def without_place(props: dict) -> dict:
    """`props` (a not-located answer's GeoJSON properties) with every PLACE_FIELDS key present set to
    None, `confidence` 0 and `caution` NOT_LOCATED_CAUTION; the others (query, status, level, note, tile
    ids and scores, truth, recorded metadata) as they are. A new dict."""
    out = {name: (None if name in PLACE_FIELDS else value) for name, value in props.items()}
    out["confidence"] = 0.0
    out["caution"] = NOT_LOCATED_CAUTION
    return out


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


# Truth sources that record where the CAMERA was (not the ground point at the image centre)
def format_confidence(confidence: float) -> str:
    """A confidence for people, one format wherever one is read (the app's list, Results pane and
    map, the GPX and KML descriptions, the CLI): three decimals ("0.971", "0.600"), but never
    "1.000" for less than 1 (0.9996 reads "0.999"): a certainty must not be shown where the
    calibration gave none. Machine fields (CSV, GeoJSON, KML Data) hold machine_confidence. A
    confidence that is no number (NaN, infinite: a degenerate score) reads "unknown", never "nan"."""
    if not math.isfinite(float(confidence)):
        return "unknown"
    text = f"{confidence:.3f}"
    return "0.999" if text == "1.000" and confidence < 1.0 else text


def _blank_none(x):
    """A CSV cell: "" for None (never "None")."""
    return "" if x is None else x


def machine_confidence(confidence: float) -> str:
    """A confidence as the CSV and GeoJSON hold it (4 decimals, no trailing zeros: 0.971,
    0.9966), for text fields that carry the same figure (KML Data); "" for one that is no number
    (NaN, infinite), as the CSV leaves its cell empty."""
    value = _round(confidence)
    return "" if value is None else str(value)


def _records_camera(truth_source: str | None) -> bool:
    return truth_source in ("exif", "srt") or (truth_source or "").startswith("xmp:")


CAMERA_FIELDS = ("camera_lat", "camera_lon", "camera_height_m", "camera_heading_deg", "camera_tilt_deg")


def camera_properties(query, footprint, centre_error_m: float | None) -> dict:
    """Where the drone was (core/camera.py: PnP on the verified footprint, when the focal length
    is known): camera_lat/lon (degrees, WGS84), camera_height_m (metres above the ground plane the
    footprint lies on), camera_heading_deg (the image top's compass direction, clockwise from
    north), camera_tilt_deg (optical axis off nadir). With a truth: `error_kind` says what
    `error_m` compares, like with like (issue 12): "camera" when the truth is a recorded camera
    position (EXIF/XMP GPS, telemetry) and the camera is known, the Point's error then kept as
    `centre_error_m`; else "centre" (the Point, the image-centre ground point, against the truth)."""
    from .camera import camera_for

    out: dict = {}
    camera = camera_for(query, footprint) if footprint else None
    if camera is not None:
        out.update(camera_lat=round(camera.position.lat, DECIMALS), camera_lon=round(camera.position.lon, DECIMALS),
                   camera_height_m=_round(camera.height_m, 2), camera_heading_deg=_round(camera.heading_deg, 2),
                   camera_tilt_deg=_round(camera.tilt_deg, 2))
    if query.truth is not None:
        out["error_kind"] = "centre"
        if camera is not None and _records_camera(query.truth_source):
            from .geo import haversine_m

            out.update(error_m=_round(haversine_m(camera.position, query.truth), 2), error_kind="camera",
                       centre_error_m=_round(centre_error_m, 2))
    return out


def _verified_footprint(p: Prediction):
    """The top match's ground footprint when geometry verified it (the Point is its centre)."""
    return p.top.footprint if p.matches and p.status == STATUS_VERIFIED else None


def compared_error(p: Prediction) -> tuple[float | None, str | None]:
    """(error in metres, error_kind) as every export states them (camera_properties): the camera
    against a recorded camera position when both are known, else the Point against the truth.
    (None, None) without a truth. The one rule of which error is scored: the rows, the files, and
    `geolocator eval` / the Evaluation panel (evaluate.honesty_figures) all take it from here."""
    if p.query.truth is None:
        return None, None
    if not _records_camera(p.query.truth_source):  # truth.csv: the image centre's ground point, no PnP needed
        return p.error_m, "centre"
    props = camera_properties(p.query, _verified_footprint(p), p.error_m)
    return props.get("error_m", p.error_m), props.get("error_kind", "centre")


def prediction_properties(p: Prediction) -> dict:
    props = {
        "query": p.query.id,
        "tile": p.top.tile.id,
        "score": _round(p.top.score),
        "confidence": _round(p.confidence),
        # the radius that confidence speaks of: the Point within this many metres (predict.confidence_radius_m)
        "radius_m": _round(answer_radius_m(p), 1),
        "weighted_lat": _round(p.weighted_location.lat, DECIMALS),
        "weighted_lon": _round(p.weighted_location.lon, DECIMALS),
        "top_k": [{"rank": m.rank, "tile": m.tile.id, "score": _round(m.score)} for m in p.matches],
        "status": p.shown_status,
        "level": level_of(p),  # the words people read (core/levels.py); `status` is the machine's
        "location_source": p.location_source,
        "tile_center_lat": _round(p.tile_center.lat, DECIMALS),
        "tile_center_lon": _round(p.tile_center.lon, DECIMALS),
        "inliers": p.top.inliers,
    }
    if p.note:
        props["note"] = p.note
    if p.caution:
        props["caution"] = p.caution
    if p.query.truth is not None:
        props.update(
            truth_lat=round(p.query.truth.lat, DECIMALS),
            truth_lon=round(p.query.truth.lon, DECIMALS),
            truth_source=p.query.truth_source,
            error_m=_round(p.error_m, 2),
            weighted_error_m=_round(p.weighted_error_m, 2),
            tile_error_m=_round(p.tile_error_m, 2),
        )
    props.update(camera_properties(p.query, _verified_footprint(p), p.error_m))  # camera_*, error_kind
    if p.query.truth_note:  # why the photo's own GPS was not taken as truth
        props["truth_note"] = p.query.truth_note
    props.update(recorded_properties(p.query))  # what the photo's EXIF/XMP or the frame's telemetry recorded
    props.update(grid_properties(p.location.lat, p.location.lon))  # the Point as field teams read it (coords)
    return props if claims_place(p.shown_status) else without_place(props)  # not located: no place anywhere


def photo_feature(feature: dict) -> bool:
    """Whether a GeoJSON Feature of predictions_to_geojson is a photo's (or frame's): its Point, or null
    geometry when not located (photo_geometry); not a tile outline's polygon."""
    return feature["geometry"] is None or feature["geometry"]["type"] == "Point"


def mark_far(doc: dict, far) -> dict:
    """A GeoJSON document with evaluate.far_from_tiles' sentence (`far`, None: unchanged) where a
    person opening it sees it: a top-level "warning" (an RFC 7946 foreign member, as "attribution")
    and a "warning" property on each Point of a photo it is about (what a GIS shows)."""
    if far is not None:
        doc["warning"] = far.note
        for feature in doc["features"]:
            props = feature.get("properties") or {}
            if photo_feature(feature) and far.about(props.get("query")):  # a not-located photo's too
                props["warning"] = far.note
    return doc


def photo_geometry(location: LatLon, status: str) -> dict | None:
    """A photo's GeoJSON geometry: a Point at `location`, or None (JSON null, RFC 7946 §3.2's unlocated
    Feature) when `status` claims no place (model.claims_place: "not located")."""
    return {"type": "Point", "coordinates": _point(location)} if claims_place(status) else None


def predictions_to_geojson(predictions: Sequence[Prediction], *, tile_footprints: bool = False,
                           attribution: str | None = None, far=None) -> dict:
    """A FeatureCollection, one Feature per prediction (its Point; `"geometry": null` for a not-located
    one, photo_geometry), then the tiles' outlines when `tile_footprints`. `far`:
    evaluate.far_from_tiles of the photos (see mark_far)."""
    features = [
        {"type": "Feature", "geometry": photo_geometry(p.location, p.shown_status), "properties": prediction_properties(p)}
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
    return mark_far(out, far)


def _write_atomic(path: Path, text: str) -> None:
    # atomic, umask permissions (0644, not mkstemp's 0600), failures name `path` (OutputError)
    write_text(path, text)


def write_geojson(predictions: Sequence[Prediction], path: Path, *, tile_footprints: bool = False,
                  attribution: str | None = None, far=None) -> None:
    # allow_nan=False: a NaN that slipped through fails here, loudly, instead of writing invalid JSON
    _write_atomic(path, json.dumps(predictions_to_geojson(predictions, tile_footprints=tile_footprints,
                                                          attribution=attribution, far=far), indent=1, allow_nan=False))


CSV_COLUMNS = ["query", "lat", "lon", "weighted_lat", "weighted_lon", "tile", "score", "confidence", "truth_lat", "truth_lon", "error_m",
               "status", "location_source", "tile_center_lat", "tile_center_lon", "note"]
META_CSV_COLUMNS = ["truth_source", "truth_note", *META_FIELDS]  # after the columns above, which keep their places
# after those: where the drone was (camera_properties), and what error_m compares
CAMERA_CSV_COLUMNS = [*CAMERA_FIELDS, "error_kind", "centre_error_m"]
# Last, so readers of the columns above are unaffected: the imagery's credit line (the tile set's
# attribution, the same on every row; empty when the tile set has none). CSV has no place for
# file-level metadata, and a sidecar file gets separated from its CSV.
ATTRIBUTION_CSV_COLUMNS = ["attribution"]
# After it: evaluate.far_from_tiles' sentence on the rows of the photos recorded far from every tile
# (their answers cannot be right), empty on the others.
WARNING_CSV_COLUMNS = ["warning"]
# Last (added in session 19; the columns before keep their places): a flight's frame's status as the
# track found it (sequence.STATUSES) where `status` says "weak match" / "weak track" below confidence
# 0.5 (sequence.shown_track_status); empty for a photo in no flight.
TRACK_CSV_COLUMNS = ["track_status"]
# And after it: the radius the confidence speaks of (predict.confidence_radius_m: half the diagonal of
# the answer's tile), metres: "confidence 0.93 that the Point is within radius_m of where it was taken".
RADIUS_CSV_COLUMNS = ["radius_m"]
# And last: the exported Point as field teams read it (core.coords.grid_properties: MGRS, UTM with its
# band letter), text beside the WGS84 lat/lon columns, which stay the machine's.
GRID_CSV_COLUMNS = ["mgrs", "utm"]
# After them (session 23; the columns before keep their places): which shot of a video edited from
# several a frame is in, "shot 2 of 5" (sequence.frame_shots, wording.shot_of); empty for photos and
# for frames of a video of one shot.
SHOT_CSV_COLUMNS = ["shot"]
# And last (session 26): how sure the answer is in the words the CLI, the app's list, the map and KML
# use (core/levels.py: confident / verified but not confident / weak match / tile level only / not
# located; a flight's frame the track placed: the track's word, as the list shows it). `status`
# stays the machine's field; this one is for the person reading the spreadsheet.
LEVEL_CSV_COLUMNS = ["level"]
# And last (session 31): a photo's or flight frame's time in UTC, ISO 8601 (export_track.utc_times: its
# clock's zone recorded, or given per folder by `--clock-zone`), so that two drones' rows whose clocks were
# set to different zones sort as they flew; empty for a clock of unknown zone or no capture time.
TIME_CSV_COLUMNS = ["time_utc"]
# And last (session 32; the columns before keep their places, as spreadsheets read them by position): why
# the row's answer is a guess, in words (Prediction.caution: a low-texture photo nothing verified,
# predict.LOW_TEXTURE_CAUTION), as the app, GeoJSON, KML, GPX and evidence.json say it; empty where there is
# none, and on a flight frame's row, whose Point is the track's (as the map's popup and KML/GPX).
CAUTION_CSV_COLUMNS = ["caution"]


def recorded_properties(query) -> dict:
    """META_FIELDS of what was recorded with a photo or a video frame, JSON-ready (None ones left
    out): a photo's EXIF/XMP (metadata.meta_properties); for a video frame, its telemetry record
    (media/telemetry.FrameTelemetry): altitudes above take-off and as written (m), gimbal yaw,
    pitch and roll (deg), the 35 mm-equivalent focal length (camera.focal_35mm: older DJI models write
    mm x 10) and the cue's clock time (camera local time, no zone, as the SRT gives it). A field
    the photo's own metadata holds wins. A video frame without a telemetry clock: its captured_at is the
    video's recording time from its container plus the frame's time (Query.video_start, media/video_time.py:
    with its offset when recorded, else the camera's clock as written)."""
    out = meta_properties(getattr(query, "meta", None))
    t = getattr(query, "telemetry", None)
    began, time_s = getattr(query, "video_start", None), getattr(query, "time_s", None)
    if began is not None and time_s is not None and getattr(t, "when", None) is None and "captured_at" not in out:
        out = out | exported_values({"captured_at": began + timedelta(seconds=float(time_s))})
    if t is None:
        return out
    from .camera import focal_35mm

    recorded = exported_values({"captured_at": t.when,
                                "relative_altitude_m": t.rel_alt_m, "absolute_altitude_m": t.abs_alt_m,
                                "gimbal_yaw_deg": t.gimbal_yaw_deg, "gimbal_pitch_deg": t.gimbal_pitch_deg,
                                "gimbal_roll_deg": t.gimbal_roll_deg, "focal_length_35mm": focal_35mm(query)})  # one formatting with meta_properties'
    return out | {name: value for name, value in recorded.items() if name not in out}


def _meta_cells(p: Prediction) -> list:
    meta = recorded_properties(p.query)
    return [p.query.truth_source or "", p.query.truth_note or ""] + [meta.get(name, "") for name in META_FIELDS]


# a flight's frame (video, timed photos): its place on the track (core/sequence.py); empty otherwise
FLIGHT_CSV_COLUMNS = ["flight", "time_s", "verified", "single_lat", "single_lon", "extrapolated_s"]


def write_csv(predictions: Sequence[Prediction], path: Path, tracks: Sequence = (), *, attribution: str | None = None,
              far=None, excel: bool = False, clock_zone=None) -> None:
    """One row per prediction: CSV_COLUMNS, META_CSV_COLUMNS, CAMERA_CSV_COLUMNS, FLIGHT_CSV_COLUMNS,
    then ATTRIBUTION_CSV_COLUMNS (`attribution`, the imagery's credit line, on every row), then
    WARNING_CSV_COLUMNS (`far`: evaluate.far_from_tiles, its sentence on its photos' rows), then
    TRACK_CSV_COLUMNS, then RADIUS_CSV_COLUMNS, then GRID_CSV_COLUMNS (the Point's MGRS and UTM), then
    SHOT_CSV_COLUMNS (a frame of an edited video: its shot), then LEVEL_CSV_COLUMNS (core/levels.py's
    words), then TIME_CSV_COLUMNS (a photo's or frame's UTC time where its clock's zone is known: recorded,
    or `clock_zone`, a tzinfo or clock_zones.ClockZones), then CAUTION_CSV_COLUMNS (why a photo's answer is
    a guess, Prediction.caution; empty on a flight frame's row, which holds the track's Point; on a
    not-located row, NOT_LOCATED_CAUTION, its PLACE_FIELDS cells empty and its confidence 0). A frame of
    one of `tracks` (core.sequence.Track) is written at its track position with the track's status
    (as the flight GeoJSON does); its own single-frame answer is in single_lat/lon. Text cells are
    neutralised (csv_safe). `excel`: the flavour for Excel in a comma-decimal locale (core/csv_excel.py:
    a UTF-8 byte order mark, `;` between cells, decimal commas); the same columns and rows."""
    import io

    from .export_track import _props as track_properties, utc_times

    times = utc_times(predictions, tracks, clock_zone)

    on_track = {pt.query.id: track_properties(pt, t.name, t.edit_shot) | {"_at": pt.location}
                for t in tracks for pt in t.points}
    from .csv_excel import BOM, DELIMITER, excel_cell

    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=DELIMITER if excel else ",")
    put = (lambda row: writer.writerow([excel_cell(v) for v in row])) if excel else writer.writerow
    credit = csv_safe(attribution or "")
    header = (CSV_COLUMNS + META_CSV_COLUMNS + CAMERA_CSV_COLUMNS + FLIGHT_CSV_COLUMNS + ATTRIBUTION_CSV_COLUMNS
              + WARNING_CSV_COLUMNS + TRACK_CSV_COLUMNS + RADIUS_CSV_COLUMNS + GRID_CSV_COLUMNS + SHOT_CSV_COLUMNS
              + LEVEL_CSV_COLUMNS + TIME_CSV_COLUMNS + CAUTION_CSV_COLUMNS)
    put(header)
    for p in predictions:
        truth = p.query.truth
        flight = on_track.get(p.query.id)
        props = flight if flight is not None else camera_properties(p.query, _verified_footprint(p), p.error_m)
        error_m = props.get("error_m", p.error_m)
        at = p.location if flight is None else flight["_at"]
        row = (
            [
                csv_safe(p.query.id),
                round(at.lat, DECIMALS),
                round(at.lon, DECIMALS),
                # the frame's own weighted estimate: none when its own answer was not located (a flight's row)
                round(p.weighted_location.lat, DECIMALS) if claims_place(p.shown_status) else "",
                round(p.weighted_location.lon, DECIMALS) if claims_place(p.shown_status) else "",
                csv_safe(p.top.tile.id if flight is None else flight.get("tile", p.top.tile.id)),
                _round(p.top.score),
                _round(p.confidence) if flight is None else flight.get("confidence", _round(p.confidence)),
                "" if truth is None else round(truth.lat, DECIMALS),
                "" if truth is None else round(truth.lon, DECIMALS),
                "" if error_m is None else _round(error_m, 2),
                p.shown_status if flight is None else flight["status"],
                p.location_source if flight is None else flight.get("location_source", p.location_source),
                round(p.tile_center.lat, DECIMALS) if flight is None else flight.get("tile_center_lat", round(p.tile_center.lat, DECIMALS)),
                round(p.tile_center.lon, DECIMALS) if flight is None else flight.get("tile_center_lon", round(p.tile_center.lon, DECIMALS)),
                p.note or "",
            ]
            + _meta_cells(p)
            + ["" if props.get(name) is None else props[name] for name in CAMERA_CSV_COLUMNS]
            + ([csv_safe(flight["flight"])] + ["" if flight.get(name) is None else flight[name]
                                               for name in FLIGHT_CSV_COLUMNS[1:]] if flight else [""] * len(FLIGHT_CSV_COLUMNS))
            + [credit, (far.about(p.query.id) if far is not None else None) or ""]
            + ["" if flight is None else flight["track_status"]]
            + [_blank_none(flight["radius_m"] if flight is not None and "radius_m" in flight
                           else _round(answer_radius_m(p), 1))]
            + ["" if v is None else v for v in grid_properties(at.lat, at.lon).values()]
            + ["" if flight is None else flight.get("shot", "")]
            + [level_of(p) if flight is None else flight["level"]]
            + [times.get(p.query.id, "")]
            + [csv_safe(p.caution or "") if flight is None else csv_safe(flight.get("caution") or "")]
        )
        if not claims_place(p.shown_status if flight is None else flight["status"]):
            # not located: the row stays, with no place in it (PLACE_FIELDS empty), `caution` saying why
            row = ["" if name in PLACE_FIELDS else value for name, value in zip(header, row, strict=True)]
            row[header.index("confidence")] = 0.0
            row[-1] = NOT_LOCATED_CAUTION
        put(row)
    _write_atomic(path, (BOM if excel else "") + buf.getvalue())
