"""One run at a time computes a feature store's tile features; another run on the same cache folder
waits for it and then reads them (resume37).

newuser37 started two `locate`s at once on one fresh cache folder (49 Rotterdam tiles): each computed
all 49 tiles' features (112 s and 110 s side by side, on 2 cores), although the store (core/store.py)
already lets several writers append safely: neither knew the other was computing the same rows.
A run now holds an exclusive lock on `compute.lock` in the store's folder while it computes
(filelock: flock on POSIX, LockFileEx on Windows; the OS releases it when the process ends, even
killed, so a crashed run never leaves the others waiting). A run that finds it held says so in one
line, waits (cancellable, a progress event a second), then opens the store and computes only what
the other run left (nothing, when that one finished; the rest, when it was stopped).

A folder where the lock file cannot be made (a read-only cache) is not waited on: the run goes on
as before (the store then keeps its rows in memory, store.FeatureStore.write_error).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .progress import CancelToken, ProgressCallback, ProgressEvent, check, emit

log = logging.getLogger("geolocator")
COMPUTE_LOCK = "compute.lock"
POLL_S = 1.0  # how often a waiting run checks Cancel and reports how long it has waited


def waiting_line(folder: Path) -> str:
    """The line a run says when another holds `folder`'s compute lock."""
    return (f"tiles: another geolocator is computing these tiles' features in the cache folder ({folder}); "
            "waiting for it, then its features are read, not computed again")


@contextmanager
def computing_alone(folder: Path | str, *, total: int = 0, stage: str = "extract:tiles",
                    progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
                    poll_s: float = POLL_S) -> Iterator[bool]:
    """Hold `folder`/COMPUTE_LOCK for the block (created with its folder when missing); yields True
    when it waited for another holder first, False otherwise. While another process (or another
    FileLock in this one) holds it: waiting_line once in the log, then a ProgressEvent(stage, 0,
    `total`, "waiting for another geolocator … (N s)") every `poll_s` seconds, `cancel` checked as
    often (raises Cancelled). A folder where the lock cannot be made (OSError: read-only, full) is
    not locked: the block runs at once (logged at debug level)."""
    folder = Path(folder)
    lock = FileLock(str(folder / COMPUTE_LOCK))
    waited = False
    try:
        folder.mkdir(parents=True, exist_ok=True)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            waited = True
            log.info("%s", waiting_line(folder))
            began = time.monotonic()
            while True:
                emit(progress, ProgressEvent(stage, 0, total, "waiting for another geolocator computing these "
                                             f"tiles' features ({time.monotonic() - began:.0f} s)"))
                check(cancel)
                try:
                    lock.acquire(timeout=poll_s)
                    break
                except Timeout:
                    continue
    except OSError as exc:
        log.debug("%s: no compute lock (%s); computing without waiting for other runs", folder, exc)
        yield False
        return
    try:
        yield waited
    finally:
        lock.release()
