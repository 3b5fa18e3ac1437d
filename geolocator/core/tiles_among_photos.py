"""The tile set's own files among the photos to locate: an orthophoto kept in the flight's folder
(`locate flight/ --tiles flight/ortho.tif`) was read as one more drone photo and "located" in itself,
confident 0.997 (session 31, newuser31_session31.md). Such a file is not a query: it is skipped, named."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from .errors import InputError
from .media.copies import file_digest, file_size
from .model import Query, TileSet
from .names import readable

log = logging.getLogger("geolocator")

REASON = "the tile set's own imagery, not a drone photo"
COPY_REASON = "a copy of the tile set's imagery, not a drone photo"


def _real(path: Path) -> str:
    return os.path.realpath(path)


def without_the_tile_set(queries: Sequence[Query], tileset: TileSet,
                         on_skip: Callable[[Path, str], None] | None = None) -> tuple[Query, ...]:
    """`queries` less those whose file is one the tile set was read from: its source file (a GeoTIFF, an
    image with a world file, a tile package, a tiles.csv) or any of its tiles' files (a folder of images
    with world files, a tiles.csv's images). Files are compared by their real path (links followed); a
    file of the source file's size is also compared by its bytes (media/copies.file_digest, BLAKE2b), so a copy of the orthophoto
    in the photos' folder is left out too. Each file left out is logged as a warning and given to
    `on_skip(path, reason)`, once.

    Returns the queries kept, in their order. Raises InputError (naming the tile set's source) when no
    query is left: every file given to locate is the imagery itself."""
    own = {_real(tileset.source)} if Path(tileset.source).is_file() else set()
    own.update(_real(t.path) for t in tileset.tiles if t.ref is None)  # a package's entries share its file
    source = Path(tileset.source)
    size = file_size(source) if source.is_file() else None
    digest: list[bytes | None] = []  # the source's, computed once when a file of its size turns up
    kept: list[Query] = []
    said: set[str] = set()
    for q in queries:
        real = _real(q.path)
        reason = REASON if real in own else None
        if reason is None and size is not None and file_size(q.path) == size:
            if not digest:
                digest.append(file_digest(source))
            if digest[0] is not None and file_digest(q.path) == digest[0]:
                reason = COPY_REASON
        if reason is None:
            kept.append(q)
            continue
        if real not in said:
            said.add(real)
            log.warning("%s: skipped (%s)", readable(str(q.path)), reason)
            if on_skip is not None:
                on_skip(q.path, reason)
    if queries and not kept:
        raise InputError(Path(tileset.source), "the only files given to locate are this imagery itself: "
                                               "give the drone photos or videos to locate, and the imagery with --tiles")
    return tuple(kept)
