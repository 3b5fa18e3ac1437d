"""A tile card's name, cut to the card's width, keeps its end (the tile's own id: a KMZ window's
"c0_r245", a file's name) and gives the whole name in its tooltip (kmzmap33: cut in the middle, the
rotated KMZ's eight cards all read "rot25.k…")."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"


@pytest.mark.parametrize("tile_id, end", [
    ("rot25.kmz@c0_r245", "c0_r245"),
    ("orthophotos/2026-07-01 Mont Blanc north face/ortho_north.tif@c12288_r4096", "c12288_r4096"),
    ("tiles/satellite/z19/x271234/y180456.png", "y180456.png"),
])
def test_a_long_tile_name_keeps_its_end_and_the_whole_in_the_tooltip(qtbot, tile_id, end):
    from geolocator.gui.results_panel import TILE_PX, TileCard

    card = TileCard()
    qtbot.addWidget(card)
    card.set_match(1, 0.9, tile_id, None, None)
    card.show()
    shown = card.name.text()
    assert card.name.toolTip() == tile_id
    assert shown.endswith(end) and len(shown) < len(tile_id) and shown.startswith("…")
    assert card.name.fontMetrics().horizontalAdvance(shown) <= min(TILE_PX, card.name.width())


def test_a_short_tile_name_is_whole(qtbot):
    from geolocator.gui.results_panel import TileCard

    card = TileCard()
    qtbot.addWidget(card)
    card.set_match(2, 0.5, "t1.png", None, None)
    assert card.name.text() == "t1.png" and card.name.toolTip() == "t1.png"
