"""An XYZ/TMS folder holding a pyramid (gdal2tiles writes every level from the overview down) is
read at one level, as a tile package is: the one nearest the asked tile size (100 m by default).

Found by the session-6 new-user trial: a gdal2tiles-like folder with zooms 18 and 19 was read as
39 tiles of both sizes mixed ("the first 124 x 123 m"), so a real pyramid (zooms 12-19) would rank
tiles kilometres wide beside 100 m ones.
"""

from __future__ import annotations

import mercantile
import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.tilesets import load_tileset

LON, LAT = -115.232, 36.140  # Las Vegas: a zoom-18 tile is ~124 m wide, zoom 19 ~62 m


@pytest.fixture()
def pyramid(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "pyramid"
    for z in range(15, 20):
        for t in mercantile.tiles(LON - 0.001, LAT - 0.001, LON + 0.001, LAT + 0.001, [z]):
            f = folder / str(t.z) / str(t.x) / f"{t.y}.png"
            f.parent.mkdir(parents=True, exist_ok=True)
            Image.fromarray(rng.integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(f)
    return folder


def _levels(ts):
    return {t.id.split("/")[0] for t in ts.tiles}


def test_a_pyramid_folder_is_read_at_the_level_nearest_100_m(pyramid):
    ts = load_tileset(pyramid, tms=False)
    assert ts.zoom == 18 and _levels(ts) == {"18"}


def test_the_asked_tile_size_picks_the_level(pyramid):
    assert load_tileset(pyramid, tms=False, tile_size_m=60).zoom == 19
    assert load_tileset(pyramid, tms=False, tile_size_m=900).zoom == 15


def test_zoom_still_picks_any_level_and_names_the_levels_when_absent(pyramid):
    ts = load_tileset(pyramid, tms=False, zoom=16)
    assert ts.zoom == 16 and _levels(ts) == {"16"}
    with pytest.raises(InputError, match="no tiles at zoom 12; the folder has zoom levels 15-19|15, 16, 17, 18, 19"):
        load_tileset(pyramid, tms=False, zoom=12)


def test_a_single_level_folder_is_read_as_before(pyramid):
    import shutil

    for z in (15, 16, 17, 19):
        shutil.rmtree(pyramid / str(z))
    ts = load_tileset(pyramid, tms=False)
    assert _levels(ts) == {"18"} and ts.zoom is None
