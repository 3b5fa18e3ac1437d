"""libtiff's error lines, taken off stderr and kept for geolocator's own message (faults37, session 37).

Pillow and GDAL (rasterio) each load a libtiff of their own. libtiff reports an error through the
handler set by TIFFSetErrorHandler, whose default prints "module: message." on stderr. GDAL routes the
errors of the TIFFs it opens through CPLError (rasterio then raises them as exceptions), but a few go
to the process-wide handler all the same (GDAL 3.10's "_tiffWriteProc: No space left on device." on a
full disk), and Pillow sets none: a damaged compressed TIFF printed "ZIPDecode: Decoding error at
scanline 0, incorrect header check." raw beside geolocator's "corrupt image data (decoder error -2)".
Neither rasterio.Env() nor GDAL's CPL_LOG option reaches them (tried: they are not CPLError calls), so
the handler itself is replaced, through ctypes, in each libtiff loaded: the line is formatted with the
C library's vsnprintf and kept per thread (`last_error`), and logged at DEBUG ("geolocator" logger,
shown with -v). Linux x86_64/aarch64 only (where a handler's va_list is passed on as a pointer and the
loaded libraries are listed in /proc/self/maps); elsewhere nothing changes.
"""

from __future__ import annotations

import atexit
import ctypes
import logging
import platform
import sys
import threading
from pathlib import Path

_local = threading.local()
_lock = threading.Lock()
_installed: set[str] = set()  # paths of the libtiff libraries whose handler is ours
_keep: list = []  # the ctypes callback and libraries, alive as long as the process
_HANDLER = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)
_scanned_at = [-1]  # len(sys.modules) at the last scan: a library comes with an import (1.4 ms a scan, per image)


def _supported() -> bool:
    return sys.platform.startswith("linux") and platform.machine() in ("x86_64", "AMD64", "aarch64", "arm64")


def _loaded_libtiffs() -> list[str]:
    """Paths of the libtiff shared libraries mapped into this process (/proc/self/maps)."""
    try:
        text = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    paths = {line.split(maxsplit=5)[-1] for line in text.splitlines() if "libtiff" in line and "/" in line}
    return sorted(p for p in paths if Path(p).name.startswith("libtiff") and ".so" in Path(p).name)


def _on_error(module, fmt, args) -> None:
    try:
        buf = ctypes.create_string_buffer(1024)
        _keep[0].vsnprintf(buf, len(buf), fmt, args)
        text = buf.value.decode("utf-8", "replace").strip()
        if module:
            text = f"{module.decode('utf-8', 'replace')}: {text}"
        _local.last = text
        logging.getLogger("geolocator").debug("libtiff: %s", text)
    except Exception:  # noqa: BLE001 - nothing may escape into C
        pass


def install() -> int:
    """Replace the error handler of every libtiff loaded so far (call after importing PIL or rasterio;
    again later does only the new ones). Returns how many libraries are handled now; 0 where not
    supported."""
    if not _supported() or len(sys.modules) == _scanned_at[0]:
        return len(_installed)
    with _lock:
        _scanned_at[0] = len(sys.modules)
        if not _keep:
            libc = ctypes.CDLL(None)
            libc.vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
            _keep.extend([libc, _HANDLER(_on_error)])
            atexit.register(_quiet_at_exit)
        for path in _loaded_libtiffs():
            if path in _installed:
                continue
            try:
                lib = ctypes.CDLL(path)  # the library already loaded: the same handle, no second copy
                lib.TIFFSetErrorHandler.restype = ctypes.c_void_p
                lib.TIFFSetErrorHandler.argtypes = [_HANDLER]
                lib.TIFFSetErrorHandler(_keep[1])
            except (OSError, AttributeError):
                continue
            _keep.append(lib)
            _installed.add(path)
        return len(_installed)


def _quiet_at_exit() -> None:
    """At exit the handlers become none (silent): a dataset GDAL closes after the interpreter is gone must
    not call back into it."""
    for lib in _keep[2:]:
        try:
            lib.TIFFSetErrorHandler(_HANDLER())  # a NULL function pointer
        except Exception:  # noqa: BLE001 - at exit, nothing more to do
            pass


def last_error(clear: bool = True) -> str | None:
    """The last libtiff error line this thread's handler took ("ZIPDecode: Decoding error at scanline
    0, incorrect header check"), None when there is none; `clear` forgets it."""
    text = getattr(_local, "last", None)
    if clear:
        _local.last = None
    return text
