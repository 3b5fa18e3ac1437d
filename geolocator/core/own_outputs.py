"""geolocator's own outputs named among the drone photos, wherever they are given (session 37, ownout37).

A folder's listing (queries._folder_files) set aside the evidence and the z/x/y tile folders found *inside*
the folder given. Given any other way they were read as photos: an evidence picture or a map tile named
as a file (`locate photos/ evidence/*`, a shell's glob), or a folder given inside a tile folder
(`locate area/19`), whose tiles lie below a z/x/y root that begins above what was given.

How a file is known for ours, from what geolocator writes and nothing else:
- evidence: `<stem>.evidence.png` beside its `<stem>.evidence.json` record (evidence.earlier_evidence);
- a map tile: a `Z/X/Y.<image>` path (sources.xyz.tile_folder_of) whose root holds the file the fetcher
  wrote beside z/ (fetch-tiles' metadata.json, gdal2tiles' tilemapresource.xml:
  sources.xyz.has_fetcher_files). A tile's square size alone is not enough here: what a person named as
  photos is taken for a tile only on that file (numbered photos, `flights/12/3/1.jpg`, are photos);
- a geotagged copy (`--geotag-copies`) is a photo (its pixels are the original's): it is left out only
  beside its original (media/copies.geotagged_copies), never here.
"""

from __future__ import annotations

import os
from pathlib import Path


def tile_root_named(path: Path) -> Path | None:
    """The z/x/y tile folder (absolute) whose tile the file `path` is, known by its fetcher's file
    (sources.xyz.has_fetcher_files), else None. Reads no image: a stat or two."""
    from .sources.xyz import has_fetcher_files, tile_folder_of

    root = tile_folder_of(Path(os.path.abspath(path)))  # absolute: `19/94460/1.jpg` given from inside area/
    return root if root is not None and has_fetcher_files(root) else None


def own_file(path: Path) -> str | None:
    """Why the file `path`, named as a drone photo, is one geolocator wrote (evidence) or reads as imagery
    (a tile of a fetched z/x/y folder): a sentence to skip it with; None for anything else (a photo)."""
    from .evidence import earlier_evidence

    ours = earlier_evidence(path)
    if ours is not None:
        return ours
    root = tile_root_named(path)
    if root is not None:
        return (f"a map tile of the z/x/y tile folder {root}, imagery, not a drone photo: not read as a photo "
                "(a tile set is opened with --tiles or the app's Open Tile Set)")
    return None


def group_of(path: Path) -> Path:
    """The folder an own file is said under (queries._skip_not_photos: one line a folder): a tile's
    tile folder, an evidence file's own folder."""
    root = tile_root_named(path)
    return root if root is not None else Path(path).parent
