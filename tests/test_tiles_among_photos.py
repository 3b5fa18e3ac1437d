"""An orthophoto kept in the flight's folder and given as --tiles was located as one more drone photo, in itself,
"verified 0.997" (session 31, newuser31_session31.md): the tile set's own files are not queries."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.errors import InputError
from geolocator.core.model import Bounds, Tile, TileSet
from geolocator.core.queries import load_queries
from geolocator.core.tiles_among_photos import COPY_REASON, REASON, without_the_tile_set

from .helpers import png_file


def _geotiff(path: Path, value: int = 90) -> Path:
    rasterio = pytest.importorskip("rasterio")
    from rasterio.transform import from_bounds

    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=3, dtype="uint8", crs="EPSG:4326",
                       transform=from_bounds(10.0, 50.0, 10.001, 50.001, 64, 64)) as f:
        f.write(np.full((3, 64, 64), value, np.uint8))
    return path


def _flight(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "flight"
    folder.mkdir()
    png_file(folder / "DJI_0001.png", size=(64, 48))
    return folder, _geotiff(folder / "ortho.tif")


def test_the_orthophoto_in_the_photo_folder_is_skipped_and_named(tmp_path, caplog):
    folder, ortho = _flight(tmp_path)
    queries = load_queries(folder)
    assert sorted(q.id for q in queries) == ["DJI_0001.png", "ortho.tif"]  # read as a photo by the folder listing
    tileset = TileSet(tiles=(Tile("ortho.tif@c0_r0", ortho, Bounds(10.0, 50.0, 10.001, 50.001)),), source=ortho)
    skipped = []
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        kept = without_the_tile_set(queries, tileset, on_skip=lambda p, r: skipped.append((p, r)))
    assert [q.id for q in kept] == ["DJI_0001.png"]
    assert skipped == [(ortho.resolve(), REASON)] or skipped == [(ortho, REASON)]
    assert "ortho.tif: skipped (the tile set's own imagery, not a drone photo)" in caplog.text


def test_a_link_to_the_orthophoto_is_the_orthophoto(tmp_path):
    folder, ortho = _flight(tmp_path)
    (folder / "same.tif").symlink_to(ortho)
    tileset = TileSet(tiles=(Tile("t", tmp_path / "elsewhere.tif", Bounds(10.0, 50.0, 10.001, 50.001)),), source=ortho)
    kept = without_the_tile_set(load_queries(folder), tileset)
    assert [q.id for q in kept] == ["DJI_0001.png"]


def test_tiles_of_a_folder_given_as_photos_are_skipped_and_nothing_left_is_an_error(tmp_path):
    tiles = tmp_path / "tiles"
    tiles.mkdir()
    files = [png_file(tiles / f"t{i}.png", size=(32, 32)) for i in range(2)]
    tileset = TileSet(tiles=tuple(Tile(f.name, f, Bounds(10.0, 50.0, 10.001, 50.001)) for f in files),
                      source=tmp_path / "tiles.csv")
    with pytest.raises(InputError) as err:
        without_the_tile_set(load_queries(tiles), tileset)
    assert "imagery itself" in str(err.value) and "tiles.csv" in str(err.value)


def test_a_copy_of_the_orthophoto_among_the_photos_is_skipped_as_a_copy(tmp_path):
    import shutil

    folder, ortho = _flight(tmp_path)
    given = tmp_path / "ortho.tif"
    shutil.move(ortho, given)
    shutil.copy(given, folder / "ortho copy.tif")
    tileset = TileSet(tiles=(Tile("t", given, Bounds(10.0, 50.0, 10.001, 50.001)),), source=given)
    skipped = []
    kept = without_the_tile_set(load_queries(folder), tileset, on_skip=lambda p, r: skipped.append((p.name, r)))
    assert [q.id for q in kept] == ["DJI_0001.png"] and skipped == [("ortho copy.tif", COPY_REASON)]


def test_photos_elsewhere_are_all_kept(tmp_path):
    folder, ortho = _flight(tmp_path)
    other = tmp_path / "other.tif"
    _geotiff(other, value=120)  # the same size, other bytes: another orthophoto
    queries = load_queries(folder)
    tileset = TileSet(tiles=(Tile("o", other, Bounds(10.0, 50.0, 10.001, 50.001)),), source=other)
    assert without_the_tile_set(queries, tileset) == tuple(queries)


def test_locate_does_not_locate_its_own_orthophoto(tmp_path, monkeypatch, capsys):
    """The command line: `locate flight/ --tiles flight/ortho.tif` hands the workspace the photo alone."""
    from geolocator import cli

    folder, ortho = _flight(tmp_path)
    given = []

    class Stop(Exception):
        pass

    class Workspace:
        def open_tiles(self, tiles):
            pass

        def locate(self, queries, **kw):
            given.extend(queries)
            raise Stop

    monkeypatch.setattr(cli, "_workspace", lambda args: Workspace())
    with pytest.raises(Stop):
        cli.main(["locate", str(folder), "--tiles", str(ortho), "--tile-size-m", "50",
                  "--cache-dir", str(tmp_path / "cache")])
    assert [q.id for q in given] == ["DJI_0001.png"]
    assert "ortho.tif: skipped (the tile set's own imagery, not a drone photo)" in capsys.readouterr().err


def test_the_app_opens_the_folder_s_orthophoto_as_the_tile_set_and_lists_only_the_photos(tmp_path):
    """The app given a flight folder holding its orthophoto (`geolocator flight/`): the orthophoto was listed as a
    third drone photo, waiting, and no tile set opened. It is now the tile set, and not a photo."""
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session
    from geolocator.gui.main_window import split_paths

    folder, ortho = _flight(tmp_path)
    tiles, images = split_paths([folder])
    assert tiles == [ortho] and images == [folder]
    assert split_paths([folder, tmp_path / "other.csv"]) == ([tmp_path / "other.csv"], [folder])  # one was given
    assert split_paths([folder], look_inside=False) == ([], [folder])  # a drop on a window with its tile set open
    session = Session(Settings(cache_dir=tmp_path / "cache"), map_dir=tmp_path / "maps")
    try:
        session.ws.open_tiles(TileSet(tiles=(Tile("ortho.tif@c0_r0", ortho, Bounds(10.0, 50.0, 10.001, 50.001)),),
                                      source=ortho))
        loaded = session.load_queries([folder])
    finally:
        session.close()
    assert [q.id for q in loaded.queries] == ["DJI_0001.png"]
    assert loaded.skipped == {str(ortho): REASON}
