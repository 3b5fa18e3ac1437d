"""More exact answers of core/sources/fetch.py (sessions 8 and 9), written for the mutants that
survived tests/test_fetch_exact.py. No socket is opened: requests go to a fake client, or to an
httpx.MockTransport (the make_client test names 127.0.0.1:9, never reached when the transport is used)."""

from __future__ import annotations

import errno
import json
import math
import os
import sqlite3
import sys
import types

import httpx
import pytest

from geolocator.core.errors import InputError
from geolocator.core.geo import WEB_MERCATOR_MAX_LAT, metres_per_degree
from geolocator.core.model import Bounds, LatLon
from geolocator.core.sources import fetch as F


def _real_image(fmt: str) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (1, 1), (10, 20, 30)).save(buf, format=fmt)
    return buf.getvalue()


PNG = _real_image("PNG")  # a real 1x1 image: fetch decodes every tile before storing it (session 20)
T = F.TileTemplate("http://h/{z}/{x}/{y}")


class _Client:
    def __init__(self, bodies=()):
        self.bodies = list(bodies)

    def close(self):
        pass

    def get(self, url):
        body = self.bodies.pop(0) if self.bodies else PNG
        return types.SimpleNamespace(status_code=200, headers={}, content=body)


class _Sink:
    def __init__(self, missing=()):
        self.missing_ = set(missing)

    def has(self, z, x, y):
        return False

    def stored(self, z, x, y):
        return None

    def known_missing(self, z, x, y):
        return (z, x, y) in self.missing_

    def put(self, *a):
        pass

    def missing(self, *a):
        pass

    def commit(self):
        pass

    def close(self):
        pass

    def discard_if_empty(self):
        return False


def _fetch(monkeypatch, tiles, bodies=(), sink=None, **kw):
    sink = sink or _Sink()
    monkeypatch.setattr(F, "open_sink", lambda out, template: sink)
    kw = {"concurrency": 1, "backoff_s": 0.0, "max_wait_s": 0.0, **kw}
    return F.fetch_tiles(T, tiles, "o", client=_Client(bodies), **kw)


def _web_mercator_row(lat_deg: float, z: int) -> int:
    """The XYZ row of a latitude (the slippy-map formula, written out here, not mercantile's)."""
    lat = math.radians(lat_deg)
    return int((1.0 - math.log(math.tan(lat) + 1.0 / math.cos(lat)) / math.pi) / 2.0 * 2**z)


# ---- areas and zooms ------------------------------------------------------------------------------------

def test_an_area_near_the_mercator_limit_keeps_its_rows():
    # north 85.0 is inside Web Mercator (85.0511): it must not be clamped a degree further south
    y_n, y_s = _web_mercator_row(85.0, 10), _web_mercator_row(84.99, 10)
    assert (y_n, y_s) == (1, 2)
    assert F.tiles_for_bbox(Bounds(0.0, 84.99, 0.1, 85.0), 10) == [(10, 512, 1), (10, 512, 2)]
    assert F.count_tiles(Bounds(0.0, 84.99, 0.1, 85.0), 10) == 2


def test_parse_bbox_drops_every_space():
    assert F.parse_bbox("1 .5, 2 ,3, 4 . 25") == Bounds(1.5, 2.0, 3.0, 4.25)


def test_suggest_zoom_ends():
    # zoom 0's tile is 40,075 km wide at the equator, zoom 22's 9.55 m, zoom 23's (not offered) 4.78 m
    assert F.suggest_zoom(4.0e7, 0.0) == 0
    assert F.suggest_zoom(1.0, 0.0) == 22


def test_plan_keeps_its_template_and_describes_megabytes(tmp_path):
    t = F.TileTemplate("https://h/{z}/{x}/{y}", name="Prov")
    plan = F.plan_fetch(t, Bounds(-180.0, -85.0, 180.0, 85.0), 3, tmp_path / "o")
    assert plan.template is t and len(plan.tiles) == 64 and plan.estimate_bytes == 1_600_000
    # 40,075,016.69 m / 2**3 at the equator; 1.6 MB estimated -> "about 2 MB"
    assert plan.describe() == "64 tiles at zoom 3 (about 5009377 m each on the ground), about 2 MB"


# ---- providers ------------------------------------------------------------------------------------------

def test_provider_subdomains_other_than_abc():
    t = F.provider_template("FreeMapSK")  # xyzservices: subdomains "abcd"
    assert t.subdomains == ("a", "b", "c", "d") and "{s}" in t.url


# ---- sinks ----------------------------------------------------------------------------------------------

def test_open_sink_on_a_file_names_it(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(InputError) as e:
        F.open_sink(f, T)
    assert e.value.path == f and e.value.problem == "exists and is not a folder: give a folder or a .mbtiles file"


def test_folder_sink_cannot_create_names_the_folder_and_the_reason(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("x")
    with pytest.raises(InputError) as e:
        F.FolderSink(blocked / "sub", T)
    assert e.value.path == blocked / "sub"
    assert e.value.problem == f"cannot create the tile folder ({os.strerror(errno.ENOTDIR)})"


def test_folder_sink_reads_a_missing_list_with_bad_bytes(tmp_path):
    out = tmp_path / "s"
    out.mkdir()
    (out / "missing.txt").write_bytes(b"1/2/3\n\xff9/9/9\n")
    sink = F.FolderSink(out, T)
    # not UTF-8: read as Windows-1252 since session 37 (bom_text.decode_sidecar), its 0xFF a "y" with diaeresis
    assert sink.known_missing(1, 2, 3) and set(sink._missing) == {"1/2/3", "\u00ff9/9/9"}


def test_folder_sink_two_tiles_in_one_column_and_discard_keeps_a_set_with_tiles(tmp_path):
    out = tmp_path / "new"
    sink = F.FolderSink(out, T)
    sink.put(2, 1, 1, PNG, "png")
    sink.put(2, 1, 2, PNG, "png")
    sink.missing(2, 0, 0)
    sink.close()
    assert sink.discard_if_empty() is False
    assert sorted(p.name for p in out.iterdir()) == ["2", "metadata.json", "missing.txt"]
    assert sorted(p.name for p in (out / "2" / "1").iterdir()) == ["1.png", "2.png"]


def test_mbtiles_sink_name_attribution_format_and_journal(tmp_path):
    path = tmp_path / "o.mbtiles"
    sink = F.MBTilesSink(path, F.TileTemplate("http://h/{z}/{x}/{y}", attribution="(C) A", name="Prov"))
    sink.put(1, 0, 0, b"\xff\xd8\xff\xe0jpg", "jpg")
    sink.close()
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM metadata").fetchall())
    assert (meta["name"], meta["attribution"], meta["format"]) == ("Prov", "(C) A", "jpg")
    empty = tmp_path / "e.mbtiles"
    s = F.MBTilesSink(empty, T)
    s.close()
    (tmp_path / "e.mbtiles-journal").write_bytes(b"j")
    assert s.discard_if_empty() is True and sorted(p.name for p in tmp_path.iterdir()) == ["o.mbtiles"]


def test_a_rerun_that_fetches_nothing_leaves_the_mbtiles_as_it_was(tmp_path):
    # session 33 (newuser33): a rerun with every tile already stored re-declared a JPEG set "png" (the
    # writer's default format) and rewrote its metadata, so the file's time changed and locate computed
    # every tile's features again (the feature cache is keyed by the file's size and time)
    path = tmp_path / "o.mbtiles"
    sink = F.MBTilesSink(path, F.TileTemplate("http://h/{z}/{x}/{y}", attribution="(C) A"))
    sink.put(1, 0, 0, b"\xff\xd8\xff\xe0jpg", "jpg")
    sink.close()
    before = path.stat()
    F.MBTilesSink(path, F.TileTemplate("http://h/{z}/{x}/{y}")).close()  # no tile put: all were there
    meta = dict(sqlite3.connect(path).execute("SELECT name, value FROM metadata").fetchall())
    assert (meta["format"], meta["attribution"], meta["name"]) == ("jpg", "(C) A", "o")
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_stored_count_reads_a_folder_and_an_mbtiles_without_writing(tmp_path):
    # what the stopped fetch's line counts (session 33): the wanted tiles the set holds, not every tile in it
    folder = tmp_path / "xyz"
    (folder / "3" / "1").mkdir(parents=True)
    (folder / "3" / "1" / "2.jpg").write_bytes(b"j")
    (folder / "3" / "1" / "5.png").write_bytes(b"p")
    wanted = [(3, 1, 2), (3, 1, 3), (3, 1, 5)]
    assert F.stored_count(folder, wanted) == 2
    path = tmp_path / "o.mbtiles"
    sink = F.MBTilesSink(path, T)
    sink.put(3, 1, 2, b"\xff\xd8\xff\xe0jpg", "jpg")
    sink.put(3, 6, 6, b"\xff\xd8\xff\xe0jpg", "jpg")  # stored but not wanted: not counted
    sink.close()
    before = path.stat().st_mtime_ns
    assert F.stored_count(path, wanted) == 1 and path.stat().st_mtime_ns == before
    assert F.stored_count(tmp_path / "none.mbtiles", wanted) is None
    assert F.stored_count(tmp_path / "a.gpkg", wanted) is None


# ---- fetch_tiles ----------------------------------------------------------------------------------------

def test_too_many_tiles_names_the_first_tiles_zoom(monkeypatch):
    with pytest.raises(F.TooManyTiles) as e:
        _fetch(monkeypatch, [(3, 0, 0), (4, 0, 0)], max_tiles=1)
    assert e.value.count == 2 and " tiles at zoom 3, " in str(e.value)


def test_known_missing_tiles_are_each_counted(monkeypatch):
    report = _fetch(monkeypatch, [(1, 0, 0), (1, 0, 1), (1, 1, 1)], sink=_Sink(missing=[(1, 0, 0), (1, 0, 1)]))
    assert (report.missing, report.fetched, report.failed) == (2, 1, {})


def test_one_tile_eta_megabytes_and_seconds(monkeypatch):
    events = []
    big = PNG + b"z" * (1_255_001 - len(PNG))
    report = _fetch(monkeypatch, [(1, 0, 0)], bodies=[big], progress=events.append)
    assert report.bytes == 1_255_001 and report.fetched == 1
    assert events[-1].eta_s == 0.0  # the one tile is done
    assert events[-1].metrics == {"MB": 1.26}  # 1.255001 MB to 2 decimals


def test_report_seconds_is_the_time_between_start_and_end(monkeypatch):
    # fetch_tiles reads its clock at the start, for the ETA once per tile answered, and when done:
    # 103.25 - 100.0 s, and the one tile's ETA-clock reading is not the end
    events = []
    monkeypatch.setattr(F, "time", types.SimpleNamespace(perf_counter=iter([100.0, 101.0, 103.25]).__next__,
                                                         monotonic=lambda: 0.0))
    assert _fetch(monkeypatch, [(1, 0, 0)], progress=events.append).seconds == 3.25
    assert events[-1].eta_s == 0.0


def test_cancelled_results_are_not_failures(monkeypatch):
    def fake_iter(template, tiles, sink, **kw):
        yield types.SimpleNamespace(z=1, x=0, y=0, status="failed", why="cancelled", data=b"", kind="")

    monkeypatch.setattr(F, "iter_fetch", fake_iter)
    report = _fetch(monkeypatch, [(1, 0, 0)])
    assert report.failed == {} and report.cancelled is False


def test_make_client_uses_the_given_transport():
    import httpx

    client = F.make_client("UA", transport=httpx.MockTransport(lambda req: httpx.Response(200, content=b"ok")))
    try:
        assert client.get("http://127.0.0.1:9/x").content == b"ok"
    finally:
        client.close()


# ---- the environment's proxy ----------------------------------------------------------------------------

def _proxy_server():
    """A forward proxy on 127.0.0.1 that answers every request with PNG and records the request
    line's target (a proxy gets the absolute URL, "http://host/path")."""
    import http.server
    import threading

    seen = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", str(len(PNG)))
            self.end_headers()
            self.wfile.write(PNG)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_the_environments_proxy_is_used(monkeypatch):
    # behind a proxy (HTTP_PROXY / HTTPS_PROXY / ALL_PROXY, as curl and httpx read them) every tile
    # request goes to the proxy. Before session 9 make_client gave httpx its own transport, and
    # httpx then ignores the environment's proxies: fetch-tiles could not connect behind one.
    # tiles.invalid never resolves (RFC 2606): only the proxy can answer.
    server, seen = _proxy_server()
    try:
        for var in ("NO_PROXY", "no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_port}")
        client = F.make_client("UA")
        try:
            r = client.get("http://tiles.invalid/3/1/2.png")
        finally:
            client.close()
        assert (r.status_code, r.content, seen) == (200, PNG, ["http://tiles.invalid/3/1/2.png"])
        # NO_PROXY names hosts reached directly: this one is then looked up (and never found)
        monkeypatch.setenv("NO_PROXY", "tiles.invalid")
        client = F.make_client("UA")
        try:
            with pytest.raises(httpx.ConnectError):
                client.get("http://tiles.invalid/3/1/2.png")
        finally:
            client.close()
        assert seen == ["http://tiles.invalid/3/1/2.png"]
    finally:
        server.shutdown()
        server.server_close()


def test_the_proxies_are_read_without_httpxs_private_reader(monkeypatch):
    # session 9 read the proxies with httpx._utils.get_environment_proxies (private: a later httpx
    # may move it, and fetching then went direct, ignoring the proxy); session 10 reads them with
    # the standard library. Here httpx._utils has no such function, and the proxy is still asked.
    server, seen = _proxy_server()
    try:
        monkeypatch.setitem(sys.modules, "httpx._utils", types.ModuleType("httpx._utils"))
        for var in _PROXY_VARS:
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{server.server_port}")
        client = F.make_client("UA")
        try:
            r = client.get("http://tiles.invalid/3/1/2.png")
        finally:
            client.close()
        assert (r.status_code, seen) == (200, ["http://tiles.invalid/3/1/2.png"])
    finally:
        server.shutdown()
        server.server_close()


_PROXY_VARS = [f"{name}_proxy" for name in ("http", "https", "all", "no")]
_PROXY_VARS += [v.upper() for v in _PROXY_VARS]


def _routes(monkeypatch, env, urls):
    """Where a make_client client sends each of `urls` with only the proxy variables `env` set:
    "direct", or the URL of the proxy it goes through. Every transport make_client builds is
    replaced by an httpx.MockTransport that answers with its proxy, so no socket is opened."""
    def transport(**kw):
        label = str(kw["proxy"]) if kw.get("proxy") else "direct"
        return httpx.MockTransport(lambda request: httpx.Response(200, text=label))

    monkeypatch.setattr(httpx, "HTTPTransport", transport)
    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    client = F.make_client("UA")
    try:
        return [client.get(url).text for url in urls]
    finally:
        client.close()


P = "http://proxy.invalid:3128"


def test_no_proxy_names_a_domain_and_its_subdomains(monkeypatch):
    # NO_PROXY=example.invalid: that host and every host under it go direct (curl's rule, which
    # urllib.request.proxy_bypass follows), a name that merely ends in the same letters does not;
    # a leading dot is ignored (".example.invalid" is the same list entry), lower/upper case too
    urls = ["http://example.invalid/1", "http://tiles.example.invalid/1", "https://A.Example.Invalid/1",
            "http://badexample.invalid/1", "http://example.invalid.evil/1", "http://other.invalid/1"]
    want = ["direct", "direct", "direct", P, P, P]
    env = {"HTTP_PROXY": P, "HTTPS_PROXY": P}
    assert _routes(monkeypatch, {**env, "NO_PROXY": "example.invalid"}, urls) == want
    assert _routes(monkeypatch, {**env, "NO_PROXY": "x.invalid, .example.invalid"}, urls) == want


def test_no_proxy_with_a_port_names_only_that_port(monkeypatch):
    # "tiles.invalid:8080": only requests to that port go direct; the default port (80) and 8081
    # go through the proxy. A name without a port (127.0.0.1, ::1) covers every port.
    urls = ["http://tiles.invalid:8080/1", "http://tiles.invalid/1", "http://tiles.invalid:8081/1",
            "http://127.0.0.1:5000/1", "http://127.0.0.2:5000/1", "http://[::1]:5000/1", "http://[::2]:5000/1"]
    env = {"HTTP_PROXY": P, "NO_PROXY": "tiles.invalid:8080,127.0.0.1,::1"}
    assert _routes(monkeypatch, env, urls) == ["direct", P, P, "direct", P, "direct", P]


def test_no_proxy_star_sends_everything_direct(monkeypatch):
    urls = ["http://tiles.invalid/1", "https://tiles.invalid/1"]
    assert _routes(monkeypatch, {"HTTP_PROXY": P, "HTTPS_PROXY": P, "NO_PROXY": "*"}, urls) == ["direct", "direct"]
    assert _routes(monkeypatch, {"HTTP_PROXY": P, "HTTPS_PROXY": P}, urls) == [P, P]


def test_each_scheme_goes_through_its_own_proxy(monkeypatch):
    # HTTP_PROXY for http://, HTTPS_PROXY for https://, ALL_PROXY for a scheme without its own;
    # a proxy written without a scheme is an http:// proxy (as curl reads it); nothing set: direct
    urls = ["http://t.invalid/1", "https://t.invalid/1"]
    a, b, c = "http://a.invalid:1", "http://b.invalid:2", "http://c.invalid:3"
    assert _routes(monkeypatch, {"HTTP_PROXY": a, "HTTPS_PROXY": b}, urls) == [a, b]
    assert _routes(monkeypatch, {"ALL_PROXY": c}, urls) == [c, c]
    assert _routes(monkeypatch, {"HTTP_PROXY": a, "ALL_PROXY": c}, urls) == [a, c]
    assert _routes(monkeypatch, {"https_proxy": "b.invalid:2"}, urls) == ["direct", b]
    assert _routes(monkeypatch, {}, urls) == ["direct", "direct"]
    assert _routes(monkeypatch, {"NO_PROXY": "t.invalid"}, urls) == ["direct", "direct"]


def test_a_local_server_named_in_no_proxy_is_reached_directly(tmp_path, monkeypatch):
    # a proxy on a closed port (127.0.0.1:9, discard) would refuse every request; NO_PROXY=127.0.0.1
    # makes the local tile server answer directly, through the real transports
    from .tile_server import TileServer

    for var in _PROXY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    with TileServer({(1, 0, 0): PNG}) as server:
        report = F.fetch_tiles(F.parse_template(server.url), [(1, 0, 0)], tmp_path / "t", backoff_s=0.01)
    assert (report.fetched, report.failed) == (1, {})


# ---- photos beyond Web Mercator's latitude limit --------------------------------------------------------

def test_photos_beyond_web_mercators_limit_are_refused_with_the_reason():
    # Before session 9 a photo north of 85.0511 deg (or south of -85.0511, e.g. at the South Pole
    # station) gave a box with south > north, refused later as "south must be less than north".
    lim = WEB_MERCATOR_MAX_LAT
    with pytest.raises(F.FetchError) as e:
        F.bbox_around([LatLon(86.0, 15.0), LatLon(86.5, 16.0)])
    assert str(e.value) == ("the photos lie at latitudes 86.0000 to 86.5000, beyond 85.0511 degrees north, the "
                            "limit of Web Mercator (XYZ tiles): tile services have no imagery there; use "
                            "georeferenced imagery of your own")
    with pytest.raises(F.FetchError) as e:
        F.bbox_around([LatLon(-89.99, 139.27)], margin_m=1000)
    assert "latitudes -89.9900 to -89.9900, beyond 85.0511 degrees south," in str(e.value)
    # a margin that reaches back inside the limit: the part inside (250 m = 0.00225 deg of latitude)
    b = F.bbox_around([LatLon(lim + 0.002, 0.0)])
    assert (b.south, b.north) == (lim + 0.002 - 250 / metres_per_degree(lim + 0.002)[0], lim)
    b = F.bbox_around([LatLon(-lim - 0.002, 0.0)])
    assert (b.south, b.north) == (-lim, -lim - 0.002 + 250 / metres_per_degree(lim + 0.002)[0])
    # a photo exactly on the limit, margin 0: the one-metre box around it, as anywhere else
    assert F.bbox_around([LatLon(lim, 0.0)], margin_m=0) == Bounds(-1e-5, lim - 1e-5, 1e-5, lim + 1e-5)
    assert F.bbox_around([LatLon(-lim, 0.0)], margin_m=0) == Bounds(-1e-5, -lim - 1e-5, 1e-5, -lim + 1e-5)


# ---- session 9: the last survivors ----------------------------------------------------------------------

def test_a_provider_group_names_its_first_twelve_members(monkeypatch):
    import xyzservices.providers as providers

    # a group (no build_url) of 13, given out of order: the message lists P00..P11, sorted, not P12
    group = {f"P{i:02d}": None for i in (7, 12, 0, 3, 11, 1, 9, 2, 10, 5, 4, 8, 6)}
    monkeypatch.setattr(providers, "query_name", lambda name: group)
    with pytest.raises(F.FetchError) as e:
        F.provider_template("Grp")
    assert str(e.value) == ("'Grp' is a group of providers; name one of: "
                            "P00, P01, P02, P03, P04, P05, P06, P07, P08, P09, P10, P11")


def test_missing_list_is_read_as_utf8_whatever_the_locale(tmp_path):
    from .helpers import under_c_locale

    # an editor's no-break space (U+00A0, UTF-8 c2 a0) after a tile: str.strip() removes it when
    # read as UTF-8; read as ASCII (the C locale) it would be two U+FFFD and the tile not known
    out = tmp_path / "s"
    out.mkdir()
    (out / "missing.txt").write_bytes("1/2/3\u00a0\n".encode())
    sink = under_c_locale(lambda: F.FolderSink(out, T))
    assert set(sink._missing) == {"1/2/3"} and sink.known_missing(1, 2, 3)


def test_earlier_metadata_is_read_as_utf8_whatever_the_locale(tmp_path):
    from .helpers import under_c_locale

    # metadata.json written by another tool with a raw "©" (UTF-8 c2 a9): a rerun without
    # --attribution keeps its credit line; read as ASCII it would fail and the fallback replace it
    out = tmp_path / "s"
    out.mkdir()
    (out / "metadata.json").write_bytes('{"attribution": "\u00a9 A", "extra": 1}'.encode())
    sink = F.FolderSink(out, T)
    under_c_locale(sink.close)
    assert json.loads((out / "metadata.json").read_text(encoding="utf-8")) == \
        {"attribution": "\u00a9 A", "extra": 1, "source": "h", "scheme": "xyz"}


def test_a_rerun_with_attribution_updates_an_mbtiles_credit_line(tmp_path):
    # recorded_attribution's warning promises it: "a rerun of the same command with it updates the tile set"
    path = tmp_path / "o.mbtiles"
    F.MBTilesSink(path, T).close()
    read = lambda: dict(sqlite3.connect(path).execute("SELECT name, value FROM metadata").fetchall())["attribution"]  # noqa: E731
    assert read() == "Imagery: h (the provider's required attribution was not given)"
    F.MBTilesSink(path, F.TileTemplate(T.url, attribution="(C) A")).close()
    assert read() == "(C) A"


class _NamedClient(_Client):
    def __init__(self):
        super().__init__()
        self.threads = set()

    def get(self, url):
        import threading

        self.threads.add(threading.current_thread().name.rsplit("_", 1)[0])
        return super().get(url)


def test_fetch_threads_are_named_daemons_and_at_most_concurrency_run_at_once():
    # named for a stack dump or the app's thread list; daemons, so a request left behind by a cancel
    # never holds the process at exit (session 30: the pool's threads were joined at exit)
    import threading
    import time

    lock, seen = threading.Lock(), {"now": 0, "most": 0, "daemon": set(), "names": set()}

    class Counting(_Client):
        def get(self, url):
            me = threading.current_thread()
            with lock:
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
                seen["daemon"].add(me.daemon)
                seen["names"].add(me.name)
            time.sleep(0.05)
            with lock:
                seen["now"] -= 1
            return super().get(url)

    tiles = [(3, x, y) for x in range(3) for y in range(3)]
    results = list(F.iter_fetch(T, tiles, _Sink(), client=Counting(), concurrency=3))
    assert [r.status for r in results] == ["ok"] * 9
    assert seen["most"] == 3 and seen["daemon"] == {True} and seen["names"] == {"geolocator-fetch"}


def _hanging_client(started, release):
    class Hanging(_Client):
        def get(self, url):
            started.append(url)
            release.wait(30)
            return super().get(url)

    return Hanging()


def test_a_cancel_lands_within_drain_s_while_requests_hang_on_a_stalled_link():
    # session 30: the cancel waited for every hanging request to reach its read timeout (26 s
    # measured against a stalled 127.0.0.1 server); now those still hanging DRAIN_S after it are left
    import threading
    import time

    from geolocator.core.progress import CancelToken

    started, release, cancel = [], threading.Event(), CancelToken()
    tiles = [(3, x, y) for x in range(4) for y in range(4)]
    t0 = time.monotonic()
    threading.Timer(0.3, cancel.cancel).start()
    try:
        results = list(F.iter_fetch(T, tiles, _Sink(), client=_hanging_client(started, release),
                                    concurrency=4, cancel=cancel))
        took = time.monotonic() - t0
    finally:
        release.set()
    assert results == [] and len(started) == 4  # no request started after the cancel
    assert F.DRAIN_S <= took - 0.3 < F.DRAIN_S + 1.0


def test_results_that_come_within_drain_s_of_a_stop_are_still_yielded():
    # a request that ends soon after the stop (most do: they check it between attempts) is counted,
    # e.g. the "first 4 tiles" of an unreachable service; only one still hanging after DRAIN_S is left
    import threading

    started, release, stop = [], threading.Event(), threading.Event()

    def stop_then_release():
        stop.set()
        threading.Timer(F.DRAIN_S / 4, release.set).start()

    threading.Timer(0.3, stop_then_release).start()
    results = list(F.iter_fetch(T, [(1, 0, 0), (1, 0, 1), (1, 1, 0)], _Sink(),
                                client=_hanging_client(started, release), concurrency=2, stop=stop))
    assert len(started) == 2 and [r.status for r in results] == ["ok", "ok"]


def test_an_error_inside_a_fetch_thread_is_raised_in_the_callers():
    class Broken(_Client):
        def get(self, url):
            raise RuntimeError("boom in the request")

    with pytest.raises(RuntimeError, match="boom in the request"):
        list(F.iter_fetch(T, [(1, 0, 0)], _Sink(), client=Broken(), concurrency=1))


def test_cancel_lands_while_every_request_hangs():
    # the one request hangs (up to 10 s) until released: cancel must set `stop` before that, from the
    # loop's own periodic check (0.2 s; a wait without a timeout would notice only when it returns)
    import threading

    from geolocator.core.progress import CancelToken

    started, release, stop, cancel = threading.Event(), threading.Event(), threading.Event(), CancelToken()

    class Hanging(_Client):
        def get(self, url):
            started.set()
            release.wait(10)
            return super().get(url)

    seen = {}

    def canceller():
        started.wait(10)
        cancel.cancel()
        seen["stop"] = stop.wait(5)  # True when iter_fetch set it within 5 s
        release.set()

    t = threading.Thread(target=canceller)
    t.start()
    results = list(F.iter_fetch(T, [(1, 0, 0)], _Sink(), client=Hanging(), concurrency=1, stop=stop, cancel=cancel))
    t.join()
    assert seen == {"stop": True} and len(results) == 1


def test_proxy_transports_retry_like_the_direct_one(monkeypatch):
    # through a proxy, connections are retried twice and the pool holds `concurrency` connections,
    # as without one; a NO_PROXY host uses the client's own (direct) transport, so only two are built
    made = []
    real = httpx.HTTPTransport

    def spy(**kw):
        made.append(kw)
        return real(**kw)

    monkeypatch.setattr(httpx, "HTTPTransport", spy)
    for var in ("no_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "http_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "direct.invalid")
    F.make_client("UA", concurrency=3).close()
    assert [(kw.get("retries"), kw.get("proxy"), kw["limits"].max_connections if "limits" in kw else None)
            for kw in made] == [(2, "http://127.0.0.1:9", 3), (2, None, 3)]


def test_negative_retries_are_refused_before_any_request(tmp_path):
    # retries=-1 used to make no attempt at all: every tile "failed" with " after 0 attempts"
    out = tmp_path / "o"
    client = _Client()
    client.get = None  # any request would fail with TypeError, not the FetchError below
    with pytest.raises(F.FetchError) as e:
        F.fetch_tiles(T, [(1, 0, 0)], out, retries=-1, client=client)
    assert str(e.value) == "retries must be 0 or more, got -1" and not out.exists()
    # 0 retries: one attempt, no retry (a 503 is not asked again)
    calls = []

    class Busy(_Client):
        def get(self, url):
            calls.append(url)
            return types.SimpleNamespace(status_code=503, headers={}, content=b"")

    report = F.fetch_tiles(T, [(1, 0, 0)], out, retries=0, client=Busy(), backoff_s=0.0)
    assert calls == ["http://h/1/0/0"] and report.failed == {"1/0/0": "HTTP 503 after 1 attempts"}
