"""What reading a WMTS service costs, and on which thread (session 27): the capabilities parsed and
their layers listed (core.sources.wmts.read_service, in the imagery dialog's worker thread), the
layer list filled into the dialog (GUI thread, once per read) and a layer made a template
(WmtsService.layer, GUI thread, on each layer / style / set choice). Synthetic documents of N layers,
each linked to a national-grid set, a 256 px and a 512 px Web Mercator set (half of them in the
national grid only), built with tests/test_wmts.py's helpers.

    PYTHONPATH=. python training/bench_wmts_read.py [--layers 300 3000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed(fn, n: int):
    """(result, (wall s, CPU s)) of the fastest of n calls."""
    best, out = None, None
    for _ in range(n):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wc = (time.perf_counter() - w0, time.process_time() - c0)
        best = wc if best is None or wc[0] < best[0] else best
    return out, best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[300, 3000])
    args = ap.parse_args()
    os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
    os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
    import PySide6.QtWebEngineWidgets  # noqa: F401  (before the QApplication)
    from PySide6.QtWidgets import QApplication

    import geolocator.core.sources.wmts as W
    from geolocator.core.model import LatLon
    from geolocator.gui.imagery_dialog import WMTS_CHOICE, ImageryDialog
    from tests.test_wmts import capabilities, layer, mercator_512_set, mercator_set, rd_set

    app = QApplication.instance() or QApplication([])
    import owslib.wmts  # noqa: F401  (imported once, as in the app after its first read)

    for n in args.layers:
        layers = [layer(f"l{i}", ["EPSG:28992", "EPSG:3857", "GoogleMapsCompatible512"] if i % 2 else ["EPSG:28992"],
                        rest="https://w.test/{TileMatrixSet}/{TileMatrix}/{TileCol}/{TileRow}.jpeg") for i in range(n)]
        doc = capabilities(layers, [rd_set(), mercator_set(), mercator_512_set()])
        service, (w, c) = timed(lambda: W.read_service(doc, "caps.xml"), 3)
        print(f"{n} layers ({len(doc) / 1e6:.2f} MB): read_service (worker thread) {w:.3f} s wall, {c:.3f} s CPU "
              "(best of 3)")
        _, (w, c) = timed(lambda: service.layer(f"l{n // 2 + 1}", tile_matrix_set="GoogleMapsCompatible512"), 20)
        print(f"    WmtsService.layer (GUI thread) {w * 1000:.2f} ms wall, {c * 1000:.2f} ms CPU (best of 20)")
        d = ImageryDialog(None, photos=[LatLon(36.14, -115.23)], out_folder=Path("/tmp/bench_wmts_read"))
        d.source.setCurrentText(WMTS_CHOICE)
        job = object()
        d._read_job = job
        _, (w, c) = timed(lambda: d._service_read(job, service), 1)
        print(f"    the dialog's layer list filled (GUI thread) {w:.3f} s wall, {c:.3f} s CPU; "
              f"{d.layer.count()} items")
        d.reject()
    app.processEvents()


if __name__ == "__main__":
    main()
