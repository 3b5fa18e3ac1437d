"""Each dialog with the keyboard only (session 37, keys37): opened through its menu slot, as the app opens
it, then walked with Tab and closed with Esc (QTest key presses, offscreen).

Before: every dialog whose rows scroll on a short screen (screen_fit.FittingScroll: Get Imagery, Video
Frames, Clock Zone, Free Disk Space) had the frameless scroll area itself as a Tab stop, drawn with no
focus mark, and Get Imagery, Video Frames and Clock Zone opened with the focus on it: a person saw no
focused control and what they typed went nowhere. Clock Zone's table kept Qt's Tab-between-cells, so Tab
went round its cells for ever and Add Folder…, OK and Cancel were out of the keyboard's reach."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialogButtonBox, QScrollArea, QWidget  # noqa: E402

from .dialog_probe import _Window as _ProbeWindow  # noqa: E402

ROW_PX = 12  # controls whose tops differ by less share a row (a spin box beside a radio button)


class _Window(_ProbeWindow):
    """What the dialogs' slots read of the main window (tests/dialog_probe.py's), and what About and the
    export choosers read besides."""

    def __init__(self) -> None:
        super().__init__()
        for name in ("act_next_pane", "act_remove", "act_cancel", "act_open_images"):  # what About reads
            setattr(self, name, QAction(name, self))
        self.chosen: list = []  # what the export items were given (nothing: each chooser is left by Esc)
        for name in ("export_predictions", "export_map", "export_evidence", "export_geotags", "export_geotag_copies"):
            setattr(self, name, lambda *a, **k: self.chosen.append(a))

    _name_box_follows_filter = staticmethod(lambda dialog, chosen: None)


def _walk(qtbot, open_dialog, inspect, stops: int = 20) -> dict:
    """Open a dialog by `open_dialog()` (its slot: modal, blocking); when shown, press Tab `stops` times from
    the focus it opened with, then Esc. Returns {"seen": inspect(dialog, chain) taken before Esc (the slot
    deletes its dialog), chain: the focused widgets, first the one it opened with; "closed": whether Esc
    closed it}."""
    seen: dict = {}

    def look() -> None:
        d = QApplication.activeModalWidget()
        if d is None or not d.isVisible():
            QTimer.singleShot(20, look)
            return
        qtbot.wait(50)
        chain = [QApplication.focusWidget()]
        for _ in range(stops):
            qtbot.keyClick(QApplication.focusWidget() or d, Qt.Key.Key_Tab)
            chain.append(QApplication.focusWidget())
        seen["seen"] = inspect(d, chain)
        qtbot.keyClick(QApplication.focusWidget() or d, Qt.Key.Key_Escape)
        qtbot.wait(20)
        seen["closed"] = not d.isVisible()
        if d.isVisible():
            d.reject()

    QTimer.singleShot(0, look)
    open_dialog()
    assert seen, "the dialog was not seen"
    return seen


def _cycle(chain: list) -> list:
    """The Tab cycle: the stops from the first press on, up to where they repeat."""
    out = []
    for w in chain[1:]:
        if w in out:
            break
        out.append(w)
    return out


def _name(w) -> str:
    return f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}" if w is not None else "None"


def _check(d, chain: list, reading_order: bool = True) -> list[str]:
    """What a keyboard user meets wrong in dialog `d` walked by Tab (`chain`) (empty: nothing). Qt's own
    file dialog starts at its name box, then its buttons, then the folder above (Qt's order, kept):
    `reading_order` False for it."""
    wrong = []
    cycle = _cycle(chain)
    first = chain[0]
    if first is None or not d.isAncestorOf(first):
        wrong.append(f"opened with the focus outside it: {_name(first)}")
    for w in dict.fromkeys([first] + cycle):
        # a scroll area with nothing to scroll is drawn without a focus mark: an invisible stop
        if isinstance(w, QScrollArea) and w.verticalScrollBar().maximum() == 0:
            wrong.append(f"an invisible Tab stop: {_name(w)}")
    if len(cycle) == len(chain) - 1:
        wrong.append(f"Tab never came round: {[_name(w) for w in chain[-4:]]}")  # a trap
    # every enabled button of its button rows reached (OK, Cancel, Fetch)
    for box in d.findChildren(QDialogButtonBox):
        for b in box.buttons():
            if b.isEnabled() and b.isVisible() and b not in cycle:
                wrong.append(f"{b.text()!r} never reached by Tab")
    # reading order: row by row, left to right within a row (where the cycle starts at the top)
    tops = [(w.mapTo(d, w.rect().topLeft()).y(), w.mapTo(d, w.rect().topLeft()).x(), _name(w)) for w in cycle]
    start = min(range(len(tops)), key=lambda i: (tops[i][0], tops[i][1])) if tops else 0
    tops = tops[start:] + tops[:start]
    for (y0, x0, n0), (y1, x1, n1) in zip(tops, tops[1:]) if reading_order else ():
        if y1 < y0 - ROW_PX or (abs(y1 - y0) < ROW_PX and x1 < x0):
            wrong.append(f"out of reading order: {n1} after {n0}")
    return wrong


def _dialogs(monkeypatch) -> dict:
    """name -> a callable opening the dialog through the app's own slot (its file reading left out)."""
    from geolocator.core.model import LatLon
    from geolocator.gui import cache_prune, clock_zone, imagery_dialog, main_window, tile_tables, video_frames
    from geolocator.gui.main_window import MainWindow

    import geolocator.core.priors as priors
    import geolocator.core.sources.package as package
    from geolocator.core.sources import gpkg

    monkeypatch.setattr(priors, "recorded_positions", lambda queries: [LatLon(36.1, -115.1), LatLon(36.101, -115.1)])
    monkeypatch.setattr(package, "photos_ground_m", lambda queries: (None, None))
    monkeypatch.setattr(imagery_dialog, "zoom_choices", lambda path, table=None: [
        (imagery_dialog.AUTO_ZOOM.format(m=100), None), ("Zoom 17", 17), ("Zoom 18", 18)])
    monkeypatch.setattr(gpkg, "tile_tables", lambda path: ["DOP20_2023", "Luftbild_2019"])
    w = _Window()
    w.resize(1200, 800)
    return {
        "Get Imagery": lambda: imagery_dialog.ask_and_fetch(w),
        "Video Frames": lambda: video_frames.ask_video_every(w),
        "Clock Zone": lambda: clock_zone.ask_clock_zone(w),
        "Free Disk Space": lambda: cache_prune.free_disk_space(w),
        "Row order": lambda: main_window.ask_row_order(w, Path("survey_xyz_tiles")),
        "Zoom level": lambda: imagery_dialog.ask_zoom(w, Path("ortho.mbtiles")),
        "Tile table": lambda: tile_tables.ask_tile_table(w, Path("orthophotos.gpkg")),
        "About": lambda: MainWindow._about(w),
    }


def test_every_dialog_walks_with_tab_and_closes_with_esc(qtbot, monkeypatch):
    """Each dialog opens on a control a person sees, Tab goes round its controls in reading order, reaching
    its buttons, with no invisible stop and no trap, and Esc closes it. Before: Get Imagery, Video Frames
    and Clock Zone opened on an invisible stop (and Free Disk Space had one after Cancel); Clock Zone's
    table trapped Tab."""
    wrong = []
    for name, open_dialog in _dialogs(monkeypatch).items():
        seen = _walk(qtbot, open_dialog, _check)
        wrong += [f"{name}: {problem}" for problem in seen["seen"]]
        if not seen["closed"]:
            wrong.append(f"{name}: Esc did not close it")
    assert not wrong, "\n".join(wrong)


def test_clock_zone_tab_goes_through_the_table_to_its_buttons(qtbot, monkeypatch):
    """In the order a person reads them: the zone for every clock, the folders' table, Add Folder…, OK, Cancel."""
    def inspect(d, chain):
        return ([type(w).__name__ if not isinstance(w, QAbstractButton) else w.text() for w in _cycle(chain)],
                d.table.tabKeyNavigation())

    seen = _walk(qtbot, _dialogs(monkeypatch)["Clock Zone"], inspect)
    names, table_tabs = seen["seen"]
    assert names[names.index("QLineEdit"):] + names[:names.index("QLineEdit")] == [
        "QLineEdit", "QTableWidget", "Add Folder…", "OK", "Cancel"], names
    assert seen["closed"] and table_tabs is False


def test_a_dialog_whose_rows_scroll_keeps_them_readable_by_keyboard(qtbot):
    """Where the rows do not fit (a short screen) the scroll area is a Tab stop again, so PageDown reads
    them; where they fit it is none."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    from geolocator.gui.screen_fit import FittingScroll

    body = QWidget()
    lay = QVBoxLayout(body)
    for i in range(30):
        lay.addWidget(QLabel(f"line {i}"))
    scroll = FittingScroll(body)
    qtbot.addWidget(scroll)
    scroll.resize(300, 900)
    scroll.show()
    qtbot.waitExposed(scroll)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() == 0)
    assert scroll.focusPolicy() == Qt.FocusPolicy.NoFocus
    scroll.resize(300, 120)
    qtbot.waitUntil(lambda: scroll.verticalScrollBar().maximum() > 0)
    assert scroll.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_the_export_choosers_walk_with_tab_and_close_with_esc(qtbot, monkeypatch, tmp_path):
    """File → Export …: Qt's own chooser (where the desktop offers none, and offscreen) opens on its name
    box (or its folder list), Tab reaches Save / Choose and Cancel and comes round, Esc closes it and
    nothing is exported. A desktop's native chooser is its own (not tested here)."""
    from geolocator.gui.main_window import MainWindow

    monkeypatch.chdir(tmp_path)
    w = _Window()
    wrong = []
    for name in ("choose_export_predictions", "choose_export_map", "choose_export_evidence", "choose_export_geotags",
                 "choose_export_geotag_copies"):
        seen = _walk(qtbot, lambda: getattr(MainWindow, name)(w),
                     lambda d, chain: _check(d, chain, reading_order=False), stops=14)
        wrong += [f"{name}: {problem}" for problem in seen["seen"]]
        if not seen["closed"]:
            wrong.append(f"{name}: Esc did not close it")
    assert not wrong, "\n".join(wrong)
    assert w.chosen == []


def test_the_warnings_log_walks_left_to_right(qtbot):
    """The warnings log (not modal): Tab from its text to Clear (left) then Close (right), Esc closes it.
    Before, Tab went to Close and then back left to Clear (the order they were added in)."""
    from geolocator.gui.warnings_log import WarningsLog

    window = QWidget()
    qtbot.addWidget(window)
    window.resize(900, 700)
    window.show()
    log = WarningsLog(window)
    log.add("Adding photos", ["photos/broken.jpg: not a picture (cannot identify image file)"] * 3)
    log.show_log()
    d = log._dialog
    qtbot.waitExposed(d)
    d.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None and d.isAncestorOf(QApplication.focusWidget()))
    chain = [QApplication.focusWidget()]
    for _ in range(8):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        chain.append(QApplication.focusWidget())
    assert _check(d, chain) == []
    names = [_name(w) for w in _cycle(chain)]
    start = names.index("QPlainTextEdit ''")
    assert names[start:] + names[:start] == ["QPlainTextEdit ''", "QPushButton 'Clear'", "QPushButton 'Close'"]
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not d.isVisible())
