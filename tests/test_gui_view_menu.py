"""The View menu's pane switches (session 35, task viewmenu35).

Before: at 200 % scaling on a 1366 x 768 laptop (683 x 384 logical px) the side column folds away for
want of room (hidpi35), and its Region adapter, Evaluation and Backbone panels could not be reached until
the window was made wider: the View menu had no pane items (only Run -> Adapt stayed in a menu). Now View
has a checkable item per pane (Ctrl+1 the photo list, Ctrl+2 the side column, Ctrl+3..5 its panels); a
panel asked for in a window too narrow for the column takes the list's place, and the choice is saved
with the layout (gui/view_menu.py, training/results/viewmenu35_session35.md)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtCore import QSettings, Qt  # noqa: E402
from PySide6.QtGui import QAction, QKeySequence  # noqa: E402
from PySide6.QtWidgets import QApplication, QPushButton, QWidget  # noqa: E402

from geolocator.gui.panes import first_stop  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_gui_first_hour import dirs  # noqa: E402,F401
from .test_gui_laptop_widths import _at  # noqa: E402
from .test_gui_min_width import _populated, _text_fits  # noqa: E402

PANELS = ("Region Adapter", "Evaluation", "Backbone")


def _view_items(w) -> dict[str, QAction]:
    menu = next(a.menu() for a in w.menuBar().actions() if a.text() == "&View")
    return {a.text(): a for a in menu.actions() if a.isCheckable()}


def _panel(w, title):
    return {"Region Adapter": w.adapter_panel, "Evaluation": w.eval_panel, "Backbone": w.backbone_panel}[title]


def _whole_in_column(w, panel) -> None:
    """The panel inside the column's viewport, as wide as it asks, each shown control inside it and each
    button's whole label."""
    viewport = w.side_scroll.viewport()
    assert w.side_scroll.width() >= w.side_scroll.minimumSizeHint().width() > 0
    top_left = panel.mapTo(viewport, panel.rect().topLeft())
    assert 0 <= top_left.y() < viewport.height()  # scrolled to it
    controls = [c for c in panel.findChildren(QWidget) if c.isVisible() and c.parent() is panel]
    assert controls
    for c in controls:
        right = c.mapTo(viewport, c.rect().topRight()).x()
        assert 0 <= c.mapTo(viewport, c.rect().topLeft()).x() and right < viewport.width(), c
        if isinstance(c, QPushButton):
            assert _text_fits(c), c.text()


@pytest.mark.parametrize("title", PANELS)
def test_at_200_percent_of_1366_x_768_every_panel_is_reached_from_the_view_menu(qtbot, dirs, tmp_path, title):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    items = _view_items(w)
    assert w.side_scroll.width() == 0  # folded away for want of room (hidpi35)
    assert items["Photo List"].isChecked() and not items["Side Panels"].isChecked()
    assert not items[title].isChecked()  # not on the screen
    items[title].trigger()
    qtbot.wait(100)
    panel = _panel(w, title)
    # the column takes the list's place, scrolled to the panel, its controls whole; the map stays
    assert w.query_list.isHidden() and not items["Photo List"].isChecked()
    assert items["Side Panels"].isChecked() and items[title].isChecked()
    _whole_in_column(w, panel)
    assert w.map_view.width() >= 240
    if first_stop(panel) is not None:  # the keyboard is in the panel (the Evaluation panel's words take none)
        assert panel.isAncestorOf(QApplication.focusWidget())
    # the list asked back: it takes its place again, the column folds
    items["Photo List"].trigger()
    qtbot.wait(100)
    assert not w.query_list.isHidden() and w.query_list.width() > 0
    assert w.side_scroll.width() == 0 and not items["Side Panels"].isChecked() and not items[title].isChecked()


def test_the_shortcuts_reach_the_panels_and_clash_with_none(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    keys = [a.shortcut() for a in w.findChildren(QAction) if not a.shortcut().isEmpty()]
    keys.append(w.results.copy_button.shortcut())
    texts = [k.toString() for k in keys]
    assert len(texts) == len(set(texts)), texts
    items = _view_items(w)
    assert [items[t].shortcut().toString() for t in ("Photo List", "Side Panels", *PANELS)] == [
        "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+4", "Ctrl+5"]
    w.activateWindow()
    w.query_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5_000)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_5, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.side_scroll.width() > 0, timeout=5_000)
    _whole_in_column(w, w.backbone_panel)


def test_a_wider_window_gives_the_list_back_beside_the_column(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    items = _view_items(w)
    items["Side Panels"].trigger()
    qtbot.wait(100)
    assert w.query_list.isHidden() and w.side_scroll.width() > 0
    _at(qtbot, w, (1440, 900))
    assert not w.query_list.isHidden() and w.query_list.width() > 0 and w.side_scroll.width() > 0
    assert all(a.isChecked() for a in items.values() if a.text() != "Online Basemap (OpenStreetMap)")
    # back at 683 px: the list kept (it is the user's again), the column folds as before
    _at(qtbot, w, (683, 384))
    assert not w.query_list.isHidden() and w.side_scroll.width() == 0


def test_at_1440_x_900_every_pane_is_shown_and_checked(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1440, 900))
    items = _view_items(w)
    for t in ("Photo List", "Side Panels", *PANELS):
        assert items[t].isChecked(), t
    sizes = w.splitter.sizes()
    assert all(s > 0 for s in sizes) and sizes[1] >= 0.5 * sum(sizes)
    # hiding a panel leaves the column; hiding the last one hides the column, and the map takes the room
    items["Evaluation"].trigger()
    assert w.eval_panel.isHidden() and not w.side_scroll.isHidden()
    items["Region Adapter"].trigger()
    items["Backbone"].trigger()
    qtbot.wait(50)
    assert w.side_scroll.isHidden() and not items["Side Panels"].isChecked()
    assert w.map_view.width() > sizes[1]
    items["Side Panels"].trigger()  # every panel back
    qtbot.wait(50)
    assert all(not _panel(w, t).isHidden() for t in PANELS) and w.splitter.sizes() == sizes


def test_the_view_is_saved_and_restored_with_the_layout(qtbot, dirs, tmp_path):
    ini = str(tmp_path / "view.ini")
    w = app_window(qtbot, tmp_path, name="v", qsettings=QSettings(ini, QSettings.Format.IniFormat), show=True)
    _at(qtbot, w, (1440, 900))
    before = w.splitter.sizes()
    items = _view_items(w)
    items["Photo List"].trigger()
    items["Evaluation"].trigger()
    qtbot.wait(50)
    w.close()
    w2 = app_window(qtbot, tmp_path, name="v", qsettings=QSettings(ini, QSettings.Format.IniFormat), show=True)
    _at(qtbot, w2, (1440, 900))
    items2 = _view_items(w2)
    assert w2.query_list.isHidden() and not items2["Photo List"].isChecked()
    assert w2.eval_panel.isHidden() and not items2["Evaluation"].isChecked() and items2["Backbone"].isChecked()
    items2["Photo List"].trigger()  # back at the width it had, not 0 px
    qtbot.wait(50)
    assert w2.query_list.width() == before[0]


def test_a_panel_scrolled_out_of_sight_is_brought_into_sight_not_hidden(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    items = _view_items(w)
    items["Region Adapter"].trigger()  # the column in the list's place, at its top
    qtbot.wait(50)
    assert items["Backbone"].isChecked()  # in the column, below the sight of a 384 px window
    items["Backbone"].trigger()  # before: hidden; now: scrolled to
    qtbot.wait(50)
    assert not w.backbone_panel.isHidden() and items["Backbone"].isChecked()
    _whole_in_column(w, w.backbone_panel)
    items["Backbone"].trigger()  # in sight: the item hides it
    qtbot.wait(50)
    assert w.backbone_panel.isHidden() and not items["Backbone"].isChecked()


def test_the_first_layout_shows_every_pane_whatever_was_hidden(qtbot, dirs, tmp_path):
    """`--screenshot` starts from default_layout (test_gui_app's CI screenshot): a pane hidden in the last
    session must not change its picture."""
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1440, 900))
    first = w.splitter.sizes()
    items = _view_items(w)
    for t in ("Photo List", "Evaluation"):
        items[t].trigger()
    qtbot.wait(50)
    w.default_layout()
    qtbot.wait(50)
    assert not w.query_list.isHidden() and not w.eval_panel.isHidden()
    assert all(a.isChecked() for t, a in items.items() if t != "Online Basemap (OpenStreetMap)")
    assert w.splitter.sizes() == first


def test_a_drag_while_the_list_is_hidden_keeps_its_width(qtbot, dirs, tmp_path):
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (1440, 900))
    before = w.splitter.sizes()
    _view_items(w)["Photo List"].trigger()
    qtbot.wait(50)
    handle = w.splitter.sizes()[1]  # the side column's handle: between the map and the column
    w.splitter.moveSplitter(handle - 40, 2)  # the column dragged 40 px wider (splitterMoved, as a drag)
    qtbot.wait(50)
    assert w.side_scroll.width() == before[2] + 40
    _view_items(w)["Photo List"].trigger()
    qtbot.wait(50)
    assert w.query_list.width() == before[0]  # not 0 px: the hidden list kept the width it wants


def test_f6_passes_over_a_folded_column_and_stops_in_it_once_shown(qtbot, dirs, tmp_path):
    from geolocator.gui.panes import move_to_pane, pane_of, takes_tab

    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    w.query_list.setFocus()
    column = w.side_scroll.widget()
    for _ in range(4):  # before: the fourth F6 put the focus on the Adapt button of the 0 px column
        target = move_to_pane(w.panes(), True)
        assert target is not None and not column.isAncestorOf(target)
    # nor does Tab: no control of the folded column takes it (before: every button, unseen)
    assert not any(takes_tab(c) for c in column.findChildren(QWidget))
    _view_items(w)["Side Panels"].trigger()
    qtbot.wait(50)
    assert any(takes_tab(c) for c in column.findChildren(QWidget))
    w.results.setFocus()
    assert pane_of(w.panes(), move_to_pane(w.panes(), True)) == 3  # the column, in the list's place


def test_a_list_the_user_hid_stays_hidden_when_the_window_widens(qtbot, dirs, tmp_path):
    """Only a list that gave way to the column comes back by itself (session 36, mutation36: VM2). Hidden by the
    user (Ctrl+1) after it was asked back, or before the column was asked for (the column then has the list's
    room beside the map), it stays hidden."""
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    items = _view_items(w)
    items["Side Panels"].trigger()  # the list gives way
    qtbot.wait(100)
    items["Photo List"].trigger()  # asked back: the column folds
    qtbot.wait(100)
    items["Photo List"].trigger()  # and hidden by the user
    qtbot.wait(100)
    assert w.query_list.isHidden()
    _at(qtbot, w, (1440, 900))
    assert w.query_list.isHidden() and not items["Photo List"].isChecked()

    w2 = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w2, (683, 384))
    items = _view_items(w2)
    items["Photo List"].trigger()  # hidden by the user first
    qtbot.wait(100)
    items["Side Panels"].trigger()
    qtbot.wait(100)
    _at(qtbot, w2, (1440, 900))
    assert w2.query_list.isHidden() and not items["Photo List"].isChecked()


def test_hiding_the_column_that_took_the_lists_place_gives_the_list_back(qtbot, dirs, tmp_path):
    """mutation36: VM10 (the list left hidden until the window widened)."""
    w = _populated(qtbot, dirs, tmp_path)
    _at(qtbot, w, (683, 384))
    items = _view_items(w)
    items["Side Panels"].trigger()
    qtbot.wait(100)
    assert w.query_list.isHidden()
    items["Side Panels"].trigger()
    qtbot.wait(100)
    assert not w.query_list.isHidden() and w.query_list.width() > 0 and items["Photo List"].isChecked()
    assert w.side_scroll.isHidden()


def test_a_saved_view_that_is_not_one_is_ignored_and_one_with_every_panel_hidden_hides_the_column(qtbot, tmp_path):
    """PaneSwitches.restore: JSON that is not an object (another version's, or a hand edit) changes nothing and
    raises nothing (mutation36: VM16 raised AttributeError on a list, as the window opened); a state whose
    panels are all hidden hides the column too, not an empty column (VM14)."""
    import json

    w = app_window(qtbot, tmp_path, name="r", show=True)
    switches = w.pane_switches
    for text in ("[1, 2]", "3", '"side"', "null", "{not json", None):
        assert switches.restore(text) is False
    assert not w.side_scroll.isHidden() and not w.query_list.isHidden()
    state = {"list": True, "side": True, "hidden_panels": list(PANELS), "list_gave_way": False}
    assert switches.restore(json.dumps(state)) is True
    assert w.side_scroll.isHidden() and not _view_items(w)["Side Panels"].isChecked()
