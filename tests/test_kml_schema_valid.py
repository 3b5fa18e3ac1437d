"""Every KML we write is valid against OGC KML 2.2's schema (ogckml22.xsd, as fastkml ships it), and
fastkml's validating reader (KML.parse, its default) reads back the coordinates and times we wrote
(newuser34 row 13: simplekml's numeric ids and a folder's Style before its name were refused)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from geolocator.core.export import DECIMALS
from geolocator.core.export_track import NOT_LOCATED_FOLDER, tracks_to_kml, write_track
from geolocator.core.exports import write_predictions
from geolocator.core.kml_schema import schema_valid_kml
from geolocator.core.media.metadata import PhotoMeta
from geolocator.core.model import claims_place
from geolocator.core.sequence import smooth

from .test_export_track import _blind_end_predictions
from .test_export_track import tracks as flight_tracks  # noqa: F401 - fixture
from .test_exports_formats import two_predictions  # noqa: F401 - fixture
from .test_not_located_exports import _preds as located_and_not

KML_NS = "{http://www.opengis.net/kml/2.2}"


def _schema_errors(text: str) -> list[str]:
    from fastkml.validator import get_schema_parser

    schema = get_schema_parser()  # fastkml's copy of ogckml22.xsd (with atom, xAL and kml22gx)
    ok = schema.validate(etree.fromstring(text.encode("utf-8")))
    return [] if ok else [f"line {e.line}: {e.message}" for e in schema.error_log]


def _strict_read(path: Path):
    """fastkml's validating parse (validate=True, strict=True): raises on a schema error."""
    from fastkml import KML

    return KML.parse(path, strict=True, validate=True)


def _placemarks(feature):
    """Every Placemark under `feature` (fastkml objects), in document order."""
    from fastkml import Placemark

    for f in getattr(feature, "features", None) or ():
        if isinstance(f, Placemark):
            yield f
        else:
            yield from _placemarks(f)


def _r(x: float) -> float:
    return round(x, DECIMALS)


def test_flight_kml_is_schema_valid_and_reads_back_its_points_and_times(flight_tracks, tmp_path):  # noqa: F811
    path = tmp_path / "flight.kml"
    write_track(flight_tracks, path)
    assert _schema_errors(path.read_text()) == []
    doc = _strict_read(path)
    [track] = flight_tracks
    start = datetime(2026, 5, 1, 10, 0, 0, tzinfo=timezone.utc)  # the fixture's clip start, naive: written as UTC
    marks = {p.name: p for p in _placemarks(doc)}
    line = marks[f"track {track.name}"].geometry
    assert [tuple(c[:2]) for c in line.coords] == [(_r(x.lon), _r(x.lat)) for x in track.line]
    for p in track.points:
        mark = marks[p.query.id]
        assert tuple(mark.geometry.coords[0][:2]) == (_r(p.location.lon), _r(p.location.lat))
        assert mark.times.timestamp.dt == start + timedelta(seconds=p.time_s)
    [footprint] = [m for name, m in marks.items() if name.startswith("footprint ")]
    assert len(footprint.geometry.exterior.coords) == 5  # four corners, closed


def test_photos_and_not_located_kml_is_schema_valid_and_reads_back(tmp_path):
    plus2 = timezone(timedelta(hours=2))
    preds = located_and_not()
    preds[1] = replace(preds[1], query=replace(preds[1].query,
                                                meta=PhotoMeta(captured_at=datetime(2026, 5, 4, 9, 30, tzinfo=plus2))))
    path = tmp_path / "photos.kml"
    write_track([], path, preds, attribution="Imagery © Someone")
    assert _schema_errors(path.read_text()) == []
    doc = _strict_read(path)
    folders = {f.name: f for f in doc.features[0].features}
    [good] = _placemarks(folders["photos in no flight"])
    assert good.name == "good.jpg"
    assert tuple(good.geometry.coords[0][:2]) == (_r(preds[1].location.lon), _r(preds[1].location.lat))
    assert good.times.timestamp.dt == datetime(2026, 5, 4, 7, 30, tzinfo=timezone.utc)
    [blank] = _placemarks(folders[NOT_LOCATED_FOLDER])
    assert blank.name == "cap.jpg" and blank.geometry is None  # listed, drawn nowhere
    assert not claims_place(preds[0].shown_status)


def test_a_flight_with_its_blind_end_and_photos_is_schema_valid(tmp_path):
    """Both kinds of folder in one file, frames not located among a flight's (Placemarks without geometry)."""
    text = tracks_to_kml(smooth(_blind_end_predictions()), located_and_not(), attribution="Imagery © X")
    assert _schema_errors(text) == []
    path = tmp_path / "all.kml"
    path.write_text(text, encoding="utf-8")
    names = [p.name for p in _placemarks(_strict_read(path))]
    assert "good.jpg" in names and "cap.jpg" in names and "v.mp4#t=29" in names


def test_the_predictions_export_is_schema_valid_and_reads_back(two_predictions, tmp_path):  # noqa: F811
    preds, _ = two_predictions
    path = write_predictions(tmp_path / "p.kml", preds)
    assert _schema_errors(path.read_text()) == []
    marks = {p.name: p for p in _placemarks(_strict_read(path))}
    assert {name: tuple(m.geometry.coords[0][:2]) for name, m in marks.items()} == {
        p.query.id: (_r(p.location.lon), _r(p.location.lat)) for p in preds}


def test_ids_are_xml_ids_and_style_references_follow_them():
    text = tracks_to_kml(smooth(_blind_end_predictions()), located_and_not())
    root = etree.fromstring(text.encode("utf-8"))
    ids = [el.get("id") for el in root.iter() if el.get("id") is not None]
    assert ids and len(set(ids)) == len(ids) and not any(i[0].isdigit() for i in ids)
    urls = [el.text for el in root.iter(f"{KML_NS}styleUrl")]
    assert urls and all(u.startswith("#") and u[1:] in ids for u in urls)
    # the same results give the same file, whatever simplekml's process-wide id counter stood at
    assert tracks_to_kml(smooth(_blind_end_predictions()), located_and_not()) == text


def test_a_folders_style_goes_after_its_name():
    raw = ('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document id="1">'
           '<Folder id="2"><Style id="3"><IconStyle id="4"><color>ff00ff00</color></IconStyle></Style>'
           '<name>f</name><description>d</description><Placemark id="5"><name>p</name><styleUrl>#3</styleUrl>'
           '<Point id="6"><coordinates>9.25,46.5,0.0</coordinates></Point></Placemark></Folder></Document></kml>')
    assert _schema_errors(raw)  # as simplekml writes it: refused
    fixed = schema_valid_kml(raw)
    assert _schema_errors(fixed) == []
    folder = etree.fromstring(fixed.encode("utf-8")).find(f"{KML_NS}Document/{KML_NS}Folder")
    assert [c.tag.removeprefix(KML_NS) for c in folder] == ["name", "description", "Style", "Placemark"]
    assert folder.find(f"{KML_NS}Placemark/{KML_NS}styleUrl").text == "#" + folder.find(f"{KML_NS}Style").get("id")


def test_text_that_is_not_xml_is_refused():
    with pytest.raises(etree.XMLSyntaxError):
        schema_valid_kml("<kml><Document>")
