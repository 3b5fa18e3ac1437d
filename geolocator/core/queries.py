"""Drone queries, truth files and region folders.

A region folder is  tiles.csv + tiles/ + queries/ (+ truth.csv). Query ids and truth paths are
relative to the region root, so a region can be moved or zipped without breaking its truth.
"""

from __future__ import annotations

import csv
import errno
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from .errors import InputError
from .images import PHOTO_SUFFIXES, image_size, photo_size_problem
from .media.metadata import read_photo_meta
from .model import LatLon, Query, Region
from .names import readable
from .own_outputs import group_of, own_file
from .sources.csv import DECIMAL_COMMA_HINT
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
    """The photo's id: its path relative to `base` (posix), else its file name; as text a person
    reads and any file can hold (names.readable: a byte of the name that is not UTF-8 reads \\xNN)."""
    if base is not None:
        try:
            # Lexical, like truth.csv paths, so both agree even when folders are symlinks.
            return readable(Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix())
        except ValueError:
            pass
    return readable(path.name)


# Files a drone writes beside its photos: named when skipped, so a folder never drops one silently.
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".avi", ".mkv", ".lrv", ".lrf"})
# .geojson and .html too: a predictions file or an exported map kept beside the photos (session 36: "not a photo
# type geolocator reads (.geojson; …)" on every later run read as if geolocator could not read its own output)
SIDECAR_SUFFIXES = frozenset({".srt", ".xmp", ".txt", ".csv", ".json", ".log", ".kml", ".gpx", ".md", ".geojson", ".html"})


def _not_a_photo(path: Path) -> str:
    from .evidence import earlier_evidence

    ours = earlier_evidence(path)
    if ours is not None:
        return ours
    if path.name.lower() == "truth.csv":  # beside the photos: read by eval (cli._region_or_photos), never a photo
        return "the photos' truth (query,lat,lon): read by 'geolocator eval' to score the answers, not a photo"
    suffix = path.suffix.lower()
    if suffix in _imagery_suffixes():  # said as a format geolocator reads: it read as "unsupported" before
        return f"a tile set ({suffix}: imagery), not a drone photo: give it with --tiles"
    if suffix in VIDEO_SUFFIXES:
        return f"a preview video ({suffix}), not read: open the full-resolution video instead"
    if suffix in SIDECAR_SUFFIXES:
        return f"a sidecar/text file ({suffix}), not a photo"
    return (f"not a photo type geolocator reads ({suffix or 'no suffix'}; it reads "
            f"{', '.join(sorted(PHOTO_SUFFIXES))})")


def _imagery_suffixes() -> frozenset[str]:
    """Files that are tile sets and never photos: tile packages, a .kmz overlay, a VRT or JPEG 2000 raster."""
    from .images import GDAL_RASTER_SUFFIXES
    from .sources.tile_image import PACKAGE_SUFFIXES

    return PACKAGE_SUFFIXES | GDAL_RASTER_SUFFIXES | {".kmz"}


def _folder_files(folder: Path, on_skip: SkipCallback | None = None
                  ) -> tuple[list[Path], list[Path], dict[Path, list[Path]]]:
    """(photos, other files, {folder: files geolocator wrote or reads as imagery there}) under `folder`,
    recursively, sorted. Hidden files and folders are editor/OS droppings (e.g. macOS '._x.jpg'), never
    photos, and are not reported. geolocator's own evidence pictures and records
    (evidence.earlier_evidence) and the tiles of a z/x/y tile folder (sources.xyz.tile_folder_of, confirmed
    by is_tile_folder: its fetcher's files or a first tile of a tile's size; with that folder's own files:
    metadata.json, tilemapresource.xml; one that begins above `folder`, given inside it as `area/19`, by
    its fetcher's files only: core/own_outputs.py) are neither photos nor stray files: they are said once
    per folder (_skip_not_photos), the tile folder's own path for one above `folder`. Folders that are
    symbolic links are entered (Path.glob("**") does not, so their photos went unsaid before session 22),
    each real folder once: a link back up the tree is no loop. A subfolder that cannot be read (permission denied, a failing
    card) and a link that leads nowhere (its target gone, or a link loop) are each said through
    `on_skip` with the reason: before faults36 they were passed over in silence, and with them every
    photo inside. Raises InputError when `folder` itself cannot be read."""
    from .evidence import earlier_evidence
    from .sources.xyz import has_fetcher_files, is_tile_folder, tile_folder_of

    top = Path(os.path.abspath(folder))
    photos, others = [], []
    ours: dict[Path, list[Path]] = {}
    tile_roots: set[Path] = set()
    tile_root: dict[Path, bool] = {}  # z/x/y root -> is_tile_folder (one header read a root at most)
    for p in sorted(_walk_files(folder, on_skip)):
        if any(part.startswith(".") for part in p.relative_to(folder).parts):
            continue
        if not p.is_file():
            if p.is_symlink() and not p.exists():
                _skip(p, _dead_link(p), on_skip)
            continue
        root = tile_folder_of(Path(os.path.abspath(p)))  # absolute: a root above the folder given is seen too
        if root is not None and root not in tile_root:
            # begun at or below the folder given: the fetcher's files or a tile's size (is_tile_folder); above it
            # (a folder given inside a tile folder, `area/19`: its tiles were read as photos before ownout37) only
            # the fetcher's files, so numbered photos (`flights/12/3/1.jpg`, that folder given) stay photos
            tile_root[root] = is_tile_folder(root, p) if root == top or top in root.parents else has_fetcher_files(root)
        if root is not None and tile_root[root]:
            key = folder / root.relative_to(top) if root == top or top in root.parents else root  # as given
            tile_roots.add(key)
            ours.setdefault(key, []).append(p)
        elif earlier_evidence(p) is not None:
            ours.setdefault(p.parent, []).append(p)
        # videos are queries too: one per sampled frame (core/media/video.py)
        elif p.suffix.lower() in PHOTO_SUFFIXES | _video_suffixes():
            photos.append(p)
        else:
            others.append(p)
    kept = []
    for p in others:  # a tile folder's own files (metadata.json, tilemapresource.xml) go with its tiles
        (ours[p.parent] if p.parent in tile_roots else kept).append(p)
    return photos, _beside_no_photo(_beside_no_video(kept, photos), photos), ours


def _skip_not_photos(groups: dict[Path, list[Path]], on_skip: SkipCallback | None) -> None:
    """Skip what _folder_files set aside, one line per folder (16 lines for 8 photos' evidence, or a
    line a tile, said nothing more than one): the folder is what `on_skip` is given."""
    from .evidence import PICTURE_SUFFIX, earlier_evidence
    from .wording import count

    for folder, found in groups.items():
        if not any(earlier_evidence(f) for f in found):
            tiles = sum(f.suffix.lower() in PHOTO_SUFFIXES for f in found)
            _skip(folder, f"a map tile folder (z/x/y, {count(tiles, 'tile')}), imagery, not drone photos: "
                          "not read as photos (a tile set is opened with --tiles or the app's Open Tile Set)", on_skip)
            continue
        pictures = sum(f.name.lower().endswith(PICTURE_SUFFIX) for f in found)
        what = " and ".join(c for c in (count(pictures, "evidence picture") if pictures else "",
                                        count(len(found) - pictures, "record") if len(found) > pictures else "") if c)
        _skip(folder, f"{what} geolocator wrote (--evidence or the app's Export Evidence), not drone photos: "
                      "not read", on_skip)


def _dead_link(path: Path) -> str:
    """Why the symbolic link `path` leads to no file: a loop (ELOOP) or a target that is not there."""
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop: it leads back to itself"
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    return f"a symbolic link to {readable(target)}, which is not there"


def _walk_files(folder: Path, on_skip: SkipCallback | None = None) -> list[Path]:
    """Every file path under `folder` (os.walk following linked folders, each real folder once). A
    subfolder os.walk cannot list is said through `on_skip`; `folder` itself raises InputError."""
    seen: set[str] = set()
    files: list[Path] = []

    def unreadable(exc: OSError) -> None:  # os.walk's onerror: it passes over such a folder otherwise
        where = Path(exc.filename) if exc.filename else folder
        from .skipped import UNREAD_FOLDER, UNREAD_SUBFOLDER  # the closing line counts these (skipped.unread_folder)

        why = f"{UNREAD_SUBFOLDER}{exc.strerror or exc}; the photos in it are left out"
        if where == folder:
            raise InputError(folder, f"{UNREAD_FOLDER}{exc.strerror or exc})")
        _skip(where, why, on_skip)

    for root, dirs, names in os.walk(folder, followlinks=True, onerror=unreadable):
        real = os.path.realpath(root)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        files.extend(Path(root) / n for n in names)
    return files


def _beside_no_video(others: Sequence[Path], media: Sequence[Path]) -> list[Path]:
    """`others` less the telemetry sidecars (same folder and stem) of a video in `media`: such a
    file is read with its video (core/media/telemetry.py), not a stray file to report."""
    videos = {(v.parent, v.stem.lower()) for v in media if v.suffix.lower() in _video_suffixes()}
    return [p for p in others if not (p.suffix.lower() in SIDECAR_SUFFIXES and (p.parent, p.stem.lower()) in videos)]


def _beside_no_photo(others: Sequence[Path], media: Sequence[Path]) -> list[Path]:
    """`others` less the XMP sidecars of a photo in `media` (metadata.sidecar_paths: "X.JPG.xmp",
    "X.xmp"): read with their photo (metadata.sidecar_xmp), not a stray file to report."""
    from .media.metadata import sidecar_paths

    read = {s for m in media if m.suffix.lower() in PHOTO_SUFFIXES for s in sidecar_paths(m)}
    return [p for p in others if p not in read]


def _no_images_problem(others: Sequence[Path]) -> str:
    from .wording import count

    found = f" (it holds {count(len(others), 'other file')}, e.g. {others[0].name})" if others else ""
    return f"no images ({', '.join(sorted(PHOTO_SUFFIXES))}) in this folder{found}"


def photo_problem(path: Path) -> str | None:
    """Cheap header check of a photo: None when it can be read and located, else the reason
    (unreadable, a format whose package is missing, too small, or not a camera frame)."""
    try:
        width, height = image_size(path)
    except InputError as exc:
        return exc.problem
    return photo_size_problem(width, height)


def query_from_photo(path: Path, qid: str) -> Query:
    """A Query with the photo's metadata; its recorded position becomes truth only when it
    passed the checks of core.media.metadata (else `truth_note` says why not)."""
    meta = read_photo_meta(path)
    if meta.metadata_note:
        log.warning("%s: %s", path, meta.metadata_note)
    return Query(
        id=qid,
        path=Path(os.path.abspath(path)),
        truth=meta.position,
        truth_source=meta.position_source,
        truth_note=meta.position_note,
        meta=meta,
    )


def is_region_folder(path: Path) -> bool:
    """tiles.csv and queries/ side by side (a folder with only tiles.csv is a tile set)."""
    path = Path(path)
    return path.is_dir() and (path / "tiles.csv").is_file() and (path / "queries").is_dir()


def _video_suffixes() -> frozenset[str]:
    from .media.video import VIDEO_SUFFIXES

    return VIDEO_SUFFIXES


def _video_frames(path: Path, video_id: str, every_s: float | None) -> list[Query]:
    from .media.video import video_queries

    return video_queries(path, video_id=video_id, every_s=every_s)


def load_queries(
    source: Path | Sequence[Path],
    *,
    base: Path | None = None,
    on_skip: SkipCallback | None = None,
    every_s: float | None = 1.0,
) -> tuple[Query, ...]:
    """Queries from a folder (searched recursively) or a list of image files and folders.

    Video files (.mp4 .mov .mkv .avi .webm) give one query per frame every `every_s` seconds
    (None: each video's own media.video.auto_every_s, the app's automatic choice; core/media/video.py),
    with their telemetry sidecar's positions as truth when there is one.

    Unreadable files are skipped (warning + `on_skip(path, reason)`) so one bad photo does not
    stop a survey; so are files in a folder that are neither photos nor videos (sidecars, ...): every
    file is either a query or named with a reason. A folder with no photos at all is an error.
    Photos: JPEG/PNG/TIFF/WebP, AVIF, HEIC/HEIF (pillow-heif), DNG (rawpy); see core.images.
    Query.id is the path relative to `base` (default: the folder) or else the file name.
    A region folder gives its queries/ with truth.csv applied. Query.path is absolute.
    Photos of one camera recording one unchanged GPS fix over a flight (a frozen fix, core.frozen_fix)
    get no truth, with a `truth_note` saying why.

    In a list, each folder is read as it would be alone (recursively; a region folder gives its
    queries) with ids relative to the folder's parent (``flightA/DJI_0001.JPG``), a folder
    without images or a missing path is skipped with its reason, and a telemetry sidecar given
    beside its video is read with it, as in a folder.

    geolocator's own outputs are skipped wherever they are given, said one line a folder: evidence, and the
    tiles of a z/x/y tile folder, inside a folder, in a folder given inside a tile folder (`area/19`), or
    named as files (a shell's glob); core/own_outputs.py says how each is known. Named only so, the call
    raises InputError saying what they are.
    """
    done: list[Query] = []  # queries of region folders in a list
    named_ours: dict[Path, list[Path]] = {}  # evidence or map tiles named as files (a glob): one line a folder
    if isinstance(source, (str, Path)):
        source = Path(source)
        if is_region_folder(source):
            # A region folder: its queries/ (with truth.csv applied), never its tiles/ as queries.
            return load_region(source, on_skip=on_skip, every_s=every_s).queries
        if source.is_dir():
            found, others, ours = _folder_files(source, on_skip)
            _skip_not_photos(ours, on_skip)
            if not found:
                raise InputError(source, _no_images_problem(others) if others or not ours else
                                 "no drone images in this folder: it holds only map tiles or geolocator's own "
                                 "evidence (the warning above says which)")
            for other in others:
                _skip(other, _not_a_photo(other), on_skip)
            files = [(f, source if base is None else base) for f in found]
        elif source.is_file():
            ours = own_file(source)  # an evidence picture or a fetched map tile named by itself
            if ours is not None:
                raise InputError(source, ours)
            files = [(source, base)]
        else:
            raise InputError(source, "not found")
    else:
        paths = [Path(p) for p in source]
        if not paths:
            raise InputError(None, "no query images given")
        files = []
        for p in paths:
            if is_region_folder(p):
                done.extend(load_region(p, on_skip=on_skip, every_s=every_s).queries)
            elif p.is_dir():
                try:
                    found, others, ours = _folder_files(p, on_skip)
                except InputError as exc:  # one folder of the list that cannot be read: the others go on
                    _skip(p, exc.problem, on_skip)
                    continue
                _skip_not_photos(ours, on_skip)
                if not found and not ours:  # a folder of only tiles or evidence was said just above, once
                    _skip(p, _no_images_problem(others), on_skip)
                for other in others:
                    _skip(other, _not_a_photo(other), on_skip)
                files.extend((f, p.parent if base is None else base) for f in found)
            elif own_file(p) is not None:
                named_ours.setdefault(group_of(p), []).append(p)
            else:
                files.append((p, base))
        _skip_not_photos(named_ours, on_skip)
        given = [f for f, _ in files]
        kept = set(_beside_no_video(given, given))
        files = [(f, b) for f, b in files if f in kept]

    given = len(files)
    files, copies = _once_each(files, on_skip)
    found: dict[Path, list[Query]] = {}  # file -> its queries (a video's frames), read in the order given
    seen: set[str] = {q.id for q in done}
    made: dict[Path, str] = {}  # file -> the id it is located under (a video's, without its #t=)

    def read(path: Path, id_base: Path | None) -> None:
        if not path.is_file():
            _skip(path, "file not found", on_skip)
            return
        if path.suffix.lower() in _video_suffixes():  # a flight video: one query per sampled frame
            vid = _query_id(path, id_base)
            # same clip name from two folders (each card's first clip is DJI_0001.MP4): the full path, as for
            # photos below; else the second clip's frames took the first's ids and one flight was lost
            if vid in seen or any(s.startswith(vid + "#") for s in seen):
                vid = readable(Path(os.path.abspath(path)).as_posix())  # a non-UTF-8 name: \xNN, as _query_id
            try:
                found[path] = list(_video_frames(path, vid, every_s))
            except InputError as exc:
                _skip(path, exc.problem, on_skip)
                return
            seen.add(vid)
            made[path] = vid
            return
        if path.suffix.lower() not in PHOTO_SUFFIXES:
            _skip(path, _not_a_photo(path), on_skip)
            return
        reason = photo_problem(path)
        if reason is not None:
            _skip(path, reason, on_skip)
            return
        qid = _query_id(path, id_base)
        if qid in seen:  # same name from two folders: fall back to the unambiguous full path
            qid = readable(Path(os.path.abspath(path)).as_posix())  # no lone surrogate in an id (names.readable)
        seen.add(qid)
        found[path] = [query_from_photo(path, qid)]
        made[path] = qid

    for path, id_base in files:
        if path not in copies:
            read(path, id_base)
    said: dict[Path, str] = {}
    for path, id_base in files:  # a copy is read only where the file it copies could not be
        if path in copies:
            if copies[path] in made:
                said[path] = made[copies[path]]
            else:
                read(path, id_base)
    queries: list[Query] = [q for path, _ in files for q in found.get(path, ())]
    _say_copies(said, {path: _query_id(path, id_base) for path, id_base in files if path in said}, on_skip)
    queries = done + queries
    if not queries:
        where = source if isinstance(source, Path) else (files[0][0].parent if files else Path(source[0]))
        n = given or len(source)
        if named_ours and not files:
            raise InputError(where, "no drone images among the files given: they are map tiles or geolocator's own "
                                    "evidence (the warning above says which)")
        raise InputError(where, "the only query file could not be read" if n == 1
                         else f"none of the {n:,} query files could be read")
    from .frozen_fix import drop_frozen_fixes

    return drop_frozen_fixes(queries)  # a GNSS fix that stopped updating is not truth (it has no void flag)


def _once_each(files: list[tuple[Path, Path | None]], on_skip: SkipCallback | None
               ) -> tuple[list[tuple[Path, Path | None]], dict[Path, Path]]:
    """(`files` with each path once, {copy: the file it copies}). `files`: (path, id base) in the order
    given. A file reached twice (a folder given with a folder inside it) is kept the first time, said;
    a byte-identical copy of another photo or video (a card copied twice, `DJI_0003 (1).JPG`:
    core/media/copies.py) is returned to be read only when the file it copies cannot be (load_queries),
    so that no photo is counted, exported or tracked twice (session 30: a SAR day's 31 photos and
    frames were 37). A geotagged copy geolocator wrote of a photo also given (media/copies.geotagged_copies)
    is skipped, said, and left out of the files returned."""
    from .media.copies import geotagged_copies, identical_copies

    once: list[tuple[Path, Path | None]] = []
    where: dict[str, Path] = {}  # the real file -> the first path that reached it
    for path, id_base in files:
        key = os.path.realpath(path)
        if key in where:
            _skip(path, f"the same file as {readable(str(where[key]))} (reached twice: a folder given with one inside "
                        "it, or a link): read once", on_skip)
            continue
        where[key] = path
        once.append((path, id_base))
    media = PHOTO_SUFFIXES | _video_suffixes()
    copies = identical_copies([p for p, _ in once if p.suffix.lower() in media])
    tagged = geotagged_copies([p for p, _ in once if p not in copies])
    _say_geotagged(tagged, on_skip)
    return [(p, b) for p, b in once if p not in tagged], copies


def _say_geotagged(tagged: dict[Path, Path], on_skip: SkipCallback | None) -> None:
    """Each geotagged copy (copy -> its original, which is read: the copy holds the same pixels) skipped
    through `on_skip`, named with `-v` (debug), and one warning line for them all, as _say_copies."""
    from .wording import count

    for copy, original in tagged.items():
        why = (f"a geotagged copy of {readable(str(original))} that geolocator wrote (--geotag-copies or the app's "
               "Export Geotagged Copies): "
               "located once, as that file")
        log.debug("%s: skipped (%s)", copy, why)
        if on_skip is not None:
            on_skip(copy, why)
    if tagged:
        copy, original = next(iter(tagged.items()))
        n = len(tagged)
        log.warning("%s geolocator wrote (--geotag-copies or the app's Export Geotagged Copies) of photos also given, "
                    "so %s located once, as %s: "
                    "%s is a copy of %s%s", count(n, "geotagged copy", "geotagged copies"),
                    "it is" if n == 1 else "each is", "its original", readable(str(copy)), readable(str(original)),
                    "" if n == 1 else " (-v: each of them)")


def _say_copies(kept_ids: dict[Path, str], copy_ids: dict[Path, str], on_skip: SkipCallback | None) -> None:
    """Each copy skipped (`kept_ids`: copy -> the id of the file located in its place) through
    `on_skip`, named with `-v` (debug), and one warning line for them all."""
    from .wording import count

    for copy, kept in kept_ids.items():
        why = f"an identical copy of {kept}: located once, as that file"
        log.debug("%s: skipped (%s)", copy, why)
        if on_skip is not None:
            on_skip(copy, why)
    if not kept_ids:
        return
    first = next(iter(kept_ids))
    n = len(kept_ids)
    log.warning("%s %s byte-identical %s of other files given, so %s located once, under the other's name: "
                "%s is a copy of %s%s", count(n, "file"), "is a" if n == 1 else "are", "copy" if n == 1 else "copies",
                "it is" if n == 1 else "each is", copy_ids[first], kept_ids[first], "" if n == 1 else " (-v: each of them)")


def join_queries(new: Sequence[Query], given: Path, listed: Mapping[str, Path], *,
                 on_skip: SkipCallback | None = None, replaced: dict[str, str] | None = None) -> list[Query]:
    """The queries `load_queries(given)` read, as they join the photos already listed (the app adds
    folders one at a time; `listed`: query id -> its file, Query.path, of every query listed before).

    A folder read alone names its photos relative to itself, so two cards (`Drone 1/`, `Drone 2/`,
    each holding `DCIM/100MEDIA/DJI_0001.JPG`) gave one id to two photos, and the app kept only the
    first (session 30). Here a query whose id a listed query of another file holds is renamed after
    the folder given (`Drone 2/DCIM/100MEDIA/DJI_0001.JPG`; for a file given, its folder's name),
    else its absolute path (a video frame keeps its `#t=` part); the first one keeps its id. A file
    already listed is not added again: in silence under its own id (the same folder added again),
    said under another (a folder above it added later); a file byte-identical to a listed one (the
    same card copied twice: core/media/copies.py) is skipped, said with `on_skip(path, reason)` naming
    the listed photo. So no photo is listed or counted twice. A geotagged copy geolocator wrote of a listed
    photo (media/copies.geotagged_copies: `photos/tagged` added after `photos`) is skipped the same way, as
    load_queries skips one given with its original (before leftovers36 it was located again, a photo
    listed twice); added the other way round, the original of a listed copy is the one skipped (the
    copy is listed and may be located already), unless `replaced` is given (the app, ownout37): then the
    original is returned to be added in the copy's place, said through `on_skip` on the copy, and
    `replaced` gets {the copy's listed id: the original's id} for the caller to take the copy's row out
    (the list kept the copy's name, and its GPS, an earlier answer, where the original's recorded fix
    and metadata belong). Returns the queries to add, in order."""
    from .media.copies import geotagged_copies, identical_copies

    listed_id: dict[Path, str] = {}
    for qid, path in listed.items():
        listed_id.setdefault(Path(path), qid.split("#t=")[0])
    new_paths = list(dict.fromkeys(Path(q.path) for q in new))
    copies = identical_copies(new_paths, earlier=list(listed_id))
    # a new copy of a listed original, or a new original of a listed copy (the copies' folder added first);
    # a copy and its original both new were left out by load_queries
    pairs = geotagged_copies(new_paths + [p for p in listed_id if p not in set(new_paths)])
    tagged = {c: o for c, o in pairs.items() if c not in listed_id and o in listed_id}
    tagged_first = {o: c for c, o in pairs.items() if c in listed_id and o not in listed_id}
    given = Path(os.path.abspath(given))
    prefix = readable(given.name if given.is_dir() else given.parent.name)
    taken = dict(listed)
    out: list[Query] = []
    said: set[Path] = set()
    for q in new:
        path = Path(q.path)
        replacing = None
        if path in listed_id:  # this very file is listed: added again (which resumes a cancelled locate) or
            if listed_id[path] != q.id.split("#t=")[0] and path not in said:  # reached from a folder above
                said.add(path)
                _skip(path, f"already in the list as {listed_id[path]}: listed once", on_skip)
            continue
        if path in copies:
            if path not in said:
                said.add(path)
                kept = copies[path]
                name = listed_id.get(kept) or next((x.id.split("#t=")[0] for x in out if Path(x.path) == kept), kept.name)
                _skip(path, f"an identical copy of {name}, already in the list: located once, as that file", on_skip)
            continue
        if path in tagged:
            if path not in said:
                said.add(path)
                _skip(path, f"a geotagged copy of {listed_id[tagged[path]]} that geolocator wrote (--geotag-copies or "
                            "the app's Export Geotagged Copies), already in the list: located once, as that file",
                      on_skip)
            continue
        if path in tagged_first and replaced is not None:  # the original takes its copy's place
            copy = tagged_first[path]
            if copy not in said:  # (a video's frames come once each; a copy is a JPEG: one query)
                said.add(copy)
                replacing = listed_id[copy]
                taken.pop(replacing, None)  # the copy's id is free: the original takes it when it is the same
                _skip(copy, f"a geotagged copy of {readable(str(path))} that geolocator wrote (--geotag-copies or "
                            "the app's Export Geotagged Copies), listed before it: the original takes its place in "
                            "the list, located once, as that file", on_skip)
        elif path in tagged_first:  # its copy was located already: the same pixels, not located twice
            if path not in said:
                said.add(path)
                _skip(path, f"the original of a geotagged copy already in the list ({listed_id[tagged_first[path]]}, "
                            "written by geolocator: --geotag-copies or the app's Export Geotagged Copies): located "
                            "once, as that copy", on_skip)
            continue
        if q.id in taken and Path(taken[q.id]) != path:
            frame = q.id[q.id.index("#t="):] if "#t=" in q.id else ""
            qid = f"{prefix}/{q.id}"
            if qid in taken and Path(taken[qid]) != path:
                qid = readable(path.as_posix()) + frame
            q = replace(q, id=qid)
        taken[q.id] = path
        if replacing is not None:
            replaced[replacing] = q.id
        out.append(q)
    return out


def _semicolon_rows(path: Path, text: str) -> list[tuple[int, dict[str, str]]]:
    """Rows of a ';'-separated truth file (a spreadsheet's export in comma-decimal locales)."""
    reader = csv.reader(text.splitlines(), delimiter=";")
    try:
        names = [h.strip().lower() for h in next(reader)]
        missing = [c for c in TRUTH_COLUMNS if c not in names]
        if missing:
            raise InputError(path, f"missing column(s) {', '.join(missing)}; the header must contain "
                             f"{';'.join(TRUTH_COLUMNS)}", line=1)
        rows = []
        for values in reader:
            if not any(v.strip() for v in values):
                continue
            if len(values) > len(names):
                raise InputError(path, f"{len(values)} values but the header has {len(names)} columns", line=reader.line_num)
            rows.append((reader.line_num, {n: (values[i].strip() if i < len(values) else "") for i, n in enumerate(names)}))
    except csv.Error as exc:
        raise InputError(path, f"not valid CSV ({exc})", line=reader.line_num) from None
    if not rows:
        raise InputError(path, "no data rows after the header")
    return rows


def _truth_rows(path: Path) -> tuple[list[tuple[int, dict[str, str]]], bool]:
    """(rows, decimal comma allowed). A header split by ';' and holding no ',' is a
    semicolon-separated file, where '50,005' can only mean 50.005; so is any file whose header is
    not split into the columns by ',' (read_csv_rows then parts it by ';' or a tab: a comma-decimal
    spreadsheet's tab-separated text export)."""
    try:
        first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    except (OSError, UnicodeDecodeError, IndexError):
        first = ""  # read_csv_rows names the problem
    if ";" in first and "," not in first:
        rows = _semicolon_rows(path, path.read_text(encoding="utf-8-sig"))
        log.warning("%s: columns are separated by ';' (a spreadsheet's comma-decimal export); "
                    "read with ';' between columns and ',' as the decimal mark", path)
        return rows, True
    try:
        rows = read_csv_rows(path, TRUTH_COLUMNS)
    except InputError as exc:
        if exc.line and "values but the header has" in exc.problem:
            try:
                text = path.read_text(encoding="utf-8-sig").splitlines()[exc.line - 1]
            except (OSError, UnicodeDecodeError, IndexError):
                text = ""
            if re.search(r"\d,\d", text):
                # read_csv_rows' own, vaguer hint gives way to this one (said once)
                problem = exc.problem.removesuffix(DECIMAL_COMMA_HINT)
                raise InputError(path, f"{problem}: a decimal comma (as in 50,005) splits a number in two; "
                                 "write decimals with '.', or separate the columns with ';'", line=exc.line) from None
        raise
    try:  # the cells are parted by ',' exactly when the header is (read_csv_rows tries ',' first)
        names = [h.strip().lower() for h in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        names = []
    return rows, not all(c in names for c in TRUTH_COLUMNS)


def _coordinate(path: Path, line: int, name: str, text: str, lo: float, hi: float, decimal_comma: bool) -> float:
    if "," in text:
        fixed = text.replace(",", ".", 1)
        if decimal_comma and text.count(",") == 1:
            return parse_number(path, line, name, fixed, lo, hi)
        try:
            float(fixed)
        except ValueError:
            pass
        else:
            raise InputError(path, f"{name} {text!r} has a decimal comma in a comma-separated file: write {fixed} "
                             "('.' for decimals), or separate the columns with ';'", line=line)
    return parse_number(path, line, name, text, lo, hi)


def read_truth_csv(
    path: Path, root: Path, *, tile_ids: set[str] | frozenset[str] | None = None
) -> dict[str, tuple[LatLon, str | None]]:
    """Read `query,lat,lon[,tile]` (paths relative to `root`) -> {query id: (truth, tile id)}.

    Every query must name an existing file under `root`; with `tile_ids`, every tile value must
    be one of them. Errors name the file and line. A ';'-separated file (what spreadsheets write
    where ',' is the decimal mark) is read with decimal commas, and says so in a warning; a
    decimal comma in a ','-separated file is an error that says how to fix it.
    """
    path, root = Path(path), Path(root)
    truth: dict[str, tuple[LatLon, str | None]] = {}
    first_line: dict[str, int] = {}
    rows, decimal_comma = _truth_rows(path)
    for line, row in rows:
        full, qid = resolve_inside(path, line, root, row["query"], what="query")
        if not full.is_file():
            raise InputError(path, f"query {qid!r} names no file in {root}", line=line)
        if qid in first_line:
            raise InputError(path, f"query {qid!r} is listed twice (first on line {first_line[qid]})", line=line)
        first_line[qid] = line
        lat = _coordinate(path, line, "lat", row["lat"], -90, 90, decimal_comma)
        lon = _coordinate(path, line, "lon", row["lon"], -180, 180, decimal_comma)
        tile: str | None = None
        if row.get("tile"):
            _, tile = resolve_inside(path, line, root, row["tile"], what="tile")
            if tile_ids is not None and tile not in tile_ids:
                raise InputError(path, f"tile {tile!r} is not in the tile set", line=line)
        truth[qid] = (LatLon(lat, lon), tile)
    return truth


def load_region(root: Path, *, on_skip: SkipCallback | None = None, every_s: float | None = 1.0) -> Region:
    """Read a region folder. Truth from truth.csv replaces EXIF GPS: it is the curated answer. A video
    in its queries/ gives a frame every `every_s` seconds (load_queries; None: automatic)."""
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
    queries = load_queries(qdir, base=root, on_skip=on_skip, every_s=every_s)
    return Region(root, tiles, with_truth_csv(queries, root, tile_ids={t.id for t in tiles.tiles}))


def _truth_file(root: Path) -> Path | None:
    """`root`/truth.csv, or the one file there named so in another case (`Truth.CSV`, as Windows may
    save it: _not_a_photo names it as truth whatever its case, so it must be read whatever its case)."""
    exact = root / "truth.csv"
    if exact.is_file():
        return exact
    try:
        found = [p for p in root.iterdir() if p.name.lower() == "truth.csv" and p.is_file()]
    except OSError:
        return None
    return found[0] if len(found) == 1 else None


def with_truth_csv(queries: Sequence[Query], root: Path, *,
                   tile_ids: set[str] | frozenset[str] | None = None) -> tuple[Query, ...]:
    """`queries` (ids relative to `root`) with `root`/truth.csv applied when there is one: its rows
    replace EXIF/XMP GPS (the curated answer; truth_source "truth.csv"). Rows of files that were
    skipped as unreadable are ignored: those were reported. Unchanged without a truth.csv. Raises
    InputError naming the file and line for a bad row (read_truth_csv)."""
    truth_path = _truth_file(Path(root))
    if truth_path is None:
        return tuple(queries)
    truth = read_truth_csv(truth_path, root, tile_ids=tile_ids)
    return tuple(
        replace(q, truth=truth[q.id][0], truth_tile=truth[q.id][1], truth_source="truth.csv", truth_note=None)
        if q.id in truth
        else q
        for q in queries
    )
