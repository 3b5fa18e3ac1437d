"""The app at a laptop's size: the map gets the room (session 34, task narrow34).

Before: at the window's least size (911 x 562, a small laptop with scaling) the map was 265 px wide
beside a 376 px photo list (its least, fixed) and a 250 px side column; at 1280 x 800 it had 584 of
1,260 px; a pane layout saved on a wider screen came back as it was, squeezing the map. Now the
splitter gives the map half the width whenever the side column, then the list, can shrink (the list
hides its Conf. and Error columns, never the thumbnail, the name or the status), and a window made
larger gives its added width mostly to the map (training/results/narrow34_session34.md)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSettings  # noqa: E402

from geolocator.core.model import Query  # noqa: E402
from geolocator.gui.pane_widths import MAP_SHARE, share_widths  # noqa: E402
from geolocator.gui.query_list import COL_CONF, COL_ERROR, COL_NAME, COL_STATUS, ICON_PX, NAME_FITS  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs  # noqa: E402,F401
from .test_gui_min_width import _populated, _text_fits, side_buttons_whole  # noqa: E402


def _at(qtbot, w, size):
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size, timeout=5_000)
    qtbot.wait(100)


def _names_whole(ql) -> bool:
    """The name column holds a thumbnail and NAME_FITS whole (the test_gui_new_user rule)."""
    return ql.header().sectionSize(COL_NAME) >= ICON_PX + ql.fontMetrics().horizontalAdvance(NAME_FITS) + 8


def _nothing_cut(w) -> None:
    """Every side-panel button whole and inside the column, Copy whole (test_gui_min_width's checks)."""
    side_buttons_whole(w)
    assert _text_fits(w.results.copy_button)


def test_at_the_least_window_the_map_is_the_widest_pane(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (911, 562))
    ql = w.query_list
    # before: map 265, list 376, column 250
    assert w.map_view.width() >= 380
    assert w.map_view.width() > ql.width() and w.map_view.width() > w.side_scroll.width()
    # the list still shows the thumbnail, the whole file name and the status
    assert not ql.isColumnHidden(COL_NAME) and not ql.isColumnHidden(COL_STATUS)
    assert _names_whole(ql)
    assert ql.header().sectionSize(COL_NAME) + ql.header().sectionSize(COL_STATUS) <= ql.viewport().width()
    _nothing_cut(w)
    # a larger window gives its added width mostly to the map, and the list its columns back
    small_map, small_list = w.map_view.width(), ql.width()
    _at(qtbot, w, (1920, 1080))
    assert w.map_view.width() - small_map >= 0.75 * (1920 - 911)
    assert ql.width() >= small_list and not any(ql.isColumnHidden(c) for c in (COL_CONF, COL_ERROR))
    _at(qtbot, w, (911, 562))  # and back: the same shares as before
    assert (w.map_view.width(), ql.width()) == (small_map, small_list)
    # the least width that shows all three panes is smaller now (785 px in DejaVu Sans, before 911): nothing
    # cut there either (narrower still, the side column folds away: tests/test_gui_hidpi.py)
    all_three = w.minimumSizeHint().width() + w.side_scroll.minimumSizeHint().width()
    assert all_three <= 911
    _at(qtbot, w, (all_three, 562))
    assert w.side_scroll.width() >= w.side_scroll.minimumSizeHint().width()
    _nothing_cut(w)
    assert _names_whole(ql) and w.map_view.width() >= 240


@pytest.mark.parametrize("size", [(1280, 800), (1366, 768)])
def test_at_a_common_laptop_size_the_map_has_half_the_width(qtbot, dirs, tmp_path, size):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, size)
    total = sum(w.splitter.sizes())
    # before: 584 of 1,260 px (0.46) at 1280 x 800, 670 of 1,346 at 1366 x 768
    assert w.map_view.width() >= MAP_SHARE * total - 1
    ql = w.query_list
    assert not any(ql.isColumnHidden(c) for c in (COL_CONF, COL_ERROR))  # the list is whole there
    assert _names_whole(ql)


def test_a_layout_saved_on_a_wide_screen_leaves_the_map_half_of_a_laptop_s(qtbot, dirs):
    """A list dragged to 600 px on a 1920 px screen, then the app on a 1366 px one."""
    qsettings = QSettings(str(dirs / "wide.ini"), QSettings.Format.IniFormat)
    wide = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="wide", qsettings=qsettings)
    wide.resize(1920, 1000)
    wide.show()
    qtbot.waitUntil(lambda: wide.width() == 1920, timeout=5_000)
    wide.splitter.moveSplitter(600, 1)  # the list dragged wider
    qtbot.wait(50)
    assert wide.query_list.width() == 600
    _at(qtbot, wide, (1860, 1000))  # room for it and half the width for the map: the drag is kept
    assert wide.query_list.width() == 600
    wide._save_state()
    wide.close()
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="laptop", qsettings=qsettings)
    w.show()
    _at(qtbot, w, (1366, 768))
    w.query_list.add_queries([Query("DJI_0042.JPG", dirs / "DJI_0042.JPG")])
    # before: the map 446 px (1,346 less the saved 600 and 300)
    assert w.map_view.width() >= MAP_SHARE * sum(w.splitter.sizes()) - 1
    assert _names_whole(w.query_list)


def test_share_widths():
    # room for every wanted width: the map gets the rest
    assert share_widths(1900, [376, 0, 300], [250, 240, 250]) == [376, 1224, 300]
    # the column gives first, then the list, each down to its least, until the map has half
    assert share_widths(1260, [376, 0, 300], [250, 240, 250]) == [376, 630, 254]
    assert share_widths(891, [376, 0, 300], [250, 240, 250]) == [250, 391, 250]
    # a collapsed pane (least 0) stays collapsed; a wanted width under the least is raised to it
    assert share_widths(1000, [200, 0, 0], [250, 240, 0]) == [250, 750, 0]
    with pytest.raises(ValueError):
        share_widths(1000, [1, 2], [1, 2, 3])
