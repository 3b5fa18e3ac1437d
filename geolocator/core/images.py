"""Reading images safely: listing, decoding to RGB, windows of big GeoTIFFs, EXIF GPS.

Every failure a user can cause (missing, corrupt, not an image, absurdly large) becomes an
InputError naming the file, so callers can skip it or show it instead of a traceback.
"""

from __future__ import annotations

import contextlib
import errno
import io
import math
import re
import struct
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from . import libtiff_messages
from .errors import InputError
from .model import LatLon, PixelWindow

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"})
TIFF_SUFFIXES = frozenset({".tif", ".tiff"})
# Other rasters GDAL (rasterio) reads, tile sets only (never photos): a VRT (gdalbuildvrt's mosaic
# of many orthophoto files, read as one orthophoto) and JPEG 2000 (orthophotos from national
# mapping agencies, Sentinel-2 bands). Cut into windows like a GeoTIFF (sources/geotiff.py).
GDAL_RASTER_SUFFIXES = frozenset({".vrt", ".jp2"})
RASTER_SUFFIXES = TIFF_SUFFIXES | GDAL_RASTER_SUFFIXES  # decoded through rasterio when installed
# Photo-only formats (never tiles): HEIC/HEIF through pillow-heif, DNG RAW through rawpy (LibRaw).
HEIF_SUFFIXES = frozenset({".heic", ".heif"})
RAW_SUFFIXES = frozenset({".dng"})
# AVIF stills (web images, screenshots shared online; session 22) through Pillow's own AVIF plugin
# (Pillow 11.3+ wheels carry libavif); a Pillow built without it says so per file.
AVIF_SUFFIXES = frozenset({".avif"})
PHOTO_SUFFIXES = IMAGE_SUFFIXES | HEIF_SUFFIXES | RAW_SUFFIXES | AVIF_SUFFIXES

# The most pixels decoded at once. Formats that can decode at a reduced scale (JPEG through
# Pillow's draft, RAW at half size) are reduced to fit; any other image above it is refused with
# a sentence, because PNG/WebP/HEIC decode whole: a 1.2 MB PNG of 20000x20000 px took 6-7 GB.
# 64 MP holds a 48 MP (8000x6000) drone photo whole; a 64 MP PNG peaks at ~730 MB, the worst
# case let through (training/bench_decode_memory.py; tests/test_decode_memory.py checks the bound).
DECODE_BUDGET_PIXELS = 64_000_000
# A photo needs a few pixels each way to hold anything a feature or a match could use.
MIN_PHOTO_SIDE = 8
MAX_PHOTO_ASPECT = 20.0

# Orthophotos are legitimately far larger than the web uploads PIL's default limit (~89 MP) is
# tuned for, but a header claiming more than this is a decompression bomb, not a tile.
MAX_PIXELS = 20_000 * 20_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

GPS_IFD = 0x8825


def list_images(folder: Path, recursive: bool = True) -> list[Path]:
    """Image files under `folder` by suffix (case-insensitive), sorted. Hidden files are ignored
    because they are editor/OS droppings (e.g. macOS '._x.jpg'), never photos."""
    folder = Path(folder)
    pattern = "**/*" if recursive else "*"
    found = []
    for p in folder.glob(pattern):
        rel = p.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file():
            found.append(p)
    return sorted(found)


# Pillow warns "Corrupt EXIF data. Expecting to read 2 bytes but only got 0." naming no file, on
# every open of such a photo. A process-wide filter (catch_warnings is not thread-safe): the photo
# is named instead by its metadata note (media/metadata.py, said when the photo is opened).
warnings.filterwarnings("ignore", message="Corrupt EXIF data", category=UserWarning)


def _one_line(exc: BaseException) -> str:
    """A decoder's message on one line: libheif ends its text with a newline, which split the
    app's warning and the CLI's line in two."""
    return " ".join(str(exc).split())


def _decode_problem(exc: BaseException, libtiff_said: str | None = None) -> str:
    """Why a photo's or tile's pixels could not be read, in words (faults36). An OSError with an errno
    is the file system's fault, not the data's: a failing or pulled card (EIO) said "corrupt image data
    ([Errno 5] Input/output error)", the path again inside. Pillow's "image file is truncated" (no errno)
    is most often a photo still being copied or whose copy was cut off."""
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno == errno.EIO:
            return "input/output error while reading it (the disk or card may be failing, or was removed)"
        if exc.errno == errno.ENOENT:
            return "the file is gone (deleted or moved while it was being read)"
        return f"cannot read the file ({exc.strerror or exc})"
    text = _one_line(exc)
    if libtiff_said and text.startswith("decoder error"):  # Pillow's code only; libtiff's own line says what
        text = libtiff_said  # (it was printed raw on stderr beside this message: libtiff_messages)
    if "truncated" in text:
        return f"the file ends early: a copy not finished or cut off, or a damaged file ({text})"
    return f"corrupt image data ({text})"


def import_rasterio():
    """The rasterio module, with the error handler of the libtiff its GDAL loads replaced
    (libtiff_messages.install: its stray "_tiffWriteProc: ..." lines kept off stderr, for our message).
    Every GDAL read or write takes rasterio from here. Raises ImportError where rasterio is not installed
    (`pip install "geolocator[geotiff]"`)."""
    import rasterio

    libtiff_messages.install()
    return rasterio


def _rasterio():
    try:
        rasterio = import_rasterio()
        from rasterio.errors import NotGeoreferencedWarning
    except ImportError:
        return None
    # Plain (non-geo) TIFF photos are fine to read. A process-wide filter, not catch_warnings():
    # that one swaps global state and is not safe in the decoding threads.
    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning)
    return rasterio


_heif_state: dict[str, bool] = {}
libtiff_messages.install()  # Pillow's libtiff (loaded with PIL.Image): its error lines kept for our message


def heif_available() -> bool:
    """Register pillow-heif's opener once; False when the package is missing."""
    if "ok" not in _heif_state:
        try:
            import pillow_heif

            pillow_heif.register_heif_opener()
            _heif_state["ok"] = True
        except Exception:  # noqa: BLE001 - missing or broken native library: HEIC is reported per file
            _heif_state["ok"] = False
    return _heif_state["ok"]


def _rawpy():
    try:
        import rawpy
    except ImportError:
        return None
    return rawpy


def _missing_package(path: Path) -> InputError | None:
    suffix = path.suffix.lower()
    if suffix in HEIF_SUFFIXES and not heif_available():
        return InputError(path, "HEIC/HEIF photos need the pillow-heif package (pip install pillow-heif)")
    if suffix in RAW_SUFFIXES and _rawpy() is None:
        return InputError(path, "DNG (RAW) photos need the rawpy package (pip install rawpy)")
    if suffix in AVIF_SUFFIXES and not _avif_available():
        return InputError(path, "AVIF photos need a Pillow with AVIF support (Pillow 11.3 or later: pip install -U pillow)")
    return None


def _avif_available() -> bool:
    from PIL import features

    return bool(features.check("avif"))


def _over_budget(path: Path, width: int, height: int, how: str = "") -> InputError:
    return InputError(
        path,
        f"image is {width}x{height} = {width * height / 1e6:.0f} MP, over the {DECODE_BUDGET_PIXELS / 1e6:.0f} MP "
        f"decoding budget{how}: refusing to decode it (save it as a JPEG, or a tiled GeoTIFF for imagery)",
    )


def photo_size_problem(width: int, height: int) -> str | None:
    """A sentence saying why a `width` x `height` pixel image cannot be a drone photo, or None."""
    if width < MIN_PHOTO_SIDE or height < MIN_PHOTO_SIDE:
        return (f"image is only {width}x{height} pixels: a side under {MIN_PHOTO_SIDE} px holds nothing to match "
                "(a placeholder, a thumbnail or a damaged file?)")
    aspect = max(width, height) / min(width, height)
    if aspect > MAX_PHOTO_ASPECT:
        return (f"image is {width}x{height} pixels ({aspect:.0f}:1): no camera frame is that narrow "
                f"(the limit is {MAX_PHOTO_ASPECT:.0f}:1), so it is not a photo to locate")
    return None


def _raw_source(path: Path):
    """What rawpy.imread is given for `path`: its text (LibRaw takes the name as UTF-8); for a name
    Python read under an ASCII locale (LC_ALL=C PYTHONUTF8=0: surrogates), the UTF-8 text its bytes
    are; for a name that is not UTF-8 (a card written by another system), the file's bytes, which
    rawpy reads from memory. Before session 28 such a name was "cannot read RAW image
    (UnicodeEncodeError: …)" and the photo was skipped."""
    from .names import has_surrogates, text_bytes

    text = str(path)
    if not has_surrogates(text):
        return text
    try:
        return text_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        return io.BytesIO(Path(path).read_bytes())


def _raw_size(path: Path) -> tuple[int, int]:
    rawpy = _rawpy()
    try:
        with rawpy.imread(_raw_source(path)) as raw:
            s = raw.sizes
            # flip 5/6 = rotated a quarter turn (LibRaw's convention): the visible image is transposed
            return (s.height, s.width) if s.flip in (5, 6) else (s.width, s.height)
    except Exception as exc:  # noqa: BLE001 - LibRaw raises its own error types for every fault
        raise InputError(path, f"cannot read RAW image ({type(exc).__name__}: {exc})") from None


def _read_raw(path: Path, min_side: int | None) -> Image.Image:
    """Demosaic a DNG with rawpy (camera white balance, sRGB, 8 bit). Half size (one RGB pixel
    per 2x2 Bayer cell) when that still gives `min_side`, or when the full frame is over budget."""
    width, height = _raw_size(path)
    half = bool(min_side) and min(width, height) // 2 >= min_side
    if width * height > DECODE_BUDGET_PIXELS:
        half = True
        if width * height / 4 > DECODE_BUDGET_PIXELS:
            raise _over_budget(path, width, height, " even at half size")
    rawpy = _rawpy()
    try:
        with rawpy.imread(_raw_source(path)) as raw:
            # The camera's as-shot white balance when it recorded one (DNG AsShotNeutral), else LibRaw's default.
            camera_wb = all(v > 0 for v in list(raw.camera_whitebalance)[:3])
            rgb = raw.postprocess(use_camera_wb=camera_wb, half_size=half, output_bps=8)
    except Exception as exc:  # noqa: BLE001
        raise InputError(path, f"cannot decode RAW image ({type(exc).__name__}: {exc})") from None
    return Image.fromarray(np.ascontiguousarray(rgb[..., :3]), "RGB")


def _too_large(path: Path) -> InputError:
    return InputError(path, f"image is too large (more than {Image.MAX_IMAGE_PIXELS:,} pixels): refusing to decode it")


def _unidentified(path: Path) -> str:
    """Why PIL recognised no image in `path`: a 0-byte file (an interrupted copy off a card, a
    sync placeholder) says so, anything else is "not an image, or a format that cannot be read"."""
    try:
        empty = path.stat().st_size == 0
    except OSError:
        empty = False
    return "an empty file (0 bytes)" if empty else "not an image, or a format that cannot be read"


# ISO/IEC 23008-12 (HEIF) major brands in the file's first box ("ftyp"): still images and
# sequences, HEVC-coded ("heic", "heix", "heim", "heis", "hevc", "hevx") or generic ("mif1", "msf1").
_HEIF_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})


def _heif_content(path: Path) -> bool:
    """Whether the file starts as a HEIF file does (an ISO base media "ftyp" box whose major brand
    is a HEIF one), whatever its name. AVIF ("avif") is Pillow's own and is not one of them."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return len(head) == 12 and head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS


def _open_pil(path: Path) -> Image.Image:
    """Open lazily (header only) with bomb and corruption errors turned into InputError."""
    missing = _missing_package(path)
    if missing is not None:
        raise missing
    try:
        im = Image.open(path)
    except Image.DecompressionBombError:
        raise _too_large(path) from None
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except PermissionError:  # was "cannot read image ([Errno 13] Permission denied: '<the path again>')"
        raise InputError(path, "permission denied: this user may not read the file (check its permissions)") from None
    except UnidentifiedImageError:
        if not _heif_content(path):
            raise InputError(path, _unidentified(path)) from None
        # a HEIC/HEIF photo under another name (an iPhone photo renamed or exported as .jpg):
        # pillow-heif's opener is registered on the first .heic name, so a folder without one
        # had it refused as "not an image"
        if not heif_available():
            raise InputError(path, "a HEIC/HEIF photo (whatever its name says): it needs the pillow-heif "
                                   "package (pip install pillow-heif)") from None
        try:
            im = Image.open(path)
        except Exception as exc:  # noqa: BLE001 - pillow-heif's own refusal, in a sentence
            raise InputError(path, f"cannot read this HEIC/HEIF photo ({_one_line(exc)})") from None
    except OSError as exc:
        raise InputError(path, _decode_problem(exc) if exc.errno is not None else f"cannot read image ({exc})") from None
    except (SyntaxError, ValueError) as exc:
        raise InputError(path, f"cannot read image ({exc})") from None
    # PIL only warns between 1x and 2x its limit (and errors above); we refuse anything over it.
    # Checked by hand because turning the warning into an error is not thread-safe.
    if Image.MAX_IMAGE_PIXELS and im.size[0] * im.size[1] > Image.MAX_IMAGE_PIXELS:
        im.close()
        raise _too_large(path)
    return im


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) from the header, without decoding the pixels."""
    path = Path(path)
    if path.suffix.lower() in RAW_SUFFIXES:
        missing = _missing_package(path)
        if missing is not None:
            raise missing
        return _raw_size(path)
    rio = _rasterio() if path.suffix.lower() in RASTER_SUFFIXES else None
    if rio is not None:
        try:
            with rio.open(path) as ds:
                return ds.width, ds.height
        except Exception:  # noqa: BLE001 - let PIL have a go and produce the error message
            pass
    with _open_pil(path) as im:
        return im.size


def probe_image(path: Path) -> str | None:
    """Cheap header check: None when the file looks like a readable image, else the reason."""
    try:
        image_size(path)
    except InputError as exc:
        return exc.problem
    return None


def to_rgb_uint8(data: np.ndarray, limits: tuple[float, float] | None = None, valid: np.ndarray | None = None) -> np.ndarray:
    """(bands, H, W) or (H, W) array -> (H, W, 3) uint8.

    One band becomes grey, 3+ bands keep the first three. Non-8-bit data (16-bit, float) is
    stretched linearly between `limits` (low, high), by default its own 2nd and 98th percentiles
    (over the `valid` (H, W) pixels when given), the usual way to view satellite imagery.
    """
    if data.ndim == 2:
        data = data[None]
    data = data[:3] if data.shape[0] >= 3 else data[:1]
    if data.dtype != np.uint8:
        values = data.astype(np.float32)
        if limits is None:
            limits = stretch_limits(values, valid)
        lo, hi = limits
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        # in place: one float32 copy of the data, not five (a 96 MP 16-bit photo: 1.2 GB each)
        values -= np.float32(lo)
        values *= np.float32(scale)
        np.nan_to_num(values, copy=False, nan=0.0, posinf=255.0, neginf=0.0)
        np.clip(values, 0, 255, out=values)
        data = values.astype(np.uint8)
    if data.shape[0] == 1:
        data = np.repeat(data, 3, axis=0)
    return np.ascontiguousarray(np.transpose(data, (1, 2, 0)))


def stretch_limits(values: np.ndarray, valid: np.ndarray | None = None) -> tuple[float, float]:
    """The 2nd and 98th percentiles of the finite, valid values of a (bands, H, W) array, all
    bands together so colour balance is kept; (0, 1) when there is nothing to measure."""
    values = np.asarray(values, dtype=np.float32)
    if valid is not None:
        values = values[:, valid] if values.ndim == 3 else values[valid]
    finite = values[np.isfinite(values)]
    if not finite.size:
        return 0.0, 1.0
    lo, hi = np.percentile(finite, [2, 98])
    return float(lo), float(hi)


def fill_invalid(rgb: np.ndarray, valid: np.ndarray | None) -> np.ndarray:
    """(H, W, 3) uint8 with the pixels where `valid` is False set to the mean colour of the valid
    ones: a flat fill gives neither global features nor local matchers an edge to latch onto
    (black borders of orthophotos do). Unchanged when every pixel is valid."""
    if valid is None or valid.all():
        return rgb
    step = max(1, min(valid.shape) // 64)  # the fill colour needs no more than ~64x64 samples
    sample = rgb[::step, ::step][valid[::step, ::step]]
    if not sample.size:
        sample = rgb[valid] if valid.any() else np.full((1, 3), 127, np.uint8)
    fill = np.round(sample.mean(axis=0)).astype(np.uint8)
    out = rgb.copy()
    np.copyto(out, fill, where=~valid[..., None])
    return out


def _check_window(path: Path, window: PixelWindow, width: int, height: int) -> None:
    if window.width <= 0 or window.height <= 0:
        raise InputError(path, f"empty pixel window {window}")
    if window.col < 0 or window.row < 0 or window.col + window.width > width or window.row + window.height > height:
        raise InputError(path, f"pixel window {window} lies outside the {width}x{height} image")
    if window.width * window.height > MAX_PIXELS:
        raise InputError(path, f"pixel window {window} is too large (more than {MAX_PIXELS:,} pixels)")


STRETCH_CACHE_MB = 256  # the most GDAL's block cache holds during a whole-raster read (MB; rasterio.Env takes bytes)
WHOLE_READ_MIN_CACHE_MB = 32  # the least


def whole_read_cache_bytes(ds) -> int:
    """GDAL's block cache (bytes) for reading the rasterio dataset `ds` whole or decimated: two
    rows of its blocks (a decimated read averages one row of blocks after another; a cache
    smaller than a row decodes each block again for every output row: a 16-bit 10,000 px tile
    took 17 s at 8 MB, 2 s at 32 MB), between WHOLE_READ_MIN_CACHE_MB and STRETCH_CACHE_MB. A
    10,000 px tile read at 1/8 peaked at 266 MB with the 256 MB cache, 42 MB with 32 MB
    (training/results/bigtile32_session32.md)."""
    block_h, block_w = ds.block_shapes[0]
    row = math.ceil(ds.width / max(1, block_w)) * block_w * block_h
    row_bytes = row * sum(np.dtype(t).itemsize for t in ds.dtypes)
    return int(min(STRETCH_CACHE_MB * 2**20, max(WHOLE_READ_MIN_CACHE_MB * 2**20, 2 * row_bytes)))


@lru_cache(maxsize=16)
def _dataset_stretch(path: str, mtime_ns: int, indexes: tuple[int, ...]) -> tuple[float, float]:
    """Stretch limits of a whole non-8-bit raster from a decimated read, so every window of one
    orthophoto shares one stretch (per-window stretches would make neighbours disagree)."""
    import rasterio

    # A raster without overviews is decoded whole for the decimated read: GDAL's block cache held
    # to two rows of blocks (whole_read_cache_bytes) keeps that from filling its default 5 % of the
    # RAM (a 16,000 px square 16-bit GeoTIFF took the process to 1.3 GB; training/results/
    # newuser_session19.md; 256 MB from then to session 32).
    from .sources.geotiff import gdal_path

    with rasterio.open(gdal_path(path)) as ds, rasterio.Env(GDAL_CACHEMAX=whole_read_cache_bytes(ds)):
        step = max(1, math.ceil(max(ds.width, ds.height) / 1024))
        shape = (len(indexes), math.ceil(ds.height / step), math.ceil(ds.width / step))
        data = ds.read(list(indexes), out_shape=shape)
        valid = ds.dataset_mask(out_shape=shape[1:]) > 0
    return stretch_limits(data, valid)


def _palette_rgb(ds, win, valid, shape=None):
    """A paletted band through its colour table (GDAL colormap: index -> (r, g, b, a)). `shape`
    (rows, cols): the band read whole at that size, each pixel the index nearest its centre
    (Resampling.nearest: averaging indexes would make colours the table never meant), then
    expanded; None: as stored (a window, or a raster read at full size)."""
    from rasterio.enums import Resampling

    if shape is None:
        index = ds.read(1, window=win)
    else:
        index = ds.read(1, out_shape=shape, resampling=Resampling.nearest)
    cmap = ds.colormap(1)
    lut = np.zeros((max(256, int(index.max()) + 1, max(cmap) + 1), 4), dtype=np.uint8)
    for i, rgba in cmap.items():
        lut[i] = rgba
    rgba = lut[index]
    if (rgba[..., 3] < 255).any():  # transparent palette entries are no data too
        opaque = rgba[..., 3] > 0
        valid = opaque if valid is None else valid & opaque
    return np.ascontiguousarray(rgba[..., :3]), valid


def _cmyk_rgb(data: np.ndarray) -> np.ndarray:
    """(4, H, W) uint8 ink amounts (TIFF Photometric=Separated, InkSet=CMYK) -> (H, W, 3) RGB:
    R = 255 (1 - C)(1 - K), likewise G from M and B from Y (the naive, profile-less conversion)."""
    c, m, y, k = (data[i].astype(np.float32) / 255.0 for i in range(4))
    rgb = np.stack([(1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k)], axis=-1) * 255.0
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


def _band_indexes(ds) -> tuple[str, list[int]]:
    """("rgb" | "cmyk" | "grey", 1-based band indexes) from the bands' colour interpretation:
    red/green/blue wherever they are (BGR files too), C/M/Y/K, else the first three data bands
    (not alpha or palette), else the gray band or the first one."""
    from rasterio.enums import ColorInterp as CI

    interp = list(ds.colorinterp)
    where = {ci: i + 1 for i, ci in reversed(list(enumerate(interp)))}
    if all(ci in where for ci in (CI.red, CI.green, CI.blue)):
        return "rgb", [where[CI.red], where[CI.green], where[CI.blue]]
    if all(ci in where for ci in (CI.cyan, CI.magenta, CI.yellow, CI.black)):
        return "cmyk", [where[CI.cyan], where[CI.magenta], where[CI.yellow], where[CI.black]]
    data_bands = [i + 1 for i, ci in enumerate(interp) if ci not in (CI.alpha, CI.palette)] or [1]
    # A gray band names the one band to show only when there are not three data bands: GDAL writes
    # every 3- or 4-band GeoTIFF that is not Byte (16-bit, float imagery) as PHOTOMETRIC=MINISBLACK,
    # i.e. gray, undefined, undefined, and those are colour bands in file order.
    if CI.gray in where and len(data_bands) < 3:
        return "grey", [where[CI.gray]]
    return ("rgb", data_bands[:3]) if len(data_bands) >= 3 else ("grey", data_bands[:1])


def unmarked_colour_bands(colorinterp) -> int:
    """How many data bands a raster has when it has four or more and none is marked red/green/blue
    or C/M/Y/K, so that _band_indexes falls back to reading bands 1-3 as red, green, blue; else 0.

    `colorinterp`: the bands' rasterio ColorInterp values, in band order. Multispectral products
    (WorldView, PlanetScope, Sentinel-2 stacks) store blue, green, red, near-infrared in that order
    with no colour marks, so their first three bands are blue, green, red: the caller warns once."""
    from rasterio.enums import ColorInterp as CI

    interp = list(colorinterp)
    marked = (CI.red, CI.green, CI.blue, CI.cyan, CI.magenta, CI.yellow, CI.black)
    if any(ci in marked for ci in interp):  # colours named: _band_indexes follows them
        return 0
    data = [ci for ci in interp if ci not in (CI.alpha, CI.palette)]
    return len(data) if len(data) >= 4 else 0


def complex_data_problem(dtypes) -> str | None:
    """The sentence for a raster whose bands hold complex numbers (SAR single-look complex
    products: amplitude and phase, GDAL types CInt16/CInt32/CFloat32/CFloat64, rasterio dtype names
    such as "complex64" or "complex_int16"), else None. `dtypes`: the bands' rasterio dtype names.
    Such pixels are no picture of the ground a photo could match (numpy would keep their real part
    only, with a ComplexWarning): the callers refuse the file, naming it (InputError)."""
    kinds = [str(d) for d in dtypes if str(d).startswith("complex")]
    if not kinds:
        return None
    return f"complex SAR data ({kinds[0]}): not imagery a photo can be matched against"


# GDAL band unit types (GDALGetRasterUnitType) that are lengths: what an elevation grid's heights are in
_LENGTH_UNITS = frozenset({"m", "metre", "metres", "meter", "meters", "ft", "foot", "feet", "us-ft", "ftus",
                           "us survey foot", "us_survey_foot"})
# words a DEM's band description, tags or file name use (Copernicus "..._DEM.tif", "dsm_2023.tif", "SRTM")
_ELEVATION_WORD = re.compile(r"(?<![a-z])(dem|dsm|dtm|elevation|height|srtm)(?![a-z])", re.IGNORECASE)


def elevation_data_problem(ds, path: Path) -> str | None:
    """The sentence for a georeferenced raster that holds heights, not a picture (a DEM, DSM or DTM
    given as imagery), else None. `ds`: an open rasterio dataset; `path`: its file (its name is one
    clue). Said only of one data band (alpha aside, no colour table) that is not 8-bit, with one of:
    a length as its unit type (GDAL's elevation convention: "m", "ft"...), an elevation word in its
    description or tags or in the file's name, or pixels that are points (AREA_OR_POINT=Point,
    what SRTM and most DEMs declare, imagery being "Area"). Without such a clue a one-band 16-bit or
    float raster is read as grey imagery, stretched (panchromatic bands, reflectance), as before."""
    from rasterio.enums import ColorInterp as CI

    interp = list(ds.colorinterp)
    bands = [i + 1 for i, ci in enumerate(interp) if ci != CI.alpha]
    if len(bands) != 1 or interp[bands[0] - 1] == CI.palette or ds.dtypes[bands[0] - 1] == "uint8":
        return None
    band = bands[0]
    unit = (ds.units[band - 1] or "").strip()
    words = " ".join([ds.descriptions[band - 1] or "", *(f"{k} {v}" for k, v in ds.tags(band).items())])
    clue = None
    if unit.lower() in _LENGTH_UNITS:
        clue = f"its unit is {unit!r}"
    elif (found := _ELEVATION_WORD.search(words)) is not None:
        clue = f"its band is described as {found.group(1)!r}"
    elif (found := _ELEVATION_WORD.search(Path(path).stem.replace("_", " "))) is not None:
        clue = f"its name says {found.group(1)!r}"
    elif str(ds.tags().get("AREA_OR_POINT", "")).strip().lower() == "point":
        clue = "its pixels are points (AREA_OR_POINT=Point)"
    if clue is None:
        return None
    return (f"one band of {ds.dtypes[band - 1]} values and {clue}: heights (a DEM, DSM or DTM), not imagery a photo "
            "can be matched against; give the orthophoto (an image of the ground) instead, or if this really is an "
            f"image, an 8-bit copy of it: gdal_translate -ot Byte -scale {Path(path).name} image.tif")


def unmarked_alpha_band(ds, grid: int = 8, side: int = 16) -> int | None:
    """The band number (4) of an RGBA-looking raster whose fourth band is not marked alpha, else None.

    `ds`: an open rasterio dataset. Such a file is what rasterio writes for four 8-bit bands with
    photometric RGB and no alpha="YES" (TIFF ExtraSamples "unspecified"): GDAL reads the fourth
    band as undefined, and QGIS sets a transparency band only for a band GDAL calls alpha, so both
    show its transparent part black; this reader does too (_band_indexes). Said only when the
    fourth band looks like a mask: 8-bit, colour interpretation undefined, no band marked alpha,
    and of `grid` x `grid` windows of `side` px spread over it (a few blocks: cheap on any size),
    at least 99 % of the values 0 or 255 and some 0 (a near-infrared band, RGB + NIR, is not)."""
    from rasterio.enums import ColorInterp as CI
    from rasterio.windows import Window

    interp = list(ds.colorinterp)
    if (ds.count != 4 or interp[3] != CI.undefined or CI.alpha in interp or ds.dtypes[3] != "uint8"
            or interp[:3] != [CI.red, CI.green, CI.blue]):
        return None
    cols = np.linspace(0, max(ds.width - side, 0), grid).astype(int)
    rows = np.linspace(0, max(ds.height - side, 0), grid).astype(int)
    values = np.concatenate([ds.read(4, window=Window(int(c), int(r), min(side, ds.width), min(side, ds.height))).ravel()
                             for r in rows for c in cols])
    binary = np.isin(values, (0, 255)).mean()
    return 4 if binary >= 0.99 and (values == 0).any() else None


def unmarked_alpha_notice(path: Path | str, more: int = 0) -> str:
    """The one-line notice for a file unmarked_alpha_band finds (`more`: how many other files of the
    same folder are alike)."""
    others = f" (and {more} more)" if more else ""
    return (f"{path}{others}: band 4 holds only 0 and 255 like a transparency mask but is not marked alpha "
            "(TIFF ExtraSamples unspecified); it is ignored, as GDAL and QGIS do, so its transparent part is read "
            f"as black. If it is a mask, mark it: gdal_edit.py -colorinterp_4 alpha {path}")


def _read_rasterio(rio, path: Path, window: PixelWindow | None, min_side: int | None = None) -> Image.Image:
    """Pixels as the file means them: colour tables applied, bands picked by colour
    interpretation, CMYK converted, 16-bit/float stretched (one stretch per raster), and pixels
    the file marks as no data (alpha, nodata value, mask band), or NaN in a float raster (what
    QGIS shows as transparent with no nodata value set), filled with the mean colour.

    A TIFF photo (no georeference) read whole is read reduced like a JPEG's draft: by 2, 4 or 8
    (GDAL's average of each block of pixels) to fit DECODE_BUDGET_PIXELS and keep its sides at
    least `min_side`. A georeferenced raster read whole (a GeoTIFF used as one tile) is read
    reduced by whole_raster_scale: its pixels are then that many of the file's own, and
    whole_read_transform gives the geotransform of the grid returned. A paletted raster read whole
    is reduced alike, its indexes taken nearest (never averaged) and then expanded through its
    colour table. A window is read as stored."""
    from rasterio.enums import ColorInterp as CI
    from rasterio.enums import MaskFlags, Resampling
    from rasterio.windows import Window

    with rio.open(path) as ds:
        complex_problem = complex_data_problem(ds.dtypes)
        if complex_problem:
            raise InputError(path, complex_problem)
        georeferenced = ds.crs is not None or not ds.transform.is_identity or bool(ds.gcps[0])
        height_problem = elevation_data_problem(ds, path) if georeferenced else None  # a thermal photo is no DEM
        if height_problem:
            raise InputError(path, height_problem)
        if window is None:
            if ds.width * ds.height > MAX_PIXELS:
                raise InputError(path, f"image is too large (more than {MAX_PIXELS:,} pixels) to read whole")
            win = None
        else:
            _check_window(path, window, ds.width, ds.height)
            win = Window(window.col, window.row, window.width, window.height)
        palette = ds.colorinterp[0] == CI.palette and _has_colormap(ds)
        shape = None  # (rows, cols) to read at; None: as stored
        if window is None:
            # a 96 MP 16-bit TIFF photo read whole took 6.0 GB and 30 s, a 10,000 px GeoTIFF tile
            # 3.7 GB (session 32): read decimated instead, GDAL averaging each block of pixels (a
            # paletted band: the nearest index, expanded through the table after; _palette_rgb)
            s = (whole_raster_scale(ds.width, ds.height, min_side) if georeferenced
                 else _draft_scale(ds.width, ds.height, min_side))
            if s > 1:
                shape = (math.ceil(ds.height / s), math.ceil(ds.width / s))
        # read whole: GDAL's block cache held small (its default, 5 % of the RAM, is filled by one
        # whole read and serves nothing after it); a window: the cache serves its neighbours
        whole_cache = rio.Env(GDAL_CACHEMAX=whole_read_cache_bytes(ds)) if window is None else contextlib.nullcontext()
        valid = None
        with whole_cache:
            if not all(MaskFlags.all_valid in flags for flags in ds.mask_flag_enums):
                valid = ds.dataset_mask(window=win, out_shape=shape) > 0  # only the window's blocks are decoded
            if palette:
                rgb, valid = _palette_rgb(ds, win, valid, shape)
                data = None
            else:
                kind, indexes = _band_indexes(ds)
                if window is not None:
                    data = ds.read(indexes, window=win)
                else:
                    data = ds.read(indexes, out_shape=None if shape is None else (len(indexes), *shape),
                                   resampling=Resampling.average)
        if data is not None:
            if data.dtype.kind in "fc":  # NaN is no data in a float raster, nodata value or not
                finite = np.isfinite(data).all(axis=0)
                if not finite.all():
                    valid = finite if valid is None else valid & finite
            if kind == "cmyk" and data.dtype == np.uint8:
                rgb = _cmyk_rgb(data)
            else:
                if kind == "cmyk":
                    data = data[:3]
                limits = None
                if data.dtype != np.uint8:
                    limits = _dataset_stretch(str(path), path.stat().st_mtime_ns, tuple(indexes[: data.shape[0]]))
                rgb = to_rgb_uint8(data, limits)
    image = Image.fromarray(fill_invalid(rgb, valid), "RGB")
    if window is None and not georeferenced:
        # a TIFF photo (no georeference) is shown as its Orientation tag says, as JPEGs are; GDAL
        # ignores the tag, and a georeferenced raster's pixels follow its geotransform instead
        method = _TIFF_TRANSPOSE.get(_tiff_orientation(path))
        if method is not None:
            image = image.transpose(method)
    return image


# TIFF 6.0 / EXIF 2.32 tag 0x0112 (Orientation): how the stored rows and columns are turned to
# show the image upright; the same table as Pillow's ImageOps.exif_transpose.
_TIFF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _tiff_orientation(path: Path) -> int | None:
    """The Orientation tag (1-8) of a TIFF's first image, read from its header by Pillow; None
    when absent or when Pillow cannot parse the header (the pixels are then used as stored)."""
    try:
        with Image.open(path) as im:
            value = getattr(im, "tag_v2", {}).get(0x0112)
    except Exception:  # noqa: BLE001 - an exotic TIFF only rasterio reads: no turn rather than no photo
        return None
    return value if isinstance(value, int) else None


def _has_colormap(ds) -> bool:
    try:
        return bool(ds.colormap(1))
    except ValueError:  # "NULL color table"
        return False


def _draft_request(width: int, height: int, min_side: int | None) -> tuple[int, int] | None:
    """The size to ask JPEG draft() for: sides >= min_side, and at most DECODE_BUDGET_PIXELS
    (the smallest of the 1/2, 1/4, 1/8 reductions that fits), or None for no reduction.

    Pillow's draft (JpegImagePlugin.draft, Pillow 13) takes the scale s = min(side // requested
    side) rounded down to 8, 4, 2 or 1 and decodes ceil(side / s): so the request for a reduction
    by s is side // s, not the decoded size ceil(side / s), which for a side that is no multiple of
    s asked for less (a 401 x 201 JPEG asked for (101, 51) was decoded at 1/2 and refused)."""
    request = (min_side, min_side) if min_side else None
    if width * height > DECODE_BUDGET_PIXELS:
        for s in (2, 4, 8):
            if math.ceil(width / s) * math.ceil(height / s) <= DECODE_BUDGET_PIXELS:
                break
        fit = (max(1, width // s), max(1, height // s))
        request = fit if request is None else (min(fit[0], request[0]), min(fit[1], request[1]))
    return request


def _draft_scale(width: int, height: int, min_side: int | None) -> int:
    """The reduction (1, 2, 4 or 8) Pillow's JPEG draft would pick for _draft_request's size:
    the largest whose scale fits min(width // requested width, height // requested height)
    (JpegImagePlugin.draft, Pillow 13); 1 when no reduction is asked."""
    request = _draft_request(width, height, min_side)
    if request is None:
        return 1
    fit = min(width // max(1, request[0]), height // max(1, request[1]))
    return next(s for s in (8, 4, 2, 1) if fit >= s)


# The longest side any consumer works a tile at: the verifier matches at VerifySettings.max_side
# (512 px), its fine pass zooms tiles 2x (fine_tile_zoom) and its corner stitches are described at
# up to 2 x max_side; the backbone asks for less (extract: its resize x sqrt 2, 365 px for 256).
# A georeferenced raster read whole keeps at least this many pixels on its shorter side.
TILE_WORK_SIDE = 1024


def whole_raster_scale(width: int, height: int, min_side: int | None) -> int:
    """The reduction (a power of 2, >= 1) at which a georeferenced raster of `width` x `height`
    pixels is read whole: the least that fits DECODE_BUDGET_PIXELS, then, when the caller gives
    `min_side` (pixels it needs on the shorter side), the largest that keeps the shorter side at
    least max(min_side, TILE_WORK_SIDE). No `min_side`: the budget alone (every pipeline consumer
    says what it needs since session 32: dense.ground_of the tile's ground at its resolution, the
    evidence panel its 1024 px). Powers of 2 match the overview levels
    gdaladdo builds, so a file with overviews is read from them."""
    s = 1
    while math.ceil(width / s) * math.ceil(height / s) > DECODE_BUDGET_PIXELS:
        s *= 2
    if min_side:
        need = max(int(min_side), TILE_WORK_SIDE)
        while min(width, height) // (2 * s) >= need:
            s *= 2
    return s


def whole_read_transform(transform, full_size: tuple[int, int], read_size: tuple[int, int]):
    """The geotransform (an affine.Affine) of a raster read whole at `read_size` (width, height)
    when its file's own grid, `transform`, is `full_size` pixels: each read pixel spans
    full/read of the file's along each axis (open_image's decimated read covers the whole raster,
    GDAL's out_shape), so pixel (col, row) of the image read lies at transform @ (col * fx, row * fy).
    Raises ZeroDivisionError for an empty `read_size`."""
    from affine import Affine

    return transform @ Affine.scale(full_size[0] / read_size[0], full_size[1] / read_size[1])


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (im.mode in ("P", "L", "RGB") and "transparency" in im.info)


def _flatten_alpha(im: Image.Image, keep_alpha: bool = False) -> Image.Image:
    """RGB, with transparent pixels (alpha 0: no data, e.g. gdal2tiles' tiles at the edge of
    the imagery) filled with the mean colour of the opaque ones, as for GeoTIFF masks: what the
    matchers and thumbnails read. `keep_alpha` (the map's basemap): RGBA as the image says it
    when any pixel is below alpha 255 instead, RGB otherwise (an opaque tile stays RGB, so an
    opaque basemap stays a JPEG)."""
    if not _has_alpha(im):
        return im.convert("RGB")
    rgba = np.asarray(im.convert("RGBA"))
    if keep_alpha:
        opaque = rgba[..., 3].min() == 255
        return Image.fromarray(np.ascontiguousarray(rgba[..., :3]) if opaque else rgba, "RGB" if opaque else "RGBA")
    return Image.fromarray(fill_invalid(np.ascontiguousarray(rgba[..., :3]), rgba[..., 3] > 0), "RGB")


# A TIFF with alpha of more pixels than this has its alpha counted from a decimated read
# (_alpha_fraction_decimated): a 10,000 px RGBA GeoTIFF tile decoded whole by Pillow took ~700 MB
# to load its folder (session 32), one such decode per loading thread.
VALID_FRACTION_MAX_SIDE = 2048


def _alpha_fraction_decimated(path: Path) -> float | None:
    """valid_fraction of a TIFF through rasterio: its alpha band read decimated (nearest) to at
    most VALID_FRACTION_MAX_SIDE pixels a side, under a block cache of two rows of blocks; None
    when rasterio is missing or GDAL marks no band alpha (then Pillow decodes it)."""
    rio = _rasterio()
    if rio is None:
        return None
    from rasterio.enums import ColorInterp

    from .sources.geotiff import gdal_path

    try:
        with rio.open(gdal_path(path)) as ds:
            if ColorInterp.alpha not in ds.colorinterp:
                return None
            band = ds.colorinterp.index(ColorInterp.alpha) + 1
            step = max(1, math.ceil(max(ds.width, ds.height) / VALID_FRACTION_MAX_SIDE))
            shape = (math.ceil(ds.height / step), math.ceil(ds.width / step))
            with rio.Env(GDAL_CACHEMAX=whole_read_cache_bytes(ds)):
                alpha = ds.read(band, out_shape=shape)
    except Exception as exc:  # noqa: BLE001 - GDAL's errors on a damaged file: named as Pillow's are
        raise InputError(path, f"corrupt image data ({_one_line(exc)})") from None
    return float((alpha > 0).mean())


def valid_fraction(path: Path) -> float | None:
    """Fraction of an image's pixels that hold data (alpha > 0), None when it has no alpha or
    transparency (every pixel is data; only the header is read then). A TIFF over
    VALID_FRACTION_MAX_SIDE pixels a side is counted on a decimated read of its alpha band
    (_alpha_fraction_decimated; a sample of every n-th pixel each way). Raises InputError."""
    path = Path(path)
    with _open_pil(path) as im:
        if not _has_alpha(im):
            return None
        if path.suffix.lower() in RASTER_SUFFIXES and max(im.size) > VALID_FRACTION_MAX_SIDE:
            fraction = _alpha_fraction_decimated(path)
            if fraction is not None:
                return fraction
        try:
            libtiff_messages.last_error()
            return alpha_fraction(im)
        except (OSError, SyntaxError, ValueError) as exc:
            raise InputError(path, _decode_problem(exc, libtiff_messages.last_error())) from None


def alpha_fraction(im: Image.Image) -> float | None:
    """Fraction (0..1) of a decoded image's pixels that hold data (alpha > 0); None when the image
    has no alpha or transparency (every pixel is data). The count both valid_fraction (a folder's
    tile files, at load) and feature extraction (a package's tiles, decoded there) judge a tile by
    (sources.registry.holds_data). Decodes `im` if it is not yet."""
    if not _has_alpha(im):
        return None
    alpha = np.asarray(im.getchannel("A") if im.mode in ("RGBA", "LA") else im.convert("RGBA").getchannel("A"))
    return float((alpha > 0).mean())


def _read_pil(path: Path, window: PixelWindow | None, min_side: int | None = None,
              keep_alpha: bool = False) -> Image.Image:
    libtiff_messages.last_error()  # forget a line of an earlier file read in this thread
    with _open_pil(path) as im:
        try:
            width, height = im.size
            if window is None:
                request = _draft_request(width, height, min_side)
                if request is not None:
                    # JPEG decodes at 1/2, 1/4, 1/8 scale for almost nothing: a 4000 px drone photo
                    # only needs a few hundred pixels for the backbone. (draft() is called once:
                    # a second call would measure from the already reduced size.)
                    im.draft("RGB", request)
                if im.size[0] * im.size[1] > DECODE_BUDGET_PIXELS:
                    raise _over_budget(path, width, height, " even at 1/8 scale" if im.format == "JPEG" else "")
            elif width * height > DECODE_BUDGET_PIXELS:
                raise _over_budget(path, width, height, " (this format decodes whole to cut a window)")
            if window is not None:
                _check_window(path, window, *im.size)
                im = im.crop((window.col, window.row, window.col + window.width, window.row + window.height))
            else:
                im.load()
                im = ImageOps.exif_transpose(im)  # drone/phone photos may be stored rotated
            if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                return Image.fromarray(to_rgb_uint8(np.asarray(im)), "RGB")
            return _flatten_alpha(im, keep_alpha)
        except InputError:
            raise
        except (OSError, SyntaxError, ValueError, TypeError, IndexError, EOFError, struct.error) as exc:
            # truncated / corrupt pixel data; Pillow's decoders raise TypeError, IndexError or
            # struct.error on some malformed TIFF directories (found by the nightly fuzz run)
            raise InputError(path, _decode_problem(exc, libtiff_messages.last_error())) from None


def _gdal_reason(exc: BaseException) -> str:
    """The first error in rasterio's chain: its RasterioIOError only says "Read failed. See
    previous exception for details"; GDAL's own error (its __cause__) names the file and problem."""
    while exc.__cause__ is not None and exc.__cause__ is not exc:
        exc = exc.__cause__
    return _one_line(exc)


def open_image(path: Path, window: PixelWindow | None = None, *, min_side: int | None = None,
               keep_alpha: bool = False) -> Image.Image:
    """Decode `path` (or only `window` of it) into an RGB PIL image.

    Transparent pixels (alpha 0) take the mean colour of the opaque ones (_flatten_alpha);
    `keep_alpha` (the map's basemap) returns an image decoded by Pillow (PNG, WebP, GIF ...) that
    has any pixel below alpha 255 as RGBA, its alpha as the file says it. Rasters read through
    rasterio stay RGB (their no data: sources.tile_image.tile_valid_mask).

    `min_side` lets JPEGs decode at a reduced scale whose sides stay at least that long; a
    georeferenced raster read whole is read reduced to at least max(min_side, TILE_WORK_SIDE) on
    its shorter side (whole_raster_scale; its grid: whole_read_transform); a paletted one takes
    the nearest index of each reduced pixel, then its colour table.

    TIFFs, VRTs and JPEG 2000 files go through rasterio when it is installed: it reads just the
    window's blocks of a big orthophoto and copes with 16-bit/float/multi-band data that PIL cannot
    convert. Raises InputError naming the file and the problem.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    rio = _rasterio() if path.suffix.lower() in RASTER_SUFFIXES else None
    if rio is not None:
        try:
            return _read_rasterio(rio, path, window, min_side)
        except InputError:
            raise
        except Exception as exc:  # noqa: BLE001 - rasterio could not read it; PIL names the problem
            if path.suffix.lower() in GDAL_RASTER_SUFFIXES:
                # PIL cannot say why a VRT failed: GDAL's first error does (a source file it
                # names that is missing or unreadable, "missing.tif: No such file or directory")
                raise InputError(path, f"cannot read its pixels ({_gdal_reason(exc)})") from None
    if window is None and path.suffix.lower() in RAW_SUFFIXES:
        missing = _missing_package(path)
        if missing is not None:
            raise missing
        return _read_raw(path, min_side)
    return _read_pil(path, window, min_side, keep_alpha)


def thumbnail(path: Path, size: int, window: PixelWindow | None = None) -> Image.Image:
    """The image fitted into size x size pixels. JPEGs decode at a reduced scale (a 4000 px photo
    at 1/8 for a 192 px thumbnail) instead of in full. Raises like open_image."""
    image = open_image(path, window, min_side=size)
    image.thumbnail((size, size))
    return image


def read_exif_gps(path: Path) -> LatLon | None:
    """The photo's recorded position when it passed the checks (EXIF GPS, then maker XMP), or
    None. Kept for callers of the old name; core.media.metadata.read_photo_meta says more."""
    from .media.metadata import read_photo_meta

    return read_photo_meta(Path(path)).position
