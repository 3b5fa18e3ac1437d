"""Stateful property tests (hypothesis.stateful) of the per-photo caches that keep a user's work
between runs: the verification results (core/pair_store.py: save / load / size budget / a write
stopped midway / a reopened folder) and the feature cache files (core/cache.py FeatureCache with
cache_files.prune_cache_files: put / get / a put stopped midway / a damaged file / prune). The model
checked after every step:

- a load/get returns exactly what was last saved under that key, or nothing (evicted, pruned,
  damaged): never another key's value, never an older value, never half a file;
- a write stopped midway (Ctrl-C, a full disk) leaves the previous file as it was and no temporary
  file behind; a full disk turns writing off without losing what is there;
- the verification folder keeps to its byte budget, and the file just written is always kept;
- after a prune, a put makes its two-letter folder again (no write error).
"""

from __future__ import annotations

import json
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

from geolocator.core import cache as cache_mod  # noqa: E402
from geolocator.core import pair_store as pair_mod  # noqa: E402
from geolocator.core.cache import FeatureCache  # noqa: E402
from geolocator.core.cache_files import prune_cache_files  # noqa: E402
from geolocator.core.pair_store import PairStore  # noqa: E402
from geolocator.core.rerank import Verification  # noqa: E402

from .prop_profile import prop  # noqa: E402


class Interrupt(BaseException):
    """Ctrl-C stand-in (BaseException, as KeyboardInterrupt)."""


PHOTOS = [f"photo-{i}" for i in range(6)]
TILES = [f"t{i}" for i in range(5)]
finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)


@st.composite
def verifications(draw):
    inliers = draw(st.integers(0, 500))
    centre = draw(st.none() | st.tuples(finite, finite))
    h = draw(st.none() | st.sampled_from(["<f8", "<f4"]))
    homography = None if h is None else np.arange(9, dtype=np.dtype(h)).reshape(3, 3) * draw(finite)
    corners = draw(st.none() | st.tuples(*[st.tuples(finite, finite)] * 4))
    return Verification(inliers, centre, homography, corners)


kepts = st.fixed_dictionaries({
    "first": st.dictionaries(st.sampled_from(TILES), verifications(), max_size=3),
    "alike": st.dictionaries(st.sampled_from(TILES), st.tuples(st.integers(0, 300), st.booleans()), max_size=3),
    "later": st.dictionaries(st.tuples(st.sampled_from(["refine", "blind"]), st.none() | st.sampled_from([25.0, 40.0]),
                                       st.sampled_from(TILES), st.none() | st.sampled_from(TILES)),
                             verifications(), max_size=3),
})


def _same(a: dict, b: dict) -> bool:
    def flat(v):
        h = None if v.homography is None else (v.homography.dtype.str, v.homography.tolist())
        return (v.inliers, v.centre, h, v.corners)

    return (a["alike"] == b["alike"] and {t: flat(v) for t, v in a["first"].items()} == {t: flat(v) for t, v in b["first"].items()}
            and {k: flat(v) for k, v in a["later"].items()} == {k: flat(v) for k, v in b["later"].items()})


class PairStoreMachine(RuleBasedStateMachine):
    @initialize(budget=st.sampled_from([800, 3000, 10**6]))
    def start(self, budget):
        self.tmp = Path(tempfile.mkdtemp(prefix="proppairs-"))
        self.root = self.tmp / "pairs"
        self.budget = budget
        self.saved: dict[str, dict] = {}  # identity -> what was last saved (may have been evicted)
        self.last: str | None = None
        self.ps = PairStore(self.root, max_bytes=budget)

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    @rule(photo=st.sampled_from(PHOTOS), kept=kepts)
    def save(self, photo, kept):
        self.ps.save(photo, kept)
        if self.ps.write_error is None:
            self.saved[photo] = kept
            self.last = photo

    @rule(photo=st.sampled_from(PHOTOS), kept=kepts, kind=st.sampled_from(["interrupt", "oserror"]))
    def save_stopped(self, photo, kept, kind):
        """json.dump stopped midway: the photo's previous file is left whole, no temporary file stays."""
        real = pair_mod.json.dump

        def dump(data, f, **kw):
            f.write(json.dumps(data, **kw)[:20])
            raise Interrupt() if kind == "interrupt" else OSError(28, "No space left on device")

        pair_mod.json.dump = dump
        try:
            self.ps.save(photo, kept)
        except Interrupt:
            assert kind == "interrupt"
        finally:
            pair_mod.json.dump = real
        assert not list(self.root.glob(".pairs-*.tmp")) if self.root.exists() else True

    @rule(photo=st.sampled_from(PHOTOS))
    def load(self, photo):
        got = self.ps.load(photo)
        if got is not None:
            assert photo in self.saved and _same(got, self.saved[photo])
        elif photo == self.last and self.ps.write_error is None:
            raise AssertionError("the file just written was not kept")

    @rule()
    def reopen(self):
        self.ps = PairStore(self.root, max_bytes=self.budget)

    @rule(photo=st.sampled_from(PHOTOS))
    def damaged(self, photo):
        """A file torn by a crash of another program (not ours: ours are atomic) reads as nothing."""
        path = self.ps.path(photo)
        if path.exists():
            path.write_bytes(path.read_bytes()[:7])
            self.saved.pop(photo, None)
            if self.last == photo:
                self.last = None

    @invariant()
    def within_budget_and_true(self):
        if not hasattr(self, "ps") or not self.root.exists():
            return
        files = list(self.root.glob("*.json"))
        total = sum(p.stat().st_size for p in files)
        if self.ps.write_error is None and self.ps._files is not None:
            assert total <= self.budget or len(files) == 1, (total, self.budget, len(files))
        for photo in PHOTOS:
            got = PairStore(self.root).load(photo)
            if got is not None:
                assert photo in self.saved and _same(got, self.saved[photo]), photo


PairStoreMachine.TestCase.settings = settings(prop(15), stateful_step_count=12)
test_pair_store_states = PairStoreMachine.TestCase


class FeatureCacheMachine(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="propcache-"))
        self.cache = FeatureCache(self.tmp)
        self.vectors: dict[str, np.ndarray] = {}
        self.now = 1e9  # stamped file times are set from this clock (os.utime), not the wall clock

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _key(self, i: int) -> str:
        # keys 0 and 1 share their two-letter folder, as many keys do in a large cache
        return self.cache.key("sig", "0", f"id{i}") if i > 1 else "ab" + f"{i:062x}"

    @rule(i=st.integers(0, 5), seed=st.integers(0, 1000), dim=st.sampled_from([3, 8]))
    def put(self, i, seed, dim):
        v = np.random.default_rng(seed).normal(size=dim).astype(np.float32)
        self.cache.put(self._key(i), v)
        assert self.cache.write_error is None
        self.vectors[self._key(i)] = v

    @rule(i=st.integers(0, 5), seed=st.integers(0, 1000), kind=st.sampled_from(["interrupt", "oserror"]))
    def put_stopped(self, i, seed, kind):
        """The write stopped after part of the file: the old vector stays, no temporary file stays."""
        v = np.random.default_rng(seed).normal(size=8).astype(np.float32)
        real = cache_mod.os.replace

        def replace(a, b):
            raise Interrupt() if kind == "interrupt" else OSError(28, "No space left on device")

        cache_mod.os.replace = replace
        try:
            self.cache.put(self._key(i), v)
        except Interrupt:
            assert kind == "interrupt"
        finally:
            cache_mod.os.replace = real
        assert not [p for p in self.tmp.rglob(".tmp-*")]
        if kind == "oserror":
            assert self.cache.write_error is not None
            self.cache = FeatureCache(self.tmp)  # the next run writes again

    @rule(i=st.integers(0, 5), dim=st.sampled_from([3, 8]))
    def get(self, i, dim):
        got = self.cache.get(self._key(i), dim)
        want = self.vectors.get(self._key(i))
        if want is None or len(want) != dim:
            assert got is None
        else:
            np.testing.assert_array_equal(got, want)

    @rule(days=st.sampled_from([0, 1, 30]), ahead=st.sampled_from([0.0, 86_400.0 * 2, 86_400.0 * 40]))
    def prune(self, days, ahead):
        """Files last used (written or read) more than `days` before `now` go; the rest stay."""
        for p in self.tmp.rglob("*.f32"):
            os.utime(p, (self.now, self.now))
        prune_cache_files(self.tmp, days, now=self.now + ahead)
        if ahead >= days * 86_400.0:  # used exactly `days` ago counts as old: --prune 0 removes all
            self.vectors.clear()

    @invariant()
    def every_vector_put_reads_back(self):
        if not hasattr(self, "cache"):
            return
        for key, v in self.vectors.items():
            np.testing.assert_array_equal(self.cache.get(key, len(v)), v)


FeatureCacheMachine.TestCase.settings = settings(prop(15), stateful_step_count=12)
test_feature_cache_states = FeatureCacheMachine.TestCase


class BytesLRUMachine(RuleBasedStateMachine):
    """bounded_cache.BytesLRU (a Verifier's tile keypoints) against an ordered-dict model: the same
    entries kept, the least recently used dropped first, the budget kept (one oversize entry alone)."""

    @initialize(budget=st.integers(0, 40))
    def start(self, budget):
        from geolocator.core.bounded_cache import BytesLRU

        self.budget = budget
        self.lru = BytesLRU(budget, len)
        self.model: dict[str, bytes] = {}  # insertion order = least recently used first

    def _use(self, key):
        self.model[key] = self.model.pop(key)

    @rule(key=st.sampled_from("abcdef"), size=st.integers(0, 25))
    def put(self, key, size):
        value = bytes(size)
        assert self.lru.put(key, value) is value
        self.model.pop(key, None)
        self.model[key] = value
        while sum(map(len, self.model.values())) > self.budget and len(self.model) > 1:
            del self.model[next(iter(self.model))]

    @rule(key=st.sampled_from("abcdef"))
    def get(self, key):
        got = self.lru.get(key)
        assert got == self.model.get(key)
        if key in self.model:
            self._use(key)

    @invariant()
    def same_entries(self):
        if not hasattr(self, "lru"):
            return
        assert len(self.lru) == len(self.model)
        assert self.lru.nbytes == sum(map(len, self.model.values()))
        assert self.lru.nbytes <= self.budget or len(self.model) == 1
        assert all(k in self.lru for k in self.model)


BytesLRUMachine.TestCase.settings = settings(prop(30), stateful_step_count=25)
test_bytes_lru_states = BytesLRUMachine.TestCase


@prop(150, fixtures=True)
@example(edits=[(37998, 1)])  # the compression method field
@example(edits=[(37996, 1)])  # the encryption flag
@given(edits=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=3))
def test_a_damaged_keypoint_file_is_a_miss_never_an_error(tmp_path, edits):
    """matchers/keypoint_cache.KeypointCache: a file with any 1-3 bytes changed (a bad sector, a copy
    cut short) reads back as the features stored or as a miss (None: described again), never raises.
    Found here (propfuzz36): a changed byte in the zip headers raised NotImplementedError ("That
    compression method is not supported", "zip file version 21.3", "strong encryption") or
    RuntimeError ("File 'size.npy' is encrypted") out of get(), through verification."""
    from geolocator.core.matchers.keypoint_cache import KeypointCache
    from geolocator.core.rerank import LocalFeatures

    cache = KeypointCache(tmp_path)
    rng = np.random.default_rng(0)
    stored = LocalFeatures(rng.random((5, 2), np.float32), rng.random((5, 8), np.float32), (64, 48))
    cache.put("sig", "tile", stored)
    path = cache.path("sig", "tile")
    data = bytearray(path.read_bytes())
    for at, value in edits:
        data[at % len(data)] = value
    path.write_bytes(bytes(data))
    got = cache.get("sig", "tile")
    if got is not None:
        np.testing.assert_array_equal(got.points, stored.points)
        np.testing.assert_array_equal(got.descriptors, stored.descriptors)
        assert got.size == stored.size
