"""The results panel states the same error as the list and the exports: the camera against a
recorded camera position when PnP knows it (export.compared_error), else the Point.

Found by the session-6 new-user trial: a DJI frame read "0.08 m" in the list and "error 0.11 m"
beside its truth in the panel (the image centre's ground point against the camera's GPS).
"""

from __future__ import annotations

import os

import pytest

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from geolocator.core.export import compared_error  # noqa: E402
from geolocator.core.geo import format_distance  # noqa: E402
from geolocator.gui.results_panel import ResultsPanel  # noqa: E402

from .test_camera import _verified_photo  # noqa: E402


def test_the_panel_shows_the_error_the_list_and_exports_show(qtbot, tmp_path):
    prediction, _ = _verified_photo(tmp_path)  # an oblique view: its centre is ~29 m from the camera
    error, kind = compared_error(prediction)
    assert kind == "camera" and abs(error - prediction.error_m) > 5
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(prediction.query, prediction, None, {})
    text = panel.details.text().replace("\xa0", " ")  # figures are kept whole with no-break spaces (wording.keep_figures_together)
    assert f"error {format_distance(error)} (camera position)" in text
    assert f"error {format_distance(prediction.error_m)}" not in text
