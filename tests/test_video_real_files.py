"""Drone and phone videos as people really have them (session 36): a clip held in portrait (a display
matrix), a small preview stream before the footage, a file cut short whose index survived (a "fast
start" MP4) or that has none to say so (Matroska). Every clip is written here with PyAV.

Found with the CLI on the demo tiles (training/results/video36_session36.md): a Matroska flight cut in
half had its last 6 s answered by the last frame that decoded, each located "confident" 10-64 m from
where it was taken; a clip with a preview stream first was located from the preview (8 of 8 "may not
be in these tiles"); a portrait clip's frames came out on their side.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.media import video as V

av = pytest.importorskip("av")

W, H = 160, 96


def _picture(i: int) -> np.ndarray:
    """A dark frame whose red level counts the frame (i * 20) and a white 16 x 16 block in its top-left corner."""
    a = np.zeros((H, W, 3), np.uint8)
    a[..., 0] = (i * 20) % 250
    a[:16, :16] = 255
    return a


def _clip(path, n=40, rate=10, *, rotation=None, preview=False, options=None, matrix=None):
    with av.open(str(path), "w", options=options or {}) as c:
        small = None
        if preview:  # a 32 x 32 stream first, flat grey: what a proxy or preview track looks like to a reader
            small = c.add_stream("mpeg4", rate=rate)
            small.width, small.height, small.pix_fmt = 32, 32, "yuv420p"
        s = c.add_stream("libx264", rate=rate)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        if rotation is not None:
            s.set_display_rotation(rotation)  # counter-clockwise degrees (FFmpeg's av_display_rotation_set)
        if matrix is not None:
            s.set_display_matrix(matrix)  # FFmpeg's layout: 16.16 fixed point, the last column 2.30
        for i in range(n):
            if small is not None:
                for p in small.encode(av.VideoFrame.from_ndarray(np.full((32, 32, 3), 128, np.uint8), format="rgb24")):
                    c.mux(p)
            for p in s.encode(av.VideoFrame.from_ndarray(_picture(i), format="rgb24")):
                c.mux(p)
        for st in ([small] if small is not None else []) + [s]:
            for p in st.encode():
                c.mux(p)
    return path


def _corner(image) -> str:
    """Which corner of the frame holds the white block."""
    a = np.asarray(image.convert("L"), dtype=float)
    h, w = a.shape
    corners = {"top-left": a[:8, :8], "top-right": a[:8, w - 8:], "bottom-left": a[h - 8:, :8],
               "bottom-right": a[h - 8:, w - 8:]}
    return max(corners, key=lambda k: corners[k].mean())


@pytest.mark.parametrize("rotation, corner", [(0, "top-left"), (90, "bottom-left"), (-90, "top-right"), (180, "bottom-right")])
def test_a_clip_held_in_portrait_is_turned_as_a_player_shows_it(tmp_path, rotation, corner):
    """The display matrix turns the stored frame counter-clockwise by `rotation` degrees: a quarter turn
    swaps its sides (the camera model reads them from probe_video) and moves the top-left corner."""
    v = _clip(tmp_path / "clip.mov", rotation=rotation)
    info = V.probe_video(v)
    quarter = rotation % 180 == 90
    assert (info.width, info.height) == ((H, W) if quarter else (W, H))
    [(t, image)] = list(V.iter_frames(v, [1.0]))
    assert t == 1.0 and image.size == (info.width, info.height)
    assert _corner(image) == corner


ONE, UNIT = 1 << 16, 1 << 30  # 1.0 in a display matrix's 16.16 and 2.30 fixed point (libavutil/display.h)


@pytest.mark.parametrize("name, matrix, corner, size", [
    # av_display_matrix_flip(hflip=1) of the identity: a selfie camera's or an editor's mirror
    ("hflip", (-ONE, 0, 0, 0, ONE, 0, 0, 0, UNIT), "top-right", (W, H)),
    ("vflip", (ONE, 0, 0, 0, -ONE, 0, 0, 0, UNIT), "bottom-left", (W, H)),
    # av_display_rotation_set(90), then av_display_matrix_flip(hflip=1): turned, then mirrored
    ("turn90+hflip", (0, -ONE, 0, -ONE, 0, 0, 0, 0, UNIT), "bottom-right", (H, W)),
])
def test_a_mirrored_clip_is_read_as_a_player_shows_it(tmp_path, name, matrix, corner, size):
    """PyAV's VideoFrame.rotation reads a mirror's display matrix as a turn of 180 degrees: the hflip clip's frames came
    out upside down (the block bottom-right, not top-right), and its cached frames were keyed as a turned clip's."""
    v = _clip(tmp_path / "clip.mov", matrix=matrix)
    info = V.probe_video(v)
    assert (info.width, info.height) == size
    [(_, image)] = list(V.iter_frames(v, [1.0]))
    assert image.size == size and _corner(image) == corner
    assert V.decode_tag(v).endswith("|mirror")


def test_the_footage_is_read_not_a_small_stream_before_it(tmp_path):
    v = _clip(tmp_path / "DJI_0003.MP4", preview=True)
    info = V.probe_video(v)
    assert (info.width, info.height) == (W, H)
    [(_, image)] = list(V.iter_frames(v, [2.0]))
    assert image.size == (W, H) and abs(np.asarray(image)[40:, 40:, 0].mean() - 150) <= 3  # frame 20: red (20 * 20) % 250


def test_a_fast_start_mp4_cut_short_is_sampled_only_where_its_data_is(tmp_path, caplog):
    """Its index (at the start) still lists 10 s of frames: the header's 10 s was sampled and every time
    past the cut got the last frame that decoded (t=4 ... 9: one picture six times)."""
    whole = _clip(tmp_path / "whole.mp4", n=100, options={"movflags": "faststart"})
    assert V.probe_video(whole).header_duration_s is None and V.probe_video(whole).duration_s == pytest.approx(10.0)
    cut = tmp_path / "cut.mp4"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    info = V.probe_video(cut)
    assert info.header_duration_s == pytest.approx(10.0) and 1.0 < info.duration_s < 9.0
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        frames = V.video_queries(cut, every_s=1.0, telemetry=False)
    assert [q.time_s for q in frames] == [float(t) for t in range(int(np.ceil(info.duration_s)))]
    assert any("cut short: its header says 10.0 s" in r.getMessage() for r in caplog.records)
    reds = [int(np.asarray(im)[40:, 40:, 0].mean()) for _, im in V.iter_frames(cut, [q.time_s for q in frames])]
    assert len(set(reds)) == len(reds), reds  # each its own frame


def test_a_video_cut_short_without_an_index_gives_no_frame_past_its_end(tmp_path):
    """A Matroska file keeps no frame index to check, and its header's duration is written at the start:
    the times past the last frame that decodes (by more than TAIL_S) raise instead of repeating it."""
    whole = _clip(tmp_path / "whole.mkv", n=100)
    assert V.probe_video(whole).header_duration_s is None  # a Matroska cue is not a frame index
    cut = tmp_path / "cut.mkv"
    data = whole.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    got = []
    with pytest.raises(InputError, match=r"cut\.mkv: no frame at t=7\.00 s: the video's frames end at \d\.\d0 s"):
        for t, image in V.iter_frames(cut, [0.0, 2.0, 7.0, 8.0, 9.0]):
            got.append(t)
    assert got == [0.0, 2.0]
    with pytest.raises(InputError, match="cut short"):
        V.read_frame(cut, 9.0)


class _Counting:
    """A PyAV container that counts the frames its decoder gives and the seeks asked of it."""

    def __init__(self, container):
        self._c, self.decoded, self.seeks = container, 0, 0

    def __getattr__(self, name):
        return getattr(self._c, name)

    def seek(self, *a, **kw):
        self.seeks += 1
        return self._c.seek(*a, **kw)

    def decode(self, *a, **kw):
        for frame in self._c.decode(*a, **kw):
            self.decoded += 1
            yield frame


def test_a_video_of_one_key_frame_is_decoded_once_not_once_a_sample(tmp_path, monkeypatch):
    """Sampled every 5 s (past SEEK_AHEAD_S), each time sought back to the one key frame at 0 and decoded
    every frame before it again: 30 s at 10 fps decoded 1,800 frames for 7 samples. The frames answered
    are the same either way."""
    v = tmp_path / "one_key.mp4"
    with av.open(str(v), "w") as c:  # 300 frames of _picture, one key frame
        s = c.add_stream("libx264", rate=10, options={"g": "1000", "keyint_min": "1000", "sc_threshold": "0"})
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(300):
            for p in s.encode(av.VideoFrame.from_ndarray(_picture(i), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    opened = []
    real_open = V._open_container
    monkeypatch.setattr(V, "_open_container", lambda path: opened.append(_Counting(real_open(path))) or opened[-1])
    times = V.sample_times(30.0, 5.0)
    reds = [int(np.asarray(im)[40:, 40:, 0].mean()) for _, im in V.iter_frames(v, times)]
    want = [(round(t * 10) * 20) % 250 for t in times]  # frame i's red: (i * 20) % 250
    assert all(abs(r - w) <= 4 for r, w in zip(reds, want)), (reds, want)
    assert opened[-1].seeks == 1 and opened[-1].decoded <= 300 + 10, (opened[-1].seeks, opened[-1].decoded)
    spans = [(t, t + 0.5) for t in times]
    list(V.iter_thumbnails(v, spans, 8))
    assert opened[-1].seeks == 1 and opened[-1].decoded <= 300 + 10, (opened[-1].seeks, opened[-1].decoded)


def _with_cover(path, footage: bool):
    """An MP4 whose first video stream is a cover picture (disposition attached_pic, as a music or voice
    recording's artwork), then the footage when `footage`, and a second of sound."""
    with av.open(str(path), "w") as c:
        cover = c.add_stream("mjpeg", rate=1)
        cover.width, cover.height, cover.pix_fmt = 64, 64, "yuvj420p"
        cover.disposition = av.stream.Disposition.attached_pic
        s = None
        if footage:
            s = c.add_stream("libx264", rate=10)
            s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        sound = c.add_stream("aac", rate=8000)
        for p in cover.encode(av.VideoFrame.from_ndarray(np.full((64, 64, 3), 128, np.uint8), format="rgb24")):
            c.mux(p)
        for p in cover.encode():
            c.mux(p)
        for i in range(20 if footage else 0):
            for p in s.encode(av.VideoFrame.from_ndarray(_picture(i), format="rgb24")):
                c.mux(p)
        if s is not None:
            for p in s.encode():
                c.mux(p)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 8000), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for p in sound.encode(frame):
            c.mux(p)
        for p in sound.encode():
            c.mux(p)
    return path


def test_a_cover_picture_is_not_taken_for_footage(tmp_path):
    """A sound recording with artwork saved as .mp4 was read as a 1.1 s video of its cover, and the cover
    was located."""
    with pytest.raises(InputError, match=r"voice\.mp4: no video in this file, only a still picture"):
        V.probe_video(_with_cover(tmp_path / "voice.mp4", footage=False))
    v = _with_cover(tmp_path / "clip.mp4", footage=True)
    assert (V.probe_video(v).width, V.probe_video(v).height) == (W, H)
    [(_, image)] = list(V.iter_frames(v, [1.0]))
    assert image.size == (W, H) and _corner(image) == "top-left"


def test_frames_cached_before_a_clip_was_turned_are_not_served(tmp_path, monkeypatch):
    """The frame cache and the per-frame caches (features, verification) are keyed by the video and the
    time: a portrait clip's frames cached on their side before session 36 would have been served
    sideways still. A clip decoded as before keeps its keys (its caches stay good)."""
    import hashlib

    from geolocator.core.cache import file_key
    from geolocator.core.media.query_image import query_key
    from geolocator.core.model import Query

    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    plain, turned = _clip(tmp_path / "plain.mp4"), _clip(tmp_path / "turned.mov", rotation=90)
    for v in (plain, turned):  # what the frame cache held for t=1 before: the frame as stored, not turned
        old = hashlib.sha256(f"{file_key(v)}|{1.0:.3f}|{V.FRAME_MAX_SIDE}".encode()).hexdigest()
        V._store(V.frame_cache_root() / old[:2] / f"{old[2:]}.jpg", Image.new("RGB", (W, H), (0, 0, 255)))
    r, g, b = V.open_frame(plain, 1.0).getpixel((0, 0))
    assert r < 10 and b > 240  # an ordinary clip's cached frame is kept
    image = V.open_frame(turned, 1.0)
    assert image.size == (H, W) and _corner(image) == "bottom-left"
    old_key = lambda v: hashlib.sha256(f"{file_key(v)}#t={1.0:.3f}".encode()).hexdigest()[:16]  # noqa: E731
    assert query_key(Query(id="p", path=plain, time_s=1.0)) == old_key(plain)
    assert query_key(Query(id="t", path=turned, time_s=1.0)) != old_key(turned)


def test_a_matroska_file_cut_short_lists_only_the_frames_it_holds(tmp_path, caplog):
    """Session 36's open point: a Matroska file keeps no frame index and writes its duration at its start, so one cut
    in half still listed its whole 10 s (video_queries, the app's frame list and the CLI's); the frames past the cut
    failed one by one when read. Its Segment's declared size runs past the file's end: its packets are demuxed for
    the data's end, and the cut is said once."""
    whole = _clip(tmp_path / "whole.mkv", n=100)
    assert V.probe_video(whole).header_duration_s is None and not V._matroska_cut_short(whole)
    data = whole.read_bytes()
    cut = tmp_path / "DJI_0004.MKV"
    cut.write_bytes(data[: len(data) // 2])
    info = V.probe_video(cut)
    assert info.header_duration_s == pytest.approx(10.0) and 1.0 < info.duration_s < 9.0
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        frames = V.video_queries(cut, every_s=1.0, telemetry=False)
    times = [q.time_s for q in frames]
    assert times == [float(t) for t in range(int(np.ceil(info.duration_s)))]
    assert [t for t, _ in V.iter_frames(cut, times)] == times  # every listed frame reads
    assert any("DJI_0004.MKV: the file is cut short: its header says 10.0 s" in r.getMessage() for r in caplog.records)
    stub = tmp_path / "stub.mkv"  # cut inside its first frame
    stub.write_bytes(data[: len(data) // 5])
    with pytest.raises(InputError, match=r"stub\.mkv: the file is cut short before its first frame"):
        V.probe_video(stub)


def test_what_was_cached_for_a_file_cut_short_is_not_served_again(tmp_path, monkeypatch):
    """Before session 36 a cut-short Matroska file's times past the cut got its last frame, and the frames, features
    and verification cached for them were keyed by the file and the time alone: reused, the CLI placed those times
    "extrapolated". A cut-short file's keys now carry its data's end (decode_tag "|held<s>"); a whole file's do not."""
    import hashlib

    from geolocator.core.cache import file_key
    from geolocator.core.media.query_image import query_key
    from geolocator.core.model import Query

    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "fc"))
    whole = _clip(tmp_path / "whole.mkv", n=100)
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    old = hashlib.sha256(f"{file_key(cut)}|{1.0:.3f}|{V.FRAME_MAX_SIDE}".encode()).hexdigest()
    V._store(V.frame_cache_root() / old[:2] / f"{old[2:]}.jpg", Image.new("RGB", (W, H), (0, 0, 255)))
    r, g, b = V.open_frame(cut, 1.0).getpixel((60, 60))
    assert b < 40 and abs(r - 200) <= 10  # frame 10 as decoded now (red 10 * 20), not the blue picture cached before
    old_key = lambda v: hashlib.sha256(f"{file_key(v)}#t={1.0:.3f}".encode()).hexdigest()[:16]  # noqa: E731
    assert query_key(Query(id="c", path=cut, time_s=1.0)) != old_key(cut)
    assert query_key(Query(id="w", path=whole, time_s=1.0)) == old_key(whole)


def test_frames_of_one_video_that_could_not_be_read_are_counted_not_folded_into_one(tmp_path):
    """Keyed by file alone, a cut-short video's 6 failed frames read as one failure, with the last
    frame's reason (t=7) standing for all of them."""
    from geolocator.core.model import Query
    from geolocator.core.skipped import failures_by_file

    v, photo = tmp_path / "DJI_0004.MKV", tmp_path / "a.jpg"
    queries = [Query(id=f"f{t}", path=v, time_s=float(t)) for t in range(8)] + [Query(id="a", path=photo)]
    failed = {t: f"{v}: no frame at t={t:.2f} s: the video's frames end at 1.00 s" for t in (7, 3, 2, 4, 5, 6)}
    failed[8] = f"{photo}: cannot read file (Permission denied)"
    got = failures_by_file(queries, failed)
    assert got == {v: "6 of its frames (t=2, 3, 4, 5, 6, 7 s) could not be read: no frame at t=2.00 s: the video's "
                      "frames end at 1.00 s",
                   photo: f"{photo}: cannot read file (Permission denied)"}
    assert failures_by_file(queries, {5: "x"}) == {v: "x"}  # one frame: its reason as it was


def test_a_video_stream_without_frames_is_said_not_a_permission_error(tmp_path):
    """A Matroska file whose video stream was declared but got no frame (3 s of sound): its length was
    read from the sound, 4 frames were planned, and reading one raised PermissionError ("Operation not
    permitted", FFmpeg's refused seek), which the CLI reported as a file it could not read."""
    v = tmp_path / "empty.mkv"
    with av.open(str(v), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        sound = c.add_stream("aac", rate=8000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 24000), np.float32), format="fltp", layout="mono")
        frame.sample_rate = 8000
        for p in sound.encode(frame):
            c.mux(p)
        for p in sound.encode():
            c.mux(p)
    with pytest.raises(InputError, match=r"empty\.mkv: its video stream holds no frames"):
        V.video_queries(v, every_s=1.0)
    with pytest.raises(InputError, match=r"empty\.mkv: no frame at t=0\.00 s"):
        V.read_frame(v, 0.0)


def test_a_variable_frame_rate_clip_is_not_sampled_coarser_than_its_dense_stretches(tmp_path):
    """Frames 0.1 s apart, then a 0.7 s and a 1.3 s gap (a phone's variable rate): its average, 5.26 fps,
    raised --every 0.1 to 0.191 s, skipping frames the clip holds."""
    import fractions

    v = tmp_path / "vfr.mp4"
    pts_ms = [0, 100, 200, 300, 1000, 1100, 1200, 2500, 2600, 2700, 2800, 2900, 3000, 3100, 3200, 3300]
    with av.open(str(v), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i, t in enumerate(pts_ms):
            frame = av.VideoFrame.from_ndarray(_picture(i), format="rgb24")
            frame.pts, frame.time_base = t, fractions.Fraction(1, 1000)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    info = V.probe_video(v)
    assert info.fps < 9 and info.densest_fps == pytest.approx(10.0)
    times = [q.time_s for q in V.video_queries(v, every_s=0.1, telemetry=False)]
    assert times[:4] == [0.0, 0.1, 0.2, 0.3]
