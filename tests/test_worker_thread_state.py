"""The app's worker thread keeps one Python thread state for its life (session 16): reopening a
GeoTIFF crashed the app (a segmentation fault in pyproj's proj_create under the second job), as
pyproj 3.7.2 frees its per-thread PROJ context with the thread state that a plain QThread renews
for every queued call (pyproj issues 1509 and 1622)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.workers import Job, JobRunner  # noqa: E402


def test_jobs_share_one_python_thread_state(qtbot):
    """What a job keeps in a threading.local is still there for the next job on the worker thread:
    pyproj 3.7.2 keeps its PROJ context's owner there, and a plain QThread (a fresh thread state a
    call) freed the context under the next job, which crashed the app reopening a GeoTIFF."""
    import threading

    runner = JobRunner()
    local = threading.local()
    seen = []

    def first(progress, cancel):
        local.owner = object()
        seen.append(id(local.owner))

    def second(progress, cancel):
        seen.append(id(getattr(local, "owner", None)))

    runner.submit(Job("first", first))
    runner.submit(Job("second", second))
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=20_000)
    assert runner.shutdown()
    assert seen[1] == seen[0] != id(None)


def test_a_crs_made_in_one_job_and_another_in_the_next_do_not_crash(qtbot):
    """The crash itself (before: a segmentation fault in proj_create under the second job)."""
    from geolocator.core.geo import parse_crs

    runner = JobRunner()
    made = []
    wkt = parse_crs(32633).to_wkt()
    for _ in range(3):
        runner.submit(Job("crs", lambda progress, cancel: made.append(parse_crs(wkt).to_epsg())))
    qtbot.waitUntil(lambda: len(made) == 3, timeout=20_000)
    assert runner.shutdown()
    assert made == [32633, 32633, 32633]
