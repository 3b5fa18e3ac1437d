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
