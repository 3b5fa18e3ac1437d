"""Geometric verification's pair evaluations kept on disk, one small JSON file per photo, so a
locate interrupted during verification (Ctrl-C, the app's Cancel) resumes where it stopped: the
same command verifies only the photos it had not reached (session 13).

rerank.Verifier keeps every pair evaluation as a function of (photo, tile, pass) only and replays a
fresh Verifier's passes over them, so an evaluation read back never changes an answer, provided
the file's key holds everything that changes an evaluation. The key (`PairStore.identity`) is:

- FORMAT, bumped whenever verification's code changes what an evaluation means;
- the Verifier's photo key: the photo's file identity (cache.file_key via query_key: resolved path,
  size, mtime ns; a frame adds its time), its footprint estimate or oblique camera, the mosaic ring;
- every VerifySettings field that can change what one pair's evaluation returns
  (VerifySettings.evaluation_key: all but rerank.PAIR_CHOICE_FIELDS, those that only choose which
  pairs are evaluated, such as the candidate count; session 14: more candidates reuse the kept pairs);
- the backend's own signature (Matcher.signature: name, keypoint budget, package version);
- with mosaics on, the tile set's identity (the file_key of every tile, in order): a mosaic's
  neighbours come from the set.
Inside the file each evaluation is stored under its tile's file_key (and a refine pass's holder
tile's), so a rewritten tile is never served stale either.

A file is written after each photo's verification, and also when the photo is interrupted after
some of its pairs (Ctrl-C, Cancel, an error: the rerun evaluates only the pairs it lacks; session
14), by temporary file + os.replace (a crash never leaves half a file), and read the first time the
photo is asked for. A damaged, foreign or
mismatching file is ignored (the photo is verified again and the file rewritten), never an error.
An unwritable folder leaves the evaluations in memory only, as before, said once in the log.
The folder keeps to a size budget (MAX_BYTES, 64 MiB): a write that exceeds it removes the least
recently used files (a file read back is touched), so files left behind by changed settings or
edited photos do not accumulate without bound (session 14); the temporary file of a write that was
killed is removed once it is older than STALE_TMP_S, when the folder is first listed (session 15).
No pickle: JSON of ints, floats and strings; homographies as nested lists with their dtype.
A file also holds the caller's note on the photo's pixels ("noted": locate's content survey of the
decode verification made), so a resumed photo, never decoded again, is surveyed as the run that
checked it surveyed it (resume37); a file without one (older) reads as None.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .names import text_bytes

log = logging.getLogger("geolocator")

# Bump when verification's code changes what a kept evaluation means (its passes, rules, scales).
FORMAT = 1
# The folder's size budget: a write that takes it above this removes the least recently used files
# (oldest modification time; a file read back is touched) down to PRUNE_TO of it. A photo's file
# is ~2.1 KB at 20 candidates (demo: 221,459 bytes for 108 photos, training/results/
# pair_store_session14.md), so 64 MiB keeps ~32,000 photos: far more than an interrupted locate
# needs, while files left by changed settings or edited photos no longer pile up without bound.
MAX_BYTES = 64 * 2**20
PRUNE_TO = 0.9
# A write holds its temporary file (".pairs-*.tmp") for one small JSON dump, milliseconds; one
# older than this was left by a write that was killed (SIGKILL, power cut: no `finally` ran) and
# is removed when the folder is first listed. Ten minutes leaves another process's write in flight
# alone even on a stalled disk.
STALE_TMP_S = 600


def _verification_out(v) -> list:
    h = v.homography
    return [int(v.inliers),
            None if v.centre is None else [float(c) for c in v.centre],
            None if h is None else [np.asarray(h).dtype.str, np.asarray(h).tolist()],
            None if v.corners is None else [[float(a), float(b)] for a, b in v.corners]]


def _verification_in(row):
    from .rerank import Verification

    inliers, centre, h, corners = row
    if not isinstance(inliers, int):
        raise ValueError("inliers")
    homography = None if h is None else np.array(h[1], dtype=np.dtype(h[0]))
    if homography is not None and homography.shape != (3, 3):
        raise ValueError("homography")
    return Verification(inliers, None if centre is None else (float(centre[0]), float(centre[1])), homography,
                        None if corners is None else tuple((float(a), float(b)) for a, b in corners))


class PairStore:
    """The per-photo files under `root` (created on first write). `identity(photo_key, context)`
    names a photo's file; load / save read and write a photo's evaluations as plain dicts keyed by
    tile file_keys (see rerank.Verifier._keep / _restore)."""

    def __init__(self, root: Path | str, max_bytes: int | None = None) -> None:
        self.root = Path(root)
        self.max_bytes = int(MAX_BYTES if max_bytes is None else max_bytes)  # see MAX_BYTES
        self.write_error: str | None = None  # set when a write failed: memory only from then on
        # the folder's files {path: (mtime ns, bytes)}, listed at the first write and then kept up
        # to date by this object's own writes, reads and removals (one writer per cache folder)
        self._files: dict[Path, tuple[int, int]] | None = None

    @staticmethod
    def identity(photo_key: tuple, context: str) -> str:
        """The full key of a photo's file: FORMAT, the Verifier's photo key and `context` (settings,
        backend signature, tile set identity; Verifier._store_context)."""
        return f"pairs v{FORMAT}\n{photo_key!r}\n{context}"

    def path(self, identity: str) -> Path:
        return self.root / f"{hashlib.sha256(text_bytes(identity)).hexdigest()[:32]}.json"

    def load(self, identity: str) -> dict | None:
        """The photo's kept evaluations: {"first": {tile: Verification}, "alike": {tile: (score,
        mosaic)}, "later": {(kind, tilt, tile, holder): Verification}, and "noted": the caller's
        note on the photo's pixels (JSON; rerank.Verifier.verify_photo's `decoded`) where one was
        kept}; None when there is no file, or it is damaged, foreign or written under another key
        (logged at debug level)."""
        path = self.path(identity)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("key") != identity:
                raise ValueError("written under another key")
            first = {str(t): _verification_in(r) for t, r in data["first"].items()}
            alike = {str(t): (int(s), bool(m)) for t, (s, m) in data["alike"].items()}
            later = {(str(k), tilt, str(t), None if h is None else str(h)): _verification_in(r)
                     for k, tilt, t, h, r in data["later"]}
            self._touch(path)
            kept = {"first": first, "alike": alike, "later": later}
            if data.get("noted") is not None:  # (none in a file written before resume37)
                kept["noted"] = data["noted"]
            return kept
        except FileNotFoundError:
            return None
        except Exception as exc:  # noqa: BLE001 - a damaged or foreign file only costs a recomputation
            log.debug("verification store %s ignored: %s: %s", path, type(exc).__name__, exc)
            return None

    def save(self, identity: str, kept: dict) -> None:
        """Write a photo's evaluations (load's layout) atomically. A failure (read-only or full
        disk) is logged once and turns writing off: evaluations then stay in memory only."""
        if self.write_error is not None:
            return
        data = {"key": identity,
                "first": {t: _verification_out(v) for t, v in kept["first"].items()},
                "alike": {t: [int(s), bool(m)] for t, (s, m) in kept["alike"].items()},
                "later": [[k, tilt, t, h, _verification_out(v)] for (k, tilt, t, h), v in kept["later"].items()]}
        if kept.get("noted") is not None:
            data["noted"] = kept["noted"]
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".pairs-", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, separators=(",", ":"))
            os.replace(tmp, self.path(identity))
            tmp = None
            self._prune(self.path(identity))
        except OSError as exc:  # in words ("the disk is full"), not Python's "OSError: [Errno 28] …" (faults36)
            from .outputs import describe_os_error

            self.write_error = describe_os_error(exc)
            log.warning("verification results are not kept on disk (%s): %s; an interrupted locate verifies "
                        "its photos again", self.root, self.write_error)
        finally:
            if tmp is not None:
                try:
                    os.unlink(tmp)
                except OSError:
                    pass

    def _touch(self, path: Path) -> None:
        """Mark a file read back as recently used (its mtime now): pruning removes it last."""
        try:
            os.utime(path)
            if self._files is not None:
                st = path.stat()
                self._files[path] = (st.st_mtime_ns, st.st_size)
        except OSError:  # a read-only folder: it is only read, and pruning never runs there
            pass

    def _remove_stale_tmp(self) -> int:
        """Remove the temporary files of killed writes: ".pairs-*.tmp" last modified more than
        STALE_TMP_S ago (younger ones may be another process's write in flight). Outside the
        budget's count, they were never removed before (session 15). Returns how many were removed;
        one that cannot be removed is left."""
        from .store_prune import dated_ahead

        now = time.time()
        cutoff = now - STALE_TMP_S
        removed = 0
        for path in self.root.glob(".pairs-*.tmp"):
            try:
                mtime = path.stat().st_mtime
                # one dated over an hour ahead was written while the clock ran ahead: a write in flight
                # would carry today's time (faults37: such a file was never removed)
                if mtime < cutoff or dated_ahead(mtime, now):
                    path.unlink()
                    removed += 1
            except OSError:  # gone meanwhile, or not ours to remove
                continue
        if removed:
            log.debug("verification store %s: %d temporary files of interrupted writes removed", self.root, removed)
        return removed

    def _prune(self, written: Path) -> None:
        """After writing `written`: when the folder's files exceed max_bytes, remove the least
        recently used (oldest mtime, never `written`) until they fit in PRUNE_TO of it. The folder
        is listed once per PairStore; a file that vanished meanwhile is skipped."""
        if self._files is None:
            self._remove_stale_tmp()
            self._files = {}
            for path in self.root.glob("*.json"):
                try:
                    st = path.stat()
                except OSError:
                    continue
                self._files[path] = (st.st_mtime_ns, st.st_size)
        st = written.stat()
        self._files[written] = (st.st_mtime_ns, st.st_size)
        total = sum(size for _, size in self._files.values())
        if total <= self.max_bytes:
            return
        goal = self.max_bytes * PRUNE_TO
        for path in sorted(self._files, key=lambda p: self._files[p][0]):
            if total <= goal:
                break
            if path == written:
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            except OSError:
                continue
            total -= self._files.pop(path)[1]
        log.debug("verification store %s pruned to %d bytes (budget %d)", self.root, total, self.max_bytes)
