"""Keeping a tile package's fetched tiles when a write fails mid-fetch (leftovers36, session 36).

A fetch into an MBTiles or GeoPackage commits every COMMIT_EVERY_TILES tiles (fetch.py). When SQLite
stops a write (the disk full, an input/output error), it undoes the failing statement and, depending on
where the error struck, may undo the whole open transaction (SQLite, "BEGIN TRANSACTION", "Response To
Errors Within A Transaction"; `Connection.in_transaction` tells which). Before: the fetch then closed the
file and every tile since the last commit was lost, so a rerun fetched them again. Now the sink keeps the
tiles it put since its last commit (at most COMMIT_EVERY_TILES, in memory anyway as they came) and
`keep_stored` commits what SQLite still holds, or else puts them back one tile and one commit at a time
until the disk refuses again."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


class Uncommitted:
    """The tiles put since the last commit: (z, x, y, data, kind) tuples, in the order they were put; and
    the 404s recorded since then: (z, col, row, when) as the package stores them, `when` in Unix seconds
    (a rolled-back transaction lost them too, so the next run asked for those tiles again: faults37)."""

    def __init__(self) -> None:
        self.tiles: list[tuple[int, int, int, bytes, str]] = []
        self.missing: list[tuple[int, int, int, float]] = []

    def add(self, z: int, x: int, y: int, data: bytes, kind: str) -> None:
        self.tiles.append((z, x, y, data, kind))

    def add_missing(self, z: int, col: int, row: int, when: float) -> None:
        self.missing.append((z, col, row, when))

    def clear(self) -> None:
        self.tiles.clear()
        self.missing.clear()


def keep_stored(db: sqlite3.Connection, pending: Uncommitted,
                put: Callable[[int, int, int, bytes, str], None],
                record: Callable[[int, int, int, float], None] | None = None) -> int:
    """After a failed write: make durable what can be of the tiles in `pending` and return how many of
    them the file now holds for good (0..len(pending.tiles)). `put(z, x, y, data, kind)` writes one tile
    on `db` without committing. When SQLite kept the transaction open, one commit keeps them all; when it
    rolled it back (or that commit fails too), each tile is put again and committed alone, stopping at
    the first that fails (the disk still full). `record(z, col, row, when)` writes one 404 record
    (pending.missing) without committing: those rows are a few bytes each, so they are put back first, all
    in one commit (a disk too full even for them keeps none). Never raises sqlite3.Error; `pending` is
    empty after."""
    tiles, missing = list(pending.tiles), list(pending.missing)
    pending.clear()
    if db.in_transaction:
        try:
            db.commit()
            return len(tiles)
        except sqlite3.Error:
            pass
    if missing and record is not None:
        _alone(db, lambda: [record(*entry) for entry in missing])
    kept = 0
    for tile in tiles:
        if not _alone(db, lambda: put(*tile)):
            break
        kept += 1
    return kept


def _alone(db: sqlite3.Connection, write: Callable[[], object]) -> bool:
    """`write()` in a transaction of its own, after undoing anything the failed statement or commit left
    half done; True when it was committed, False (rolled back, quietly) when SQLite refused it."""
    try:
        db.rollback()
        write()
        db.commit()
        return True
    except sqlite3.Error:
        try:
            db.rollback()
        except sqlite3.Error:
            pass
        return False
