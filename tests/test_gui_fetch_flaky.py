"""The app's Get Imagery against a flaky 127.0.0.1 server says what happened, what is kept and how to
resume (gui/imagery_dialog.py, gui/warnings_log.py).

Session 21 drove the app offscreen (training/results/mend_session21.md, section 7): with 3 tiles of
20 always cut short, the warning "17 tiles fetched; … 3 failed (fetch again to retry them)" was
shown and at once replaced by the opened tile set's own message (the backbone notice), so the user
saw no word of the gaps in the map; with the server gone mid-download the app said the CLI's "run
the same command again". Both tests failed before the fix."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.core.sources import fetch as F  # noqa: E402
from geolocator.gui.imagery_dialog import start_fetch  # noqa: E402

from .test_imagery_dialog import _dialog, _window, photos, tiles  # noqa: E402,F401
from .tile_server import TileServer  # noqa: E402


def test_tiles_that_never_come_whole_are_said_beside_the_opened_tile_set(qtbot, tmp_path, photos, tiles,
                                                                         monkeypatch):
    monkeypatch.setattr(F, "fetch_tiles", functools.partial(F.fetch_tiles, backoff_s=0.01, max_wait_s=1.0))
    w = _window(qtbot, tmp_path)
    d = _dialog(qtbot, tmp_path, photos, "http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.zoom.setValue(19)
    d.margin.setValue(30)
    d._accept()
    bad = sorted(d.plan.tiles)[1]
    cut = (200, {"Content-Type": "image/jpeg"}, tiles[bad][: len(tiles[bad]) // 2])
    slow = (429, {"Retry-After": "0", "Content-Type": "text/plain"}, b"slow down")
    script = {bad: [cut] * 20, sorted(d.plan.tiles)[0]: [slow], sorted(d.plan.tiles)[2]: [(500, {}, b"")] * 2}
    with TileServer(tiles, script) as server:
        d.url.setText(server.url)
        d._accept()
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: w.tileset_path == d.plan.out and not w.runner.busy, timeout=120_000)
    text = w.message_bar.text
    assert w.message_bar.level == "warning"
    assert f"1 tile of {len(d.plan.tiles)} could not be fetched (the image the server sent is cut short" in text
    assert f"kept in {d.plan.out} and opened" in text  # what is kept
    assert "Get Imagery for This Area… with the same area and file to fetch only the ones missing" in text  # how
    w.close()


def test_a_server_gone_mid_download_is_said_in_the_apps_words():
    """The CLI's message says "run the same command again"; the app has its dialog instead."""
    from geolocator.gui.main_window import _user_message

    exc = F.ServiceLost("127.0.0.1:8766", 8, "ConnectError: [Errno 111] Connection refused after 6 attempts",
                        144, 198, Path("/data/area.mbtiles"))
    assert "run the same command again to fetch the other 198" in str(exc)  # the CLI's words stay
    said = _user_message(exc)
    assert said.startswith("127.0.0.1:8766 stopped answering: the last 8 tiles could not connect (ConnectError")
    assert "The 144 tiles fetched before it stopped are kept in /data/area.mbtiles" in said
    assert "choose File → Get Imagery for This Area… with the same area and file: only the other 198" in said
    assert "command" not in said
    silent = F.ServiceLost("127.0.0.1:8766", 12, "ReadTimeout: timed out after 6 attempts", 144, 198,
                           Path("/data/area.mbtiles"), silent_s=62.4)
    said = _user_message(silent)  # a link gone silent (session 30): how long nothing answered
    assert said.startswith("127.0.0.1:8766 stopped answering: nothing answered for 62 s (12 requests in a row got no "
                           "answer; the last: ReadTimeout: timed out after 6 attempts); the link or the service is down. "
                           "The 144 tiles fetched before it stopped are kept in /data/area.mbtiles")


def test_cancel_in_the_app_answers_within_seconds_while_every_request_hangs(qtbot, tmp_path, photos, tiles):
    # session 30: a stalled link (the server takes each request and sends nothing); Esc / Cancel waited
    # for every hanging request's 30 s read timeout before the app was free again (26 s measured)
    import time

    w = _window(qtbot, tmp_path)
    d = _dialog(qtbot, tmp_path, photos, "http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.zoom.setValue(19)
    d.margin.setValue(60)
    d._accept()
    stall = {t: [("slow", 60)] for t in d.plan.tiles}
    with TileServer(tiles, stall) as server:
        d.url.setText(server.url)
        d._accept()
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: len(server.log) >= 4, timeout=30_000)
        t0 = time.monotonic()
        w.cancel()
        qtbot.waitUntil(lambda: not w.runner.busy, timeout=60_000)
        took = time.monotonic() - t0
    assert took < 5, f"the app was busy {took:.1f} s after Cancel"
    assert "Fetching cancelled before any tile came; nothing was saved." in w.message_bar.text
    w.close()
