"""Tests written for the survivors of training/mutation_check_session34.py in the GUI's new logic
(gui/pane_widths.py, results_panel's heights; training/results/mutation_session34.md)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtWidgets import QWidget  # noqa: E402

from geolocator.gui.pane_widths import MapFirstSplitter, share_widths  # noqa: E402

from .test_gui_first_hour import dirs  # noqa: E402,F401


def test_the_map_never_gets_less_than_its_own_least():
    """PW2: when the map's least is above MAP_SHARE of the width, the side panes give down to it (a
    600 px least in a 1,000 px splitter: the map 600, not 500 below its least)."""
    sizes = share_widths(1000, [300, 0, 300], [100, 600, 100])
    assert sizes == [300, 600, 100]
    assert sum(sizes) == 1000


def test_a_grow_pane_that_is_not_a_pane_is_a_value_error():
    """PW9: grow must index one of the panes: a ValueError naming the counts, not an IndexError."""
    with pytest.raises(ValueError, match="grow pane 3"):
        share_widths(900, [300, 300, 300], [100, 100, 100], grow=3)
    with pytest.raises(ValueError, match="grow pane -1"):
        share_widths(900, [300, 300, 300], [100, 100, 100], grow=-1)


def test_a_collapsed_pane_stays_collapsed(qtbot):
    """PW7: a side pane the user collapsed (wanted 0) counts a least of 0: sharing the width again at a
    resize leaves it collapsed (its minimum width would otherwise bring it back)."""
    s = MapFirstSplitter()
    qtbot.addWidget(s)
    for _ in range(3):
        pane = QWidget()
        pane.setMinimumWidth(150)
        s.addWidget(pane)
    s.resize(1000, 300)
    s.show()
    qtbot.waitExposed(s)
    s.setSizes([0, 700, 300])
    assert s.least_widths() == [0, 150, 150]
    s.resize(900, 300)
    qtbot.waitUntil(lambda: s.width() == 900, timeout=5_000)
    s.share()
    assert s.sizes()[0] == 0
    assert s.sizes()[1] >= 0.5 * sum(s.sizes()) - 1


def test_a_roomy_window_shows_two_lines_of_details_beside_the_cards(qtbot, dirs, tmp_path):
    """RP1: at 1920 x 1080 the Results pane asks for roomy_height, which leaves its details two whole lines
    (Location, Status) beside the tile cards (shortmap34's first default showed one)."""
    from .test_gui_laptop_widths import _at
    from .test_gui_min_width import _populated

    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1920, 1080))
    qtbot.wait(100)
    rs = w.results
    assert rs._cards_scroll.isVisible()
    lines = rs.details.fontMetrics().lineSpacing()
    # the details' label below the format row and the coordinates: two of its lines in sight unscrolled
    assert rs.details_scroll.verticalScrollBar().value() == 0
    assert rs.details_scroll.viewport().height() - rs.details.y() >= 2 * lines
