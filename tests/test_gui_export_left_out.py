"""The app's Export Predictions message for a GPX that leaves not-located photos out (session 33, appuser33 on
field case 11): it read "Saved 4 predictions to p.gpx Not located, so left out (no position to give): …" for
a file holding 1 waypoint, the count wrong and the two sentences run together."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from .helpers import app_window  # noqa: E402
from .test_not_located_exports import _preds  # noqa: E402 - a blurred photo not located, a verified one


def _exported(qtbot, tmp_path, name: str) -> str:
    from geolocator.gui.settings import AppSettings

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    w.predictions = {p.query.id: p for p in _preds()}
    out = tmp_path / name
    w.export_predictions(out)
    qtbot.waitUntil(lambda: not w.runner.busy and out.exists(), timeout=60_000)
    qtbot.waitUntil(lambda: "Saved" in w.message_bar.text, timeout=60_000)
    return w.message_bar.text


def test_a_gpx_export_says_how_many_it_holds_and_names_those_left_out(qtbot, tmp_path):
    out = tmp_path / "p.gpx"
    assert _exported(qtbot, tmp_path, "p.gpx") == (
        f"Saved 1 of 2 predictions to {out}. Not located, so left out (no position to give): cap.jpg.")


def test_other_formats_list_every_photo_and_say_so(qtbot, tmp_path):
    assert _exported(qtbot, tmp_path, "p.kml") == f"Saved 2 predictions to {tmp_path / 'p.kml'}"
