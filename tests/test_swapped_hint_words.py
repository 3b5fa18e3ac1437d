"""The swapped-inputs hint names the imagery as what it is (session 15, task "mend" item 3): any
.tif is claimed by the GeoTIFF reader by its name, and the hint called a plain TIFF (no position on
the ground, which cut_geotiff refuses) "imagery (GeoTIFF)". Fails before: every .tif was
"imagery (GeoTIFF)"."""

from __future__ import annotations

import pytest

pytest.importorskip("rasterio")

from geolocator.core.sources.registry import swapped_hint  # noqa: E402

from .test_swapped_inputs import _ortho, _tif  # noqa: E402


def _shots(tmp_path):
    """(Not a fixture: training/mutation_check_direct.py gives tests tmp_path and monkeypatch only.)"""
    folder = tmp_path / "shots"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"")  # names only: the hint reads no photo pixels
    return folder


def _is(hint: str, shots, tif) -> str:
    """The words between "<tif> is " and ": were the photos", from the hint's fixed frame."""
    head = f"{shots} holds photos (1 .jpg file) and {tif} is "
    assert hint.startswith(head) and ": were the photos and --tiles swapped? " in hint
    return hint[len(head):hint.index(": were the photos")]


def test_a_georeferenced_geotiff_is_still_imagery_geotiff(tmp_path):
    shots = _shots(tmp_path)
    ortho = _ortho(tmp_path / "ortho.tif")
    assert _is(swapped_hint(shots, [ortho], "locate"), shots, ortho) == "imagery (GeoTIFF)"


def test_a_tiff_without_georeference_is_not_called_a_geotiff(tmp_path):
    shots = _shots(tmp_path)
    plain = _tif(tmp_path / "plain.tif", None, None)  # no transform, no CRS: a plain image
    words = _is(swapped_hint(shots, [plain], "locate"), shots, plain)
    assert words == "a TIFF without georeference (not a GeoTIFF: no position on the ground)"


def test_a_geotiff_without_a_crs_is_said_to_lack_one(tmp_path):
    shots = _shots(tmp_path)
    nocrs = _ortho(tmp_path / "nocrs.tif", crs=None)  # a position, no coordinate system
    words = _is(swapped_hint(shots, [nocrs], "locate"), shots, nocrs)
    assert words == "imagery (a GeoTIFF without a coordinate system: --epsg gives it)"


def test_a_tif_that_cannot_be_read_is_not_called_imagery(tmp_path):
    shots = _shots(tmp_path)
    broken = tmp_path / "broken.tif"
    broken.write_bytes(b"not a tiff at all")
    assert _is(swapped_hint(shots, [broken], "locate"), shots, broken) == "a TIFF that cannot be read"


def test_a_tiff_placed_by_ground_control_points_only_says_so(tmp_path):
    import numpy as np
    import rasterio
    from rasterio.control import GroundControlPoint

    shots = _shots(tmp_path)
    gcp_tif = tmp_path / "gcps.tif"
    gcps = [GroundControlPoint(row=r, col=c, x=500_000 + c, y=5_500_000 - r) for r, c in ((0, 0), (0, 63), (63, 0))]
    with rasterio.open(gcp_tif, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8") as ds:
        ds.write(np.zeros((1, 64, 64), np.uint8))
        ds.gcps = (gcps, rasterio.crs.CRS.from_epsg(32633))  # GCPs, no geotransform (cut from a north-up copy)
    words = _is(swapped_hint(shots, [gcp_tif], "locate"), shots, gcp_tif)
    assert words == "imagery (a GeoTIFF placed by ground control points)"


def test_other_readers_keep_their_name(tmp_path):
    shots = _shots(tmp_path)
    table = tmp_path / "tiles.csv"
    table.write_text("id,path,west,south,east,north\n")
    assert _is(swapped_hint(shots, [table], "locate"), shots, table) == "imagery (tiles.csv)"
