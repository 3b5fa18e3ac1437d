"""Local stand-in for three national orthophoto WMTS services (PDOK, swisstopo, IGN Geoplateforme).
Capabilities written by hand in the shape those services publish; pixels cut from the rotterdam
benchmark tiles (data/benchmark/rotterdam), NOT the real services' imagery. Session 28 (grid28): PDOK's
Dutch-grid set (EPSG:28992) is served too (each pixel resampled from the benchmark tiles through pyproj),
a PDOK document whose layers have only that set (/pdok-rd/wmts), and swisstopo's default document in the
Swiss grid (/swisstopo/1.0.0/WMTSCapabilities.xml; no imagery there: Rotterdam is not in Switzerland).
Session 29 (grid29): that LV95 document now has pixels, and /geopf-l93/wmts serves IGN-like orthophotos in
Lambert-93 (EPSG:2154, set LAMB93): both cut from the benchmark's ground moved rigidly to Zurich / Lyon
(relocate.py; truth moved the same way for scoring)."""
import csv, io, math, os, sys, re, threading
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler
from urllib.parse import urlsplit, parse_qs
from pathlib import Path
from PIL import Image

HERE = Path(__file__).parent  # run: python server.py data/benchmark/rotterdam 8927 (after make_caps.py)
REGION = Path(sys.argv[1])
PORT = int(sys.argv[2])
TILES = [(REGION / r["path"], *(float(r[k]) for k in ("west", "south", "east", "north")))
         for r in csv.DictReader(open(REGION / "tiles.csv"))]
CACHE = {}
LOG = open(Path(os.environ.get("TMPDIR", "/tmp")) / "wmts_standin_requests.log", "a")

def lat_y(lat, z):
    r = math.radians(lat); return (1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * 2 ** z * 256

def render(z, x, y):
    out = Image.new("RGB", (256, 256), (0, 0, 0)); hit = False
    for path, w, s, e, n in TILES:
        x0 = (w + 180) / 360 * 2 ** z * 256 - x * 256; x1 = (e + 180) / 360 * 2 ** z * 256 - x * 256
        y0 = lat_y(n, z) - y * 256; y1 = lat_y(s, z) - y * 256
        if x1 <= 0 or y1 <= 0 or x0 >= 256 or y0 >= 256: continue
        W, H = max(1, round(x1 - x0)), max(1, round(y1 - y0))
        if W > 4096: continue
        im = CACHE.get(path) or CACHE.setdefault(path, Image.open(path).convert("RGB"))
        out.paste(im.resize((W, H)), (round(x0), round(y0))); hit = True
    return out, hit

RD = dict(left=-285401.92, top=903401.92, pixel0=12288000.0 * 0.00028)  # PDOK's EPSG:28992 set (make_caps.rd_set)
PATCHES = {}

def render_rd(level, col, row):
    """A 256 px tile of the Dutch grid (EPSG:28992): each pixel centre taken to WGS84 with pyproj, then
    sampled (bilinear, cv2.remap) from the benchmark tile holding it (session 28, grid28)."""
    import numpy as np
    from pyproj import Transformer
    t = PATCHES.get("t") or PATCHES.setdefault("t", Transformer.from_crs(28992, 4326, always_xy=True))
    px = RD["pixel0"] / 2 ** level
    x0, y0 = RD["left"] + col * 256 * px, RD["top"] - row * 256 * px  # the tile's top-left corner
    cx, cy = t.transform([x0, x0 + 256 * px, x0, x0 + 256 * px], [y0, y0, y0 - 256 * px, y0 - 256 * px])
    near = [p for p in TILES if p[1] <= max(cx) and p[3] >= min(cx) and p[2] <= max(cy) and p[4] >= min(cy)]
    if not near:  # no benchmark tile near: 404 without transforming every pixel
        return None, False
    jj, ii = np.mgrid[0:256, 0:256]
    lon, lat = t.transform(RD["left"] + (col * 256 + ii + 0.5) * px, RD["top"] - (row * 256 + jj + 0.5) * px)
    out, hit = sample(lon, lat, near)
    return Image.fromarray(out), hit

def sample(lon, lat, near):
    """RGB (H, W, 3) of the benchmark tiles `near` at lon/lat arrays (H, W), bilinear; hit: any pixel inside."""
    import cv2, numpy as np
    out = np.zeros(lon.shape + (3,), np.uint8); hit = False
    for path, w, s, e, n in near:
        inside = (lon >= w) & (lon < e) & (lat > s) & (lat <= n)
        if not inside.any(): continue
        im = PATCHES.get(path)
        if im is None: im = PATCHES.setdefault(path, np.asarray(Image.open(path).convert("RGB")))
        u = ((lon - w) / (e - w) * im.shape[1] - 0.5).astype(np.float32)
        v = ((n - lat) / (n - s) * im.shape[0] - 0.5).astype(np.float32)
        got = cv2.remap(im, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out[inside] = got[inside]; hit = True
    return out, hit

# Session 29 (grid29): Lambert-93 and LV95 sets with pixels. Their ground is the benchmark's, moved
# rigidly to Lyon / Zurich (relocate.py); each level's (pixel m, TopLeftCorner) from make_caps.py.
sys.path.insert(0, str(HERE))
import relocate  # noqa: E402
L93_RES = [0.4 * 2 ** (19 - z) for z in range(21)]  # make_caps.lamb93_set
LV95_RES = [4000, 3750, 3500, 3250, 3000, 2750, 2500, 2250, 2000, 1750, 1500, 1250, 1000, 750, 650, 500, 250, 100,
            50, 20, 10, 5, 2.5, 2, 1.5, 1, 0.5, 0.25, 0.1]  # make_caps.LV95_RES
GRIDS = {"l93": (2154, "lyon", L93_RES, (0.0, 12000000.0)), "lv95": (2056, "zurich", LV95_RES, (2420000.0, 1350000.0))}

def render_grid(name, level, col, row):
    """A 256 px tile of a relocated national grid: pixel centres -> benchmark lon/lat -> sampled."""
    import numpy as np
    crs, site, res, (left, top) = GRIDS[name]
    px = res[level]
    x0, y0 = left + col * 256 * px, top - row * 256 * px
    cx, cy = relocate.from_site(site, [x0, x0 + 256 * px, x0, x0 + 256 * px], [y0, y0, y0 - 256 * px, y0 - 256 * px], crs)
    near = [p for p in TILES if p[1] <= max(cx) and p[3] >= min(cx) and p[2] <= max(cy) and p[4] >= min(cy)]
    if not near or 256 * px > 2000:  # nothing of the benchmark there (or a tile kilometres wide): 404
        return None, False
    jj, ii = np.mgrid[0:256, 0:256]
    lon, lat = relocate.from_site(site, x0 + (ii + 0.5) * px, y0 - (jj + 0.5) * px, crs)
    out, hit = sample(lon, lat, near)
    return Image.fromarray(out), hit

def tile_response(h, z, x, y, fmt, rd=False, grid=None):
    im, hit = render_grid(grid, z, x, y) if grid else render_rd(z, x, y) if rd else render(z, x, y)
    if not hit:
        h.send_response(404); h.end_headers(); return
    b = io.BytesIO(); im.save(b, "PNG" if fmt == "png" else "JPEG", quality=88)
    h.send_response(200); h.send_header("Content-Type", "image/png" if fmt == "png" else "image/jpeg")
    h.send_header("Content-Length", str(len(b.getvalue()))); h.end_headers(); h.wfile.write(b.getvalue())

class H(BaseHTTPRequestHandler):
    def log_message(self, *a): LOG.write(self.path + "\n"); LOG.flush()
    def xml(self, name):
        data = (HERE / name).read_text().replace("@HOST@", f"127.0.0.1:{PORT}").encode()
        self.send_response(200); self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        u = urlsplit(self.path); q = {k.upper(): v[0] for k, v in parse_qs(u.query).items()}
        p = u.path
        if p == "/pdok/hwh/luchtfotorgb/wmts/v1_0" and q.get("REQUEST", "").lower() == "getcapabilities":
            return self.xml("pdok.xml")
        m = re.fullmatch(r"/pdok/hwh/luchtfotorgb/wmts/v1_0/(\w+)/EPSG:3857/(\d+)/(\d+)/(\d+)\.jpeg", p)
        if m: return tile_response(self, int(m[2]), int(m[3]), int(m[4]), "jpeg")
        # the Dutch grid (session 28): {TileMatrix} is "00".."16", then {TileCol}/{TileRow}
        m = re.fullmatch(r"/pdok/hwh/luchtfotorgb/wmts/v1_0/(\w+)/EPSG:28992/(\d+)/(\d+)/(\d+)\.jpeg", p)
        if m: return tile_response(self, int(m[2]), int(m[3]), int(m[4]), "jpeg", rd=True)
        if p == "/pdok-rd/wmts" and q.get("REQUEST", "").lower() == "getcapabilities":
            return self.xml("pdok_rd.xml")
        if p == "/swisstopo/1.0.0/WMTSCapabilities.xml": return self.xml("swisstopo_2056.xml")
        if p == "/swisstopo/EPSG/3857/1.0.0/WMTSCapabilities.xml": return self.xml("swisstopo.xml")
        m = re.fullmatch(r"/swisstopo/1.0.0/ch.swisstopo.swissimage/default/current/2056/(\d+)/(\d+)/(\d+)\.jpeg", p)
        if m: return tile_response(self, int(m[1]), int(m[2]), int(m[3]), "jpeg", grid="lv95")  # session 29
        if p == "/geopf-l93/wmts":  # session 29: IGN's orthophotos in Lambert-93 (stand-in set LAMB93)
            if q.get("REQUEST", "").lower() == "getcapabilities": return self.xml("geopf_l93.xml")
            if q.get("REQUEST") == "GetTile" and q.get("TILEMATRIXSET") == "LAMB93":
                return tile_response(self, int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"]), "jpeg", grid="l93")
        m = re.fullmatch(r"/swisstopo/1.0.0/ch.swisstopo.swissimage/default/current/3857/(\d+)/(\d+)/(\d+)\.jpeg", p)
        if m: return tile_response(self, int(m[1]), int(m[2]), int(m[3]), "jpeg")
        if p == "/geopf/wmts":
            if q.get("REQUEST", "").lower() == "getcapabilities": return self.xml("geopf.xml")
            if q.get("REQUEST") == "GetTile" and q.get("TILEMATRIXSET") == "PM_0_20":
                return tile_response(self, int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"]),
                                     "png" if "png" in q.get("FORMAT", "") else "jpeg")
        self.send_response(400); self.end_headers(); self.wfile.write(b"bad request")

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
