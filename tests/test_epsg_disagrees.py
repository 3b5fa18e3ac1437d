"""`--epsg` that disagrees with a GeoTIFF's own coordinate system (session 15, task "mend" item 2).

The file's own CRS wins (as GDAL's precedence does), which is right, but the --epsg the user gave
was dropped without a word: they believe their CRS was used. Now one warning names the file, its
CRS, the --epsg given, which one is used and why. Each test fails before (no warning was logged)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import Affine  # noqa: E402

from geolocator.core.sources.geotiff import cut_geotiff  # noqa: E402
from geolocator.core.sources.worldfile import load_world_file_folder  # noqa: E402
from geolocator.core.tilesets import load_tileset  # noqa: E402

from .test_cli_demo_features import demo_cli, features  # noqa: E402, F401 - fixtures

UTM = Affine(1, 0, 500_000, 0, -1, 5_500_000)  # 1 m pixels in UTM 33N, 15 deg E


def _geotiff(path, crs="EPSG:32633", size=120):
    data = (np.arange(size * size * 3) % 251).astype(np.uint8).reshape(3, size, size)
    with rasterio.open(path, "w", driver="GTiff", width=size, height=size, count=3, dtype="uint8", crs=crs,
                       transform=UTM) as ds:
        ds.write(data)
    return path


class _Said(logging.Handler):
    """The "geolocator" logger's warnings that mention --epsg, while the test runs (not caplog:
    training/mutation_check_direct.py gives tests tmp_path and monkeypatch only)."""

    def __init__(self, monkeypatch):
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        logger = logging.getLogger("geolocator")
        monkeypatch.setattr(logger, "handlers", [*logger.handlers, self])

    def emit(self, record):
        if "--epsg" in record.getMessage():
            self.lines.append(record.getMessage())


def test_a_geotiff_whose_own_crs_differs_from_epsg_says_which_is_used(tmp_path, monkeypatch):
    tif = _geotiff(tmp_path / "ortho.tif")
    own = cut_geotiff(tif, 50)
    said = _Said(monkeypatch)
    given = load_tileset(tif, epsg=32611, tile_size_m=50)  # UTM 11N: the user's wrong guess
    # the file's own CRS is still used: the tiles lie at 15 deg E (UTM 33N), not at -117 (11N)
    assert [t.bounds for t in given.tiles] == [t.bounds for t in own.tiles]
    assert own.tiles[0].bounds.west == pytest.approx(15.0, abs=1e-6)
    (line,) = said.lines  # one warning (before: none)
    assert line == (f"{tif} has its own coordinate system, EPSG:32633, and --epsg EPSG:32611 was given: the file's own "
                    "EPSG:32633 is used (--epsg is for tiles without one, such as images with world files); if the "
                    f"file's is wrong, write the right one into it (gdal_edit.py -a_srs EPSG:<code> {tif})")


@pytest.mark.parametrize("epsg", [None, 32633, "EPSG:32633", "+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs"])
def test_no_warning_when_epsg_agrees_or_is_not_given(tmp_path, monkeypatch, epsg):
    tif = _geotiff(tmp_path / "ortho.tif")
    said = _Said(monkeypatch)
    load_tileset(tif, epsg=epsg, tile_size_m=50)
    assert said.lines == []


def test_a_folder_geotiff_whose_own_crs_differs_from_epsg_is_named_once(tmp_path, monkeypatch):
    folder = tmp_path / "tiles"
    folder.mkdir()
    _geotiff(folder / "a.tif")
    _geotiff(folder / "b.tif")
    said = _Said(monkeypatch)
    ts = load_world_file_folder(folder, 4326)
    assert ts.tiles[0].bounds.west == pytest.approx(15.0, abs=1e-6)  # the files' own CRS
    (line,) = said.lines  # once for the folder (before: never)
    assert line.startswith(f"{folder / 'a.tif'} has its own coordinate system, EPSG:32633, and --epsg EPSG:4326 was given")


def test_the_cli_says_it(demo_cli, tmp_path, monkeypatch):  # noqa: F811 - the fixture
    from .demo_features import DemoWorkspace

    # index on a non-demo tile set: the fake workspace serves only the demo's features, so stop at index
    monkeypatch.setattr(DemoWorkspace, "index", lambda self, **_: (setattr(self, "_store", self.open_store()),
                                                                   np.zeros((len(self.tileset), 1, 4), np.float32))[1])
    tif = _geotiff(tmp_path / "ortho.tif")
    said = _Said(monkeypatch)
    assert demo_cli("index", str(tif), "--epsg", "4326", "--tile-size-m", "50")[0] == 0
    (line,) = said.lines
    assert line.startswith(f"{tif} has its own coordinate system, EPSG:32633, and --epsg EPSG:4326 was given: the "
                           "file's own EPSG:32633 is used")


def test_the_answer_and_the_axis_order(tmp_path, monkeypatch):
    from geolocator.core.sources.geotiff import warn_if_epsg_ignored

    said = _Said(monkeypatch)
    tif = _geotiff(tmp_path / "wgs84.tif", crs="EPSG:4326")
    with rasterio.open(tif) as ds:
        own = ds.crs
    assert warn_if_epsg_ignored(tif, own, None) is False and warn_if_epsg_ignored(tif, None, 4326) is False
    assert warn_if_epsg_ignored(tif, own, 4326) is False
    # OGC:CRS84 is WGS84 with longitude first: the same coordinates, only the axis order differs
    assert warn_if_epsg_ignored(tif, own, "OGC:CRS84") is False
    assert said.lines == []
    assert warn_if_epsg_ignored(tif, own, 32633) is True and len(said.lines) == 1


def test_a_crs_given_by_a_world_file_is_not_the_files_own(tmp_path, monkeypatch):
    # worldfile.cut_world_file_image passes the CRS it read (crs=): that is no CRS of the file's
    # own for --epsg to disagree with, whatever default_crs says
    tif = _geotiff(tmp_path / "ortho.tif")
    said = _Said(monkeypatch)
    cut_geotiff(tif, 50, crs="EPSG:32633", default_crs=32611)
    assert said.lines == []


def test_a_folder_warns_for_the_first_geotiff_that_disagrees(tmp_path, monkeypatch):
    folder = tmp_path / "tiles"
    folder.mkdir()
    _geotiff(folder / "a.tif", crs="EPSG:32611")  # agrees with --epsg 32611
    _geotiff(folder / "b.tif")  # its own EPSG:32633 does not
    said = _Said(monkeypatch)
    load_world_file_folder(folder, 32611)
    (line,) = said.lines
    assert line.startswith(f"{folder / 'b.tif'} has its own coordinate system, EPSG:32633, and --epsg EPSG:32611")
