"""A decimal number typed by a person, the same on every machine's locale.

Qt's number boxes follow the system locale: on a de_DE laptop "." is the thousands separator, so a
tile size typed "50.5" became 505 m and an overlap "0.25" was refused (session 21, newuser21). These
boxes show a dot, as every other figure in the app does, and take either "." or "," as the decimal
mark; group separators are refused, so "1.000" is one, never a thousand.
"""

from __future__ import annotations

from PySide6.QtCore import QLocale
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QLabel, QSpinBox, QVBoxLayout, QWidget


def _dot_locale() -> QLocale:
    c = QLocale.c()  # "." decimals, no group separators written or read
    c.setNumberOptions(QLocale.NumberOption.OmitGroupSeparator | QLocale.NumberOption.RejectGroupSeparator)
    return c


class DecimalSpinBox(QDoubleSpinBox):
    """A QDoubleSpinBox that writes "50.5" and reads "50.5" or "50,5" alike, whatever the locale.
    `trim_zeros`: written without trailing zeros ("250", "0.5"), for a box whose figure is usually whole."""

    _trim_zeros = False  # Qt asks textFromValue while the box is being made

    def __init__(self, parent: QWidget | None = None, *, trim_zeros: bool = False) -> None:
        super().__init__(parent)
        self._trim_zeros = trim_zeros
        self.setLocale(_dot_locale())

    def textFromValue(self, value: float) -> str:  # noqa: N802 - Qt's name
        text = super().textFromValue(value)
        return text.rstrip("0").rstrip(".") if self._trim_zeros and "." in text else text

    def validate(self, text: str, pos: int):  # noqa: D102 - Qt's: the comma read as the decimal mark
        return super().validate(text.replace(",", "."), pos)

    def valueFromText(self, text: str) -> float:  # noqa: N802 - Qt's name
        return super().valueFromText(text.replace(",", "."))


def _ask(parent: QWidget | None, title: str, label: str, box) -> bool:
    """The question `label` (word-wrapped) over the number `box`, OK and Cancel; True when accepted. As
    wide as about 60 characters where the screen has room, its question scrolling where it has not
    (screen_fit.scrolled_rows): QInputDialog wrote its question on one line, and Free Disk Space's was
    919 px wide (1,442 at 14 pt), wider than a 1366 x 768 laptop at 200 % (683 logical px)."""
    from .screen_fit import scrolled_rows

    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    body = QWidget()
    layout = QVBoxLayout(body)
    layout.setContentsMargins(0, 0, 0, 0)
    text = QLabel(label)
    text.setWordWrap(True)
    layout.addWidget(text)
    layout.addWidget(box)
    layout.addStretch(1)
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    width = min(60, len(label)) * dialog.fontMetrics().averageCharWidth() + 40
    scrolled_rows(dialog, body, [buttons], max(width, box.sizeHint().width() + 40, buttons.sizeHint().width() + 24))
    box.selectAll()
    box.setFocus()
    dialog.spin_box = box  # for tests and drivers that answer it
    ok = dialog.exec() == QDialog.DialogCode.Accepted
    box.interpretText()
    dialog.deleteLater()
    return ok


def ask_decimal(parent: QWidget | None, title: str, label: str, value: float, lo: float, hi: float,
                decimals: int) -> tuple[float, bool]:
    """QInputDialog.getDouble's contract, with a DecimalSpinBox: (the value, True) when accepted,
    (`value`, False) when cancelled. `lo`..`hi` bound what can be typed, `decimals` how many are kept."""
    box = DecimalSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setValue(value)
    ok = _ask(parent, title, label, box)
    return (box.value() if ok else value), ok


def ask_whole(parent: QWidget | None, title: str, label: str, value: int, lo: int, hi: int) -> tuple[int, bool]:
    """QInputDialog.getInt's contract, its question word-wrapped to the screen (_ask): (the value, True)
    when accepted, (`value`, False) when cancelled; `lo`..`hi` bound what can be typed."""
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    ok = _ask(parent, title, label, box)
    return (box.value() if ok else value), ok
