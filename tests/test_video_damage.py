"""A video that cannot be opened says why in words (session 20).

Found by a user: an MP4 cut in half (an interrupted copy from the drone's card) and an empty .mp4
were both skipped with `cannot read video ([Errno 1094995529] Invalid data found when processing
input: '<the path again>')`: FFmpeg's errno number, nothing about what to do.
"""

from __future__ import annotations

import numpy as np
import pytest

from geolocator.core.errors import InputError
from geolocator.core.media.video import _open_container

av = pytest.importorskip("av")


def _mp4(path, frames=6):
    c = av.open(str(path), "w")
    s = c.add_stream("mpeg4", rate=2)
    s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
    rng = np.random.default_rng(0)
    for _ in range(frames):
        img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
        for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
            c.mux(p)
    for p in s.encode():
        c.mux(p)
    c.close()
    return path


def test_an_mp4_cut_short_says_so_and_what_to_do(tmp_path):
    whole = _mp4(tmp_path / "whole.mp4")
    _open_container(whole).close()  # the whole file opens
    half = tmp_path / "half.mp4"
    data = whole.read_bytes()
    half.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError) as e:
        _open_container(half)
    msg = str(e.value)
    assert msg.startswith(f"{half}: the video is cut short (it ends inside its 'mdat' block")
    assert "copy it again" in msg and "Errno" not in msg


def test_an_empty_or_non_video_file_is_named_without_ffmpegs_errno(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mov"
    text.write_text("not a video\n")
    with pytest.raises(InputError, match=r"empty\.mp4: an empty file \(0 bytes\)$"):
        _open_container(empty)
    with pytest.raises(InputError) as e:
        _open_container(text)
    assert "Errno" not in str(e.value) and "not a video, or a damaged one" in str(e.value)


def _cue(i: int, text: str) -> str:
    return f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i + 1:02d},000\n{text}\n"


def test_a_sidecar_without_any_readable_position_is_said(tmp_path, caplog):
    """Session 20: an .SRT whose cues read `[latitude: 36.14] [longitude: garbage]` was taken in
    silence: every frame simply had no truth and the user was not told why nothing was scored."""
    from geolocator.core.media.video import video_queries

    video = _mp4(tmp_path / "flight.mp4")
    (tmp_path / "flight.SRT").write_text("\n".join(
        _cue(i, f"FrameCnt: {i}, [latitude: 36.14{i}] [longitude: garbage] [rel_alt: 40.0 abs_alt: 700.0]")
        for i in range(3)) + "\n\x00\x01 junk ÿÿ\n-->-->\n")
    with caplog.at_level("WARNING", logger="geolocator"):
        frames = video_queries(video, every_s=1.0)
    assert frames and all(q.truth is None for q in frames)
    said = [r.getMessage() for r in caplog.records]
    assert said == [f"{tmp_path / 'flight.SRT'}: none of its 3 cues holds a readable position (latitude and "
                    "longitude): the frames of flight.mp4 have no truth to be scored against"]
    caplog.clear()
    (tmp_path / "flight.SRT").write_text(_cue(0, "[latitude: 36.14] [longitude: -115.23] [rel_alt: 40.0]"))
    with caplog.at_level("WARNING", logger="geolocator"):
        frames = video_queries(video, every_s=1.0)
    assert frames[0].truth is not None and not caplog.records  # one cue with a position: nothing to say


@pytest.mark.parametrize("first, n, said", [
    (0, 9, "its cues run to 8.0 s but the video is 3.0 s long"),  # the clip's first 5 s cut, the .SRT kept
    (2, 2, "its first cue is at 2.0 s, not at the video's start"),  # cues of a later stretch, within the clip's length
])
def test_an_srt_from_before_the_clip_was_trimmed_is_said_not_paired(tmp_path, caplog, first, n, said):
    """Session 36's open point: a 3 s clip trimmed from a longer flight, its .SRT left as it was: each frame was
    paired with the cue of its time, the position of another moment, and scored against it as truth."""
    from geolocator.core.media.video import video_queries

    video = _mp4(tmp_path / "flight.mp4")  # 6 frames at 2 fps: 3 s
    (tmp_path / "flight.SRT").write_text("\n".join(
        _cue(i, f"[latitude: 36.{i:02d}] [longitude: -115.{i:02d}] [rel_alt: 40.0]") for i in range(first, first + n)))
    with caplog.at_level("WARNING", logger="geolocator"):
        frames = video_queries(video, every_s=1.0)
    assert [q.time_s for q in frames] == [0.0, 1.0, 2.0]
    assert all(q.truth is None and q.telemetry is None for q in frames)
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'flight.SRT'}: {said} (an .SRT from before the clip was trimmed, or another clip's): not paired "
        "with the frames of flight.mp4 (they have no telemetry or truth)" if first == 0 else
        f"{tmp_path / 'flight.SRT'}: {said} (an .SRT cut or from another clip): not paired with the frames of "
        "flight.mp4 (they have no telemetry or truth)"]


def test_an_srt_that_ends_with_its_clip_is_paired(tmp_path, caplog):
    """One cue a second, the last at 2 s of a 3 s clip (or one a second past it: slack of 1 s): paired, nothing said."""
    from geolocator.core.media.video import video_queries

    video = _mp4(tmp_path / "flight.mp4")
    (tmp_path / "flight.SRT").write_text("\n".join(
        _cue(i, f"[latitude: 36.{i:02d}] [longitude: -115.{i:02d}] [rel_alt: 40.0]") for i in range(4)))
    with caplog.at_level("WARNING", logger="geolocator"):
        frames = video_queries(video, every_s=1.0)
    assert [q.truth.lat for q in frames] == [36.0, 36.01, 36.02] and not caplog.records
