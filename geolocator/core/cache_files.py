"""The cache folder's small files beside the feature stores: what they hold, and removing old ones.

Under the feature cache folder (cache.default_cache_root) three kinds of file sit beside `stores/`:

- features: one `??/*.f32` file per image and view (cache.FeatureCache: photos' features, and
  tiles' before a store holds them);
- keypoints: `keypoints/??/*.npz`, a tile's local features for verification
  (matchers/keypoint_cache.KeypointCache; SIFT on the demo: ~0.27 MB a tile);
- verification results: `pairs/*.json`, each photo's checks kept to resume a locate
  (pair_store.PairStore, which keeps itself under 64 MiB).

`geolocator cache` listed only the stores: on a new user's cache of 37 MB it said "0 feature
stores, 0 MB" after `--prune 0`, with 33 MB of keypoints left that nothing listed or removed
(training/results/newuser32_session32.md). Nothing here is needed: a file removed while a run reads
it is a cache miss and is computed again, so pruning never breaks a run; it costs time.

"Used" is the file's modification time, stamped when a run writes it or reads it back
(`stamp_used`; PairStore stamps its own), as the frame cache does (media/frame_prune.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .store_prune import unused_cutoff

# A temporary file of a write in flight (cache.FeatureCache ".tmp-*.part", outputs.write_atomic
# ".NAME.*.tmp", PairStore ".pairs-*.tmp") is left alone until this old: another run may be writing it.
STALE_TMP_S = 600


@dataclass(frozen=True)
class CacheFiles:
    """One kind of cached file: `kind` (words for a reader), `folder`, how many files and their bytes."""

    kind: str
    folder: Path
    files: int
    bytes: int


def _two_hex(name: str) -> bool:
    return len(name) == 2 and all(c in "0123456789abcdef" for c in name)


def _walk(root: Path, kind: str):
    """(path, bytes, mtime) of each file of `kind` under the cache folder `root`."""
    if kind == "features":
        folders = [p for p in _subdirs(root) if _two_hex(p.name)]
        suffix = ".f32"
    elif kind == "keypoints":
        folders = [p for p in _subdirs(root / "keypoints") if _two_hex(p.name)]
        suffix = ".npz"
    else:  # verification results
        folders = [root / "pairs"] if (root / "pairs").is_dir() else []
        suffix = ".json"
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if not (entry.name.endswith(suffix) or entry.name.startswith(".")):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:  # removed meanwhile
                continue
            if entry.is_file(follow_symlinks=False):
                yield Path(entry.path), st.st_size, st.st_mtime


def _subdirs(folder: Path) -> list[Path]:
    try:
        return [Path(e.path) for e in os.scandir(folder) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []


KINDS = (
    ("features", "photo and tile features (a file per image)", ""),
    ("keypoints", "tile keypoints for verification", "keypoints"),
    ("pairs", "verification results kept to resume a locate", "pairs"),
)


def list_cache_files(root: Path) -> list[CacheFiles]:
    """What each kind of file holds under the cache folder `root` (kinds with no file left out),
    in KINDS' order. Temporary files of writes count too: they take the disk."""
    out = []
    for key, words, sub in KINDS:
        n = total = 0
        for _, size, _ in _walk(Path(root), key):
            n += 1
            total += size
        if n:
            out.append(CacheFiles(words, Path(root) / sub if sub else Path(root), n, total))
    return out


def _old(root: Path, days: float, now: float | None, restamp_ahead: bool = False):
    """(kind's words, folder, path, bytes) of each file `prune_cache_files` would remove now;
    `restamp_ahead` (the prune): a file dated in the future (store_prune.dated_ahead) is stamped now."""
    from .store_prune import dated_ahead, restamp

    now, cutoff = unused_cutoff(days, now)
    tmp_cutoff = min(cutoff, now - STALE_TMP_S)
    for key, words, sub in KINDS:
        for path, size, mtime in _walk(Path(root), key):
            if restamp_ahead and dated_ahead(mtime, now):  # the clock ran ahead: it ages from now
                restamp(path)
                continue
            if mtime <= (tmp_cutoff if path.name.startswith(".") else cutoff):
                yield words, Path(root) / sub if sub else Path(root), path, size


def old_cache_files(root: Path, days: float, now: float | None = None) -> tuple[int, int]:
    """What prune_cache_files(root, days, now) would remove now, without removing anything: (files,
    bytes). For the app's Free Disk Space… confirmation. Raises ValueError for negative days."""
    old = list(_old(root, days, now))
    return len(old), sum(size for *_, size in old)


def prune_cache_files(root: Path, days: float, now: float | None = None) -> list[CacheFiles]:
    """Remove the files of each kind under `root` last used (modified: written or stamped by
    `stamp_used`) `days` days or more (days >= 0) before `now` (seconds since the epoch; default the
    clock); a temporary file younger than STALE_TMP_S is another run's write and is kept. A two-letter
    folder (`ab/`, `keypoints/ab/`) the prune emptied is removed (os.rmdir: only while empty). Returns
    what was removed, per kind (kinds with none left out); a file that cannot be removed is left.
    Raises ValueError for negative days (store_prune.unused_cutoff)."""
    removed: dict[tuple[str, Path], list[int]] = {}
    emptied: set[Path] = set()
    for words, folder, path, size in list(_old(root, days, now, restamp_ahead=True)):
        try:
            path.unlink()
        except OSError:
            continue
        if _two_hex(path.parent.name):
            emptied.add(path.parent)
        n_bytes = removed.setdefault((words, folder), [0, 0])
        n_bytes[0] += 1
        n_bytes[1] += size
    for folder in sorted(emptied):
        # the rule: only a two-letter folder this prune removed a file from, and only while empty:
        # os.rmdir refuses a folder holding anything (a write in flight's temporary file too), in one
        # step; a writer that finds its folder gone between making it and writing makes it again
        # (outputs.mkstemp_in). Never `keypoints/`, `pairs/` or the cache folder itself.
        try:
            os.rmdir(folder)
        except OSError:
            pass
    return [CacheFiles(words, folder, n, b) for (words, folder), (n, b) in removed.items()]


def stamp_used(path: Path) -> None:
    """Mark a cached file read back as used now (its mtime), so that `prune_cache_files` (and
    media/frame_prune.py, whose `touch` this is) keeps it. A file gone, or a folder that cannot be
    written (only read), is left as it is."""
    try:
        os.utime(path)
    except OSError:
        pass
