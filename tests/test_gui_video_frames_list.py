"""A video's frames in the photo list must be told apart at the list's width (session 14: every row of
a 20-frame clip read "DJI_0042.MP4…": the default right elision cut the "#t=SECONDS" that names the
frame, the one thing that differs between the rows)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")


def _shown_name(view, row: int) -> str:
    """The name cell's text as the view paints it: the delegate's style option (text, elide mode,
    font), the style's text rectangle for that cell, and Qt's elision over that width."""
    from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

    from geolocator.gui.query_list import COL_NAME

    index = view.model().index(row, COL_NAME)
    option = QStyleOptionViewItem()
    view.initViewItemOption(option)
    option.rect = view.visualRect(index)
    view.itemDelegate().initStyleOption(option, index)
    style = view.style()
    rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return option.fontMetrics.elidedText(option.text, option.textElideMode, rect.width() - 2 * margin)


def test_video_frames_are_told_apart_in_the_list_at_its_narrowest(qtbot):
    from geolocator.core.model import Query
    from geolocator.gui.query_list import QueryList

    view = QueryList()
    qtbot.addWidget(view)
    frames = [Query(f"/flights/DJI_0042.MP4#t={t}", Path("/flights/DJI_0042.MP4"), time_s=float(t))
              for t in (9, 10, 11)]
    view.add_queries(frames)
    import io

    from PIL import Image

    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(jpeg, "JPEG")
    for q in frames:  # the app shows each frame's thumbnail beside its name
        view.set_thumbnail(q.id, jpeg.getvalue())
    view.resize(view.minimumWidth(), 400)  # a list as narrow as the app lets it be
    view.show()
    qtbot.waitExposed(view)
    shown = [_shown_name(view, i) for i in range(3)]
    assert len(set(shown)) == 3, shown  # three frames, three different names on screen
    assert [s.endswith(f"#t={t}") for s, t in zip(shown, (9, 10, 11))] == [True] * 3, shown
    # the whole name is there when the pointer rests on it
    from PySide6.QtCore import Qt

    assert view.model().data(view.model().index(1, 0), Qt.ItemDataRole.ToolTipRole) == "/flights/DJI_0042.MP4#t=10"


def test_long_photo_names_keep_their_counter_in_the_list_at_its_narrowest(qtbot):
    """Names elided in the middle at the list's width read "Geländ…01.jpg", "Geländ…02.jpg": the counter
    that tells a camera's photos apart was cut (session 28's German field team, locale28). Elided at the
    start, each keeps its end: "…Süd q_0001.jpg"."""
    import io

    from PIL import Image

    from geolocator.core.model import Query
    from geolocator.gui.query_list import QueryList

    view = QueryList()
    qtbot.addWidget(view)
    names = ["Gelände Süd q_0001.jpg", "Gelände Süd q_0002.jpg", "Gelände Nord q_0005.jpg"]
    photos = [Query(f"Einsätze/Übung März/{n}", Path(f"/card/{n}")) for n in names]
    view.add_queries(photos)
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(jpeg, "JPEG")
    for q in photos:
        view.set_thumbnail(q.id, jpeg.getvalue())
    view.resize(view.minimumWidth(), 400)
    view.show()
    qtbot.waitExposed(view)
    shown = [_shown_name(view, i) for i in range(3)]
    assert shown[0] != names[0]  # the list is narrow enough that the names are shortened...
    assert [s.endswith(n.split()[-1]) for s, n in zip(shown, names)] == [True] * 3, shown  # ...keeping their counter
