"""File → Clock Zone of the Photos…: the zone of photo and telemetry times recorded without one.

The app's side of `geolocator locate --clock-zone` (session 21): core.export_track.parse_clock_zone reads
the text and the GPX/KML writers use the zone and name it in the file; the window keeps the text in
settings.json and passes the zone to its exports (MainWindow.set_clock_zone).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLineEdit

PROMPT = ("Most drones record photo times without a time zone. The GPX and KML exports need UTC: give the\n"
          "zone the drone's clock is set to, as +01:00, -05:00, UTC or a name such as Europe/Zurich\n"
          "(with a name, summer time is applied by each photo's date). Times recorded with a zone keep it.\n"
          "Leave it empty to write such times as if they were UTC (the files then say so).")


def ask_clock_zone(window) -> None:
    """The menu item's slot: ask (the current zone filled in), then window.set_clock_zone."""
    text, ok = QInputDialog.getText(window, "Clock Zone of the Photos", PROMPT, QLineEdit.EchoMode.Normal,
                                    window.settings.clock_zone)
    if ok:
        window.set_clock_zone(text)
