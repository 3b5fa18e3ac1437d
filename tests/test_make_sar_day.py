"""training/make_sar_day.py: a SAR team's day of three flights as it comes off the cards (session 30),
read as `geolocator locate DAY` reads it: every photo and frame once, the copies and the files cut short
said, each flight its own."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))

import make_sar_day as day_maker  # noqa: E402

from geolocator.core.queries import load_queries  # noqa: E402
from geolocator.core.sequence import sequences  # noqa: E402

pytest.importorskip("piexif")
pytest.importorskip("av")


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    out = tmp_path_factory.mktemp("sar")
    return day_maker.make_day(ROOT / "resources" / "demo" / "tiles.csv", out, photos=6, c_photos=5, copied_twice=3,
                              blurred=(3,))


def test_the_day_reads_as_three_flights_each_photo_once(day):
    skipped = {}
    queries = load_queries(day, on_skip=lambda p, why: skipped.__setitem__(p.relative_to(day).as_posix(), why))
    ids = [q.id for q in queries]
    assert len(ids) == len(set(ids)) == 6 + 10 + 5  # flight A's photos, B's frames, C's (its last cut short later)
    copies = {p for p, why in skipped.items() if why.startswith("an identical copy of ")}
    assert copies == {"Flug A – DJI Fotos/DCIM/100MEDIA/DJI_0003 (1).JPG"} | {
        f"Flug A – DJI Fotos (Kopie)/DCIM/100MEDIA/DJI_000{i}.JPG" for i in (1, 2, 3)}
    assert skipped["Flug B Video/DJI_0101.MP4"].startswith("the video is cut short")
    c = [q for q in queries if q.id.startswith("Flug C")]
    assert c and all(q.truth is None for q in c)  # its GNSS failed: nothing recorded, nothing to score
    a = [q for q in queries if q.id.startswith("Flug A")]
    assert all(q.truth_source == "exif" and q.meta.serial == day_maker.DJI_SERIAL for q in a)
    flights = {name: len(items) for name, items in sequences(queries)}
    assert flights == {"Flug B Video/DJI_0100.MP4": 10, "photos DJI FC300S": 6, "photos Autel Robotics XT705": 5}
    truth = (day.parent / "truth-not-an-input" / "truth.csv").read_text(encoding="utf-8").splitlines()
    assert len(truth) == 1 + 6 + 100 + 5  # every photo and every frame (10 s at 10 fps), outside the flights


# -- session 31 (clock31): a second clock zone, flight D --------------------------------------------
GPX = "{http://www.topografix.com/GPX/1/1}"


@pytest.fixture(scope="module")
def day_d(tmp_path_factory):
    out = tmp_path_factory.mktemp("sar_d")
    return day_maker.make_day(ROOT / "resources" / "demo" / "tiles.csv", out, photos=3, c_photos=3, copied_twice=1,
                              blurred=(), d_photos=3)


def _zones(day):
    from geolocator.core.clock_zones import ClockZones

    return ClockZones.from_texts([f"{day / day_maker.D_FOLDER}={day_maker.D_ZONE}", "Europe/Berlin"])


def _flight_starts(path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    return [(t.find(f"{GPX}name").text, t.find(f".//{GPX}trkpt/{GPX}time").text) for t in root.iter(f"{GPX}trk")]


WANT = [("photos DJI FC300S", "2026-12-04T10:02:00Z"),  # flight A, its Berlin clock at 11:02
        ("Flug B Video/DJI_0100.MP4", "2026-12-04T11:00:00Z"),  # its SRT's Berlin clock at 12:00
        ("photos DJI FC3411", "2026-12-04T12:40:00Z"),  # flight D: 07:40 on its New York clock
        ("photos Autel Robotics XT705", "2026-12-04T13:40:00Z")]  # its own +00:00, whatever the zones


def test_flight_d_s_new_york_clock_is_read_in_its_folder_s_zone(day_d, tmp_path):
    """The day's files as the loader reads them (EXIF without offsets, the SRT's clock, flight C's +00:00),
    each flight timed in UTC by its own clock: flight D after B, not (read as Berlin) at 06:40Z before A."""
    from geolocator.core.exports import write_predictions
    from geolocator.core.model import Bounds, Match, Prediction, Tile
    from geolocator.core.sequence import smooth

    queries = load_queries(day_d)
    d = [q for q in queries if q.id.startswith(day_maker.D_FOLDER)]
    assert len(d) == 3 and all(q.meta.captured_at.tzinfo is None and q.meta.serial == day_maker.D_SERIAL for q in d)
    tile = Tile("t", Path("t.png"), Bounds(0, 0, 1, 1))
    preds = [Prediction(q, (Match(tile, 0.8, 1),), q.truth or tile.center, q.truth or tile.center, 0.9, status="verified")
             for q in queries]
    zones = _zones(day_d)
    write_predictions(tmp_path / "day.gpx", preds, smooth(preds, clock_zones=zones), clock_zone=zones)
    assert _flight_starts(tmp_path / "day.gpx") == WANT
    from geolocator.core.clock_zones import ClockZones

    berlin = ClockZones.from_texts(["Europe/Berlin"])  # one zone for every clock, as before: D at 06:40Z, first
    write_predictions(tmp_path / "one.gpx", preds, smooth(preds), clock_zone=berlin)
    assert _flight_starts(tmp_path / "one.gpx")[0] == ("photos DJI FC3411", "2026-12-04T06:40:00Z")


@pytest.mark.slow
def test_the_cli_places_flight_d_in_its_clock_s_zone(day_d, tmp_path, monkeypatch):
    """`geolocator locate DAY --clock-zone "DAY/Flug D Leihdrohne=America/New_York" --clock-zone Europe/Berlin`
    on the rendered day (the demo's tiles, the real pipeline): one GPX, every flight in UTC order."""
    from geolocator import cli

    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    out = tmp_path / "day.gpx"
    assert cli.main(["locate", str(day_d), "--tiles", str(ROOT / "resources" / "demo" / "tiles.csv"), "--quiet",
                     "--clock-zone", f"{day_d / day_maker.D_FOLDER}={day_maker.D_ZONE}", "--clock-zone", "Europe/Berlin",
                     "--out", str(out)]) == 0
    assert _flight_starts(out) == WANT
