"""GPX 1.1 and KML times are UTC (GPX 1.1 schema: "Date and time ... are in Universal Coordinated Time
(UTC), not local time"). A photo whose EXIF records its UTC offset (OffsetTimeOriginal) must be
written at its UTC instant; session 14 found 09:30+02:00 written as 09:30Z, two hours late, because
the offset was dropped for ordering photos and the naive time was then labelled UTC. A time without
an offset stays as it was (camera local time written as if UTC: nothing better is known)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

from PIL import Image

from geolocator.core.export_track import tracks_to_gpx, tracks_to_kml
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.sequence import Track, TrackPoint

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML_NS = {"k": "http://www.opengis.net/kml/2.2"}
PLUS2 = timezone(timedelta(hours=2))


def _photo(path: Path, when: str, offset: str | None) -> Path:
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    ifd[0x9003] = when  # DateTimeOriginal
    if offset is not None:
        ifd[0x9011] = offset  # OffsetTimeOriginal
    Image.new("RGB", (64, 48), (90, 120, 60)).save(path, exif=exif)
    return path


def _flight():
    # two photos 2.5 s apart taken at 09:30:00 and 09:30:02.5 local time, 2 h east of UTC
    return Track("photos", tuple(
        TrackPoint(Query(f"p{i}.jpg", Path(f"p{i}.jpg"),
                         meta=PhotoMeta(captured_at=datetime(2026, 5, 4, 9, 30, 0, tzinfo=PLUS2))),
                   2.5 * i, LatLon(10.0 + i, 20.0), "matched", LatLon(10.0 + i, 20.0)) for i in range(2)))


def _loose(tmp_path):
    tile = Tile("t", Path("t.png"), Bounds(0.0, 0.0, 1.0, 1.0))

    def pred(q):
        return Prediction(q, (Match(tile, 0.5, 1),), LatLon(0.5, 0.5), LatLon(0.5, 0.5), 0.9, status="verified")

    # read from the file itself (no meta on the query): 23:50 at UTC-7 is 06:50 UTC the next day
    west = _photo(tmp_path / "west.jpg", "2026:05:04 23:50:00", "-07:00")
    bare = _photo(tmp_path / "bare.jpg", "2026:05:04 23:50:00", None)  # no offset: as recorded, as if UTC
    return [pred(Query("west.jpg", west)), pred(Query("bare.jpg", bare))]


def test_gpx_times_are_utc_when_the_offset_is_recorded(tmp_path):
    root = ET.fromstring(tracks_to_gpx([_flight()], _loose(tmp_path)))
    times = {w.find("g:name", GPX_NS).text: w.find("g:time", GPX_NS).text for w in root.findall("g:wpt", GPX_NS)}
    assert times == {"west.jpg": "2026-05-05T06:50:00Z", "bare.jpg": "2026-05-04T23:50:00Z",
                     "p0.jpg": "2026-05-04T07:30:00Z", "p1.jpg": "2026-05-04T07:30:02.500000Z"}
    trkpts = [p.find("g:time", GPX_NS).text for p in root.iter("{http://www.topografix.com/GPX/1/1}trkpt")]
    assert trkpts == ["2026-05-04T07:30:00Z", "2026-05-04T07:30:02.500000Z"]


def test_kml_times_are_utc_when_the_offset_is_recorded(tmp_path):
    root = ET.fromstring(tracks_to_kml([_flight()], _loose(tmp_path)))
    when = {pm.find("k:name", KML_NS).text: pm.find("k:TimeStamp/k:when", KML_NS)
            for pm in root.iter("{http://www.opengis.net/kml/2.2}Placemark")}
    when = {k: v.text for k, v in when.items() if v is not None}
    assert when == {"west.jpg": "2026-05-05T06:50:00Z", "bare.jpg": "2026-05-04T23:50:00Z",
                    "p0.jpg": "2026-05-04T07:30:00Z", "p1.jpg": "2026-05-04T07:30:02.500000Z"}


def test_a_time_without_a_zone_is_written_as_recorded_whatever_the_machine_zone(monkeypatch):
    """Naive camera time is written as if UTC, not read as this computer's local time (a laptop in
    Tokyo must not shift every GPX time by 9 h); a zoned time is the same instant in UTC."""
    import time

    from geolocator.core.export_track import _when

    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert _when(datetime(2026, 1, 2, 3, 4, 5), 0.5).isoformat() == "2026-01-02T03:04:05.500000+00:00"
        assert _when(datetime(2026, 1, 2, 3, 4, 5, tzinfo=PLUS2), 0.0).isoformat() == "2026-01-02T01:04:05+00:00"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_a_photo_query_without_a_meta_attribute_reads_its_time_from_the_file(tmp_path):
    """Duck-typed queries (as _start_of's tests use) need not carry `meta`: the file is read."""
    from types import SimpleNamespace

    from geolocator.core.export_track import _start_of

    photo = _photo(tmp_path / "d.jpg", "2026:05:04 09:30:00", "+02:00")
    duck = SimpleNamespace(id="d.jpg", path=photo, time_s=None)
    start = _start_of(Track("d", (TrackPoint(duck, 0.0, LatLon(0.0, 0.0), "matched", LatLon(0.0, 0.0)),)))
    assert start == datetime(2026, 5, 4, 7, 30, 0, tzinfo=timezone.utc)  # 09:30 at UTC+2
