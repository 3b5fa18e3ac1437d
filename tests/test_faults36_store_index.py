"""Field faults at the feature store and the saved tile index (faults36, session 36).

A full disk (ENOSPC) or a cache folder that refuses new files (EACCES) when a locate opens a new
feature store, or when it saves the tile index beside the store. The store was designed to go on in
memory after a failed append; its creation and the index's save were not: the first raised a bare
"No space left on device" (no file named) and stopped the run, the second raised faiss's RuntimeError
(a traceback in the CLI) and left `index-….faiss.tmp` on the full disk."""

from __future__ import annotations

import errno
import json
import logging

import numpy as np
import pytest

from geolocator.core import store as store_mod
from geolocator.core.outputs import OutputError
from geolocator.core.retrieval import TileIndex
from geolocator.core.store import FeatureStore


def _full_disk_json_dump(monkeypatch):
    def dump(obj, f, *a, **kw):
        f.write("{")  # the part a full disk takes, then the error
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(store_mod.json, "dump", dump)


def test_a_new_store_on_a_full_disk_runs_in_memory_and_says_where(tmp_path, monkeypatch, caplog):
    root = tmp_path / "stores" / "s"
    _full_disk_json_dump(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        store = FeatureStore(root, signature="sig", views=("rot0",), dim=4)
    monkeypatch.undo()
    assert store.write_error is not None and str(root) in store.write_error and "the disk is full" in store.write_error
    assert [r.getMessage() for r in caplog.records] == [store.write_error]  # warned once
    rows = store.append(["a", "b"], np.eye(2, 4, dtype=np.float32)[:, None, :])
    assert rows.tolist() == [0, 1] and np.array_equal(store.gather(rows)[:, 0], np.eye(2, 4))
    assert not (root / "features.bin").exists() and not list(root.glob("meta.*"))  # no half-written meta.json
    again = FeatureStore(root, signature="sig", views=("rot0",), dim=4)  # space freed: the next run writes
    assert again.write_error is None and json.loads((root / "meta.json").read_text())["dim"] == 4


def test_a_store_folder_that_cannot_be_made_runs_in_memory(tmp_path, monkeypatch):
    root = tmp_path / "stores" / "s"
    real_mkdir = type(root).mkdir

    def mkdir(self, *a, **kw):
        if self == root:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(type(root), "mkdir", mkdir)
    store = FeatureStore(root, signature="sig", views=("rot0",), dim=4)
    assert "permission denied" in store.write_error and str(root) in store.write_error
    assert store.append(["a"], np.ones((1, 1, 4), np.float32)).tolist() == [0] and len(store) == 1


def test_a_store_of_other_features_is_still_refused(tmp_path):
    FeatureStore(tmp_path / "s", signature="sig", views=("rot0",), dim=4)
    with pytest.raises(store_mod.StoreError, match="other features"):
        FeatureStore(tmp_path / "s", signature="other", views=("rot0",), dim=4)


def _index(ids=None):
    feats = np.random.default_rng(0).normal(size=(50, 2, 8)).astype(np.float32)
    feats /= np.linalg.norm(feats, axis=-1, keepdims=True)
    return TileIndex.build(feats, skip=None if ids is None else np.setdiff1d(np.arange(50), ids))


class _FullFile:
    """An open file on a disk that fills after `room` bytes."""

    def __init__(self, real, room):
        self.real, self.room = real, room

    def write(self, data):
        if len(data) > self.room:
            self.real.write(bytes(data[: self.room]))
            self.room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.real.write(data)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.real.close()


def test_an_index_save_on_a_full_disk_names_the_file_and_leaves_nothing(tmp_path, monkeypatch):
    import builtins

    path = tmp_path / "index-50-50-0.faiss"
    _index().save(path)  # an earlier save: a failed one must not leave its twin naming the new one
    real_open = builtins.open
    monkeypatch.setattr(builtins, "open", lambda f, mode="r", *a, **kw: (
        _FullFile(real_open(f, mode, *a, **kw), 1000) if "w" in mode and ".faiss" in str(f) else real_open(f, mode, *a, **kw)))
    with pytest.raises(OutputError) as e:
        _index().save(path)
    monkeypatch.undo()
    assert e.value.path == path and "the disk is full" in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index-50-50-0.faiss"]  # no .tmp, no twin
    assert TileIndex.load(path) is None  # nothing that loads as good: it is built again


def test_a_faiss_that_wraps_the_writer_s_error_still_says_the_disk_is_full(tmp_path, monkeypatch):
    """faiss 1.15 passes the callback writer's OSError through; a build that wraps it in a RuntimeError (as
    write_index to a path does) is unwrapped to the OSError (ST3: the RuntimeError escaped, no file named)."""
    import faiss

    def wrapping_write_index(index, writer):
        try:
            writer(b"\0" * 64)
        except OSError as exc:
            raise RuntimeError(f"Error in faiss::write_index: {exc}") from None

    import builtins

    path = tmp_path / "index.faiss"
    real_open = builtins.open
    monkeypatch.setattr(faiss, "write_index", wrapping_write_index)
    monkeypatch.setattr(faiss, "PyCallbackIOWriter", lambda write: write)
    monkeypatch.setattr(builtins, "open", lambda f, mode="r", *a, **kw: (
        _FullFile(real_open(f, mode, *a, **kw), 0) if "w" in mode and ".faiss" in str(f)
        else real_open(f, mode, *a, **kw)))
    with pytest.raises(OutputError) as e:
        _index().save(path)
    monkeypatch.undo()
    assert e.value.path == path and "the disk is full" in str(e.value)


def test_an_index_saved_whole_loads_with_its_ids(tmp_path):
    path = tmp_path / "index.faiss"
    ids = np.arange(0, 50, 2)
    _index(ids).save(path)
    back = TileIndex.load(path)
    assert np.array_equal(back.ids, ids) and back.index.ntotal == len(ids) * 2 and back.views == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.faiss", "index.ids.npy", "index.json"]


def test_a_locate_goes_on_when_the_tile_index_cannot_be_saved(tmp_path, monkeypatch, caplog):
    from tests.test_pipeline_exact import plain_workspace, tile_features

    from geolocator.core import extract
    from geolocator.core.extract import IndexResult

    def fake_into_store(items, backbone, store, **kw):
        store.append([t.id for t in items], tile_features())
        return IndexResult(rows=np.arange(len(items)), failed={})

    def full(self, path):
        raise OutputError(path, "could not write: the disk is full")

    monkeypatch.setattr(extract, "extract_into_store", fake_into_store)
    monkeypatch.setattr(TileIndex, "save", full)
    ws = plain_workspace(tmp_path, store_dtype="float32")
    ws.index()
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        index = ws.tile_index()
    assert index.n_tiles == 6 and ws.tile_index() is index
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "index-6-6-0.faiss: could not write: the disk is full" in said[0]
    assert "built again next time" in said[0]


def test_the_pair_store_says_a_full_disk_in_words(tmp_path, monkeypatch, caplog):
    """A locate on a full disk warned "…/pairs): OSError: [Errno 28] No space left on device; …"."""
    from geolocator.core import pair_store

    store = pair_store.PairStore(tmp_path / "pairs")

    def full(obj, f, *a, **kw):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pair_store.json, "dump", full)
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        store.save("photo-key", {"first": {}, "alike": {}, "later": {}})
    monkeypatch.undo()
    assert store.write_error == "the disk is full"
    said = [r.getMessage() for r in caplog.records]
    assert said == [f"verification results are not kept on disk ({tmp_path / 'pairs'}): the disk is full; an "
                    "interrupted locate verifies its photos again"]
    assert not list((tmp_path / "pairs").glob(".pairs-*"))  # the temporary file is removed


def test_a_store_on_a_full_disk_is_said_once_not_again_for_its_index(tmp_path, monkeypatch, caplog):
    from tests.test_pipeline_exact import plain_workspace, tile_features

    from geolocator.core import extract
    from geolocator.core.extract import IndexResult

    def fake_into_store(items, backbone, store, **kw):
        store.append([t.id for t in items], tile_features())
        return IndexResult(rows=np.arange(len(items)), failed={})

    real_mkdir = type(tmp_path).mkdir

    def mkdir(self, *a, **kw):
        if "stores" in str(self):
            raise OSError(errno.ENOSPC, "No space left on device", str(self))
        return real_mkdir(self, *a, **kw)

    monkeypatch.setattr(extract, "extract_into_store", fake_into_store)
    monkeypatch.setattr(type(tmp_path), "mkdir", mkdir)
    ws = plain_workspace(tmp_path, store_dtype="float32")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        ws.index()
        index = ws.tile_index()
    assert index.n_tiles == 6
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "cannot be written (the disk is full)" in said[0]
