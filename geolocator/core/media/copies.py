"""Files given twice: byte-identical copies among the photos and videos of one run.

A card copied twice (a second copy folder, a file manager's `DJI_0003 (1).JPG`) holds the same
photo under two names. Located twice, it is counted twice in every summary and export, and a
flight's track holds two frames at one time. `identical_copies` finds such files so that each is
located once, under one name, and the others are said (core/queries.py skips them with a reason).

Only byte-identical files are copies: two photos of one place, or a re-encoded copy, are not.
Files are compared by size first (os.stat), and only files of the same size are read, through a
hash of their bytes (hashlib BLAKE2b); a copy of a video is found the same way.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

_CHUNK = 1 << 20


def file_digest(path: Path) -> bytes | None:
    """BLAKE2b of the file's bytes; None when it cannot be read (its reader says why later)."""
    h = hashlib.blake2b(digest_size=32)
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                h.update(chunk)
    except OSError:
        return None
    return h.digest()


def file_size(path: Path) -> int | None:
    try:
        return os.stat(path).st_size
    except OSError:
        return None


def _preference(path: Path) -> tuple[int, int]:
    """The copy kept among identical new files: the shortest file name, then the shortest path (a
    copy's name or folder gains a suffix: `DJI_0003 (1).JPG`, `100MEDIA - Kopie`), then the order given."""
    return len(path.name), len(str(path))


def identical_copies(paths: Sequence[Path], earlier: Iterable[Path] = ()) -> dict[Path, Path]:
    """{copy: the file kept} for every file of `paths` whose bytes equal another's.

    `paths`: the files of this run, in the order given. `earlier`: files already taken (the app's
    list before this add): a new file equal to one of them is a copy of it, and an earlier file is
    never reported. Among new files alone the one kept is the shortest name, then the shortest path,
    then the first given (`_preference`). Empty files and files that cannot be read are never copies
    (their readers refuse them with their own reason). Reads only files whose size another file
    shares. Returns the copies in the order of `paths`.
    """
    earlier = [Path(p) for p in earlier]
    new = [Path(p) for p in paths]
    by_size: dict[int, list[tuple[int, int, Path]]] = {}  # size -> (0 earlier / 1 new, order, path)
    seen: set[str] = set()
    for kind, files in ((0, earlier), (1, new)):
        for i, p in enumerate(files):
            key = os.path.abspath(p)
            if key in seen:  # the same path twice is one file, not a copy
                continue
            seen.add(key)
            size = file_size(p)
            if size:
                by_size.setdefault(size, []).append((kind, i, p))
    kept_for: dict[Path, Path] = {}
    for group in by_size.values():
        if len(group) < 2 or all(kind == 0 for kind, _, _ in group):
            continue
        by_digest: dict[bytes, list[tuple[int, int, Path]]] = {}
        for item in group:
            d = file_digest(item[2])
            if d is not None:
                by_digest.setdefault(d, []).append(item)
        for same in by_digest.values():
            if len(same) < 2:
                continue
            olds = [x for x in same if x[0] == 0]
            keep = min(olds, key=lambda x: x[1]) if olds else min(same, key=lambda x: (*_preference(x[2]), x[1]))
            for item in same:
                if item is not keep and item[0] == 1:
                    kept_for[item[2]] = keep[2]
    return {p: kept_for[p] for p in new if p in kept_for}
