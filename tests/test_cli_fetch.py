"""`geolocator fetch-tiles` and the two-command path from nothing: photos with GPS + a tile URL
(a server on 127.0.0.1 started here) -> an MBTiles of the area -> located photos with the
imagery's attribution in the GeoJSON."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from geolocator.cli import main
from geolocator.core.queries import load_region

from .tile_packages import DEMO, demo_mosaic, demo_pyramid
from .tile_server import TileServer


@pytest.fixture(scope="module")
def tiles():
    return demo_pyramid(zooms=(19,))


def _gps_photo(src: Path, dst: Path, lat: float, lon: float) -> Path:
    """A copy of a demo photo with EXIF GPS, as a drone writes it (degrees, minutes, seconds)."""
    def dms(v):
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        return (d, m, round(((v - d) * 60 - m) * 60, 4))

    im = Image.open(src)
    exif = Image.Exif()
    gps = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    exif[0x8825] = gps
    im.save(dst, exif=exif)
    return dst


def test_fetch_tiles_bbox_into_a_folder_and_the_max_tiles_refusal(tmp_path, tiles, capsys):
    _, area = demo_mosaic()
    bbox = f"{area.west},{area.south},{area.east},{area.north}"
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, f"--bbox={bbox}", "--zoom", "19", "--out", str(tmp_path / "xyz"),
                     "--attribution", "Demo (CC BY-SA 4.0)", "-q"]) == 0
        out = capsys.readouterr()
        assert f"fetched {len(tiles)} tiles" in out.out and "terms of use" in out.err
        assert len(list((tmp_path / "xyz" / "19").glob("*/*.jpg"))) == len(tiles)
        n = len(server.log)
        assert main(["fetch-tiles", server.url, f"--bbox={bbox}", "--zoom", "19", "--out", str(tmp_path / "xyz"),
                     "--max-tiles", "10", "-q"]) == 2
        assert "needs 36 tiles at zoom 19, more than the limit of 10" in capsys.readouterr().err
        assert len(server.log) == n  # refused before any request
    assert main(["fetch-tiles", "https://e.test/{z}/{x}/{y}.png", "--provider", "Esri.WorldImagery",
                 f"--bbox={bbox}", "--out", str(tmp_path / "n")]) == 2
    assert "either a URL template or --provider" in capsys.readouterr().err


def _tiny_torchscript(path: Path) -> Path:
    """A small fixed random conv net saved with TorchScript: the CLI loads it like any user model
    (the real backbone is exercised by test_cli.py; here the tile plumbing is under test)."""
    import warnings

    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(3, 16, 5, stride=4), torch.nn.ReLU()).eval()
    with warnings.catch_warnings():  # torch >= 2.9 marks TorchScript deprecated; the app still loads it
        warnings.simplefilter("ignore", FutureWarning)
        torch.jit.save(torch.jit.script(net), str(path))
    return path


@pytest.mark.slow  # torch, a model run and SIFT verification: seconds on 2 busy cores
def test_two_commands_from_photos_and_a_tile_url_to_located_photos(tmp_path, tiles, capsys):
    region = load_region(DEMO)
    photos = tmp_path / "photos"
    photos.mkdir()
    chosen = region.queries[::27]
    for q in chosen:
        _gps_photo(q.path, photos / Path(q.id).name, q.truth.lat, q.truth.lon)
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, "--around", str(photos), "--margin-m", "60", "--zoom", "19",
                     "--out", str(tmp_path / "area.mbtiles"), "--attribution", "Demo (CC BY-SA 4.0)", "-q"]) == 0
        assert server.log and all(p.startswith("/19/") for p, _, _ in server.log)
    stored = sqlite3.connect(tmp_path / "area.mbtiles").execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert 0 < stored <= len(tiles)
    out = tmp_path / "located.geojson"
    assert main(["locate", str(photos), "--tiles", str(tmp_path / "area.mbtiles"), "--out", str(out),
                 "--backbone", str(_tiny_torchscript(tmp_path / "tiny.pt")), "--cache-dir", str(tmp_path / "cache"), "--tile-views", "1",
                 "--verify-candidates", "5", "-q"]) == 0
    doc = json.loads(out.read_text())
    assert doc["attribution"] == "Demo (CC BY-SA 4.0)"
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert len(points) == len(chosen)
    for f in points:
        assert f["properties"]["tile"].startswith("19/")  # tiles from inside the package


def test_fetch_tiles_from_a_plain_url_warns_and_records_the_missing_credit(tmp_path, tiles, capsys):
    _, area = demo_mosaic()
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, f"--bbox={area.west},{area.south},{area.east},{area.north}",
                     "--zoom", "19", "--out", str(tmp_path / "a.mbtiles"), "-q"]) == 0
        host = server.url.split("/")[2]
    err = capsys.readouterr().err
    assert f"no attribution was given for the imagery from {host}" in err and "--attribution" in err
    meta = dict(sqlite3.connect(tmp_path / "a.mbtiles").execute("SELECT name, value FROM metadata").fetchall())
    assert meta["attribution"] == f"Imagery: {host} (the provider's required attribution was not given)"
    assert meta["source"] == host


def test_a_rerun_without_attribution_says_the_stored_credit_line_is_kept(tmp_path, tiles, capsys):
    # session 33 (newuser33): a rerun without --attribution into a set that holds the credit line an earlier
    # run was given warned that none was given and that the set "records 'HOST' as its source", while the
    # set kept (and its maps show) the line given before
    _, area = demo_mosaic()
    bbox = f"--bbox={area.west},{area.south},{area.east},{area.north}"
    with TileServer(tiles) as server:
        for out in (tmp_path / "a.mbtiles", tmp_path / "xyz"):
            assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out),
                         "--attribution", "Demo (CC BY-SA 4.0)", "-q"]) == 0
            capsys.readouterr()
            assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "-q"]) == 0
            err = capsys.readouterr().err
            assert "no attribution was given" not in err
            assert f"{out} keeps the credit line stored with its tiles: Demo (CC BY-SA 4.0)" in err
        # a set holding only the placeholder (no credit line ever given) is still warned about
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(tmp_path / "b.mbtiles"), "-q"]) == 0
        capsys.readouterr()
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(tmp_path / "b.mbtiles"), "-q"]) == 0
        assert "no attribution was given" in capsys.readouterr().err


def test_around_photos_without_gps_says_how_many_photos_were_read_where(tmp_path, capsys):
    # session 33 (newuser33): "none of the photos has a GPS position" did not say how many photos were read
    # or from where, so a wrong folder (or a card's thumbnails) could not be told from photos without GPS
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0002.jpg"):
        (photos / name).write_bytes((DEMO / "queries" / name).read_bytes())
    assert main(["fetch-tiles", "http://127.0.0.1:9/{z}/{x}/{y}.jpg", "--around", str(photos),
                 "--out", str(tmp_path / "a.mbtiles")]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last == (f"error: none of the 2 photos in {photos} records a GPS position (EXIF or XMP): give the area "
                    "with --bbox=W,S,E,N"), last
    assert not (tmp_path / "a.mbtiles").exists()


def test_dry_run_plans_the_area_and_writes_nothing(tmp_path, tiles, capsys):
    # session 33 (newuser33): to see an area's tile count and size before a download there was only the
    # --max-tiles refusal; --dry-run says the plan and what the output already holds, and asks for nothing
    _, area = demo_mosaic()
    bbox = f"--bbox={area.west},{area.south},{area.east},{area.north}"
    out = tmp_path / "a.mbtiles"
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "--attribution", "D",
                     "--dry-run", "-q"]) == 0
        got = capsys.readouterr()
        assert f"{len(tiles)} tiles at zoom 19 (under 1 MB) into {out}" in got.err
        assert f"dry run: 0 of them already in {out}, {len(tiles)} to fetch; nothing was fetched" in got.out
        assert server.log == [] and not out.exists()
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "--attribution", "D", "-q"]) == 0
        capsys.readouterr()
        n, before = len(server.log), out.stat().st_mtime_ns
        assert main(["fetch-tiles", server.url, bbox, "--zoom", "19", "--out", str(out), "--dry-run", "-q"]) == 0
        assert f"dry run: {len(tiles)} of them already in {out}, 0 to fetch" in capsys.readouterr().out
        assert len(server.log) == n and out.stat().st_mtime_ns == before


def test_a_killed_fetch_leaves_a_consistent_package(tmp_path, tiles):
    # SIGTERM left area.mbtiles-journal and lost the tiles since the last commit
    import signal
    import subprocess
    import sys
    import time

    _, area = demo_mosaic()
    out = tmp_path / "area.mbtiles"
    with TileServer(tiles, delay_s=0.3) as server:
        proc = subprocess.Popen([sys.executable, "-m", "geolocator", "fetch-tiles", server.url,
                                 f"--bbox={area.west},{area.south},{area.east},{area.north}", "--zoom", "19",
                                 "--out", str(out), "--concurrency", "1", "-q"],
                                stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while len(server.log) < 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert not Path(f"{out}-journal").exists()
    stored = sqlite3.connect(out).execute("SELECT COUNT(*) FROM tiles").fetchone()[0]
    assert 2 <= stored < len(tiles)
    # the line says how many are kept and how many a rerun will fetch (session 33: it said neither)
    assert (f"stopped: {stored} of the {len(tiles)} tiles are kept in {out}; run the same command again to fetch "
            f"the other {len(tiles) - stored}") in err


def test_fetching_one_tile_says_one_tile_under_one_megabyte(tmp_path, tiles, capsys):
    # "1 tiles at zoom 19 (about 0 MB)", "fetched 1 tiles (0.0 MB)"
    from geolocator.core.geo import xyz_tile_bounds

    b = xyz_tile_bounds(*sorted(tiles)[0])
    dx, dy = (b.east - b.west) / 4, (b.north - b.south) / 4
    bbox = f"{b.west + dx},{b.south + dy},{b.east - dx},{b.north - dy}"
    with TileServer(tiles) as server:
        assert main(["fetch-tiles", server.url, f"--bbox={bbox}", "--zoom", "19", "--out", str(tmp_path / "one"),
                     "--attribution", "Demo (CC BY-SA 4.0)", "-q"]) == 0
    out = capsys.readouterr()
    assert "1 tile at zoom 19 (under 1 MB) into" in out.err
    assert "fetched 1 tile (under 1 MB) into" in out.out
