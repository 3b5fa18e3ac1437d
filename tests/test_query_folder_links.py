"""A query folder whose sub-folders are symbolic links (session 22: an investigator's case folder
linking to the folders media were saved in). Python 3.11's Path.glob("**/*") does not enter linked
folders, so their photos were dropped without a word; they are read now, and a link back up the
tree (a loop) is entered once, never forever."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.queries import load_queries

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"

needs_links = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="symbolic links need POSIX here")


@needs_links
def test_photos_in_linked_folders_are_read_once(tmp_path):
    saved = tmp_path / "saved" / "from_channel"
    saved.mkdir(parents=True)
    for n, q in (("a.jpg", "q_0001.jpg"), ("b.jpg", "q_0003.jpg")):  # two photos (equal bytes would be one, copied)
        Image.open(DEMO / "queries" / q).save(saved / n)
    case = tmp_path / "case"
    case.mkdir()
    Image.open(DEMO / "queries" / "q_0002.jpg").save(case / "c.jpg")
    (case / "posts").symlink_to(saved, target_is_directory=True)
    (case / "posts" / "loop").symlink_to(case, target_is_directory=True)  # a link back up: entered once at most
    skipped = []
    queries = load_queries(case, on_skip=lambda p, why: skipped.append((p, why)))
    names = sorted(Path(q.path).name for q in queries)
    assert names == ["a.jpg", "b.jpg", "c.jpg"], names
    assert skipped == []
