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


def test_the_app_says_a_folder_gone_in_its_message_bar(qtbot, tmp_path, monkeypatch):
    import pytest

    pytest.importorskip("pytestqt")
    pytest.importorskip("PySide6.QtWebEngineWidgets")
    from geolocator.core.model import Query
    from geolocator.gui.jobs import Results
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    folder = _card(tmp_path, 3)
    listed = sorted(folder.iterdir())
    shutil.rmtree(tmp_path / "card" / "DCIM")
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    monkeypatch.setattr(w.runner, "submit", lambda job: job)
    w.queries = {p.name: Query(p.name, p) for p in listed}
    w._show_results(Results([], {p.name: f"{p}: file not found" for p in listed}, None, None, None, None))
    assert w.message_bar.level == "warning"
    assert f"{tmp_path / 'card' / 'DCIM'}: the folder is gone" in w.message_bar.text and "3 photos" in w.message_bar.text
