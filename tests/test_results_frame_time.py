"""The app's Results pane says when a video frame was taken, as it says a photo's capture time (session
32, framesync32): before, a frame of a clip with a container time or a telemetry clock showed no time at
all, though every export writes one. The wording is the photo's (metadata.clock_words): its offset when
recorded, else the camera clock read in the zone given (File → Clock Zone of the Photos…) or said to
have none; and where it comes from (the telemetry's clock, or the clip's recorded start + the frame's
time)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from geolocator.core.media.telemetry import FrameTelemetry  # noqa: E402
from geolocator.core.media.video_time import frame_time_words  # noqa: E402
from geolocator.core.model import PhotoMeta  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402


def _frame_line(qtbot, pred, clock_zone=None) -> str | None:
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(pred.query, pred, None, {}, clock_zone=clock_zone)
    lines = panel.details.text().replace("\u00a0", " ").split("\n")  # keep_figures_together's no-break spaces
    return next((x for x in lines if x.startswith("Frame ")), None)


def _frame(tmp_path, **kw):
    pred = two_tile_prediction(tmp_path, status="verified")
    return replace(pred, query=replace(pred.query, id="clip.mp4@12.000s", time_s=12.0, **kw))


def test_a_frame_shows_its_clips_start_plus_its_time_as_a_photos_time_is_worded(qtbot, tmp_path):
    pred = _frame(tmp_path, video_start=datetime(2026, 12, 4, 10, 15, 0))
    assert _frame_line(qtbot, pred) == \
        "Frame  2026-12-04 10:15:12 (camera clock, no zone recorded), the video's recorded start + 12.0 s"
    assert _frame_line(qtbot, pred, ZoneInfo("Europe/Berlin")) == (
        "Frame  2026-12-04 10:15:12+01:00 (camera clock read as Europe/Berlin, the clocks' zone given), "
        "the video's recorded start + 12.0 s")
    # the same words as a photo's capture time in the same pane
    photo = PhotoMeta(captured_at=datetime(2026, 12, 4, 10, 15, 12))
    from geolocator.core.media.metadata import meta_summary

    assert meta_summary(photo) in _frame_line(qtbot, pred)
    # a phone's clip records its offset: shown as it is, no zone said
    phone = _frame(tmp_path, video_start=datetime(2026, 12, 4, 11, 30, tzinfo=timezone(timedelta(hours=1))))
    assert _frame_line(qtbot, phone, ZoneInfo("Asia/Tokyo")) == \
        "Frame  2026-12-04 11:30:12+01:00, the video's recorded start + 12.0 s"


def test_a_frames_telemetry_clock_wins_and_a_clip_without_time_says_so(qtbot, tmp_path):
    record = FrameTelemetry(time_s=12.0, when=datetime(2026, 5, 27, 13, 14, 34))
    pred = _frame(tmp_path, telemetry=record, video_start=datetime(2026, 12, 4, 10, 15, 0))
    assert _frame_line(qtbot, pred) == "Frame  2026-05-27 13:14:34 (camera clock, no zone recorded), the telemetry's clock"
    assert _frame_line(qtbot, _frame(tmp_path)) == "Frame  12.0 s into the video, no recorded time"
    # a photo has no Frame line
    assert _frame_line(qtbot, two_tile_prediction(tmp_path, status="verified")) is None


def test_a_fraction_of_a_second_is_shown_in_milliseconds():
    pred_query = type("Q", (), {"time_s": 0.5, "telemetry": None, "video_start": datetime(2026, 12, 4, 10, 15)})()
    assert frame_time_words(pred_query).startswith("2026-12-04 10:15:00.500 (camera clock")
