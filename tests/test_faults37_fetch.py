"""A tile fetch's faults left open by faults36 and new ones (faults37, session 37)."""

from __future__ import annotations

import sqlite3
import types

import pytest

from geolocator.core.sources import fetch as F

from .test_faults36_fetch import PNG, TILES, T
from .test_leftovers36_package_commit import mbtiles_disk_full


class _Some404:
    """Answers 404 for the tiles whose x is in `gone`, the PNG for the others."""

    def __init__(self, gone):
        self.gone = set(gone)
        self.asked: list[str] = []

    def close(self):
        pass

    def get(self, url):
        self.asked.append(url)
        x = int(url.rsplit("/", 2)[1])
        if x in self.gone:
            return types.SimpleNamespace(status_code=404, headers={}, content=b"not found")
        return types.SimpleNamespace(status_code=200, headers={}, content=PNG)


def _fetch(out, client):
    return F.fetch_tiles(T, TILES, out, client=client, concurrency=1, backoff_s=0.0, max_wait_s=0.0)


@pytest.mark.parametrize("roll_back", [True, False])
def test_the_404s_since_the_last_commit_are_kept_when_a_full_disk_stops_an_mbtiles_fetch(tmp_path, monkeypatch,
                                                                                          roll_back):
    """Input: tiles x=0, 1 answered 404, the disk full at x=3, SQLite rolling the open transaction back.
    Before: the 404 records went with the rollback (only the tiles were put back), so the rerun asked
    for x=0 and x=1 again. Now they are put back with the tiles, with the time they were recorded."""
    out = tmp_path / "area.mbtiles"
    full = mbtiles_disk_full(monkeypatch, roll_back=roll_back)
    with pytest.raises(F.TilesNotStored):
        _fetch(out, _Some404({0, 1}))
    with sqlite3.connect(out) as db:
        assert sorted(r[0] for r in db.execute("SELECT tile_column FROM geolocator_missing")) == [0, 1]
        assert db.execute("SELECT COUNT(*) FROM geolocator_missing_time WHERE recorded > 0").fetchone()[0] == 2
        assert sorted(r[0] for r in db.execute("SELECT tile_column FROM tiles")) == [2]
    full["on"] = False
    again = _Some404({0, 1})
    report = _fetch(out, again)
    assert report.missing == 2 and report.already == 1 and report.fetched == 3
    assert sorted(int(u.rsplit("/", 2)[1]) for u in again.asked) == [3, 4, 5]  # not 0 and 1 again


def test_a_geopackage_sink_puts_back_its_rolled_back_404_records(tmp_path):
    """The WMTS grid's GeoPackage (wmts_grid.GpkgSink) keeps its 404s the same way."""
    from types import SimpleNamespace

    from geolocator.core.sources.wmts_grid import GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    path = tmp_path / "a.gpkg"
    sink = GpkgSink(path, template, _deg_set(_one_degree()))
    sink.put(0, 0, 0, PNG, "png")
    sink.missing(0, 1, 0)
    sink.db.rollback()  # the next write failed and SQLite undid the transaction
    assert sink.keep_stored() == 1
    sink.db.close()  # as if close()'s own commit failed too
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT zoom_level, tile_column, tile_row FROM geolocator_missing").fetchall() == [(0, 1, 0)]


def test_a_folder_fetch_stopped_at_a_tile_leaves_no_empty_column_folder(tmp_path, monkeypatch):
    """Input: a folder fetch whose third tile (18/2/100.png, the first in column 2) meets a full disk.
    Before: the fetch stopped as it should, but the folder 18/2/ made for that tile stayed, empty.
    Now the folders a tile made are removed with it when it cannot be stored."""
    from .test_faults36_fetch import _Client, _refuse_writes

    out = tmp_path / "tiles"
    _refuse_writes(monkeypatch, "/18/2/")
    with pytest.raises(F.TilesNotStored):
        F.fetch_tiles(T, TILES, out, client=_Client(), concurrency=1, backoff_s=0.0, max_wait_s=0.0)
    monkeypatch.undo()
    assert sorted(p.relative_to(out).as_posix() for p in (out / "18").iterdir()) == ["18/0", "18/1"]


def test_a_tile_that_cannot_be_stored_in_a_new_zoom_leaves_no_empty_zoom_folder(tmp_path, monkeypatch):
    from .test_faults36_fetch import _Client, _refuse_writes

    out = tmp_path / "tiles"
    _refuse_writes(monkeypatch, "/18/")
    with pytest.raises(F.TilesNotStored):
        F.fetch_tiles(T, TILES, out, client=_Client(), concurrency=1, backoff_s=0.0, max_wait_s=0.0)
    monkeypatch.undo()
    # before: 18/2/ stayed, so the new folder (no tile in it) could not be removed either (discard_if_empty)
    assert not out.exists()


# -- a tile server on 127.0.0.1 that answers badly (tests/tile_server.py) ----------------------------

def _served():
    from .tile_packages import demo_pyramid

    return demo_pyramid(zooms=(19,))


def test_a_200_with_an_empty_body_is_a_missing_tile_not_a_page(tmp_path):
    """Input: a server answering 200 with 0 bytes (no tile there: some servers do so instead of 204).
    Before: "the server sent image/jpeg, not an image", tried again on every rerun, and ten such tiles
    first stopped the fetch with the advice to sign in to a hotel Wi-Fi. Now it is a missing tile, as
    204 is: recorded, said among those missing, not asked again for a day."""
    from .tile_server import TileServer

    tiles = _served()
    wanted = sorted(tiles)[:12]
    empty = {t: [(200, {"Content-Type": "image/jpeg"}, b"")] for t in wanted[:10]}
    with TileServer(tiles, empty) as server:
        report = F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "xyz", backoff_s=0.01, max_wait_s=1.0)
    assert report.missing == 10 and report.fetched == 2 and not report.failed
    lines = (tmp_path / "xyz" / F.MISSING_FILE).read_text().splitlines()
    assert {f"{z}/{x}/{y}" for z, x, y in wanted[:10]} <= set(lines)


def _every_tile_429(tmp_path, n: int) -> str:
    """The FetchError's message of a fetch of `n` tiles, each answered 429 (Retry-After: 0) on every attempt."""
    from .tile_server import TileServer

    tiles = _served()
    wanted = sorted(tiles)[:n]
    limited = {t: [(429, {"Retry-After": "0"}, b"slow down")] * 2 for t in wanted}
    with TileServer(tiles, limited) as server:
        with pytest.raises(F.FetchError) as e:
            F.fetch_tiles(F.parse_template(server.url), wanted, tmp_path / "xyz", retries=1, backoff_s=0.01,
                          max_wait_s=0.5, concurrency=1)
    return str(e.value)


def test_a_server_that_only_answers_429_is_said_to_limit_requests_not_to_have_a_wrong_url(tmp_path):
    """Input: every tile answered 429 with Retry-After: 0. Before: "HTTP 429 after 2 attempts" per tile and,
    after eight, "It may be down or overloaded (try again later), or the URL may be wrong". Now the
    reason says the service limits requests, and the advice is to wait and ask one tile at a time."""
    msg = _every_tile_429(tmp_path, 8)
    assert "429 Too Many Requests: the service limits how fast tiles may be asked for" in msg
    assert "--concurrency 1" in msg and "URL may be wrong" not in msg


def test_a_small_area_whose_every_tile_got_only_429_gets_the_same_advice(tmp_path):
    """Input (trial37): an area of 4 tiles, each answered 429 on every attempt (fewer than the 8 that stop a
    fetch). Before: per-tile warnings, then the CLI's "no tile could be fetched", without saying to wait and
    ask one tile at a time, as the README says. Now the same FetchError as for 8 such tiles."""
    msg = _every_tile_429(tmp_path, 4)
    assert "answered the first 4 tiles only with HTTP 429 Too Many Requests" in msg
    assert "--concurrency 1" in msg and "was not created" in msg


# -- a clock that jumped: records dated in the future ------------------------------------------------

def test_a_404_recorded_while_the_clock_ran_years_ahead_is_asked_for_again(tmp_path):
    """Input: missing.txt whose stamp says 2036 (written while the clock was wrong), read today.
    Before: its age was max(now - 2036, 0) = 0, so the tile was "known missing" until 2036.
    Now a record over an hour in the future counts as old: the tile is asked for again."""
    from geolocator.core.sources.missing_tiles import stamp_line

    out = tmp_path / "xyz"
    out.mkdir()
    future = 2_082_758_400.0  # 2036-01-01
    (out / F.MISSING_FILE).write_text(stamp_line(future) + "\n18/0/100\n18/1/100\n")
    client = _Some404(set())
    report = _fetch(out, client)
    assert report.asked_again == 2 and report.fetched == 6 and len(client.asked) == 6


def test_a_record_a_few_minutes_ahead_is_a_clock_slightly_off_and_still_recent(tmp_path):
    import time

    from geolocator.core.sources.missing_tiles import stamp_line

    out = tmp_path / "xyz"
    out.mkdir()
    (out / F.MISSING_FILE).write_text(stamp_line(time.time() + 600) + "\n18/0/100\n")
    client = _Some404(set())
    report = _fetch(out, client)
    assert report.missing == 1 and report.asked_again == 0 and len(client.asked) == 5


def test_a_package_404_dated_in_the_future_is_asked_for_again(tmp_path):
    from geolocator.core.sources.mbtiles import MBTilesWriter

    out = tmp_path / "area.mbtiles"
    w = MBTilesWriter(out)
    w.missing(18, 0, 100, 2_082_758_400.0)
    w.close()
    client = _Some404(set())
    report = _fetch(out, client)
    assert report.asked_again == 1 and report.fetched == 6
