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
