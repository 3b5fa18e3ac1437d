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


# Events a long loop sends per stage at most: a bar moves smoothly, and a GUI thread is not
# flooded (100k tiles sent 100k queued signals to the UI thread).
MAX_STAGE_EVENTS = 200


def thinned(progress: ProgressCallback | None, total: int,
            max_events: int = MAX_STAGE_EVENTS) -> ProgressCallback | None:
    """`progress` passing on at most about `max_events` of a stage's events: those whose step is a
    multiple of ceil(total / max_events), and the last (step >= total). None stays None."""
    if progress is None:
        return None
    every = max(1, -(-int(total) // max(1, int(max_events))))

    def forward(event: ProgressEvent) -> None:
        if event.step % every == 0 or event.step >= total:
            progress(event)

    return forward


def check(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.check()


class JobProgress:
    """Folds the events of a job's stages into ONE job-wide progress: a fraction of the whole job
    and an ETA for the whole job, not for the stage that happens to be running.

    `plan` maps each stage the job is expected to run to its expected units (tiles x views, photos,
    steps ...); `seconds_per_unit` maps stages to their measured cost per unit
    (training/bench_stages.py), so stages count by time, not by units. A stage's real `total`
    replaces the planned units when its first event arrives; a stage outside the plan joins it then.
    The fraction never goes backwards. The ETA scales the planned seconds still to do by how fast the
    work done so far actually went against its plan (all of it when a stage was answered from the
    cache almost instantly, so one cached stage does not make the rest look free); what is left of a
    stage that has been running for a while goes at that stage's own pace since its first event: the
    costs' ratios are one machine's, and on another the running stage is the best measure of itself
    (session 31: opening the demo said "22 s left" with 117 s to go, verification being 15x dearer
    against the tiles than the table says; newuser31_session31.md).
    """

    OWN_PACE_AFTER_S = 2.0  # a stage's own pace once it has run this long since its first event

    def __init__(self, plan: dict[str, float], seconds_per_unit: dict[str, float], *,
                 default_cost: float = 0.05, clock: Callable[[], float] = time.perf_counter) -> None:
        self.cost = dict(seconds_per_unit)
        self.default_cost = default_cost
        self.units = {stage: float(units) for stage, units in plan.items()}
        self.done = {stage: 0.0 for stage in plan}
        self.clock = clock
        self.start = clock()
        self._key: dict[str, str] = {}  # stage -> its key in units/done (a stage run again gets a new one)
        self._first: dict[str, tuple[float, float]] = {}  # key -> (clock, units done) at its first event
        self._fraction = 0.0

    def _seconds(self, key: str, units: float) -> float:
        return units * self.cost.get(key.split("#")[0], self.default_cost)

    def fraction(self) -> float:
        total = sum(self._seconds(s, u) for s, u in self.units.items())
        if total <= 0:
            return self._fraction
        done = sum(self._seconds(s, min(self.done.get(s, 0.0), u)) for s, u in self.units.items())
        self._fraction = max(self._fraction, min(done / total, 1.0))
        return self._fraction

    def eta(self) -> float | None:
        planned_done = sum(self._seconds(s, min(self.done.get(s, 0.0), u)) for s, u in self.units.items())
        planned_left = sum(self._seconds(s, max(u - self.done.get(s, 0.0), 0.0)) for s, u in self.units.items())
        now = self.clock()
        elapsed = now - self.start
        if planned_done <= 0 or elapsed <= 0:
            return None
        pace = max(elapsed / planned_done, 0.25)  # real s per planned s; cache hits make done work look free: floored
        left = 0.0
        for key, units in self.units.items():
            rest = max(units - self.done.get(key, 0.0), 0.0)
            if rest <= 0:
                continue
            t0, done0 = self._first.get(key, (now, 0.0))
            ran = now - t0
            since = self.done.get(key, 0.0) - done0
            if ran >= self.OWN_PACE_AFTER_S and since > 0:
                left += rest * ran / since  # its own seconds per unit since its first event
            else:
                left += self._seconds(key, rest) * pace
        return left

    def update(self, event: ProgressEvent) -> ProgressEvent:
        """The job-wide event for this stage event: stage "job", step/total in thousandths, the
        stage's own event kept as the message and metrics."""
        if event.total > 0:
            key = self._key.get(event.stage, event.stage)
            if self.done.get(key, 0.0) >= self.units.get(key, float("inf")) and event.step < event.total:
                # the stage runs again (locate after adapt draws the map again): its own share
                n = sum(1 for k in self.units if k.split("#")[0] == event.stage)
                key = self._key[event.stage] = f"{event.stage}#{n + 1}"
            if key not in self.units or self.done.get(key, 0.0) == 0.0:
                self.units[key] = float(event.total)  # the real size replaces the plan's guess
            else:
                self.units[key] = max(self.units[key], float(event.total))
            self.done[key] = max(self.done.get(key, 0.0), float(min(event.step, event.total)))
            self._first.setdefault(key, (self.clock(), self.done[key]))
        frac = self.fraction()
        return ProgressEvent("job", int(round(frac * 1000)), 1000, event.message, self.eta(),
                             {**event.metrics, "stage": event.stage})
