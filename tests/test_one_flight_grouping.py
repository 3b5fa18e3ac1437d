"""A run's flights grouped once (core/flights.py, session 34).

Workspace.locate grouped the flights for the per-flight evidence (core/outside_tiles.py) with no clock
zones, and the CLI and the app grouped them again with the person's zones to draw the tracks. Two cards
of one camera model copied one after the other (A, then B a minute later) are one flight without zones;
with A's clock set to another zone they are two, and B is drawn as a track of its own. B's photos are of
somewhere else (none verifies): read over A+B they stayed above the bar and kept the unverified table's
figure with no caution, on a track that is B's alone. Now the locate groups them by the same rule as the
tracks (ws.flight_rule), and the app reads the evidence again from the uncapped answers when the zones
change (Session.regroup)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from geolocator.core.clock_zones import ClockZones
from geolocator.core.flights import FlightRule, located_flights, regrouped_evidence
from geolocator.core.model import Bounds, PhotoMeta, Query, Tile
from geolocator.core.outside_tiles import FLIGHT_CAUTION, OUTSIDE_CEILING, flight_groups, with_flight_evidence
from geolocator.core.predict import RETRIEVED_CEILING, predict
from geolocator.core.sequence import VERIFIED_STATUSES, smooth

START = datetime(2026, 12, 4, 11, 0, 0)  # naive: the cameras recorded no zone
TOKYO = ZoneInfo("Asia/Tokyo")


def _tiles(n: int = 6) -> list[Tile]:
    return [Tile(f"t{i}", Path(f"t{i}.jpg"), Bounds(8.0 + 0.0007 * i, 47.0, 8.0 + 0.0007 * i + 0.0006, 47.00045))
            for i in range(n)]


def _two_cards(root: Path, home: int = 8, away: int = 6):
    """predict() of card A (`home` photos, all verified) then card B a minute later (`away` photos, none
    verified: a clear cosine win each), one camera model, no serial, 3 s apart."""
    queries, firsts = [], []
    for card, n, first, t0 in (("A", home, 40, 0), ("B", away, 0, 60)):
        for k in range(n):
            path = root / card / f"{card}{k:02d}.JPG"
            queries.append(Query(f"{card}/{path.name}", path,
                                 meta=PhotoMeta(captured_at=START + timedelta(seconds=t0 + 3 * k), make="DJI", model="FC300S")))
            firsts.append(first)
    tiles = _tiles()
    n = len(queries)
    scores = np.tile(np.array([[0.9, 0.7, 0.6]], np.float32), (n, 1))
    ids = np.array([[k % 2, 2 + k % 2, 4 + k % 2] for k in range(n)])
    grounds = [[tiles[i].center if f and c == 0 else None for c, i in enumerate(row)] for row, f in zip(ids, firsts)]
    return predict(queries, tiles, scores, ids, np.array([[f, 0, 0] for f in firsts]), grounds)


def _zones(root: Path) -> ClockZones:
    """Card A's clock set to Tokyo's time, the rest to +02:00: two clocks, never one flight."""
    return ClockZones.from_mapping(timezone(timedelta(hours=2)), {str(root / "A"): TOKYO})


def test_the_zones_split_a_flight_and_its_evidence_follows_the_split(tmp_path):
    preds = _two_cards(tmp_path)
    b = [p.query.id for p in preds if p.query.id.startswith("B/")]
    zones = _zones(tmp_path)
    # the two groupings disagree: one flight by default, two under the zones (as the tracks draw them)
    assert len(flight_groups([p.query for p in preds])) == 1
    assert {t.name for t in smooth(preds, clock_zones=zones)} == {"photos DJI FC300S clock of " + str(tmp_path / "A"),
                                                                  "photos DJI FC300S default clock"}
    by_default = {p.query.id: p for p in with_flight_evidence(preds)}  # what Workspace.locate read before
    assert all(by_default[i].confidence == pytest.approx(RETRIEVED_CEILING) and by_default[i].caution is None for i in b)
    flights = FlightRule(clock_zones=zones).group([p.query for p in preds])
    after = with_flight_evidence(preds, flights=flights)
    tracks = smooth(after, clock_zones=zones, flights=flights)
    assert [t.name for t in tracks] == [t.name for t in smooth(after, clock_zones=zones)]  # the same flights
    track_b = next(t for t in tracks if "default clock" in t.name)
    assert sorted(p.query.id for p in track_b.points) == sorted(b)
    placed = [p for p in track_b.points if p.status != "not located"]
    assert placed and all(p.confidence <= OUTSIDE_CEILING and p.caution == FLIGHT_CAUTION for p in placed)
    assert all(p.caution is None for t in tracks if t is not track_b for p in t.points)


def test_a_regroup_caps_from_the_uncapped_answers_not_twice(tmp_path):
    preds = _two_cards(tmp_path)
    queries = [p.query for p in preds]
    split = FlightRule(clock_zones=_zones(tmp_path)).group(queries)
    shown = with_flight_evidence(preds, flights=split)
    stored = {p.query.id: (s, p) for s, p in zip(shown, preds)}
    assert any(p.caution == FLIGHT_CAUTION for p in shown)
    # the zones cleared: one flight again, and B's answers are as they were before any flight's cap
    joined = FlightRule().group(queries)
    assert regrouped_evidence(shown, stored, joined) == preds
    assert with_flight_evidence(shown, flights=joined) != preds  # capped twice: the old grouping's caps stayed
    # an answer that is not the one stored (another locate's, or evidence off) is kept as it is
    other = [replace(p, confidence=0.5) if p.status == "retrieved" else p for p in preds]
    assert regrouped_evidence(other, stored, split) == other


def test_located_flights_are_only_those_of_the_answers_given(tmp_path):
    preds = _two_cards(tmp_path)
    flights = FlightRule().group([p.query for p in preds])

    class Last:
        queries = tuple(p.query for p in preds)

    Last.flights = flights
    assert located_flights(Last, preds) is flights
    assert located_flights(Last, preds[:-1]) is None  # another run's answers: the caller groups them
    assert located_flights(None, preds) is None


# -- through the real locate (demo features, real verification) -----------------------------------------------
def _cards_on_half_foreign_tiles(tmp_path: Path, home: int = 8, away: int = 6):
    """(tiles.csv, card A's photo files, card B's): A's demo photos are over the demo's own tiles, B's
    over tiles whose images are of 'somewhere else' (tests/test_outside_flights._half_foreign_tiles).
    Each copy records its capture time (EXIF, no zone) and camera: A from 11:00:00, B from 11:01:00, 3 s
    apart."""
    import shutil

    import piexif

    from geolocator.core.queries import load_region

    from .demo_features import DEMO
    from .test_outside_flights import _half_foreign_tiles

    tiles_csv, foreign = _half_foreign_tiles(tmp_path / "half")
    region = load_region(DEMO)
    picked = {"A": [q for q in region.queries if q.truth_tile not in foreign][:home],
              "B": [q for q in region.queries if q.truth_tile in foreign][:away]}
    files: dict[str, list[Path]] = {}
    for card, t0 in (("A", 0), ("B", 60)):
        (tmp_path / card).mkdir()
        files[card] = []
        for k, q in enumerate(picked[card]):
            out = tmp_path / card / Path(q.path).name
            shutil.copy(q.path, out)
            when = (START + timedelta(seconds=t0 + 3 * k)).strftime("%Y:%m:%d %H:%M:%S").encode()
            piexif.insert(piexif.dump({"0th": {piexif.ImageIFD.Make: b"DJI", piexif.ImageIFD.Model: b"FC300S"},
                                       "Exif": {piexif.ExifIFD.DateTimeOriginal: when}}), str(out))
            files[card].append(out)
    return tiles_csv, files


@pytest.mark.slow
def test_the_cli_caps_the_flight_a_clock_zone_splits_off(tmp_path, monkeypatch):
    """`geolocator locate A B --clock-zone A=Asia/Tokyo --clock-zone +02:00`: B's track is its own, and
    its frames claim no more than the per-flight rule allows, with its caution, in the file written."""
    from geolocator import cli

    from .demo_features import cli_on_demo_features

    tiles_csv, files = _cards_on_half_foreign_tiles(tmp_path)
    made = cli_on_demo_features(monkeypatch, tmp_path)
    out = tmp_path / "p.csv"
    monkeypatch.chdir(tmp_path)
    assert cli.main(["locate", "A", "B", "--tiles", str(tiles_csv), "--clock-zone", "A=Asia/Tokyo",
                     "--clock-zone", "+02:00", "--out", str(out), "-q"]) == 0
    with out.open(newline="", encoding="utf-8-sig") as fh:
        rows = {Path(r["query"]).name: r for r in csv.DictReader(fh)}
    b = [rows[p.name] for p in files["B"]]
    assert sum(r["status"] == "retrieved" for r in b) >= 3
    for r in b:  # no unverified frame of B claims a place above the per-flight ceiling, and each says why
        if r["status"] not in ("verified", "not located", *VERIFIED_STATUSES):  # a false verification keeps its figure
            assert float(r["confidence"]) <= OUTSIDE_CEILING and r["caution"] == FLIGHT_CAUTION, r
    ws = made[-1]
    assert ws.last.flights is not None and len(ws.last.flights.flights) == 2  # grouped once, by the zones given


@pytest.mark.slow
def test_the_app_caps_the_split_flight_at_locate_and_again_when_the_zones_change(tmp_path):
    """Session.locate under the zones set groups as its tracks do; Session.regroup (a new zone) reads the
    per-flight evidence again from the answers before any cap: cleared zones give the answers back as one
    flight's, set again caps B once more."""
    from geolocator.core.pipeline import Settings
    from geolocator.core.queries import load_queries
    from geolocator.core.tilesets import load_tileset
    from geolocator.gui.jobs import Session

    from .demo_features import DemoWorkspace, load_demo_features

    tiles_csv, files = _cards_on_half_foreign_tiles(tmp_path)
    session = Session(Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu"),
                      map_dir=tmp_path / "map")
    session.ws = DemoWorkspace(session.ws.settings, load_demo_features())
    session.ws.open_tiles(load_tileset(tiles_csv))
    queries = load_queries([tmp_path / "A", tmp_path / "B"])
    session.clock_zones = _zones(tmp_path)
    located = session.locate(queries).predictions
    b_ids = {q.id for q in queries if Path(q.path).parent.name == "B"}

    def b_answers(preds):
        return [p for p in preds if p.query.id in b_ids and p.status == "retrieved"]

    assert b_answers(located) and all(p.confidence <= OUTSIDE_CEILING and p.caution == FLIGHT_CAUTION
                                      for p in b_answers(located))
    session.clock_zones = None  # cleared: A and B one flight, which verified enough
    joined = session.regroup(located).predictions
    assert max(p.confidence for p in b_answers(joined)) > OUTSIDE_CEILING
    assert all(p.caution != FLIGHT_CAUTION for p in b_answers(joined))
    session.clock_zones = _zones(tmp_path)  # set again: capped again, as at the locate
    assert session.regroup(joined).predictions == located


def test_a_shot_of_an_edit_is_read_as_the_flight_its_track_is(tmp_path, monkeypatch):
    """An edited video of two shots (media/cuts.py), the first over these tiles (verified), the second of
    somewhere else: flight_groups read the whole file as one flight (10 of 16 verified: above the bar), the
    tracks one per shot; the second shot's track now claims no more than the per-flight rule allows."""
    from geolocator.core.media import cuts

    video = tmp_path / "edit.mp4"
    video.write_bytes(b"")  # there: its cuts are looked for (stood in for below)
    monkeypatch.setattr(cuts, "video_shots_or_one", lambda path, times: [0] * 10 + [1] * 6)
    queries = [Query(f"edit.mp4#t={k}", video, time_s=float(k)) for k in range(16)]
    tiles = _tiles()
    firsts = [40] * 10 + [0] * 6
    ids = np.array([[k % 2, 2 + k % 2, 4 + k % 2] for k in range(16)])
    grounds = [[tiles[i].center if f and c == 0 else None for c, i in enumerate(row)] for row, f in zip(ids, firsts)]
    preds = predict(queries, tiles, np.tile(np.array([[0.9, 0.7, 0.6]], np.float32), (16, 1)), ids,
                    np.array([[f, 0, 0] for f in firsts]), grounds)
    flights = FlightRule().group(queries)
    assert [len(items) for _, items, _ in flights.flights] == [10, 6]
    after = with_flight_evidence(preds, flights=flights)
    second = [p for p in after[10:] if p.status == "retrieved"]
    assert len(second) == 6 and all(p.confidence == OUTSIDE_CEILING and p.caution == FLIGHT_CAUTION for p in second)
    assert after[:10] == preds[:10]
    assert with_flight_evidence(preds) == after  # the default rule groups as the tracks do: per shot
    shot2 = next(t for t in smooth(after, flights=flights) if t.shot == 2)
    assert all(p.caution == FLIGHT_CAUTION for p in shot2.points if p.status != "not located")
