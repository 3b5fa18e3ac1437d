"""Tile keypoints of a learned backend, kept on disk: one .npz per (tile file, extraction signature).

A learned backend describes a tile in 0.1-0.3 s on a CPU, and one tile set is verified against
again and again (every locate, adaptation's anchors, every session): its keypoints are computed
once and read back afterwards, as core/cache.py does for global features. The key is the tile's
file identity (cache.file_identity: resolved path, size, mtime, pixel window, package entry) and
the backend's extraction signature (name, keypoint budget, package version, working size), so an
edited or replaced tile, or another backend setting, is described anew.

Crash safety: a file is written whole under a temporary name and renamed into place
(outputs.write_atomic); a file that is absent, truncated, damaged (zip CRC), of another layout or
holding non-finite values is a miss and is recomputed. npz is read with allow_pickle=False:
nothing in a cache file is ever executed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from pathlib import Path

import numpy as np

from ..names import text_bytes

_LAYOUT = 1  # bump when what a file holds changes


class KeypointCache:
    """Keypoints + descriptors (rerank.LocalFeatures without views) under `root`."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.write_error: str | None = None  # set when a write failed: read-only from then on

    def path(self, signature: str, identity: str) -> Path:
        """The file of one tile (identity: cache.file_identity) under one extraction signature."""
        digest = hashlib.sha256(text_bytes(f"{_LAYOUT}\n{signature}\n{identity}")).hexdigest()
        return self.root / digest[:2] / f"{digest[2:34]}.npz"

    def get(self, signature: str, identity: str):
        """The stored LocalFeatures, or None when absent or unreadable in any way."""
        from ..rerank import LocalFeatures

        try:
            with np.load(self.path(signature, identity), allow_pickle=False) as data:
                points = data["points"]
                descriptors = data["descriptors"]
                size = data["size"]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError):
            # NotImplementedError, RuntimeError: a damaged zip header read as another compression method,
            # zip version or encryption flag (zipfile raises these, not BadZipFile; propfuzz36)
            return None
        if (points.dtype != np.float32 or descriptors.dtype != np.float32 or points.ndim != 2 or points.shape[1:] != (2,)
                or descriptors.ndim != 2 or len(descriptors) != len(points) or size.shape != (2,)
                or not (np.isfinite(points).all() and np.isfinite(descriptors).all())):
            return None
        from ..cache_files import stamp_used

        stamp_used(self.path(signature, identity))  # read back: `geolocator cache --prune` keeps it
        return LocalFeatures(points, descriptors, (int(size[0]), int(size[1])))

    def put(self, signature: str, identity: str, features) -> None:
        """Store one tile's features. A folder that cannot be written is not an error: it warns
        once and the work goes on without the cache."""
        if self.write_error is not None:
            return
        from ..outputs import OutputError, write_atomic

        buffer = io.BytesIO()
        np.savez(buffer, points=np.ascontiguousarray(features.points, np.float32),
                 descriptors=np.ascontiguousarray(features.descriptors, np.float32),
                 size=np.asarray(features.size, np.int64))

        def fill(tmp: str) -> None:
            with open(tmp, "wb") as f:
                f.write(buffer.getvalue())

        try:
            write_atomic(self.path(signature, identity), fill)
        except OutputError as exc:
            self.write_error = f"the keypoint cache {self.root} cannot be written ({exc}); going on without it"
            logging.getLogger("geolocator").warning("%s", self.write_error)
