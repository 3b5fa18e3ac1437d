"""`geolocator cache --prune` removed a cache's old files but left their two-letter folders behind, empty
(session 32's brief, after newuser32's `cache` command). The rule: a two-letter folder (`ab/`,
`keypoints/ab/`) is removed only when the prune removed a file from it and it is empty then (os.rmdir
refuses a folder holding anything, a write in flight's temporary included); a writer that finds its
folder gone between making it and writing makes it again (outputs.mkstemp_in)."""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from geolocator.core import outputs
from geolocator.core.cache import FeatureCache
from geolocator.core.cache_files import prune_cache_files


def _aged(path, days, now):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * 10)
    os.utime(path, (now - days * 86_400,) * 2)
    return path


def test_prune_removes_the_two_letter_folders_it_emptied_and_no_other(tmp_path):
    now = time.time()
    root = tmp_path / "cache"
    _aged(root / "0f" / "89ab.f32", 40, now)
    _aged(root / "keypoints" / "ab" / "0123.npz", 40, now)
    kept = _aged(root / "keypoints" / "cd" / "4567.npz", 40, now)
    kept_new = _aged(root / "keypoints" / "cd" / "89ab.npz", 1, now)  # in use: its folder stays
    writing = _aged(root / "1a" / ".tmp-x.part", 0, now)  # another run's write in flight beside an old file
    _aged(root / "1a" / "cdef.f32", 40, now)
    (root / "2b").mkdir()  # empty before: not this prune's, left as it is
    (root / "stores").mkdir()
    _aged(root / "pairs" / "ffff.json", 40, now)
    prune_cache_files(root, 30, now)
    assert not (root / "0f").exists() and not (root / "keypoints" / "ab").exists()
    assert not (root / "keypoints" / "cd" / "4567.npz").exists() and kept_new.exists() and kept.parent.is_dir()
    assert writing.exists()  # its folder held the write in flight: kept
    assert (root / "2b").is_dir() and (root / "stores").is_dir()
    assert (root / "keypoints").is_dir() and (root / "pairs").is_dir()  # never the kinds' own folders


def test_a_feature_written_after_its_folder_was_pruned_is_written(tmp_path, monkeypatch):
    cache = FeatureCache(tmp_path)
    key = "ab" * 32
    real = tempfile.mkstemp
    pruned = []

    def prune_between(**kw):  # the folder is made, then removed by a prune, before the temporary is made
        if not pruned:
            pruned.append(kw["dir"])
            os.rmdir(kw["dir"])
        return real(**kw)

    monkeypatch.setattr(outputs.tempfile, "mkstemp", prune_between)
    cache.put(key, np.ones(8, np.float32))
    assert pruned and cache.write_error is None
    assert np.array_equal(cache.get(key, 8), np.ones(8, np.float32))
