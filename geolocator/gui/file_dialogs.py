"""File and folder choosers that fit the screen they open on (session 36, appwalk36).

The app called QFileDialog's static functions (getOpenFileName & co.) in a dozen places. Where the
desktop offers no native chooser (and offscreen) Qt's own dialog opens at its size hint, 632 x 408
logical px, whatever the screen: on a 1366 x 768 laptop at 200 % (683 x 384) its Open/Save and Cancel
buttons lay below the screen's edge. These functions keep the statics' contracts but build the dialog
themselves and cut it to screen_fit.room before it is shown (Qt's own dialog shrinks to 323 x 178 and
still works). A native dialog sizes itself; the size given here is then ignored. Nothing here raises."""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QWidget

from .screen_fit import fit_to_screen


def fitted(dialog: QFileDialog) -> QFileDialog:
    """`dialog` cut to its screen's room (its own size where that fits). Returns it."""
    fit_to_screen(dialog, dialog.sizeHint())
    return dialog


def _run(dialog: QFileDialog) -> tuple[list[str], str]:
    """exec `dialog` fitted to the screen: (the paths chosen, the name filter chosen), ([], "") when cancelled."""
    fitted(dialog)
    accepted = dialog.exec() == QFileDialog.DialogCode.Accepted
    files, chosen = dialog.selectedFiles(), dialog.selectedNameFilter()
    dialog.deleteLater()
    return (files, chosen) if accepted and files else ([], "")


def open_file(parent: QWidget | None, title: str, start: str = "", filters: str = "") -> tuple[str, str]:
    """QFileDialog.getOpenFileName's contract: (an existing file's path, its filter), ("", "") when cancelled."""
    dialog = QFileDialog(parent, title, start, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    files, chosen = _run(dialog)
    return (files[0], chosen) if files else ("", "")


def open_files(parent: QWidget | None, title: str, start: str = "", filters: str = "") -> tuple[list[str], str]:
    """QFileDialog.getOpenFileNames's contract: (existing files' paths, the filter), ([], "") when cancelled."""
    dialog = QFileDialog(parent, title, start, filters)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
    return _run(dialog)


def save_file(parent: QWidget | None, title: str, start: str = "", filters: str = "") -> tuple[str, str]:
    """QFileDialog.getSaveFileName's contract: (the path to write, the filter chosen), ("", "") when
    cancelled. `start` may be a name ("map.html") or a path; Qt's dialog asks before overwriting."""
    dialog = QFileDialog(parent, title, start, filters)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    files, chosen = _run(dialog)
    return (files[0], chosen) if files else ("", "")


def folder(parent: QWidget | None, title: str, start: str = "") -> str:
    """QFileDialog.getExistingDirectory's contract: an existing folder's path, "" when cancelled."""
    dialog = QFileDialog(parent, title, start)
    dialog.setFileMode(QFileDialog.FileMode.Directory)
    dialog.setOption(QFileDialog.Option.ShowDirsOnly, True)
    files, _ = _run(dialog)
    return files[0] if files else ""
