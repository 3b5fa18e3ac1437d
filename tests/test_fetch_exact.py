"""Exact answers of core/sources/fetch.py (session 8, written for its mutants). Requests go to a fake
client (no socket at all) except in the one User-Agent test, which uses the 127.0.0.1 TileServer."""

from __future__ import annotations

import email.utils
import json
import threading
import time
import types

import httpx
import pytest

from geolocator.core.errors import Cancelled, InputError
from geolocator.core.geo import WEB_MERCATOR_MAX_LAT, metres_per_degree
from geolocator.core.model import Bounds, LatLon
from geolocator.core.progress import CancelToken
from geolocator.core.sources import fetch as F


def _real_image(fmt: str) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (10, 20, 30)).save(buf, format=fmt)
    return buf.getvalue()


PNG = _real_image("PNG")  # a real 1x1 image: fetch decodes every tile before storing it (session 20)
JPG = _real_image("JPEG")


# ---- names, templates, providers ----------------------------------------------------------------------

def test_user_agent_exact(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: {"geolocator": "1.2.3"}[name])
    assert F.user_agent() == ("geolocator/1.2.3 (drone photo geolocation; fetch-tiles; "
                              "+https://pypi.org/project/geolocator/)")

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert F.user_agent().startswith("geolocator/dev (")


def test_too_many_tiles_message():
    e = F.TooManyTiles(12345, 17, 10000)
    assert isinstance(e, F.FetchError) and e.count == 12345
    assert str(e) == ("the area needs 12,345 tiles at zoom 17, more than the limit of 10,000 (--max-tiles): "
                      "choose a smaller area or a lower zoom, or raise the limit")


def test_url_for_every_placeholder():
    t = F.TileTemplate("http://{s}.h/{z}/{x}/{y}/{-y}{r}/{q}")
    assert t.subdomains == ("a", "b", "c") and t.attribution is None and t.name is None and t.max_zoom is None
    assert t.url_for(3, 2, 1) == "http://a.h/3/2/1/6/012"
    assert t.url_for(3, 2, 2) == "http://b.h/3/2/2/5/030"
    assert t.url_for(3, 3, 2) == "http://c.h/3/3/2/5/031"
    assert F.TileTemplate("http://h/{z}/{x}/{y}", ("p", "q")).url_for(0, 0, 0) == "http://h/0/0/0"


def test_parse_template_exact():
    t = F.parse_template("  HTTP://{s}.h/{z}/{x}/{y}.png ", "xyz", attribution="A", name="N", max_zoom=17)
    assert t == F.TileTemplate("HTTP://{s}.h/{z}/{x}/{y}.png", ("x", "y", "z"), "A", "N", 17)
    assert F.parse_template("https://h/{z}/{x}/{y}", ["p", "q"]).subdomains == ("p", "q")
    assert F.parse_template("https://h/{z}/{x}/{y}", "").subdomains == ("a", "b", "c")
    assert F.parse_template("https://h/{z}/{x}/{y}").subdomains == ("a", "b", "c")
    assert F.parse_template("https://h/{z}/{x}/{-y}").url == "https://h/{z}/{x}/{-y}"
    assert F.parse_template("https://h/{q}").url == "https://h/{q}"
    with pytest.raises(F.FetchError) as e:
        F.parse_template("ftp://h/{z}/{x}/{y}")
    assert str(e.value) == "'ftp://h/{z}/{x}/{y}': a tile URL template starts with http:// or https://"
    with pytest.raises(F.FetchError) as e:
        F.parse_template("https://h/{z}/{x}/{y}/{b}/{a}")
    assert str(e.value) == ("'https://h/{z}/{x}/{y}/{b}/{a}': unknown placeholder(s) {a}, {b}; use {z} {x} {y}, "
                            "{-y} (TMS), {s} (subdomain) or {q} (quadkey)")
    for bad in ("https://h/{z}/{y}", "https://h/{x}/{y}", "https://h/{z}/{x}"):
        with pytest.raises(F.FetchError) as e:
            F.parse_template(bad)
        assert str(e.value) == f"{bad!r}: the template needs {{z}}, {{x}} and {{y}} (or {{-y}}), or {{q}}"


def test_provider_template_exact():
    t = F.provider_template("Esri.WorldImagery")
    assert t.name == "Esri.WorldImagery"
    assert t.url.startswith("https://server.arcgisonline.com/") and t.attribution.startswith("Tiles (C) Esri")
    with pytest.raises(F.FetchError) as e:
        F.provider_template("No.Such")
    assert str(e.value) == "unknown tile provider 'No.Such' (names as in xyzservices, e.g. Esri.WorldImagery)"
    assert e.value.__cause__ is None and e.value.__suppress_context__
    with pytest.raises(F.FetchError) as e:
        F.provider_template("Thunderforest.OpenCycleMap")
    assert str(e.value) == ("Thunderforest.OpenCycleMap needs an API key: give its URL template with your key "
                            "instead of --provider")


def test_provider_subdomains_are_passed_on():
    t = F.provider_template("OpenTopoMap")
    assert "{s}" in t.url and t.subdomains == ("a", "b", "c") and t.max_zoom == 17


def test_source_host_exact():
    assert F.source_host("https://{s}.tile.example.org/{z}/{x}/{y}.png?key=SECRET") == "tile.example.org"
    assert F.source_host("http://127.0.0.1:8080/{z}/{x}/{y}") == "127.0.0.1:8080"
    assert F.source_host("http://{sub}.h.org/x") == "h.org"
    assert F.source_host(" HTTP://Tile.Example.ORG/x ") == "tile.example.org"
    assert F.source_host("no-scheme") == "no-scheme"
    assert F.source_host("http://a.{s}.h.org/x") == "a.{s}.h.org"  # only a leading placeholder goes


def test_recorded_attribution_and_terms_exact():
    named = F.TileTemplate("https://h.org/{z}/{x}/{y}", attribution="(C) Someone", name="Prov")
    assert F.recorded_attribution(named) == ("(C) Someone", None)
    plain = F.TileTemplate("https://{s}.h.org:81/{z}/{x}/{y}")
    assert F.recorded_attribution(plain) == (
        "Imagery: h.org:81 (the provider's required attribution was not given)",
        "no attribution was given for the imagery from h.org:81: most providers' terms require their credit line on "
        "every map and export. The tile set records 'h.org:81' as its source; give the credit line with "
        "--attribution (a rerun of the same command with it updates the tile set)")
    assert F.terms_notice(named) == (
        "Imagery from Prov.\nAttribution: (C) Someone\nBulk downloading is governed by Prov's terms of use: make "
        "sure they allow it (many public services, e.g. tile.openstreetmap.org, forbid it).")
    assert F.terms_notice(plain) == (
        "Imagery from {s}.h.org:81.\nBulk downloading is governed by {s}.h.org:81's terms of use: make "
        "sure they allow it (many public services, e.g. tile.openstreetmap.org, forbid it).")


# ---- areas ----------------------------------------------------------------------------------------------

def test_parse_and_check_bbox_exact():
    assert F.parse_bbox(" 1, 2 ,3,4") == Bounds(1, 2, 3, 4)
    assert F.check_bbox(Bounds(-180, -90, 180, 90)) == Bounds(-180, -90, 180, 90)
    with pytest.raises(F.FetchError) as e:
        F.parse_bbox("1,2,3")
    assert str(e.value) == "--bbox '1,2,3': expected four numbers W,S,E,N in degrees"
    assert e.value.__suppress_context__
    with pytest.raises(F.FetchError, match="^--bbox"):
        F.parse_bbox("a,b,c,d")
    cases = [(Bounds(float("nan"), 0, 1, 1), "not finite"), (Bounds(0, 0, float("inf"), 1), "not finite"),
             (Bounds(-180.5, 0, 1, 1), "outside the globe"), (Bounds(0, 0, 180.5, 1), "outside the globe"),
             (Bounds(180.5, 0, 180, 1), "outside the globe"), (Bounds(0, -90.5, 1, 1), "outside the globe"),
             (Bounds(180, 0, 180, 1), "west must be less than east (areas across the antimeridian are not supported)"),
             (Bounds(-180, 0, -180, 1), "west must be less than east (areas across the antimeridian are not supported)"),
             (Bounds(-180, 0, -180.5, 1), "outside the globe"), (Bounds(0, 90.5, 1, 90), "outside the globe"),
             (Bounds(0, -90, 1, -90.5), "outside the globe"),
             (Bounds(0, 90, 1, 90), "south must be less than north"), (Bounds(0, -90, 1, -90), "south must be less than north"), (Bounds(0, 0, 1, 90.5), "outside the globe"),
             (Bounds(2, 0, 2, 1), "west must be less than east (areas across the antimeridian are not supported)"),
             (Bounds(0, 1, 1, 1), "south must be less than north")]
    for b, why in cases:
        with pytest.raises(F.FetchError) as e:
            F.check_bbox(b)
        assert str(e.value) == f"area {b}: {why}"


def test_bbox_around_exact():
    pts = [LatLon(-36.15, 10.0), LatLon(-36.14, 10.01)]
    m_lat, m_lon = metres_per_degree(36.15)
    b = F.bbox_around(pts, margin_m=100)
    assert b == Bounds(10.0 - 100 / m_lon, -36.15 - 100 / m_lat, 10.01 + 100 / m_lon, -36.14 + 100 / m_lat)
    assert F.bbox_around(pts) == F.bbox_around(pts, margin_m=250.0)
    assert F.bbox_around([LatLon(1, 2)], margin_m=0) == Bounds(2 - 1e-5, 1 - 1e-5, 2 + 1e-5, 1 + 1e-5)
    # a line of photos and margin 0: still an area (a metre more on every side)
    assert F.bbox_around([LatLon(1, 2), LatLon(3, 2)], margin_m=0) == Bounds(2 - 1e-5, 1 - 1e-5, 2 + 1e-5, 3 + 1e-5)
    assert F.bbox_around([LatLon(1, 2), LatLon(1, 4)], margin_m=0) == Bounds(2 - 1e-5, 1 - 1e-5, 4 + 1e-5, 1 + 1e-5)
    # at the pole a degree of longitude is under a metre long: counted as one metre
    # (a metre of margin: one degree of longitude each side; north clamped to Web Mercator's limit)
    assert F.bbox_around([LatLon(80, 0), LatLon(90, 0)], margin_m=1) == \
        Bounds(-1.0, 80 - 1 / metres_per_degree(90)[0], 1.0, WEB_MERCATOR_MAX_LAT)
    edge = F.bbox_around([LatLon(85.05, -179.9999), LatLon(-85.05, -179.9998)], margin_m=1000)
    assert edge == Bounds(-180.0, -WEB_MERCATOR_MAX_LAT, edge.east, WEB_MERCATOR_MAX_LAT)
    # 0.0002° apart across ±180°: refused, not the whole globe (found by test_prop_tiles, session 33)
    with pytest.raises(F.FetchError, match="both sides of the antimeridian"):
        F.bbox_around([LatLon(85.05, -179.9999), LatLon(-85.05, 179.9999)], margin_m=1000)
    with pytest.raises(F.FetchError) as e:
        F.bbox_around([])
    assert str(e.value) == "none of the photos has a GPS position: give the area with --bbox"
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(F.FetchError) as e:
            F.bbox_around(pts, margin_m=bad)
        assert str(e.value) == f"margin must be a non-negative number of metres, got {bad}"


def test_tiles_for_bbox_exact_and_edges():
    assert F.tiles_for_bbox(Bounds(-10, -10, 10, 10), 1) == [(1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1)]
    assert F.tiles_for_bbox(Bounds(0, 0, 90, 45), 1) == [(1, 1, 0)]  # edges on tile boundaries add nothing
    assert F.tiles_for_bbox(Bounds(-90, 10, 0, 20), 1) == [(1, 0, 0)]
    assert F.tiles_for_bbox(Bounds(10, 80, 20, 90), 1) == [(1, 1, 0)]  # north of Web Mercator: the top row
    assert F.tiles_for_bbox(Bounds(10, -90, 20, -80), 1) == [(1, 1, 1)]
    assert F.tiles_for_bbox(Bounds(10, 50, 11, 51), "2") == [(2, 2, 1)]
    assert F.count_tiles(Bounds(-10, -10, 10, 10), 1) == 4 and F.count_tiles(Bounds(-10, -10, 10, 10), 0) == 1
    assert F.count_tiles(Bounds(10, 50, 10 + 1e-10, 50 + 1e-10), 30) == 1  # narrower than the hair
    for z in (-1, 31):
        with pytest.raises(F.FetchError) as e:
            F.count_tiles(Bounds(0, 0, 1, 1), z)
        assert str(e.value) == f"zoom must be between 0 and 30, got {z}"
    assert len(F.tiles_for_bbox(Bounds(-10, -10, 10, 10), 1, max_tiles=4)) == 4
    with pytest.raises(F.TooManyTiles) as e:
        F.tiles_for_bbox(Bounds(-10, -10, 10, 10), 1, max_tiles=3)
    assert e.value.count == 4 and "at zoom 1," in str(e.value) and "limit of 3 " in str(e.value)
    assert F.DEFAULT_MAX_TILES == 10_000
    big = Bounds(0, 0, 1.5, 1.5)  # 4,096 x ... tiles at zoom 15: 137 x 137 = 18,769
    with pytest.raises(F.TooManyTiles):
        F.tiles_for_bbox(big, 15)


@pytest.mark.parametrize("z, x, y", [(1, 0, 0), (2, 2, 1), (10, 540, 350), (15, 17000, 11000), (18, 140000, 90000),
                                     (19, 93000, 205000)])
def test_a_tiles_own_bounds_need_that_tile_only(z, x, y):
    """Session 8 bug: one ulp inside the south-east corner was less than mercantile's EPSILON, so an
    area whose east/south edges lie on tile boundaries (a tile's own bounds) fetched 4 tiles."""
    import mercantile

    b = mercantile.bounds(x, y, z)
    assert F.tiles_for_bbox(Bounds(b.west, b.south, b.east, b.north), z) == [(z, x, y)]
    two = mercantile.bounds(x + 1, y + 1, z)
    assert F.tiles_for_bbox(Bounds(b.west, two.south, two.east, b.north), z) == [
        (z, x, y), (z, x, y + 1), (z, x + 1, y), (z, x + 1, y + 1)]


def test_empty_subdomains_are_the_default():
    """Session 8 bug: parse_template(url, "") (an empty --subdomains) gave no subdomains, and
    url_for then divided by zero on {s}."""
    assert F.parse_template("https://{s}.h/{z}/{x}/{y}", "").url_for(1, 0, 1) == "https://b.h/1/0/1"


def test_suggest_zoom_without_a_limit():
    assert F.suggest_zoom(9783.9, 0.0) == 12 and F.suggest_zoom(9783.9, 0.0, max_zoom=12) == 12
    assert F.suggest_zoom(9783.9, 0.0, max_zoom="11") == 11


def test_plan_fetch_and_describe(tmp_path):
    from geolocator.core.sources.package import web_mercator_tile_m

    t = F.TileTemplate("https://h/{z}/{x}/{y}", name="Prov", max_zoom=1)
    plan = F.plan_fetch(t, Bounds(-10, -10, 10, 10), 1, str(tmp_path / "o"))
    assert plan.tiles == ((1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1)) and plan.out == tmp_path / "o"
    assert plan.zoom == 1 and plan.area == Bounds(-10, -10, 10, 10) and plan.estimate_bytes == 100_000
    assert plan.describe() == f"4 tiles at zoom 1 (about {web_mercator_tile_m(1, 0.0):.0f} m each on the ground), under 1 MB"
    with pytest.raises(F.FetchError) as e:
        F.plan_fetch(t, Bounds(-10, -10, 10, 10), 2, tmp_path)
    assert str(e.value) == "Prov serves zoom levels up to 1, not 2"
    with pytest.raises(F.FetchError) as e:
        F.plan_fetch(F.TileTemplate("https://h/{z}/{x}/{y}", max_zoom="3"), Bounds(-10, -10, 10, 10), 4, tmp_path)
    assert str(e.value) == "the service serves zoom levels up to 3, not 4"
    with pytest.raises(F.TooManyTiles):
        F.plan_fetch(F.TileTemplate("https://h/{z}/{x}/{y}"), Bounds(-10, -10, 10, 10), 1, tmp_path, max_tiles=3)
    with pytest.raises(F.FetchError, match="south must be less"):
        F.plan_fetch(F.TileTemplate("https://h/{z}/{x}/{y}"), Bounds(-10, 10, 10, 10), 1, tmp_path)


def test_image_kind_exact():
    assert F.image_kind(PNG) == "png" and F.image_kind(JPG) == "jpg"
    assert F.image_kind(b"RIFF\0\0\0\0WEBPVP8 ") == "webp" and F.image_kind(b"RIFX\0\0\0\0WEBP") is None
    assert F.image_kind(b"RIFF\0\0\0\0WAVE") is None
    assert F.image_kind(b"GIF87a..") == "gif" and F.image_kind(b"GIF89a") == "gif" and F.image_kind(b"GIF88a") is None
    assert F.image_kind(b"\xff\xd8") is None and F.image_kind(b"\x89PNG\r\n\x1a") is None and F.image_kind(b"") is None
    assert F.image_kind(b"<html>") is None


# ---- sinks ----------------------------------------------------------------------------------------------

def test_folder_sink_exact(tmp_path):
    out = tmp_path / "a" / "set"
    t = F.TileTemplate("https://{s}.h.org/{z}/{x}/{y}?key=K", attribution=None, name="Prov")
    sink = F.open_sink(out, t)
    assert isinstance(sink, F.FolderSink) and sink.created and out.is_dir()
    assert sink.has(3, 1, 2) is False
    sink.put(3, 1, 2, JPG, "jpg")
    assert (out / "3" / "1" / "2.jpg").read_bytes() == JPG and sorted(p.name for p in (out / "3" / "1").iterdir()) == ["2.jpg"]
    assert sink.has(3, 1, 2) and not sink.has(3, 2, 1) and not sink.has(2, 1, 2)
    for ext in ("png", "webp", "gif"):
        (out / "4" / "0").mkdir(parents=True, exist_ok=True)
        (out / "4" / "0" / f"9.{ext}").write_bytes(b"x")
        assert sink.has(4, 0, 9)
        (out / "4" / "0" / f"9.{ext}").unlink()
    sink.missing(3, 0, 0)
    sink.missing(3, 0, 0)
    sink.missing(3, 0, 1)
    assert (out / "missing.txt").read_text().split("\n", 1)[1] == "3/0/0\n3/0/1\n"  # after its time (session 35)
    assert sink.known_missing(3, 0, 0) and not sink.known_missing(3, 0, 2)
    sink.commit()
    sink.close()
    assert json.loads((out / "metadata.json").read_text()) == {
        "source": "h.org", "name": "Prov",
        "attribution": "Imagery: h.org (the provider's required attribution was not given)", "scheme": "xyz"}
    assert (out / "metadata.json").read_text().startswith('{\n "source"')  # indent=1
    assert sink.discard_if_empty() is False  # it holds a tile


def test_folder_sink_reads_missing_and_keeps_metadata(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    (out / "missing.txt").write_text("1/2/3\n\n  4/5/6  \n")
    (out / "metadata.json").write_text(json.dumps({"attribution": "(C) Old", "extra": 1, "name": "Old"}))
    sink = F.FolderSink(out, F.TileTemplate("http://h/{z}/{x}/{y}", name="New"))
    assert not sink.created
    assert sink.known_missing(1, 2, 3) and sink.known_missing(4, 5, 6) and not sink.known_missing(0, 0, 0)
    sink.close()
    assert json.loads((out / "metadata.json").read_text()) == {
        "attribution": "(C) Old", "extra": 1, "name": "New", "source": "h", "scheme": "xyz"}
    assert sink.discard_if_empty() is False  # not created by this run
    (out / "metadata.json").write_text("{broken")
    sink2 = F.FolderSink(out, F.TileTemplate("http://h/{z}/{x}/{y}", attribution="(C) New"))
    sink2.close()
    assert json.loads((out / "metadata.json").read_text()) == {"source": "h", "attribution": "(C) New", "scheme": "xyz"}
    assert sorted(p.name for p in out.iterdir()) == ["metadata.json", "missing.txt"]


def test_folder_sink_discard(tmp_path):
    out = tmp_path / "new"
    sink = F.FolderSink(out, F.TileTemplate("http://h/{z}/{x}/{y}"))
    sink.missing(1, 1, 1)
    sink.close()
    assert sink.discard_if_empty() is True and not out.exists()
    assert sink.discard_if_empty() is False  # gone already
    other = tmp_path / "other"
    sink = F.FolderSink(other, F.TileTemplate("http://h/{z}/{x}/{y}"))
    (other / "mine.txt").write_text("x")
    sink.close()
    assert sink.discard_if_empty() is False and sorted(p.name for p in other.iterdir()) == ["mine.txt"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(InputError) as e:
        F.FolderSink(blocked / "sub", F.TileTemplate("http://h/{z}/{x}/{y}"))
    assert "cannot create the tile folder" in str(e.value)
    with pytest.raises(InputError) as e:
        F.open_sink(blocked, F.TileTemplate("http://h/{z}/{x}/{y}"))
    assert "exists and is not a folder: give a folder or a .mbtiles file" in str(e.value)


def test_mbtiles_sink_exact(tmp_path):
    import sqlite3

    path = tmp_path / "o.MBTILES"
    sink = F.open_sink(path, F.TileTemplate("https://{s}.h.org/{z}/{x}/{y}?key=K"))
    assert isinstance(sink, F.MBTilesSink) and sink.created
    assert not sink.has(2, 1, 1)
    sink.put(2, 1, 1, PNG, "png")
    sink.put(2, 1, 2, JPG, "jpg")
    sink.missing(2, 0, 0)
    assert sink.has(2, 1, 1) and sink.known_missing(2, 0, 0) and not sink.known_missing(2, 1, 1)
    sink.commit()
    sink.close()
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM metadata").fetchall())
    assert meta["format"] == "png" and meta["source"] == "h.org" and meta["name"] == "o"
    assert meta["attribution"] == "Imagery: h.org (the provider's required attribution was not given)"
    assert sink.discard_if_empty() is False and path.exists()
    again = F.MBTilesSink(path, F.TileTemplate("http://x/{z}/{x}/{y}", name="N"))
    assert not again.created
    again.close()
    assert again.discard_if_empty() is False
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM metadata").fetchall())
    assert meta["attribution"].startswith("Imagery: h.org")  # an earlier credit line is kept
    empty = tmp_path / "e.mbtiles"
    s = F.MBTilesSink(empty, F.TileTemplate("http://x/{z}/{x}/{y}", attribution="(C) A"))
    s.close()
    assert s.discard_if_empty() is True and list(tmp_path.iterdir()) == [path]


# ---- one request ----------------------------------------------------------------------------------------

class _Client:
    """Answers from a script: each item a (status, headers, body) or an exception to raise."""

    def __init__(self, script):
        self.script = list(script)
        self.urls = []
        self.lock = threading.Lock()
        self.closed = False

    def close(self):
        self.closed = True

    def get(self, url):
        with self.lock:
            self.urls.append(url)
            step = self.script.pop(0) if self.script else (200, {}, PNG)
        if isinstance(step, BaseException):
            raise step
        status, headers, body = step
        return types.SimpleNamespace(status_code=status, headers={k.lower(): v for k, v in headers.items()},
                                     content=body)


class _Stop:
    """A stop event that records its waits (and returns `fire` from them)."""

    def __init__(self, fire=False, set_=False):
        self.waits, self.fire, self._set = [], fire, set_

    def is_set(self):
        return self._set

    def wait(self, s):
        self.waits.append(s)
        return self.fire


def _get(client, stop=None, answered=None, **kw):
    kw = {"retries": 2, "backoff_s": 0.5, "max_wait_s": 60.0, **kw}
    return F._get(client, "u", (1, 2, 3), stop=stop or _Stop(), answered=answered, **kw)


def _res(r):
    return (r.z, r.x, r.y, r.status, r.data, r.kind, r.why)


def test_get_ok_missing_refused(monkeypatch):
    answered = threading.Event()
    assert _res(_get(_Client([(200, {}, PNG)]), answered=answered)) == (1, 2, 3, "ok", PNG, "png", "")
    assert answered.is_set()
    assert _res(_get(_Client([(200, {"Content-Type": "text/html"}, b"<html>")]))) == \
        (1, 2, 3, "page", b"", "", "the server sent text/html, not an image")
    assert _get(_Client([(200, {}, b"<html>")])).why == "the server sent ?, not an image"
    for status in (404, 410, 204):
        c = _Client([(status, {}, b"")])
        assert _res(_get(c)) == (1, 2, 3, "missing", b"", "", f"HTTP {status}") and c.urls == ["u"]
    for status, what in ((401, "refused"), (403, "refused"), (400, "failed"), (418, "failed")):
        c = _Client([(status, {}, b"")])
        assert _res(_get(c)) == (1, 2, 3, what, b"", "", f"HTTP {status}") and c.urls == ["u"]


def test_get_retries_with_backoff_and_retry_after(monkeypatch):
    calls = []
    monkeypatch.setattr(F.random, "uniform", lambda a, b: calls.append((a, b)) or 1.1)
    stop = _Stop()
    c = _Client([(500, {}, b""), (502, {}, b""), (503, {}, b"")])
    r = _get(c, stop, retries=2, backoff_s=0.5)
    assert _res(r) == (1, 2, 3, "failed", b"", "", "HTTP 503 after 3 attempts") and len(c.urls) == 3
    assert stop.waits == [pytest.approx(0.55), pytest.approx(1.1)] and calls == [(0.75, 1.25)] * 2
    stop = _Stop()
    c = _Client([(429, {"Retry-After": "7"}, b""), (504, {"Retry-After": "100"}, b""), (200, {}, JPG)])
    assert _get(c, stop, max_wait_s=60.0).status == "ok" and stop.waits == [7.0, 60.0]
    stop = _Stop()
    assert _get(_Client([(500, {}, b"")]), stop, retries=0).why == "HTTP 500 after 1 attempts"
    assert stop.waits == []


def test_get_transport_errors(monkeypatch):
    monkeypatch.setattr(F.random, "uniform", lambda a, b: 1.0)
    req = httpx.Request("GET", "http://h/")
    stop = _Stop()
    c = _Client([httpx.ReadTimeout("slow", request=req)] * 3)
    assert _get(c, stop, backoff_s=1.0).why == "ReadTimeout: slow after 3 attempts" and stop.waits == [1.0, 2.0]
    answered = threading.Event()
    c = _Client([httpx.ConnectError("refused", request=req)])
    assert _res(_get(c, answered=answered)) == (1, 2, 3, "unreachable", b"", "", "ConnectError: refused")
    c = _Client([httpx.ConnectTimeout("late", request=req)])
    assert _get(c, answered=answered).status == "unreachable"
    c = _Client([httpx.ConnectError("refused", request=req), (200, {}, PNG)])
    assert _get(c, answered=None).status == "ok" and len(c.urls) == 2  # no `answered`: retried
    answered.set()
    c = _Client([httpx.ConnectError("refused", request=req), (200, {}, PNG)])
    assert _get(c, answered=answered).status == "ok"  # the service answered before: retried
    c = _Client([httpx.ReadTimeout("slow", request=req), (200, {}, PNG)])
    assert _get(c, answered=threading.Event()).status == "ok"  # not a connection failure: retried


def test_get_stops(monkeypatch):
    c = _Client([(200, {}, PNG)])
    assert _res(_get(c, _Stop(set_=True))) == (1, 2, 3, "failed", b"", "", "cancelled") and c.urls == []
    stop = _Stop(fire=True)
    c = _Client([(429, {"Retry-After": "3"}, b""), (200, {}, PNG)])
    assert _res(_get(c, stop)) == (1, 2, 3, "failed", b"", "", "cancelled")
    assert c.urls == ["u"] and stop.waits == [3.0]


def test_retry_after_exact(monkeypatch):
    assert F._retry_after(None) is None and F._retry_after("") is None
    assert F._retry_after(" 12 ") == 12.0 and F._retry_after("soon") is None
    monkeypatch.setattr(F.time, "time", lambda: 1_000_000_000.0)
    assert F._retry_after(email.utils.formatdate(1_000_000_030.0, usegmt=True)) == 30.0
    assert F._retry_after(email.utils.formatdate(999_999_000.0, usegmt=True)) == 0.0


# ---- many requests --------------------------------------------------------------------------------------

def _whole_png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buf, "PNG")
    return buf.getvalue()


_WHOLE_PNG = _whole_png()


class _Sink:
    def __init__(self, have=(), missing=()):
        self.have, self.missing_ = set(have), set(missing)
        self.log = []

    def has(self, z, x, y):
        return (z, x, y) in self.have

    def known_missing(self, z, x, y):
        return (z, x, y) in self.missing_

    def stored(self, z, x, y):  # a whole image for a tile it has (fetch re-checks stored tiles' ends)
        return _WHOLE_PNG if (z, x, y) in self.have else None

    def put(self, z, x, y, data, kind):
        self.log.append(("put", z, x, y, data, kind))

    def missing(self, z, x, y):
        self.log.append(("missing", z, x, y))

    def commit(self):
        self.log.append(("commit",))

    def close(self):
        self.log.append(("close",))

    def discard_if_empty(self):
        self.log.append(("discard",))
        return False


T = F.TileTemplate("http://h/{z}/{x}/{y}")


def test_iter_fetch_order_and_urls():
    c = _Client([(200, {}, PNG), (404, {}, b""), (200, {}, JPG)])
    sink = _Sink(have=[(1, 0, 0)], missing=[(1, 1, 1)])
    tiles = [(1, 0, 0), (1, 0, 1), (1, 1, 0), (1, 1, 1), (1, 1, 2)]
    out = list(F.iter_fetch(T, tiles, sink, client=c, concurrency=0))
    assert out[:2] == ["already", "known-missing"]
    assert [_res(r)[:4] for r in out[2:]] == [(1, 0, 1, "ok"), (1, 1, 0, "missing"), (1, 1, 2, "ok")]
    assert c.urls == ["http://h/1/0/1", "http://h/1/1/0", "http://h/1/1/2"]
    assert list(F.iter_fetch(T, [(1, 0, 0)], sink, client=c)) == ["already"] and len(c.urls) == 3


def test_iter_fetch_stop_and_cancel():
    c = _Client([])
    stop = threading.Event()
    gen = F.iter_fetch(T, [(1, 0, 0), (1, 0, 1), (1, 1, 0)], _Sink(), client=c, concurrency=1, stop=stop)
    assert next(gen).status == "ok"
    stop.set()
    assert list(gen) == [] and len(c.urls) == 1
    token = CancelToken()
    token.cancel()
    stop2 = threading.Event()
    out = list(F.iter_fetch(T, [(1, 0, 0), (1, 0, 1), (1, 1, 0)], _Sink(), client=_Client([]), concurrency=1,
                            stop=stop2, cancel=token))
    assert len(out) == 1 and stop2.is_set()  # the first was in flight; none after it
    stop3 = threading.Event()
    gen = F.iter_fetch(T, [(1, 0, 0), (1, 0, 1)], _Sink(), client=_Client([]), concurrency=1, stop=stop3)
    next(gen)
    gen.close()
    assert stop3.is_set()  # a consumer that stops iterating stops the requests


def test_iter_fetch_bounds_concurrency():
    seen = {"now": 0, "max": 0}
    lock = threading.Lock()
    gate = threading.Event()

    class Slow(_Client):
        def get(self, url):
            with lock:
                seen["now"] += 1
                seen["max"] = max(seen["max"], seen["now"])
            gate.wait(0.05)
            with lock:
                seen["now"] -= 1
            return super().get(url)

    tiles = [(3, x, 0) for x in range(8)]
    out = list(F.iter_fetch(T, tiles, _Sink(), client=Slow([]), concurrency=3))
    assert len(out) == 8 and seen["max"] == 3
    assert sorted((r.x for r in out)) == list(range(8))


# ---- the whole fetch ------------------------------------------------------------------------------------

def _fetch(monkeypatch, tiles, script, sink=None, **kw):
    sink = sink or _Sink()
    monkeypatch.setattr(F, "open_sink", lambda out, template: sink)
    client = _Client(script)
    kw = {"concurrency": 1, "backoff_s": 0.0, "max_wait_s": 0.0, **kw}
    return F.fetch_tiles(T, tiles, "o", client=client, **kw), sink, client


def test_fetch_tiles_report_and_events(monkeypatch):
    events = []
    tiles = [(2, 0, 0), (2, 0, 1), (2, 1, 0), (2, 1, 1), (2, 2, 2)]
    sink = _Sink(have=[(2, 0, 0)], missing=[(2, 2, 2)])
    report, sink, client = _fetch(monkeypatch, tiles, [(200, {}, PNG), (404, {}, b""), (400, {}, b"")], sink,
                                  progress=events.append)
    assert (report.requested, report.fetched, report.already, report.missing, report.bytes) == (5, 1, 1, 2, len(PNG))
    assert report.failed == {"2/1/1": "HTTP 400"} and report.cancelled is False and report.discarded is False
    assert str(report.out) == "o" and report.seconds > 0
    assert sink.log == [("put", 2, 0, 1, PNG, "png"), ("missing", 2, 1, 0), ("close",), ("discard",)]
    assert [(e.stage, e.step, e.total, e.message) for e in events] == [
        ("fetch", 0, 5, "5 tiles"),
        ("fetch", 1, 5, "0 fetched, 1 already here, 0 missing, 0 failed"),
        ("fetch", 2, 5, "0 fetched, 1 already here, 1 missing, 0 failed"),
        ("fetch", 3, 5, "1 fetched, 1 already here, 1 missing, 0 failed"),
        ("fetch", 4, 5, "1 fetched, 1 already here, 2 missing, 0 failed"),
        ("fetch", 5, 5, "1 fetched, 1 already here, 2 missing, 1 failed"),
    ]
    assert events[3].metrics == {"MB": round(len(PNG) / 1e6, 2)} and events[-1].eta_s == 0.0
    # no pace before a tile was asked for (the stored one and the known 404 took no time); then the
    # pace of the tiles answered
    assert events[1].eta_s is None and events[2].eta_s is None and events[3].eta_s > 0


def test_fetch_tiles_commits_every_50(monkeypatch):
    tiles = [(9, x, 0) for x in range(101)]
    report, sink, _ = _fetch(monkeypatch, tiles, [])
    assert report.fetched == 101 and report.bytes == 101 * len(PNG)
    commits = [i for i, e in enumerate(sink.log) if e == ("commit",)]
    assert commits == [50, 101] and sink.log[-2:] == [("close",), ("discard",)]


def test_fetch_tiles_commits_a_tile_that_came_commit_every_s_after_the_last_commit(monkeypatch):
    # a thin link: 5 s without a commit is 5 s of tiles a SIGKILL would lose (session 30)
    import time

    clock = iter(range(0, 1000, 3))  # time.monotonic in the caller's thread: 3 s between readings
    main, real = threading.main_thread(), time.monotonic
    monkeypatch.setattr(F.time, "monotonic",
                        lambda: float(next(clock)) if threading.current_thread() is main else real())
    report, sink, _ = _fetch(monkeypatch, [(9, x, 0) for x in range(4)], [])
    commits = [i for i, e in enumerate(sink.log) if e == ("commit",)]
    # readings: 0 at the start, then one per tile (3, 6, ...) and one more after each commit
    assert report.fetched == 4 and commits == [2, 5]
    assert F.COMMIT_EVERY_S == 5.0 and F.COMMIT_EVERY_TILES == 50


def test_fetch_tiles_too_many_before_any_request(monkeypatch):
    with pytest.raises(F.TooManyTiles) as e:
        _fetch(monkeypatch, [(7, 0, 0), (7, 0, 1), (7, 0, 2)], [], max_tiles=2)
    assert e.value.count == 3 and "at zoom 7," in str(e.value)
    report, _, _ = _fetch(monkeypatch, [(7, 0, 0), (7, 0, 1)], [], max_tiles=2)
    assert report.fetched == 2


def test_fetch_tiles_refusals_stop_after_ten(monkeypatch):
    tiles = [(5, x, 0) for x in range(14)]
    with pytest.raises(F.FetchError) as e:
        _fetch(monkeypatch, tiles, [(403, {}, b"")] * 14)
    assert str(e.value) == ("http://h/{z}/{x}/{y}: the server refused the first 10 tiles (HTTP 403); stopped. "
                            "Check the URL, any API key it needs, and that its terms allow downloading")
    report, _, client = _fetch(monkeypatch, tiles[:9], [(401, {}, b"")] * 9)
    assert len(report.failed) == 9 and len(client.urls) == 9
    # a tile fetched first: refusals no longer count
    report, _, _ = _fetch(monkeypatch, tiles, [(200, {}, PNG)] + [(403, {}, b"")] * 13)
    assert report.fetched == 1 and len(report.failed) == 13


def test_fetch_tiles_refused_then_stops_asking(monkeypatch):
    tiles = [(5, x, 0) for x in range(14)]
    sink = _Sink()
    monkeypatch.setattr(F, "open_sink", lambda out, template: sink)
    client = _Client([(403, {}, b"")] * 14)
    with pytest.raises(F.FetchError):
        F.fetch_tiles(T, tiles, "o", client=client, concurrency=1)
    assert len(client.urls) == 10


def test_fetch_tiles_unreachable_stops_after_three(monkeypatch):
    req = httpx.Request("GET", "http://h/")
    tiles = [(5, x, 0) for x in range(6)]
    sink = _Sink()
    monkeypatch.setattr(F, "open_sink", lambda out, template: sink)
    client = _Client([httpx.ConnectError("no route", request=req)] * 6)
    with pytest.raises(F.FetchError) as e:
        F.fetch_tiles(F.TileTemplate("http://h.org:8/{z}/{x}/{y}", name="Prov"), tiles, "o", client=client,
                      concurrency=1)
    assert str(e.value) == ("Prov (h.org:8): cannot connect for the first 3 tiles (ConnectError: no route); stopped. "
                            "Check the network connection (fetching tiles needs the internet) and the URL")
    assert len(client.urls) == 3
    client = _Client([httpx.ConnectError("no route", request=req)] * 6)
    with pytest.raises(F.FetchError, match=r"^h\.org:8: cannot connect for the first 3 tiles"):
        F.fetch_tiles(F.TileTemplate("http://h.org:8/{z}/{x}/{y}", name="h.org:8"), tiles, "o", client=client,
                      concurrency=1)
    client = _Client([httpx.ConnectError("no route", request=req)] * 2)
    report = F.fetch_tiles(T, tiles[:2], "o", client=client, concurrency=1)
    assert report.failed == {"5/0/0": "ConnectError: no route", "5/1/0": "ConnectError: no route"}


def test_fetch_tiles_discarded_says_not_created(monkeypatch, tmp_path):
    client = _Client([(403, {}, b"")] * 10)
    out = tmp_path / "new"
    with pytest.raises(F.FetchError) as e:
        F.fetch_tiles(T, [(5, x, 0) for x in range(10)], out, client=client, concurrency=1)
    assert str(e.value).endswith(f"terms allow downloading ({out} was not created)") and not out.exists()


def test_fetch_tiles_cancelled(monkeypatch, tmp_path):
    token = CancelToken()
    token.cancel()
    out = tmp_path / "c"
    with pytest.raises(Cancelled) as e:
        F.fetch_tiles(T, [(5, 0, 0), (5, 1, 0)], out, client=_Client([]), concurrency=1, cancel=token)
    assert str(e.value) == f"cancelled: 1 tiles fetched this time are kept in {out}; run again to fetch the rest"
    out2 = tmp_path / "d"

    class Cancelling(_Client):
        def get(self, url):
            token2.cancel()
            return super().get(url)

    token2 = CancelToken()
    with pytest.raises(Cancelled) as e:
        F.fetch_tiles(T, [(5, 0, 0), (5, 1, 0)], out2, client=Cancelling([(404, {}, b"")]), concurrency=1,
                      cancel=token2)
    assert str(e.value) == f"cancelled before any tile came: {out2} was not created" and not out2.exists()


def test_make_client_and_the_user_agent_the_server_sees(tmp_path):
    from .tile_server import TileServer

    client = F.make_client("UA/1", timeout_s=7.0, concurrency=0)
    try:
        # 7 s is under CONNECT_TIMEOUT_S: connecting may take all of it too
        assert client.headers["User-Agent"] == "UA/1" and client.timeout == httpx.Timeout(7.0)
        assert client.follow_redirects is True
    finally:
        client.close()
    default = F.make_client()
    try:
        assert default.headers["User-Agent"] == F.user_agent() and default.timeout == httpx.Timeout(30.0, connect=10.0)
    finally:
        default.close()
    with TileServer({(1, 0, 0): JPG}) as server:
        report = F.fetch_tiles(F.parse_template(server.url), [(1, 0, 0)], tmp_path / "t", backoff_s=0.01)
        assert report.fetched == 1 and [ua for _, ua, _ in server.log] == [F.user_agent()]
    assert (tmp_path / "t" / "1" / "0" / "0.jpg").read_bytes() == JPG


def test_fetch_tiles_defaults_six_attempts_and_counts_every_stored_tile(monkeypatch):
    monkeypatch.setattr(F.random, "uniform", lambda a, b: 0.0)  # no back-off wait
    sink = _Sink(have=[(4, 0, 0), (4, 0, 1), (4, 0, 2)])
    monkeypatch.setattr(F, "open_sink", lambda out, template: sink)
    client = _Client([(500, {}, b"")] * 6)
    report = F.fetch_tiles(T, [(4, 0, 0), (4, 0, 1), (4, 0, 2), (4, 1, 0)], "o", client=client, concurrency=1)
    assert report.already == 3 and report.failed == {"4/1/0": "HTTP 500 after 6 attempts"} and len(client.urls) == 6


def test_fetch_tiles_passes_its_options_and_defaults_on(monkeypatch):
    seen = {}

    def spy_iter(template, tiles, sink, **kw):
        seen["iter"] = kw
        return iter(())

    def spy_client(**kw):
        seen["client"] = kw
        return _Client([])

    monkeypatch.setattr(F, "iter_fetch", spy_iter)
    monkeypatch.setattr(F, "make_client", spy_client)
    monkeypatch.setattr(F, "open_sink", lambda out, template: _Sink())
    F.fetch_tiles(T, [(1, 0, 0)], "o")
    kw = seen["iter"]
    assert (kw["concurrency"], kw["retries"], kw["backoff_s"], kw["max_wait_s"], kw["cancel"]) == (4, 5, 0.5, 60.0, None)
    assert isinstance(kw["stop"], threading.Event) and isinstance(kw["answered"], threading.Event)
    assert isinstance(kw["client"], _Client) and seen["client"] == {"timeout_s": 30.0, "concurrency": 4}
    assert kw["client"].closed  # its own client: closed at the end
    given = _Client([])
    F.fetch_tiles(T, [(1, 0, 0)], "o", client=given)
    assert seen["iter"]["client"] is given and not given.closed  # the caller's: left open
    token = CancelToken()
    F.fetch_tiles(T, [(1, 0, 0)], "o", concurrency=2, retries=1, backoff_s=0.25, max_wait_s=3.0, timeout_s=9.0,
                  cancel=token)
    kw = seen["iter"]
    assert (kw["concurrency"], kw["retries"], kw["backoff_s"], kw["max_wait_s"], kw["cancel"]) == (2, 1, 0.25, 3.0, token)
    assert seen["client"] == {"timeout_s": 9.0, "concurrency": 2}


def test_iter_fetch_passes_its_options_and_defaults_on(monkeypatch):
    seen = []
    monkeypatch.setattr(F, "_get", lambda client, url, t, **kw: seen.append((url, t, kw)) or F._Result(*t, "ok"))
    answered = threading.Event()
    list(F.iter_fetch(T, [(1, 0, 0)], _Sink(), client=None, answered=answered))
    (url, t, kw), = seen
    assert (url, t) == ("http://h/1/0/0", (1, 0, 0))
    assert (kw["retries"], kw["backoff_s"], kw["max_wait_s"], kw["answered"]) == (5, 0.5, 60.0, answered)
    assert isinstance(kw["stop"], threading.Event)


def test_make_client_pool_and_transport_retries():
    client = F.make_client("UA", concurrency=3)
    try:
        pool = client._transport._pool
        assert pool._max_connections == 3 and pool._max_keepalive_connections == 3
        assert pool._retries == 2
    finally:
        client.close()
    client = F.make_client("UA", concurrency=0)
    try:
        assert client._transport._pool._max_connections == 1
    finally:
        client.close()


class _SlowClient(_Client):
    """Each answer after `delay_s` (a server that answers steadily, never holding a tile back long)."""

    def __init__(self, delay_s):
        super().__init__([])
        self.delay_s = delay_s

    def get(self, url):
        time.sleep(self.delay_s)
        return super().get(url)


def test_iter_fetch_says_waiting_only_when_no_result_came_for_wait_event_s(monkeypatch):
    """WAITING is yielded while requests are in flight and none ends for WAIT_EVENT_S: tiles coming every
    0.35 s with WAIT_EVENT_S 1 s give none (mutation36: FE8, its clock not reset by a result, beat once a
    second while the tiles flowed); a tile held back 1.5 s gives one."""
    monkeypatch.setattr(F, "WAIT_EVENT_S", 1.0)
    tiles = [(1, 0, y) for y in range(8)]
    out = list(F.iter_fetch(T, tiles, _Sink(), client=_SlowClient(0.35), concurrency=1))
    assert [_res(r)[3] for r in out] == ["ok"] * 8  # no WAITING among them
    out = list(F.iter_fetch(T, tiles[:1], _Sink(), client=_SlowClient(1.5), concurrency=1))
    assert out[0] == F.WAITING and _res(out[-1])[3] == "ok"
