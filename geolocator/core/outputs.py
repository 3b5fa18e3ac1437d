"""Writing the user's outputs safely: check a destination before heavy work, write atomically with
the permissions the user's umask gives (0644 usually, not mkstemp's 0600), neutralise spreadsheet
formulas in CSV text cells, and turn every OS failure into one sentence naming the user's path
(never the temporary file it was written through).

CSV neutralisation follows the OWASP "CSV Injection" guidance: a text cell that starts with
= + - @ (or a tab or carriage return) is prefixed with a single quote so spreadsheets show it as text.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import GeolocatorError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class OutputError(GeolocatorError, OSError):
    """An output could not be written; names the user's path and says why in words. Also an
    OSError, so callers that already caught OSError for a failed write still do."""

    def __init__(self, path: Path | str, problem: str):
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def describe_os_error(exc: OSError) -> str:
    """An OSError as a short phrase a user can act on (errno names per POSIX)."""
    words = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EACCES: "permission denied (the folder cannot be written)",
        errno.EPERM: "permission denied (the folder cannot be written)",
        errno.EROFS: "the file system is read-only",
        errno.ENOTDIR: "a part of the path is a file, not a folder",
        errno.EISDIR: "it is a folder, not a file",
        errno.ENAMETOOLONG: "the name is too long",
        errno.ENOENT: "the folder does not exist",
        errno.EFBIG: "the file would pass the size limit for files (the disk's format or `ulimit -f`)",
    }
    return words.get(exc.errno, exc.strerror or type(exc).__name__)


# SQLite's primary result codes (https://www.sqlite.org/rescode.html) that a file fault gives, in words;
# sqlite3.Error.sqlite_errorcode (Python 3.11) carries the extended code, whose low byte is the primary one.
SQLITE_WORDS = {
    3: "permission denied",  # SQLITE_PERM
    8: "the file or its folder is read-only",  # SQLITE_READONLY
    10: "an input/output error (the disk or card may be failing or was removed)",  # SQLITE_IOERR
    13: "the disk is full",  # SQLITE_FULL
    14: "it cannot be opened (its folder may be missing or not writable)",  # SQLITE_CANTOPEN
}


def describe_sqlite_error(exc: BaseException) -> str:
    """An sqlite3.Error (MBTiles, GeoPackage) as the short phrase describe_os_error gives for an OSError;
    SQLite's own text ("database or disk is full") for a code not in SQLITE_WORDS."""
    code = getattr(exc, "sqlite_errorcode", None)
    return SQLITE_WORDS.get(code & 0xFF, str(exc)) if isinstance(code, int) else str(exc)


FULL_BYTES = 1 << 20  # free space under which a failed write that gave no errno is taken as a full disk


def described_write_failure(exc: BaseException, folder: Path | str) -> str:
    """A failed write in words, for libraries whose error carries no errno (GDAL through rasterio says
    "Write failed. See previous exception for details." on a full disk): describe_os_error when `exc`
    has an errno; "the disk is full" when the file system of `folder` has less than FULL_BYTES
    available (os.statvfs f_bavail); else the library's own text. Call it before removing the
    partial file, whose blocks are part of what filled the disk."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return describe_os_error(exc)
    try:
        st = os.statvfs(folder)
        if st.f_bavail * st.f_frsize < FULL_BYTES:
            return "the disk is full"
    except (AttributeError, OSError):  # no statvfs (Windows) or no folder: the library's words
        pass
    return str(exc) or type(exc).__name__


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux /proc)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    old = os.umask(0o022)  # elsewhere: the usual set-and-restore
    os.umask(old)
    return old


# File systems the kernel shows as folders but that hold no user files (Linux fstype names, as
# /proc/self/mounts gives them): an output there fails, whatever os.access says.
SYSTEM_FILE_SYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "cgroup", "cgroup2", "debugfs", "tracefs", "securityfs", "pstore",
    "bpf", "configfs", "fusectl", "mqueue", "binfmt_misc", "efivarfs", "selinuxfs", "rpc_pipefs",
    "nsfs", "hugetlbfs",
})


def system_file_system(folder: Path | str) -> str | None:
    """The fstype of `folder`'s mount when it is one of SYSTEM_FILE_SYSTEMS (e.g. "proc" for /proc),
    else None. The mount table comes from psutil (all mounts, longest mount point that holds
    `folder`; of two on the same point the later, which is on top, e.g. NFS over its autofs trigger);
    None when it cannot be read."""
    try:
        import psutil

        mounts = psutil.disk_partitions(all=True)
        folder = os.path.realpath(folder)
    except Exception:  # noqa: BLE001 - no mount table (an unusual OS): no verdict, the write will say
        return None
    best = None
    for m in mounts:
        point = m.mountpoint.rstrip(os.sep) or os.sep
        if folder == point or folder.startswith(point if point.endswith(os.sep) else point + os.sep):
            if best is None or len(point) >= len(best[0]):  # equal: the later mount is on top
                best = (point, m.fstype)
    return best[1] if best is not None and best[1] in SYSTEM_FILE_SYSTEMS else None


def check_writable(path: Path | str, *, what: str = "output") -> Path:
    """Raise OutputError unless `path` looks creatable: `path` is not a folder, its nearest existing
    ancestor is a folder on a regular file system (not /proc, /sys, /dev...), that file system is
    not mounted read-only, and os.access grants write and search there. Creates nothing and
    touches nothing in the user's folder (no probe file: it would change the folder's mtime, wake
    sync tools and leave debris on a crash). os.access cannot see everything (root, network file
    systems, quotas), so write_atomic still reports a real failure as one sentence.

    Call before heavy work, so a bad destination fails in well under a second. A path that cannot even
    be looked at (a name over the file system's limit, a folder on the way that may not be searched, a
    failing disk) is an OutputError too: before faults36 the OSError of Path.is_dir escaped, past the
    callers that catch OutputError (the app's --screenshot, the cache folder's check)."""
    path = Path(path).expanduser()
    try:
        return _check_writable(path, what)
    except OutputError:
        raise
    except OSError as exc:
        raise OutputError(path, _unlookable(path, exc)) from None


def _unlookable(path: Path, exc: OSError) -> str:
    """Why `path` cannot be looked at, in words; for a name too long, which part and its limit in bytes
    (os.pathconf PC_NAME_MAX of the nearest folder that can be asked; 255 on ext4, XFS, FAT32 and NTFS)."""
    if exc.errno == errno.ENAMETOOLONG:
        limit = 255
        for folder in path.parents:
            try:
                limit = os.pathconf(folder, "PC_NAME_MAX")
                break
            except (OSError, ValueError, AttributeError):
                continue
        long = [part for part in path.parts if len(os.fsencode(part)) > limit]
        if long:
            return (f"the name is too long: {long[0][:40]}… has {len(os.fsencode(long[0])):,} bytes, more than the "
                    f"{limit} a file or folder name may have there")
    return describe_os_error(exc)


def special_file(path: Path | str) -> str | None:
    """What `path` is when it exists (links followed) and is neither a regular file nor a folder: "a
    pipe", "a socket", "a device (a terminal, a disk…)"; None otherwise. os.replace onto such a name
    replaces the device or pipe itself with a file (as root, even /dev/stdout where /dev is a plain
    tmpfs, as in containers: found in faults36), so outputs refuse it (stat.S_IS* per POSIX)."""
    import stat

    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device (a terminal, a disk…)"


def _special_problem(kind: str) -> str:
    return f"it is {kind}, not a file: outputs are written whole into a file; give a file name"


def _check_writable(path: Path, what: str) -> Path:
    if path.is_dir():
        raise OutputError(path, f"the {what} path is a folder; give a file name")
    kind = special_file(path)
    if kind is not None:
        raise OutputError(path, _special_problem(kind))
    ancestor = path.parent
    while not ancestor.exists():
        if ancestor.parent == ancestor:
            break
        ancestor = ancestor.parent
    if ancestor.exists() and not ancestor.is_dir():
        raise OutputError(path, f"{ancestor} is a file, not a folder")
    fstype = system_file_system(ancestor)
    if fstype is not None:
        raise OutputError(path, f"cannot write there: {ancestor} is the operating system's {fstype} file system, "
                          "not a regular file system; choose a folder on a disk")
    try:
        read_only = bool(os.statvfs(ancestor).f_flag & os.ST_RDONLY)
    except (AttributeError, OSError):  # no statvfs (Windows): the write will say
        read_only = False
    if read_only:
        raise OutputError(path, f"cannot write there: the file system of {ancestor} is read-only")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise OutputError(path, f"cannot write there: permission denied ({ancestor} cannot be written)")
    return path


def mkstemp_in(folder: Path, prefix: str, suffix: str) -> tuple[int, str]:
    """tempfile.mkstemp in `folder`, made first (parents too); made again once when it went between the
    two (`geolocator cache --prune` removes an emptied two-letter cache folder: cache_files.py).
    Raises OSError as mkstemp does."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)
    except FileNotFoundError:
        folder.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(dir=folder, prefix=prefix, suffix=suffix)


def write_atomic(path: Path | str, write: Callable[[str], None]) -> Path:
    """Create `path` atomically: `write(tmp)` fills a temporary file in the same folder, which is
    given the umask's permissions and renamed into place (os.replace, atomic on POSIX and Windows).
    On failure the temporary file is removed, any previous `path` is untouched, and OutputError
    names `path`. A pipe or device at `path` (special_file) is refused before anything is written."""
    path = Path(path)
    kind = special_file(path)
    if kind is not None:  # os.replace would put a file where the pipe or device was
        raise OutputError(path, _special_problem(kind))
    tmp = None
    try:
        fd, tmp = mkstemp_in(path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
        write(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, FileExistsError) or exc.errno == errno.EEXIST:
            raise OutputError(path, "a part of the path is a file, not a folder") from None
        if exc.errno == errno.ENOENT and path.parent.is_dir():  # the folder is there: it refuses new files
            raise OutputError(path, "could not write: the folder does not accept new files") from None
        raise OutputError(path, f"could not write: {describe_os_error(exc)}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path | str, text: str) -> Path:
    """write_atomic for text (UTF-8, newlines as given)."""

    def fill(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    return write_atomic(path, fill)


def write_bytes(path: Path | str, data: bytes) -> Path:
    def fill(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)

    return write_atomic(path, fill)


def csv_safe(value):
    """A CSV cell a spreadsheet will not evaluate: text starting with = + - @ tab or CR gets a
    leading single quote (OWASP). Numbers are left alone (-12.5 is a longitude, not a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def usable_cache_dir(path: Path | str | None) -> tuple[Path | None, str | None]:
    """(`path`, None) when a feature cache can be written there; otherwise (None, a warning) so the
    caller runs without a persistent cache instead of failing. None means the default folder."""
    if path is None:
        from .cache import default_cache_root

        path = default_cache_root()
    path = Path(path).expanduser()
    try:
        check_writable(path / "probe", what="cache")
    except OutputError as exc:
        return None, f"the feature cache {path} cannot be used ({exc.problem}); running without a cache (features are recomputed every time)"
    return path, None
