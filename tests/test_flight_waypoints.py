"""Photos without capture times to GPX/KML: waypoints (placemarks), parsed back with gpxpy and
fastkml, through the export functions and through `locate --out` (the committed demo features)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import datetime

import pytest
from PIL import Image

from geolocator.core.export_track import tracks_to_gpx, tracks_to_kml
from geolocator.core.sequence import smooth

from .test_cli_demo_features import demo_cli, features  # noqa: F401 - fixtures
from .test_sequence import at, flight, prediction
from .demo_features import DEMO


def _photos(tmp_path):
    from geolocator.core.model import Query

    untimed = tmp_path / "a.jpg"
    Image.new("RGB", (8, 8)).save(untimed)
    timed = tmp_path / "b.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = "2026:06:01 10:00:05"
    Image.new("RGB", (8, 8)).save(timed, exif=exif)
    verified = replace(prediction(Query("a.jpg", untimed, truth=at(10, 10)), [(10, 10, 0.6, 30, True)]),
                       status="verified", location_source="homography")
    return [verified, prediction(Query("b.jpg", timed), [(80, 30, 0.5, 0, False)])]


def test_photos_in_no_flight_are_gpx_waypoints(tmp_path):
    import gpxpy

    photos = _photos(tmp_path)
    gpx = gpxpy.parse(tracks_to_gpx([], photos))
    assert gpx.tracks == [] and [w.name for w in gpx.waypoints] == ["a.jpg", "b.jpg"]
    for w, p in zip(gpx.waypoints, photos):
        assert (w.latitude, w.longitude) == pytest.approx((p.location.lat, p.location.lon), abs=1e-7)
        assert w.type == p.status and "in no flight" in w.description
    assert [w.type for w in gpx.waypoints] == ["verified", "retrieved"]
    assert gpx.waypoints[0].time is None  # no capture time: none is invented
    assert gpx.waypoints[1].time.replace(tzinfo=None) == datetime(2026, 6, 1, 10, 0, 5)


def test_a_flight_and_loose_photos_share_one_gpx_and_kml(tmp_path):
    import gpxpy
    from fastkml import kml

    preds, _ = flight(n=6, bad=(), chance=())
    tracks = smooth(preds)
    photos = _photos(tmp_path)
    gpx = gpxpy.parse(tracks_to_gpx(tracks, photos))
    assert len(gpx.tracks) == 1 and len(gpx.tracks[0].segments[0].points) == 6
    assert [w.name for w in gpx.waypoints][:2] == ["a.jpg", "b.jpg"] and len(gpx.waypoints) == 8
    doc = kml.KML.from_string(tracks_to_kml(tracks, photos).encode())

    def walk(node):
        for f in getattr(node, "features", None) or []:
            yield f
            yield from walk(f)

    folders = {f.name: f for f in walk(doc) if type(f).__name__ == "Folder"}
    assert set(folders) == {"photos in no flight", "v.mp4"}
    loose = [m for m in walk(folders["photos in no flight"]) if type(m).__name__ == "Placemark"]
    assert [m.name for m in loose] == ["a.jpg", "b.jpg"]
    assert [{d.name: d.value for d in m.extended_data.elements}["status"] for m in loose] == ["verified", "retrieved"]
    # the document's name says what it holds (it said "flights" for photos alone)
    names = [next(walk(kml.KML.from_string(tracks_to_kml(t, p).encode()))).name
             for t, p in ((tracks, photos), (tracks, ()), ((), photos))]
    assert names == ["geolocator flights and photos", "geolocator flights", "geolocator photos"]


@pytest.mark.parametrize("suffix", [".gpx", ".kml"])
def test_locate_untimed_photos_to_gpx_or_kml_writes_waypoints(demo_cli, tmp_path, suffix):  # noqa: F811
    """`locate --out x.gpx` on photos without capture times used to refuse ("no flight to write")."""
    import gpxpy
    from fastkml import kml

    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0002.jpg"):  # demo photos: no EXIF capture time
        shutil.copy(DEMO / "queries" / name, photos / name)
    out = tmp_path / f"photos{suffix}"
    code, ws = demo_cli("locate", str(photos), "--tiles", str(DEMO), "--top-k", "3", "--out", str(out))
    assert code == 0
    if suffix == ".gpx":
        gpx = gpxpy.parse(out.read_text())
        assert gpx.tracks == [] and sorted(w.name for w in gpx.waypoints) == ["q_0001.jpg", "q_0002.jpg"]
        assert all(w.type in ("verified", "retrieved", "not located") for w in gpx.waypoints)
    else:
        doc = kml.KML.from_string(out.read_bytes())

        def walk(node):
            for f in getattr(node, "features", None) or []:
                yield f
                yield from walk(f)

        marks = [f for f in walk(doc) if type(f).__name__ == "Placemark"]
        assert sorted(m.name for m in marks) == ["q_0001.jpg", "q_0002.jpg"]
        assert all(type(m.geometry).__name__ == "Point" for m in marks)
