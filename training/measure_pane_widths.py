"""The main window's pane widths at a window size, from the app's own `--screenshot` run (narrow34).

Runs `geolocator --demo --screenshot OUT.png --window-size WxH` (the app waits for the demo's work and
the map before it grabs the window) and then prints, from the grabbed window, the photo list's width
(its name column and hidden columns), the map's and the Results pane's sizes, the side column's width
and the window's least size. Records: training/results/narrow34_session34.md.

  PYTHONPATH=. OMP_NUM_THREADS=1 nice -n 10 python training/measure_pane_widths.py --demo \
      --screenshot /tmp/shot_911x562.png --window-size 911x562
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
    sys.exit(app.main(sys.argv[1:]))
