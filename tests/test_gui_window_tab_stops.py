"""No invisible Tab stop in the app's window (session 37, keys37). The side column (a scroll area around the
Region adapter, Evaluation and Backbone panels) was a Tab stop of its own between the result and the
panels' first control, drawn with no focus mark where the panels fit: one press of Tab that seemed to do
nothing. Now it is a stop only while the panels do not all fit (PageDown scrolls them then), as the
message bar's text already was."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from .test_gui_first_hour import dirs, make_window  # noqa: E402,F401 - fixture
from .test_gui_keyboard_panes import _press, _ready  # noqa: E402


def _stops(qtbot, w, n=30):
    w.query_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.query_list)
    seen = []
    for _ in range(n):
        _press(qtbot, Qt.Key.Key_Tab)
        qtbot.wait(30)
        seen.append(QApplication.focusWidget())
    return seen


def test_the_side_column_is_a_tab_stop_only_while_it_scrolls(qtbot, dirs):  # noqa: F811
    w = make_window(qtbot, dirs)
    w.resize(1420, 900)
    _ready(qtbot, w)
    qtbot.waitUntil(lambda: w.side_scroll.verticalScrollBar().maximum() == 0)  # the panels fit
    stops = _stops(qtbot, w)
    assert w.side_scroll not in stops
    assert any(w.side_scroll.widget().isAncestorOf(s) for s in stops if s is not None)  # its panels reached
    w.resize(1420, 420)  # a short window: the panels scroll
    qtbot.waitUntil(lambda: w.side_scroll.verticalScrollBar().maximum() > 0)
    assert w.side_scroll in _stops(qtbot, w)
    w.close()
