"""The app in a short window: the map gets the height (session 34, task shortmap34).

Before: at 911 x 562 (and 785 x 562) the map was 160 px tall over a Results pane that could not be shorter
than 306 px (its tile cards' strip and the title), 0.34 of the centre's height; a window made taller
shared its added height 3 : 1 between them, and a layout saved on a taller screen came back as it was.
Now the centre splitter shares the height by narrow34's rule (pane_widths.MapFirstSplitter, vertical):
the Results pane keeps the height it wants until the map would have less than half, then gives down to
its least: the title, the format box with Copy and the coordinates, and the answer's level and
confidence under a smaller photo; the tile cards' strip is hidden below its own height
(training/results/shortmap34_session34.md)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSettings  # noqa: E402

from geolocator.gui.pane_widths import MAP_HEIGHT_SHARE  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs  # noqa: E402,F401
from .test_gui_laptop_widths import _at  # noqa: E402
from .test_gui_min_width import _populated, _text_fits  # noqa: E402


def _whole_in_pane(pane, widget) -> bool:
    """`widget` shown, all of it drawn (not clipped by a scroll area or the pane's edge)."""
    r = widget.visibleRegion().boundingRect()
    bottom = widget.mapTo(pane, widget.rect().bottomRight())
    return (widget.isVisible() and r.height() == widget.height() and r.width() == widget.width()
            and bottom.y() < pane.height() and bottom.x() < pane.width())


def _answer_in_sight(w) -> None:
    """The Results pane still shows the name, Copy (whole), the coordinates and the level's words."""
    rs = w.results
    for widget in (rs.title, rs.copy_button, rs.coords_format, rs.coords_text, rs.status_line):
        assert _whole_in_pane(rs, widget), widget
    assert _text_fits(rs.copy_button)
    assert rs.coords_text.text() and rs.status_line.text().splitlines()[0] == "confident"
    # the level's words all drawn in the label: its wrapped text's height fits it
    line = rs.status_line
    assert line.heightForWidth(line.width()) <= line.height()
    assert rs.details_scroll.verticalScrollBar().value() == 0  # Copy in sight without scrolling


@pytest.mark.parametrize("size", [(911, 562), (785, 562)])
def test_in_a_short_window_the_map_has_half_the_height_and_the_answer_stays(qtbot, dirs, tmp_path, size):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, size)
    qtbot.wait(100)
    total = sum(w.centre.sizes())
    # before: 160 of 470 px (the Results pane's least, 306 px)
    # the map's share of the height, or all the Results pane can give down to its least
    share = min(MAP_HEIGHT_SHARE * total, total - w.results.least_height())
    assert w.map_view.height() >= share - 1 and w.map_view.height() >= 220
    assert w.results.height() >= w.results.least_height()
    _answer_in_sight(w)
    # a taller window gives the Results pane back its roomy height first, the rest of the added height to the map
    short_map, short_pane = w.map_view.height(), w.results.height()
    _at(qtbot, w, (size[0], 900))
    assert w.results.height() <= max(short_pane, w.results.roomy_height()) + 1
    assert w.map_view.height() - short_map >= (900 - size[1]) - (w.results.roomy_height() - short_pane) - 2
    assert w.results._cards_scroll.isVisible()  # room for the tile cards again
    _answer_in_sight(w)
    _at(qtbot, w, size)  # and back: the same heights
    assert w.map_view.height() == short_map


def test_the_results_pane_s_least_height_keeps_the_answer_not_the_cards(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1366, 768))
    rs = w.results
    # before: 306 px (the cards' strip, the title and the photo column)
    assert rs.minimumSizeHint().height() == rs.least_height() < rs.full_height() <= 306
    # the person drags the map down to the pane's least height (further, the pane collapses, as before)
    w.centre.moveSplitter(w.centre.height() - rs.least_height(), 1)
    qtbot.wait(50)
    assert rs.height() == rs.least_height()
    assert not rs._cards_scroll.isVisible()  # the strip gives way, the answer stays
    _answer_in_sight(w)


def test_a_layout_saved_on_a_tall_screen_leaves_the_map_half_of_a_short_window(qtbot, dirs):
    """The Results pane dragged to 600 px tall on a 1080-line screen, then the app in a 911 x 562 window."""
    qsettings = QSettings(str(dirs / "tall.ini"), QSettings.Format.IniFormat)
    tall = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="tall", qsettings=qsettings)
    tall.resize(1420, 1040)
    tall.show()
    qtbot.waitUntil(lambda: tall.height() == 1040, timeout=5_000)
    tall.centre.moveSplitter(tall.centre.height() - 600, 1)
    qtbot.wait(50)
    assert tall.results.height() >= 590  # the drag is kept (shared again at the next resize)
    tall._save_state()
    tall.close()
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="short", qsettings=qsettings)
    w.show()
    _at(qtbot, w, (911, 562))
    # before: the map at its least, the Results pane kept as tall as it could be
    total = sum(w.centre.sizes())
    assert w.map_view.height() >= min(MAP_HEIGHT_SHARE * total, total - w.results.least_height()) - 1
