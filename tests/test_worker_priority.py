"""The worker thread yields the CPU to the window's thread whatever niceness the app was started
with: its niceness is the app's plus WORKER_NICE (training/results/stall33_session33.md)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

pytest.importorskip("PySide6.QtCore")

from geolocator.gui.workers import _lower_this_thread_priority  # noqa: E402

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _niceness_after(start: int, nice: int) -> int:
    """A fresh thread's niceness once set to `start` and then lowered by `nice` (the process's own
    niceness is left alone: setpriority with a thread id changes that thread only on Linux)."""
    seen = []

    def run() -> None:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, start)
        _lower_this_thread_priority(nice)
        seen.append(os.getpriority(os.PRIO_PROCESS, tid))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return seen[0]


def test_a_worker_is_nicer_than_a_window_started_under_nice():
    """Started with `nice -n 10`, the app's worker stayed at 10 (max(10, 5)), level with the window,
    which waited for a CPU behind its own verification threads; now 15."""
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    start = max(here, 10)  # never lower than this process is (that needs privileges)
    assert _niceness_after(start, 5) == min(19, start + 5)


def test_a_worker_s_niceness_stops_at_19_and_zero_leaves_it():
    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert _niceness_after(max(here, 17), 5) == 19
    assert _niceness_after(max(here, 10), 0) == max(here, 10)


def test_a_worker_niceness_that_is_no_number_is_said_and_the_default_used():
    """Input: GEOLOCATOR_WORKER_NICE=high. Before (docs37): `int("high")` at import stopped the app at start
    with a ValueError traceback. Now one warning names the variable and the default (5) is used."""
    import subprocess

    env = {**os.environ, "GEOLOCATOR_WORKER_NICE": "high", "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", "from geolocator.gui import workers; print(workers.WORKER_NICE)"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["5"] and "Traceback" not in done.stderr
    assert "GEOLOCATOR_WORKER_NICE='high' is not a whole number" in done.stderr


def test_a_worker_niceness_from_the_environment():
    from geolocator.gui.workers import DEFAULT_WORKER_NICE, worker_nice

    assert [worker_nice(v) for v in (None, "", " 7 ", "0", "-2")] == [DEFAULT_WORKER_NICE, DEFAULT_WORKER_NICE, 7, 0, -2]
