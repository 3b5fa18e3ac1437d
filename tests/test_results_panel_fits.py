"""The results pane squeezed to its minimum (what the window's splitter gives it in a 1024 x 700
window) still shows all of its text: newuser session 15 found, in a 1024 x 700 window, the photo's
"Truth ... error 247 m" line cut off below the details and, at every size with five tile cards, each
card's tile name half hidden under the cards' horizontal scroll bar."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from PySide6.QtCore import QPoint  # noqa: E402
from PySide6.QtWidgets import QScrollArea  # noqa: E402

from geolocator.core.model import Bounds, LatLon, Match, PhotoMeta, Tile  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402


def _five_card_prediction(tmp_path):
    tiles = [Tile(f"tiles/t{i}.png", tmp_path / f"t{i}.png", Bounds(10 + i, 50, 10.5 + i, 50.25)) for i in range(5)]
    matches = tuple(Match(t, 0.8 - i / 10, i + 1, inliers=40 if i == 0 else 0) for i, t in enumerate(tiles))
    pred = two_tile_prediction(tmp_path, truth=LatLon(50.1, 10.1), error_m=3.0, matches=matches)
    meta = PhotoMeta(make="DJI", model="FC300S", width=4000, height=2250, relative_altitude_m=39.8)
    return pred, meta


@pytest.mark.parametrize("width", [420, 560])  # about the centre pane in 1024 x 700 (the text wraps), and wider
def test_squeezed_results_pane_cuts_no_line_and_no_card_caption(qtbot, tmp_path, width):
    from dataclasses import replace

    from geolocator.gui.results_panel import ResultsPanel

    pred, meta = _five_card_prediction(tmp_path)
    pred = replace(pred, query=replace(pred.query, meta=meta))
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(pred.query, pred, None, {})
    panel.show()
    for _ in range(3):  # the splitter gives the pane its minimum height once the text has wrapped
        panel.resize(width, panel.minimumSizeHint().height())
        qtbot.wait(20)
    details = panel.details
    assert "error 3.0 m" in details.text().replace("\xa0", " ")  # no-break spaces keep figures whole
    # the wrapped text's own height at its width: all of it is on the label, and what the pane has no
    # room for is reached with a scroll bar, never cut off
    needed = details.heightForWidth(details.width())
    assert details.height() >= needed > 0
    shown = details.visibleRegion().boundingRect().height()
    if shown < needed:
        bar = panel.details_scroll.verticalScrollBar()  # the details' (with the coordinates row, session 21)
        assert bar.isVisible() and bar.maximum() >= needed - shown
    scroll = [a for a in panel.findChildren(QScrollArea) if a is not panel.details_scroll][0]  # the cards'
    viewport = scroll.viewport()
    assert scroll.horizontalScrollBar().isVisible()  # five cards do not fit: the bar is there
    card = panel.cards[0]
    bottom = card.name.mapTo(viewport, QPoint(0, card.name.height())).y()
    assert bottom <= viewport.height(), (bottom, viewport.height())


def test_the_pane_minimum_height_does_not_grow_with_the_text(qtbot, tmp_path):
    """Keeping all the text by a minimum height made a 1024-wide window refuse 700 px (791 tall: more
    than a 768-line laptop screen): the details scroll instead, the pane's minimum stays the cards'."""
    from dataclasses import replace

    from geolocator.core.model import Query
    from geolocator.gui.results_panel import ResultsPanel

    pred, meta = _five_card_prediction(tmp_path)
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 300)
    panel.show()
    panel.show_query(replace(pred.query, meta=None), pred, None, {})
    qtbot.wait(20)
    short = panel.minimumSizeHint().height()
    note = "EXIF GPS fix is void (GPSStatus V, measurement void): not used as truth " * 4
    panel.show_query(Query("b.jpg", tmp_path / "b.jpg", truth_note=note, meta=meta), pred, None, {})
    qtbot.wait(20)
    assert panel.minimumSizeHint().height() == short


@pytest.mark.parametrize("width", [330, 420, 650])  # a 1024 x 700 window's centre pane (330 at its default
# splitter sizes, 420 dragged wider); about a 1440 x 900 one's
def test_the_level_stays_in_sight_whole_under_the_photo(qtbot, tmp_path, width):
    """Session 26 (newuser_session25.md, friction 5): at 1440 x 900 the Results pane's "Status verified,
    confidence 0.986 that it is within 35 m, verified: 26 matching points" line sat below the two lines
    the details' scroll area shows; session 26 put the level on the name's row, where a 1024 x 700
    window's pane cut it to "v…" (session 27). Now the level and the confidence are under the photo,
    outside that scroll area, wrapped at the photo's width: at the pane's least height, in a 1024 x 700
    window's pane as in a 1440 x 900 one's, every word is drawn (no "…", no hovering), the level on a
    line of its own first."""
    from dataclasses import replace

    from PySide6.QtCore import Qt

    from geolocator.gui.results_panel import ResultsPanel

    pred, meta = _five_card_prediction(tmp_path)
    pred = replace(pred, query=replace(pred.query, id="flights/2026-05-01/DJI_20260501101010_0042_W.JPG", meta=meta),
                   status="verified", confidence=0.812)
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(pred.query, pred, None, {})
    panel.show()
    for _ in range(3):
        panel.resize(width, panel.minimumSizeHint().height())
        qtbot.wait(20)
    assert panel.width() == width  # the pane is no wider than it was given (the name is cut, not the level)
    line = panel.status_line
    assert line.text() == "verified but not confident\nconfidence 0.812 that it is within 22601 m"
    assert not panel.details_scroll.isAncestorOf(line)  # never scrolled out of sight
    assert line.isVisible() and line.visibleRegion().boundingRect().height() == line.height() > 0
    # all its words drawn inside it: the wrapped text's height fits the label, each line its width
    fm = line.fontMetrics()
    rect = line.contentsRect()
    need = fm.boundingRect(rect.adjusted(0, 0, 0, 10_000), int(Qt.TextFlag.TextWordWrap), line.text())
    assert need.height() <= rect.height() and need.width() <= rect.width()
    assert fm.horizontalAdvance("verified but not confident") <= rect.width() or "\n" in line.text()
    # inside the pane, above its bottom edge, and as wide as the photo
    bottom = line.mapTo(panel, line.rect().bottomRight())
    assert bottom.x() <= panel.width() and bottom.y() <= panel.height()
    assert line.width() == panel.query_image.width()


def test_the_level_under_the_photo_is_a_flight_frame_s_level_as_the_list_says_it(qtbot, tmp_path):
    """A matched frame at 0.7 reads "verified but not confident" under the photo, as in the list
    (core.levels.frame_level), and nothing before an answer."""
    from dataclasses import replace

    from geolocator.gui.results_panel import ResultsPanel

    pred = two_tile_prediction(tmp_path, conf=0.95, status="verified")
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(pred.query, None, None, {})
    assert panel.status_line.text() == ""
    panel.show_query(pred.query, pred, None, {}, exported=replace(pred, confidence=0.7), track_status="matched")
    assert panel.status_line.text().splitlines()[0] == "verified but not confident"
    assert panel.status_line.text().splitlines()[1].startswith("confidence 0.700 that it is within ")
    panel.show_query(pred.query, pred, None, {}, exported=replace(pred, confidence=0.3), track_status="interpolated")
    assert panel.status_line.text().splitlines()[0] == "weak track"
