"""The video frame cache is listed and pruned by `geolocator cache` (session 29: an hour of video at
one frame a second left ~2 GB of frames on disk that nothing removed)."""

from __future__ import annotations

import os
import time

import pytest
from PIL import Image

from geolocator.core.media import frame_prune, video


def _frame(folder, name: str, days_old: float, now: float, size=(64, 48)):
    sub = folder / name[:2]
    sub.mkdir(parents=True, exist_ok=True)
    path = sub / f"{name[2:]}.jpg"
    Image.new("RGB", size, (10, 20, 30)).save(path, "JPEG")
    os.utime(path, (now - days_old * 86_400, now - days_old * 86_400))
    return path


def test_the_cache_command_lists_and_prunes_old_frames(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    frames = tmp_path / "frames"
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(frames))
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    now = time.time()
    old = [_frame(frames, f"a{i}old", 40, now) for i in range(3)]
    new = _frame(frames, "b0new", 1, now)
    assert cli.main(["cache", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith(f"4 cached video frames, under 1 MB, in {frames}; remove the ones not used for N days")
    assert cli.main(["cache", "--cache-dir", str(tmp_path / "cache"), "--prune", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1].startswith(f"removed 3 cached video frames not used for 30 days (") and str(frames) in out[-1]
    assert not any(p.exists() for p in old) and new.exists()
    assert sorted(p.name for p in frames.iterdir()) == ["b0"]  # the emptied sub-folder went too


def test_prune_frames_edges(tmp_path):
    now = 2_000_000_000.0
    kept = _frame(tmp_path, "aakept", 1, now)
    gone = _frame(tmp_path, "bbgone", 2, now)
    (tmp_path / "not-a-frame.txt").write_text("x")  # other files are not the cache's
    assert frame_prune.frame_cache_size(tmp_path)[0] == 2
    n, freed = frame_prune.prune_frames(tmp_path, 1.5, now)
    assert n == 1 and freed > 0 and kept.exists() and not gone.exists()
    assert (tmp_path / "not-a-frame.txt").exists()
    assert frame_prune.prune_frames(tmp_path / "missing", 0) == (0, 0)
    assert frame_prune.frame_cache_size(tmp_path / "missing") == (0, 0)
    with pytest.raises(ValueError):
        frame_prune.prune_frames(tmp_path, -1)


def test_a_frame_read_from_the_cache_is_stamped_used(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not decoded: the frame is in the cache")
    target = video._frame_file(clip, 1.0)
    target.parent.mkdir(parents=True)
    Image.new("RGB", (32, 24)).save(target, "JPEG")
    long_ago = time.time() - 90 * 86_400
    os.utime(target, (long_ago, long_ago))
    assert video.open_frame(clip, 1.0).size == (32, 24)
    assert target.stat().st_mtime > long_ago + 80 * 86_400  # pruning by age now keeps it


def test_old_frames_says_what_prune_frames_removes_and_removes_nothing(tmp_path):
    """The app's Free Disk Space asks before it removes (session 30): old_frames counts exactly what
    prune_frames then removes, by the same rule, and leaves every file in place."""
    now = 2_000_000_000.0
    old = [_frame(tmp_path, f"o{i}old", 10 + i, now) for i in range(3)]
    kept = _frame(tmp_path, "k0kept", 1, now)
    n, size = frame_prune.old_frames(tmp_path, 5, now)
    assert (n, size) == (3, sum(p.stat().st_size for p in old))
    assert all(p.exists() for p in old) and kept.exists()
    assert frame_prune.prune_frames(tmp_path, 5, now) == (n, size)
    assert frame_prune.old_frames(tmp_path, 0, now + 1) == (1, kept.stat().st_size)
    assert frame_prune.old_frames(tmp_path / "none", 5, now) == (0, 0)
    with pytest.raises(ValueError):
        frame_prune.old_frames(tmp_path, -1, now)
