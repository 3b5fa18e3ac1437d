"""Session 29 (grid29): why rotterdam q_0010 is placed on PDOK's Web Mercator tiles and not on its RD
(EPSG:28992) level-13 tiles of the same stand-in (grid28's run). Prints SIFT inliers (rerank's own
features, ratio test and MAGSAC; min_inliers 8) of the photo against: each RD tile round the corner it
lies at; the four stitched exactly by column and row; the same pixels re-cut as one 256 px tile centred
on that corner; the Web Mercator tiles it lies on. Truth is read only to say where the photo is.

    python training/wmts_standin/q0010_cut.py pdok_rd.gpkg pdok_wm.mbtiles PHOTO data/benchmark/rotterdam/truth.csv
"""
import csv, io, sqlite3, sys
import numpy as np
from PIL import Image
from pyproj import Transformer
from geolocator.core.rerank import VerifySettings, image_local_features, fit_homography, _plausible

rd_path, wm_path, photo_path, truth_path = sys.argv[1:5]
S = VerifySettings()
P = image_local_features(Image.open(photo_path).convert("RGB"), S)
name = photo_path.replace("\\", "/").split("/")[-1]
t = next(r for r in csv.DictReader(open(truth_path)) if r["query"].endswith(name))
x, y = Transformer.from_crs(4326, 28992, always_xy=True).transform(float(t["lon"]), float(t["lat"]))
L, T, SPAN = -285401.92, 903401.92, 107.52  # PDOK's EPSG:28992 set, level 13 (0.42 m, 256 px)
fc, fr = (x - L) / SPAN, (T - y) / SPAN
c, r = round(fc), round(fr)  # the tile corner nearest the photo's centre
print(f"{name}: {len(P.points)} keypoints; RD level 13 col {fc:.3f} row {fr:.3f}: "
      f"{abs(fc - c) * SPAN:.1f} m and {abs(fr - r) * SPAN:.1f} m from the corner of tiles {c - 1}..{c} x {r - 1}..{r}")

def score(img, what):
    T_ = image_local_features(img, S)
    fit = fit_homography(P, T_, S)
    if fit is None:
        print(f"  {what}: no fit"); return
    H, n = fit
    ok = _plausible(H, P.size, T_.size, S)
    print(f"  {what}: {n} inliers, plausible {ok}, {'VERIFIES' if ok and n >= S.min_inliers else 'does not verify'}")

db = sqlite3.connect(rd_path)
def rd(cc, rr):
    b = db.execute("SELECT tile_data FROM tiles WHERE zoom_level = 13 AND tile_column = ? AND tile_row = ?", (cc, rr)).fetchone()
    return Image.open(io.BytesIO(b[0])).convert("RGB")
m = Image.new("RGB", (512, 512))
for i, cc in enumerate((c - 1, c)):
    for j, rr in enumerate((r - 1, r)):
        score(rd(cc, rr), f"RD tile {cc}/{rr}")
        m.paste(rd(cc, rr), (256 * i, 256 * j))
score(m, "RD 2 x 2 stitched by column and row (512 px)")
score(m.crop((128, 128, 384, 384)), "RD pixels re-cut as one 256 px tile centred on the corner")
wm = sqlite3.connect(wm_path)
lon, lat = float(t["lon"]), float(t["lat"])
z = 18
fx = (lon + 180) / 360 * 2 ** z
fy = (1 - np.log(np.tan(np.radians(lat)) + 1 / np.cos(np.radians(lat))) / np.pi) / 2 * 2 ** z
print(f"  Web Mercator z18: x {fx:.3f} y {fy:.3f} ({abs(fy - round(fy)) * 94.4:.1f} m from a row edge)")
for yy in sorted({int(fy), round(fy) - 1, round(fy)}):
    b = wm.execute("SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                   (z, int(fx), 2 ** z - 1 - yy)).fetchone()
    if b:
        score(Image.open(io.BytesIO(b[0])).convert("RGB"), f"Web Mercator tile 18/{int(fx)}/{yy}")
