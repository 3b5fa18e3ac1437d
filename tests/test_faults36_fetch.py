"""A fetch whose tiles cannot be stored (faults36, session 36): a full disk (ENOSPC), a folder that
refuses writes (EACCES), an MBTiles that SQLite finds full. Before: the raw OSError escaped (a folder:
"No space left on device" with no file named, then the close's own failure masked it and left
`.metadata.json.part` and `.100.png.part` files) or sqlite3.OperationalError ("database or disk is
full": a traceback in the CLI). Now the fetch stops at the first tile it cannot store, keeps every
tile stored before it, and TilesNotStored names the file, the reason, and what `out` holds."""

from __future__ import annotations

import builtins
import errno
import json
import sqlite3
import types

import pytest

from geolocator.core.sources import fetch as F

from .test_fetch_exact2 import PNG

T = F.TileTemplate("http://h/{z}/{x}/{y}")
TILES = [(18, x, 100) for x in range(6)]


class _Client:
    def __init__(self, status=200):
        self.status = status

    def close(self):
        pass

    def get(self, url):
        return types.SimpleNamespace(status_code=self.status, headers={}, content=PNG)


def _fetch(out, status=200):
    return F.fetch_tiles(T, TILES, out, client=_Client(status), concurrency=1, backoff_s=0.0, max_wait_s=0.0)


def _refuse_writes(monkeypatch, where: str, err=errno.ENOSPC):
    """open() for writing raises `err` for a path holding `where`, after writing part of it as a full disk does."""
    real_open = builtins.open

    def fake_open(file, mode="r", *a, **kw):
        f = real_open(file, mode, *a, **kw)
        if any(m in mode for m in "wa") and where in str(file):
            f.write(b"\0" if "b" in mode else "x")
            f.close()
            raise OSError(err, "No space left on device" if err == errno.ENOSPC else "Permission denied")
        return f

    monkeypatch.setattr(builtins, "open", fake_open)


def _debris(folder):
    return [p for p in folder.rglob("*") if p.name.startswith(".")]


def test_a_full_disk_stops_a_folder_fetch_naming_the_tile_and_keeps_the_tiles_before(tmp_path, monkeypatch):
    out = tmp_path / "tiles"
    _refuse_writes(monkeypatch, "/18/2/")
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)
    monkeypatch.undo()
    assert e.value.where.parent == out / "18" / "2" and e.value.problem == "the disk is full"
    assert e.value.kept == 2 and e.value.total == 6
    assert f"{out} holds 2 of the area's 6 tiles" in str(e.value) and "run again" in str(e.value)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*.png")) == ["18/0/100.png", "18/1/100.png"]
    assert (out / "18" / "0" / "100.png").read_bytes() == PNG
    assert json.loads((out / "metadata.json").read_text())["scheme"] == "xyz"
    assert not _debris(out)  # no half-written tile or metadata file left
    assert _fetch(out).already == 2  # the rerun fetches only the rest


def test_a_full_disk_at_the_metadata_file_names_it_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    out = tmp_path / "tiles"
    _refuse_writes(monkeypatch, "metadata.json")
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)
    monkeypatch.undo()
    assert e.value.where == out / "metadata.json" and e.value.kept == 6
    assert not _debris(out) and len(list(out.rglob("*.png"))) == 6


def test_the_first_failure_is_the_one_said_when_closing_fails_too(tmp_path, monkeypatch):
    """A tile refused, then the metadata file written on close refused too: the tile's failure is said, the
    one that stopped the fetch (FE4: the close's failure took its place)."""
    out = tmp_path / "tiles"
    _refuse_writes(monkeypatch, "/18/2/")
    _refuse_writes(monkeypatch, "metadata.json", errno.EACCES)
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)
    monkeypatch.undo()
    assert e.value.where.parent == out / "18" / "2" and e.value.problem == "the disk is full"


def test_a_plain_os_error_names_its_own_file_else_the_output():
    """An OSError with a file name (not one outputs.OutputError worded) names that file (FE2), else `out`."""
    out = F.Path("/data/area")
    exc = OSError(errno.ENOSPC, "No space left on device", "/data/area/18/0/100.png")
    assert F._store_fault(exc, out) == (F.Path("/data/area/18/0/100.png"), "the disk is full")
    assert F._store_fault(OSError(errno.ENOSPC, "No space left on device"), out) == (out, "the disk is full")


def test_a_missing_list_that_cannot_be_written_is_named(tmp_path, monkeypatch):
    out = tmp_path / "tiles"
    out.mkdir()
    _refuse_writes(monkeypatch, F.MISSING_FILE, errno.EACCES)
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out, status=404)
    monkeypatch.undo()
    assert e.value.where == out / F.MISSING_FILE and e.value.problem.startswith("permission denied")


def test_an_mbtiles_that_sqlite_finds_full_keeps_its_committed_tiles(tmp_path, monkeypatch):
    from geolocator.core.sources.mbtiles import MBTilesWriter

    out = tmp_path / "area.mbtiles"
    real_put = MBTilesWriter.put

    def put(self, z, x, y, data):
        if x == 3:
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode = 13  # SQLITE_FULL
            raise exc
        return real_put(self, z, x, y, data)

    monkeypatch.setattr(F, "COMMIT_EVERY_TILES", 1)
    monkeypatch.setattr(MBTilesWriter, "put", put)
    with pytest.raises(F.TilesNotStored) as e:
        _fetch(out)
    assert e.value.where == out and e.value.problem == "the disk is full" and e.value.kept == 3
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == 3


def test_the_cli_says_it_in_one_line_with_no_traceback(tmp_path, monkeypatch, capsys):
    from geolocator.cli import main

    monkeypatch.setattr(F, "make_client", lambda **kw: _Client())
    _refuse_writes(monkeypatch, "/19/")
    out = tmp_path / "tiles"
    code = main(["fetch-tiles", "http://h/{z}/{x}/{y}", "--bbox=4.0,52.0,4.001,52.001", "--zoom", "19",
                 "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "a fetched tile could not be stored (the disk is full); stopped" in err and str(out / "19") in err


@pytest.mark.parametrize(("code", "said"), [(13, "the disk is full"), (8, "the file or its folder is read-only"),
                                            (266, "an input/output error (the disk or card may be failing or was removed)"),
                                            (1, "SQL logic error")])
def test_sqlite_errors_in_words(code, said):
    from geolocator.core.outputs import describe_sqlite_error

    exc = sqlite3.OperationalError("SQL logic error")
    exc.sqlite_errorcode = code  # 266: SQLITE_IOERR_READ, an extended code
    assert describe_sqlite_error(exc) == said
    assert describe_sqlite_error(ValueError("x")) == "x"


def test_the_app_says_a_full_disk_in_its_own_words_and_keeps_working(qtbot, tmp_path, monkeypatch):
    """Get Imagery into an MBTiles on a disk that fills after two tiles: the worker's job fails, the app shows
    which file, what is kept and how to resume from its dialog (before: sqlite3's "database or disk is full"
    and nothing about the tiles kept), and its next job runs."""
    pytest.importorskip("pytestqt")
    from geolocator.core.sources.mbtiles import MBTilesWriter
    from geolocator.gui.imagery_dialog import start_fetch

    from .test_gui_first_hour import wait_idle
    from .test_imagery_dialog import _window

    real_put, puts = MBTilesWriter.put, []

    def put(self, z, x, y, data):
        puts.append((z, x, y))
        if len(puts) > 2:
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode = 13
            raise exc
        return real_put(self, z, x, y, data)

    monkeypatch.setattr(F, "COMMIT_EVERY_TILES", 1)
    monkeypatch.setattr(MBTilesWriter, "put", put)
    monkeypatch.setattr(F, "make_client", lambda **kw: _Client())
    w = _window(qtbot, tmp_path)
    out = tmp_path / "area.mbtiles"
    plan = F.FetchPlan(T, F.Bounds(4.0, 52.0, 4.002, 52.002), 19, out, tuple((19, x, 100) for x in range(5)))
    start_fetch(w, plan)
    # the waits are hang guards, not speed checks: 48 s alone on 2 cores, past 60 s beside other runs
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=240_000)
    wait_idle(qtbot, w)
    text = w.message_bar.text
    assert f"{out}: a fetched tile could not be stored (the disk is full); stopped: {out} holds 2 of the area's 5" in text
    assert "Get Imagery for This Area… with the same area and file: only the tiles it lacks are fetched" in text
    monkeypatch.setattr(MBTilesWriter, "put", real_put)
    start_fetch(w, plan)  # space freed: the app still works, and fetches only the rest
    qtbot.waitUntil(lambda: w.tileset_path == out and not w.runner.busy, timeout=240_000)
    with sqlite3.connect(out) as db:
        assert db.execute("SELECT COUNT(*) FROM tiles").fetchone()[0] == 5
    w.close()


def _full_disk_on_create(sqlite, monkeypatch):
    """`sqlite` (a module's sqlite3) connects to databases whose first write (executescript, as a new
    file's schema is) fails as SQLite does on a full disk (SQLITE_FULL, 13)."""
    real = sqlite3.connect

    class FullDb:
        def __init__(self, path):
            self.db = real(path)

        def executescript(self, script):
            exc = sqlite3.OperationalError("database or disk is full")
            exc.sqlite_errorcode = 13
            raise exc

        def __getattr__(self, name):
            return getattr(self.db, name)

    monkeypatch.setattr(sqlite, "connect", lambda path, *a, **kw: FullDb(path))


def _sqlite_full_on_create(monkeypatch):
    from geolocator.core.sources import mbtiles

    _full_disk_on_create(mbtiles.sqlite3, monkeypatch)


def test_an_mbtiles_that_cannot_be_created_on_a_full_disk_is_not_called_a_bad_file(tmp_path, monkeypatch):
    """It said "not an MBTiles file (database or disk is full)", as if the user's file were damaged, and
    left the empty file it had made."""
    from geolocator.core.errors import InputError

    out = tmp_path / "area.mbtiles"
    _sqlite_full_on_create(monkeypatch)
    with pytest.raises(InputError) as e:
        _fetch(out)
    assert e.value.path == out and e.value.problem == "cannot write tiles into it (the disk is full)"
    assert not out.exists()


def test_a_file_that_is_no_database_is_still_called_so(tmp_path):
    from geolocator.core.errors import InputError

    out = tmp_path / "area.mbtiles"
    out.write_text("not a database, a text file named .mbtiles\n" * 100)
    with pytest.raises(InputError, match="not an MBTiles file"):
        _fetch(out)
    assert out.read_text().startswith("not a database")  # the user's file is left as it was


def test_a_geopackage_that_cannot_be_created_on_a_full_disk_is_not_called_a_bad_file(tmp_path, monkeypatch):
    from types import SimpleNamespace

    from geolocator.core.errors import InputError
    from geolocator.core.sources import wmts_grid
    from geolocator.core.sources.wmts_grid import GpkgSink

    from .test_session28_mutants_mend29 import _deg_set, _one_degree

    _full_disk_on_create(wmts_grid.sqlite3, monkeypatch)
    path = tmp_path / "grid.gpkg"
    template = SimpleNamespace(name="t", url="https://g.test/{z}/{x}/{y}.png", attribution="(c) test")
    with pytest.raises(InputError) as e:
        GpkgSink(path, template, _deg_set(_one_degree()))
    assert e.value.problem == "cannot write tiles into it (the disk is full)" and not path.exists()
