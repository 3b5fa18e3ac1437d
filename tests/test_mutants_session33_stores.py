"""Tests the session-33 mutation check (training/mutation_check_session33.py) found missing for
content.texture_spread's cached basis, the tile stores' no-op rerun (core/sources/mbtiles.py,
wmts_grid.GpkgSink, fetch.py) and gui/workers.py's niceness: each kills a mutant the earlier tests let
through (named in its docstring)."""

from __future__ import annotations

import numpy as np
import pytest


def test_the_cached_surface_basis_cannot_be_changed_by_a_caller():
    """CT6: content._surface_basis is cached per image shape and shared by every photo of a camera: it
    is read-only, so no caller can change it in place and so every later photo's texture spread."""
    from geolocator.core.content import _surface_basis, texture_spread

    q = _surface_basis((40, 60))
    assert q is _surface_basis((40, 60)) and not q.flags.writeable
    with pytest.raises(ValueError):
        q[0, 0] = 1.0
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 255, (40, 60)).astype(np.uint8)
    assert texture_spread(grey) == texture_spread(grey.copy()) > 0


def test_a_geopackage_rerun_that_fetches_nothing_writes_not_a_byte(tmp_path, monkeypatch):
    """WG2: a rerun that stores no tile leaves the .gpkg's bytes and time as they were, gpkg_contents'
    last_change included. The file's time is set back a minute first, so a write within the same clock
    tick as the first run (the kernel's mtime is coarser than st_mtime_ns reads) is still seen, and the
    rerun's clock reads another second (a last_change rewritten with the same text writes nothing)."""
    import os
    from types import SimpleNamespace

    from geolocator.core.sources.wmts_grid import GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    path = tmp_path / "a.gpkg"
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    sink.put(0, 1, 1, b"\x89PNG\r\n\x1a\npng", "png")
    sink.close()
    old = path.stat().st_mtime_ns - 60 * 10**9
    os.utime(path, ns=(old, old))
    data = path.read_bytes()
    from geolocator.core.sources import wmts_grid

    later = SimpleNamespace(gmtime=lambda *a: None, strftime=lambda fmt, t=None: "2099-01-01T00:00:00Z")
    monkeypatch.setattr(wmts_grid, "time", later)
    GpkgSink(path, SimpleNamespace(name="t", url=template.url, attribution=None), _deg_set(_one_degree())).close()
    assert path.stat().st_mtime_ns == old and path.read_bytes() == data


def test_a_worker_five_steps_nicer_than_its_thread_when_there_is_room():
    """WK1: the worker's niceness is its thread's plus WORKER_NICE, not the larger of the two: a thread
    at niceness 10 (an app started under `nice -n 10`) reads 15 (the old max(10, 5) left the window level
    with its workers). test_worker_priority.py's test passes without checking anything when this process
    already runs at 14 or more (a sweep under two `nice -n 10`: 19); this one says it skipped there."""
    import os
    import sys
    import threading

    pytest.importorskip("PySide6.QtCore")
    if not sys.platform.startswith("linux"):
        pytest.skip("per-thread niceness is Linux's")
    from geolocator.gui.workers import WORKER_NICE, _lower_this_thread_priority

    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    start = max(here, 10)  # raising one's own niceness needs no privilege; lowering it does
    if start + WORKER_NICE > 19 or WORKER_NICE <= 0:
        pytest.skip(f"this process runs at niceness {here}: no room to tell the sum from the larger one")
    seen = []

    def run() -> None:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, start)
        _lower_this_thread_priority()
        seen.append(os.getpriority(os.PRIO_PROCESS, tid))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [start + WORKER_NICE]
