"""Feature store: the tile features of one tile set and one backbone as ONE memory-mapped array.

Millions of tiles do not fit one small file each (inode and open() costs, 4 KiB blocks for 2.5 KiB
of data); they fit one array that the OS pages in on demand. A store folder holds

  meta.json     what the rows are: backbone signature, views, dim, dtype (written once, atomically)
  features.bin  rows of (views, dim) values, little-endian, appended in the order they were indexed
  manifest.log  one JSON line per appended batch: {"start": row, "keys": [file keys ...], "crc": n}

Crash safety (the write order is the protocol): a batch's rows are written to features.bin and
fsync'ed, and only then its manifest line is appended and fsync'ed. On open, the manifest is read up
to its first line that is torn, malformed or not contiguous (that line and everything after it is
cut off), and features.bin is truncated to the rows the manifest commits. A crash at any point
therefore loses at most the batch being written; indexing resumes from the committed rows.

Several writers (two CLI runs, the app and the CLI, on one cache): each batch is written while
holding an exclusive lock on `write.lock` (filelock: flock on POSIX, LockFileEx on Windows); under
it the writer first reads what the others committed meanwhile (their keys are not written twice),
then cuts off an uncommitted tail (only a crashed writer leaves one: a live one holds the lock), then
appends. A write that fails (a full disk, a file size limit, a cache on a read-only mount) is not an
error: the rows of that batch and later ones stay in memory for this run (`write_error` says why,
warned once), and the next run computes them again.
A key is the file identity (cache.file_identity: resolved path, size, mtime, pixel window), so an
edited or replaced tile gets a new row, and the stale row is simply never looked up again.

float16 by default: features are L2-normalised (|x| <= 1), float16 keeps ~3 significant digits,
and measured on the benchmark regions it changes no R@k or AP (training/results/
rotation_layouts.md); it halves the store and the memory a search index needs.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from .errors import GeolocatorError
from .names import text_bytes

log = logging.getLogger("geolocator")
WRITE_LOCK = "write.lock"
LOCK_WAIT_S = 600.0  # another writer holds a batch at most this long (a chunk's fsync'ed write)

_VERSION = 1
DTYPES = {"float16": "<f2", "float32": "<f4"}


class StoreError(GeolocatorError):
    """A store folder that belongs to other features (another backbone, views or dim)."""


def store_key(identity: str) -> str:
    """The manifest key of a file identity (cache.file_identity): 128 bits of SHA-256, hex."""
    return hashlib.sha256(text_bytes(identity)).hexdigest()[:32]


def store_dir(root: Path, tileset_fingerprint: str, signature: str, views: Sequence[str], dtype: str) -> Path:
    """The folder of the store for one tile set (TileSet.fingerprint()) and one backbone signature."""
    h = hashlib.sha256(f"{signature}\n{','.join(views)}\n{dtype}".encode()).hexdigest()[:16]
    return Path(root) / f"{tileset_fingerprint}-{h}"


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; rename is durable there already
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _committed(manifest_path: Path, data_rows: int) -> tuple[dict[str, int], int, int]:
    """(key -> row, rows committed, bytes of the manifest that commit them) of a store's manifest,
    read up to its first line that is torn, malformed, not contiguous or past `data_rows` (the rows
    features.bin holds). Reads only: another process may be appending to that store right now."""
    rows_of: dict[str, int] = {}
    rows = good_bytes = 0
    if not manifest_path.exists():
        return rows_of, 0, 0
    with open(manifest_path, "rb") as f:
        for line in f:
            if not line.endswith(b"\n"):
                break  # torn last line: the batch was not committed
            try:
                rec = json.loads(line)
                start, keys, crc = int(rec["start"]), list(rec["keys"]), int(rec["crc"])
            except (ValueError, KeyError, TypeError):
                break
            if start != rows or start + len(keys) > data_rows:
                break
            if zlib.crc32("\n".join(keys).encode()) != crc:
                break
            for i, key in enumerate(keys):
                rows_of[key] = start + i
            rows = start + len(keys)
            good_bytes += len(line)
    return rows_of, rows, good_bytes


def _write_rows(f, block: np.ndarray, end: int) -> None:
    """Append `block` (rows, ...) to f (opened "ab", `end` bytes long), its runs of all-zero rows (a
    tile package's empty tiles: extract.EMPTY) not written but the file extended over them
    (os.ftruncate): where the file system keeps sparse files (ext4, XFS, APFS, tmpfs) such a run
    takes no disk blocks; it reads back as zeros everywhere."""
    if not len(block):
        return
    rows = block.reshape(len(block), -1)
    zero = ~rows.any(axis=1)
    row_bytes = rows.shape[1] * rows.itemsize
    edges = (np.flatnonzero(np.diff(zero.astype(np.int8))) + 1).tolist()  # where a run of rows alike ends
    for a, b in zip([0, *edges], [*edges, len(rows)]):
        if zero[a]:
            f.flush()
            os.ftruncate(f.fileno(), end + (b - a) * row_bytes)  # a hole; the next write appends after it
        else:
            f.write(rows[a:b].tobytes())
        end += (b - a) * row_bytes


class FeatureStore:
    """Append-only (rows, views, dim) array + manifest of file keys -> rows. One writer at a time
    (the caller's job: one index run per tile set); any number of readers of committed rows."""

    def __init__(self, root: Path | str, *, signature: str, views: Sequence[str], dim: int,
                 dtype: str = "float16") -> None:
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {sorted(DTYPES)}, got {dtype!r}")
        self.root = Path(root)
        self.signature, self.views, self.dim, self.dtype = signature, tuple(views), int(dim), dtype
        self._np_dtype = np.dtype(DTYPES[dtype])
        self.row_bytes = len(self.views) * self.dim * self._np_dtype.itemsize
        self.write_error: str | None = None
        # a store that cannot be created (a full disk, a cache folder that refuses new files) is not an
        # error either (faults36: it stopped a locate with "No space left on device", no file named): the
        # store then lives in memory for this run, as after a failed append
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._cannot_write(exc)
        from .store_prune import mark_in_use

        # "last used" for `geolocator cache`, and a shared lock held while this object lives, so
        # `geolocator cache --prune` never removes a store in use (store_prune.py)
        self._in_use = mark_in_use(self.root)
        if self.write_error is None:
            try:
                self._meta()
            except StoreError:
                raise
            except OSError as exc:
                self._cannot_write(exc)
        self._rows: dict[str, int] = {}
        self.n_rows = 0
        self.disk_rows = 0  # rows committed to features.bin; rows beyond it are held in memory
        self._memory: list[np.ndarray] = []  # blocks appended after a write failed (write_error)
        self._manifest_bytes = 0
        self._lock = FileLock(str(self.root / WRITE_LOCK), timeout=LOCK_WAIT_S)
        self._recover()
        self._mm: np.ndarray | None = None

    # -- files ---------------------------------------------------------------------------------
    @property
    def data_path(self) -> Path:
        return self.root / "features.bin"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.log"

    def _description(self) -> dict:
        return {"version": _VERSION, "signature": self.signature, "views": list(self.views), "dim": self.dim,
                "dtype": self.dtype}

    def _meta(self) -> None:
        meta = self._description()
        path = self.root / "meta.json"
        if path.exists():
            try:
                found = json.loads(path.read_text())
            except (OSError, ValueError) as e:
                raise StoreError(f"{path}: unreadable store description ({e}); delete the folder to rebuild it") from e
            if found != meta:
                raise StoreError(f"{path}: this store holds other features ({found}), expected {meta}")
            return
        # a temporary name of its own: two runs creating the store at once each rename their own
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix="meta.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(meta, f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(self.root)

    def _read_committed(self) -> int:
        """Take in what the manifest commits (this and other writers' batches); returns the bytes of
        the manifest that commit them. Reads only."""
        data_rows = self.data_path.stat().st_size // self.row_bytes if self.data_path.exists() else 0
        self._rows, self.n_rows, good_bytes = _committed(self.manifest_path, data_rows)
        self.disk_rows = self.n_rows
        self._manifest_bytes = good_bytes
        return good_bytes

    def _changed(self) -> bool:
        """True when the files on disk differ from what this object last read or wrote (another
        writer committed, or a tail is torn): two stats, so a lone writer never re-reads."""
        manifest = self.manifest_path.stat().st_size if self.manifest_path.exists() else 0
        data = self.data_path.stat().st_size if self.data_path.exists() else 0
        return manifest != self._manifest_bytes or data != self.disk_rows * self.row_bytes

    def _torn(self, good_bytes: int) -> bool:
        """True when the files hold more than the manifest commits (a batch being written or one
        that a crashed writer left)."""
        manifest = self.manifest_path.stat().st_size if self.manifest_path.exists() else 0
        data = self.data_path.stat().st_size if self.data_path.exists() else 0
        return manifest != good_bytes or data != self.n_rows * self.row_bytes

    @contextmanager
    def _writing(self):
        """The store's write lock held (waits for another writer's batch, at most LOCK_WAIT_S).
        Raises OSError when the lock file cannot be made (a read-only cache folder)."""
        try:
            with self._lock:
                yield
        except Timeout as e:
            raise StoreError(f"{self.root}: another geolocator kept this feature store locked for over "
                             f"{LOCK_WAIT_S:.0f} s ({self.root / WRITE_LOCK}); try again when it is done") from e

    def _recover(self) -> None:
        """Read the committed manifest; cut off a torn tail and rows no manifest line commits, under
        the write lock (a tail that another live writer is committing is left to it)."""
        if not self._torn(self._read_committed()):
            return
        try:
            with self._writing():
                self._cut_torn_tail()
        except OSError as exc:  # a read-only cache: the committed rows are still readable
            log.debug("%s: torn tail left as is (%s)", self.root, exc)

    def _cut_torn_tail(self) -> None:
        """With the write lock held: re-read the manifest and truncate both files to what it commits."""
        good_bytes = self._read_committed()
        rows = self.n_rows
        if self.manifest_path.exists() and good_bytes != self.manifest_path.stat().st_size:
            with open(self.manifest_path, "r+b") as f:
                f.truncate(good_bytes)
                f.flush()
                os.fsync(f.fileno())
        self.n_rows = rows
        if self.data_path.exists() and self.data_path.stat().st_size != rows * self.row_bytes:
            with open(self.data_path, "r+b") as f:
                f.truncate(rows * self.row_bytes)
                f.flush()
                os.fsync(f.fileno())

    def _cannot_write(self, exc: OSError) -> None:
        """Set `write_error` from `exc` (warned once): from now on new rows are held in memory."""
        from .outputs import describe_os_error

        self.write_error = (f"the feature store {self.root} cannot be written ({describe_os_error(exc)}); "
                            "the tile features of this run are kept in memory and computed again next time")
        log.warning("%s", self.write_error)

    # -- reading -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self.n_rows

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def lookup(self, keys: Iterable[str]) -> np.ndarray:
        """(K,) int64 row of each key, -1 where it is not stored."""
        get = self._rows.get
        return np.fromiter((get(k, -1) for k in keys), dtype=np.int64)

    def array(self) -> np.ndarray:
        """Every committed row, (rows, views, dim), memory-mapped read-only (no copy in memory);
        after a write failure (write_error) a copy of the rows on disk and those held in memory."""
        if self.n_rows == 0:
            return np.zeros((0, len(self.views), self.dim), self._np_dtype)
        if self._mm is None or len(self._mm) != self.n_rows:
            disk = (np.memmap(self.data_path, dtype=self._np_dtype, mode="r",
                              shape=(self.disk_rows, len(self.views), self.dim)) if self.disk_rows else None)
            if not self._memory:
                self._mm = disk
            else:
                self._mm = np.concatenate(([disk] if disk is not None else []) + self._memory)
        return self._mm

    def gather(self, rows: np.ndarray, dtype=np.float32) -> np.ndarray:
        """(len(rows), views, dim) copy of the given rows in `dtype`; rows of -1 give zeros."""
        rows = np.asarray(rows, np.int64)
        out = np.zeros((len(rows), len(self.views), self.dim), dtype)
        ok = rows >= 0
        if ok.any():
            mm = self.array()
            idx = np.flatnonzero(ok)
            order = np.argsort(rows[idx], kind="stable")  # read the file front to back
            for s in range(0, len(order), 65536):
                part = idx[order[s : s + 65536]]
                out[part] = mm[rows[part]]
        return out

    # -- writing -------------------------------------------------------------------------------
    def _new(self, keys: Sequence[str]) -> list[int]:
        """Indices into `keys` of the keys not stored yet, each key once."""
        rows = self.lookup(keys)
        seen: dict[str, int] = {}
        return [i for i, r in enumerate(rows) if r < 0 and seen.setdefault(keys[i], i) == i]

    def append(self, keys: Sequence[str], features: np.ndarray) -> np.ndarray:
        """Append rows (len(keys), views, dim) under their keys, durably; returns their row numbers.
        Keys already stored, by this or another writer, are skipped (their existing rows are
        returned). Waits for another writer's batch (see the module docstring); raises StoreError
        when one holds the lock over LOCK_WAIT_S. A failed write (OSError) keeps the batch in memory
        and sets `write_error` (a warning, once) instead of raising."""
        feats = np.asarray(features).reshape(len(keys), len(self.views), self.dim)
        if not self._new(keys):
            return self.lookup(keys)
        if self.write_error is None:
            try:
                with self._writing():
                    if self._changed() and self._torn(self._read_committed()):  # others' batches; a crash's tail
                        self._cut_torn_tail()
                    self._mm = None
                    new = self._new(keys)
                    if new:
                        self._write(keys, new, np.ascontiguousarray(feats[new], dtype=self._np_dtype))
                return self.lookup(keys)
            except OSError as exc:
                self._cannot_write(exc)
        new = self._new(keys)
        if new:
            self._memory.append(np.ascontiguousarray(feats[new], dtype=self._np_dtype))
            for j, i in enumerate(new):
                self._rows[keys[i]] = self.n_rows + j
            self.n_rows += len(new)
            self._mm = None
        return self.lookup(keys)

    def _write(self, keys: Sequence[str], new: list[int], block: np.ndarray) -> None:
        """With the write lock held and the files cut to what the manifest commits: the rows, then
        the manifest line that commits them (the write order is the protocol). On an OSError the
        files are cut back to the committed rows (when that still can be done) and it is re-raised."""
        start = self.n_rows
        good_manifest = self.manifest_path.stat().st_size if self.manifest_path.exists() else 0
        try:
            self._append_files(keys, new, block, start)
        except OSError:
            try:
                for path, size in ((self.manifest_path, good_manifest), (self.data_path, start * self.row_bytes)):
                    if path.exists() and path.stat().st_size > size:
                        os.truncate(path, size)
            except OSError:
                pass  # the next writer (or run) cuts an uncommitted tail off under the lock
            raise
        except BaseException:
            # Ctrl-C (or another stop) mid-write: the manifest line may be on disk already (stopped
            # in its fsync or after it), so take in what the manifest commits: this object then
            # answers as a reopen would (propfuzz36: it said 0 rows while the file committed the
            # batch). An uncommitted tail is cut by the next write, under the lock.
            try:
                self._read_committed()
            except OSError:
                pass
            raise

    def _append_files(self, keys: Sequence[str], new: list[int], block: np.ndarray, start: int) -> None:
        with open(self.data_path, "ab") as f:  # 1. the rows ...
            if f.tell() != start * self.row_bytes:
                raise StoreError(f"{self.data_path}: changed by another writer while indexing")
            _write_rows(f, block, start * self.row_bytes)
            f.flush()
            os.fsync(f.fileno())
        new_keys = [keys[i] for i in new]
        line = json.dumps({"start": start, "keys": new_keys, "crc": zlib.crc32("\n".join(new_keys).encode())})
        with open(self.manifest_path, "ab") as f:  # 2. ... then the manifest line that commits them
            f.write(line.encode() + b"\n")
            f.flush()
            os.fsync(f.fileno())
        if start == 0:
            _fsync_dir(self.root)
        for i, key in enumerate(new_keys):
            self._rows[key] = start + i
        self.n_rows = self.disk_rows = start + len(new_keys)
        self._manifest_bytes += len(line.encode()) + 1

    def clear_rows(self, rows: Iterable[int]) -> None:
        """Overwrite the given committed rows with zeros, in place and durably (store_mend: the model's
        features of a package tile later found to hold no data; a zero row is how extraction marks one,
        extract.EMPTY). Keys and the manifest are unchanged. Rows held in memory (after write_error)
        are zeroed there. Raises OSError when features.bin cannot be written (a read-only cache) and
        StoreError when another writer holds the lock over LOCK_WAIT_S."""
        rows = sorted({int(r) for r in rows})
        if any(r < 0 or r >= self.n_rows for r in rows):
            raise ValueError(f"{self.root}: rows outside 0..{self.n_rows - 1}")
        on_disk = [r for r in rows if r < self.disk_rows]
        if on_disk:
            zeros = bytes(self.row_bytes)
            with self._writing(), open(self.data_path, "r+b") as f:
                for r in on_disk:
                    f.seek(r * self.row_bytes)
                    f.write(zeros)
                f.flush()
                os.fsync(f.fileno())
        start = self.disk_rows
        for block in self._memory:
            for r in rows:
                if start <= r < start + len(block):
                    block[r - start] = 0
            start += len(block)
        self._mm = None

    def adopt(self, keys: Sequence[str], *, chunk: int = 4096, accept=None) -> int:
        """Copy in the rows that the other stores beside this one (the same parent folder: other tile
        sets' stores) hold for `keys` with the same features (an equal meta.json: backbone signature,
        views, dim, dtype), so a tile set that gained or lost a tile computes only what is new. A key
        is a file identity (path, size, mtime, window), so a row found under it is the row that
        extraction would append. Returns how many keys were copied in (ones already here count 0).
        Other stores are only read, up to their committed rows; one that cannot be read is passed
        over, and so is one whose folder `accept` (a callable, Path -> bool) refuses, when given
        (store_mend.judged: a mended store copies no row from a store not yet judged). Memory: at
        most `chunk` rows at a time."""
        want = [k for k in dict.fromkeys(keys) if k not in self._rows]
        adopted = 0
        try:
            others = sorted(p for p in self.root.parent.iterdir() if p.is_dir() and p != self.root)
        except OSError:
            return 0
        for other in others:
            if not want:
                break
            if accept is not None and not accept(other):
                continue
            try:
                if json.loads((other / "meta.json").read_text()) != self._description():
                    continue
                data_rows = (other / "features.bin").stat().st_size // self.row_bytes
                rows_of, n, _ = _committed(other / "manifest.log", data_rows)
                found = [(k, rows_of[k]) for k in want if k in rows_of]
                if not found:
                    continue
                mm = np.memmap(other / "features.bin", dtype=self._np_dtype, mode="r",
                               shape=(n, len(self.views), self.dim))
            except (OSError, ValueError):
                continue
            for s in range(0, len(found), chunk):
                part = found[s : s + chunk]
                self.append([k for k, _ in part], np.asarray(mm[[r for _, r in part]]))
            adopted += len(found)
            got = {k for k, _ in found}
            want = [k for k in want if k not in got]
        return adopted
