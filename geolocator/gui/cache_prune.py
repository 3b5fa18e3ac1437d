"""File → Free Disk Space…: the app's `geolocator cache --prune DAYS` (session 20, mend20).

Asks how many days unused, measures on the worker thread what would go (core.store_prune.prune_preview:
feature stores and north-up copies not in use, checkpoints of interrupted adaptations), says how much
that frees and asks to confirm, then removes them on the worker thread (prune_stores,
prune_northup_copies, prune_adapt_checkpoints: the CLI's own). A store or copy this app (or another
geolocator) holds open is never counted nor removed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QMessageBox

from ..core.store_prune import ADAPT_RESUME
from ..core.wording import count, megabytes

DEFAULT_DAYS = 30  # as the README's example of `geolocator cache --prune 30`


def folders(window) -> tuple[Path, Path]:
    """(the feature cache root the app's Workspace uses, the north-up copies' folder)."""
    from ..core.cache import default_cache_root
    from ..core.sources.worldfile import northup_cache_dir

    root = window.session.ws.settings.cache_dir
    return (Path(root) if root is not None else default_cache_root()), northup_cache_dir()


def _what(stores: int, copies: int, checkpoints: int = 0) -> str:
    parts = [count(stores, "feature store")] if stores or not (copies or checkpoints) else []
    if copies:
        parts.append(count(copies, "north-up copy", "north-up copies"))
    if checkpoints:
        parts.append(count(checkpoints, "checkpoint") + " of "
                     + ("an interrupted adaptation" if checkpoints == 1 else "interrupted adaptations"))
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def confirmation(stores, copies, days: int, checkpoints=()) -> str:
    """The question asked before anything is removed: what, how old, how much it frees, what it costs."""
    freed = sum(i.bytes for i in (*stores, *copies, *checkpoints))
    costs = ((" Features are computed again (slower) the next time their tiles are used." if stores or copies else "")
             + (f" {'That adaptation' if len(checkpoints) == 1 else 'Those adaptations'}, run again, "
                f"start{'s' if len(checkpoints) == 1 else ''} from {'its' if len(checkpoints) == 1 else 'their'} "
                "first round." if checkpoints else ""))
    return (f"Remove {_what(len(stores), len(copies), len(checkpoints))} not used for {days} days? "
            f"{megabytes(freed)} will be freed.{costs}")


def free_disk_space(window) -> None:
    """The menu item's slot: ask the days, measure (worker thread), confirm, prune (worker thread)."""
    days, ok = QInputDialog.getInt(window, "Free Disk Space",
                                   "Remove cached features, north-up copies and checkpoints of interrupted "
                                   "adaptations not used for this many days:",
                                   DEFAULT_DAYS, 0, 36_500)
    if not ok:
        return
    root, northup = folders(window)

    def measure(progress=None, cancel=None):
        from ..core.store_prune import prune_preview

        return prune_preview(root, northup, days)

    def measured(found) -> None:
        stores, copies, checkpoints = found
        if not stores and not copies and not checkpoints:
            window.message_bar.show_message("info", f"Nothing to free: no cached features, north-up copies or "
                                                    f"checkpoints of interrupted adaptations unused for {days} "
                                                    f"days (in {root.parent}).")
            return
        answer = QMessageBox.question(window, "Free Disk Space", confirmation(stores, copies, days, checkpoints))
        if answer == QMessageBox.StandardButton.Yes:
            window._submit("Freeing disk space", prune, pruned)

    def prune(progress=None, cancel=None):
        from ..core.store_prune import prune_adapt_checkpoints, prune_northup_copies, prune_stores

        return prune_stores(root, days), prune_northup_copies(northup, days), prune_adapt_checkpoints(root, days)

    def pruned(done) -> None:
        (stores, busy_stores), (copies, busy_copies), (checkpoints, busy_checkpoints) = done
        freed = sum(i.bytes for i in (*stores, *copies, *checkpoints))
        kept = len(busy_stores) + len(busy_copies)  # held open by a running geolocator
        stuck = len(busy_checkpoints)  # prune_adapt_checkpoints: could not be removed (never "in use")
        window.message_bar.show_message(
            "info", f"Removed {_what(len(stores), len(copies), len(checkpoints))}: {megabytes(freed)} freed."
            + (f" {kept} kept: in use." if kept else "")
            + (f" {count(stuck, 'checkpoint')} could not be removed (in {root / ADAPT_RESUME})." if stuck else ""))

    window._submit("Measuring the cache", measure, measured)
