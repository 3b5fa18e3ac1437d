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
