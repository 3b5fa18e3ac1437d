"""The app driven as a volunteer drives it (appuser32_session32.md): what a step shows must be true."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402


def _busy(monkeypatch, w, state: dict) -> None:
    monkeypatch.setattr(type(w.runner), "busy", property(lambda self: state["now"]))


def test_the_reversed_tones_box_waits_while_a_job_runs(qtbot, tmp_path, monkeypatch):
    """Ticking "Reversed tones (thermal)" during a Locate changed the verifier's tones under the running
    job (half the photos checked one way, half the other); like the mosaic, dense-search and changed-ground
    boxes it waits for the job to end."""
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    state = {"now": True}
    _busy(monkeypatch, w, state)
    w._refresh_actions()
    assert not w.backbone_panel.tones.isEnabled()
    state["now"] = False
    w._refresh_actions()
    assert w.backbone_panel.tones.isEnabled()
