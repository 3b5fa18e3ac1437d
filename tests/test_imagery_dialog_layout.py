"""The imagery dialog's WMTS rows as a person sees them (session 29, mend29; mend28 saw both, left):

- the layer filter box was a third of the Layer row (about 190 px at the dialog's 720 px): a long
  identifier typed or pasted into it ("ch.swisstopo.swissimage-product") showed only its end;
- the status line under the capabilities box stood in a gap: the dialog never shrinks (so that it
  does not jump while typing), and the height it kept after a longer text was spread over the
  rows, the word-wrapped status label getting most of it (its text centred in empty space).

Measured on the widgets' own geometry after a real layout (offscreen), not on pictures."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from .test_imagery_dialog import photos, tiles  # noqa: E402, F401 - the same demo pyramid and photos
from .test_imagery_layer_filter import _doc  # noqa: E402
from .test_imagery_wmts import _dialog, _read, dialogs  # noqa: E402, F401

LONG = "ch.swisstopo.swissimage-product"


def _shown(qtbot, d) -> None:
    d.show()
    qtbot.waitExposed(d)
    d.layout().activate()


def test_a_long_layer_identifier_typed_in_the_filter_is_shown_whole(qtbot, tmp_path, photos, dialogs):
    (tmp_path / "caps.xml").write_bytes(_doc())
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    _shown(qtbot, d)
    d.layer_filter.setText(LONG)
    assert d.layer.currentData() == LONG
    room = d.layer_filter.contentsRect().width() - 2 * d.layer_filter.style().pixelMetric(
        d.layer_filter.style().PixelMetric.PM_DefaultFrameWidth) - 8  # QLineEdit's own side margins
    assert d.layer_filter.fontMetrics().horizontalAdvance(LONG + "-2024") <= room, (room, d.width())
    # and the layer list beside or under it still shows the chosen layer's whole title — identifier
    assert d.layer.width() >= d.layer.fontMetrics().horizontalAdvance(d.layer.currentText())


def test_the_status_line_keeps_no_gap_when_the_dialog_is_taller_than_its_rows(qtbot, tmp_path, photos, dialogs):
    (tmp_path / "caps.xml").write_bytes(_doc())
    d = _dialog(qtbot, tmp_path, photos, dialogs)
    _read(qtbot, d, str(tmp_path / "caps.xml"))
    _shown(qtbot, d)
    # the dialog kept the height of an earlier, longer text (it never shrinks while one types)
    d.resize(d.width(), d.height() + 160)
    qtbot.waitUntil(lambda: d.layout().geometry().height() >= d.height() - 30, timeout=5_000)
    d.layout().activate()
    status = d.wmts_status
    need = status.heightForWidth(status.width())
    assert status.height() <= need + 4, (status.height(), need)  # no empty band around its lines
    # the rows stay together: the status line right under the capabilities box, the Layer row under it
    caps_bottom = d.caps.mapTo(d, d.caps.rect().bottomLeft()).y()
    assert status.mapTo(d, status.rect().topLeft()).y() - caps_bottom <= 16
    gap = d.layer.mapTo(d, d.layer.rect().topLeft()).y() - status.mapTo(d, status.rect().bottomLeft()).y()
    assert gap <= 16, gap
