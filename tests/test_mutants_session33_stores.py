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


def test_a_geopackage_rerun_that_fetches_nothing_writes_not_a_byte(tmp_path):
    """WG2: a rerun that stores no tile leaves the .gpkg's bytes and time as they were, gpkg_contents'
    last_change included. The file's time is set back a minute first, so a write within the same clock
    tick as the first run (the kernel's mtime is coarser than st_mtime_ns reads) is still seen."""
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
    GpkgSink(path, SimpleNamespace(name="t", url=template.url, attribution=None), _deg_set(_one_degree())).close()
    assert path.stat().st_mtime_ns == old and path.read_bytes() == data
