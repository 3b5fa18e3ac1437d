"""Local stand-in for three national orthophoto WMTS services (PDOK, swisstopo, IGN Geoplateforme).
Capabilities written by hand in the shape those services publish; pixels cut from the rotterdam
benchmark tiles (data/benchmark/rotterdam), NOT the real services' imagery."""
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

def tile_response(h, z, x, y, fmt):
    im, hit = render(z, x, y)
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
