"""North-up copies of GeoTIFFs whose geotransform is not north-up: rotated or sheared (affine
terms b, d), or flipped (rows running north: positive y pixel size; columns running west:
negative x pixel size), and of GeoTIFFs placed by ground control points alone.

GIS software writes such files (a rotated scan georeferenced by its corners, SAR products in
their sensor's geometry, exports from tools that store rows bottom-up), and GDAL reads them
right; the window cutter (geotiff.cut_geotiff) and the matcher assume north-up pixels. The file
is warped once by GDAL (rasterio.vrt.WarpedVRT, read and written block by block with GDAL's
block cache held to COPY_CACHE_MB, so memory stays bounded for large files) onto a north-up grid
in the same CRS and at the finer of its two pixel sizes (GCPs: the grid GDAL picks). The part the
source does not cover and the source's own no data (alpha band, nodata value) are an internal
mask; the copy is deflate-compressed, or JPEG (quality 90) when the source is a JPEG-compressed
RGB file. The copy lies
in the north-up cache (worldfile.northup_cache_dir) keyed by the file's path, size, mtime and
georeference, so later runs reuse it; each use stamps it (store_prune.mark_copy_used), and
`geolocator cache --prune DAYS` removes the copies not used for DAYS days.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from pathlib import Path

from ..errors import InputError
from ..names import text_bytes
from ..geo import crs_label

log = logging.getLogger("geolocator")

COPY_CACHE_MB = 256  # GDAL's block cache while a copy is made (MB; rasterio.Env takes it in bytes)


def is_north_up(t) -> bool:
    """True when the affine `t` (rasterio/affine Affine: x = a*col + b*row + c, y = d*col +
    e*row + f) has no rotation or shear terms, columns running east (a > 0) and rows running
    south (e < 0): the layout cut_geotiff cuts directly."""
    return t.b == 0 and t.d == 0 and t.a > 0 and t.e < 0


def north_up_grid(t, width: int, height: int):
    """(Affine, width, height) of the north-up grid that covers a `width` x `height` raster
    placed by the affine `t`, in the same CRS, its pixels the finer of the source's two pixel
    sizes (lengths of the column and row vectors (a, d) and (b, e), CRS units).

    Raises ValueError when `t` spans no area (zero or collinear pixel axes) or its extent
    overflows floats: no raster can be placed by it."""
    from affine import Affine

    col_len, row_len = math.hypot(t.a, t.d), math.hypot(t.b, t.e)
    res = min(col_len, row_len)
    if not (res > 0 and math.isfinite(res) and abs(t.determinant) / (col_len * row_len) > 1e-3):
        raise ValueError(f"its geotransform {tuple(t)[:6]} spans no area (pixel axes zero or collinear)")
    corners = [t @ (c, r) for c, r in ((0, 0), (width, 0), (0, height), (width, height))]
    xs, ys = [p[0] for p in corners], [p[1] for p in corners]
    w, h = (max(xs) - min(xs)) / res, (max(ys) - min(ys)) / res
    if not (math.isfinite(w) and math.isfinite(h)):
        raise ValueError(f"its geotransform {tuple(t)[:6]} places it beyond the range of coordinates")
    return Affine(res, 0.0, min(xs), 0.0, -res, max(ys)), max(1, math.ceil(w - 1e-6)), max(1, math.ceil(h - 1e-6))


def north_up_copy(path: Path, crs, transform=None, out_dir: Path | None = None, *, gcps=None,
                  gcp_method: str | None = None) -> Path:
    """The path of a north-up GeoTIFF copy of the raster `path` (made once, then reused).

    `crs`: its coordinate system (a rasterio CRS, an EPSG number or any text pyproj knows: the
    file's own, or --epsg for one without). `transform`: its geotransform when not the file's
    own (a world file's), else None. A pure flip (no rotation terms) is copied with nearest
    resampling, which moves pixels without changing them; a rotation is resampled bilinear.
    `out_dir`: where the copy goes, by default worldfile.northup_cache_dir().
    `gcps`: the file's ground control points (rasterio GroundControlPoints, in `crs`) when it is
    placed by them alone, no geotransform: GDAL fits them as gdalwarp does (a polynomial of
    order 1 below 6 points) and picks the north-up grid and its pixel size.
    `gcp_method`: GDAL's transformer method for the GCPs instead of that polynomial, e.g.
    "GCP_TPS" (a thin-plate spline through every point: kml_overlay's quad warp).

    Raises InputError naming `path` when the geotransform places no raster (north_up_grid),
    the file cannot be read, or the copy cannot be written."""
    from ..images import import_rasterio

    rasterio = import_rasterio()  # GDAL's libtiff lines kept off stderr (faults37)
    from rasterio.enums import ColorInterp, Compression, Resampling
    from rasterio._err import CPLE_BaseError
    from rasterio.vrt import WarpedVRT

    from ..geo import parse_crs
    from ..store_prune import mark_copy_used
    from .worldfile import northup_cache_dir

    path = Path(path)
    stat = path.stat()
    rio_crs = rasterio.crs.CRS.from_user_input(parse_crs(crs).to_wkt())
    from .geotiff import gdal_path

    with rasterio.open(gdal_path(path)) as src:
        t = transform if transform is not None else src.transform
        try:
            # GCPs: GDAL picks the grid when the warp is opened (it fits them only when it chooses)
            dst_t, width, height = (None, None, None) if gcps else north_up_grid(t, src.width, src.height)
        except ValueError as exc:
            raise InputError(path, f"{exc}: no usable georeference") from None
        key = hashlib.sha256(text_bytes(f"gt1|{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{tuple(t)}|"
                                        f"{[(g.row, g.col, g.x, g.y) for g in gcps or ()]}|{crs_label(crs)}"
                                        + (f"|{gcp_method}" if gcp_method else ""))).hexdigest()[:16]
        out_dir = Path(out_dir) if out_dir is not None else northup_cache_dir()
        out = out_dir / f"{path.stem}-{key}.tif"
        mark_copy_used(out)  # its last use, for `geolocator cache --prune`; holds the folder while this runs
        if out.is_file():
            return out
        flip_only = not gcps and t.b == 0 and t.d == 0
        data_bands = [i for i, ci in enumerate(src.colorinterp, 1) if ci != ColorInterp.alpha] or [1]
        profile = {"driver": "GTiff", "count": len(data_bands), "dtype": src.dtypes[data_bands[0] - 1],
                   "crs": rio_crs, "tiled": True,
                   "blockxsize": 256, "blockysize": 256, "compress": "deflate", "BIGTIFF": "IF_SAFER"}
        interp = [src.colorinterp[i - 1] for i in data_bands]
        if interp[:3] == [ColorInterp.red, ColorInterp.green, ColorInterp.blue] and profile["dtype"] == "uint8":
            profile["photometric"] = "RGB"
            if len(data_bands) == 3 and src.compression == Compression.jpeg:
                # a JPEG source stays JPEG: deflate made the copy of a 173 MB JPEG GeoTIFF 1.17 GB
                profile.update(compress="jpeg", photometric="YCbCr", jpeg_quality=90)
        # Without an alpha band or nodata value of its own, the source's footprint is an alpha
        # band GDAL adds to the warp: the copy's corners outside it are then invalid too.
        add_alpha = ColorInterp.alpha not in src.colorinterp and src.nodata is None
        palette = src.colormap(1) if interp[0] == ColorInterp.palette else None
        tmp = out.with_suffix(f".{os.getpid()}.tmp")
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            mark_copy_used(out)  # the folder exists now: held while the copy is written
            # GDAL warps the source's alpha band or nodata value into the copy's validity; the part
            # of the grid the source does not cover is invalid too. The copy holds the data bands
            # and that validity as an internal mask (GDAL's per-dataset mask, read by every
            # reader here through dataset_mask), whatever the band count: GDAL takes an alpha band
            # as the mask only in files of 2 or 4 bands.
            # GCPs: GDAL reads them from the file and picks the north-up grid itself (rasterio
            # 1.4's warp given a grid with a GCP-placed source reads nothing)
            grid = {} if gcps else {"src_transform": t, "transform": dst_t, "width": width, "height": height}
            if gcps and gcp_method:
                grid["SRC_METHOD"] = gcp_method  # GDAL's transformer option (GDALCreateGenImgProjTransformer2)
            # GDAL's block cache held to COPY_CACHE_MB: its default (5 % of the RAM) took the copy of
            # a 24,000 px square JPEG GeoTIFF to 1.6 GB of memory, 256 MB to 0.47 GB at the same CPU time
            # (training/results/newuser_session19.md)
            with rasterio.Env(GDAL_TIFF_INTERNAL_MASK=True, GDAL_CACHEMAX=COPY_CACHE_MB * 2**20), \
                    WarpedVRT(src, src_crs=rio_crs, crs=rio_crs, add_alpha=add_alpha,
                              resampling=Resampling.nearest if flip_only else Resampling.bilinear, **grid) as vrt, \
                    rasterio.open(tmp, "w", **{**profile, "transform": vrt.transform, "width": vrt.width,
                                               "height": vrt.height}) as dst:
                dst.colorinterp = interp
                if palette:
                    dst.write_colormap(1, palette)
                for _, win in dst.block_windows(1):  # one block at a time: memory stays bounded
                    dst.write(vrt.read(data_bands, window=win), window=win)
                    dst.write_mask(vrt.dataset_mask(window=win), window=win)
            os.replace(tmp, out)  # atomic: a half-written copy is never picked up
        except (rasterio.errors.RasterioError, CPLE_BaseError, OSError, ValueError) as exc:
            # CPLE_BaseError: GDAL's own, e.g. "Failed to compute GCP transform: Transform is not
            # solvable" for ground control points on one line (rasterio does not wrap it)
            from ..outputs import described_write_failure

            why = described_write_failure(exc, out_dir) if isinstance(exc, (OSError, CPLE_BaseError)) else str(exc)
            tmp.unlink(missing_ok=True)
            raise InputError(path, f"cannot make its north-up copy in {out_dir} ({why})") from None
    return out
