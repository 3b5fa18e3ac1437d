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

    Session 32 (eta32_session32.md), for work the caches answer: a stage also goes at its own pace once
    OWN_PACE_AFTER_UNITS units are done since its first event at under CACHED_PACE of the table's cost,
    however soon (kept checks answer a photo in ~0.02 s against the table's 1.0); a stage whose own pace
    is not known yet is priced at the pace of its FAMILY's stages already run (the tiles' features; the
    photos' features and checks) when those ran at under CACHED_PACE real s per planned s (answered
    from the caches: the same photos' checks are most likely kept too), floored at CACHED_FLOOR,
    instead of the job's pace floored at 0.25. In a job's first SAY_AFTER_S no ETA is said while a
    stage of a FAMILY is left unmeasured, until one of them has had a pace of its own or its family's:
    on a warm demo opening the table's figure was "4:50 left" for 3 s of work. Each interval between
    two events is counted to the stage of the later one (its time, when the cache answers a whole stage
    in one event).
    """

    OWN_PACE_AFTER_S = 2.0  # a stage's own pace once it has run this long since its first event
    OWN_PACE_AFTER_UNITS = 8  # ... or once it has done this many since then, far faster than the table
    SAY_AFTER_S = 1.0  # no table-only figure before this while a FAMILY stage is unmeasured
    # a stage or family running at under this many real s per planned s: answered from the caches (a
    # warm demo: photo features 0.0002, kept checks 0.02; cold: photo features 0.05, tiles 0.1)
    CACHED_PACE = 0.03
    CACHED_FLOOR = 0.02  # the least pace a stage is priced at from its family (warm demo: verify 0.02)
    FAMILY = {"extract:tiles": "tiles", "extract:queries": "photos", "verify": "photos", "support": "photos"}

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
        self._spent: dict[str, float] = {}  # key -> seconds between events counted to it (the later event's)
        self._last = self.start  # the clock at the latest event
        self._measured = False  # a stage of a FAMILY has had a pace of its own or its family's
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

    def _family_pace(self, family: str) -> float | None:
        """Real seconds per planned second of the `family`'s stages so far, when at least
        OWN_PACE_AFTER_UNITS of their units are done and they ran under CACHED_PACE (floored at
        CACHED_FLOOR); None otherwise."""
        keys = [k for k in self.units if self.FAMILY.get(k.split("#")[0]) == family]
        units = sum(min(self.done.get(k, 0.0), self.units[k]) for k in keys)
        planned = sum(self._seconds(k, min(self.done.get(k, 0.0), self.units[k])) for k in keys)
        if units < self.OWN_PACE_AFTER_UNITS or planned <= 0:
            return None
        pace = sum(self._spent.get(k, 0.0) for k in keys) / planned
        return max(pace, self.CACHED_FLOOR) if pace < self.CACHED_PACE else None

    def _own_pace(self, key: str, now: float) -> float | None:
        """The stage's own seconds per unit since its first event, once it has run OWN_PACE_AFTER_S, or
        done OWN_PACE_AFTER_UNITS units since then at under CACHED_PACE of the table's cost; None before."""
        t0, done0 = self._first.get(key, (now, 0.0))
        since = self.done.get(key, 0.0) - done0
        if since <= 0:
            return None
        own = (now - t0) / since
        if now - t0 >= self.OWN_PACE_AFTER_S:
            return own
        cached = own < self.CACHED_PACE * self._seconds(key, 1.0)
        return own if cached and since >= self.OWN_PACE_AFTER_UNITS else None

    def eta(self) -> float | None:
        planned_done = sum(self._seconds(s, min(self.done.get(s, 0.0), u)) for s, u in self.units.items())
        now = self.clock()
        elapsed = now - self.start
        if planned_done <= 0 or elapsed <= 0:
            return None
        pace = max(elapsed / planned_done, 0.25)  # real s per planned s; cache hits make done work look free: floored
        left, measured, unknown = 0.0, False, False
        families: dict[str, float | None] = {}
        for key, units in self.units.items():
            rest = max(units - self.done.get(key, 0.0), 0.0)
            if rest <= 0:
                continue
            own = self._own_pace(key, now)
            family = self.FAMILY.get(key.split("#")[0])
            if own is not None:
                measured = measured or family is not None
                left += rest * own  # its own seconds per unit since its first event
                continue
            if family is not None and family not in families:
                families[family] = self._family_pace(family)
            kin = families.get(family) if family is not None else None
            measured = measured or kin is not None
            unknown = unknown or (family is not None and kin is None)
            left += self._seconds(key, rest) * (kin if kin is not None else pace)
        self._measured = self._measured or measured
        if elapsed < self.SAY_AFTER_S and unknown and not self._measured:
            return None  # what the caches hold is not known yet: the table's figure may be 100x too high
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
            now = self.clock()
            self._first.setdefault(key, (now, self.done[key]))
            self._spent[key] = self._spent.get(key, 0.0) + max(now - self._last, 0.0)
            self._last = max(self._last, now)
        frac = self.fraction()
        return ProgressEvent("job", int(round(frac * 1000)), 1000, event.message, self.eta(),
                             {**event.metrics, "stage": event.stage})
