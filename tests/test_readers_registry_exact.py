"""Exact answers for the tile-set plumbing never mutated before session 8: core/sources/registry.py
(which reader opens a path), tile_image.py (a tile's pixels, whatever the format), tilepackage.py
(packages as a registry entry) and core/tilesets.py (load_tileset, is_imagery). Written for the
survivors of their mutation run (training/results/mutation_readers.md); every file is written by the
test itself (tiny PNGs, a one-table GeoPackage, an XYZ folder), every expected value worked out by hand.
"""

from __future__ import annotations

import io
import logging
import sqlite3
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.model import Bounds, PixelWindow, Tile
from geolocator.core.sources import gpkg, mbtiles, pmtiles, registry, tile_image, tilepackage
from .helpers import GPKG_MINIMAL_TABLES, GeolocatorLogs

DESCRIBE = ("a tile package (.mbtiles, .pmtiles, .gpkg), a tiles.csv, a GeoTIFF (.tif; a .vrt or .jp2 too), z/x/y tile folders, "
            "images with world files (.pgw .jgw .tfw .wld .pngw .jpgw .jpegw .tifw .tiffw .webpw), "
            "a Google Earth image overlay (.kmz, or .kml beside its image)")


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


_Logs = GeolocatorLogs


def _png(path: Path, size=(4, 4), colour=(10, 20, 30), alpha=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if alpha is None:
        Image.new("RGB", size, colour).save(path)
    else:  # the first `alpha` pixels (row by row) opaque, the rest transparent
        im = Image.new("RGBA", size, (*colour, 0))
        for i in range(alpha):
            im.putpixel((i % size[0], i // size[0]), (*colour, 255))
        im.save(path)
    return path


def _png_bytes(size, colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "PNG")
    return buf.getvalue()


def _one_tile_gpkg(path: Path, data: bytes | None) -> Path:
    """Table "t", EPSG:4326, one 2 x 1 matrix of 8 x 4 px tiles of 0.125 x 0.25 deg pixels over lon 0..2,
    lat 0..1; tile 0/0/0 holds `data`."""
    db = sqlite3.connect(path)
    db.executescript(GPKG_MINIMAL_TABLES + """
    CREATE TABLE t (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
    INSERT INTO gpkg_spatial_ref_sys VALUES ('s', 4326, 'EPSG', 4326, 'undefined', '');
    INSERT INTO gpkg_contents VALUES ('t', 'tiles', 'one');
    INSERT INTO gpkg_tile_matrix_set VALUES ('t', 4326, 0, 0, 2, 1);
    INSERT INTO gpkg_tile_matrix VALUES ('t', 0, 2, 1, 8, 4, 0.125, 0.25);
    """)
    db.execute("INSERT INTO t VALUES (0, 0, 0, ?)", (data,))
    db.commit()
    db.close()
    return path


# ----------------------------------------------------------------------------------- registry.py


def test_registry_readers_in_detection_order_and_their_names():
    assert registry.READER_MODULES == ("tilepackage", "csv", "geotiff", "xyz", "worldfile", "kml_overlay")
    assert [r.name for r in registry.readers()] == [
        "tile package", "tiles.csv", "GeoTIFF", "XYZ/TMS folder", "images with world files", "KMZ/KML image overlay"]
    assert registry.MIN_VALID_FRACTION == 0.5
    assert registry.LoadOptions() == registry.LoadOptions(None, None, None, 0.0, (), None, None)


def test_registry_picks_the_first_reader_that_claims_a_path(tmp_path):
    csv_file = tmp_path / "tiles.csv"
    csv_file.write_text("path,west,south,east,north\n")
    assert registry.reader_for(csv_file).name == "tiles.csv"
    assert registry.reader_for(str(tmp_path)).name == "tiles.csv"  # a folder holding tiles.csv
    g = _one_tile_gpkg(tmp_path / "a.GPKG", b"x")
    assert registry.reader_for(g).name == "tile package"
    assert registry.reader_for(tmp_path / "x.txt") is None


def test_registry_load_refusals_name_what_it_expected(tmp_path):
    e = _err(registry.load, tmp_path / "none")
    assert (e.path, e.problem) == (tmp_path / "none", "not found")
    empty = tmp_path / "empty"
    empty.mkdir()
    e = _err(registry.load, empty)
    assert (e.path, e.problem) == (empty, f"not a tile set: expected {DESCRIBE}")
    other = tmp_path / "notes.txt"
    other.write_text("x")
    e = _err(registry.load, str(other))
    assert (e.path, e.problem) == (other, f"unsupported tile set file: give {DESCRIBE}")


def test_registry_load_gives_the_options_to_the_reader(tmp_path):
    _png(tmp_path / "a.png")
    (tmp_path / "tiles.csv").write_text("path,west,south,east,north\na.png,1,2,3,4\n")
    ts = registry.load(str(tmp_path))
    assert ts.source == tmp_path / "tiles.csv" and [t.bounds for t in ts.tiles] == [Bounds(1, 2, 3, 4)]
    g = _one_tile_gpkg(tmp_path / "a.gpkg", b"x")
    ts = registry.load(g, registry.LoadOptions(zoom=0))
    assert ts.zoom == 0 and [t.id for t in ts.tiles] == ["t/0/0/0"]
    e = _err(registry.load, g, registry.LoadOptions(zoom=3))
    assert e.problem == "no tiles at zoom 3; the package has zoom levels 0-0"


def test_tiles_with_mostly_transparent_pixels_are_left_out_and_counted(tmp_path):
    # 4 x 4 tiles: 8 of 16 pixels opaque is exactly half (kept), 7 is under half (left out)
    half = _png(tmp_path / "half.png", alpha=8)
    under = _png(tmp_path / "under.png", alpha=7)
    none = _png(tmp_path / "none.png", alpha=0)
    plain = _png(tmp_path / "plain.png")
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    tiles = [Tile(id=p.name, path=p, bounds=Bounds(0, 0, 1, 1)) for p in (half, under, plain, broken, none)]
    with _Logs() as logs:
        kept = registry.keep_tiles_with_data(tiles, tmp_path)
    assert [t.id for t in kept] == ["half.png", "plain.png", "broken.png"]
    assert [(r.levelno, r.getMessage()) for r in logs.records] == [
        (logging.INFO, f"{tmp_path}: 2 of 5 tiles left out: more than half of each is transparent (no data)")]
    with _Logs() as logs:
        assert registry.keep_tiles_with_data(tiles[2:4], tmp_path) == tuple(tiles[2:4])
    assert logs.records == []


# --------------------------------------------------------------------- tile_image.py, tilepackage.py


def test_package_readers_by_suffix_whatever_the_case(tmp_path):
    assert tile_image.PACKAGE_READERS == {".mbtiles": mbtiles, ".pmtiles": pmtiles, ".gpkg": gpkg}
    assert tile_image.PACKAGE_SUFFIXES == frozenset({".mbtiles", ".pmtiles", ".gpkg"})
    assert tile_image.is_package(Path("a.GPKG")) and tile_image.is_package("b.PMTiles")
    assert not tile_image.is_package(Path("a.gpkg.zip")) and not tile_image.is_package("tiles.csv")
    e = _err(tile_image.package_info, tmp_path / "a.zip")
    assert (e.path, e.problem) == (tmp_path / "a.zip", "not a tile package (expected .gpkg, .mbtiles, .pmtiles)")


def test_package_tiles_are_read_decoded_and_windowed(tmp_path):
    g = _one_tile_gpkg(tmp_path / "a.gpkg", _png_bytes((8, 4), (50, 60, 70)))
    info = tile_image.package_info(str(g))
    assert (info.kind, info.zooms, info.bounds, info.name) == ("gpkg", (0,), Bounds(0, 0, 2, 1), "one")
    ts = tile_image.load_package(str(g), zoom=0)
    assert ts.zoom == 0 and [(t.ref, t.bounds) for t in ts.tiles] == [("t/0/0/0", Bounds(0.0, 0.0, 1.0, 1.0))]
    assert tile_image.load_package(g, tile_size_m=1e9).zoom == 0
    tile = ts.tiles[0]
    assert tile_image.tile_bytes(tile) == _png_bytes((8, 4), (50, 60, 70))
    im = tile_image.open_tile_image(tile)
    assert (im.mode, im.size, im.getpixel((7, 3))) == ("RGB", (8, 4), (50, 60, 70))
    w = Tile(id="w", path=g, bounds=tile.bounds, ref="t/0/0/0", window=PixelWindow(1, 2, 7, 2))
    assert tile_image.open_tile_image(w).size == (7, 2)
    for i, win in enumerate([PixelWindow(2, 0, 7, 1), PixelWindow(0, 3, 1, 2), PixelWindow(-1, 0, 1, 1),
                             PixelWindow(0, -1, 1, 1)]):
        bad = Tile(id="w", path=g, bounds=tile.bounds, ref="t/0/0/0", window=win)
        e = _err(tile_image.open_tile_image, bad)
        assert (e.path, e.problem) == (g, f"tile t/0/0/0: pixel window {win} lies outside the 8x4 tile")
    thumb = tile_image.tile_thumbnail(tile, 2)
    assert thumb.size == (2, 1)
    missing = Tile(id="m", path=g, bounds=tile.bounds, ref="t/0/1/0")
    e = _err(tile_image.tile_bytes, missing)
    assert (e.path, e.problem) == (g, "tile t/0/1/0 is not in the package")
    plain = Tile(id="p", path=g, bounds=tile.bounds)
    e = _err(tile_image.tile_bytes, plain)
    assert (e.path, e.problem) == (g, "not a tile inside a package")


def test_plain_tiles_open_as_image_files_with_their_window_and_reduced(tmp_path):
    p = tmp_path / "a.jpg"
    Image.new("RGB", (64, 32), (0, 200, 0)).save(p, quality=95)
    t = Tile(id="a", path=p, bounds=Bounds(0, 0, 1, 1))
    assert tile_image.open_tile_image(t).size == (64, 32)
    assert tile_image.open_tile_image(t, min_side=8).size == (16, 8)  # JPEG drafted at 1/4
    tw = Tile(id="a", path=p, bounds=Bounds(0, 0, 1, 1), window=PixelWindow(4, 2, 10, 6))
    assert tile_image.open_tile_image(tw).size == (10, 6)
    assert tile_image.tile_thumbnail(t, 16).size == (16, 8)


def test_tile_package_reader_claims_package_files_only(tmp_path):
    g = _one_tile_gpkg(tmp_path / "a.GPKG", b"x")
    folder = tmp_path / "b.gpkg"
    folder.mkdir()
    assert tilepackage._claims(g) and not tilepackage._claims(folder)
    assert not tilepackage._claims(tmp_path / "c.gpkg")  # not a file
    (tmp_path / "d.csv").write_text("x")
    assert not tilepackage._claims(tmp_path / "d.csv")
    assert (tilepackage.READER.name, tilepackage.READER.describe) == (
        "tile package", "a tile package (.mbtiles, .pmtiles, .gpkg)")
    assert tilepackage._load(g, registry.LoadOptions(zoom=0, tile_size_m=5.0)).zoom == 0
    e = _err(tilepackage._load, g, registry.LoadOptions(zoom=1))
    assert e.problem == "no tiles at zoom 1; the package has zoom levels 0-0"
    e = _err(tilepackage._load, g, registry.LoadOptions(tile_size_m=-1.0))
    assert e.problem == "target tile ground size must be a positive number of metres, got -1.0"


# ------------------------------------------------------------------------------------- tilesets.py


def test_load_tileset_hands_every_option_to_the_registry(tmp_path, monkeypatch):
    from geolocator.core import tilesets
    from geolocator.core.model import LatLon, TileSet

    seen = []
    monkeypatch.setattr(tilesets, "load", lambda path, options: seen.append((path, options)) or TileSet((), path))
    f = tmp_path / "x.tif"
    f.write_bytes(b"")
    area = Bounds(1, 2, 3, 4)
    p1, p2 = LatLon(1.0, 2.0), LatLon(3.0, 4.0)
    out = tilesets.load_tileset(str(f), epsg="EPSG:32611", tms=True, tile_size_m=50.0, overlap=0.25,
                                hint_points=[p1, None, p2], area=area, zoom=17)
    assert out == TileSet((), f)
    assert seen == [(f, registry.LoadOptions(epsg="EPSG:32611", tms=True, tile_size_m=50.0, overlap=0.25,
                                             hint_points=(p1, p2), area=area, zoom=17))]
    seen.clear()
    tilesets.load_tileset(f)
    assert seen == [(f, registry.LoadOptions())]


def _xyz_folder(root: Path) -> Path:
    for z, x, y in [(17, 5, 6), (18, 10, 12), (18, 11, 12)]:
        _png(root / str(z) / str(x) / f"{y}.png", size=(8, 8))
    return root


def test_load_tileset_keeps_one_zoom_of_an_xyz_folder_and_its_attribution(tmp_path):
    from geolocator.core import tilesets

    root = _xyz_folder(tmp_path / "xyz")
    ts = tilesets.load_tileset(root, tms=False, zoom=18)
    assert ts.zoom == 18 and sorted(t.id for t in ts.tiles) == ["18/10/12.png", "18/11/12.png"]
    assert ts.attribution is None
    (root / "metadata.json").write_text('{"attribution": "(c) somebody"}', encoding="utf-8")
    ts = tilesets.load_tileset(str(root), tms=False, zoom=17)
    assert [t.id for t in ts.tiles] == ["17/5/6.png"] and ts.attribution == "(c) somebody"
    e = _err(tilesets.load_tileset, root, tms=False, zoom=3)
    assert e.problem == "no tiles at zoom 3; the folder has zoom levels 17, 18"
    # a region folder (tiles.csv) has no zoom levels: the zoom is not applied to it
    region = tmp_path / "region"
    _png(region / "a.png")
    (region / "tiles.csv").write_text("path,west,south,east,north\na.png,1,2,3,4\n")
    (region / "metadata.json").write_text('{"attribution": "(c) region"}', encoding="utf-8")
    ts = tilesets.load_tileset(region, zoom=3)
    assert [t.id for t in ts.tiles] == ["a.png"] and ts.attribution == "(c) region" and ts.zoom is None
    # a file: no folder attribution
    ts = tilesets.load_tileset(region / "tiles.csv")
    assert ts.attribution is None


def test_is_imagery_tells_tile_sets_from_photos(tmp_path):
    import numpy as np
    import rasterio
    from affine import Affine

    from geolocator.core import tilesets

    assert tilesets.is_imagery(_xyz_folder(tmp_path / "xyz"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert not tilesets.is_imagery(empty)
    assert not tilesets.is_imagery(tmp_path / "missing.tif")
    photo = _png(tmp_path / "p.png")
    assert not tilesets.is_imagery(photo)
    ortho = _png(tmp_path / "o.png")
    (tmp_path / "o.pgw").write_text("1\n0\n0\n-1\n500000\n4000000\n")
    assert tilesets.is_imagery(ortho)
    plain_tif = tmp_path / "plain.tif"
    Image.new("RGB", (8, 8)).save(plain_tif)
    assert not tilesets.is_imagery(plain_tif)
    geo_tif = tmp_path / "geo.TIF"
    with rasterio.open(geo_tif, "w", driver="GTiff", width=8, height=8, count=1, dtype="uint8", crs="EPSG:32611",
                       transform=Affine(1.0, 0.0, 500000.0, 0.0, -1.0, 4000000.0)) as dst:
        dst.write(np.zeros((1, 8, 8), np.uint8))
    assert tilesets.is_imagery(geo_tif)


def _jpeg_bytes(size, colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, "JPEG", quality=95)
    return buf.getvalue()


def test_package_tiles_decode_reduced_and_their_damage_is_named(tmp_path, monkeypatch):
    g = _one_tile_gpkg(tmp_path / "j.gpkg", _jpeg_bytes((64, 32), (0, 90, 180)))
    tile = tile_image.load_package(g, zoom=0).tiles[0]
    assert tile_image.open_tile_image(tile).size == (64, 32)
    assert tile_image.open_tile_image(tile, min_side=8).size == (16, 8)  # drafted at 1/4
    # a window starting at the tile's first column and row
    w = Tile(id="w", path=g, bounds=tile.bounds, ref=tile.ref, window=PixelWindow(0, 0, 64, 32))
    assert tile_image.open_tile_image(w).size == (64, 32)
    w = Tile(id="w", path=g, bounds=tile.bounds, ref=tile.ref, window=PixelWindow(0, 31, 2, 1))
    assert tile_image.open_tile_image(w).size == (2, 1)
    w = Tile(id="w", path=g, bounds=tile.bounds, ref=tile.ref, window=PixelWindow(63, 0, 1, 2))
    assert tile_image.open_tile_image(w).size == (1, 2)
    # the thumbnail asks the decoder for its size (a JPEG then decodes reduced)
    seen = []
    real = tile_image.decode_tile
    monkeypatch.setattr(tile_image, "decode_tile", lambda data, path, ref, min_side=None, keep_alpha=False:
                        seen.append((min_side, keep_alpha)) or real(data, path, ref, min_side, keep_alpha))
    # (its no data filled, as matching reads it: the map alone keeps alpha, alphamap34)
    assert tile_image.tile_thumbnail(tile, 12).size == (12, 6) and seen == [(12, False)]
    monkeypatch.undo()
    bad = _one_tile_gpkg(tmp_path / "bad.gpkg", b"not an image")
    t = tile_image.load_package(bad, zoom=0).tiles[0]
    e = _err(tile_image.open_tile_image, t)
    assert (e.path, e.problem) == (bad, "tile t/0/0/0: not an image, or a format that cannot be read")
