"""A Verifier's memory is bounded, whatever the number of tiles it verifies against (session 29).

Before: every tile's keypoints (SIFT at 512 px: ~0.78 MB) and every mosaic were kept for the
Verifier's life, so a long flight over a large area held O(tiles visited) memory (2,000 tiles
~1.6 GB). These tests count the descriptions still alive after verifying against many tiles (a
memory shape, not a timing), with the describing faked so they run in milliseconds.
"""

from __future__ import annotations

import gc
import weakref
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from geolocator.core import rerank
from geolocator.core.bounded_cache import BytesLRU
from geolocator.core.geo import Bounds
from geolocator.core.model import Tile
from geolocator.core.rerank import LocalFeatures, Verifier, VerifySettings

N_POINTS = 1000  # a fake description's keypoints: 1000 x (2 + 128) float32 = 520,000 bytes
ONE = N_POINTS * 130 * 4


def _feat(tag: float) -> LocalFeatures:
    return LocalFeatures(np.full((N_POINTS, 2), tag, np.float32), np.full((N_POINTS, 128), tag, np.float32), (64, 64))


def _grid(tmp_path: Path, n: int) -> list[Tile]:
    """n x n tiles of 0.001 deg, one (empty) file each: the describing is faked."""
    tiles = []
    for r in range(n):
        for c in range(n):
            path = tmp_path / f"t{r}_{c}.png"
            path.write_bytes(b"x")
            b = Bounds(10 + c * 0.001, 50 + r * 0.001, 10 + (c + 1) * 0.001, 50 + (r + 1) * 0.001)
            tiles.append(Tile(f"t{r}_{c}", path, b))
    return tiles


def _alive(refs) -> int:
    gc.collect()
    return sum(ref() is not None for ref in refs)


def test_tile_descriptions_kept_stay_within_the_budget(tmp_path, monkeypatch):
    tiles = _grid(tmp_path, 6)  # 36 tiles
    index = {t.id: i for i, t in enumerate(tiles)}
    described = []

    def describe(tile, settings, **kw):
        described.append(tile.id)
        return _feat(index[tile.id])

    monkeypatch.setattr(rerank, "tile_local_features", describe)
    monkeypatch.setattr(rerank, "TILE_MEMORY_BYTES", 5 * ONE, raising=False)
    v = Verifier(VerifySettings())
    refs = [weakref.ref(v.tile(t)) for t in tiles]
    # before session 29 all 36 stayed alive (~19 MB here; ~0.78 MB a real tile)
    assert _alive(refs) <= 5
    assert described == [t.id for t in tiles]  # each described once so far
    # the most recent ones are kept: asked again, not described again
    assert v.tile(tiles[-1]) is refs[-1]()
    assert len(described) == 36
    # one dropped is described again, the same keypoints (answers do not change, only the time)
    again = v.tile(tiles[0])
    assert described[-1] == tiles[0].id and len(described) == 37
    np.testing.assert_array_equal(again.descriptors, _feat(0).descriptors)


def test_mosaics_kept_stay_within_the_budget(tmp_path, monkeypatch):
    import geolocator.core.sources.tile_image as tile_image

    tiles = _grid(tmp_path, 5)  # 25 tiles, 25 mosaics of up to 9
    monkeypatch.setattr(rerank, "tile_local_features", lambda tile, s, **k: _feat(-1))
    monkeypatch.setattr(tile_image, "open_tile_image", lambda tile, min_side=None: Image.new("RGB", (8, 8)))
    made = []

    def describe(image, settings, contrast=None, zoom=1.0, between=None):
        made.append(image.size)
        return _feat(len(made))

    monkeypatch.setattr(rerank, "image_local_features", describe)
    monkeypatch.setattr(rerank, "MOSAIC_MEMORY_BYTES", 4 * ONE, raising=False)
    v = Verifier(VerifySettings(mosaic=1))
    refs = [weakref.ref(v.target(tiles, i)[0]) for i in range(len(tiles))]
    assert len(made) == 25
    assert _alive(refs) <= 4  # before session 29: 25


def test_bytes_lru_drops_the_least_recently_used_first():
    cache = BytesLRU(10, len)
    cache.put("a", "xxxx")
    cache.put("b", "xxxx")
    assert cache.get("a") == "xxxx"  # "a" is now the most recent
    cache.put("c", "xxxx")  # 12 bytes > 10: the least recently used ("b") goes
    assert "b" not in cache and "a" in cache and "c" in cache
    assert cache.nbytes == 8 and len(cache) == 2 and cache.dropped == 1
    cache["a"] = "x"  # replacing counts the new size only
    assert cache.nbytes == 5
    assert cache.get("missing", 7) == 7
    with pytest.raises(KeyError):
        cache["missing"]


def test_bytes_lru_keeps_one_value_larger_than_the_budget_alone():
    cache = BytesLRU(3, len)
    cache.put("a", "xx")
    cache.put("big", "xxxxxxxx")
    assert list(k for k in ("a", "big") if k in cache) == ["big"] and cache.nbytes == 8
    cache.put("c", "x")  # the next put drops it
    assert "big" not in cache and cache.nbytes == 1
    with pytest.raises(ValueError):
        BytesLRU(-1, len)
