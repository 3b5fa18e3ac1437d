"""A tile download's progress while the server keeps it waiting, and 404s asked again (session 35,
fetcheta35): newuser35 saw "about 2 s left" on a 30 s tile, an ETA standing still for the 36 s before a
dead server's fetch stopped, and a tile a flaky server 404'd once never asked for again. Every server
here is on 127.0.0.1 (tests/tile_server.py)."""

from __future__ import annotations

import time

import pytest

from geolocator.core.progress import ProgressEvent
from geolocator.core.sources import fetch as F

from .tile_packages import demo_pyramid
from .tile_server import TileServer

FAST = dict(backoff_s=0.01, max_wait_s=0.05)


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


@pytest.fixture
def quick_wait(monkeypatch):
    monkeypatch.setattr(F, "WAIT_SAY_S", 0.6)
    monkeypatch.setattr(F, "WAIT_EVENT_S", 0.2)


def test_a_tile_the_server_holds_back_is_said_as_waiting_not_as_seconds_left(tmp_path, tiles, quick_wait):
    wanted = sorted(tiles)[:6]
    events = []
    with TileServer(tiles, script={wanted[-1]: [("slow", 2.0)]}) as server:
        report = F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "t", concurrency=1,
                               progress=events.append, **FAST)
    assert report.fetched == 6
    waiting = [e for e in events if "waiting_s" in e.metrics]
    assert waiting, [e.message for e in events]
    assert all(e.step == 5 and e.eta_s is None for e in waiting)  # no figure while the last tile is held back
    assert waiting[0].message.startswith(f"waiting for the server ({waiting[0].metrics['waiting_s']} s); "
                                         "5 fetched, 0 already here, 0 missing, 0 failed")
    assert waiting[-1].metrics["waiting_s"] >= 1  # the seconds count up while it waits
    # before it says "waiting", the time left grows with the wait instead of standing still
    early = [e.eta_s for e in events if e.step == 5 and "waiting_s" not in e.metrics and e.eta_s is not None]
    assert len(early) >= 2 and early[-1] > early[0]
    assert events[-1].step == 6 and "waiting_s" not in events[-1].metrics


def test_a_stalled_server_before_any_tile_is_said_as_waiting(tmp_path, tiles, quick_wait):
    wanted = sorted(tiles)[:2]
    events = []
    with TileServer(tiles, script={t: [("slow", 1.5)] for t in wanted}) as server:
        F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "t", concurrency=2,
                      progress=events.append, **FAST)
    assert any(e.step == 0 and e.message.startswith("waiting for the server (") for e in events)


def test_the_terminal_bar_says_waiting_and_no_time_left(capsys):
    from geolocator.cli import TqdmProgress

    bar = TqdmProgress(tty=True)
    bar(ProgressEvent("fetch", 0, 36, "36 tiles"))
    bar(ProgressEvent("fetch", 35, 36, "35 fetched", eta_s=2.0))
    bar(ProgressEvent("fetch", 35, 36, "waiting", metrics={"MB": 0.5, "waiting_s": 12}))
    err = capsys.readouterr().err.split("\r")[-1]
    assert "fetch (waiting for the server, 12 s): " in err
    assert "35/36 [00:00<?, MB=0.5]" in err  # not "00:02", and waiting_s is not a postfix
    bar(ProgressEvent("fetch", 36, 36, "36 fetched", eta_s=0.0))
    err = capsys.readouterr().err
    assert "fetch: 100%" in err and "waiting" not in err.split("\r")[-1]
    bar.close()


def test_the_log_line_says_waiting(capsys, monkeypatch):
    from geolocator.cli import TqdmProgress

    bar = TqdmProgress(tty=False)
    monkeypatch.setattr(TqdmProgress, "LINE_EVERY_S", 0.0)
    bar(ProgressEvent("fetch", 0, 36, "36 tiles"))
    bar(ProgressEvent("fetch", 35, 36, "waiting", metrics={"waiting_s": 40}))
    assert "fetch: 35/36, waiting for the server (40 s)" in capsys.readouterr().err


def test_the_apps_bar_text_says_waiting_and_no_time_left():
    pytest.importorskip("PySide6.QtWidgets")
    from geolocator.core.progress import JobProgress
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT, describe

    clock = iter([0.0, 1.0, 4.0, 40.0, 40.0, 40.0, 40.0])
    tracker = JobProgress({"fetch": 36}, STAGE_SECONDS_PER_UNIT, clock=lambda: next(clock))
    tracker.update(ProgressEvent("fetch", 0, 36, "36 tiles"))
    said = describe(tracker.update(ProgressEvent("fetch", 35, 36, "35 fetched", eta_s=2.0)))
    assert "left" in said
    event = ProgressEvent("fetch", 35, 36, "waiting for the server (36 s); 35 fetched, 0 already here, 0 missing, "
                          "0 failed", metrics={"MB": 0.5, "waiting_s": 36})
    said = describe(tracker.update(event))
    assert said == "Fetching imagery · waiting for the server (36 s); 35 fetched, 0 already here, 0 missing, 0 failed"
    assert describe(event) == "Fetching imagery · 35/36 · waiting for the server (36 s)"


# ---------------------------------------------------------------- 404s asked again


def _flaky(tiles, wanted):
    """A server whose first answer for the first tile is a 404, then the tile."""
    return TileServer(tiles, script={wanted[0]: [(404, {"Content-Type": "text/plain"}, b"not now")]})


@pytest.mark.parametrize("name", ["t", "t.mbtiles"])
def test_a_404_is_asked_again_only_with_retry_or_once_a_day_old(tmp_path, tiles, name):
    wanted = sorted(tiles)[:4]
    out = tmp_path / name
    with _flaky(tiles, wanted) as server:
        first = F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)
        assert (first.fetched, first.missing, first.asked_again) == (3, 1, 0)
        again = F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)  # at once: not asked
        assert (again.already, again.missing, again.asked_again) == (3, 1, 0)
        assert len(server.requests_for(*wanted[0])) == 1
        now = F.fetch_tiles(F.parse_template(server.url), wanted, out, retry_missing_after_s=0.0, **FAST)
        assert (now.fetched, now.already, now.missing, now.asked_again) == (1, 3, 0, 1)
        assert len(server.requests_for(*wanted[0])) == 2


def test_a_folders_404_a_day_old_is_asked_again_and_recorded_with_its_new_time(tmp_path, tiles):
    import time

    from geolocator.core.sources.missing_tiles import stamp_line

    wanted = sorted(tiles)[:3]
    out = tmp_path / "t"
    out.mkdir()
    keys = ["{}/{}/{}".format(*t) for t in wanted]
    (out / "missing.txt").write_text(f"{stamp_line(time.time() - 2 * 86400)}\n{keys[0]}\n"
                                     f"{stamp_line(time.time() - 3600)}\n{keys[1]}\n", encoding="utf-8")
    with TileServer({}) as server:  # still 404 everywhere
        report = F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)
        assert (report.missing, report.asked_again) == (3, 1)  # the 2-day-old one and the new one asked
        assert len(server.requests_for(*wanted[0])) == 1 and not server.requests_for(*wanted[1])
        report = F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)
        assert (report.missing, report.asked_again) == (3, 0)  # all three recorded within the day now
    # the previous version's reader (keys only) still finds every key in the file
    lines = {ln.strip() for ln in (out / "missing.txt").read_text(encoding="utf-8").splitlines()}
    assert set(keys) <= lines


def test_a_404_recorded_without_a_time_is_as_old_as_its_file(tmp_path, tiles):
    import os
    import time

    wanted = sorted(tiles)[:2]
    out = tmp_path / "t"
    out.mkdir()
    mf = out / "missing.txt"
    mf.write_text("{}/{}/{}\n".format(*wanted[0]), encoding="utf-8")  # as a version before session 35 wrote it
    sink = F.FolderSink(out, F.parse_template("http://h/{z}/{x}/{y}.jpg"))
    assert sink.missing_age(*wanted[0]) < 60 and sink.missing_age(*wanted[1]) is None
    os.utime(mf, (time.time() - 2 * 86400,) * 2)
    with TileServer(tiles) as server:
        report = F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)
    assert (report.fetched, report.missing, report.asked_again) == (2, 0, 1)


def test_an_mbtiles_keeps_the_table_the_previous_version_writes_into(tmp_path, tiles):
    import sqlite3

    wanted = sorted(tiles)[:2]
    out = tmp_path / "t.mbtiles"
    with _flaky(tiles, wanted) as server:
        F.fetch_tiles(F.parse_template(server.url), wanted, out, **FAST)
    db = sqlite3.connect(out)
    db.execute("INSERT OR IGNORE INTO geolocator_missing VALUES (?, ?, ?)", (19, 1, 1))  # 3 columns, as before
    z, x, y = wanted[0]
    assert db.execute("SELECT zoom_level, tile_column, tile_row FROM geolocator_missing WHERE zoom_level=19 AND "
                      "tile_column=?", (x,)).fetchall() == [(z, x, 2**z - 1 - y)]
    (when,) = db.execute("SELECT recorded FROM geolocator_missing_time").fetchone()
    db.commit()
    db.close()
    import time

    assert abs(time.time() - when) < 600
    w = __import__("geolocator.core.sources.mbtiles", fromlist=["MBTilesWriter"]).MBTilesWriter(out)
    assert w.missing_age(19, 1, 2**19 - 2) is not None  # the row with no time: as old as the file
    w.close()


def test_the_cli_asks_again_with_retry_missing_and_says_how_many(tmp_path, tiles, capsys):
    from geolocator.cli import main

    from .tile_packages import demo_mosaic

    _, area = demo_mosaic()
    bbox = f"--bbox={area.west},{area.south},{area.east},{area.north}"
    wanted = F.tiles_for_bbox(area, 19)
    out = tmp_path / "area"
    with _flaky(tiles, sorted(wanted)) as server:
        main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "-q"])
        assert "1 missing on the server (404), 0 failed" in capsys.readouterr().out
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "-q",
                     "--retry-missing"]) == 0
    said = capsys.readouterr().out
    assert "0 missing on the server (404; 1 of the earlier 404s asked again), 0 failed" in said


def test_the_apps_fetch_asks_again_when_the_box_is_ticked_and_its_note_says_so(tmp_path, tiles):
    pytest.importorskip("PySide6.QtWidgets")
    from geolocator.gui.imagery_dialog import fetch_notes, run_plan

    from .tile_packages import demo_mosaic

    _, area = demo_mosaic()
    wanted = sorted(F.tiles_for_bbox(area, 19))
    with TileServer(tiles, script={t: [(404, {}, b"not now")] for t in wanted[:2]}) as server:
        plan = F.plan_fetch(F.parse_template(server.url), area, 19, tmp_path / "area.mbtiles")
        first = run_plan(plan)(None, None)
        assert (first.missing, first.asked_again) == (2, 0)
        assert "asked for again by a fetch a day later" in fetch_notes(first, plan.out)[-1][1]
        again = run_plan(plan, retry_missing=True)(None, None)
    assert (again.fetched, again.missing, again.asked_again) == (2, 0, 2)
    assert fetch_notes(again, plan.out) == []


def test_a_geopackages_404_is_dated_and_asked_again_after_a_day(tmp_path):
    import sqlite3
    import time
    from types import SimpleNamespace

    from geolocator.core.sources.wmts_grid import GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    path = tmp_path / "a.gpkg"
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    assert sink.missing_age(0, 1, 1) is None
    sink.missing(0, 1, 1)
    assert 0.0 <= sink.missing_age(0, 1, 1) < 60
    sink.close()
    db = sqlite3.connect(path)
    db.execute("INSERT OR IGNORE INTO geolocator_missing VALUES (?, ?, ?)", (0, 0, 0))  # as the previous version
    db.execute("UPDATE geolocator_missing_time SET recorded = ?", (time.time() - 2 * 86400,))
    db.commit()
    db.close()
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    assert sink.missing_age(0, 1, 1) > 86400 and sink.missing_age(0, 0, 0) < 60  # undated: the file's time
    sink.close()


# ---------------------------------------------------------------- the rules on their own (session 36)

def test_the_waiting_event_gives_a_time_left_at_least_the_wait_then_says_waiting_from_wait_say_s():
    """_waiting_event: below WAIT_SAY_S the pace's ETA, but never below the time waited (mutation36: FE2, an
    ETA of the pace alone, passed the server test when its pace was slower than the wait); from WAIT_SAY_S
    on (FE1: at it) the words, whole seconds waited and no ETA."""
    report = F.FetchReport(out=None)
    quick = F._waiting_event(5, 10, report, waited_s=3.0, elapsed_s=1.0, asked=5, concurrency=1)
    assert quick.eta_s == 3.0 and "waiting_s" not in quick.metrics  # the pace says 1 s for 5 tiles
    slow = F._waiting_event(5, 10, report, waited_s=1.0, elapsed_s=10.0, asked=5, concurrency=1)
    assert slow.eta_s == 10.0  # the pace's, above the wait
    said = F._waiting_event(5, 10, report, waited_s=F.WAIT_SAY_S, elapsed_s=1.0, asked=5, concurrency=1)
    assert said.eta_s is None and said.metrics["waiting_s"] == int(F.WAIT_SAY_S)
    assert said.message.startswith(f"waiting for the server ({int(F.WAIT_SAY_S)} s); ")


class _Recorded:
    """A sink holding nothing, whose every tile was recorded missing `age` seconds ago (None: not recorded)."""

    def __init__(self, age):
        self.age = age

    def stored(self, z, x, y):
        return None

    def missing_age(self, z, x, y):
        return self.age

    def known_missing(self, z, x, y):
        return self.age is not None


def _first_answers(sink, retry_missing_after_s):
    it = F.iter_fetch(None, [(1, 0, 0)], sink, client=None, retry_missing_after_s=retry_missing_after_s)
    first = next(it)
    it.close()  # nothing is requested: the generator stops before its threads start
    return first


def test_retry_missing_zero_asks_again_for_a_tile_recorded_this_instant():
    """`retry_missing_after_s=0` (--retry-missing) asks for every tile recorded missing, one recorded at this
    very time (an age of 0.0, as missing_age gives for a record in the future) included (FE5)."""
    assert _first_answers(_Recorded(0.0), 0.0) == F.ASK_AGAIN
    assert _first_answers(_Recorded(0.0), F.MISSING_RETRY_S) == "known-missing"
    assert _first_answers(_Recorded(F.MISSING_RETRY_S), F.MISSING_RETRY_S) == F.ASK_AGAIN  # a day old: asked


def test_a_folders_404_stamped_in_the_future_is_not_a_negative_age(tmp_path):
    """A missing.txt written on a machine whose clock ran ahead (or this one's set back): its age is 0, not
    below 0, so --retry-missing (0 s) still asks for it (mutation36: FE12)."""
    import time

    from geolocator.core.sources.missing_tiles import stamp_line

    out = tmp_path / "t"
    out.mkdir()
    (out / "missing.txt").write_text(f"{stamp_line(time.time() + 3600)}\n19/1/2\n", encoding="utf-8")
    sink = F.FolderSink(out, F.parse_template("http://h/{z}/{x}/{y}.jpg"))
    assert sink.missing_age(19, 1, 2) == 0.0
    it = F.iter_fetch(None, [(19, 1, 2)], sink, client=None, retry_missing_after_s=0.0)
    assert next(it) == F.ASK_AGAIN
    it.close()


def test_tiles_that_keep_coming_are_never_said_as_waiting(tmp_path, tiles, quick_wait):
    """The wait is counted from the last result, not from the start: a fetch longer than WAIT_SAY_S whose
    tiles come every 0.3 s says no 'waiting for the server' (mutation36: FE9 said it from WAIT_SAY_S on)."""
    wanted = sorted(tiles)[:6]
    events = []
    with TileServer(tiles, script={t: [("slow", 0.3)] for t in wanted}) as server:
        report = F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "t", concurrency=1,
                               progress=events.append, **FAST)
    assert report.fetched == 6
    assert not [e.message for e in events if "waiting_s" in e.metrics]


def test_the_cli_sets_how_old_a_404_is_before_it_is_asked_again(tmp_path, tiles, capsys):
    """fetch-tiles --retry-missing-after HOURS (leftovers37): a 404 recorded 2 hours ago is not asked again
    by default (a day) nor with 3 hours, and is with 1; a negative or unreadable number is refused, and
    --retry-missing with it too (the two say the same thing two ways)."""
    from geolocator.cli import main
    from geolocator.core.sources.missing_tiles import stamp_line

    from .tile_packages import demo_mosaic

    _, area = demo_mosaic()
    bbox = f"--bbox={area.west},{area.south},{area.east},{area.north}"
    wanted = F.tiles_for_bbox(area, 19)
    out = tmp_path / "area"
    fetch = ["fetch-tiles", None, bbox, "--zoom", "19", "--out", str(out), "-q"]
    with _flaky(tiles, sorted(wanted)) as server:
        fetch[1] = server.url
        main(fetch)
        assert "1 missing on the server (404), 0 failed" in capsys.readouterr().out
        missing = out / F.MISSING_FILE
        keys = [line for line in missing.read_text().splitlines() if not line.startswith("#")]
        missing.write_text(stamp_line(time.time() - 2 * 3600) + "\n" + "\n".join(keys) + "\n")  # 2 hours old
        for given in ([], ["--retry-missing-after", "3"]):
            assert main(fetch + given) == 0
            assert "1 missing on the server (404), 0 failed" in capsys.readouterr().out  # not asked
        assert len(server.requests_for(*sorted(wanted)[0])) == 1
        assert main(fetch + ["--retry-missing-after", "1"]) == 0
        assert "0 missing on the server (404; 1 of the earlier 404s asked again), 0 failed" in capsys.readouterr().out
    for bad in (["--retry-missing-after", "-1"], ["--retry-missing-after", "1,5"], ["--retry-missing-after", "nan"],
                ["--retry-missing-after", "2", "--retry-missing"]):
        with pytest.raises(SystemExit):
            main(fetch + bad)
        assert "--retry-missing" in capsys.readouterr().err


def test_the_retry_missing_default_said_is_the_one_used():
    """--retry-missing-after's help says the default (24 hours) that fetch.MISSING_RETRY_S is."""
    from geolocator.cli import _missing_retry_s, build_parser

    args = build_parser().parse_args(["fetch-tiles", "http://x/{z}/{x}/{y}.png", "--bbox=0,0,1,1", "--out", "o"])
    assert _missing_retry_s(args, F) == F.MISSING_RETRY_S == 24 * 3600


def test_the_retry_missing_after_help_names_the_default_wait_the_fetch_uses():
    """cli.py writes the default into --retry-missing-after's help by hand (the parser does not import
    fetch, to stay light): it must be MISSING_RETRY_S in hours (review37)."""
    from geolocator import cli

    fetch_tiles = next(a for a in cli.build_parser()._subparsers._group_actions[0].choices.values()
                       if any("--retry-missing-after" in o.option_strings for o in a._actions))
    option = next(o for o in fetch_tiles._actions if "--retry-missing-after" in o.option_strings)
    assert option.default is None  # None: the fetch's own default applies
    assert f"(default {F.MISSING_RETRY_S / 3600:g}: a day;" in option.help
