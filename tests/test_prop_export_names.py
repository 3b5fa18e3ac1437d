"""Property tests of the exports' TEXT (core/exports.py: CSV, GeoJSON, GPX, KML): a photo's name and the
imagery's credit line are whatever the user's disk and tile package hold. A Linux file name is any bytes
but "/" and NUL (control characters, newlines, quotes and commas included; bytes that are not UTF-8 reach
Python as lone surrogates and become "\\xNN" text in ids: names.readable); a credit line comes from a
package's metadata or a WMTS capabilities document. test_prop_exports.py covers the coordinates; these
cover the names. Deterministic (derandomize), like every tests/test_prop_*.py.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from pathlib import Path

import pytest

from geolocator.core.exports import write_predictions
from geolocator.core.model import STATUS_RETRIEVED, STATUS_VERIFIED, Bounds, LatLon, Match, Prediction, Query, Tile
from geolocator.core.outputs import csv_safe

hypothesis = pytest.importorskip("hypothesis")
gpxpy = pytest.importorskip("gpxpy")
etree = pytest.importorskip("lxml.etree")
from hypothesis import example, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

KML = "{http://www.opengis.net/kml/2.2}"
# XML 1.0 (Fifth Edition) §2.2, production [2] Char: the characters an XML document may hold at all
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_expected(text: str) -> str:
    """What an XML export reads back for `text`: a character XML 1.0 forbids (C0 controls but tab, LF
    and CR; U+FFFE, U+FFFF; lone surrogates) written as the escape Python shows for it (``\\x01``,
    ``\\ufffe``), the name still telling which file it is; every other character as it is."""
    return _NOT_XML_CHAR.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)



# any character a file name may hold (not "/", NUL or a lone surrogate: ids are made readable first);
# the troublesome ones drawn often
_SPECIAL = st.sampled_from(list('",;\'\n\r\t\\<>&]]>=+-@#') + ["\x01", "\x0b", "\x1b", "\x7f", "\x85", "\u2028",
                                                              "\ufeff", "\ufffe", "\uffff", "\U0001f642", "é", "漢"])
_CHAR = st.one_of(_SPECIAL, st.characters(blacklist_categories=("Cs",), blacklist_characters="/\x00"))
names = st.text(_CHAR, min_size=1, max_size=24).map(lambda s: s + ".jpg")
credits = st.one_of(st.none(), st.text(_CHAR, min_size=1, max_size=40))


def _preds(ids: list[str]) -> list[Prediction]:
    out = []
    for i, qid in enumerate(ids):
        at = LatLon(46.5 + i * 1e-3, 7.5)
        tile = Tile(f"tiles/{i}.png", Path(f"tiles/{i}.png"), Bounds(7.49, at.lat - 1e-3, 7.51, at.lat + 1e-3))
        status = STATUS_VERIFIED if i % 2 else STATUS_RETRIEVED
        match = Match(tile, 0.5, 1, inliers=40 if i % 2 else None, ground=at if i % 2 else None)
        out.append(Prediction(Query(qid, Path("/nonexistent") / f"p{i}.jpg"), (match,), at, at, 0.6,
                              location_source="homography" if i % 2 else "tile_centre", status=status))
    return out


def _write(preds, suffix: str, attribution) -> bytes:
    with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
        return write_predictions(Path(folder) / f"out{suffix}", preds, attribution=attribution).read_bytes()


def _names_back(data: bytes, suffix: str) -> tuple[list[str], str]:
    """(the photos' names, the credit text) as the reader people use reads the file."""
    if suffix == ".csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        return [r["query"] for r in rows], (rows[0]["attribution"] if rows else "")
    if suffix == ".geojson":
        doc = json.loads(data.decode("utf-8"))
        return ([f["properties"]["query"] for f in doc["features"] if "query" in f["properties"]],
                str(doc.get("attribution") or ""))
    if suffix == ".gpx":
        gpx = gpxpy.parse(data.decode("utf-8"))
        return [w.name for w in gpx.waypoints], gpx.description or ""
    root = etree.fromstring(data)  # lxml: strict XML 1.0 (refuses a control character, as Google Earth may)
    marks = [pm.findtext(f"{KML}name") for pm in root.iter(f"{KML}Placemark")]
    return marks, root.findtext(f"{KML}Document/{KML}description") or ""


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpx", ".kml"])
def test_any_photo_name_and_credit_line_reads_back_from_every_export(suffix, caches):
    """RFC 4180 (a field holding a comma, a quote or a line break is quoted, its quotes doubled), RFC 8259
    §7 (control characters escaped in JSON strings), XML 1.0 §2.2/§2.4 (GPX 1.1 and KML 2.2 are XML: a
    document holds only Chars, `<` and `&` escaped) and §2.11 (a raw CR reads back as LF, so it must be
    written as a character reference). Property: every export parses with the reader people use (csv,
    json, gpxpy, lxml) and gives back each photo's name and the credit line: exactly in CSV (a name
    starting with = + - @ tab or CR with the leading ' of csv_safe) and GeoJSON; in GPX/KML exactly, but
    for a character XML cannot hold at all, which reads as its escape (xml_expected)."""

    @prop(25)
    @given(st.lists(names, min_size=1, max_size=4, unique=True), credits)
    @example(["x\x01y.jpg"], None)  # a control character: GPX not well-formed, KML raised ExpatError
    @example(["a\r\nb.jpg"], "credit\rline")  # a CR read back as LF in GPX
    @example(["p.jpg"], "Imagery \x0b2024")  # a credit line from a package's metadata, a vertical tab in it
    def check(ids, attribution):
        data = _write(_preds(ids), suffix, attribution)
        got, credit = _names_back(data, suffix)
        if suffix == ".csv":
            assert got == [csv_safe(i) for i in ids]
            assert credit == csv_safe(attribution or "")
        elif suffix == ".geojson":
            assert got == ids
            assert attribution is None or attribution in credit
        else:
            assert got == [xml_expected(i) for i in ids], (suffix, ids)
            assert attribution is None or xml_expected(attribution) in credit, (suffix, attribution, credit)

    check()


def test_a_control_character_in_a_photo_name_is_written_as_its_escape_in_gpx_and_kml(caches):
    """Regression (found by the property above): a photo named "x\\x01y.jpg" (a legal Linux file name)
    made the GPX export write a file no XML reader opens ("PCDATA invalid Char value 1") and the KML
    export raise ExpatError. Both now write the name as the text "x\\\\x01y.jpg"."""
    for suffix in (".gpx", ".kml"):
        got, _ = _names_back(_write(_preds(["x\x01y.jpg"]), suffix, None), suffix)
        assert got == ["x\\x01y.jpg"], suffix


@prop(15, fixtures=True)
@given(st.binary(min_size=1, max_size=12).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")))
@example(b"Gel\xe4nde")  # a Latin-1 name from a camera card
def test_a_photo_name_of_any_bytes_in_two_folders_gets_an_id_every_export_can_write(tmp_path, raw):
    """Two photos of one name (any bytes, as a Linux file system allows) in two folders, given as files:
    the second falls back to its full path as its id (queries.load_queries). Property: no id holds a
    lone surrogate (names.readable: a byte that is not UTF-8 reads \\xNN), so every export writes it;
    before, the fallback id kept the surrogate and CSV/GPX/KML raised UnicodeEncodeError."""
    from PIL import Image

    from geolocator.core.names import has_surrogates
    from geolocator.core.queries import load_queries

    name = os.fsdecode(raw) + ".jpg"
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    files = []
    for sub in ("a", "b"):
        (folder / sub).mkdir()
        files.append(folder / sub / name)
        Image.new("RGB", (64, 48), (90, 120, 60)).save(files[-1], "JPEG")
    # the second copy differs in colour: byte-identical copies are located once (media/copies.py)
    Image.new("RGB", (64, 48), (200, 30, 160)).save(files[1], "JPEG")
    queries = load_queries(files)
    assert len(queries) == 2
    assert not any(has_surrogates(q.id) for q in queries), [q.id for q in queries]
    preds = _preds([q.id for q in queries])
    for suffix in (".csv", ".gpx", ".kml"):
        got, _ = _names_back(_write(preds, suffix, None), suffix)
        assert len(got) == 2, suffix


# every float field of PhotoMeta an export writes (media/metadata.py META_FIELDS)
_META_FLOATS = ("gps_altitude_m", "absolute_altitude_m", "relative_altitude_m", "gimbal_yaw_deg", "gimbal_pitch_deg",
                "gimbal_roll_deg", "flight_yaw_deg", "flight_pitch_deg", "flight_roll_deg", "focal_length_mm",
                "focal_length_35mm", "sensor_width_mm", "sensor_height_mm")
_ANY_FLOAT = st.one_of(st.none(), st.floats(-1e6, 1e6), st.sampled_from([float("nan"), float("inf"), float("-inf")]))


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpx", ".kml"])
def test_recorded_numbers_that_are_not_finite_are_never_written(suffix, caches):
    """RFC 8259 §6: "Numeric values that cannot be represented ... (such as Infinity and NaN) are not
    permitted"; export.py's promise for every format: a number that is not finite becomes null / an empty
    cell. Property: whatever floats a photo's recorded metadata holds (a reader or a telemetry sidecar
    is another's code: NaN and ±inf included), every export is written, parses (json with NaN refused),
    holds no NaN/Infinity/nan/inf token, and a finite recorded value is still written (to 3 decimals)."""

    @prop(25)
    @given(st.fixed_dictionaries({name: _ANY_FLOAT for name in _META_FLOATS}))
    @example({name: (float("nan") if i % 2 else float("inf")) for i, name in enumerate(_META_FLOATS)})  # GeoJSON
    def check(values):  # raised "Out of range float values are not JSON compliant: nan"; CSV wrote "nan"
        from geolocator.core.model import PhotoMeta

        pred = _preds(["p.jpg"])[0]
        pred = Prediction(Query("p.jpg", pred.query.path, meta=PhotoMeta(**values)), pred.matches, pred.location,
                          pred.weighted_location, pred.confidence, location_source=pred.location_source,
                          status=pred.status)
        text = _write([pred], suffix, None).decode("utf-8-sig")
        for token in ("NaN", "Infinity", "nan", "inf"):
            assert token not in text.replace("Information", "").replace("information", ""), (suffix, token)
        if suffix == ".geojson":
            props = json.loads(text, parse_constant=lambda c: pytest.fail(f"GeoJSON holds {c}"))["features"][0]["properties"]
            for name, v in values.items():
                if v is not None and v == v and abs(v) != float("inf"):
                    assert props[name] == round(v, 3), name
                else:
                    assert props.get(name) is None, name
        elif suffix == ".csv":
            row = next(csv.DictReader(io.StringIO(text, newline="")))
            for name, v in values.items():
                if name in row and not (v is not None and v == v and abs(v) != float("inf")):
                    assert row[name] == "", name

    check()


@st.composite
def flights(draw):
    """One flight of 1-5 frames (a video named any way, frames "name#t=S"), each frame anywhere near the
    last (±180° included), statuses of every kind, confidences and extrapolation spans NaN or not."""
    from geolocator.core.sequence import Track, TrackPoint

    # (a name holding "nan" or "inf" would read as the number token the test looks for)
    video = draw(names.filter(lambda s: not re.search("nan|inf", s, re.IGNORECASE))).replace(".jpg", ".mp4")
    lat0, lon0 = draw(st.floats(-85.0, 85.0)), draw(st.sampled_from([179.9995, -179.9995, 7.5, 0.0]))
    points, preds = [], []
    for i in range(draw(st.integers(1, 5))):
        at = LatLon(lat0 + i * 1e-4, ((lon0 + i * 3e-4) + 180.0) % 360.0 - 180.0)
        status = draw(st.sampled_from(["matched", "interpolated", "extrapolated", "corrected", "flagged", "retrieved"]))
        conf = draw(st.one_of(st.none(), st.floats(0.0, 1.0), st.just(float("nan"))))
        past = draw(st.one_of(st.none(), st.floats(0.0, 30.0), st.just(float("nan")))) if status == "extrapolated" else None
        qid = f"{video}#t={i * 0.5:.3f}"
        pred = _preds([qid])[0]
        points.append(TrackPoint(pred.query, i * 0.5, at, status, at, 1, status == "matched", confidence=conf,
                                 extrapolated_s=past))
        preds.append(pred)
    return Track(video, tuple(points)), preds


@pytest.mark.parametrize("suffix", [".csv", ".geojson", ".gpx", ".kml"])
def test_a_flight_named_any_way_reads_back_from_every_export(suffix, caches):
    """A flight (sequence.Track) exported with its frames: GPX 1.1 (a <trk> named after the video, a
    <trkpt> per frame on the line, a <wpt> per frame), KML 2.2, GeoJSON (RFC 7946) and CSV (RFC 4180).
    Property: each parses with its reader, names every frame (CSV: csv_safe of its id; GPX/KML:
    xml_expected of it), puts it
    at its track position to 1e-7° and writes no NaN/Infinity, whatever the video's name and whatever
    confidences or extrapolation spans (NaN included) the frames carry."""

    @prop(20)
    @given(flights())
    def check(flight):
        track, preds = flight
        with tempfile.TemporaryDirectory(prefix="propfuzz35-") as folder:
            data = write_predictions(Path(folder) / f"out{suffix}", preds, [track]).read_bytes()
        text = data.decode("utf-8-sig")
        for token in ("NaN", "Infinity", "nan", "inf"):
            assert token not in text.replace("Information", "").replace("information", ""), (suffix, token)
        want = {p.query.id: p.location for p in track.points}
        if suffix == ".csv":
            got = {r["query"]: (float(r["lat"]), float(r["lon"]))
                   for r in csv.DictReader(io.StringIO(text, newline=""))}
            want = {csv_safe(k): v for k, v in want.items()}  # a leading = + - @: the ' of csv_safe
        elif suffix == ".geojson":
            doc = json.loads(text)
            got = {f["properties"]["query"]: tuple(reversed(f["geometry"]["coordinates"]))
                   for f in doc["features"] if "query" in f["properties"] and f["geometry"]["type"] == "Point"}
        elif suffix == ".gpx":
            gpx = gpxpy.parse(text)
            assert [t.name for t in gpx.tracks] == [xml_expected(track.name)]
            got = {w.name: (w.latitude, w.longitude) for w in gpx.waypoints}
            want = {xml_expected(k): v for k, v in want.items()}
        else:
            root = etree.fromstring(data)
            got = {}
            for pm in root.iter(f"{KML}Placemark"):
                c = pm.findtext(f"{KML}Point/{KML}coordinates")
                if c:
                    lon, lat = (float(v) for v in c.strip().split(",")[:2])
                    got[pm.findtext(f"{KML}name")] = (lat, lon)
            want = {xml_expected(k): v for k, v in want.items()}
        for qid, at in want.items():
            assert qid in got, (suffix, qid, sorted(got))
            lat, lon = got[qid]
            assert abs(lat - at.lat) <= 1e-7 + 1e-12 and abs((lon - at.lon + 180.0) % 360.0 - 180.0) <= 1e-7 + 1e-12

    check()
