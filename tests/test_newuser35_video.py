"""Session 35 (newuser35): `locate clip.mp4 --every 0.01` on a 10 fps clip made ten queries of each frame
(1,200 of 120: ten times the work, every answer repeated); samples finer than the video's frames are now
taken at its frame interval, with one warning naming the clip."""

from __future__ import annotations

import logging

from PIL import Image

from geolocator.core.media.video import sample_times, video_queries

from .flight_helpers import write_video


def _clip(tmp_path, n=12, fps=10):
    frames = [Image.new("RGB", (64, 48), (20 * i % 255, 90, 160)) for i in range(n)]
    return write_video(tmp_path / "DJI_0001.MP4", frames, fps=fps)


def test_samples_finer_than_the_frames_are_taken_at_the_frame_interval_and_said(tmp_path, caplog):
    clip = _clip(tmp_path)  # 12 frames at 10 fps: 1.2 s
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        queries = video_queries(clip, every_s=0.01)
    times = [q.time_s for q in queries]
    assert times == sample_times(1.2, 0.1) and len(times) == 12, times
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and said[0].startswith("DJI_0001.MP4: a frame every 0.01 s is finer than the video holds "
                                                 "(10 fps, a frame every 0.1 s): sampled every 0.1 s instead"), said


def test_samples_at_or_above_the_frame_interval_are_taken_as_asked_without_a_word(tmp_path, caplog):
    clip = _clip(tmp_path)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        at_frames = [q.time_s for q in video_queries(clip, every_s=0.1)]
        coarser = [q.time_s for q in video_queries(clip, every_s=0.5)]
    assert at_frames == sample_times(1.2, 0.1) and coarser == [0.0, 0.5, 1.0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
