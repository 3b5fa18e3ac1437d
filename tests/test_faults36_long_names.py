"""A destination whose name is longer than the file system allows (255 bytes a name on ext4, XFS, FAT32,
NTFS; a photo folder's name pasted twice, a name in a script of 2-3 bytes a letter), and one under a
folder that may not be searched (faults36, session 36). outputs.check_writable let the OSError of
Path.is_dir escape, past its callers that catch OutputError: `geolocator --demo --screenshot NAME`
ended in a traceback, and a cache folder with such a name stopped the run instead of running without
a cache."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from geolocator.core.outputs import OutputError, check_writable, usable_cache_dir

from .test_first_hour import run_geolocator


def test_a_name_over_the_limit_is_refused_naming_the_part(tmp_path):
    with pytest.raises(OutputError) as e:
        check_writable(tmp_path / ("ä" * 200) / "located.csv")
    assert e.value.path == tmp_path / ("ä" * 200) / "located.csv"
    assert e.value.problem == (f"the name is too long: {'ä' * 40}… has 400 bytes, more than the 255 a file or "
                               "folder name may have there")


def test_a_folder_that_may_not_be_searched_is_an_output_error(tmp_path, monkeypatch):
    real = Path.is_dir

    def is_dir(self):
        if self == tmp_path / "locked" / "o.csv":  # as stat answers under a folder of mode 600 (not for root)
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "is_dir", is_dir)
    with pytest.raises(OutputError) as e:
        check_writable(tmp_path / "locked" / "o.csv")
    assert e.value.problem == "permission denied (the folder cannot be written)"


def test_a_cache_folder_with_a_name_too_long_runs_without_a_cache(tmp_path):
    path, warning = usable_cache_dir(tmp_path / ("c" * 256))
    assert path is None and "cannot be used (the name is too long: " in warning and "running without a cache" in warning


def test_a_screenshot_name_too_long_is_said_before_any_work(tmp_path):
    shot = tmp_path / ("s" * 300 + ".png")
    result = run_geolocator("--demo", "--screenshot", str(shot))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the name is too long: " in result.stderr and "has 304 bytes, more than the 255" in result.stderr


def test_a_pipe_or_device_given_as_the_output_is_refused_and_left_as_it_is(tmp_path):
    """`--out /dev/stdout` where /dev is a plain tmpfs (containers), as root: os.replace put a regular
    file where /dev/stdout was (found here by replacing /dev/full, restored with mknod). A FIFO stands in."""
    import os
    import stat

    from geolocator.core.outputs import write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(OutputError) as e:
        check_writable(fifo)
    assert e.value.problem == "it is a pipe, not a file: outputs are written whole into a file; give a file name"
    with pytest.raises(OutputError, match="it is a pipe, not a file"):
        write_text(fifo, "query,lat,lon\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not list(tmp_path.glob(".pipe.*"))


def test_a_folder_given_as_an_output_is_said_to_be_a_folder_not_a_device(tmp_path):
    """special_file is for pipes, sockets and devices: a folder is neither (OU7: "it is a device (a terminal,
    a disk…)" for `--out photos/`); check_writable says what a folder is."""
    from geolocator.core.outputs import special_file

    (tmp_path / "out").mkdir()
    (tmp_path / "a.csv").write_text("x")
    assert special_file(tmp_path / "out") is None and special_file(tmp_path / "a.csv") is None
    with pytest.raises(OutputError) as e:
        check_writable(tmp_path / "out")
    assert e.value.problem == "the output path is a folder; give a file name"


def test_settings_under_a_file_are_said_once_in_words(tmp_path, caplog):
    """XDG_CONFIG_HOME on a path through a file (or a pulled drive): the app started with "unreadable
    settings ([Errno 20] Not a directory: '<the path again>')"."""
    import logging

    pytest.importorskip("PySide6.QtCore")
    from geolocator.gui.settings import AppSettings

    (tmp_path / "afile").write_text("x")
    path = tmp_path / "afile" / "geolocator" / "settings.json"
    with caplog.at_level(logging.WARNING):
        settings = AppSettings.load(path)
    assert settings == AppSettings()
    assert [r.getMessage() for r in caplog.records] == [f"{path}: unreadable settings (Not a directory); using defaults"]
