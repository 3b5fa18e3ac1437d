"""Stateful property tests (hypothesis.stateful) of the record of tiles a server answered 404
(core/sources/missing_tiles.py through fetch.FolderSink's missing.txt and mbtiles.MBTilesWriter's
geolocator_missing tables): record / the clock moves on / store a tile / commit / reopen (a new
run) / a run killed before its commit / a missing.txt left without its last newline. After each
step, on a clock of the test's own:

- every tile recorded reads back as missing, aged from when it was recorded (a folder's record is
  dated by its stamp line, written at most once a minute and to the second: up to 61 s older);
  tiles never recorded are not missing;
- a new run (reopen) gives the same ages as the run that wrote them (to the second);
- an MBTiles run killed before commit loses only its own uncommitted records.
"""

from __future__ import annotations

import shutil
import tempfile
import types
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule  # noqa: E402

from geolocator.core.sources import fetch as fetch_mod  # noqa: E402
from geolocator.core.sources import missing_tiles as missing_mod  # noqa: E402
from geolocator.core.sources.fetch import FolderSink, TileTemplate  # noqa: E402
from geolocator.core.sources.mbtiles import MBTilesWriter  # noqa: E402

from .prop_profile import prop  # noqa: E402

TILES = [(z, x, y) for z in (3, 12) for x in (0, 5) for y in (1, 7)]
START = 1_780_000_000.0  # 2026-05-28, whole seconds


class MissingMachine(RuleBasedStateMachine):
    @initialize(kind=st.sampled_from(["folder", "mbtiles"]))
    def start(self, kind):
        self.kind = kind
        self.tmp = Path(tempfile.mkdtemp(prefix="propmissing-"))
        self.now = START
        clock = types.SimpleNamespace(time=lambda: self.now)
        self._real = fetch_mod.time, missing_mod.time
        fetch_mod.time = missing_mod.time = clock  # both modules read time.time() only
        self.recorded: dict[tuple, float] = {}  # tile -> when recorded (what a reader must date it by)
        self.committed: dict[tuple, float] = {}  # mbtiles: what the last commit made durable
        self.this_run: set[tuple] = set()
        self.sink = self._open()

    def teardown(self):
        try:
            self._close()
        finally:
            fetch_mod.time, missing_mod.time = self._real
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _open(self):
        self.this_run = set()
        if self.kind == "folder":
            return FolderSink(self.tmp / "tiles", TileTemplate("http://h.example/{z}/{x}/{y}.png"))
        return MBTilesWriter(self.tmp / "t.mbtiles")

    def _close(self):
        if self.sink is not None:
            self.sink.close()
            self.sink = None

    @rule(tile=st.sampled_from(TILES))
    def record(self, tile):
        self.sink.missing(*tile)
        if self.kind == "folder":
            if tile not in self.this_run:  # once a run (FolderSink.missing)
                self.recorded[tile] = self.sink._stamped
        else:
            self.recorded[tile] = self.now
        self.this_run.add(tile)

    @rule(dt=st.sampled_from([0.4, 1.0, 59.0, 61.0, 3600.0, 86_400.0]))
    def clock(self, dt):
        self.now += dt

    @rule(tile=st.sampled_from(TILES))
    def store_tile(self, tile):
        if self.kind == "folder":
            self.sink.put(*tile, b"\x89PNG", "png")
        else:
            self.sink.put(*tile, b"\x89PNG")

    @rule()
    def commit(self):
        self.sink.commit()
        self.committed = dict(self.recorded)

    @rule()
    def reopen(self):
        if self.kind == "mbtiles":
            self.sink.commit()
            self.committed = dict(self.recorded)
        before = {t: self.sink.missing_age(*t) for t in TILES}
        self._close()
        self.sink = self._open()
        for tile in TILES:
            after = self.sink.missing_age(*tile)
            assert (before[tile] is None) == (after is None), tile
            if after is not None:
                assert abs(after - before[tile]) < 1.0, (tile, before[tile], after)
        self._whole_seconds()

    def _whole_seconds(self):
        if self.kind == "folder":  # the file keeps whole seconds
            self.recorded = {t: float(int(w)) for t, w in self.recorded.items()}

    @precondition(lambda self: self.kind == "mbtiles")
    @rule()
    def killed_before_commit(self):
        """The run is killed: what it recorded since its last commit is gone, nothing else."""
        self.sink.db.close()  # no commit: sqlite rolls the open transaction back
        self.recorded = dict(self.committed)
        self.sink = self._open()

    @precondition(lambda self: self.kind == "folder")
    @rule(tail=st.sampled_from(["7/12", "# recorded 2026-0", "#", "3/0/1 ", "BOM"]))
    def no_last_newline(self, tail):
        """missing.txt ends without a newline (saved by an editor that drops it; a full disk mid-line),
        or was saved with a byte order mark: the next run's lines must not be glued to that last line,
        and the first stamp line still dates the keys after it."""
        self._close()
        path = self.tmp / "tiles" / "missing.txt"
        text = path.read_text() if path.exists() else ""
        if tail == "BOM":  # saved by Windows Notepad as "UTF-8": a byte order mark before the first line
            if text and not text.startswith("\ufeff"):
                path.write_text("\ufeff" + text, encoding="utf-8")
        elif tail == "3/0/1 ":  # the last key itself without its newline
            if text.endswith("3/0/1\n"):
                path.write_text(text[:-1])
        else:
            path.write_text(text + tail)
        self.now += 3600.0  # the next run, an hour later
        self.sink = self._open()
        self._whole_seconds()

    @invariant()
    def ages_as_recorded(self):
        if getattr(self, "sink", None) is None:
            return
        for tile in TILES:
            age = self.sink.missing_age(*tile)
            if tile not in self.recorded:
                assert age is None, (tile, age)
                continue
            assert age is not None, tile
            true_age = self.now - self.recorded[tile]
            slack = 1.0 if self.kind == "folder" else 1e-6
            assert true_age - 1e-6 <= age <= true_age + slack, (tile, age, true_age)


MissingMachine.TestCase.settings = settings(prop(25), stateful_step_count=20)
test_missing_tile_record_states = MissingMachine.TestCase


def test_a_missing_txt_without_its_last_newline_keeps_the_next_runs_stamp_and_its_last_key(tmp_path):
    """Found by MissingMachine: missing.txt ending "3/0/1" (no newline: an editor that drops it)
    had the next run's stamp glued to it ("3/0/1# recorded ..."): tile 3/0/1 no longer recorded, and
    the next run's 404 (3/5/7) dated by the stamp before, three days older on reopen (asked again at once)."""
    template = TileTemplate("http://h.example/{z}/{x}/{y}.png")
    sink = FolderSink(tmp_path / "t", template)
    sink.missing(3, 0, 1)
    sink.close()
    path = tmp_path / "t" / "missing.txt"
    path.write_text(path.read_text().rstrip("\n"))
    real = fetch_mod.time  # (missing_tiles ages records by its own clock since faults37: both are set)
    later = real.time() + 3 * 86_400.0
    fetch_mod.time = missing_mod.time = types.SimpleNamespace(time=lambda: later)
    try:
        sink = FolderSink(tmp_path / "t", template)
        sink.missing(3, 5, 7)
        sink.close()
        again = FolderSink(tmp_path / "t", template)
        assert again.missing_age(3, 5, 7) < 2.0
        assert again.missing_age(3, 0, 1) is not None
    finally:
        fetch_mod.time = missing_mod.time = real


def test_a_missing_txt_saved_with_a_byte_order_mark_keeps_its_first_stamp(tmp_path):
    """missing.txt saved by Windows Notepad as "UTF-8" (a BOM before "# recorded ..."): the stamp was
    read as a key "\\ufeff# recorded ..." and the tiles after it dated by the file's last change (a
    later run's append): a 404 of days ago counted as just recorded, not asked again for another day."""
    template = TileTemplate("http://h.example/{z}/{x}/{y}.png")
    real = fetch_mod.time  # (missing_tiles ages records by its own clock since faults37: both are set)
    fetch_mod.time = missing_mod.time = types.SimpleNamespace(time=lambda: START)
    try:
        sink = FolderSink(tmp_path / "t", template)
        sink.missing(3, 0, 1)
        sink.close()
    finally:
        fetch_mod.time = missing_mod.time = real
    path = tmp_path / "t" / "missing.txt"
    path.write_text("\ufeff" + path.read_text(), encoding="utf-8")
    fetch_mod.time = missing_mod.time = types.SimpleNamespace(time=lambda: START + 2 * 86_400.0)
    try:
        again = FolderSink(tmp_path / "t", template)
        assert again.missing_age(3, 0, 1) == pytest.approx(2 * 86_400.0, abs=1.0)
        assert not any(k.startswith("\ufeff") for k in again._missing)
    finally:
        fetch_mod.time = missing_mod.time = real
