"""The map's basemap keeps the alpha of PNG tiles (alphamap34): an orthophoto clipped to a county's
boundary, delivered as an XYZ folder of PNGs or as an MBTiles / PMTiles / GeoPackage of PNG tiles,
was drawn with opaque blocks of one flat colour (the opaque pixels' mean, grey 127 for an empty
tile) over the map around it. JPEG tiles have no alpha and stay opaque, black pixels included;
matching and thumbnails still read no data as one flat colour (images.fill_invalid)."""

from __future__ import annotations

import io
from pathlib import Path

import mercantile
import numpy as np
import pytest
from PIL import Image, ImageDraw

from geolocator.core import webmap
from geolocator.core.geo import xyz_tile_bounds
from geolocator.core.model import Bounds, Tile, TileSet
from geolocator.core.sources.pmtiles import write_pmtiles
from geolocator.core.sources.tile_image import open_tile_image, tile_thumbnail
from geolocator.core.tilesets import load_tileset

from .tile_packages import demo_mosaic, write_gpkg_web_mercator, write_mbtiles

ZOOM = 19
SOURCES = ("folder", "mbtiles", "pmtiles", "gpkg")


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def clipped(tmp_path_factory):
    """The demo mosaic clipped to a disc (alpha 0 outside: a county's orthophoto) cut into XYZ PNG
    tiles at ZOOM, as a folder and as each package; and the disc mask over the mosaic's bounds."""
    mosaic, b = demo_mosaic()
    disc = Image.new("L", mosaic.size, 0)
    w, h = mosaic.size
    ImageDraw.Draw(disc).ellipse((w * 0.15, h * 0.15, w * 0.85, h * 0.85), fill=255)
    rgba = mosaic.convert("RGBA")
    rgba.putalpha(disc)
    tiles = {}
    for t in mercantile.tiles(b.west, b.south, b.east, b.north, [ZOOM]):
        tb = xyz_tile_bounds(t.z, t.x, t.y)
        box = ((tb.west - b.west) * w / (b.east - b.west), (b.north - tb.north) * h / (b.north - b.south),
               (tb.east - b.west) * w / (b.east - b.west), (b.north - tb.south) * h / (b.north - b.south))
        tiles[(t.z, t.x, t.y)] = _png(rgba.transform((256, 256), Image.Transform.EXTENT, box,
                                                     Image.Resampling.BILINEAR, fillcolor=(0, 0, 0, 0)))
    root = tmp_path_factory.mktemp("clipped")
    for (z, x, y), data in tiles.items():
        p = root / "xyz" / str(z) / str(x) / f"{y}.png"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    paths = {"folder": root / "xyz", "mbtiles": write_mbtiles(root / "clip.mbtiles", tiles),
             "pmtiles": write_pmtiles(root / "clip.pmtiles", tiles, fmt="png"),
             "gpkg": write_gpkg_web_mercator(root / "clip.gpkg", tiles)}
    return paths, b


def _lonlat_pixel(img: Image.Image, bounds: Bounds, lon: float, lat: float) -> tuple[int, int]:
    """(col, row) of (lon, lat) in a basemap spanning `bounds` (linear in degrees, as drawn)."""
    col = int((lon - bounds.west) / bounds.width_deg * img.width)
    row = int((bounds.north - lat) / (bounds.north - bounds.south) * img.height)
    return min(col, img.width - 1), min(row, img.height - 1)


@pytest.mark.parametrize("source", SOURCES)
def test_a_clipped_png_tile_sets_edge_is_transparent_on_the_basemap(clipped, source):
    paths, b = clipped
    ts = load_tileset(paths[source], zoom=ZOOM)
    img = webmap.render_basemap(ts, max_px=256)
    assert img.mode == "RGBA"
    px = np.asarray(img)
    # the demo region's corners lie outside the disc: no data there (they were flat mean-colour or
    # grey 127 blocks), the disc's centre is the imagery, opaque
    for lon, lat in ((b.west, b.north), (b.east, b.north), (b.west, b.south), (b.east, b.south)):
        col, row = _lonlat_pixel(img, ts.bounds, lon + 0.02 * b.width_deg * (1 if lon == b.west else -1),
                                 lat + 0.02 * (b.north - b.south) * (-1 if lat == b.north else 1))
        assert px[row, col, 3] == 0, (lon, lat)
    col, row = _lonlat_pixel(img, ts.bounds, b.center.lon, b.center.lat)
    centre = px[row - 5:row + 5, col - 5:col + 5]
    assert (centre[..., 3] == 255).all() and centre[..., :3].std() > 3  # imagery, not a flat fill


def test_partial_alpha_is_kept_and_an_opaque_png_or_a_black_jpeg_stays_opaque(tmp_path):
    half = Image.new("RGBA", (32, 32), (200, 40, 40, 255))
    half.paste((200, 40, 40, 128), (16, 0, 32, 32))  # the east half is half transparent
    (tmp_path / "half.png").write_bytes(_png(half))
    Image.new("RGBA", (32, 32), (10, 200, 10, 255)).save(tmp_path / "opaque.png")
    black = Image.new("RGB", (32, 32), (0, 0, 0))
    black.paste((90, 90, 200), (0, 0, 16, 32))  # the east half is black pixels: data, not no data
    black.save(tmp_path / "black.jpg", quality=95)

    def basemap(name):
        return webmap.render_basemap(TileSet((Tile(name, tmp_path / name, Bounds(0, 0, 1, 1)),), tmp_path), max_px=32)

    a = np.asarray(basemap("half.png"))
    assert a.shape[2] == 4 and (a[:, :14, 3] == 255).all() and (np.abs(a[:, 18:, 3].astype(int) - 128) <= 1).all()
    assert (np.abs(a[:, 18:, :3].astype(int) - (200, 40, 40)) <= 2).all()  # its colour, not darkened
    assert basemap("opaque.png").mode == "RGB"  # an alpha band that is all 255: the basemap stays a JPEG
    jpg = basemap("black.jpg")
    assert jpg.mode == "RGB" and np.asarray(jpg)[:, 20:].max() < 20  # black stays drawn black


def test_a_jpeg_package_keeps_its_jpeg_basemap_and_a_png_one_is_written_with_alpha(clipped, tmp_path):
    from .tile_packages import demo_pyramid

    jpeg_package = write_mbtiles(tmp_path / "demo.mbtiles", demo_pyramid(zooms=(18,)))
    webmap.build_map(load_tileset(jpeg_package), [], assets=webmap.Assets(tmp_path / "jpeg"))
    assert [p.suffix for p in (tmp_path / "jpeg").iterdir()] == [".jpg"]
    paths, _ = clipped
    webmap.build_map(load_tileset(paths["mbtiles"], zoom=ZOOM), [], assets=webmap.Assets(tmp_path / "png"))
    (written,) = list((tmp_path / "png").iterdir())
    assert written.suffix in (".webp", ".png")
    with Image.open(written) as back:
        assert back.mode == "RGBA" and back.getchannel("A").getextrema() == (0, 255)


@pytest.mark.parametrize("source", ("folder", "mbtiles"))
def test_matching_and_thumbnails_read_the_transparent_edge_as_one_flat_colour(clipped, source):
    # what the matchers, the tile cards and the popups read (keep_alpha is the map's only): RGB, the
    # no data one colour, the opaque pixels' mean: neither black ground nor texture
    paths, _ = clipped
    ts = load_tileset(paths[source], zoom=ZOOM)
    for tile in ts.tiles:
        alpha = np.asarray(open_tile_image(tile, keep_alpha=True).convert("RGBA"))[..., 3]
        if 0.2 < (alpha == 0).mean() < 0.8:
            break
    else:
        pytest.fail("no tile is partly transparent")
    rgb = open_tile_image(tile)
    assert rgb.mode == "RGB" and tile_thumbnail(tile, 64).mode == "RGB"
    px = np.asarray(rgb)
    fill = np.unique(px[alpha == 0].reshape(-1, 3), axis=0)
    assert len(fill) == 1 and fill[0].min() > 40  # one flat colour, not black
    assert np.abs(fill[0].astype(float) - px[alpha == 255].reshape(-1, 3).mean(axis=0)).max() <= 2


def test_keep_alpha_is_rgba_only_where_a_pixel_is_transparent(tmp_path):
    from geolocator.core.images import open_image

    Image.new("LA", (8, 8), (90, 0)).save(tmp_path / "empty.png")
    Image.new("RGBA", (8, 8), (1, 2, 3, 255)).save(tmp_path / "full.png")
    assert open_image(tmp_path / "empty.png", keep_alpha=True).mode == "RGBA"
    assert open_image(tmp_path / "full.png", keep_alpha=True).mode == "RGB"
    assert open_image(tmp_path / "empty.png").mode == "RGB"  # matching's default: filled, as before


def test_a_downscaled_tiles_transparent_black_does_not_darken_its_edge(tmp_path):
    # a PNG's no data is often stored (0, 0, 0, 0): drawn smaller, its colour must not bleed into the
    # opaque pixels beside it (Pillow resizes RGBA premultiplied), nor the transparent ones turn opaque
    stripes = np.zeros((64, 64, 4), np.uint8)
    stripes[:, ::2] = (230, 230, 230, 255)  # every other column white and opaque, the rest transparent black
    Image.fromarray(stripes, "RGBA").save(tmp_path / "stripes.png")
    img = webmap.render_basemap(TileSet((Tile("s", tmp_path / "stripes.png", Bounds(0, 0, 1, 1)),), tmp_path), max_px=16)
    a = np.asarray(img)
    # half covered: half alpha (the outer columns' filter support is cut by the tile's edge)
    assert img.mode == "RGBA" and (np.abs(a[:, 1:-1, 3].astype(int) - 128) <= 2).all()
    assert (a[..., :3] >= 225).all()  # white, not the grey a blend with the transparent black would give


def test_a_basemap_an_older_version_left_opaque_is_drawn_again(clipped, tmp_path):
    # an exported map written again to the same place: its <page>_files/ holds the opaque basemap the
    # version before this one drew of the same tile set, named as it named it
    paths, _ = clipped
    ts = load_tileset(paths["mbtiles"], zoom=ZOOM)
    folder = tmp_path / "assets"
    folder.mkdir()
    old = folder / f"basemap_{ts.fingerprint()}_{webmap.BASEMAP_MAX_PX}.jpg"
    Image.new("RGB", (8, 8), (127, 127, 127)).save(old)
    page = webmap.build_map(ts, [], assets=webmap.Assets(folder)).get_root().render()
    assert old.as_uri() not in page
    (new,) = [p for p in folder.iterdir() if p != old]
    assert new.suffix in (".webp", ".png") and new.as_uri() in page
