"""The app, geotagged copies added before their originals (ownout37; leftovers36's open point): the
copies' folder added, then the photos: each photo stayed listed under its copy's name and path, its
original (the camera's own metadata and GPS fix) skipped. The original now takes the copy's row."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.core.geotag_copies import geotagged_jpeg  # noqa: E402
from geolocator.core.queries import join_queries, load_queries  # noqa: E402

from .test_copied_twice import _jpeg  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def _photos_and_copies(root: Path) -> tuple[Path, Path]:
    photos, tagged = root / "photos", root / "export" / "tagged"
    tagged.mkdir(parents=True)
    for i in (1, 2):
        original = _jpeg(photos / f"DJI_000{i}.JPG", i)
        (tagged / original.name).write_bytes(geotagged_jpeg(original.read_bytes(), 36.14, -115.23, 35.0))
    return photos, tagged


def test_an_original_added_after_its_listed_copy_takes_its_place(tmp_path):
    photos, tagged = _photos_and_copies(tmp_path)
    listed = {q.id: q.path for q in load_queries(tagged)}
    skipped: list[tuple[Path, str]] = []
    replaced: dict[str, str] = {}
    added = join_queries(load_queries(photos), photos, listed, on_skip=lambda p, why: skipped.append((p, why)),
                         replaced=replaced)
    assert [(q.id, q.path) for q in added] == [("DJI_0001.JPG", photos / "DJI_0001.JPG"),
                                               ("DJI_0002.JPG", photos / "DJI_0002.JPG")]
    assert replaced == {"DJI_0001.JPG": "DJI_0001.JPG", "DJI_0002.JPG": "DJI_0002.JPG"}
    assert dict(skipped)[tagged / "DJI_0001.JPG"] == (
        f"a geotagged copy of {photos / 'DJI_0001.JPG'} that geolocator wrote (--geotag-copies or the app's Export "
        "Geotagged Copies), listed before it: the original takes its place in the list, located once, as that file")


def test_the_app_lists_the_original_not_the_copy_added_before_it(qtbot, dirs):
    photos, tagged = _photos_and_copies(dirs / "data")
    w = make_window(qtbot, dirs)
    w.add_paths([tagged])
    wait_idle(qtbot, w)
    assert {q.path for q in w.queries.values()} == {tagged / "DJI_0001.JPG", tagged / "DJI_0002.JPG"}
    # stand-ins for the copies' outcomes (a locate's answer, a failure), which must leave with their rows
    w.predictions["DJI_0001.JPG"] = object()
    w.failures["DJI_0002.JPG"] = "no answer"
    w.add_paths([photos])
    wait_idle(qtbot, w)
    assert not w.predictions and not w.failures  # the originals, under the same ids, are not yet located
    # before: the copies' paths, and the originals said as "the original of a geotagged copy already in the list"
    assert {qid: q.path for qid, q in w.queries.items()} == {"DJI_0001.JPG": photos / "DJI_0001.JPG",
                                                             "DJI_0002.JPG": photos / "DJI_0002.JPG"}
    assert sorted(w.query_list.model_.index_of) == ["DJI_0001.JPG", "DJI_0002.JPG"]  # one row each
    assert "the original takes its place in the list" in w.message_bar._details
    assert {Path(p) for p in w.session._listed.values()} == {photos / "DJI_0001.JPG", photos / "DJI_0002.JPG"}


@pytest.mark.slow  # the backbone loaded and two locates: 25 s on 2 busy cores
def test_a_located_copy_s_answer_goes_with_it_and_the_original_is_located(qtbot, dirs):
    """With a tile set open the copies are located when added; their answers leave with their rows and the
    originals get their own (no answer left under a path no longer listed)."""
    from .test_gui_first_hour import tiny_tileset

    photos, tagged = _photos_and_copies(dirs / "data")
    w = make_window(qtbot, dirs)
    w.open_tileset(tiny_tileset(dirs / "region"))
    wait_idle(qtbot, w)
    w.add_paths([tagged])
    wait_idle(qtbot, w)
    assert {p.query.path for p in w.predictions.values()} == {tagged / "DJI_0001.JPG", tagged / "DJI_0002.JPG"}
    w.add_paths([photos])
    wait_idle(qtbot, w)
    assert {qid: p.query.path for qid, p in w.predictions.items()} == {"DJI_0001.JPG": photos / "DJI_0001.JPG",
                                                                       "DJI_0002.JPG": photos / "DJI_0002.JPG"}
