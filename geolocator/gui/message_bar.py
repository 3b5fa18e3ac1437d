"""An inline message bar above the content: problems are shown, never thrown at the user as a
traceback, and never block the window with a modal dialog.

Its text scrolls (MessageText) where the window is too short for all its lines: before session 37 the
window could not be shorter than its message's every line, 351 px under a one-line message and 385 under
four at 200 % on a 1366 x 768 laptop, whose screen leaves 344 under a title bar (screen_fit.room): the
status bar, with its progress bar and Cancel, went below the screen's edge (window37)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMessageBox, QPushButton, QScrollArea, QStyle, QWidget

_SEVERITY = {"info": 0, "warning": 1, "error": 2}
_TINTS = {"info": "#2b83ba", "warning": "#e6a700", "error": "#d73027"}
_ICONS = {
    "info": QStyle.StandardPixmap.SP_MessageBoxInformation,
    "warning": QStyle.StandardPixmap.SP_MessageBoxWarning,
    "error": QStyle.StandardPixmap.SP_MessageBoxCritical,
}


class MessageText(QScrollArea):
    """The message's word-wrapped `label` in a frameless area that scrolls up and down: it asks for all the
    label's lines at its width (sizeHint) and makes do with one (minimumSizeHint), the rest then scrolling
    (wheel or scroll bar), the whole text in its tooltip. Heights in px."""

    def __init__(self, label: QLabel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = label
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(label)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # a Tab stop only while it scrolls (follow_cut)
        self.viewport().setAutoFillBackground(False)  # the bar's tint shows through
        label.setAutoFillBackground(False)
        self.verticalScrollBar().setSingleStep(self.fontMetrics().lineSpacing())  # a line a wheel step

    def lines_height(self, width: int) -> int:
        """The label's height in px with all its lines wrapped at `width` px."""
        return self.label.heightForWidth(max(1, width)) if self.label.text() else 0

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = self.label.sizeHint()
        width = self.viewport().width() if self.isVisible() else hint.width()
        return QSize(hint.width(), max(self.minimumSizeHint().height(), self.lines_height(width)))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        # a few characters wide (the label wraps), one line tall
        return QSize(4 * self.fontMetrics().averageCharWidth(), self.fontMetrics().lineSpacing())

    def cut(self) -> bool:
        """Whether some of the message's lines are out of sight (scrolled)."""
        return self.lines_height(self.viewport().width()) > self.viewport().height()

    def follow_cut(self) -> None:
        """Where lines are out of sight: the whole text in the tooltip, and a Tab stop, so that the keyboard
        scrolls it too (arrow keys, Page Up/Down); otherwise neither (the label it holds was never a Tab stop)."""
        cut = self.isVisible() and self.cut()
        self.setToolTip(self.label.text() if cut else "")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus if cut else Qt.FocusPolicy.NoFocus)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.updateGeometry()  # its lines, and so the height it asks, follow its width
        self.follow_cut()


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        # 1 px above and below the buttons (4 until session 37): 6 px of the 7 the window lacked on a 683 x 384 screen
        layout.setContentsMargins(8, 1, 4, 1)
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setTextFormat(Qt.TextFormat.PlainText)  # messages quote file names: never HTML
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._text.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.text_view = MessageText(self._text)
        self._details_btn = QPushButton("Details…")
        self._details_btn.clicked.connect(self._show_details)
        close = QPushButton("✕")
        close.setFlat(True)
        close.setToolTip("Dismiss")
        close.setFixedWidth(28)
        close.clicked.connect(self.dismiss)
        layout.addWidget(self._icon)
        layout.addWidget(self.text_view, 1)
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
        self.text_view.verticalScrollBar().setValue(0)  # a new message is read from its first line
        self.text_view.updateGeometry()
        self.text_view.follow_cut()
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
