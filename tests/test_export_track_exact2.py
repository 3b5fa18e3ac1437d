"""Flight exports, exact answers (mutation run of core/export_track.py, session 7): tiny hand-made
flights whose frames have a tile, a truth, a camera, an extrapolation and every status, written as
GeoJSON, GPX and KML and read back with xml.etree; each value below is worked out by hand from the
inputs (rounding to 7 decimals, times from the flight's start, the texts the formats carry)."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from geolocator.core.camera import FULL_FRAME_DIAGONAL_MM
from geolocator.core.coords import grid_properties, grid_words
from geolocator.core.evaluate import FarFromTiles
from geolocator.core.export import NOT_LOCATED_CAUTION
from geolocator.core.export_track import (NOT_LOCATED_FOLDER, _props, _start_of, _when, predictions_and_tracks_to_geojson,
                                          tracks_to_geojson, tracks_to_gpx, tracks_to_kml, write_predictions_geojson,
                                          write_track, write_track_geojson)
from geolocator.core.geo import metres_per_degree
from geolocator.core.media.telemetry import FrameTelemetry
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.sequence import Track, TrackPoint

ORIGIN = LatLon(36.14, -115.23)
GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
NOTE = "2 of 3 photos lie far from the tiles"
CREDIT = "Imagery (c) Example"
# the centre of this tile: (36.02345678 + 36.22345678) / 2 = 36.12345678, (-115.33456789 - 115.13456789) / 2
TILE = Tile("z/1/2", Path("t.png"), Bounds(-115.33456789, 36.02345678, -115.13456789, 36.22345678))


def _nadir(height=50.0):
    """A camera straight down at ORIGIN, image 40 x 30 px, focal = the 35 mm diagonal (so f = 50 px):
    the footprint is 40 x 30 m at 50 m, top edge north (TL, TR, BR, BL)."""
    half_w, half_h = 20 * height / 50, 15 * height / 50
    m_lat, m_lon = metres_per_degree(ORIGIN.lat)
    return tuple(LatLon(ORIGIN.lat + n / m_lat, ORIGIN.lon + e / m_lon)
                 for e, n in ((-half_w, half_h), (half_w, half_h), (half_w, -half_h), (-half_w, -half_h)))


def _photo(tmp_path, name="a.jpg"):
    Image.new("RGB", (40, 30)).save(tmp_path / name)
    return Query(name, tmp_path / name, truth=ORIGIN, truth_source="exif",
                 meta=PhotoMeta(focal_length_35mm=FULL_FRAME_DIAGONAL_MM))


def _framed(tmp_path, **kw):
    """A frame with everything: a tile, a truth (EXIF), a verified footprint, an extrapolation."""
    args = dict(query=_photo(tmp_path), time_s=12.3456789, location=LatLon(36.123456789, -115.987654321),
                status="matched", own=LatLon(36.11111114, -115.22222226), rank=2, verified=True,
                error_m=123.4567, own_error_m=98.76543, footprint=_nadir(), extrapolated_s=2.3456,
                location_source="homography", tile=TILE)
    args.update(kw)
    return TrackPoint(**args)


COMMON = {"query": "a.jpg", "flight": "f1", "time_s": 12.346, "status": "matched",
          # a matched frame's level: a verified answer's by its track confidence, here unknown (levels.frame_level)
          "track_status": "matched", "candidate_rank": 2, "level": "verified but not confident",
          "single_lat": 36.1111111, "single_lon": -115.2222223, "extrapolated_s": 2.346,
          "location_source": "homography", "tile": "z/1/2", "tile_center_lat": 36.1234568,
          "tile_center_lon": -115.2345679, "truth_lat": 36.14, "truth_lon": -115.23, "truth_source": "exif",
          "single_error_m": 98.77}


def test_the_properties_of_a_verified_frame_with_a_camera(tmp_path):
    props = _props(_framed(tmp_path), "f1")
    cam = {k: props.pop(k) for k in ("camera_lat", "camera_lon", "camera_height_m", "camera_heading_deg",
                                     "camera_tilt_deg")}
    # error_m compares the camera (at the truth: 0 m) with the recorded position; the Point's kept apart
    assert props == {**COMMON, "verified": True, "error_m": 0.0, "error_kind": "camera", "centre_error_m": 123.46,
                     **grid_properties(36.123456789, -115.987654321)}
    assert cam["camera_lat"] == pytest.approx(ORIGIN.lat, abs=2e-7)
    assert cam["camera_lon"] == pytest.approx(ORIGIN.lon, abs=2e-7)
    assert cam["camera_height_m"] == pytest.approx(50.0, abs=0.02)
    assert cam["camera_tilt_deg"] == pytest.approx(0.0, abs=0.05)
    assert (cam["camera_heading_deg"] + 180) % 360 - 180 == pytest.approx(0.0, abs=0.05)


def test_an_unverified_frame_has_no_camera_even_with_a_footprint(tmp_path):
    p = _framed(tmp_path, verified=False)
    p = replace(p, query=replace(p.query, truth=LatLon(36.14123456, -115.23123456)))
    assert _props(p, "f1") == {**COMMON, "verified": False, "error_m": 123.46, "error_kind": "centre",
                               "truth_lat": 36.1412346, "truth_lon": -115.2312346,
                               **grid_properties(36.123456789, -115.987654321)}


def test_a_bare_frame_has_only_the_ten_properties_and_its_grid():
    p = TrackPoint(Query("b.jpg", Path("b.jpg")), 0.0004, LatLon(1.0, 2.0), "interpolated", LatLon(1.00000006, -2.00000004))
    assert _props(p, "f2") == {"query": "b.jpg", "flight": "f2", "time_s": 0.0, "status": "interpolated", "level": "interpolated",
                               "track_status": "interpolated", "verified": False, "candidate_rank": None, "single_lat": 1.0000001, "single_lon": -2.0,
                               "mgrs": "31N CB 88736 10547", "utm": "31N 388736mE 110547mN"}  # PyPI mgrs 1.6.0
    # an extrapolation of 0 s is said (0 is not None); NaN cells are null, never NaN
    p = replace(p, extrapolated_s=0.0, own=LatLon(math.nan, math.nan), location_source="track")
    assert _props(p, "f2") == {"query": "b.jpg", "flight": "f2", "time_s": 0.0, "status": "interpolated", "level": "interpolated",
                               "track_status": "interpolated", "verified": False, "candidate_rank": None, "single_lat": None, "single_lon": None,
                               "extrapolated_s": 0.0, "location_source": "track", **grid_properties(1.0, 2.0)}


def test_a_flight_starting_late_lasts_last_minus_first():
    pts = tuple(TrackPoint(Query(f"q{i}", Path(f"q{i}")), t, LatLon(1.0 + i, 2.0), "matched", LatLon(1.0 + i, 2.0))
                for i, t in enumerate((2.5, 4.0, 7.25)))
    [*_, line] = tracks_to_geojson([Track("late", pts)])["features"]
    assert line["properties"] == {"kind": "track", "flight": "late", "frames": 3, "duration_s": 4.75}


# -- one document with three flights and three photos in none --------------------------------------------
STATUSES = ("matched", "corrected", "interpolated", "extrapolated", "retrieved", "flagged", "not located", "odd")
# KML aabbggrr colours of the statuses (Google's KML reference: <color>), the unknown one white
COLOURS = {"matched": "ff008000", "corrected": "ff00ffff", "interpolated": "ffe6d8ad", "extrapolated": "ffee82ee",
           "retrieved": "ff00a5ff", "flagged": "ff0000ff", "not located": "ff808080", "odd": "ffffffff"}
START = datetime(2026, 5, 4, 10, 0, 0)  # the video's wall clock at its first frame (camera time, no zone)
FOOT = (LatLon(36.11, -115.21), LatLon(36.11, -115.19), LatLon(36.09, -115.19), LatLon(36.09, -115.21))


def _video_points():
    out = []
    for i, status in enumerate(STATUSES):
        t = 2.0 + 1.25 * i  # seconds from the flight's start; the first frame is 2 s in
        tel = FrameTelemetry(0.0, when=START) if i == 0 else None
        q = Query(f"clip#t={10 + i}", Path("clip.mp4"), time_s=10.0 + i, telemetry=tel)
        out.append(TrackPoint(q, t, LatLon(36.123456789 + i, -115.987654321 + i), status,
                              LatLon(36.25 + i, -115.35 - i), verified=status == "matched",
                              footprint=FOOT if status == "matched" else None,
                              extrapolated_s=1.2567 if status == "extrapolated" else None,
                              track_location=LatLon(40.0, -110.0) if status == "flagged" else None))
    return tuple(out)


def _flights():
    clip = Track("clip", _video_points())
    shots = Track("photos", tuple(
        TrackPoint(Query(f"p{i}.jpg", Path(f"p{i}.jpg"), meta=PhotoMeta(captured_at=datetime(2026, 5, 4, 9, 30, i))),
                   2.5 * i, LatLon(10.0 + i, 20.0), "interpolated", LatLon(10.0 + i, 20.0)) for i in range(2)))
    bare = Track("clip2", (TrackPoint(Query("clip2#t=3", Path("clip2.mp4"), time_s=3.0), 0.5, LatLon(-5.0, 6.0),
                                      "retrieved", LatLon(-5.0, 6.0)),))
    return [clip, shots, bare]


def _loose():
    def pred(q, status, confidence, source, note=None):
        tile = Tile("t9", Path("t9.png"), Bounds(0.0, 0.0, 1.0, 1.0))
        return Prediction(q, (Match(tile, 0.5, 1),), LatLon(1.23456789, 2.34567891), LatLon(1.0, 2.0), confidence,
                          location_source=source, status=status, note=note)

    return [pred(Query("s1.jpg", Path("s1.jpg"), meta=PhotoMeta(captured_at=datetime(2026, 5, 4, 8, 15, 30))),
                 "verified", 0.4567, "homography"),
            # a video frame: its time is the video's, not a capture time, even if its meta had one
            pred(Query("v#t=3", Path("v.mp4"), time_s=3.0, meta=PhotoMeta(captured_at=datetime(2026, 1, 1))),
                 "not located", 0.0, "tile_centre", "blank frame"),
            pred(Query("s3.jpg", Path("s3.jpg"), meta=PhotoMeta()), "retrieved", 0.9996, "weighted")]


FAR = FarFromTiles(NOTE, frozenset({"s1.jpg", "clip#t=13"}))
# s1 verified at 0.457: shown "weak match" (below model.WEAK_BELOW, session 18)
# "that it is within 78625 m": the radius the confidence speaks of, half tile t9's diagonal (1 x 1 degree; mend19)
# each description ends with the Point as field teams read it (coords.grid_words: MGRS; degrees and minutes)
LOOSE_GRID = grid_words(1.23456789, 2.34567891)
assert LOOSE_GRID == "MGRS 31N DB 27205 36466; N 01° 14.074' E 002° 20.741'"  # MGRS: PyPI mgrs 1.6.0
LOOSE_DESC = [f"Warning: {NOTE}. weak match; confidence 0.457 that it is within 78625 m; homography; "
              f"in no flight (no capture time, or alone); {LOOSE_GRID}",
              # a video frame in no flight was located on its own (the track off, or its clip too short;
              # session 32): it may well have a time, so not "no capture time"
              # not located: no place, no radius, no grid reference (session 33): why, and what to do
              # "not located" and why once (session 34: it read "not located; blank frame; not located: …")
              f"not located: blank frame; {NOT_LOCATED_CAUTION}",
              # its level, in the app's and the CLI's words (core/levels.py, session 26): not "retrieved"
              "tile level only; confidence 0.999 that it is within 78625 m; weighted; in no flight (no capture time, or alone); "
              f"{LOOSE_GRID}"]
# GPX 1.1 and KML times are UTC; clip's wall clock and the photos' capture times have no zone (naive):
# the document says how many were written as if UTC (clip's 8 frames, 2 photos, s1.jpg; clip2 has no clock)
NAIVE = ("{} times were recorded without a UTC offset (a camera or telemetry clock, zone unknown) and written "
         "as if UTC: from a clock on UTC+01:00, 10:00Z was 09:00 UTC.")
# GPX only: a waypoint needs a position, so the not-located photo and frame are left out, and named (session 33)
LEFT_OUT = "Not located, so left out (no position to give): v#t=3, clip#t=16."
# clip: 10:00:00 at its first frame (2 s into the flight), then 1.25 s apart
CLIP_TIMES = ["2026-05-04T10:00:00Z", "2026-05-04T10:00:01.250000Z", "2026-05-04T10:00:02.500000Z",
              "2026-05-04T10:00:03.750000Z", "2026-05-04T10:00:05Z", "2026-05-04T10:00:06.250000Z",
              "2026-05-04T10:00:07.500000Z", "2026-05-04T10:00:08.750000Z"]
PHOTO_TIMES = ["2026-05-04T09:30:00Z", "2026-05-04T09:30:02.500000Z"]
BARE_TIMES = [None]  # a video without a wall clock: no time (session 32; it was 1970-01-01T00:00:00.5Z)


def _text(el, path, ns):
    found = el.find(path, ns)
    return None if found is None else found.text


def test_gpx_exactly():
    root = ET.fromstring(tracks_to_gpx(_flights(), _loose(), attribution=CREDIT, far=FAR))
    assert root.get("version") == "1.1" and root.get("creator") == "geolocator"
    assert _text(root, "g:metadata/g:desc", GPX_NS) == (f"Warning: {NOTE}.\nPositions found by matching against imagery: "
                                                        f"{CREDIT}\n{NAIVE.format(11)}\n{LEFT_OUT}")
    wpts = [(w.get("lat"), w.get("lon"), _text(w, "g:time", GPX_NS), _text(w, "g:name", GPX_NS), _text(w, "g:type", GPX_NS),
             _text(w, "g:desc", GPX_NS)) for w in root.findall("g:wpt", GPX_NS)]
    # v#t=3, not located: no waypoint (named in the desc above)
    loose = [("1.2345679", "2.3456789", "2026-05-04T08:15:30Z", "s1.jpg", "weak match", LOOSE_DESC[0]),
             ("1.2345679", "2.3456789", None, "s3.jpg", "retrieved", LOOSE_DESC[2])]
    clip = []
    for i, status in enumerate(STATUSES):
        past = " 1.3 s beyond the verified frames;" if status == "extrapolated" else ""
        # core/levels.py's word, as a photo's: a matched or corrected frame (confidence unknown here) is a
        # verified answer not said to be confident; a track's "retrieved" is "tile level only"
        word = {"retrieved": "tile level only", "matched": "verified but not confident",
                "corrected": "verified but not confident"}.get(status, status)
        desc = (f"{word}; t={2.0 + 1.25 * i:.3f} s;{past} single-frame estimate {36.25 + i:.7f},{-115.35 - i:.7f}; "
                f"{grid_words(36.123456789 + i, -115.987654321 + i)}")
        clip.append((f"{36.1234568 + i:.7f}".rstrip("0"), f"{-115.9876543 + i:.7f}".rstrip("0"), CLIP_TIMES[i],
                     f"clip#t={10 + i}", status, (f"Warning: {NOTE}. " if i == 3 else "") + desc))
    assert clip[3][5] == (f"Warning: {NOTE}. extrapolated; t=5.750 s; 1.3 s beyond the verified frames; "
                          "single-frame estimate 39.2500000,-118.3500000; MGRS 12S UJ 28177 32357; "
                          "N 39° 07.407' W 112° 59.259'")  # MGRS: PyPI mgrs 1.6.0
    shots = [("10.0", "20.0", PHOTO_TIMES[0], "p0.jpg", "interpolated",
              f"interpolated; t=0.000 s; single-frame estimate 10.0000000,20.0000000; {grid_words(10.0, 20.0)}"),
             ("11.0", "20.0", PHOTO_TIMES[1], "p1.jpg", "interpolated",
              f"interpolated; t=2.500 s; single-frame estimate 11.0000000,20.0000000; {grid_words(11.0, 20.0)}")]
    bare = [("-5.0", "6.0", BARE_TIMES[0], "clip2#t=3", "retrieved", "tile level only; t=0.500 s; single-frame estimate "
             f"-5.0000000,6.0000000; {grid_words(-5.0, 6.0)}")]
    # flights in the order they flew (UTC; clock31), a clockless one last; clip#t=16, not located, no waypoint
    assert wpts == loose + shots + [w for w in clip if w[4] != "not located"] + bare
    [rte] = root.findall("g:rte", GPX_NS)
    assert _text(rte, "g:name", GPX_NS) == "footprint clip#t=10"
    assert [(p.get("lat"), p.get("lon")) for p in rte.findall("g:rtept", GPX_NS)] == [
        ("36.11", "-115.21"), ("36.11", "-115.19"), ("36.09", "-115.19"), ("36.09", "-115.21"), ("36.11", "-115.21")]
    trks = root.findall("g:trk", GPX_NS)
    assert [_text(t, "g:name", GPX_NS) for t in trks] == ["photos", "clip", "clip2"]
    assert [len(t.findall("g:trkseg", GPX_NS)) for t in trks] == [1, 1, 1]
    pts = [[(p.get("lat"), p.get("lon"), _text(p, "g:time", GPX_NS), _text(p, "g:name", GPX_NS))
            for p in t.findall("g:trkseg/g:trkpt", GPX_NS)] for t in trks]
    # the "not located" frame (the 7th) is a waypoint, not on the path, and so is the "retrieved" one (the
    # 5th) in a flight with a verified frame (Track.on_line, session 18); the flagged one is at its own
    # answer; clip2, where nothing is verified, keeps its retrieved frame on its path
    assert pts == [[w[:4] for w in shots], [w[:4] for w in clip if w[4] not in ("not located", "retrieved")],
                   [w[:4] for w in bare]]


def test_gpx_credit_alone_and_nothing():
    root = ET.fromstring(tracks_to_gpx([], [], attribution=CREDIT))
    assert _text(root, "g:metadata/g:desc", GPX_NS) == f"Positions found by matching against imagery: {CREDIT}"
    root = ET.fromstring(tracks_to_gpx([], [], far=FAR))
    assert _text(root, "g:metadata/g:desc", GPX_NS) == f"Warning: {NOTE}."
    root = ET.fromstring(tracks_to_gpx([], []))
    assert root.find("g:metadata/g:desc", GPX_NS) is None and root.findall("g:wpt", GPX_NS) == []


def _placemarks(folder):
    styles = {s.get("id"): s for s in folder.findall("k:Style", KML_NS)}
    out = []
    for pm in folder.findall("k:Placemark", KML_NS):
        style = styles.get((_text(pm, "k:styleUrl", KML_NS) or "#").lstrip("#"))
        data = {d.get("name"): _text(d, "k:value", KML_NS) for d in pm.findall("k:ExtendedData/k:Data", KML_NS)}
        geom = next(iter(pm.findall("k:Point", KML_NS) + pm.findall("k:LineString", KML_NS)
                         + pm.findall("k:Polygon/k:outerBoundaryIs/k:LinearRing", KML_NS)), None)  # None: not located
        out.append({"name": _text(pm, "k:name", KML_NS), "desc": _text(pm, "k:description", KML_NS),
                    "when": _text(pm, "k:TimeStamp/k:when", KML_NS), "data": data,
                    "geom": None if geom is None else geom.tag.split("}")[1],
                    "coords": None if geom is None else _text(geom, "k:coordinates", KML_NS),
                    "icon": None if style is None else _text(style, "k:IconStyle/k:color", KML_NS),
                    "line": None if style is None else (_text(style, "k:LineStyle/k:color", KML_NS),
                                                         _text(style, "k:LineStyle/k:width", KML_NS)),
                    "fill": None if style is None else _text(style, "k:PolyStyle/k:fill", KML_NS)})
    return out


def test_kml_exactly():
    doc = ET.fromstring(tracks_to_kml(_flights(), _loose(), attribution=CREDIT, far=FAR)).find("k:Document", KML_NS)
    assert _text(doc, "k:name", KML_NS) == "geolocator flights and photos"
    assert _text(doc, "k:description", KML_NS) == (f"Warning: {NOTE}.\nPositions found by matching against imagery: "
                                                   f"{CREDIT}\n{NAIVE.format(11)}")
    folders = doc.findall("k:Folder", KML_NS)
    # flights in the order they flew (photos 09:30Z, clip 10:00Z; clock31), clip2 without a clock last
    # the not-located photo in a folder of its own, a Placemark without geometry: listed, never drawn (session 33)
    assert [_text(f, "k:name", KML_NS) for f in folders] == ["photos in no flight", NOT_LOCATED_FOLDER, "photos", "clip",
                                                             "clip2"]
    loose = _placemarks(folders[0]) + _placemarks(folders[1])
    assert [(p["name"], p["desc"], p["when"], p["data"], p["geom"], p["coords"]) for p in loose] == [
        ("s1.jpg", LOOSE_DESC[0], "2026-05-04T08:15:30Z", {"status": "weak match", "level": "weak match", "confidence": "0.4567"}, "Point",
         "2.3456789,1.2345679,0.0"),
        ("s3.jpg", LOOSE_DESC[2], None, {"status": "retrieved", "level": "tile level only", "confidence": "0.9996"}, "Point", "2.3456789,1.2345679,0.0"),
        ("v#t=3", LOOSE_DESC[1], None, {"status": "not located", "level": "not located", "confidence": "0.0"}, None, None)]
    clip = _placemarks(folders[3])
    track, *frames = clip
    # the line: through the track positions (the flagged frame at the track's), not the "not located" one,
    # nor the "retrieved" one in this flight with a verified frame (Track.on_line, session 18)
    line = [f"{-115.9876543 + i:.7f}".rstrip("0") + "," + f"{36.1234568 + i:.7f}".rstrip("0") + ",0.0"
            for i in (0, 1, 2, 3, 5, 7)]
    line[4] = "-110.0,40.0,0.0"
    assert (track["name"], track["geom"], track["coords"], track["line"], track["when"]) == (
        "track clip", "LineString", " ".join(line), ("ff00a5ff", "3"), None)
    footprint = frames.pop(1)  # after the matched frame, its footprint
    assert (footprint["name"], footprint["geom"], footprint["line"][0], footprint["fill"]) == (
        "footprint clip#t=10", "LinearRing", "ffffffff", "0")
    # counterclockwise on the map, as KML's Polygon reference asks (TL, BL, BR, TR of the photo)
    assert footprint["coords"] == "-115.21,36.11,0.0 -115.21,36.09,0.0 -115.19,36.09,0.0 -115.19,36.11,0.0 -115.21,36.11,0.0"
    got = [(f["name"], f["desc"], f["when"], f["data"], f["coords"], f["icon"]) for f in frames]
    want = []
    for i, status in enumerate(STATUSES):
        # core/levels.py's word, as a photo's: a matched or corrected frame (confidence unknown here) is a
        # verified answer not said to be confident; a track's "retrieved" is "tile level only"
        word = {"retrieved": "tile level only", "matched": "verified but not confident",
                "corrected": "verified but not confident"}.get(status, status)
        desc = f"{word}; t={2.0 + 1.25 * i:.3f} s; {grid_words(36.123456789 + i, -115.987654321 + i)}"
        if status == "extrapolated":
            desc = (f"Warning: {NOTE}. extrapolated; t=5.750 s; 1.3 s beyond the verified frames; "
                    f"{grid_words(39.123456789, -112.987654321)}")
        coords = f"{-115.9876543 + i:.7f}".rstrip("0") + "," + f"{36.1234568 + i:.7f}".rstrip("0") + ",0.0"
        if status == "not located":  # listed in its flight, at its time, but no geometry and no place in words
            # why once, in the track's words; no confidence of a claim it does not make (session 34)
            desc, coords = (f"not located: nothing on the flight's track placed it; t={2.0 + 1.25 * i:.3f} s; "
                            f"{NOT_LOCATED_CAUTION}", None)
        want.append((f"clip#t={10 + i}", desc, CLIP_TIMES[i],
                     {"status": status, "verified": "true" if i == 0 else "false", "time_s": f"{2.0 + 1.25 * i:.3f}"},
                     coords, None if coords is None else COLOURS[status]))  # no icon without geometry
    assert got == want
    shots = _placemarks(folders[2])
    assert [(p["name"], p["coords"], p["line"]) for p in shots] == [
        ("track photos", "20.0,10.0,0.0 20.0,11.0,0.0", ("ff00a5ff", "3")),
        ("p0.jpg", "20.0,10.0,0.0", (None, None)), ("p1.jpg", "20.0,11.0,0.0", (None, None))]
    assert [p["when"] for p in shots[1:]] == PHOTO_TIMES
    bare = _placemarks(folders[4])  # one frame: no line (KML needs two tuples)
    assert [(p["name"], p["when"], p["desc"]) for p in bare] == [("clip2#t=3", BARE_TIMES[0],
                                                                 f"tile level only; t=0.500 s; {grid_words(-5.0, 6.0)}")]


@pytest.mark.parametrize("tracks, photos, name", [(True, False, "geolocator flights"), (False, True, "geolocator photos"),
                                                  (False, False, "geolocator results")])
def test_kml_says_what_it_holds_and_no_credit_without_one(tracks, photos, name):
    doc = ET.fromstring(tracks_to_kml(_flights() if tracks else [], _loose() if photos else [])).find("k:Document", KML_NS)
    # no credit and no warning: the description says only how many times had no zone (clip and photos: 10, s1: 1)
    naive = 10 * tracks + 1 * photos
    assert _text(doc, "k:name", KML_NS) == name
    assert _text(doc, "k:description", KML_NS) == (NAIVE.format(naive).replace("1 times were", "1 time was") if naive else None)
    folders = [_text(f, "k:name", KML_NS) for f in doc.findall("k:Folder", KML_NS)]
    assert folders == ((["photos in no flight", NOT_LOCATED_FOLDER] if photos else [])
                       + (["photos", "clip", "clip2"] if tracks else []))
    if photos:
        assert [_text(pm, "k:description", KML_NS) for pm in doc.findall("k:Folder/k:Placemark", KML_NS)][:3] == [
            x.replace(f"Warning: {NOTE}. ", "") for x in (LOOSE_DESC[0], LOOSE_DESC[2], LOOSE_DESC[1])]  # no `far`: no warning


def test_kml_credit_alone_and_warning_alone():
    def desc(**kw):
        return _text(ET.fromstring(tracks_to_kml([], [], **kw)).find("k:Document", KML_NS), "k:description", KML_NS)

    assert desc(attribution=CREDIT) == f"Positions found by matching against imagery: {CREDIT}"
    assert desc(far=FAR) == f"Warning: {NOTE}."


def test_the_start_of_each_kind_of_flight():
    clip, shots, bare = _flights()
    assert _start_of(clip) == START - timedelta(seconds=2.0)
    assert _start_of(shots) == datetime(2026, 5, 4, 9, 30, 0)
    assert _start_of(bare) is None
    # a frame of an object with no telemetry attribute at all (duck-typed queries): no wall clock
    duck = SimpleNamespace(id="d#t=1", time_s=1.0)
    assert _start_of(Track("d", (TrackPoint(duck, 0.0, LatLon(0.0, 0.0), "matched", LatLon(0.0, 0.0)),))) is None
    assert _when(None, 1.5) is None  # no clock: no time, never the Unix epoch (session 32)
    assert _when(datetime(2026, 1, 2, 3, 4, 5), 0.25).isoformat() == "2026-01-02T03:04:05.250000+00:00"
    zoned = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2)))
    # the same instant, in UTC (GPX 1.1 times are UTC; session 14): 03:05:05 at UTC+2 is 01:05:05Z
    assert _when(zoned, 60.0).isoformat() == "2026-01-02T01:05:05+00:00"


@pytest.mark.parametrize("suffix", [".gpx", ".GPX", ".kml", ".KmL", ".geojson", ".json"])
def test_write_track_by_suffix_carries_the_credit_and_the_warning(tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    write_track(_flights(), path, _loose(), attribution=CREDIT, far=FAR)
    text = path.read_text()
    credit = f"Warning: {NOTE}.\nPositions found by matching against imagery: {CREDIT}\n{NAIVE.format(11)}"
    if suffix.lower() == ".gpx":
        root = ET.fromstring(text)
        # every photo and frame but the two not located (v#t=3, clip#t=16), which the desc names
        assert _text(root, "g:metadata/g:desc", GPX_NS) == f"{credit}\n{LEFT_OUT}"
        assert len(root.findall("g:wpt", GPX_NS)) == 2 + 7 + 2 + 1
    elif suffix.lower() == ".kml":
        doc = ET.fromstring(text).find("k:Document", KML_NS)
        assert _text(doc, "k:description", KML_NS) == credit
        assert _text(doc, "k:Folder/k:name", KML_NS) == "photos in no flight"
    else:
        doc = json.loads(text)
        assert text.startswith('{\n "type": "FeatureCollection",\n "features": [\n  {\n   "type": "Feature"')
        assert doc["attribution"] == CREDIT and doc["warning"] == NOTE
        warned = [f["properties"]["query"] for f in doc["features"] if "warning" in f["properties"]]
        assert warned == ["clip#t=13"]  # the loose photos are not in a flight GeoJSON


def test_write_track_geojson_marks_the_far_frames(tmp_path):
    write_track_geojson(_flights(), tmp_path / "t.geojson", far=FAR)
    doc = json.loads((tmp_path / "t.geojson").read_text())
    assert doc["warning"] == NOTE and "attribution" not in doc
    assert [(f["properties"]["query"], f["properties"]["warning"]) for f in doc["features"]
            if "warning" in f["properties"]] == [("clip#t=13", NOTE)]


def _on_and_off_track():
    """Predictions of two frames of a two-frame flight and of a photo in none; their tiles."""
    t1 = Tile("ta", Path("ta.png"), Bounds(1.0, 2.0, 3.0, 4.0))
    t2 = Tile("tb", Path("tb.png"), Bounds(5.0, 6.0, 7.0, 8.0))

    def pred(qid, tile, where):
        return Prediction(Query(qid, Path(qid)), (Match(tile, 0.5, 1),), where, where, 0.5)

    preds = [pred("f0", t1, LatLon(3.0, 2.0)), pred("f1", t1, LatLon(3.5, 2.5)), pred("alone", t2, LatLon(7.0, 6.0))]
    track = Track("fl", (TrackPoint(preds[0].query, 0.0, LatLon(3.1, 2.1), "matched", LatLon(3.0, 2.0)),
                         TrackPoint(preds[1].query, 1.5, LatLon(3.4, 2.4), "corrected", LatLon(3.5, 2.5))))
    return preds, track


def test_predictions_and_tracks_with_tiles_credit_and_warning():
    preds, track = _on_and_off_track()
    plain = predictions_and_tracks_to_geojson(preds, [track])  # the defaults: no tile boxes, credit or warning
    assert [f["geometry"]["type"] for f in plain["features"]] == ["Point", "Point", "Point", "LineString"]
    assert set(plain) == {"type", "features"}
    far = FarFromTiles(NOTE, frozenset({"alone", "f1"}))
    doc = predictions_and_tracks_to_geojson(preds, [track], tile_footprints=True, attribution=CREDIT, far=far)
    assert doc["attribution"] == CREDIT and doc["warning"] == NOTE
    feats = doc["features"]
    assert [(f["geometry"]["type"], f["properties"].get("query") or f["properties"].get("tile"),
             f["properties"].get("kind")) for f in feats] == [
        ("Point", "f0", None), ("Point", "f1", None), ("Point", "alone", None),
        ("Polygon", "ta", "tile_footprint"), ("Polygon", "tb", "tile_footprint"), ("LineString", None, "track")]
    assert [f["geometry"]["coordinates"] for f in feats[:3]] == [[2.1, 3.1], [2.4, 3.4], [6.0, 7.0]]
    assert [f["properties"].get("flight") for f in feats[:3]] == ["fl", "fl", None]
    assert [f["properties"]["status"] for f in feats[:3]] == ["matched", "corrected", "retrieved"]
    assert [f["properties"].get("warning") for f in feats[:3]] == [None, NOTE, NOTE]
    assert feats[3]["geometry"]["coordinates"] == [[[1.0, 2.0], [3.0, 2.0], [3.0, 4.0], [1.0, 4.0], [1.0, 2.0]]]
    assert feats[5]["properties"] == {"kind": "track", "flight": "fl", "frames": 2, "duration_s": 1.5}


def test_write_predictions_geojson_with_and_without_flights(tmp_path):
    preds, track = _on_and_off_track()
    far = FarFromTiles(NOTE, frozenset({"alone"}))
    for tracks in ([], [track]):
        path = tmp_path / f"p{len(tracks)}.geojson"
        write_predictions_geojson(preds, tracks, path, tile_footprints=True, attribution=CREDIT, far=far)
        text = path.read_text()
        assert text.startswith('{\n "type": "FeatureCollection",\n "features": [\n  {\n   "type": "Feature"')
        doc = json.loads(text)
        assert doc["attribution"] == CREDIT and doc["warning"] == NOTE
        kinds = [f["properties"].get("kind") for f in doc["features"]]
        assert kinds == [None, None, None, "tile_footprint", "tile_footprint"] + (["track"] if tracks else [])
        assert doc["features"][0]["geometry"]["coordinates"] == ([2.1, 3.1] if tracks else [2.0, 3.0])
        assert [f["properties"].get("warning") for f in doc["features"][:3]] == [None, None, NOTE]
    path = tmp_path / "plain.geojson"  # the defaults: no tile boxes, no credit, no warning
    write_predictions_geojson(preds, [track], path)
    doc = json.loads(path.read_text())
    assert "attribution" not in doc and "warning" not in doc
    assert [f["geometry"]["type"] for f in doc["features"]] == ["Point", "Point", "Point", "LineString"]
    bad = replace(track, points=(replace(track.points[0], time_s=math.nan), track.points[1]))
    with pytest.raises(ValueError):  # never NaN in the file
        write_predictions_geojson(preds, [bad], tmp_path / "nan.geojson")


def test_kml_photos_in_no_flight_are_coloured_by_status_as_frames_are():
    """A KML opened in Google Earth showed every photo in no flight as the same default pushpin: field
    case 11's lens-cap and white frames (`not located`, confidence 0) and photos from outside the
    imagery (`retrieved`, 0.11) looked exactly like a verified 0.997 photo, while a flight's frames are
    coloured by status (newuser_session18.md). Now: verified green (as `matched`), retrieved orange,
    not located grey, the colours the frames of a flight use; and a verified answer below 0.5, shown
    "weak match" (session 18: right 29 % of the time), orange as an unsure one, not green."""
    doc = ET.fromstring(tracks_to_kml([], _loose())).find("k:Document", KML_NS)
    loose = [p for f in doc.findall("k:Folder", KML_NS) for p in _placemarks(f)]
    # not located: a Placemark with no geometry, so no pin to colour (session 33; it was a grey pin)
    assert [(p["name"], p["data"]["status"], p["icon"], p["geom"]) for p in loose] == [
        ("s1.jpg", "weak match", COLOURS["retrieved"], "Point"), ("s3.jpg", "retrieved", COLOURS["retrieved"], "Point"),
        ("v#t=3", "not located", None, None)]
    from dataclasses import replace

    sure = replace(_loose()[0], confidence=0.97)  # the same photo verified at 0.97: green
    doc = ET.fromstring(tracks_to_kml([], [sure])).find("k:Document", KML_NS)
    (one,) = _placemarks(doc.find("k:Folder", KML_NS))
    assert (one["data"]["status"], one["icon"]) == ("verified", COLOURS["matched"])
