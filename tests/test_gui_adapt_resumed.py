"""The app says when an adaptation continued from an interrupted one (core/adapt/resume.py), and
its Cancel message says the finished rounds are kept. Fails before the fix: the message said only
"Adapted to this region; the adapter is saved for this tile set."."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.core.model import Query  # noqa: E402
from geolocator.gui.jobs import Results  # noqa: E402

from .test_imagery_dialog import _window  # noqa: E402


def test_an_adaptation_that_continued_says_from_which_round(qtbot, tmp_path, monkeypatch):
    w = _window(qtbot, tmp_path)
    w.tileset_path = tmp_path / "tiles.csv"
    w.queries = {"a": Query(id="a", path=tmp_path / "a.jpg")}
    monkeypatch.setattr(w.session, "adapter_folder_problem", lambda: None)

    def adapt(queries, **kwargs):  # what Session.adapt leaves: the adapter in use, its card
        w.session.ws._adapter = SimpleNamespace(card={"resumed_at_round": 4, "hyper_parameters": {"rounds": 5}})
        return Results([], {}, None, None, None, None)

    monkeypatch.setattr(w.session, "adapt", adapt)
    w.adapt()
    qtbot.waitUntil(lambda: not w.runner.busy and "Adapted" in w.message_bar.text, timeout=30_000)
    assert ("Adapted to this region; the adapter is saved for this tile set. It continued at round 4 of 5, where "
            "an interrupted adaptation had stopped.") in w.message_bar.text
    w._on_cancelled()
    assert "an adaptation's finished rounds are kept" in w.message_bar.text
    w.close()
