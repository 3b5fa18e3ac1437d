"""The app's line on each video it reads says when the video's clock says it was recorded (session 32,
framesync32), as `geolocator locate` does (tests/test_video_start_line.py): a clock set wrong is seen at once."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from .test_gui_first_hour import dirs  # noqa: E402,F401 - the app's folders, each test its own


def test_the_apps_line_on_a_video_read_says_its_recorded_start(qtbot, dirs, tmp_path, monkeypatch):  # noqa: F811
    """The app's line on each video added (gui.video_frames.sampling_line) says it too, in the zone set
    for its folder (File → Clock Zone of the Photos…), as the exports read it."""
    from geolocator.gui.settings import AppSettings

    from .test_gui_first_hour import make_window, wait_idle
    from .test_video_time import _clip

    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(dirs / "frames"))
    day = tmp_path / "day"
    day.mkdir()
    clip = _clip(day / "DJI_0010.MP4", {"creation_time": "2026-12-04T10:15:00.000000Z"}, seconds=3)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, video_every_s=1.0, clock_zone="Europe/Berlin"))
    w.add_paths([clip])
    wait_idle(qtbot, w)
    assert ("DJI_0010.MP4 (0:03), recorded 2026-12-04 10:15+01:00 (container, camera clock read as Europe/Berlin, "
            "the clocks' zone given): 3 frames, one every 1 s (as chosen).") in w.message_bar.text
    w.close()
