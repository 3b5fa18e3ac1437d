"""The video frame cache on disk (media/video.py): how much it holds, and removing old frames.

Each sampled frame is kept as a JPEG of 1024 px (FRAME_MAX_SIDE) so that it is decoded once; an
hour of video at one frame a second is 3,600 files, ~0.25-0.5 MB each: close to 2 GB that nothing
removed before session 29. `geolocator cache` now says what the folder holds and
`geolocator cache --prune DAYS` removes frames not used for DAYS days; the app's File → Free Disk
Space… counts them first (old_frames) and removes them the same way (session 30). "Used" is the file's
modification time: video.open_frame stamps it on every read. A frame removed while a run reads it
is decoded again (open_frame falls back to the video), so pruning never breaks a run, it costs time.
"""

from __future__ import annotations

from pathlib import Path

# `touch`: a cached frame reused is stamped as used now (its modification time), as every cached file is
from ..cache_files import stamp_used as touch  # noqa: F401 - video.py's name for it
from ..store_prune import unused_cutoff

TMP_PREFIX = ".tmp-"  # video._store writes a frame under this name, then renames it into place


def _frames(folder: Path):
    """(path, bytes, mtime) of each cached frame (`??/*.jpg`, frames being written included: they
    take the disk too)."""
    folder = Path(folder)
    if not folder.is_dir():
        return
    for sub in folder.iterdir():
        if not sub.is_dir() or len(sub.name) != 2:
            continue
        for p in sub.iterdir():
            if not (p.suffix == ".jpg" and p.is_file()):
                continue
            try:
                st = p.stat()
            except OSError:  # removed meanwhile
                continue
            yield p, st.st_size, st.st_mtime


def frame_cache_size(folder: Path) -> tuple[int, int]:
    """(frames, bytes) held in the frame cache `folder` ((0, 0) without it)."""
    n = total = 0
    for _, size, _ in _frames(folder):
        n += 1
        total += size
    return n, total


def _old(folder: Path, days: float, now: float | None, restamp_ahead: bool = False) -> list[tuple[Path, int]]:
    """(path, bytes) of each cached frame in `folder` last used (modified) `days` days or more
    before `now`: the stores' and copies' rule (store_prune.unused_cutoff). `restamp_ahead` (the prune):
    a frame dated in the future (store_prune.dated_ahead: the clock ran ahead) is stamped now and kept."""
    from ..pair_store import STALE_TMP_S
    from ..store_prune import dated_ahead, restamp

    now, cutoff = unused_cutoff(days, now)
    frames = list(_frames(folder))
    if restamp_ahead:
        for p, _, mtime in frames:
            if dated_ahead(mtime, now):
                restamp(p)
        frames = [(p, size, mtime) for p, size, mtime in frames if not dated_ahead(mtime, now)]
    # a frame being written (video._store's ".tmp-*.jpg", renamed when whole) is another run's write in
    # flight until STALE_TMP_S old, as the north-up copies' (store_prune.prune_northup_copies)
    tmp_cutoff = min(cutoff, now - STALE_TMP_S)
    return [(p, size) for p, size, mtime in frames
            if mtime <= (tmp_cutoff if p.name.startswith(TMP_PREFIX) else cutoff)]


def old_frames(folder: Path, days: float, now: float | None = None) -> tuple[int, int]:
    """What prune_frames(folder, days, now) would remove now, without removing anything: (frames,
    bytes) last used `days` days or more (days >= 0) before `now` (seconds since the epoch; default the
    clock). For a confirmation that says how much will be freed (the app's Free Disk Space…); a frame
    read between this and the prune is kept then. Raises ValueError for negative days."""
    old = _old(folder, days, now)
    return len(old), sum(size for _, size in old)


def prune_frames(folder: Path, days: float, now: float | None = None) -> tuple[int, int]:
    """Remove the cached frames in `folder` last used (modified) `days` days or more (days >= 0) before
    `now` (seconds since the epoch; default the clock), and the sub-folders left empty. Returns
    (frames removed, bytes freed). A frame still being written (a ".tmp-" file) is left until it is
    STALE_TMP_S (pair_store.py) old, whatever `days`. Raises ValueError for negative days."""
    n = freed = 0
    for p, size in _old(folder, days, now, restamp_ahead=True):
        try:
            p.unlink()
        except OSError:
            continue
        n += 1
        freed += size
    for sub in Path(folder).iterdir() if Path(folder).is_dir() else ():
        if sub.is_dir() and len(sub.name) == 2:
            try:
                sub.rmdir()  # only when empty
            except OSError:
                pass
    return n, freed


