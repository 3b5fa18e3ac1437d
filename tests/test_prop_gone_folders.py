"""Property test of gone_folders.split_gone (faults37: photos whose folder went away mid-run), propfuzz37.
Photos in any tree of folders, any of them removed (a card pulled: its mount point left empty, or a folder moved),
failures of any of the photos, any reasons: every failure is said exactly once (in one gone folder's group or as
it was, with its reason), a group is a folder that is gone holding two or more of them, the highest gone folder
below one that is still there, its photos in the order given; a photo whose folder is still there is never grouped.
"""

from __future__ import annotations

import shutil

from hypothesis import given, strategies as st

from geolocator.core.gone_folders import split_gone

from .prop_profile import prop

FOLDERS = ["card", "card/DCIM", "card/DCIM/100MEDIA", "card/DCIM/101MEDIA", "share/flight 1", "share/flight 2"]


@given(st.lists(st.tuples(st.sampled_from(FOLDERS), st.integers(0, 5)), min_size=1, max_size=12, unique=True),
       st.sets(st.sampled_from(FOLDERS)), st.randoms(use_true_random=False), st.data())
@prop(60, fixtures=True)
def test_every_failure_is_said_once_and_only_gone_folders_group(tmp_path_factory, photos, removed, rnd, data):
    base = tmp_path_factory.mktemp("gone")
    paths = []
    for folder, i in photos:
        (base / folder).mkdir(parents=True, exist_ok=True)
        (base / folder / f"q_{i:04d}.jpg").write_bytes(b"x")
        paths.append(base / folder / f"q_{i:04d}.jpg")
    for folder in sorted(removed):
        shutil.rmtree(base / folder, ignore_errors=True)
    rnd.shuffle(paths)
    failed = data.draw(st.lists(st.sampled_from(paths), unique=True), label="failed")
    failures = {p: f"reason {k}" for k, p in enumerate(failed)}
    grouped, rest = split_gone(failures)
    said = [p for group in grouped.values() for p in group] + list(rest)
    assert sorted(said) == sorted(failed)  # each failure once
    assert all(rest[p] == failures[p] for p in rest)  # said as it was
    for root, group in grouped.items():
        assert len(group) >= 2 and not root.exists() and root.parent.is_dir()
        assert group == [p for p in failed if root in p.parents]  # its photos, in the order given
    for p in failed:
        if p.parent.is_dir():
            assert p in rest
