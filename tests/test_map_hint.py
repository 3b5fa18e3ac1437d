"""The empty map pane says how to get a map (newuser session 15: a blank white pane with no hint)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from geolocator.core.wording import empty_map_hint  # noqa: E402

from .test_gui_first_hour import dirs, make_window, tiny_tileset, wait_idle  # noqa: E402,F401 - fixture


def test_the_hint_names_the_shortcut_when_there_is_one():
    assert empty_map_hint("Ctrl+Shift+O") == ("Open a tile set (Ctrl+Shift+O) or get imagery for this area "
                                              "(File menu) to see the map.")
    assert empty_map_hint("") == "Open a tile set or get imagery for this area (File menu) to see the map."


def test_the_empty_map_shows_the_hint_on_top_until_a_map_is_shown(qtbot, dirs):  # noqa: F811
    w = make_window(qtbot, dirs)
    w.resize(1024, 700)
    view = w.map_view
    # Chromium's render widget (the view's focus proxy) is added once the view is shown; the hint
    # must stay above it, so the widget under the pane's centre is the hint.
    qtbot.waitUntil(lambda: view.focusProxy() is not None, timeout=30_000)
    qtbot.wait(200)
    assert view.hint.isVisible()
    assert view.hint.text() == empty_map_hint("Ctrl+Shift+O")  # the action's shortcut, as Qt writes it
    assert view.childAt(view.rect().center()) is view.hint
    assert view.hint.geometry() == view.rect()

    w.open_tileset(tiny_tileset(dirs / "region"))
    wait_idle(qtbot, w)
    qtbot.waitUntil(lambda: view.loaded_path is not None, timeout=30_000)
    assert not view.hint.isVisible()
    w.close()


def test_a_map_that_cannot_be_drawn_is_covered_by_a_hint_saying_so(qtbot, dirs):  # noqa: F811
    """Session 20: on a full disk the app's page cannot be written (Session.write_map returns None).
    The pane must not go on showing the earlier map as if it held the new results."""
    from geolocator.core.wording import MAP_NOT_DRAWN

    w = make_window(qtbot, dirs)
    w.resize(1024, 700)
    view = w.map_view
    w.open_tileset(tiny_tileset(dirs / "region"))
    wait_idle(qtbot, w)
    qtbot.waitUntil(lambda: view.loaded_path is not None, timeout=30_000)
    shown = view.loaded_path
    view.show_map(None)
    assert view.loaded_path is None and view.hint.isVisible() and view.hint.text() == MAP_NOT_DRAWN
    assert view.hint.geometry() == view.rect()
    view.show_map(shown)  # the next page that could be written hides it again
    assert not view.hint.isVisible()
    w.close()
