"""A feature store written before a tile package's empty tiles were left out (emptytiles34) held the
model's features of those tiles; they were reused as they were and searched until the store was
deleted. It is mended on the next index run (core/store_mend.py): the empty tiles' rows cleared in
place, the other rows kept (nothing run through the model again), one line said; and a new store
never copies rows from such a store (FeatureStore.adopt)."""

from __future__ import annotations

import logging
import os
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from geolocator.core.model import Query
from geolocator.core.sources import registry
from geolocator.core.tilesets import load_tileset

from .test_map_tile_alpha import ZOOM, clipped  # noqa: F401 - the clipped disc as a folder and packages
from .test_package_empty_tiles import _data_fraction, _reads

JUDGED = "empty-tiles.json"  # store_mend.JUDGED, spelled out: the old code has no such name


def _workspace(tmp_path, package, dense_max, encoded=None):
    from geolocator.core.pipeline import Settings, Workspace

    from .test_extract import tiny_backbone

    ws = Workspace(Settings(cache_dir=tmp_path / "cache", verify=False, tile_views=("rot0",),
                            dense_max=dense_max, top_k=len(package)))
    hook = None if encoded is None else (lambda x: encoded.append(len(x)))
    ws.set_backbone("tiny", loaded=tiny_backbone(hook))
    ws.open_tiles(package)
    return ws


def _lake(tmp_path) -> list[Query]:
    """A photo of open water / snow: one flat colour, as the no-data fill of an empty tile."""
    flat = tmp_path / "lake.png"
    Image.new("RGB", (320, 240), (127, 127, 127)).save(flat)
    return [Query("lake.png", flat)]


def _old_store(tmp_path, package, monkeypatch):
    """The package indexed as before session 34: every tile run through the model, no mark. Returns
    (its store folder, its rows as written)."""
    with monkeypatch.context() as m:
        m.setattr(registry, "holds_data", lambda fraction: True)
        ws = _workspace(tmp_path, package, 1_000_000)
        features = np.array(ws.index(), np.float32)
        root = ws.store.root
        assert ws.tile_empty == set()
    del ws
    (root / JUDGED).unlink(missing_ok=True)
    return root, features


@pytest.mark.parametrize("dense_max", [1_000_000, 1])  # the dense matrix, and the TileIndex route
def test_an_old_stores_empty_tiles_are_cleared_without_computing_the_others(clipped, tmp_path, caplog,  # noqa: F811
                                                                           monkeypatch, dense_max):
    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    empty = {i for i, t in enumerate(package.tiles) if _data_fraction(t) < 0.5}
    assert 0 < len(empty) < len(package)
    root, before = _old_store(tmp_path, package, monkeypatch)
    assert before[sorted(empty)].any(axis=(1, 2)).all()  # the old store holds features for the empty tiles

    encoded: list[int] = []
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ws = _workspace(tmp_path, package, dense_max, encoded)
        predictions = ws.locate(_lake(tmp_path))
    assert ws.store.root == root  # the same store, mended
    assert sum(encoded) == len(ws.views()[1])  # the photo's views only: no tile run through the model again
    shown = {m.tile.id for m in predictions[0].matches}
    assert shown and not shown & {package.tiles[i].id for i in empty}
    assert len(shown) == len(package) - len(empty)
    assert ws.tile_empty == empty
    after = np.array(ws.store.gather(ws.store.lookup([k for k in _keys(package)])), np.float32)
    assert not after[sorted(empty)].any()  # cleared in the store itself
    kept = sorted(set(range(len(package))) - empty)
    assert np.array_equal(after[kept], before[kept])  # the tiles that hold data: their rows as they were
    said = [r.getMessage() for r in caplog.records if "written before empty package tiles" in r.getMessage()]
    assert len(said) == 1 and f"{len(empty)} of {len(package)} stored tiles" in said[0]
    assert str(paths["mbtiles"]) in said[0] and "cleared" in said[0]

    # mended once: the next run decodes nothing and says nothing of a mend
    caplog.clear()
    reads = _reads(monkeypatch)
    with caplog.at_level(logging.INFO, logger="geolocator"):
        ws2 = _workspace(tmp_path, package, dense_max)
        ws2.index()
    assert reads == [] and ws2.tile_empty == empty
    assert not any("written before" in r.getMessage() for r in caplog.records)


def _keys(tileset):
    from geolocator.core.extract import store_keys

    return store_keys(tileset.tiles)[0]


def test_a_new_store_copies_an_old_ones_rows_mended_and_a_judged_one_copies_none(clipped, tmp_path,  # noqa: F811
                                                                                     monkeypatch):
    """A tile set that lost a tile is a new store, which copies the rows other stores hold for the
    same files (FeatureStore.adopt). From a store not yet judged it copies the empty tiles' features
    too: a new store is judged whole after copying (nothing computed); a store judged already (a run
    of it was cut short) copies nothing from an unjudged one, and computes what it lacks."""
    from geolocator.core.store_mend import mark_judged

    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    empty_ids = {t.id for t in package.tiles if _data_fraction(t) < 0.5}
    _old_store(tmp_path, package, monkeypatch)
    for cut, judged_first in ((2, True), (1, False)):  # (the judged one first: it finds only the old store)
        smaller = replace(package, tiles=package.tiles[cut:])
        assert smaller.fingerprint() != package.fingerprint()
        encoded: list[int] = []
        ws = _workspace(tmp_path, smaller, 1_000_000, encoded)
        if judged_first:
            mark_judged(ws.open_store().root)
        predictions = ws.locate(_lake(tmp_path))
        shown = {m.tile.id for m in predictions[0].matches}
        assert shown and not shown & empty_ids
        assert {smaller.tiles[i].id for i in ws.tile_empty} == empty_ids - {t.id for t in package.tiles[:cut]}
        photo = len(ws.views()[1])
        data = len(smaller) - len(ws.tile_empty)
        assert sum(encoded) == (photo + data if judged_first else photo)


def test_clear_rows_zeroes_rows_in_place_and_durably(tmp_path):
    from geolocator.core.store import FeatureStore

    def open_store():
        return FeatureStore(tmp_path / "s", signature="sig", views=("rot0",), dim=4)

    store = open_store()
    feats = np.arange(1, 25, dtype=np.float32).reshape(6, 1, 4) / 24
    store.append([f"k{i}" for i in range(6)], feats)
    store.clear_rows([1, 4])
    with pytest.raises(ValueError):
        store.clear_rows([6])
    again = open_store()
    got = again.gather(again.lookup([f"k{i}" for i in range(6)]))
    assert not got[[1, 4]].any()
    assert np.allclose(got[[0, 2, 3, 5]], feats[[0, 2, 3, 5]], atol=1e-3)
    assert len(again) == 6  # keys and rows kept: only the values changed


def _holes_kept(folder) -> bool:
    """Whether the file system under `folder` keeps a file's unwritten range as a hole."""
    probe = folder / "probe.bin"
    with open(probe, "wb") as f:
        f.truncate(1 << 20)
    try:
        return os.stat(probe).st_blocks * 512 < (1 << 19)
    finally:
        probe.unlink()


def test_a_run_of_zero_rows_takes_no_disk_blocks(tmp_path):
    """A package's empty tiles are zero rows (how the next run knows them without decoding them
    again); written as holes, a county package a third empty does not spend a third of its store."""
    from geolocator.core.store import FeatureStore

    if not hasattr(os.stat_result, "st_blocks") or not _holes_kept(tmp_path):
        pytest.skip("this file system keeps no sparse files")
    rng = np.random.default_rng(0)
    n, dim = 400, 256  # 512 B a row: 8 rows a 4 KiB block
    feats = rng.normal(size=(n, 1, dim)).astype(np.float32)
    feats[100:300] = 0.0  # 200 empty tiles in a run, as a clipped edge's are
    feats[390:] = 0.0  # and the block ends in a few
    store = FeatureStore(tmp_path / "s", signature="sig", views=("rot0",), dim=dim)
    store.append([f"k{i}" for i in range(n)], feats)
    data = store.data_path
    assert os.stat(data).st_size == n * store.row_bytes
    assert os.stat(data).st_blocks * 512 <= (n - 200 + 16) * store.row_bytes  # before: all 400 rows
    again = FeatureStore(tmp_path / "s", signature="sig", views=("rot0",), dim=dim)
    got = again.gather(again.lookup([f"k{i}" for i in range(n)]))
    assert np.allclose(got, feats, atol=1e-2) and not got[100:300].any() and not got[390:].any()
    assert len(again) == n  # committed whole: its tail of zero rows too


def test_a_store_that_cannot_be_written_is_mended_for_this_run_and_judged_again_next(clipped, tmp_path,  # noqa: F811
                                                                                     monkeypatch, caplog):
    import errno

    from geolocator.core.store import FeatureStore

    paths, _ = clipped
    package = load_tileset(paths["mbtiles"], zoom=ZOOM)
    empty = {i for i, t in enumerate(package.tiles) if _data_fraction(t) < 0.5}
    root, _ = _old_store(tmp_path, package, monkeypatch)

    def read_only(self, rows):
        raise OSError(errno.EROFS, "Read-only file system", str(self.data_path))

    with monkeypatch.context() as m, caplog.at_level(logging.INFO, logger="geolocator"):
        m.setattr(FeatureStore, "clear_rows", read_only)
        ws = _workspace(tmp_path, package, 1_000_000)
        shown = {t.tile.id for t in ws.locate(_lake(tmp_path))[0].matches}
    assert ws.tile_empty == empty and not shown & {package.tiles[i].id for i in empty}  # left out all the same
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "could not be cleared" in r.getMessage()]
    assert len(warned) == 1 and str(root) in warned[0].getMessage()
    assert not (root / JUDGED).exists()  # judged again next time
    ws2 = _workspace(tmp_path, package, 1_000_000)
    ws2.index()
    assert ws2.tile_empty == empty and (root / JUDGED).exists()
    assert not np.asarray(ws2.store.array())[ws2.store.lookup(np.array(_keys(package))[sorted(empty)])].any()


# --- store_mend.mend and its mark, on a small store (session 36: mutation36 found these rules untested) ---

def _small_store(tmp_path, feats):
    from geolocator.core.store import FeatureStore

    store = FeatureStore(tmp_path / "s", signature="sig", views=("rot0",), dim=feats.shape[-1])
    store.append([f"k{i}" for i in range(len(feats))], feats)
    return store


def _items(refs):
    from types import SimpleNamespace

    return [SimpleNamespace(ref=ref, path=f"tile{i}.png") for i, ref in enumerate(refs)]


def _verdicts(monkeypatch, verdicts):
    """store_mend.tile_is_empty answering from `verdicts` (item path -> True/False/None); the items asked."""
    from geolocator.core import store_mend

    asked = []

    def judge(tile):
        asked.append(tile.path)
        return verdicts[tile.path]

    monkeypatch.setattr(store_mend, "tile_is_empty", judge)
    return asked


def test_mend_clears_the_store_rows_of_the_empty_tiles_not_the_rows_at_their_places(tmp_path, monkeypatch):
    """`rows` maps each item to its store row; an item's index is not its row (a tile set reordered, or
    sharing a store with another: FeatureStore.adopt)."""
    from geolocator.core.store_mend import mend

    feats = np.full((4, 1, 2), 0.5, np.float32)
    store = _small_store(tmp_path, feats)
    _verdicts(monkeypatch, {"tile0.png": False, "tile1.png": True, "tile2.png": False})
    rows = np.array([2, 0, 3], np.int64)  # item 1 (empty) is store row 0
    assert mend(_items(["p", "p", "p"]), rows, store) == {1}
    got = np.asarray(store.array())
    assert not got[0].any() and got[[1, 2, 3]].all()


def test_mend_judges_only_stored_package_tiles_whose_row_holds_a_value(tmp_path, monkeypatch):
    """A tile of a folder or GeoTIFF (no ref) was never left out for want of data: not decoded; a zero row is
    an empty tile known already (not decoded again); a row with some zero values is a tile's features."""
    from geolocator.core.store_mend import mend

    feats = np.array([[[0.5, 0.5]], [[0.0, 0.0]], [[0.0, 0.7]], [[0.5, 0.5]]], np.float32)
    store = _small_store(tmp_path, feats)
    asked = _verdicts(monkeypatch, {"tile0.png": True, "tile1.png": True, "tile2.png": True, "tile3.png": True,
                                    "tile4.png": True})
    rows = np.array([0, 1, 2, 3, -1], np.int64)
    assert mend(_items([None, "p", "p", "p", "p"]), rows, store) == {2, 3}
    assert asked == ["tile2.png", "tile3.png"]


def test_a_tile_that_cannot_be_decoded_keeps_its_row(tmp_path, monkeypatch):
    """tile_is_empty None (the package cannot give the tile): left as it is, not cleared as empty."""
    from geolocator.core import store_mend
    from geolocator.core.sources import tile_image

    def broken(tile, **kw):
        raise OSError("damaged")

    with monkeypatch.context() as m:
        m.setattr(tile_image, "open_tile_image", broken)
        assert store_mend.tile_is_empty(_items(["p"])[0]) is None
    store = _small_store(tmp_path, np.full((2, 1, 2), 0.5, np.float32))
    _verdicts(monkeypatch, {"tile0.png": None, "tile1.png": True})
    assert store_mend.mend(_items(["p", "p"]), np.array([0, 1]), store) == {1}
    assert np.asarray(store.array())[0].all()


def test_a_store_judged_at_another_threshold_is_judged_again(tmp_path, monkeypatch):
    from geolocator.core import store_mend

    monkeypatch.setattr(store_mend, "_threshold", lambda: 0.5)
    store_mend.mark_judged(tmp_path)
    assert store_mend.judged(tmp_path)
    (tmp_path / JUDGED).write_text('{"min_valid_fraction": 0.25}')
    assert not store_mend.judged(tmp_path)
    (tmp_path / JUDGED).write_text("not json")
    assert not store_mend.judged(tmp_path)


def test_a_mark_that_cannot_be_written_leaves_no_temporary_file(tmp_path, monkeypatch):
    from geolocator.core import store_mend

    def refused(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(store_mend.os, "replace", refused)
    with pytest.raises(OSError):
        store_mend.mark_judged(tmp_path)
    assert list(tmp_path.iterdir()) == []
