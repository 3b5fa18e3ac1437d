"""The app samples a video as often as the person chooses (session 30, video30). Before, a video dropped on
the app was sampled every second whatever its length (README: "for a long video use the command line with
`--every 5` or more"): a 30 min clip was 1,800 frames to locate. Now File → Video Frames… sets the interval
(or leaves it automatic from the video's length: core.media.video.auto_every_s), kept in settings.json; each
video added is said with its frame count and an estimate of the time locating them takes; changing the
interval samples the listed videos again, reusing the frames whose times coincide and keeping every answer
already made; the sampling is a step with its own progress and Cancel, and a cancelled one keeps its frames.
Short videos made in the test stand for long ones (AUTO_MAX_FRAMES lowered)."""

from __future__ import annotations

import re

import time

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PIL import Image  # noqa: E402

from geolocator.core.media import video as V  # noqa: E402
from geolocator.core.wording import about_duration  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402
from geolocator.gui.video_frames import DEFAULT_LOCATE_S_PER_FRAME, sampling_line  # noqa: E402

from .flight_helpers import write_video  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def _clip(path, seconds: int, fps: int = 2, size=(96, 64), green: int = 90):
    # `green`: two clips of one length differ (byte-identical files are one video: core/media/copies.py)
    frames = [Image.new("RGB", size, ((20 + 5 * i) % 250, green, 60)) for i in range(seconds * fps)]
    return write_video(path, frames, fps)


def _names(w) -> list[str]:
    return [w.query_list.topLevelItem(i).text(0) for i in range(w.query_list.topLevelItemCount())]


def _cached(folder) -> int:
    return len(list(folder.rglob("*.jpg"))) if folder.is_dir() else 0


@pytest.fixture
def frames(dirs, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(dirs / "frames"))
    return dirs / "frames"


def test_a_long_video_is_sampled_automatically_and_said_with_its_count_and_time(qtbot, dirs, frames, tmp_path,  # noqa: F811
                                                                                  monkeypatch):
    monkeypatch.setattr(V, "AUTO_MAX_FRAMES", 6)  # a 12 s clip stands for a long video: 12 frames would be too many
    clip = _clip(tmp_path / "clip.mp4", 12)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True))
    assert w.settings.video_every_s is None  # automatic unless chosen
    w.add_paths([clip])
    wait_idle(qtbot, w)
    assert _names(w) == [f"clip.mp4#t={t}" for t in (0, 2, 4, 6, 8, 10)]
    estimate = about_duration(6 * DEFAULT_LOCATE_S_PER_FRAME)
    assert (f"clip.mp4 (0:12), no recorded time: 6 frames, one every 2 s (automatic for its length; every second would be 12). "
            f"Locating them takes {estimate} ({DEFAULT_LOCATE_S_PER_FRAME:.1f} s a frame, measured on a 2-core CPU; "
            "the app measures its own pace once it has located some). File → Video Frames… sets how often."
            ) in w.message_bar.text.splitlines()
    assert _cached(frames) == 6  # sampled into the frame cache while reading, before the thumbnails
    assert all(w.query_list.topLevelItem(i).thumb for i in range(6))
    # sampled again (the listed video: load_queries would now say it is listed already, session 30's
    # join_queries): every frame comes from the frame cache; the app's own pace, once measured, is the one said
    [again] = w.session.resample_videos({clip: "clip.mp4"}, every_s=None).videos
    assert (again.frames, again.decoded, again.reused, again.every_s, again.automatic) == (6, 0, 6, 2.0, True)
    assert sampling_line(again, 30.0).endswith("(automatic for its length; every second would be 12; 6 of them "
                                               "sampled before, reused). Locating them takes about 3 min (30.0 s a "
                                               "frame, this app's pace so far). File → Video Frames… sets how often.")
    w.close()


def test_changing_the_interval_reuses_coinciding_frames_and_keeps_answers(qtbot, dirs, frames, tmp_path):  # noqa: F811
    clip = _clip(tmp_path / "clip.mp4", 12)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, video_every_s=4.0))
    w.add_paths([clip])
    wait_idle(qtbot, w)
    assert _names(w) == ["clip.mp4#t=0", "clip.mp4#t=4", "clip.mp4#t=8"]
    assert "one every 4 s (as chosen)" in w.message_bar.text and _cached(frames) == 3

    w.set_video_every(2.0)  # what File → Video Frames… calls
    wait_idle(qtbot, w)
    assert _names(w) == [f"clip.mp4#t={t}" for t in (0, 4, 8, 2, 6, 10)]  # the new ones after
    assert "6 frames, one every 2 s (as chosen; 3 of them sampled before, reused)" in w.message_bar.text
    assert _cached(frames) == 6  # only the three new times were decoded
    assert AppSettings.load(dirs / "w.json").video_every_s == 2.0  # kept for the next start

    w.failures["clip.mp4#t=2"] = "no tile matched"  # an answer already made (a frame that was located)
    w.set_video_every(6.0)
    wait_idle(qtbot, w)
    # 0 and 6 are the new sampling; 2 has an answer: kept; 4, 8 and 10 had none and are not sampled now: gone
    assert sorted(_names(w), key=lambda n: float(n.split("=")[1])) == ["clip.mp4#t=0", "clip.mp4#t=2",
                                                                        "clip.mp4#t=6"]
    assert set(w.queries) == {"clip.mp4#t=0", "clip.mp4#t=2", "clip.mp4#t=6"}
    assert "Kept with their answers: 1 frame sampled before at other times." in w.message_bar.text
    w.set_video_every(None)  # back to automatic: a 12 s clip is sampled every second
    wait_idle(qtbot, w)
    assert len(w.queries) == 12 and "automatic for its length" in w.message_bar.text
    assert AppSettings.load(dirs / "w.json").video_every_s is None
    w.close()


def test_sampling_shows_its_progress_and_cancel_keeps_the_frames_sampled(qtbot, dirs, frames, tmp_path,  # noqa: F811
                                                                        monkeypatch):
    clip = _clip(tmp_path / "long.mp4", 40)  # 40 frames a second apart
    store = V._store

    def slow_store(target, image):  # a 4K frame takes a good part of a second: so does each frame here
        time.sleep(0.1)
        store(target, image)

    monkeypatch.setattr(V, "_store", slow_store)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True))
    shown = []

    def on_progress(job, event):
        if (event.metrics or {}).get("stage") == "frames":
            shown.append((w.progress.label.text(), w.progress.bar.maximum(), w.progress.isVisible()))
            if len(shown) == 3:
                w.cancel()

    w.runner.progress.connect(on_progress)
    w.add_paths([clip])
    wait_idle(qtbot, w)
    assert len(shown) >= 3
    label, maximum, visible = shown[2]
    # the label is set by the bar's own slot: under load it may already show a later frame than the event's
    assert visible and maximum == 1000 and re.match(r"Sampling video frames · long\.mp4: \d+ of 40 frames", label), label
    assert any(" left (whole job)" in text for text, _, _ in shown)  # an ETA while it samples
    assert _names(w) == []  # nothing added: the reading was cancelled
    assert w.message_bar.text == ("Cancelled. The previous results are unchanged. Video frames already sampled "
                                  "are kept: adding the video again reuses them.")
    kept = _cached(frames)
    assert 0 < kept < 40
    monkeypatch.setattr(V, "_store", store)
    w.add_paths([clip])
    wait_idle(qtbot, w)
    assert len(_names(w)) == 40
    assert f"40 frames, one every 1 s (automatic for its length; {kept} of them sampled before, reused)" \
        in w.message_bar.text
    w.close()


def test_the_video_frames_box_and_the_setting(qtbot, dirs, tmp_path, monkeypatch):  # noqa: F811
    from PySide6.QtWidgets import QDialog

    from geolocator.gui import video_frames

    w = make_window(qtbot, dirs, AppSettings(demo_shown=True))
    assert w.act_video_frames in w.menuBar().actions()[0].menu().actions()  # in the File menu
    box = video_frames.VideoFramesDialog(w, None)
    assert box.automatic.isChecked() and not box.seconds.isEnabled() and box.every_s() is None
    box.fixed.setChecked(True)
    assert box.seconds.isEnabled()
    box.seconds.lineEdit().setText("2,5")  # a decimal comma reads as on any locale (number_input)
    assert box.every_s() == 2.5
    box = video_frames.VideoFramesDialog(w, 10.0)
    assert box.fixed.isChecked() and box.every_s() == 10.0

    chosen = []
    monkeypatch.setattr(video_frames.VideoFramesDialog, "exec", lambda self: (self.fixed.setChecked(True),
                                                                              self.seconds.setValue(7.5),
                                                                              QDialog.DialogCode.Accepted)[-1])
    monkeypatch.setattr(w, "set_video_every", chosen.append)
    w.act_video_frames.trigger()
    assert chosen == [7.5]
    w.close()
    w2 = make_window(qtbot, dirs, AppSettings(demo_shown=True), name="w2")
    assert w2.set_video_every(5.0) is None  # no video listed: kept and said, nothing to sample
    assert w2.message_bar.text == "Videos added from now on are sampled every 5 s."
    w2.close()


@pytest.mark.parametrize("value, kept", [(5, 5), (0.5, 0.5), (None, None), (0, None), (-1, None), ("5", None),
                                         (True, None), (5000, None), (float("nan"), None)])
def test_a_saved_interval_is_kept_only_when_it_is_one(tmp_path, value, kept):
    import json

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"video_every_s": value}) if value == value else '{"video_every_s": NaN}')
    assert AppSettings.load(path).video_every_s == kept


@pytest.mark.slow
def test_located_frames_keep_their_answers_when_the_interval_changes(qtbot, dirs, frames, tmp_path):  # noqa: F811
    """End to end on the demo tiles: a flight sampled every 2 s is located; the app measures its pace;
    sampling it every second adds and locates the 6 new frames and every earlier answer is still there."""
    from .flight_helpers import DEMO, straight_flight

    shots, _ = straight_flight(12, scale=1.0, out=(256, 192), span=(0.2, 0.45))
    clip = write_video(tmp_path / "DJI_0200.MP4", shots, fps=1)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, video_every_s=2.0))
    w.open_tileset(DEMO / "tiles.csv")
    wait_idle(qtbot, w)
    w.add_paths([clip])
    wait_idle(qtbot, w)
    first = {qid: p.top.tile.id for qid, p in w.predictions.items()}
    assert sorted(first) == sorted(f"DJI_0200.MP4#t={t}" for t in (0, 2, 4, 6, 8, 10))
    assert w.locate_pace_s is not None and w.locate_pace_s > 0  # measured on 6 new frames
    w.set_video_every(4.0)  # 0, 4, 8: all answered already; 2, 6, 10 keep their answers
    wait_idle(qtbot, w)
    assert set(w.queries) == set(first) and set(w.predictions) == set(first)
    w.set_video_every(1.0)
    wait_idle(qtbot, w)
    assert len(w.predictions) == 12 and set(first) <= set(w.predictions)
    assert "12 frames, one every 1 s (as chosen; 6 of them sampled before, reused)" in w.message_bar.text
    w.close()


def test_a_video_whose_sampling_fails_part_way_is_still_listed_and_said_in_the_log(tmp_path, frames, monkeypatch,
                                                                                    caplog):
    """Damaged data part way through a video stops the one-pass sampling (media.video.iter_frames raises
    InputError); its frames are still listed, each read on its own when needed, and the warning names the file."""
    from geolocator.core.errors import InputError
    from geolocator.core.pipeline import Settings
    from geolocator.gui.jobs import Session

    clip = _clip(tmp_path / "damaged.mp4", 4)

    whole = V.sample_frames

    def broken(path, times, progress=None, cancel=None):  # the Session's pass (with progress) fails part way
        if progress is not None:
            raise InputError(path, "corrupt video data near t=2.00 s")
        return whole(path, times)  # open_frame's read-ahead (cache_frames) still reads

    monkeypatch.setattr(V, "sample_frames", broken)
    session = Session(Settings(cache_dir=tmp_path / "features"))
    try:
        with caplog.at_level("WARNING", logger="geolocator"):
            loaded = session.load_queries([clip], every_s=1.0, progress=lambda event: None)
    finally:
        session.close()
    assert [q.time_s for q in loaded.queries] == [0.0, 1.0, 2.0, 3.0] and loaded.videos == ()
    assert "damaged.mp4" in caplog.text and "frames not sampled ahead" in caplog.text
    assert len(loaded.thumbs) == 4  # each frame decoded on its own for its thumbnail


def test_the_jobs_one_bar_moves_through_the_sampling_of_several_videos(tmp_path, frames):
    """The reading job's bar (core.progress.JobProgress, which never goes back) was full as soon as the
    paths were read, before any frame was sampled (the check by use saw "54 of 180 frames" at 100 %): the
    sampling and thumbnail stages are now announced with their sizes first, and two videos' frames are one
    count. Reused frames are no work: the count is of the frames to decode."""
    from geolocator.core.pipeline import Settings
    from geolocator.core.progress import JobProgress
    from geolocator.gui.jobs import Session
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT

    a, b = _clip(tmp_path / "a.mp4", 10), _clip(tmp_path / "b.mp4", 10, green=120)
    V.sample_frames(b, [0.0, 1.0, 2.0, 3.0, 4.0])  # half of b sampled before
    tracker = JobProgress({}, STAGE_SECONDS_PER_UNIT)
    seen = []

    def progress(event):
        job = tracker.update(event)
        seen.append((event.stage, event.step, event.total, job.step))

    session = Session(Settings(cache_dir=tmp_path / "features"))
    try:
        loaded = session.load_queries([a, b], every_s=1.0, progress=progress)
    finally:
        session.close()
    assert [(v.name, v.decoded, v.reused) for v in loaded.videos] == [("a.mp4", 10, 0), ("b.mp4", 5, 5)]
    sampling = [(step, total, bar) for stage, step, total, bar in seen if stage == "frames"]
    assert {total for _, total, _ in sampling} == {15}  # one count over both videos, the reused left out
    assert [step for step, _, _ in sampling][-1] == 15
    bars = [bar for _, _, bar in sampling]
    assert bars == sorted(bars) and bars[0] < 300 and bars[-1] < 1000  # it moves, and the thumbnails remain
    middle = next(bar for step, _, bar in sampling if step == 10)  # a done, b's five to go
    assert 300 < middle < 900, seen



def _clip_added_beside_a_tile_set(qtbot, dirs, tmp_path, monkeypatch, locate):
    """A window with a tiny tile set open, then a 3 s clip added (one frame a second): `locate(window,
    queries)` stands in for the core's Workspace.locate (its answer is the frames' predictions)."""
    from geolocator.core.pipeline import Workspace

    from .test_gui_first_hour import tiny_tileset

    held = []
    monkeypatch.setattr(Workspace, "locate", lambda self, queries, **k: locate(held[0], queries))
    clip = _clip(tmp_path / "clip.mp4", 3, fps=1)
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True, video_every_s=1.0))
    held.append(w)
    w.open_tileset(tiny_tileset(dirs / "region"))
    wait_idle(qtbot, w)
    w.add_paths([clip])
    wait_idle(qtbot, w)
    return w


def test_the_time_locating_takes_goes_once_the_frames_are_located(qtbot, dirs, frames, tmp_path, monkeypatch):  # noqa: F811
    """Session 32 (the new-user trial of session 31): "Locating them takes about 30 s" stayed in the message
    bar after the video's frames were located; now the line shown with the results says they are located.
    Locating itself is the core's (tested there): here it answers nothing, at once."""
    located = []
    w = _clip_added_beside_a_tile_set(qtbot, dirs, tmp_path, monkeypatch,
                                      lambda window, queries: located.append(len(queries)) or [])
    assert located == [3] and w.last_outcome == "done"  # the Locating job ran over the 3 frames and ended
    assert "Locating them takes" not in w.message_bar.text
    assert ("clip.mp4 (0:03), no recorded time: 3 frames, one every 1 s (as chosen): located. File → Video Frames… sets how often."
            in w.message_bar.text.splitlines())
    w.set_video_every(2.0)  # sampled again and located again (nothing was answered): said located too
    wait_idle(qtbot, w)
    assert located[-1] == 2 and "Locating them takes" not in w.message_bar.text
    assert ("clip.mp4 (0:03), no recorded time: 2 frames, one every 2 s (as chosen; 2 of them sampled before, reused): located. "
            "File → Video Frames… sets how often.") in w.message_bar.text.splitlines()
    w.close()


def test_a_video_located_at_once_is_said_with_one_figure_the_progress_bar_s(qtbot, dirs, frames, tmp_path,  # noqa: F811
                                                                             monkeypatch):
    """Session 32 (appuser32): a clip added beside an open tile set was said "… about 20 s" in the message bar
    while the progress bar said "2:00 left" for the same Locating job. The line said while its frames are
    located now leaves the time to the bar; with no tile set open (nothing located yet) it keeps its figure."""
    said = []
    w = _clip_added_beside_a_tile_set(qtbot, dirs, tmp_path, monkeypatch,
                                      lambda window, queries: said.append(window.message_bar.text) or [])
    assert len(said) == 1 and "Locating them takes" not in said[0] and " about " not in said[0]
    assert ("clip.mp4 (0:03), no recorded time: 3 frames, one every 1 s (as chosen). Locating them now: the progress bar "
            "says the time left. File → Video Frames… sets how often.") in said[0].splitlines()
    w.close()
