"""The results panel shows what a photo's metadata says, and why its GPS is not truth."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")

from geolocator.core.media.metadata import meta_summary  # noqa: E402
from geolocator.core.model import PhotoMeta, Query  # noqa: E402
from geolocator.gui.results_panel import ResultsPanel  # noqa: E402

META = PhotoMeta(make="DJI", model="<b>FC300S</b>", width=4000, height=2250, relative_altitude_m=39.8,
                 gimbal_yaw_deg=45.0, gimbal_pitch_deg=-89.9, focal_length_mm=3.61, sensor_width_mm=6.16,
                 captured_at=datetime(2016, 6, 23, 16, 31, 59))


def test_meta_summary_line():
    line = meta_summary(META)
    assert line == ("DJI <b>FC300S</b>  ·  39.8 m above take-off  ·  gimbal yaw 45.0°, pitch -89.9°  ·  "
                    "footprint ~68 x 38 m  ·  2016-06-23 16:31:59 (camera clock, no zone recorded)")
    assert meta_summary(PhotoMeta()) is None and meta_summary(None) is None


def test_results_panel_shows_metadata_and_truth_note(qtbot):
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    note = "EXIF GPS fix is void (GPSStatus V, measurement void): not used as truth"
    panel.show_query(Query("a.jpg", Path("a.jpg"), truth_note=note, meta=META), None, None, {})
    text = panel.details.text().replace("\xa0", " ")  # no-break spaces keep figures whole (core.wording)
    assert f"Truth unknown: {note}" in text
    assert "Photo  DJI <b>FC300S</b>" in text and "39.8 m above take-off" in text  # shown as text, not HTML
    panel.show_query(Query("b.jpg", Path("b.jpg")), None, None, {})
    assert "Truth unknown (no truth.csv entry or EXIF GPS)" in panel.details.text() and "Photo" not in panel.details.text()


def test_open_dialog_offers_heic_and_dng():
    from geolocator.gui.main_window import photo_filter

    first = photo_filter().split(";;")[0]
    for pattern in ("*.heic", "*.HEIC", "*.heif", "*.dng", "*.DNG", "*.jpg", "*.JPG", "*.png", "*.tif", "*.webp"):
        assert pattern in first
