"""An inline message bar above the content: problems are shown, never thrown at the user as a
traceback, and never block the window with a modal dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QStyle, QWidget

_SEVERITY = {"info": 0, "warning": 1, "error": 2}
_TINTS = {"info": "#2b83ba", "warning": "#e6a700", "error": "#d73027"}
_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file names: never HTML
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._details_btn = QPushButton("Details…")
        self._details_btn.clicked.connect(self._show_details)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.setFixedWidth(28)
        close.clicked.connect(self.dismiss)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self._details_btn)
        layout.addWidget(close)
        self._details = ""
        self.level = ""
        self._stale = False  # shown before the work now running: gone when that work ends (end_step)
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text()

    def show_messages(self, messages: list[tuple[str, str, str]]) -> None:
        """Several messages of one piece of work at once, one a line, tinted by the most severe:
        a later message ("3 images added") never hides an earlier one (a skipped folder)."""
        messages = [m for m in messages if m[1]]
        if not messages:
            return
        level = max((m[0] for m in messages), key=lambda lv: _SEVERITY.get(lv, 0))
        self.show_message(level, "\n".join(m[1] for m in messages),
                          "\n\n".join(m[2] for m in messages if m[2]))

    def begin_step(self) -> None:
        """A new piece of work starts (a locate, an opening, an adaptation): what the bar shows now
        belongs to an earlier one and goes when this one ends (end_step) unless something is said
        meanwhile. Session 28: after Locate the bar still showed the fetch's "N tiles … (HTTP 404)"."""
        self._stale = not self.isHidden()

    def end_step(self) -> None:
        """The piece of work ended and said what it had to say: a message of an earlier one is dismissed."""
        if self._stale:
            self.dismiss()

    def show_message(self, level: str, text: str, details: str = "") -> None:
        self.level = level
        self._stale = False
        self._text.setText(text)
        self._details = details
        self._details_btn.setVisible(bool(details))
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        self._icon.setPixmap(self.style().standardIcon(_ICONS.get(level, _ICONS["info"])).pixmap(size, size))
        tint = QColor(_TINTS.get(level, _TINTS["info"]))
        # a light wash of the level's colour over the window colour: readable in light and dark palettes
        base = self.palette().color(QPalette.ColorRole.Window)
        mix = QColor(
            round(base.red() * 0.82 + tint.red() * 0.18),
            round(base.green() * 0.82 + tint.green() * 0.18),
            round(base.blue() * 0.82 + tint.blue() * 0.18),
        )
        self.setStyleSheet(
            f"#MessageBar {{ border: 1px solid {tint.name()}; border-left: 4px solid {tint.name()};"
            f" border-radius: 3px; background: {mix.name()}; }}"
        )
        self.show()

    def dismiss(self) -> None:
        self.hide()
        self.level = ""
        self._stale = False

    def _show_details(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("Details")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(self._text.text())
        box.setDetailedText(self._details)
        box.open()
