"""The photo list takes a share of a wider window (newuser session 15: at 1920 px the list kept its
370-odd px and long names stayed elided, `big_12…51.jpg`), while a 1024 x 700 window loses nothing."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from geolocator.gui.query_list import COL_NAME, ICON_PX  # noqa: E402

from .test_gui_first_hour import dirs, make_window  # noqa: E402,F401 - fixture

LONG_NAME = "big_12000x9000_q_0051.jpg"  # the newuser's photo whose name was elided at 1920 px


def _sizes(qtbot, w, width, height):
    w.resize(width, height)
    qtbot.wait(200)
    return w.splitter.sizes()


def test_the_list_widens_with_the_window_and_1024_keeps_its_panes(qtbot, dirs):  # noqa: F811
    w = make_window(qtbot, dirs)
    small = _sizes(qtbot, w, 1024, 700)
    # 1024 x 700 (the window's minimum width makes it 1053): the list stays at its minimum and the map pane keeps all the rest (as before the
    # change: 376 / 397 / 260 px measured offscreen), so nothing there gets narrower
    assert small[0] == w.query_list.minimumWidth()
    assert small[1] == w.splitter.width() - small[0] - small[2] - 2 * w.splitter.handleWidth()
    big = _sizes(qtbot, w, 1920, 1200)
    grown = big[0] - small[0]
    assert grown >= 100 and big[1] > small[1]  # the list and the map both gain (they used to give 0 / all)
    # the long name fits its column beside the thumbnail: text + icon + the item's margins
    fm = w.query_list.fontMetrics()
    assert w.query_list.header().sectionSize(COL_NAME) >= fm.horizontalAdvance(LONG_NAME) + ICON_PX + 16
    w.close()
