"""`--clock-zone FOLDER=ZONE`: two drones' clocks set to different zones, in one run (session 31, clock31).

Session 30 left it open: one `--clock-zone` served every clock that recorded no UTC offset, so a SAR
team with two drones set to different zones (neither recording its offset) needed a `locate` per clock
and merged the files by hand. Now the argument may be given per folder or file (core/clock_zones.py):
the most specific folder wins, a plain zone is the default for the rest, the exports time and order
each flight in UTC by its own clock, and a time that recorded its offset is never changed."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geolocator.core.clock_zones import ClockZones, split_clock_zone, zone_at
from geolocator.core.errors import GeolocatorError
from geolocator.core.export_track import parse_clock_zone
from geolocator.core.exports import write_predictions
from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Prediction, Query, Tile
from geolocator.core.sequence import sequences, smooth

GPX_NS = {"g": "http://www.topografix.com/GPX/1/1"}
KML = "{http://www.opengis.net/kml/2.2}"
TILE = Tile("t", Path("t.png"), Bounds(8.999, 45.999, 9.001, 46.001))
ZONES = ["Europe/Zurich", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "+01:00", "-05:30", "UTC+9", "UTC", "+02"]


# ----------------------------------------------------------------------------------------- parsing
@given(folder=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30)
       .filter(lambda f: f.strip()), zone=st.sampled_from(ZONES))
@settings(max_examples=200, deadline=None)
def test_folder_and_zone_split_at_the_last_equals_sign_whatever_the_folder_holds(folder, zone):
    """A folder may hold "/", "\\", ":", "+" and even "=" (a Windows path, a card named "A=B"): the zone,
    after the last "=", never holds one, so neither is misread as part of the other."""
    got_folder, got_zone = split_clock_zone(f"{folder}={zone}")
    assert got_folder == folder.strip()
    assert got_zone == parse_clock_zone(zone)


@pytest.mark.parametrize("text, folder, zone", [
    ("Europe/Zurich", None, "Europe/Zurich"),  # a zone name with "/" is a zone, not a folder
    ("America/Argentina/Buenos_Aires", None, "America/Argentina/Buenos_Aires"),
    ("cardB/=Asia/Tokyo", "cardB/", "Asia/Tokyo"),
    (r"D:\Einsatz\Karte B=Asia/Tokyo", r"D:\Einsatz\Karte B", "Asia/Tokyo"),  # Windows: drive colon, backslashes
    (r"C:\a=b\Flug C=+09:00", r"C:\a=b\Flug C", "+09:00"),  # a folder holding "="
    ("Flug A/ = UTC-5", "Flug A/", "UTC-5"),
])
def test_forms(text, folder, zone):
    assert split_clock_zone(text) == (folder, parse_clock_zone(zone))


@pytest.mark.parametrize("text, words", [
    ("=Asia/Tokyo", "no folder before '='"),
    ("cardB/=", "no zone after '='"),
    ("cardB/Asia/Tokyo", "a zone for one folder is written FOLDER=ZONE"),  # the "=" forgotten
    ("cardB/=Asia/Tokio", "not a time zone: 'Asia/Tokio'"),
    ("cardB/=JST", "an abbreviation names several zones"),
])
def test_unclear_input_is_refused_naming_the_argument(text, words):
    with pytest.raises(ValueError) as got:
        ClockZones.from_texts([text])
    assert str(got.value).startswith(f"--clock-zone {text!r}: ") and words in str(got.value)


def test_two_defaults_one_folder_twice_and_a_missing_folder_are_refused(tmp_path):
    (tmp_path / "cardB").mkdir()
    for texts, words in ([["+01:00", "Europe/Zurich"], "a second zone for every clock (the first: '+01:00')"],
                         [["cardB=Asia/Tokyo", "cardB/=+09:00"], "cardB/ was given a zone already ('cardB=Asia/Tokyo')"],
                         [["cardC/=Asia/Tokyo"], "no such folder or file: cardC/"]):
        with pytest.raises(ValueError) as got:
            ClockZones.from_texts(texts, base=tmp_path)
        assert str(got.value).startswith(f"--clock-zone {texts[-1]!r}: ") and words in str(got.value), got.value


# --------------------------------------------------------------------------- the most specific path
@pytest.fixture
def cards(tmp_path):
    for sub in ("day/cardB/DCIM", "day/cardBB", "day/cardA", "other"):
        (tmp_path / sub).mkdir(parents=True)
    return tmp_path


@given(order=st.permutations([0, 1, 2]))
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # read only
def test_the_most_specific_folder_wins_in_any_order_given(cards, order):
    texts = ["day=+02:00", "day/cardB/=Asia/Tokyo", "-05:00"]
    zones = ClockZones.from_texts([texts[i] for i in order], base=cards)
    name = {parse_clock_zone(z): z for z in ("+02:00", "Asia/Tokyo", "-05:00")}
    want = {"day/cardB/DCIM/DJI_0001.JPG": "Asia/Tokyo", "day/cardB/x.jpg": "Asia/Tokyo",
            "day/cardBB/x.jpg": "+02:00",  # "cardB" is not a prefix of the folder "cardBB": parts, not letters
            "day/cardA/x.jpg": "+02:00", "day/x.jpg": "+02:00", "other/x.jpg": "-05:00", "x.jpg": "-05:00"}
    for path, zone in want.items():
        assert name[zones.zone_for(cards / path)] == zone, path
    assert zones.zone_for(cards / "day" / "cardB" / ".." / "cardA" / "y.jpg") == parse_clock_zone("+02:00")  # resolved


def test_a_file_may_have_its_own_zone_and_no_default_means_none(cards):
    (cards / "day" / "phone.jpg").write_bytes(b"")
    zones = ClockZones.from_texts(["day/phone.jpg=Europe/Zurich"], base=cards)
    assert zones.zone_for(cards / "day" / "phone.jpg") == parse_clock_zone("Europe/Zurich")
    assert zones.zone_for(cards / "day" / "phone2.jpg") is None  # nothing given for it: written as if UTC
    assert zone_at(zones, cards / "day" / "phone.jpg") == parse_clock_zone("Europe/Zurich")
    assert zone_at(timezone.utc, "any.jpg") is timezone.utc and zone_at(None, "any.jpg") is None  # as before
    assert zones.unused([cards / "day" / "x.jpg"]) == ["day/phone.jpg"]
    nested = ClockZones.from_texts(["day=+02:00", "day/cardB=Asia/Tokyo", "other=UTC"], base=cards)
    assert nested.unused([cards / "day" / "cardB" / "x.jpg"]) == ["other"]  # day holds it, though cardB's zone wins


# ------------------------------------------------------------------ two drones, two zones, one export
def _pred(path: Path, when: datetime, model: str = "FC300S", lat: float = 46.0) -> Prediction:
    q = Query(f"{path.parent.name}/{path.name}", path, meta=PhotoMeta(make="DJI", model=model, captured_at=when))
    return Prediction(q, (Match(TILE, 0.8, 1),), LatLon(lat, 9.0), LatLon(lat, 9.0), 0.9, status="verified")


def _two_cards(tmp_path: Path, model_b: str = "FC300S"):
    """Drone A's clock on Tokyo time, drone B's on +02:00, neither recording its offset. A flew first:
    08:20-08:20:06 UTC (17:20 on its clock), B 09:00-09:00:06 UTC (11:00 on its clock); read as if UTC,
    B (11:00) came before A (17:20)."""
    a, b = tmp_path / "cardA", tmp_path / "cardB"
    a.mkdir(), b.mkdir()
    preds = [_pred(b / f"B{i}.JPG", datetime(2026, 12, 4, 11, 0, 3 * i), model_b, 46.0004) for i in range(3)]
    preds += [_pred(a / f"A{i}.JPG", datetime(2026, 12, 4, 17, 20, 3 * i)) for i in range(3)]
    zones = ClockZones.from_texts([f"{a}=Asia/Tokyo", "+02:00"])
    return preds, zones


A_UTC = ["2026-12-04T08:20:00Z", "2026-12-04T08:20:03Z", "2026-12-04T08:20:06Z"]
B_UTC = ["2026-12-04T09:00:00Z", "2026-12-04T09:00:03Z", "2026-12-04T09:00:06Z"]


def test_two_folders_with_different_zones_are_two_flights_even_of_one_model(tmp_path):
    """One model without serials, card B's photos 11:00:00-06 on its clock, card A's 11:00:09-15 on its own:
    read as one clock, the folders follow each other and were one flight (a track through both drones'
    photos); A's clock is Tokyo's and B's +02:00, seven hours apart: two clocks, never one flight."""
    a, b = tmp_path / "cardA", tmp_path / "cardB"
    a.mkdir(), b.mkdir()
    preds = [_pred(b / f"B{i}.JPG", datetime(2026, 12, 4, 11, 0, 3 * i)) for i in range(3)]
    preds += [_pred(a / f"A{i}.JPG", datetime(2026, 12, 4, 11, 0, 9 + 3 * i)) for i in range(3)]
    queries = [p.query for p in preds]
    assert [(name, len(items)) for name, items in sequences(queries)] == [("photos DJI FC300S", 6)]  # before
    zones = ClockZones.from_texts([f"{a}=Asia/Tokyo", "+02:00"])
    two = [(name, [q.id for q, _ in items]) for name, items in sequences(queries, clock_zones=zones)]
    assert two == [("photos DJI FC300S default clock", ["cardB/B0.JPG", "cardB/B1.JPG", "cardB/B2.JPG"]),
                   (f"photos DJI FC300S clock of {a}", ["cardA/A0.JPG", "cardA/A1.JPG", "cardA/A2.JPG"])]


@pytest.mark.parametrize("model_b", ["FC300S", "Mavic 3E"])  # one model, or two drones of different models
def test_gpx_and_kml_time_and_order_each_flight_in_utc_by_its_own_clock(tmp_path, model_b):
    preds, zones = _two_cards(tmp_path, model_b)
    tracks = smooth(preds, clock_zones=zones)
    write_predictions(tmp_path / "day.gpx", preds, tracks, clock_zone=zones)
    root = ET.parse(tmp_path / "day.gpx").getroot()
    trks = [[p.find("g:time", GPX_NS).text for p in t.iter("{http://www.topografix.com/GPX/1/1}trkpt")]
            for t in root.findall("g:trk", GPX_NS)]
    assert trks == [A_UTC, B_UTC]  # A first: it flew first, though its clock read 17:20 to B's 11:00
    desc = root.find("g:metadata/g:desc", GPX_NS).text
    assert desc == ("6 times were recorded without a UTC offset (camera or telemetry clocks): 3 read as Asia/Tokyo, "
                    "3 read as UTC+02:00 (the clocks' zones given).")
    write_predictions(tmp_path / "day.kml", preds, tracks, clock_zone=zones)
    kml = ET.parse(tmp_path / "day.kml").getroot()
    folders = [[w.text for w in f.iter(f"{KML}when")] for f in kml.iter(f"{KML}Folder")]
    assert folders == [A_UTC, B_UTC]


def test_csv_and_geojson_carry_each_frame_s_utc_time(tmp_path):
    preds, zones = _two_cards(tmp_path)
    tracks = smooth(preds, clock_zones=zones)
    write_predictions(tmp_path / "day.csv", preds, tracks, clock_zone=zones)
    with (tmp_path / "day.csv").open(newline="") as fh:
        rows = {r["query"]: r["time_utc"] for r in csv.DictReader(fh)}
    assert [rows[f"cardA/A{i}.JPG"] for i in range(3)] == A_UTC and [rows[f"cardB/B{i}.JPG"] for i in range(3)] == B_UTC
    write_predictions(tmp_path / "day.geojson", preds, tracks, clock_zone=zones)
    props = [f["properties"] for f in json.loads((tmp_path / "day.geojson").read_text())["features"]
             if f["geometry"]["type"] == "Point"]
    assert sorted((p["time_utc"], p["query"]) for p in props) == [
        *[(t, f"cardA/A{i}.JPG") for i, t in enumerate(A_UTC)], *[(t, f"cardB/B{i}.JPG") for i, t in enumerate(B_UTC)]]
    write_predictions(tmp_path / "none.csv", preds, smooth(preds))  # no zone given: a naive clock's UTC is unknown
    with (tmp_path / "none.csv").open(newline="") as fh:
        assert {r["time_utc"] for r in csv.DictReader(fh)} == {""}


def test_a_recorded_offset_is_never_changed_by_a_folder_s_zone(tmp_path):
    preds, zones = _two_cards(tmp_path)
    zoned = datetime(2026, 12, 4, 10, 0, 0, tzinfo=timezone(timedelta(hours=-5)))  # OffsetTimeOriginal -05:00
    phone = _pred(tmp_path / "cardA" / "phone.jpg", zoned, model="iPhone")  # under cardA (Tokyo), alone: a waypoint
    write_predictions(tmp_path / "p.gpx", [phone], [], clock_zone=zones)
    root = ET.parse(tmp_path / "p.gpx").getroot()
    assert root.find("g:wpt/g:time", GPX_NS).text == "2026-12-04T15:00:00Z"
    assert root.find("g:metadata/g:desc", GPX_NS) is None  # nothing was assumed: nothing said
    flight = [_pred(tmp_path / "cardA" / f"z{i}.jpg", zoned + timedelta(seconds=2 * i), "XT705") for i in range(2)]
    tracks = smooth(flight, clock_zones=zones)
    write_predictions(tmp_path / "z.csv", flight, tracks, clock_zone=zones)
    with (tmp_path / "z.csv").open(newline="") as fh:
        assert [r["time_utc"] for r in csv.DictReader(fh)] == ["2026-12-04T15:00:00Z", "2026-12-04T15:00:02Z"]


# ---------------------------------------------------------------------------------------- the CLI
def _cli(monkeypatch, tmp_path, preds, *extra):
    from geolocator import cli

    from .helpers import stand_in_locate

    stand_in_locate(monkeypatch, tmp_path, preds, [TILE])
    monkeypatch.chdir(tmp_path)
    return cli.main(["locate", str(tmp_path), "--tiles", str(tmp_path), "--quiet", *extra])


def test_the_cli_takes_a_zone_per_folder_and_writes_one_file_in_utc_order(monkeypatch, tmp_path):
    preds, _ = _two_cards(tmp_path)
    out = tmp_path / "day.gpx"
    assert _cli(monkeypatch, tmp_path, preds, "--clock-zone", "cardA/=Asia/Tokyo", "--clock-zone", "+02:00",
                "--out", str(out)) == 0
    root = ET.parse(out).getroot()
    trks = [[p.find("g:time", GPX_NS).text for p in t.iter("{http://www.topografix.com/GPX/1/1}trkpt")]
            for t in root.findall("g:trk", GPX_NS)]
    assert trks == [A_UTC, B_UTC]


def test_the_cli_refuses_a_zone_for_a_folder_that_holds_none_of_the_photos(monkeypatch, tmp_path, capsys):
    preds, _ = _two_cards(tmp_path)
    (tmp_path / "cardC").mkdir()
    assert _cli(monkeypatch, tmp_path, preds, "--clock-zone", "cardC=Asia/Tokyo", "--out", str(tmp_path / "x.gpx")) != 0
    err = capsys.readouterr().err
    assert "--clock-zone 'cardC=Asia/Tokyo': none of the photos or videos given is in cardC" in err
    assert not (tmp_path / "x.gpx").exists()


def test_argparse_names_the_argument_it_refuses(capsys):
    from geolocator.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["locate", "p", "--tiles", "t.csv", "--clock-zone", "cardB/Asia/Tokyo"])
    err = capsys.readouterr().err
    assert "argument --clock-zone/" not in err and "'cardB/Asia/Tokyo': not a time zone" in err
    assert "FOLDER=ZONE" in err
    args = build_parser().parse_args(["locate", "p", "--tiles", "t.csv", "--clock-zone", "a=+01:00", "--clock-zone", "UTC"])
    assert args.clock_zone == ["a=+01:00", "UTC"]


def test_a_lone_photo_gets_its_utc_time_in_csv_and_geojson_too(tmp_path):
    """A photo in no flight (alone, or --no-track): its capture time read in its folder's zone, as GPX's <wpt>."""
    preds, zones = _two_cards(tmp_path)
    lone = [preds[0], preds[3]]  # B0 (+02:00) and A0 (Tokyo), no tracks
    for suffix in (".csv", ".geojson"):
        write_predictions(tmp_path / f"lone{suffix}", lone, [], clock_zone=zones)
    with (tmp_path / "lone.csv").open(newline="") as fh:
        assert {r["query"]: r["time_utc"] for r in csv.DictReader(fh)} == {"cardB/B0.JPG": B_UTC[0], "cardA/A0.JPG": A_UTC[0]}
    doc = json.loads((tmp_path / "lone.geojson").read_text())
    assert {f["properties"]["query"]: f["properties"].get("time_utc") for f in doc["features"]} == {
        "cardB/B0.JPG": B_UTC[0], "cardA/A0.JPG": A_UTC[0]}
    write_predictions(tmp_path / "unknown.geojson", lone, [])  # no zone given: unknown, left out
    doc = json.loads((tmp_path / "unknown.geojson").read_text())
    assert all("time_utc" not in f["properties"] for f in doc["features"])
    phone = _pred(tmp_path / "phone.jpg", datetime(2026, 12, 4, 10, 0, tzinfo=timezone(timedelta(hours=-5))), "iPhone")
    write_predictions(tmp_path / "phone.csv", [phone, *lone], [])  # no zone given: a recorded offset is enough
    with (tmp_path / "phone.csv").open(newline="") as fh:
        assert [r["time_utc"] for r in csv.DictReader(fh)] == ["2026-12-04T15:00:00Z", "", ""]


def test_a_video_s_telemetry_clock_is_read_in_its_folder_s_zone(tmp_path):
    """A DJI SRT's clock (naive, camera local time) under a folder given a zone: its frames' times in UTC by it."""
    from types import SimpleNamespace

    from geolocator.core.sequence import Track, TrackPoint

    (tmp_path / "cardV").mkdir()
    video = tmp_path / "cardV" / "DJI_0100.MP4"
    frames = [Query(f"DJI_0100.MP4#t={t}", video, time_s=float(t),
                    telemetry=SimpleNamespace(when=datetime(2026, 12, 4, 7, 40, t))) for t in (0, 1)]
    track = Track("DJI_0100.MP4", tuple(TrackPoint(q, q.time_s, LatLon(46.0, 9.0), "matched", LatLon(46.0, 9.0))
                                        for q in frames))
    zones = ClockZones.from_texts([f"{tmp_path / 'cardV'}=America/New_York", "Europe/Berlin"])
    from geolocator.core.export_track import tracks_to_gpx

    root = ET.fromstring(tracks_to_gpx([track], clock_zone=zones))
    assert [p.find("g:time", GPX_NS).text for p in root.iter("{http://www.topografix.com/GPX/1/1}trkpt")] == [
        "2026-12-04T12:40:00Z", "2026-12-04T12:40:01Z"]  # New York (UTC-5), not the Berlin default
