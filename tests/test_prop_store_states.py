"""Stateful property tests (hypothesis.stateful) of the feature store (core/store.py, store_mend.py's
clear_rows, store_prune.py) and the search index over it (retrieval.TileIndex): sequences of append,
interrupted append (an exception mid-batch: Ctrl-C, a full disk), crash (a torn tail left on disk),
reopen, mend (rows cleared to zeros), adopt from a sibling store, prune and search, with a model of
what must be there checked after every step:

- nothing already committed is lost: every key appended durably reads back its row (float16) after
  any later step, a reopen included; rows kept in memory after a failed write are readable in this
  run and gone (computed again) after a reopen, never half there;
- a key is stored at most once; a reopened store answers exactly as the object that wrote it;
- a search over the store (empty rows left out, as Workspace.tile_index does) never returns a row
  that is not stored or that is empty, and returns every non-empty row when k covers them all.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule  # noqa: E402

from geolocator.core import store as store_mod  # noqa: E402
from geolocator.core.store import FeatureStore  # noqa: E402
from geolocator.core.store_prune import prune_stores  # noqa: E402

from .prop_profile import prop  # noqa: E402

VIEWS, DIM = ("0", "90"), 4
KEYS = [f"k{i:02d}" for i in range(24)]


def _no_fsync(fd):
    pass


class _FastOs:
    """The os module as store.py sees it in these tests: fsync a no-op (or a failure injected)."""

    fsync = staticmethod(_no_fsync)

    def __getattr__(self, name):
        return getattr(os, name)


_OS = _FastOs()


def _end(store) -> None:
    """What the end of a process does to a store it held: its in-use lock released (without waiting
    for the garbage collector, which took 70 % of this file's time)."""
    if store is not None and store._in_use is not None:
        store._in_use.close()


class Interrupt(BaseException):
    """Ctrl-C (KeyboardInterrupt) stand-in raised mid-write; BaseException as KeyboardInterrupt is."""


def _row(seed: int, empty: bool) -> np.ndarray:
    if empty:
        return np.zeros((len(VIEWS), DIM), np.float32)
    rng = np.random.default_rng(seed)
    v = rng.normal(size=(len(VIEWS), DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


batches = st.lists(st.tuples(st.sampled_from(KEYS), st.integers(0, 10**6), st.booleans()), min_size=1, max_size=6)


class StoreMachine(RuleBasedStateMachine):
    """One store folder under <tmp>/stores, opened, written, broken and reopened."""

    @initialize()
    def start(self):
        store_mod.os = _OS  # fsync made a no-op (the disk is not what is tested; it was 10x the time)
        self.tmp = Path(tempfile.mkdtemp(prefix="propstore-"))
        self.root = self.tmp / "stores" / "a"
        self.durable: dict[str, np.ndarray] = {}  # key -> row committed to disk
        self.memory: dict[str, np.ndarray] = {}  # key -> row held in memory (after a failed write)
        self.others: dict[str, np.ndarray] = {}  # key -> row another writer committed, not yet read here
        self.store = self._open()

    def teardown(self):
        _end(self.store)
        self.store = None
        store_mod.os = os
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _open(self) -> FeatureStore:
        return FeatureStore(self.root, signature="sig", views=VIEWS, dim=DIM)

    def _take_in_others(self, batch, error_before):
        """A write takes the store's lock and first reads what other writers committed (their keys
        are not written twice): when this object had no write error and the batch holds a key new to it."""
        if error_before is None and any(k not in self.durable and k not in self.memory for k, _, _ in batch):
            self.durable.update(self.others)
            self.others.clear()

    def _expect_append(self, batch):
        """The model after appending `batch`: the first row of each new key counts."""
        target = self.durable if self.store.write_error is None else self.memory
        for key, seed, empty in batch:
            if key not in self.durable and key not in self.memory:
                target[key] = _row(seed, empty)

    @rule(batch=batches)
    def append(self, batch):
        keys = [k for k, _, _ in batch]
        feats = np.stack([_row(s, e) for _, s, e in batch])
        error_before = self.store.write_error
        rows = self.store.append(keys, feats)
        self._take_in_others(batch, error_before)
        self._expect_append(batch)
        assert (rows >= 0).all()
        for k, r in zip(keys, rows):  # a key given twice in a batch is one row
            assert r == self.store.lookup([k])[0]

    @rule(batch=batches, where=st.sampled_from(["rows", "fsync-rows", "manifest", "fsync-manifest"]),
          kind=st.sampled_from(["interrupt", "oserror"]))
    def interrupted_append(self, batch, where, kind):
        """An exception in the middle of a batch's write: in the rows, in their fsync, in the manifest
        line (half written) or in its fsync (the line is on disk). Interrupt (Ctrl-C) comes out and
        the batch is committed whole (stopped in the manifest's fsync) or not at all, the object
        agreeing with the disk; an OSError (a full disk) is kept in memory (write_error)."""
        keys = [k for k, _, _ in batch]
        feats = np.stack([_row(s, e) for _, s, e in batch])
        exc = Interrupt() if kind == "interrupt" else OSError(28, "No space left on device")
        real_write_rows, real_open = store_mod._write_rows, open

        def write_rows(f, block, end):
            if where == "rows":
                real_write_rows(f, block[: max(1, len(block) // 2)], end)
                f.flush()
                raise exc
            real_write_rows(f, block, end)

        def fsync(fd):
            name = os.readlink(f"/proc/self/fd/{fd}")
            if ((where == "fsync-rows" and name.endswith("features.bin"))
                    or (where == "fsync-manifest" and name.endswith("manifest.log"))):
                raise exc

        class TornLine:
            def __init__(self, f):
                self.f = f

            def __enter__(self):
                return self

            def __exit__(self, *a):
                self.f.close()

            def write(self, data):
                self.f.write(data[: len(data) // 2])
                self.f.flush()
                raise exc

        def open_(path, mode="r", *a, **kw):
            f = real_open(path, mode, *a, **kw)
            if where == "manifest" and str(path).endswith("manifest.log") and "a" in mode:
                return TornLine(f)
            return f

        error_before = self.store.write_error
        self._take_in_others(batch, error_before)  # what another writer committed is read first
        new = [k for k in dict.fromkeys(keys) if k not in self.durable and k not in self.memory]
        writes = bool(new) and error_before is None
        store_mod._write_rows, _OS.fsync, store_mod.open = write_rows, fsync, open_
        raised = False
        try:
            self.store.append(keys, feats)
        except Interrupt:
            raised = True
        finally:
            store_mod._write_rows, _OS.fsync = real_write_rows, _no_fsync
            del store_mod.open
            exc.__traceback__ = None  # its frames hold the store
        assert raised == (writes and kind == "interrupt")
        if not raised:
            if writes:
                assert self.store.write_error is not None
            self._expect_append(batch)
        elif where == "fsync-manifest":  # the manifest line was written: the batch is committed
            for key, seed, empty in batch:
                if key not in self.durable:
                    self.durable[key] = _row(seed, empty)

    @rule(cut=st.integers(1, 40), manifest=st.booleans())
    def crash_tail(self, cut, manifest):
        """A writer killed mid-batch leaves bytes after the committed rows (and half a manifest line)."""
        if self.store.write_error is not None:
            return
        with open(self.root / "features.bin", "ab") as f:
            f.write(b"\x01" * cut)
        if manifest:
            with open(self.root / "manifest.log", "ab") as f:
                f.write(b'{"start": 999, "keys": ["torn')

    @rule(batch=batches)
    def other_writer(self, batch):
        """Another process (the app beside the CLI) commits a batch to the same store meanwhile."""
        other = self._open()
        keys = [k for k, _, _ in batch]
        other.append(keys, np.stack([_row(s, e) for _, s, e in batch]))
        for key, seed, empty in batch:
            if key not in self.durable and key not in self.others:
                self.others[key] = _row(seed, empty)
        _end(other)

    @rule()
    def reopen(self):
        _end(self.store)
        self.store = None
        self.memory.clear()  # held in memory only: computed again next time
        self.durable.update(self.others)
        self.others.clear()
        self.store = self._open()

    @rule(data=st.data())
    def clear_rows(self, data):
        """store_mend: rows of tiles found empty are overwritten with zeros (keys unchanged)."""
        stored = sorted(set(self.durable) | set(self.memory))
        if not stored:
            return
        keys = data.draw(st.lists(st.sampled_from(stored), min_size=1, max_size=4, unique=True))
        self.store.clear_rows(self.store.lookup(keys))
        for k in keys:
            (self.durable if k in self.durable else self.memory)[k] = np.zeros((len(VIEWS), DIM), np.float32)

    @rule(data=st.data())
    def mend(self, data):
        """store_mend.mend: once per store (until the JUDGED mark), each package tile whose row holds
        features and whose pixels hold no data gets a zero row; rows of tiles that hold data are kept."""
        from types import SimpleNamespace

        from geolocator.core import store_mend

        stored = sorted(set(self.durable) | set(self.memory))
        if not stored:
            return
        empty = set(data.draw(st.lists(st.sampled_from(stored), max_size=4, unique=True)))
        items = [SimpleNamespace(ref=f"0/0/{i}", path=Path("area.mbtiles"), key=k) for i, k in enumerate(stored)]
        real = store_mend.tile_is_empty
        store_mend.tile_is_empty = lambda it: it.key in empty
        try:
            judged = store_mend.judged(self.root)
            found = store_mend.mend(items, self.store.lookup(stored), self.store, workers=1)
        finally:
            store_mend.tile_is_empty = real
        if judged:
            assert found == set()
            return
        rows = {**self.durable, **self.memory}
        assert {items[i].key for i in found} == {k for k in empty if rows[k].any()}
        for k in empty:
            (self.durable if k in self.durable else self.memory)[k] = np.zeros((len(VIEWS), DIM), np.float32)
        assert store_mend.judged(self.root)

    @rule(batch=batches)
    def adopt_from_sibling(self, batch):
        """A sibling store (another tile set, same features) holds rows for some keys: adopt copies them."""
        sib = self.tmp / "stores" / "b"
        other = FeatureStore(sib, signature="sig", views=VIEWS, dim=DIM)
        keys = [k for k, _, _ in batch]
        other.append(keys, np.stack([_row(s, e) for _, s, e in batch]))
        have = {k: other.gather(other.lookup([k]))[0] for k in dict.fromkeys(keys)}
        _end(other)
        error_before = self.store.write_error
        self.store.adopt(keys)
        self._take_in_others([(k, 0, False) for k in have], error_before)
        target = self.durable if self.store.write_error is None else self.memory
        for k, v in have.items():
            if k not in self.durable and k not in self.memory:
                target[k] = v
        shutil.rmtree(sib)

    @rule()
    def prune_while_open(self):
        """`geolocator cache --prune 0` never removes a store that is open."""
        removed, busy = prune_stores(self.tmp, 0, now=1e12)
        assert self.root not in [s.path for s in removed]
        assert self.root in [s.path for s in busy]  # said as kept in use
        assert self.root.is_dir()

    @rule()
    def prune_closed(self):
        """Closed and pruned: everything goes, and a store opened again there is empty."""
        _end(self.store)
        self.store = None
        removed, busy = prune_stores(self.tmp, 0, now=1e12)
        assert self.root in [s.path for s in removed], (removed, busy)
        self.durable.clear()
        self.memory.clear()
        self.others.clear()
        self.store = self._open()

    @rule(k=st.integers(1, 30), kind=st.sampled_from(["flat", "flat", "ivf"]))
    def search(self, k, kind):
        from geolocator.core.retrieval import TileIndex

        features = self.store.array()
        if not len(features):
            return
        nonzero = np.asarray(features, np.float32).reshape(len(features), -1).any(axis=1)
        skip = np.flatnonzero(~nonzero)
        if len(skip) == len(features):
            return  # nothing to rank (Workspace.tile_index does not build one then)
        index = TileIndex.build(features, kind=kind, skip=skip if len(skip) else None)
        q = _row(k, False)[None]
        _, ids = index.search(q, k)
        found = ids[ids >= 0]
        assert len(set(found.tolist())) == len(found)
        assert all(0 <= i < len(features) and nonzero[i] for i in found), (found, skip)
        if k >= int(nonzero.sum()) and kind == "flat":  # (IVF is approximate: it may find fewer)
            assert sorted(found.tolist()) == np.flatnonzero(nonzero).tolist()
        path = self.root / "index.faiss"
        index.save(path)
        again = TileIndex.load(path)
        assert again is not None
        np.testing.assert_array_equal(again.search(q, k)[1], ids)

    @invariant()
    def everything_done_is_there(self):
        if getattr(self, "store", None) is None:
            return
        s = self.store
        expected = {**self.durable, **self.memory}
        assert len(s) == len(expected), (len(s), sorted(expected))
        keys = sorted(expected)
        rows = s.lookup(keys)
        assert (rows >= 0).all(), [k for k, r in zip(keys, rows) if r < 0]
        assert len(set(rows.tolist())) == len(rows)
        got = s.gather(rows)
        want = np.stack([expected[k] for k in keys]).astype(np.float16).astype(np.float32) if keys else got
        np.testing.assert_array_equal(got, want)
        assert s.disk_rows <= len(s)
        if s.write_error is None:
            assert not self.memory

    @invariant()
    def reopen_answers_alike(self):
        """What is on disk reads back the same in a second object (another process's view)."""
        if getattr(self, "store", None) is None:
            return
        other = self._open()
        keys = sorted(self.durable)
        assert len(other) == len(self.durable) + len(self.others)
        np.testing.assert_array_equal(other.gather(other.lookup(keys)), self.store.gather(self.store.lookup(keys)))
        if self.others:
            theirs = sorted(self.others)
            want = np.stack([self.others[k] for k in theirs]).astype(np.float16).astype(np.float32)
            np.testing.assert_array_equal(other.gather(other.lookup(theirs)), want)
        _end(other)


StoreMachine.TestCase.settings = settings(prop(20), stateful_step_count=15)
test_feature_store_states = StoreMachine.TestCase


def test_ctrl_c_in_the_manifest_fsync_leaves_the_object_as_a_reopen_sees_it(tmp_path, monkeypatch):
    """Found by StoreMachine: Ctrl-C while the manifest line of a batch was being fsync'ed (the
    line on disk: the batch committed) left the object saying 0 rows and the key not stored, while a
    reopen (another process, the next run) found the row."""
    s = FeatureStore(tmp_path / "s", signature="sig", views=VIEWS, dim=DIM)

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").endswith("manifest.log"):
            raise KeyboardInterrupt

    monkeypatch.setattr(_OS, "fsync", fsync)
    monkeypatch.setattr(store_mod, "os", _OS)
    with pytest.raises(KeyboardInterrupt):
        s.append(["k00"], _row(0, False)[None])
    monkeypatch.setattr(store_mod, "os", os)
    again = FeatureStore(tmp_path / "s", signature="sig", views=VIEWS, dim=DIM)
    assert len(again) == 1
    assert len(s) == 1 and s.lookup(["k00"])[0] == 0
    np.testing.assert_array_equal(s.gather([0]), again.gather([0]))


@prop(60, fixtures=True)
@example(cut=0, which="ids")
@given(cut=st.integers(0, 400), which=st.sampled_from(["ids", "index", "json"]))
def test_a_saved_search_index_cut_short_is_rebuilt_never_an_error(tmp_path, cut, which):
    """retrieval.TileIndex.load of an index whose files were cut short (killed mid-save, a full disk):
    the index as saved, or None (built again), never an exception. Found here (propfuzz36): an empty
    `.ids.npy` (killed between its open and its write) raised EOFError out of load, through
    Workspace.tile_index: every locate of that tile set failed until the file was deleted."""
    from geolocator.core.retrieval import TileIndex

    features = np.stack([_row(i, i % 3 == 0) for i in range(9)])
    index = TileIndex.build(features, skip=[0, 3, 6])
    path = tmp_path / "index.faiss"
    index.save(path)
    target = {"ids": path.with_suffix(".ids.npy"), "index": path, "json": path.with_suffix(".json")}[which]
    data = target.read_bytes()
    target.write_bytes(data[: min(cut, len(data))])
    again = TileIndex.load(path)
    if again is not None:
        q = _row(1, False)[None]
        np.testing.assert_array_equal(again.search(q, 6)[1], index.search(q, 6)[1])
