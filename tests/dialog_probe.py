"""Open each of the app's dialogs through its own menu slot on a given screen, and measure what a person
sees (session 36, newuserapp36): run in its own process, since the scale factor and the screen's size are
fixed when Qt starts (tests/test_gui_dialogs_fit.py runs it with QT_SCALE_FACTOR=2 and an offscreen
screen of 1366 x 768 or 1920 x 1080 physical px).

    QT_QPA_PLATFORM=offscreen:configfile=SCREEN.json QT_SCALE_FACTOR=2 python tests/dialog_probe.py [--font-pt 14] [--png DIR]

Prints one JSON object: the screen's available size (logical px) and, for each dialog, its size, the
texts cut short (a one-line label or a button narrower than its text, a word-wrapped label shorter than
its lines), the widgets outside the dialog that no scroll area brings into sight, whether its rows would
scroll sideways, and its buttons' rectangles. A dialog is found as the app shows it (the modal widget
its slot opens), measured, grabbed to DIR/NAME.png with --png, then cancelled."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtGui import QFont  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
)


def _inside_scroll(w: QWidget, d: QWidget) -> bool:
    """True when `w` lies in a scroll area of `d` (what it cuts off its scroll bar brings into sight)."""
    p = w.parentWidget()
    while p is not None and p is not d:
        if isinstance(p, QAbstractScrollArea):
            return True
        p = p.parentWidget()
    return False


def measure(d: QDialog) -> dict:
    """What a person sees of the shown dialog `d` (logical px)."""
    cut, outside = [], []
    for w in d.findChildren(QWidget):
        if not w.isVisible() or w.window() is not d:
            continue
        fm = w.fontMetrics()
        if isinstance(w, QLabel) and w.text() and not w.wordWrap():
            need = max(fm.horizontalAdvance(t) for t in w.text().split("\n"))
            if need > w.contentsRect().width() + 1:
                cut.append(f"label {w.text()[:50]!r}: {need} px of text in {w.contentsRect().width()}")
        elif isinstance(w, QLabel) and w.text():
            need = w.heightForWidth(w.contentsRect().width())
            if need > w.contentsRect().height() + 1:
                cut.append(f"wrapped label {w.text()[:50]!r}: {need} px of lines in {w.contentsRect().height()}")
        elif isinstance(w, QComboBox) and not w.isEditable() and w.currentText():
            # the closed list's text field (session 37: "Automatic (…)" cut at 14 pt on a 683 px screen)
            opt = QStyleOptionComboBox()
            w.initStyleOption(opt)
            field = w.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                             QStyle.SubControl.SC_ComboBoxEditField, w)
            need = fm.horizontalAdvance(w.currentText())
            if need > field.width() + 1:
                cut.append(f"closed list {w.currentText()[:50]!r}: {need} px of text in {field.width()}")
        elif isinstance(w, QAbstractButton) and w.text():
            need = fm.horizontalAdvance(w.text().replace("&", ""))
            if need > w.width() - 4:
                cut.append(f"button {w.text()!r}: {need} px of text in {w.width()}")
        if _inside_scroll(w, d):
            continue
        top_left, bottom_right = w.mapTo(d, w.rect().topLeft()), w.mapTo(d, w.rect().bottomRight())
        if top_left.x() < 0 or top_left.y() < 0 or bottom_right.x() >= d.width() or bottom_right.y() >= d.height():
            outside.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!s:.30} at "
                           f"{top_left.x()},{top_left.y()}-{bottom_right.x()},{bottom_right.y()}")
    # rows wider than their scroll area's view: read by scrolling sideways
    sideways = [s.widget().width() - s.viewport().width() for s in d.findChildren(QScrollArea)
                if s.isVisible() and s.widget() is not None and s.widget().width() > s.viewport().width()]
    # buttons in the dialog's rows that its scroll area hides until scrolled to
    scrolled_away = []
    for s in d.findChildren(QScrollArea):
        if not s.isVisible() or s.widget() is None:
            continue
        view = s.viewport()
        for b in s.widget().findChildren(QAbstractButton):
            if b.isVisible() and b.text():
                tl, br = b.mapTo(view, b.rect().topLeft()), b.mapTo(view, b.rect().bottomRight())
                if tl.y() < 0 or br.y() >= view.height():
                    scrolled_away.append(b.text())
    buttons = []
    for box in d.findChildren(QDialogButtonBox):
        for b in box.buttons():
            tl = b.mapTo(d, b.rect().topLeft())
            buttons.append({"text": b.text(), "rect": [tl.x(), tl.y(), b.width(), b.height()]})
    return {"size": [d.width(), d.height()], "cut": cut, "outside": outside, "sideways": sideways,
            "buttons": buttons, "scrolled_away": scrolled_away}


class _Window(QWidget):
    """What the dialogs' slots read of the main window, and nothing else: no model, no map."""

    def __init__(self) -> None:
        super().__init__()
        self.queries = {}
        self.selected = None
        self.session = SimpleNamespace(ws=SimpleNamespace(tileset=None))
        self.drawn_area = None
        self.settings = SimpleNamespace(video_every_s=None, clock_zone="", clock_zones={"/home/me/flights/second": "+01:00"})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--font-pt", type=float, default=0.0, help="the application's font size (0: Qt's own)")
    ap.add_argument("--png", type=Path, help="grab each dialog to DIR/NAME.png")
    ap.add_argument("--suffix", default="", help="added to each PNG's name")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    if args.font_pt:
        font = QFont(app.font())
        font.setPointSizeF(args.font_pt)
        app.setFont(font)
    from geolocator.core.model import LatLon
    from geolocator.gui import cache_prune, clock_zone, imagery_dialog, video_frames
    from geolocator.gui.warnings_log import WarningsLog

    window = _Window()
    window.resize(app.primaryScreen().availableGeometry().size())
    avail = app.primaryScreen().availableGeometry()
    out: dict = {"screen": [avail.width(), avail.height()], "dpr": app.primaryScreen().devicePixelRatio(),
                 "font_pt": app.font().pointSizeF(), "dialogs": {}}

    def settle() -> None:
        for _ in range(10):
            app.processEvents()

    def record(name: str, d: QDialog) -> None:
        settle()
        out["dialogs"][name] = measure(d)
        if args.png is not None:
            d.grab().save(str(args.png / f"{name}{args.suffix}.png"))

    def answer(steps) -> None:
        """When the slot's dialog is shown: each (name, action) of `steps` done on it, then measured."""
        def look() -> None:
            d = QApplication.activeModalWidget()
            if d is None:
                QTimer.singleShot(20, look)
                return
            for name, action in steps:
                action(d)
                record(name, d)
            d.reject()
        QTimer.singleShot(0, look)

    # the photos' GPS, as two loaded photos give it (the area "Around the loaded photos")
    imagery_dialog_photos = [LatLon(36.1, -115.1), LatLon(36.101, -115.101)]
    import geolocator.core.priors as priors

    priors.recorded_positions = lambda queries: imagery_dialog_photos
    import geolocator.core.sources.package as package

    package.photos_ground_m = lambda queries: (None, None)
    answer([("imagery_url", lambda d: None),
            ("imagery_esri", lambda d: d.source.setCurrentText("Esri.WorldImagery")),
            ("imagery_wmts", lambda d: d.source.setCurrentText(imagery_dialog.WMTS_CHOICE))])
    imagery_dialog.ask_and_fetch(window)
    answer([("video_frames", lambda d: None)])
    video_frames.ask_video_every(window)
    answer([("clock_zone", lambda d: None)])
    clock_zone.ask_clock_zone(window)
    answer([("free_disk_space", lambda d: None)])
    cache_prune.free_disk_space(window)
    from geolocator.gui import main_window

    answer([("row_order", lambda d: None)])
    main_window.ask_row_order(window, Path("drone_survey_2024_xyz_tiles"))
    # a package of four levels, as imagery_dialog.zoom_choices lists them (its reading left out)
    imagery_dialog.zoom_choices = lambda path, table=None: [(imagery_dialog.AUTO_ZOOM.format(m=100), None)] + [
        (f"Zoom {z} (tiles about {40075016 / 2 ** z * 0.81:.0f} m)", z) for z in (16, 17, 18, 19)]
    answer([("zoom_level", lambda d: None)])
    imagery_dialog.ask_zoom(window, Path("ortho_2024.mbtiles"))
    # a GeoPackage of three tile tables, as core.sources.gpkg.tile_tables lists them (its reading left out)
    from geolocator.core.sources import gpkg
    from geolocator.gui import tile_tables

    gpkg.tile_tables = lambda path: ["DOP20_Landkreis_Sued_2023", "Luftbild_2019", "Ortho (Süd) 2023"]
    answer([("tile_table", lambda d: None)])
    tile_tables.ask_tile_table(window, Path("Landkreis_Sued_Orthophotos.gpkg"))
    log = WarningsLog(window)
    log.add("Adding photos", ["photos/broken.jpg: not a picture (cannot identify image file)"] * 3)
    log.show_log()
    record("warnings", log._dialog)
    log._dialog.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
