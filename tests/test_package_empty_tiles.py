"""A tile package's tiles more than half transparent (no data: a county's orthophoto clipped to its
boundary) are left out as an XYZ folder's are (emptytiles34). A folder drops them at load; a
package is read lazily, so they are judged where feature extraction decodes them anyway, by the same
rule (sources.registry.holds_data), never searched (a flat fill of no data was a candidate for a
photo of open water or snow), said as a folder's are, and remembered in the cache and the feature
store so a second run does not decode them again."""

from __future__ import annotations

import io
import logging

import numpy as np
import pytest
from PIL import Image

from geolocator.core.model import Query
from geolocator.core.sources import mbtiles
from geolocator.core.sources.tile_image import tile_bytes
from geolocator.core.tilesets import load_tileset

from .test_map_tile_alpha import ZOOM, clipped  # noqa: F401 - the clipped disc as a folder and packages


def _data_fraction(tile) -> float:
    """Fraction of the tile's pixels with alpha > 0, counted here from its stored PNG bytes."""
    return float((np.asarray(Image.open(io.BytesIO(tile_bytes(tile))).convert("RGBA"))[..., 3] > 0).mean())


def _reads(monkeypatch) -> list:
    reads: list = []
    real = mbtiles.read_tile
    monkeypatch.setattr(mbtiles, "read_tile", lambda p, r: (reads.append(r), real(p, r))[1])
    return reads


def test_extraction_marks_a_packages_empty_tiles_by_the_folders_rule_and_caches_it(clipped, tmp_path,  # noqa: F811
                                                                                    monkeypatch):
    from geolocator.core.cache import FeatureCache
    from geolocator.core.extract import extract_features

    from .test_extract import tiny_backbone

    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    folder = load_tileset(paths["folder"], zoom=ZOOM)
    want = {i for i, t in enumerate(package.tiles) if _data_fraction(t) < 0.5}
    assert 0 < len(want) < len(package)  # the set has edge tiles and imagery: the check is not vacuous
    assert len(folder) == len(package) - len(want)  # the folder left out the same tiles at load
    cache = FeatureCache(tmp_path / "cache")
    backbone = tiny_backbone()
    first = extract_features(package.tiles, backbone, views=("rot0", "rot90"), cache=cache)
    assert first.empty == want and not first.failed
    assert not first.features[sorted(want)].any()  # zero rows: no evidence
    kept = [i for i in range(len(package)) if i not in want]
    assert np.allclose(np.linalg.norm(first.features[kept], axis=-1), 1.0, atol=1e-3)
    reads = _reads(monkeypatch)
    again = extract_features(package.tiles, backbone, views=("rot0", "rot90"), cache=cache)
    assert again.empty == want and reads == [] and again.computed == 0  # not decoded again


@pytest.mark.parametrize("dense_max", [1_000_000, 1])  # the dense matrix, and the TileIndex route
def test_an_empty_package_tile_is_never_a_candidate_and_is_said_as_a_folders(clipped, tmp_path, caplog,  # noqa: F811
                                                                               monkeypatch, dense_max):
    from geolocator.core.pipeline import Settings, Workspace

    from .test_extract import tiny_backbone

    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    empty = {t.id for t in package.tiles if _data_fraction(t) < 0.5}
    # a photo of open water / snow: one flat colour, as the no-data fill of an empty tile (grey 127)
    flat = tmp_path / "lake.png"
    Image.new("RGB", (320, 240), (127, 127, 127)).save(flat)
    photos = [Query("lake.png", flat)]

    def run():
        ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",),
                                dense_max=dense_max, top_k=len(package)))
        ws.set_backbone("tiny", loaded=tiny_backbone())
        ws.open_tiles(package)
        return ws, ws.locate(photos)

    with caplog.at_level(logging.INFO, logger="geolocator"):
        ws, predictions = run()
    shown = [m.tile.id for m in predictions[0].matches]  # what the app draws as the photo's tile cards
    assert shown and not set(shown) & empty
    assert len(shown) == len(package) - len(empty)
    assert {ws.tileset.tiles[i].id for i in ws.tile_empty} == empty and ws.tile_failures == {}
    said = f"{len(empty)} of {len(package)} tiles left out: more than half of each is transparent (no data)"
    assert any(said in r.getMessage() and str(paths["mbtiles"]) in r.getMessage() for r in caplog.records)
    with caplog.at_level(logging.INFO, logger="geolocator"):  # the folder says it in the same words
        caplog.clear()
        load_tileset(paths["folder"], zoom=ZOOM)
    assert any(said in r.getMessage() for r in caplog.records)
    # a second run finds them in the feature store: no tile decoded again, the same left out
    reads = _reads(monkeypatch)
    ws2, again = run()
    assert reads == [] and ws2.tile_empty == ws.tile_empty
    assert [m.tile.id for m in again[0].matches] == shown
