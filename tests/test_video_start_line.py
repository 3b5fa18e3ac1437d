"""`geolocator locate` says, for each video it reads, the time its clock gave and where from (session 32,
framesync32): "DJI_0010.MP4 (0:06): 6 frames; recorded 2026-12-04 10:15 (container, camera clock)" or
"no recorded time", so that a camera clock set wrong (a year off, a zone off, never set) is seen before
the files are read, not in them. The clips are written with PyAV (tests/test_video_time.py's _clip)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from geolocator.core.media.video_time import start_words

from .test_sequence import prediction

av = pytest.importorskip("av")


def test_the_start_in_words_and_where_it_comes_from():
    def frame(t=2.0, start=None, when=None):
        return SimpleNamespace(time_s=t, video_start=start, telemetry=None if when is None else SimpleNamespace(when=when))

    naive = datetime(2026, 12, 4, 10, 15, 30)
    assert start_words([frame(start=naive)]) == "recorded 2026-12-04 10:15 (container, camera clock)"
    assert start_words([frame(start=naive)], ZoneInfo("Europe/Berlin")) == \
        "recorded 2026-12-04 10:15+01:00 (container, camera clock read as Europe/Berlin, the clocks' zone given)"
    phone = datetime(2026, 12, 4, 11, 30, tzinfo=timezone(timedelta(hours=1)))
    assert start_words([frame(start=phone)], ZoneInfo("Asia/Tokyo")) == \
        "recorded 2026-12-04 11:30+01:00 (container, UTC offset recorded)"
    # the telemetry's clock wins (as in the exports), moved back to the video's start by its frame's time
    assert start_words([frame(start=naive), frame(t=120.0, when=datetime(2026, 5, 27, 13, 16, 22))]) == \
        "recorded 2026-05-27 13:14 (telemetry, camera clock)"
    assert start_words([frame()]) == "no recorded time"
    assert start_words([]) == "no recorded time"


def test_locate_says_each_videos_recorded_time_and_where_from(monkeypatch, tmp_path, capsys):
    from geolocator import cli
    from geolocator.core.media.video import video_queries

    from .helpers import stand_in_locate
    from .test_video_time import _clip

    day = tmp_path / "day"
    day.mkdir()
    dji = _clip(day / "DJI_0010.MP4", {"creation_time": "2026-12-04T10:15:00.000000Z"})
    bare = _clip(day / "bare.mp4", {})
    preds = [prediction(q, [(40 + 8 * q.time_s, 60.0, 0.6, 30, True)])
             for clip in (dji, bare) for q in video_queries(clip, every_s=1.0)]
    stand_in_locate(monkeypatch, tmp_path, preds, [m.tile for m in preds[0].matches])
    assert cli.main(["locate", str(day), "--tiles", str(tmp_path), "--no-track", "--clock-zone", "Europe/Berlin"]) == 0
    err = capsys.readouterr().err
    assert ("DJI_0010.MP4 (0:06): 6 frames; recorded 2026-12-04 10:15+01:00 (container, camera clock read as "
            "Europe/Berlin, the clocks' zone given)") in err
    assert "bare.mp4 (0:06): 6 frames; no recorded time" in err

