"""The export dialog's name box follows the chosen file type (newuser session 15: KML chosen, the box
still read "predictions.geojson" though a .kml was written). Qt's own dialog renames when a user picks
a filter from its combo box; a native (GTK) dialog only emits `filterSelected`, which these tests emit
the same way, so they check the app's own handling, not Qt's."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from geolocator.core.exports import name_for_filter

from .test_exports_formats import two_predictions  # noqa: F401 - fixture
from .test_gui_first_hour import dirs  # noqa: F401 - fixture


@pytest.mark.parametrize("name, chosen, expected", [
    ("predictions.geojson", "KML (*.kml)", "predictions.kml"),       # the report's case
    ("predictions.geojson", "CSV (*.csv)", "predictions.csv"),
    ("flight.KML", "GPX (*.gpx)", "flight.gpx"),                    # any case of a format suffix is swapped
    ("predictions.json", "GeoJSON (*.geojson *.json)", "predictions.json"),  # already GeoJSON: kept
    ("predictions.kml", "GeoJSON (*.geojson *.json)", "predictions.geojson"),  # the filter's first suffix
    ("mein export", "KML (*.kml)", "mein export"),                  # no suffix typed: added on saving
    ("v1.2", "CSV (*.csv)", "v1.2"),                                # ".2" is no format: left alone
    ("flight.csv", "All files (*)", "flight.csv"),                  # a filter naming no format
])
def test_the_name_takes_the_chosen_filters_suffix(name, chosen, expected):
    assert name_for_filter(name, chosen) == expected


def test_choosing_kml_in_the_dialog_renames_the_box_and_writes_that_name(qtbot, dirs, two_predictions,  # noqa: F811
                                                                        monkeypatch):
    from .test_gui_first_hour import make_window, wait_idle

    monkeypatch.chdir(dirs)  # the dialog opens in the working folder
    preds, _ = two_predictions
    w = make_window(qtbot, dirs)
    w.predictions = {p.query.id: p for p in preds}
    seen, folder = {}, []

    def drive():
        d = QApplication.activeModalWidget()
        if not isinstance(d, QFileDialog):
            QTimer.singleShot(50, drive)
            return
        edit = d.findChild(QLineEdit, "fileNameEdit")
        seen["before"] = edit.text()
        # Qt's own dialog opens in the folder last chosen in one (another test's), else the working one
        folder.append(Path(d.directory().absolutePath()))
        d.activateWindow()
        edit.setFocus()  # where a user's typing left it (selectFile then leaves the box alone)
        qtbot.waitUntil(edit.hasFocus, timeout=5000)
        d.filterSelected.emit("KML (*.kml)")  # what a native dialog does when KML is picked
        seen["after"] = edit.text()
        QTest.keyClick(edit, Qt.Key.Key_Return)

    QTimer.singleShot(50, drive)
    w.choose_export_predictions()
    wait_idle(qtbot, w)
    assert seen == {"before": "predictions.geojson", "after": "predictions.kml"}
    written = folder[0] / seen["after"]
    assert w.message_bar.text == f"Saved 2 predictions to {written}"
    assert written.read_text().startswith("<?xml") and not (folder[0] / "predictions.geojson").exists()
    w.close()
