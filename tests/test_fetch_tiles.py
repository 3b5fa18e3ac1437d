"""fetch-tiles against a tile server on 127.0.0.1 started by the test (no other host is touched):
folder and MBTiles outputs, retries on 429/5xx honouring Retry-After, 404 as missing, resume,
cancel, bounded concurrency, the --max-tiles refusal, templates and providers."""

from __future__ import annotations

import sqlite3
import threading

import numpy as np
import pytest

from geolocator.core.errors import Cancelled
from geolocator.core.images import open_image
from geolocator.core.model import LatLon
from geolocator.core.sources import fetch as F
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.tilesets import load_tileset

from .tile_packages import demo_mosaic, demo_pyramid

FAST = dict(backoff_s=0.01, max_wait_s=2.0, timeout_s=10.0)


@pytest.fixture(scope="module")
def served():
    """The demo pyramid's zoom-19 tiles and the area they cover."""
    tiles = {k: v for k, v in demo_pyramid(zooms=(19,)).items()}
    _, bounds = demo_mosaic()
    return tiles, bounds


def _template(server) -> F.TileTemplate:
    return F.parse_template(server.url, attribution="Demo imagery (CC BY-SA 4.0)", name="demo")


def test_fetch_into_a_folder_and_an_mbtiles_gives_the_served_tiles(tmp_path, served):
    tiles, bounds = served
    wanted = F.tiles_for_bbox(bounds, 19)
    assert set(wanted) == set(tiles)  # the area's tiles are exactly the ones the pyramid was cut into
    with _server(tiles) as server:
        folder = F.fetch_tiles(_template(server), wanted, tmp_path / "xyz", **FAST)
        package = F.fetch_tiles(_template(server), wanted, tmp_path / "area.mbtiles", **FAST)
        agents = {ua for _, ua, _ in server.log}
    assert folder.fetched == package.fetched == len(tiles) and not folder.failed
    assert agents == {F.user_agent()} and agents.pop().startswith("geolocator/")
    a = load_tileset(tmp_path / "xyz")
    b = load_tileset(tmp_path / "area.mbtiles", zoom=19)
    assert a.attribution == b.attribution == "Demo imagery (CC BY-SA 4.0)"
    by_zxy = {t.ref: t for t in b.tiles}
    for t in a.tiles:
        z, x, y = t.id.split(".")[0].split("/")
        assert np.array_equal(np.asarray(open_image(t.path)), np.asarray(open_tile_image(by_zxy[f"{z}/{x}/{y}"])))
    meta = dict(sqlite3.connect(tmp_path / "area.mbtiles").execute("SELECT name, value FROM metadata").fetchall())
    assert meta["format"] == "jpg" and meta["minzoom"] == meta["maxzoom"] == "19"
    w, s, e, n = (float(v) for v in meta["bounds"].split(","))
    assert w <= bounds.west and e >= bounds.east and s <= bounds.south and n >= bounds.north


def _server(tiles, script=None, delay_s=0.0):
    from .tile_server import TileServer

    return TileServer(tiles, script, delay_s)


def test_retries_honour_retry_after_and_404_is_missing_not_fatal(tmp_path, served):
    tiles, bounds = served
    wanted = sorted(tiles)[:6]
    a, b, c, d = wanted[:4]
    gone = (19, 1, 1)  # not served: 404
    script = {
        a: [(429, {"Retry-After": "1"}, b"slow down")],
        b: [(503, {}, b"busy"), (500, {}, b"oops")],
        c: [(200, {"Content-Type": "text/html"}, b"<html>login</html>")],
        d: [(403, {}, b"forbidden")],
    }
    with _server(tiles, script) as server:
        report = F.fetch_tiles(_template(server), wanted + [gone], tmp_path / "t.mbtiles", **FAST)
        first_a = server.requests_for(*a)
        assert len(server.requests_for(*b)) == 3  # two 5xx, then the tile
        again = F.fetch_tiles(_template(server), wanted + [gone], tmp_path / "t.mbtiles", **FAST)
        assert len(server.requests_for(*gone)) == 1  # a known 404 is not asked for again
    assert len(first_a) == 2 and first_a[1] - first_a[0] >= 0.9  # waited the Retry-After second
    assert report.missing == 1 and report.fetched == 4
    assert set(report.failed) == {"19/%d/%d" % c[1:], "19/%d/%d" % d[1:]}
    assert "not an image" in report.failed["19/%d/%d" % c[1:]] and "403" in report.failed["19/%d/%d" % d[1:]]
    # the rerun fetches only what failed before (now served normally), nothing already stored
    assert again.already == 4 and again.fetched == 2 and again.missing == 1 and not again.failed


def test_retries_give_up_after_the_limit(tmp_path, served):
    tiles, _ = served
    t = sorted(tiles)[0]
    with _server(tiles, {t: [(500, {}, b"")] * 10}) as server:
        report = F.fetch_tiles(_template(server), [t], tmp_path / "x", retries=2, **FAST)
        assert len(server.requests_for(*t)) == 3
    assert "HTTP 500 after 3 attempts" in report.failed["19/%d/%d" % t[1:]]


def test_concurrency_is_bounded(tmp_path, served):
    tiles, _ = served
    with _server(tiles, delay_s=0.05) as server:
        F.fetch_tiles(_template(server), sorted(tiles)[:16], tmp_path / "x", concurrency=3, **FAST)
        assert 1 <= server.max_in_flight <= 3


def test_cancel_keeps_what_was_fetched_and_a_rerun_resumes(tmp_path, served):
    tiles, _ = served
    wanted = sorted(tiles)
    token = F.CancelToken()
    seen = []

    def progress(event):
        seen.append(event)
        if event.step >= 5:
            token.cancel()

    with _server(tiles, delay_s=0.02) as server:
        with pytest.raises(Cancelled, match="kept"):
            F.fetch_tiles(_template(server), wanted, tmp_path / "c.mbtiles", concurrency=2, progress=progress,
                          cancel=token, **FAST)
        kept = len(load_tileset(tmp_path / "c.mbtiles", zoom=19))
        assert 5 <= kept < len(wanted)
        n_before = len(server.log)
        report = F.fetch_tiles(_template(server), wanted, tmp_path / "c.mbtiles", **FAST)
        assert len(server.log) - n_before == len(wanted) - kept  # only the rest is requested
    assert report.already == kept and report.fetched == len(wanted) - kept
    assert seen[-1].stage == "fetch" and seen[-1].eta_s is not None


def test_cancel_lands_while_every_request_is_backing_off(tmp_path, served):
    tiles, _ = served
    t = sorted(tiles)[0]
    token = F.CancelToken()
    threading.Timer(0.3, token.cancel).start()
    with _server(tiles, {t: [(503, {"Retry-After": "30"}, b"")] * 3}) as server:
        with pytest.raises(Cancelled):
            F.fetch_tiles(_template(server), [t], tmp_path / "x", cancel=token, backoff_s=0.01, max_wait_s=30)
        assert len(server.requests_for(*t)) == 1


def test_too_many_tiles_is_refused_before_any_request_with_the_count(served):
    _, bounds = served
    big = F.parse_bbox("-116,35,-114,37")
    n = F.count_tiles(big, 16)
    with pytest.raises(F.TooManyTiles, match=f"needs {n:,} tiles at zoom 16, more than the limit of 10,000"):
        F.tiles_for_bbox(big, 16)
    assert len(F.tiles_for_bbox(bounds, 19, max_tiles=36)) == 36
    with pytest.raises(F.TooManyTiles):
        F.fetch_tiles(F.parse_template("http://127.0.0.1:9/{z}/{x}/{y}"), [(1, 0, 0)] * 3, "unused", max_tiles=2)


def test_templates_fill_tms_rows_subdomains_and_quadkeys():
    t = F.parse_template("https://{s}.example.test/{z}/{x}/{-y}.png", "xyz")
    assert t.url_for(3, 2, 1) == "https://x.example.test/3/2/6.png"  # (x + y) % 3 = 0 -> "x"; TMS row 8-1-1
    assert t.url_for(3, 2, 2).startswith("https://y.")
    assert F.parse_template("https://e.test/t?q={q}").url_for(3, 2, 1) == "https://e.test/t?q=012"
    for bad, why in [("ftp://e.test/{z}/{x}/{y}", "http"), ("https://e.test/{z}/{x}/{row}", "unknown placeholder"),
                     ("https://e.test/{z}/{x}", "needs")]:
        with pytest.raises(F.FetchError, match=why):
            F.parse_template(bad)


def test_named_providers_come_from_xyzservices_with_attribution():
    t = F.provider_template("Esri.WorldImagery")
    assert "{z}" in t.url and "Esri" in t.attribution and t.name == "Esri.WorldImagery"
    assert "terms of use" in F.terms_notice(t) and "Esri" in F.terms_notice(t)
    with pytest.raises(F.FetchError, match="unknown tile provider"):
        F.provider_template("No.Such.Provider")


def test_area_around_photos_and_bbox_checks():
    b = F.bbox_around([LatLon(36.14, -115.23), LatLon(36.15, -115.22)], margin_m=100)
    assert b.south == pytest.approx(36.14 - 100 / 110_960, abs=2e-5) and b.east > -115.22
    with pytest.raises(F.FetchError, match="GPS"):
        F.bbox_around([])
    for bad in ("1,2,3", "10,0,5,1", "0,5,1,2", "0,0,200,1"):
        with pytest.raises(F.FetchError):
            F.parse_bbox(bad)
    assert F.suggest_zoom(60, 36.14) == 19
    assert F.suggest_zoom(60, 36.14, max_zoom=18) == 18  # never deeper than the service serves
    assert F.suggest_zoom(60, 36.14, max_zoom=20) == 19


def test_a_service_that_refuses_us_is_not_asked_for_every_tile(tmp_path, served):
    tiles, _ = served
    wanted = sorted(tiles)
    script = {t: [(403, {}, b"no")] for t in wanted}
    with _server(tiles, script) as server:
        with pytest.raises(F.FetchError, match=r"refused the first 1[0-2] tiles \(HTTP 403\)"):
            F.fetch_tiles(_template(server), wanted, tmp_path / "r.mbtiles", concurrency=2, **FAST)
        assert F.STOP_AFTER_REFUSALS <= len(server.log) <= F.STOP_AFTER_REFUSALS + 2 < len(wanted)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed once we return: a connection to it is refused at once


def test_no_connection_to_the_service_stops_after_the_first_tiles(tmp_path, served):
    # with no network every tile waited out its DNS failure and retries, minutes with no message
    import httpx

    tiles, _ = served
    wanted = sorted(tiles)
    calls = []

    class Counting(httpx.HTTPTransport):
        def handle_request(self, request):
            calls.append(request.url)
            return super().handle_request(request)

    template = F.parse_template(f"http://127.0.0.1:{_closed_port()}/{{z}}/{{x}}/{{y}}.jpg", name="Closed.Port")
    client = F.make_client(transport=Counting())
    with pytest.raises(F.FetchError, match=r"Closed\.Port \(127\.0\.0\.1:\d+\): cannot connect for the first [3-5] tiles "
                       r"\(ConnectError: .*\); stopped\. Check the network connection"):
        F.fetch_tiles(template, wanted, tmp_path / "n.mbtiles", client=client, concurrency=2, **FAST)
    client.close()
    assert F.STOP_AFTER_UNREACHABLE <= len(calls) <= F.STOP_AFTER_UNREACHABLE + 2 < len(wanted)


def test_a_slow_but_live_server_is_still_retried_tile_by_tile(tmp_path, served):
    tiles, _ = served
    wanted = sorted(tiles)[:4]
    with _server(tiles, delay_s=0.5) as server:
        report = F.fetch_tiles(_template(server), wanted, tmp_path / "s.mbtiles", retries=1, concurrency=4,
                               backoff_s=0.01, max_wait_s=0.1, timeout_s=0.1)
        assert all(len(server.requests_for(*t)) == 2 for t in wanted)  # every tile asked again, none given up
    assert len(report.failed) == 4 and all("ReadTimeout" in why and "after 2 attempts" in why
                                           for why in report.failed.values())


# ------------------------------------------------------------------ attribution of a plain URL template
def test_a_plain_url_without_attribution_records_its_host_and_that_the_credit_is_missing(tmp_path, served):
    """A plain template stored no attribution unless --attribution was given, so maps and exports
    showed the imagery uncredited. Now the host is recorded as the source, with the missing credit
    said; a credit line given later replaces it, and one given once is never lost by a rerun."""
    tiles, bounds = served
    wanted = F.tiles_for_bbox(bounds, 19)
    with _server(tiles) as server:
        plain = F.parse_template(server.url)
        host = F.source_host(plain.url)
        assert host.startswith("127.0.0.1:")
        F.fetch_tiles(plain, wanted, tmp_path / "a.mbtiles", **FAST)
        F.fetch_tiles(plain, wanted, tmp_path / "xyz", **FAST)
        for ts in (load_tileset(tmp_path / "a.mbtiles", zoom=19), load_tileset(tmp_path / "xyz")):
            assert ts.attribution == f"Imagery: {host} (the provider's required attribution was not given)"
        meta = dict(sqlite3.connect(tmp_path / "a.mbtiles").execute("SELECT name, value FROM metadata").fetchall())
        assert meta["source"] == host  # the host only: a template's query string may hold an API key
        import json

        assert json.loads((tmp_path / "xyz" / F.METADATA_FILE).read_text())["source"] == host
        # the credit line given on a rerun replaces the placeholder; a rerun without it keeps it
        F.fetch_tiles(_template(server), wanted, tmp_path / "a.mbtiles", **FAST)
        F.fetch_tiles(plain, wanted, tmp_path / "a.mbtiles", **FAST)
        F.fetch_tiles(_template(server), wanted, tmp_path / "xyz", **FAST)
        F.fetch_tiles(plain, wanted, tmp_path / "xyz", **FAST)
    for path in (tmp_path / "a.mbtiles", tmp_path / "xyz"):
        assert load_tileset(path, zoom=19).attribution == "Demo imagery (CC BY-SA 4.0)"


def test_recorded_attribution_warns_only_when_the_credit_is_missing():
    credit, warning = F.recorded_attribution(F.parse_template("https://{s}.tiles.example.test:8443/{z}/{x}/{y}.png?k=1"))
    assert credit == "Imagery: tiles.example.test:8443 (the provider's required attribution was not given)"
    assert "tiles.example.test:8443" in warning and "--attribution" in warning and "k=1" not in warning + credit
    esri = F.provider_template("Esri.WorldImagery")  # xyzservices providers keep theirs
    assert F.recorded_attribution(esri) == (esri.attribution, None)
    given = F.parse_template("https://e.test/{z}/{x}/{y}.png", attribution="© Example")
    assert F.recorded_attribution(given) == ("© Example", None)


def test_attribution_travels_to_csv_geojson_and_the_html_map(tmp_path, served):
    """Every export of predictions made on a fetched set carries its credit line: CSV in a last
    `attribution` column (readers of the other columns are unaffected), GeoJSON as a foreign member,
    the HTML map on the imagery layer."""
    import csv

    from geolocator.core.export import CSV_COLUMNS, predictions_to_geojson, write_csv
    from geolocator.core.model import Match, Prediction, Query
    from geolocator.core.webmap import Assets, build_map

    tiles, bounds = served
    with _server(tiles) as server:
        F.fetch_tiles(F.parse_template(server.url), F.tiles_for_bbox(bounds, 19), tmp_path / "a.mbtiles", **FAST)
    ts = load_tileset(tmp_path / "a.mbtiles", zoom=19)
    assert ts.attribution and "not given" in ts.attribution
    tile = ts.tiles[0]
    pred = Prediction(Query("=p.jpg", tmp_path / "p.jpg"), (Match(tile, 0.5, 1),), tile.center, tile.center, 0.3)
    write_csv([pred, pred], tmp_path / "p.csv", attribution=ts.attribution)
    with open(tmp_path / "p.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["attribution"] for r in rows] == [ts.attribution] * 2
    assert list(rows[0])[: len(CSV_COLUMNS)] == CSV_COLUMNS and rows[0]["query"] == "'=p.jpg"
    write_csv([pred], tmp_path / "none.csv")  # a tile set without a credit line: the column is there, empty
    with open(tmp_path / "none.csv", newline="", encoding="utf-8") as f:
        assert next(csv.DictReader(f))["attribution"] == ""
    assert predictions_to_geojson([pred], attribution=ts.attribution)["attribution"] == ts.attribution
    html = build_map(ts, [pred], assets=Assets(None)).get_root().render()
    assert "Imagery: 127.0.0.1:" in html and "required attribution was not given" in html  # on the imagery layer


def test_an_image_cut_short_is_retried_and_never_stored(tmp_path, served):
    """Session 20, a flaky server: a body cut in half (its Content-Length honest, so httpx sees a
    whole response) was stored as a tile; every rerun then counted it "already there" and locate
    warned "corrupt image data" for it on every run. Now it is retried like a 5xx, and a tile that
    stays damaged fails with the reason and is asked for again by the rerun."""
    tiles, _ = served
    flaky, broken = sorted(tiles)[:2]
    cut = lambda t: (200, {"Content-Type": "image/jpeg"}, tiles[t][: len(tiles[t]) // 2])  # noqa: E731
    out = tmp_path / "t.mbtiles"
    with _server(tiles, {flaky: [cut(flaky)], broken: [cut(broken)] * 3}) as server:
        report = F.fetch_tiles(_template(server), [flaky, broken], out, retries=2, **FAST)
        assert len(server.requests_for(*flaky)) == 2 and len(server.requests_for(*broken)) == 3
        again = F.fetch_tiles(_template(server), [flaky, broken], out, retries=2, **FAST)
        assert len(server.requests_for(*broken)) == 4  # asked for again, now served whole
    assert report.fetched == 1 and list(report.failed) == ["19/%d/%d" % broken[1:]]
    assert "cut short or damaged" in report.failed["19/%d/%d" % broken[1:]]
    assert again.already == 1 and again.fetched == 1 and not again.failed
    ts = load_tileset(out, zoom=19)
    for t in ts.tiles:  # every stored tile decodes whole, as the server has it
        z, x, y = (int(v) for v in t.ref.split("/"))
        assert np.array_equal(np.asarray(open_tile_image(t)), np.asarray(open_image_bytes(tiles[(z, x, y)])))


def open_image_bytes(data: bytes):
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGB")


def test_a_service_that_goes_away_mid_download_stops_soon_and_keeps_what_came(tmp_path, served):
    """Session 20: the tile server killed mid-download; fetch-tiles went on backing off on every tile
    left (with the default retries about 15 s a tile: hours for a large area), then said only "run
    the same command again to retry the 39 failed tiles". Now it stops after STOP_AFTER_LOST tiles in
    a row could not connect, says the service stopped answering, and the rerun resumes."""
    tiles, _ = served
    wanted = sorted(tiles)[:24]
    out = tmp_path / "t.mbtiles"
    steps = []
    with _server(tiles) as server:
        def progress(ev):
            steps.append(ev.step)
            if ev.step == 3 and server.httpd.socket.fileno() != -1:
                server.httpd.shutdown()
                server.httpd.server_close()  # the port is closed: connections are refused

        with pytest.raises(F.FetchError) as e:
            F.fetch_tiles(_template(server), wanted, out, concurrency=1, retries=1, progress=progress, **FAST)
    msg = str(e.value)
    assert "stopped answering" in msg and "ConnectError" in msg
    assert f"The 3 tiles fetched this time are kept in {out}" in msg and "fetch the other 21" in msg
    assert max(steps) == 3 + F.STOP_AFTER_LOST  # not the 21 tiles left, each backed off
    assert len(load_tileset(out, zoom=19).tiles) == 3
    with _server(tiles) as again:  # the service is back (on another port: a new template)
        report = F.fetch_tiles(_template(again), wanted, out, **FAST)
    assert report.already == 3 and report.fetched == 21 and not report.failed
