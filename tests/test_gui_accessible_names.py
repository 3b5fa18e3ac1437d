"""A screen reader's view of the main window (appwalk37_session37.md): every control that takes the
keyboard focus has an accessible name, and a box is named by its label, not by the value it shows."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QAccessible  # noqa: E402
from PySide6.QtWidgets import QComboBox, QLabel, QWidget  # noqa: E402

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402


def _name(widget: QWidget) -> str:
    """What a screen reader is told the widget is called, through Qt's accessibility interface as AT-SPI
    reads it: a box's name there is its value, it is called by the label its "labelled by" relation
    points to (a QLabel whose buddy it is; a form's row label); any other control by its name."""
    iface = QAccessible.queryAccessibleInterface(widget)
    if isinstance(widget, QComboBox):
        labels = iface.relations(QAccessible.RelationFlag.Label)
        return labels[0][0].text(QAccessible.Text.Name) if labels else ""
    return iface.text(QAccessible.Text.Name)


def test_every_focusable_control_has_a_name_and_boxes_are_named_by_their_labels(qtbot, tmp_path):
    """Before: the Results pane's format box was read by its value alone ("Degrees", no label), and the
    photo list, the map, the side column and the result's details had no name at all."""
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True), show=True)
    qtbot.waitExposed(w)
    panel = w.backbone_panel
    assert [_name(b) for b in (panel.combo, panel.device, panel.matcher)] == ["Model", "Device", "Matcher"]
    assert _name(w.results.coords_format) == "Coordinate format"
    assert _name(w.query_list) == "Drone images" and _name(w.map_view) == "Map"
    unnamed = []
    for widget in w.findChildren(QWidget):
        if (not widget.isVisibleTo(w) or widget.focusPolicy() == Qt.FocusPolicy.NoFocus or isinstance(widget, QLabel)
                or w.map_view.isAncestorOf(widget)  # Chromium's page: its own accessibility tree
                or isinstance(widget.parent(), QComboBox)):  # an editable box's line edit: the box is named
            continue
        if not _name(widget).strip():
            unnamed.append(type(widget).__name__)
    assert unnamed == []
