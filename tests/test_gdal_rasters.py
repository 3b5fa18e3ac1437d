"""Orthophotos delivered as a VRT (gdalbuildvrt's mosaic of many GeoTIFF pieces) or as JPEG 2000
(national mapping agencies, Sentinel-2) are cut into windows like a GeoTIFF (session 32,
fieldfuzz32). Before, both were refused as an "unsupported tile set file" though rasterio reads them."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from geolocator.core.errors import InputError
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.tilesets import is_imagery, load_tileset

from .flight_helpers import DEMO, demo_mosaic

rasterio = pytest.importorskip("rasterio")
from rasterio.transform import from_bounds  # noqa: E402

SIZE_M = 50


def _geotiff(path: Path, pixels: np.ndarray, bounds, **extra) -> Path:
    h, w = pixels.shape[:2]
    with rasterio.open(path, "w", driver=extra.pop("driver", "GTiff"), width=w, height=h, count=3, dtype="uint8",
                       crs="EPSG:4326", transform=from_bounds(bounds.west, bounds.south, bounds.east, bounds.north, w, h),
                       **extra) as ds:
        ds.write(np.moveaxis(pixels, -1, 0))
    return path


def _mosaic_vrt(folder: Path, pixels: np.ndarray, bounds, source_names=None) -> Path:
    """The mosaic as four GeoTIFF quarters and a VRT placing them (what `gdalbuildvrt` writes)."""
    h, w = pixels.shape[:2]
    dx, dy = (bounds.east - bounds.west) / w, (bounds.north - bounds.south) / h
    bands = {1: "Red", 2: "Green", 3: "Blue"}
    sources = {b: [] for b in bands}
    for i, (r0, c0) in enumerate(((0, 0), (0, w // 2), (h // 2, 0), (h // 2, w // 2))):
        r1, c1 = (h // 2, h)[r0 > 0], (w // 2, w)[c0 > 0]
        part = pixels[r0:r1, c0:c1]
        name = (source_names or [f"part{i}.tif" for i in range(4)])[i]
        piece = type(bounds)(bounds.west + c0 * dx, bounds.north - r1 * dy, bounds.west + c1 * dx, bounds.north - r0 * dy)
        if name != "missing.tif":
            _geotiff(folder / name, np.ascontiguousarray(part), piece)
        for b in bands:
            sources[b].append(
                f'<SimpleSource><SourceFilename relativeToVRT="1">{name}</SourceFilename><SourceBand>{b}</SourceBand>'
                f'<SrcRect xOff="0" yOff="0" xSize="{c1 - c0}" ySize="{r1 - r0}"/>'
                f'<DstRect xOff="{c0}" yOff="{r0}" xSize="{c1 - c0}" ySize="{r1 - r0}"/></SimpleSource>')
    xml = (f'<VRTDataset rasterXSize="{w}" rasterYSize="{h}"><SRS>EPSG:4326</SRS>'
           f"<GeoTransform>{bounds.west!r}, {dx!r}, 0, {bounds.north!r}, 0, {-dy!r}</GeoTransform>")
    for b, ci in bands.items():
        xml += f'<VRTRasterBand dataType="Byte" band="{b}"><ColorInterp>{ci}</ColorInterp>{"".join(sources[b])}</VRTRasterBand>'
    path = folder / "mosaic.vrt"
    path.write_text(xml + "</VRTDataset>")
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gdal_rasters")
    image, bounds = demo_mosaic(0.5)  # 768 x 768 px, ~0.26 m a pixel
    pixels = np.asarray(image)
    whole = load_tileset(_geotiff(folder / "whole.tif", pixels, bounds), tile_size_m=SIZE_M)
    return folder, pixels, bounds, whole


def _same_tiles(got, want, tolerance: float = 0.0) -> None:
    assert len(got.tiles) == len(want.tiles) > 4
    for g, w in zip(got.tiles, want.tiles):
        assert g.bounds == w.bounds and g.window == w.window
    for g, w in zip(got.tiles[::5], want.tiles[::5]):
        a, b = (np.asarray(open_tile_image(t), np.float32) for t in (g, w))
        assert a.shape == b.shape and np.abs(a - b).mean() <= tolerance, (g.id, np.abs(a - b).mean())


def test_a_vrt_mosaic_of_geotiff_pieces_is_cut_like_the_whole_geotiff(demo):
    folder, pixels, bounds, whole = demo
    vrt = _mosaic_vrt(folder, pixels, bounds)
    assert is_imagery(vrt)
    _same_tiles(load_tileset(vrt, tile_size_m=SIZE_M), whole)


def test_a_jpeg2000_orthophoto_is_cut_like_the_geotiff(demo):
    folder, pixels, bounds, whole = demo
    if "JP2OpenJPEG" not in rasterio.drivers.raster_driver_extensions().values():
        pytest.skip("this GDAL reads no JPEG 2000")
    jp2 = _geotiff(folder / "ortho.jp2", pixels, bounds, driver="JP2OpenJPEG", QUALITY="100", REVERSIBLE="YES")
    assert is_imagery(jp2)
    _same_tiles(load_tileset(jp2, tile_size_m=SIZE_M), whole, tolerance=0.5)


def test_a_vrt_whose_piece_is_missing_names_the_piece(tmp_path):
    """GDAL opens such a VRT; reading a window over the missing piece fails. The sentence names the
    piece and why (rasterio's own exception only says "Read failed. See previous exception")."""
    image, bounds = demo_mosaic(0.25)
    vrt = _mosaic_vrt(tmp_path, np.asarray(image), bounds, ["missing.tif", "b.tif", "c.tif", "d.tif"])
    tiles = load_tileset(vrt, tile_size_m=SIZE_M).tiles
    with pytest.raises(InputError) as err:
        open_tile_image(tiles[0])  # the north-west window: over the missing piece
    assert str(err.value).startswith(f"{vrt}: cannot read its pixels (")
    assert "missing.tif: No such file or directory" in str(err.value)


@pytest.mark.slow
def test_demo_photos_are_located_on_a_vrt_mosaic(tmp_path):
    """The real product (backbone, verification) on the demo photos with the demo imagery as a VRT
    of four GeoTIFF pieces: placed within 1 m of the demo's truth (0.05-0.13 m measured)."""
    import shutil

    from geolocator.cli import main
    from geolocator.core.geo import haversine_m
    from geolocator.core.model import LatLon

    image, bounds = demo_mosaic(1.0)
    vrt = _mosaic_vrt(tmp_path, np.asarray(image), bounds)
    photos = tmp_path / "photos"
    photos.mkdir()
    names = ("q_0001.jpg", "q_0030.jpg")
    for n in names:
        shutil.copy(DEMO / "queries" / n, photos / n)
    out = tmp_path / "p.csv"
    assert main(["locate", str(photos), "--tiles", str(vrt), "--tile-size-m", str(SIZE_M),
                 "--cache-dir", str(tmp_path / "cache"), "--out", str(out)]) == 0
    truth = {Path(r["query"]).name: LatLon(float(r["lat"]), float(r["lon"])) for r in csv.DictReader(open(DEMO / "truth.csv"))}
    rows = list(csv.DictReader(open(out)))
    assert sorted(r["query"] for r in rows) == list(names)
    for r in rows:
        assert r["status"] == "verified", r
        assert haversine_m(LatLon(float(r["lat"]), float(r["lon"])), truth[r["query"]]) < 1.0, r
