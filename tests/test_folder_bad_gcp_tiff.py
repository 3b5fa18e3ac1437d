"""A GCP TIFF in a folder of tiles that cannot be warped is skipped with its reason; the rest of
the folder is read (core/sources/worldfile.py), as other bad tiles are.

Session 20 (mend20, "not done"): an unwarpable GCP file stopped the whole folder with its error.
Before the fix the test below raised InputError ("cannot make its north-up copy …") for the folder."""

from __future__ import annotations

import logging

import pytest

rasterio = pytest.importorskip("rasterio")

from geolocator.core.sources import worldfile  # noqa: E402
from tests.test_geotiff_not_north_up import _gcp_twin, _rotated  # noqa: E402


@pytest.fixture(autouse=True)
def _north_up_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


def _collinear(path, like):
    """`like`'s pixels with 3 GCPs on one line: no transform can be fitted to them."""
    from rasterio.control import GroundControlPoint

    with rasterio.open(like) as ds:
        data, gcps, crs = ds.read(), ds.gcps[0], ds.gcps[1]
    points = [GroundControlPoint(row=i * 10, col=i * 10, x=gcps[0].x + i, y=gcps[0].y + i) for i in range(3)]
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning), \
            rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                          dtype="uint8", photometric="RGB", alpha="YES") as ds:
        ds.write(data)
        ds.gcps = (points, crs)
    return path


def test_an_unwarpable_gcp_tiff_is_skipped_with_its_reason_and_the_folder_read(tmp_path, caplog):
    (tmp_path / "tiles").mkdir()
    rotated, _ = _rotated(tmp_path, "rot.tif", 30, alpha=True)
    good = _gcp_twin(tmp_path / "tiles", rotated)
    _collinear(tmp_path / "tiles" / "line.tif", good)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = worldfile.load_world_file_folder(tmp_path / "tiles", None)
    assert [t.id for t in ts.tiles] == ["gcp.tif"]
    said = [r.getMessage() for r in caplog.records if "line.tif" in r.getMessage()]
    assert len(said) == 1 and said[0].endswith("; skipped"), said
    assert "north-up copy" in said[0]


def test_a_rotated_geotiff_whose_copy_cannot_be_made_is_skipped_too(tmp_path, caplog, monkeypatch):
    """The same kind for a rotated GeoTIFF tile (its copy fails: here the copy folder is a file)."""
    (tmp_path / "tiles").mkdir()
    rotated, _ = _rotated(tmp_path / "tiles", "rot.tif", 30, alpha=True)
    good = _gcp_twin(tmp_path / "tiles", rotated)
    assert good.exists()
    from geolocator.core.sources import northup

    real = northup.north_up_copy

    def refuse_rotated(path, *args, **kwargs):
        if path.name == "rot.tif":
            from geolocator.core.errors import InputError

            raise InputError(path, "cannot make its north-up copy in /x (No space left on device)")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(worldfile, "north_up_copy", refuse_rotated)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = worldfile.load_world_file_folder(tmp_path / "tiles", None)
    assert [t.id for t in ts.tiles] == ["gcp.tif"]
    assert any("rot.tif" in r.getMessage() and "No space left" in r.getMessage() for r in caplog.records)


def test_the_same_file_given_alone_is_an_input_error_naming_it(tmp_path):
    """Given alone (cut_geotiff warps it through the same north_up_copy) GDAL's own error
    (CPLE_AppDefinedError, which rasterio does not wrap) came out raw. Now an InputError naming it."""
    from geolocator.core.errors import InputError
    from geolocator.core.sources import northup

    rotated, _ = _rotated(tmp_path, "rot.tif", 30, alpha=True)
    line = _collinear(tmp_path / "line.tif", _gcp_twin(tmp_path, rotated))
    with rasterio.open(line) as ds:
        gcps, crs = ds.gcps
    with pytest.raises(InputError) as ei:
        northup.north_up_copy(line, crs, gcps=gcps)
    assert ei.value.path == line and "Transform is not solvable" in ei.value.problem
