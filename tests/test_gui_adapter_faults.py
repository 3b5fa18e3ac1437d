"""A tile set's saved adapter that cannot be used, as a person sees it (session 36, appwalk36).

Before, opening a tile set whose adapter file was cut short put the whole path and safetensors' own words in
the message bar and the adapter panel ("The saved adapter was not loaded: /…/adapters/tiny-tiny0-….safetensors:
not a readable adapter file (corrupt or not safetensors): Error while deserializing header: incomplete metadata,
file not fully covered"), twice the path the panel already shows under it, and nothing said what to do. Now
one sentence says what is wrong and what to do; the reader's words are behind Details… and the tooltip.
The app keeps working: the photos are located with the frozen backbone, and Adapt makes a new file in its place."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402
from .test_extract import tiny_backbone  # noqa: E402
from .test_gui_first_hour import dirs, tiny_tileset, wait_idle  # noqa: E402,F401


def _opened_with(qtbot, dirs, write_adapter):  # noqa: F811
    """The app (tiny backbone) opening a tile set whose saved adapter `write_adapter(path)` wrote."""
    csv = tiny_tileset(dirs / "region", n=3)
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True, adapt_steps=4), show=True,
                   tile_views=("rot0",), verify=False)
    w.session.ws.set_backbone("tiny", loaded=tiny_backbone())
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    path = w.session.ws.default_adapter_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_adapter(path)
    w.open_tileset(csv)  # again: the saved adapter is read when a tile set opens
    wait_idle(qtbot, w)
    return w, path


def test_a_cut_short_adapter_is_said_in_one_sentence_and_the_app_goes_on(qtbot, dirs):  # noqa: F811
    w, path = _opened_with(qtbot, dirs, lambda p: p.write_bytes(b"\x40\x00\x00\x00\x00\x00\x00\x00{\"a\""))
    text = w.message_bar.text
    assert w.last_outcome == "done" and w.message_bar.level == "warning"
    assert "The saved adapter of this tile set is damaged" in text and "Adapt to This Region makes a new one" in text
    assert str(path) not in text and "deserializing" not in text and "safetensors" not in text  # before: both
    assert str(path) in w.message_bar._details and "not a readable adapter file" in w.message_bar._details
    status = w.adapter_panel.status
    assert status.text().startswith("The saved adapter of this tile set is damaged") and str(path) not in status.text()
    assert "not a readable adapter file" in status.toolTip()
    assert w.adapter_panel.card.text() == str(path)  # where it is, once
    assert w.adapter_panel.delete_btn.isEnabled()  # the way out it names


def test_an_adapter_of_another_backbone_says_so(qtbot, dirs):  # noqa: F811
    def other(path):
        from geolocator.core.adapt.adapter import SharedAutoEncoder
        from geolocator.core.adapt.checkpoint import save_adapter

        model = SharedAutoEncoder(dim=16, hidden=8)
        save_adapter(path, model, {"arch": model.arch(), "backbone": "dinov2_vits14"})

    w, path = _opened_with(qtbot, dirs, other)
    assert w.message_bar.text.startswith("The saved adapter of this tile set was made for another backbone")
    assert "'dinov2_vits14'" in w.message_bar._details and "'tiny'" in w.message_bar._details
    assert json.loads(path.with_name(path.name + ".json").read_text())["backbone"] == "dinov2_vits14"  # left alone
