"""Slippy-map tile folders z/x/y.png, with their row order (XYZ or TMS) read where the data
states it and checked for plausibility where it does not.

Where the row order is stated, in this order:
1. the user: `--tms` / `--xyz` (LoadOptions.tms), always obeyed;
2. gdal2tiles' `tilemapresource.xml` (OSGeo TMS 1.0.0 spec): TMS rows; its TileSets `profile`
   says mercator (Web Mercator grid) or geodetic (EPSG:4326 grid); raster/local is refused;
3. gdal2tiles --xyz's `mapml.mapml` (XYZ rows; that mode writes no tilemapresource.xml);
4. a TileJSON beside the tiles (`metadata.json`, `tilejson.json`, `*.tilejson`): its "scheme"
   ("xyz" | "tms", TileJSON 2.x) or a `{-y}` in its "tiles" URL templates (TMS).
Otherwise the photos' GPS and a user-given area decide between the two readings when exactly
one of them covers them, with a warning either way; with nothing to go on, XYZ and a warning.
"""

from __future__ import annotations

import json
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from ..bom_text import read_bom_text
from ..errors import InputError
from ..geo import geodetic_tile_bounds, xyz_tile_bounds
from ..model import Bounds, LatLon, Tile, TileSet
from .registry import LoadOptions, Reader, keep_tiles_with_data

log = logging.getLogger("geolocator")

# .gif: what fetch-tiles writes for a server that sends GIF (fetch.TILE_EXTENSIONS); .avif: as in packages
XYZ_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif"})
TILEJSON_NAMES = ("metadata.json", "tilejson.json")
_INT = re.compile(r"^\d+$")
# a tile's file name: its row, and "@2x" / "@3x" for high-density tiles (Mapbox's and Leaflet's
# `{r}` naming for screens of 2 or 3 device pixels a CSS pixel: the same ground, 512 or 768 px)
_TILE_NAME = re.compile(r"^(\d+)(?:@([23])x)?$")
# The facts of a row-order warning, on its log record (`extra`), so that the app can word it for its
# own Row order box instead of the CLI's --tms / --xyz (gui/warnings_log.app_wording): a dict with
# "folder", "kind" ("guessed": read as `read_as` because `what` lies on the tiles only that way;
# "unchecked": read as XYZ with nothing to check it; "overridden": `stated_by` says `stated` rows but
# the user chose `read_as`), and "read_as" ("XYZ" | "TMS").
ROW_ORDER = "row_order"


@dataclass(frozen=True)
class TileGrid:
    """How tile indices map to the ground, and where that came from (for messages)."""

    tms: bool  # rows count from the south
    profile: str = "mercator"  # "mercator" (Web Mercator, EPSG:3857) or "geodetic" (EPSG:4326)
    geodetic_deg0: float = 180.0  # geodetic tile width at zoom 0 (180 --tmscompatible, 360 not)
    source: str = "default"  # "user", "tilemapresource.xml", "TileJSON", "photos' GPS", "area", "default"

    def bounds(self, z: int, x: int, y: int) -> Bounds:
        if self.profile == "geodetic":
            return geodetic_tile_bounds(z, x, y, self.geodetic_deg0 / 2**z, tms=self.tms)
        return xyz_tile_bounds(z, x, y, tms=self.tms)


def xyz_files(folder: Path) -> list[tuple[int, int, int, Path]]:
    """(z, x, y, path) of every z/x/y.<image> file under `folder` (y@2x.<image> too), sorted. Where
    a tile is stored at two densities (`5.png` and `5@2x.png`), the denser one is kept."""
    found: dict[tuple[int, int, int], tuple[int, Path]] = {}
    for zdir in folder.iterdir():
        if not (zdir.is_dir() and _INT.match(zdir.name)):
            continue
        for xdir in zdir.iterdir():
            if not (xdir.is_dir() and _INT.match(xdir.name)):
                continue
            for f in xdir.iterdir():
                m = _TILE_NAME.match(f.stem)
                if m and f.suffix.lower() in XYZ_SUFFIXES and f.is_file():
                    key, density = (int(zdir.name), int(xdir.name), int(m.group(1))), int(m.group(2) or 1)
                    if key not in found or density > found[key][0]:
                        found[key] = (density, f)
    return sorted((*key, f) for key, (_, f) in found.items())


def tile_folder_of(path: Path) -> Path | None:
    """The z/x/y tile folder whose tile `path` is (`ROOT/Z/X/Y.<image>`, `Y@2x` too, 0 <= Z <= 30 and
    X, Y < 2**Z: a tile index, which `2024/05/12.jpg` is not), else None. From the path alone: for the
    photos' listing (core/queries.py), where a tile folder fetched into the photos' folder
    (`fetch-tiles --out photos/area`) was read as drone photos (session 36)."""
    path = Path(path)
    m = _TILE_NAME.match(path.stem)
    if m is None or path.suffix.lower() not in XYZ_SUFFIXES or len(path.parts) < 4:
        return None
    z, x = path.parent.parent.name, path.parent.name
    if not (_INT.match(z) and _INT.match(x)) or int(z) > 30:
        return None
    if int(x) >= 2 ** int(z) or int(m.group(1)) >= 2 ** int(z):
        return None
    return path.parents[2]


# A map tile is square: 256 or 512 px, 512-1024 px for @2x/@3x tiles. A drone photo is neither.
TILE_MAX_SIDE = 1024


def has_fetcher_files(root: Path) -> bool:
    """Whether the folder `root` holds the file a tile fetcher writes beside its z/ folders: fetch-tiles'
    metadata.json (package.FOLDER_METADATA) or gdal2tiles' tilemapresource.xml. The one sign that does not
    depend on where the listing began: a folder given inside a tile folder (`area/19`) is known by it."""
    from .package import FOLDER_METADATA

    root = Path(root)
    return (root / FOLDER_METADATA).is_file() or (root / "tilemapresource.xml").is_file()


def is_tile_folder(root: Path, tile: Path) -> bool:
    """Whether `root`, which tile_folder_of gives for `tile`, is a map tile folder: it holds the files a
    tile fetcher writes beside z/ (fetch-tiles' metadata.json, gdal2tiles' tilemapresource.xml), or `tile`
    has a map tile's size (from its header: square, at most TILE_MAX_SIDE px a side). Photos kept in
    numbered folders (`2024/05/12/0001.jpg`: z 5, x 12, y 1) have such paths too and were skipped as map
    tiles. A file whose header cannot be read counts as a tile (its path says so; nothing better is known)."""
    from ..images import image_size

    if has_fetcher_files(root):
        return True
    try:
        width, height = image_size(Path(tile))
    except Exception:  # noqa: BLE001 - any reader's refusal (InputError, OSError, Pillow's bomb check)
        return True
    return width == height <= TILE_MAX_SIDE


def row_order_from_template(template: str) -> bool | None:
    """True (TMS) for a URL template with `{-y}` (Leaflet/QGIS/JOSM convention for flipped rows),
    False (XYZ) for a plain `{y}`, None when it has neither."""
    t = template.replace(" ", "").lower()
    if "{-y}" in t:
        return True
    if "{y}" in t:
        return False
    return None


def read_tilemapresource(path: Path) -> TileGrid:
    """The grid a gdal2tiles `tilemapresource.xml` describes (always TMS rows). Raises InputError
    naming the file for the raster profile (pixel grid, no map coordinates) or a broken file.

    gdal2tiles writes the BoundingBox/Origin of mercator sets in swapped lat/lon order, so only
    the profile, the SRS and units-per-pixel are trusted; the grid itself is the standard one.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise InputError(path, f"cannot read tilemapresource.xml ({exc})") from None
    tilesets = root.find("TileSets")
    profile = (tilesets.get("profile", "") if tilesets is not None else "").strip().lower()
    srs = (root.findtext("SRS") or "").strip().upper()
    if profile in ("mercator", "global-mercator") or (not profile and srs in ("EPSG:3857", "EPSG:900913", "OSGEO:41001")):
        return TileGrid(tms=True, profile="mercator", source=path.name)
    if profile in ("geodetic", "global-geodetic") or (not profile and srs in ("EPSG:4326", "OSGEO:4326")):
        deg0 = 180.0
        fmt = root.find("TileFormat")
        first = tilesets.find("TileSet") if tilesets is not None else None
        try:
            width = float(fmt.get("width", 256)) if fmt is not None else 256.0
            upp = float(first.get("units-per-pixel"))
            order = int(first.get("order", first.get("href", "0")))
            deg0 = upp * width * 2**order
        except (AttributeError, TypeError, ValueError):
            pass  # the TMS-compatible default
        if min(abs(deg0 - 180.0), abs(deg0 - 360.0)) > 1e-6 * deg0:
            raise InputError(path, f"geodetic tiles {deg0:g}° wide at zoom 0: not a grid geolocator knows (180° or 360°)")
        return TileGrid(tms=True, profile="geodetic", geodetic_deg0=round(deg0), source=path.name)
    raise InputError(
        path,
        f"gdal2tiles profile {profile or srs or 'unknown'!r}: the tiles follow the source image's pixel grid, not map "
        "coordinates, so they cannot be georeferenced; cut them again with gdal2tiles -p mercator",
    )


def _tilejson_order(folder: Path) -> tuple[bool, str] | None:
    names = [folder / n for n in TILEJSON_NAMES] + sorted(folder.glob("*.tilejson"))
    for path in names:
        if not path.is_file():
            continue
        try:
            # a Windows editor's BOM (RFC 8259 §8.1 lets a reader ignore it): UTF-8's, or UTF-16's ("Unicode")
            doc = json.loads(read_bom_text(path))
        except (OSError, ValueError):
            log.warning("%s: not readable JSON; ignored for the tiles' row order", path)
            continue
        if not isinstance(doc, dict):
            continue
        scheme = str(doc.get("scheme", "")).strip().lower()
        if scheme in ("xyz", "tms"):
            return scheme == "tms", f"{path.name} (scheme {scheme})"
        for template in doc.get("tiles") or []:
            order = row_order_from_template(str(template))
            if order is not None:
                return order, f"{path.name} (template {template})"
    return None


def _extent(files, grid: TileGrid) -> Bounds | None:
    """Union of the tiles' bounds at their finest zoom under `grid` (cheap: per-row extremes)."""
    zmax = max(z for z, *_ in files)
    out = None
    for z, x, y, _ in files:
        if z != zmax:
            continue
        try:
            b = grid.bounds(z, x, y)
        except ValueError:
            return None
        out = b if out is None else out.union(b)
    return out


def _overlaps(a: Bounds, b: Bounds) -> bool:
    lat = max(a.south, b.south)
    if lat > min(a.north, b.north):
        return False
    return a.contains(LatLon(lat, b.west)) or b.contains(LatLon(lat, a.west))


def _plausible_order(folder: Path, files, options: LoadOptions, profile: TileGrid) -> TileGrid:
    """Pick XYZ or TMS when the folder does not say: the reading under which the photos' GPS /
    the user's area falls on the tiles, when exactly one does. Warns unless the evidence confirms XYZ,
    the default reading (then an INFO line says so): a guess against the default is a guess."""
    readings = {tms: _extent(files, TileGrid(tms=tms, profile=profile.profile, geodetic_deg0=profile.geodetic_deg0)) for tms in (False, True)}
    name = {False: "XYZ (rows from the north)", True: "TMS (rows from the south)"}
    evidence = []
    if options.hint_points:
        evidence.append(("the photos' GPS", lambda b: sum(b.contains(p) for p in options.hint_points)))
    if options.area is not None:
        evidence.append(("the given area", lambda b: int(_overlaps(b, options.area))))
    for what, score in evidence:
        fits = {tms: (score(b) if b is not None else 0) for tms, b in readings.items()}
        if fits[True] and not fits[False]:
            log.warning("%s: the row order is not stated (no tilemapresource.xml or TileJSON); %s lies on the tiles only "
                        "when they are read as %s, so they are read that way (--xyz to override)", folder, what, name[True],
                        extra={ROW_ORDER: {"folder": str(folder), "kind": "guessed", "what": what, "read_as": "TMS"}})
            return TileGrid(tms=True, profile=profile.profile, geodetic_deg0=profile.geodetic_deg0, source=what)
        if fits[False] and not fits[True]:
            log.info("%s: rows read as %s; %s lies on the tiles that way", folder, name[False], what)
            return TileGrid(tms=False, profile=profile.profile, geodetic_deg0=profile.geodetic_deg0, source=what)
        if not fits[False] and not fits[True]:
            log.warning("%s: %s lies outside the tiles whether rows are read as XYZ or TMS", folder, what)
    log.warning("%s: the row order is not stated (no tilemapresource.xml or TileJSON) and cannot be checked; read as %s. "
                "If photos land at the mirror-image latitude, use --tms", folder, name[False],
                extra={ROW_ORDER: {"folder": str(folder), "kind": "unchecked", "read_as": "XYZ"}})
    return TileGrid(tms=False, profile=profile.profile, geodetic_deg0=profile.geodetic_deg0)


def stated_grid(folder: Path) -> TileGrid | None:
    """The grid and row order `folder` states itself (module docstring, 2-4: tilemapresource.xml,
    mapml.mapml, a TileJSON), None when it states none (the row order is then checked against the
    photos' GPS, or guessed). Raises InputError for a gdal2tiles raster-profile folder."""
    folder = Path(folder)
    xml = folder / "tilemapresource.xml"
    if xml.is_file():
        return read_tilemapresource(xml)
    if (folder / "mapml.mapml").is_file():
        # gdal2tiles --xyz writes no tilemapresource.xml but (with its default web viewers) a MapML page
        return TileGrid(tms=False, source="mapml.mapml (gdal2tiles --xyz)")
    found = _tilejson_order(folder)
    return None if found is None else TileGrid(tms=found[0], source=found[1])


def looks_like_xyz(folder: Path) -> bool:
    """Whether `folder` holds z/x/y tiles (a z folder holding an x folder holding a tile), found
    without listing the whole pyramid: for the app, which asks the row order of such a folder."""
    folder = Path(folder)
    try:
        for zdir in folder.iterdir():
            if zdir.is_dir() and _INT.match(zdir.name):
                for xdir in zdir.iterdir():
                    if xdir.is_dir() and _INT.match(xdir.name):
                        if any(f.suffix.lower() in XYZ_SUFFIXES and _TILE_NAME.match(f.stem) for f in xdir.iterdir()):
                            return True
    except OSError:  # not a folder, or unreadable: opening it says why
        return False
    return False


def detect_grid(folder: Path, files=None, options: LoadOptions | None = None) -> TileGrid:
    """The grid and row order of an XYZ/TMS folder (see the module docstring for the order of
    evidence). Raises InputError for a gdal2tiles raster-profile folder."""
    folder = Path(folder)
    options = options or LoadOptions()
    stated = stated_grid(folder)
    if options.tms is not None:
        if stated is not None and stated.tms != options.tms:
            log.warning("%s: %s says %s rows but %s was given; following %s", folder, stated.source,
                        "TMS" if stated.tms else "XYZ", "--tms" if options.tms else "--xyz", "--tms" if options.tms else "--xyz",
                        extra={ROW_ORDER: {"folder": str(folder), "kind": "overridden", "stated_by": stated.source,
                                           "stated": "TMS" if stated.tms else "XYZ",
                                           "read_as": "TMS" if options.tms else "XYZ"}})
        base = stated or TileGrid(tms=options.tms)
        return TileGrid(tms=options.tms, profile=base.profile, geodetic_deg0=base.geodetic_deg0, source="user")
    if stated is not None:
        log.info("%s: %s rows (%s, from %s)", folder, "TMS" if stated.tms else "XYZ", stated.profile, stated.source)
        return stated
    files = files if files is not None else xyz_files(folder)
    return _plausible_order(folder, files, options, TileGrid(tms=False))


def load_xyz_folder(folder: Path, tms: bool | None = None, *, options: LoadOptions | None = None) -> TileSet:
    """Slippy-map tiles z/x/y.png. `tms=True` when rows count from the south, False when from
    the north (XYZ), None to detect it (module docstring). Bounds are WGS84 degrees. Raises
    InputError naming the folder or file for a missing folder, no tiles, impossible indices or
    a gdal2tiles raster profile."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(folder, "not a folder")
    options = options or LoadOptions()
    if tms is not None:
        options = LoadOptions(**{**options.__dict__, "tms": tms})
    files = xyz_files(folder)
    if not files:
        raise InputError(folder, "no z/x/y tiles found (expected files like 17/68123/44012.png)")
    grid = detect_grid(folder, files, options)  # every level is evidence of the row order
    level = None
    if options.zoom is not None:  # one level (--zoom): the others are neither placed nor read
        at_zoom = [row for row in files if row[0] == int(options.zoom)]
        files = at_zoom or files  # none: package.only_zoom says which levels there are
    elif len({z for z, *_ in files}) > 1:
        # One level, as from a tile package: a gdal2tiles pyramid (zooms 12-19, say) read whole
        # mixed tiles kilometres wide with 100 m ones, each ranked and verified against the photos.
        level = _nearest_level(files, grid, options.tile_size_m)
        files = [row for row in files if row[0] == level]
    tiles = []
    for z, x, y, f in files:
        try:
            bounds = grid.bounds(z, x, y)
        except ValueError as exc:
            raise InputError(f, str(exc)) from None
        tiles.append(Tile(id=f.relative_to(folder).as_posix(), path=f, bounds=bounds))
    tiles = keep_tiles_with_data(tiles, folder)
    if not tiles:
        raise InputError(folder, "every tile is transparent (no data) in more than half its area")
    return TileSet(tiles, folder, zoom=level)


def _nearest_level(files, grid: TileGrid, tile_size_m: float | None) -> int:
    """The zoom level whose tiles are nearest `tile_size_m` ground metres (package.choose_zoom; None:
    its default), each level's size measured on one of its own tiles."""
    from ..geo import ground_size_m
    from .package import choose_zoom

    sample = {}
    for z, x, y, _ in files:
        sample.setdefault(z, (x, y))

    def ground_m(z: int) -> float:
        try:
            return ground_size_m(grid.bounds(z, *sample[z]))[0]
        except ValueError:  # impossible indices: the level is placed (and refused) below if chosen
            return 0.0

    return choose_zoom(sample, ground_m, tile_size_m)


def _claims(path: Path) -> bool:
    return path.is_dir() and bool(xyz_files(path))


def _load(path: Path, options: LoadOptions) -> TileSet:
    return load_xyz_folder(path, options=options)


READER = Reader("XYZ/TMS folder", _claims, _load, describe="z/x/y tile folders")
