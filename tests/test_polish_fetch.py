"""A fetch that got no tile leaves no empty tile set behind (a user then indexed it and got a
confusing error), while a tile set that already held tiles is never removed. Servers on 127.0.0.1."""

from __future__ import annotations

import socket
import sqlite3

import pytest

from geolocator.cli import main
from geolocator.core.sources import fetch as F

from .tile_packages import demo_mosaic, demo_pyramid
from .tile_server import TileServer

FAST = dict(backoff_s=0.01, max_wait_s=2.0, timeout_s=10.0, concurrency=2)


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


def _refusing(tiles, status=403):
    return TileServer(tiles, {t: [(status, {}, b"no")] * 3 for t in tiles})


def _closed_port_template() -> F.TileTemplate:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connections are refused at once
    return F.parse_template(f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.jpg", name="Closed.Port")


@pytest.mark.parametrize("name", ["r.mbtiles", "xyz"])
@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_fetch_leaves_no_empty_tile_set(tmp_path, tiles, name, status):
    out = tmp_path / name
    with _refusing(tiles, status) as server:
        with pytest.raises(F.FetchError, match=f"HTTP {status}"):
            F.fetch_tiles(F.parse_template(server.url), sorted(tiles), out, **FAST)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no -journal, no .part


@pytest.mark.parametrize("name", ["n.mbtiles", "xyz"])
def test_a_fetch_with_no_network_leaves_no_empty_tile_set(tmp_path, tiles, name):
    out = tmp_path / name
    with pytest.raises(F.FetchError, match="cannot connect"):
        F.fetch_tiles(_closed_port_template(), sorted(tiles), out, **FAST)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["k.mbtiles", "xyz"])
def test_a_failed_rerun_keeps_the_tiles_an_earlier_run_fetched(tmp_path, tiles, name):
    out = tmp_path / name
    first = sorted(tiles)[:3]
    with TileServer(tiles) as server:
        assert F.fetch_tiles(F.parse_template(server.url), first, out, **FAST).fetched == 3
    rest = sorted(tiles)[3:]
    with pytest.raises(F.FetchError, match="cannot connect"):
        F.fetch_tiles(_closed_port_template(), rest, out, **FAST)
    from geolocator.core.tilesets import load_tileset

    assert len(load_tileset(out, zoom=19).tiles) == 3


def test_an_existing_empty_mbtiles_given_by_the_user_is_not_removed(tmp_path, tiles):
    # only what this run created is removed: a file that was there before is the user's
    out = tmp_path / "mine.mbtiles"
    sqlite3.connect(out).close()
    with _refusing(tiles) as server:
        with pytest.raises(F.FetchError):
            F.fetch_tiles(F.parse_template(server.url), sorted(tiles), out, **FAST)
    assert out.is_file()


def test_a_partly_refused_fetch_keeps_the_tiles_it_got(tmp_path, tiles):
    wanted = sorted(tiles)
    script = {t: [(403, {}, b"no")] * 3 for t in wanted[1:]}
    out = tmp_path / "p.mbtiles"
    with TileServer(tiles, script) as server:
        report = F.fetch_tiles(F.parse_template(server.url), wanted, out, **{**FAST, "concurrency": 1})
    assert report.fetched == 1 and len(report.failed) == len(wanted) - 1
    assert sqlite3.connect(out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == 1


def test_cli_fetch_refused_says_so_and_leaves_no_file(tmp_path, tiles, capsys):
    _, area = demo_mosaic()
    out = tmp_path / "area.mbtiles"
    with _refusing(tiles) as server:
        rc = main(["fetch-tiles", server.url, f"--bbox={area.west},{area.south},{area.east},{area.north}",
                   "--zoom", "19", "--out", str(out), "--quiet", "--attribution", "Test"])
    err = capsys.readouterr().err
    assert rc != 0 and "refused the first" in err and "Traceback" not in err
    assert f"{out} was not created" in err
    assert not out.exists()


def test_a_fetch_killed_before_any_tile_says_nothing_was_created(tmp_path, tiles):
    """A kill before the first tile came said "the tiles fetched so far are kept in area.mbtiles"
    about a file that (now) is not left behind."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    _, area = demo_mosaic()
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, delay_s=2.0) as server:
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url,
                                 f"--bbox={area.west},{area.south},{area.east},{area.north}", "--zoom", "19",
                                 "--out", str(out), "--concurrency", "1", "-q", "--attribution", "Test"],
                                stderr=subprocess.PIPE, text=True,
                                env={**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parents[1])})
        deadline = time.monotonic() + 60
        while not server.log and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"stopped before any tile came: {out} was not created" in err and "Traceback" not in err
    assert "kept in" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_fetch_at_a_zoom_the_service_does_not_have_says_so(tmp_path, tiles, capsys):
    """Session 13: `fetch-tiles URL --around photos/` chose zoom 18 (photos without footprint
    metadata: ~100 m tiles) from a server holding only zoom 19; every tile was 404 and the error read
    only "no tile could be fetched from URL", with nothing about the zoom."""
    _, area = demo_mosaic()
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles) as server:  # holds zoom 19 only: every zoom-18 tile is 404
        rc = main(["fetch-tiles", server.url, f"--bbox={area.west},{area.south},{area.east},{area.north}",
                   "--zoom", "18", "--out", str(out), "--quiet", "--attribution", "Test"])
    err = capsys.readouterr().err
    assert rc == 2 and "Traceback" not in err and not out.exists()
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"error: no tile could be fetched from {server.url}") and f"({out} was not created)" in last
    first = server.url.format(z=18, x=F.tiles_for_bbox(area, 18)[0][1], y=F.tiles_for_bbox(area, 18)[0][2])
    assert last.endswith(f"every tile was missing on the server (404; e.g. {first}): it may have no imagery at "
                         "zoom 18 there; check the area, or try another --zoom, or the URL template (the order of "
                         "{z}, {x}, {y}; the extension)"), last
