"""Reading images safely: listing, decoding to RGB, windows of big GeoTIFFs, EXIF GPS.

Every failure a user can cause (missing, corrupt, not an image, absurdly large) becomes an
InputError naming the file, so callers can skip it or show it instead of a traceback.
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InputError
from .model import LatLon, PixelWindow

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"})
TIFF_SUFFIXES = frozenset({".tif", ".tiff"})

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


def _rasterio():
    try:
        import rasterio
        from rasterio.errors import NotGeoreferencedWarning
    except ImportError:
        return None
    # Plain (non-geo) TIFF photos are fine to read. A process-wide filter, not catch_warnings():
    # that one swaps global state and is not safe in the decoding threads.
    warnings.filterwarnings("ignore", category=NotGeoreferencedWarning)
    return rasterio


def _too_large(path: Path) -> InputError:
    return InputError(path, f"image is too large (more than {Image.MAX_IMAGE_PIXELS:,} pixels): refusing to decode it")


def _open_pil(path: Path) -> Image.Image:
    """Open lazily (header only) with bomb and corruption errors turned into InputError."""
    try:
        im = Image.open(path)
    except Image.DecompressionBombError:
        raise _too_large(path) from None
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except UnidentifiedImageError:
        raise InputError(path, "not an image, or a format that cannot be read") from None
    except (OSError, SyntaxError, ValueError) as exc:
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
    rio = _rasterio() if path.suffix.lower() in TIFF_SUFFIXES else None
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


def to_rgb_uint8(data: np.ndarray) -> np.ndarray:
    """(bands, H, W) or (H, W) array -> (H, W, 3) uint8.

    One band becomes grey, 3+ bands keep the first three. Non-8-bit data (16-bit, float) is
    stretched between its 2nd and 98th percentiles, the usual way to view satellite imagery.
    """
    if data.ndim == 2:
        data = data[None]
    data = data[:3] if data.shape[0] >= 3 else data[:1]
    if data.dtype != np.uint8:
        values = data.astype(np.float32)
        finite = values[np.isfinite(values)]
        if finite.size:
            lo, hi = np.percentile(finite, [2, 98])
        else:
            lo, hi = 0.0, 1.0
        scale = 255.0 / (hi - lo) if hi > lo else 0.0
        values = np.nan_to_num((values - lo) * scale, nan=0.0, posinf=255.0, neginf=0.0)
        data = np.clip(values, 0, 255).astype(np.uint8)
    if data.shape[0] == 1:
        data = np.repeat(data, 3, axis=0)
    return np.ascontiguousarray(np.transpose(data, (1, 2, 0)))


def _check_window(path: Path, window: PixelWindow, width: int, height: int) -> None:
    if window.width <= 0 or window.height <= 0:
        raise InputError(path, f"empty pixel window {window}")
    if window.col < 0 or window.row < 0 or window.col + window.width > width or window.row + window.height > height:
        raise InputError(path, f"pixel window {window} lies outside the {width}x{height} image")
    if window.width * window.height > MAX_PIXELS:
        raise InputError(path, f"pixel window {window} is too large (more than {MAX_PIXELS:,} pixels)")


def _read_rasterio(rio, path: Path, window: PixelWindow | None) -> Image.Image:
    from rasterio.windows import Window

    with rio.open(path) as ds:
        if window is None:
            if ds.width * ds.height > MAX_PIXELS:
                raise InputError(path, f"image is too large (more than {MAX_PIXELS:,} pixels) to read whole")
            win = None
        else:
            _check_window(path, window, ds.width, ds.height)
            win = Window(window.col, window.row, window.width, window.height)
        bands = [1, 2, 3] if ds.count >= 3 else [1]
        data = ds.read(bands, window=win)  # only the window's blocks are decoded
    return Image.fromarray(to_rgb_uint8(data), "RGB")


def _read_pil(path: Path, window: PixelWindow | None, min_side: int | None = None) -> Image.Image:
    with _open_pil(path) as im:
        try:
            if window is None and min_side:
                # JPEG can decode at 1/2, 1/4, 1/8 scale for almost nothing: a 4000 px drone photo
                # only needs a few hundred pixels for the backbone.
                im.draft("RGB", (min_side, min_side))
            if window is not None:
                _check_window(path, window, *im.size)
                im = im.crop((window.col, window.row, window.col + window.width, window.row + window.height))
            else:
                im.load()
                im = ImageOps.exif_transpose(im)  # drone/phone photos may be stored rotated
            if im.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
                return Image.fromarray(to_rgb_uint8(np.asarray(im)), "RGB")
            return im.convert("RGB")
        except InputError:
            raise
        except (OSError, SyntaxError, ValueError) as exc:  # truncated / corrupt pixel data
            raise InputError(path, f"corrupt image data ({exc})") from None


def open_image(path: Path, window: PixelWindow | None = None, *, min_side: int | None = None) -> Image.Image:
    """Decode `path` (or only `window` of it) into an RGB PIL image.

    `min_side` lets JPEGs decode at a reduced scale whose sides stay at least that long.

    TIFFs go through rasterio when it is installed: it reads just the window's blocks of a big
    orthophoto and copes with 16-bit/float/multi-band data that PIL cannot convert.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    rio = _rasterio() if path.suffix.lower() in TIFF_SUFFIXES else None
    if rio is not None:
        try:
            return _read_rasterio(rio, path, window)
        except InputError:
            raise
        except Exception:  # noqa: BLE001 - rasterio could not read it; PIL names the problem
            pass
    return _read_pil(path, window, min_side)


def thumbnail(path: Path, size: int, window: PixelWindow | None = None) -> Image.Image:
    """The image fitted into size x size pixels. JPEGs decode at a reduced scale (a 4000 px photo
    at 1/8 for a 192 px thumbnail) instead of in full. Raises like open_image."""
    image = open_image(path, window, min_side=size)
    image.thumbnail((size, size))
    return image


def _dms_to_degrees(dms) -> float:
    parts = [float(v) for v in (dms if isinstance(dms, (tuple, list)) else (dms,))]
    parts += [0.0] * (3 - len(parts))
    return parts[0] + parts[1] / 60.0 + parts[2] / 3600.0


def _ref(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    return str(value or "").strip("\x00 ").upper()


def read_exif_gps(path: Path) -> LatLon | None:
    """GPS position from the EXIF GPS IFD, or None when absent or unusable.

    Never raises for bad metadata: EXIF is a bonus, a broken tag must not stop a run.
    """
    try:
        with _open_pil(Path(path)) as im:
            gps = im.getexif().get_ifd(GPS_IFD)
        if not gps or 2 not in gps or 4 not in gps:
            return None
        lat = _dms_to_degrees(gps[2])
        lon = _dms_to_degrees(gps[4])
        if _ref(gps.get(1)) == "S":
            lat = -lat
        if _ref(gps.get(3)) == "W":
            lon = -lon
    except Exception:  # noqa: BLE001 - any malformed tag (zero denominators, wrong types...)
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        return None
    if lat == 0.0 and lon == 0.0:  # cameras without a fix write zeros: not a real position
        return None
    return LatLon(lat, lon)
