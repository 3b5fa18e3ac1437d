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


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "--epsg" in r.getMessage()]


def test_a_geotiff_whose_own_crs_differs_from_epsg_says_which_is_used(tmp_path, caplog):
    tif = _geotiff(tmp_path / "ortho.tif")
    own = cut_geotiff(tif, 50)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        given = load_tileset(tif, epsg=32611, tile_size_m=50)  # UTM 11N: the user's wrong guess
    # the file's own CRS is still used: the tiles lie at 15 deg E (UTM 33N), not at -117 (11N)
    assert [t.bounds for t in given.tiles] == [t.bounds for t in own.tiles]
    assert own.tiles[0].bounds.west == pytest.approx(15.0, abs=1e-6)
    (said,) = _warnings(caplog)  # one warning (before: none)
    assert str(tif) in said and "EPSG:32633" in said and "--epsg EPSG:32611" in said
    assert "the file's own EPSG:32633 is used" in said


@pytest.mark.parametrize("epsg", [None, 32633, "EPSG:32633", "+proj=utm +zone=33 +datum=WGS84 +units=m +no_defs"])
def test_no_warning_when_epsg_agrees_or_is_not_given(tmp_path, caplog, epsg):
    tif = _geotiff(tmp_path / "ortho.tif")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        load_tileset(tif, epsg=epsg, tile_size_m=50)
    assert _warnings(caplog) == []


def test_a_folder_geotiff_whose_own_crs_differs_from_epsg_is_named_once(tmp_path, caplog):
    folder = tmp_path / "tiles"
    folder.mkdir()
    _geotiff(folder / "a.tif")
    _geotiff(folder / "b.tif")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_world_file_folder(folder, 4326)
    assert ts.tiles[0].bounds.west == pytest.approx(15.0, abs=1e-6)  # the files' own CRS
    (said,) = _warnings(caplog)  # once for the folder (before: never)
    assert str(folder / "a.tif") in said and "EPSG:32633" in said and "--epsg EPSG:4326" in said


def test_the_cli_says_it(demo_cli, tmp_path, monkeypatch, caplog):  # noqa: F811 - the fixture
    from .demo_features import DemoWorkspace

    # index on a non-demo tile set: the fake workspace serves only the demo's features, so stop at index
    monkeypatch.setattr(DemoWorkspace, "index", lambda self, **_: (setattr(self, "_store", self.open_store()),
                                                                   np.zeros((len(self.tileset), 1, 4), np.float32))[1])
    tif = _geotiff(tmp_path / "ortho.tif")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert demo_cli("index", str(tif), "--epsg", "4326", "--tile-size-m", "50")[0] == 0
    (said,) = _warnings(caplog)
    assert str(tif) in said and "EPSG:32633" in said and "--epsg EPSG:4326" in said
