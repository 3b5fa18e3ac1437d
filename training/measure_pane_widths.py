"""The main window's pane widths at a window size, from the app's own `--screenshot` run (narrow34).

Runs `geolocator --demo --screenshot OUT.png --window-size WxH` (the app waits for the demo's work and
the map before it grabs the window) and then prints, from the grabbed window, the photo list's width
(its name column and hidden columns), the map's and the Results pane's sizes, the side column's width
and the window's least size. Records: training/results/narrow34_session34.md.

  PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 python training/measure_pane_widths.py --demo \
      --screenshot /tmp/shot_911x562.png --window-size 911x562

`--font-pt N` first (hidpi35): the application's font at N points, as a desktop's larger system font
(accessibility) gives it; QT_SCALE_FACTOR=1.5 in the environment for a scaled screen (the sizes then
are logical pixels, the PNG's are device pixels). Records: training/results/hidpi35_session35.md.
"""

from __future__ import annotations

import sys

from geolocator.gui import app

_original = app._screenshot


def _measured(qapp, window, out, **kw):
    rc = _original(qapp, window, out, **kw)
    ql, mv, rs, side = window.query_list, window.map_view, window.results, window.side_scroll
    hidden = [h for c, h in ((2, "Conf."), (3, "Error")) if ql.isColumnHidden(c)]
    least = window.minimumSizeHint()
    print(f"MEASURE window={window.width()}x{window.height()} least={least.width()}x{least.height()} "
          f"list={ql.width()} (name col {ql.header().sectionSize(0)}, hidden {hidden}) "
          f"map={mv.width()}x{mv.height()} results={rs.width()}x{rs.height()} side={side.width()} "
          f"photo={rs.query_image.width()} cards={'shown' if rs._cards_scroll.isVisibleTo(rs) else 'hidden'}", flush=True)
    return rc


if __name__ == "__main__":
    app._screenshot = _measured
    args = sys.argv[1:]
    if args[:1] == ["--font-pt"]:
        app._prepare_environment(True)  # offscreen without a display, as the app's own run would
        from PySide6 import QtWebEngineWidgets  # noqa: F401 - before the QApplication, as app.main
        from PySide6.QtCore import QCoreApplication, Qt
        from PySide6.QtGui import QGuiApplication
        from PySide6.QtWidgets import QApplication

        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
        QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        qapp = QApplication([sys.argv[0]])
        font = qapp.font()
        font.setPointSizeF(float(args[1]))
        qapp.setFont(font)
        args = args[2:]
    sys.exit(app.main(args))
