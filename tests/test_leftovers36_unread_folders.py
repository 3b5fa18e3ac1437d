"""A photo folder that could not be read is counted where a locate ends (leftovers36, closing faults36's
open point). faults36 made load_queries warn of a subfolder os.walk cannot list ("this folder cannot be
read: Input/output error; the photos in it are left out"), but the closing line ("wrote 1 prediction to
day.csv: 1 confident") counted only photos, so a failing card's folder of 200 photos was missing from it
in silence. CLI and app say it in one wording (core.wording.left_out_line's `folders`)."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from geolocator.core.queries import load_queries
from geolocator.core.skipped import unread_folder, unread_media
from geolocator.core.wording import left_out_line

from .test_faults36_listing import DEMO, _photo, _unlistable

CLAUSE = "; 1 folder could not be read, so its photos are {}: card (the warning above says why)"


def test_the_closing_clause_counts_the_folders_after_the_photos():
    assert left_out_line({}, folders={}) == ""
    assert left_out_line({}, folders={Path("/d/card"): "x"}) == CLAUSE.format("not in it")
    assert left_out_line({}, in_file=False, folders=[Path("/d/card")]) == CLAUSE.format("not located")
    both = left_out_line({Path("/d/a.jpg"): "x"}, files=2, folders=[Path("/d/A"), Path("/d/B")])
    assert both == ("; 1 photo could not be read and is not in them: a.jpg (the warning above says why); 2 folders "
                    "could not be read, so their photos are not in them: A, B (the warnings above say why)")


def test_the_reasons_listing_gives_an_unread_folder_are_counted_and_no_others(tmp_path, monkeypatch):
    _photo(tmp_path / "A" / "a.jpg")
    _photo(tmp_path / "B" / "card" / "b.jpg")
    _photo(tmp_path / "C" / "c.jpg")
    # B/card (a subfolder) and C (a folder of the list given) refuse to be listed
    _unlistable(monkeypatch, tmp_path / "B" / "card", tmp_path / "C", err=errno.EIO)
    skipped = {}
    load_queries([tmp_path / "A", tmp_path / "B", tmp_path / "C"], on_skip=skipped.__setitem__)
    folders = {p.name for p, why in skipped.items() if unread_folder(p, why)}
    assert folders == {"card", "C"}
    assert not any(unread_media(p, why) for p, why in skipped.items())
    assert not unread_folder(tmp_path / "empty", "no images (.jpg) in this folder")
    assert not unread_folder(tmp_path / "a.jpg", "cannot read file (Permission denied)")


@pytest.mark.slow
def test_locate_counts_a_folder_it_could_not_read_in_its_closing_line(tmp_path, monkeypatch, capsys):
    from geolocator.cli import main

    photos = tmp_path / "Flug C"
    _photo(photos / "q_0001.jpg")
    _photo(photos / "card" / "q_0002.jpg")
    _unlistable(monkeypatch, photos / "card", err=errno.EIO)
    out = tmp_path / "day.csv"
    assert main(["locate", str(photos), "--tiles", str(DEMO.parent / "tiles.csv"), "--no-verify", "--out", str(out),
                 "--backbone", "efficientnet_lite0", "--cache-dir", str(tmp_path / "cache"), "-q"]) == 0
    line = capsys.readouterr().out.splitlines()[-1]
    assert line.startswith(f"wrote 1 prediction to {out}: ") and line.endswith(CLAUSE.format("not in it")), line


def test_the_app_counts_an_unread_folder_where_its_locate_ends_until_an_add_reads_it(qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from geolocator.core.model import Query

    from .test_imagery_dialog import _window

    w = _window(qtbot, tmp_path)
    card = tmp_path / "card"
    w._note_unread_folders([], {str(card): "this folder cannot be read: Input/output error; the photos in it "
                                           "are left out", str(tmp_path / "notes.txt"): "a sidecar/text file"})
    assert w._placed_summary().endswith(CLAUSE.format("not located"))
    # the card read again later (re-seated): its photos are listed, the folder no longer counted
    w._note_unread_folders([Query(id="card/a.jpg", path=card / "a.jpg")], {})
    assert "folder" not in w._placed_summary()
    w.close()
