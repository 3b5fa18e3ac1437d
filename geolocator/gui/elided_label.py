"""A one-line label that ends in "…" where its text is wider than the label, the whole text in its tooltip.

The status bar's tile-set line ("Tile set: /media/…/tiles.csv · 1,234 tiles of about 100 m at zoom 19 ·
imagery: …") was cut at the window's edge mid-letter, nothing saying that more was there: in a narrow
window, at 150-200 % scaling or with a large font (hidpi35)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QLabel, QWidget


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
        width = max(1, self.contentsRect().width())
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, width)
        if shown != super().text():
            super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")
