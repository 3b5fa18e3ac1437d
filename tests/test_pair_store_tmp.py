"""Temporary files of killed pair-store writes are removed (session 15, task "mend" item 4).

PairStore.save writes a ".pairs-*.tmp" file and os.replace()s it; a write killed in between
(SIGKILL, a power cut: no `finally` runs) leaves the .tmp behind, and nothing ever removed it (the
size budget counts and prunes "*.json" only). Now a .tmp older than STALE_TMP_S is removed when
the folder is first listed (the store's first write); a younger one may be another process's write
in flight and is left. Fails before: the planted stale file stayed."""

from __future__ import annotations

import os
import time

from geolocator.core import pair_store
from geolocator.core.pair_store import PairStore

EMPTY = {"first": {}, "alike": {}, "later": {}}


def _plant(root, name: str, age_s: float) -> str:
    path = root / name
    path.write_text('{"key": "half a fil')  # what a killed json.dump leaves
    then = time.time() - age_s
    os.utime(path, (then, then))
    return path


def test_a_stale_tmp_of_a_killed_write_is_removed_and_a_young_one_is_left(tmp_path):
    root = tmp_path / "pairs"
    root.mkdir()
    # an hour old: far beyond any write's milliseconds (STALE_TMP_S is 600 s)
    stale = _plant(root, ".pairs-killed1.tmp", 3600)
    young = _plant(root, ".pairs-inflight.tmp", 5)  # another process's write, in flight
    other = _plant(root, "notes.tmp", 3600)  # not a pair-store name: not ours to remove
    store = PairStore(root)
    store.save("photo a", EMPTY)
    assert not stale.exists()  # before: still there, for ever
    assert young.exists() and other.exists()
    assert store.load("photo a") == EMPTY  # the write itself is whole
    assert sorted(p.name for p in root.iterdir()) == sorted([".pairs-inflight.tmp", "notes.tmp",
                                                             store.path("photo a").name])


def test_the_cutoff_is_stale_tmp_s(tmp_path, monkeypatch):
    root = tmp_path / "pairs"
    root.mkdir()
    monkeypatch.setattr(pair_store, "STALE_TMP_S", 100)
    older, newer = _plant(root, ".pairs-a.tmp", 130), _plant(root, ".pairs-b.tmp", 70)
    assert PairStore(root)._remove_stale_tmp() == 1  # 130 s > 100 s removed; 70 s < 100 s left
    assert not older.exists() and newer.exists()


def test_stale_tmp_files_are_removed_once_per_store(tmp_path):
    root = tmp_path / "pairs"
    root.mkdir()
    store = PairStore(root)
    store.save("photo a", EMPTY)  # the folder is listed here
    late = _plant(root, ".pairs-late.tmp", 3600)
    store.save("photo b", EMPTY)  # not listed again: the folder is one writer's (cost: one glob per store)
    assert late.exists()
    PairStore(root).save("photo c", EMPTY)  # the next store (the next run) removes it
    assert not late.exists()


def test_the_count_and_the_exact_cutoff(tmp_path, monkeypatch):
    import time as time_module

    root = tmp_path / "pairs"
    root.mkdir()
    now = 2_000_000_000.0  # a fixed clock: the cutoff is exactly now - STALE_TMP_S
    monkeypatch.setattr(time_module, "time", lambda: now)
    at_cutoff = _plant(root, ".pairs-edge.tmp", 0)
    os.utime(at_cutoff, (now - pair_store.STALE_TMP_S, now - pair_store.STALE_TMP_S))
    for name in (".pairs-a.tmp", ".pairs-b.tmp"):
        path = root / name
        path.write_text("x")
        os.utime(path, (now - 5000, now - 5000))
    assert PairStore(root)._remove_stale_tmp() == 2  # both older ones, counted
    assert at_cutoff.exists()  # exactly STALE_TMP_S old is not yet "older than" it


def test_one_tmp_that_cannot_be_removed_does_not_stop_the_others(tmp_path, monkeypatch):
    from pathlib import Path

    root = tmp_path / "pairs"
    root.mkdir()
    planted = [_plant(root, ".pairs-a.tmp", 3600), _plant(root, ".pairs-b.tmp", 3600)]
    unlink, refused = Path.unlink, []

    def refuse(self, *args, **kwargs):  # the first file tried (whichever the folder lists first) is not ours
        if not refused:
            refused.append(self)
            raise PermissionError(13, "not ours", str(self))
        return unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse)
    assert PairStore(root)._remove_stale_tmp() == 1
    assert [p.exists() for p in planted].count(True) == 1 and refused[0].exists()
