"""A feature store written before a tile package's empty tiles were left out, mended in place.

Since session 34 a package tile more than half transparent (sources.registry.holds_data: a county's
orthophoto clipped to its boundary) is not run through the model at extraction: its store row is
zeros, and a zero row is how a later run knows the tile is empty (extract._zero_rows) without
decoding it again. A store written before that holds the model's features of those tiles; reused as
they are, the tiles were searched (a flat fill of no data, a candidate for a photo of open water or
snow) until the store was deleted.

Such a store is told by what it lacks: JUDGED, the mark that each package tile in it was judged by
the rule, with the rule's threshold (registry.MIN_VALID_FRACTION), so a store judged at another
threshold is judged again. It is mended once, on the next index run: each package tile whose row is
not zero is decoded (the model is not run) and judged; the rows of the empty ones are overwritten
with zeros (FeatureStore.clear_rows), the mark is written and one line (INFO, logger `geolocator`)
says what was done. The rows of the tiles that hold data are kept: nothing is computed again. A new
store gets the mark when it is first indexed (its rows are judged as they are extracted).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

from .progress import CancelToken, ProgressCallback, ProgressEvent, check, emit

log = logging.getLogger("geolocator")
JUDGED = "empty-tiles.json"  # in the store folder: {"min_valid_fraction": 0.5}


def _threshold() -> float:
    from .sources.registry import MIN_VALID_FRACTION

    return float(MIN_VALID_FRACTION)


def judged(root: Path | str) -> bool:
    """Whether the store folder `root` carries the mark that its package tiles were judged by the
    current rule (JUDGED, at registry.MIN_VALID_FRACTION). False when it is missing or unreadable."""
    try:
        found = json.loads((Path(root) / JUDGED).read_text())
        return float(found["min_valid_fraction"]) == _threshold()
    except (OSError, ValueError, KeyError, TypeError):
        return False


def mark_judged(root: Path | str) -> None:
    """Write the JUDGED mark into `root`, atomically (a temporary file renamed). Raises OSError
    when the folder cannot be written."""
    root = Path(root)
    fd, tmp = tempfile.mkstemp(dir=root, prefix="empty-tiles.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            json.dump({"min_valid_fraction": _threshold()}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, root / JUDGED)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def tile_is_empty(tile) -> bool | None:
    """Whether a package tile (Tile.ref) holds no data by registry.holds_data (alpha > 0 in under
    MIN_VALID_FRACTION of its pixels), decoded from its package; None when it cannot be decoded
    (left as it is: extraction reports such a tile when it computes it)."""
    from .errors import GeolocatorError
    from .images import alpha_fraction
    from .sources.registry import holds_data
    from .sources.tile_image import open_tile_image

    try:
        image = open_tile_image(tile, keep_alpha=True)
    except (OSError, ValueError, GeolocatorError):
        return None
    return not holds_data(alpha_fraction(image))


def _nonzero(store, rows: np.ndarray, block: int = 65536) -> np.ndarray:
    """(len(rows),) bool: whether each store row holds any non-zero value. Reads in blocks."""
    features = store.array()
    out = np.zeros(len(rows), bool)
    for s in range(0, len(rows), block):
        part = rows[s : s + block]
        out[s : s + block] = np.asarray(features[part]).reshape(len(part), -1).any(axis=1)
    return out


def mend(items: Sequence, rows: np.ndarray, store, *, workers: int = 2, progress: ProgressCallback | None = None,
         cancel: CancelToken | None = None, stage: str = "extract:tiles", source=None) -> set[int]:
    """Mend `store` (store.FeatureStore) when it lacks the JUDGED mark: the indices into `items`
    of package tiles (Tile.ref) whose stored row (`rows`: (N,) int64, -1 where not stored) held
    features but whose pixels hold no data; their rows are now zeros. Returns them (empty when the
    store was judged already, or nothing was found). A store that cannot be written keeps its rows
    and gets no mark (a warning; the tiles found are still returned, so this run leaves them out,
    and the next run judges again). `source`: what the log line names (default: the first such tile's package file).
    Raises Cancelled (progress.check) when `cancel` is set; the store is then left unmarked."""
    if judged(store.root):
        return set()
    ids = np.array([i for i, it in enumerate(items) if getattr(it, "ref", None) is not None and rows[i] >= 0],
                   np.int64)
    todo = ids[_nonzero(store, rows[ids])] if len(ids) else ids
    found: set[int] = set()
    if len(todo):
        emit(progress, ProgressEvent(stage, 0, len(todo), f"checking {len(todo)} stored tiles for no data"))
        step = 1024
        with ThreadPoolExecutor(max_workers=max(1, int(workers)), thread_name_prefix="geolocator-mend") as pool:
            for s in range(0, len(todo), step):
                part = todo[s : s + step]
                verdicts = pool.map(tile_is_empty, [items[i] for i in part])
                found.update(int(i) for i, empty in zip(part, verdicts) if empty)
                emit(progress, ProgressEvent(stage, min(len(todo), s + step), len(todo),
                                             f"checked {min(len(todo), s + step)}/{len(todo)} stored tiles for no data"))
                check(cancel)
    try:
        if found:
            store.clear_rows(rows[sorted(found)])
        mark_judged(store.root)
    except OSError as exc:
        log.warning("%s: the features of %d tiles with no data could not be cleared (%s); they are left out of "
                    "this run and checked again next time", store.root, len(found), exc)
        return found
    if len(todo):
        log.info("%s: a feature store written before empty package tiles were left out: %d of %d stored "
                 "tiles of %s hold no data (more than half transparent); their features were cleared, the "
                 "other %d kept (nothing computed again)", store.root, len(found), len(todo),
                 source if source is not None else items[int(todo[0])].path, len(todo) - len(found))
    return found
