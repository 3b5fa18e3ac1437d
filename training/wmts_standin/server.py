"""Local stand-in for three national orthophoto WMTS services (PDOK, swisstopo, IGN Geoplateforme).
Capabilities written by hand in the shape those services publish; pixels cut from the rotterdam
benchmark tiles (data/benchmark/rotterdam), NOT the real services' imagery. Session 28 (grid28): PDOK's
Dutch-grid set (EPSG:28992) is served too (each pixel resampled from the benchmark tiles through pyproj),
a PDOK document whose layers have only that set (/pdok-rd/wmts), and swisstopo's default document in the
Swiss grid (/swisstopo/1.0.0/WMTSCapabilities.xml; no imagery there: Rotterdam is not in Switzerland)."""
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
    import cv2, numpy as np
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
    out = np.zeros((256, 256, 3), np.uint8); hit = False
    for path, w, s, e, n in near:
        inside = (lon >= w) & (lon < e) & (lat > s) & (lat <= n)
        if not inside.any(): continue
        im = PATCHES.get(path)
        if im is None: im = PATCHES.setdefault(path, np.asarray(Image.open(path).convert("RGB")))
        u = ((lon - w) / (e - w) * im.shape[1] - 0.5).astype(np.float32)
        v = ((n - lat) / (n - s) * im.shape[0] - 0.5).astype(np.float32)
        got = cv2.remap(im, u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        out[inside] = got[inside]; hit = True
    return Image.fromarray(out), hit

def tile_response(h, z, x, y, fmt, rd=False):
    im, hit = render_rd(z, x, y) if rd else render(z, x, y)
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
        m = re.fullmatch(r"/swisstopo/1.0.0/ch.swisstopo.swissimage/default/current/3857/(\d+)/(\d+)/(\d+)\.jpeg", p)
        if m: return tile_response(self, int(m[1]), int(m[2]), int(m[3]), "jpeg")
        if p == "/geopf/wmts":
            if q.get("REQUEST", "").lower() == "getcapabilities": return self.xml("geopf.xml")
            if q.get("REQUEST") == "GetTile" and q.get("TILEMATRIXSET") == "PM_0_20":
                return tile_response(self, int(q["TILEMATRIX"]), int(q["TILECOL"]), int(q["TILEROW"]),
                                     "png" if "png" in q.get("FORMAT", "") else "jpeg")
        self.send_response(400); self.end_headers(); self.wfile.write(b"bad request")

ThreadingHTTPServer(("127.0.0.1", PORT), H).serve_forever()
