"""One georeferenced raster (GeoTIFF orthophoto) cut into windows of a given ground size.

Windows are `tile_size_m` metres on the ground at their own latitude, whatever the raster's CRS
(UTM, Web Mercator, geographic degrees, US survey feet...): pixel sizes are measured as
geodesics (geo.ground_metres_per_pixel), so a Web Mercator raster at 60° N gets windows twice
as many pixels tall as at the equator. Windows that hold no data (alpha 0 or the nodata value)
in more than half their area are not tiles; the rest are read with their empty part masked
(images.open_image).
"""

from __future__ import annotations

import logging
import math
import warnings
from pathlib import Path

import numpy as np

from ..errors import CrsMissing, InputError
from ..geo import crs_label, ground_metres_per_pixel, parse_crs, projected_boxes
from ..images import (RASTER_SUFFIXES, complex_data_problem, elevation_data_problem, unmarked_alpha_band,
                      unmarked_alpha_notice, unmarked_colour_bands)
from ..model import PixelWindow, Tile, TileSet
from .northup import is_north_up, north_up_copy
from .registry import MIN_VALID_FRACTION, LoadOptions, Reader

log = logging.getLogger("geolocator")

DEFAULT_TILE_SIZE_M = 100.0
MIN_TILE_PIXELS = 8  # below this a "tile" carries no usable image content
MASK_MAX_SIDE = 2048  # the validity mask is read decimated to at most this many pixels a side


def import_rasterio(path: Path):
    try:
        import rasterio
    except ImportError:
        raise InputError(path, 'reading GeoTIFFs needs rasterio: pip install "geolocator[geotiff]"') from None
    return rasterio


def open_quietly(rasterio, path: Path):
    """rasterio.open(path) without rasterio's NotGeoreferencedWarning: a TIFF without georeference
    would be announced (its own source line and all) before the sentence our caller says about it.
    Silenced around this one open only. Raises what rasterio.open raises, and InputError
    (gdal_path) for a name GDAL cannot be given."""
    name = gdal_path(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rasterio.errors.NotGeoreferencedWarning)
        return rasterio.open(name)


def gdal_path(path: Path | str) -> Path | str:
    """`path` as rasterio may be given it (it hands GDAL the name as UTF-8): `path` itself, unchanged,
    for every name without surrogates. A name Python read under a
    file system encoding that is not UTF-8 (any non-ASCII name under LC_ALL=C with PYTHONUTF8=0 holds
    surrogates) is given as the UTF-8 text its bytes are, so it opens; a name whose bytes are not
    UTF-8 (written by a system using another character set) raises InputError saying so, where
    rasterio raised UnicodeEncodeError, a traceback (session 28)."""
    from ..names import has_surrogates, readable, text_bytes

    text = str(path)
    if not has_surrogates(text):
        return path
    try:
        return text_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(Path(readable(text)), "its name is not UTF-8 text (each \\xNN is a byte that is not), and "
                         "GDAL, which reads GeoTIFFs, cannot open such a file: copy it under a UTF-8 name, e.g. "
                         "cp <it> ortho.tif") from None


def _offsets(size: int, tile: int, stride: int) -> list[int]:
    """Window starts along one axis; the last window is pulled back so the far edge is covered."""
    starts = list(range(0, size - tile + 1, stride))
    if starts[-1] + tile < size:
        starts.append(size - tile)
    return starts


def _valid_fraction_table(ds):
    """(summed-area table of the dataset mask, decimation factor), or None when every pixel is
    valid. The mask is GDAL's: alpha band, nodata value or internal mask, whichever the file has;
    in a float raster with none of these, NaN pixels are the no data (as images._read_rasterio
    reads them)."""
    from rasterio.enums import MaskFlags

    step = max(1, math.ceil(max(ds.width, ds.height) / MASK_MAX_SIDE))
    shape = (math.ceil(ds.height / step), math.ceil(ds.width / step))
    if all(MaskFlags.all_valid in flags for flags in ds.mask_flag_enums):
        if np.dtype(ds.dtypes[0]).kind not in "fc":
            return None
        mask = np.isfinite(ds.read(out_shape=(ds.count, *shape))).all(axis=0)  # one decimated read
        if mask.all():
            return None
    else:
        mask = ds.dataset_mask(out_shape=shape) > 0
    table = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = np.cumsum(np.cumsum(mask, axis=0), axis=1)
    return table, step


def _valid_fraction(table, step: int, w: PixelWindow) -> float:
    r0, c0 = w.row // step, w.col // step
    r1 = max(r0 + 1, math.ceil((w.row + w.height) / step))
    c1 = max(c0 + 1, math.ceil((w.col + w.width) / step))
    r1, c1 = min(r1, table.shape[0] - 1), min(c1, table.shape[1] - 1)
    total = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
    return float(total) / max(1, (r1 - r0) * (c1 - c0))


# How a TIFF's header places it on the ground (georeference_kind), read by cut_geotiff (to cut it or
# say why not) and what_tiff_is (to name it in messages) alike.
PLACED = "placed"  # a geotransform and a coordinate system
NO_CRS = "no crs"  # a geotransform only: --epsg gives the coordinate system
GCPS_ONLY = "gcps only"  # ground control points, no geotransform: cut from a north-up copy
CRS_ONLY = "crs only"  # a coordinate system but no geotransform nor GCPs
PLAIN = "plain"  # nothing: not a GeoTIFF


def georeference_kind(crs, transform, gcps) -> str:
    """One of PLACED, NO_CRS, GCPS_ONLY, CRS_ONLY, PLAIN from a TIFF's header: its coordinate
    system `crs` (None: none), geotransform `transform` (a rasterio Affine; rasterio reads the
    identity for a TIFF without one) and ground control points `gcps` (a sequence; read only
    without a geotransform, as GDAL places by the geotransform first)."""
    if transform.is_identity:
        if gcps:
            return GCPS_ONLY
        return CRS_ONLY if crs is not None else PLAIN
    return PLACED if crs is not None else NO_CRS


def _no_crs_problem(path: Path, no_transform: bool) -> str:
    """Why a TIFF without a CRS cannot be cut, and how to go on: with a geotransform, give the CRS
    it was made in (--epsg, or into the file with GDAL's gdal_edit.py or rasterio); without one (a
    plain image: rasterio reads an identity transform) a CRS alone would not place it."""
    if no_transform:
        return ("the TIFF has no georeference (no coordinate system (CRS) and no position on the ground): a plain "
                "image; georeference it first, e.g. gdal_translate -a_srs EPSG:32611 -a_ullr <west> <north> <east> "
                f"<south> {path} out.tif (its corners in that CRS), or put a world file (.tfw) beside it and give "
                "--epsg")
    return ("the GeoTIFF has no coordinate system (CRS); give the one it was made in with --epsg (e.g. --epsg 32611, "
            "UTM zone 11N: use your imagery's), or write it into the file: "
            f"gdal_edit.py -a_srs EPSG:32611 {path} (GDAL) or in Python "
            f'with rasterio.open("{path}", "r+") as f: f.crs = "EPSG:32611"')


def _crs_beside(path: Path, default_crs, explicit: bool):
    """The CRS of a TIFF that carries none of its own: --epsg (`default_crs`) when given, else
    the ESRI .prj beside it (a.tif -> a.prj, as a TIFF + .tfw + .prj delivery has it; GDAL reads
    the .tfw but not the .prj), else None. A .prj that disagrees with --epsg is warned of
    (worldfile._image_crs, the world-file reader's own rule). `explicit`: the caller gave the
    CRS (a world file's): nothing is looked up. Raises InputError naming an unreadable .prj."""
    if explicit:
        return default_crs
    from .worldfile import _image_crs

    return _image_crs(path, default_crs, path.parent)


EPSG_IGNORED = "epsg_ignored"  # a log record's attribute: {"path", "own", "given"} (labels), for the app's wording


def warn_if_epsg_ignored(path: Path, own_crs, epsg) -> bool:
    """Log one warning when `epsg` (--epsg, or the app's CRS field: an EPSG number or any CRS text
    pyproj knows; None: not given) disagrees with the coordinate system `own_crs` (a rasterio CRS)
    that the GeoTIFF `path` carries itself: the file's own is used, as GDAL does, so the user
    must hear that what they typed changed nothing. Returns True when it warned. Equal CRSs
    (EPSG:4326 given for a file in WGS84, axis order aside) say nothing.

    The message names the CLI's --epsg; the record also carries the facts as
    `record.epsg_ignored` = {"path": str, "own": label, "given": label} (EPSG_IGNORED), so the app
    words it for its own CRS field (gui.warnings_log.app_wording) without the core knowing Qt."""
    if epsg is None or own_crs is None:
        return False
    try:
        if parse_crs(own_crs).equals(parse_crs(epsg), ignore_axis_order=True):
            return False
    except ValueError:  # one of them unknown to pyproj: they cannot be shown to agree
        pass
    own, given = crs_label(own_crs), crs_label(epsg)
    log.warning("%s has its own coordinate system, %s, and --epsg %s was given: the file's own %s is used (--epsg "
                "is for tiles without one, such as images with world files); if the file's is wrong, write the "
                "right one into it (gdal_edit.py -a_srs EPSG:<code> %s)", path, own, given, own, path,
                extra={EPSG_IGNORED: {"path": str(path), "own": own, "given": given}})
    return True


def cut_geotiff(path: Path, tile_size_m: float, overlap: float = 0.0, *, crs=None, transform=None,
                default_crs=None, _shown_as: Path | None = None) -> TileSet:
    """Cut a GeoTIFF into windows `tile_size_m` metres square on the ground (at each row of
    windows' own latitude) that overlap by the fraction `overlap`. Tiles share the tif's path
    and carry a PixelWindow; their bounds are WGS84 (across ±180° when the raster straddles it).
    Windows with less than half their area valid (alpha/nodata) are left out. A raster whose
    geotransform is not north-up (rotated, sheared, rows running north, columns running west),
    or that is placed by ground control points alone, is cut from its north-up copy (northup.north_up_copy, made once in the north-up cache): its
    tiles' path is the copy, their ids and the set's source name the file given.

    `crs` / `transform` (a rasterio Affine) replace the file's own: an image with a world file
    and a .prj or --epsg (worldfile.cut_world_file_image), whose CRS GDAL does not read.
    `default_crs` (--epsg: an EPSG number or any text pyproj knows) is the CRS of a GeoTIFF that
    has none (its own wins), else the .prj beside it (a.prj: a TIFF + .tfw + .prj delivery); a
    file with no geotransform either is refused all the same.
    `_shown_as`: internal, the user's file when `path` is its north-up copy.

    Raises InputError naming the file for: no CRS, no position on the ground (a CRS alone places
    nothing), ground control points without a CRS, a geotransform that spans no
    area, a tile size under MIN_TILE_PIXELS pixels, or an unreadable file.
    """
    path = Path(path)
    shown = Path(_shown_as) if _shown_as is not None else path  # the user's file, when `path` is its north-up copy
    if not (tile_size_m and tile_size_m > 0 and math.isfinite(tile_size_m)):
        raise InputError(path, f"tile size must be a positive number of metres, got {tile_size_m}")
    if not 0.0 <= overlap < 1.0:
        raise InputError(path, f"overlap must be a fraction in [0, 1), got {overlap}")
    rasterio = import_rasterio(path)
    try:
        explicit = crs is not None  # a world file's CRS (worldfile.cut_world_file_image): not the file's own
        with open_quietly(rasterio, path) as ds:
            own_crs = crs if crs is not None else ds.crs
            crs = own_crs if own_crs is not None else _crs_beside(path, default_crs, explicit)
            t = transform if transform is not None else ds.transform
            width, height = ds.width, ds.height
            gcps, gcps_crs = ds.gcps if t.is_identity else ([], None)
            kind = georeference_kind(own_crs, t, gcps)
            complex_problem = complex_data_problem(ds.dtypes)
            if complex_problem:  # before any pixel is read: numpy would keep the real part only
                raise InputError(shown, complex_problem)
            height_problem = elevation_data_problem(ds, shown)  # a DEM was cut and matched as a grey picture
            if height_problem:
                raise InputError(shown, height_problem)
            validity = _valid_fraction_table(ds) if crs is not None else None
            try:
                unmarked = unmarked_colour_bands(ds.colorinterp)
                alpha_like = unmarked_alpha_band(ds) if kind != GCPS_ONLY else None  # a GCP file: said of its copy
            except Exception:  # noqa: BLE001 - a damaged header (GDAL's CPLE errors): the windows' reads say what is wrong
                unmarked, alpha_like = 0, None
    except rasterio.errors.RasterioIOError as exc:
        raise InputError(path, f"cannot read as a GeoTIFF ({exc})") from None
    if kind == GCPS_ONLY:  # placed by ground control points alone: warped north-up as gdalwarp would
        gcp_crs = gcps_crs if gcps_crs is not None else crs
        if gcp_crs is None:
            raise CrsMissing(path, _no_crs_problem(path, False), what="the GeoTIFF")
        north_up = north_up_copy(path, gcp_crs, gcps=gcps)
        log.info("%s: placed by %d ground control points; warped north-up to %s", shown, len(gcps), north_up)
        try:
            return cut_geotiff(north_up, tile_size_m, overlap, _shown_as=shown)
        except InputError as exc:  # said of the user's file, not of its copy in the cache
            raise InputError(shown, exc.problem) from None
    if own_crs is not None and not explicit:
        warn_if_epsg_ignored(path, own_crs, default_crs)
    if kind == PLAIN:  # a plain image: a CRS alone would not place it
        raise CrsMissing(path, _no_crs_problem(path, True), what="the TIFF", placeable=False)
    if kind == CRS_ONLY:  # its pixel grid is no position (it read as "only north-up GeoTIFFs are supported")
        raise InputError(path, f"the TIFF has a coordinate system ({crs_label(own_crs)}) but no position on the ground "
                               "(no geotransform, no ground control points); georeference it first, e.g. gdal_translate "
                               f"-a_ullr <west> <north> <east> <south> {path} out.tif (its corners in that CRS), or put "
                               "a world file (.tfw) beside it")
    if kind == NO_CRS and crs is None:
        raise CrsMissing(path, _no_crs_problem(path, False), what="the GeoTIFF")
    if not is_north_up(t):  # rotated, sheared or flipped: cut a north-up copy instead (northup.py)
        north_up = north_up_copy(path, crs, transform)
        how = (f"rotated {math.degrees(math.atan2(t.d, t.a)):.2f}° from north-up" if t.b or t.d
               else "stored flipped (rows running north or columns running west)")
        log.info("%s: %s; resampled north-up to %s", shown, how, north_up)
        try:
            return cut_geotiff(north_up, tile_size_m, overlap, _shown_as=shown)
        except InputError as exc:  # said of the user's file, not of its copy in the cache
            raise InputError(shown, exc.problem) from None

    def pixel_m(row: float) -> tuple[float, float]:
        # Ground metres of one pixel at the raster's middle column and the given row.
        try:
            px = ground_metres_per_pixel(crs, t.c + t.a * width / 2, t.f + t.e * row, t.a, t.e)
        except ValueError as exc:
            raise InputError(path, f"{exc} ({crs_label(crs)})") from None
        if not (px[0] > 0 and px[1] > 0):  # a zero pixel size (found by the fuzz campaign)
            raise InputError(path, f"its geotransform gives pixels of {px[0]:g} x {px[1]:g} m on the ground: "
                                   "no usable georeference")
        return px

    windows: list[PixelWindow] = []
    row, smallest = 0, None
    while True:
        px_w, px_h = pixel_m(row)
        th = min(height, max(1, round(tile_size_m / px_h)))
        px_w, px_h = pixel_m(min(height, row + th / 2))  # size at the middle of this row of windows
        tw = min(width, max(1, round(tile_size_m / px_w)))
        th = min(height, max(1, round(tile_size_m / px_h)))
        smallest = min(tw, th) if smallest is None else min(smallest, tw, th)
        if smallest < MIN_TILE_PIXELS:
            raise InputError(path, f"{tile_size_m} m is only {min(tw, th)} pixels here; choose a larger tile size")
        row = min(row, height - th)
        windows += [PixelWindow(col, row, tw, th) for col in _offsets(width, tw, max(1, round(tw * (1 - overlap))))]
        if row + th >= height:
            break
        row += max(1, round(th * (1 - overlap)))

    dropped = 0
    if validity is not None:
        table, step = validity
        kept = [w for w in windows if _valid_fraction(table, step, w) >= MIN_VALID_FRACTION]
        dropped = len(windows) - len(kept)
        windows = kept
        if not windows:
            raise InputError(path, "no window holds data in at least half its area (the raster is transparent or nodata)")
    if unmarked:  # the tiles would look right to no one, and nothing else would say why
        log.warning("%s has %d bands and none is marked red, green or blue: bands 1, 2, 3 are read as red, green, "
                    "blue. Multispectral imagery often stores blue first (WorldView, PlanetScope, Sentinel-2: blue, "
                    "green, red, near-infrared); if so, export a natural-colour GeoTIFF (gdal_translate -b 3 -b 2 "
                    "-b 1 %s rgb.tif) or mark its bands (gdal_edit.py -colorinterp_1 blue -colorinterp_2 green "
                    "-colorinterp_3 red %s)", shown, unmarked, shown, shown)
    if alpha_like:  # read as GDAL and QGIS read it (band 4 ignored); said, with the fix
        log.warning("%s", unmarked_alpha_notice(shown))
    if dropped:
        log.info("%s: %d of %d windows left out: more than half of each is no data (transparent or the nodata value)",
                 shown, dropped, dropped + len(windows))

    # every window's box in one vectorised CRS transform
    cols = np.array([w.col for w in windows], float)
    rows = np.array([w.row for w in windows], float)
    widths = np.array([w.width for w in windows], float)
    heights = np.array([w.height for w in windows], float)
    try:
        boxes = projected_boxes(t.c + cols * t.a, t.f + rows * t.e, t.c + (cols + widths) * t.a,
                                       t.f + (rows + heights) * t.e, crs)
    except ValueError as exc:
        raise InputError(path, str(exc)) from None
    tiles = [Tile(id=f"{shown.name}@c{w.col}_r{w.row}", path=path, bounds=bounds, window=w, corners=corners)
             for w, (bounds, corners) in zip(windows, boxes)]
    return TileSet(tuple(tiles), shown)


def what_tiff_is(path: Path) -> str:
    """What a .tif file given as a tile set is, in words for messages (registry.swapped_hint), from
    its header alone (no pixels): "imagery (GeoTIFF)" with a coordinate system and a position on
    the ground; "imagery (a GeoTIFF without a coordinate system: --epsg gives it)" with a position
    only; "imagery (a GeoTIFF placed by ground control points)" (cut_geotiff warps it north-up); "a TIFF without georeference (not a GeoTIFF: no position on
    the ground)" with none of these (rasterio reads an identity transform: cut_geotiff refuses it);
    "a TIFF that cannot be read" when rasterio is missing or refuses the file."""
    kind = tiff_georeference_kind(path)
    return "a TIFF that cannot be read" if kind is None else _TIFF_WORDS[kind]


def tiff_georeference_kind(path: Path) -> str | None:
    """georeference_kind of the TIFF `path` from its header (no pixels; GDAL also reads a .tfw
    beside it as the geotransform), None when rasterio is missing or refuses the file."""
    try:
        rasterio = import_rasterio(path)
        with open_quietly(rasterio, path) as ds:
            return georeference_kind(ds.crs, ds.transform, ds.gcps[0] if ds.transform.is_identity else [])
    except Exception:  # noqa: BLE001 - any failure to read is "not known"
        return None


def places_itself(path: Path) -> bool:
    """Whether the TIFF `path` can be cut without --epsg: a geotransform and a CRS, ground control
    points, or a geotransform (its own or a .tfw's) with a .prj beside it (_crs_beside)."""
    kind = tiff_georeference_kind(path)
    if kind == NO_CRS:
        return any(path.with_suffix(s).is_file() for s in (".prj", ".PRJ"))
    return kind in (PLACED, GCPS_ONLY)


_TIFF_WORDS = {
    PLACED: "imagery (GeoTIFF)",
    NO_CRS: "imagery (a GeoTIFF without a coordinate system: --epsg gives it)",
    GCPS_ONLY: "imagery (a GeoTIFF placed by ground control points)",
    # no position on the ground (a coordinate system alone places nothing)
    CRS_ONLY: "a TIFF without georeference (not a GeoTIFF: no position on the ground)",
    PLAIN: "a TIFF without georeference (not a GeoTIFF: no position on the ground)",
}


def _claims(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in RASTER_SUFFIXES


def _load(path: Path, options: LoadOptions) -> TileSet:
    return cut_geotiff(path, options.tile_size_m or DEFAULT_TILE_SIZE_M, options.overlap, default_crs=options.epsg)


READER = Reader("GeoTIFF", _claims, _load, describe="a GeoTIFF (.tif; a .vrt or .jp2 too)", what=what_tiff_is)
