"""Screenshot the app window with the sample flight located on the demo tiles, at given window sizes,
to look at the Evaluation panel (session 16, task "polish"). Not a test: a way to see it.

    PYTHONPATH=. python training/make_sample_flight.py --out out/sample-flight --seconds 10 --fps 1
    PYTHONPATH=. python training/shot_evaluation_panel.py out/sample-flight/DJI_0001.MP4 --out out/evalshots \
        --size 1440x900 --size 1024x700

Writes window_<W>x<H>.png per size and prints the panel's text, its label's height and sizeHint height."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")
os.environ.setdefault("GEOLOCATOR_WORKER_NICE", "0")


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("clip", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--size", action="append", default=[])
    p.add_argument("--tiles", type=Path, default=Path("resources/demo/tiles.csv"))
    a = p.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp / var).mkdir()
        os.environ[var] = str(tmp / var)

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from geolocator.core.pipeline import Settings
    from geolocator.gui.main_window import MainWindow
    from geolocator.gui.settings import AppSettings

    app = QApplication(sys.argv[:1])
    w = MainWindow(AppSettings(), settings_path=tmp / "s.json",
                   qsettings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat),
                   core_settings=Settings(cache_dir=tmp / "features", adapter_dir=tmp / "adapters"))
    sizes = [tuple(int(v) for v in size.split("x")) for size in a.size or ["1440x900"]]
    w.resize(*sizes[0])  # the first size before the work, as a person's window is
    w.show()

    def spin(until, timeout_s=600.0):
        t0 = time.monotonic()
        while not until() and time.monotonic() - t0 < timeout_s:
            app.processEvents()
            time.sleep(0.02)

    w.open_tileset(a.tiles.resolve())  # the tiles alone: the demo folder would add its own photos
    spin(lambda: not w.runner.busy)
    w.add_paths([a.clip])
    spin(lambda: not w.runner.busy and w.predictions)
    spin(lambda: w.map_view.is_ready, 60)
    for width, height in sizes:
        size = f"{width}x{height}"
        w.resize(width, height)
        t0 = time.monotonic()
        spin(lambda: time.monotonic() - t0 > 2.0, 5)
        label = w.eval_panel.label
        out = a.out / f"window_{size}.png"
        w.grab().save(str(out))
        print(f"{out}: window {w.width()}x{w.height()}, label {label.width()}x{label.height()}, "
              f"heightForWidth {label.heightForWidth(label.width())}, sizeHint {label.sizeHint().height()}, "
              f"visible region height {label.visibleRegion().boundingRect().height()}")
    print(w.eval_panel.label.text())
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
