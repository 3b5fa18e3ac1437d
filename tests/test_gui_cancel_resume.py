"""Cancel while photos are being located, then go on (session 14, driven offscreen with QTest):
the cancelled photos stayed "queued" in the list, the bar said "locating again resumes where it
stopped", and the app had no way to locate again: adding the same folder again (what a user
tries) did nothing at all, silently."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PIL import Image  # noqa: E402

from geolocator.core.errors import Cancelled  # noqa: E402

from .test_gui_first_hour import dirs, make_window, tiny_tileset, wait_idle  # noqa: E402,F401


def _statuses(w):
    return sorted(w.query_list.topLevelItem(i).text(1) for i in range(w.query_list.topLevelItemCount()))


def test_photos_left_queued_by_a_cancelled_locate_are_located_when_added_again(qtbot, dirs, monkeypatch):
    csv = tiny_tileset(dirs / "region")
    photos = dirs / "photos"
    photos.mkdir()
    for i in range(3):
        Image.new("RGB", (96, 72), (30 + 50 * i, 120, 60)).save(photos / f"p{i}.jpg")
    w = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)

    real_locate = w.session.locate
    calls = []

    def cancelled_once(*args, **kwargs):  # the user presses Cancel while the first locate runs
        calls.append(1)
        if len(calls) == 1:
            raise Cancelled("cancelled")
        return real_locate(*args, **kwargs)

    monkeypatch.setattr(w.session, "locate", cancelled_once)
    w.add_paths([photos])
    wait_idle(qtbot, w)
    assert _statuses(w) == ["queued"] * 3 and not w.predictions
    assert w.message_bar.text.startswith("Cancelled.")
    assert "add the photos again" in w.message_bar.text  # says how to go on

    w.add_paths([photos])  # the same folder again: nothing new, but three photos never placed
    wait_idle(qtbot, w)
    assert len(calls) == 2
    assert sorted(w.predictions) == sorted(w.queries) and len(w.predictions) == 3
    assert "queued" not in _statuses(w)


def test_adding_photos_already_located_does_not_locate_again(qtbot, dirs):
    csv = tiny_tileset(dirs / "region")
    photo = dirs / "p.jpg"
    Image.new("RGB", (96, 72), (90, 120, 60)).save(photo)
    w = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    w.add_paths([photo])
    wait_idle(qtbot, w)
    assert len(w.predictions) == 1
    started = []
    w.runner.started.connect(lambda job: started.append(job.title))
    w.add_paths([photo])
    wait_idle(qtbot, w)
    assert started == ["Reading drone images"]  # read, found known, nothing to locate
