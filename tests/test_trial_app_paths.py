"""Imagery given to the app beside photos (its command line, a drop on the window) opens as the
tile set: a georeferenced TIFF, an image with a world file, a z/x/y folder. A plain TIFF photo
stays a photo.

Found by the session-6 new-user trial: `geolocator ortho.tif photos/` listed the orthophoto as a
drone image ("12 drone image(s) added … Open a tile set"), and so did ortho.jpg with its .jgw.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core.tilesets import is_imagery
from geolocator.gui.main_window import split_paths

rasterio = pytest.importorskip("rasterio")


def test_imagery_beside_photos_is_told_apart_from_the_photos(tmp_path):
    from rasterio.transform import from_origin

    pixels = np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    ortho = tmp_path / "ortho.tif"
    with rasterio.open(ortho, "w", driver="GTiff", width=64, height=64, count=1, dtype="uint8",
                       crs="EPSG:32611", transform=from_origin(658_900, 4_001_200, 0.5, 0.5)) as ds:
        ds.write(pixels[None])
    thermal = tmp_path / "thermal.tif"  # a photo saved as TIFF: no georeference
    Image.fromarray(pixels).save(thermal)
    exported = tmp_path / "exported.jpg"
    Image.fromarray(pixels).convert("RGB").save(exported)
    (tmp_path / "exported.jgw").write_text("0.5\n0\n0\n-0.5\n658900.25\n4001199.75\n")
    xyz = tmp_path / "xyz"
    (xyz / "19" / "94324").mkdir(parents=True)
    Image.fromarray(pixels).save(xyz / "19" / "94324" / "205123.png")
    photos = tmp_path / "photos"
    (photos / "day1").mkdir(parents=True)
    photo = photos / "day1" / "DJI_0001.JPG"
    Image.fromarray(pixels).convert("RGB").save(photo)

    assert [is_imagery(p) for p in (ortho, thermal, exported, xyz, photos, photo)] == [True, False, True, True, False, False]
    tiles, images = split_paths([photos, ortho, thermal, exported, xyz, photo])
    assert tiles == [ortho, exported, xyz] and images == [photos, thermal, photo]
