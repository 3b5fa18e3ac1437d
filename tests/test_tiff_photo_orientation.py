"""A TIFF photo tagged with an Orientation (a lossless turn or mirror by an editor, a camera that
writes TIFF) is read upright, as a JPEG or PNG with the same tag is (session 32, fieldfuzz32).

rasterio (GDAL) decodes TIFFs and ignores the tag: before, such a photo was matched as stored,
turned or mirrored, and a mirrored photo (Orientation 2, 4, 5, 7) cannot verify against any tile.
A georeferenced TIFF keeps its pixels as its geotransform places them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core.images import image_size, open_image
from geolocator.core.media.metadata import read_photo_meta
from geolocator.core.model import Query

from .demo_features import DEMO, demo_workspace, load_demo_features

pytest.importorskip("rasterio")

# the stored image such that showing it as its Orientation says gives the upright photo
STORED = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def _tagged_tiff(upright: Image.Image, orientation: int, path: Path) -> Path:
    upright.transpose(STORED[orientation]).save(path, "TIFF", tiffinfo={0x0112: orientation})
    return path


def _upright(name: str = "q_0001.jpg") -> Image.Image:
    return Image.open(DEMO / "queries" / name).convert("RGB")


@pytest.mark.parametrize("orientation", sorted(STORED))
def test_a_tagged_tiff_photo_is_read_upright(tmp_path, orientation):
    upright = _upright()
    path = _tagged_tiff(upright, orientation, tmp_path / f"o{orientation}.tif")
    read = open_image(path)
    assert read.size == upright.size
    assert np.array_equal(np.asarray(read), np.asarray(upright))


def test_its_metadata_gives_the_stored_size_and_the_tag(tmp_path):
    """`width` x `height` are the image as stored (as for a JPEG), so the quarter-turn rule turns the
    footprint once, not twice (Pillow 11+ reports a TIFF's displayed size)."""
    upright = _upright()  # 384 x 288
    meta = read_photo_meta(_tagged_tiff(upright, 6, tmp_path / "o6.tif"))
    assert (meta.width, meta.height, meta.orientation) == (288, 384, 6)
    assert image_size(tmp_path / "o6.tif") == (288, 384)


def test_a_georeferenced_tiff_keeps_its_pixels_as_its_geotransform_places_them(tmp_path):
    """An orthophoto's pixels are where its geotransform (here its .tfw) puts them; a stray
    Orientation tag does not turn them (GDAL ignores it too)."""
    import rasterio

    upright = _upright()
    path = tmp_path / "ortho.tif"
    upright.save(path, "TIFF", tiffinfo={0x0112: 6})
    path.with_suffix(".tfw").write_text("0.5\n0\n0\n-0.5\n500000.25\n3999999.75\n")
    with rasterio.open(path) as ds:
        assert not ds.transform.is_identity  # GDAL reads the world file: georeferenced
    assert np.array_equal(np.asarray(open_image(path)), np.asarray(upright))


def test_a_mirrored_tiff_photo_is_located_where_the_demo_says(tmp_path):
    """Real behaviour on the demo (committed backbone features, real verification): demo photos
    saved as TIFFs stored mirrored and tagged Orientation 2 or 7 are verified and placed as close to
    their truth as the JPEGs; before, read mirrored, they verified against no tile."""
    features = load_demo_features()
    ids = [str(i) for i in features["photo_ids"]]
    names = ("q_0001.jpg", "q_0005.jpg")
    rows = [next(i for i, pid in enumerate(ids) if Path(pid).name == n) for n in names]
    # the TIFFs' backbone features are the JPEGs' (the backbone sees the upright photo either way)
    features["photo_ids"] = np.array(ids + [Path(ids[r]).with_suffix(".tif").name for r in rows])
    features["photos"] = np.concatenate([features["photos"], features["photos"][rows]])
    ws, region = demo_workspace(tmp_path, features)
    originals = {Path(q.path).name: q for q in region.queries}
    ws.locate([originals[n] for n in names])
    ref = {Path(p.query.path).stem: p for p in ws.last.predictions}
    for orientation in (2, 7):
        folder = tmp_path / f"o{orientation}"
        folder.mkdir()
        tiffs = [Query(id=Path(n).stem + ".tif", truth=originals[n].truth,
                       path=_tagged_tiff(_upright(n), orientation, folder / (Path(n).stem + ".tif"))) for n in names]
        ws.locate(tiffs)
        for got in ws.last.predictions:
            want = ref[Path(got.query.path).stem]
            assert want.status == "verified"
            assert got.status == "verified", (orientation, got.query.id, got.status, got.error_m)
            assert got.error_m < want.error_m + 2.0, (orientation, got.query.id, got.error_m, want.error_m)
