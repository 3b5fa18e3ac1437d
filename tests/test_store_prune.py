"""Old feature stores can be seen and removed (mend17: a tile set that changed left its old store
under <cache>/stores/ for good; FeatureStore.adopt copies rows across but deletes nothing):
`geolocator cache` lists them, `--prune DAYS` removes the ones not used for DAYS days, never one
in use."""

from __future__ import annotations

import gc
import os
import time

import numpy as np
import pytest

from geolocator.core import store_prune
from geolocator.core.store import FeatureStore

DAY = 86_400.0


def _store(root, name, rows):
    s = FeatureStore(root / "stores" / name, signature="sig", views=("rot0",), dim=4)
    s.append([f"k{i}" for i in range(rows)], np.ones((rows, 1, 4), np.float32))
    return s


def _age(store_root, days, now):
    os.utime(store_root / store_prune.USED, (now - days * DAY, now - days * DAY))


def _bytes(folder):
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_stores_are_listed_and_only_old_ones_not_in_use_are_removed(tmp_path):
    now = time.time()
    held = _store(tmp_path, "held", 3)  # old, but open: in use
    for name, rows in (("old", 5), ("recent", 2)):
        _store(tmp_path, name, rows)
    gc.collect()  # "old" and "recent" are no longer open: their locks are released
    stores = tmp_path / "stores"
    _age(stores / "held", 30, now)
    _age(stores / "old", 30, now)
    _age(stores / "recent", 2, now)
    listed = store_prune.list_stores(tmp_path)
    assert [(s.path.name, s.in_use) for s in listed] == [("held", True), ("old", False), ("recent", False)]  # oldest first
    # sizes: every file of the folder (5 rows x 1 view x 4 dims x 2 bytes = 40 bytes of features, plus
    # meta.json, manifest.log and the stamps), summed here independently
    old = next(s for s in listed if s.path.name == "old")
    assert old.bytes == _bytes(stores / "old") and (stores / "old" / "features.bin").stat().st_size == 40
    assert old.last_used == pytest.approx(now - 30 * DAY, abs=1)
    removed, busy = store_prune.prune_stores(tmp_path, 7, now=now)
    assert [s.path.name for s in removed] == ["old"] and [s.path.name for s in busy] == ["held"]
    assert sorted(p.name for p in stores.iterdir()) == ["held", "recent"]
    assert held.lookup(["k0", "k2"]) is not None  # the store in use still reads
    del held
    gc.collect()
    removed, busy = store_prune.prune_stores(tmp_path, 7, now=now)  # closed now: it goes
    assert [s.path.name for s in removed] == ["held"] and busy == []
    removed, _ = store_prune.prune_stores(tmp_path, 1, now=now)
    assert [s.path.name for s in removed] == ["recent"]
    assert store_prune.list_stores(tmp_path) == [] and store_prune.list_stores(tmp_path / "none") == []
    with pytest.raises(ValueError):
        store_prune.prune_stores(tmp_path, -1)


def test_opening_a_store_marks_it_used(tmp_path):
    s = _store(tmp_path, "a", 1)
    _age(s.root, 10, time.time())
    del s
    gc.collect()
    again = FeatureStore(tmp_path / "stores" / "a", signature="sig", views=("rot0",), dim=4)
    assert (again.root / store_prune.USED).stat().st_mtime == pytest.approx(time.time(), abs=60)
    assert len(again) == 1


def test_the_cache_command_lists_and_prunes(tmp_path, capsys):
    from geolocator import cli

    now = time.time()
    _store(tmp_path, "old", 5)
    _store(tmp_path, "new", 1)
    gc.collect()
    _age(tmp_path / "stores" / "old", 40, now)
    assert cli.main(["cache", "--cache-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "(40 days ago)" in out[0] and out[0].endswith("  old") and out[1].endswith("  new")
    assert out[2] == (f"2 feature stores, under 1 MB, in {tmp_path / 'stores'}; remove the ones not used for N days "
                      "with --prune N")  # a few hundred bytes
    assert cli.main(["cache", "--cache-dir", str(tmp_path), "--prune", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("removed old (") and out[-1].startswith("removed 1 feature store not used for 30 days")
    assert [p.name for p in (tmp_path / "stores").iterdir()] == ["new"]
