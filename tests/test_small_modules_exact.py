"""Exact answers of the small core modules that had never been mutated before session 8
(training/results/mutation_small.md): exports.py, wording.py, skipped.py, errors.py, progress.py,
outputs.py and content.py. Every expected value is worked out by hand in the test (a sentence word
for word, a fraction, a Sobel sum), never taken from the code under test. Fast: no backbone, no Qt,
images of a few pixels."""

from __future__ import annotations

import errno
import os
import stat
import types
from pathlib import Path

import numpy as np
import pytest

from geolocator.core import content, exports, outputs, progress, skipped, wording
from geolocator.core.errors import (AdapterMismatch, Cancelled, GeolocatorError, InputError,
                                    WeightsNotFound)

from .helpers import under_c_locale

# ---------------------------------------------------------------- exports.py


def test_prediction_formats_and_their_dialog_filters():
    assert exports.PREDICTION_FORMATS == {".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "CSV",
                                          ".kml": "KML", ".gpx": "GPX"}
    assert exports.dialog_filters() == ["GeoJSON (*.geojson *.json)", "CSV (*.csv)", exports.EXCEL_CSV_FILTER,
                                        "KML (*.kml)", "GPX (*.gpx)"]


@pytest.mark.parametrize("path, chosen, want", [
    ("flight", "KML (*.kml)", "flight.kml"),
    ("a.KML", "CSV (*.csv)", "a.KML"),                         # a format's suffix, any case: kept
    ("a.gpx", "CSV (*.csv)", "a.gpx"),
    ("notes.txt", "GeoJSON (*.geojson *.json)", "notes.txt.geojson"),  # the first suffix of the filter
    ("x", "Mixed (*.txt *.gpx)", "x.gpx"),                    # the first suffix that names a format
    ("x", "Upper (*.KML)", "x.KML"),                          # appended as the filter spells it
    ("x", "KML(*.kml)", "x.kml"),                             # no space before the parenthesis
    ("x", "All files (*)", "x"),                              # nothing to append
    ("x", "Text (*.txt) kml", "x"),                           # words not starting "*." are not suffixes
])
def test_with_suffix_of(path, chosen, want):
    assert exports.with_suffix_of(path, chosen) == Path(want)


def test_check_prediction_path_names_the_suffixes_word_for_word():
    assert exports.check_prediction_path("d/a.CSV") == Path("d/a.CSV")
    for name, shown in (("a.txt", "'.txt'"), ("a", "'(no extension)'")):
        with pytest.raises(GeolocatorError) as ei:
            exports.check_prediction_path(name)
        assert str(ei.value) == (f"{name}: unknown output type {shown}: "
                                 "name the file with one of .geojson, .json, .csv, .kml, .gpx")


def _pred(qid):
    return types.SimpleNamespace(query=types.SimpleNamespace(id=qid))


@pytest.mark.parametrize("name, writer", [("o.csv", "csv"), ("o.CSV", "csv"), ("o.gpx", "track"), ("o.KML", "track"),
                                          ("o.geojson", "geojson"), ("o.JSON", "geojson")])
def test_write_predictions_hands_each_format_to_its_writer(tmp_path, monkeypatch, name, writer):
    import geolocator.core.export as export
    import geolocator.core.export_track as export_track

    calls = []
    monkeypatch.setattr(export, "write_csv", lambda *a, **k: calls.append(("csv", a, k)))
    monkeypatch.setattr(export_track, "write_track", lambda *a, **k: calls.append(("track", a, k)))
    monkeypatch.setattr(export_track, "write_predictions_geojson", lambda *a, **k: calls.append(("geojson", a, k)))
    preds = [_pred("a"), _pred("b"), _pred("c")]
    tracks = [types.SimpleNamespace(points=[_pred("b")]), types.SimpleNamespace(points=[_pred("c")])]
    path = tmp_path / name
    assert exports.write_predictions(path, preds, tracks, attribution="© X", far="FAR", tile_footprints=True,
                                     clock_zone="ZONE") == path
    if writer == "csv":
        assert calls == [("csv", (preds, path), {"tracks": tracks, "attribution": "© X", "far": "FAR", "excel": False,
                                                 "clock_zone": "ZONE"})]  # its flight frames' time_utc
    elif writer == "track":
        # photos in no flight (a) become waypoints; b and c are flown
        assert calls == [("track", (tracks, path), {"photos": [preds[0]], "attribution": "© X", "far": "FAR",
                                                    "clock_zone": "ZONE"})]
    else:
        assert calls == [("geojson", (preds, tracks, path),
                          {"tile_footprints": True, "attribution": "© X", "far": "FAR", "clock_zone": "ZONE"})]


def test_write_predictions_defaults_and_an_unknown_suffix_writes_nothing(tmp_path, monkeypatch):
    import geolocator.core.export_track as export_track

    calls = []
    monkeypatch.setattr(export_track, "write_predictions_geojson", lambda *a, **k: calls.append((a, k)))
    monkeypatch.setattr(export_track, "write_track", lambda *a, **k: calls.append((a, k)))
    exports.write_predictions(str(tmp_path / "o.geojson"), [])
    assert calls == [(([], (), tmp_path / "o.geojson"), {"tile_footprints": False, "attribution": None, "far": None,
                                                          "clock_zone": None})]
    calls.clear()
    exports.write_predictions(tmp_path / "o.gpx", [_pred("a")])
    assert calls == [(((), tmp_path / "o.gpx"), {"photos": [calls[0][1]["photos"][0]], "attribution": None, "far": None,
                                                 "clock_zone": None})]
    assert calls[0][1]["photos"][0].query.id == "a"
    calls.clear()
    with pytest.raises(GeolocatorError):
        exports.write_predictions(tmp_path / "o.shp", [_pred("a")])
    assert calls == [] and not (tmp_path / "o.shp").exists()


# ---------------------------------------------------------------- wording.py


def test_count_takes_the_right_number():
    assert [wording.count(n, "tile") for n in (0, 1, 2, 1200, 1_000_000)] == [
        "0 tiles", "1 tile", "2 tiles", "1,200 tiles", "1,000,000 tiles"]
    assert wording.count(1, "query", "queries") == "1 query" and wording.count(3, "query", "queries") == "3 queries"
    assert wording.count(0, "query", "queries") == "0 queries"


@pytest.mark.parametrize("n, about, want", [
    (0, False, "0 MB"), (0, True, "under 1 MB"), (-5, False, "0 MB"), (1, False, "under 1 MB"),
    (999_999, False, "under 1 MB"), (999_999, True, "under 1 MB"),
    (1_000_000, False, "1.0 MB"), (1_000_000, True, "about 1 MB"),
    (3_450_000, False, "3.5 MB"), (3_400_000, True, "about 3 MB"), (2_600_000, True, "about 3 MB"),
    (1_234_500_000, False, "1234.5 MB"), (1_234_500_000, True, "about 1234 MB"),
])
def test_megabytes(n, about, want):
    assert wording.megabytes(n, about=about) == want


@pytest.mark.parametrize("text, want", [
    ("median 0.10 m", "median\u00a00.10\u00a0m"),
    ("R@1 97.2%", "R@1\u00a097.2%"),
    ("100% 5", "100%\u00a05"),
    ("36 tiles and 2 photos", "36\u00a0tiles and\u00a02\u00a0photos"),  # "and" is a label too
    ("23 16:31", "23\u00a016:31"),
    ("area 5 km2", "area\u00a05 km2"),      # "km2" is no lower-case word on its own
    ("5 Km", "5 Km"),                        # units are lower case
    ("(a) 5", "(a) 5"),                      # a parenthesis is no label
    ("a b", "a b"), ("", ""),
])
def test_keep_figures_together(text, want):
    assert wording.keep_figures_together(text) == want


# ---------------------------------------------------------------- skipped.py


@pytest.mark.parametrize("path, reason, want", [
    ("/d/a.jpg", "/d/a.jpg: corrupt", "corrupt"),
    ("/d/a.jpg", "a.jpg: corrupt", "corrupt"),
    (Path("/d/a.jpg"), "/d/a.jpg: a.jpg: corrupt", "corrupt"),     # full path first, then the name
    ("/d/a.jpg", "a.jpg: /d/a.jpg: corrupt", "/d/a.jpg: corrupt"),  # in that order only
    ("/d/a.jpg", "corrupt /d/a.jpg: x", "corrupt /d/a.jpg: x"),    # only at the start
    ("/d/a.jpg", "/d/a.jpg:corrupt", "/d/a.jpg:corrupt"),          # the ": " is part of the prefix
    ("/d/a.jpg", InputError("/d/a.jpg", "no data"), "no data"),     # an error, as str()
])
def test_reason_without_path(path, reason, want):
    assert skipped.reason_without_path(path, reason) == want


def test_skipped_summary_counts_files_and_folders_and_names_the_first_three(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    plain = str(tmp_path / "plain.tif")
    items = {plain: f"{plain}: not georeferenced", str(tmp_path / "empty"): "no images",
             "x.jpg": "x.jpg: bad", "y.png": "unreadable", str(tmp_path / "other"): "empty/"}
    line, details = skipped.skipped_summary(items)
    assert line == "Skipped 3 files and 2 folders: plain.tif: not georeferenced; empty/: no images; x.jpg: bad and 2 more"
    assert details.split("\n") == [f"{plain}: not georeferenced", f"{tmp_path / 'empty'}/: no images",
                                   "x.jpg: bad", "y.png: unreadable", f"{tmp_path / 'other'}/: empty/"]
    line, _ = skipped.skipped_summary(items, inline=1)
    assert line == "Skipped 3 files and 2 folders: plain.tif: not georeferenced and 4 more"
    line, details = skipped.skipped_summary({"a.jpg": "bad", "b.jpg": "bad", "c.jpg": "worse"})
    assert line == "Skipped 3 files: a.jpg: bad; b.jpg: bad; c.jpg: worse" and details == "a.jpg: bad\nb.jpg: bad\nc.jpg: worse"
    line, details = skipped.skipped_summary({str(tmp_path / "empty"): "no images"})
    assert line == "Skipped 1 folder: empty/: no images" and details == f"{tmp_path / 'empty'}/: no images"
    assert skipped.skipped_summary({"a.jpg": "bad"}) == ("Skipped 1 file: a.jpg: bad", "a.jpg: bad")


# ---------------------------------------------------------------- errors.py


def test_input_error_names_the_file_and_line():
    e = InputError("d/a.csv", "bad row", line=3)
    assert str(e) == "d/a.csv, line 3: bad row" and e.path == Path("d/a.csv") and e.problem == "bad row" and e.line == 3
    e = InputError(Path("a.csv"), "bad row", line=0)
    assert str(e) == "a.csv, line 0: bad row" and e.line == 0
    e = InputError("a.csv", "empty")
    assert str(e) == "a.csv: empty" and e.line is None and isinstance(e.path, Path)
    e = InputError(None, "nothing given")
    assert str(e) == "input: nothing given" and e.path is None and e.args == ("input: nothing given",)


def test_error_classes_are_geolocator_errors():
    for cls in (InputError, WeightsNotFound, AdapterMismatch, Cancelled):
        assert issubclass(cls, GeolocatorError)
    assert issubclass(GeolocatorError, Exception) and not issubclass(GeolocatorError, OSError)
    assert str(Cancelled("cancelled by the user")) == "cancelled by the user"


# ---------------------------------------------------------------- progress.py


def test_progress_event_defaults_are_fresh_per_event():
    a, b = progress.ProgressEvent("s", 1, 2), progress.ProgressEvent("s", 1, 2)
    assert (a.message, a.eta_s, a.metrics) == ("", None, {})
    a.metrics["x"] = 1
    assert b.metrics == {}


def test_cancel_token_and_check():
    token = progress.CancelToken()
    assert token.cancelled is False
    progress.check(token)  # not cancelled: nothing
    progress.check(None)
    token.cancel()
    assert token.cancelled is True
    with pytest.raises(Cancelled) as ei:
        progress.check(token)
    assert str(ei.value) == "cancelled by the user"
    with pytest.raises(Cancelled):
        token.check()


def test_eta_clock_from_the_mean_pace(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: now[0])
    clock = progress.EtaClock(10)
    assert clock.total == 10 and clock.eta(0) is None and clock.eta(-1) is None
    now[0] = 104.0  # 4 s for 2 units: 2 s a unit, 8 left
    assert clock.eta(2) == 16.0
    assert clock.eta(10) == 0.0 and clock.eta(12) == 0.0  # never negative
    assert progress.EtaClock(0).total == 1 and progress.EtaClock(2.7).total == 2


def test_emit_and_thinned():
    seen = []
    ev = progress.ProgressEvent("s", 3, 10)
    progress.emit(None, ev)
    progress.emit(seen.append, ev)
    assert seen == [ev]
    assert progress.MAX_STAGE_EVENTS == 200
    assert progress.thinned(None, 10) is None
    seen.clear()
    fwd = progress.thinned(seen.append, 1000, max_events=300)  # every ceil(1000 / 300) = 4th step, and the last
    for step in range(1, 1001):
        fwd(progress.ProgressEvent("s", step, 1000))
    assert [e.step for e in seen] == list(range(4, 1001, 4))
    seen.clear()
    fwd = progress.thinned(seen.append, 10, max_events=3)  # every 4th: 4, 8, and 10 (the last)
    for step in range(11):
        fwd(progress.ProgressEvent("s", step, 10))
    assert [e.step for e in seen] == [0, 4, 8, 10]
    seen.clear()
    fwd = progress.thinned(seen.append, 5, max_events=0)  # max_events 0 counts as 1: every 5th
    for step in range(1, 8):
        fwd(progress.ProgressEvent("s", step, 5))
    assert [e.step for e in seen] == [5, 6, 7]
    seen.clear()
    fwd = progress.thinned(seen.append, 450)  # default 200 events: every ceil(450 / 200) = 3rd step
    for step in range(1, 10):
        fwd(progress.ProgressEvent("s", step, 450))
    assert [e.step for e in seen] == [3, 6, 9]
    seen.clear()
    fwd = progress.thinned(seen.append, 0)  # total 0: every step, each is the last
    fwd(progress.ProgressEvent("s", 0, 0))
    assert len(seen) == 1


def test_job_progress_weighs_stages_by_time_and_estimates_the_rest():
    now = [0.0]
    job = progress.JobProgress({"extract": 10, "adapt": 5}, {"extract": 1.0, "adapt": 4.0}, clock=lambda: now[0])
    # planned seconds: extract 10 x 1 = 10, adapt 5 x 4 = 20: 30 in all
    assert job.fraction() == 0.0 and job.eta() is None
    now[0] = 5.0
    out = job.update(progress.ProgressEvent("extract", 5, 10, "5/10 tiles", metrics={"loss": 1.5}))
    # 5 s of 30 planned done (1/6) in 5 s: pace 1; 25 planned seconds left
    assert (out.stage, out.step, out.total, out.message, out.eta_s) == ("job", 167, 1000, "5/10 tiles", 25.0)
    assert out.metrics == {"loss": 1.5, "stage": "extract"}
    now[0] = 20.0
    out = job.update(progress.ProgressEvent("extract", 10, 10))
    # 10 of 30 done in 20 s: pace 2, 20 left -> 40 s
    assert (out.step, out.eta_s) == (333, 40.0)
    out = job.update(progress.ProgressEvent("extract", 4, 10))  # a stage run again: its own share
    # extract#2 planned at its total 10 units (default cost 0.05 for an unknown key? no: "extract"
    # is the cost key) -> 10 s more: 40 in all, 10 + 4 = 14 done
    assert job.units["extract#2"] == 10.0 and job.done["extract#2"] == 4.0
    assert out.step == 350 and out.eta_s == pytest.approx(26 * 20 / 14)
    out = job.update(progress.ProgressEvent("extract", 6, 10))  # the rerun goes on under the same key
    assert job.done["extract#2"] == 6.0 and out.step == 400


def test_job_progress_real_totals_unplanned_stages_and_the_pace_floor():
    now = [0.0]
    job = progress.JobProgress({"a": 100}, {"a": 0.5}, default_cost=2.0, clock=lambda: now[0])
    now[0] = 1.0
    out = job.update(progress.ProgressEvent("a", 10, 20))  # the real total (20) replaces the plan (100)
    # a: 20 x 0.5 = 10 s planned, 10 x 0.5 = 5 done in 1 s: pace 0.2 -> floor 0.25; 5 left -> 1.25 s
    assert job.units["a"] == 20.0 and out.step == 500 and out.eta_s == 1.25
    out = job.update(progress.ProgressEvent("a", 12, 30))  # a larger total later: the larger is kept
    assert job.units["a"] == 30.0
    assert job.fraction() == 0.5  # 6 of 15 would be 0.4: the fraction never goes backwards
    out = job.update(progress.ProgressEvent("b", 1, 4, "b"))  # not in the plan: joins it at default cost 2.0
    # planned: a 30 x 0.5 = 15, b 4 x 2 = 8 -> 23; done 6 + 2 = 8
    assert job.units["b"] == 4.0 and job.fraction() == pytest.approx(max(0.5, 8 / 23))
    out = job.update(progress.ProgressEvent("c", 0, 0, "no total"))  # total 0: nothing counted
    assert "c" not in job.units and out.message == "no total" and out.metrics == {"stage": "c"}
    out = job.update(progress.ProgressEvent("b", 9, 4))  # a step past the total counts as the total
    assert job.done["b"] == 4.0


def test_job_progress_without_planned_time():
    job = progress.JobProgress({}, {}, clock=lambda: 0.0)
    assert job.fraction() == 0.0 and job.eta() is None
    job2 = progress.JobProgress({"a": 0}, {"a": 1.0}, clock=lambda: 0.0)
    assert job2.fraction() == 0.0
    t = [0.0]
    job3 = progress.JobProgress({"a": 10}, {"a": 1.0}, clock=lambda: t[0])
    job3.update(progress.ProgressEvent("a", 5, 10))
    assert job3.eta() is None  # no time elapsed: no pace yet
    assert job3.start == 0.0 and job3.default_cost == 0.05


# ---------------------------------------------------------------- outputs.py


@pytest.mark.parametrize("code, want", [
    (errno.ENOSPC, "the disk is full"), (errno.EDQUOT, "the disk quota is exceeded"),
    (errno.EACCES, "permission denied (the folder cannot be written)"),
    (errno.EPERM, "permission denied (the folder cannot be written)"),
    (errno.EROFS, "the file system is read-only"), (errno.ENOTDIR, "a part of the path is a file, not a folder"),
    (errno.EISDIR, "it is a folder, not a file"), (errno.ENAMETOOLONG, "the name is too long"),
    (errno.ENOENT, "the folder does not exist"),
])
def test_describe_os_error_in_words(code, want):
    assert outputs.describe_os_error(OSError(code, "os words")) == want


def test_describe_os_error_falls_back_to_the_os_words_then_the_type():
    assert outputs.describe_os_error(OSError(errno.EIO, "Input/output error")) == "Input/output error"
    assert outputs.describe_os_error(TimeoutError()) == "TimeoutError"


def test_current_umask_reads_the_process_umask(monkeypatch):
    old = os.umask(0o027)
    try:
        assert outputs.current_umask() == 0o027
        # without /proc: set-and-restore
        monkeypatch.setattr(outputs.Path, "read_text", lambda self, *a, **k: (_ for _ in ()).throw(OSError("no /proc")))
        assert outputs.current_umask() == 0o027
        assert os.umask(0o027) == 0o027  # restored
    finally:
        os.umask(old)


def test_current_umask_without_an_umask_line(monkeypatch):
    old = os.umask(0o077)
    try:
        monkeypatch.setattr(outputs.Path, "read_text", lambda self, *a, **k: "Name:\tx\nUmask:\n")
        assert outputs.current_umask() == 0o077  # the line without a value: IndexError, set-and-restore
        monkeypatch.setattr(outputs.Path, "read_text", lambda self, *a, **k: "Name:\tx\nUmask:\tzz\n")
        assert outputs.current_umask() == 0o077  # not octal: ValueError
        monkeypatch.setattr(outputs.Path, "read_text", lambda self, *a, **k: "Name:\tx\nState:\tR\n")
        assert outputs.current_umask() == 0o077  # no such line
        monkeypatch.setattr(outputs.Path, "read_text", lambda self, *a, **k: "Umask:\t0002\nUmask:\t0077\n")
        assert outputs.current_umask() == 0o002  # the first line
    finally:
        os.umask(old)


def _mounts(monkeypatch, *mounts):
    import psutil

    parts = [types.SimpleNamespace(mountpoint=p, fstype=f) for p, f in mounts]
    monkeypatch.setattr(psutil, "disk_partitions", lambda all=False: parts if all else [])


def test_system_file_system_takes_the_longest_and_later_mount(monkeypatch, tmp_path):
    _mounts(monkeypatch, ("/", "ext4"), ("/proc", "proc"), ("/sys", "sysfs"), ("/sys/fs/cgroup", "cgroup2"),
            ("/srv/nfs", "autofs"), ("/srv/nfs", "nfs4"), ("/srv/x/", "proc"))
    assert outputs.system_file_system("/proc") == "proc"
    assert outputs.system_file_system("/proc/1/fd") == "proc"
    assert outputs.system_file_system("/procs") is None          # a longer name, not inside /proc: ext4 root
    assert outputs.system_file_system("/sys/fs/cgroup/a") == "cgroup2"
    assert outputs.system_file_system("/sys/fs") == "sysfs"
    assert outputs.system_file_system("/srv/nfs/a") is None      # nfs4 on top of autofs: a regular one
    assert outputs.system_file_system("/srv/x/y") == "proc"      # a mount point given with a trailing slash
    assert outputs.system_file_system("/srv/xy") is None
    _mounts(monkeypatch, ("/srv/nfs", "nfs4"), ("/srv/nfs", "proc"))
    assert outputs.system_file_system("/srv/nfs") == "proc"      # equal length: the later is on top
    _mounts(monkeypatch)
    assert outputs.system_file_system("/proc") is None           # no mount holds it
    _mounts(monkeypatch, ("/", "proc"))
    assert outputs.system_file_system("/a/b") == "proc" and outputs.system_file_system("/") == "proc"


def test_system_file_system_without_a_mount_table(monkeypatch):
    import psutil

    monkeypatch.setattr(psutil, "disk_partitions", lambda all=False: (_ for _ in ()).throw(RuntimeError("no")))
    assert outputs.system_file_system("/proc") is None


def test_system_file_systems_listed():
    assert {"proc", "sysfs", "devtmpfs", "cgroup2", "tracefs", "hugetlbfs", "nsfs"} <= outputs.SYSTEM_FILE_SYSTEMS
    assert "tmpfs" not in outputs.SYSTEM_FILE_SYSTEMS and "ext4" not in outputs.SYSTEM_FILE_SYSTEMS
    assert len(outputs.SYSTEM_FILE_SYSTEMS) == 20


def test_check_writable_refusals_word_for_word(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: None)
    (tmp_path / "dir").mkdir()
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "dir", what="cache")
    assert ei.value.problem == "the cache path is a folder; give a file name" and ei.value.path == tmp_path / "dir"
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "dir")
    assert ei.value.problem == "the output path is a folder; give a file name"
    (tmp_path / "f").write_text("x")
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "f" / "sub" / "out.csv")
    assert ei.value.problem == f"{tmp_path / 'f'} is a file, not a folder"
    assert str(ei.value) == f"{tmp_path / 'f' / 'sub' / 'out.csv'}: {tmp_path / 'f'} is a file, not a folder"
    # missing folders: the nearest existing ancestor decides; nothing is created
    assert outputs.check_writable(tmp_path / "new" / "deeper" / "o.csv") == tmp_path / "new" / "deeper" / "o.csv"
    assert not (tmp_path / "new").exists()
    seen = []
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: seen.append(Path(folder)) or "proc")
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "new" / "o.csv")
    assert seen == [tmp_path] and ei.value.problem == (
        f"cannot write there: {tmp_path} is the operating system's proc file system, "
        "not a regular file system; choose a folder on a disk")


def test_check_writable_read_only_and_permission(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: None)
    real_statvfs = os.statvfs
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: types.SimpleNamespace(f_flag=os.ST_RDONLY | os.ST_NOSUID))
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "o.csv")
    assert ei.value.problem == f"cannot write there: the file system of {tmp_path} is read-only"
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: types.SimpleNamespace(f_flag=os.ST_NOSUID))
    assert outputs.check_writable(tmp_path / "o.csv") == tmp_path / "o.csv"
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: (_ for _ in ()).throw(OSError(errno.ENOSYS, "no")))
    assert outputs.check_writable(tmp_path / "o.csv") == tmp_path / "o.csv"  # no statvfs: the write will say
    monkeypatch.setattr(outputs.os, "statvfs", real_statvfs)
    modes = []
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: modes.append((Path(p), mode)) or False)
    with pytest.raises(outputs.OutputError) as ei:
        outputs.check_writable(tmp_path / "o.csv")
    assert ei.value.problem == f"cannot write there: permission denied ({tmp_path} cannot be written)"
    assert modes == [(tmp_path, os.W_OK | os.X_OK)]
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: mode == os.W_OK)  # write without search: refused
    with pytest.raises(outputs.OutputError):
        outputs.check_writable(tmp_path / "o.csv")


def test_check_writable_expands_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: None)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert outputs.check_writable("~/o.csv") == tmp_path / "o.csv"


def test_write_atomic_gives_the_umask_permissions_and_replaces(tmp_path):
    old = os.umask(0o027)
    try:
        out = outputs.write_text(tmp_path / "sub" / "o.csv", "a\r\nb\n")
    finally:
        os.umask(old)
    assert out == tmp_path / "sub" / "o.csv"
    assert out.read_bytes() == b"a\r\nb\n"                      # newlines as given, UTF-8
    assert stat.S_IMODE(out.stat().st_mode) == 0o640            # 0o666 & ~0o027
    outputs.write_bytes(out, "é".encode())
    assert out.read_bytes() == b"\xc3\xa9" and os.listdir(tmp_path / "sub") == ["o.csv"]
    outputs.write_text(out, "ü")
    assert out.read_bytes() == "ü".encode("utf-8")


def test_write_atomic_failures_are_one_sentence_and_leave_nothing(tmp_path):
    (tmp_path / "o.csv").write_text("old")

    def fail(code):
        def write(tmp):
            Path(tmp).write_text("half")
            raise OSError(code, "os words")
        return write

    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "o.csv", fail(errno.ENOSPC))
    assert str(ei.value) == f"{tmp_path / 'o.csv'}: could not write: the disk is full"
    assert isinstance(ei.value, OSError) and isinstance(ei.value, GeolocatorError)
    assert ei.value.__suppress_context__ and ei.value.__cause__ is None
    assert sorted(os.listdir(tmp_path)) == ["o.csv"] and (tmp_path / "o.csv").read_text() == "old"
    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "o.csv", fail(errno.ENOENT))  # the folder is there
    assert ei.value.problem == "could not write: the folder does not accept new files"
    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "o.csv", fail(errno.EEXIST))
    assert ei.value.problem == "a part of the path is a file, not a folder"
    (tmp_path / "file").write_text("x")
    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "file" / "o.csv", lambda tmp: None)  # mkdir under a file
    assert ei.value.problem in ("a part of the path is a file, not a folder",)
    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(tmp_path / "o.csv", lambda tmp: (_ for _ in ()).throw(KeyboardInterrupt()))
    assert sorted(os.listdir(tmp_path)) == ["file", "o.csv"]


def test_write_atomic_enoent_when_the_folder_is_gone(tmp_path):
    # ENOENT with the folder removed meanwhile: the OS's word ("the folder does not exist")
    def vanish(tmp):
        os.remove(tmp)
        os.rmdir(tmp_path / "sub")
        raise OSError(errno.ENOENT, "gone")

    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "sub" / "o.csv", vanish)
    assert ei.value.problem == "could not write: the folder does not exist"


@pytest.mark.parametrize("value, want", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("a=b", "a=b"), ("", ""), (" =1", " =1"), (-12.5, -12.5), (3, 3), (None, None),
])
def test_csv_safe(value, want):
    assert outputs.csv_safe(value) == want


def test_usable_cache_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: None)
    assert outputs.usable_cache_dir(tmp_path / "c") == (tmp_path / "c", None)
    import geolocator.core.cache as cache

    monkeypatch.setattr(cache, "default_cache_root", lambda: tmp_path / "default")
    assert outputs.usable_cache_dir(None) == (tmp_path / "default", None)
    (tmp_path / "f").write_text("x")
    assert outputs.usable_cache_dir(tmp_path / "f" / "c") == (None, (
        f"the feature cache {tmp_path / 'f' / 'c'} cannot be used ({tmp_path / 'f'} is a file, not a folder); "
        "running without a cache (features are recomputed every time)"))
    checked = []
    monkeypatch.setattr(outputs, "check_writable", lambda p, what: checked.append((p, what)))
    outputs.usable_cache_dir(tmp_path / "c")
    assert checked == [(tmp_path / "c" / "probe", "cache")]
    monkeypatch.setenv("HOME", str(tmp_path))
    assert outputs.usable_cache_dir("~/c") == (tmp_path / "c", None)


def test_output_error_is_an_os_error_naming_the_path():
    e = outputs.OutputError("d/o.csv", "could not write: the disk is full")
    assert str(e) == "d/o.csv: could not write: the disk is full" and e.path == Path("d/o.csv")
    assert e.problem == "could not write: the disk is full"
    assert outputs.FORMULA_PREFIXES == ("=", "+", "-", "@", "\t", "\r")


# ---------------------------------------------------------------- content.py


@pytest.mark.parametrize("structure, detail, want", [
    (0.0, 0.0, "blank frame (uniform: lens cap, over- or under-exposed)"),
    (0.49, 0.49, "blank frame (uniform: lens cap, over- or under-exposed)"),
    (0.5, 0.4, "no ground structure (sky, water, fog or blank)"),
    (0.4, 0.5, "no ground structure (sky, water, fog or blank)"),
    (5.99, 100.0, "no ground structure (sky, water, fog or blank)"),
    (6.0, 6.99, "too blurred or featureless to match (blur, fog, clear sky)"),
    (6.0, 7.0, None),
    (100.0, 0.0, "too blurred or featureless to match (blur, fog, clear sky)"),
])
def test_content_reason_at_its_bounds(structure, detail, want):
    assert content.MIN_STRUCTURE == 6.0 and content.MIN_DETAIL == 7.0
    assert content.Content(structure, detail).reason == want


def test_a_clear_sky_is_not_called_blurred():
    # newuser session 16: a sky photo (a blue gradient, one soft cloud, sensor noise) was "not
    # located: too blurred to match". Its 64 px structure is the gradient's and the cloud's edge, so
    # it passes MIN_STRUCTURE; it fails MIN_DETAIL as a blurred photo does: the note names both.
    rng = np.random.default_rng(0)
    h, w = 768, 1024
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    sky = 150 + 40 * yy / h + 60 * np.exp(-((xx - 600) ** 2 + (yy - 250) ** 2) / (2 * 90.0 ** 2))
    sky += rng.normal(0, 2, (h, w))
    c = content.measure_array(sky)
    assert c.structure >= content.MIN_STRUCTURE and c.detail < content.MIN_DETAIL  # the case meant
    assert c.reason is not None and "sky" in c.reason and "featureless" in c.reason


def test_gradient_energy_of_a_step_by_hand():
    # columns 0, 0, 10, 10: Sobel x = 4 x (right - left neighbour), borders reflected (101):
    # 0, 40, 40, 0 in every row, y = 0: mean magnitude 80 / 4 = 20 (no resize: 4 px < 64)
    grey = np.tile(np.array([0, 0, 10, 10], np.float32), (4, 1))
    assert content._gradient_energy(grey, 64) == 20.0
    assert content.measure_array(grey) == content.Content(20.0, 20.0)
    assert content.measure_array(grey.T) == content.Content(20.0, 20.0)  # the same step in rows
    assert content.measure_array(grey.astype(np.uint8)) == content.Content(20.0, 20.0)


def test_gradient_energy_is_measured_at_the_working_size():
    # 128 x 8, step at column 64: at 64 px (INTER_AREA halves it to 64 x 4) the step lies between
    # columns 31 and 32: 40 + 40 per row over 64 columns = 1.25; at 256 px the image is used as is
    # (never enlarged): 80 / 128 = 0.625
    grey = np.zeros((8, 128), np.float32)
    grey[:, 64:] = 10
    assert content.measure_array(grey) == content.Content(1.25, 0.625)
    # odd sizes round: 130 x 3 at 64 px is 64 x 1 (3 x 64/130 = 1.48 -> 1): one row of Sobel y = 0
    one = np.zeros((3, 130), np.float32)
    assert content._gradient_energy(one, 64) == 0.0


def test_gradient_energy_of_non_finite_pixels():
    grey = np.zeros((4, 4), np.float32)
    grey[1, 1] = np.nan  # read as 0
    assert content.measure_array(grey) == content.Content(0.0, 0.0)
    grey[1, 1] = np.inf  # the largest float32: the Sobel sum overflows to inf, read as 0.0
    assert content.measure_array(grey) == content.Content(0.0, 0.0)


def test_measure_a_file_and_a_query(tmp_path):
    from PIL import Image

    from geolocator.core.model import Query

    rgb = np.zeros((4, 4, 3), np.uint8)
    rgb[:, 2:] = 10
    Image.fromarray(rgb).save(tmp_path / "step.png")
    assert content.measure(tmp_path / "step.png") == content.Content(20.0, 20.0)
    assert content.measure(str(tmp_path / "step.png")) == content.Content(20.0, 20.0)
    assert content.measure(Query(id="q", path=tmp_path / "step.png")) == content.Content(20.0, 20.0)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "black.png")
    assert content.content_free_reason(tmp_path / "black.png") == "blank frame (uniform: lens cap, over- or under-exposed)"
    assert content.content_free_reason(tmp_path / "step.png") is None  # 20 and 20: content
    (tmp_path / "bad.png").write_bytes(b"not an image")
    assert content.content_free_reason(tmp_path / "bad.png") is None
    with pytest.raises(InputError):
        content.measure(tmp_path / "bad.png")


def test_measure_reads_at_a_reduced_scale(tmp_path, monkeypatch):
    import geolocator.core.images as images

    seen = []
    real = images.open_image
    monkeypatch.setattr(images, "open_image", lambda path, **k: seen.append((path, k)) or real(path, **k))
    from PIL import Image

    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "a.png")
    content.measure(str(tmp_path / "a.png"))
    assert seen == [(tmp_path / "a.png", {"min_side": 256})]


# ---------------------------------------------------------------- second round (survivors of the first check)


def test_megabytes_about_rounds_at_the_half():
    assert wording.megabytes(2_500_001, about=True) == "about 3 MB"  # 2.500001
    assert wording.megabytes(2_499_999, about=True) == "about 2 MB"
    assert wording.megabytes(3_400_000) == "3.4 MB" and wording.megabytes(0) == "0 MB"  # measured by default


def test_thinned_forwards_every_step_when_the_stage_is_short():
    seen = []
    fwd = progress.thinned(seen.append, 3, max_events=10)  # ceil(3 / 10) = 1: every step
    for step in (1, 2, 3):
        fwd(progress.ProgressEvent("s", step, 3))
    assert [e.step for e in seen] == [1, 2, 3]


def test_eta_clock_after_one_unit(monkeypatch):
    now = [50.0]
    monkeypatch.setattr(progress.time, "perf_counter", lambda: now[0])
    clock = progress.EtaClock(4)
    now[0] = 53.0
    assert clock.eta(1) == 9.0  # 3 s a unit, 3 left


def test_job_progress_clock_offset_small_costs_and_zero_done():
    now = [100.0]
    job = progress.JobProgress({"a": 1}, {"a": 0.5}, clock=lambda: now[0])
    now[0] = 101.0
    assert job.eta() is None  # nothing done yet, 1 s elapsed: no pace (and no division by 0)
    out = job.update(progress.ProgressEvent("a", 1, 2))  # the real total 2: 1 s planned, 0.5 done
    # elapsed 1 s (clock 101 - start 100) for 0.5 planned s: pace 2, 0.5 left -> 1.0
    assert out.step == 500 and out.eta_s == 1.0
    job2 = progress.JobProgress({"a": 1}, {"a": 0.5}, clock=lambda: 0.0)
    assert job2.update(progress.ProgressEvent("a", 1, 1)).step == 1000  # 0.5 planned s: all done


def test_job_progress_totals_steps_and_reruns_exactly():
    job = progress.JobProgress({"a": 10}, {"a": 1.0}, clock=lambda: 0.0)
    job.update(progress.ProgressEvent("a", 5, 20))
    job.update(progress.ProgressEvent("a", 6, 12))  # a smaller total later: the larger (20) is kept
    assert job.units["a"] == 20.0
    job.update(progress.ProgressEvent("a", 3, 20))  # a step back: done never goes back
    assert job.done["a"] == 6.0
    job.update(progress.ProgressEvent("one", 1, 1))  # a stage of one unit counts
    assert job.units["one"] == 1.0 and job.done["one"] == 1.0
    job.update(progress.ProgressEvent("new", 0, 4))  # a new stage at step 0: nothing done yet
    assert job.units["new"] == 4.0 and job.done["new"] == 0.0
    job.update(progress.ProgressEvent("one", 1, 1))  # the same finished step again: no rerun
    assert "one#2" not in job.units
    job.update(progress.ProgressEvent("one", 0, 1))  # a rerun: its own share
    job.update(progress.ProgressEvent("one", 1, 1))
    job.update(progress.ProgressEvent("one", 0, 1))  # a second rerun: the third share
    assert [k for k in job.units if k.startswith("one")] == ["one", "one#2", "one#3"]
    solo = progress.JobProgress({"x": 2}, {"x": 1.0}, clock=lambda: 0.0)
    solo.update(progress.ProgressEvent("x", 2, 2))
    solo.update(progress.ProgressEvent("x", 1, 2))
    assert list(solo.units) == ["x", "x#2"]


def test_write_atomic_writes_through_a_hidden_temporary_beside_the_file(tmp_path):
    seen = []

    def write(tmp):
        seen.append(Path(tmp))
        Path(tmp).write_text("x")

    outputs.write_atomic(tmp_path / "a" / "b" / "o.csv", write)  # missing folders are made
    (tmp,) = seen
    assert tmp.parent == tmp_path / "a" / "b" and tmp.name.startswith(".o.csv.") and tmp.name.endswith(".tmp")
    assert (tmp_path / "a" / "b" / "o.csv").read_text() == "x" and not tmp.exists()


@pytest.mark.parametrize("mask, mode", [(0o000, 0o666), (0o022, 0o644), (0o002, 0o664)])
def test_write_atomic_modes_follow_the_umask(tmp_path, mask, mode):
    old = os.umask(mask)
    try:
        out = outputs.write_bytes(tmp_path / "o.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == mode


def test_write_atomic_file_exists_error_and_a_vanished_temporary(tmp_path):
    with pytest.raises(outputs.OutputError) as ei:
        outputs.write_atomic(tmp_path / "o.csv", lambda tmp: (_ for _ in ()).throw(FileExistsError()))  # no errno
    assert ei.value.problem == "a part of the path is a file, not a folder"

    def gone_then_interrupted(tmp):
        os.remove(tmp)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        outputs.write_atomic(tmp_path / "o.csv", gone_then_interrupted)

    def gone_then_failed(tmp):
        os.remove(tmp)
        raise OSError(errno.ENOSPC, "full")

    with pytest.raises(outputs.OutputError):
        outputs.write_atomic(tmp_path / "o.csv", gone_then_failed)
    assert os.listdir(tmp_path) == []


def test_write_text_is_utf8_whatever_the_locale(tmp_path):
    under_c_locale(lambda: outputs.write_text(tmp_path / "o.txt", "Zürich"))
    assert (tmp_path / "o.txt").read_bytes() == "Zürich".encode("utf-8")


def test_current_umask_reads_proc_without_changing_the_umask(monkeypatch):
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc here")
    monkeypatch.setattr(outputs.os, "umask", lambda mask: (_ for _ in ()).throw(AssertionError("umask changed")))
    text = Path("/proc/self/status").read_text()
    want = int([line for line in text.splitlines() if line.startswith("Umask:")][0].split()[1], 8)
    assert outputs.current_umask() == want


def test_a_mount_point_given_with_a_trailing_slash_holds_itself(monkeypatch):
    _mounts(monkeypatch, ("/", "ext4"), ("/srv/x/", "proc"))
    assert outputs.system_file_system("/srv/x") == "proc"


def test_check_writable_when_no_ancestor_exists(tmp_path, monkeypatch):
    # a path on a drive that is not there (Windows "Q:\\"): the walk stops at the root, which
    # then decides (here: writable) - the path is returned, not None
    monkeypatch.setattr(outputs, "system_file_system", lambda folder: None)
    monkeypatch.setattr(outputs.Path, "exists", lambda self: False)
    monkeypatch.setattr(outputs.os, "statvfs", lambda p: types.SimpleNamespace(f_flag=0))
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: True)
    assert outputs.check_writable(tmp_path / "o.csv") == tmp_path / "o.csv"


def _line(value=30.0, dtype=np.float32):
    """6 x 192 grey, 0 but column 97 = `value`."""
    grey = np.zeros((6, 192), dtype)
    grey[:, 97] = value
    return grey


def test_gradient_energy_of_a_thin_line_by_hand():
    # At 64 px the 192 columns are averaged in threes (INTER_AREA at exactly 1/3): column 32 = 30/3
    # = 10, 6 rows -> 2. Sobel x = 4 x (right - left): +-40 at columns 31 and 33: 80 a row over 64
    # columns -> 1.25. At 256 px the image is used as is (never enlarged): +-120 at columns 96 and
    # 98: 240 a row over 192 -> 1.25. (A first derivative: the second would give 120 + 240 + 120.)
    assert content.measure_array(_line()) == content.Content(1.25, 1.25)
    assert content.measure_array(_line().T.copy()) == content.Content(1.25, 1.25)  # Sobel y the same
    # as uint8 the image is read as float32 first: 31/3 = 10.33 at 64 px, not a rounded 10
    got = content.measure_array(_line(31, np.uint8))
    assert got.structure == pytest.approx(2 * 4 * 31 / 3 / 64, rel=1e-6) and got.detail == pytest.approx(2 * 4 * 31 / 192, rel=1e-6)


def test_gradient_energy_of_a_horizontal_step_and_a_one_row_reduction():
    # 8 x 128, rows 0-3 = 0, rows 4-7 = 10: at 64 px 64 x 4 (rows 0, 0, 10, 10): Sobel y 40 at rows
    # 1 and 2 -> 80 a column over 4 rows = 20; at 256 px as is: 80 a column over 8 rows = 10
    grey = np.zeros((8, 128), np.float32)
    grey[4:] = 10
    assert content.measure_array(grey) == content.Content(20.0, 10.0)
    # 3 x 130 with rows 0, 0, 30: at 64 px one row (3 x 64/130 rounds to 1) of 10s: no gradient;
    # (INTER_AREA's weights at 130/64 leave float noise of ~5e-7, not a gradient)
    rows = np.zeros((3, 130), np.float32)
    rows[2] = 30
    assert content._gradient_energy(rows, 64) < 1e-5
    assert content._gradient_energy(rows.T.copy(), 64) < 1e-5


def test_measure_array_works_at_64_and_256_px(monkeypatch):
    seen = []
    monkeypatch.setattr(content, "_gradient_energy", lambda grey, side: seen.append((grey.dtype, side)) or float(side))
    assert content.measure_array(np.zeros((2, 2), np.uint8)) == content.Content(64.0, 256.0)
    assert seen == [(np.float32, 64), (np.float32, 256)]


def test_measure_a_query_reads_it_at_256_px(tmp_path, monkeypatch):
    from PIL import Image

    import geolocator.core.media.query_image as qi
    from geolocator.core.model import Query

    seen = []
    monkeypatch.setattr(qi, "open_query_image", lambda q, **k: seen.append(k) or Image.new("RGB", (4, 4)))
    assert content.measure(Query(id="q", path=tmp_path / "q.jpg")) == content.Content(0.0, 0.0)
    assert seen == [{"min_side": 256}]


def test_a_small_image_is_never_enlarged():
    # 40 x 40, columns 0-19 = 0, 20-39 = 10: at 64 px and 256 px used as is (never enlarged):
    # Sobel x 40 at columns 19 and 20: 80 a row over 40 columns = 2.0 (enlarged to 64 it would be 80 / 64)
    grey = np.zeros((40, 40), np.float32)
    grey[:, 20:] = 10
    assert content.measure_array(grey) == content.Content(2.0, 2.0)
