"""Session 35 (newuser35): the app's status bar read "imagery: Imagery: 127.0.0.1:8801 (the provider's
required attribution was not given)" for a folder fetch-tiles wrote from a plain URL (the credit line
it records begins with the word); the CLI has said it once since session 32 (core.wording.imagery_line)."""

from __future__ import annotations

import json

from PIL import Image

from .test_gui_first_hour import make_window, wait_idle


def _folder(root, attribution):
    for y in (100, 101):
        d = root / "17" / "200"
        d.mkdir(parents=True, exist_ok=True)
        Image.new("RGB", (256, 256), (60, 90 + y, 40)).save(d / f"{y}.jpg")
    (root / "metadata.json").write_text(json.dumps({"source": "127.0.0.1:8801", "attribution": attribution,
                                                    "scheme": "xyz"}), encoding="utf-8")
    return root


def test_the_status_bar_credits_the_imagery_once(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    placeholder = "Imagery: 127.0.0.1:8801 (the provider's required attribution was not given)"
    w = make_window(qtbot, tmp_path)
    w.open_tileset(_folder(tmp_path / "fetched", placeholder))
    wait_idle(qtbot, w)
    text = w.tileset_label.text()
    assert text.endswith(f"  ·  {placeholder}"), text
    w.open_tileset(_folder(tmp_path / "credited", "© Example Maps"))
    wait_idle(qtbot, w)
    assert w.tileset_label.text().endswith("  ·  imagery: © Example Maps"), w.tileset_label.text()


def test_cancel_says_the_tiles_features_are_kept_too(qtbot, tmp_path):
    """Cancel while a new tile set's features were computed (the first minutes on a fresh area) said "Photos
    already verified … are kept": the rerun's indexing resumes from the committed chunks too (core/store.py)."""
    w = make_window(qtbot, tmp_path)
    w._on_cancelled()
    text = w.message_bar.text
    assert "The tiles' features computed so far, photos already verified" in text, text
    assert "add the photos again, or Adapt) resumes where it stopped" in text
