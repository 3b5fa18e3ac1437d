"""A fetch into a tile package stopped by a failed write keeps the tiles fetched since its last commit
(leftovers36, closing faults36's open point). SQLite, on "database or disk is full", may roll back the
whole open transaction; before, the fetch then closed the file and the tiles since the last commit (up
to COMMIT_EVERY_TILES) were lost: the file "holds 0 of the area's 6 tiles" and a rerun fetched them all."""

from __future__ import annotations

import sqlite3
from types import SimpleNamespace

import pytest

from geolocator.core.sources import fetch as F

from .test_faults36_fetch import PNG, TILES, _fetch


def _full(db, *, roll_back: bool):
    if roll_back:  # what SQLite does when the error struck where only the whole transaction can be undone
        db.rollback()
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = 13  # SQLITE_FULL
    return exc


def mbtiles_disk_full(monkeypatch, *, roll_back: bool) -> dict:
    """MBTilesWriter on a disk that is full from the tile at x=3 on (SQLite rolling the open transaction back
    or not), and for close()'s own metadata writes; returns the switch: `full["on"] = False` frees the disk."""
    from geolocator.core.sources.mbtiles import MBTilesWriter

    real_put, real_meta = MBTilesWriter.put, MBTilesWriter.finish_metadata
    full = {"on": True}

    def put(self, z, x, y, data):
        if x == 3 and full["on"]:
            raise _full(self.db, roll_back=roll_back)
        return real_put(self, z, x, y, data)

    def finish_metadata(self):  # close()'s own writes fail on the same full disk
        if full["on"]:
            raise _full(self.db, roll_back=True)
        return real_meta(self)

    monkeypatch.setattr(MBTilesWriter, "put", put)
    monkeypatch.setattr(MBTilesWriter, "finish_metadata", finish_metadata)
    return full


@pytest.mark.parametrize("roll_back", [True, False])
def test_an_mbtiles_fetch_stopped_by_a_full_disk_keeps_the_tiles_since_its_last_commit(tmp_path, monkeypatch,
                                                                                         roll_back):
    out = tmp_path / "area.mbtiles"
    full = mbtiles_disk_full(monkeypatch, roll_back=roll_back)
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)  # COMMIT_EVERY_TILES (50) is more than the 6 tiles: nothing was committed before
    assert e.value.kept == 3 and f"{out} holds 3 of the area's 6 tiles" in str(e.value)
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == 3
        assert dict(db.execute("SELECT name, value FROM metadata"))["format"] == "png"
    full["on"] = False
    assert _fetch(out).already == 3  # the rerun fetches only the rest


def test_put_back_stops_at_the_first_tile_the_disk_still_refuses(tmp_path):
    from geolocator.core.sources.package_commit import Uncommitted, keep_stored

    db = sqlite3.connect(tmp_path / "t.sqlite")
    db.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)")
    db.commit()
    pending = Uncommitted()
    for k in range(4):
        db.execute("INSERT INTO t VALUES (?, ?)", (k, b"x"))
        pending.add(0, k, 0, b"x", "png")
    db.rollback()  # SQLite undid the transaction

    def again(z, x, y, data, kind):
        if x == 2:
            raise _full(db, roll_back=False)
        db.execute("INSERT INTO t VALUES (?, ?)", (x, data))

    assert keep_stored(db, pending, again) == 2 and not pending.tiles
    assert [r[0] for r in db.execute("SELECT k FROM t ORDER BY k")] == [0, 1] and not db.in_transaction


def test_a_geopackage_sink_keeps_its_uncommitted_tiles_after_a_rolled_back_write(tmp_path):
    from geolocator.core.sources.wmts_grid import TILE_TABLE, GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    path = tmp_path / "a.gpkg"
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    for x in range(3):
        sink.put(0, x, 0, PNG, "png")
    sink.db.rollback()  # the fourth tile's write failed and SQLite undid the transaction
    assert sink.keep_stored() == 3
    sink.db.close()  # as if close()'s own commit failed too
    with sqlite3.connect(path) as db:
        assert db.execute(f'SELECT COUNT(*) FROM "{TILE_TABLE}"').fetchone()[0] == 3


def test_tiles_committed_in_batches_are_not_put_again(tmp_path):
    # after a commit the sink forgets its tiles, so a later failure puts back only the later ones
    from geolocator.core.sources.mbtiles import MBTilesWriter  # noqa: F401

    sink = F.MBTilesSink(tmp_path / "b.mbtiles", F.TileTemplate("http://h/{z}/{x}/{y}"))
    for z, x, y in TILES[:2]:
        sink.put(z, x, y, PNG, "png")
    sink.commit()
    sink.put(*TILES[2], PNG, "png")
    sink.writer.db.rollback()
    assert sink.keep_stored() == 1
    sink.close()


class _DiskFor:
    """An sqlite3 connection on a disk with room for `room` tiles: a commit that would leave more in the
    file fails with SQLITE_FULL and SQLite rolls the transaction back, as a real full disk did on a
    600 kB tmpfs (training/results/leftovers36_session36.md: the commit at the end of a fetch)."""

    def __init__(self, db, room):
        self.db, self.room = db, room

    def commit(self):
        if self.db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] > self.room:
            raise _full(self.db, roll_back=True)
        self.db.commit()

    def __getattr__(self, name):
        return getattr(self.db, name)


def test_a_last_batch_whose_commit_finds_the_disk_full_keeps_what_fits(tmp_path, monkeypatch):
    """Every tile was put (fewer than COMMIT_EVERY_TILES), and the commit at the end failed: before, the
    whole batch was rolled back and the file held 0 of 6 tiles; now as many as the disk takes."""
    from geolocator.core.sources.mbtiles import MBTilesWriter

    real_init = MBTilesWriter.__init__

    def init(self, *a, **kw):
        real_init(self, *a, **kw)
        self.db.commit()
        self.db = _DiskFor(self.db, room=4)

    monkeypatch.setattr(MBTilesWriter, "__init__", init)
    out = tmp_path / "area.mbtiles"
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)
    assert e.value.kept == 4 and e.value.problem == "the disk is full"
    monkeypatch.undo()
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == 4
    assert _fetch(out).already == 4  # space freed: the rerun fetches only the other 2
