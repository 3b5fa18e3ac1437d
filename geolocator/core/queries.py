"""Drone queries, truth files and region folders.

A region folder is  tiles.csv + tiles/ + queries/ (+ truth.csv). Query ids and truth paths are
relative to the region root, so a region can be moved or zipped without breaking its truth.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .images import IMAGE_SUFFIXES, list_images, probe_image, read_exif_gps
from .model import LatLon, Query, Region
from .geo import parse_number
from .tilesets import load_tiles_csv, read_csv_rows, resolve_inside

log = logging.getLogger("geolocator")

SkipCallback = Callable[[Path, str], None]
TRUTH_COLUMNS = ("query", "lat", "lon")


def _skip(path: Path, reason: str, on_skip: SkipCallback | None) -> None:
    log.warning("%s: skipped (%s)", path, reason)
    if on_skip is not None:
        on_skip(path, reason)


def _query_id(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            # Lexical, like truth.csv paths, so both agree even when folders are symlinks.
            return Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
        except ValueError:
            pass
    return path.name


def is_region_folder(path: Path) -> bool:
    """tiles.csv and queries/ side by side (a folder with only tiles.csv is a tile set)."""
    path = Path(path)
    return path.is_dir() and (path / "tiles.csv").is_file() and (path / "queries").is_dir()


def _video_suffixes() -> frozenset[str]:
    from .media.video import VIDEO_SUFFIXES

    return VIDEO_SUFFIXES


def _list_videos(folder: Path) -> list[Path]:
    suffixes = _video_suffixes()
    return [p for p in Path(folder).rglob("*") if p.suffix.lower() in suffixes and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(folder).parts)]


def _video_frames(path: Path, video_id: str, every_s: float) -> list[Query]:
    from .media.video import video_queries

    return video_queries(path, video_id=video_id, every_s=every_s)


def load_queries(
    source: Path | Sequence[Path],
    *,
    base: Path | None = None,
    on_skip: SkipCallback | None = None,
    every_s: float = 1.0,
) -> tuple[Query, ...]:
    """Queries from a folder (searched recursively) or a list of image files.

    Video files (.mp4 .mov .mkv .avi) give one query per frame every `every_s` seconds
    (core/media/video.py), with their telemetry sidecar's positions as truth when there is one.

    Unreadable files are skipped (warning + `on_skip(path, reason)`) so one bad photo does not
    stop a survey; a folder with no images at all is an error because nothing could be done.
    Query.id is the path relative to `base` (default: the folder) or else the file name.
    A region folder gives its queries/ with truth.csv applied. Query.path is absolute.
    """
    if isinstance(source, (str, Path)):
        source = Path(source)
        if is_region_folder(source):
            # A region folder: its queries/ (with truth.csv applied), never its tiles/ as queries.
            return load_region(source, on_skip=on_skip).queries
        if source.is_dir():
            files = sorted(list_images(source) + _list_videos(source))
            if not files:
                raise InputError(source, f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder")
            base = source if base is None else base
        elif source.is_file():
            files = [source]
        else:
            raise InputError(source, "not found")
    else:
        files = [Path(p) for p in source]
        if not files:
            raise InputError(None, "no query images given")

    queries: list[Query] = []
    seen: set[str] = set()
    for path in files:
        if not path.is_file():
            _skip(path, "file not found", on_skip)
            continue
        if path.suffix.lower() in _video_suffixes():  # a flight video: one query per sampled frame
            try:
                queries.extend(_video_frames(path, _query_id(path, base), every_s))
            except InputError as exc:
                _skip(path, exc.problem, on_skip)
            continue
        if path.suffix.lower() not in IMAGE_SUFFIXES:
            _skip(path, f"not an image type ({path.suffix or 'no suffix'})", on_skip)
            continue
        reason = probe_image(path)
        if reason is not None:
            _skip(path, reason, on_skip)
            continue
        qid = _query_id(path, base)
        if qid in seen:  # same name from two folders: fall back to the unambiguous full path
            qid = Path(os.path.abspath(path)).as_posix()
        seen.add(qid)
        gps = read_exif_gps(path)
        queries.append(Query(id=qid, path=Path(os.path.abspath(path)), truth=gps, truth_source="exif" if gps else None))
    if not queries:
        where = source if isinstance(source, Path) else files[0].parent
        raise InputError(where, f"none of the {len(files)} query file(s) could be read")
    return tuple(queries)


def read_truth_csv(
    path: Path, root: Path, *, tile_ids: set[str] | frozenset[str] | None = None
) -> dict[str, tuple[LatLon, str | None]]:
    """Read `query,lat,lon[,tile]` (paths relative to `root`) -> {query id: (truth, tile id)}.

    Every query must name an existing file under `root`; with `tile_ids`, every tile value must
    be one of them. Errors name the file and line.
    """
    path, root = Path(path), Path(root)
    truth: dict[str, tuple[LatLon, str | None]] = {}
    first_line: dict[str, int] = {}
    for line, row in read_csv_rows(path, TRUTH_COLUMNS):
        full, qid = resolve_inside(path, line, root, row["query"], what="query")
        if not full.is_file():
            raise InputError(path, f"query {qid!r} names no file in {root}", line=line)
        if qid in first_line:
            raise InputError(path, f"query {qid!r} is listed twice (first on line {first_line[qid]})", line=line)
        first_line[qid] = line
        lat = parse_number(path, line, "lat", row["lat"], -90, 90)
        lon = parse_number(path, line, "lon", row["lon"], -180, 180)
        tile: str | None = None
        if row.get("tile"):
            _, tile = resolve_inside(path, line, root, row["tile"], what="tile")
            if tile_ids is not None and tile not in tile_ids:
                raise InputError(path, f"tile {tile!r} is not in the tile set", line=line)
        truth[qid] = (LatLon(lat, lon), tile)
    return truth


def load_region(root: Path, *, on_skip: SkipCallback | None = None) -> Region:
    """Read a region folder. Truth from truth.csv replaces EXIF GPS: it is the curated answer."""
    root = Path(root)
    if not root.is_dir():
        raise InputError(root, "not a folder")
    csv_path = root / "tiles.csv"
    if not csv_path.is_file():
        raise InputError(root, "not a region folder: it has no tiles.csv")
    tiles = load_tiles_csv(csv_path)
    qdir = root / "queries"
    if not qdir.is_dir():
        raise InputError(qdir, "missing: a region folder keeps its drone images in queries/")
    queries = load_queries(qdir, base=root, on_skip=on_skip)
    truth_path = root / "truth.csv"
    if truth_path.is_file():
        truth = read_truth_csv(truth_path, root, tile_ids={t.id for t in tiles.tiles})
        # Truth rows for files that were skipped as unreadable are ignored: they were reported.
        queries = tuple(
            replace(q, truth=truth[q.id][0], truth_tile=truth[q.id][1], truth_source="truth.csv") if q.id in truth else q
            for q in queries
        )
    return Region(root, tiles, queries)
