"""Tests written for the hand mutants of session 37's merged code that the tests of their modules let live
(training/mutation_check_session37.py; what each meant: training/results/mutation37_session37.md). Each test
names its mutant; each passes on today's code and fails with its mutant applied."""

from __future__ import annotations

from geolocator.core.bom_text import decode_sidecar
from geolocator.core.gone_folders import split_gone


def test_bt1_nuls_on_both_sides_are_not_utf16():
    """UTF-32 without its mark has NULs at even and odd offsets: not UTF-16 (the rule wants none on the
    other side); read as UTF-16-LE its digits came out as pairs of characters."""
    text, encoding = decode_sidecar("18/2/3\n".encode("utf-32-le"))
    assert encoding == "utf-8" and text.replace("\x00", "") == "18/2/3\n"


def test_gf1_one_photo_of_a_gone_folder_is_said_on_its_own(tmp_path):
    """A folder gone holding one failed photo is that photo's own fault said as it was, not a folder line."""
    photo = tmp_path / "card" / "DCIM" / "DJI_0001.JPG"  # card/DCIM never made: gone
    (tmp_path / "card").mkdir()
    grouped, rest = split_gone({photo: "cannot read file"})
    assert grouped == {} and rest == {photo: "cannot read file"}


def _jpeg(path, size=(640, 480), shade=60):
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, shade)).save(path, format="JPEG")
    return path


def test_qu2_a_tile_folder_inside_a_folder_given_is_named_as_given(tmp_path, monkeypatch):
    """`locate photos` from its parent: the tile folder inside is said as photos/area (the path typed), as
    every other skipped path is, not as its absolute path."""
    from pathlib import Path

    from geolocator.core.queries import load_queries

    _jpeg(tmp_path / "photos" / "DJI_0001.JPG")
    for y in (5, 6):
        _jpeg(tmp_path / "photos" / "area" / "12" / "3" / f"{y}.jpg", (256, 256), 30 * y)
    (tmp_path / "photos" / "area" / "metadata.json").write_text('{"scheme": "xyz"}', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    skipped = []
    queries = load_queries(Path("photos"), on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["DJI_0001.JPG"]  # (a folder given alone: ids inside it)
    assert [p for p, _ in skipped] == [Path("photos/area")]


def _cues(*times):
    from geolocator.core.media.telemetry import FrameTelemetry

    return [FrameTelemetry(time_s=t) for t in times]


def test_te6_to_te10_span_mismatch_bounds():
    """span_mismatch's slack is max(1 s, 2 % of the video) at either end (its docstring): pinned on both sides of
    each bound. 100 s video: slack 2 s; 10 s video: slack 1 s (2 % would be 0.2 s); no length: nothing said."""
    from geolocator.core.media.telemetry import span_mismatch

    assert span_mismatch(_cues(0.0, 101.9), 100.0) is None
    assert "its cues run to 102.1 s" in span_mismatch(_cues(0.0, 102.1), 100.0)  # TE6, TE7
    assert span_mismatch(_cues(1.9, 50.0), 100.0) is None
    assert "its first cue is at 2.1 s" in span_mismatch(_cues(2.1, 50.0), 100.0)  # TE8
    assert span_mismatch(_cues(0.9, 10.9), 10.0) is None  # TE10: the 1 s floor
    assert "its cues run to 11.1 s" in span_mismatch(_cues(0.0, 11.1), 10.0)
    for length in (0.0, -5.0, float("nan"), float("inf")):  # TE9
        assert span_mismatch(_cues(0.0, 500.0), length) is None


def test_vi9_a_segment_of_unknown_size_is_not_cut_short(tmp_path):
    """EBML's all-ones size is "unknown" (RFC 8794 section 6.2: a live recording never closed), not 2**56 - 1 bytes:
    such a Matroska file is whole as far as anything declares."""
    from geolocator.core.media import video as V

    assert V._ebml_vint(b"\xff", 0) == (None, 1) and V._ebml_vint(b"\x81", 0) == (1, 1)
    assert V._ebml_vint(b"\x01\xff\xff\xff\xff\xff\xff\xff", 0) == (None, 8)
    assert V._ebml_vint(b"\x40\x02", 0) == (2, 2)
    header = V.EBML_MAGIC + b"\x84" + b"\x42\x86\x81\x01"  # a 4-byte EBML header body
    live = tmp_path / "live.mkv"
    live.write_bytes(header + V.SEGMENT_ID + b"\x01\xff\xff\xff\xff\xff\xff\xff" + b"\x00" * 64)
    assert not V._matroska_cut_short(live)
    cut = tmp_path / "cut.mkv"  # a declared 1000-byte Segment of which 64 bytes are there
    cut.write_bytes(header + V.SEGMENT_ID + b"\x43\xe8" + b"\x00" * 64)
    assert V._matroska_cut_short(cut)


def test_vi15_the_srt_of_a_whole_clip_beside_its_cut_short_copy_is_paired(tmp_path):
    """A 10 s Matroska clip cut in half, its .SRT (cues 0-9 s) as the drone wrote it: the .SRT is the clip's, as its
    header says, so the frames that are left get their telemetry (span_mismatch is asked against the header's length,
    not the data's end: against 5 s the cues seemed to run 4 s past the clip and were all dropped)."""
    import numpy as np
    import pytest

    from geolocator.core.media import video as V

    av = pytest.importorskip("av")
    whole = tmp_path / "whole.mkv"
    with av.open(str(whole), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        for i in range(100):
            a = np.zeros((96, 160, 3), np.uint8)
            a[..., 0] = (i * 20) % 250
            for p in s.encode(av.VideoFrame.from_ndarray(a, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    cut = tmp_path / "DJI_0004.MKV"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    (tmp_path / "DJI_0004.SRT").write_text("\n".join(
        f"{i + 1}\n00:00:{i:02d},000 --> 00:00:{i + 1:02d},000\n[latitude: 36.{i:02d}] [longitude: -115.{i:02d}] "
        "[rel_alt: 40.0]\n" for i in range(10)))
    info = V.probe_video(cut)
    assert info.header_duration_s == pytest.approx(10.0) and info.duration_s < 8.0
    frames = V.video_queries(cut, every_s=1.0)
    assert frames and all(q.truth is not None for q in frames)
    assert frames[1].truth.lat == pytest.approx(36.01)


def test_vi17_a_mirrored_clip_s_tag_names_its_stream_and_turn(tmp_path):
    """decode_tag's documented form for a clip whose frames changed: "|stream<index>|turn<q>[|mirror]"."""
    import numpy as np
    import pytest

    from geolocator.core.media import video as V

    av = pytest.importorskip("av")
    one, unit = 1 << 16, 1 << 30
    clip = tmp_path / "clip.mov"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("libx264", rate=10)
        s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
        s.set_display_matrix((-one, 0, 0, 0, one, 0, 0, 0, unit))  # av_display_matrix_flip(hflip=1)
        for i in range(10):
            for p in s.encode(av.VideoFrame.from_ndarray(np.full((96, 160, 3), i * 10, np.uint8), format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    assert V.decode_tag(clip) == "|stream0|turn0|mirror"


def test_sp1_a_last_use_a_few_minutes_ahead_is_two_clocks_apart_not_a_clock_run_ahead(tmp_path):
    """dated_ahead: more than CLOCK_SKEW_S (an hour) after now; a cache on a share written by a machine whose clock
    is ten minutes ahead keeps its dates (a prune does not restamp it)."""
    import os
    import time

    from geolocator.core import store_prune
    from geolocator.core.media.frame_prune import prune_frames

    now = 1_800_000_000.0
    assert not store_prune.dated_ahead(now + 600, now) and not store_prune.dated_ahead(now + 3600, now)
    assert store_prune.dated_ahead(now + 3601, now)
    soon = time.time() + 600
    frames = tmp_path / "frames"
    (frames / "ab").mkdir(parents=True)
    g = frames / "ab" / "abc.jpg"  # (the frame cache's layout: two-hex folder)
    g.write_bytes(b"x")
    os.utime(g, (soon, soon))
    prune_frames(frames, 30)
    assert g.stat().st_mtime == soon


def test_sp7_the_prune_preview_restamps_no_checkpoint_dated_in_the_future(tmp_path):
    """prune_preview (the app's Free Disk Space… confirmation) removes and writes nothing: a checkpoint dated 2036
    keeps its date until the prune itself (cache_files' preview and the frames' are pinned the same way)."""
    import os

    from geolocator.core import store_prune

    y2036 = 2_082_758_400.0
    folder = tmp_path / store_prune.ADAPT_RESUME
    folder.mkdir()
    ckpt = folder / "k.safetensors"
    ckpt.write_bytes(b"x")
    os.utime(ckpt, (y2036, y2036))
    assert store_prune.prune_preview(tmp_path, tmp_path / "northup", 30)[2] == []
    assert ckpt.stat().st_mtime == y2036


def test_mt3_a_package_404_s_age_is_counted_to_the_time_asked(tmp_path):
    """SqliteMissingTimes.age(..., now): the age as of `now` (a record a day old then), and a record more than an
    hour after `now` is of a clock run ahead: infinitely old (missing_tiles.record_age)."""
    import math
    import sqlite3

    from geolocator.core.sources.missing_tiles import SqliteMissingTimes

    db = sqlite3.connect(tmp_path / "a.mbtiles")
    db.execute("CREATE TABLE geolocator_missing (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER)")
    times = SqliteMissingTimes(db, tmp_path / "a.mbtiles")
    times.record(12, 3, 4, now=1_000_000.0)
    assert times.age(12, 3, 4, now=1_086_400.0) == 86_400.0
    assert times.age(12, 3, 4, now=1_000_000.0 - 7200) == math.inf
    assert times.age(12, 3, 5, now=1_086_400.0) is None
