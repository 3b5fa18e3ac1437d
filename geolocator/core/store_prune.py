"""Feature stores left on disk: list them, and remove the ones not used for a while.

A tile set that gained or lost a tile is a new store (store.store_dir: its fingerprint changed);
the new one copies what it can from the old (FeatureStore.adopt), and the old one stays under
`<cache>/stores/` for as long as nobody deletes it. `geolocator cache` lists the stores with their
size and when each was last opened; `geolocator cache --prune DAYS` removes those not opened for
DAYS days.

A store is never removed while it is in use: every FeatureStore holds a shared lock on its folder's
LOCK file for as long as it lives (mark_in_use), and pruning takes that lock exclusively, without
waiting, before it deletes anything; a store whose lock it cannot take is skipped and said. (Where
the system has no fcntl locks, Windows, only the last-used time protects it.) Opening a store also
stamps its USED file, which is what "last used" reads.

Each store also names what it holds (LABEL, written by Workspace.open_store): the tile set's file or
folder, its tile count and the backbone, so that a list of hashed folder names says which area is which.

The north-up copies of rotated, flipped or GCP-placed rasters (worldfile.northup_cache_dir) are
listed and pruned alike (list_northup_copies, prune_northup_copies; below).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

try:  # POSIX advisory locks; absent on Windows
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LOCK = "in-use.lock"
USED = "last-used"
LABEL = "tile-set.json"  # what the store holds, for `geolocator cache` (store folders are named by hashes)
DAY_S = 86_400.0


@dataclass(frozen=True)
class StoreInfo:
    path: Path  # the store's folder
    bytes: int  # every file under it (features, manifest, search indexes)
    last_used: float  # seconds since the epoch: its USED stamp, else its newest file's mtime
    in_use: bool  # another FeatureStore holds it open now (its lock cannot be taken)
    label: str | None = None  # what it holds ("tile set /data/area.tif, 961 tiles, dinov2_vitb14"), if known


def mark_in_use(root: Path):
    """Stamp `root` (a store folder) as used now and hold a shared lock on it for as long as the
    returned file object lives (None where it cannot: a read-only cache, no fcntl). Never raises."""
    try:
        (root / USED).touch()
    except OSError:
        pass
    if fcntl is None:
        return None
    # None while it is being pruned this very moment: go on without (the store is made anew if removed)
    return _locked(root, fcntl.LOCK_SH)


def _exclusive(root: Path):
    """The store's lock taken exclusively, without waiting: the open file, or None when another
    process (or this one) holds the store. True where there are no locks to take."""
    if fcntl is None:
        return True
    return _locked(root, fcntl.LOCK_EX)


def _locked(root: Path, kind: int):
    """The store's lock file opened and locked (`kind`: fcntl.LOCK_SH or LOCK_EX) without waiting:
    the open file, or None where it cannot be opened or another holder prevents the lock."""
    try:
        handle = open(root / LOCK, "a+b")
    except OSError:
        return None
    try:
        fcntl.flock(handle, kind | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    return handle


def _release(handle) -> None:
    if handle is not None and handle is not True:
        handle.close()


def _info(root: Path) -> StoreInfo:
    size, newest = 0, 0.0
    for dirpath, _, names in os.walk(root):
        for name in names:
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            size += st.st_size
            if name != LOCK:  # made by looking (_exclusive) as much as by using: no sign of use
                newest = max(newest, st.st_mtime)
    try:
        used = (root / USED).stat().st_mtime
    except OSError:  # a store from before the stamp: its newest file says when it was last written
        used = newest
    lock = _exclusive(root)
    _release(lock)
    return StoreInfo(root, size, used, lock is None, store_label(root))


def write_store_label(root: Path, tile_set: Path | str, tiles: int, backbone: str) -> None:
    """Write what the store at `root` holds (LABEL: JSON {"tile_set", "tiles", "backbone"}), atomically and
    only when it changed (a copy of the tile set elsewhere has the same store: the last path opened is
    named). The path is written as core.names.readable shows it. Never raises: a read-only cache lists
    the store without it."""
    from .names import readable  # a name that is not UTF-8 (Latin-1 "M\xe4rz") as the exports write it

    from .outputs import OutputError, write_text

    data = {"tile_set": readable(str(tile_set)), "tiles": int(tiles), "backbone": str(backbone)}
    path = Path(root) / LABEL
    try:
        if path.is_file() and json.loads(path.read_text(encoding="utf-8")) == data:
            return
    except (OSError, ValueError):
        pass
    try:
        write_text(path, json.dumps(data, ensure_ascii=False))
    except (OutputError, ValueError):  # ValueError: text the file system cannot hold
        pass


def store_label(root: Path) -> str | None:
    """"tile set <file or folder>, <N> tiles, <backbone>" from the store's LABEL; None without one (a store
    from before session 31) or when it cannot be read."""
    try:
        data = json.loads((Path(root) / LABEL).read_text(encoding="utf-8"))
        return f"tile set {data['tile_set']}, {int(data['tiles'])} tiles, {data['backbone']}"
    except (OSError, ValueError, KeyError, TypeError):
        return None


def list_stores(cache_root: Path) -> list[StoreInfo]:
    """Every store folder under `cache_root`/stores, least recently used first ([] without any)."""
    stores = Path(cache_root) / "stores"
    if not stores.is_dir():
        return []
    return sorted((_info(p) for p in stores.iterdir() if p.is_dir()), key=lambda s: (s.last_used, s.path.name))


# A last use dated more than this after now was stamped while the clock ran ahead (a flat clock battery
# set it to 2036, then it was corrected): when it really was cannot be known (faults37). Such an entry was
# never old enough for --prune until the clock caught up, years later; now a prune stamps it as used now
# (restamp), keeps it this time, and it ages from then. Up to this much ahead is two clocks a little apart.
CLOCK_SKEW_S = 3600.0


def dated_ahead(when: float, now: float) -> bool:
    """Whether a last use `when` (Unix seconds) lies more than CLOCK_SKEW_S after `now`."""
    return when - now > CLOCK_SKEW_S


def restamp(path: Path) -> None:
    """Set `path`'s modification time to now (made empty when missing), so an entry dated in the
    future ages from now. Never raises: a read-only cache keeps its dates."""
    try:
        Path(path).touch()
        os.utime(path)
    except OSError:
        pass


def unused_cutoff(days: float, now: float | None) -> tuple[float, float]:
    """(now, the time before which an entry counts as unused for `days` days), seconds since the
    epoch; `now` defaults to the clock. Raises ValueError for negative days."""
    if days < 0:
        raise ValueError(f"days must be 0 or more, got {days}")
    now = time.time() if now is None else now
    return now, now - days * DAY_S


def prune_stores(cache_root: Path, days: float, now: float | None = None) -> tuple[list[StoreInfo], list[StoreInfo]]:
    """Remove the stores under `cache_root`/stores last used `days` days or more (days >= 0) before
    `now` (seconds since the epoch; default the clock) and not in use. Returns (removed, kept in
    use: old enough but held open, so kept). Raises ValueError for negative days."""
    now, cutoff = unused_cutoff(days, now)
    removed, busy = [], []
    for info in list_stores(cache_root):
        if dated_ahead(info.last_used, now):  # the clock ran ahead when it was used: it ages from now
            restamp(info.path / USED)
            continue
        if info.last_used > cutoff:
            continue
        lock = _exclusive(info.path)
        if lock is None:
            busy.append(info)
            continue
        try:
            shutil.rmtree(info.path)
        except OSError:
            busy.append(info)
            continue
        finally:
            _release(lock)
        removed.append(info)
    return removed, busy


# --- North-up copies (northup.north_up_copy, worldfile.resample_north_up) --------------------------
#
# A rotated, flipped or GCP-placed raster is read from a north-up copy in the north-up cache
# (worldfile.northup_cache_dir), which can be as large as the source. Its "last used" is a sidecar
# `<copy>.used` whose mtime is stamped each time a run reuses (or makes) the copy: not the copy's own
# mtime, which is part of the file identity that keys the copy's rows in the feature stores
# (cache.file_identity) and must not change; not its atime, which Linux mounts with relatime/noatime
# and Windows (NTFS "last access" updates often off) do not keep. An empty file's mtime is kept
# alike on Linux, Windows and macOS.
#
# The folder as a whole is held: a process that makes or reuses a copy holds a shared lock on the
# folder's LOCK file (mark_in_use) for the rest of its life, and pruning takes it exclusively without
# waiting, as for a store; while any geolocator that used a copy runs, no copy is removed. A copy
# being written is a `<copy>.<pid>.tmp`; it is removed only once older than pair_store.STALE_TMP_S
# (and the DAYS asked), where no lock protects it (Windows) or its writer was killed.

COPY_USED = ".used"  # the sidecar's suffix, after the copy's own name
_HELD: dict[str, object] = {}  # north-up folder -> this process's shared lock on it (kept for life)


def _copy_stamp(copy: Path) -> Path:
    return copy.with_name(copy.name + COPY_USED)


def mark_copy_used(copy: Path) -> None:
    """Stamp the north-up copy `copy` (its path, made or about to be) as used now (its `.used`
    sidecar) and hold a shared lock on its folder for the rest of this process, so that pruning
    leaves the folder's copies alone while it runs. Makes nothing where the folder is missing (a
    copy that fails leaves no folder behind): call it again once the folder is made. Never raises:
    a read-only cache is used unstamped, without lock."""
    folder = Path(copy).parent
    try:
        _copy_stamp(Path(copy)).touch()
    except OSError:
        pass
    key = str(folder.resolve())
    if _HELD.get(key) is None:
        held = mark_in_use(folder) if folder.is_dir() else None
        if held is not None:  # else tried again at the next use (no folder yet, no fcntl)
            _HELD[key] = held


def list_northup_copies(folder: Path) -> list[StoreInfo]:
    """The north-up copies (`*.tif`) and copies being written (`*.tmp`) in `folder`, least recently
    used first ([] without the folder). last_used: the later of the copy's `.used` stamp and its
    own mtime (a copy from before the stamp: when it was written), seconds since the epoch;
    in_use: a running geolocator holds the folder (its lock cannot be taken)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = []
    for p in folder.iterdir():
        if p.suffix not in (".tif", ".tmp") or not p.is_file():
            continue
        try:
            st = p.stat()
        except OSError:  # removed meanwhile (a .tmp renamed to its copy)
            continue
        try:
            stamp = _copy_stamp(p).stat().st_mtime
        except OSError:
            stamp = None
        if stamp is not None and dated_ahead(st.st_mtime, time.time()) and not dated_ahead(stamp, time.time()):
            used = stamp  # the copy was written while the clock ran ahead (it keys the copy's features: never
            # touched); its stamp, set again by a use or a prune since (restamp), says when it was used
        else:
            used = st.st_mtime if stamp is None else max(st.st_mtime, stamp)
        found.append((p, st.st_size, used))
    if not found:
        return []
    lock = _exclusive(folder)
    _release(lock)
    return sorted((StoreInfo(p, size, used, lock is None) for p, size, used in found),
                  key=lambda s: (s.last_used, s.path.name))


def prune_northup_copies(folder: Path, days: float, now: float | None = None) -> tuple[list[StoreInfo], list[StoreInfo]]:
    """Remove the north-up copies in `folder` last used `days` days or more (days >= 0) before `now`
    (seconds since the epoch; default the clock), with their `.used` stamps, unless a running
    geolocator holds the folder. A copy being written (`.tmp`) goes only when also older than
    pair_store.STALE_TMP_S. Stamps left without their copy go too. Returns (removed, kept in use:
    old enough but held, or not removable). Raises ValueError for negative days."""
    from .pair_store import STALE_TMP_S

    now, cutoff = unused_cutoff(days, now)
    copies = list_northup_copies(folder)
    for c in copies:  # dated in the future (the clock ran ahead): stamped as used now, it ages from today
        if c.path.suffix == ".tif" and dated_ahead(c.last_used, now):
            restamp(_copy_stamp(c.path))
    old = [c for c in copies if not dated_ahead(c.last_used, now)
           and c.last_used <= (min(cutoff, now - STALE_TMP_S) if c.path.suffix == ".tmp" else cutoff)]
    strays = [p for p in Path(folder).glob(f"*{COPY_USED}")
              if not p.with_name(p.name[: -len(COPY_USED)]).exists()] if Path(folder).is_dir() else []
    if not old and not strays:
        return [], []
    lock = _exclusive(Path(folder))
    if lock is None:
        return [], old
    removed, busy = [], []
    try:
        for info in old:
            try:
                info.path.unlink()
            except FileNotFoundError:  # renamed to its copy, or removed, meanwhile
                continue
            except OSError:
                busy.append(info)
                continue
            try:
                _copy_stamp(info.path).unlink(missing_ok=True)
            except OSError:  # a stray stamp, removed by a later prune
                pass
            removed.append(info)
        for stamp in strays:
            try:
                if stamp.stat().st_mtime <= cutoff:
                    stamp.unlink()
            except OSError:
                pass
    finally:
        _release(lock)
    return removed, busy


# --- Checkpoints of interrupted adaptations (core/adapt/resume.py) -------------------------------
#
# `<cache>/adapt-resume/<key>.safetensors` (+ its `.json` card): the training state of an adaptation
# killed, closed or cancelled, rewritten at the end of each round while it runs and removed when it
# finishes. Its mtime is its last use. resume.tidy already keeps the newest few; these let `geolocator
# cache` show them and --prune remove old ones (a run now adapting rewrites its own within a round,
# and one removed under it only loses its resume point).

ADAPT_RESUME = "adapt-resume"  # the folder under the cache (Workspace.adapt's resume_dir)


def checkpoint_card(checkpoint: Path) -> Path:
    """The readable card written beside an adaptation checkpoint: `<key>.safetensors.json`."""
    return checkpoint.with_name(checkpoint.name + ".json")


def list_adapt_checkpoints(cache_root: Path) -> list[StoreInfo]:
    """The adaptation checkpoints under `cache_root`/adapt-resume, least recently used first ([]
    without any): path the .safetensors file, bytes with its card, last_used its mtime, in_use False."""
    folder = Path(cache_root) / ADAPT_RESUME
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.safetensors"):
        try:
            st = path.stat()
        except OSError:
            continue
        try:
            card = checkpoint_card(path).stat().st_size
        except OSError:
            card = 0
        found.append(StoreInfo(path, st.st_size + card, st.st_mtime, False))
    return sorted(found, key=lambda s: (s.last_used, s.path.name))


def _old_adapt_checkpoints(cache_root: Path, days: float, now: float | None,
                           restamp_ahead: bool = False) -> list[StoreInfo]:
    now, cutoff = unused_cutoff(days, now)
    infos = list_adapt_checkpoints(cache_root)
    if restamp_ahead:  # (a prune, not its preview) one dated in the future ages from now
        for info in infos:
            if dated_ahead(info.last_used, now):
                restamp(info.path)
    return [info for info in infos if info.last_used <= cutoff]


def prune_adapt_checkpoints(cache_root: Path, days: float,
                            now: float | None = None) -> tuple[list[StoreInfo], list[StoreInfo]]:
    """Remove the adaptation checkpoints (and their cards) last written `days` days or more (days >= 0)
    before `now`. Returns (removed, kept: could not be removed). Raises ValueError for negative days."""
    removed, kept = [], []
    for info in _old_adapt_checkpoints(cache_root, days, now, restamp_ahead=True):
        try:
            info.path.unlink(missing_ok=True)
            checkpoint_card(info.path).unlink(missing_ok=True)
        except OSError:
            kept.append(info)
            continue
        removed.append(info)
    return removed, kept


def prune_preview(cache_root: Path, northup_folder: Path, days: float,
                  now: float | None = None) -> tuple[list[StoreInfo], list[StoreInfo], list[StoreInfo]]:
    """What prune_stores(cache_root, days), prune_northup_copies(northup_folder, days) and
    prune_adapt_checkpoints(cache_root, days) would remove now, without removing anything: (feature
    stores, north-up copies, adaptation checkpoints) last used `days` days or more (days >= 0) before
    `now` (seconds since the epoch; default the clock) and not in use. For a confirmation that says
    how much will be freed (the app's Free Disk Space…); a store or a copy taken into use between this
    and the prune is kept then. Raises ValueError for negative days."""
    from .pair_store import STALE_TMP_S

    now, cutoff = unused_cutoff(days, now)
    stores = [s for s in list_stores(cache_root) if s.last_used <= cutoff and not s.in_use]
    copies = [c for c in list_northup_copies(northup_folder) if not c.in_use
              and c.last_used <= (min(cutoff, now - STALE_TMP_S) if c.path.suffix == ".tmp" else cutoff)]
    return stores, copies, _old_adapt_checkpoints(cache_root, days, now)
