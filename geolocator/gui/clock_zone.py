"""File → Clock Zone of the Photos…: the zone of photo and telemetry times recorded without one.

The app's side of `geolocator locate --clock-zone` (session 21): core.export_track.parse_clock_zone reads
the text and the exports use the zone and name it in the file; the window keeps the text in
settings.json and passes the zones to its exports (MainWindow.set_clock_zones). Session 31: a zone per
folder as well as the default (`--clock-zone FOLDER=ZONE`, core/clock_zones.py), for a second drone or
a phone whose clock was set to another zone; the most specific folder wins.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QAbstractItemView, QAbstractScrollArea, QDialog, QDialogButtonBox, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from . import file_dialogs
from .screen_fit import grow_to_fit, scrolled_rows

# paragraphs, wrapped to the dialog's width: their lines were broken by hand at 95 characters, which made
# the dialog 964 px wide at 14 pt, wider than a 1920 x 1080 screen at 200 % (960 logical px; newuserapp36)
PROMPT = ("Most drones record photo times without a time zone. The GPX and KML exports need UTC: give the "
          "zone the drone's clock is set to, as +01:00, -05:00, UTC or a name such as Europe/Zurich "
          "(with a name, summer time is applied by each photo's date). Times recorded with a zone keep it. "
          "Leave it empty to write such times as if they were UTC (the files then say so).")
FOLDERS_PROMPT = ("A second drone or a phone whose clock was set to another zone: add its folder and that zone. "
                  "Photos and videos under a folder listed use its zone (the deepest folder listed wins); "
                  "every other photo uses the zone above.")
# where the screen has room, the dialog is as wide as this line was (its lines as before, in any font)
FIRST_LINE = "Most drones record photo times without a time zone. The GPX and KML exports need UTC: give the"


def _paragraph(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class ClockZoneDialog(QDialog):
    """The default zone (a line) and a zone per folder (a table of folder, zone; Add Folder… and Remove).
    OK checks every zone (core.export_track.parse_clock_zone) and stays open saying which one is not a
    zone or which folder has none; the window then sets them (MainWindow.set_clock_zones)."""

    def __init__(self, parent, default: str, folders: dict[str, str], start_dir: str = "") -> None:
        super().__init__(parent)
        self.start_dir = start_dir  # where Add Folder… opens: the selected photo's folder, when one is selected
        self.setWindowTitle("Clock Zone of the Photos")
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_paragraph(PROMPT))
        row = QHBoxLayout()
        row.addWidget(QLabel("Every clock:"))
        self.default_edit = QLineEdit(default)
        self.default_edit.setPlaceholderText("e.g. Europe/Zurich or +01:00 (empty: as if UTC)")
        row.addWidget(self.default_edit)
        layout.addLayout(row)
        layout.addWidget(_paragraph(FOLDERS_PROMPT))
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Folder", "Zone of its clock"])
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnWidth(1, 220)  # "America/Argentina/Buenos_Aires" on one line
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Tab leaves the table (arrows move between its cells): with Qt's default Tab went from cell to cell
        # and never out, so Add Folder…, OK and Cancel were out of the keyboard's reach (keys37)
        self.table.setTabKeyNavigation(False)
        # asks for the height of its rows, not Qt's 192 px: on a short screen Add Folder… stays in sight under
        # it (the rows scroll past a tall table otherwise); a taller dialog gives it the room
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        layout.addWidget(self.table)
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add Folder…")
        self.add_button.clicked.connect(self.choose_folder)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        # Remove waits for a row to be selected: enabled over an empty table it did nothing when pressed
        self.remove_button.setEnabled(False)
        self.table.itemSelectionChanged.connect(
            lambda: self.remove_button.setEnabled(bool(self.table.selectedIndexes())))
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.problem = QLabel("")  # why OK did not close the dialog
        self.problem.setWordWrap(True)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        for folder, zone in folders.items():
            self.add_folder(folder, zone)
        # the prompts and the table scroll on a short screen (683 x 384 logical px: a 1366 x 768 laptop at
        # 200 %); why OK did not close the dialog, and OK and Cancel, stay in sight under them
        bar = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent)
        scrolled_rows(self, body, [self.problem, box], self.fontMetrics().horizontalAdvance(FIRST_LINE) + bar + 28)

    def add_folder(self, folder: str, zone: str = "") -> int:
        """A row for `folder` (its zone to be typed when empty); an existing row of that folder is reused.
        Returns the row."""
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).text() == folder:
                break
        else:
            r = self.table.rowCount()
            self.table.insertRow(r)
            self.table.setItem(r, 0, QTableWidgetItem(folder))
        self.table.setItem(r, 1, QTableWidgetItem(zone or (self.table.item(r, 1).text() if self.table.item(r, 1) else "")))
        grow_to_fit(self)  # the table as tall as its rows, as far as the screen allows (then the rows scroll)
        return r

    def choose_folder(self) -> None:
        """Add Folder…: a folder chooser, then a row for it with its zone cell open for typing."""
        folder = file_dialogs.folder(self, "Folder of the photos of a clock in another zone", self.start_dir)
        if folder:
            r = self.add_folder(str(Path(folder)))
            self.table.setCurrentCell(r, 1)
            self.table.editItem(self.table.item(r, 1))

    def remove_selected(self) -> None:
        for r in sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True):
            self.table.removeRow(r)

    def default_text(self) -> str:
        return self.default_edit.text().strip()

    def folder_zones(self) -> dict[str, str]:
        """{folder: zone text} of the table's rows, as typed (stripped)."""
        out = {}
        for r in range(self.table.rowCount()):
            folder, zone = self.table.item(r, 0), self.table.item(r, 1)
            out[folder.text().strip() if folder else ""] = zone.text().strip() if zone else ""
        return out

    def check(self) -> str | None:
        """Why the zones typed cannot be set (naming the folder or the zone), else None."""
        from ..core.export_track import parse_clock_zone

        for folder, zone in [("", self.default_text()), *self.folder_zones().items()]:
            if folder and not zone:
                return f"No zone given for {folder}: type one, or remove the folder."
            if zone:
                try:
                    parse_clock_zone(zone)
                except ValueError as exc:
                    return f"{'Every clock' if not folder else folder}: {exc}"
        return None

    def accept(self) -> None:
        problem = self.check()
        if problem:
            self.problem.setText(problem)
            grow_to_fit(self)
            return
        super().accept()


def ask_clock_zone(window) -> None:
    """The menu item's slot: ask (the zones set filled in), then window.set_clock_zones; Cancel changes nothing."""
    selected = window.queries.get(window.selected) if window.selected is not None else None
    start = str(Path(selected.path).parent) if selected is not None else ""
    dialog = ClockZoneDialog(window, window.settings.clock_zone, dict(window.settings.clock_zones), start)
    try:
        if dialog.exec():  # Accepted (1): OK with every zone checked
            window.set_clock_zones(dialog.default_text(), dialog.folder_zones())
    finally:
        dialog.deleteLater()
