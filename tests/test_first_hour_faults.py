"""Faults when writing outputs (issue 10): a clear message naming the user's path, nothing lost,
files others can read, spreadsheet formulas neutralised, inputs checked before the model loads."""

from __future__ import annotations

import csv
import errno
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from geolocator.core import outputs
from geolocator.core.errors import GeolocatorError
from geolocator.core.model import LatLon, Match, Prediction, Query
from geolocator.core.outputs import OutputError, check_writable, csv_safe, usable_cache_dir, write_text

from .helpers import grid_tiles

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def _prediction(qid: str, tile_id: str = "r0c0") -> Prediction:
    tile = grid_tiles(1, 1)[0]
    tile = type(tile)(tile_id, tile.path, tile.bounds)
    q = Query(qid, Path(qid))
    return Prediction(q, (Match(tile, 0.5, 1),), tile.center, tile.center, 0.3)


def test_parent_that_is_a_file_is_named(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError) as err:
        check_writable(tmp_path / "file" / "sub" / "out.geojson")
    assert str(tmp_path / "file" / "sub" / "out.geojson") in str(err.value)
    assert "is a file, not a folder" in str(err.value)


def test_output_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)


def test_unwritable_folder_is_a_sentence(tmp_path, monkeypatch):
    # Root ignores permission bits, so the refusal is simulated where the check asks: os.access.
    monkeypatch.setattr(outputs.os, "access", lambda *a, **k: False)
    with pytest.raises(OutputError) as err:
        check_writable(tmp_path / "out.csv")
    assert "permission denied" in str(err.value) and "probe" not in str(err.value)
    assert str(tmp_path / "out.csv") in str(err.value)


def test_the_check_never_touches_the_users_folder(tmp_path, monkeypatch):
    """No probe file: the folder's listing and mtime are what they were (a create+delete would bump
    the mtime), and nothing is created, even briefly."""
    folder = tmp_path / "dest"
    folder.mkdir()
    os.utime(folder, ns=(1_000_000_000, 1_000_000_000))

    def no_files(*a, **k):
        raise AssertionError("check_writable created a file")

    monkeypatch.setattr(outputs.tempfile, "mkstemp", no_files)
    check_writable(folder / "out.geojson")
    check_writable(folder / "new" / "sub" / "out.csv")  # a folder still to make: nothing made now
    assert list(folder.iterdir()) == []
    assert folder.stat().st_mtime_ns == 1_000_000_000


def test_a_read_only_file_system_is_named(tmp_path, monkeypatch):
    real = os.statvfs

    class ReadOnly:
        def __init__(self, st):
            self.f_flag = st.f_flag | os.ST_RDONLY

    monkeypatch.setattr(outputs.os, "statvfs", lambda p: ReadOnly(real(p)))
    with pytest.raises(OutputError, match="read-only") as err:
        check_writable(tmp_path / "out.csv")
    assert str(tmp_path / "out.csv") in str(err.value)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_proc_is_not_a_regular_file_system_not_a_missing_folder():
    """`--out /proc/x` used to say "the folder does not exist"; /proc exists and refuses files."""
    with pytest.raises(OutputError) as err:
        check_writable(Path("/proc/x.geojson"))
    message = str(err.value)
    assert message.startswith("/proc/x.geojson") and "proc file system" in message
    assert "not a regular file system" in message and "does not exist" not in message
    assert "\n" not in message


def test_a_real_write_failure_after_the_check_is_one_sentence(tmp_path, monkeypatch):
    """What os.access cannot see (root, network shares) the atomic write reports: one sentence, the user's path."""
    def refuse(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path / ".out.csv.x.tmp"))

    check_writable(tmp_path / "out.csv")  # passes: the folder looks writable
    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError) as err:
        write_text(tmp_path / "out.csv", "x")
    assert str(err.value) == f"{tmp_path / 'out.csv'}: could not write: permission denied (the folder cannot be written)"


def test_full_disk_names_the_users_file_not_the_temp_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    from geolocator.core.export import write_csv, write_geojson

    target = tmp_path / "p.geojson"
    target.write_text("previous")

    class FullDisk:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(outputs, "open", FullDisk, raising=False)
    for write, path in ((write_geojson, target), (write_csv, tmp_path / "p.csv")):
        with pytest.raises(OutputError) as err:
            write([_prediction("a.jpg")], path)
        message = str(err.value)
        assert message.startswith(str(path)) and "the disk is full" in message
        assert ".tmp" not in message
    assert target.read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.geojson"]  # no temp file left behind


def test_exports_are_readable_by_others(tmp_path):
    from geolocator.core.export import write_csv, write_geojson

    old = os.umask(0o022)
    try:
        write_geojson([_prediction("a.jpg")], tmp_path / "p.geojson")
        write_csv([_prediction("a.jpg")], tmp_path / "p.csv")
        write_text(tmp_path / "t.txt", "x")
    finally:
        os.umask(old)
    for name in ("p.geojson", "p.csv", "t.txt"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o644


def test_csv_cells_that_start_a_formula_are_neutralised(tmp_path):
    from geolocator.core.export import write_csv

    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
    write_csv([_prediction(q, tile_id="=cmd|' /C calc'!A0") for q in evil] + [_prediction("plain.jpg")],
              tmp_path / "p.csv")
    rows = list(csv.DictReader((tmp_path / "p.csv").open(newline="")))
    assert [r["query"] for r in rows] == ["'" + q for q in evil] + ["plain.jpg"]
    assert all(r["tile"].startswith("'=") for r in rows[:-1])
    assert float(rows[0]["lon"]) == pytest.approx(10.0005)  # numbers stay numbers
    assert csv_safe(-12.5) == -12.5 and csv_safe("a=b") == "a=b"


def test_unwritable_cache_degrades_to_no_cache_with_a_warning(tmp_path, monkeypatch, caplog):
    from geolocator.core.cache import FeatureCache

    (tmp_path / "cachefile").write_text("not a folder")
    path, warning = usable_cache_dir(tmp_path / "cachefile")
    assert path is None and str(tmp_path / "cachefile") in warning and "without a cache" in warning
    assert usable_cache_dir(tmp_path / "fine")[0] == tmp_path / "fine"

    cache = FeatureCache(tmp_path / "c")

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache, "_put", full)
    for _ in range(3):
        cache.put("k" * 64, np.ones(4, np.float32))  # no exception: the work goes on
    assert "disk is full" in cache.write_error
    assert sum("cannot be written" in r.message for r in caplog.records) == 1  # warned once


def test_adapter_save_failure_keeps_the_trained_adapter(tmp_path, monkeypatch, one_torch_thread):
    """The trained adapter stays in use and lands in a fallback file whose place the error names."""
    from geolocator.core.adapt import RegionAdapter
    from geolocator.core.adapt.synthetic import synthetic_cross_view
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import AdapterNotSaved, Settings, Workspace

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    tiles_f, photos_f, _ = synthetic_cross_view(n_tiles=9, per_tile=2, views=2, dim=16, seed=1)
    tiles = grid_tiles(3, 3)
    queries = [Query(f"q{i}.jpg", tmp_path / f"q{i}.jpg") for i in range(len(photos_f))]
    ws = Workspace(Settings(verify=False, adapter_dir=tmp_path / "adapters"))
    ws.open_tiles(TileSet(tuple(tiles), tmp_path))

    class FakeBackbone:
        name, weights_id, device, fallback_reason = "fake", "w", "cpu", None

    ws._backbone = FakeBackbone()
    monkeypatch.setattr(ws, "index", lambda **k: tiles_f)
    monkeypatch.setattr(ws, "embed", lambda qs, **k: (list(qs), photos_f, {}))
    (tmp_path / "blocker").write_text("a file")
    # the write fails after training although the check before it passed (a disk that fills meanwhile)
    monkeypatch.setattr("geolocator.core.outputs.check_writable", lambda path, what="output": None)
    with pytest.raises(AdapterNotSaved) as err:
        ws.adapt(queries, mode="paper", steps=2, save_to=tmp_path / "blocker" / "a.safetensors")
    exc = err.value
    assert ws.adapter is exc.adapter and ws.adapter is not None  # still in use (the GUI keeps it)
    assert exc.fallback is not None and exc.fallback.is_file()
    assert str(exc.fallback) in str(exc) and str(tmp_path / "blocker" / "a.safetensors") in str(exc)
    assert RegionAdapter.load(exc.fallback).mode == "paper"
    assert isinstance(exc, GeolocatorError)


def test_adapt_checks_its_destination_before_training(tmp_path, monkeypatch):
    """Workspace.adapt refuses a destination that cannot be written before any work, for every
    caller (eval --adapt without --save-adapter was not checked when each caller checked itself)."""
    from geolocator.core.model import TileSet
    from geolocator.core.outputs import OutputError
    from geolocator.core.pipeline import Settings, Workspace

    (tmp_path / "afile").write_text("a file")
    ws = Workspace(Settings(verify=False, adapter_dir=tmp_path / "afile" / "adapters"))
    ws.open_tiles(TileSet(tuple(grid_tiles(3, 3)), tmp_path))
    worked = []
    monkeypatch.setattr(ws, "index", lambda **k: worked.append("index"))
    with pytest.raises(OutputError, match="afile"):
        ws.adapt([Query("q.jpg", tmp_path / "q.jpg")], mode="paper", steps=2)
    assert worked == []


def test_adapter_name_follows_the_tile_images_content(tmp_path):
    from geolocator.core.adapt.checkpoint import tileset_content_key
    from geolocator.core.model import Tile, TileSet

    img = tmp_path / "t.png"
    img.write_bytes(b"one")
    t = grid_tiles(1, 1)[0]
    ts = TileSet((Tile(t.id, img, t.bounds),), tmp_path)
    before = tileset_content_key(ts)
    assert tileset_content_key(ts) == before
    img.write_bytes(b"other content, same name and bounds")
    os.utime(img, ns=(1, 1))
    assert tileset_content_key(ts) != before


def _run_cli_then_report_torch(args: list[str]) -> subprocess.CompletedProcess:
    script = ("import sys\nfrom geolocator.cli import main\nrc = main(sys.argv[1:])\n"
              "print('TORCH_LOADED' if 'torch' in sys.modules else 'TORCH_NOT_LOADED')\nsys.exit(rc)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)


def _region_without_truth(tmp_path: Path) -> Path:
    import shutil

    region = tmp_path / "region"
    region.mkdir()
    shutil.copy(DEMO / "tiles.csv", region / "tiles.csv")
    shutil.copytree(DEMO / "tiles", region / "tiles")
    (region / "queries").mkdir()
    for q in sorted((DEMO / "queries").glob("*.jpg"))[:2]:
        shutil.copy(q, region / "queries" / q.name)
    return region


@pytest.mark.skipif(not (DEMO / "tiles.csv").is_file(), reason="demo region missing")
def test_inputs_are_checked_before_the_model_loads(tmp_path):
    region = _region_without_truth(tmp_path)
    result = _run_cli_then_report_torch(["eval", str(region), "-q"])
    assert result.returncode == 2 and "no query has a known location" in result.stderr
    assert "TORCH_NOT_LOADED" in result.stdout

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tiles.csv").write_text("path,west,south\nx.png,1,2\n")
    result = _run_cli_then_report_torch(["eval", str(bad), "-q"])
    assert result.returncode == 2 and "tiles.csv" in result.stderr and "Traceback" not in result.stderr
    assert "TORCH_NOT_LOADED" in result.stdout

    (tmp_path / "afile").write_text("x")
    for args in (["locate", str(region / "queries"), "--tiles", str(region), "--out", str(tmp_path / "afile" / "p.csv")],
                 ["adapt", str(region), "--out", str(tmp_path / "afile" / "a.safetensors")]):
        result = _run_cli_then_report_torch(args)
        assert result.returncode == 2, result.stderr
        assert str(tmp_path / "afile") in result.stderr and "Traceback" not in result.stderr
        assert "TORCH_NOT_LOADED" in result.stdout


def test_index_checks_the_tile_set_before_the_model_loads(tmp_path, monkeypatch, capsys):
    # `index plain.tif` loaded the backbone (and printed the DINOv2 notice) before the tile-set error
    from PIL import Image

    from geolocator import cli

    def model(args):
        raise AssertionError("the model loaded before the tile set was checked")

    monkeypatch.setattr(cli, "_workspace", model)
    Image.new("RGB", (64, 64), "green").save(tmp_path / "plain.tif")
    assert cli.main(["index", str(tmp_path / "plain.tif"), "-q"]) == 2
    assert "plain.tif: the TIFF has no georeference" in capsys.readouterr().err
    assert cli.main(["index", str(tmp_path / "nowhere"), "-q"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_truth_far_outside_the_tiles_is_ignored_with_a_sentence():
    from dataclasses import replace

    from geolocator.cli import _scored_queries
    from geolocator.core.model import Region, TileSet

    tiles = grid_tiles(3, 3)
    inside = Query("in.jpg", Path("in.jpg"), truth=tiles[4].center, truth_source="truth.csv")
    near = Query("near.jpg", Path("near.jpg"), truth=LatLon(50.0015, 10.0031), truth_source="truth.csv")
    far = Query("far.jpg", Path("far.jpg"), truth=LatLon(48.0, 2.0), truth_source="exif")
    region = Region(Path("."), TileSet(tuple(tiles), Path(".")), (inside, near, far))
    kept, note = _scored_queries(region, region.tiles)
    assert kept[0] == inside and kept[1] == near  # just outside: still scored (a miss the tiles cannot fix)
    assert kept[2] == replace(far, truth=None, truth_source=None)
    assert "1 truth point lies far outside the tiles and was ignored" in note and "far.jpg" in note
    assert _scored_queries(replace(region, queries=(inside,)), region.tiles)[1] is None


# Untimed photos to .gpx/.kml are no longer refused: they become waypoints (tests/test_flight_waypoints.py).


def _photo_with_gps(path: Path, lat: float, lon: float) -> None:
    from PIL import Image

    img = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    exif = Image.Exif()
    def dms(v):
        v = abs(v)
        return (int(v), int(v * 60) % 60, round(v * 3600 % 60, 2))
    exif[0x8825] = {1: "N" if lat >= 0 else "S", 2: dms(lat), 3: "E" if lon >= 0 else "W", 4: dms(lon)}
    img.save(path, exif=exif)


def test_locate_warns_when_the_photos_were_taken_far_from_the_tiles(tmp_path, monkeypatch, caplog):
    """Photos from Duluth against the Las Vegas demo tiles: said before the work, not left to a
    2,259 km error in the export (real DJI photos against the demo tiles said nothing)."""
    import logging

    from geolocator import cli

    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "far.jpg", 46.8426071, -91.9945599)
    _photo_with_gps(photos / "near.jpg", 36.1418363, -115.2334184)

    class Stop(Exception):
        pass

    def stop(args):
        raise Stop

    monkeypatch.setattr(cli, "_workspace", stop)
    with caplog.at_level(logging.WARNING, logger="geolocator"), pytest.raises(Stop):
        cli.main(["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "-q"])
    far = [r.getMessage() for r in caplog.records if "far from the tiles" in r.getMessage()]
    assert len(far) == 1 and far[0].startswith("1 of 2 photos") and "2259 km" in far[0], far  # no comma between thousands (session 28)


def test_locate_says_nothing_when_the_photos_are_over_the_tiles(tmp_path, monkeypatch, caplog):
    import logging

    from geolocator import cli

    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "near.jpg", 36.1418363, -115.2334184)
    monkeypatch.setattr(cli, "_workspace", lambda args: (_ for _ in ()).throw(KeyboardInterrupt))
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        assert cli.main(["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "-q"]) == 130
    assert not [r for r in caplog.records if "far from the tiles" in r.getMessage()]


@pytest.mark.parametrize("name", ["p.txt", "p.shp", "predictions"])
def test_locate_refuses_an_output_type_it_cannot_write_before_the_work(tmp_path, monkeypatch, capsys, name):
    """`--out p.txt` used to write GeoJSON into p.txt after the whole run, without a word."""
    from geolocator import cli

    monkeypatch.setattr(cli, "_load_queries", lambda *a, **k: (_ for _ in ()).throw(AssertionError("photos were read")))
    out = tmp_path / name
    assert cli.main(["locate", str(DEMO / "queries"), "--tiles", str(DEMO), "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "unknown output type" in err and ".geojson" in err and ".gpx" in err
    assert not out.exists()


def test_truth_near_tiles_across_the_antimeridian_is_not_far():
    """Field case 08 (UTM 60S tiles across ±180°): its photos were called far from the tiles, so
    locate warned of a wrong tile set and eval would have dropped their truth."""
    from geolocator.cli import _scored_queries
    from geolocator.core.model import Bounds, Region, Tile, TileSet

    tiles = [Tile(f"t{i}", Path(f"t{i}.png"), Bounds(w, -16.801, e, -16.799))
             for i, (w, e) in enumerate([(179.9990, 179.9998), (179.9998, -179.9994), (-179.9994, -179.9986)])]
    ts = TileSet(tuple(tiles), Path("."))
    qs = (Query("a.jpg", Path("a.jpg"), truth=LatLon(-16.8, -179.9999), truth_source="exif"),
          Query("b.jpg", Path("b.jpg"), truth=LatLon(-16.8, 179.9995), truth_source="exif"),
          Query("c.jpg", Path("c.jpg"), truth=LatLon(-16.8, -179.9983), truth_source="exif"),  # within a tile of the edge
          Query("far.jpg", Path("far.jpg"), truth=LatLon(-16.8, 0.0), truth_source="exif"))
    kept, note = _scored_queries(Region(Path("."), ts, qs), ts)
    assert [q.truth is not None for q in kept] == [True, True, True, False]
    assert note is not None and "far.jpg" in note and "a.jpg" not in note


def test_a_photo_that_fails_mid_run_is_named_once_in_the_loaders_form():
    """A truncated JPEG among good ones said 'skipped /x/broken.jpg: /x/broken.jpg: corrupt image
    data (...)' while unreadable ones found earlier say '/x/text.jpg: skipped (...)'."""
    from geolocator.cli import skipped_message

    path = Path("/x/broken.jpg")
    msg = skipped_message(path, "/x/broken.jpg: corrupt image data (image file is truncated)")
    assert msg == "/x/broken.jpg: skipped (corrupt image data (image file is truncated))"
    assert skipped_message(path, "out of memory") == "/x/broken.jpg: skipped (out of memory)"


def test_the_mount_under_a_folder_decides_not_its_prefix(monkeypatch):
    """The longest mount point wins, and of two on one point the later (on top): NFS mounted over its
    autofs trigger is a regular file system; /proc and /sys are not; /sys/fs/cgroup's tmpfs is."""
    import types

    import psutil

    table = [("/", "ext4"), ("/proc", "proc"), ("/sys", "sysfs"), ("/sys/fs/cgroup", "tmpfs"),
             ("/net/share", "autofs"), ("/net/share", "nfs4")]
    monkeypatch.setattr(psutil, "disk_partitions",
                        lambda all=False: [types.SimpleNamespace(mountpoint=m, fstype=t) for m, t in table])
    monkeypatch.setattr(outputs.os.path, "realpath", lambda p: str(p))
    assert outputs.system_file_system("/proc/1") == "proc" and outputs.system_file_system("/sys") == "sysfs"
    assert outputs.system_file_system("/sys/fs/cgroup/x") is None
    assert outputs.system_file_system("/net/share/out") is None
    assert outputs.system_file_system("/procedures") is None  # a prefix of the name is not a mount


def test_ctrl_c_says_the_output_was_not_written_and_an_earlier_one_is_as_it_was(tmp_path, monkeypatch, capsys):
    """Ctrl-C in `locate` printed only "interrupted": whether the predictions of an earlier run were
    lost was left to guess (they are not: files are written atomically, at the end)."""
    from geolocator import cli

    monkeypatch.setattr(cli, "_workspace", lambda args: (_ for _ in ()).throw(KeyboardInterrupt))
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "p.jpg", 36.1418363, -115.2334184)
    out = tmp_path / "p.geojson"
    argv = ["locate", str(photos), "--tiles", str(DEMO / "tiles.csv"), "-q", "--out", str(out)]
    # locate verifies: its verified photos are kept (core/pair_store.py), so the line says so too, and the tiles'
    # features computed before the stop (core/store.py; flushcancel35: a stopped pass commits what it finished)
    kept = ("; kept in the cache folder (when writable): the tile features computed so far, and each photo "
            "once verified: the same command resumes from them")
    assert cli.main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1] == f"interrupted: {out} was not written{kept}"
    out.write_text("earlier run")
    assert cli.main(argv) == 130
    assert capsys.readouterr().err.splitlines()[-1] == f"interrupted: {out} was not written (the earlier file is as it was){kept}"
    assert out.read_text() == "earlier run"
    assert cli.main(argv[:-2]) == 130  # no --out: nothing to say about one
    assert capsys.readouterr().err.splitlines()[-1] == f"interrupted{kept}"


def test_eval_of_photos_all_recorded_far_from_the_tiles_stops_before_the_work_and_says_why(tmp_path, monkeypatch, capsys):
    """`eval real-dji/ --tiles demo` (Duluth photos, Las Vegas tiles, 2,259 km apart) located every
    photo first, then said "4 photos not scored: no known location (truth.csv or EXIF/XMP GPS)" of
    photos whose EXIF GPS it had just read, and "no query has a known location" (session 13)."""
    from geolocator import cli

    monkeypatch.setattr(cli, "_workspace", lambda args: (_ for _ in ()).throw(AssertionError("the model was loaded")))
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "a.jpg", 46.8426071, -91.9945599)  # real-dji's DJI_0018, Duluth
    _photo_with_gps(photos / "b.jpg", 46.8428646, -91.9936967)
    assert cli.main(["eval", str(photos), "--tiles", str(DEMO / "tiles.csv"), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"error: {photos}: every recorded location (2 photos) lies far outside the tiles, so nothing can be scored: "
        "is this the tile set of the place the photos were taken?")
    assert "no known location" not in err


def test_eval_does_not_call_a_photo_recorded_far_away_one_without_a_known_location(tmp_path, monkeypatch, caplog):
    """With one photo over the tiles and one recorded 2,259 km away, the far one was named twice: as
    "far outside the tiles" (right) and as "not scored: no known location (truth.csv or EXIF/XMP
    GPS)" (wrong: its EXIF GPS was read). The photo without any position is the one "not scored"."""
    import logging
    from types import SimpleNamespace

    from geolocator import cli

    seen = []

    def fake_workspace(args):  # the work itself is not what is tested: no model, nothing located
        def locate(queries, progress=None):
            seen.extend(q.id for q in queries)
            return []
        return SimpleNamespace(open_tiles=lambda tiles: None, locate=locate, evaluate=lambda p, tracks=(): None,
                               last=SimpleNamespace(failures={}), tileset=SimpleNamespace(tiles=()), tile_failures={})

    monkeypatch.setattr(cli, "_workspace", fake_workspace)
    photos = tmp_path / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "near.jpg", 36.1418363, -115.2334184)
    _photo_with_gps(photos / "far.jpg", 46.8426071, -91.9945599)
    from PIL import Image

    Image.open(DEMO / "queries" / "q_0002.jpg").save(photos / "nogps.jpg")
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        cli.main(["eval", str(photos), "--tiles", str(DEMO / "tiles.csv"), "-q"])
    assert sorted(seen) == ["far.jpg", "near.jpg", "nogps.jpg"]  # every photo is still located
    messages = [r.getMessage() for r in caplog.records]
    assert [m for m in messages if "far outside the tiles" in m and "far.jpg" in m]
    assert [m for m in messages if "not scored" in m] == [
        "1 photo not scored: no known location (truth.csv or EXIF/XMP GPS): nogps.jpg"]
