"""An ArcGIS tile cache given as the tile set is refused with a sentence that says what it is and what
to do (session 32, fieldfuzz32); it was "not a tile set: expected …", naming nothing it could be."""

from __future__ import annotations

import pytest

from geolocator.core.errors import InputError
from geolocator.core.sources.arcgis_cache import PROBLEM
from geolocator.core.tilesets import load_tileset

from .helpers import png_file

CONF = ("<?xml version='1.0' encoding='utf-8'?>\n<CacheInfo xsi:type='typens:CacheInfo' "
        "xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><TileCacheInfo/></CacheInfo>\n")


def _exploded(root):
    """ArcGIS's exploded layout: Layers/conf.xml, Layers/_alllayers/L19/R<row hex>/C<col hex>.jpg."""
    for row, col in ((0x00032A1B, 0x00016C2F), (0x00032A1C, 0x00016C2F)):
        png_file(root / "Layers" / "_alllayers" / "L19" / f"R{row:08x}" / f"C{col:08x}.jpg")
    (root / "Layers" / "conf.xml").write_text(CONF)
    return root


def _compact(root):
    """A compact cache (V2) without its conf.xml: Layers/_alllayers/L17/R0000C0000.bundle."""
    level = root / "Layers" / "_alllayers" / "L17"
    level.mkdir(parents=True)
    (level / "R0000C0000.bundle").write_bytes(b"\x03\x00\x00\x00" + b"\x00" * 60)
    return root


@pytest.mark.parametrize("make", [_exploded, _compact])
@pytest.mark.parametrize("picked", ["", "Layers", "Layers/_alllayers"])
def test_an_arcgis_cache_is_refused_saying_what_it_is(tmp_path, make, picked):
    folder = make(tmp_path / "cache") / picked
    with pytest.raises(InputError) as err:
        load_tileset(folder)
    assert str(err.value) == f"{folder}: {PROBLEM}"
    assert "ArcGIS tile cache" in PROBLEM and "gdal_translate" in PROBLEM


def test_another_folder_is_still_not_a_tile_set(tmp_path):
    png_file(tmp_path / "L19" / "notes" / "a.jpg")  # a level-like name alone is no cache
    with pytest.raises(InputError) as err:
        load_tileset(tmp_path)
    assert err.value.problem.startswith("not a tile set: expected ")
