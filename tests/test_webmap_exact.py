"""Exact answers of core/webmap.py (session 8, written for its mutants): data URIs, assets, the mosaic's
size and pixels, escaping, colours, popups (the page: test_webmap_exact2.py)."""

from __future__ import annotations

import base64
import io
import math
import types
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core import webmap
from geolocator.core.errors import GeolocatorError
from geolocator.core.model import Bounds, LatLon, Match, Prediction, Query, Tile, TileSet
from geolocator.core.progress import CancelToken

from .helpers import two_tile_prediction


# ---- small helpers -------------------------------------------------------------------------------------

def test_data_uri_exact():
    assert webmap._data_uri(b"ab?", "text/x") == "data:text/x;base64,YWI/"


def test_jpeg_bytes_are_pillows_quality_82_rgb_not_optimised():
    """Not optimize=True: Pillow writes an optimised JPEG in one call holding the GIL, and the app's
    window froze while a worker drew the basemap (training/results/stall33_session33.md)."""
    img = Image.new("RGBA", (9, 7), (200, 30, 60, 128))
    ref = io.BytesIO()
    img.convert("RGB").save(ref, "JPEG", quality=82)
    assert webmap._jpeg_bytes(img) == ref.getvalue()
    ref5 = io.BytesIO()
    img.convert("RGB").save(ref5, "JPEG", quality=5)
    assert webmap._jpeg_bytes(img, quality=5) == ref5.getvalue()
    optimised = io.BytesIO()
    img.convert("RGB").save(optimised, "JPEG", quality=82, optimize=True)
    assert webmap._jpeg_bytes(img) != optimised.getvalue()


def test_leaflet_files_names_and_missing(monkeypatch, tmp_path):
    for sub, name in (("l", "leaflet.js"), ("l", "leaflet.css"), ("j", "jquery.min.js")):
        (tmp_path / sub).mkdir(exist_ok=True)
        (tmp_path / sub / name).write_text("x")
    dirs = {"xstatic.pkg.leaflet": tmp_path / "l", "xstatic.pkg.jquery": tmp_path / "j"}
    monkeypatch.setattr(webmap, "_xstatic_dir", lambda module: dirs[module])
    assert webmap.leaflet_files() == {"leaflet_js": tmp_path / "l" / "leaflet.js",
                                      "leaflet_css": tmp_path / "l" / "leaflet.css",
                                      "jquery_js": tmp_path / "j" / "jquery.min.js"}
    (tmp_path / "j" / "jquery.min.js").unlink()
    with pytest.raises(GeolocatorError) as e:
        webmap.leaflet_files()
    assert str(e.value) == f"{tmp_path / 'j' / 'jquery.min.js'}: missing; reinstall XStatic-Leaflet / XStatic-jQuery"


def test_xstatic_dir_is_the_packages_base_dir():
    import xstatic.pkg.leaflet

    assert webmap._xstatic_dir("xstatic.pkg.leaflet") == Path(xstatic.pkg.leaflet.BASE_DIR)


def test_assets_in_a_folder(tmp_path):
    folder = tmp_path / "a" / "b"
    assets = webmap.Assets(folder)
    assert folder.is_dir() and assets.folder == folder and assets.inline is False
    assert assets.cached("x.jpg") is None
    img = Image.new("RGB", (4, 4), (1, 2, 3))
    url = assets.image(img, "x.jpg")
    assert url == (folder / "x.jpg").resolve().as_uri()
    assert (folder / "x.jpg").read_bytes() == webmap._jpeg_bytes(img)
    assert sorted(p.name for p in folder.iterdir()) == ["x.jpg"]  # no .part left
    assert assets.cached("x.jpg") == url
    (folder / "d.jpg").mkdir()
    assert assets.cached("d.jpg") is None  # a folder is not an image
    js = tmp_path / "s.js"
    js.write_text("var a;")
    assert assets.script(js) == js.resolve().as_uri() and assets.style(js) == js.resolve().as_uri()


def test_assets_inline(tmp_path):
    assets = webmap.Assets(None)
    assert assets.inline is True and assets.cached("x.jpg") is None
    img = Image.new("RGB", (4, 4), (1, 2, 3))
    assert assets.image(img, "x.jpg") == "data:image/jpeg;base64," + base64.b64encode(webmap._jpeg_bytes(img)).decode()
    js = tmp_path / "s.js"
    js.write_bytes(b"var a;")
    assert assets.script(js) == "data:text/javascript;base64,dmFyIGE7"
    assert assets.style(js) == "data:text/css;base64,dmFyIGE7"
    assert list(tmp_path.iterdir()) == [js]


# ---- the mosaic -----------------------------------------------------------------------------------------

def test_mosaic_size_exact():
    # 0.02 x 0.02 deg at 50 N: ground width 0.02 cos 50 = 0.012856 -> 200 x 0.642788 = 128.56 -> 129
    assert webmap._mosaic_size(Bounds(10, 49.99, 10.02, 50.01), 200) == (129, 200)
    # 0.04 x 0.01 at the equator: 4:1
    assert webmap._mosaic_size(Bounds(0, -0.005, 0.04, 0.005), 200) == (200, 50)
    assert webmap._mosaic_size(Bounds(0, -0.005, 0.01, 0.005), 30) == (30, 30)  # square: width first
    assert webmap._mosaic_size(Bounds(5, 1, 5, 1), 64) == (64, 64)  # a point: both 1e-12 -> square
    assert webmap._mosaic_size(Bounds(0, 0, 1, 0), 64) == (64, 1)  # flat: at least one pixel
    assert webmap._mosaic_size(Bounds(0, 0, 0, 1), 64) == (1, 64)
    # 60 N halves the ground width: 2 deg x 1 deg there is square
    assert webmap._mosaic_size(Bounds(0, 59.5, 1.5, 60.5), 100) == (round(100 * 1.5 * math.cos(math.radians(60))), 100)


def _tile(tmp_path, name, colour, bounds, size=(16, 16)):
    p = tmp_path / f"{name}.png"
    Image.new("RGB", size, colour).save(p)
    return Tile(name, p, bounds)


def test_render_basemap_exact_pixels(tmp_path):
    # at the equator, bounds (0, 0)-(2, 1): 8 x 4 px, 4 px a degree both ways
    a = _tile(tmp_path, "a", (255, 0, 0), Bounds(0, 0, 1, 1))
    c = _tile(tmp_path, "c", (0, 0, 255), Bounds(1.5, 0.5, 2, 1))
    d = _tile(tmp_path, "d", (0, 255, 0), Bounds(1.0, 0.0, 1.25, 0.25))
    img = webmap.render_basemap(TileSet((a, c, d), tmp_path), max_px=8)
    assert img.size == (8, 4) and img.mode == "RGBA"  # the ground no tile covers is transparent
    grey = (40, 40, 40, 0)
    rows = [[img.getpixel((x, y)) for x in range(8)] for y in range(4)]
    R, B, G = (255, 0, 0, 255), (0, 0, 255, 255), (0, 255, 0, 255)
    assert rows == [
        [R, R, R, R, grey, grey, B, B],
        [R, R, R, R, grey, grey, B, B],
        [R, R, R, R, grey, grey, grey, grey],
        [R, R, R, R, G, grey, grey, grey],
    ]


def test_render_basemap_across_the_antimeridian(tmp_path):
    west = _tile(tmp_path, "w", (255, 0, 0), Bounds(179, 0, 180, 1))
    east = _tile(tmp_path, "e", (0, 0, 255), Bounds(-180, 0, -179, 1))
    ts = TileSet((west, east), tmp_path)
    assert ts.bounds.crosses_antimeridian
    img = webmap.render_basemap(ts, max_px=4)
    assert img.size == (4, 2)
    assert [img.getpixel((x, 0)) for x in range(4)] == [(255, 0, 0)] * 2 + [(0, 0, 255)] * 2


def test_render_basemap_unreadable_tile_stays_grey_and_events(tmp_path):
    a = _tile(tmp_path, "a", (255, 0, 0), Bounds(0, 0, 1, 1))
    b = Tile("b", tmp_path / "b.png", Bounds(1, 0, 2, 1))
    (tmp_path / "b.png").write_bytes(b"not an image")
    events = []
    img = webmap.render_basemap(TileSet((a, b), tmp_path), max_px=4, progress=events.append)
    assert [img.getpixel((x, 0)) for x in range(4)] == [(255, 0, 0)] * 2 + [(40, 40, 40)] * 2
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("map", 1, 2, "drawing the basemap"), ("map", 2, 2, "drawing the basemap")]
    assert events[0].eta_s is not None and events[1].eta_s == 0.0


def test_render_basemap_tile_thinner_than_a_pixel_is_skipped(tmp_path, monkeypatch):
    a = _tile(tmp_path, "a", (255, 0, 0), Bounds(0, 0, 1, 1))
    thin = _tile(tmp_path, "t", (0, 255, 0), Bounds(0.3, 0, 0.31, 1))  # 0.04 px wide
    flat = _tile(tmp_path, "f", (0, 255, 0), Bounds(0.5, 0.5, 1, 0.51))  # 0.04 px high
    opened = []
    real = webmap._open_tile
    monkeypatch.setattr(webmap, "_open_tile", lambda tile, min_side=None: opened.append((tile.id, min_side))
                        or real(tile, min_side=min_side))
    img = webmap.render_basemap(TileSet((a, thin, flat), tmp_path), max_px=4)
    assert opened == [("a", 4)]  # min_side: the tile's larger side in the mosaic
    assert img.getcolors() == [(16, (255, 0, 0))]


def test_open_tile_decodes_at_the_asked_size(tmp_path):
    t = _tile(tmp_path, "a", (9, 8, 7), Bounds(0, 0, 1, 1), size=(5, 3))
    img = webmap._open_tile(t)
    assert img.size == (5, 3) and img.getpixel((0, 0)) == (9, 8, 7)


def test_render_basemap_cancelled(tmp_path):
    a = _tile(tmp_path, "a", (255, 0, 0), Bounds(0, 0, 1, 1))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Exception) as e:
        webmap.render_basemap(TileSet((a,), tmp_path), max_px=4, cancel=token)
    assert type(e.value).__name__ == "Cancelled"


# ---- text -----------------------------------------------------------------------------------------------

def test_safe_exact():
    assert webmap._safe("<a href=\"x\">'$`&") == "&lt;a href=&quot;x&quot;&gt;&#x27;&#36;&#96;&amp;"


def test_script_json_exact():
    assert webmap._script_json({"a": "</script>&", "b": [1, None]}) == \
        '{"a": "\\u003c/script\\u003e\\u0026", "b": [1, null]}'


def test_query_label():
    q = Query("queries/sub/a.jpg", Path("x"))
    pred = Prediction(q, (), LatLon(0, 0), LatLon(0, 0), 0.5)
    assert webmap.query_label(pred) == "a.jpg"
    assert webmap.query_label(replace(pred, query=Query("/", Path("x")))) == "/"


_pred = two_tile_prediction


def test_marker_colours(tmp_path):
    assert webmap.marker_colour(_pred(tmp_path, truth=LatLon(50.1, 10.1))) == "#1a9850"
    assert webmap.marker_colour(_pred(tmp_path, truth=LatLon(50.1, 10.7))) == "#d73027"
    assert webmap.marker_colour(_pred(tmp_path, truth=LatLon(50.1, 10.1), matches=())) == "#d73027"
    # by level (core/levels.py, session 26): confident = verified at 0.9 or more, as eval's n_confident;
    # verified but not confident 0.5-0.9 mid blue; a weak match and an unverified answer (tile level
    # only, at most 0.6) light blue
    assert webmap.marker_colour(_pred(tmp_path, conf=0.9, status="verified")) == "#2b83ba"
    assert webmap.marker_colour(_pred(tmp_path, conf=0.89, status="verified")) == "#6aaed6"
    assert webmap.marker_colour(_pred(tmp_path, conf=0.5, status="verified")) == "#6aaed6"
    assert webmap.marker_colour(_pred(tmp_path, conf=0.49, status="verified")) == "#abd9e9"
    assert webmap.marker_colour(_pred(tmp_path, conf=0.6)) == "#abd9e9"
    assert webmap.marker_colour(_pred(tmp_path, conf=0.9)) == "#abd9e9"  # retrieved: tile level only
    assert webmap.marker_colour(_pred(tmp_path, conf=0.9, status="not located")) == "#9e9e9e"


TH = "<tr><th style='text-align:left;padding-right:6px'>"


def _table(rows):
    return "".join(f"{TH}{k}</th><td>{v}</td></tr>" for k, v in rows)


def test_popup_exact(tmp_path):
    pred = _pred(tmp_path, truth=LatLon(50.1, 10.1), error_m=12.345, location_source="homography", note="n&b")
    html = webmap.popup_html(pred, "file:///x/a b\".jpg")
    rows = [("Query", "queries/a&lt;b&gt;.jpg"), ("Top tile", "tiles/t1.png"), ("Score", "0.877"),
            ("Status", "tile level only (n&amp;b)"), ("Confidence", "0.700 that it is within 22601 m"),
            ("Location", "50.125000, 10.250000 (homography)"),
            # the Point as field teams read it (session 21; MGRS: PyPI mgrs 1.6.0), the ' escaped
            ("MGRS", "32U NA 89350 53276"), ("Lat/Lon", "N 50° 07.500&#x27; E 010° 15.000&#x27;"),
            ("Verified", "42 matching points"), ("Error", "12.3 m")]
    assert html == ('<div class="geoloc-popup"><img src="file:///x/a b&quot;.jpg" style="max-width:160px;'
                    'display:block;margin-bottom:4px"><table style="font-size:12px">' + _table(rows) + "</table></div>")


def test_popup_without_matches_inliers_error_or_thumbnail(tmp_path):
    t1 = Tile("t1", tmp_path / "t1.png", Bounds(10, 50, 10.5, 50.25))
    pred = _pred(tmp_path, matches=(Match(t1, 0.5, 1),), status="not located")
    rows = [("Query", "queries/a&lt;b&gt;.jpg"), ("Top tile", "t1"), ("Score", "0.500"),
            ("Status", "not located"), ("Confidence", "0.700"),  # no place claimed (session 33): no radius
            ("Location", "none: not located")]  # nor a Location
    assert webmap.popup_html(pred, None) == \
        '<div class="geoloc-popup"><table style="font-size:12px">' + _table(rows) + "</table></div>"
    # nor an error of a position it does not claim
    assert webmap.popup_html(replace(pred, error_m=0.0), "") == webmap.popup_html(pred, None)
    located = webmap.popup_html(replace(pred, status="retrieved", error_m=0.0), "")  # the same answer, located
    assert _table([("Location", "50.125000, 10.250000 (tile_centre)")]) in located and _table([("Error", "0.0 m")]) in located


def test_popup_of_a_flight_frame(tmp_path):
    pred = _pred(tmp_path, error_m=99.0)
    point = types.SimpleNamespace(status="interpolated<", time_s=12.34, extrapolated_s=None,
                                  location=LatLon(50.2, 10.3), error_m=4.56)
    # the marker is the track's: its Status and Confidence rows are the track position's, in the
    # exports' words (newuser16: the map said "Status verified" for a frame the list calls matched),
    # the single-frame answer in its own row; no "Verified" row: the Point is not that answer
    point.confidence = 0.8
    rows = [("Query", "queries/a&lt;b&gt;.jpg"), ("Top tile", "tiles/t1.png"), ("Score", "0.877"),
            ("Status", "interpolated&lt;"), ("Confidence", "0.800"), ("Flight", "t=12.3 s"),
            ("Single frame", "tile level only, confidence 0.700"),
            ("Location", "50.200000, 10.300000 (the flight's estimate)"),
            ("MGRS", "32U NA 92778 61676"), ("Lat/Lon", "N 50° 12.000&#x27; E 010° 18.000&#x27;"),  # the track's Point
            ("Error", "4.6 m")]
    assert webmap.popup_html(pred, None, point) == \
        '<div class="geoloc-popup"><table style="font-size:12px">' + _table(rows) + "</table></div>"
    point2 = types.SimpleNamespace(status="extrapolated", time_s=1.0, extrapolated_s=3.25, location=LatLon(1, 2), error_m=None)
    html = webmap.popup_html(pred, None, point2)
    assert f"{TH}Flight</th><td>t=1.0 s (3.2 s beyond the verified frames)</td></tr>" in html
    assert f"{TH}Status</th><td>extrapolated</td></tr>{TH}Confidence</th><td>0.700</td></tr>" in html  # none: its own
    assert "Error" not in html  # the frame's own error (99 m) is not the marker's
    point3 = types.SimpleNamespace(status="matched", time_s=1.0, extrapolated_s=0.0, location=LatLon(1, 2),
                                   error_m=None, confidence=0.7)
    assert "(0.0 s beyond the verified frames)" in webmap.popup_html(pred, None, point3)
    # a matched frame: its own verified answer (same place, same confidence), its matching points,
    # and no single-frame row: the single photo's "verified" is the same answer
    html = webmap.popup_html(replace(pred, status="verified", location=LatLon(1, 2)), None, point3)
    # its level as the list says it (session 27: a matched frame at 0.7 read "matched", levels.frame_level)
    assert f"{TH}Status</th><td>verified but not confident</td></tr>" in html and "42 matching points" in html
    assert "Single frame" not in html
    html = webmap.popup_html(replace(pred, status="verified", location=LatLon(1, 2.001)), None, point3)
    assert f"{TH}Single frame</th><td>verified but not confident, confidence 0.700</td></tr>" in html  # another place: said


def test_near_exact():
    assert webmap._near(-179.0, None) == -179.0
    assert webmap._near(-179.0, 179.0) == 181.0
    assert webmap._near(10.0, 0.0) == 10.0
    assert webmap._near(-170.0, 0.0) == -170.0
    assert webmap._near(180.0, 0.0) == -180.0  # exactly opposite: west of ref
    assert webmap._near(370.0, 5.0) == 10.0


def test_default_thumbnail(tmp_path):
    p = tmp_path / "a.jpg"
    Image.new("RGB", (320, 200), (10, 20, 30)).save(p)
    pred = Prediction(Query("a.jpg", p), (), LatLon(0, 0), LatLon(0, 0), 0.5)
    img = webmap.default_thumbnail(pred)
    assert max(img.size) == 160
    assert webmap.default_thumbnail(replace(pred, query=Query("b.jpg", tmp_path / "missing.jpg"))) is None


def test_render_basemap_under_a_degree_away_from_the_origin(tmp_path, monkeypatch):
    """0.5 x 0.5 deg at 10 N (ground aspect cos 10.25 deg = 0.984: 8 x 8 px, 16 px a degree both ways):
    A (0-0.25 E, 10-10.5 N) fills the west half, B (0.25-0.5 E, 10-10.25 N) the south-east quarter."""
    import numpy as np

    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    pa, pb = tmp_path / "A.png", tmp_path / "B.png"
    Image.new("RGB", (16, 16), (255, 0, 0)).save(pa)
    noise.save(pb)
    a = Tile("A", pa, Bounds(0, 10, 0.25, 10.5))
    b = Tile("B", pb, Bounds(0.25, 10, 0.5, 10.25))
    opened = []
    real = webmap._open_tile
    monkeypatch.setattr(webmap, "_open_tile", lambda tile, min_side=None: opened.append((tile.id, min_side))
                        or real(tile, min_side=min_side))
    events = []
    img = webmap.render_basemap(TileSet((a, b), tmp_path), max_px=8, progress=events.append)
    assert img.size == (8, 8) and opened == [("A", 8), ("B", 4)]
    px = np.asarray(img)
    assert (px[:, :4] == (255, 0, 0, 255)).all() and (px[:4, 4:, 3] == 0).all()  # no tile: transparent
    assert (px[4:, 4:, :3] == np.asarray(noise.resize((4, 4), Image.Resampling.BILINEAR))).all()
    assert events[0].eta_s > 0.0 and events[1].eta_s == 0.0  # one tile of two to go, then none


def test_open_tile_passes_the_level_of_detail_on(tmp_path, monkeypatch):
    from geolocator.core.sources import tile_image

    seen = []
    monkeypatch.setattr(tile_image, "open_tile_image",
                        lambda tile, min_side=None, keep_alpha=False: seen.append((min_side, keep_alpha)) or "img")
    assert webmap._open_tile("t", min_side=7) == "img" and webmap._open_tile("t") == "img"
    assert seen == [(7, True), (None, True)]  # the map keeps the tiles' own alpha (alphamap34)


def test_assets_in_an_existing_folder(tmp_path):
    assets = webmap.Assets(tmp_path)
    assert assets.folder == tmp_path and not assets.inline
