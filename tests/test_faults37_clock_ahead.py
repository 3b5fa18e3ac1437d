"""Cache entries dated in the future (faults37, session 37): used while the clock ran ahead (a flat clock
battery set it to 2036), the clock corrected since. Input: a feature store, a photo-feature file and an
adaptation checkpoint stamped 2036-01-01. Before: `geolocator cache` said "(0 days ago)", and --prune N
never removed them until 2036 (their age was negative). Now the listing says the date is in the future;
a prune stamps them as used now and keeps them, so they age from today and go N days later if unused."""

from __future__ import annotations

import gc
import os
import time

import numpy as np

from geolocator.core import store_prune
from geolocator.core.store import FeatureStore

DAY = 86_400.0
Y2036 = 2_082_758_400.0


def _future_store(root):
    s = FeatureStore(root / "stores" / "ahead", signature="sig", views=("rot0",), dim=4)
    s.append(["k0"], np.ones((1, 1, 4), np.float32))
    del s
    gc.collect()
    os.utime(root / "stores" / "ahead" / store_prune.USED, (Y2036, Y2036))


def test_a_store_dated_in_the_future_ages_from_the_first_prune(tmp_path):
    _future_store(tmp_path)
    removed, _ = store_prune.prune_stores(tmp_path, 30)
    assert removed == []  # kept this time: it may have been used a minute ago
    stamped = (tmp_path / "stores" / "ahead" / store_prune.USED).stat().st_mtime
    assert abs(stamped - time.time()) < 120
    removed, _ = store_prune.prune_stores(tmp_path, 30, now=time.time() + 31 * DAY)
    assert [s.path.name for s in removed] == ["ahead"]  # before: kept until 2036


def test_the_listing_says_a_date_in_the_future(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    _future_store(tmp_path)
    assert cli.main(["cache", "--cache-dir", str(tmp_path)]) == 0
    line = capsys.readouterr().out.splitlines()[0]
    assert "last used 2036-01-01" in line and "(in the future: the clock ran ahead when it was used" in line
    assert "0 days ago" not in line


def test_a_photo_feature_file_dated_in_the_future_ages_from_the_first_prune(tmp_path):
    from geolocator.core.cache_files import old_cache_files, prune_cache_files

    f = tmp_path / "ab" / "abcdef.f32"  # (cache.FeatureCache's layout: two-hex folder, raw float32)
    f.parent.mkdir()
    f.write_bytes(np.zeros(4, np.float32).tobytes())
    os.utime(f, (Y2036, Y2036))
    assert old_cache_files(tmp_path, 30, now=time.time() + 31 * DAY) == (0, 0)  # the preview writes nothing
    assert f.stat().st_mtime == Y2036
    assert prune_cache_files(tmp_path, 30) == [] and f.exists() and abs(f.stat().st_mtime - time.time()) < 120
    assert prune_cache_files(tmp_path, 30, now=time.time() + 31 * DAY) and not f.exists()


def test_an_adaptation_checkpoint_dated_in_the_future_ages_from_the_first_prune(tmp_path):
    folder = tmp_path / store_prune.ADAPT_RESUME
    folder.mkdir()
    ckpt = folder / "k.safetensors"
    ckpt.write_bytes(b"x")
    os.utime(ckpt, (Y2036, Y2036))
    assert store_prune.prune_adapt_checkpoints(tmp_path, 30) == ([], [])
    removed, _ = store_prune.prune_adapt_checkpoints(tmp_path, 30, now=time.time() + 31 * DAY)
    assert [i.path.name for i in removed] == ["k.safetensors"]


def test_a_video_frame_dated_in_the_future_ages_from_the_first_prune(tmp_path):
    from geolocator.core.media.frame_prune import old_frames, prune_frames

    frame = tmp_path / "ab" / "f.jpg"
    frame.parent.mkdir()
    frame.write_bytes(b"\xff\xd8\xff")
    os.utime(frame, (Y2036, Y2036))
    assert old_frames(tmp_path, 30, now=time.time() + 31 * DAY) == (0, 0) and frame.stat().st_mtime == Y2036
    assert prune_frames(tmp_path, 30) == (0, 0) and frame.exists()
    assert prune_frames(tmp_path, 30, now=time.time() + 31 * DAY)[0] == 1 and not frame.exists()


def test_a_northup_copy_written_while_the_clock_ran_ahead_ages_from_the_first_prune(tmp_path):
    """The copy's own mtime keys its features and is never touched; its `.used` stamp is."""
    copy = tmp_path / "ortho-abc.tif"
    copy.write_bytes(b"II*\0")
    os.utime(copy, (Y2036, Y2036))
    assert store_prune.prune_northup_copies(tmp_path, 30) == ([], [])
    assert copy.stat().st_mtime == Y2036  # untouched
    removed, _ = store_prune.prune_northup_copies(tmp_path, 30, now=time.time() + 31 * DAY)
    assert [c.path.name for c in removed] == ["ortho-abc.tif"]


def test_a_killed_writes_temporary_file_dated_in_the_future_is_removed(tmp_path):
    """A `.pairs-*.tmp` (verification results) and an adaptation checkpoint's `.tmp` left by a write
    killed while the clock ran ahead: before, "younger than STALE_TMP_S" for ever (its age was negative),
    so never removed; a write in flight would carry today's time. One 5 s old is still left alone."""
    from geolocator.core.adapt import resume
    from geolocator.core.pair_store import PairStore

    root = tmp_path / "pairs"
    root.mkdir()
    ahead, young = root / ".pairs-killed.tmp", root / ".pairs-inflight.tmp"
    for p, when in ((ahead, Y2036), (young, time.time() - 5)):
        p.write_text('{"half')
        os.utime(p, (when, when))
    PairStore(root).save("photo a", {"first": {}, "alike": {}, "later": {}})
    assert not ahead.exists() and young.exists()

    folder = tmp_path / "adapt-resume"
    folder.mkdir()
    tmp = folder / ".k.safetensors.x.tmp"
    tmp.write_bytes(b"half")
    os.utime(tmp, (Y2036, Y2036))
    resume.tidy(folder, keep="k")
    assert not tmp.exists()
