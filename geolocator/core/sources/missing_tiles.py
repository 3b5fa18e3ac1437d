"""When each tile a server answered 404 (or 410) was recorded missing, so that a later fetch asks for it
again once the record is old (fetch.MISSING_RETRY_S, a day) instead of never: a flaky server's one 404
left a gap in the imagery for ever (session 35, newuser35).

Formats, each still read by a version before session 35 (which knows the keys only):
- a folder's missing.txt keeps its "z/x/y" lines; a line "# recorded YYYY-MM-DDTHH:MM:SSZ" (UTC) dates the
  keys after it, up to the next such line. The older reader takes the comment for a key no tile has.
- a package (.mbtiles, .gpkg) keeps the table geolocator_missing; the times are in a table of their own,
  geolocator_missing_time (made at the first 404 recorded, so a rerun with none leaves the file as it was):
  the older writer inserts 3 values into geolocator_missing, which a 4th column would refuse.
A record without a time (written before session 35) counts as made when its file last changed.
"""

from __future__ import annotations

import math
import sqlite3
import time
from datetime import datetime, timezone
from pathlib import Path

# a record dated more than this after now was made while the clock ran ahead (a flat clock battery set it to
# 2036, then it was corrected), or the clock was set back since: how old it is cannot be known. One allowance
# for the whole cache: the stores', frames' and copies' last uses read it too (store_prune.dated_ahead)
from ..store_prune import CLOCK_SKEW_S

STAMP = "# recorded "
TIME_TABLE = "geolocator_missing_time"
_STAMP_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def record_age(when: float, now: float | None = None) -> float:
    """Seconds since a record made at `when` (Unix seconds) as of `now` (default the clock); a record
    dated more than CLOCK_SKEW_S in the future counts as infinitely old, so its tile is asked for again at
    once (faults37: its age was 0 and the tile was never asked for until the clock caught up with it,
    years later). One to CLOCK_SKEW_S seconds ahead (two machines' clocks a little apart) counts as 0."""
    now = time.time() if now is None else now
    if when - now > CLOCK_SKEW_S:
        return math.inf
    return max(now - when, 0.0)


def stamp_line(when: float) -> str:
    """The missing.txt line dating the keys after it: `when` in Unix seconds, as UTC to the second."""
    return STAMP + datetime.fromtimestamp(when, timezone.utc).strftime(_STAMP_FORMAT)


def read_missing_text(text: str, undated: float) -> dict[str, float]:
    """missing.txt's keys ("z/x/y") -> when each was recorded (Unix seconds; the latest when listed twice);
    keys before any stamp line, or after one that cannot be read, get `undated` (the file's mtime)."""
    times: dict[str, float] = {}
    when = undated
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith(STAMP):
            try:
                when = datetime.strptime(line[len(STAMP):].strip(), _STAMP_FORMAT).replace(
                    tzinfo=timezone.utc).timestamp()
            except ValueError:
                when = undated
            continue
        if line.startswith("#"):
            continue
        times[line] = max(times.get(line, -math.inf), when)
    return times


class SqliteMissingTimes:
    """The times of a package's geolocator_missing rows (zoom_level, tile_column, tile_row as stored)."""

    def __init__(self, db: sqlite3.Connection, path: Path, undated: float | None = None) -> None:
        """`undated`: when a row without a time counts as recorded (default: `path`'s mtime now)."""
        self.db = db
        if undated is None:
            try:
                undated = Path(path).stat().st_mtime
            except OSError:
                undated = time.time()
        self.undated = undated
        self._made = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?",
                                (TIME_TABLE,)).fetchone() is not None

    def age(self, z: int, col: int, row: int, now: float | None = None) -> float | None:
        """Seconds since tile (z, col, row) was recorded missing; None when it is not recorded."""
        if self.db.execute("SELECT 1 FROM geolocator_missing WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                           (z, col, row)).fetchone() is None:
            return None
        when = None
        if self._made:
            hit = self.db.execute(f"SELECT recorded FROM {TIME_TABLE} WHERE zoom_level=? AND tile_column=? AND "
                                  "tile_row=?", (z, col, row)).fetchone()
            when = hit[0] if hit else None
        return record_age(self.undated if when is None else float(when), now)

    def record(self, z: int, col: int, row: int, now: float | None = None) -> None:
        """Record tile (z, col, row) missing now (again: its time is renewed)."""
        # every time, not once: a failed write's rollback can undo the CREATE of this run's first 404, and
        # package_commit.keep_stored then records it again (IF NOT EXISTS on a table there writes nothing)
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {TIME_TABLE} (zoom_level INTEGER, tile_column INTEGER, "
                        "tile_row INTEGER, recorded REAL, PRIMARY KEY (zoom_level, tile_column, tile_row))")
        self._made = True
        self.db.execute("INSERT OR IGNORE INTO geolocator_missing VALUES (?, ?, ?)", (z, col, row))
        self.db.execute(f"INSERT OR REPLACE INTO {TIME_TABLE} VALUES (?, ?, ?, ?)",
                        (z, col, row, time.time() if now is None else now))
