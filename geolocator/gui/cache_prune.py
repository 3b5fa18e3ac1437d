"""File → Free Disk Space…: the app's `geolocator cache --prune DAYS` (session 20, mend20).

Asks how many days unused, measures on the worker thread what would go (core.store_prune.prune_preview:
feature stores and north-up copies not in use, checkpoints of interrupted adaptations; and
core.media.frame_prune.old_frames: the sampled video frames, session 30; core.cache_files.old_cache_files:
photo features, tile keypoints and kept checks, session 32), says how much each part
frees and asks to confirm, then removes them on the worker thread (prune_stores,
prune_northup_copies, prune_adapt_checkpoints, prune_frames: the CLI's own). A store or copy this
app (or another geolocator) holds open is never counted nor removed; a video frame it reads again
after being removed is decoded again from its video."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from ..core.store_prune import ADAPT_RESUME
from ..core.wording import count, megabytes

DEFAULT_DAYS = 30  # as the README's example of `geolocator cache --prune 30`


def folders(window) -> tuple[Path, Path]:
    """(the feature cache root the app's Workspace uses, the north-up copies' folder)."""
    from ..core.cache import default_cache_root
    from ..core.sources.worldfile import northup_cache_dir

    root = window.session.ws.settings.cache_dir
    return (Path(root) if root is not None else default_cache_root()), northup_cache_dir()


def frames_folder() -> Path:
    """The video frame cache (core.media.video.frame_cache_root: GEOLOCATOR_FRAME_CACHE, else the user
    cache folder's frames/), as `geolocator cache` reads it."""
    from ..core.media.video import frame_cache_root

    return frame_cache_root()


def _parts(stores, copies, checkpoints, frames: tuple[int, int],
           files: tuple[int, int] = (0, 0)) -> list[tuple[str, int]]:
    """(what, bytes) of each part that holds something, in the CLI's order: stores, north-up copies,
    checkpoints, video frames (`frames`: their number and bytes), then the files beside the stores
    (`files`: photo features, tile keypoints, kept checks; core/cache_files.py)."""
    parts = []
    if stores:
        parts.append((count(len(stores), "feature store"), sum(i.bytes for i in stores)))
    if copies:
        parts.append((count(len(copies), "north-up copy", "north-up copies"), sum(i.bytes for i in copies)))
    if checkpoints:
        parts.append((count(len(checkpoints), "checkpoint") + " of "
                      + ("an interrupted adaptation" if len(checkpoints) == 1 else "interrupted adaptations"),
                      sum(i.bytes for i in checkpoints)))
    if frames[0]:
        parts.append((count(frames[0], "sampled video frame"), frames[1]))
    if files[0]:
        parts.append((count(files[0], "file") + " of photo features, tile keypoints and kept checks", files[1]))
    return parts


def _what(parts: list[tuple[str, int]]) -> str:
    """'1 feature store', or with several parts each one's size: '1 feature store (2.0 MB) and 40
    sampled video frames (12.3 MB)' (one part's size is the total said after it)."""
    if not parts:
        return count(0, "feature store")
    said = [p for p, _ in parts] if len(parts) == 1 else [f"{p} ({megabytes(b)})" for p, b in parts]
    return ", ".join(said[:-1]) + " and " + said[-1] if len(said) > 1 else said[0]


def confirmation(stores, copies, days: int, checkpoints=(), frames: tuple[int, int] = (0, 0),
                 files: tuple[int, int] = (0, 0)) -> str:
    """The question asked before anything is removed: what, how old, how much each part and all of
    it frees, what it costs. `frames`: (sampled video frames, bytes), frame_prune.old_frames; `files`:
    (files, bytes) beside the stores, cache_files.old_cache_files."""
    parts = _parts(stores, copies, checkpoints, frames, files)
    freed = sum(b for _, b in parts)
    costs = ((" Features are computed again (slower) the next time their tiles are used."
              if stores or copies or files[0] else "")
             + (f" {'That adaptation' if len(checkpoints) == 1 else 'Those adaptations'}, run again, "
                f"start{'s' if len(checkpoints) == 1 else ''} from {'its' if len(checkpoints) == 1 else 'their'} "
                "first round." if checkpoints else "")
             + (" A video frame needed again is decoded again from its video (answers already made are kept)."
                if frames[0] else ""))
    return f"Remove {_what(parts)} not used for {days} days? {megabytes(freed)} will be freed.{costs}"


def free_disk_space(window) -> None:
    """The menu item's slot: ask the days, measure (worker thread), confirm, prune (worker thread)."""
    from . import number_input

    # its question wrapped: QInputDialog.getInt wrote it on one line, 919 px wide (newuserapp36)
    days, ok = number_input.ask_whole(window, "Free Disk Space",
                                      "Remove cached features, keypoints, north-up copies, checkpoints of "
                                      "interrupted adaptations and sampled video frames not used for this many days:",
                                      DEFAULT_DAYS, 0, 36_500)
    if not ok:
        return
    root, northup = folders(window)
    frames = frames_folder()

    def measure(progress=None, cancel=None):
        from ..core.cache_files import old_cache_files
        from ..core.media.frame_prune import old_frames
        from ..core.store_prune import prune_preview

        return (*prune_preview(root, northup, days), old_frames(frames, days), old_cache_files(root, days))

    def measured(found) -> None:
        stores, copies, checkpoints, old, files = found
        if not stores and not copies and not checkpoints and not old[0] and not files[0]:
            window.message_bar.show_message("info", f"Nothing to free: no cached features, north-up copies, "
                                                    f"checkpoints of interrupted adaptations or sampled video "
                                                    f"frames unused for {days} days (in {root.parent} and {frames}).")
            return
        answer = QMessageBox.question(window, "Free Disk Space",
                                      confirmation(stores, copies, days, checkpoints, old, files))
        if answer == QMessageBox.StandardButton.Yes:
            window._submit("Freeing disk space", prune, pruned)

    def prune(progress=None, cancel=None):
        from ..core.cache_files import prune_cache_files
        from ..core.media.frame_prune import prune_frames
        from ..core.store_prune import prune_adapt_checkpoints, prune_northup_copies, prune_stores

        files = prune_cache_files(root, days)
        return (prune_stores(root, days), prune_northup_copies(northup, days), prune_adapt_checkpoints(root, days),
                prune_frames(frames, days), (sum(f.files for f in files), sum(f.bytes for f in files)))

    def pruned(done) -> None:
        (stores, busy_stores), (copies, busy_copies), (checkpoints, busy_checkpoints), removed_frames, files = done
        parts = _parts(stores, copies, checkpoints, removed_frames, files)
        freed = sum(b for _, b in parts)
        kept = len(busy_stores) + len(busy_copies)  # held open by a running geolocator
        stuck = len(busy_checkpoints)  # prune_adapt_checkpoints: could not be removed (never "in use")
        window.message_bar.show_message(
            "info", f"Removed {_what(parts)}: {megabytes(freed)} freed."
            + (f" {kept} kept: in use." if kept else "")
            + (f" {count(stuck, 'checkpoint')} could not be removed (in {root / ADAPT_RESUME})." if stuck else ""))

    window._submit("Measuring the cache", measure, measured)
