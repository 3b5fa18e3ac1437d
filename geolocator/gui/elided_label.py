"""A one-line label, and a status bar's messages, that end in "…" where the text is wider than the room,
the whole text in the tooltip.

The status bar's tile-set line ("Tile set: /media/…/tiles.csv · 1,234 tiles of about 100 m at zoom 19 ·
imagery: …") was cut at the window's edge mid-letter, nothing saying that more was there: in a narrow
window, at 150-200 % scaling or with a large font (hidpi35)."""

from __future__ import annotations

import time

from PySide6.QtCore import QSize, Qt, QTimer
from PySide6.QtWidgets import QLabel, QSizePolicy, QStatusBar, QWidget


class ElidedLabel(QLabel):
    """A plain-text QLabel on one line, cut at its end ("…") to its width; text() and the tooltip are the
    whole text (the tooltip only where it is cut). Its least width is a few characters (`least_chars`
    wide of "M"), so a long text never widens its layout. Sizes in px of the label's own font."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *, least_chars: int = 8) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)  # paths come from the file system: never HTML
        self._full = ""
        self._least_chars = least_chars
        self.setText(text)

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        self._full = text
        self._fit()
        self.updateGeometry()

    def text(self) -> str:  # the whole text (what is shown may be cut at its end)
        return self._full

    def shown(self) -> str:
        """The text as drawn now: the whole text, or its start and "…"."""
        return super().text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), self.fontMetrics().horizontalAdvance("M" * self._least_chars)))
        return hint

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name: the whole text where there is room
        hint = super().sizeHint()
        hint.setWidth(self.fontMetrics().horizontalAdvance(self._full) + 2 * self.margin() + 4)
        return hint

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name (this widget's own: no event filter)
        super().resizeEvent(event)
        self._fit()

    def changeEvent(self, event) -> None:  # noqa: N802 - Qt's name: a new font cuts at another place
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        # QLabel draws inside contentsRect() less margin() each side: cut to that room, or the "…" is hidden
        width = max(1, self.contentsRect().width() - 2 * self.margin())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != super().text():
            super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")


class ElidingStatusBar(QStatusBar):
    """A QStatusBar whose temporary messages (showMessage) end in "…" where they are wider than the room
    beside the permanent widgets, the whole message in the tooltip and in currentMessage(). Qt's own bar
    cut "verify: 108 of 108 photos resumed from an earlier run (their checks were kept in the c" at the
    edge of a 535 px window. A message shown from C++ (a menu action's status tip) is left as Qt shows it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # as QMainWindow.statusBar() sets its own bar: never widens the window (the progress panel's
        # words during a job would, ~400 px)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._full = ""
        self._shown = ""
        self._until: float | None = None  # time.monotonic() when the message goes; None: until replaced
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int = 0) -> None:  # noqa: N802 - Qt's name
        super().addPermanentWidget(widget, stretch)
        self._permanent.append(widget)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 - Qt's name
        """Qt's showMessage (`timeout` in ms, 0: until replaced), cut at its end to the room there is."""
        self._full = text
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else None
        self._show()

    def currentMessage(self) -> str:  # noqa: N802 - Qt's name: the whole message, as given
        current = super().currentMessage()
        return self._full if current and current == self._shown else current

    def room(self) -> int:
        """Px the message has: up to the first permanent widget shown (Qt's own message rectangle,
        6 px in from the left), less a margin."""
        right = min([w.x() - 1 for w in self._permanent if w.isVisible() and w.x() > 0]  # 0: not placed yet
                    + [self.width() - 12])
        return max(1, right - 6 - 4)

    def _show(self) -> None:
        remaining = 0 if self._until is None else max(1, round(1000 * (self._until - time.monotonic())))
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, self.room())
        shown = shown or ("…" if self._full else "")  # never an empty message for a text (it would clear)
        self._shown = shown
        super().showMessage(shown, remaining)
        self.setToolTip(self._full if shown != self._full else "")

    def _changed(self, message: str) -> None:
        if message != self._shown:  # cleared, timed out, or another's message: not ours to explain
            self.setToolTip("")

    def _ours(self) -> bool:
        return bool(self._shown) and super().currentMessage() == self._shown

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name (this widget's own)
        super().resizeEvent(event)
        if self._ours():
            self._show()

    def paintEvent(self, event) -> None:  # noqa: N802 - Qt's name (this widget's own)
        """Qt's; where a permanent widget has since hidden or changed width (the progress panel at a job's
        end) the message is cut again to its new room, once this paint is done."""
        if self._ours() and self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight,
                                                          self.room()) != self._shown:
            QTimer.singleShot(0, self._refit)
        super().paintEvent(event)

    def _refit(self) -> None:
        if self._ours():
            self._show()
