import sys

import numpy as np
import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.geo import haversine_m, metres_per_degree, transform_to_wgs84, world_file_bounds, xyz_tile_bounds
from geolocator.core.images import open_image
from geolocator.core.model import Bounds, LatLon
from geolocator.core.sources.registry import LoadOptions
from geolocator.core.tilesets import (
    cut_geotiff,
    load_tiles_csv,
    load_tileset,
    load_world_file_folder,
    load_xyz_folder,
)

try:
    import rasterio
    from rasterio.transform import Affine
except ImportError:
    rasterio = None
needs_rasterio = pytest.mark.skipif(rasterio is None, reason="rasterio (geotiff extra) not installed")

HEADER = "path,west,south,east,north"


def _img(path, size=(8, 8), color="gray"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path)
    return path


def _region_csv(root, rows, header=HEADER, make_files=True):
    root.mkdir(parents=True, exist_ok=True)
    if make_files:
        for r in rows:
            name = r.split(",")[0]
            if name and not name.startswith(("/", "..")):
                _img(root / name)
    (root / "tiles.csv").write_text("\n".join([header, *rows]) + "\n")
    return root / "tiles.csv"


# ---------------------------------------------------------------- tiles.csv


def test_tiles_csv_reads_ids_paths_and_bounds(tmp_path):
    csv_path = _region_csv(tmp_path, ["tiles/a.png,10.0,50.0,10.01,50.01", "tiles/sub/b.png,10.01,50.0,10.02,50.01"])
    ts = load_tiles_csv(csv_path)
    assert [t.id for t in ts.tiles] == ["tiles/a.png", "tiles/sub/b.png"]
    assert ts.tiles[0].path == tmp_path / "tiles" / "a.png" and ts.tiles[0].path.is_file()
    assert ts.tiles[1].bounds == Bounds(10.01, 50.0, 10.02, 50.01)
    assert ts.tiles[0].window is None and ts.source == csv_path
    assert ts.bounds == Bounds(10.0, 50.0, 10.02, 50.01)


def test_tiles_csv_tolerates_bom_header_case_extra_columns_and_dot_paths(tmp_path):
    _img(tmp_path / "tiles" / "a.png")
    text = "\ufeffPath , West,South,East,North,note\n./tiles/a.png, 1, 2, 3, 4,hello\n\n"
    (tmp_path / "tiles.csv").write_text(text, encoding="utf-8")
    ts = load_tiles_csv(tmp_path / "tiles.csv")
    assert ts.tiles[0].id == "tiles/a.png" and ts.tiles[0].bounds == Bounds(1, 2, 3, 4)


def test_tiles_csv_absolute_path_inside_folder_is_accepted(tmp_path):
    a = _img(tmp_path / "tiles" / "a.png")
    (tmp_path / "tiles.csv").write_text(f"{HEADER}\n{a},0,0,1,1\n")
    assert load_tiles_csv(tmp_path / "tiles.csv").tiles[0].id == "tiles/a.png"


@pytest.mark.parametrize(
    "rows, line, needle",
    [
        (["tiles/a.png,0,0,1,1", "tiles/b.png,zero,0,1,1"], 3, "west is not a number"),
        (["tiles/a.png,0,0,1,"], 2, "north is not a number"),
        (["tiles/a.png,0,0,1,nan"], 2, "not a finite number"),
        (["tiles/a.png,0,-91,1,1"], 2, "south = -91.0 is out of range"),
        (["tiles/a.png,-181,0,1,1"], 2, "west = -181.0 is out of range"),
        (["tiles/a.png,0,0,1,1", "tiles/b.png,2,0,1,1"], 3, "west (2.0) is greater than east (1.0)"),
        (["tiles/a.png,0,2,1,1"], 2, "south (2.0) is greater than north (1.0)"),
        (["tiles/a.png,0,0,0,1"], 2, "zero width"),
        (["tiles/a.png,0,0,1,1", "tiles/a.png,1,0,2,1"], 3, "listed twice (first on line 2)"),
        ([",0,0,1,1"], 2, "path is empty"),
        (["tiles/a.png,0,0,1,1,extra"], 2, "6 values"),
    ],
)
def test_tiles_csv_errors_name_file_and_line(tmp_path, rows, line, needle):
    csv_path = _region_csv(tmp_path, rows)
    with pytest.raises(InputError) as ei:
        load_tiles_csv(csv_path)
    assert ei.value.line == line and ei.value.path == csv_path
    assert needle in ei.value.problem
    assert str(csv_path) in str(ei.value) and f"line {line}" in str(ei.value)


def test_tiles_csv_missing_image_file(tmp_path):
    csv_path = _region_csv(tmp_path, ["tiles/a.png,0,0,1,1", "tiles/ghost.png,0,0,1,1"])
    (tmp_path / "tiles" / "ghost.png").unlink()
    with pytest.raises(InputError) as ei:
        load_tiles_csv(csv_path)
    assert ei.value.line == 3 and "tiles/ghost.png" in ei.value.problem and "does not exist" in ei.value.problem


@pytest.mark.parametrize("path_text", ["../outside.png", "tiles/../../outside.png", "ABSOLUTE"])
def test_tiles_csv_path_escaping_the_folder(tmp_path, path_text):
    region = tmp_path / "region"
    outside = _img(tmp_path / "outside.png")  # exists, so only the escape check can refuse it
    path_text = str(outside) if path_text == "ABSOLUTE" else path_text
    csv_path = _region_csv(region, [f"{path_text},0,0,1,1"], make_files=False)
    with pytest.raises(InputError) as ei:
        load_tiles_csv(csv_path)
    assert ei.value.line == 2 and "outside the folder" in ei.value.problem


def test_tiles_csv_missing_columns(tmp_path):
    csv_path = _region_csv(tmp_path, ["tiles/a.png,0,0,1"], header="path,west,south,east")
    with pytest.raises(InputError) as ei:
        load_tiles_csv(csv_path)
    assert ei.value.line == 1 and "missing column(s) north" in ei.value.problem


@pytest.mark.parametrize("text, needle", [("", "empty file"), (HEADER + "\n", "no data rows")])
def test_tiles_csv_empty(tmp_path, text, needle):
    (tmp_path / "tiles.csv").write_text(text)
    with pytest.raises(InputError) as ei:
        load_tiles_csv(tmp_path / "tiles.csv")
    assert needle in ei.value.problem and "tiles.csv" in str(ei.value)


# ---------------------------------------------------------------- XYZ


def _xyz(root, coords, ext="png"):
    for z, x, y in coords:
        _img(root / str(z) / str(x) / f"{y}.{ext}")
    return root


def test_xyz_folder_bounds_and_tms(tmp_path):
    root = _xyz(tmp_path / "xyz", [(1, 0, 0), (1, 1, 0), (2, 3, 1)])
    (root / "1" / "0" / "readme.txt").write_text("ignored")
    # one level at a time: a folder of several levels is read at one (tests/test_trial_xyz_pyramid.py)
    ts = load_xyz_folder(root, options=LoadOptions(zoom=1))
    assert [t.id for t in ts.tiles] == ["1/0/0.png", "1/1/0.png"]
    assert [t.id for t in load_xyz_folder(root, options=LoadOptions(zoom=2)).tiles] == ["2/3/1.png"]
    assert ts.tiles[0].bounds == xyz_tile_bounds(1, 0, 0)
    assert ts.tiles[0].bounds.north > 85 and ts.tiles[0].bounds.west == -180  # NW quadrant
    tms = load_xyz_folder(root, tms=True, options=LoadOptions(zoom=1))
    assert tms.tiles[0].bounds.south < -85 and tms.tiles[0].bounds.north == pytest.approx(0, abs=1e-12)
    assert load_xyz_folder(root, tms=True, options=LoadOptions(zoom=2)).tiles[0].bounds == xyz_tile_bounds(2, 3, 2)


def test_xyz_folder_errors(tmp_path):
    root = _xyz(tmp_path / "bad", [(1, 2, 0)], ext="jpg")
    with pytest.raises(InputError) as ei:
        load_xyz_folder(root)
    assert "1/2/0.jpg" in str(ei.value) and "does not exist" in ei.value.problem
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no z/x/y tiles"):
        load_xyz_folder(tmp_path / "empty")


# ---------------------------------------------------------------- world files


def _world_tile(folder, name, ext, world_ext, c, f, size=(100, 50), px=10.0):
    img = _img(folder / f"{name}.{ext}", size=size)
    (folder / f"{name}.{world_ext}").write_text(f"{px}\n0\n0\n{-px}\n{c}\n{f}\n")
    return img


def test_world_file_folder_utm(tmp_path):
    folder = tmp_path / "wf"
    _world_tile(folder, "a", "png", "pgw", 500_005.0, 5_500_995.0)
    _world_tile(folder, "b", "jpg", "jgw", 501_005.0, 5_500_995.0)
    _world_tile(folder, "c", "png", "pngw", 502_005.0, 5_500_995.0)
    _img(folder / "preview.png")  # no world file: skipped
    ts = load_world_file_folder(folder, 32633)
    assert [t.id for t in ts.tiles] == ["a.png", "b.jpg", "c.png"]
    a = ts.tiles[0].bounds
    assert a == world_file_bounds((10.0, 0, 0, -10.0, 500_005.0, 5_500_995.0), 100, 50, 32633)
    # half-pixel: the image's west edge is easting 500000 = the zone's central meridian, 15 E
    assert a.west == pytest.approx(15.0, abs=1e-9)
    lons, lats = transform_to_wgs84([500_000.0], [5_501_000.0], 32633)
    assert a.north == pytest.approx(lats[0], abs=1e-9)
    assert ts.tiles[1].bounds.west == pytest.approx(ts.tiles[0].bounds.east, abs=1e-4)


def test_world_file_folder_needs_epsg_and_rejects_rotation(tmp_path):
    folder = tmp_path / "wf"
    _world_tile(folder, "a", "tif", "tfw", 500_005.0, 5_500_995.0)
    with pytest.raises(InputError, match="EPSG"):
        load_world_file_folder(folder, None)
    with pytest.raises(InputError, match="EPSG"):
        load_tileset(folder)
    (folder / "a.tfw").write_text("10\n0.5\n0\n-10\n500005\n5500995\n")
    (folder / "a.tfw").write_text("10\n0.5\n0\n-10\nnot a number\n5500995\n")
    with pytest.raises(InputError) as ei:
        load_world_file_folder(folder, 32633)
    assert "a.tfw" in str(ei.value)  # rotation itself is resampled north-up: test_georef_conventions.py


def test_world_file_folder_wrong_epsg_names_world_file(tmp_path):
    folder = tmp_path / "wf"
    _world_tile(folder, "a", "png", "wld", 500_005.0, 5_500_995.0)
    with pytest.raises(InputError) as ei:
        load_world_file_folder(folder, 4326)  # UTM numbers read as degrees: off the globe
    assert "a.wld" in str(ei.value)


# ---------------------------------------------------------------- GeoTIFF


def _geotiff(path, width, height, transform, crs, count=3):
    y, x = np.mgrid[0:height, 0:width]
    data = np.stack([x % 256, y % 256, (x // 256 + y // 256) % 256][:count]).astype(np.uint8)
    with rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=count, dtype="uint8",
                       crs=crs, transform=transform) as ds:
        ds.write(data)
    return path, data


@needs_rasterio
def test_cut_geotiff_utm_windows_and_bounds(tmp_path):
    tif, data = _geotiff(tmp_path / "ortho.tif", 250, 200, Affine(1, 0, 500_000, 0, -1, 5_500_000), "EPSG:32633")
    ts = cut_geotiff(tif, 100)
    cols = sorted({t.window.col for t in ts.tiles})
    rows = sorted({t.window.row for t in ts.tiles})
    assert cols == [0, 100, 150] and rows == [0, 100]  # last column pulled back to cover the edge
    assert len(ts) == 6 and all(t.path == tif and t.window.width == 100 == t.window.height for t in ts.tiles)
    assert len({t.id for t in ts.tiles}) == 6
    first = ts.tiles[0]
    lons, lats = transform_to_wgs84([500_000, 500_100], [5_500_000, 5_499_900], 32633)
    assert first.bounds.west == pytest.approx(lons.min(), abs=1e-9)
    assert first.bounds.north == pytest.approx(lats.max(), abs=1e-9)
    c = first.bounds.center
    side = haversine_m(LatLon(first.bounds.south, c.lon), LatLon(first.bounds.north, c.lon))
    assert side == pytest.approx(100, rel=0.01)
    # The tile decodes to exactly its window of the raster.
    last = ts.tiles[-1]
    w = last.window
    expected = np.transpose(data[:, w.row : w.row + w.height, w.col : w.col + w.width], (1, 2, 0))
    assert np.array_equal(np.asarray(open_image(last.path, last.window)), expected)


@needs_rasterio
def test_cut_geotiff_overlap(tmp_path):
    tif, _ = _geotiff(tmp_path / "o.tif", 250, 200, Affine(1, 0, 500_000, 0, -1, 5_500_000), "EPSG:32633", count=1)
    ts = cut_geotiff(tif, 100, overlap=0.5)
    assert sorted({t.window.col for t in ts.tiles}) == [0, 50, 100, 150]
    assert sorted({t.window.row for t in ts.tiles}) == [0, 50, 100]
    assert len(ts) == 12


@needs_rasterio
def test_cut_geotiff_wgs84_raster_uses_metres_per_degree(tmp_path):
    px = 1e-5  # degrees
    tif, _ = _geotiff(tmp_path / "g.tif", 300, 300, Affine(px, 0, 10.0, 0, -px, 45.0), "EPSG:4326")
    ts = cut_geotiff(tif, 50)
    m_lat, m_lon = metres_per_degree(45.0 - 150 * px)
    assert ts.tiles[0].window.width == round(50 / (px * m_lon))
    assert ts.tiles[0].window.height == round(50 / (px * m_lat))
    b = ts.tiles[0].bounds
    assert (b.west, b.north) == pytest.approx((10.0, 45.0))
    assert (b.east - b.west) * m_lon == pytest.approx(50, rel=0.02)
    assert (b.north - b.south) * m_lat == pytest.approx(50, rel=0.02)


@needs_rasterio
def test_cut_geotiff_bad_input(tmp_path):
    tif, _ = _geotiff(tmp_path / "o.tif", 64, 64, Affine(1, 0, 500_000, 0, -1, 5_500_000), "EPSG:32633", count=1)
    with pytest.raises(InputError, match="only 5 pixels"):
        cut_geotiff(tif, 5)
    with pytest.raises(InputError, match="overlap"):
        cut_geotiff(tif, 20, overlap=1.0)
    with pytest.raises(InputError, match="positive"):
        cut_geotiff(tif, 0)
    assert len(cut_geotiff(tif, 1000)) == 1  # bigger than the raster: one whole-raster tile
    nocrs, _ = _geotiff(tmp_path / "n.tif", 64, 64, Affine(1, 0, 0, 0, -1, 64), None, count=1)
    with pytest.raises(InputError, match="no coordinate system"):
        cut_geotiff(nocrs, 20)
    (tmp_path / "junk.tif").write_bytes(b"not a tiff")
    with pytest.raises(InputError) as ei:
        cut_geotiff(tmp_path / "junk.tif", 20)
    assert "junk.tif" in str(ei.value)


@needs_rasterio
def test_a_tiff_without_georeferencing_gets_our_sentence_not_rasterios_warning(tmp_path):
    # rasterio's NotGeoreferencedWarning (its .venv path and code line) came before our own error
    import warnings

    Image.new("RGB", (64, 64), "green").save(tmp_path / "plain.tif")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(InputError, match="the TIFF has no georeference"):
            cut_geotiff(tmp_path / "plain.tif", 20)
    assert [str(w.message) for w in caught] == []


def test_cut_geotiff_without_rasterio_says_how_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "rasterio", None)  # makes `import rasterio` fail
    (tmp_path / "o.tif").write_bytes(b"x")
    with pytest.raises(InputError) as ei:
        cut_geotiff(tmp_path / "o.tif", 100)
    assert 'pip install "geolocator[geotiff]"' in str(ei.value) and "o.tif" in str(ei.value)


# ---------------------------------------------------------------- auto-detection


def test_load_tileset_detects_each_layout(tmp_path, monkeypatch):
    region = tmp_path / "region"
    _region_csv(region, ["tiles/a.png,0,0,1,1"])
    assert [t.id for t in load_tileset(region).tiles] == ["tiles/a.png"]
    assert load_tileset(region / "tiles.csv").source == region / "tiles.csv"

    xyz = _xyz(tmp_path / "xyz", [(3, 1, 2)])
    assert load_tileset(xyz).tiles[0].bounds == xyz_tile_bounds(3, 1, 2)
    assert load_tileset(xyz, tms=True).tiles[0].bounds == xyz_tile_bounds(3, 1, 2, tms=True)

    wf = tmp_path / "wf"
    _world_tile(wf, "a", "png", "pgw", 500_005.0, 5_500_995.0)
    assert load_tileset(wf, epsg=32633).tiles[0].bounds.west == pytest.approx(15.0)

    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="not a tile set"):
        load_tileset(tmp_path / "empty")
    with pytest.raises(InputError, match="not found"):
        load_tileset(tmp_path / "missing")
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(InputError, match="unsupported"):
        load_tileset(tmp_path / "x.txt")


@needs_rasterio
def test_load_tileset_geotiff_default_tile_size(tmp_path):
    tif, _ = _geotiff(tmp_path / "o.tif", 250, 250, Affine(0.5, 0, 500_000, 0, -0.5, 5_500_000), "EPSG:32633", count=1)
    ts = load_tileset(tif)  # default 100 m = 200 px at 0.5 m/px
    assert ts.tiles[0].window.width == 200
    ts = load_tileset(tif, tile_size_m=50, overlap=0.2)
    assert ts.tiles[0].window.width == 100 and ts.tiles[1].window.col == 80
