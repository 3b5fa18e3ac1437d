"""Dialogs that fit the screen they open on: at 200 % scaling a 1366 x 768 laptop is 683 x 384
logical px, and with a 14 pt font a 1920 x 1080 one at 200 % holds 960 x 540 (session 36, newuserapp36).

Before, the Get Imagery dialog was 720 px wide and 382-528 px tall at the usual font, up to 945 x 702
at 14 pt, whatever the screen: on a 683 x 384 screen its Fetch and Cancel buttons were below the
screen's edge. Now a dialog's rows scroll (FittingScroll, laid out by scrolled_rows) under buttons that
stay in sight; the dialog is sized to the screen's available geometry (fit_to_screen) and kept inside it
when it grows (grow_to_fit, keep_inside); QInputDialog.getItem's one-line question and list are replaced
by ask_item. Nothing here raises.

Sizes are logical px (Qt's device-independent pixels: physical px / the device-pixel ratio)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QSize, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QFrame, QScrollArea, QVBoxLayout, QWidget

# A window manager's borders and title bar, which lie outside a window's own geometry (logical px;
# GNOME's and KDE's title bars are 30-38 px, borders 1-8 px a side). Kept free on the screen.
FRAME_W, FRAME_H = 16, 40


def room(widget: QWidget) -> QSize:
    """The size a window's own geometry may take on `widget`'s screen (its parent's before it is shown;
    the primary one without either): the screen's available geometry (panels and docks left out) less
    FRAME_W x FRAME_H for the window manager's frame. Logical px."""
    screen = widget.screen() or QApplication.primaryScreen()
    avail = screen.availableGeometry()
    return QSize(max(1, avail.width() - FRAME_W), max(1, avail.height() - FRAME_H))


def fit_to_screen(window: QWidget, wanted: QSize | None = None) -> QSize:
    """Resize `window` to `wanted` (default: its current size) cut to room(window). Returns the size
    given (logical px). Never below the window's own least size (a window whose least is larger than
    the screen keeps it). Only the size: QDialog places itself over its parent inside the screen's
    available geometry when shown (QDialog::adjustPosition), which a move() here would turn off."""
    r = room(window)
    want = wanted if wanted is not None else window.size()
    least = window.minimumSizeHint().expandedTo(window.minimumSize())
    size = QSize(max(least.width(), min(want.width(), r.width())), max(least.height(), min(want.height(), r.height())))
    window.resize(size)
    return size


def keep_inside(window: QWidget) -> None:
    """Move a shown `window` that grew past its screen's available geometry back inside it (its frame
    allowed for), up and left first; nothing for a hidden one (QDialog places itself when shown)."""
    if not window.isVisible():
        return
    _move_inside(window)


def fit_restored(window: QWidget) -> None:
    """Cut a window whose saved geometry was just restored (QWidget.restoreGeometry) to room(window) and
    move it inside its screen's available geometry, shown or not. Qt's restoreGeometry left a window saved
    1800 x 1000 on a 1920 x 1080 screen 1420 px wide on a 683 x 384 one (a 1366 x 768 laptop at 200 %):
    its right-hand column beyond the screen's edge (session 36, appwalk36)."""
    fit_to_screen(window)
    _move_inside(window)


def _move_inside(window: QWidget) -> None:
    """Move `window` inside its screen's available geometry (its frame allowed for), up and left first."""
    avail = (window.screen() or QApplication.primaryScreen()).availableGeometry()
    geo = window.geometry()
    x = max(avail.x() + FRAME_W // 2, min(geo.x(), avail.right() + 1 - FRAME_W // 2 - geo.width()))
    y = max(avail.y() + FRAME_H - FRAME_W // 2, min(geo.y(), avail.bottom() + 1 - FRAME_W // 2 - geo.height()))
    if (x, y) != (geo.x(), geo.y()):
        window.move(window.pos() + (QPoint(x, y) - geo.topLeft()))


def grow_to_fit(window: QWidget) -> None:
    """Make `window` as tall as its layout needs at its width (word-wrapped lines included; a
    FittingScroll in it asks for its rows' whole height), never shorter than it is (a dialog that
    shrank while one types would jump) and never taller than room(window): the rows scroll there."""
    layout = window.layout()
    if layout is None:  # still being built
        return
    for scroll in window.findChildren(FittingScroll):
        scroll.updateGeometry()  # its hint follows its rows' height at its width
    layout.activate()
    need = layout.totalHeightForWidth(window.width()) if layout.hasHeightForWidth() else window.sizeHint().height()
    need = min(need, room(window).height())
    if need > window.height():
        window.resize(window.width(), need)
        keep_inside(window)


def tab_stop_while_it_scrolls(area: QAbstractScrollArea) -> None:
    """Make `area` a Tab stop only while its rows do not all fit (PageUp / PageDown then read them), from
    now on. A scroll area with nothing to scroll draws no focus mark: as a stop it was a press of Tab
    that seemed to do nothing. A widget tabbed to inside it is scrolled into sight by QScrollArea either way."""
    def follow(*_args) -> None:
        scrolls = area.verticalScrollBar().maximum() > 0 or area.horizontalScrollBar().maximum() > 0
        area.setFocusPolicy(Qt.FocusPolicy.StrongFocus if scrolls else Qt.FocusPolicy.NoFocus)

    area.verticalScrollBar().rangeChanged.connect(follow)
    area.horizontalScrollBar().rangeChanged.connect(follow)
    follow()


class FittingScroll(QScrollArea):
    """A frameless vertical scroll area around a dialog's rows: it asks for the rows' whole height at its
    width (word-wrapped lines included) where the screen has room, and for a few lines where it has not,
    the rest then scrolls. Its least width is the rows' least plus the scroll bar's, so the rows never
    scroll sideways unless the screen is narrower than they can be (QScrollArea's own hint was capped
    at 36 x 24 lines of text, whatever the rows needed)."""

    LEAST_LINES = 5  # the least height: five lines of text in sight

    def __init__(self, body: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setWidget(body)
        # a focusable frameless area was an invisible stop in every dialog, and the one a dialog opened
        # on, so typing went nowhere (keys37)
        tab_stop_while_it_scrolls(self)

    def _rows_height(self, width: int) -> int:
        body = self.widget()
        layout = body.layout()
        if layout is not None and layout.hasHeightForWidth() and width > 0:
            # activated first: a QFormLayout not laid out since a label's text changed answered the
            # height of its old text (a provider's five-line terms notice left out: 332 px for 388)
            layout.activate()
            return layout.totalHeightForWidth(width)
        return body.sizeHint().height()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        body = self.widget()
        hint = body.sizeHint()
        f = 2 * self.frameWidth()
        width = self.viewport().width() if self.isVisible() else hint.width()
        return QSize(hint.width() + f, self._rows_height(width) + f)

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        body = self.widget()
        bar = self.verticalScrollBar().sizeHint().width()
        f = 2 * self.frameWidth()
        return QSize(body.minimumSizeHint().width() + bar + f, self.LEAST_LINES * self.fontMetrics().height() + f)


class _GrowOnShow(QObject):
    """grow_to_fit once its window is shown: the rows' height at the width they were given (before it is
    shown, their hint's width is all there is)."""

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Show:
            grow_to_fit(watched)
        return False


def scrolled_rows(dialog: QWidget, body: QWidget, below: list[QWidget], width: int) -> FittingScroll:
    """Lay out `dialog` as `body` (its rows) in a FittingScroll over the widgets `below` (a message,
    the OK/Cancel buttons), which stay in sight however short the screen; size it `width` wide (cut to
    room(dialog)) and as tall as its rows at that width where the screen allows, again once shown.
    Returns the scroll area."""
    scroll = FittingScroll(body)
    layout = QVBoxLayout(dialog)
    layout.addWidget(scroll, 1)
    for widget in below:
        layout.addWidget(widget)
    fit_to_screen(dialog, QSize(width, 0))
    grow_to_fit(dialog)
    dialog.installEventFilter(_GrowOnShow(dialog))
    return scroll


def ask_item(parent: QWidget | None, title: str, label: str, items: list[str], current: int = 0,
             editable: bool = False) -> tuple[str, bool]:
    """QInputDialog.getItem's contract ((the item chosen, True), or (the current one, False) when cancelled),
    fitted to the screen: its question wraps and the closed list shows about 30 characters of a long
    item (the open list shows each whole), the dialog as wide as its items where the screen has room.
    QInputDialog wrote both on one line: the Row order and Zoom level boxes were 928 and 886 px wide with a
    14 pt font, more than a 1366 x 768 laptop at 200 % holds (683 px)."""
    from PySide6.QtWidgets import QComboBox, QInputDialog, QLabel

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(list(items))
    dialog.setComboBoxEditable(editable)
    if items:
        dialog.setTextValue(items[max(0, min(current, len(items) - 1))])
    for text in dialog.findChildren(QLabel):
        text.setWordWrap(True)
    widest = 0
    for box in dialog.findChildren(QComboBox):
        box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        box.setMinimumContentsLength(30)
        box.setToolTip(box.currentText())  # the whole item, where the closed list cuts it
        box.currentTextChanged.connect(box.setToolTip)
        widest = max(widest, max((box.fontMetrics().horizontalAdvance(i) for i in items), default=0) + 60)
    fit_to_screen(dialog, QSize(max(widest, dialog.sizeHint().width()), dialog.sizeHint().height()))
    ok = dialog.exec() == QInputDialog.DialogCode.Accepted
    chosen = dialog.textValue()
    dialog.deleteLater()
    return (chosen if ok else (items[current] if items else "")), ok
