"""Flights out: the track as GeoJSON (RFC 7946), GPX 1.1 (gpxpy) and KML 2.2 (simplekml).

Every format carries each frame's best estimate (on the track) with its time and status, the
track as a line, and each frame's ground footprint where a verified homography gives one.
Times: a frame's `time_s` is seconds from the flight's first frame; GPX and KML need absolute
times, so they are written from the flight's start: the first photo's capture time, or for a video
the telemetry's wall clock, else its container's recording time (media/video_time.py); a flight
with none of these is written without times (GPX points without <time>, KML without <TimeStamp>):
never the Unix epoch's invented 1970 dates. GPX and KML times are UTC: a capture time with its UTC offset (EXIF OffsetTimeOriginal) is
converted; one without (DJI SRT telemetry, EXIF without an offset: camera local time, zone
unknown) is written as if UTC.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from .coords import grid_properties, grid_words
from .export import (DECIMALS, NOT_LOCATED_CAUTION, _point, _round, _write_atomic, camera_properties,
                     format_confidence, machine_confidence, mark_far, photo_feature, photo_geometry, without_place)
from .clock_zones import zone_at
from .media.metadata import clock_zone_words, in_clock_zone, zone_name
from .levels import LEVEL_NOT_CONFIDENT, level_of, point_level
from .model import LatLon, Prediction, claims_place
from .predict import answer_radius_m
from .sequence import Track, TrackPoint
from .wording import confidence_within, first_named, not_located_words, shot_of
from .xml_chars import xml_document

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# A GPX waypoint's <sym> by its status as shown (<type>), so that a GPS draws unsure points apart:
# Garmin's symbol names (MapSource 6 and later; the list GPSBabel's garmin_tables.c keeps). Green flag:
# verified; blue: verified on another candidate (corrected), blue pin: placed by the track; red pin:
# unsure (weak, tile level only); red flag: contradicts the track; red block: not located.
GPX_SYMBOLS = {"verified": "Flag, Green", "matched": "Flag, Green", "corrected": "Flag, Blue",
               "interpolated": "Pin, Blue", "extrapolated": "Pin, Blue",
               "weak match": "Pin, Red", "weak track": "Pin, Red", "retrieved": "Pin, Red",
               "flagged": "Flag, Red", "not located": "Block, Red"}
TRACK_SUFFIXES = (".gpx", ".kml")


def counterclockwise(points: Sequence[LatLon]) -> list[LatLon]:
    """A footprint's corners (TL, TR, BR, BL of the photo, as Match.footprint) in the order that
    winds counterclockwise on the map (east right, north up): RFC 7946 §3.1.6 requires it of a
    GeoJSON exterior ring ("the right-hand rule"), and KML's Polygon reference asks the same. A
    camera looking down sees its image's TL->TR->BR->BL clockwise on the ground, so the corners
    were written clockwise. The winding is the sign of the shoelace area in degrees, longitudes
    taken relative to the first corner's (a ring across ±180° winds the right way too)."""
    pts = list(points)
    if len(pts) < 3:
        return pts
    xy = [(((p.lon - pts[0].lon + 180.0) % 360.0) - 180.0, p.lat) for p in pts]
    twice_area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(xy, xy[1:] + xy[:1]))
    return pts if twice_area >= 0 else [pts[0], *reversed(pts[1:])]


def _ring(points: Sequence[LatLon]) -> list[list[float]]:
    """A closed GeoJSON ring, counterclockwise (see counterclockwise)."""
    ring = [_point(p) for p in counterclockwise(points)]
    return ring + [ring[0]]


def _props(p: TrackPoint, flight: str, shot: tuple[int, int] | None = None) -> dict:
    """A flight's frame's properties, as GeoJSON and CSV write them. `shot`: (shot, shots) of a frame
    of a video edited from shots (Track.edit_shot, sequence.frame_shots), written "shot 2 of 5"."""
    props = {
        "query": p.query.id,
        "flight": flight,
        "time_s": round(p.time_s, 3),
        "status": p.shown_status,  # "weak match" / "weak track" below 0.5 (sequence.shown_track_status)
        "track_status": p.status,  # what the track found (sequence.STATUSES), whatever the confidence
        "verified": p.verified,  # the frame's own answer verified by geometry (matched/corrected/flagged)
        "candidate_rank": p.rank,
        # null, never NaN, as every export (RFC 8259); null too when the frame's own answer was not located
        "single_lat": _round(p.own.lat, DECIMALS) if p.own_placed else None,
        "single_lon": _round(p.own.lon, DECIMALS) if p.own_placed else None,
    }
    if shot is not None:  # a shot of an edited video: tracked on its own (wording.shot_of, as every output)
        props["shot"] = shot_of(*shot)
    if p.extrapolated_s is not None:  # seconds past the first/last verified frame: how far to trust it
        props["extrapolated_s"] = _round(p.extrapolated_s, 3)
    if p.confidence is not None:  # the Point's: the track's for a frame it placed (track_confidence.py)
        props["confidence"] = _round(p.confidence)
    props["level"] = point_level(p)  # the words the app's list and the CLI use (core/levels.py)
    if p.radius_m is not None:  # what that confidence is about: the Point within this many metres
        props["radius_m"] = _round(p.radius_m, 1)
    if p.caution:  # the track's Point may be a guess: the flight hardly verified (outside_tiles.flight_caution)
        props["caution"] = p.caution
    if p.location_source is not None:  # the Point is not the frame's own answer: say where it comes from
        props["location_source"] = p.location_source
    if p.tile is not None:  # ... and which of its candidate tiles, so that tile and Point agree
        props.update(tile=p.tile.id, tile_center_lat=_round(p.tile.center.lat, DECIMALS),
                     tile_center_lon=_round(p.tile.center.lon, DECIMALS))
    truth = p.query.truth
    if truth is not None:
        props.update(truth_lat=_round(truth.lat, DECIMALS), truth_lon=_round(truth.lon, DECIMALS),
                     truth_source=p.query.truth_source, error_m=_round(p.error_m, 2),
                     single_error_m=_round(p.own_error_m, 2) if p.own_placed else None)
    # where the drone was (PnP on the verified footprint), and error_m like with like (error_kind)
    props.update(camera_properties(p.query, p.footprint if p.verified else None, p.error_m))
    props.update(grid_properties(p.location.lat, p.location.lon))  # the Point as field teams read it
    # a frame "not located" claims no place: none in its properties either (export.without_place)
    return props if claims_place(p.status) else without_place(props)


def frame_errors(tracks: Sequence[Track]) -> dict[str, tuple[float | None, str | None]]:
    """{frame's query id: (error in metres, error_kind)} of each flight's frame with a truth, at its
    track position, exactly as the exports state them (`_props`: the camera against a recorded
    camera position when PnP knows it, else the Point on the track against the truth). For the app's
    list, which showed an interpolated frame's own single-photo error (0.15 m) beside the track's
    Point that the map and the files give (0.39 m off)."""
    out = {}
    for track in tracks:
        for p in track.points:
            if p.query.truth is None:
                continue
            props = camera_properties(p.query, p.footprint if p.verified else None, p.error_m)
            out[p.query.id] = (props.get("error_m", p.error_m), props.get("error_kind", "centre"))
    return out


def tracks_to_geojson(tracks: Sequence[Track], clock_zone=None) -> dict:
    """Per flight: one Point per frame (the best estimate, with time_s and status; time_utc where its
    clock's zone is known: frame_times, `clock_zone` a tzinfo or clock_zones.ClockZones), the track as a
    LineString, and the verified footprints as Polygons."""
    features = []
    times = frame_times(tracks, clock_zone)
    for track in tracks:
        for p in track.points:
            utc = {"time_utc": times[p.query.id]} if p.query.id in times else {}
            features.append({"type": "Feature", "geometry": photo_geometry(p.location, p.status),  # null: not located
                             "properties": {"kind": "frame", **_props(p, track.name, track.edit_shot), **utc}})
        line = track.line
        if len(line) >= 2:  # RFC 7946 §3.1.4: two or more positions (a flight nothing placed has no line)
            features.append({
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [_point(x) for x in line]},
                "properties": {"kind": "track", "flight": track.name, "frames": len(track.points),
                               "duration_s": round(track.points[-1].time_s - track.points[0].time_s, 3)},
            })
        for p in track.points:
            if p.footprint:
                features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [_ring(p.footprint)]},
                                 "properties": {"kind": "footprint", "query": p.query.id, "time_s": round(p.time_s, 3)}})
    return {"type": "FeatureCollection", "features": features}


def write_track_geojson(tracks: Sequence[Track], path: Path, *, attribution: str | None = None, far=None,
                        clock_zone=None) -> None:
    doc = mark_far(tracks_to_geojson(tracks, clock_zone), far)  # far: evaluate.far_from_tiles (export.mark_far)
    if attribution:
        doc["attribution"] = attribution  # as export.predictions_to_geojson: an RFC 7946 foreign member
    _write_atomic(path, json.dumps(doc, indent=1, allow_nan=False))  # as export.write_geojson: never NaN


def _when(start: datetime | None, seconds: float, clock_zone: tzinfo | None = None) -> datetime | None:
    """`seconds` after `start` in UTC, as GPX 1.1 and KML times are read: a time with its UTC
    offset is converted; a naive one (camera local time of unknown zone) is read in `clock_zone`
    (parse_clock_zone: the zone the person says the clocks were set to), else written as if UTC.
    None when `start` is None (a flight with no clock: its points are written without a time)."""
    if start is None:
        return None
    base = in_clock_zone(start, clock_zone or timezone.utc)
    return base.astimezone(timezone.utc) + timedelta(seconds=seconds)


def parse_clock_zone(text: str) -> tzinfo:
    """The zone of clocks that recorded none: "+01:00", "-05:30", "UTC", "Z", the same offset written
    as people write it ("UTC+9", "UTC-5", "UTC+5:30", "+9": hours east of UTC, as ISO 8601's sign;
    "GMT+9" is refused, as IANA's Etc/GMT+9 is 9 hours west) or an IANA name such as "Europe/Zurich" (zoneinfo: summer and
    winter time by each date, which a fixed offset is not). Abbreviations ("JST", "CET") are refused:
    several zones share them. Raises ValueError naming the text and the forms taken."""
    from .media.metadata import utc_offset

    text = text.strip()
    if text.upper() in ("UTC", "Z", "GMT"):
        return timezone.utc
    # +H, +HH, +H:MM, +HH:MM or +HHMM, after an optional UTC ("+123" is none of them). Not after GMT:
    # IANA's Etc/GMT+9 is 9 hours WEST (POSIX's inverted sign), so "GMT+9" could mean either
    written = re.fullmatch(r"(?:UTC)?\s*([+-])(?:(\d{1,2})(?::(\d{2}))?|(\d{2})(\d{2}))", text, re.IGNORECASE)
    if written:
        sign, hours, minutes = written[1], written[2] or written[4], written[3] or written[5] or "00"
        text_offset = f"{sign}{int(hours):02d}:{minutes}"
    offset = utc_offset(text_offset if written else text)
    if offset is not None:
        return offset
    if "/" in text:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file name
            pass
    why = (": GMT+N means N hours west in IANA's Etc/GMT+N, east to most people; write UTC+N or UTC-N"
           if re.fullmatch(r"GMT\s*[+-].*", text, re.IGNORECASE) else
           ": an abbreviation names several zones (CST: China, Cuba or US Central)" if text.isalpha() and text.isupper() and len(text) <= 5 else "")
    raise ValueError(f"not a time zone: {text!r}{why} (write +01:00, -05:00, UTC+9, UTC or a name such as "
                     "Europe/Zurich or Asia/Tokyo)")


def _capture_time(query) -> datetime | None:
    """A photo's capture time for the files: EXIF DateTimeOriginal with its OffsetTimeOriginal when
    the camera recorded one (so that _when converts it to UTC), else naive. sequence._query_capture
    drops the offset, which is right for ordering one camera's photos but not for a file's clock:
    a photo taken at 09:30+02:00 was written as 09:30Z, two hours late."""
    meta = getattr(query, "meta", None)
    if meta is None:
        from .media.metadata import read_photo_meta

        meta = read_photo_meta(query.path)
    when = getattr(meta, "captured_at", None)
    return when if isinstance(when, datetime) else None


def _clock_of(query) -> datetime | None:
    """A photo's or a video frame's own wall clock, for one in no flight: a frame's is
    video_time.frame_clock (its telemetry clock, else its clip's recorded start plus its time), a
    photo's its capture time (_capture_time); aware when the offset is recorded, else naive."""
    if query.time_s is not None:
        from .media.video_time import frame_clock

        return frame_clock(query)
    return _capture_time(query)


def _start_of(track: Track) -> datetime | None:
    """The wall clock at the flight's time 0 (a TrackPoint's time_s counts from it), None when none is
    known. A photo flight: its first photo's capture time. A video: the telemetry's wall clock at its
    first frame when the sidecar has one (it wins), else the container's recording time
    (Query.video_start, media/video_time.py: the clock at the video's t=0) moved to the first frame's
    time in the video; None when neither is recorded (the files then write no time, never 1970)."""
    point = track.points[0]
    when = _clock_of(point.query)  # a frame's: its telemetry clock, else its clip's start + its time
    if point.query.time_s is None or when is None:  # a photo flight: its first photo's capture time
        return when
    return when - timedelta(seconds=point.time_s)


def _past_note(p: TrackPoint) -> str:
    # a span that is no number says nothing (the GeoJSON's extrapolated_s is null then: export._round); it read "nan s"
    past = p.extrapolated_s
    return "" if past is None or not math.isfinite(past) else f" {past:.1f} s beyond the verified frames;"


def _confidence_note(p: TrackPoint) -> str:
    # "confidence 0.930 that it is within 35 m" (predict.confidence_radius_m); not located: no place, so no radius
    radius = p.radius_m if claims_place(p.status) else None
    note = "" if p.confidence is None else f" confidence {confidence_within(format_confidence(p.confidence), radius)};"
    # the track's Point may be a guess (outside_tiles.flight_caution): GPX <desc> and KML say it too
    return note + (f" caution: {p.caution};" if p.caution else "")


def _photo_note(pred: Prediction) -> str:
    """A photo in no flight: how it was placed, in words (for a GPX <desc> or a KML description); a
    not-located one: why, with no place nor confidence radius (export.NOT_LOCATED_CAUTION)."""
    if not claims_place(pred.shown_status):  # "not located" and why once (wording.not_located_words), then what follows
        return f"{not_located_words(pred.note)}; {NOT_LOCATED_CAUTION}"
    within = confidence_within(format_confidence(pred.confidence), answer_radius_m(pred))
    note = f"{level_of(pred)}; confidence {within}; {pred.location_source}"  # core/levels.py's words
    # a video frame in no flight has its time (the track was off, or its clip too short): not "no capture time"
    alone = "located on its own" if pred.query.time_s is not None else "no capture time, or alone"
    note += (f"; {pred.note}" if pred.note else "") + f"; in no flight ({alone})"
    note += f"; caution: {pred.caution}" if pred.caution else ""  # why it is a guess (predict.LOW_TEXTURE_CAUTION)
    return f"{note}; {grid_words(pred.location.lat, pred.location.lon)}"


def not_located_ids(tracks: Sequence[Track], photos: Sequence[Prediction] = ()) -> list[str]:
    """The query ids, `photos` (in no flight) first then each flight's frames in order, of the answers
    "not located" (model.claims_place False): what a GPX file cannot hold (a waypoint needs lat/lon, GPX
    1.1 wptType) and leaves out, naming them (left_out_note)."""
    return ([p.query.id for p in photos if not claims_place(p.shown_status)]
            + [p.query.id for t in tracks for p in t.points if not claims_place(p.status)])


def left_out_note(ids: Sequence[str], shown: int = 20) -> str | None:
    """"Not located, so left out (no position to give): DJI_1101.JPG, DJI_1102.JPG." for a GPX's
    <metadata><desc> and the CLI; the first `shown` names, then how many more. None when `ids` is empty."""
    if not ids:
        return None
    return f"Not located, so left out (no position to give): {first_named(ids, shown)}."


def _credit(attribution: str | None, far=None, naive: Sequence = (), left_out: Sequence[str] = ()) -> str | None:
    # The positions were found in someone's imagery: its credit line travels with every export. Photos
    # recorded far from the tiles (evaluate.far_from_tiles): that sentence first, where it is seen.
    # `naive`: the zone (or None) each written time without a UTC offset was read in (_naive_zones),
    # said after the credit.
    lines = [f"Warning: {far.note}." if far is not None else None,
             f"Positions found by matching against imagery: {attribution}" if attribution else None,
             _zones_note(list(naive)), left_out_note(list(left_out))]
    return "\n".join(x for x in lines if x) or None


def _naive_note(n: int, clock_zone: tzinfo | None = None) -> str | None:
    if not n:
        return None
    some = f"{n} time{'s were' if n != 1 else ' was'} recorded without a UTC offset"
    if clock_zone is not None:
        return f"{some} (a camera or telemetry clock) and {clock_zone_words(clock_zone)}."
    return (f"{some} (a camera or telemetry clock, zone unknown) and written as if UTC: from a clock on "
            "UTC+01:00, 10:00Z was 09:00 UTC.")


def _zones_note(zones: list) -> str | None:
    """The file's sentence on its times without a UTC offset, each read in the zone of its own clock
    (`zones`: one tzinfo or None a time, _naive_zones): one zone (or none) as _naive_note says it;
    several: how many were read in each ("12 read as Asia/Tokyo, 22 as Europe/Berlin"), those with
    none given as written as if UTC."""
    kinds = {(None if z is None else zone_name(z)): z for z in zones}
    if len(kinds) <= 1:
        return _naive_note(len(zones), zones[0] if zones else None)
    counts = {name: sum(1 for z in zones if (None if z is None else zone_name(z)) == name) for name in kinds}
    read = [f"{n} read as {name}" for name, n in counts.items() if name is not None]
    words = ", ".join(read) + " (the clocks' zones given)"
    if None in counts:
        words += f", {counts[None]} written as if UTC (zone unknown)"
    n = len(zones)
    return f"{n} time{'s were' if n != 1 else ' was'} recorded without a UTC offset (camera or telemetry clocks): {words}."


def _naive_zones(tracks: Sequence[Track], photos: Sequence[Prediction], clock_zone) -> list:
    """The zone each time a GPX or KML gets from a clock without a zone is read in (clock_zones.zone_at:
    per folder when `clock_zone` is a ClockZones; None: written as if UTC), one entry a time: every frame
    of a flight whose start is naive, and every photo in no flight whose capture time is (GPX 1.1 and
    KML's <when> are UTC). A flight with no clock at all is not counted: its points are written
    without a time."""
    zones = []
    for track in _in_time_order(tracks, clock_zone):  # the zones named in the order the flights flew
        start = _start_of(track)
        if start is not None and start.tzinfo is None:
            zones += [zone_at(clock_zone, track.points[0].query.path)] * len(track.points)
    for pred in photos:
        when = _clock_of(pred.query)
        if when is not None and when.tzinfo is None:
            zones.append(zone_at(clock_zone, pred.query.path))
    return zones


def _in_time_order(tracks: Sequence[Track], clock_zone) -> list[Track]:
    """The flights by the UTC time of their first frame (each read in its own clock's zone: two drones
    whose clocks were set to different zones are ordered as they flew), flights with no clock last; a
    stable sort, so shots of one edited video stay together."""
    def key(track: Track):
        start = _start_of(track)
        if start is None or not track.points:
            return (1, EPOCH)
        return (0, _when(start, track.points[0].time_s, zone_at(clock_zone, track.points[0].query.path)))
    return sorted(tracks, key=key)


def frame_times(tracks: Sequence[Track], clock_zone=None) -> dict[str, str]:
    """{frame's query id: its time in UTC, ISO 8601 "2026-12-04T10:02:00Z"} for each flight frame whose
    clock's zone is known: recorded with the time (EXIF OffsetTimeOriginal) or given (`clock_zone`: a
    tzinfo or a clock_zones.ClockZones, per folder). A clock of unknown zone, or a video without one,
    gives no entry: CSV and GeoJSON then leave time_utc out (GPX and KML write such times as if UTC and
    say so). For sorting a spreadsheet of two drones' flights by when each frame was taken."""
    out = {}
    for track in tracks:
        start = _start_of(track)
        if start is None or not track.points:
            continue
        zone = zone_at(clock_zone, track.points[0].query.path)
        if start.tzinfo is None and zone is None:
            continue
        for p in track.points:
            out[p.query.id] = _when(start, p.time_s, zone).isoformat().replace("+00:00", "Z")
    return out


def utc_times(predictions: Sequence[Prediction], tracks: Sequence[Track], clock_zone=None) -> dict[str, str]:
    """frame_times, plus each photo or video frame in no flight (--no-track, a clip too short for a
    track) with a clock (_clock_of: a photo's capture time; a frame's telemetry clock, else its clip's
    recorded start plus its time) whose zone is known (recorded, or `clock_zone` at its path):
    {query id: "2026-12-04T10:02:00Z"}. What CSV and GeoJSON write as time_utc."""
    out = frame_times(tracks, clock_zone)
    for pred in predictions:
        q = pred.query
        if q.id in out:
            continue
        when = _clock_of(q)  # a video frame in no flight: its telemetry clock or its clip's start + its time
        zone = zone_at(clock_zone, q.path)
        if when is not None and (when.tzinfo is not None or zone is not None):
            out[q.id] = _when(when, 0.0, zone).isoformat().replace("+00:00", "Z")
    return out


def _warned(text: str, far, query_id: str) -> str:
    """A waypoint's or placemark's description, with the far-from-tiles sentence first when it is about it."""
    note = far.about(query_id) if far is not None else None
    return f"Warning: {note}. {text}" if note else text


def tracks_to_gpx(tracks: Sequence[Track], photos: Sequence[Prediction] = (), *, attribution: str | None = None,
                  far=None, clock_zone: tzinfo | None = None) -> str:
    """GPX 1.1: a <trk> per flight (one <trkseg> of timed <trkpt>s; a video edited from several shots,
    core/media/cuts.py: one <trk> named after the video with a <trkseg> per shot, GPX 1.1's own way to
    say the line is broken there), a <wpt> per frame with its
    status (<type>, and a Garmin symbol for it in <sym>: GPX_SYMBOLS), and the footprints as closed routes (<rte>: GPX has no polygons). `photos`: predictions
    in no flight (no capture time, or a single photo): a <wpt> each at the best estimate (the
    exported Point), <type> its status, <time> its capture time when it has one; no track, since
    without times there is no order to join them in (GPX 1.1, topografix.com/GPX/1/1, wptType).
    `attribution`: the imagery's credit line, in <metadata><desc>; `far` (evaluate.far_from_tiles):
    its sentence there too and in the <desc> of each photo it is about. `clock_zone`
    (parse_clock_zone): the zone of times recorded without one, or a clock_zones.ClockZones (a zone per
    folder: each flight and photo read in its own clock's zone, the flights listed by their UTC start);
    None: written as if UTC, and said. A photo or frame "not located" (model.claims_place) has no
    position, which a <wpt> requires: it is left out, and <metadata><desc> names it (left_out_note)."""
    import gpxpy.gpx

    gpx = gpxpy.gpx.GPX()
    gpx.creator = "geolocator"
    # a waypoint needs lat/lon (GPX 1.1 wptType): a not-located photo or frame is left out, and named here
    gpx.description = _credit(attribution, far, _naive_zones(tracks, photos, clock_zone), not_located_ids(tracks, photos))
    for pred in photos:
        if not claims_place(pred.shown_status):
            continue
        when = _clock_of(pred.query)
        gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
            round(pred.location.lat, DECIMALS), round(pred.location.lon, DECIMALS),
            time=None if when is None else _when(when, 0.0, zone_at(clock_zone, pred.query.path)),
            name=pred.query.id, type=pred.shown_status,
            symbol=GPX_SYMBOLS.get(pred.shown_status),
            description=_warned(_photo_note(pred), far, pred.query.id)))
    edits: dict[str, gpxpy.gpx.GPXTrack] = {}  # a video edited from shots -> its <trk>
    for track in _in_time_order(tracks, clock_zone):
        start = _start_of(track)
        zone = zone_at(clock_zone, track.points[0].query.path if track.points else None)  # this flight's clock
        if track.video is not None and track.video in edits:
            trk = edits[track.video]
        else:
            trk = gpxpy.gpx.GPXTrack(name=track.name if track.video is None else track.video)
            gpx.tracks.append(trk)
            if track.video is not None:
                edits[track.video] = trk
        seg = gpxpy.gpx.GPXTrackSegment()
        for p in track.on_line:  # the frames the line passes (Track.on_line); the others stay waypoints, labelled
            seg.points.append(gpxpy.gpx.GPXTrackPoint(round(p.location.lat, DECIMALS), round(p.location.lon, DECIMALS),
                                                      time=_when(start, p.time_s, zone), name=p.query.id))
        trk.segments.append(seg)
        shot = "" if track.edit_shot is None else f" {shot_of(*track.edit_shot)};"
        for p in track.points:
            if not claims_place(p.status):  # named in <metadata><desc> (not_located_ids)
                continue
            gpx.waypoints.append(gpxpy.gpx.GPXWaypoint(
                round(p.location.lat, DECIMALS), round(p.location.lon, DECIMALS), time=_when(start, p.time_s, zone),
                name=p.query.id, type=p.shown_status, symbol=GPX_SYMBOLS.get(p.shown_status),
                description=_warned(f"{point_level(p)};{shot} t={p.time_s:.3f} s;{_past_note(p)}{_confidence_note(p)} single-frame estimate "
                                    + (f"{p.own.lat:.7f},{p.own.lon:.7f}" if p.own_placed else "none (not located)")
                                    + f"; {grid_words(p.location.lat, p.location.lon)}",
                                    far, p.query.id)))
            if p.footprint:
                rte = gpxpy.gpx.GPXRoute(name=f"footprint {p.query.id}")
                for c in (*p.footprint, p.footprint[0]):
                    rte.points.append(gpxpy.gpx.GPXRoutePoint(round(c.lat, DECIMALS), round(c.lon, DECIMALS)))
                gpx.routes.append(rte)
    # a control character in a name or credit line: still a file XML readers open (core/xml_chars.py)
    return xml_document(gpx.to_xml(version="1.1"))


# A photo in no flight verified below model.CONFIDENT is drawn yellow in KML, not green: its level is
# "verified but not confident" (core/levels.py, as the app and the CLI say), and a green pin read as
# "sure" in Google Earth. Session 25: after-event photos
# verified at 0.81-0.93 were wrong 7 times in 26, 99 m to 2.8 km away (newuser_session25.md).
def _photo_colour(pred: Prediction, colours: dict):
    """The KML icon colour of a photo in no flight, by its level (core/levels.py): confident green,
    verified but not confident yellow, weak match and tile level only orange, not located grey."""
    import simplekml

    if level_of(pred) == LEVEL_NOT_CONFIDENT:  # verified below model.CONFIDENT (core/levels.py)
        return simplekml.Color.yellow
    return colours.get(pred.shown_status, simplekml.Color.white)


# KML 2.2 (OGC 07-147r2) lets a Placemark hold no geometry (kml:AbstractGeometryGroup, minOccurs 0): such
# a Placemark is listed (Google Earth's Places panel) with its name, time and description, but drawn
# nowhere. A not-located photo is written so, in a folder of its own: listed by name, no pin anywhere.
NOT_LOCATED_FOLDER = "not located (no position: nothing to match)"


def _placemark(folder, name: str, at: LatLon, placed: bool):
    """A Placemark in `folder` (simplekml): a Point at `at` when `placed`, else one with no geometry at
    all (simplekml.newpoint without coordinates writes 0,0, a place in the Gulf of Guinea, so the
    geometry-free Placemark is made from simplekml's own Placemark class)."""
    if placed:
        return folder.newpoint(name=name, coords=[(round(at.lon, DECIMALS), round(at.lat, DECIMALS))])
    from simplekml.featgeom import Placemark

    return folder._newfeature(Placemark, name=name)


def tracks_to_kml(tracks: Sequence[Track], photos: Sequence[Prediction] = (), *, attribution: str | None = None,
                  far=None, clock_zone: tzinfo | None = None) -> str:
    """KML 2.2: a folder per flight with the track (LineString), a timed Placemark per frame
    (styled by status) and the footprints (Polygons); `photos` in no flight: a folder of
    Placemarks at their best estimates (timed when the photo has a capture time), coloured by
    status as frames are (verified green, retrieved orange), a verified photo below model.CONFIDENT
    yellow; a photo not located: a Placemark without geometry (listed, not drawn; KML 2.2 allows it) in
    a folder of its own (NOT_LOCATED_FOLDER), a flight's frame not located likewise in its flight's
    folder. `attribution`:
    the imagery's credit line, in the Document's <description>; `far` (evaluate.far_from_tiles): its
    sentence there too and in the description of each Placemark it is about. `clock_zone`: as
    tracks_to_gpx's. The text is valid against ogckml22.xsd (kml_schema.schema_valid_kml)."""
    import simplekml

    from .kml_schema import schema_valid_kml

    # the document says what it holds: flights, photos, or both
    kml = simplekml.Kml(name="geolocator " + (" and ".join(w for w, n in (("flights", tracks), ("photos", photos)) if n)
                                             or "results"))
    naive = _naive_zones(tracks, photos, clock_zone)
    if attribution or far is not None or naive:
        kml.document.description = _credit(attribution, far, naive)
    # icon colour by status, for a flight's frames and for photos in no flight alike (a photo's
    # "verified" is a frame's "matched"): a lens-cap frame or a photo from outside the imagery must
    # not look like a verified one in Google Earth
    colours = {"matched": simplekml.Color.green, "verified": simplekml.Color.green,
               "corrected": simplekml.Color.yellow,
               "interpolated": simplekml.Color.lightblue, "extrapolated": simplekml.Color.violet,
               "retrieved": simplekml.Color.orange, "flagged": simplekml.Color.red,
               "weak match": simplekml.Color.orange,  # verified below 0.5: right 29 % of the time, as unsure as a retrieved one
               "weak track": simplekml.Color.orange,  # placed by the track below 0.5 (sequence.shown_track_status)
               "not located": simplekml.Color.gray}
    placed = [pred for pred in photos if claims_place(pred.shown_status)]
    unplaced = [pred for pred in photos if not claims_place(pred.shown_status)]
    for name, preds in (("photos in no flight", placed), (NOT_LOCATED_FOLDER, unplaced)):
        if not preds:
            continue
        folder = kml.newfolder(name=name)
        for pred in preds:
            # not located: a Placemark without geometry (listed, never drawn: _placemark)
            pt = _placemark(folder, pred.query.id, pred.location, claims_place(pred.shown_status))
            when = _clock_of(pred.query)
            if when is not None:
                pt.timestamp.when = _when(when, 0.0, zone_at(clock_zone, pred.query.path)).isoformat().replace("+00:00", "Z")
            pt.description = _warned(_photo_note(pred), far, pred.query.id)
            pt.extendeddata.newdata("status", pred.shown_status)
            pt.extendeddata.newdata("level", level_of(pred))  # the words of the app and the CLI (core/levels.py)
            pt.extendeddata.newdata("confidence", machine_confidence(pred.confidence))
            if claims_place(pred.shown_status):  # no icon to colour on a Placemark without geometry
                pt.style.iconstyle.color = _photo_colour(pred, colours)
    for track in _in_time_order(tracks, clock_zone):
        start = _start_of(track)
        zone = zone_at(clock_zone, track.points[0].query.path if track.points else None)  # this flight's clock
        folder = kml.newfolder(name=track.name)
        if len(track.line) >= 2:  # KML 2.2 §10.7: a LineString has two or more coordinate tuples
            line = folder.newlinestring(name=f"track {track.name}",
                                        coords=[(round(x.lon, DECIMALS), round(x.lat, DECIMALS)) for x in track.line])
            line.style.linestyle.width = 3
            line.style.linestyle.color = simplekml.Color.orange
        shot = "" if track.edit_shot is None else f" {shot_of(*track.edit_shot)};"  # as the GPX <desc>
        for p in track.points:
            pt = _placemark(folder, p.query.id, p.location, claims_place(p.status))  # not located: no geometry
            if start is not None:  # a flight with no clock: no <TimeStamp> (never 1970)
                pt.timestamp.when = _when(start, p.time_s, zone).isoformat().replace("+00:00", "Z")
            # "extrapolated; t=5.750 s; 1.3 s beyond the verified frames" (as the GPX <desc>, less its estimate)
            if claims_place(p.status):
                text = (f"{point_level(p)};{shot} t={p.time_s:.3f} s;{_past_note(p)}{_confidence_note(p)} "
                        f"{grid_words(p.location.lat, p.location.lon)}")
            else:  # not located: no place, in words either; why once, and no confidence of a claim it does not make
                text = f"{not_located_words(frame=True)};{shot} t={p.time_s:.3f} s; {NOT_LOCATED_CAUTION}"
            pt.description = _warned(text, far, p.query.id)
            pt.extendeddata.newdata("status", p.shown_status)
            pt.extendeddata.newdata("verified", "true" if p.verified else "false")
            pt.extendeddata.newdata("time_s", f"{p.time_s:.3f}")
            if p.confidence is not None:
                pt.extendeddata.newdata("confidence", machine_confidence(p.confidence))
            if claims_place(p.status):  # no icon to colour on a Placemark without geometry
                pt.style.iconstyle.color = colours.get(p.shown_status, simplekml.Color.white)
            if p.footprint:
                ring = counterclockwise(p.footprint)
                poly = folder.newpolygon(name=f"footprint {p.query.id}",
                                         outerboundaryis=[(round(c.lon, DECIMALS), round(c.lat, DECIMALS))
                                                          for c in (*ring, ring[0])])
                poly.style.polystyle.fill = 0
                poly.style.linestyle.color = simplekml.Color.white
    # simplekml's ids are bare numbers and it puts a folder's Style before its name: a validating
    # reader (fastkml's KML.parse, the OGC schema) refuses both (kml_schema.py)
    # unformatted: simplekml's own pretty-printing parses the text and raised ExpatError on a control
    # character in a name; schema_valid_kml indents it (core/xml_chars.py)
    return schema_valid_kml(xml_document(kml.kml(format=False)))


def write_track(tracks: Sequence[Track], path: Path, photos: Sequence[Prediction] = (), *,
                attribution: str | None = None, far=None, clock_zone: tzinfo | None = None) -> None:
    """By suffix: .gpx, .kml (with `photos` in no flight as waypoints/placemarks), else GeoJSON.
    `attribution`: the tile set's credit line (GPX <metadata><desc>, KML Document <description>).
    `far`: evaluate.far_from_tiles, said in each format (see tracks_to_gpx/kml, export.mark_far).
    `clock_zone`: GPX/KML only (tracks_to_gpx). Written atomically."""
    suffix = Path(path).suffix.lower()
    if suffix == ".gpx":
        _write_atomic(path, tracks_to_gpx(tracks, photos, attribution=attribution, far=far, clock_zone=clock_zone))
    elif suffix == ".kml":
        _write_atomic(path, tracks_to_kml(tracks, photos, attribution=attribution, far=far, clock_zone=clock_zone))
    else:
        write_track_geojson(tracks, path, attribution=attribution, far=far, clock_zone=clock_zone)


def _add_times(doc: dict, times: dict[str, str]) -> dict:
    """Each photo's feature (its Point, or null geometry when not located) gets its time_utc (utc_times),
    where known."""
    for feature in doc["features"]:
        qid = feature["properties"].get("query")
        if qid in times and photo_feature(feature) and feature["properties"].get("kind") != "tile_footprint":
            feature["properties"]["time_utc"] = times[qid]
    return doc


def predictions_and_tracks_to_geojson(predictions, tracks: Sequence[Track], *, tile_footprints: bool = False,
                                      attribution: str | None = None, far=None, clock_zone=None) -> dict:
    """The usual per-photo GeoJSON (export.predictions_to_geojson) where each frame of a flight is
    placed at its track position and also carries time_s and status (and no `caution`: the Point is the
    track's), plus each track's LineString and footprints; every photo's Point its time_utc where its clock's zone is known (utc_times, `clock_zone`)."""
    from .export import predictions_to_geojson

    doc = predictions_to_geojson(predictions, tile_footprints=tile_footprints, attribution=attribution, far=far)
    on_track = {p.query.id: (p, t.name, t.edit_shot) for t in tracks for p in t.points}
    _add_times(doc, utc_times(predictions, tracks, clock_zone))
    for feature in doc["features"]:
        qid = feature["properties"].get("query")
        if qid in on_track and photo_feature(feature):
            point, name, shot = on_track[qid]
            feature["geometry"] = photo_geometry(point.location, point.status)  # null: the track left it not located
            if claims_place(point.status):
                # the Point is the track's, not the frame's own guess (as the CSV, the map, KML and GPX);
                # the track's own caution (TrackPoint.caution) comes with _props
                feature["properties"].pop("caution", None)
                feature["properties"].update(_props(point, name, shot))
            else:  # no place from the track nor from the frame itself (its own answer's figures too)
                feature["properties"].update(_props(point, name, shot))
                feature["properties"] = without_place(feature["properties"])
    doc["features"].extend(f for f in tracks_to_geojson(tracks)["features"] if f["properties"]["kind"] != "frame")
    return doc


def write_predictions_geojson(predictions, tracks: Sequence[Track], path: Path, *, tile_footprints: bool = False,
                              attribution: str | None = None, far=None, clock_zone=None) -> None:
    """The GeoJSON the CLI and the app export: with flights, each frame at its track position with
    its track status and the tracks' lines (predictions_and_tracks_to_geojson); without, the plain
    per-photo document (export.predictions_to_geojson, as export.write_geojson). `far`:
    evaluate.far_from_tiles (export.mark_far). Each photo's time_utc where known (utc_times, `clock_zone`).
    Written atomically; never NaN."""
    if not tracks:
        from .export import predictions_to_geojson

        doc = predictions_to_geojson(predictions, tile_footprints=tile_footprints, attribution=attribution, far=far)
        _write_atomic(path, json.dumps(_add_times(doc, utc_times(predictions, (), clock_zone)), indent=1, allow_nan=False))
        return
    doc = predictions_and_tracks_to_geojson(predictions, tracks, tile_footprints=tile_footprints, attribution=attribution,
                                            far=far, clock_zone=clock_zone)
    _write_atomic(path, json.dumps(doc, indent=1, allow_nan=False))
