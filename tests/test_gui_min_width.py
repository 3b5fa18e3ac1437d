"""The window fits half of a 1920 px screen (session 33, task minwidth33).

Before: the main window's least width was 1,015 px (the photo list 376, the Results pane 329 because it
counted the photo at its first 176 px, the side column 290 because the Adapter panel's three buttons
sat in one row): snapped to a 960 px half screen, or on a 1024 px netbook with its frame, it spilled off
the screen. Now the Adapter's buttons wrap, the Results pane counts its photo at its least size and Copy
at its word's width, the map asks 240 px: the least width is under 940 px, with every button's label whole."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtGui import QFontMetrics  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QPushButton  # noqa: E402

from geolocator.core.model import Query  # noqa: E402
from geolocator.gui.jobs import AdapterInfo  # noqa: E402

from .test_confidence_radius import _prediction  # noqa: E402
from .test_gui_first_hour import dirs, make_window  # noqa: E402,F401
from .test_gui_side_column import FLIGHT  # noqa: E402

MAX_WIDTH = 940  # half a 1920 px screen less a window frame's margin


def _populated(qtbot, dirs, tmp_path):
    """A window with what the demo shows: a list of camera-named photos, one shown in the Results pane
    with its answer, a saved adapter (its buttons enabled) and an evaluation of several lines."""
    w = make_window(qtbot, dirs)
    w.query_list.add_queries([Query(f"DJI_{i:04d}.JPG", tmp_path / f"DJI_{i:04d}.JPG") for i in range(40)])
    p = _prediction(tmp_path)
    w.results.show_query(p.query, p, None, {})
    card = {"region": "demo", "steps": 300, "created": "2026-12-04T20:00:00"}
    w.adapter_panel.show_info(AdapterInfo(tmp_path / "a.safetensors", True, False, card))
    w.eval_panel.label.setText(FLIGHT)
    return w


def _text_fits(button: QAbstractButton) -> bool:
    """The label's whole text inside the button, its frame and margins aside (QPushButton's own drawing)."""
    style = button.style()
    pm = style.PixelMetric
    inner = button.width() - 2 * (style.pixelMetric(pm.PM_DefaultFrameWidth) + style.pixelMetric(pm.PM_ButtonMargin))
    return QFontMetrics(button.font()).horizontalAdvance(button.text()) <= inner


def test_the_window_can_be_narrower_than_half_a_1920_px_screen(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    qtbot.wait(50)
    # before: 1,015 px (measured offscreen, the same window)
    assert w.minimumSizeHint().width() <= MAX_WIDTH
    w.resize(MAX_WIDTH, 640)
    qtbot.waitUntil(lambda: w.width() <= MAX_WIDTH, timeout=5_000)


def test_the_window_fits_a_1024_x_600_netbook(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    qtbot.wait(50)
    # before: 642 px high at least (the map asked 240 px of height above the Results pane's 306)
    assert w.minimumSizeHint().height() <= 600
    w.resize(1024, 600)
    qtbot.waitUntil(lambda: w.height() == 600, timeout=5_000)
    assert w.map_view.height() >= 160



def side_buttons_whole(w) -> None:
    """Every visible side-panel button shows its whole text and is not cut at the column's right edge
    (the column scrolls up and down only)."""
    viewport = w.side_scroll.viewport()
    buttons = [b for panel in (w.adapter_panel, w.eval_panel, w.backbone_panel)
               for b in panel.findChildren(QPushButton) if b.isVisible()]
    assert len(buttons) >= 6
    for b in buttons:
        assert _text_fits(b), (b.text(), b.width())
        assert b.mapTo(viewport, b.rect().topRight()).x() < viewport.width(), b.text()

@pytest.mark.parametrize("size", [(MAX_WIDTH, 640), (1024, 600)])
def test_at_the_least_width_every_button_shows_its_whole_text(qtbot, dirs, tmp_path, size):
    w = _populated(qtbot, dirs, tmp_path)
    w.resize(*size)
    qtbot.waitUntil(lambda: w.width() == size[0], timeout=5_000)
    qtbot.wait(100)
    side_buttons_whole(w)
    rows = w.adapter_panel.buttons
    for i, a in enumerate(rows.buttons):  # wrapped, never on top of each other
        for b in rows.buttons[i + 1:]:
            assert not a.geometry().intersects(b.geometry()), (a.text(), b.text())
        assert rows.rect().contains(a.geometry()), a.text()
    assert _text_fits(w.results.copy_button)
    # the map is still there beside the list and the column, the Results pane's photo too
    assert w.map_view.width() >= 240 and w.results.query_image.width() >= 96


def test_at_1440_x_900_the_adapter_buttons_keep_one_row(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    w.resize(1440, 900)
    qtbot.wait(200)
    tops = {b.geometry().top() for b in w.adapter_panel.buttons.buttons}
    assert tops == {0}
    assert w.results.copy_button.width() == w.results.copy_button.sizeHint().width()


def test_button_rows_wrap_below_their_one_row_width(qtbot):
    from geolocator.gui.side_panels import ButtonRows

    buttons = [QPushButton(t) for t in ("Use saved", "Reset", "Delete")]
    rows = ButtonRows(buttons)
    qtbot.addWidget(rows)
    one_row = rows.sizeHint().width()
    assert rows.heightForWidth(one_row) == rows.sizeHint().height()
    # a pixel narrower: two rows, as tall as two buttons and a gap
    assert rows.heightForWidth(one_row - 1) > 2 * buttons[0].sizeHint().height()
    assert rows.minimumSizeHint().width() == max(b.sizeHint().width() for b in buttons)
    rows.resize(rows.minimumSizeHint().width(), rows.heightForWidth(rows.minimumSizeHint().width()))
    rows.show()
    qtbot.wait(20)
    assert len({b.geometry().top() for b in buttons}) == 3  # one a row, each its whole width
    assert all(b.width() >= b.sizeHint().width() for b in buttons)
    # a hidden button takes no room in the row
    buttons[2].hide()
    assert rows.sizeHint().width() < one_row - buttons[2].sizeHint().width() + 1
