"""Feature stores left on disk: list them, and remove the ones not used for a while.

A tile set that gained or lost a tile is a new store (store.store_dir: its fingerprint changed);
the new one copies what it can from the old (FeatureStore.adopt), and the old one stays under
`<cache>/stores/` for as long as nobody deletes it. `geolocator cache` lists the stores with their
size and when each was last opened; `geolocator cache --prune DAYS` removes those not opened for
DAYS days.

A store is never removed while it is in use: every FeatureStore holds a shared lock on its folder's
LOCK file for as long as it lives (mark_in_use), and pruning takes that lock exclusively, without
waiting, before it deletes anything; a store whose lock it cannot take is skipped and said. (Where
the system has no fcntl locks, Windows, only the last-used time protects it.) Opening a store also
stamps its USED file, which is what "last used" reads.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX advisory locks; absent on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK = "in-use.lock"
USED = "last-used"
DAY_S = 86_400.0


@dataclass(frozen=True)
class StoreInfo:
    path: Path  # the store's folder
    bytes: int  # every file under it (features, manifest, search indexes)
    last_used: float  # seconds since the epoch: its USED stamp, else its newest file's mtime
    in_use: bool  # another FeatureStore holds it open now (its lock cannot be taken)


def mark_in_use(root: Path):
    """Stamp `root` (a store folder) as used now and hold a shared lock on it for as long as the
    returned file object lives (None where it cannot: a read-only cache, no fcntl). Never raises."""
    try:
        (root / USED).touch()
    except OSError:
        pass
    if fcntl is None:
        return None
    # None while it is being pruned this very moment: go on without (the store is made anew if removed)
    return _locked(root, fcntl.LOCK_SH)


def _exclusive(root: Path):
    """The store's lock taken exclusively, without waiting: the open file, or None when another
    process (or this one) holds the store. True where there are no locks to take."""
    if fcntl is None:
        return True
    return _locked(root, fcntl.LOCK_EX)


def _locked(root: Path, kind: int):
    """The store's lock file opened and locked (`kind`: fcntl.LOCK_SH or LOCK_EX) without waiting:
    the open file, or None where it cannot be opened or another holder prevents the lock."""
    try:
        handle = open(root / LOCK, "a+b")
    except OSError:
        return None
    try:
        fcntl.flock(handle, kind | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _release(handle) -> None:
    if handle is not None and handle is not True:
        handle.close()


def _info(root: Path) -> StoreInfo:
    size, newest = 0, 0.0
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            size += st.st_size
            if name != LOCK:  # made by looking (_exclusive) as much as by using: no sign of use
                newest = max(newest, st.st_mtime)
    try:
        used = (root / USED).stat().st_mtime
    except OSError:  # a store from before the stamp: its newest file says when it was last written
        used = newest
    lock = _exclusive(root)
    _release(lock)
    return StoreInfo(root, size, used, lock is None)


def list_stores(cache_root: Path) -> list[StoreInfo]:
    """Every store folder under `cache_root`/stores, least recently used first ([] without any)."""
    stores = Path(cache_root) / "stores"
    if not stores.is_dir():
        return []
    return sorted((_info(p) for p in stores.iterdir() if p.is_dir()), key=lambda s: (s.last_used, s.path.name))


def prune_stores(cache_root: Path, days: float, now: float | None = None) -> tuple[list[StoreInfo], list[StoreInfo]]:
    """Remove the stores under `cache_root`/stores last used more than `days` days (>= 0) before
    `now` (seconds since the epoch; default the clock) and not in use. Returns (removed, kept in
    use: old enough but held open, so kept). Raises ValueError for negative days."""
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    now = time.time() if now is None else now
    removed, busy = [], []
    for info in list_stores(cache_root):
        if info.last_used > now - days * DAY_S:
            continue
        lock = _exclusive(info.path)
        if lock is None:
            busy.append(info)
            continue
        try:
            shutil.rmtree(info.path)
        except OSError:
            busy.append(info)
            continue
        finally:
            _release(lock)
        removed.append(info)
    return removed, busy
