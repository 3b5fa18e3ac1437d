"""Runs core work off the UI thread, one job at a time, with progress, cancel and a clean shutdown.

One long-lived QThread hosts an executor object; jobs are queued (files dropped while an adaptation
runs are handled after it). A job is a plain function `fn(progress, cancel) -> result`; its progress
events, result or error come back to the UI thread as queued signals, so widgets are only ever
touched from the UI thread.
"""

from __future__ import annotations

import gc
import itertools
import logging
import os
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ..core.errors import Cancelled
from ..core.names import readable
from ..core.progress import CancelToken, ProgressEvent
from .warnings_log import app_wording

log = logging.getLogger("geolocator.gui")

# Background work runs at a lower priority than the window (measured on 2 busy cores: longest UI stall
# while adapting 26 ms at nice 5 against 118-509 ms at nice 0; the work itself slows only when other
# programs compete for the CPU). GEOLOCATOR_WORKER_NICE overrides it.
PROGRESS_INTERVAL_MS = 50
DEFAULT_WORKER_NICE = 5


def worker_nice(raw: str | None) -> int:
    """The niceness added to the worker thread: `raw` (GEOLOCATOR_WORKER_NICE's value) as a whole number,
    else DEFAULT_WORKER_NICE. A value that is not a whole number is said in one warning naming the
    variable and the default is used: it made the app stop at start with a ValueError traceback (docs37)."""
    if raw is None or not raw.strip():
        return DEFAULT_WORKER_NICE
    try:
        return int(raw)
    except ValueError:
        log.warning("GEOLOCATOR_WORKER_NICE=%r is not a whole number (a niceness such as 5, or 0 to run the "
                    "background work at the window's priority): %d is used", raw, DEFAULT_WORKER_NICE)
        return DEFAULT_WORKER_NICE


WORKER_NICE = worker_nice(os.environ.get("GEOLOCATOR_WORKER_NICE"))

JobFn = Callable[..., Any]  # fn(progress=..., cancel=...) -> result


@dataclass
class Job:
    title: str  # shown beside the progress bar
    fn: JobFn
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException, str], None] | None = None
    on_cancel: Callable[[], None] | None = None
    id: int = field(default_factory=itertools.count(1).__next__)
    # expected units per stage ({"extract:tiles": 288, "adapt": 60, ...}): the job shows ONE bar
    # over all its stages, weighted by their measured cost (core.progress.JobProgress)
    plan: dict[str, float] = field(default_factory=dict)
    # Keep the cyclic collector off while the job runs: for a job that builds a large heap at once
    # (loading the backbone imports torch), each full pass over the growing heap holds the GIL and
    # froze the window 70-510 ms, six times at the app's start (bench_gui, load ~6, session 14).
    quiet_collector: bool = False


def _stage_of(event: ProgressEvent) -> str:
    """The stage an event reports: a job-wide event (stage "job") names the running one in its metrics."""
    if event.stage == "job":
        return str((event.metrics or {}).get("stage") or event.stage)
    return event.stage


def _lower_this_thread_priority(nice: int | None = None) -> None:
    """Linux: make the worker thread (and the torch/OpenMP threads it creates, which inherit it)
    yield the CPU to the UI thread; on a 2-core machine this is what keeps the window responsive.
    `nice` (default WORKER_NICE) is added to the thread's own niceness (at most 19): an app started
    with `nice -n 10` had its workers at 10 too, level with its window, and its UI thread waited for
    a CPU behind its own verification threads (training/results/stall33_session33.md)."""
    nice = WORKER_NICE if nice is None else nice
    if nice <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except (AttributeError, OSError):  # pragma: no cover - not permitted / not supported
        pass


class _WarningsOfAJob(logging.Handler):
    """The warnings the core logs (logger "geolocator": an --epsg that changed nothing, a skipped
    photo, a cache that cannot be written...) while one job runs, for the app's Warnings place: the
    CLI prints them on stderr, which an app user never sees. Records from the UI thread are not the
    job's (its own logging, e.g. a failed job's traceback), so they are left out."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self._ui_thread = threading.main_thread().ident

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self._ui_thread:
            return
        try:
            # a CRS the user gave: named as the app asks it; a name that is not UTF-8 as names.readable
            # writes it (Qt drops a lone surrogate: "Karte M\\udce4rz" would show as "Karte Mrz")
            self.messages.append(readable(app_wording(record)))
        except Exception:  # noqa: BLE001 - a malformed record must not break the job
            self.handleError(record)


class _Executor(QObject):
    """Lives in the worker thread; runs whatever the runner hands it."""

    progress = Signal(int, object)  # job id, ProgressEvent
    warned = Signal(int, object)  # job id, [message]: the job's logged warnings, before its outcome
    done = Signal(int, object)
    failed = Signal(int, object, str)  # job id, exception, traceback text
    cancelled = Signal(int)

    _prioritised = False

    @Slot(object, object)
    def run(self, job: Job, token: CancelToken) -> None:
        if not self._prioritised:
            self._prioritised = True
            _lower_this_thread_priority()
        from ..core.progress import JobProgress
        from .progress_panel import STAGE_SECONDS_PER_UNIT

        # Folded here, in the worker, so every stage event counts (the UI sees a coalesced few).
        tracker = JobProgress(job.plan, STAGE_SECONDS_PER_UNIT)

        def progress(event: ProgressEvent) -> None:
            self.progress.emit(job.id, tracker.update(event))

        collecting = gc.isenabled()
        if job.quiet_collector:
            gc.disable()
        said = _WarningsOfAJob()
        core_log = logging.getLogger("geolocator")
        core_log.addHandler(said)

        def outcome(signal, *args) -> None:  # the warnings first: the UI has them when the outcome shows
            core_log.removeHandler(said)
            if said.messages:
                self.warned.emit(job.id, list(said.messages))
            signal.emit(job.id, *args)

        try:
            token.check()
            result = job.fn(progress=progress, cancel=token)
        except Cancelled:
            outcome(self.cancelled)
        except MemoryError as exc:  # say it plainly; the app keeps its previous results
            outcome(self.failed, MemoryError("out of memory: try fewer images or a smaller batch"), repr(exc))
        except BaseException as exc:  # noqa: BLE001 - every failure must reach the user, never kill the thread
            outcome(self.failed, exc, traceback.format_exc())
        else:
            outcome(self.done, result)
        finally:
            core_log.removeHandler(said)  # (again: harmless) whatever happened above
            # What a job leaves alive (torch's modules, the model, caches) lives as long as the app.
            # Left to the cyclic collector, every full pass walks it all while holding the GIL:
            # measured 70-240 ms UI stalls while adapting, whichever thread triggered the pass.
            gc.freeze()
            if collecting:
                gc.enable()


class _WorkerThread(QThread):
    """The worker thread, its event loop run from Python: the thread then keeps ONE Python thread
    state for its whole life. A plain QThread gives each queued call a fresh thread state
    (PySide's PyGILState_Ensure/Release), and threading.local values die with it: pyproj 3.7.2
    keeps its per-thread PROJ context's owner in a threading.local but the context pointer in the
    OS thread's storage, so the second job that made a CRS used a freed context and crashed the app
    (opening a GeoTIFF a second time, session 16; pyproj issues 1509 and 1622)."""

    def run(self) -> None:
        self.exec()


class JobRunner(QObject):
    """Queue of jobs for one worker thread. Signals are emitted on the UI thread."""

    started = Signal(object)  # Job
    progress = Signal(object, object)  # Job, ProgressEvent
    warned = Signal(object, object)  # Job, [message]: the warnings the core logged while it ran
    finished = Signal(object, str)  # Job, "done" | "failed" | "cancelled"
    idle = Signal()
    _submit = Signal(object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = _WorkerThread()
        self._thread.setObjectName("geolocator-worker")
        self._executor = _Executor()
        self._executor.moveToThread(self._thread)
        self._submit.connect(self._executor.run)
        self._executor.progress.connect(self._on_progress)
        self._executor.warned.connect(self._on_warned)
        self._executor.done.connect(self._on_done)
        self._executor.failed.connect(self._on_failed)
        self._executor.cancelled.connect(self._on_cancelled)
        self._queue: deque[Job] = deque()
        self._current: Job | None = None
        self._token: CancelToken | None = None
        self._closed = False
        self._pending_event: ProgressEvent | None = None
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(PROGRESS_INTERVAL_MS)
        self._flush_timer.timeout.connect(self._flush_progress)
        self._thread.start()

    # -- state ------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    @property
    def current(self) -> Job | None:
        return self._current

    # -- control ----------------------------------------------------------------------------------
    def submit(self, job: Job) -> Job:
        if self._closed:
            raise RuntimeError("the worker is shut down")
        self._queue.append(job)
        self._next()
        return job

    def cancel(self) -> bool:
        """Cancel the running job and drop the queued ones; True when there was something to stop."""
        had = self.busy
        self._queue.clear()
        if self._token is not None:
            self._token.cancel()
        return had

    def shutdown(self, timeout_ms: int = 60_000) -> bool:
        """Cancel everything and stop the thread; the core checks the token between steps, so this
        returns within one step. Never leaves a running QThread behind."""
        self._closed = True
        self.cancel()
        self._thread.quit()
        ok = self._thread.wait(timeout_ms)
        if not ok:  # pragma: no cover - a step that never returns; better a stuck exit than a crash
            log.error("the worker did not stop within %d ms; waiting for it", timeout_ms)
            ok = self._thread.wait()
        return ok

    # -- plumbing ---------------------------------------------------------------------------------
    def _next(self) -> None:
        if self._current is not None or not self._queue or self._closed:
            return
        self._current = self._queue.popleft()
        self._token = CancelToken()
        self.started.emit(self._current)
        self._submit.emit(self._current, self._token)

    def _finish(self, job_id: int, outcome: str, call: Callable[[Job], None]) -> None:
        job = self._current
        if job is None or job.id != job_id:  # pragma: no cover - defensive
            return
        self._flush_progress()  # the last step's figures (e.g. final quality) still reach the UI
        self._flush_timer.stop()
        self._current, self._token = None, None
        try:
            if not self._closed:
                call(job)
        except Exception:  # a UI callback bug must not wedge the queue
            log.exception("error while handling the result of %s", job.title)
        self.finished.emit(job, outcome)
        self._next()
        if self._current is None:
            self.idle.emit()

    @Slot(int, object)
    def _on_progress(self, job_id: int, event: ProgressEvent) -> None:
        # Coalesce: a stage can report hundreds of tiny steps at once, and re-laying out the progress
        # widgets for each froze the window for ~0.3 s; the UI shows the latest one per interval.
        if self._current is not None and self._current.id == job_id:
            if (event.metrics or {}).get("preview"):  # something to show before the job ends: never dropped
                self.progress.emit(self._current, event)
                return
            pending = self._pending_event
            if pending is not None and _stage_of(pending) != _stage_of(event):
                # a stage's last event ("done: 0 failed", its final count) is shown before the next
                # stage's: coalescing only folds steps within one stage (bench_gui's rows lost a stage
                # when the next one began within the interval, under load)
                self.progress.emit(self._current, pending)
            self._pending_event = event
            if not self._flush_timer.isActive():
                self._flush_timer.start()

    def _flush_progress(self) -> None:
        event, self._pending_event = self._pending_event, None
        if event is not None and self._current is not None:
            self.progress.emit(self._current, event)

    @Slot(int, object)
    def _on_warned(self, job_id: int, messages: list) -> None:
        if self._current is not None and self._current.id == job_id:
            self.warned.emit(self._current, messages)

    @Slot(int, object)
    def _on_done(self, job_id: int, result: Any) -> None:
        self._finish(job_id, "done", lambda j: j.on_done and j.on_done(result))

    @Slot(int, object, str)
    def _on_failed(self, job_id: int, exc: BaseException, tb: str) -> None:
        log.warning("job failed: %s", tb)
        self._finish(job_id, "failed", lambda j: j.on_error and j.on_error(exc, tb))

    @Slot(int)
    def _on_cancelled(self, job_id: int) -> None:
        self._finish(job_id, "cancelled", lambda j: j.on_cancel and j.on_cancel())
