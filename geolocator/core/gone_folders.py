"""Photos that failed because their folder went away mid-run (faults37, session 37): a USB disk or card
pulled, a network share dropped, the folder moved or deleted while geolocator ran.

Before: each photo read after that was one warning line of its own ("DCIM/100MEDIA/q_0151.jpg: skipped
(cannot read file (No such file or directory))"), 150 lines for a card pulled halfway through 300 photos,
none saying what happened. Now those failures are grouped under the highest folder that is gone, said
once with what to do; the others stay as they were.

Finding a folder gone stats it: a network share that went away can hold a stat for many seconds, so the app
groups in its locate job, on the worker thread (gone_notes, gui.jobs.Results.gone_folders; gone37), never on
the window's thread."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from .wording import count, first_named


def _gone_root(path: Path) -> Path | None:
    """The highest folder above `path` that no longer exists (not a folder any more), None when its
    own folder is still there. The mount point of a removed disk usually stays, empty: the folder
    named is then the first one below it."""
    folder = Path(os.path.abspath(path)).parent
    if folder.is_dir():
        return None
    gone = folder
    for parent in folder.parents:
        if parent.is_dir():
            break
        gone = parent
    return gone


def split_gone(failures: Mapping) -> tuple[dict[Path, list], dict]:
    """(gone folder -> the failed paths under it, in the order given; the other failures as given).
    `failures`: path -> reason (core.pipeline's Located.failures). Only a folder gone holding two or
    more failed photos is grouped: one photo's own fault stays said as it was."""
    by_root: dict[Path, list] = {}
    for path in failures:
        root = _gone_root(Path(path))
        if root is not None:
            by_root.setdefault(root, []).append(path)
    grouped = {root: paths for root, paths in by_root.items() if len(paths) >= 2}
    held = {p for paths in grouped.values() for p in paths}
    return grouped, {p: why for p, why in failures.items() if p not in held}


def gone_line(folder, paths) -> str:
    """The one line said for a folder gone mid-run and the photos in it that could not be read."""
    names = first_named([Path(p).name for p in paths], 3)
    return (f"{folder}: the folder is gone (a disk or card removed, a network share lost, or the folder moved "
            f"while geolocator ran): {count(len(paths), 'photo')} in it not located ({names}); connect it "
            "again and run the same command")


def gone_notes(failures: Mapping) -> list[tuple[str, str]]:
    """(line, details) per folder gone holding two or more of `failures` (path -> reason, as split_gone):
    `line` is gone_line's with a full stop, `details` the failed paths one a line, in the order given; [] when
    none. Stats each failed photo's folder and its parents (_gone_root), which can block for seconds on a
    share that went away: call it off the UI thread (the app: gui.jobs.Session.locate/regroup)."""
    gone, _ = split_gone(failures)
    return [(f"{gone_line(folder, paths)}.", "\n".join(str(p) for p in paths)) for folder, paths in gone.items()]
