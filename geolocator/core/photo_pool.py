"""Photos verified side by side: the per-photo loops of geometric verification on a few threads.

Why threads, one torch thread each: a photo's verification is mostly LighterGlue / XFeat (torch)
and OpenCV calls, which release the GIL, on matrices too small for torch's own intra-op threads to
pay: the app on rotterdam-ms, idle 2-core machine, 2 torch threads, spent 3.55 CPU s a photo for
2.04 s wall, against 2.10 CPU s a photo with one thread (training/results/bench_gui_session23.md).
Two photos at once on one thread each use both cores instead.

The answers do not depend on the order or the interleaving: what a photo's verification returns
depends only on the photo, its candidates and the settings (rerank.Verifier._verify_photo), the
Verifier's shared caches are filled under its lock, and a shared matcher takes no per-call setting
from another thread (matchers/xfeat.py: the second look's early exit is a per-thread override; it
was not until session 27, and answers then depended on the timing). Results come back in the photos' order; the
caller's progress callback runs on the caller's thread, in that order.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from typing import TypeVar

from .errors import Cancelled
from .progress import CancelToken, check

T = TypeVar("T")

# More threads than this gain little on a laptop (the GIL-held Python between torch calls, memory
# bandwidth) and each holds a decoded photo and its description.
MAX_AUTO_WORKERS = 4


def cores() -> int:
    """The CPU cores this process may run on (its affinity where the OS says it, else cpu_count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # macOS / Windows have no affinity call
        return max(1, os.cpu_count() or 1)


def photo_workers(requested: int | None) -> int:
    """How many photos to verify at once: `requested` when >= 1, else (0 or None: automatic) one per
    core up to MAX_AUTO_WORKERS. Raises ValueError for a negative count."""
    if requested is not None and int(requested) < 0:
        raise ValueError(f"photos verified at once must be 0 (automatic) or more, not {requested}")
    if requested:
        return int(requested)
    return min(cores(), MAX_AUTO_WORKERS)


class _Linked(CancelToken):
    """A token set by its own cancel() or by the caller's token: the pool stops its threads when the
    caller's thread fails (an error, Ctrl-C) as well as when the user cancels."""

    def __init__(self, outer: CancelToken | None) -> None:
        super().__init__()
        self._outer = outer

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._outer is not None and self._outer.cancelled)

    def check(self) -> None:
        check(self._outer)  # the user's Cancel keeps its own message
        if self._event.is_set():
            raise Cancelled("stopped: another photo's verification failed")


@contextmanager
def _one_thread_each():
    """torch and OpenCV on one intra-op thread while the pool runs (restored after): each photo's
    thread is then one core's work, not two threads spinning for one core."""
    torch = sys.modules.get("torch")
    cv2 = sys.modules.get("cv2")
    before_torch = torch.get_num_threads() if torch is not None else None
    before_cv2 = cv2.getNumThreads() if cv2 is not None else None
    try:
        if torch is not None:
            torch.set_num_threads(1)
        if cv2 is not None:
            cv2.setNumThreads(1)
        yield
    finally:
        if torch is not None:
            torch.set_num_threads(before_torch)
        if cv2 is not None:
            cv2.setNumThreads(before_cv2)


def map_photos(work: Callable[[int, CancelToken | None], T], indices: Sequence[int], *, workers: int = 1,
               cancel: CancelToken | None = None, done: Callable[[int, int], None] | None = None) -> list[T]:
    """[work(i, token) for i in indices], up to `workers` at once (photo_workers), in that order.

    `token`: a CancelToken for work to pass on (set when `cancel` is, or when the caller's thread
    fails); `cancel` is also checked before each photo starts. `done(k, i)`: called on the caller's
    thread after the k-th result (1-based) in order, e.g. to emit progress. With workers <= 1 (or one
    photo) this is a plain loop on the caller's thread. Raises the first error in the photos' order
    (Cancelled on a cancel) after every started photo has stopped, so what they evaluated is kept
    (rerank.Verifier.verify_photo keeps its pairs in a finally)."""
    indices = list(indices)
    results: list[T] = []
    if workers <= 1 or len(indices) <= 1:
        for k, i in enumerate(indices, 1):
            check(cancel)
            results.append(work(i, cancel))
            if done is not None:
                done(k, i)
        return results
    token = _Linked(cancel)

    def run(i: int) -> T:
        token.check()
        return work(i, token)

    with _one_thread_each(), ThreadPoolExecutor(max_workers=workers, thread_name_prefix="geolocator-photo") as pool:
        futures = [pool.submit(run, i) for i in indices]
        pending, k = set(futures), 0
        try:
            while k < len(futures) and not token.cancelled:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                if any(f.exception() is not None for f in finished):
                    break  # a later photo's error stops the earlier ones too, not only the queued
                # photos finished after a Cancel are not reported: the job ends as at the Cancel
                while k < len(futures) and futures[k].done() and not token.cancelled:
                    results.append(futures[k].result())
                    k += 1
                    if done is not None:
                        done(k, indices[k - 1])
        finally:  # an error, a Cancel or Ctrl-C on this thread: the running photos stop at their next pair
            if k < len(futures):
                token.cancel()
                for future in futures:
                    future.cancel()
        if k < len(futures):
            wait(futures)  # every started photo has stopped (and kept its pairs) before the error is raised
            _raise_first_error(futures, cancel)
    return results


def _raise_first_error(futures, cancel: CancelToken | None) -> None:
    """Raise what stopped the pool: the first error in the photos' order that is no Cancelled (a
    fault), else the user's Cancel, else the pool's own stop."""
    errors = [f.exception() for f in futures if not f.cancelled() and f.exception() is not None]
    fault = next((e for e in errors if not isinstance(e, Cancelled)), None)
    if fault is not None:
        raise fault
    check(cancel)
    raise errors[0] if errors else Cancelled("stopped")
