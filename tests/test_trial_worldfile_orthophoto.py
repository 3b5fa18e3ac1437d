"""An orthophoto exported as an image with a world file (ortho.jpg + ortho.jgw + ortho.prj, as
QGIS, ArcGIS and photogrammetry tools write) is cut into tiles like a GeoTIFF when the image itself
is given; a folder holding one is read as before, one tile per image, with a warning that says how.

Found by the session-6 new-user trial: `--tiles ortho.jpg` was refused ("unsupported tile set
file"), and the folder made one 330 x 401 m tile, on which 3 of 10 photos were not placed (9 of 10
on its 80 m windows, as on the same orthophoto as a GeoTIFF).
"""

from __future__ import annotations

import logging

import numpy as np
import pytest
from PIL import Image
from pyproj import CRS, Transformer

from geolocator.core.errors import InputError
from geolocator.core.images import open_image
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.tilesets import load_tileset

pytest.importorskip("rasterio")

EPSG = 32611
X0, Y0, PX = 658_900.0, 4_001_200.0, 0.5  # outer corner of the top-left pixel, metres
W, H = 1100, 900  # 550 x 450 m


def _ortho(folder, *, suffix=".jpg", world=".jgw", prj=True, rotation=0.0):
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    image = folder / f"ortho{suffix}"
    Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(image, quality=95)
    # the world file names the centre of the top-left pixel (ESRI convention)
    lines = [PX, rotation, rotation, -PX, X0 + PX / 2, Y0 - PX / 2]
    (folder / f"ortho{world}").write_text("\n".join(map(str, lines)) + "\n")
    if prj:
        (folder / "ortho.prj").write_text(CRS.from_epsg(EPSG).to_wkt(version="WKT1_ESRI"))
    return image


def _lonlat(x, y):
    return Transformer.from_crs(EPSG, 4326, always_xy=True).transform(x, y)


def test_an_image_with_a_world_file_given_itself_is_cut_into_windows(tmp_path):
    image = _ortho(tmp_path / "wf")
    ts = load_tileset(image, tile_size_m=100.0)
    assert len(ts) == 6 * 5  # 550 / 100 -> 6 columns (the last pulled back), 450 / 100 -> 5 rows
    first = ts.tiles[0]
    assert first.path == image and (first.window.col, first.window.row, first.window.width) == (0, 0, 200)
    lon, lat = _lonlat(X0, Y0)
    assert first.point_at(0, 0).lon == pytest.approx(lon, abs=1e-8)
    assert first.point_at(0, 0).lat == pytest.approx(lat, abs=1e-8)
    # the window's pixels are that part of the image
    whole = np.asarray(open_image(image))
    assert np.array_equal(np.asarray(open_tile_image(ts.tiles[1])), whole[0:200, ts.tiles[1].window.col:][:, :200])


def test_epsg_replaces_the_prj_and_no_crs_is_a_sentence(tmp_path):
    image = _ortho(tmp_path / "noprj", prj=False)
    with pytest.raises(InputError, match="needs the EPSG code"):
        load_tileset(image, tile_size_m=100.0)
    ts = load_tileset(image, epsg=EPSG, tile_size_m=100.0)
    lon, lat = _lonlat(X0 + 50, Y0 - 50)
    centre = ts.tiles[0].point_at(0.5, 0.5)
    assert (centre.lon, centre.lat) == pytest.approx((lon, lat), abs=1e-8)


def test_a_rotated_world_file_image_is_resampled_north_up_then_cut(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    image = _ortho(tmp_path / "rot", suffix=".png", world=".pgw", rotation=0.05)
    ts = load_tileset(image, tile_size_m=100.0)
    assert len(ts) > 20 and all(t.path != image and t.window is not None for t in ts.tiles)


def test_a_folder_with_one_big_world_file_image_warns_how_to_cut_it(tmp_path, caplog):
    image = _ortho(tmp_path / "folder")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = load_tileset(tmp_path / "folder", tile_size_m=100.0)
    assert len(ts) == 1  # a folder is still one tile per image
    assert f"ortho.jpg is {W}x{H} px" in caplog.text and f"--tiles {image}" in caplog.text
