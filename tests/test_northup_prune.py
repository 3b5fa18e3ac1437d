"""North-up copies can be seen and removed (prune19). Session 19 reads rotated, flipped and
GCP-placed GeoTIFFs through a north-up copy in the north-up cache (core/sources/northup.py), as
large as the source raster; `geolocator cache` listed only feature stores, so the copies stayed on
disk for good. Now they are listed with their size and last use, `--prune DAYS` removes those not
used for DAYS days, never one a running geolocator holds, never one being written (.tmp) younger
than pair_store.STALE_TMP_S."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from geolocator.core import store_prune
from geolocator.core.pair_store import STALE_TMP_S

DAY = 86_400.0


@pytest.fixture(autouse=True)
def _own_holds(tmp_path, monkeypatch):
    """This process's locks on north-up folders are the test's own; the north-up cache is a tmp folder."""
    monkeypatch.setattr(store_prune, "_HELD", {})
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    return tmp_path / "northup"


def _file(path, nbytes, age_s, now):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * nbytes)
    os.utime(path, (now - age_s, now - age_s))
    return path


def test_reusing_a_copy_stamps_it_used_and_leaves_the_copy_unchanged(tmp_path, _own_holds):
    """A reuse marks the copy used (its .used stamp) without touching the copy: its mtime is part
    of the file identity that keys its rows in the feature stores. Before: no last use was kept and
    no copy was listed (list_northup_copies did not exist)."""
    rasterio = pytest.importorskip("rasterio")
    from affine import Affine

    from geolocator.core.sources import northup

    src = tmp_path / "flipped.tif"
    with rasterio.open(src, "w", driver="GTiff", width=8, height=6, count=1, dtype="uint8",
                       crs="EPSG:32633", transform=Affine(1, 0, 500_000, 0, 1, 5_000_000)) as ds:
        ds.write(np.arange(48, dtype=np.uint8).reshape(1, 6, 8))
    copy = northup.north_up_copy(src, "EPSG:32633")
    assert copy.parent == _own_holds
    now = time.time()
    for p in (copy, copy.with_name(copy.name + store_prune.COPY_USED)):
        os.utime(p, (now - 40 * DAY, now - 40 * DAY))
    (listed,) = store_prune.list_northup_copies(_own_holds)
    assert listed.path == copy and listed.last_used == pytest.approx(now - 40 * DAY, abs=1)
    mtime = copy.stat().st_mtime_ns
    assert northup.north_up_copy(src, "EPSG:32633") == copy  # reused
    (listed,) = store_prune.list_northup_copies(_own_holds)
    assert listed.last_used == pytest.approx(time.time(), abs=5) and listed.bytes == copy.stat().st_size
    assert copy.stat().st_mtime_ns == mtime


def test_the_cache_command_lists_and_prunes_north_up_copies(tmp_path, _own_holds, capsys):
    """Before: `geolocator cache` said nothing of the copies and --prune left them all."""
    from geolocator import cli

    now = time.time()
    folder = _own_holds
    old = _file(folder / "scan-aaaa.tif", 3000, 40 * DAY, now)  # never stamped: its mtime says
    stamped = _file(folder / "ortho-bbbb.tif", 2000, 40 * DAY, now)
    _file(folder / ("ortho-bbbb.tif" + store_prune.COPY_USED), 0, 2 * DAY, now)  # reused 2 days ago
    killed = _file(folder / "scan-cccc.4242.tmp", 500, 40 * DAY, now)  # a writer killed long ago
    stray = _file(folder / ("gone-dddd.tif" + store_prune.COPY_USED), 0, 40 * DAY, now)
    assert cli.main(["cache", "--cache-dir", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"0 feature stores, 0 MB, in {tmp_path / 'cache' / 'stores'}"
    # least recently used first (the same time: by name); a copy being written is listed, it takes room too
    assert out[1].endswith("(40 days ago)  scan-aaaa.tif") and out[2].endswith("(40 days ago)  scan-cccc.4242.tmp")
    assert out[3].endswith("(2 days ago)  ortho-bbbb.tif")
    assert out[4] == (f"3 north-up copies of rotated, flipped or GCP-placed rasters, under 1 MB, in {folder}; "
                      "remove the ones not used for N days with --prune N")
    assert cli.main(["cache", "--cache-dir", str(tmp_path / "cache"), "--prune", "30"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert sorted(out[1:3]) == ["removed scan-aaaa.tif (under 1 MB)", "removed scan-cccc.4242.tmp (under 1 MB)"]
    assert out[3] == f"removed 2 north-up copies not used for 30 days (under 1 MB freed) from {folder}"
    assert not old.exists() and not killed.exists() and not stray.exists() and stamped.exists()
    assert sorted(p.name for p in folder.iterdir()) == ["in-use.lock", "ortho-bbbb.tif", "ortho-bbbb.tif.used"]  # the lock stays, as a store's


def test_a_copy_being_written_is_kept_until_stale(_own_holds):
    """--prune 0 removes every copy not in use, but a `.tmp` younger than STALE_TMP_S may be a
    copy another geolocator is writing (where no lock protects it): kept. Before: nothing was pruned."""
    now = time.time()
    fresh = _file(_own_holds / "a-1.77.tmp", 10, STALE_TMP_S - 60, now)
    stale = _file(_own_holds / "b-2.78.tmp", 10, STALE_TMP_S + 60, now)
    done = _file(_own_holds / "c-3.tif", 10, 60, now)
    removed, busy = store_prune.prune_northup_copies(_own_holds, 0, now=now)
    assert sorted(i.path.name for i in removed) == ["b-2.78.tmp", "c-3.tif"] and busy == []
    assert fresh.exists() and not stale.exists() and not done.exists()
    with pytest.raises(ValueError):
        store_prune.prune_northup_copies(_own_holds, -1)
    assert store_prune.prune_northup_copies(_own_holds.parent / "none", 0) == ([], [])


@pytest.mark.skipif(store_prune.fcntl is None, reason="no flock: only the last-used time protects")
def test_copies_are_kept_while_a_geolocator_holds_the_folder(_own_holds):
    """A process that used a copy holds the folder's lock for its life; pruning then removes no
    copy and says them in use. Before: nothing was listed or pruned."""
    now = time.time()
    copy = _file(_own_holds / "a-1.tif", 10, 40 * DAY, now)
    store_prune.mark_copy_used(_own_holds / "other-2.tif")  # this process used (or is making) another copy
    assert [i.in_use for i in store_prune.list_northup_copies(_own_holds)] == [True]
    removed, busy = store_prune.prune_northup_copies(_own_holds, 7, now=now)
    assert removed == [] and [i.path for i in busy] == [copy] and copy.exists()
    store_prune._HELD.clear()  # that process ended: its lock is released
    removed, busy = store_prune.prune_northup_copies(_own_holds, 7, now=now)
    assert [i.path for i in removed] == [copy] and busy == [] and not copy.exists()


def test_without_flock_the_time_alone_decides(_own_holds, monkeypatch):
    """Windows has no fcntl: marking still stamps, pruning goes by the time alone."""
    monkeypatch.setattr(store_prune, "fcntl", None)
    now = time.time()
    old = _file(_own_holds / "a-1.tif", 10, 40 * DAY, now)
    used = _file(_own_holds / "b-2.tif", 10, 40 * DAY, now)
    store_prune.mark_copy_used(used)
    assert store_prune._HELD == {}  # no lock to hold
    removed, busy = store_prune.prune_northup_copies(_own_holds, 7)
    assert [i.path for i in removed] == [old] and busy == [] and used.exists()
