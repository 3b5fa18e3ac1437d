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


def test_the_cache_command_lists_and_prunes(tmp_path, capsys, monkeypatch):
    from geolocator import cli

    # an empty north-up cache of its own: other tests' copies would add lines (tests/test_northup_prune.py)
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))

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


def test_prune_edges_days_zero_the_boundary_and_the_clock(tmp_path):
    now = 2_000_000_000.0  # a whole second: the stamp reads back exactly
    for name in ("a", "b"):
        _store(tmp_path, name, 1)
    gc.collect()
    stores = tmp_path / "stores"
    _age(stores / "a", 7, now)  # exactly 7 days: "not used for 7 days" includes it
    _age(stores / "b", 6.5, now)
    assert (stores / "a" / store_prune.USED).stat().st_mtime == now - 7 * DAY
    removed, _ = store_prune.prune_stores(tmp_path, 7, now=now)
    assert [s.path.name for s in removed] == ["a"]
    removed, _ = store_prune.prune_stores(tmp_path, 0, now=now)  # 0 days: every store not in use
    assert [s.path.name for s in removed] == ["b"]
    with pytest.raises(ValueError, match="days must be 0 or more, got -1"):
        store_prune.prune_stores(tmp_path, -1)
    # without `now`: the clock (a store stamped a day in the future is not 0 days old yet... it is
    # newer than the clock, so --prune 0 keeps it; one 10 days old goes)
    for name, days in (("new", -1), ("old", 10)):
        _store(tmp_path, name, 1)
        gc.collect()
        _age(stores / name, days, time.time())
    removed, _ = store_prune.prune_stores(tmp_path, 0)
    assert [s.path.name for s in removed] == ["old"]
    # a given `now` is used, not the clock: 30 days ahead the new one is old
    removed, _ = store_prune.prune_stores(tmp_path, 7, now=time.time() + 30 * DAY)
    assert [s.path.name for s in removed] == ["new"]


def test_a_store_from_before_the_stamp_and_the_lock(tmp_path):
    """A store written before session 17 has no last-used stamp and no lock file: its newest file
    says when it was last written, it is not in use, and it can be pruned. An empty folder: 0 bytes,
    last used at the epoch."""
    _store(tmp_path, "older", 2)
    gc.collect()
    root = tmp_path / "stores" / "older"
    (root / store_prune.USED).unlink()
    (root / store_prune.LOCK).unlink()
    when = 1_500_000_000.0
    for p in root.iterdir():
        os.utime(p, (when, when - 100 * (p.name == "meta.json")))  # the newest: features and manifest
    (tmp_path / "stores" / "empty").mkdir()
    listed = {s.path.name: s for s in store_prune.list_stores(tmp_path)}
    assert (listed["older"].last_used, listed["older"].in_use) == (when, False)
    assert (listed["empty"].bytes, listed["empty"].last_used) == (0, 0.0)
    removed, busy = store_prune.prune_stores(tmp_path, 1)
    assert sorted(s.path.name for s in removed) == ["empty", "older"] and busy == []


def test_a_file_that_vanishes_while_sizing_is_left_out(tmp_path, monkeypatch):
    _store(tmp_path, "a", 3)
    gc.collect()
    root = tmp_path / "stores" / "a"
    sizes = {p.name: p.stat().st_size for p in root.iterdir()}
    real, gone = os.stat, []

    def stat(path, *args, **kw):
        if not gone and os.path.dirname(str(path)) == str(root):  # the first file asked for: vanished
            gone.append(os.path.basename(str(path)))
            raise FileNotFoundError(path)
        return real(path, *args, **kw)

    monkeypatch.setattr(os, "stat", stat)
    (info,) = store_prune.list_stores(tmp_path)
    assert info.bytes == sum(v for k, v in sizes.items() if k != gone[0])  # the others still counted


def test_a_store_that_cannot_be_removed_is_said_and_the_rest_go_on(tmp_path, monkeypatch):
    now = time.time()
    for name in ("a", "b"):
        _store(tmp_path, name, 1)
    gc.collect()
    _age(tmp_path / "stores" / "a", 20, now)  # oldest first: a fails, b must still go
    _age(tmp_path / "stores" / "b", 10, now)
    real = store_prune.shutil.rmtree

    def rmtree(path, *a, **kw):
        if path.name == "a":
            raise PermissionError(path)
        return real(path, *a, **kw)

    monkeypatch.setattr(store_prune.shutil, "rmtree", rmtree)
    removed, busy = store_prune.prune_stores(tmp_path, 5, now=now)
    assert [s.path.name for s in removed] == ["b"] and [s.path.name for s in busy] == ["a"]


def test_without_flock_the_time_alone_decides(tmp_path, monkeypatch):
    """Windows has no fcntl: no lock is taken or held, and an old store is pruned by its time."""
    monkeypatch.setattr(store_prune, "fcntl", None)
    held = _store(tmp_path, "held", 1)
    assert held._in_use is None
    now = time.time()
    _age(held.root, 30, now)
    (info,) = store_prune.list_stores(tmp_path)
    assert info.in_use is False
    removed, busy = store_prune.prune_stores(tmp_path, 7, now=now)
    assert [s.path.name for s in removed] == ["held"] and busy == []


def test_the_cache_command_names_each_store_s_tile_set(tmp_path, capsys, monkeypatch):
    """Stores are folders named by hashes: a SAR team with several areas could not tell which store was which
    (newuser31). Opening a tile set's store writes what it holds; `geolocator cache` prints it."""
    from types import SimpleNamespace

    from geolocator import cli
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import Settings, Workspace

    from .helpers import grid_tiles

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    area = tmp_path / "Einsatz Nord" / "ortho.tif"
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu"))
    ws._backbone = SimpleNamespace(name="fake-net", weights_id="w1", device="cpu", dim=4, signature="fake-net|w1|gem")
    ws.open_tiles(TileSet(tuple(grid_tiles(2, 3)), area))
    store = ws.open_store()
    assert store_prune.store_label(store.root) == f"tile set {area}, 6 tiles, fake-net"
    _store(tmp_path / "cache", "from-before", 1)  # a store written before labels: listed as before
    gc.collect()
    assert cli.main(["cache", "--cache-dir", str(tmp_path / "cache")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.endswith(f"  {store.root.name}  (tile set {area}, 6 tiles, fake-net)") for line in lines), lines
    assert any(line.endswith("  from-before") for line in lines), lines
    (store.root / store_prune.LABEL).write_text("{not json")  # a damaged label is left out, never a crash
    assert store_prune.store_label(store.root) is None


def test_a_store_label_is_rewritten_only_when_it_changed(tmp_path):
    root = tmp_path / "s"
    root.mkdir()
    store_prune.write_store_label(root, tmp_path / "a.tif", 4, "net")
    first = (root / store_prune.LABEL).stat().st_mtime_ns
    os.utime(root / store_prune.LABEL, ns=(first - 10**9, first - 10**9))
    store_prune.write_store_label(root, tmp_path / "a.tif", 4, "net")  # the same: untouched
    assert (root / store_prune.LABEL).stat().st_mtime_ns == first - 10**9
    store_prune.write_store_label(root, tmp_path / "copy" / "a.tif", 4, "net")  # a copy elsewhere: the last opened
    assert store_prune.store_label(root) == f"tile set {tmp_path / 'copy' / 'a.tif'}, 4 tiles, net"
    assert [p.name for p in root.iterdir()] == [store_prune.LABEL]  # no temporary file left
    store_prune.write_store_label(tmp_path / "missing", "x", 1, "net")  # cannot be written: no error


def test_a_store_label_names_a_tile_set_whose_name_is_not_utf8_as_the_exports_write_it(tmp_path):
    """A Latin-1 file name ("Karte M\\xe4rz.mbtiles", read by Python with a lone surrogate) crashed the
    label's UTF-8 write and so every locate of it (CI, session 31)."""
    root = tmp_path / "s"
    root.mkdir()
    name = os.fsdecode(b"Karte M\xe4rz.mbtiles")
    store_prune.write_store_label(root, tmp_path / name, 36, "net")
    assert store_prune.store_label(root) == f"tile set {tmp_path}/Karte M\\xe4rz.mbtiles, 36 tiles, net"
