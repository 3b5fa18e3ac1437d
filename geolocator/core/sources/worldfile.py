"""Images with world files (ESRI sidecars) in any CRS pyproj knows.

GDAL's naming rules: a world file is named after its image with the extension's first and last
letters + "w" (a.png -> a.pgw, a.tif -> a.tfw, a.jpeg -> a.jgw), or the extension + "w"
(a.pngw, a.tifw), or `.wld`; upper case too. A world file named for another format (a.jgw beside
a.png) is not used, and the message says so. The CRS comes from `--epsg`, else from a `.prj`
beside the image (ESRI WKT); a GeoTIFF without a world file uses its own georeferencing.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ..errors import InputError
from ..geo import (
    crs_label,
    parse_crs,
    read_prj,
    read_world_file,
    transform_to_wgs84,
    world_file_bounds,
    world_rotation_deg,
    world_rotation_negligible,
    bounds_from_lonlat,
)
from ..images import TIFF_SUFFIXES, image_size, list_images
from ..model import Tile, TileSet
from .registry import LoadOptions, Reader

log = logging.getLogger("geolocator")

WORLD_FILE_SUFFIXES = (".pgw", ".jgw", ".tfw", ".wld", ".pngw", ".jpgw", ".jpegw", ".tifw", ".tiffw", ".webpw")


def world_file_names(image: Path) -> list[str]:
    """The suffixes GDAL accepts for `image`'s world file, in its order of preference."""
    ext = image.suffix.lower().lstrip(".")
    if not ext:
        return []
    return [f".{ext[0]}{ext[-1]}w", f".{ext}w", ".wld"]


def find_world_file(image: Path) -> Path | None:
    """The sidecar world file of `image` (a.png -> a.pgw / a.pngw / a.wld), lower or upper case."""
    for suffix in world_file_names(image):
        for candidate in (suffix, suffix.upper()):
            world = image.with_suffix(candidate)
            if world.is_file():
                return world
    return None


def foreign_world_files(image: Path) -> list[Path]:
    """World files beside `image` that are named for another format (a.jgw beside a.png)."""
    own = set(world_file_names(image))
    found = []
    for suffix in WORLD_FILE_SUFFIXES:
        if suffix in own:
            continue
        for candidate in (suffix, suffix.upper()):
            if image.with_suffix(candidate).is_file():
                found.append(image.with_suffix(candidate))
                break
    return found


def _geotiff_georef(path: Path):
    """(crs, transform) of a georeferenced TIFF, None when it has none or rasterio is missing."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return None
    try:
        import rasterio
    except ImportError:
        return None
    try:
        with rasterio.open(path) as ds:
            if ds.crs is None or ds.transform.is_identity:
                return None
            return ds.crs, ds.transform, ds.width, ds.height
    except Exception:  # noqa: BLE001 - unreadable: the caller reports the image as skipped
        return None


def _image_crs(image: Path, epsg, folder: Path):
    """The CRS of a world-file image: --epsg, else its .prj. None when neither says."""
    prj = next((p for p in (image.with_suffix(".prj"), image.with_suffix(".PRJ")) if p.is_file()), None)
    if epsg is not None:
        if prj is not None:
            try:
                from_prj = read_prj(prj)
                if not from_prj.equals(parse_crs(epsg), ignore_axis_order=True):
                    log.warning("%s says %s but --epsg %s was given; using %s", prj, crs_label(from_prj), epsg, epsg)
            except (InputError, ValueError):
                pass
        return epsg
    if prj is not None:
        crs = read_prj(prj)
        return crs.to_wkt()
    return None


def _tile_bounds(image: Path, world_path: Path, crs):
    world = read_world_file(world_path, allow_rotation=True)
    width, height = image_size(image)
    if (world[1] or world[2]) and not world_rotation_negligible(world, width, height):
        raise InputError(
            world_path,
            f"the image is rotated {world_rotation_deg(world):.2f}° from north-up (rotation terms on lines 2-3); tiles must "
            "be north-up: resample it first, e.g. gdalwarp -t_srs <its CRS> in.png out.tif",
        )
    try:
        return world_file_bounds(world, width, height, crs)
    except ValueError as exc:
        raise InputError(world_path, f"{exc} ({crs_label(crs)})") from None


def load_world_file_folder(folder: Path, epsg: int | str | None) -> TileSet:
    """Images with sidecar world files, their CRS given by `epsg` (any CRS pyproj knows) or a
    `.prj` beside each image; GeoTIFFs without a world file use their own CRS and transform.
    Images that cannot be placed are skipped with a warning naming the reason (a stray preview
    should not block the set). Bounds are WGS84, across ±180° when the tile straddles it.
    Raises InputError when no image can be placed, naming why."""
    folder = Path(folder)
    tiles = []
    skipped: list[str] = []
    need_crs = False
    for img in list_images(folder):
        rel = img.relative_to(folder).as_posix()
        world_path = find_world_file(img)
        if world_path is None:
            georef = _geotiff_georef(img)
            if georef is not None:
                crs, t, w, h = georef
                if t.b or t.d:
                    raise InputError(img, "rotated GeoTIFF (its geotransform has rotation terms); resample it north-up first (gdalwarp)")
                xs = [t.c, t.c + t.a * w, t.c, t.c + t.a * w]
                ys = [t.f, t.f, t.f + t.e * h, t.f + t.e * h]
                try:
                    lons, lats = transform_to_wgs84(xs, ys, crs)
                except ValueError as exc:
                    raise InputError(img, str(exc)) from None
                tiles.append(Tile(id=rel, path=img, bounds=bounds_from_lonlat(lons, lats)))
                continue
            foreign = foreign_world_files(img)
            if foreign:
                why = (f"{foreign[0].name} is a world file for a {foreign[0].suffix[1:].upper()} format, not for "
                       f"{img.suffix[1:].upper()}; GDAL names {img.name}'s world file "
                       f"{' or '.join(img.stem + s for s in world_file_names(img))}: rename it if it belongs to this image")
            else:
                why = "no world file next to it"
            log.warning("%s: %s; skipped", img, why)
            skipped.append(f"{rel}: {why}")
            continue
        crs = _image_crs(img, epsg, folder)
        if crs is None:
            need_crs = True
            continue
        tiles.append(Tile(id=rel, path=img, bounds=_tile_bounds(img, world_path, crs)))
    if need_crs and not tiles:
        raise InputError(folder, "images with world files need the EPSG code of their coordinates (e.g. --epsg 32633) "
                                 "or a .prj file beside each image")
    if need_crs:
        log.warning("%s: some images have world files but no .prj and no --epsg was given; skipped", folder)
    if not tiles:
        detail = f" ({'; '.join(skipped[:3])})" if skipped else ""
        raise InputError(folder, f"no images with world files ({' '.join(WORLD_FILE_SUFFIXES)}) found{detail}")
    return TileSet(tuple(tiles), folder)


def _claims(path: Path) -> bool:
    if not path.is_dir():
        return False
    return any(find_world_file(p) or foreign_world_files(p) or _geotiff_georef(p) for p in list_images(path))


def _load(path: Path, options: LoadOptions) -> TileSet:
    return load_world_file_folder(path, options.epsg)


READER = Reader("images with world files", _claims, _load, describe=f"images with world files ({' '.join(WORLD_FILE_SUFFIXES)})")
