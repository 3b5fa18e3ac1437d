"""The Results pane's top-k tile cards say why #1 is first (session 32, ux32). Before, a card read
"#1  0.596" beside "#2  0.609": #1 was the tile geometric verification chose and the figure the global
cosine similarity, which only a tooltip said, so the ranking looked wrong. Now the chosen card reads
"#1 verified", every card names its figure ("similarity 0.609"), and its matching points stay beside."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from geolocator.core.model import STATUS_RETRIEVED, STATUS_VERIFIED, Bounds, LatLon, Match, Tile  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402


def _panel(qtbot, tmp_path: Path, status: str):
    from geolocator.gui.results_panel import ResultsPanel

    t1 = Tile("tiles/t1.png", tmp_path / "t1.png", Bounds(10, 50, 10.5, 50.25))
    t2 = Tile("tiles/t2.png", tmp_path / "t2.png", Bounds(10.5, 50, 11, 50.25))
    # verification chose t1 (142 matching points) although t2 looks more alike globally
    inliers = 142 if status == STATUS_VERIFIED else 3
    matches = (Match(t1, 0.596, 1, inliers=inliers), Match(t2, 0.609, 2, inliers=0))
    pred = two_tile_prediction(tmp_path, truth=LatLon(50.1, 10.1), matches=matches, status=status)
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.resize(900, 420)
    panel.show()
    qtbot.waitExposed(panel)
    panel.show_query(pred.query, pred, None, {})
    return panel


def test_the_chosen_card_says_verified_and_each_names_its_similarity(qtbot, tmp_path):
    panel = _panel(qtbot, tmp_path, STATUS_VERIFIED)
    first, second = panel.cards[:2]
    assert first.rank.text() == "#1 verified  ✓" and second.rank.text() == "#2  ✗"
    assert (first.points.text(), first.similarity.text()) == ("142 matching pts", "similarity 0.596")
    assert second.similarity.text() == "similarity 0.609"
    assert "0.596" not in first.rank.text() and "0.609" not in second.rank.text()  # no bare figure beside the rank
    assert first.rank.toolTip().startswith("verification chose this tile")
    for card in (first, second):  # every line whole in the card's width (no elision of "similarity")
        for label in (card.rank, card.points, card.similarity):
            assert label.fontMetrics().horizontalAdvance(label.text()) <= label.contentsRect().width(), label.text()


def test_an_unverified_top_is_not_called_verified(qtbot, tmp_path):
    panel = _panel(qtbot, tmp_path, STATUS_RETRIEVED)
    first = panel.cards[0]
    assert first.rank.text() == "#1  ✓" and first.similarity.text() == "similarity 0.596"
    assert not first.rank.toolTip().startswith("verification chose")
