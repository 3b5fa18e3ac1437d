"""Open the app's main window as a first start does (no saved state) on a given screen and measure what a
person sees (session 37, window37): run in its own process, since the scale factor and the screen's size are
fixed when Qt starts (tests/test_gui_window_fits.py runs it with QT_SCALE_FACTOR=2 and an offscreen screen of
1366 x 768 physical px, as tests/dialog_probe.py does for the dialogs).

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json QT_SCALE_FACTOR=2 python tests/window_probe.py [--png DIR]

Prints one JSON object (logical px): the screen's available size, the window's size when first shown, and
for a one-line and a four-line message in the message bar: the window's least height, its size once the
toolbar fold has brought it inside the screen's room, the status bar's bottom edge, and whether the message
scrolls. With --png each state is grabbed to DIR/window_LINES.png."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")  # Chromium refuses to start its sandbox as root

import PySide6.QtWebEngineWidgets  # noqa: E402,F401 - before any QApplication (the map's module refuses otherwise)
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

MESSAGES = {1: "Using the offline EfficientNet-Lite0 model (DINOv2 weights not found).",
            4: "Opened area.gpkg: 412 tiles.\nSkipped 1 file: DJI_0999.JPG: not an image.\n"
               "1 photo unreadable: DJI_0007.JPG (cut short).\nLocated 5 of 6 photos."}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--png", type=Path, help="grab the window to DIR/window_LINES.png")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from geolocator.core.pipeline import Settings
    from geolocator.gui.main_window import MainWindow
    from geolocator.gui.settings import AppSettings

    folder = Path(tempfile.mkdtemp(prefix="window_probe_"))
    w = MainWindow(AppSettings(demo_shown=True, dinov2_notice_shown=True), settings_path=folder / "s.json",
                   qsettings=QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat),
                   core_settings=Settings(cache_dir=folder / "features", adapter_dir=folder / "adapters"))

    def settle(n: int = 30) -> None:
        for _ in range(n):
            app.processEvents()

    avail = w.screen().availableGeometry()
    first = [w.width(), w.height()]  # as the first start sized it, before the toolbar folds
    w.show()
    settle()
    out: dict = {"screen": [avail.width(), avail.height()], "dpr": w.screen().devicePixelRatio(), "first": first,
                 "messages": {}}
    for lines, text in MESSAGES.items():
        w.message_bar.show_message("info", text, "details")
        settle()
        view = w.message_bar.text_view
        status = w.statusBar()
        out["messages"][lines] = {
            "least": w.minimumSizeHint().height(), "size": [w.width(), w.height()],
            "toolbar_folded": w.toolbar_fold.folded,
            "status_bottom": status.mapTo(w, status.rect().bottomLeft()).y(),
            "scrolls": view.verticalScrollBar().maximum() > 0, "tooltip_whole": view.toolTip() == text,
        }
        if args.png is not None:
            w.grab().save(str(args.png / f"window_{lines}.png"))
    print(json.dumps(out))
    w.close()


if __name__ == "__main__":
    main()
