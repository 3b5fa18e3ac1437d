"""A run says at its START what an earlier run left (flushcancel35): newuser35 pressed Ctrl-C while tile
features were computed, and only the end of the next run ("verify: N of M photos resumed ...") told that
a rerun resumes. Now the tiles' stage and verification each say it once, as they start: a CLI log line
and the app's status bar (ProgressEvent metrics[EARLIER_RUN])."""

from __future__ import annotations

import logging

import pytest

from geolocator.core.errors import Cancelled
from geolocator.core.extract import extract_into_store
from geolocator.core.progress import CancelToken
from geolocator.core.store import FeatureStore
from geolocator.core.wording import EARLIER_RUN, earlier_run_line
from tests.test_extract import _tiles, tiny_backbone


def test_the_lines():
    assert earlier_run_line("tiles", 44, 121) == ("tiles: 44 of 121 tiles have features from an earlier run (kept in "
                                                  "the cache folder); the other 77 are computed now")
    assert earlier_run_line("tiles", 1, 2) == ("tiles: 1 of 2 tiles has features from an earlier run (kept in the "
                                               "cache folder); the other 1 is computed now")
    assert earlier_run_line("tiles", 1200, 1200).endswith("of 1,200 tiles have features from an earlier run "
                                                          "(kept in the cache folder); none to compute")
    assert earlier_run_line("photos", 34, 108) == ("verify: 34 of 108 photos were checked by an earlier run (kept in "
                                                   "the cache folder); they resume where it stopped")
    assert earlier_run_line("photos", 1, 1) == ("verify: 1 of 1 photo was checked by an earlier run (kept in the "
                                                "cache folder); it resumes where it stopped")
    with pytest.raises(ValueError):
        earlier_run_line("videos", 1, 2)


def _said(caplog, events, stage):
    logged = [m for m in caplog.messages if "from an earlier run" in m or "by an earlier run" in m]
    shown = [e.metrics[EARLIER_RUN] for e in events if e.stage == stage and EARLIER_RUN in e.metrics]
    return logged, shown


def test_a_rerun_after_a_cancel_says_at_once_how_many_tiles_it_keeps(tmp_path, caplog):
    tiles = _tiles(tmp_path / "tiles", 9)
    token, calls = CancelToken(), []

    def hook(x):
        calls.append(1)
        if len(calls) == 4:
            token.cancel()

    bb = tiny_backbone(encode_hook=hook)
    root = tmp_path / "stores" / "s"
    with caplog.at_level(logging.INFO, logger="geolocator"), pytest.raises(Cancelled):
        extract_into_store(tiles, bb, _store(root, bb), batch_size=1, workers=1, cancel=token)
    assert _said(caplog, [], "extract:tiles") == ([], [])  # a first run has nothing to say
    caplog.clear()
    events = []
    with caplog.at_level(logging.INFO, logger="geolocator"):
        extract_into_store(tiles, bb, _store(root, bb), batch_size=1, workers=1, progress=events.append)
    line = earlier_run_line("tiles", 4, 9)
    assert _said(caplog, events, "extract:tiles") == ([line], [line])
    first = next(e for e in events if EARLIER_RUN in e.metrics)
    assert first is events[0] or all(e.step == 0 for e in events[: events.index(first)])  # at the start


def _store(root, bb):
    return FeatureStore(root, signature=bb.signature, views=("rot0",), dim=bb.dim)


@pytest.mark.slow
def test_a_rerun_after_a_cancelled_locate_says_at_the_start_of_verification_how_many_photos_it_keeps(tmp_path, caplog):
    from .demo_features import demo_workspace, load_demo_features
    from .test_pair_store import cancel_after_second_photo

    features = load_demo_features()
    ws, region = demo_workspace(tmp_path / "run", features, verify_candidates=3, verify_workers=1)
    photos = region.queries[10:16]
    cancel_after_second_photo(ws, photos)
    again, _ = demo_workspace(tmp_path / "run", features, verify_candidates=3)
    events = []
    with caplog.at_level(logging.INFO, logger="geolocator"):
        again.locate(photos, progress=events.append)
    line = earlier_run_line("photos", 2, 6)
    logged, shown = _said(caplog, events, "verify")
    assert logged == [line] and shown == [line]
    verify = [e for e in events if e.stage == "verify"]
    assert EARLIER_RUN in verify[0].metrics and verify[0].step == 0  # before any photo is verified
    assert again.last.resumed == 2  # the end-of-run count is unchanged by reading the checks up front
    events.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="geolocator"):
        again.locate(photos, progress=events.append)  # its own checks, in memory: no earlier run's
    assert _said(caplog, events, "verify") == ([], [])


def test_the_app_shows_it_in_the_status_bar(qtbot, tmp_path, monkeypatch):
    from geolocator.core.progress import ProgressEvent

    from .test_gui_first_hour import make_window

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    w = make_window(qtbot, tmp_path)
    line = earlier_run_line("tiles", 44, 121)
    w._on_progress(ProgressEvent("job", 10, 1000, "44 in the store, 77 to compute", None,
                                 {EARLIER_RUN: line, "stage": "extract:tiles"}))
    assert w.statusBar().currentMessage() == line
    w.close()
