"""The app's dialogs on scaled screens and with a large font (session 36, newuserapp36).

Before, no dialog looked at the screen it opened on. At 200 % a 1366 x 768 laptop is 683 x 384 logical
px, and the Get Imagery dialog was 720 x 382-528 (its Fetch and Cancel buttons below the screen's edge),
Free Disk Space's question was one line 919 px wide (1,442 at 14 pt: wider than the laptop at 100 %), the
warnings log 720 px wide; with a 14 pt font the Clock Zone dialog's hand-broken lines made it 964 px wide
(a 1920 x 1080 screen at 200 % is 960) and the Video Frames dialog, squeezed by Qt into the screen, cut
its explanation to two of its five lines. Now their rows scroll (screen_fit.FittingScroll) under the
buttons, which stay in sight, the questions wrap, and each dialog is cut to the screen's available size.

QT_SCALE_FACTOR and the screen's size are fixed when Qt starts: tests/dialog_probe.py opens each dialog
through its menu slot in a process of its own, on an offscreen screen of the given physical size, and
reports what a person sees; measured on the widgets' geometry, not on pictures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.screen_fit import FRAME_H, FRAME_W  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DIALOGS = {"imagery_url", "imagery_esri", "imagery_wmts", "video_frames", "clock_zone", "free_disk_space", "warnings",
           "row_order", "zoom_level", "tile_table"}


def probe(tmp_path: Path, width: int, height: int, scale: int, font_pt: float = 0.0) -> dict:
    """tests/dialog_probe.py's report on a `width` x `height` physical-px screen at `scale` (its
    device-pixel ratio) with the application's font at `font_pt` (0: Qt's own)."""
    config = tmp_path / f"screen_{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
                                               "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={config}", QT_SCALE_FACTOR=str(scale),
               PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1", HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    env.pop("QT_FONT_DPI", None)
    run = subprocess.run([sys.executable, str(ROOT / "tests" / "dialog_probe.py"), "--font-pt", str(font_pt)],
                         env=env, capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert set(report["dialogs"]) == DIALOGS, report["dialogs"].keys()
    return report


IN_SIGHT = ("clock_zone", "video_frames", "free_disk_space", "row_order", "zoom_level", "tile_table")


def _every_dialog_fits(report: dict, in_sight: tuple[str, ...] = IN_SIGHT) -> None:
    """Every dialog inside the screen, nothing cut, its buttons in sight (OK, Cancel, Fetch; and every
    button of the dialogs `in_sight`, none scrolled away); the failure names them all."""
    sw, sh = report["screen"]
    wrong = []
    for name, d in report["dialogs"].items():
        w, h = d["size"]
        if w + FRAME_W > sw or h + FRAME_H > sh:  # the dialog and the window manager's frame on the screen
            wrong.append((name, "size", d["size"], report["screen"]))
        wrong += [(name, "cut", c) for c in d["cut"]]  # no text cut short
        wrong += [(name, "outside", o) for o in d["outside"]]  # nothing beyond its edges, scroll areas aside
        wrong += [(name, "sideways", s) for s in d["sideways"]]  # rows read without scrolling sideways
        if not d["buttons"]:
            wrong.append((name, "no buttons"))
        for b in d["buttons"]:  # OK / Fetch / Cancel in sight, never scrolled away
            x, y, bw, bh = b["rect"]
            if not (0 <= x and x + bw <= w and 0 <= y and y + bh <= h):
                wrong.append((name, "button", b))
    # where nothing needs to scroll, nothing does: the Clock Zone's Add Folder… under its table (a table
    # asking Qt's 192 px pushed it out of sight at 960 x 540), the small dialogs' buttons
    for name in in_sight:
        wrong += [(name, "scrolled away", b) for b in report["dialogs"][name]["scrolled_away"]]
    assert not wrong, "\n".join(map(str, wrong))


def test_at_200_percent_on_a_1366_x_768_laptop_every_dialog_fits(tmp_path):
    report = probe(tmp_path, 1366, 768, 2)
    assert report["screen"] == [683, 384] and report["dpr"] == 2.0
    # before: Get Imagery 720 x 382-528, Free Disk Space 919 x 93, the warnings log 720 x 360
    _every_dialog_fits(report)


def test_at_200_percent_on_a_1920_x_1080_screen_with_a_14_pt_font_every_dialog_fits(tmp_path):
    report = probe(tmp_path, 1920, 1080, 2, font_pt=14)
    assert report["screen"] == [960, 540] and report["font_pt"] == 14
    # before: Get Imagery 902-945 x 502-702, Clock Zone 964 wide, Free Disk Space 1,442 wide, the Video
    # Frames dialog's explanation cut to 92 px of its 115
    _every_dialog_fits(report)


def test_a_1366_x_768_laptop_at_200_percent_with_a_14_pt_font_every_dialog_fits(tmp_path):
    report = probe(tmp_path, 1366, 768, 2, font_pt=14)
    assert report["screen"] == [683, 384]
    # before: every dialog but the warnings log wider than 683; Video Frames cut to 60 px of its 184.
    # The Clock Zone's two paragraphs take most of 344 px at 14 pt: its rows scroll, Add Folder… with them.
    # Session 37: the Zoom level box's closed list showed "Automatic (tiles nearest the photos' footprint whe"
    # (834 px of text in 620; dialog_probe now measures a closed list's text field)
    _every_dialog_fits(report, tuple(n for n in IN_SIGHT if n != "clock_zone"))


def test_with_room_the_dialogs_keep_their_sizes(tmp_path):
    report = probe(tmp_path, 1920, 1080, 1)
    _every_dialog_fits(report)
    d = report["dialogs"]
    # as before: nothing scrolls, the same widths (the Get Imagery dialog 720 px, the log 720 x 360)
    assert d["imagery_url"]["size"][0] == 720 and d["warnings"]["size"] == [720, 360]
    # the Get Imagery dialog as tall as its rows: the terms notice and the WMTS rows make it taller
    assert d["imagery_url"]["size"][1] < d["imagery_esri"]["size"][1] < d["imagery_wmts"]["size"][1]
    # Free Disk Space's question on a few lines, not one 919 px line
    assert d["free_disk_space"]["size"][0] <= 480


def test_the_drawn_rectangle_is_said_by_its_size_its_corners_in_the_tooltip(qtbot, tmp_path):
    from geolocator.core.model import Bounds
    from geolocator.gui.imagery_dialog import ImageryDialog

    drawn = Bounds(-115.2345, 36.1410, -115.2330, 36.1420)
    d = ImageryDialog(None, drawn=drawn, out_folder=tmp_path)
    qtbot.addWidget(d)
    # before: "(-115.23450,36.14100,-115.23300,36.14200)", 750 px at 14 pt, wider than a 683 px screen
    assert d.drawn_area.text() == "The rectangle drawn on the map (135 x 111 m)"
    assert "-115.23450,36.14100,-115.23300,36.14200" in d.drawn_area.toolTip()
    d.reject()


def test_ask_item_s_closed_list_tells_the_whole_item_in_its_tooltip(qtbot):
    """The closed list may cut a long item: its tooltip holds the whole of the item shown, and follows the
    choice (SF4: no tooltip, the cut item could not be read whole without opening the list)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QComboBox, QInputDialog

    from geolocator.gui.screen_fit import ask_item

    items = ["XYZ (rows from the top: OpenStreetMap, Google, Bing, most web maps)",
             "TMS (rows from the bottom: GeoServer, MapProxy, some gdal2tiles folders)"]
    seen = []

    def run():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QInputDialog) and w.isVisible())
        box = dialog.findChild(QComboBox)
        seen.append(box.toolTip())
        box.setCurrentIndex(1)
        seen.append(box.toolTip())
        dialog.accept()
    QTimer.singleShot(50, run)
    assert ask_item(None, "Row order", "How are the rows numbered?", items) == (items[1], True)
    assert seen == items
