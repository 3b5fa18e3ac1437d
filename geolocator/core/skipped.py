"""Sentences about input paths that were not read, for the CLI's log and the app's message bar."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .wording import count, first_named


def reason_without_path(path, reason) -> str:
    """The reason a path was skipped without the path it already starts with: errors name their
    file ("a.jpg: corrupt …"), and a message that names the path too must not say it twice."""
    reason = str(reason)
    for prefix in (f"{path}: ", f"{Path(path).name}: "):
        reason = reason.removeprefix(prefix)
    return reason


def as_given(path, given) -> str:
    """`path` (a file the loaders reached, absolute: core.queries keeps a photo's path so) written from
    the path given that holds it, as it was typed: 'photos/cut.jpg' for /home/me/photos/cut.jpg when
    `photos` was given, so that a photo that failed mid-run is named as the files skipped on reading
    are (session 32: a cut JPEG's warning said its absolute path, the others the path typed). The
    deepest given path holding it wins (lexically, as query ids: core.queries._query_id); one none
    holds stays as it is. `given`: the paths typed (str or Path)."""
    import os

    full = Path(os.path.abspath(path))
    best: tuple[int, str] | None = None
    for typed in given:
        root = Path(os.path.abspath(typed))
        if full == root or root in full.parents:
            depth = len(root.parts)
            if best is None or depth > best[0]:
                rest = full.relative_to(root)
                best = (depth, str(Path(typed) / rest) if rest.parts else str(typed))
    return best[1] if best is not None else str(path)


# Reasons of a path skipped because its photo is read once elsewhere (core/queries.py: a copy, a file
# reached twice, a file already listed): nothing in it is lost, unlike a file that could not be read.
READ_ONCE = ("an identical copy of ", "the same file as ", "already in the list as ", "a geotagged copy of ",
             "the original of a geotagged copy ")


# Reasons of a folder whose photos could not be listed (core/queries.py: os.walk's onerror for a
# subfolder; a folder of a list given that cannot be read): every photo in it is missing from a locate.
UNREAD_SUBFOLDER = "this folder cannot be read: "
UNREAD_FOLDER = "cannot be read ("


def unread_folder(path, reason) -> bool:
    """True when `path`, skipped for `reason` while the photos were listed (core.queries.load_queries'
    on_skip), is a folder that could not be read (UNREAD_SUBFOLDER, UNREAD_FOLDER: permission denied, a
    failing card), so that the photos in it are missing from what a locate writes. Session 36
    (leftovers36): such a folder was warned of on listing, but the closing line did not count it."""
    return reason_without_path(path, reason).startswith((UNREAD_SUBFOLDER, UNREAD_FOLDER))


def unread_media(path, reason) -> bool:
    """True when `path`, skipped for `reason` while the photos were listed (core.queries.load_queries'
    on_skip), is a photo or video that could not be read, so that its answer is missing from what a
    locate writes: a file with a photo or video suffix (core.images.PHOTO_SUFFIXES,
    core.media.video.VIDEO_SUFFIXES) whose photo is not read once elsewhere (READ_ONCE). False for a
    folder, a sidecar or notes.txt (no photo lost), a copy or a file reached twice (located anyway).
    Session 34 (newuser34): a text file named .jpg and an unreadable photo were warned of on listing,
    but the closing line said only a JPEG cut short mid-run ("1 photo could not be read") for three."""
    from .images import PHOTO_SUFFIXES
    from .media.video import VIDEO_SUFFIXES

    if Path(path).suffix.lower() not in PHOTO_SUFFIXES | VIDEO_SUFFIXES:
        return False
    return not reason_without_path(path, reason).startswith(READ_ONCE)


def skipped_summary(skipped: Mapping[str, str], inline: int = 3) -> tuple[str, str]:
    """One line naming the skipped paths, folders called folders ("Skipped 1 file and 1 folder:
    plain.tif: …; empty/: no images …"), the first `inline` with their reason, and the details:
    every path with its reason, one a line. `skipped`: path -> reason, as the loaders report them.

    Paths whose photo is located anyway (READ_ONCE: copies, a file reached twice) come after the
    others, in the line and the details, and the line counts them ("…; 6 of them are copies of photos
    located once"): a card's copy folder named first pushed a video cut short, which needs copying
    again, behind "and 4 more" (session 30)."""
    items = list(skipped.items())
    once = [reason_without_path(p, why).startswith(READ_ONCE) for p, why in items]
    items = [x for x, o in zip(items, once) if not o] + [x for x, o in zip(items, once) if o]
    n_once = sum(once)
    is_dir = [Path(p).is_dir() for p, _ in items]
    counts = [count(n, w) for n, w in ((is_dir.count(False), "file"), (is_dir.count(True), "folder")) if n]
    named = len(items) - n_once if n_once < len(items) else len(items)  # the copies named only when alone
    names = "; ".join(f"{Path(p).name}{'/' if d else ''}: {reason_without_path(p, why)}"
                      for (p, why), d in list(zip(items, is_dir))[:min(inline, named)])
    more = f" and {named - inline} more" if named > inline else ""
    copies = ""
    if n_once and n_once < len(items):
        copies = f"; {n_once:,} of them {'is a copy' if n_once == 1 else 'are copies'} of photos located once"
    details = "\n".join(f"{p}{'/' if d else ''}: {reason_without_path(p, why)}" for (p, why), d in zip(items, is_dir))
    return f"Skipped {' and '.join(counts)}: {names}{more}{copies}", details


def tile_failures_summary(tiles, failures: Mapping[int, str], inline: int = 3) -> tuple[str, str] | None:
    """One line saying how many tiles could not be read and are not searched, with each distinct
    reason after the first `inline` tiles it struck ("ortho.tif@c0_r514, … and 29 more: corrupt
    image data …"), and the details: every tile and its reason, one a line; None when every tile
    was read. `tiles`: the tile set's tiles (Tile: id, path); `failures`: tile index -> reason, as
    Workspace.tile_failures holds them (a reason names its file, which the tile id names already).
    A truncated GeoTIFF's unreadable windows were left out of `locate` in silence (session 16)."""
    if not failures:
        return None
    by_reason: dict[str, list[str]] = {}
    details = []
    for i, why in sorted(failures.items()):
        reason = reason_without_path(tiles[i].path, why)
        for name in {tiles[i].id, getattr(tiles[i], "ref", None)} - {None}:
            # a package's reader names the tile too ("area.mbtiles: tile 19/x/y: corrupt …"), which
            # the id says already; without it the tiles of one reason are said together (session 20)
            reason = reason.removeprefix(f"tile {name}: ")
        by_reason.setdefault(reason, []).append(tiles[i].id)
        details.append(f"{tiles[i].id}: {reason}")
    parts = [f"{first_named(ids, inline)}: {reason}" for reason, ids in by_reason.items()]
    n = len(failures)
    line = (f"{count(n, 'tile')} of {len(tiles):,} could not be read and {'is' if n == 1 else 'are'} not searched "
            f"(tried again on the next run): {'; '.join(parts)}")
    return line, "\n".join(details)


def failures_by_file(queries, failed: Mapping[int, str]) -> dict[Path, str]:
    """{file: why} of the queries that could not be read (`failed`: {index into `queries`: reason}, as
    extract.extract_features gives it), one entry a file. A video of which several frames failed says how
    many and which, then the first frame's reason: "6 of its frames (t=2, 3, 4, 5, 6, 7 s) could not be
    read: no frame at t=2.00 s: ...". Keyed by file alone, the last frame's reason stood for all of them
    and the closing line counted "1 photo" (session 36: a cut-short Matroska file that lost 6 frames)."""
    by_file: dict[Path, list[tuple[float | None, str]]] = {}
    for i in sorted(failed):
        q = queries[i]
        by_file.setdefault(q.path, []).append((getattr(q, "time_s", None), str(failed[i])))
    out: dict[Path, str] = {}
    for path, items in by_file.items():
        times = sorted(t for t, _ in items if t is not None)
        first = reason_without_path(path, min(items, key=lambda x: (x[0] is None, x[0] or 0.0))[1])
        if len(times) <= 1:
            out[path] = items[0][1]
            continue
        shown = ", ".join(f"{t:g}" for t in times[:8]) + (", …" if len(times) > 8 else "")
        out[path] = f"{len(times)} of its frames (t={shown} s) could not be read: {first}"
    return out
