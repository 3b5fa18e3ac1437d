"""The app on a HiDPI laptop and with a large font (session 35, task hidpi35).

Before: the window could not be narrower than 785 x 364 logical px (1,030 x 477 with a 14 pt font, a
desktop's large-font setting): at 200 % scaling a 1366 x 768 screen is 683 x 384 logical px, and the side
column was off the screen's edge; with 14 pt a 1024 px screen could not hold the window. The tile cards
stayed 104 px wide whatever the font ("#1 verifie", "85 matchin", "similarity 0" at 14 pt; "120 matching
pts" lost its "s" at 9 pt); the Results pane's title stayed 13 pt under 14 pt lines; a name cut to the
pane's width lost the middle of the file's own name ("querie…01.jpg"). Now the side column folds away
below the three panes' leasts (pane_widths.MapFirstSplitter's `collapse`), the cards are as wide as their
lines in the font in use, the title is 1.3 x a large font, and the title cuts the folders first
(training/results/hidpi35_session35.md).

QT_SCALE_FACTOR cannot change inside one test process: at 200 % every size here is the same in logical
px, so the 200 % screen is its logical size (683 x 384); a large font is the application's font set to
14 pt, as a desktop's setting gives it."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtGui import QFont, QFontInfo, QFontMetrics  # noqa: E402
from PySide6.QtWidgets import QApplication, QLabel  # noqa: E402

from geolocator.gui.pane_widths import share_widths  # noqa: E402

from .test_gui_first_hour import dirs  # noqa: E402,F401
from .test_gui_laptop_widths import _at, _names_whole  # noqa: E402
from .test_gui_min_width import _populated, _text_fits, side_buttons_whole  # noqa: E402

FRAME = 16  # a window manager's frame, left and right together


@pytest.fixture
def large_font(qapp):
    """The application's font at 14 pt (this machine's default is 9 pt) for the test, restored after."""
    before = QFont(qapp.font())
    font = QFont(before)
    font.setPointSizeF(14)
    qapp.setFont(font)
    yield font
    qapp.setFont(before)


def _title_shown(w) -> str:
    return QLabel.text(w.results.title)


def _answer_whole(w) -> None:
    """The list's names, Copy, the whole photo name in the title, and a map wider than its least."""
    assert _names_whole(w.query_list)
    assert _text_fits(w.results.copy_button)
    assert _title_shown(w) == w.results.title.text()
    assert w.map_view.width() >= 240 and w.map_view.width() > w.query_list.width()


def test_at_200_percent_a_1366_x_768_screen_holds_the_window(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    least = w.minimumSizeHint()
    # before: 785 x 364 (the side column's 250 px counted)
    assert least.width() <= 683 - FRAME and least.height() <= 384
    _at(qtbot, w, (683, 384))
    assert w.side_scroll.width() == 0  # folded away: the list and the map, over the answer, stay
    _answer_whole(w)
    small_map = w.map_view.width()
    _at(qtbot, w, (1366, 768))  # a wider window gives the column back at its width
    assert w.side_scroll.width() >= w.side_scroll.minimumSizeHint().width()
    side_buttons_whole(w)
    _at(qtbot, w, (683, 384))
    assert w.side_scroll.width() == 0 and w.map_view.width() == small_map


def test_with_a_14_pt_font_a_1024_x_600_screen_holds_the_window(qtbot, dirs, tmp_path, large_font):
    w = _populated(qtbot, dirs, tmp_path)
    least = w.minimumSizeHint()
    # before: 1,030 x 477
    assert least.width() <= 1024 - FRAME and least.height() <= 600
    _at(qtbot, w, (1024, 600))
    _answer_whole(w)
    _at(qtbot, w, (1366, 768))  # the three panes, nothing cut
    assert w.side_scroll.width() >= w.side_scroll.minimumSizeHint().width()
    side_buttons_whole(w)
    _answer_whole(w)


def _lines_whole(card) -> None:
    for label in (card.rank, card.points, card.similarity, card.name):
        if label.isVisible():
            assert QFontMetrics(label.font()).horizontalAdvance(label.text()) <= label.contentsRect().width(), \
                (label.text(), label.contentsRect().width())


def test_with_a_14_pt_font_the_tile_cards_show_their_lines_whole(qtbot, dirs, tmp_path, large_font):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1920, 1080))
    assert w.results._cards_scroll.isVisible() and w.results.cards
    # before: "#1 verifie", "30 matchin", "similarity 0" in 104 px
    for card in w.results.cards:
        if card.isVisible():
            _lines_whole(card)


def test_a_card_holds_three_figures_of_matching_points(qtbot):
    from geolocator.gui.results_panel import TILE_PX, TileCard

    card = TileCard()
    qtbot.addWidget(card)
    card.set_match(1, 0.5, "tiles/t.png", None, True, inliers=120, verified=True)
    card.show()
    qtbot.waitExposed(card)
    _lines_whole(card)  # before: "120 matching pts" 105 px in 104
    assert card.image.width() == TILE_PX  # the tile itself as before


def test_with_a_14_pt_font_the_title_is_larger_than_the_lines_under_it(qtbot, large_font):
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    # before: 13 pt over 14 pt
    assert QFontInfo(panel.title.font()).pointSizeF() > 1.2 * QFontInfo(panel.details.font()).pointSizeF()


def test_at_the_usual_font_the_title_stays_13_pt(qtbot):
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    if QApplication.font().pointSizeF() <= 10:
        assert QFontInfo(panel.title.font()).pointSizeF() == pytest.approx(13, abs=0.5)


def test_a_name_too_long_for_the_title_keeps_the_file_s_own_name(qtbot):
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    title = panel.title
    panel.show()
    qtbot.waitExposed(panel)
    title.setText("queries/q_0001.jpg")
    metrics = title.fontMetrics()
    # wide enough for "…/q_0001.jpg" and a few letters more, not for the whole name
    title.setFixedWidth(metrics.horizontalAdvance("…ies/q_0001.jpg") + 2 * title.margin() + 2)
    qtbot.wait(20)
    shown = QLabel.text(title)
    # before: "querie…01.jpg"
    assert shown.startswith("…") and shown.endswith("/q_0001.jpg") and shown != title.text()
    assert metrics.horizontalAdvance(shown) <= title.contentsRect().width()
    assert title.toolTip() == title.text() == "queries/q_0001.jpg"
    # a file name longer than the room: cut in the middle, its start and its end kept
    title.setText("queries/DJI_20261204172003_0042_W.JPG")
    qtbot.wait(20)
    shown = QLabel.text(title)
    assert shown.startswith("q") and shown.endswith("_W.JPG") and "…" in shown


def test_share_widths_folds_a_pane_away_only_below_every_least():
    least = [250, 240, 250]
    # room for the three at their leasts: nothing folds (narrow34's share)
    assert share_widths(891, [376, 0, 300], least, collapse=(2,)) == [250, 391, 250]
    assert share_widths(740, [376, 0, 300], least, collapse=(2,)) == [250, 240, 250]
    # narrower: the side column folds away, the map gets its room
    assert share_widths(663, [376, 0, 300], least, collapse=(2,)) == [250, 413, 0]
    # without `collapse`, as before: the map below its least
    assert share_widths(663, [376, 0, 300], least) == [250, 163, 250]
    with pytest.raises(ValueError):
        share_widths(663, [376, 0, 300], least, collapse=(3,))


def test_a_long_tile_set_line_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    line = ("Tile set: /media/field/USB-DRIVE/2026-12-04 search area north/orthophotos/tiles.csv  ·  1,234 tiles "
            "of about 100 m at zoom 19  ·  imagery: Esri World Imagery")
    label = w.tileset_label
    label.setText(line)
    qtbot.wait(50)
    shown = QLabel.text(label)
    # before: the whole line, cut at the window's edge mid-letter, no tooltip
    assert shown.endswith("…") and line.startswith(shown[:-1]) and len(shown) < len(line)
    assert QFontMetrics(label.font()).horizontalAdvance(shown) <= label.contentsRect().width()
    assert label.text() == line and label.toolTip() == line
    assert w.minimumSizeHint().width() <= 683 - FRAME  # a long line never widens the window
    _at(qtbot, w, (1920, 1080))  # where it fits: whole, no tooltip
    label.setText("Tile set: demo/tiles.csv  ·  36 tiles")
    qtbot.wait(20)
    assert QLabel.text(label) == label.text() and label.toolTip() == ""


@pytest.mark.parametrize("points", [12, 14])
def test_at_the_least_width_with_a_large_font_copy_and_the_level_s_words_are_whole(qtbot, dirs, tmp_path, qapp, points):
    font = QFont(qapp.font())
    before = QFont(font)
    font.setPointSizeF(points)
    qapp.setFont(font)
    try:
        w = _populated(qtbot, dirs, tmp_path)
        least = w.minimumSizeHint()
        _at(qtbot, w, (least.width(), least.height()))
        rs = w.results
        viewport = rs.details_scroll.viewport()
        # before (14 pt): the details 209 px wide in a 184 px viewport, Copy cut at its right edge
        assert rs.details_scroll.widget().width() <= viewport.width()
        assert rs.copy_button.mapTo(viewport, rs.copy_button.rect().topRight()).x() < viewport.width()
        assert _text_fits(rs.copy_button)
        # before (14 pt): "confidence" cut to "confidenc" under the photo
        line = rs.status_line
        words = line.text().split()
        room = line.contentsRect().width()
        assert words and all(line.fontMetrics().horizontalAdvance(word) <= room for word in words)
    finally:
        qapp.setFont(before)


def test_a_long_status_message_ends_in_an_ellipsis_with_the_whole_in_its_tooltip(qtbot, dirs, tmp_path):
    from PySide6.QtWidgets import QStatusBar

    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    bar = w.statusBar()
    message = ("verify: 108 of 108 photos resumed from an earlier run (their checks were kept in the cache folder) "
               "and more words than a 683 px window holds")
    bar.showMessage(message, 5000)
    shown = QStatusBar.currentMessage(bar)  # what Qt draws
    # before: the whole message, cut at the bar's edge mid-letter
    assert shown.endswith("…") and message.startswith(shown[:-1])
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.width() - 12
    assert bar.currentMessage() == message and bar.toolTip() == message
    # long words beside it (the progress panel's during a job) never widen the window, as with Qt's own bar
    # (this bar's first version, without QMainWindow's Ignored width policy, grew a 535 px window to 938)
    busy = QLabel("Verifying matches · geometric verification · 7 s left " * 3)
    bar.addPermanentWidget(busy)
    qtbot.wait(50)
    assert w.width() == 683
    bar.showMessage(message, 5000)  # shown while the words take most of the bar
    qtbot.wait(50)
    tight = QStatusBar.currentMessage(bar)
    busy.hide()  # the job ends: the message gets the room back
    qtbot.waitUntil(lambda: len(QStatusBar.currentMessage(bar)) > len(tight), timeout=2_000)
    assert QStatusBar.currentMessage(bar) == shown
    _at(qtbot, w, (1920, 1080))  # wider: the whole message, no tooltip
    assert QStatusBar.currentMessage(bar) == message and bar.toolTip() == ""
    bar.clearMessage()
    assert bar.currentMessage() == ""


def test_a_column_folded_in_a_narrow_window_comes_back_in_the_next_session_s_wide_one(qtbot, dirs):
    from PySide6.QtCore import QSettings

    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    qsettings = QSettings(str(dirs / "narrow.ini"), QSettings.Format.IniFormat)
    narrow = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="narrow", qsettings=qsettings)
    narrow.show()
    _at(qtbot, narrow, (683, 384))
    assert narrow.side_scroll.width() == 0
    narrow._save_state()
    narrow.close()
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="wide", qsettings=qsettings)
    w.show()
    _at(qtbot, w, (1366, 768))
    # before this fix: the saved 0 px was taken as a column folded by hand, kept folded in any window
    assert w.side_scroll.width() >= w.side_scroll.minimumSizeHint().width()
