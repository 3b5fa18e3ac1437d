"""File → Free Disk Space… (session 20, mend20): the app's `geolocator cache --prune DAYS`. Before, the
app had no way to remove old feature stores or north-up copies (prune19's record: CLI only)."""

from __future__ import annotations

import os
import shutil
import time

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PySide6.QtWidgets import QMessageBox  # noqa: E402

from geolocator.core.store_prune import DAY_S  # noqa: E402
from geolocator.gui import number_input  # noqa: E402

from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def _old(path, size, days):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"\0" * size)
    t = time.time() - days * DAY_S
    os.utime(path, (t, t))
    return path


def _free_space_confirmed(qtbot, dirs, monkeypatch):  # noqa: F811
    """The app opened, Free Disk Space… run with 30 days and its question answered Yes, waited until it
    says what it freed: (window, [question texts])."""
    asked = []
    monkeypatch.setattr(number_input, "ask_whole", lambda *a, **k: (30, True))

    def question(parent, title, text, *a, **k):
        asked.append(text)
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    w = make_window(qtbot, dirs)
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: "freed." in w.message_bar.text, timeout=60_000)
    wait_idle(qtbot, w)
    return w, asked


def test_free_disk_space_says_what_it_frees_asks_then_removes_only_the_old(qtbot, dirs, monkeypatch):  # noqa: F811
    northup = dirs / "northup"
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(northup))
    stores = dirs / "features" / "stores"
    _old(stores / "old-store" / "features.npy", 2_000_000, 40)
    _old(stores / "new-store" / "features.npy", 500_000, 2)
    _old(northup / "rot-0123456789abcdef.tif", 1_100_000, 40)
    asked = []
    monkeypatch.setattr(number_input, "ask_whole", lambda *a, **k: (30, True))

    def question(parent, title, text, *a, **k):
        asked.append((title, text))
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    w = make_window(qtbot, dirs)
    assert w.act_free_space in w.menuBar().actions()[0].menu().actions()  # in the File menu
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: "freed." in w.message_bar.text, timeout=60_000)
    wait_idle(qtbot, w)
    [(title, text)] = asked
    assert title == "Free Disk Space"
    # each part's size, then the whole (session 30: the brief asked how much each part frees)
    assert text.startswith("Remove 1 feature store (2.0 MB) and 1 north-up copy (1.1 MB) not used for 30 days? "
                           "3.1 MB will be freed.")
    assert not (stores / "old-store").exists() and not (northup / "rot-0123456789abcdef.tif").exists()
    assert (stores / "new-store").exists()
    assert w.message_bar.text.startswith("Removed 1 feature store (2.0 MB) and 1 north-up copy (1.1 MB): 3.1 MB freed.")
    w.close()


def test_declined_or_nothing_old_removes_nothing(qtbot, dirs, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    store = _old(dirs / "features" / "stores" / "old-store" / "features.npy", 1000, 40)
    monkeypatch.setattr(number_input, "ask_whole", lambda *a, **k: (30, True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.No)
    w = make_window(qtbot, dirs)
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=60_000)
    qtbot.wait(200)
    assert store.exists()
    shutil.rmtree(store.parent)
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: "Nothing to free" in w.message_bar.text, timeout=60_000)
    w.close()


def test_free_disk_space_counts_and_removes_old_adaptation_checkpoints(qtbot, dirs, monkeypatch):  # noqa: F811
    """mend21: an interrupted adaptation keeps its checkpoint in <cache>/adapt-resume/ (up to 4, ~32 MB
    each on the demo); `geolocator cache` lists them and --prune removes the old ones, but the app's
    Free Disk Space neither counted nor removed them (they were not in the question nor the result).
    Now the same core functions (store_prune.list_adapt_checkpoints / prune_adapt_checkpoints) do."""
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    resume = dirs / "features" / "adapt-resume"
    old = _old(resume / "aaaa.safetensors", 3_000_000, 40)
    old_card = _old(resume / "aaaa.safetensors.json", 1000, 40)
    new = _old(resume / "bbbb.safetensors", 3_000_000, 1)
    w, asked = _free_space_confirmed(qtbot, dirs, monkeypatch)
    assert asked == ["Remove 1 checkpoint of an interrupted adaptation not used for 30 days? 3.0 MB will be "
                     "freed. That adaptation, run again, starts from its first round."]
    assert not old.exists() and not old_card.exists() and new.exists()
    assert w.message_bar.text.startswith("Removed 1 checkpoint of an interrupted adaptation: 3.0 MB freed.")
    w.close()


def test_a_checkpoint_that_cannot_be_removed_is_not_called_in_use(qtbot, dirs, monkeypatch):  # noqa: F811
    """prune_adapt_checkpoints' second list holds checkpoints it could not remove (a permission error);
    nothing holds a checkpoint open, so the first wording of this session ("1 kept: in use") was wrong."""
    from geolocator.core import store_prune

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    stuck = _old(dirs / "features" / "adapt-resume" / "cccc.safetensors", 2_000_000, 40)
    monkeypatch.setattr(store_prune, "prune_adapt_checkpoints",
                        lambda root, days, now=None: ([], store_prune.list_adapt_checkpoints(root)))
    monkeypatch.setattr(number_input, "ask_whole", lambda *a, **k: (30, True))
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    w = make_window(qtbot, dirs)
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: "freed." in w.message_bar.text, timeout=60_000)
    wait_idle(qtbot, w)
    assert "in use" not in w.message_bar.text and stuck.exists()
    assert f"1 checkpoint could not be removed (in {dirs / 'features' / 'adapt-resume'})." in w.message_bar.text
    w.close()


def test_free_disk_space_counts_and_removes_old_video_frames_beside_the_stores(qtbot, dirs, monkeypatch):  # noqa: F811
    """session 30: the sampled video frames (the frame cache, ~0.3-0.5 MB a frame) were counted and pruned by
    `geolocator cache --prune` only; the app's Free Disk Space neither counted nor removed them. Now it does,
    with core.media.frame_prune's own functions, and says how much each part frees."""
    from PIL import Image

    frames = dirs / "frames"
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(frames))
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    store = _old(dirs / "features" / "stores" / "old-store" / "features.npy", 2_000_000, 40)
    old, new = [], []
    for i in range(3):
        for days, kept in ((40, old), (2, new)):
            path = frames / f"{i}{days % 10}" / f"frame{i}-{days}.jpg"
            path.parent.mkdir(parents=True, exist_ok=True)
            Image.effect_noise((400, 400), 60).convert("RGB").save(path, "JPEG", quality=95)
            t = time.time() - days * DAY_S
            os.utime(path, (t, t))
            kept.append(path)
    frame_bytes = sum(p.stat().st_size for p in old)
    assert frame_bytes > 100_000  # noise: a JPEG of real size
    w, asked = _free_space_confirmed(qtbot, dirs, monkeypatch)
    from geolocator.core.wording import megabytes

    both = megabytes(2_000_000 + frame_bytes)
    [text] = asked
    assert text == (f"Remove 1 feature store (2.0 MB) and 3 sampled video frames ({megabytes(frame_bytes)}) not used "
                    f"for 30 days? {both} will be freed. Features are computed again (slower) the next time their "
                    "tiles are used. A video frame needed again is decoded again from its video (answers already "
                    "made are kept).")
    assert not any(p.exists() for p in old) and all(p.exists() for p in new) and not store.exists()
    assert w.message_bar.text == (f"Removed 1 feature store (2.0 MB) and 3 sampled video frames "
                                  f"({megabytes(frame_bytes)}): {both} freed.")
    w.close()


def test_only_old_video_frames_are_one_part_said_once(qtbot, dirs, monkeypatch):  # noqa: F811
    """Frames alone: the question names them with the total only (no part's size repeated), and a
    'nothing to free' names the frame cache among the places looked in."""
    from PIL import Image

    frames = dirs / "frames"
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(frames))
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    path = frames / "ab" / "cdef.jpg"
    path.parent.mkdir(parents=True)
    Image.new("RGB", (64, 48)).save(path, "JPEG")
    t = time.time() - 40 * DAY_S
    os.utime(path, (t, t))
    asked = []
    monkeypatch.setattr(number_input, "ask_whole", lambda *a, **k: (30, True))
    monkeypatch.setattr(QMessageBox, "question",
                        lambda parent, title, text, *a, **k: asked.append(text) or QMessageBox.StandardButton.No)
    w = make_window(qtbot, dirs)
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=60_000)
    wait_idle(qtbot, w)
    assert asked[0].startswith("Remove 1 sampled video frame not used for 30 days? under 1 MB will be freed. "
                               "A video frame needed again")
    assert path.exists()  # declined
    path.unlink()
    w.act_free_space.trigger()
    qtbot.waitUntil(lambda: "Nothing to free" in w.message_bar.text, timeout=60_000)
    assert "sampled video frames" in w.message_bar.text and str(frames) in w.message_bar.text
    w.close()


def test_free_disk_space_counts_and_removes_old_keypoints_and_photo_features(qtbot, dirs, monkeypatch):  # noqa: F811
    """session 32 (newuser32): tile keypoints (33 MB of a new user's 37 MB cache), photo features and kept
    checks beside the stores were neither counted nor removed, by the CLI or the app (core/cache_files.py)."""
    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(dirs / "northup"))
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(dirs / "frames"))
    cache = dirs / "features"
    old = _old(cache / "keypoints" / "ab" / "0123.npz", 1_500_000, 40)
    recent = _old(cache / "keypoints" / "cd" / "4567.npz", 700_000, 2)
    w, asked = _free_space_confirmed(qtbot, dirs, monkeypatch)
    assert asked == ["Remove 1 file of photo features, tile keypoints and kept checks not used for 30 days? 1.5 MB "
                     "will be freed. Features are computed again (slower) the next time their tiles are used."]
    assert w.message_bar.text == "Removed 1 file of photo features, tile keypoints and kept checks: 1.5 MB freed."
    assert not old.exists() and recent.exists()
    w.close()
