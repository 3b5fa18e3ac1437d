"""The Results pane's tile card whose tile holds the truth is told by words, not only by its green border
(session 37, keys37). Before, the only marks were the border's colour (green for the truth, yellow for
rank 1, grey for the rest: green and yellow are near alike to a red-green colour-blind reader, ~1 man in
12) and a small ✓ after the rank that a screen reader reads as "check mark". Now "✓ truth here" is written
across the foot of that tile's picture (or under "no preview"), and the rank line's accessible name says
"holds the truth" / "does not hold the truth"."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtGui import QColor, QPixmap  # noqa: E402


def _card(qtbot, hit, pixmap=True):
    from geolocator.gui.results_panel import TileCard

    card = TileCard()
    qtbot.addWidget(card)
    pm = None
    if pixmap:
        pm = QPixmap(64, 64)
        pm.fill(QColor(40, 150, 60))  # a green field: the border's green on green
    card.set_match(2, 0.5, "tiles/t2.png", pm, hit)
    return card


def _foot_is_plain(card) -> bool:
    """Whether the shown tile's bottom rows are all the tile's own colour (no words over them)."""
    image = card.image.pixmap().toImage()
    h = image.height()
    return all(image.pixelColor(x, y) == QColor(40, 150, 60) for y in range(h - 8, h) for x in range(0, image.width(), 3))


def test_the_tile_holding_the_truth_says_so_in_words(qtbot):
    hit, miss, unknown = _card(qtbot, True), _card(qtbot, False), _card(qtbot, None)
    assert _foot_is_plain(miss) and _foot_is_plain(unknown)  # the tile itself, untouched
    assert not _foot_is_plain(hit)  # the words' band across its foot
    assert hit.rank.accessibleName() == "#2, holds the truth"
    assert miss.rank.accessibleName() == "#2, does not hold the truth"
    assert unknown.rank.accessibleName() == "#2"


def test_without_a_preview_the_words_are_under_no_preview(qtbot):
    from geolocator.gui.results_panel import TRUTH_BADGE

    assert _card(qtbot, True, pixmap=False).image.text() == f"no preview\n{TRUTH_BADGE}"
    assert _card(qtbot, False, pixmap=False).image.text() == "no preview"
