"""The one place in the window where a run's warnings appear: the warnings the core logs while a job
runs (workers.JobRunner.warned: an --epsg that a GeoTIFF's own coordinate system overrides, a skipped
file, a cache that cannot be written...), which the CLI prints on stderr and an app user never saw.

A status-bar button, hidden until something is said: "⚠ 1 warning: <the latest, cut to fit>";
clicking it opens the log of this session's warnings (each with the time and the job that said it)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QPlainTextEdit, QStyle, QToolButton, QVBoxLayout,
                               QWidget)

from ..core.wording import count

TEXT_PX = 560  # the latest warning's room in the status bar (1440 px window: beside the tile set line); the whole of it is in the log


class WarningsLog(QToolButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WarningsLog")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.entries: list[tuple[str, str, str]] = []  # (time HH:MM:SS, job title, message)
        self.clicked.connect(self.show_log)
        self._dialog: QDialog | None = None
        self.hide()

    def add(self, title: str, messages: list[str]) -> None:
        """Record `messages` that the job `title` logged, and show the latest in the status bar."""
        now = datetime.now().strftime("%H:%M:%S")
        self.entries += [(now, title, m) for m in messages if m]
        if not self.entries:
            return
        latest = " ".join(self.entries[-1][2].split())  # one line in the status bar
        head = f"{count(len(self.entries), 'warning')}: "
        self.setText(head + self.fontMetrics().elidedText(latest, Qt.TextElideMode.ElideRight, TEXT_PX))
        self.setToolTip(f"{latest}\n\nClick for every warning of this session.")
        self.show()
        if self._dialog is not None and self._dialog.isVisible():
            self._fill()

    def text_of_log(self) -> str:
        """The log as its view shows it: one entry a paragraph."""
        return "\n\n".join(f"{t}  {title}:\n{message}" for t, title, message in self.entries)

    def clear(self) -> None:
        self.entries.clear()
        self.hide()
        if self._dialog is not None:
            self._dialog.close()

    def show_log(self) -> None:
        if self._dialog is None:
            self._dialog = QDialog(self.window())
            self._dialog.setWindowTitle("Warnings")
            self._dialog.resize(720, 360)
            layout = QVBoxLayout(self._dialog)
            self._view = QPlainTextEdit()
            self._view.setReadOnly(True)
            layout.addWidget(self._view)
            buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
            clear = buttons.addButton("Clear", QDialogButtonBox.ButtonRole.ResetRole)
            clear.clicked.connect(self.clear)
            buttons.rejected.connect(self._dialog.close)
            layout.addWidget(buttons)
        self._fill()
        self._dialog.show()
        self._dialog.raise_()

    def _fill(self) -> None:
        self._view.setPlainText(self.text_of_log())
