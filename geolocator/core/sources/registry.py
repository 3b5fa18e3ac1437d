"""Which reader opens a tile set. Adding a format = one module here exposing `READER` + its name
in READER_MODULES (the order is the detection order: the first reader that claims a path wins)."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import InputError
from ..model import Bounds, LatLon, Tile, TileSet

log = logging.getLogger("geolocator")

# A tile with real data in less than this fraction of its area (alpha / nodata) is mostly border
# (gdal2tiles' edge tiles, an orthophoto's collar): not worth ranking.
MIN_VALID_FRACTION = 0.5

# Module names in this package, in detection order.
READER_MODULES: tuple[str, ...] = ("tilepackage", "csv", "geotiff", "xyz", "worldfile", "kml_overlay")


@dataclass(frozen=True)
class LoadOptions:
    """What the user told us about a tile set; readers ignore what does not apply to them."""

    epsg: int | str | None = None  # CRS of world-file tiles: EPSG number or any text pyproj knows
    tms: bool | None = None  # XYZ folder row order: True TMS, False XYZ, None detect
    tile_size_m: float | None = None  # ground metres of windows cut from a GeoTIFF
    overlap: float = 0.0  # fraction of a window shared with its neighbour
    # Where the photos are believed to be (their GPS) and a user-given area: used ONLY to check
    # that an ambiguous georeference (XYZ vs TMS rows) is plausible, never to locate photos.
    hint_points: tuple[LatLon, ...] = ()
    area: Bounds | None = None
    zoom: int | None = None  # the level read from a tile package; None picks the one nearest tile_size_m
    table: str | None = None  # a GeoPackage's tile table (gpkg.split_table); None: the first by name


@dataclass(frozen=True)
class Reader:
    name: str  # shown to users ("GeoTIFF", "XYZ/TMS folder")
    claims: Callable[[Path], bool]  # cheap check: is this path in my format?
    load: Callable[[Path, LoadOptions], TileSet]  # raises InputError naming the file
    describe: str = ""  # one phrase for "expected ..." messages
    # what a claimed file is, in words (swapped_hint); None: "imagery (<name>)". A reader that claims
    # by name alone (any .tif) says here what the file really holds.
    what: Callable[[Path], str] | None = None


@lru_cache(maxsize=1)
def readers() -> tuple[Reader, ...]:
    return tuple(importlib.import_module(f"{__package__}.{name}").READER for name in READER_MODULES)


def reader_for(path: Path) -> Reader | None:
    """The first reader that claims `path`, None when none does."""
    path = Path(path)
    for reader in readers():
        if reader.claims(path):
            return reader
    return None


def load(path: Path, options: LoadOptions | None = None) -> TileSet:
    """Read a tile set in whichever registered format claims it. Raises InputError otherwise."""
    path = Path(path)
    options = options or LoadOptions()
    if options.table is not None and not (path.is_file() and path.suffix.lower() == ".gpkg"):
        if path.exists():  # a table of a folder, a CSV or an MBTiles: there is none to choose
            raise InputError(path, f"a tile table ({options.table!r}) is chosen only in a GeoPackage (.gpkg): give "
                                   "the tile set alone")
    if not path.exists():
        raise InputError(path, "not found")
    reader = reader_for(path)
    if reader is None:
        expected = ", ".join(r.describe for r in readers() if r.describe)
        if path.is_dir():
            from .arcgis_cache import PROBLEM, is_arcgis_cache

            if is_arcgis_cache(path):
                raise InputError(path, PROBLEM)
            raise InputError(path, f"not a tile set: expected {expected}")
        raise InputError(path, f"unsupported tile set file: give {expected}")
    return reader.load(path, options)


def swapped_hint(tiles: Path, photos: Sequence[Path], command: str) -> str | None:
    """What to add when `tiles`, given as the tile set of `geolocator <command>`, could not be
    read: when it holds photos (a folder with photo files, searched below too, or a photo file)
    and one of `photos` is a tile set (a reader claims it), "… holds photos (2 .jpg files) and
    ortho.tif is imagery (GeoTIFF): were the photos and --tiles swapped? …" with the command the
    right way round, the imagery named as what it is (Reader.what: a TIFF without georeference is
    not called a GeoTIFF); None otherwise. Reads names (and a TIFF's header) only, no pixels."""
    import shlex
    from collections import Counter

    from ..images import PHOTO_SUFFIXES

    tiles = Path(tiles)
    imagery = next(((Path(p), r) for p in photos if (r := reader_for(Path(p))) is not None), None)
    if imagery is None:
        return None
    if tiles.is_dir():
        suffixes = Counter(f.suffix.lower() for f in tiles.rglob("*") if f.suffix.lower() in PHOTO_SUFFIXES
                           and f.is_file())
        if not suffixes:
            return None
        n = sum(suffixes.values())
        kinds = " and ".join(f"{k:,} {suffix}" for suffix, k in suffixes.most_common())
        held = f"holds photos ({kinds} file{'' if n == 1 else 's'})"
    elif tiles.is_file() and tiles.suffix.lower() in PHOTO_SUFFIXES:
        held = "is a photo"
    else:
        return None
    path, reader = imagery
    what = reader.what(path) if reader.what is not None else f"imagery ({reader.name})"
    return (f"{tiles} {held} and {path} is {what}: were the photos and --tiles swapped? "
            f"e.g. geolocator {command} {shlex.quote(str(tiles))} --tiles {shlex.quote(str(path))}")


def keep_tiles_with_data(tiles: Sequence[Tile], source: Path) -> tuple[Tile, ...]:
    """The image tiles whose alpha says at least MIN_VALID_FRACTION of them holds data (tiles
    without alpha are kept after a header read). Unreadable files are kept: decoding reports
    them later with the reason. Logs how many were left out."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from ..images import valid_fraction

    def fraction(tile: Tile) -> float | None:
        try:
            return valid_fraction(tile.path)
        except InputError:
            return None

    # Tiles with alpha are decoded to count it (PNG has no reduced decode); PIL releases the GIL
    # while decoding, so threads share the cores. Tiles without alpha cost a header read.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        fractions = list(pool.map(fraction, tiles, chunksize=64))
    kept = [t for t, f in zip(tiles, fractions) if holds_data(f)]
    if len(kept) < len(tiles):
        log.info("%s", left_out_line(source, len(tiles) - len(kept), len(tiles)))
    return tuple(kept)


def holds_data(fraction: float | None) -> bool:
    """Whether a tile whose data fraction is `fraction` (images.alpha_fraction: 0..1 of its pixels
    with alpha > 0, None without alpha) is kept: at least MIN_VALID_FRACTION. The one rule for a
    folder's tiles (at load) and a package's (at feature extraction, extract.EMPTY)."""
    return fraction is None or fraction >= MIN_VALID_FRACTION


def left_out_line(source, left_out: int, total: int) -> str:
    """What is said (logged at INFO) when `left_out` of `total` tiles of `source` are left out for
    holding no data (holds_data), a folder's at load and a package's after extraction alike."""
    return f"{source}: {left_out} of {total} tiles left out: more than half of each is transparent (no data)"
