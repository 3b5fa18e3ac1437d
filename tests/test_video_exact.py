"""Exact answers for core/media/video.py, written for the survivors of session 8's mutation run
(training/results/mutation_media.md): the header arithmetic on a stand-in PyAV container, sample
times and frame ids, the frame cache's file names and writes, and which decoded frame answers which
time in a tiny video written with PyAV (frame i of the 10 fps test video is a flat grey 20 + 6 i, so
its time can be read back from its pixels). No fixtures beyond tmp_path / monkeypatch."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from geolocator.core.cache import file_key
from geolocator.core.errors import InputError
from geolocator.core.media import video as V
from geolocator.core.model import LatLon

from .flight_helpers import write_dji_srt, write_video
from .helpers import input_problem


_problem = input_problem


# -- headers through a stand-in container ----------------------------------------------------------
class _FFmpegError(Exception):
    pass


class _Container:
    def __init__(self, streams, duration=None):
        self.streams = SimpleNamespace(video=streams)
        self.duration = duration
        self.metadata = {}  # no tags: no recording time
        self.closed = False

    def close(self):
        self.closed = True

    def decode(self, stream):  # probe_video decodes one frame for its display matrix: one without a turn
        return iter([SimpleNamespace(rotation=0)])


def _stream(duration=None, time_base=None, rate=None, frames=0, size=(64, 48)):
    return SimpleNamespace(duration=duration, time_base=time_base, average_rate=rate, frames=frames, metadata={},
                           codec_context=SimpleNamespace(width=size[0], height=size[1]))


def _fake_av(monkeypatch, container=None, raises=None):
    def open_(path):
        if raises is not None:
            raise raises
        return container
    monkeypatch.setattr(V, "_av", lambda: SimpleNamespace(open=open_, error=SimpleNamespace(FFmpegError=_FFmpegError)))


def test_probe_video_durations_from_each_header(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    cases = [
        (_stream(3000, Fraction(1, 1000), Fraction(10)), None, V.VideoInfo(3.0, 64, 48, 10.0)),
        (_stream(None, Fraction(1, 1000), Fraction(25)), 2_500_000, V.VideoInfo(2.5, 64, 48, 25.0)),
        (_stream(3000, None, None), 1_500_000, V.VideoInfo(1.5, 64, 48, None)),
        (_stream(None, None, Fraction(10), frames=25), None, V.VideoInfo(2.5, 64, 48, 10.0)),
        (_stream(0, Fraction(1, 1000), Fraction(10), frames=25), None, V.VideoInfo(2.5, 64, 48, 10.0)),
        (_stream(-5, Fraction(1, 1000), Fraction(10), frames=25), None, V.VideoInfo(2.5, 64, 48, 10.0)),
        (_stream(None, None, Fraction(10), frames=25), float("nan"), V.VideoInfo(2.5, 64, 48, 10.0)),
    ]
    for stream, container_duration, want in cases:
        c = _Container([stream], container_duration)
        _fake_av(monkeypatch, c)
        got = V.probe_video(f)
        assert got == want and c.closed
        assert type(got.width) is int and type(got.duration_s) is float
    for stream in (_stream(None, None, Fraction(10), frames=0), _stream(None, None, None, frames=25)):
        c = _Container([stream])
        _fake_av(monkeypatch, c)
        assert _problem(V.probe_video, f) == "video has no duration in its headers" and c.closed
    for size in ((0, 48), (64, 0)):
        c = _Container([_stream(1000, Fraction(1, 1000), Fraction(10), size=size)])
        _fake_av(monkeypatch, c)
        assert _problem(V.probe_video, f) == "video has no frame size" and c.closed


def test_open_container_errors(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    c = _Container([])
    _fake_av(monkeypatch, c)
    assert _problem(V.probe_video, f) == "no video stream in this file" and c.closed
    for exc in (_FFmpegError("bad data"), OSError("bad data"), ValueError("bad data")):
        _fake_av(monkeypatch, raises=exc)
        assert _problem(V.probe_video, f) == "cannot read video (bad data: not a video, or a damaged one)"
    assert _problem(V.probe_video, tmp_path / "none.mp4") == "file not found"
    assert _problem(V.probe_video, tmp_path) == "file not found"


# -- times and ids ---------------------------------------------------------------------------------
def test_sample_times_exact():
    assert V.sample_times(3.0000001, 1.0) == [0.0, 1.0, 2.0, 3.0]
    assert V.sample_times(2.9999999, 1.0) == [0.0, 1.0, 2.0]
    assert V.sample_times(0.0, 1.0) == [0.0]
    assert V.sample_times(1.0, 0.1) == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert V.sample_times(1.0, 1 / 3) == [0.0, 0.333, 0.667]
    assert V.sample_times(2.0) == [0.0, 1.0]  # every 1 s by default
    for bad in (-1.0, 0.0, float("inf"), float("nan")):
        with pytest.raises(ValueError) as e:
            V.sample_times(3.0, bad)
        assert str(e.value) == f"--every must be a positive number of seconds, not {bad}"


def test_frame_ids_exact():
    assert V.frame_id("v", 10.0) == "v#t=10"
    assert V.frame_id("v", 100.0) == "v#t=100"
    assert V.frame_id("v", 0.0) == "v#t=0"
    assert V.frame_id("v", 12.3456) == "v#t=12.346"
    assert V.frame_id("v", 0.05) == "v#t=0.05"


def test_video_queries_ids_plans_and_sidecar_tolerance(tmp_path, monkeypatch):
    f = tmp_path / "flight.mp4"
    f.write_bytes(b"x")
    monkeypatch.setattr(V, "probe_video", lambda p: V.VideoInfo(2.5, 64, 48, 10.0))
    qs = V.video_queries(f, every_s=1.0)
    assert [(q.id, q.time_s, q.truth, q.truth_source, q.telemetry) for q in qs] == [
        ("flight.mp4#t=0", 0.0, None, None, None), ("flight.mp4#t=1", 1.0, None, None, None),
        ("flight.mp4#t=2", 2.0, None, None, None)]
    assert all(q.path == f for q in qs)
    assert V._PLANS[str(f)] == (0.0, 1.0, 2.0)
    assert [q.id for q in V.video_queries(f, video_id="a/b.mp4", every_s=2.0)] == ["a/b.mp4#t=0", "a/b.mp4#t=2"]
    # records at 0, 0.1, 0.2, 0.3 s: t=1 is 0.7 s from the last (within max(0.5, 1.0)); t=2 is 1.7 s away
    pos = [LatLon(52.0 + i * 0.001, 4.0) for i in range(4)]
    write_dji_srt(tmp_path / "flight.SRT", pos, 10)
    qs = V.video_queries(f, every_s=1.0)
    assert [q.truth for q in qs] == [pos[0], pos[3], None]
    assert [q.truth_source for q in qs] == ["srt", "srt", None]
    assert qs[1].telemetry is not None and qs[2].telemetry is None
    assert [q.truth for q in V.video_queries(f, every_s=1.0, telemetry=False)] == [None, None, None]
    # every 0.2 s: the tolerance is 0.5 s, so t=0.8 (0.5 s from 0.3) keeps a record and t=1.0 (0.7 s) has none
    qs = V.video_queries(f, every_s=0.2)
    assert [q.truth is not None for q in qs] == [True] * 5 + [False] * 8


def test_a_broken_sidecar_is_logged_and_ignored(tmp_path, monkeypatch):
    f = tmp_path / "flight.mp4"
    f.write_bytes(b"x")
    (tmp_path / "flight.srt").write_text("this is no srt\n\n1\nnonsense")
    monkeypatch.setattr(V, "probe_video", lambda p: V.VideoInfo(1.5, 64, 48, 10.0))
    seen = []
    monkeypatch.setattr(V.log, "warning", lambda *a: seen.append(a))
    qs = V.video_queries(f)
    assert [q.truth for q in qs] == [None, None]
    assert len(seen) == 1 and "flight.srt" in str(seen[0][1])


# -- shrinking -------------------------------------------------------------------------------------
def test_shrink_and_to_image_sizes():
    im = Image.new("RGB", (100, 50))
    assert V._shrink(im, 40).size == (40, 20)
    assert V._shrink(im, 100) is im and V._shrink(im, 200) is im
    assert V._shrink(Image.new("RGB", (1000, 3)), 10).size == (10, 1)  # 0.03 px -> 1
    calls = []

    class Frame:
        width, height = 1000, 3

        def to_image(self, **kw):
            calls.append(kw)
            return kw

    assert V._to_image(Frame(), 10) == {"width": 10, "height": 1, "interpolation": "AREA"}
    Frame.width, Frame.height = 50, 100
    assert V._to_image(Frame(), 40) == {"width": 20, "height": 40, "interpolation": "AREA"}
    assert V._to_image(Frame(), 100) == {} and V._to_image(Frame(), 101) == {}


# -- decoding a real tiny video --------------------------------------------------------------------
def _grey_video(path, seconds=3, fps=10, size=(64, 48)):
    return write_video(path, [Image.new("RGB", size, (20 + 6 * i,) * 3) for i in range(seconds * fps)], fps)


def _grey(im) -> int:
    return int(round(float(np.asarray(im).mean())))


def test_which_frame_answers_which_time(tmp_path):
    v = _grey_video(tmp_path / "g.mp4")
    got = [(t, _grey(im)) for t, im in V.iter_frames(v, [0.2, 0.0, 0.05, 0.2, 0.25, 2.9, 3.8])]
    # 0 -> frame 0 (20); 0.05 -> frame 1 at 0.1 (26); 0.2 -> frame 2 (32); 0.25 -> frame 3 (38);
    # 2.9 -> frame 29 (194); 3.8, past the end by less than TAIL_S -> the last frame again
    want = [(0.0, 20), (0.05, 26), (0.2, 32), (0.25, 38), (2.9, 194), (3.8, 194)]
    assert [t for t, _ in got] == [t for t, _ in want]
    assert all(abs(g - w) <= 2 for (_, g), (_, w) in zip(got, want)), got
    assert list(V.iter_frames(tmp_path / "none.mp4", [])) == []  # nothing asked: nothing opened
    assert _grey(V.read_frame(v, 1.0)) in range(78, 83)  # frame 10: 80
    assert V.read_frame(v, 0.0).size == (64, 48) and V.read_frame(v, 0.0, max_side=32).size == (32, 24)


def test_a_far_time_is_reached_by_seeking(tmp_path):
    v = _grey_video(tmp_path / "long.mp4", seconds=7, fps=5)  # frame i at i / 5 s: grey 20 + 6 i
    got = [(t, _grey(im)) for t, im in V.iter_frames(v, [0.0, 5.0, 6.0, 6.8])]
    want = [(0.0, 20), (5.0, 170), (6.0, 200), (6.8, 224)]
    assert [t for t, _ in got] == [0.0, 5.0, 6.0, 6.8]
    assert all(abs(g - w) <= 2 for (_, g), (_, w) in zip(got, want)), got
    assert abs(_grey(V.read_frame(v, 5.0)) - 170) <= 2


# -- the frame cache -------------------------------------------------------------------------------
def test_frame_cache_root_and_file_names(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    assert V.frame_cache_root() == tmp_path / "fc"
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert V.frame_cache_root() == tmp_path / "xdg" / "geolocator" / "frames"
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    f = tmp_path / "v.mp4"
    f.write_bytes(b"abc")
    key = hashlib.sha256(f"{file_key(f)}|1.500|1024".encode()).hexdigest()
    assert V._frame_file(f, 1.5) == tmp_path / "fc" / key[:2] / f"{key[2:]}.jpg"


def test_store_and_load_cached(tmp_path):
    target = tmp_path / "a" / "b" / "x.jpg"
    V._store(target, Image.new("RGB", (8, 6), (100, 150, 200)))
    assert os.listdir(target.parent) == ["x.jpg"]
    with Image.open(target) as im:
        assert im.format == "JPEG" and im.size == (8, 6)
    got = V._load_cached(target)
    assert got.mode == "RGB" and np.abs(np.asarray(got, int) - [100, 150, 200]).max() <= 2
    Image.new("L", (4, 4), 9).save(tmp_path / "grey.jpg")
    assert V._load_cached(tmp_path / "grey.jpg").mode == "RGB"
    assert V._load_cached(tmp_path / "none.jpg") is None
    (tmp_path / "bad.jpg").write_bytes(b"not a jpeg")
    assert V._load_cached(tmp_path / "bad.jpg") is None

    class Broken:
        def save(self, f, *a, **kw):
            f.write(b"half")
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        V._store(tmp_path / "c" / "y.jpg", Broken())
    assert os.listdir(tmp_path / "c") == []  # the half-written temporary file is removed


def test_store_quality_is_92(tmp_path, monkeypatch):
    seen = []

    class Rec:
        def save(self, f, fmt, **kw):
            seen.append((fmt, kw))
            f.write(b"x")

    V._store(tmp_path / "q.jpg", Rec())
    assert seen == [("JPEG", {"quality": 92})]


def test_locks_are_per_video_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    a = V._lock(Path("v.mp4"))
    assert V._lock(tmp_path / "v.mp4") is a
    assert V._lock(tmp_path / "w.mp4") is not a
    assert isinstance(a, type(threading.Lock()))


def test_open_frame_reads_ahead_the_planned_times_and_caches(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    v = _grey_video(tmp_path / "g.mp4")
    V._PLANS[os.path.abspath(v)] = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5)
    monkeypatch.setattr(V, "READ_AHEAD_S", 1.0)
    assert abs(_grey(V.open_frame(v, 0.5)) - 50) <= 2
    # 0.5 and the planned 1.0 and 1.5 (within 1 s ahead, after it) are decoded in one pass
    cached = sorted(t for t in (0.0, 0.5, 1.0, 1.5, 2.0, 2.5) if V._frame_file(v, t).is_file())
    assert cached == [0.5, 1.0, 1.5]
    assert V.cache_frames(v, [1.0, 2.0, 2.5]) == 2
    # a cached frame is what is served: overwrite it and read it back
    V._store(V._frame_file(v, 2.0), Image.new("RGB", (64, 48), (250, 0, 0)))
    assert np.asarray(V.open_frame(v, 2.0))[..., 0].mean() > 240
    # a time not in the plan: decoded alone and cached
    assert abs(_grey(V.open_frame(v, 0.3)) - 38) <= 2 and V._frame_file(v, 0.3).is_file()


def test_open_frame_with_an_unwritable_cache_still_answers(tmp_path, monkeypatch):
    (tmp_path / "fc").write_text("a file where the cache folder should be")
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    v = _grey_video(tmp_path / "g.mp4", seconds=1)
    V._PLANS[os.path.abspath(v)] = (0.0, 0.5)
    seen = []
    monkeypatch.setattr(V.log, "warning", lambda *a: seen.append(a))
    assert abs(_grey(V.open_frame(v, 0.0)) - 20) <= 2  # read-ahead fails, the lone decode answers
    assert len(seen) == 2  # once for the read-ahead, once for the store
    V._PLANS.pop(os.path.abspath(v))
    assert abs(_grey(V.open_frame(v, 0.5)) - 50) <= 2
    assert len(seen) == 3


def test_a_time_past_the_last_frame_gets_the_final_frame(tmp_path):
    """Bug found in session 8: a time past the video's last frame (a container whose duration
    outlasts the video stream) got the last frame that had answered a time, up to SEEK_AHEAD_S
    earlier, instead of the final frame."""
    v = _grey_video(tmp_path / "long.mp4", seconds=7, fps=5)  # last frame 34 at 6.8 s: grey 224
    got = [(t, _grey(im)) for t, im in V.iter_frames(v, [3.0, 7.0, 7.5])]
    assert [t for t, _ in got] == [3.0, 7.0, 7.5]
    assert abs(got[0][1] - 110) <= 2 and abs(got[1][1] - 224) <= 2 and abs(got[2][1] - 224) <= 2, got


# -- iter_frames on a stand-in container: seeks, start offsets, errors ------------------------------
class _Frame:
    def __init__(self, time, value):
        self.time, self.value, self.width, self.height = time, value, 4, 2

    def to_image(self, **kw):
        return Image.new("RGB", (4, 2), (self.value, 0, 0))


class _VideoContainer:
    """Frames every 0.1 s from `start` s (pts in ms), a key frame every `gop` frames; seek() goes to
    the key frame at or before the offset (PyAV's backward=True, any_frame=False)."""

    def __init__(self, n, start_ms=500, gop=20, time_base=Fraction(1, 1000), fail_at=None, none_time=False):
        self.stream = SimpleNamespace(time_base=time_base, start_time=start_ms if time_base else None, thread_type=None)
        self.streams = SimpleNamespace(video=[self.stream])
        self.pts = [start_ms + 100 * i for i in range(n)]
        self.gop, self.fail_at, self.none_time = gop, fail_at, none_time
        self.seeks, self.at, self.closed = [], 0, False

    def seek(self, offset, stream=None, backward=None, any_frame=None):
        assert stream is self.stream
        self.seeks.append((offset, backward, any_frame))
        keys = [i for i in range(0, len(self.pts), self.gop) if self.pts[i] <= offset] if backward else []
        self.at = keys[-1] if keys else 0

    def decode(self, stream):
        assert stream is self.stream
        i = self.at
        while i < len(self.pts):
            if self.fail_at is not None and i == self.fail_at:
                raise _FFmpegError("boom")
            self.at = i + 1
            yield _Frame(None if self.none_time else self.pts[i] / 1000, i)
            i += 1

    def close(self):
        self.closed = True


def _reds(pairs):
    return [(t, int(np.asarray(im)[0, 0, 0])) for t, im in pairs]


def test_iter_frames_seeks_and_offsets_exact(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    c = _VideoContainer(60)  # frames 0..59 at 0.0..5.9 s after a 0.5 s start
    _fake_av(monkeypatch, c)
    got = _reds(V.iter_frames(f, [5.0, 0.25, 0.0, 5.0, 4.5, 6.0, 6.8]))
    # 0 -> frame 0; 0.25 -> frame 3 (decoding on); 4.5 is 4.2 s on from 0.3: a seek to 5.0 s of the
    # container (key frame 40 at pts 4500), then frame 45; 5.0 -> frame 50 (0.5 s on: decoding on);
    # 6.0 and 6.8: past the end by less than TAIL_S, the final frame 59 (a time TAIL_S past it has none:
    # test_video_real_files.py)
    assert got == [(0.0, 0), (0.25, 3), (4.5, 45), (5.0, 50), (6.0, 59), (6.8, 59)]
    assert c.seeks == [(500, True, False), (5000, True, False)] and c.closed
    c = _VideoContainer(60)
    _fake_av(monkeypatch, c)
    assert _reds(V.iter_frames(f, [0.0, 4.0])) == [(0.0, 0), (4.0, 40)]
    assert c.seeks == [(500, True, False)]  # exactly 4.0 s on: decoded forward, not sought
    c = _VideoContainer(60, time_base=None)  # no time base: no seeking, times from 0
    _fake_av(monkeypatch, c)
    assert _reds(V.iter_frames(f, [0.0, 1.0])) == [(0.0, 0), (1.0, 5)]  # frame times 0.5 + 0.1 i, no start
    assert c.seeks == []


def test_iter_frames_errors_name_the_file(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    c = _VideoContainer(0)
    _fake_av(monkeypatch, c)
    assert _problem(lambda p: list(V.iter_frames(p, [1.5])), f) == "no frame at t=1.50 s"
    assert c.closed
    _fake_av(monkeypatch, _VideoContainer(60, fail_at=3))
    assert _problem(lambda p: list(V.iter_frames(p, [0.25])), f) == "corrupt video data near t=0.25 s (boom)"
    # frames without a time count as 0.0: frame 0 answers 0.0; none reaches 0.5, so the final frame stands
    _fake_av(monkeypatch, _VideoContainer(10, time_base=None, none_time=True))
    assert _reds(V.iter_frames(f, [0.0, 0.5])) == [(0.0, 0), (0.5, 9)]


def test_missing_pyav_is_named(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "av", None)
    with pytest.raises(InputError) as e:
        V._av()
    assert e.value.path is None and e.value.problem.startswith("video needs PyAV (pip install av): ")


def test_shrink_keeps_a_pixel_and_uses_bilinear_with_a_reducing_gap_of_2():
    assert V._shrink(Image.new("RGB", (3, 1000)), 10).size == (1, 10)

    class Frame:
        width, height = 3, 1000

        def to_image(self, **kw):
            return kw
    assert V._to_image(Frame(), 10) == {"width": 1, "height": 10, "interpolation": "AREA"}
    noise = Image.fromarray(np.random.default_rng(1).integers(0, 256, (800, 1600, 3), dtype=np.uint8))
    want = noise.resize((100, 50), Image.Resampling.BILINEAR, reducing_gap=2.0)
    for other in (noise.resize((100, 50), Image.Resampling.BICUBIC, reducing_gap=2.0),
                  noise.resize((100, 50), Image.Resampling.BILINEAR),
                  noise.resize((100, 50), Image.Resampling.BILINEAR, reducing_gap=3.0)):
        assert not np.array_equal(np.asarray(other), np.asarray(want))  # the test can tell them apart
    assert np.array_equal(np.asarray(V._shrink(noise, 100)), np.asarray(want))


def test_store_writes_a_hidden_temporary_beside_the_target(tmp_path, monkeypatch):
    import tempfile

    seen = []
    real = tempfile.mkstemp

    def spy(**kw):
        seen.append(kw)
        return real(**kw)
    monkeypatch.setattr(V.tempfile, "mkstemp", spy)
    V._store(tmp_path / "a" / "x.jpg", Image.new("RGB", (2, 2)))
    assert seen == [{"dir": tmp_path / "a", "prefix": ".tmp-", "suffix": ".jpg"}]


def test_open_frame_without_a_plan_serves_the_cached_copy_and_logs_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    rng = np.random.default_rng(2)
    v = write_video(tmp_path / "n.mp4", [Image.fromarray(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
                                         for _ in range(5)], 5)
    V._PLANS.pop(os.path.abspath(v), None)
    calls = []
    real = V.iter_frames
    monkeypatch.setattr(V, "iter_frames", lambda *a, **kw: (calls.append(a[1]), real(*a, **kw))[1])
    got = np.asarray(V.open_frame(v, 0.0))
    cached = np.asarray(Image.open(V._frame_file(v, 0.0)).convert("RGB"))
    fresh = np.asarray(real(v, [0.0]).__next__()[1])
    assert np.array_equal(got, cached) and not np.array_equal(got, fresh)  # the JPEG copy, as every step sees it
    assert calls == [[0.0]]
    assert np.array_equal(np.asarray(V.open_frame(v, 0.0)), cached) and calls == [[0.0]]  # no second decode
    # read-ahead: decoded once, then read from the cache
    V._PLANS[os.path.abspath(v)] = (0.0, 0.2, 0.4, 0.6)
    V.open_frame(v, 0.2)
    assert calls[1:] == [[0.2, 0.4, 0.6]]
    # an unwritable cache: the sentence names the folder and the error
    (tmp_path / "fc2").write_text("not a folder")
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc2"))
    seen = []
    monkeypatch.setattr(V.log, "warning", lambda *a: seen.append(a))
    V.open_frame(v, 0.4)  # the read-ahead of 0.6 fails, then the store of 0.4
    parent = V._frame_file(v, 0.4).parent
    assert [a[:2] for a in seen] == [("frame cache %s: %s", parent), ("frame cache %s: %s", parent)]
    assert all(isinstance(a[2], OSError) for a in seen) and len(seen[0]) == 3


# -- session 9: the last ten survivors of session 8's run (training/results/mutation_media.md) -------
def test_a_duration_a_hair_over_a_multiple_counts_as_that_multiple():
    # 3.0000000005 / 1.0 is within the 1e-9 guard above 3: the video is taken as 3 s long, so the
    # times strictly before its end are 0, 1, 2 (a frame "at 3.0 s" would be its end, not a frame)
    assert V.sample_times(3.0000000005, 1.0) == [0.0, 1.0, 2.0]
    assert V.sample_times(6.000000001, 2.0) == [0.0, 2.0, 4.0]  # 3.0000000005 steps of 2 s
    assert V.sample_times(1.0000000005, 1.0) == [0.0]  # one step: only the first frame


def test_video_queries_probe_the_absolute_path_and_plan_with_the_given_step(tmp_path, monkeypatch):
    f = tmp_path / "flight.mp4"
    f.write_bytes(b"x")
    probed = []
    monkeypatch.setattr(V, "probe_video", lambda p: probed.append(p) or V.VideoInfo(2.5, 64, 48, 10.0))
    monkeypatch.chdir(tmp_path)
    qs = V.video_queries(Path("flight.mp4"), every_s=0.5)
    assert probed == [f]  # made absolute before anything is read
    # every 0.5 s over 2.5 s: 0, 0.5, 1, 1.5, 2 (2.5 is the end); the read-ahead plan holds the same
    assert [q.time_s for q in qs] == [0.0, 0.5, 1.0, 1.5, 2.0]
    assert V._PLANS[str(f)] == (0.0, 0.5, 1.0, 1.5, 2.0)


def test_a_broken_sidecar_is_logged_as_its_error_sentence(tmp_path, monkeypatch):
    from geolocator.core.media.telemetry import read_srt

    from .helpers import GeolocatorLogs

    f = tmp_path / "flight.mp4"
    f.write_bytes(b"x")
    srt = tmp_path / "flight.srt"
    srt.write_text("this is no srt\n\n1\nnonsense")
    with pytest.raises(InputError) as e:
        read_srt(srt)  # the sentence the warning must be: the telemetry reader's own error
    monkeypatch.setattr(V, "probe_video", lambda p: V.VideoInfo(1.5, 64, 48, 10.0))
    with GeolocatorLogs() as logs:
        V.video_queries(f)
    assert logs.messages(logging.WARNING) == [str(e.value)] and str(e.value).startswith(str(srt) + ": ")


def test_iter_frames_without_a_start_time_or_a_time_base_counts_from_zero(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    c = _VideoContainer(60)  # frames every 0.1 s from pts 500 ms
    c.stream.start_time = None  # a stream that gives no start time: frame times are taken as they are
    _fake_av(monkeypatch, c)
    # 0.0 -> frame 0 (at 0.5 s, the first to reach it); 1.0 -> frame 5 (pts 1000 ms); one seek, to 0
    assert _reds(V.iter_frames(f, [0.0, 1.0])) == [(0.0, 0), (1.0, 5)]
    assert c.seeks == [(0, True, False)]
    c = _VideoContainer(60, time_base=None)
    c.stream.start_time = 500  # a start time without a time base cannot be turned into seconds: ignored
    _fake_av(monkeypatch, c)
    assert _reds(V.iter_frames(f, [0.0, 1.0])) == [(0.0, 0), (1.0, 5)] and c.seeks == []


def test_a_frame_one_microsecond_before_a_time_answers_it(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    _fake_av(monkeypatch, _VideoContainer(60, start_ms=0))  # frame i at i / 10 s
    # frame 5 at 0.5 s is exactly the 1e-6 s tolerance before 0.5 + 1e-6 (the same float sum): it answers
    # that time, not frame 6; 0.5 + 2e-6 is past the tolerance, so frame 6 answers it
    assert _reds(V.iter_frames(f, [0.5 + 1e-6])) == [(0.5 + 1e-6, 5)]
    assert _reds(V.iter_frames(f, [0.5 + 2e-6])) == [(0.5 + 2e-6, 6)]


def test_iter_frames_converts_only_the_frames_it_yields(tmp_path, monkeypatch):
    f = tmp_path / "v.mp4"
    f.write_bytes(b"x")
    c = _VideoContainer(60)
    converted = []
    decode = c.decode

    def counting(stream):
        for fr in decode(stream):
            real = fr.to_image
            fr.to_image = lambda _real=real, _i=fr.value, **kw: converted.append(_i) or _real(**kw)
            yield fr
    c.decode = counting
    _fake_av(monkeypatch, c)
    got = _reds(V.iter_frames(f, [0.0, 0.25, 0.9, 4.5, 6.5]))
    assert got == [(0.0, 0), (0.25, 3), (0.9, 9), (4.5, 45), (6.5, 59)]
    # the frames skipped on the way (1, 2, 4-8, 40-44, 46-58) are never converted: converting a 4K
    # frame costs more than decoding it; the final frame is converted once, for the time past the end
    assert converted == [0, 3, 9, 45, 59]


class _NoLock:
    def __enter__(self):
        raise AssertionError("a cached frame is served without waiting for the video's lock")

    def __exit__(self, *a):
        return False


def test_a_cached_frame_is_served_without_the_lock_or_a_decode(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    f = tmp_path / "v.mp4"
    f.write_bytes(b"not decoded: every frame asked for is cached")
    V._store(V._frame_file(f, 1.0), Image.new("RGB", (8, 6), (250, 0, 0)))
    monkeypatch.setattr(V, "_lock", lambda p: _NoLock())
    monkeypatch.setattr(V, "iter_frames", lambda *a, **kw: pytest.fail("decoded a cached frame"))
    assert np.asarray(V.open_frame(f, 1.0))[..., 0].mean() > 240


def test_a_frame_cached_by_another_thread_while_waiting_is_not_decoded_again(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    f = tmp_path / "v.mp4"
    f.write_bytes(b"not decoded: the other thread did it")
    target = V._frame_file(f, 1.0)

    class OtherThreadFinished:  # the lock is granted once the other thread has stored the frame
        def __enter__(self):
            V._store(target, Image.new("RGB", (8, 6), (0, 0, 250)))

        def __exit__(self, *a):
            return False
    monkeypatch.setattr(V, "_lock", lambda p: OtherThreadFinished())
    monkeypatch.setattr(V, "iter_frames", lambda *a, **kw: pytest.fail("decoded a frame another thread cached"))
    assert np.asarray(V.open_frame(f, 1.0))[..., 2].mean() > 240
