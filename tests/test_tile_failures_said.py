"""Tiles that cannot be read are said, once, by locate/eval/index/adapt (newuser session 16: a GeoTIFF
cut short by an interrupted copy lost 32 of its 49 windows and `locate` said nothing)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from geolocator.core.model import Bounds, Tile
from geolocator.core.skipped import tile_failures_summary


def _tile(name: str, path: str = "ortho.tif") -> Tile:
    return Tile(name, Path(path), Bounds(0, 0, 1, 1))


def test_summary_names_the_first_tiles_of_each_reason_and_counts_the_rest():
    tiles = [_tile(f"ortho.tif@c{i}_r0") for i in range(6)]
    failures = {5: "ortho.tif: corrupt image data", 1: "ortho.tif: corrupt image data",
                2: "ortho.tif: corrupt image data", 4: "ortho.tif: corrupt image data", 3: "ortho.tif: empty window"}
    line, details = tile_failures_summary(tiles, failures, inline=2)
    # written out by hand: tiles in order, grouped by reason in the order first met, the file not said twice
    assert line == ("5 tiles of 6 could not be read and are not searched (tried again on the next run): "
                    "ortho.tif@c1_r0, ortho.tif@c2_r0 and 2 more: corrupt image data; ortho.tif@c3_r0: empty window")
    assert details.splitlines() == ["ortho.tif@c1_r0: corrupt image data", "ortho.tif@c2_r0: corrupt image data",
                                    "ortho.tif@c3_r0: empty window", "ortho.tif@c4_r0: corrupt image data",
                                    "ortho.tif@c5_r0: corrupt image data"]
    assert tile_failures_summary(tiles, {0: "x"})[0].startswith("1 tile of 6 could not be read and is not searched")
    assert tile_failures_summary(tiles, {}) is None
    assert tile_failures_summary(tiles, {1: "x", 0: "x"}, inline=2)[0].endswith(": ortho.tif@c0_r0, ortho.tif@c1_r0: x")


def test_the_apps_locate_job_hands_the_tiles_not_read_to_the_window():
    from geolocator.gui.jobs import Session

    ws = SimpleNamespace(tileset=SimpleNamespace(tiles=[_tile("a@c0_r0"), _tile("a@c1_r0")]), tile_failures={0: "bad"})
    assert Session._tiles_not_read(SimpleNamespace(ws=ws)) == (
        "1 tile of 2 could not be read and is not searched (tried again on the next run): a@c0_r0: bad", "a@c0_r0: bad")
    assert Session._tiles_not_read(SimpleNamespace(ws=SimpleNamespace(tileset=None, tile_failures={}))) is None


def test_locate_and_eval_say_the_tiles_not_read(caplog):
    from geolocator import cli

    ws = SimpleNamespace(last=SimpleNamespace(failures={}), tileset=SimpleNamespace(tiles=[_tile("a@c0_r0"), _tile("a@c1_r0")]),
                         tile_failures={1: "ortho.tif: corrupt image data (decoder error -2)"})
    with caplog.at_level(logging.INFO, logger="geolocator"):
        cli._warn_failures(ws)  # what locate and eval call after locating
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert said == ["1 tile of 2 could not be read and is not searched (tried again on the next run): "
                    "a@c1_r0: corrupt image data (decoder error -2)"]


def test_a_truncated_geotiff_loses_its_last_windows_and_says_which(tmp_path):
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_bounds

    from tests.test_extract import tiny_backbone
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.sources.geotiff import cut_geotiff

    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 255, (3, 512, 512), dtype=np.uint8)
    full = tmp_path / "full.tif"
    with rasterio.open(full, "w", driver="GTiff", width=512, height=512, count=3, dtype="uint8", crs="EPSG:4326",
                       transform=from_bounds(10.0, 50.0, 10.004, 50.004, 512, 512), tiled=True, blockxsize=256,
                       blockysize=256) as ds:
        ds.write(pixels)
    with rasterio.open(full) as ds:  # where the lower row of 256 px blocks starts in the file
        lower = int(ds.get_tag_item("BLOCK_OFFSET_0_1", "TIFF", bidx=1))
    cut = tmp_path / "ortho.tif"
    cut.write_bytes(full.read_bytes()[:lower])  # a copy interrupted there: the upper half is whole
    tileset = cut_geotiff(cut, tile_size_m=100.0)
    bb = tiny_backbone()
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)))
    ws.set_backbone("tiny", loaded=bb)
    ws.open_tiles(tileset)
    ws.index()
    failed = {ws.tileset.tiles[i].id for i in ws.tile_failures}
    # expected from the layout alone: a window reaching below row 256 needs a lost block
    below = {t.id for t in tileset.tiles if t.window.row + t.window.height > 256}
    assert failed == below and 0 < len(below) < len(tileset.tiles)
    line, details = tile_failures_summary(ws.tileset.tiles, ws.tile_failures)
    assert line.startswith(f"{len(below)} tiles of {len(tileset.tiles)} could not be read and are not searched")
    assert {row.split(": ")[0] for row in details.splitlines()} == below


def test_the_app_says_the_tiles_not_read_in_its_message_bar(qtbot, tmp_path, monkeypatch):
    pytest.importorskip("pytestqt")
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from geolocator.gui.jobs import Results
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    monkeypatch.setattr(w.runner, "submit", lambda job: job)  # no backbone load: only the bar is looked at
    line = "1 tile of 2 could not be read and is not searched (tried again on the next run): a@c1_r0: corrupt"
    w._show_results(Results([], {}, None, None, None, None, tiles_not_read=(line, "a@c1_r0: corrupt")))
    assert w.message_bar.level == "warning" and line in w.message_bar.text


def test_the_apps_locate_job_reports_a_tile_it_could_not_read(tmp_path):
    from tests.test_extract import _img, _tiles, tiny_backbone
    from geolocator.core.model import Query, TileSet
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    tiles = _tiles(tmp_path / "tiles", 4)
    (tmp_path / "tiles" / "t2.png").write_bytes(b"")  # emptied while the tile set was open
    _img(7).save(tmp_path / "photo.png")
    session = Session(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)), map_dir=tmp_path / "maps")
    try:
        session.ws.set_backbone("tiny", loaded=tiny_backbone())
        session.ws.open_tiles(TileSet(tuple(tiles), tmp_path))
        results = session.locate([Query("photo.png", tmp_path / "photo.png")])
    finally:
        session.close()
    assert len(results.predictions) == 1
    line, details = results.tiles_not_read
    assert line.startswith("1 tile of 4 could not be read and is not searched") and details.startswith("t2.png: ")


def test_index_counts_only_the_tiles_it_read(tmp_path, monkeypatch, capsys):
    # `geolocator index` printed "indexed 49 tiles" for a GeoTIFF of which 32 windows failed
    from tests.test_extract import _tiles, tiny_backbone
    from geolocator import cli
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import Settings, Workspace

    tiles = _tiles(tmp_path / "tiles", 4)
    (tmp_path / "tiles" / "t1.png").write_bytes(b"")

    def workspace(args):
        ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",)))
        ws.set_backbone("tiny", loaded=tiny_backbone())
        return ws

    monkeypatch.setattr(cli, "_workspace", workspace)
    monkeypatch.setattr(cli, "_load_tiles", lambda path, args, *a: TileSet(tuple(tiles), tmp_path))
    assert cli.main(["index", str(tmp_path), "-q"]) == 0
    assert capsys.readouterr().out.startswith("indexed 3 of 4 tiles x 1 view (16-d, tiny) into ")


def test_package_tiles_of_one_reason_are_said_together_without_their_name_twice():
    """Session 20: an .mbtiles with two damaged tiles was said as `19/94457/205574: tile 19/94457/205574:
    corrupt image data (…); 19/94461/205577: tile 19/94461/205577: corrupt image data (…)`: the package
    reader names the tile in its reason, so each tile was its own reason and its name came twice."""
    tiles = [Tile(f"19/1/{y}", Path("area.mbtiles"), Bounds(0, 0, 1, 1), ref=f"19/1/{y}") for y in range(4)]
    failures = {i: f"area.mbtiles: tile 19/1/{i}: corrupt image data (image file is truncated)" for i in (1, 3)}
    line, details = tile_failures_summary(tiles, failures)
    assert line == ("2 tiles of 4 could not be read and are not searched (tried again on the next run): "
                    "19/1/1, 19/1/3: corrupt image data (image file is truncated)")
    assert details.splitlines() == ["19/1/1: corrupt image data (image file is truncated)",
                                    "19/1/3: corrupt image data (image file is truncated)"]
