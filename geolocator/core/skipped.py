"""Sentences about input paths that were not read, for the CLI's log and the app's message bar."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .wording import count


def reason_without_path(path, reason) -> str:
    """The reason a path was skipped without the path it already starts with: errors name their
    file ("a.jpg: corrupt …"), and a message that names the path too must not say it twice."""
    reason = str(reason)
    for prefix in (f"{path}: ", f"{Path(path).name}: "):
        reason = reason.removeprefix(prefix)
    return reason


def skipped_summary(skipped: Mapping[str, str], inline: int = 3) -> tuple[str, str]:
    """One line naming the skipped paths, folders called folders ("Skipped 1 file and 1 folder:
    plain.tif: …; empty/: no images …"), the first `inline` with their reason, and the details:
    every path with its reason, one a line. `skipped`: path -> reason, as the loaders report them."""
    items = list(skipped.items())
    is_dir = [Path(p).is_dir() for p, _ in items]
    counts = [count(n, w) for n, w in ((is_dir.count(False), "file"), (is_dir.count(True), "folder")) if n]
    names = "; ".join(f"{Path(p).name}{'/' if d else ''}: {reason_without_path(p, why)}"
                      for (p, why), d in list(zip(items, is_dir))[:inline])
    more = f" and {len(items) - inline} more" if len(items) > inline else ""
    details = "\n".join(f"{p}{'/' if d else ''}: {reason_without_path(p, why)}" for (p, why), d in zip(items, is_dir))
    return f"Skipped {' and '.join(counts)}: {names}{more}", details
