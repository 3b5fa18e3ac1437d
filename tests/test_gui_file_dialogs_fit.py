"""Every file and folder chooser of the app fits a 1366 x 768 laptop at 200 % (683 x 384 logical px;
the room a window may take there, its title bar and borders left out, is 667 x 344) (session 36, appwalk36).

Before, the app called QFileDialog's static functions; Qt's own dialog (where the desktop offers no
native one) opened 632 x 408 whatever the screen, its Open/Save and Cancel buttons below the screen's
edge. gui/file_dialogs.py builds the dialog and cuts it to the screen's room first. The screen's room is
set here by screen_fit.room (the size the app reads from the screen), which every fitted dialog asks."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSize, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit  # noqa: E402

from geolocator.gui import file_dialogs, screen_fit  # noqa: E402
from geolocator.gui.clock_zone import ClockZoneDialog  # noqa: E402
from geolocator.gui.imagery_dialog import ImageryDialog  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402

ROOM = QSize(667, 344)


def _answer(qtbot, open_it, name: str | None = None) -> dict:
    """Call `open_it` (it shows a modal QFileDialog), measure the dialog it shows, then type `name` into
    its name box and accept it (None: Cancel). Returns the dialog's size and title and what `open_it` returned."""
    seen: dict = {}

    def answer() -> None:
        d = QApplication.activeModalWidget()
        if not isinstance(d, QFileDialog):
            QTimer.singleShot(20, answer)
            return
        seen.update(size=d.size(), title=d.windowTitle(), selected=d.selectedFiles())
        if name is None:
            d.reject()
        else:
            d.findChild(QLineEdit, "fileNameEdit").setText(name)
            d.accept()

    QTimer.singleShot(0, answer)
    seen["returned"] = open_it()
    return seen


@pytest.fixture
def small_screen(monkeypatch):
    monkeypatch.setattr(screen_fit, "room", lambda widget: QSize(ROOM))


def test_every_chooser_of_the_main_window_fits_a_683_x_384_screen(qtbot, tmp_path, small_screen, monkeypatch):
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    slots = ["choose_tileset_file", "choose_tileset_folder", "choose_images", "choose_image_folder", "choose_weights",
             "choose_export_predictions", "choose_export_map", "choose_export_evidence", "choose_export_geotags",
             "choose_export_geotag_copies"]
    wrong = []
    for slot in slots:
        seen = _answer(qtbot, getattr(w, slot))
        if not seen.get("size") or seen["size"].width() > ROOM.width() or seen["size"].height() > ROOM.height():
            wrong.append((slot, seen.get("size")))
    assert not wrong, wrong  # before: every one 632 x 408
    assert w.runner.busy is False  # cancelled: nothing started


def test_the_dialogs_choosers_fit_too(qtbot, tmp_path, small_screen):
    imagery = ImageryDialog(None, photos=[], out_folder=tmp_path / "imagery")
    qtbot.addWidget(imagery)
    clock = ClockZoneDialog(None, "", {}, start_dir=str(tmp_path))
    qtbot.addWidget(clock)
    for open_it in (imagery._browse, imagery._pick_capabilities, clock.choose_folder):
        size = _answer(qtbot, open_it)["size"]
        assert size.width() <= ROOM.width() and size.height() <= ROOM.height(), (open_it, size)


def test_the_choosers_keep_the_static_functions_contracts(qtbot, tmp_path):
    (tmp_path / "a.csv").write_text("x\n")
    (tmp_path / "sub").mkdir()
    start = str(tmp_path)
    assert _answer(qtbot, lambda: file_dialogs.open_file(None, "t", start, "CSV (*.csv)"), "a.csv")["returned"] == \
        (str(tmp_path / "a.csv"), "CSV (*.csv)")
    assert _answer(qtbot, lambda: file_dialogs.open_file(None, "t", start, "CSV (*.csv)"))["returned"] == ("", "")
    assert _answer(qtbot, lambda: file_dialogs.open_files(None, "t", start, "CSV (*.csv)"), "a.csv")["returned"] == \
        ([str(tmp_path / "a.csv")], "CSV (*.csv)")
    assert _answer(qtbot, lambda: file_dialogs.folder(None, "t", start), "sub")["returned"] == str(tmp_path / "sub")
    assert _answer(qtbot, lambda: file_dialogs.folder(None, "t", start))["returned"] == ""
    # a save dialog opens with the name given selected, in the folder given
    seen = _answer(qtbot, lambda: file_dialogs.save_file(None, "t", str(tmp_path / "map.html"), "HTML (*.html)"), "m.html")
    assert seen["returned"] == (str(tmp_path / "m.html"), "HTML (*.html)")
    assert [Path(p).name for p in seen["selected"]] == ["map.html"]
