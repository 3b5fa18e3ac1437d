"""Listing a photo folder on a card or share with faults (faults36, session 36). os.walk passes over a
folder it cannot list unless told (onerror), and `not p.is_file()` dropped a link that leads nowhere:
a subfolder that cannot be read (EACCES, EIO on a failing card) lost every photo in it in silence, and
a dangling link or a link loop among the photos was said nowhere, against load_queries' rule that
every file is either a query or named with a reason. The folder given itself said "no images"."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.errors import InputError
from geolocator.core.queries import load_queries

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "queries"


def _photo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((DEMO / "q_0001.jpg").read_bytes())
    return path


def _unlistable(monkeypatch, *folders: Path, err=errno.EACCES):
    """os.scandir (os.walk's lister) refuses `folders`, as for a folder of mode 000 for a user not root
    (root reads it: chmod cannot make the fault here) or a failing card's directory block (EIO)."""
    real = os.scandir
    refused = {str(f) for f in folders}

    def scandir(path="."):
        if os.fspath(path) in refused:
            raise OSError(err, os.strerror(err), os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)


def test_a_subfolder_that_cannot_be_read_is_said_and_the_rest_is_read(tmp_path, monkeypatch):
    _photo(tmp_path / "a.jpg")
    _photo(tmp_path / "card" / "b.jpg")
    _unlistable(monkeypatch, tmp_path / "card", err=errno.EIO)
    skipped = []
    queries = load_queries(tmp_path, on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["a.jpg"]
    assert skipped == [(tmp_path / "card",
                        "this folder cannot be read: Input/output error; the photos in it are left out")]


def test_the_folder_given_that_cannot_be_read_says_so_not_no_images(tmp_path, monkeypatch):
    _photo(tmp_path / "flight" / "a.jpg")
    _unlistable(monkeypatch, tmp_path / "flight")
    with pytest.raises(InputError) as e:
        load_queries(tmp_path / "flight")
    assert e.value.path == tmp_path / "flight" and e.value.problem == "cannot be read (Permission denied)"


def test_one_folder_of_a_list_that_cannot_be_read_leaves_the_others(tmp_path, monkeypatch):
    _photo(tmp_path / "A" / "a.jpg")
    _photo(tmp_path / "B" / "b.jpg")
    _unlistable(monkeypatch, tmp_path / "B")
    skipped = []
    queries = load_queries([tmp_path / "A", tmp_path / "B"], on_skip=lambda p, why: skipped.append((p, why)))
    assert [q.id for q in queries] == ["A/a.jpg"]
    assert skipped == [(tmp_path / "B", "cannot be read (Permission denied)")]


def test_links_that_lead_nowhere_are_named(tmp_path):
    _photo(tmp_path / "a.jpg")
    os.symlink("loop.jpg", tmp_path / "loop.jpg")  # a link to itself: ELOOP
    os.symlink("gone.jpg", tmp_path / "copied.jpg")  # its target deleted or on an unplugged drive
    os.symlink("sub", tmp_path / "sub")  # a folder link to itself: no endless walk
    skipped = {}
    queries = load_queries(tmp_path, on_skip=lambda p, why: skipped.__setitem__(p.name, why))
    assert [q.id for q in queries] == ["a.jpg"]
    assert skipped == {"copied.jpg": "a symbolic link to gone.jpg, which is not there",
                       "loop.jpg": "a symbolic link loop: it leads back to itself",
                       "sub": "a symbolic link loop: it leads back to itself"}


def test_a_name_that_is_not_utf8_and_a_long_name_are_read(tmp_path):
    folder = os.fsencode(tmp_path)
    Image.open(DEMO / "q_0001.jpg").save(folder + b"/M\xe4rz.jpg")  # a Latin-1 name from an old camera or share
    long = "p" * 251 + ".jpg"  # 255 bytes: the most one name may have on ext4, FAT32 and NTFS
    _photo(tmp_path / long)
    queries = load_queries(tmp_path)
    assert sorted(q.id for q in queries) == ["M\\xe4rz.jpg", long]
