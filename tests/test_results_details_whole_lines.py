"""The Results pane's details (Location, Status, Truth, ...) scroll where the pane is short; their scroll
area ended wherever the pane did, so the line under the last whole one showed its upper half: in every
1440 x 900 screenshot the "Status confident  confidence 0.997 that it is within 35 m ..." line was cut
through the middle (newuser31_session31.md; seen since newuser_session25.md). The area now ends on a line:
what does not fit is wholly below, reached with the scroll bar."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from geolocator.core.model import LatLon  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402


def _ink_rows(image, x_end: int) -> list[int]:
    """The rows of `image` (a QImage) with a dark pixel left of x_end: where text is drawn."""
    return [y for y in range(image.height()) if any(image.pixelColor(x, y).lightness() < 110 for x in range(x_end))]


def test_the_details_area_never_shows_part_of_a_line_at_its_bottom(qtbot, tmp_path):
    from geolocator.gui.results_panel import ResultsPanel

    pred = two_tile_prediction(tmp_path, truth=LatLon(50.1, 10.1), error_m=3.0, conf=0.997, status="verified")
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(pred.query, pred, None, {})
    panel.show()
    least = panel.minimumSizeHint().height()
    cut = []
    tried = 0
    for height in range(least, least + 61, 3):  # the pane's heights between its least and a tall one's
        panel.resize(650, height)  # about a 1440 x 900 window's centre pane
        qtbot.wait(10)
        scroll = panel.details_scroll
        viewport = scroll.viewport()
        needed = panel.details.mapTo(scroll.widget(), panel.details.rect().bottomLeft()).y()
        if needed <= viewport.height():
            continue  # everything fits: nothing to cut
        tried += 1
        assert scroll.verticalScrollBar().isVisible()  # the rest is reached with the scroll bar
        # the whole text drawn unclipped (the scroll area's content), and where the viewport's bottom falls
        # in it: a line cut through has ink both on the viewport's last row and on the row under it
        content = scroll.widget().grab().toImage()
        rows = set(_ink_rows(content, min(content.width(), 300)))
        bottom = scroll.verticalScrollBar().value() + viewport.height()
        if bottom - 1 in rows and bottom in rows:
            cut.append(height)
    assert tried >= 5  # the sweep did squeeze the details
    assert cut == [], f"pane heights whose details end in a line cut through: {cut}"
