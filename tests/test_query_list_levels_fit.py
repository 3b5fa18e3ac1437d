"""The list's Status cell shows every level whole, before the thumbnails arrive as after (session 27).

Session 26 made the Status column wrap at spaces, as wide as its longest word: in rows a thumbnail
high "verified but not confident" reads on two lines, but before the thumbnails arrive (or for a photo
whose thumbnail cannot be made) the list's rows are one line high (uniform row heights, from the first
row) and the cell was cut to "verified but …". A flight's matched frame at 0.5-0.9 read "matched"
beside photos reading "verified but not confident" (mend26's record): it now reads the photo's level
(core.levels.frame_level)."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")

from .helpers import two_tile_prediction  # noqa: E402


def _status_cell(view, row: int):
    """(text, the rectangle its text is drawn in, less Qt's item margins) of the Status cell, as the
    view paints it: the column's delegate's style option and the style's text rectangle."""
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from geolocator.gui.query_list import COL_STATUS

    index = view.model().index(row, COL_STATUS)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    view.itemDelegateForColumn(COL_STATUS).initStyleOption(option, index)
    style = view.style()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    assert option.features & QStyleOptionViewItem.ViewItemFeature.WrapText  # the column wraps
    return option, rect.adjusted(margin, 0, -margin, 0)


def _drawn_whole(option, rect) -> bool:
    """Whether Qt draws the wrapped text without cutting it: all its lines, at the rectangle's width,
    fit the rectangle's height (else Qt elides the last line it has room for)."""
    from PySide6.QtCore import QRect, Qt

    need = option.fontMetrics.boundingRect(QRect(0, 0, rect.width(), 10_000), Qt.TextFlag.TextWordWrap, option.text)
    return need.height() <= rect.height() and need.width() <= rect.width()


@pytest.mark.parametrize("thumbnails", [False, True])
def test_every_level_is_drawn_whole_with_or_without_thumbnails(qtbot, tmp_path, thumbnails):
    from geolocator.core.levels import FRAME_LEVEL_MEANS, LEVELS
    from geolocator.gui.query_list import COL_STATUS, ICON_PX, QueryList

    view = QueryList()
    qtbot.addWidget(view)
    base = two_tile_prediction(tmp_path)
    answers = [("sure.jpg", "verified", 0.95), ("fair.jpg", "verified", 0.7), ("weak.jpg", "verified", 0.3),
               ("guess.jpg", "retrieved", 0.4), ("blank.jpg", "not located", 0.0)]
    preds = [replace(base, query=replace(base.query, id=n), status=s, confidence=c) for n, s, c in answers]
    view.add_queries([p.query for p in preds])
    for p in preds:
        view.set_prediction(p)
    if thumbnails:
        from PIL import Image

        jpeg = io.BytesIO()
        Image.new("RGB", (64, 48), (90, 120, 60)).save(jpeg, "JPEG")
        for p in preds:
            view.set_thumbnail(p.query.id, jpeg.getvalue())
    view.resize(view.minimumWidth(), 500)  # as narrow as the app lets the list be
    view.show()
    qtbot.waitExposed(view)
    assert [view.topLevelItem(i).text(COL_STATUS) for i in range(5)] == list(LEVELS)
    for row in range(5):
        option, rect = _status_cell(view, row)
        assert _drawn_whole(option, rect), (option.text, rect.width(), rect.height())
    # every other word a row can read (a flight's frames) fits the same cell
    option, rect = _status_cell(view, 0)
    for word in FRAME_LEVEL_MEANS:
        option.text = word
        assert _drawn_whole(option, rect), word
    # rows stay as high as before where a thumbnail sets their height (the levels need less)
    height = view.visualRect(view.model().index(0, COL_STATUS)).height()
    if thumbnails:
        assert height <= ICON_PX + 8
    else:  # two lines, not three: the column is as wide as its longest word
        assert height < 3 * view.fontMetrics().lineSpacing() + 8


def test_a_matched_frame_reads_the_level_of_its_confidence(qtbot, tmp_path):
    from PySide6.QtCore import Qt

    from geolocator.gui.query_list import COL_STATUS, QueryList

    view = QueryList()
    qtbot.addWidget(view)
    base = two_tile_prediction(tmp_path, conf=0.7, status="verified")
    frames = {name: replace(base, query=replace(base.query, id=name)) for name in
              ("f1.jpg", "f2.jpg", "f3.jpg", "f4.jpg", "f5.jpg")}
    view.add_queries([p.query for p in frames.values()])
    view.set_prediction(frames["f1.jpg"], track_status="matched", track_confidence=0.7)
    view.set_prediction(frames["f2.jpg"], track_status="corrected", track_confidence=0.95)
    view.set_prediction(frames["f3.jpg"], track_status="matched", track_confidence=0.3)
    view.set_prediction(frames["f4.jpg"], track_status="interpolated", track_confidence=0.8)
    view.set_prediction(frames["f5.jpg"], track_status="retrieved", track_confidence=0.2)
    shown = [view.topLevelItem(i).text(COL_STATUS) for i in range(5)]
    assert shown == ["verified but not confident", "confident", "weak match", "interpolated", "tile level only"]
    # how the track placed it: on hovering the cell
    tip = view.model_.data(view.model_.index(1, COL_STATUS), Qt.ItemDataRole.ToolTipRole)
    assert "corrected by the track: another of its verified candidates" in tip and tip.startswith("confident")
