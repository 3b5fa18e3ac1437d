"""Progress events and cancellation shared by every long-running job.

Long work takes `progress: ProgressCallback | None` and `cancel: CancelToken | None`.
The CLI renders events with tqdm, the GUI forwards them from a worker thread as signals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from .errors import Cancelled


@dataclass
class ProgressEvent:
    stage: str  # "extract:tiles", "extract:queries", "adapt", "search", ...
    step: int  # units done so far
    total: int  # units in this stage
    message: str = ""
    eta_s: float | None = None
    metrics: dict = field(default_factory=dict)  # e.g. loss parts, pseudo-pairs, quality signal


ProgressCallback = Callable[[ProgressEvent], None]


class CancelToken:
    """Thread-safe flag checked between steps; `check()` raises Cancelled once set."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise Cancelled("cancelled by the user")


class EtaClock:
    """Estimates time left from the mean pace so far."""

    def __init__(self, total: int) -> None:
        self.total = max(int(total), 1)
        self.start = time.perf_counter()

    def eta(self, done: int) -> float | None:
        if done <= 0:
            return None
        elapsed = time.perf_counter() - self.start
        return elapsed / done * max(self.total - done, 0)


def emit(progress: ProgressCallback | None, event: ProgressEvent) -> None:
    if progress is not None:
        progress(event)


def check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()
