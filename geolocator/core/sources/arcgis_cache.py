"""Recognising an ArcGIS tile cache given as a tile set, to refuse it with a sentence that says what
it is (session 32): geolocator reads no ArcGIS cache, and without this it was "not a tile set".

An ArcGIS Server / ArcGIS Pro cache folder holds a `conf.xml` (root element `CacheInfo`) and one
folder per level, `L00` … `L23`: an exploded cache stores each tile as `Lzz/Rrrrrrrrr/Ccccccccc.jpg`
(row and column in hexadecimal), a compact cache stores them in `.bundle` files (`Lzz/R0000C0000.bundle`).
"""

from __future__ import annotations

import re
from pathlib import Path

_LEVEL = re.compile(r"L\d\d")
_ROW = re.compile(r"R[0-9a-fA-F]{8}")
_BUNDLE = re.compile(r"R[0-9a-fA-F]{4,}C[0-9a-fA-F]{4,}\.(bundle|bundlx)", re.IGNORECASE)

PROBLEM = ("an ArcGIS tile cache (level folders L00, L01 … of tiles or .bundle files), which geolocator does "
           "not read: export its area as a GeoTIFF or MBTiles and give that (GDAL reads a compact cache's "
           "conf.xml: gdal_translate -projwin W N E S -projwin_srs EPSG:4326 conf.xml area.tif)")


def _cache_root(folder: Path) -> bool:
    """`folder` holds level folders with exploded rows or bundles, or a conf.xml naming CacheInfo."""
    conf = folder / "conf.xml"
    try:
        if conf.is_file() and b"<CacheInfo" in conf.read_bytes()[:4096]:
            return True
        levels = [d for d in folder.iterdir() if d.is_dir() and _LEVEL.fullmatch(d.name)]
        for level in levels[:3]:
            for entry in list(level.iterdir())[:20]:
                if (entry.is_dir() and _ROW.fullmatch(entry.name)) or (entry.is_file() and _BUNDLE.fullmatch(entry.name)):
                    return True
    except OSError:
        return False
    return False


def is_arcgis_cache(folder: Path) -> bool:
    """Whether `folder` is an ArcGIS cache, or the `Layers` / `_alllayers` folder above one (both
    are what a user picks). Cheap: names and the first bytes of conf.xml only."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    return any(_cache_root(f) for f in (folder, folder / "_alllayers", folder / "Layers", folder / "Layers" / "_alllayers"))
