"""Stateful property test (hypothesis.stateful) of pruning the north-up copies
(core/store_prune.py prune_northup_copies): copies written, used (their `.used` stamp), being
written (`<copy>.<pid>.tmp`), removed by hand (a stamp left without its copy), and pruned at any
DAYS and time, on a clock of the test's own (file times set with os.utime). After each prune:

- a copy is removed exactly when its last use (the later of its own mtime and its stamp) is DAYS or
  more before now, with its stamp; a copy being written only when also older than STALE_TMP_S;
  a stamp without its copy only when itself that old; nothing else is touched;
- a folder held by a running geolocator (its in-use lock) loses nothing, and says what it kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule  # noqa: E402

from geolocator.core import store_prune  # noqa: E402
from geolocator.core.pair_store import STALE_TMP_S  # noqa: E402

from .prop_profile import prop  # noqa: E402

DAY = 86_400.0
NAMES = ["a.tif", "b.tif", "c.tif"]
T0 = 1_700_000_000.0


class NorthUpMachine(RuleBasedStateMachine):
    @initialize()
    def start(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="propnorthup-"))
        self.folder = self.tmp / "northup"
        self.folder.mkdir()
        self.now = T0
        self.files: dict[str, float] = {}  # file name in the folder -> its mtime (the model)

    def teardown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def _put(self, name: str, when: float) -> None:
        path = self.folder / name
        path.write_bytes(b"x")
        os.utime(path, (when, when))
        self.files[name] = when

    @rule(name=st.sampled_from(NAMES))
    def write_copy(self, name):
        self._put(name, self.now)

    @rule(name=st.sampled_from(NAMES))
    def use_copy(self, name):
        if name in self.files:
            self._put(name + store_prune.COPY_USED, self.now)

    @rule(name=st.sampled_from(NAMES), pid=st.sampled_from([101, 202]))
    def writing(self, name, pid):
        self._put(f"{name}.{pid}.tmp", self.now)

    @rule(name=st.sampled_from(NAMES))
    def removed_by_hand(self, name):
        if name in self.files:
            (self.folder / name).unlink()
            del self.files[name]

    @rule(dt=st.sampled_from([1.0, STALE_TMP_S + 1.0, DAY, 3 * DAY, 40 * DAY]))
    def clock(self, dt):
        self.now += dt

    @rule(days=st.sampled_from([0, 1, 2, 30]), held=st.booleans())
    def prune(self, days, held):
        cutoff = self.now - days * DAY
        lock = store_prune.mark_in_use(self.folder) if held else None
        try:
            removed, kept = store_prune.prune_northup_copies(self.folder, days, now=self.now)
        finally:
            if lock is not None:
                lock.close()
        gone = set()
        for name, when in self.files.items():
            if name.endswith(".tmp"):
                old = when <= min(cutoff, self.now - STALE_TMP_S)
            elif name.endswith(".tif"):
                stamp = self.files.get(name + store_prune.COPY_USED, -1.0)
                old = max(when, stamp) <= cutoff
            else:
                continue
            if old:
                gone.add(name)
                gone.add(name + store_prune.COPY_USED)
        for name, when in self.files.items():  # stamps left without their copy
            if name.endswith(store_prune.COPY_USED) and name[: -len(store_prune.COPY_USED)] not in self.files \
                    and when <= cutoff:
                gone.add(name)
        old_copies = {n for n in gone if not n.endswith(store_prune.COPY_USED) and n in self.files}
        if held:  # a running geolocator holds the folder: nothing goes, the old copies are said kept
            assert not removed
            assert {p.path.name for p in kept} == old_copies
            return
        assert {p.path.name for p in removed} == old_copies
        assert not kept
        self.files = {n: w for n, w in self.files.items() if n not in gone}

    @invariant()
    def folder_as_modelled(self):
        if not hasattr(self, "folder"):
            return
        on_disk = {p.name for p in self.folder.iterdir() if p.name not in (store_prune.LOCK, store_prune.USED)}
        assert on_disk == set(self.files)


NorthUpMachine.TestCase.settings = settings(prop(30), stateful_step_count=20)
test_northup_prune_states = NorthUpMachine.TestCase
