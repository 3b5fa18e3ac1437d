"""File → Free Disk Space…: the app's `geolocator cache --prune DAYS` (session 20, mend20).

Asks how many days unused, measures on the worker thread what would go (core.store_prune.prune_preview:
feature stores and north-up copies not in use), says how much that frees and asks to confirm, then
removes them on the worker thread (prune_stores, prune_northup_copies). A store or copy this app (or
another geolocator) holds open is never counted nor removed."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QInputDialog, QMessageBox

from ..core.wording import count, megabytes

DEFAULT_DAYS = 30  # as the README's example of `geolocator cache --prune 30`


def folders(window) -> tuple[Path, Path]:
    """(the feature cache root the app's Workspace uses, the north-up copies' folder)."""
    from ..core.cache import default_cache_root
    from ..core.sources.worldfile import northup_cache_dir

    root = window.session.ws.settings.cache_dir
    return (Path(root) if root is not None else default_cache_root()), northup_cache_dir()


def _what(stores: int, copies: int) -> str:
    parts = [count(stores, "feature store")] if stores or not copies else []
    if copies:
        parts.append(count(copies, "north-up copy", "north-up copies"))
    return " and ".join(parts)


def confirmation(stores, copies, days: int) -> str:
    """The question asked before anything is removed: what, how old, how much it frees."""
    freed = sum(i.bytes for i in (*stores, *copies))
    return (f"Remove {_what(len(stores), len(copies))} not used for {days} days? {megabytes(freed)} will be freed. "
            "Features are computed again (slower) the next time their tiles are used.")


def free_disk_space(window) -> None:
    """The menu item's slot: ask the days, measure (worker thread), confirm, prune (worker thread)."""
    days, ok = QInputDialog.getInt(window, "Free Disk Space",
                                   "Remove cached features and north-up copies not used for this many days:",
                                   DEFAULT_DAYS, 0, 36_500)
    if not ok:
        return
    root, northup = folders(window)

    def measure(progress=None, cancel=None):
        from ..core.store_prune import prune_preview

        return prune_preview(root, northup, days)

    def measured(found) -> None:
        stores, copies = found
        if not stores and not copies:
            window.message_bar.show_message("info", f"Nothing to free: no cached features or north-up copies "
                                                    f"unused for {days} days (in {root.parent}).")
            return
        answer = QMessageBox.question(window, "Free Disk Space", confirmation(stores, copies, days))
        if answer == QMessageBox.StandardButton.Yes:
            window._submit("Freeing disk space", prune, pruned)

    def prune(progress=None, cancel=None):
        from ..core.store_prune import prune_northup_copies, prune_stores

        return prune_stores(root, days), prune_northup_copies(northup, days)

    def pruned(done) -> None:
        (stores, busy_stores), (copies, busy_copies) = done
        freed = sum(i.bytes for i in (*stores, *copies))
        kept = len(busy_stores) + len(busy_copies)
        window.message_bar.show_message(
            "info", f"Removed {_what(len(stores), len(copies))}: {megabytes(freed)} freed."
            + (f" {kept} kept: in use." if kept else ""))

    window._submit("Measuring the cache", measure, measured)
