"""core/sources/missing_tiles.py on its own: when each 404 was recorded, in a folder's missing.txt and in a
package's tables (session 36: mutation36 found these rules passed by the fetch tests whatever they were)."""

from __future__ import annotations

import sqlite3
import time

import pytest

from geolocator.core.sources.missing_tiles import TIME_TABLE, SqliteMissingTimes, read_missing_text, stamp_line


def test_a_stamp_line_is_utc_whatever_the_local_zone(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        assert stamp_line(0.0) == "# recorded 1970-01-01T00:00:00Z"
        assert read_missing_text(stamp_line(86_400.0) + "\n1/0/0\n", undated=5.0) == {"1/0/0": 86_400.0}
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_keys_take_the_stamp_before_them_the_latest_when_listed_twice():
    text = "\n".join(["2/0/0",  # before any stamp: the file's time
                      stamp_line(2000.0), "2/1/1", "2/2/2",
                      stamp_line(1000.0), "2/1/1",  # a later line, an earlier time (a clock set back): 2000 stays
                      "# a note someone wrote", "",
                      "# recorded yesterday", "2/3/3"])  # a stamp that is not one: the file's time again
    assert read_missing_text(text, undated=7.0) == {"2/0/0": 7.0, "2/1/1": 2000.0, "2/2/2": 2000.0, "2/3/3": 7.0}


@pytest.fixture
def package(tmp_path):
    db = sqlite3.connect(tmp_path / "a.mbtiles")
    db.execute("CREATE TABLE geolocator_missing (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, "
               "PRIMARY KEY (zoom_level, tile_column, tile_row))")
    db.execute("INSERT INTO geolocator_missing VALUES (3, 1, 1)")  # by a version before session 35: no time
    db.commit()
    yield db, tmp_path / "a.mbtiles"
    db.close()


def test_a_package_row_without_a_time_is_as_old_as_the_file(package):
    db, path = package
    times = SqliteMissingTimes(db, path)
    assert times.undated == path.stat().st_mtime
    assert times.age(3, 1, 1, now=times.undated + 50.0) == 50.0
    assert times.age(3, 2, 2) is None  # not recorded
    assert not db.execute("SELECT 1 FROM sqlite_master WHERE name=?", (TIME_TABLE,)).fetchone()  # nothing written


def test_a_package_record_is_dated_renewed_and_never_in_the_future(package):
    db, path = package
    times = SqliteMissingTimes(db, path, undated=0.0)
    times.record(3, 1, 1, now=1000.0)
    assert times.age(3, 1, 1, now=1500.0) == 500.0  # its time, not the file's
    times.record(3, 1, 1, now=1400.0)  # asked again and still missing: the new time counts
    assert times.age(3, 1, 1, now=1500.0) == 100.0
    assert times.age(3, 1, 1, now=900.0) == 0.0  # a clock set back: not a negative age
    again = SqliteMissingTimes(db, path, undated=0.0)  # reopened: its time table is found
    assert again.age(3, 1, 1, now=1500.0) == 100.0
