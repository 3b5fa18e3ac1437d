"""GeoTIFFs whose geotransform is not north-up, and TIFF + .tfw + .prj deliveries (session 19, newuser19).

A county mapper's own imagery: a rotated scan georeferenced by its corners, a raster stored with its
rows running north (positive y pixel size), an export with columns running west, and the classic
delivery of a TIFF with its .tfw and .prj beside it. Before session 19 the first three were refused
("rotated GeoTIFFs are not supported", "only north-up GeoTIFFs are supported") although GDAL reads them
right, a flipped GeoTIFF in a folder of tiles was read upside-down under correct bounds, and the TIFF
with .tfw and .prj was asked for --epsg although its .prj said the CRS. Each test compares with the
same ground cut from a plain north-up GeoTIFF.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import pytest

rasterio = pytest.importorskip("rasterio")
from affine import Affine  # noqa: E402
from pyproj import CRS  # noqa: E402
from rasterio.enums import ColorInterp  # noqa: E402
from rasterio.warp import Resampling, reproject  # noqa: E402

from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.images import open_image  # noqa: E402
from geolocator.core.sources import geotiff, northup, worldfile  # noqa: E402

W, H = 64, 48
X0, Y0 = 500_000.0, 5_000_000.0  # UTM 33N, 1 m pixels
NORTH_UP = Affine(1, 0, X0, 0, -1, Y0)


@pytest.fixture(autouse=True)
def _north_up_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))


def _pattern() -> np.ndarray:
    """(3, H, W) uint8: smooth gradients and blobs, different in each band and direction, so a
    mirrored or shifted read shows as a difference and bilinear resampling changes little."""
    rows, cols = np.mgrid[0:H, 0:W].astype(np.float64)
    r = 128 + 100 * np.sin(cols / 9.0) * np.cos(rows / 13.0)
    g = 40 + 3 * cols + rows
    b = 60 + 170 * np.exp(-((cols - 20) ** 2 + (rows - 12) ** 2) / 120.0)
    return np.clip(np.stack([r, g, b]), 0, 255).astype(np.uint8)


def _write(path, data, transform, crs="EPSG:32633", **kw):
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[2], height=data.shape[1], count=data.shape[0],
                       dtype=data.dtype, crs=crs, transform=transform, **kw) as ds:
        ds.write(data)
    return path


def _tiles_and_pixels(tif, size_m=16):
    ts = geotiff.cut_geotiff(tif, size_m)
    return ts, [np.asarray(open_image(t.path, t.window)) for t in ts.tiles]


@pytest.mark.parametrize("how", ["rows running north", "columns running west"])
def test_a_flipped_geotiff_is_cut_like_the_same_ground_north_up(tmp_path, how):
    """A raster stored bottom-up (positive y pixel size) or right-to-left (negative x pixel size)
    covers the same ground as its north-up twin: the same tiles, bounds and pixels (a flip moves
    pixels without resampling them). Before: refused ("only north-up GeoTIFFs are supported")."""
    data = _pattern()
    ref = _write(tmp_path / "ref.tif", data, NORTH_UP)
    if how == "rows running north":
        flipped = _write(tmp_path / "flip.tif", np.ascontiguousarray(data[:, ::-1, :]), Affine(1, 0, X0, 0, 1, Y0 - H))
    else:
        flipped = _write(tmp_path / "flip.tif", np.ascontiguousarray(data[:, :, ::-1]), Affine(-1, 0, X0 + W, 0, -1, Y0))
    ref_ts, ref_px = _tiles_and_pixels(ref)
    ts, px = _tiles_and_pixels(flipped)
    assert len(ts) == len(ref_ts) == 12
    assert ts.source == flipped  # the set and its tiles name the user's file, not the cached copy
    assert all(t.id.startswith("flip.tif@") for t in ts.tiles) and all(t.path != flipped for t in ts.tiles)
    for t, r in zip(ts.tiles, ref_ts.tiles):
        assert t.window == r.window
        assert t.bounds.west == pytest.approx(r.bounds.west, abs=1e-9)
        assert t.bounds.north == pytest.approx(r.bounds.north, abs=1e-9)
    for a, b in zip(px, ref_px):
        assert np.array_equal(a, b)


def _rotated(tmp_path, name, angle_deg, *, alpha: bool, nodata=None):
    """The pattern's ground warped onto a grid rotated `angle_deg` about its centre (what a scan
    georeferenced by its corners is); outside the pattern: alpha 0, or `nodata`, or plain 0."""
    data = _pattern()
    cx, cy = X0 + W / 2, Y0 - H / 2
    side = 80
    t = Affine.translation(cx, cy) @ Affine.rotation(angle_deg) @ Affine(1, 0, -side / 2, 0, -1, side / 2)
    out = np.zeros((3, side, side), np.uint8)
    reproject(data, out, src_transform=NORTH_UP, src_crs="EPSG:32633", dst_transform=t, dst_crs="EPSG:32633",
              resampling=Resampling.bilinear, src_nodata=None, dst_nodata=0)
    covered = np.zeros((1, side, side), np.uint8)
    reproject(np.full((1, H, W), 255, np.uint8), covered, src_transform=NORTH_UP, src_crs="EPSG:32633",
              dst_transform=t, dst_crs="EPSG:32633", resampling=Resampling.nearest, dst_nodata=0)
    if alpha:
        tif = _write(tmp_path / name, np.concatenate([out, covered]), t, photometric="RGB", alpha="YES")
        with rasterio.open(tif) as ds:
            assert ds.colorinterp[3] == ColorInterp.alpha
        return tif, t
    if nodata is not None:
        out[:, covered[0] == 0] = nodata
    return _write(tmp_path / name, out, t, nodata=nodata), t


@pytest.mark.parametrize("alpha, nodata", [(True, None), (False, 1), (False, None)])
def test_a_rotated_geotiff_is_read_through_its_north_up_copy_on_the_same_ground(tmp_path, alpha, nodata):
    """A GeoTIFF rotated 30°, with an alpha band, a nodata value or neither: each valid pixel of
    its north-up copy shows the ground the north-up original shows at the same map coordinates
    (within what two bilinear resamplings change), and the copy's corners that the rotated grid
    does not cover are no data. Before: refused ("rotated GeoTIFFs are not supported")."""
    data = _pattern()
    tif, _ = _rotated(tmp_path, "rot.tif", 30, alpha=alpha, nodata=nodata)
    ts = geotiff.cut_geotiff(tif, 16)
    assert len(ts) > 0 and ts.source == tif and all(t.id.startswith("rot.tif@") for t in ts.tiles)
    copy = ts.tiles[0].path
    with rasterio.open(copy) as ds:
        assert ds.transform.b == 0 and ds.transform.d == 0 and ds.transform.e < 0 < ds.transform.a
        valid = ds.dataset_mask() > 0
        rgb = ds.read()
        assert not valid[0, 0] and not valid[-1, -1]  # outside the rotated grid: no data
        rows, cols = np.nonzero(valid)
        xs, ys = ds.xy(rows, cols)
    # the same map coordinates in the north-up original, away from its edges
    c, r = ~NORTH_UP @ (np.asarray(xs), np.asarray(ys))
    inside = (c > 3) & (c < W - 3) & (r > 3) & (r < H - 3)
    assert inside.sum() > 0.5 * W * H
    ref = data[:, np.floor(r[inside]).astype(int), np.floor(c[inside]).astype(int)].astype(int)
    got = rgb[:, rows[inside], cols[inside]].astype(int)
    assert np.median(np.abs(got - ref)) <= 4


def test_a_rotated_geotiffs_windows_are_placed_on_their_ground(tmp_path):
    """The tiles' bounds come from the copy's north-up transform: the centre of the middle
    window lies on the ground its pixels show (checked against the original's geotransform)."""
    tif, t = _rotated(tmp_path, "rot.tif", -25, alpha=True)
    ts = geotiff.cut_geotiff(tif, 16)
    with rasterio.open(ts.tiles[0].path) as ds:
        ct = ds.transform
    for tile in ts.tiles:
        w = tile.window
        x, y = ct @ (w.col + w.width / 2, w.row + w.height / 2)
        lon, lat = (tile.bounds.west + tile.bounds.east) / 2, (tile.bounds.south + tile.bounds.north) / 2
        from pyproj import Transformer
        ex, ey = Transformer.from_crs(4326, 32633, always_xy=True).transform(lon, lat)
        assert math.hypot(ex - x, ey - y) < 0.05


def test_the_north_up_copy_is_made_once(tmp_path):
    """Cutting the same rotated file again reuses its copy (same path, not rewritten)."""
    tif, _ = _rotated(tmp_path, "rot.tif", 15, alpha=False)
    first = geotiff.cut_geotiff(tif, 16).tiles[0].path
    mtime = first.stat().st_mtime_ns
    again = geotiff.cut_geotiff(tif, 16).tiles[0].path
    assert again == first and first.stat().st_mtime_ns == mtime


@pytest.mark.parametrize("t", [Affine(0, 0, X0, 0, -1, Y0),          # no pixel width
                               Affine(1, 0, X0, 0, 0, Y0),            # no pixel height
                               Affine(1, 1, X0, 1, 1, Y0)])           # collinear pixel axes
def test_a_geotransform_that_spans_no_area_is_still_refused(tmp_path, t):
    tif = _write(tmp_path / "z.tif", _pattern(), NORTH_UP)
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 16, transform=t)
    assert ei.value.path == tif and "spans no area" in ei.value.problem


def test_a_flipped_geotiff_in_a_folder_of_tiles_is_read_north_up(tmp_path):
    """In a folder of tiles a GeoTIFF is one tile: its image must run north to south like its
    bounds. Before: the stored rows were read as they lie, the image upside-down under the right
    bounds (and a rotated one was refused)."""
    data = _pattern()
    (tmp_path / "ref").mkdir()
    (tmp_path / "tiles").mkdir()
    ref = _write(tmp_path / "ref" / "a.tif", data, NORTH_UP)
    _write(tmp_path / "tiles" / "a.tif", np.ascontiguousarray(data[:, ::-1, :]), Affine(1, 0, X0, 0, 1, Y0 - H))
    (tile,) = worldfile.load_world_file_folder(tmp_path / "tiles", None).tiles
    (ref_tile,) = worldfile.load_world_file_folder(tmp_path / "ref", None).tiles
    assert tile.id == "a.tif" and tile.bounds == ref_tile.bounds
    assert np.array_equal(np.asarray(open_image(tile.path)), np.asarray(open_image(ref)))


def test_a_rotated_geotiff_in_a_folder_is_a_tile_of_its_north_up_copy(tmp_path):
    (tmp_path / "tiles").mkdir()
    tif, _ = _rotated(tmp_path / "tiles", "r.tif", 30, alpha=True)
    (tile,) = worldfile.load_world_file_folder(tmp_path / "tiles", None).tiles
    assert tile.id == "r.tif" and tile.path != tif
    with rasterio.open(tile.path) as ds:
        assert northup.is_north_up(ds.transform)


def _tfw_delivery(tmp_path, prj_epsg=32633):
    """A TIFF without georeference of its own, its .tfw (pixel centres, ESRI) and .prj beside it."""
    data = _pattern()
    tif = tmp_path / "ortho.tif"
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning), \
            rasterio.open(tif, "w", driver="GTiff", width=W, height=H, count=3, dtype="uint8") as ds:
        ds.write(data)
    (tmp_path / "ortho.tfw").write_text("1.0\n0.0\n0.0\n-1.0\n%.1f\n%.1f\n" % (X0 + 0.5, Y0 - 0.5))
    if prj_epsg:
        (tmp_path / "ortho.prj").write_text(CRS.from_epsg(prj_epsg).to_wkt("WKT1_ESRI"))
    return tif


def test_a_tiff_with_tfw_and_prj_takes_its_crs_from_the_prj(tmp_path):
    """The classic orthophoto delivery: GDAL reads the .tfw, not the .prj; the .prj said the CRS.
    Before: refused with "the GeoTIFF has no coordinate system (CRS); give ... --epsg"."""
    tif = _tfw_delivery(tmp_path)
    ref = _write(tmp_path / "ref.tif", _pattern(), NORTH_UP)
    ts = geotiff.cut_geotiff(tif, 16)
    ref_ts = geotiff.cut_geotiff(ref, 16)
    assert [t.bounds for t in ts.tiles] == pytest.approx([t.bounds for t in ref_ts.tiles])


def test_epsg_given_for_a_tiff_with_a_prj_that_disagrees_wins_and_is_said(tmp_path, caplog):
    tif = _tfw_delivery(tmp_path, prj_epsg=32634)
    ref = _write(tmp_path / "ref.tif", _pattern(), NORTH_UP)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ts = geotiff.cut_geotiff(tif, 16, default_crs=32633)
    assert [t.bounds for t in ts.tiles] == pytest.approx([t.bounds for t in geotiff.cut_geotiff(ref, 16).tiles])
    assert any("EPSG:32634" in r.getMessage() and "--epsg 32633" in r.getMessage() for r in caplog.records)


def test_a_tiff_with_a_tfw_and_no_prj_still_asks_for_the_crs(tmp_path):
    tif = _tfw_delivery(tmp_path, prj_epsg=None)
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(tif, 16)
    assert ei.value.path == tif and "no coordinate system" in ei.value.problem


def _gcp_twin(tmp_path, rotated, gcp_crs="EPSG:32633"):
    """The rotated file's pixels placed by 5 ground control points (its corners and one inside,
    exact), no geotransform: what a georeferencer (QGIS, ArcGIS) saves."""
    from rasterio.control import GroundControlPoint

    with rasterio.open(rotated) as ds:
        data, t, count = ds.read(), ds.transform, ds.count
    h, w = data.shape[1:]
    points = [GroundControlPoint(row=r, col=c, x=(t @ (c, r))[0], y=(t @ (c, r))[1])
              for c, r in ((0, 0), (w, 0), (0, h), (w, h), (w / 3, h / 2))]
    path = tmp_path / "gcp.tif"
    with pytest.warns(rasterio.errors.NotGeoreferencedWarning), \
            rasterio.open(path, "w", driver="GTiff", width=w, height=h, count=count, dtype="uint8",
                          photometric="RGB", alpha="YES") as ds:
        ds.write(data)
        ds.gcps = (points, rasterio.crs.CRS.from_user_input(gcp_crs) if gcp_crs else rasterio.crs.CRS())
    return path


def test_a_geotiff_placed_by_ground_control_points_is_cut_like_its_geotransform_twin(tmp_path):
    """GCPs that fit an affine exactly place the pixels where the twin's geotransform does: the
    same north-up grid (GDAL's choice), tiles and pixels as the rotated file's copy. Before:
    refused ("georeferenced by 5 ground control points only ... warp it north-up first")."""
    rotated, _ = _rotated(tmp_path, "rot.tif", 30, alpha=True)
    gcp = _gcp_twin(tmp_path, rotated)
    ts, px = _tiles_and_pixels(gcp)
    ref_ts, ref_px = _tiles_and_pixels(rotated)
    assert ts.source == gcp and all(t.id.startswith("gcp.tif@") for t in ts.tiles)
    assert len(ts) == len(ref_ts) > 0
    for t, r in zip(ts.tiles, ref_ts.tiles):
        assert t.bounds.west == pytest.approx(r.bounds.west, abs=2e-6)  # ~0.15 m: GDAL's own grid
        assert t.bounds.north == pytest.approx(r.bounds.north, abs=2e-6)
    diffs = [np.median(np.abs(a.astype(int) - b.astype(int))) for a, b in zip(px, ref_px)]
    assert max(diffs) <= 4


def test_ground_control_points_without_a_crs_ask_for_one(tmp_path):
    rotated, _ = _rotated(tmp_path, "rot.tif", 30, alpha=True)
    gcp = _gcp_twin(tmp_path, rotated, gcp_crs=None)
    with pytest.raises(InputError) as ei:
        geotiff.cut_geotiff(gcp, 16)
    assert ei.value.path == gcp and "no coordinate system" in ei.value.problem
    assert len(geotiff.cut_geotiff(gcp, 16, default_crs=32633)) > 0  # --epsg gives it


def test_nan_in_a_float_raster_without_a_nodata_value_is_no_data(tmp_path):
    """A float32 reflectance raster whose empty part is NaN and which declares no nodata value
    (QGIS shows NaN as transparent): windows mostly NaN are not tiles, and the NaN part of a
    window is filled like other no data, not read as black. Before: every window was a tile and
    NaN came out black (0) after the stretch."""
    data = _pattern().astype(np.float32) / 255.0 * 0.4
    data[:, :24, :] = np.nan  # the northern half: 3 rows of 16 m windows, the first 1.5 of them NaN
    tif = _write(tmp_path / "refl.tif", data, NORTH_UP)
    ts, px = _tiles_and_pixels(tif)
    full = geotiff.cut_geotiff(_write(tmp_path / "full.tif", _pattern(), NORTH_UP), 16)
    assert len(ts) == len(full) - 4  # the 4 windows of the first row left out
    assert all(t.window.row > 0 for t in ts.tiles)
    partly = [p for t, p in zip(ts.tiles, px) if t.window.row < 24]  # the row of windows half NaN
    assert partly and all(not (p[: 24 - 16] == 0).all(axis=-1).any() for p in partly)


def test_tiffs_placed_by_a_tfw_and_prj_or_by_gcps_are_imagery_beside_photos(tmp_path):
    """Given on the app's command line or dropped with photos, such a TIFF is the tile set, not
    one more photo (core.tilesets.is_imagery). Before: only a TIFF with its own CRS and
    geotransform counted; these two were listed as drone photos. A TIFF with a .tfw and no .prj
    (it would ask for --epsg) stays a photo, as a TIFF without georeference does."""
    from geolocator.core.tilesets import is_imagery

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "c").mkdir()
    tfw = _tfw_delivery(tmp_path / "a")
    rotated, _ = _rotated(tmp_path / "b", "rot.tif", 30, alpha=True)
    gcp = _gcp_twin(tmp_path / "b", rotated)
    bare = _tfw_delivery(tmp_path / "c", prj_epsg=None)
    assert is_imagery(tfw) and is_imagery(gcp) and is_imagery(rotated)
    assert not is_imagery(bare)


def test_the_copy_of_a_jpeg_geotiff_stays_jpeg(tmp_path):
    """A JPEG-compressed RGB orthophoto's copy is JPEG too (YCbCr, quality 90), its no data still
    in the mask: deflate made the copy of a 173 MB JPEG GeoTIFF 1.17 GB (session 19's record).
    Before: every copy was deflate."""
    data = _pattern()
    big = np.tile(data, (1, 4, 4))  # 192 x 256 px, enough blocks for JPEG to matter
    t = Affine.translation(X0, Y0) @ Affine.rotation(-10) @ Affine(1, 0, 0, 0, -1, 0)
    tif = _write(tmp_path / "j.tif", big, t, compress="jpeg", photometric="YCbCr", tiled=True,
                 blockxsize=64, blockysize=64)
    copy = northup.north_up_copy(tif, "EPSG:32633")
    with rasterio.open(copy) as ds:
        assert ds.compression == rasterio.enums.Compression.jpeg and ds.count == 3
        mask = ds.dataset_mask()
        assert mask[0, 0] == 0 and mask[ds.height // 2, ds.width // 2] == 255
