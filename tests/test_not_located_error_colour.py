"""A photo with nothing to locate (a lens-cap frame: status "not located", confidence 0) makes no claim,
so the list does not judge its error right (green) or wrong (red): grey, as its status and its map marker
(field case 11: "shown as not located (list, map colour, export)"). Before session 32 its error was drawn
green when the candidates' middle happened to fall near the truth (newuser32: a blank frame 33 m off,
green, in the list)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from geolocator.core import predict as P  # noqa: E402
from geolocator.core.model import STATUS_NOT_LOCATED, Bounds, LatLon, Query, Tile  # noqa: E402


def _tile(i):
    return Tile(f"t{i}", Path(f"/nonexistent/t{i}.png"), Bounds(0.01 * i, 10.0, 0.01 * i + 0.001, 10.001))


def test_a_not_located_photo_s_error_is_grey_and_says_no_claim(qtbot):
    from PySide6.QtCore import Qt

    from geolocator.gui.query_list import COL_ERROR, GREEN, GREY, QueryList

    tiles = [_tile(0), _tile(1000)]
    truth = LatLon(10.0005, 0.0005)  # inside the top tile: a located photo here is drawn green
    qs = [Query(f"q{i}", Path(f"/x/q{i}.jpg"), truth=truth) for i in range(2)]
    preds = P.predict(qs, tiles, np.tile([0.9, 0.5], (2, 1)), np.tile([0, 1], (2, 1)),
                      not_located=[True, False])
    assert preds[0].status == STATUS_NOT_LOCATED and preds[1].status != STATUS_NOT_LOCATED
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries(qs)
    for p in preds:
        w.set_prediction(p)
    model = w.model()
    colour = [model.data(model.index(i, COL_ERROR), Qt.ItemDataRole.ForegroundRole) for i in range(2)]
    colour = [c.color() if hasattr(c, "color") else c for c in colour]
    assert colour[0] == GREY and colour[1] == GREEN
    tip = model.data(model.index(0, COL_ERROR), Qt.ItemDataRole.ToolTipRole)
    assert "not located" in tip and "no claim" in tip
