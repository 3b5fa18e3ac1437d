"""Images with world files (ESRI sidecars) in any CRS pyproj knows.

GDAL's naming rules: a world file is named after its image with the extension's first and last
letters + "w" (a.png -> a.pgw, a.tif -> a.tfw, a.jpeg -> a.jgw), or the extension + "w"
(a.pngw, a.tifw), or `.wld`; upper case too. A world file named for another format (a.jgw beside
a.png) is not used, and the message says so. A rotated image (world-file terms B, D) is
resampled north-up once into a cached GeoTIFF with an alpha band (rasterio), keeping its id. The CRS comes from `--epsg`, else from a `.prj`
beside the image (ESRI WKT); a GeoTIFF without a world file uses its own georeferencing (a rotated
or flipped one through its north-up copy, northup.py).
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from pathlib import Path

import numpy as np

from ..errors import CrsMissing, InputError
from ..names import text_bytes
from ..geo import (
    WorldFile,
    crs_label,
    world_file_affine,
    parse_crs,
    crs_sidecar,
    read_crs_sidecar,
    projected_box,
    read_world_file,
    world_file_box,
    world_rotation_deg,
    world_rotation_negligible,
)
from ..images import IMAGE_SUFFIXES, MAX_PIXELS, TIFF_SUFFIXES, image_size, import_rasterio, list_images, open_image
from ..model import Tile, TileSet
from .northup import is_north_up, north_up_copy
from .registry import LoadOptions, Reader, keep_tiles_with_data

log = logging.getLogger("geolocator")

WORLD_FILE_SUFFIXES = (".pgw", ".jgw", ".tfw", ".wld", ".pngw", ".jpgw", ".jpegw", ".tifw", ".tiffw", ".webpw")
_FORMAT_OF = {".pgw": "PNG", ".pngw": "PNG", ".jgw": "JPEG", ".jpgw": "JPEG", ".jpegw": "JPEG", ".tfw": "TIFF",
              ".tifw": "TIFF", ".tiffw": "TIFF", ".webpw": "WebP"}


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


def _north_up_tile(img: Path, rel: str, path: Path, crs, t, w: int, h: int) -> Tile:
    """The Tile `rel` of the north-up raster `path` (the image `img` itself or its north-up copy):
    its bounds from geotransform `t` (an affine.Affine) over w x h pixels in `crs`. Raises
    InputError naming `img` when those corners do not map to longitude and latitude."""
    try:
        bounds, corners = projected_box(t.c, t.f, t.c + t.a * w, t.f + t.e * h, crs)
    except ValueError as exc:
        raise InputError(img, str(exc)) from None
    return Tile(id=rel, path=path, bounds=bounds, corners=corners)


def _read_tiff_header(path: Path, read):
    """read(dataset) of the TIFF `path` opened quietly with rasterio; None for another suffix,
    without rasterio, or when the file cannot be read (the caller reports the image as skipped)."""
    if path.suffix.lower() not in TIFF_SUFFIXES:
        return None
    try:
        rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
    except ImportError:
        return None
    from .geotiff import open_quietly

    try:
        with open_quietly(rasterio, path) as ds:
            return read(ds)
    except Exception:  # noqa: BLE001 - unreadable: the caller reports the image as skipped
        return None


def _geotiff_georef(path: Path):
    """(crs, transform, width, height) of a georeferenced TIFF, None when it has none (a TIFF
    without georeference is the answer None), is unreadable, or rasterio is missing."""
    return _read_tiff_header(path, lambda ds: None if ds.crs is None or ds.transform.is_identity
                             else (ds.crs, ds.transform, ds.width, ds.height))


def _geotiff_gcps(path: Path):
    """(gcps, crs) of a TIFF placed by ground control points alone (no geotransform): rasterio
    GroundControlPoints and their CRS (None when the file names none); None for any other file, an
    unreadable one, or without rasterio. The folder reader warps such a file north-up as
    geotiff.cut_geotiff does when it is given alone (northup.north_up_copy with gcps)."""

    def read(ds):
        if not ds.transform.is_identity:
            return None
        gcps, crs = ds.gcps
        return (gcps, crs if crs else None) if gcps else None

    return _read_tiff_header(path, read)


def _tiff_band_problems(path: Path) -> tuple[str | None, bool]:
    """(images.complex_data_problem of the TIFF `path`'s bands, whether images.unmarked_alpha_band
    finds its band 4 a mask not marked alpha); (None, False) when the file cannot be read (other
    checks name that)."""
    from ..images import complex_data_problem, unmarked_alpha_band

    rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
    from .geotiff import open_quietly

    try:
        with open_quietly(rasterio, path) as ds:
            problem = complex_data_problem(ds.dtypes)
            return problem, problem is None and unmarked_alpha_band(ds) is not None
    except Exception:  # noqa: BLE001 - unreadable: said elsewhere
        return None, False


PRJ_OVERRIDDEN = "prj_overridden"  # a log record's attribute: {"path" (the .prj), "own", "given"} labels
# a log record's attribute: {"path" (the folder)}: images with world files, no .prj and no CRS given,
# skipped (the CLI names its --epsg; the app its Coordinate system box: gui.warnings_log.app_wording)
PRJ_MISSING = "prj_missing"
# a log record's attribute: {"head" (what the warning says of the image, up to "detail is lost."), "path"
# (the image)}: an orthophoto read as one tile; the CLI names --tiles and --tile-size-m, the app its
# File → Open Tile Set… (gui.warnings_log.app_wording)
ORTHOPHOTO_AS_TILE = "orthophoto_as_tile"


def _image_crs(image: Path, epsg, folder: Path):
    """The CRS of a world-file image: --epsg, else its .prj, else the <SRS> of its GDAL sidecar
    `image.png.aux.xml` (geo.crs_sidecar). None when none says."""
    prj = crs_sidecar(image)
    if epsg is not None:
        if prj is not None:
            try:
                from_prj = read_crs_sidecar(prj)
                if not from_prj.equals(parse_crs(epsg), ignore_axis_order=True):
                    # the facts ride on the record too (PRJ_OVERRIDDEN), for the app's own wording
                    log.warning("%s says %s but --epsg %s was given; using %s", prj, crs_label(from_prj), epsg, epsg,
                                extra={PRJ_OVERRIDDEN: {"path": str(prj), "own": crs_label(from_prj),
                                                        "given": str(epsg)}})
            except (InputError, ValueError):
                pass
        return epsg
    if prj is not None:
        crs = read_crs_sidecar(prj)
        return crs.to_wkt()
    return None


def northup_cache_dir() -> Path:
    """Where north-up copies of rotated images go (GEOLOCATOR_NORTHUP_DIR overrides it)."""
    override = os.environ.get("GEOLOCATOR_NORTHUP_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("geolocator")) / "northup"


def resample_north_up(image: Path, world: WorldFile, crs, out_dir: Path | None = None) -> tuple[Path, object]:
    """A north-up GeoTIFF copy of a rotated image (bilinear, same pixel size along its axes), with
    an alpha band marking the corners the rotation leaves empty. Returns (path, Affine of the
    copy). The copy is keyed by the image's and world file's content, so it is made once.

    Raises InputError naming the image when rasterio is missing or the image cannot be read.
    """
    try:
        rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
        from rasterio.enums import ColorInterp, Resampling
        from rasterio.warp import reproject
    except ImportError:
        raise InputError(image, 'the image is rotated; resampling it north-up needs rasterio: pip install "geolocator[geotiff]"') from None
    from affine import Affine

    src_t = world_file_affine(world)
    width, height = image_size(image)  # the world file's pixel grid, from the header (no decode)
    stat = image.stat()
    # "v2": copies of drafted JPEGs made before the draft was accounted for are not reused
    key = hashlib.sha256(text_bytes(f"v2|{image.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{world}|{crs_label(crs)}")).hexdigest()[:16]
    out_dir = Path(out_dir) if out_dir is not None else northup_cache_dir()
    out = out_dir / f"{image.stem}-{key}.tif"
    corners = [src_t @ (c, r) for c, r in ((0, 0), (width, 0), (0, height), (width, height))]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    res = min(math.hypot(world[0], world[1]), math.hypot(world[2], world[3]))  # keep the finer pixel size
    # The pixel axes must span an area: (nearly) collinear axes or a size beyond floats (both found
    # by the fuzz campaign) describe no raster, and GDAL cannot invert them.
    axes = math.hypot(world[0], world[1]) * math.hypot(world[2], world[3])
    spread_x, spread_y = max(xs) - min(xs), max(ys) - min(ys)
    if not (res > 0 and axes > 0 and abs(src_t.determinant) / axes > 1e-3
            and math.isfinite(spread_x / res) and math.isfinite(spread_y / res)):
        raise InputError(image, f"its world file {tuple(world)} describes no usable pixel grid "
                                "(pixel axes collinear, zero or beyond range)")
    from ..store_prune import mark_copy_used

    mark_copy_used(out)  # its last use, for `geolocator cache --prune`; holds the folder while this runs
    if out.is_file():  # made before: its own transform, nothing decoded
        with rasterio.open(out) as ds:
            return out, ds.transform
    rgb = np.asarray(open_image(image))  # (H, W, 3), decoded by the one set of rules
    if rgb.shape[:2] != (height, width):  # drafted (a JPEG over the decode budget): coarser pixels
        fx, fy = width / rgb.shape[1], height / rgb.shape[0]
        src_t = src_t @ Affine.scale(fx, fy)
        res *= min(fx, fy)
        height, width = rgb.shape[:2]
    dst_w, dst_h = max(1, math.ceil(spread_x / res)), max(1, math.ceil(spread_y / res))
    if dst_w * dst_h > MAX_PIXELS:
        raise InputError(image, "the image is rotated and too large to resample north-up")
    dst_t = Affine(res, 0.0, min(xs), 0.0, -res, max(ys))
    src = np.concatenate([np.transpose(rgb, (2, 0, 1)), np.full((1, height, width), 255, np.uint8)])
    dst = np.zeros((4, dst_h, dst_w), np.uint8)
    rio_crs = rasterio.crs.CRS.from_user_input(parse_crs(crs).to_wkt())
    try:
        reproject(src, dst, src_transform=src_t, src_crs=rio_crs, dst_transform=dst_t, dst_crs=rio_crs,
                  resampling=Resampling.bilinear)
    except rasterio.errors.RasterioError as exc:  # GDAL's own word on a geotransform it cannot use
        raise InputError(image, f"its world file cannot be resampled north-up ({exc})") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    mark_copy_used(out)  # the folder exists now: held while the copy is written
    tmp = out.with_suffix(f".{os.getpid()}.tmp")
    try:
        with rasterio.open(tmp, "w", driver="GTiff", width=dst_w, height=dst_h, count=4, dtype="uint8",
                           crs=rio_crs, transform=dst_t, photometric="RGB", alpha="YES", compress="deflate") as ds:
            ds.write(dst)
            ds.colorinterp = [ColorInterp.red, ColorInterp.green, ColorInterp.blue, ColorInterp.alpha]
        os.replace(tmp, out)  # atomic: a half-written copy is never picked up
    except (rasterio.errors.RasterioError, OSError) as exc:
        # a full cache disk (faults36): GDAL's "Write failed. See previous exception for details.", no file
        # named, and the partial copy left in the cache
        from ..outputs import described_write_failure

        why = described_write_failure(exc, out_dir)
        tmp.unlink(missing_ok=True)
        raise InputError(image, f"the image is rotated and its north-up copy cannot be written in {out_dir} ({why})") from None
    return out, dst_t


def _tile(image: Path, rel: str, world_path: Path, crs) -> Tile:
    world = read_world_file(world_path, allow_rotation=True)
    width, height = image_size(image)
    try:
        if (world[1] or world[2]) and not world_rotation_negligible(world, width, height):
            angle = world_rotation_deg(world)
            north_up, t = resample_north_up(image, world, crs)
            log.info("%s: rotated %.2f° from north-up; resampled north-up to %s", image, angle, north_up)
            with_alpha_w, with_alpha_h = image_size(north_up)
            bounds, corners = projected_box(t.c, t.f, t.c + t.a * with_alpha_w, t.f + t.e * with_alpha_h, crs)
            return Tile(id=rel, path=north_up, bounds=bounds, corners=corners)
        bounds, corners = world_file_box(world, width, height, crs)
        return Tile(id=rel, path=image, bounds=bounds, corners=corners)
    except ValueError as exc:
        raise InputError(world_path, f"{exc} ({crs_label(crs)})") from None


def load_world_file_folder(folder: Path, epsg: int | str | None) -> TileSet:
    """Images with sidecar world files, their CRS given by `epsg` (any CRS pyproj knows) or a
    `.prj` beside each image; GeoTIFFs without a world file use their own CRS and transform
    (one not north-up, rotated or flipped, is read from its north-up copy: northup.north_up_copy),
    or their ground control points (warped north-up by them, as geotiff.cut_geotiff does; their
    CRS, else `epsg`).
    Images that cannot be placed are skipped with a warning naming the reason (a stray preview
    should not block the set). Bounds are WGS84, across ±180° when the tile straddles it.
    Raises InputError when no image can be placed, naming why."""
    folder = Path(folder)
    tiles = []
    skipped: list[str] = []
    need_crs = False
    crs_disagrees = None  # True once a GeoTIFF's own CRS was found to differ from `epsg` (warned)
    unmarked_alpha: list[Path] = []  # GeoTIFFs whose band 4 looks like a mask not marked alpha (said once)
    for img in list_images(folder):
        rel = img.relative_to(folder).as_posix()
        # GDAL's precedence: a TIFF's own georeferencing before its world file.
        georef = _geotiff_georef(img)
        world_path = find_world_file(img)
        placed_by_gcps = _geotiff_gcps(img) if georef is None and world_path is None else None
        if placed_by_gcps is not None:  # warped north-up by its GCPs, as the same file given alone is
            gcps, gcp_crs = placed_by_gcps
            if gcp_crs is None and epsg is None:
                why = "ground control points without a coordinate system (give the EPSG code of their coordinates)"
                log.warning("%s: %s; skipped", img, why)
                skipped.append(f"{rel}: {why}")
                continue
            try:
                path = north_up_copy(img, gcp_crs if gcp_crs is not None else epsg, gcps=gcps)
            except InputError as exc:  # GCPs that fit no transform, a copy that cannot be written: this tile only
                log.warning("%s: %s; skipped", img, exc.problem)
                skipped.append(f"{rel}: {exc.problem}")
                continue
            log.info("%s: placed by %d ground control points; warped north-up to %s", img, len(gcps), path)
            crs, t, w, h = _geotiff_georef(path)
            tiles.append(_north_up_tile(img, rel, path, crs, t, w, h))
            continue
        if georef is not None and world_path is not None:
            log.info("%s: has its own georeferencing; %s ignored (as GDAL does)", img, world_path.name)
        if georef is not None or world_path is None:
            complex_problem, alpha_like = _tiff_band_problems(img) if georef is not None else (None, False)
            if alpha_like:
                unmarked_alpha.append(img)
            if complex_problem:  # a SAR product among the tiles: said and skipped, like an image not placed
                log.warning("%s: %s; skipped", img, complex_problem)
                skipped.append(f"{rel}: {complex_problem}")
                continue
            if georef is not None:
                crs, t, w, h = georef
                if epsg is not None and crs_disagrees is None:  # said once for the folder, naming the first such file
                    from .geotiff import warn_if_epsg_ignored

                    crs_disagrees = warn_if_epsg_ignored(img, crs, epsg) or None
                path = img
                if not is_north_up(t):  # rotated or flipped: its rows would not run north to south on the map
                    try:
                        path = north_up_copy(img, crs)
                    except InputError as exc:  # its copy cannot be made: this tile only, as an image not placed
                        log.warning("%s: %s; skipped", img, exc.problem)
                        skipped.append(f"{rel}: {exc.problem}")
                        continue
                    log.info("%s: not north-up; resampled north-up to %s", img, path)
                    t, w, h = _geotiff_georef(path)[1:]
                tiles.append(_north_up_tile(img, rel, path, crs, t, w, h))
                continue
            foreign = foreign_world_files(img)
            if foreign:
                why = (f"{foreign[0].name} is the world-file name for a {_FORMAT_OF.get(foreign[0].suffix.lower(), 'another')} "
                       f"image, not for {img.name}; GDAL names its world file "
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
        tiles.append(_tile(img, rel, world_path, crs))
    if unmarked_alpha:
        from ..images import unmarked_alpha_notice

        log.warning("%s", unmarked_alpha_notice(unmarked_alpha[0], len(unmarked_alpha) - 1))
    if need_crs and not tiles:
        raise CrsMissing(folder, "images with world files need the EPSG code of their coordinates (e.g. --epsg 32633) "
                                 "or a .prj file beside each image", what="the images with world files")
    if need_crs:
        log.warning("%s: some images have world files but no .prj and no --epsg was given; skipped", folder,
                    extra={PRJ_MISSING: {"path": str(folder)}})
    if not tiles:
        detail = f" ({'; '.join(skipped[:3])})" if skipped else ""
        raise InputError(folder, f"no images with world files ({' '.join(WORLD_FILE_SUFFIXES)}) found{detail}")
    kept = keep_tiles_with_data(tiles, folder)
    if not kept:
        raise InputError(folder, "every image is transparent (no data) in more than half its area")
    _warn_of_orthophotos(folder, kept)
    return TileSet(kept, folder)


# An image this many pixels a side or more is an orthophoto, not a tile: the verifier matches tiles
# at rerank.VerifySettings.max_side (512 px), so such an image keeps half of its detail or less.
ORTHOPHOTO_SIDE_PX = 1024


def _warn_of_orthophotos(folder: Path, tiles) -> None:
    """Say when a world-file image is an orthophoto read as one tile (found by the session-6
    trial: a 330 x 401 m JPEG export was one tile, and 3 of 10 photos over it were not placed)."""
    from ..geo import format_ground_size

    big = [(t, size) for t in tiles if max(size := image_size(t.path)) >= ORTHOPHOTO_SIDE_PX]
    if big:
        tile, (w, h) = big[0]
        more = f" (and {len(big) - 1} more)" if len(big) > 1 else ""
        head = (f"{folder}: {tile.id} is {w}x{h} px ({format_ground_size(tile.bounds)}) and is read as one "
                f"tile{more}, matched at 512 px: detail is lost.")
        log.warning("%s To cut it into tiles like an orthophoto, give the image itself: --tiles %s --tile-size-m 100",
                    head, tile.path, extra={ORTHOPHOTO_AS_TILE: {"head": head, "path": str(tile.path)}})


def cut_world_file_image(image: Path, options: LoadOptions) -> TileSet:
    """One image with a world file given as the tile set (an orthophoto exported as JPEG/PNG with
    .jgw/.pgw and a .prj): cut into `options.tile_size_m` windows like a GeoTIFF
    (geotiff.cut_geotiff), its CRS from --epsg, else the .prj. A rotated one is resampled north-up
    first (resample_north_up). Raises InputError naming the file: no CRS, or as cut_geotiff."""
    from .geotiff import DEFAULT_TILE_SIZE_M, cut_geotiff

    image = Path(image)
    world_path = find_world_file(image)
    crs = _image_crs(image, options.epsg, image.parent)
    if crs is None:
        raise CrsMissing(image, "an image with a world file needs the EPSG code of its coordinates "
                                "(e.g. --epsg 32633) or a .prj file beside it", what="the image with a world file")
    world = read_world_file(world_path, allow_rotation=True)
    width, height = image_size(image)
    size = options.tile_size_m or DEFAULT_TILE_SIZE_M
    if (world[1] or world[2]) and not world_rotation_negligible(world, width, height):
        north_up, t = resample_north_up(image, world, crs)
        return cut_geotiff(north_up, size, options.overlap, crs=crs, transform=t)
    a, d, b, e, c, f = world
    return cut_geotiff(image, size, options.overlap, crs=crs, transform=world_file_affine((a, 0.0, 0.0, e, c, f)))


def _claims(path: Path) -> bool:
    if path.is_file():  # one image: an orthophoto with its world file (a .tif is the GeoTIFF reader's)
        return path.suffix.lower() in IMAGE_SUFFIXES - TIFF_SUFFIXES and find_world_file(path) is not None
    if not path.is_dir():
        return False
    return any(find_world_file(p) or foreign_world_files(p) or _geotiff_georef(p) or _geotiff_gcps(p)
               for p in list_images(path))


def _load(path: Path, options: LoadOptions) -> TileSet:
    if path.is_file():
        return cut_world_file_image(path, options)
    return load_world_file_folder(path, options.epsg)


READER = Reader("images with world files", _claims, _load, describe=f"images with world files ({' '.join(WORLD_FILE_SUFFIXES)})")
