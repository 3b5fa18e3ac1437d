"""Exact answers of the tile-set readers core/sources/geotiff.py, worldfile.py and xyz.py, written
for the survivors of session 7's full mutation run of them (training/results/mutation_sources.md),
after session 6 changed them (projected grids, open_quietly, XYZ pyramids, world-file orthophotos
cut into windows). Each test states a right answer worked out by hand (a grid, a row order, a
window, a log line word for word), never only "no crash"."""

from __future__ import annotations

import json
import logging
import math

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.model import Bounds, LatLon
from geolocator.core.sources import xyz
from geolocator.core.sources.registry import LoadOptions
from geolocator.core.sources.xyz import TileGrid


def _img(path, size=(4, 4), rgba=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    if rgba is not None:
        Image.fromarray(np.asarray(rgba, np.uint8), "RGBA").save(path)
    else:
        Image.fromarray(np.full((size[1], size[0], 3), 90, np.uint8)).save(path)
    return path


def _messages(caplog, level=logging.INFO):
    return [r.getMessage() for r in caplog.records if r.levelno >= level and r.name == "geolocator"]


def _merc_lat(y, n):
    """Latitude of the northern edge of Web Mercator tile row y of n (XYZ rows), by the formula."""
    return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y / n))))


def _assert_bounds(b, west, south, east, north):
    assert (b.west, b.south, b.east, b.north) == pytest.approx((west, south, east, north), abs=1e-9)


# ---------------------------------------------------------------- xyz: the files of a folder


def test_xyz_files_are_the_integer_z_x_y_images_sorted_by_number(tmp_path):
    root = tmp_path / "t"
    want = [(9, 1, 2), (9, 1, 10), (9, 3, 0), (10, 0, 7)]
    for z, x, y in want:
        _img(root / str(z) / str(x) / f"{y}.png")
    up = _img(root / "9" / "2" / "4.PNG")  # an upper-case suffix is an image too
    _img(root / "9" / "2" / "4b.png")      # not an integer row
    _img(root / "9" / "a" / "1.png")       # not an integer column
    _img(root / "b" / "1" / "1.png")       # not an integer zoom
    (root / "9" / "2" / "5.txt").write_text("not an image")
    (root / "9" / "2" / "6.png").mkdir()   # a folder named like a tile
    (root / "7").write_text("a file named like a zoom folder")
    (root / "9" / "8").write_text("a file named like a column folder")
    got = xyz.xyz_files(root)
    assert got == sorted([(z, x, y, root / str(z) / str(x) / f"{y}.png") for z, x, y in want] + [(9, 2, 4, up)])
    assert [row[:3] for row in got] == [(9, 1, 2), (9, 1, 10), (9, 2, 4), (9, 3, 0), (10, 0, 7)]


def test_a_folder_claims_to_be_xyz_only_with_tiles(tmp_path):
    assert not xyz._claims(tmp_path)  # empty
    _img(tmp_path / "3" / "1" / "5.png")
    assert xyz._claims(tmp_path)
    assert not xyz._claims(tmp_path / "3" / "1" / "5.png")  # a file is not a folder
    assert not xyz._claims(tmp_path / "missing")


# ---------------------------------------------------------------- xyz: extent of the finest level


def test_extent_is_the_union_of_the_finest_levels_tiles():
    files = [(2, 0, 0, None), (3, 1, 1, None), (3, 2, 2, None)]
    # zoom 3: tiles 45 degrees wide; columns 1..2 span -135..-45; rows 1..2 (XYZ) span the
    # northern edges of row 1 and the southern edge of row 2 (= northern edge of row 3)
    _assert_bounds(xyz._extent(files, TileGrid(tms=False)), -135.0, _merc_lat(3, 8), -45.0, _merc_lat(1, 8))
    # TMS: row y counts from the south, so rows 1..2 are XYZ rows 6..5
    _assert_bounds(xyz._extent(files, TileGrid(tms=True)), -135.0, _merc_lat(7, 8), -45.0, _merc_lat(5, 8))
    # the geodetic grid, 180 degrees wide at zoom 0: 22.5 degree tiles at zoom 3, rows from the south (TMS)
    geo = TileGrid(tms=True, profile="geodetic", geodetic_deg0=180.0)
    _assert_bounds(xyz._extent(files, geo), -180 + 22.5, -90 + 22.5, -180 + 67.5, -90 + 67.5)
    # only the coarser level: its one tile
    _assert_bounds(xyz._extent(files[:1], TileGrid(tms=False)), -180.0, _merc_lat(1, 4), -90.0, _merc_lat(0, 4))


def test_extent_of_impossible_indices_is_none():
    assert xyz._extent([(3, 1, 1, None), (3, 8, 0, None)], TileGrid(tms=False)) is None


# ---------------------------------------------------------------- xyz: a TileJSON's row order


def test_tilejson_scheme_is_read_case_and_space_insensitively(tmp_path):
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": " TMS "}))
    assert xyz._tilejson_order(tmp_path) == (True, "metadata.json (scheme tms)")


def test_tilejson_files_are_read_in_order_metadata_tilejson_then_sorted_tilejson(tmp_path):
    (tmp_path / "b.tilejson").write_text(json.dumps({"scheme": "tms"}))
    (tmp_path / "a.tilejson").write_text(json.dumps({"scheme": "xyz"}))
    assert xyz._tilejson_order(tmp_path) == (False, "a.tilejson (scheme xyz)")
    (tmp_path / "tilejson.json").write_text(json.dumps({"scheme": "tms"}))
    assert xyz._tilejson_order(tmp_path) == (True, "tilejson.json (scheme tms)")
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": "xyz"}))
    assert xyz._tilejson_order(tmp_path) == (False, "metadata.json (scheme xyz)")


def test_unreadable_or_silent_tilejson_files_are_passed_over(tmp_path, caplog):
    (tmp_path / "metadata.json").write_text("{not json")
    (tmp_path / "tilejson.json").write_text(json.dumps([{"scheme": "xyz"}]))  # not an object
    (tmp_path / "a.tilejson").write_text(json.dumps({"scheme": "other", "tiles": None}))
    (tmp_path / "b.tilejson").write_text(json.dumps({"tiles": ["https://a.test/{q}.png",
                                                                "https://a.test/{z}/{x}/{-y}.png"]}))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        assert xyz._tilejson_order(tmp_path) == (True, "b.tilejson (template https://a.test/{z}/{x}/{-y}.png)")
    assert _messages(caplog) == [f"{tmp_path / 'metadata.json'}: not readable JSON; ignored for the tiles' row order"]
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_tilejson_without_a_row_order_and_a_folder_named_like_one_say_nothing(tmp_path):
    assert xyz._tilejson_order(tmp_path) is None
    (tmp_path / "metadata.json").mkdir()
    (tmp_path / "tilejson.json").write_text(json.dumps({"tiles": ["https://a.test/{z}/{x}/{y}.png"]}))
    assert xyz._tilejson_order(tmp_path) == (False, "tilejson.json (template https://a.test/{z}/{x}/{y}.png)")
    (tmp_path / "tilejson.json").write_text(json.dumps({"name": "x"}))
    assert xyz._tilejson_order(tmp_path) is None


# ---------------------------------------------------------------- xyz: the row order when nothing states it


def _geodetic_files():
    # the geodetic grid 180 degrees wide at zoom 0: zoom 1 has 90-degree tiles, 4 columns x 2 rows;
    # tile (1, 0, 0) is lon -180..-90 and lat -90..0 read as TMS, lat 0..90 read as XYZ
    return [(1, 0, 0, None)]


GEO180 = TileGrid(tms=False, profile="geodetic", geodetic_deg0=180.0)


def test_the_photos_gps_on_the_tms_reading_only_picks_tms_with_a_warning(tmp_path, caplog):
    opts = LoadOptions(hint_points=(LatLon(-45.0, -135.0),))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180)
    assert got == TileGrid(tms=True, profile="geodetic", geodetic_deg0=180.0, source="the photos' GPS")
    assert _messages(caplog) == [
        f"{tmp_path}: the row order is not stated (no tilemapresource.xml or TileJSON); the photos' GPS lies on the "
        "tiles only when they are read as TMS (rows from the south), so they are read that way (--xyz to override)"]
    assert caplog.records[0].levelno == logging.WARNING


def test_the_photos_gps_on_the_xyz_reading_only_picks_xyz_with_a_note(tmp_path, caplog):
    opts = LoadOptions(hint_points=(LatLon(45.0, -135.0), LatLon(50.0, -100.0)))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180)
    assert got == TileGrid(tms=False, profile="geodetic", geodetic_deg0=180.0, source="the photos' GPS")
    assert _messages(caplog) == [f"{tmp_path}: rows read as XYZ (rows from the north); the photos' GPS lies on the tiles that way"]
    assert caplog.records[0].levelno == logging.INFO


def test_gps_on_both_readings_leaves_it_to_the_area(tmp_path, caplog):
    # one photo on each reading: the GPS does not decide; the area (on the TMS reading only) does
    opts = LoadOptions(hint_points=(LatLon(45.0, -135.0), LatLon(-45.0, -135.0)),
                       area=Bounds(-170.0, -60.0, -150.0, -50.0))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180)
    assert got == TileGrid(tms=True, profile="geodetic", geodetic_deg0=180.0, source="the given area")
    assert _messages(caplog) == [
        f"{tmp_path}: the row order is not stated (no tilemapresource.xml or TileJSON); the given area lies on the "
        "tiles only when they are read as TMS (rows from the south), so they are read that way (--xyz to override)"]


def test_the_area_alone_on_the_xyz_reading_picks_xyz(tmp_path, caplog):
    opts = LoadOptions(area=Bounds(-170.0, 50.0, -150.0, 60.0))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180)
    assert got == TileGrid(tms=False, profile="geodetic", geodetic_deg0=180.0, source="the given area")
    assert _messages(caplog) == [f"{tmp_path}: rows read as XYZ (rows from the north); the given area lies on the tiles that way"]


def test_evidence_off_the_tiles_either_way_is_said_and_xyz_is_read(tmp_path, caplog):
    opts = LoadOptions(hint_points=(LatLon(45.0, 100.0),), area=Bounds(100.0, 40.0, 110.0, 50.0))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180)
    assert got == TileGrid(tms=False, profile="geodetic", geodetic_deg0=180.0, source="default")
    assert _messages(caplog) == [
        f"{tmp_path}: the photos' GPS lies outside the tiles whether rows are read as XYZ or TMS",
        f"{tmp_path}: the given area lies outside the tiles whether rows are read as XYZ or TMS",
        f"{tmp_path}: the row order is not stated (no tilemapresource.xml or TileJSON) and cannot be checked; read as "
        "XYZ (rows from the north). If photos land at the mirror-image latitude, use --tms"]
    assert {r.levelno for r in caplog.records} == {logging.WARNING}


def test_impossible_indices_fit_no_reading(tmp_path, caplog):
    opts = LoadOptions(hint_points=(LatLon(45.0, -135.0),))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        got = xyz._plausible_order(tmp_path, [(1, 9, 0, None)], opts, GEO180)
    assert got == GEO180
    assert _messages(caplog)[0] == f"{tmp_path}: the photos' GPS lies outside the tiles whether rows are read as XYZ or TMS"


# ---------------------------------------------------------------- xyz: a tilemapresource.xml without TileSets


@pytest.mark.parametrize("srs, grid", [
    ("EPSG:3857", TileGrid(tms=True, profile="mercator", source="tilemapresource.xml")),
    ("EPSG:4326", TileGrid(tms=True, profile="geodetic", geodetic_deg0=180.0, source="tilemapresource.xml")),
])
def test_a_tilemapresource_without_tilesets_is_read_by_its_srs(tmp_path, srs, grid):
    path = tmp_path / "tilemapresource.xml"
    path.write_text(f'<?xml version="1.0"?><TileMap version="1.0.0"><SRS>{srs}</SRS></TileMap>')
    assert xyz.read_tilemapresource(path) == grid


def test_a_tilemapresource_of_another_srs_is_refused_word_for_word(tmp_path):
    path = tmp_path / "tilemapresource.xml"
    path.write_text('<?xml version="1.0"?><TileMap version="1.0.0"><SRS>EPSG:32633</SRS></TileMap>')
    with pytest.raises(InputError) as ei:
        xyz.read_tilemapresource(path)
    assert ei.value.path == path and ei.value.problem == (
        "gdal2tiles profile 'EPSG:32633': the tiles follow the source image's pixel grid, not map coordinates, "
        "so they cannot be georeferenced; cut them again with gdal2tiles -p mercator")


# ---------------------------------------------------------------- xyz: detect_grid, what states the row order


GDAL2TILES = ('<?xml version="1.0"?><TileMap version="1.0.0"><SRS>EPSG:4326</SRS>'
              '<TileFormat width="256" height="256" extension="png"/>'
              '<TileSets profile="geodetic"><TileSet href="0" units-per-pixel="1.40625" order="0"/></TileSets></TileMap>')


def test_a_tilemapresource_states_the_grid_and_says_so(tmp_path, caplog):
    (tmp_path / "tilemapresource.xml").write_text(GDAL2TILES)
    (tmp_path / "mapml.mapml").write_text("<mapml-></mapml->")  # the XML comes first
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": "xyz"}))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz.detect_grid(tmp_path)
    assert got == TileGrid(tms=True, profile="geodetic", geodetic_deg0=360.0, source="tilemapresource.xml")
    assert _messages(caplog) == [f"{tmp_path}: TMS rows (geodetic, from tilemapresource.xml)"]


def test_a_mapml_page_states_xyz_rows(tmp_path, caplog):
    (tmp_path / "mapml.mapml").write_text("<mapml-></mapml->")
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": "tms"}))  # the MapML page comes first
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz.detect_grid(tmp_path)
    assert got == TileGrid(tms=False, profile="mercator", geodetic_deg0=180.0, source="mapml.mapml (gdal2tiles --xyz)")
    assert _messages(caplog) == [f"{tmp_path}: XYZ rows (mercator, from mapml.mapml (gdal2tiles --xyz))"]


def test_a_tilejson_states_the_row_order(tmp_path, caplog):
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": "tms"}))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz.detect_grid(tmp_path)
    assert got == TileGrid(tms=True, source="metadata.json (scheme tms)")
    assert _messages(caplog) == [f"{tmp_path}: TMS rows (mercator, from metadata.json (scheme tms))"]


def test_the_users_row_order_wins_over_a_stated_one_with_a_warning(tmp_path, caplog):
    (tmp_path / "tilemapresource.xml").write_text(GDAL2TILES)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz.detect_grid(tmp_path, [], LoadOptions(tms=False))
    # the profile and grid width stated by the file are kept; only the row order is the user's
    assert got == TileGrid(tms=False, profile="geodetic", geodetic_deg0=360.0, source="user")
    assert _messages(caplog) == [f"{tmp_path}: tilemapresource.xml says TMS rows but --xyz was given; following --xyz"]
    assert caplog.records[0].levelno == logging.WARNING


def test_tms_given_against_a_tilejson_saying_xyz(tmp_path, caplog):
    (tmp_path / "metadata.json").write_text(json.dumps({"scheme": "xyz"}))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        got = xyz.detect_grid(tmp_path, [], LoadOptions(tms=True))
    assert got == TileGrid(tms=True, profile="mercator", geodetic_deg0=180.0, source="user")
    assert _messages(caplog) == [f"{tmp_path}: metadata.json (scheme xyz) says XYZ rows but --tms was given; following --tms"]


def test_the_users_row_order_agreeing_or_alone_is_followed_silently(tmp_path, caplog):
    with caplog.at_level(logging.INFO, logger="geolocator"):
        assert xyz.detect_grid(tmp_path, [], LoadOptions(tms=True)) == TileGrid(tms=True, source="user")
        assert xyz.detect_grid(tmp_path, [], LoadOptions(tms=False)) == TileGrid(tms=False, source="user")
        (tmp_path / "tilemapresource.xml").write_text(GDAL2TILES)
        assert xyz.detect_grid(tmp_path, [], LoadOptions(tms=True)) == TileGrid(
            tms=True, profile="geodetic", geodetic_deg0=360.0, source="user")
    assert _messages(caplog) == []


def test_with_nothing_stated_the_folders_own_files_are_the_evidence(tmp_path):
    # zoom 1, column 0, row 1: XYZ reads it south-west of (0, 0), TMS north-west
    _img(tmp_path / "1" / "0" / "1.png")
    south_west = LoadOptions(hint_points=(LatLon(-45.0, -90.0),))
    assert xyz.detect_grid(tmp_path, None, south_west) == TileGrid(tms=False, source="the photos' GPS")
    # the files given are the evidence, not the folder's: row 0 is north-west read as XYZ
    assert xyz.detect_grid(tmp_path, [(1, 0, 0, None)], south_west) == TileGrid(tms=True, source="the photos' GPS")
    assert xyz.detect_grid(tmp_path) == TileGrid(tms=False, source="default")


# ---------------------------------------------------------------- xyz: load_xyz_folder and its levels


def test_load_xyz_folder_refuses_a_file(tmp_path):
    f = _img(tmp_path / "a.png")
    with pytest.raises(InputError) as ei:
        xyz.load_xyz_folder(f)
    assert ei.value.path == f and ei.value.problem == "not a folder"


def test_no_tiles_is_a_sentence_naming_the_folder(tmp_path):
    with pytest.raises(InputError) as ei:
        xyz.load_xyz_folder(tmp_path)
    assert ei.value.path == tmp_path and ei.value.problem == "no z/x/y tiles found (expected files like 17/68123/44012.png)"


def test_the_tms_argument_overrides_the_options_and_keeps_the_rest(tmp_path):
    for z, x, y in ((1, 0, 0), (2, 1, 1)):
        _img(tmp_path / str(z) / str(x) / f"{y}.png")
    ts = xyz.load_xyz_folder(tmp_path, True, options=LoadOptions(tms=False, zoom=2))
    assert [t.id for t in ts.tiles] == ["2/1/1.png"] and ts.zoom is None
    # TMS row 1 of 4 is XYZ row 2: lon -90..0, lat from the south edge of row 2 to its north edge
    _assert_bounds(ts.tiles[0].bounds, -90.0, _merc_lat(3, 4), 0.0, _merc_lat(2, 4))
    ts = xyz.load_xyz_folder(tmp_path, False, options=LoadOptions(tms=True, zoom=2))
    _assert_bounds(ts.tiles[0].bounds, -90.0, _merc_lat(2, 4), 0.0, _merc_lat(1, 4))


def test_a_zoom_absent_from_the_folder_reads_every_level(tmp_path):
    for z, x, y in ((1, 0, 0), (2, 1, 1)):
        _img(tmp_path / str(z) / str(x) / f"{y}.png")
    ts = xyz.load_xyz_folder(tmp_path, options=LoadOptions(tms=False, zoom=5))
    assert [t.id for t in ts.tiles] == ["1/0/0.png", "2/1/1.png"] and ts.zoom is None
    assert [t.id for t in xyz.load_xyz_folder(tmp_path, options=LoadOptions(tms=False, zoom="1")).tiles] == ["1/0/0.png"]


def test_a_pyramid_is_read_at_one_level_and_says_which(tmp_path):
    # zoom 1 tiles are ~20000 km wide, zoom 2 ~10000 km: asked for 9000 km, zoom 2 is nearer
    for z, x, y in ((1, 0, 0), (2, 1, 1), (2, 2, 1)):
        _img(tmp_path / str(z) / str(x) / f"{y}.png")
    ts = xyz.load_xyz_folder(tmp_path, options=LoadOptions(tms=False, tile_size_m=9e6))
    assert ts.zoom == 2 and [t.id for t in ts.tiles] == ["2/1/1.png", "2/2/1.png"]
    assert ts.tiles[1].path == tmp_path / "2" / "2" / "1.png" and ts.source == tmp_path
    ts = xyz.load_xyz_folder(tmp_path, options=LoadOptions(tms=False, tile_size_m=3e7))
    assert ts.zoom == 1 and [t.id for t in ts.tiles] == ["1/0/0.png"]


def test_a_level_of_impossible_indices_is_never_the_nearest(tmp_path):
    # zoom 1 holds a column that does not exist (x = 5 of 2): its size counts as 0 m, the worst
    # fit there is, so zoom 3 (tiles ~5000 km, far from 100 m) is read
    files = [(1, 5, 0, None), (3, 1, 1, None)]
    assert xyz._nearest_level(files, TileGrid(tms=False), None) == 3
    assert xyz._nearest_level(files, TileGrid(tms=False), 1.0) == 3


def test_impossible_indices_name_the_tile_file(tmp_path):
    f = _img(tmp_path / "2" / "4" / "0.png")
    with pytest.raises(InputError) as ei:
        xyz.load_xyz_folder(tmp_path, tms=False)
    assert ei.value.path == f and ei.value.problem == "tile z=2 x=4 y=0 does not exist (x and y must be in 0..3)"


def test_a_folder_of_transparent_tiles_is_refused(tmp_path):
    _img(tmp_path / "1" / "0" / "0.png", rgba=np.zeros((4, 4, 4)))
    with pytest.raises(InputError) as ei:
        xyz.load_xyz_folder(tmp_path, tms=False)
    assert ei.value.path == tmp_path and ei.value.problem == "every tile is transparent (no data) in more than half its area"


def test_the_reader_passes_its_options_on(tmp_path):
    _img(tmp_path / "1" / "0" / "1.png")
    ts = xyz.READER.load(tmp_path, LoadOptions(tms=True))
    _assert_bounds(ts.tiles[0].bounds, -180.0, _merc_lat(1, 2), 0.0, _merc_lat(0, 2))  # TMS row 1 = XYZ row 0


# ---------------------------------------------------------------- geotiff: the validity table and refusals

from geolocator.core.sources import geotiff  # noqa: E402

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import Affine  # noqa: E402


def _gtiff(path, w, h, transform, crs="EPSG:32633", alpha=None):
    """A GeoTIFF of value 7, with an alpha band when `alpha` (an (h, w) array) is given."""
    count = 1 if alpha is None else 2
    with rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype="uint8", crs=crs,
                       transform=transform, **({} if alpha is None else {"photometric": "MINISBLACK", "alpha": "YES"})) as ds:
        ds.write(np.full((h, w), 7, np.uint8), 1)
        if alpha is not None:
            ds.write(np.asarray(alpha, np.uint8), 2)
            from rasterio.enums import ColorInterp
            ds.colorinterp = [ColorInterp.gray, ColorInterp.alpha]
    return path


def _summed(mask):
    table = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), np.int64)
    table[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0), axis=1)
    return table


def test_a_small_rasters_validity_table_is_at_full_resolution(tmp_path):
    alpha = np.full((4, 6), 255)
    alpha[0, :] = 0
    alpha[:, 5] = 0
    alpha[2, 1] = 0
    with rasterio.open(_gtiff(tmp_path / "a.tif", 6, 4, Affine(1, 0, 500_000, 0, -1, 5_000_000), alpha=alpha)) as ds:
        table, step = geotiff._valid_fraction_table(ds)
    assert step == 1
    assert table.dtype == np.int64 and np.array_equal(table, _summed(alpha > 0))
    assert table[-1, -1] == 3 * 5 - 1


def test_a_raster_wider_than_2048_px_has_its_mask_read_decimated(tmp_path):
    alpha = np.full((4, 4096), 255)
    alpha[:, :1024] = 0  # the western quarter is empty
    with rasterio.open(_gtiff(tmp_path / "w.tif", 4096, 4, Affine(1, 0, 500_000, 0, -1, 5_000_000), alpha=alpha)) as ds:
        table, step = geotiff._valid_fraction_table(ds)
    assert step == 2 and table.shape == (3, 2049)  # one cell per 2 x 2 pixels, one zero row and column
    assert table[-1, 512] == 0 and table[-1, 513] == 2 and table[-1, -1] == 2 * 1536 and table[1, -1] == 1536


def test_a_raster_without_empty_pixels_has_no_validity_table(tmp_path):
    with rasterio.open(_gtiff(tmp_path / "f.tif", 6, 4, Affine(1, 0, 500_000, 0, -1, 5_000_000))) as ds:
        assert geotiff._valid_fraction_table(ds) is None


@pytest.mark.parametrize("a, e", [(0.0, -1.0),    # no pixel width
                                  (1.0, 0.0)])    # no pixel height
def test_a_raster_whose_pixels_span_no_area_is_refused(tmp_path, a, e):
    # the transform as a world file gives it (cut_geotiff's `transform`); GDAL would store a zero
    # pixel size as a lone tie point (a GCP), refused for that. Flipped ones (rows running north,
    # columns running west) are cut from a north-up copy since session 19
    # (tests/test_geotiff_not_north_up.py).
    tif = _gtiff(tmp_path / "s.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 20, transform=Affine(a, 0, 500_000, 0, e, 5_000_000))
    assert ei.value.path == tif
    assert ei.value.problem.endswith("spans no area (pixel axes zero or collinear): no usable georeference")


@pytest.mark.parametrize("a, e", [(1.0, 1.0), (1.0, 0.5), (-1.0, -1.0)])
def test_a_flipped_transform_is_cut_from_a_north_up_copy(tmp_path, a, e):
    tif = _gtiff(tmp_path / "s.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    ts = geotiff.cut_geotiff(tif, 20, transform=Affine(a, 0, 500_000, 0, e, 5_000_000))
    assert len(ts) > 0 and all(t.path != tif and t.id.startswith("s.tif@") for t in ts.tiles)


def test_window_widths_come_from_the_pixel_size_at_the_rasters_middle_column(tmp_path):
    # A UTM raster of 1 km pixels, 2000 px wide, from 100 km east of the central meridian (E 600 km)
    # to 2100 km east of it: the scale factor k grows away from the meridian, so a grid kilometre
    # is 1000 / k ground metres. At the middle column (E 1600 km, lat 0.9 N) PROJ's scale factor is
    # k = 1.0146166 (pyproj get_factors): 985.594 m a pixel; 394 240 m is then 400.00 pixels.
    # (At the western edge k = 0.99973: 1000.27 m, 394 px; at E -400 km k = 1.00964: 398 px.)
    tif = _gtiff(tmp_path / "wide.tif", 2000, 20, Affine(1000, 0, 600_000, 0, -1000, 100_000))
    ts = geotiff.cut_geotiff(tif, 394_240)
    assert [(t.window.col, t.window.row, t.window.width, t.window.height) for t in ts.tiles] == [
        (c, 0, 400, 20) for c in (0, 400, 800, 1200, 1600)]


@pytest.mark.parametrize("a, e, sizes", [(1e-300, -1.0, "0 x 0.993306"),  # a pixel width that is 0 m on the ground
                                         (1.0, -1e-300, "1 x 0")])        # a pixel height that is 0 m
def test_a_geotransform_of_zero_ground_size_is_refused_with_the_sizes(tmp_path, a, e, sizes):
    # Web Mercator at the equator: 1 unit east is 1 m of the equator (the WGS84 semi-major axis is
    # the sphere's radius); 1 unit north is M / a = 1 - e^2 = 0.993306 m (meridional radius M).
    tif = _gtiff(tmp_path / "z.tif", 64, 64, Affine(1, 0, 0, 0, -1, 32), crs="EPSG:3857")
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 20, transform=Affine(a, 0, 0, 0, e, 32))
    assert ei.value.path == tif
    assert ei.value.problem == f"its geotransform gives pixels of {sizes} m on the ground: no usable georeference"


def test_a_crs_without_a_way_to_wgs84_is_named_in_the_refusal(tmp_path):
    local = 'LOCAL_CS["site grid",UNIT["metre",1],AXIS["Easting",EAST],AXIS["Northing",NORTH]]'
    tif = _gtiff(tmp_path / "site.tif", 64, 64, Affine(2, 0, 500, 0, -2, 900), crs=local)
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 16)
    assert ei.value.path == tif and ei.value.problem.endswith(" (site grid)") and "WGS84" in ei.value.problem


def _mercator_rows(tile_m, y):
    """Rows of 100-unit Web Mercator pixels in `tile_m` ground metres at map y, by the closed form
    on the WGS84 ellipsoid: latitude phi = 2 atan(exp(y / a)) - pi / 2, and 100 units north are
    100 cos(phi) (1 - e^2) / (1 - e^2 sin^2 phi)^1.5 metres (meridional radius M over a)."""
    a, f = 6378137.0, 1 / 298.257223563
    e2 = f * (2 - f)
    phi = 2 * math.atan(math.exp(y / a)) - math.pi / 2
    return tile_m / (100 * math.cos(phi) * (1 - e2) / (1 - e2 * math.sin(phi) ** 2) ** 1.5)


def test_window_heights_come_from_the_pixel_size_at_each_row_of_windows_middle(tmp_path):
    # Web Mercator from lat 70.0 N down 2000 rows of 100 units (to 69.38 N): a 50 km window is
    # 1459 rows tall at the top edge, so the first row of windows is measured 729.5 rows down:
    y0 = 11_069_000.0
    assert round(_mercator_rows(50_000, y0)) == 1459
    assert _mercator_rows(50_000, y0 - 100 * 729.5) == pytest.approx(1443.24, abs=0.01)  # -> 1443
    # the second row starts at row 1443; its middle (1443 + 1428 / 2) lies past the raster's last
    # row, so it is measured there (row 2000): 1416.61 -> 1417 rows, pulled back to end at the edge
    assert round(_mercator_rows(50_000, y0 - 100 * 1443)) == 1428
    assert _mercator_rows(50_000, y0 - 100 * 2000) == pytest.approx(1416.61, abs=0.01)
    tif = _gtiff(tmp_path / "north.tif", 50, 2000, Affine(100, 0, 0, 0, -100, y0), crs="EPSG:3857")
    ts = geotiff.cut_geotiff(tif, 50_000)
    assert [(t.window.col, t.window.row, t.window.width, t.window.height) for t in ts.tiles] == [
        (0, 0, 50, 1443), (0, 2000 - 1417, 50, 1417)]


@pytest.mark.parametrize("a, e", [(1.0, -0.1), (0.1, -1.0)])
def test_a_tile_under_one_pixel_names_its_one_pixel(tmp_path, a, e):
    # 0.3 m is 0.3 of a 1 m pixel: rounded to 0, kept at 1 pixel (and 3 of the 0.1 m pixels)
    tif = _gtiff(tmp_path / "p.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 0.3, transform=Affine(a, 0, 500_000, 0, e, 5_000_000))
    assert ei.value.path == tif and ei.value.problem == "0.3 m is only 1 pixels here; choose a larger tile size"


@pytest.mark.parametrize("w, h, a, e", [(20, 9400, 1000, -100),    # windows narrow southwards
                                        (100, 940, 100, -1000)])   # windows grow shorter southwards
def test_a_later_row_of_windows_under_8_pixels_is_refused(tmp_path, w, h, a, e):
    # Web Mercator from lat 62.0 N down to 58.0 N in pixels 1000 units along one axis: 3800 m is
    # 3800 / (1000 cos 62 / sqrt(1 - e^2 sin^2 62)) = 8.07 -> 8 of them at the top edge (accepted) and
    # 3800 / 531.2 = 7.15 -> 7 at 58 N (refused), the other axis about 80 pixels of 100 units
    tif = _gtiff(tmp_path / "m.tif", w, h, Affine(a, 0, 0, 0, e, 8_920_000.0), crs="EPSG:3857")
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 3800)
    assert ei.value.path == tif and ei.value.problem == "3800 m is only 7 pixels here; choose a larger tile size"


def test_windows_of_exactly_8_pixels_are_tiles(tmp_path):
    # 1 m UTM pixels on the central meridian are 1 / 0.9996 = 1.0004 m: 8 m is 7.997 -> 8 pixels
    tif = _gtiff(tmp_path / "8.tif", 16, 16, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    ts = geotiff.cut_geotiff(tif, 8)
    assert [(t.window.col, t.window.row, t.window.width, t.window.height) for t in ts.tiles] == [
        (0, 0, 8, 8), (8, 0, 8, 8), (0, 8, 8, 8), (8, 8, 8, 8)]


def test_overlapping_windows_step_one_pixel_at_least(tmp_path):
    # 8 px windows overlapping by 0.9: a step of round(0.8) = 0 pixels, taken as 1
    tif = _gtiff(tmp_path / "o.tif", 64, 10, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    ts = geotiff.cut_geotiff(tif, 8, overlap=0.9)
    assert _windows(ts) == [(c, r, 8, 8) for r in (0, 1, 2) for c in range(57)]


def _alpha_cols(empty):
    alpha = np.full((64, 64), 255)
    alpha[:, :empty] = 0
    return alpha


def test_windows_mostly_empty_are_left_out_and_counted(tmp_path, caplog):
    # 40 empty columns: the western windows (cols 0-31) hold nothing, the eastern ones 24 of 32 columns
    tif = _gtiff(tmp_path / "a.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000), alpha=_alpha_cols(40))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ts = geotiff.cut_geotiff(tif, 32)
    assert _windows(ts) == [(32, 0, 32, 32), (32, 32, 32, 32)]
    assert _messages(caplog) == [
        f"{tif}: 2 of 4 windows left out: more than half of each is no data (transparent or the nodata value)"]


def test_a_window_exactly_half_empty_is_kept_and_nothing_is_said(tmp_path, caplog):
    half = _gtiff(tmp_path / "h.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000), alpha=_alpha_cols(16))
    full = _gtiff(tmp_path / "f.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    with caplog.at_level(logging.INFO, logger="geolocator"):
        assert len(geotiff.cut_geotiff(half, 32)) == 4
        assert len(geotiff.cut_geotiff(full, 32)) == 4
    assert _messages(caplog) == []


def test_a_raster_with_no_data_anywhere_is_refused(tmp_path):
    tif = _gtiff(tmp_path / "e.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_000_000), alpha=_alpha_cols(64))
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 32)
    assert ei.value.path == tif and ei.value.problem == (
        "no window holds data in at least half its area (the raster is transparent or nodata)")


def test_windows_past_the_pole_are_refused_naming_the_file(tmp_path):
    # lat 80 S down to 92 S in 0.01 degree rows: one 1200-row window measured at 86 S, its box past the pole
    tif = _gtiff(tmp_path / "pole.tif", 100, 1200, Affine(0.01, 0, 10, 0, -0.01, -80), crs="EPSG:4326")
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 2_000_000)
    assert ei.value.path == tif
    assert ei.value.problem == "coordinates fall outside the globe once transformed from EPSG:4326 (wrong EPSG code?)"


# ---------------------------------------------------------------- worldfile: one orthophoto cut into windows

from pyproj import CRS, Transformer  # noqa: E402

from geolocator.core.sources import worldfile  # noqa: E402


def _ortho(folder, name="o.png", size=(64, 64), world=(1.0, 0.0, 0.0, -1.0, 500_000.5, 4_999_999.5), prj=32633):
    """An image with a world file (pixel-centre convention) and a .prj; 1 m UTM 33N pixels whose
    outer top-left corner is E 500 000, N 5 000 000 (on the central meridian, 15 E) by default."""
    image = _img(folder / name, size)
    (folder / (image.stem + worldfile.world_file_names(image)[0])).write_text("\n".join(map(str, world)) + "\n")
    if prj is not None:
        (folder / (image.stem + ".prj")).write_text(CRS.from_epsg(prj).to_wkt("WKT1_ESRI"))
    return image


def _windows(ts):
    return [(t.window.col, t.window.row, t.window.width, t.window.height) for t in ts.tiles]


@pytest.mark.parametrize("world", [(1.0, 0.0, 0.0, -1.0, 500_000.5, 4_999_999.5),
                                   (1.0, 1e-9, 0.0, -1.0, 500_000.5, 4_999_999.5),   # float noise in D
                                   (1.0, 0.0, -1e-9, -1.0, 500_000.5, 4_999_999.5)])  # and in B
def test_an_orthophoto_with_a_world_file_is_cut_like_a_geotiff(tmp_path, world):
    image = _ortho(tmp_path, world=world)
    ts = worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=32))
    # 32 m is 32 px of 1.0004 m (UTM's k = 0.9996 on the central meridian)
    assert _windows(ts) == [(0, 0, 32, 32), (32, 0, 32, 32), (0, 32, 32, 32), (32, 32, 32, 32)]
    assert {t.path for t in ts.tiles} == {image} and ts.source == image
    lon, lat = Transformer.from_crs(32633, 4326, always_xy=True).transform(500_000.0, 5_000_000.0)
    corner = ts.tiles[0].point_at(0, 0)
    assert (corner.lon, corner.lat) == pytest.approx((lon, lat), abs=1e-9) and lon == pytest.approx(15.0, abs=1e-12)


def test_an_orthophotos_windows_default_to_100_m_and_take_the_overlap(tmp_path):
    image = _ortho(tmp_path, size=(250, 120))
    assert _windows(worldfile.cut_world_file_image(image, LoadOptions())) == [
        (0, 0, 100, 100), (100, 0, 100, 100), (150, 0, 100, 100), (0, 20, 100, 100), (100, 20, 100, 100), (150, 20, 100, 100)]
    half = worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=100, overlap=0.5))
    assert [w[:2] for w in _windows(half)] == [(c, r) for r in (0, 20) for c in (0, 50, 100, 150)]


def test_an_orthophoto_without_a_crs_is_refused_with_a_sentence(tmp_path):
    image = _ortho(tmp_path, prj=None)
    with pytest.raises(InputError) as ei:
        worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=32))
    assert ei.value.path == image and ei.value.problem == (
        "an image with a world file needs the EPSG code of its coordinates (e.g. --epsg 32633) or a .prj file beside it")
    assert len(worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=32, epsg=32633))) == 4


C30, S30 = math.cos(math.radians(30)), math.sin(math.radians(30))


@pytest.mark.parametrize("world", [(2 * C30, 2 * S30, 2 * S30, -2 * C30, 500_001.0, 5_000_001.0),  # turned 30 degrees
                                   (2.0, 0.0, 0.5, -2.0, 500_001.0, 5_000_001.0)])   # a shear: B alone
def test_a_turned_orthophoto_is_cut_from_its_north_up_copy(tmp_path, monkeypatch, world):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    image = _ortho(tmp_path / "src", size=(40, 30), world=world)
    ts = worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=20))
    copy = ts.tiles[0].path
    assert copy.parent == tmp_path / "cache" and {t.path for t in ts.tiles} == {copy}
    with rasterio.open(copy) as ds:
        w, h, t = ds.width, ds.height, ds.transform
        alpha = ds.read(4) > 0
    assert (t.a, t.b, t.d, t.e) == (2.0, 0.0, 0.0, -2.0)
    # windows of 20 m = 10 px of 2 m on the copy's grid; those with under half their area inside
    # the turned image (the copy's alpha) are left out
    want = [(c, r, 10, 10) for r in geotiff._offsets(h, 10, 10) for c in geotiff._offsets(w, 10, 10)
            if alpha[r:r + 10, c:c + 10].mean() >= 0.5]
    assert _windows(ts) == want and len(want) >= 4
    first = ts.tiles[0]
    x, y = t @ (first.window.col, first.window.row)
    lon, lat = Transformer.from_crs(32633, 4326, always_xy=True).transform(x, y)
    assert (first.point_at(0, 0).lon, first.point_at(0, 0).lat) == pytest.approx((lon, lat), abs=1e-7)  # 1 cm


def test_the_world_file_reader_claims_orthophotos_and_folders(tmp_path):
    image = _ortho(tmp_path / "a")
    assert worldfile._claims(image)
    tif = _gtiff(tmp_path / "b" / "o.tif", 8, 8, Affine(1, 0, 0, 0, -1, 8)) if (tmp_path / "b").mkdir() is None else None
    (tmp_path / "b" / "o.tfw").write_text("1\n0\n0\n-1\n0.5\n7.5\n")
    assert not worldfile._claims(tif)  # a .tif is the GeoTIFF reader's
    assert not worldfile._claims(_img(tmp_path / "c" / "bare.png"))  # no world file
    assert worldfile._claims(tmp_path / "a") and worldfile._claims(tmp_path / "b")
    assert not worldfile._claims(tmp_path / "c") and not worldfile._claims(tmp_path / "missing")
    (tmp_path / "c" / "bare.jgw").write_text("1\n0\n0\n-1\n0\n0\n")  # a foreign world file: claimed, then explained
    assert worldfile._claims(tmp_path / "c")
    _gtiff(tmp_path / "d" / "g.tif", 8, 8, Affine(1, 0, 500_000, 0, -1, 5_000_000)) if (tmp_path / "d").mkdir() is None else None
    assert worldfile._claims(tmp_path / "d")  # a georeferenced GeoTIFF in a folder


def test_the_world_file_reader_cuts_a_file_and_places_a_folder(tmp_path):
    image = _ortho(tmp_path, size=(64, 64))
    assert _windows(worldfile.READER.load(image, LoadOptions(tile_size_m=32)))[1] == (32, 0, 32, 32)
    ts = worldfile.READER.load(tmp_path, LoadOptions(tile_size_m=32))
    assert len(ts) == 1 and ts.tiles[0].window is None and ts.tiles[0].id == "o.png"


# ---------------------------------------------------------------- worldfile: a folder's GeoTIFFs and refusals


def test_a_geotiffs_own_georeference_is_read_and_others_are_none(tmp_path, monkeypatch):
    tif = _gtiff(tmp_path / "g.tif", 8, 6, Affine(2, 0, 500_000, 0, -2, 5_000_000))
    crs, t, w, h = worldfile._geotiff_georef(tif)
    assert CRS.from_user_input(crs.to_wkt()).equals(CRS.from_epsg(32633)) and tuple(t)[:6] == (2, 0, 500_000, 0, -2, 5_000_000)
    assert (w, h) == (8, 6)
    plain = tmp_path / "p.tif"
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(plain)  # a TIFF without georeference
    assert worldfile._geotiff_georef(plain) is None
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning):  # rasterio's, on writing it
        ident = _gtiff(tmp_path / "i.tif", 4, 4, Affine.identity())
    assert worldfile._geotiff_georef(ident) is None  # a CRS, no transform
    assert worldfile._geotiff_georef(_img(tmp_path / "a.png")) is None
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    assert worldfile._geotiff_georef(tmp_path / "junk.tif") is None
    import sys
    monkeypatch.setitem(sys.modules, "rasterio", None)
    assert worldfile._geotiff_georef(tif) is None


def test_a_rotated_geotiff_in_a_folder_is_a_tile_of_its_north_up_copy(tmp_path):
    # refused until session 19 (tests/test_geotiff_not_north_up.py)
    tif = _gtiff(tmp_path / "r.tif", 8, 8, Affine(1, 0.5, 500_000, 0, -1, 5_000_000))
    (tile,) = worldfile.load_world_file_folder(tmp_path, None).tiles
    assert tile.id == "r.tif" and tile.path != tif


def test_a_geotiffs_world_file_is_ignored_as_gdal_does_and_said(tmp_path, caplog):
    tif = _gtiff(tmp_path / "g.tif", 8, 8, Affine(1, 0, 500_000, 0, -1, 5_000_000))
    (tmp_path / "g.tfw").write_text("100\n0\n0\n-100\n0\n0\n")
    with caplog.at_level(logging.INFO, logger="geolocator"):
        tile = worldfile.load_world_file_folder(tmp_path, 32632).tiles[0]
    assert f"{tif}: has its own georeferencing; g.tfw ignored (as GDAL does)" in _messages(caplog)
    lons, lats = Transformer.from_crs(32633, 4326, always_xy=True).transform([500_000, 500_008], [5_000_000, 4_999_992])
    assert tile.path == tif and tile.id == "g.tif"
    assert (tile.bounds.west, tile.bounds.north) == pytest.approx((lons[0], lats[0]), abs=1e-9)
    assert (tile.bounds.east, tile.bounds.south) == pytest.approx((max(lons), min(lats)), abs=1e-6)


def test_a_folder_with_nothing_placed_says_why_for_the_first_three(tmp_path, caplog):
    for n in ("a", "b", "c", "d"):
        _img(tmp_path / f"{n}.png")
    (tmp_path / "b.jgw").write_text("1\n0\n0\n-1\n0\n0\n")
    with caplog.at_level(logging.WARNING, logger="geolocator"), pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, 32633)
    why_b = ("b.jgw is the world-file name for a JPEG image, not for b.png; GDAL names its world file "
             "b.pgw or b.pngw or b.wld: rename it if it belongs to this image")
    assert ei.value.path == tmp_path and ei.value.problem == (
        "no images with world files (.pgw .jgw .tfw .wld .pngw .jpgw .jpegw .tifw .tiffw .webpw) found "
        f"(a.png: no world file next to it; b.png: {why_b}; c.png: no world file next to it)")
    assert _messages(caplog, logging.WARNING)[:2] == [f"{tmp_path / 'a.png'}: no world file next to it; skipped",
                                                      f"{tmp_path / 'b.png'}: {why_b}; skipped"]


def test_a_world_file_of_an_unknown_format_is_named_as_another(tmp_path, monkeypatch):
    monkeypatch.setattr(worldfile, "_FORMAT_OF", {})
    _img(tmp_path / "b.png")
    (tmp_path / "b.jgw").write_text("1\n0\n0\n-1\n0\n0\n")
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, 32633)
    assert "(b.png: b.jgw is the world-file name for a another image, not for b.png;" in ei.value.problem


def test_world_files_without_a_crs_are_refused_or_skipped_with_a_warning(tmp_path, caplog):
    _ortho(tmp_path, name="a.png", prj=None)
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, None)
    assert ei.value.path == tmp_path and ei.value.problem == (
        "images with world files need the EPSG code of their coordinates (e.g. --epsg 32633) or a .prj file beside each image")
    _ortho(tmp_path, name="b.png")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = worldfile.load_world_file_folder(tmp_path, None)
    assert [t.id for t in ts.tiles] == ["b.png"]
    assert _messages(caplog, logging.WARNING) == [
        f"{tmp_path}: some images have world files but no .prj and no --epsg was given; skipped"]


def test_a_folder_of_transparent_world_file_images_is_refused(tmp_path):
    _img(tmp_path / "a.png", rgba=np.zeros((4, 4, 4)))
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n500000.5\n4999999.5\n")
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, 32633)
    assert ei.value.path == tmp_path and ei.value.problem == "every image is transparent (no data) in more than half its area"


def test_an_images_id_is_its_path_in_the_folder(tmp_path):
    _ortho(tmp_path / "sub", name="a.png")
    ts = worldfile.load_world_file_folder(tmp_path, None)
    assert [t.id for t in ts.tiles] == ["sub/a.png"] and ts.tiles[0].path == tmp_path / "sub" / "a.png" and ts.source == tmp_path


# ---------------------------------------------------------------- worldfile: orthophotos read as one tile


def test_an_image_1024_px_a_side_is_named_as_an_orthophoto(tmp_path, caplog):
    _ortho(tmp_path, name="big.png", size=(1024, 10))
    _ortho(tmp_path, name="small.png", size=(1023, 1023))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, None)
    # 1024 x 10 px of 1.0004 m on the central meridian
    assert _messages(caplog, logging.WARNING) == [
        f"{tmp_path}: big.png is 1024x10 px (1024 x 10 m) and is read as one tile, matched at 512 px: detail is lost. "
        f"To cut it into tiles like an orthophoto, give the image itself: --tiles {tmp_path / 'big.png'} --tile-size-m 100"]


def test_several_orthophotos_are_counted(tmp_path, caplog):
    for n in ("a", "b", "c"):
        _ortho(tmp_path, name=f"{n}.png", size=(10, 1100))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, None)
    (msg,) = _messages(caplog, logging.WARNING)
    assert msg.startswith(f"{tmp_path}: a.png is 10x1100 px (10 x 1100 m) and is read as one tile (and 2 more), matched")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile._warn_of_orthophotos(tmp_path, [])
    assert _messages(caplog, logging.WARNING) == []


# ---------------------------------------------------------------- worldfile: a turned tile in a folder


def test_a_turned_tile_is_placed_by_its_north_up_copys_corners_and_said(tmp_path, monkeypatch, caplog):
    # 200 km west of UTM 33N's central meridian the grid meets the meridians at ~1.4 degrees, so the
    # copy's corners are not its lon/lat box's corners: the tile keeps them (Tile.corners)
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    world = (2 * C30, 2 * S30, 2 * S30, -2 * C30, 300_000.0, 5_000_000.0)
    image = _ortho(tmp_path / "src", size=(40, 30), world=world)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        tile = worldfile.load_world_file_folder(tmp_path / "src", None).tiles[0]
    assert tile.id == "o.png" and tile.path.parent == tmp_path / "cache"
    assert f"{image}: rotated 30.00° from north-up; resampled north-up to {tile.path}" in _messages(caplog)
    with rasterio.open(tile.path) as ds:
        t, w, h = ds.transform, ds.width, ds.height
    to_wgs84 = Transformer.from_crs(32633, 4326, always_xy=True)
    for (fx, fy), (col, row) in (((0, 0), (0, 0)), ((1, 1), (w, h)), ((1, 0), (w, 0))):
        lon, lat = to_wgs84.transform(*(t @ (col, row)))
        got = tile.point_at(fx, fy)
        assert (got.lon, got.lat) == pytest.approx((lon, lat), abs=1e-7), (fx, fy)


def test_a_world_file_placing_an_image_off_the_globe_is_named(tmp_path):
    _img(tmp_path / "a.png")
    world_path = tmp_path / "a.pgw"
    world_path.write_text("0.0001\n0\n0\n-0.0001\n15.0\n95.0\n")  # latitude 95
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, 4326)
    assert ei.value.path == world_path
    assert ei.value.problem == "coordinates fall outside the globe once transformed from EPSG:4326 (wrong EPSG code?) (EPSG:4326)"


# ---------------------------------------------------------------- worldfile: resample_north_up


def test_resampling_without_rasterio_is_one_sentence(tmp_path, monkeypatch):
    import sys

    img = _img(tmp_path / "a.png")
    monkeypatch.setitem(sys.modules, "rasterio", None)
    with pytest.raises(InputError) as ei:
        worldfile.resample_north_up(img, (0.8, 0.6, 0.6, -0.8, 0, 0), 32633, out_dir=tmp_path)
    assert ei.value.problem == 'the image is rotated; resampling it north-up needs rasterio: pip install "geolocator[geotiff]"'


def test_a_degenerate_world_file_is_refused_word_for_word(tmp_path):
    img = _img(tmp_path / "a.png")
    world = (1.0, 0.0, 1.0, 1e-9, 0.0, 0.0)  # both pixel axes point east: no area
    with pytest.raises(InputError) as ei:
        worldfile.resample_north_up(img, world, 32633, out_dir=tmp_path / "c")
    assert ei.value.path == img and ei.value.problem == (
        "its world file (1.0, 0.0, 1.0, 1e-09, 0.0, 0.0) describes no usable pixel grid "
        "(pixel axes collinear, zero or beyond range)")


def test_a_strong_shear_that_still_spans_an_area_is_resampled(tmp_path):
    # axes (1, 0) and (500, -1): |det| / (|axis 1| |axis 2|) = 1 / 500.001 = 0.002, above 1e-3
    img = _img(tmp_path / "a.png", size=(4, 4))
    out, t = worldfile.resample_north_up(img, (1.0, 0.0, 500.0, -1.0, 500_000.0, 5_000_000.0), 32633, out_dir=tmp_path / "c")
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (4 + 4 * 500, 4)  # the spread of the corners in 1 m pixels
    assert (t.a, t.e) == (1.0, -1.0)


def test_a_drafted_wide_jpeg_is_resampled_over_its_whole_grid(tmp_path, monkeypatch):
    # a 400 x 200 JPEG over a 120 x 120 px budget is decoded at 1/4 (100 x 50): both axes scale by 4
    import geolocator.core.images as images
    from geolocator.core.geo import world_file_affine
    from geolocator.core.images import open_image

    monkeypatch.setattr(images, "DECODE_BUDGET_PIXELS", 120 * 120)
    img = np.full((200, 400, 3), 200, np.uint8)
    img[:40, :40] = (0, 0, 255)      # blue at the top-left corner
    img[-40:, -40:] = (255, 0, 0)    # red at the bottom-right
    Image.fromarray(img).save(tmp_path / "a.jpg", quality=95)
    assert open_image(tmp_path / "a.jpg").size == (100, 50)
    world = (2 * C30, 2 * S30, 2 * S30, -2 * C30, 500_000.0, 5_000_000.0)  # 2 m pixels turned 30 degrees
    out, t = worldfile.resample_north_up(tmp_path / "a.jpg", world, 32633, out_dir=tmp_path / "c")
    # the copy's pixels are the decoded ones: 2 m x 4 = 8 m; it spans the turned 800 x 400 m image
    corners = [world_file_affine(world) @ (c, r) for c, r in ((0, 0), (400, 0), (0, 200), (400, 200))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    assert (t.a, t.e) == pytest.approx((8.0, -8.0), abs=1e-12)
    read = open_image(out)  # georeferenced, read whole: possibly reduced, on its own grid
    north_up = np.asarray(read)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (math.ceil((max(xs) - min(xs)) / 8), math.ceil((max(ys) - min(ys)) / 8))
        grid = images.whole_read_transform(ds.transform, (ds.width, ds.height), read.size)
        for (c, r), colour in (((20, 20), (0, 0, 255)), ((380, 180), (255, 0, 0))):
            col, row = (int(v) for v in ~grid @ (world_file_affine(world) @ (c, r)))
            assert np.abs(north_up[row, col].astype(int) - colour).max() < 60, (c, r, north_up[row, col])


def test_a_one_row_image_turned_a_quarter_is_one_row_tall(tmp_path):
    img = _img(tmp_path / "col.png", size=(1, 5))  # 1 column, 5 rows; rows run west once turned
    out, _ = worldfile.resample_north_up(img, (0.0, -3.0, -3.0, 0.0, 0.0, 0.0), 32633, out_dir=tmp_path)
    with rasterio.open(out) as ds:
        assert (ds.width, ds.height) == (5, 1)


def test_a_turned_image_over_the_pixel_budget_is_refused_word_for_word(tmp_path, monkeypatch):
    img = _img(tmp_path / "a.png", size=(10, 10))
    monkeypatch.setattr(worldfile, "MAX_PIXELS", 10)
    with pytest.raises(InputError) as ei:
        worldfile.resample_north_up(img, (0.8, 0.6, 0.6, -0.8, 0.0, 0.0), 32633, out_dir=tmp_path / "c")
    assert ei.value.path == img and ei.value.problem == "the image is rotated and too large to resample north-up"


def test_the_north_up_copy_is_resampled_bilinearly(tmp_path):
    # columns of 0 and 200 turned 30 degrees: bilinear blends neighbours (values between the two),
    # nearest-neighbour would give 0 or 200 only
    rgb = np.zeros((20, 20, 3), np.uint8)
    rgb[:, ::2] = 200
    img = tmp_path / "stripes.png"
    Image.fromarray(rgb).save(img)
    out, _ = worldfile.resample_north_up(img, (C30, S30, S30, -C30, 500_000.0, 5_000_000.0), 32633, out_dir=tmp_path / "c")
    with rasterio.open(out) as ds:
        red, alpha = ds.read(1), ds.read(4)
    inside = red[alpha == 255]
    assert ((inside > 20) & (inside < 180)).sum() > inside.size // 4


def test_gdal_refusing_the_resampling_is_a_sentence_naming_the_image(tmp_path, monkeypatch):
    import rasterio.warp

    def refuse(*args, **kwargs):
        raise rasterio.errors.RasterioError("Cannot invert geotransform")

    monkeypatch.setattr(rasterio.warp, "reproject", refuse)
    img = _img(tmp_path / "a.png", size=(10, 10))
    with pytest.raises(InputError) as ei:
        worldfile.resample_north_up(img, (0.8, 0.6, 0.6, -0.8, 0.0, 0.0), 32633, out_dir=tmp_path / "c")
    assert ei.value.path == img and ei.value.problem == "its world file cannot be resampled north-up (Cannot invert geotransform)"
    assert not (tmp_path / "c").exists()  # nothing half-made


def test_a_prj_disagreeing_with_epsg_is_one_warning_word_for_word(tmp_path, caplog):
    _ortho(tmp_path, name="a.png", prj=32632)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, 32633)
    assert _messages(caplog, logging.WARNING) == [f"{tmp_path / 'a.prj'} says EPSG:32632 but --epsg 32633 was given; using 32633"]


# ---------------------------------------------------------------- xyz: the guess keeps the grid it was given


def test_the_guess_reads_the_tiles_on_the_grid_given(tmp_path):
    # geodetic, 180 degrees at zoom 0: tile (1, 0, 0) read as XYZ reaches the pole, where no Web
    # Mercator tile does (85.05 N): a photo at 87 N lies on it only on this grid
    opts = LoadOptions(hint_points=(LatLon(87.0, -135.0),))
    assert xyz._plausible_order(tmp_path, _geodetic_files(), opts, GEO180) == TileGrid(
        tms=False, profile="geodetic", geodetic_deg0=180.0, source="the photos' GPS")


def test_the_guess_keeps_a_360_degree_geodetic_grid(tmp_path):
    # 360 degrees at zoom 0: zoom 2 has 90-degree tiles; (2, 0, 0) is lon -180..-90, lat 0..90 as
    # XYZ (lat 45..90 on the 180-degree grid): a photo at 20 N, 100 W lies on it only here
    grid = TileGrid(tms=False, profile="geodetic", geodetic_deg0=360.0)
    opts = LoadOptions(hint_points=(LatLon(20.0, -100.0),))
    assert xyz._plausible_order(tmp_path, [(2, 0, 0, None)], opts, grid) == TileGrid(
        tms=False, profile="geodetic", geodetic_deg0=360.0, source="the photos' GPS")
    south = LoadOptions(hint_points=(LatLon(-20.0, -100.0),))  # on the TMS reading (lat -90..0) only
    assert xyz._plausible_order(tmp_path, [(2, 0, 0, None)], south, grid) == TileGrid(
        tms=True, profile="geodetic", geodetic_deg0=360.0, source="the photos' GPS")
    assert xyz._plausible_order(tmp_path, [(2, 0, 0, None)], LoadOptions(), grid) == grid


def test_detect_grid_says_the_folder_when_it_guesses(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        xyz.detect_grid(tmp_path, [(1, 0, 0, None)])
    assert _messages(caplog, logging.WARNING) == [
        f"{tmp_path}: the row order is not stated (no tilemapresource.xml or TileJSON) and cannot be checked; read as "
        "XYZ (rows from the north). If photos land at the mirror-image latitude, use --tms"]


def test_a_folder_without_images_says_what_it_looked_for(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, 32633)
    assert ei.value.path == tmp_path and ei.value.problem == (
        "no images with world files (.pgw .jgw .tfw .wld .pngw .jpgw .jpegw .tifw .tiffw .webpw) found")


def test_a_geotiff_in_a_folder_placed_off_the_globe_is_named(tmp_path):
    tif = _gtiff(tmp_path / "g.tif", 8, 8, Affine(0.01, 0, 15.0, 0, -0.01, 95.0), crs="EPSG:4326")  # latitude 95
    with pytest.raises(InputError) as ei:
        worldfile.load_world_file_folder(tmp_path, None)
    assert ei.value.path == tif
    assert ei.value.problem == "coordinates fall outside the globe once transformed from EPSG:4326 (wrong EPSG code?)"


def test_two_orthophotos_count_one_more(tmp_path, caplog):
    for n in ("a", "b"):
        _ortho(tmp_path, name=f"{n}.png", size=(10, 1100))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        worldfile.load_world_file_folder(tmp_path, None)
    (msg,) = _messages(caplog, logging.WARNING)
    assert msg.startswith(f"{tmp_path}: a.png is 10x1100 px (10 x 1100 m) and is read as one tile (and 1 more), matched")


def test_a_folders_geotiff_keeps_its_corners_and_the_images_after_it_are_read(tmp_path):
    # 200 km west of UTM 33N's central meridian: the grid is turned ~1.4 degrees against lon/lat
    tif = _gtiff(tmp_path / "g.tif", 40, 30, Affine(2, 0, 300_000, 0, -2, 5_000_000))
    _ortho(tmp_path, name="h.png", world=(1.0, 0.0, 0.0, -1.0, 300_100.5, 4_999_999.5))  # listed after g.tif
    ts = worldfile.load_world_file_folder(tmp_path, None)
    assert [t.id for t in ts.tiles] == ["g.tif", "h.png"]
    to_wgs84 = Transformer.from_crs(32633, 4326, always_xy=True)
    for (fx, fy), (x, y) in (((0, 0), (300_000, 5_000_000)), ((1, 1), (300_080, 4_999_940))):
        lon, lat = to_wgs84.transform(x, y)
        got = ts.tiles[0].point_at(fx, fy)
        assert (got.lon, got.lat) == pytest.approx((lon, lat), abs=1e-7), (fx, fy)


def test_tiles_mostly_transparent_are_left_out_and_counted(tmp_path, caplog):
    _img(tmp_path / "1" / "0" / "0.png", rgba=np.zeros((4, 4, 4)))
    _img(tmp_path / "1" / "1" / "0.png")
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ts = xyz.load_xyz_folder(tmp_path, tms=False)
    assert [t.id for t in ts.tiles] == ["1/1/0.png"]
    assert f"{tmp_path}: 1 of 2 tiles left out: more than half of each is transparent (no data)" in _messages(caplog)


def test_a_sheared_orthophoto_with_the_d_term_alone_is_cut_from_its_copy_with_the_overlap(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "cache"))
    image = _ortho(tmp_path / "src", size=(40, 30), world=(2.0, 0.5, 0.0, -2.0, 500_001.0, 5_000_001.0))
    ts = worldfile.cut_world_file_image(image, LoadOptions(tile_size_m=20, overlap=0.5))
    copy = ts.tiles[0].path
    assert copy.parent == tmp_path / "cache"
    with rasterio.open(copy) as ds:
        w, h = ds.width, ds.height
        alpha = ds.read(4) > 0
    # 10 px windows stepping 5 px (half of each shared with its neighbour)
    want = [(c, r, 10, 10) for r in geotiff._offsets(h, 10, 5) for c in geotiff._offsets(w, 10, 5)
            if alpha[r:r + 10, c:c + 10].mean() >= 0.5]
    assert _windows(ts) == want and len(want) >= 4


def test_world_file_images_mostly_transparent_are_left_out_and_counted(tmp_path, caplog):
    _img(tmp_path / "a.png", rgba=np.zeros((4, 4, 4)))
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n500000.5\n4999999.5\n")
    _ortho(tmp_path, name="b.png", prj=None)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ts = worldfile.load_world_file_folder(tmp_path, 32633)
    assert [t.id for t in ts.tiles] == ["b.png"]
    assert f"{tmp_path}: 1 of 2 tiles left out: more than half of each is transparent (no data)" in _messages(caplog)
