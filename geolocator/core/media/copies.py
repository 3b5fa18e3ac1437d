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


_SOS = 0xDA  # start of scan: no header segment follows it


def _marked_by_geolocator(path: Path) -> bool:
    """Whether the JPEG `path` carries the GPSProcessingMethod that `locate --geotag-copies` writes, in
    an EXIF APP1 segment before the first scan (where geotag_copies.splice_exif puts it). Walks the
    header's segments, reading only the EXIF ones (at most 64 KiB each) and seeking over the rest: a
    photo's listing reads this for every JPEG whose name another shares (5 cards: every one), and a
    fixed 128 KiB start of each was 1.3 GB read for 10,000 photos (perf36_session36.md)."""
    from .metadata import GEOLOCATOR_GPS_METHOD

    method = GEOLOCATOR_GPS_METHOD.encode("ascii")
    try:
        with open(path, "rb") as fh:
            if fh.read(2) != b"\xff\xd8":
                return False
            while True:
                head = fh.read(4)
                if len(head) < 4 or head[0] != 0xFF or head[1] == _SOS:
                    return False
                length = int.from_bytes(head[2:4], "big")
                if length < 2:
                    return False
                if head[1] == 0xE1:  # APP1: EXIF (or XMP)
                    body = fh.read(length - 2)
                    if body[:6] == b"Exif\x00\x00" and method in body:
                        return True
                else:
                    fh.seek(length - 2, os.SEEK_CUR)
    except OSError:
        return False


def _without_exif(path: Path) -> bytes | None:
    """The JPEG's bytes less its EXIF APP1 segment(s); None when it cannot be read or walked."""
    from ..geotag_copies import _is_exif, _segments

    try:
        segments, rest = _segments(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    return b"".join(s for s in segments if not _is_exif(s)) + rest


def geotagged_copies(paths: Sequence[Path]) -> dict[Path, Path]:
    """{copy: its original} for each JPEG of `paths` that `locate --geotag-copies` wrote from another
    file of `paths`: it carries geolocator's GPSProcessingMethod (metadata.GEOLOCATOR_GPS_METHOD), has the
    original's file name (case ignored: the copies keep it, core/geotag_copies.py), and equals it byte for
    byte once each one's EXIF segment is left out (only that segment is rewritten in a copy). Such a copy
    kept in the photos' folder was located a second time on the next run, so every photo was in the
    exports twice (session 36, newuser36_session36.md). Reads nothing of a JPEG whose name no other file
    of `paths` has, the start of the others, and whole files only for a marked copy and its namesakes.
    A copy whose original is not among `paths` is not in the result (it is a photo to locate)."""
    by_name: dict[str, list[Path]] = {}
    for p in paths:
        p = p if isinstance(p, Path) else Path(p)  # Path(a Path) costs a parse each: 10,000 photos listed
        if p.suffix.lower() in (".jpg", ".jpeg"):
            by_name.setdefault(p.name.lower(), []).append(p)
    found: dict[Path, Path] = {}
    for same_name in by_name.values():
        if len(same_name) < 2:  # a copy keeps its original's name: a name given once has no original here
            continue
        marked = [p for p in same_name if _marked_by_geolocator(p)]
        originals = [p for p in same_name if p not in marked]
        for copy in marked:
            body = _without_exif(copy)
            original = next((o for o in originals if body is not None and _without_exif(o) == body), None)
            if original is not None:
                found[copy] = original
    return found
