"""An XYZ folder holds every kind of tile fetch-tiles writes into one (fetch.TILE_EXTENSIONS: png, jpg,
webp and gif, the kind told from the bytes) and the AVIF tiles packages hold (pmtiles36)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, features

from geolocator.core.sources import fetch as F
from geolocator.core.sources.tile_image import open_tile_image
from geolocator.core.sources.xyz import XYZ_SUFFIXES
from geolocator.core.tilesets import load_tileset


def _encoded(fmt: str, colour) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, fmt)
    return buf.getvalue()


def test_every_kind_fetch_tiles_writes_is_a_folder_tile():
    assert {f".{ext}" for ext in F.TILE_EXTENSIONS} <= XYZ_SUFFIXES


def test_a_folder_fetched_from_a_gif_server_is_read(tmp_path):
    """Regression: fetch-tiles stores a GIF tile as z/x/y.gif (FolderSink.put, image_kind "gif"), but the
    XYZ reader took .png/.jpg/.jpeg/.webp only: the folder it had just written was "not a tile set"."""
    sink = F.open_sink(tmp_path / "set", F.TileTemplate("https://h.org/{z}/{x}/{y}.gif", attribution="(c) h",
                                                        name="GIF service"))
    for x in (68000, 68001):
        data = _encoded("GIF", (0, 128, 255))
        assert F.image_kind(data) == "gif"
        sink.put(17, x, 45000, data, "gif")
    sink.commit()
    sink.close()
    ts = load_tileset(tmp_path / "set")
    assert [t.id for t in ts.tiles] == ["17/68000/45000.gif", "17/68001/45000.gif"]
    assert ts.attribution == "(c) h"
    assert np.asarray(open_tile_image(ts.tiles[0]))[0, 0].tolist() == [0, 128, 255]


def test_a_folder_of_avif_tiles_is_read(tmp_path):
    if not features.check("avif"):
        pytest.skip("this Pillow has no AVIF codec")
    d = tmp_path / "set" / "17" / "68000"
    d.mkdir(parents=True)
    (d / "45000.avif").write_bytes(_encoded("AVIF", (40, 90, 30)))
    ts = load_tileset(tmp_path / "set")
    assert [t.id for t in ts.tiles] == ["17/68000/45000.avif"]
    assert open_tile_image(ts.tiles[0]).size == (256, 256)
