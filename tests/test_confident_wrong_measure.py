"""training/confident_wrong.py measure watches what photo_support receives by standing in for
Workspace._supported; session 31 gave that method progress and cancel, and the stand-in (three
arguments) stopped every measurement with a TypeError (found by session 32, coarse32)."""

from __future__ import annotations

import inspect
from pathlib import Path

from geolocator.core.pipeline import Workspace

from .helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _script():
    return load_script(ROOT / "training" / "confident_wrong.py", "confident_wrong")


def test_the_stand_in_takes_what_the_pipeline_passes_and_forwards_it():
    calls = []

    def supported(queries, predictions, looked, progress=None, cancel=None):  # Workspace._supported's shape
        calls.append((queries, predictions, looked, progress, cancel))
        return ["out"]

    real = list(inspect.signature(Workspace._supported).parameters)[1:]
    assert real == list(inspect.signature(supported).parameters)  # the fake above is the real shape
    seen = {}
    wrapper = _script().recording(supported, seen)
    progress, cancel = object(), object()
    assert wrapper(("q",), ("p",), "looked", progress, cancel) == ["out"]
    assert calls == [(("q",), ("p",), "looked", progress, cancel)]
    assert seen == {"before": ["p"], "looked": "looked", "queries": ["q"]}
    assert wrapper(("q",), ("p",), None, cancel=cancel) == ["out"] and calls[-1][4] is cancel
