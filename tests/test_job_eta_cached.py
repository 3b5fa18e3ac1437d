"""The whole-job ETA on work the caches answer (session 32, eta32_session32.md). A second run of the app
said "4:26 left" opening the demo (5.8 s), "1:55" locating 112 cached photos (5.1 s), "3:17" adapting
(34.6 s): the stage-cost table priced cached work as if it were done again. These feed synthetic event
sequences on a fake clock through core.progress.JobProgress with the app's table; nothing is timed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from geolocator.core.progress import JobProgress, ProgressEvent
from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT

PLAN = {"open": 1, "extract:tiles": 36, "map": 144, "extract:queries": 108, "verify": 108, "thumbnails": 108}


class Replay:
    """A JobProgress under the app's table whose clock is the events' own times."""

    def __init__(self, plan=PLAN) -> None:
        self.now = 0.0
        self.job = JobProgress(dict(plan), STAGE_SECONDS_PER_UNIT, clock=lambda: self.now)

    def run(self, stage: str, total: int, each_s: float, *, first: int = 1, upto: int | None = None):
        """Events step `first`..`upto` of `total`, `each_s` apart; returns the last ETA said."""
        eta = None
        for step in range(first, (total if upto is None else upto) + 1):
            self.now += each_s
            eta = self.job.update(ProgressEvent(stage, step, total)).eta_s
        return eta

    def bulk(self, stage: str, total: int, took_s: float):
        """A whole stage answered from the cache in one event, `took_s` after the previous one."""
        self.now += took_s
        return self.job.update(ProgressEvent(stage, total, total)).eta_s


def _warm_opening_until_verify_starts() -> tuple[Replay, float | None]:
    r = Replay()
    r.job.update(ProgressEvent("open", 0, 1))
    r.run("map", 36, 0.002)
    r.bulk("extract:tiles", 36, 0.04)
    r.bulk("extract:queries", 108, 0.02)
    return r, r.run("verify", 108, 0.02, upto=10)  # kept checks: 0.02 s a photo


def test_a_warm_opening_is_priced_near_what_it_really_costs():
    # the rest: 98 kept checks at 0.02 s (2 s), 108 thumbnails and the map (a fraction of a second)
    r, eta = _warm_opening_until_verify_starts()
    assert eta is not None and 1.0 < eta < 6.0, eta  # main: 29 s (the table's verify 1.0 s x the 0.25 floor)
    eta = r.run("verify", 108, 0.02, first=11)
    assert eta is not None and eta < 3.0, eta


def test_no_figure_from_the_table_alone_in_the_first_second():
    r = Replay()
    r.job.update(ProgressEvent("open", 0, 1))
    eta = r.run("map", 36, 0.002)  # the tile mosaic drawn: nothing yet says what the caches hold
    assert eta is None  # main: 290 s for a job of 3 s
    eta = r.bulk("extract:tiles", 36, 0.04)
    r.now = 1.2
    assert r.job.eta() is not None  # after the first second a figure is said whatever it rests on


def test_cold_work_early_in_a_stage_keeps_the_table_and_the_floor():
    # 8 photos' features in 1 s (0.12 s each against the table's 1.13) is cold work, not cache hits:
    # the stage is not priced at its own pace before 2 s, nor are the photos' checks at its pace
    r = Replay()
    r.run("extract:tiles", 36, 0.4)  # cold tiles, 14 s
    at_8 = r.run("extract:queries", 108, 0.12, upto=8)
    left = (108 - 8) * STAGE_SECONDS_PER_UNIT["extract:queries"] + 108 * STAGE_SECONDS_PER_UNIT["verify"] \
        + 108 * STAGE_SECONDS_PER_UNIT["thumbnails"] + 144 * STAGE_SECONDS_PER_UNIT["map"]
    own_pace_would_say = (108 - 8) * 0.12 + 108 * STAGE_SECONDS_PER_UNIT["verify"] * 0.25
    assert at_8 == pytest.approx(left * 0.25 + 1 * STAGE_SECONDS_PER_UNIT["open"] * 0.25, rel=0.01)
    assert at_8 > own_pace_would_say * 1.5
    r.run("extract:queries", 108, 0.12, first=9)  # all 108 photos at 0.12 s: 0.1 of the table
    eta = r.job.update(ProgressEvent("verify", 0, 108)).eta_s
    assert eta == pytest.approx((108 * STAGE_SECONDS_PER_UNIT["verify"] + 108 * STAGE_SECONDS_PER_UNIT["thumbnails"]
                                 + 144 * STAGE_SECONDS_PER_UNIT["map"] + STAGE_SECONDS_PER_UNIT["open"]) * 0.25,
                                rel=0.01)


def test_checks_not_kept_take_their_own_pace_after_two_seconds():
    # photo features cached, checks not (the matcher changed): the family's pace says ~2 s at first,
    # then the stage's own pace (0.8 s a photo) takes over once it has run 2 s
    r, _ = Replay(), None
    r.bulk("extract:tiles", 36, 0.04)
    r.bulk("extract:queries", 108, 0.02)
    early = r.run("verify", 108, 0.8, upto=2)
    assert early is not None and early < 10.0  # priced from the family's cached pace
    later = r.run("verify", 108, 0.8, first=3, upto=4)
    assert later == pytest.approx(104 * 0.8 + 108 * STAGE_SECONDS_PER_UNIT["thumbnails"] * 0.25
                                  + 144 * STAGE_SECONDS_PER_UNIT["map"] * 0.25
                                  + STAGE_SECONDS_PER_UNIT["open"] * 0.25, rel=0.05)


def test_a_locate_plans_no_tiles_already_indexed():
    from geolocator.gui.main_window import MainWindow

    ws = SimpleNamespace(settings=SimpleNamespace(verify=True), tiles_indexed=True)
    window = SimpleNamespace(session=SimpleNamespace(ws=ws), tileset_len=36)
    plan = MainWindow._job_plan(window, 112)
    # main planned 36 tiles x 9.2 s that no event ever counted done: "1:55 left" for 5 s of work
    assert "extract:tiles" not in plan and plan["map"] == 36 + 112 and plan["verify"] == 112
    ws.tiles_indexed = False
    assert MainWindow._job_plan(window, 112)["extract:tiles"] == 36
    assert MainWindow._job_plan(window, 5, tiles=100)["extract:tiles"] == 100  # an opening's planned tiles


def test_the_workspace_says_when_its_tiles_are_indexed(tmp_path):
    from geolocator.core.pipeline import Settings, Workspace

    ws = Workspace(Settings(cache_dir=tmp_path / "c"))
    assert ws.tiles_indexed is False
    ws._tile_features = object()  # what `index` keeps
    assert ws.tiles_indexed is True


def test_a_locate_plans_only_the_thumbnails_still_to_make():
    from geolocator.core.pipeline import Settings
    from geolocator.core.model import Query
    from geolocator.gui.jobs import Session
    from geolocator.gui.main_window import MainWindow

    session = Session.__new__(Session)  # only its set of thumbnails made is read
    session._query_thumbs_done = {"a.jpg", "b.jpg"}
    queries = [Query(id=name, path=Path(name)) for name in ("a.jpg", "b.jpg", "c.jpg")]
    assert session.thumbnails_to_make(queries) == 1
    ws = SimpleNamespace(settings=Settings(verify=True), tiles_indexed=True)
    window = SimpleNamespace(session=SimpleNamespace(ws=ws), tileset_len=36)
    # main planned a thumbnail a photo; those made send no event: 112 x 0.06 s stayed "left" to the end
    assert MainWindow._job_plan(window, 112, thumbnails=0).get("thumbnails") is None
    assert MainWindow._job_plan(window, 112, thumbnails=4)["thumbnails"] == 4
    assert MainWindow._job_plan(window, 112)["thumbnails"] == 112
