"""A photo folder that goes away mid-run (faults37, session 37): a USB disk or card pulled, a network share
dropped. Input: card/DCIM/100MEDIA with 6 photos, listed, then DCIM removed before they are read (the
card's mount point stays, empty). Before: six warning lines, one a photo, "cannot read file (No such file
or directory)" / "file not found", none saying the folder is gone. Now one line names the folder gone, how
many photos in it were not located, and what to do; a single photo deleted is still said as before."""

from __future__ import annotations

import logging
import shutil
from types import SimpleNamespace

from PIL import Image

from geolocator import cli
from geolocator.core.errors import InputError
from geolocator.core.gone_folders import split_gone
from geolocator.core.images import open_image


def _card(tmp_path, n=6):
    folder = tmp_path / "card" / "DCIM" / "100MEDIA"
    folder.mkdir(parents=True)
    for i in range(n):
        Image.new("RGB", (32, 32), (i * 20, 50, 50)).save(folder / f"DJI_{i:04d}.JPG")
    return folder


def _read_all(paths) -> dict:
    failures = {}
    for p in paths:
        try:
            open_image(p)
        except InputError as exc:  # what the pipeline keeps in Located.failures
            failures[p] = str(exc)
    return failures


def _said(caplog, failures, given):
    ws = SimpleNamespace(last=SimpleNamespace(failures=failures), tileset=SimpleNamespace(tiles=[]), tile_failures={})
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="geolocator"):
        cli._warn_failures(ws, given)
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_card_pulled_after_listing_is_said_once(tmp_path, caplog, monkeypatch):
    folder = _card(tmp_path)
    listed = sorted(folder.iterdir())
    open_image(listed[0])  # the first photos were read before the card went
    shutil.rmtree(tmp_path / "card" / "DCIM")
    failures = _read_all(listed[2:])
    assert len(failures) == 4
    monkeypatch.chdir(tmp_path)
    said = _said(caplog, failures, ["card"])
    assert said == ["card/DCIM: the folder is gone (a disk or card removed, a network share lost, or the folder "
                    "moved while geolocator ran): 4 photos in it not located (DJI_0002.JPG, DJI_0003.JPG, "
                    "DJI_0004.JPG and 1 more); connect it again and run the same command"]


def test_one_photo_deleted_is_still_said_on_its_own(tmp_path, caplog):
    folder = _card(tmp_path, 3)
    listed = sorted(folder.iterdir())
    listed[1].unlink()
    failures = _read_all(listed)
    said = _said(caplog, failures, [str(tmp_path / "card")])
    assert len(said) == 1 and "DJI_0001.JPG: skipped (" in said[0] and "folder is gone" not in said[0]


def test_split_gone_names_the_highest_folder_gone_and_keeps_other_failures(tmp_path):
    a = _card(tmp_path)
    other = tmp_path / "other.jpg"
    other.write_bytes(b"not a jpeg")
    gone = [a / "DJI_0000.JPG", a / "DJI_0001.JPG"]
    shutil.rmtree(tmp_path / "card" / "DCIM")
    grouped, rest = split_gone({gone[0]: "x", other: "corrupt", gone[1]: "y"})
    assert grouped == {tmp_path / "card" / "DCIM": gone} and rest == {other: "corrupt"}


def _watched_stats(monkeypatch):
    """Every _gone_root call's thread, recorded; a stat on a share that went away is slow (here 0.2 s)."""
    import threading
    import time

    from geolocator.core import gone_folders

    threads, real = [], gone_folders._gone_root

    def slow_root(path):
        threads.append(threading.current_thread())
        time.sleep(0.2)
        return real(path)

    monkeypatch.setattr(gone_folders, "_gone_root", slow_root)
    return threads


def test_the_app_says_a_folder_gone_found_off_its_thread(qtbot, tmp_path, monkeypatch):
    """gone37: the window grouped the failures itself in _show_results, statting each failed photo's folder on
    its own thread, which a dropped network share can hold for seconds (review37). Now the locate job groups
    them (Results.gone_folders) and the window only shows the line; a regroup says it again, found the same way."""
    import threading

    import pytest

    pytest.importorskip("pytestqt")
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from geolocator.core.model import Query
    from geolocator.core.pipeline import Located

    from .test_gui_first_hour import make_window, wait_idle

    folder = _card(tmp_path, 3)
    listed = sorted(folder.iterdir())
    shutil.rmtree(tmp_path / "card" / "DCIM")
    w = make_window(qtbot, tmp_path)
    w._add_queries([Query(p.name, p) for p in listed], {})

    def locate(queries, **kw):  # every photo unreadable, as the pipeline keeps them
        w.session.ws.last = Located((), [], None, {q.path: f"{q.path}: file not found" for q in queries})
        return []

    monkeypatch.setattr(w.session.ws, "locate", locate)
    threads = _watched_stats(monkeypatch)
    for job in (w.locate, w.regroup_flights):
        w.message_bar.show_messages([])
        job()
        wait_idle(qtbot, w)
        assert w.last_outcome == "done"
        assert w.message_bar.level == "warning"
        assert f"{tmp_path / 'card' / 'DCIM'}: the folder is gone" in w.message_bar.text
        assert "3 photos" in w.message_bar.text
        assert set(w.failures) == {p.name for p in listed}
    assert len(threads) == 6 and threading.main_thread() not in threads  # each photo's folder, in each job
