"""A mapper fetching imagery over a thin, failing link (session 30, net30): a stalled server, a link
gone silent, an ETA after a resume, an error page sent with status 200 now and then, and locating
afterwards with no network at all. Every server here is on 127.0.0.1 (tests/tile_server.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from geolocator.core.sources import fetch as F

from .tile_packages import demo_mosaic, demo_pyramid
from .tile_server import TileServer

FAST = dict(backoff_s=0.01, max_wait_s=0.05)


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


def _template(server: TileServer) -> F.TileTemplate:
    return F.parse_template(server.url)


def _bbox() -> str:
    _, area = demo_mosaic()
    return f"--bbox={area.west},{area.south},{area.east},{area.north}"


def _wait_for(cond, limit_s: float = 60.0) -> None:
    deadline = time.monotonic() + limit_s
    while not cond() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_ctrl_c_ends_a_fetch_within_seconds_while_every_request_hangs(tmp_path, tiles):
    # a stalled link: the server takes each request and sends nothing for a minute. Ctrl-C waited for
    # every hanging request's 30 s read timeout (26 s measured); the requests are now left behind
    stall = {t: [("slow", 60)] for t in tiles}
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, stall) as server:
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url, _bbox(), "--zoom", "19",
                                 "--out", str(out), "-q"], stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        _wait_for(lambda: len(server.log) >= 4 or proc.poll() is not None)
        assert len(server.log) == 4  # the default concurrency, all hanging
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        took = time.monotonic() - t0
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert "stopped before any tile came" in err and not out.exists()
    assert took < 10, f"Ctrl-C took {took:.1f} s"  # the requests' read timeout is 30 s


def test_the_eta_after_a_resume_counts_only_the_tiles_asked_for(tmp_path, tiles):
    # 150 of 208 tiles stored, 58 to fetch at 200 kB/s: the stored ones, counted in a blink, made the
    # pace look instant ("0.4 s left" with 6.5 s to go). Here 30 stored, 6 asked for at 0.3 s each
    wanted = sorted(tiles)
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles) as server:
        F.fetch_tiles(_template(server), wanted[:30], out, **FAST)
    events = []
    with TileServer(tiles, delay_s=0.3) as server:
        report = F.fetch_tiles(_template(server), wanted, out, concurrency=1, progress=events.append, **FAST)
    assert (report.already, report.fetched) == (30, 6)
    stored = [e for e in events if 0 < e.step <= 30]
    assert stored and all(e.eta_s is None for e in stored)  # no pace known yet: no ETA, not "0 s"
    first = next(e for e in events if e.step == 31)  # one tile asked for, 5 left at its pace
    assert 5 * 0.3 <= first.eta_s < 5 * 0.3 * 4


def test_the_terminal_bar_shows_the_events_time_left_not_tqdms_pace(capsys):
    from geolocator.cli import TqdmProgress
    from geolocator.core.progress import ProgressEvent

    bar = TqdmProgress(tty=True)
    bar(ProgressEvent("fetch", 0, 208, "208 tiles"))
    bar(ProgressEvent("fetch", 150, 208, "resumed", eta_s=3725.0))
    err = capsys.readouterr().err
    assert "150/208 [00:00<1:02:05]" in err  # tqdm's own pace said 00:00
    bar(ProgressEvent("fetch", 151, 208, "no estimate"))
    assert "151/208" in capsys.readouterr().err  # without eta_s tqdm's own is shown
    bar.close()


def test_a_link_gone_silent_stops_the_fetch_and_says_so(tmp_path, tiles, monkeypatch):
    # the server answered, then took every connection and sent nothing (a satellite terminal's proxy
    # whose uplink is down): each request timed out, and as timeouts were not "lost" connections the
    # fetch went on through 6 attempts x the read timeout per tile (hours for an area). Now it stops
    # once STOP_AFTER_LOST requests in a row got no answer, the first SILENT_S ago
    monkeypatch.setattr(F, "SILENT_S", 1.0)
    wanted = sorted(tiles)[:24]
    out = tmp_path / "area.mbtiles"
    script = {t: [("slow", 30)] * 20 for t in wanted[3:]}  # the first 3 come, then silence
    with TileServer(tiles, script) as server:
        t0 = time.monotonic()
        with pytest.raises(F.ServiceLost) as e:
            F.fetch_tiles(_template(server), wanted, out, concurrency=2, timeout_s=0.3, **FAST)
        took = time.monotonic() - t0
    msg = str(e.value)
    assert e.value.silent_s >= 1.0 and e.value.lost >= F.STOP_AFTER_LOST and "ReadTimeout" in e.value.why
    assert "stopped answering: nothing answered for" in msg and "the link or the service is down" in msg
    assert f"The 3 tiles fetched this time are kept in {out}" in msg and "fetch the other 21" in msg
    assert took < 10  # with the old rule: 21 tiles x 6 attempts x 0.3 s / 2 in flight, at the least
    with TileServer(tiles) as again:  # the link is back: the rerun fetches the rest
        report = F.fetch_tiles(_template(again), wanted, out, **FAST)
    assert (report.already, report.fetched, report.failed) == (3, 21, {})


def test_a_slow_but_answering_server_is_not_taken_for_a_silent_link(tmp_path, tiles, monkeypatch):
    # every other request of each tile times out, the next one answers: the service is alive
    monkeypatch.setattr(F, "SILENT_S", 0.2)
    wanted = sorted(tiles)[:12]
    script = {t: [("slow", 2)] for t in wanted}
    with TileServer(tiles, script) as server:
        report = F.fetch_tiles(_template(server), wanted, tmp_path / "a.mbtiles", concurrency=4, timeout_s=0.3,
                               **FAST)
    assert report.fetched == 12 and not report.failed


def test_a_networks_login_page_stops_the_fetch_after_the_first_tiles_and_says_what_it_is(tmp_path, tiles):
    # hotel, ship or satellite Wi-Fi answers every address with its sign-in page, status 200: every
    # tile of the area was asked for, then "run the same command again to retry the 208 failed tiles"
    wanted = sorted(tiles)
    login = {t: [(200, {"Content-Type": "text/html"}, b"<html>Sign in to SkyNet Wi-Fi</html>")] for t in wanted}
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, login) as server:
        with pytest.raises(F.FetchError) as e:
            F.fetch_tiles(_template(server), wanted, out, concurrency=2, **FAST)
        asked = len(server.log)
    msg = str(e.value)
    assert f"the first {F.STOP_AFTER_REFUSALS}" in msg or f"the first {F.STOP_AFTER_REFUSALS + 1}" in msg
    assert "answered with a page, not an image (the server sent text/html, not an image)" in msg
    assert "login page" in msg and "sign in, then try again" in msg and f"({out} was not created)" in msg
    assert F.STOP_AFTER_REFUSALS <= asked <= F.STOP_AFTER_REFUSALS + 2 < len(wanted)


def test_an_error_page_now_and_then_fails_only_its_tile_and_the_rerun_fetches_it(tmp_path, tiles):
    # once tiles have come, a page in place of a tile is that tile's failure, not a login page
    wanted = sorted(tiles)[:12]
    page = {t: [(200, {"Content-Type": "text/html"}, b"<html>503 busy</html>")] for t in wanted[4::4]}
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, page) as server:
        report = F.fetch_tiles(_template(server), wanted, out, concurrency=1, **FAST)
        again = F.fetch_tiles(_template(server), wanted, out, concurrency=1, **FAST)
    assert report.fetched == 10 and len(report.failed) == 2
    assert all(why == "the server sent text/html, not an image" for why in report.failed.values())
    assert (again.already, again.fetched, again.failed) == (10, 2, {})


@pytest.mark.slow  # the default backbone (offline EfficientNet-Lite0) extracts and SIFT verifies: seconds
def test_locating_after_the_fetch_makes_no_network_call_at_all(tmp_path, tiles, monkeypatch, capsys):
    # fetch on the link, then go offline: `locate` with the default backbone must not touch the network
    # (no name lookup, no connection of any kind but a local one); every attempt is recorded and refused
    import json
    import socket
    from pathlib import Path

    from geolocator.cli import main
    from geolocator.core.queries import load_region

    from .test_cli_fetch import DEMO, _gps_photo

    region = load_region(DEMO)
    photos = tmp_path / "photos"
    photos.mkdir()
    chosen = region.queries[::40]
    for q in chosen:
        _gps_photo(q.path, photos / Path(q.id).name, q.truth.lat, q.truth.lon)
    area = tmp_path / "area.mbtiles"
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, "--around", str(photos), "--margin-m", "60", "--zoom", "19",
                     "--out", str(area), "--attribution", "Demo (CC BY-SA 4.0)", "-q"]) == 0

    tried = []

    def refuse(what):
        def blocked(*args, **kwargs):
            tried.append((what, args[1:2] if what == "connect" else args[:1]))
            raise OSError(f"no network in this test ({what})")
        return blocked

    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return refuse("connect")(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            return refuse("connect")(self, address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", refuse("getaddrinfo"))
    monkeypatch.setattr(socket, "gethostbyname", refuse("gethostbyname"))
    monkeypatch.setattr(socket, "create_connection", refuse("create_connection"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # no weights cached: the offline backbone is used
    import httpx

    with pytest.raises(httpx.ConnectError):  # the guard holds for the HTTP client fetch-tiles uses
        httpx.get(server.url.replace("{z}/{x}/{y}", "0/0/0"))
    assert tried and tried[0][0] in ("getaddrinfo", "create_connection", "connect")
    tried.clear()
    out = tmp_path / "located.geojson"
    assert main(["locate", str(photos), "--tiles", str(area), "--out", str(out), "--cache-dir",
                 str(tmp_path / "cache"), "--device", "cpu", "-q"]) == 0
    assert tried == []
    points = [f for f in json.loads(out.read_text())["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == len(chosen) and all(f["properties"]["tile"].startswith("19/") for f in points)


def test_a_fetch_killed_outright_keeps_what_came_before_the_last_few_seconds(tmp_path, tiles):
    # SIGKILL (or the battery dying) leaves no Ctrl-C to commit on: the .mbtiles kept only the tiles up
    # to its last commit, every 50 tiles, so a thin link lost up to 49 of them. Now a commit also
    # follows a tile that comes COMMIT_EVERY_S after the last one
    from geolocator.core.tilesets import load_tileset

    wanted = sorted(tiles)
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, delay_s=0.25) as server:
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url, _bbox(), "--zoom", "19",
                                 "--out", str(out), "--concurrency", "1", "-q"], stderr=subprocess.PIPE, text=True)
        _wait_for(lambda: len(server.log) >= 30 or proc.poll() is not None)  # 7 s or more of tiles
        proc.kill()
        proc.communicate(timeout=60)
        asked = len(server.log)
    assert asked < len(wanted) < 50  # killed mid-fetch, before the 50-tile commit
    stored = len(load_tileset(out, zoom=19).tiles)  # the killed file opens as a tile set
    assert stored >= asked - 1 - (F.COMMIT_EVERY_S + 1) / 0.25, (stored, asked)
    with TileServer(tiles) as again:  # the rerun fetches only what was not committed
        report = F.fetch_tiles(_template(again), wanted, out, **FAST)
    assert report.already == stored and report.fetched == len(wanted) - stored


def test_the_eta_waits_for_the_first_round_of_requests_sent_together():
    # 4 requests in flight answer after one round trip each: the first answer's pace is 4 times too slow
    assert F._eta(2.0, 3, 10, 4) is None and F._eta(2.0, 4, 10, 4) == 5.0
    assert F._eta(1.0, 2, 1, 4) is None  # fewer tiles than requests in flight: none until the end
    assert F._eta(1.5, 3, 2, 3) == 1.0
    assert F._eta(1.0, 0, 0, 4) == 0.0 and F._eta(1.0, 0, 5) is None and F._eta(1.0, 1, 5) == 5.0


def test_a_retry_after_holds_every_request_not_only_its_tiles(tmp_path, tiles):
    # RFC 9110 10.2.3: how long the client ought to wait before its next request. Each request waited out
    # its own and the others went on asking (a server allowing 3 a second answered 270 of 480 with 429)
    wanted = sorted(tiles)[:8]
    limited = {wanted[0]: [(429, {"Retry-After": "1"}, b"slow down")]}
    with TileServer(tiles, limited, delay_s=0.2) as server:
        report = F.fetch_tiles(_template(server), wanted, tmp_path / "a.mbtiles", concurrency=2, backoff_s=0.01,
                               max_wait_s=5.0)
        first = server.requests_for(*wanted[0])
        # the 429 comes at 0.2 s; a request sent just before it came may still go out, none after
        during = [t for _, _, t in server.log if first[0] + 0.35 < t < first[0] + 0.9]
    assert report.fetched == 8 and len(first) == 2 and first[1] - first[0] >= 1.0
    assert during == []  # the other worker's next tiles waited for the second too (4 asked before)


def test_a_slow_tile_whose_bytes_keep_coming_is_not_cut_off(tmp_path, tiles):
    # the timeout is between reads (httpx's read timeout), not for a whole tile: on a thin link a tile
    # that takes 1.6 s to arrive, a piece every 0.2 s, comes whole with a 0.5 s timeout
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    key = sorted(tiles)[0]
    body = tiles[key]

    class Trickle(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            step = -(-len(body) // 8)
            for i in range(0, len(body), step):
                time.sleep(0.2)
                self.wfile.write(body[i:i + step])
                self.wfile.flush()

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        t = F.parse_template(f"http://127.0.0.1:{httpd.server_address[1]}/{{z}}/{{x}}/{{y}}.jpg")
        report = F.fetch_tiles(t, [key], tmp_path / "a.mbtiles", timeout_s=0.5, retries=0)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert report.fetched == 1 and not report.failed and report.seconds >= 1.6


def test_a_link_down_from_the_start_is_said_after_the_connect_timeout_not_the_read_timeout(tmp_path, monkeypatch):
    # packets dropped, nothing refused (a satellite link down): each connection waited the whole 30 s
    # timeout, 3 times (the transport's retries), so the "cannot connect" came after 93 s. A listening
    # socket whose backlog is full drops new connections the same way (Linux)
    import socket

    monkeypatch.setattr(F, "CONNECT_TIMEOUT_S", 0.3)
    with socket.socket() as srv:
        srv.bind(("127.0.0.1", 0))
        srv.listen(0)
        port = srv.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port), timeout=5):  # fills the backlog
            t = F.parse_template(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.jpg")
            t0 = time.monotonic()
            with pytest.raises(F.FetchError, match=r"cannot connect for the first \d+ tiles \(ConnectTimeout"):
                F.fetch_tiles(t, [(19, 1, y) for y in range(12)], tmp_path / "a.mbtiles", timeout_s=30.0, **FAST)
            took = time.monotonic() - t0
    assert took < 10  # 3 connects x 0.3 s, not x 30 s
