"""On-disk cache of per-image feature vectors.

One small file per (backbone signature, view, file identity). A file is a fixed header
(magic, dim, dtype, checksum) followed by float32 data; anything that does not verify is a miss,
so a crash mid-write or a damaged disk only costs a recomputation. Writes go to a temporary file
in the same folder and are renamed into place (atomic on POSIX and Windows).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import struct
from pathlib import Path

import numpy as np

from .model import PixelWindow, Tile
from .names import text_bytes

_MAGIC = b"GLFC"
_VERSION = 1
_DTYPE = b"<f4 "
_HEADER = struct.Struct("<4sHI4s16s")  # magic, version, dim, dtype, blake2b-128 of the data


def default_cache_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("geolocator")) / "features"


def file_identity(path: Path, window: PixelWindow | None = None, ref: str | None = None) -> str:
    """Resolved path + size + mtime (ns) + window (+ `ref`, a tile's entry inside a tile package):
    any edit or replacement changes it. Raises OSError when the file cannot be stat'ed."""
    p = Path(path).resolve()
    st = p.stat()
    win = "" if window is None else f"{window.col},{window.row},{window.width},{window.height}"
    entry = "" if ref is None else f"#{ref}"  # empty for plain files: their keys stay as they were
    return f"{p}|{st.st_size}|{st.st_mtime_ns}|{win}{entry}"


def file_key(path: Path, window: PixelWindow | None = None, ref: str | None = None) -> str:
    """file_identity as a short name (thumbnails, verification results, adapter cards). A file
    that cannot be stat'ed is named after its path: the caller reports it when it reads it."""
    try:
        identity = file_identity(path, window, ref)
    except OSError:
        identity = f"{path}|{window}" + ("" if ref is None else f"#{ref}")
    return hashlib.sha256(text_bytes(identity)).hexdigest()[:16]


def tile_identity(tile: Tile) -> str:
    """file_identity of a tile's pixels: its file, window and tile-package entry (Tile.path,
    .window, .ref). Raises OSError when the file cannot be stat'ed."""
    return file_identity(tile.path, tile.window, tile.ref)


def tile_key(tile: Tile) -> str:
    """file_key of a tile's pixels (file, window, tile-package entry): verification results and
    keypoints are kept under it, so a file rewritten in place is matched anew."""
    return file_key(tile.path, tile.window, tile.ref)


class FeatureCache:
    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_root()
        self.write_error: str | None = None  # set when a write failed: the cache is read-only from then on

    def key(self, signature: str, view: str, identity: str) -> str:
        """signature = Backbone.signature (name, weights_id, pooling, preprocessing)."""
        return hashlib.sha256(text_bytes(f"{signature}\n{view}\n{identity}")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key[2:]}.f32"

    def get(self, key: str, dim: int) -> np.ndarray | None:
        """The stored vector, or None when absent, truncated, of the wrong shape/dtype or damaged."""
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        if len(data) != _HEADER.size + 4 * dim:
            return None
        magic, version, d, dtype, digest = _HEADER.unpack_from(data)
        body = data[_HEADER.size:]
        if magic != _MAGIC or version != _VERSION or d != dim or dtype != _DTYPE:
            return None
        if hashlib.blake2b(body, digest_size=16).digest() != digest:
            return None
        vec = np.frombuffer(body, dtype="<f4").astype(np.float32)
        if not np.isfinite(vec).all():
            return None
        from .cache_files import stamp_used

        stamp_used(self._path(key))  # read back: `geolocator cache --prune` keeps it (core/cache_files.py)
        return vec

    def put(self, key: str, vector: np.ndarray) -> None:
        """Store a vector. A cache that cannot be written (full disk, permissions) is not an error:
        it warns once and stops writing, and the work goes on without it."""
        if self.write_error is not None:
            return
        try:
            self._put(key, vector)
        except OSError as exc:
            from .outputs import describe_os_error

            self.write_error = f"the feature cache {self.root} cannot be written ({describe_os_error(exc)}); " \
                               "going on without caching"
            logging.getLogger("geolocator").warning("%s", self.write_error)

    def _put(self, key: str, vector: np.ndarray) -> None:
        vec = np.ascontiguousarray(vector, dtype="<f4").reshape(-1)
        body = vec.tobytes()
        header = _HEADER.pack(_MAGIC, _VERSION, vec.size, _DTYPE, hashlib.blake2b(body, digest_size=16).digest())
        final = self._path(key)
        from .outputs import mkstemp_in

        fd, tmp = mkstemp_in(final.parent, prefix=".tmp-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(header + body)
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    def clear(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class NoCache(FeatureCache):
    """A cache that keeps nothing: used when the cache folder cannot be written."""

    def __init__(self) -> None:
        super().__init__(Path(os.devnull))

    def get(self, key: str, dim: int) -> np.ndarray | None:
        return None

    def put(self, key: str, vector: np.ndarray) -> None:
        return None

    def clear(self) -> None:
        return None
