"""Taking photos off the list (appwalk37_session37.md): before, a photo added by mistake (the wrong card,
a folder of the team's own pictures) stayed in the list, on the map, in the scores and in every export
until the app was restarted: nothing removed one."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QItemSelectionModel, Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_extract import tiny_backbone  # noqa: E402
from .test_gui_first_hour import tiny_tileset  # noqa: E402

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo" / "queries"


@pytest.fixture
def located(qtbot, tmp_path, monkeypatch):
    """A window with the tiny backbone, four tiles and four demo photos located."""
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True), show=True, tile_views=("rot0",), verify=False)
    w.session.ws.set_backbone("tiny", loaded=tiny_backbone())
    w.open_tileset(tiny_tileset(tmp_path / "region", n=4))
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=120_000)
    photos = tmp_path / "photos"
    photos.mkdir()
    for p in sorted(DEMO.iterdir())[:4]:
        shutil.copy(p, photos / p.name)
    w.add_paths([photos])
    qtbot.waitUntil(lambda: not w.runner.busy and len(w.predictions) == 4, timeout=120_000)
    return w, photos


def _select(w, ids) -> None:
    model, sel = w.query_list.model(), w.query_list.selectionModel()
    sel.clearSelection()
    for qid in ids:
        row = w.query_list._row(qid)
        sel.select(model.index(row, 0), QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)


def test_delete_takes_the_selected_photos_off_the_list_the_map_and_the_exports(qtbot, located):
    w, photos = located
    ids = [w.query_list.model().rows[r].id for r in range(4)]
    w.select_query(ids[1])
    _select(w, ids[1:3])
    assert w.query_list.selected_queries() == ids[1:3]
    w.query_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.query_list)
    qtbot.keyClick(w.query_list, Qt.Key.Key_Delete)  # File → Remove Selected Photos' key
    qtbot.waitUntil(lambda: not w.runner.busy and w.query_list.model().rowCount() == 2, timeout=120_000)
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=120_000)
    assert [r.id for r in w.query_list.model().rows] == [ids[0], ids[3]]
    assert set(w.queries) == set(w.predictions) == {ids[0], ids[3]}  # the exports and the scores: the two left
    assert "Removed 2 photos from the list (the files are not touched)." in w.message_bar.text
    assert w.selected not in ids[1:3]  # the pane shows a photo still listed
    assert w.results.title.text() in (ids[0], ids[3])
    assert sorted(p.name for p in photos.iterdir()) == sorted(Path(i).name for i in ids)  # files kept
    assert w.eval_panel.label.text().startswith("2 images located")  # was "4 images located"


def test_removing_every_photo_empties_the_results_pane_and_the_action_waits_for_photos(qtbot, located):
    w, _ = located
    ids = [r.id for r in w.query_list.model().rows]
    _select(w, ids)
    w.act_remove.trigger()
    qtbot.waitUntil(lambda: not w.runner.busy and w.query_list.model().rowCount() == 0, timeout=120_000)
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=120_000)
    assert w.queries == {} and w.predictions == {} and w.selected is None
    assert w.results.title.text() == "Select an image" and not w.results.copy_button.isEnabled()
    assert not w.act_remove.isEnabled() and not w.act_export.isEnabled()


def test_remove_with_nothing_selected_says_how_to_select(qtbot, located):
    w, _ = located
    w.query_list.selectionModel().clearSelection()
    assert w.remove_selected_photos() is None
    assert "Select the photos to remove in the list first" in w.message_bar.text
    assert w.query_list.model().rowCount() == 4


def test_delete_in_a_text_box_deletes_a_character_not_the_photos(qtbot, located):
    """The window-wide Delete key must not reach past a text box: in the Backbone panel's Model box (editable)
    it deletes the character after the cursor, and the selected photos stay."""
    w, _ = located
    ids = [r.id for r in w.query_list.model().rows]
    _select(w, ids[:1])
    edit = w.backbone_panel.combo.lineEdit()
    edit.setText("autox")
    edit.setCursorPosition(4)  # the key goes to the box itself (the side column may be folded on the test's screen)
    qtbot.keyClick(edit, Qt.Key.Key_Delete)
    qtbot.wait(200)
    assert edit.text() == "auto" and w.query_list.model().rowCount() == 4 and not w.runner.busy


def test_taking_photos_out_drops_everything_kept_for_them(qtbot, tmp_path):
    """_take_out (a geotagged copy replaced by its original; Remove Selected Photos) drops each kept dict's entry,
    the track's answer and shot too: it left those, which Remove Selected Photos' own loop dropped (review37)."""
    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    for kept in (w.queries, w.predictions, w.failures, w.track_answers, w.track_shots, w.query_thumbs):
        kept.update({"a.jpg": object(), "b.jpg": object()})
    w._take_out(["a.jpg"])
    for kept in (w.queries, w.predictions, w.failures, w.track_answers, w.track_shots, w.query_thumbs):
        assert list(kept) == ["b.jpg"]
