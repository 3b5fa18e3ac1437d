"""How many photos a region folder will add, before it is read: for the plan of the app's one progress bar.

Opening a region folder (the demo, a benchmark region) locates its `queries/` photos in the same job as
its tiles, but the job's plan (gui.main_window._job_plan) counted only the photos already in the list:
none. The photos' stages (their features, verification, thumbnails) joined the plan only when they
began, so the whole-job ETA left them out until then: on a cold demo opening it said 31 s with 63 s to
go and 27 s with 56 s to go (newuser32_session32.md, a replay of one recorded run: the ETA's mean
|log(said / real)| 0.85 without them, 0.24 with them planned).
"""

from __future__ import annotations

import os
from pathlib import Path

from .images import PHOTO_SUFFIXES
from .queries import VIDEO_SUFFIXES, is_region_folder


def region_photo_count(path: Path | str) -> int:
    """The photos and videos under a region folder's `queries/` (recursively, by file suffix: nothing
    is opened), as planned units of the opening job; 0 when `path` is not a region folder
    (core.queries.is_region_folder) or `queries/` cannot be listed. A video counts as one: its frames
    are counted when they are sampled. Never raises."""
    try:
        if not is_region_folder(Path(path)):
            return 0
        suffixes = PHOTO_SUFFIXES | VIDEO_SUFFIXES
        return sum(1 for _, _, files in os.walk(Path(path) / "queries")
                   for name in files if Path(name).suffix.lower() in suffixes)
    except OSError:
        return 0
