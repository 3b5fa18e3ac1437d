"""core/compute_lock.py: one run at a time computes a feature store's tile features (resume37).
newuser37 (row 11) started two `locate`s at once on one fresh cache folder: each computed all 49 tiles'
features (112 s and 110 s side by side); the second now waits for the first and reads its rows."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from filelock import FileLock

from geolocator.core.compute_lock import COMPUTE_LOCK, computing_alone, waiting_line
from geolocator.core.errors import Cancelled
from geolocator.core.progress import CancelToken

from .test_extract import _tiles, tiny_backbone


def _hold_then_release(lock: FileLock, held: threading.Event, release: threading.Event, work=None):
    def run():
        with lock:
            held.set()
            if work is not None:
                work()
            release.wait(30)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    assert held.wait(30)
    return t


def test_a_run_waits_while_another_computes_and_says_so_once(tmp_path, caplog):
    held, release = threading.Event(), threading.Event()
    other = _hold_then_release(FileLock(str(tmp_path / COMPUTE_LOCK)), held, release)
    events = []
    threading.Timer(1.5, release.set).start()
    began = time.monotonic()
    with caplog.at_level(logging.INFO, logger="geolocator"):
        with computing_alone(tmp_path, total=9, progress=events.append, poll_s=0.2) as waited:
            assert not other.is_alive() or release.is_set()  # the other one let go first
    assert waited and time.monotonic() - began >= 1.0
    assert [m for m in caplog.messages if "another geolocator" in m] == [waiting_line(tmp_path)]
    assert events and all(e.stage == "extract:tiles" and e.total == 9 and "waiting" in e.message for e in events)
    with computing_alone(tmp_path) as again:  # released: the next run takes it at once
        assert again is False


def test_cancel_while_waiting(tmp_path):
    held, release = threading.Event(), threading.Event()
    _hold_then_release(FileLock(str(tmp_path / COMPUTE_LOCK)), held, release)
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    try:
        with pytest.raises(Cancelled):
            with computing_alone(tmp_path, cancel=token, poll_s=0.1):
                pytest.fail("ran while another held the lock")
    finally:
        release.set()


def test_a_folder_that_cannot_hold_the_lock_runs_at_once(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with computing_alone(tmp_path / "file" / "store") as waited:
        assert waited is False


def test_a_second_workspace_reads_the_features_the_first_computed_instead_of_computing_them(tmp_path):
    """Workspace.index on a store whose compute lock another run holds while it computes every tile:
    it waits, then computes none itself (its backbone encodes nothing) and has every tile's row.
    Before the fix it computed all of them side by side with the other run."""
    from geolocator.core.extract import extract_into_store
    from geolocator.core.model import TileSet
    from geolocator.core.pipeline import Settings, Workspace
    from geolocator.core.store import FeatureStore

    tiles = _tiles(tmp_path / "tiles", 5)
    encoded = []
    ws = Workspace(Settings(cache_dir=tmp_path / "cache", adapter_dir=tmp_path / "adapters", device="cpu"))
    ws.open_tiles(TileSet(tuple(tiles), tmp_path / "tiles"))
    ws._backbone = tiny_backbone(encode_hook=encoded.append)
    root = ws.store_root()
    other_bb = tiny_backbone()

    def other_run():  # the first locate: computes every tile into the same store, holding the lock
        store = FeatureStore(root, signature=other_bb.signature, views=ws.views()[0], dim=other_bb.dim,
                             dtype=ws.settings.store_dtype)
        time.sleep(0.5)
        extract_into_store(tiles, other_bb, store)

    held, release = threading.Event(), threading.Event()
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / COMPUTE_LOCK))
    other = _hold_then_release(lock, held, release, work=lambda: (other_run(), release.set()))
    features = ws.index()
    other.join(30)
    assert encoded == []  # nothing computed here: the other run's rows were read
    assert features.shape[0] == 5 and float(abs(features).sum()) > 0
