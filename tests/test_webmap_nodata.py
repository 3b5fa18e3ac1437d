"""The web map's basemap keeps the tiles' no data transparent (kmzmap33): a rotated KMZ overlay's
north-up copy and a GeoTIFF with a nodata border no longer paint black or grey wedges over the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("rasterio")

from .flight_helpers import demo_mosaic  # noqa: E402
from .test_kml_overlay import _box, _kml, _kmz, _rotated_overlay_image  # noqa: E402

from geolocator.core import webmap  # noqa: E402
from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.model import Bounds, Tile, TileSet  # noqa: E402
from geolocator.core.sources import registry  # noqa: E402
from geolocator.core.sources.registry import LoadOptions  # noqa: E402
from geolocator.core.sources.tile_image import tile_valid_mask  # noqa: E402


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


@pytest.fixture
def rotated(tmp_path):
    """The demo mosaic (0.5 scale) turned 25° in a LatLonBox, loaded in ~100 m windows."""
    mosaic, b = demo_mosaic(0.5)
    kmz = _kmz(tmp_path / "rot25.kmz", _kml(_box(b, 25.0)), _rotated_overlay_image(mosaic, b, 25.0))
    return registry.load(kmz, LoadOptions(tile_size_m=100.0)), b


def test_a_rotated_overlays_corners_are_transparent_on_the_basemap(rotated):
    ts, b = rotated
    img = webmap.render_basemap(ts, max_px=256)
    assert img.mode == "RGBA"
    alpha = np.asarray(img)[..., 3]
    h, w = alpha.shape
    # the box's corners lie outside the overlay turned 25° about its centre: no data there
    assert alpha[0, 0] == alpha[0, -1] == alpha[-1, 0] == alpha[-1, -1] == 0
    assert (alpha[h // 2 - 10:h // 2 + 10, w // 2 - 10:w // 2 + 10] == 255).all()  # the centre is opaque
    # inside a tile, the copy's no data (outside the rotated overlay) is transparent, its data opaque
    for tile in ts.tiles:
        valid = tile_valid_mask(tile, 40, 40)
        if valid is not None and 0.1 < valid.mean() < 0.9:
            break
    else:
        pytest.fail("no tile is partly no data")
    assert not valid.all() and valid.any()
    one = webmap.render_basemap(TileSet((tile,), ts.source), max_px=64)
    a = np.asarray(one)[..., 3]
    big = np.asarray(Image.fromarray(valid.astype(np.uint8) * 255).resize(one.size, Image.Resampling.NEAREST)) > 0
    assert (a[~big] == 0).mean() > 0.95 and (a[big] == 255).mean() > 0.95  # a pixel's slip at the edge


def test_the_rotated_copys_no_data_is_left_out_of_matching(rotated):
    # what the matchers read: no data filled with one flat colour (images.fill_invalid), never
    # black or the overlay's own pixels
    ts, _ = rotated
    tile = next(t for t in ts.tiles if (m := tile_valid_mask(t, t.window.width, t.window.height)) is not None
                and 0.1 < m.mean() < 0.9)
    valid = tile_valid_mask(tile, tile.window.width, tile.window.height)
    px = np.asarray(open_image(tile.path, tile.window))
    fill = np.unique(px[~valid].reshape(-1, 3), axis=0)
    assert len(fill) == 1 and fill[0].tolist() != [0, 0, 0]


def test_a_transparent_basemap_is_written_with_its_alpha_and_named_for_its_format(rotated, tmp_path):
    ts, _ = rotated
    folder = tmp_path / "assets"
    m = webmap.build_map(ts, [], assets=webmap.Assets(folder))
    files = [p for p in folder.iterdir() if p.name.startswith("basemap_")]
    assert len(files) == 1 and files[0].suffix in (".webp", ".png")
    assert files[0].as_uri() in m.get_root().render()
    with Image.open(files[0]) as back:
        assert back.mode == "RGBA" and back.getchannel("A").getextrema() == (0, 255)
    # built again, the page reuses the file rather than drawing the basemap again
    m2 = webmap.build_map(ts, [], assets=webmap.Assets(folder), progress=lambda e: pytest.fail("redrawn"))
    assert files[0].as_uri() in m2.get_root().render()


def test_an_opaque_basemap_stays_jpeg(tmp_path):
    p = tmp_path / "a.png"
    Image.new("RGB", (16, 16), (200, 10, 10)).save(p)
    ts = TileSet((Tile("a", p, Bounds(0, 0, 1, 1)),), tmp_path)
    m = webmap.build_map(ts, [], assets=webmap.Assets(tmp_path / "assets"))
    assert [q.suffix for q in (tmp_path / "assets").iterdir()] == [".jpg"]
    assert "basemap_" in m.get_root().render()


def test_a_geotiff_with_a_nodata_border_is_transparent_there(tmp_path):
    import rasterio
    from rasterio.transform import from_bounds

    data = np.full((3, 64, 64), 120, np.uint8)
    data[:, :, :16] = 0  # the west quarter is the nodata value
    path = tmp_path / "ortho.tif"
    with rasterio.open(path, "w", driver="GTiff", width=64, height=64, count=3, dtype="uint8", nodata=0,
                       crs="EPSG:4326", transform=from_bounds(0, 0, 1, 1, 64, 64)) as ds:
        ds.write(data)
    img = webmap.render_basemap(TileSet((Tile("ortho.tif", path, Bounds(0, 0, 1, 1)),), tmp_path), max_px=64)
    a = np.asarray(img)
    assert img.mode == "RGBA" and (a[:, :16, 3] == 0).all() and (a[:, 16:, 3] == 255).all()
    assert (a[:, 16:, :3] == 120).all()


def test_a_transparent_photo_thumbnail_stays_a_cached_jpeg(tmp_path):
    from .helpers import two_tile_prediction

    pred = two_tile_prediction(tmp_path)
    thumb = Image.new("RGBA", (40, 30), (10, 200, 10, 0))
    folder = tmp_path / "assets"
    webmap.build_map(None, [pred], assets=webmap.Assets(folder), thumbnail=lambda p: thumb)
    assert [p.suffix for p in folder.iterdir()] == [".jpg"]
    webmap.build_map(None, [pred], assets=webmap.Assets(folder), thumbnail=lambda p: pytest.fail("drawn again"))
