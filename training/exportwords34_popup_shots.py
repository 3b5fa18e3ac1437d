"""Screenshots of a popup opened on the marker nearest the legend's corner, at the opening zoom, in the
app's map at the minimum window (911 x 562: map 265 x 160) and at 1280 x 800 (map 584 x 398).
Usage: shots.py OUTDIR [tracks]"""
import json, os, sys, tempfile
os.environ["QT_QPA_PLATFORM"] = "offscreen"; os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = "--disable-gpu"
from pathlib import Path
from PIL import Image
from PySide6.QtWidgets import QApplication
from PySide6.QtCore import QEventLoop, QTimer
app = QApplication([])
from geolocator.core import webmap
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile, TileSet
from geolocator.core.outside_tiles import OUTSIDE_CAUTION
from geolocator.gui.map_view import MapView

out = Path(sys.argv[1]); out.mkdir(parents=True, exist_ok=True)
tmp = Path(tempfile.mkdtemp())
tiles = []
for r in range(3):
    for c in range(4):
        p = tmp / f"t{r}{c}.png"; Image.new("RGB", (64, 64), (60 + 30 * r, 120 + 20 * c, 70)).save(p)
        tiles.append(Tile(f"t{r}{c}", p, Bounds(10 + 0.01 * c, 50 + 0.01 * r, 10.01 + 0.01 * c, 50.01 + 0.01 * r)))
preds = []
for i, t in enumerate(tiles):
    at = t.bounds.center
    qp = tmp / f"q{i}.jpg"; Image.new("RGB", (160, 120), (90, 140, 60)).save(qp)
    caution = OUTSIDE_CAUTION if i == 0 else None
    preds.append(Prediction(Query(f"DJI_{i:04d}.JPG", qp), (Match(t, 0.8, 1, inliers=40),), at, at, 0.2 if i == 0 else 0.95,
                            status="retrieved" if i == 0 else "verified", location_source="homography", caution=caution))
blank = Prediction(Query("DJI_0099.JPG", tmp / "q0.jpg"), (Match(tiles[0], 0.3, 1),), tiles[0].bounds.center,
                   tiles[0].bounds.center, 0.0, status="not located", note="blank frame")
ts = TileSet(tuple(tiles), tmp)
page = webmap.write_map(tmp / "map.html", ts, preds + [blank])

def wait(ms):
    loop = QEventLoop(); QTimer.singleShot(ms, loop.quit); loop.exec()

def js(view, code):
    got = []
    view.page().runJavaScript(code, 0, got.append)
    for _ in range(200):
        if got: return got[0]
        wait(50)

report = {}
for w, h in ((265, 160), (584, 398)):
    view = MapView(); view.resize(w, h); view.show()
    done = []
    view.ready.connect(lambda *a: done.append(1))
    view.show_map(page)
    for _ in range(300):
        if done: break
        wait(100)
    wait(800)
    # the marker nearest the legend's corner (bottom-left) at the opening zoom; open its popup as a click does
    r = js(view, """(function () { var g = window.geoloc, best = null, bd = 1e9, s = g.map.getSize();
      Object.keys(g.markers).forEach(function (id) { var p = g.map.latLngToContainerPoint(g.markers[id].getLatLng());
        var d = p.x + (s.y - p.y); if (d < bd) { bd = d; best = id; } });
      g.markers[best].openPopup(); return best; })()""")
    wait(1500)
    m = js(view, """(function () { var b = function (el) { var r = el.getBoundingClientRect(); return [Math.round(r.left), Math.round(r.top), Math.round(r.right), Math.round(r.bottom)]; };
      return JSON.stringify({popup: b(document.querySelector('.leaflet-popup-content-wrapper')), legend: b(document.querySelector('.geoloc-legend')),
        map: b(window.geoloc.map.getContainer())}); })()""")
    report[f"{w}x{h}"] = {"marker": r, **json.loads(m)}
    view.grab().save(str(out / f"popup_{w}x{h}.png"))
    view.dispose(); view.deleteLater(); wait(300)
print(json.dumps(report))
