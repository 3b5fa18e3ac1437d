"""A TIFF placed by ground control points alone inside a folder of tiles (session 20, mend20).

Given alone as the tile set such a file is warped north-up by its GCPs (geotiff.cut_geotiff); in a
folder of tiles it was "no world file next to it; skipped" (session 19's record), and a folder of
only such files was not even claimed by the folder reader. Now the folder reads it the same way."""

from __future__ import annotations

import logging

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.sources import northup, worldfile  # noqa: E402
from tests.test_geotiff_not_north_up import _gcp_twin, _rotated  # noqa: E402


@pytest.fixture(autouse=True)
def _north_up_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


def test_a_gcp_only_tiff_in_a_folder_is_a_tile_on_the_ground_of_its_geotransform_twin(tmp_path, caplog):
    """The GCP file (5 exact points of a grid rotated 30°) is one tile of its north-up copy, on the
    ground the rotated twin's tile covers, with about the same pixels. Before: skipped, "no world
    file next to it", and the folder refused ("no images with world files ... found")."""
    (tmp_path / "twin").mkdir()
    (tmp_path / "tiles").mkdir()
    rotated, _ = _rotated(tmp_path / "twin", "rot.tif", 30, alpha=True)
    gcp = _gcp_twin(tmp_path / "tiles", rotated)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert worldfile._claims(tmp_path / "tiles")
        (tile,) = worldfile.load_world_file_folder(tmp_path / "tiles", None).tiles
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]
    (ref,) = worldfile.load_world_file_folder(tmp_path / "twin", None).tiles
    assert tile.id == "gcp.tif" and tile.path != gcp
    with rasterio.open(tile.path) as ds:
        assert northup.is_north_up(ds.transform)
    for side in ("west", "east", "south", "north"):
        assert getattr(tile.bounds, side) == pytest.approx(getattr(ref.bounds, side), abs=2e-5)  # < 2 px: GDAL picks the GCP grid
    a, b = np.asarray(open_image(tile.path)), np.asarray(open_image(ref.path))
    h, w = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
    middle = (slice(h // 3, 2 * h // 3), slice(w // 3, 2 * w // 3))
    assert np.median(np.abs(a[middle].astype(int) - b[middle].astype(int))) <= 4


def test_gcps_without_a_crs_in_a_folder_say_so_and_epsg_gives_it(tmp_path, caplog):
    """GCPs with no coordinate system: skipped with that reason (not "no world file"); --epsg places
    it. Before: "no world file next to it" whatever was given."""
    (tmp_path / "tiles").mkdir()
    rotated, _ = _rotated(tmp_path, "rot.tif", 30, alpha=True)
    _gcp_twin(tmp_path / "tiles", rotated, gcp_crs=None)
    with caplog.at_level(logging.WARNING, logger="geolocator"), pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path / "tiles", None)
    assert "ground control points without a coordinate system" in ei.value.problem
    assert any("gcp.tif" in r.getMessage() and "coordinate system" in r.getMessage() for r in caplog.records)
    (tile,) = worldfile.load_world_file_folder(tmp_path / "tiles", 32633).tiles
    assert tile.id == "gcp.tif"
