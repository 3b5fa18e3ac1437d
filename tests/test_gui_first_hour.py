"""The app's first hour (issue 10), pytest-qt: a failing weights choice is not kept and the default is
always one click away; the DINOv2 notice once; one job-wide progress bar; the tile mosaic on the map
before the features; a failed adapter save keeps the adapter and says where it went."""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from PIL import Image  # noqa: E402

from geolocator.core.progress import JobProgress, ProgressEvent  # noqa: E402
from geolocator.gui.main_window import ADAPT_DEFAULT_STEPS, MainWindow  # noqa: E402
from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT, ProgressPanel, describe  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import app_window  # noqa: E402

# a deadline against a hang, not a timing: session 29's CI at load 15 took over 180 s for the demo's Adapt
WAIT_MS = 600_000


@pytest.fixture
def dirs(tmp_path, monkeypatch):
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    return tmp_path


def make_window(qtbot, dirs: Path, settings: AppSettings | None = None, name: str = "w") -> MainWindow:
    return app_window(qtbot, dirs, settings, name=name, show=True, tile_views=("rot0",), verify=False)


def wait_idle(qtbot, w):
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=WAIT_MS)


def tiny_tileset(root: Path, n: int = 2) -> Path:
    (root / "tiles").mkdir(parents=True)
    rows = ["path,west,south,east,north"]
    for i in range(n):
        Image.new("RGB", (64, 64), (40 * i, 120, 60)).save(root / "tiles" / f"t{i}.png")
        rows.append(f"tiles/t{i}.png,{10 + 0.001 * i},50,{10.001 + 0.001 * i},50.001")
    (root / "tiles.csv").write_text("\n".join(rows) + "\n")
    return root / "tiles.csv"


class _Evil:
    def __reduce__(self):
        return (print, ("pickled code ran",))


def test_a_weights_file_that_fails_is_dropped_at_the_next_start(qtbot, dirs):
    bad = dirs / "evil.pth"
    bad.write_bytes(pickle.dumps({"x": _Evil()}))
    settings = AppSettings(backbone="efficientnet_lite0", weights=str(bad), demo_shown=True, dinov2_notice_shown=True)
    settings.save(dirs / "w.json")
    w = make_window(qtbot, dirs, AppSettings.load(dirs / "w.json"))
    w.load_backbone()
    wait_idle(qtbot, w)
    assert w.message_bar.level == "warning"
    text = w.message_bar.text
    assert "could not be loaded" in text and "not a weights file geolocator can read safely" in text
    assert "\n" not in text and len(text) < 400  # one sentence, not torch's page of advice
    assert w.message_bar._details  # the details are behind the Details… button
    saved = json.loads((dirs / "w.json").read_text())
    assert saved["weights"] is None and saved["backbone"] == "auto"  # never breaks a later start
    assert w.backbone_info is not None and w.backbone_info.name == "efficientnet_lite0"  # the default loaded
    assert w.backbone_panel.combo.currentText() == "auto"


def test_the_backbone_panel_can_always_return_to_the_default(qtbot, dirs):
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    w.load_backbone()
    wait_idle(qtbot, w)
    w.backbone_panel.combo.setCurrentText("timm:resnet18")  # needs a weights file: fails
    w.backbone_panel.apply_btn.click()
    wait_idle(qtbot, w)
    assert w.last_outcome == "failed"
    assert w.settings.backbone == "auto"  # a choice that failed is not remembered
    assert w.backbone_panel.combo.currentText() == "auto"  # the panel shows what is in use
    w.backbone_panel.combo.setCurrentText("efficientnet_lite0")
    w.backbone_panel.default_btn.click()
    wait_idle(qtbot, w)
    assert w.last_outcome == "done" and w.settings.backbone == "auto" and w.settings.weights is None


def test_the_dinov2_notice_is_shown_once_and_remembered(qtbot, dirs):
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True))
    w.load_backbone()
    wait_idle(qtbot, w)
    if not w.backbone_info.fallback_reason:
        pytest.skip("DINOv2 weights are installed here: there is no notice to show")
    assert w.message_bar.level == "info" and "DINOv2" in w.message_bar.text
    assert len(w.message_bar.text) < 120 and w.message_bar._details  # short; where we looked is in Details
    assert json.loads((dirs / "w.json").read_text())["dinov2_notice_shown"] is True
    w.message_bar.dismiss()
    w2 = make_window(qtbot, dirs, AppSettings.load(dirs / "w.json"), name="w")
    w2.load_backbone()
    wait_idle(qtbot, w2)
    assert w2.message_bar.level == ""  # not again


def test_settings_with_wrong_types_are_dropped(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"backbone": 3, "top_k": "five", "adapt_steps": 0, "online_basemap": "yes",
                                "weights": ["x"], "device": "cpu", "unknown": 1}))
    s = AppSettings.load(path)
    assert (s.backbone, s.top_k, s.adapt_steps, s.online_basemap, s.weights, s.device) == \
        ("auto", 5, None, False, None, "cpu")


def test_one_bar_for_the_whole_job_with_a_job_eta():
    now = [0.0]
    plan = {"extract:tiles": 100, "adapt": 60, "verify": 10}
    job = JobProgress(plan, {"extract:tiles": 0.05, "adapt": 0.1, "verify": 0.3}, clock=lambda: now[0])
    fractions, etas = [], []
    for stage, n, dt in (("extract:tiles", 100, 0.05), ("adapt", 60, 0.1), ("verify", 10, 0.3)):
        for i in range(1, n + 1):
            now[0] += dt
            ev = job.update(ProgressEvent(stage, i, n, f"{stage} {i}/{n}"))
            fractions.append(ev.step / ev.total)
            etas.append(ev.eta_s)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0  # never backwards, ends full
    # weighted by cost: the 100 cheap tiles (5 s) are 5/14 of the job, not 100/170 of its units
    assert fractions[99] == pytest.approx(5 / 14, abs=0.01)
    # the ETA is the whole job's: after the tiles, ~9 s (adapt 6 s + verify 3 s) are left, not 0
    assert etas[99] == pytest.approx(9.0, rel=0.05)
    assert etas[-1] == pytest.approx(0.0, abs=1e-6)
    assert ev.stage == "job" and ev.metrics["stage"] == "verify"


def test_a_stage_run_again_gets_its_own_share():
    job = JobProgress({"map": 10}, {"map": 1.0}, clock=lambda: 1.0)
    job.update(ProgressEvent("map", 10, 10))
    ev = job.update(ProgressEvent("map", 1, 10))  # the map is drawn again after locating
    assert ev.step == 1000 or 500 <= ev.step < 1000  # never backwards


def test_progress_panel_shows_the_stage_as_text_and_the_job_eta(qtbot):
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    panel.start("Adapting to this region")
    panel.update_event(ProgressEvent("job", 400, 1000, "best step 3/60", 95.0, {"stage": "adapt", "quality": 0.5}))
    assert panel.bar.maximum() == 1000 and panel.bar.value() == 400
    text = panel.label.text()
    assert text.startswith("Adapting") and "best step 3/60" in text and "1:35 left (whole job)" in text
    assert describe(ProgressEvent("extract:tiles", 3, 9)) == "Indexing tiles · 3/9"


def test_a_finished_stage_inside_a_running_job_reads_done_not_done_and_a_count():
    # session 33 (newuser33): the demo's opening said "Indexing tiles · done: 0 failed · 59 s left (whole job)"
    # (extract.py's last word of the stage) while the job went on for two more minutes
    ev = ProgressEvent("job", 300, 1000, "done: 0 failed", 59.0, {"stage": "extract:tiles"})
    assert describe(ev) == "Indexing tiles done · 59 s left (whole job)"
    ev = ProgressEvent("job", 300, 1000, "done: 2 failed", 59.0, {"stage": "extract:tiles"})
    assert describe(ev) == "Indexing tiles done · 2 failed · 59 s left (whole job)"
    ev = ProgressEvent("job", 300, 1000, "36/36 tiles", 59.0, {"stage": "extract:tiles"})
    assert describe(ev) == "Indexing tiles · 36/36 tiles · 59 s left (whole job)"


def test_default_steps_match_the_adaptation():
    from geolocator.core.adapt.em import BEST, PAPER

    assert ADAPT_DEFAULT_STEPS == {"best": BEST.steps, "paper": PAPER.steps}
    assert set(STAGE_SECONDS_PER_UNIT) >= {"extract:tiles", "extract:queries", "geometry", "adapt", "verify", "map"}


def test_the_tile_mosaic_is_on_the_map_before_the_features(qtbot, dirs):
    csv = tiny_tileset(dirs / "region")
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    shown_while_busy = []
    original = w.map_view.show_map

    def spy(path):
        shown_while_busy.append(w.runner.busy)
        original(path)

    w.map_view.show_map = spy
    w.open_tileset(csv)
    assert "Opening" in w.tileset_label.text()  # from the first second
    wait_idle(qtbot, w)
    assert w.last_outcome == "done", w.message_bar.text
    assert shown_while_busy and shown_while_busy[0] is True  # the mosaic came during the job
    assert "2 tiles" in w.tileset_label.text()


def test_a_failed_adapter_save_keeps_the_adapter_and_says_where(qtbot, dirs, monkeypatch):
    from geolocator.core.pipeline import AdapterNotSaved, Workspace

    csv = tiny_tileset(dirs / "region")
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    sentinel = object()
    fallback = dirs / "XDG_DATA_HOME" / "geolocator" / "adapters" / "unsaved-adapter-1.safetensors"

    def adapt(self, queries, **kwargs):  # training is tested in the core; here: what the app does after
        self._adapter = sentinel
        raise AdapterNotSaved(dirs / "ro" / "a.safetensors", "permission denied (the folder cannot be written)",
                              fallback, sentinel)

    monkeypatch.setattr(Workspace, "adapt", adapt)
    monkeypatch.setattr(Workspace, "locate", lambda self, queries, **k: [])
    from geolocator.core.model import Query

    w.queries = {"q.jpg": Query("q.jpg", dirs / "q.jpg")}  # any photo enables Adapt
    w.adapt()
    wait_idle(qtbot, w)
    assert w.last_outcome == "done"
    assert w.session.ws.adapter is sentinel  # still in use
    assert w.message_bar.level == "warning" and str(fallback) in w.message_bar.text
    assert "ro" in w.message_bar.text and ".tmp" not in w.message_bar.text
    # one "but" (appwalk36: "Adapted to this region, but the adapter was trained but could not be saved…")
    assert w.message_bar.text.startswith("Adapted to this region, but the trained adapter could not be saved to ")


def test_screenshot_adapt_uses_a_scratch_adapter_folder(tmp_path):
    from geolocator.gui.app import _core_settings, _parser

    args = _parser().parse_args(["--demo", "--adapt", "--screenshot", str(tmp_path / "s.png")])
    scratch = _core_settings(args).adapter_dir
    assert scratch is not None and "screenshot" in scratch.name
    import platformdirs

    assert Path(platformdirs.user_data_dir("geolocator")) not in scratch.parents
    assert _core_settings(_parser().parse_args(["--demo", "--adapt"])) is None  # a real session saves as usual


def test_gui_export_to_a_bad_place_names_the_users_file(qtbot, dirs):
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    (dirs / "afile").write_text("x")
    target = dirs / "afile" / "p.geojson"
    w.export_predictions(target)
    wait_idle(qtbot, w)
    assert w.last_outcome == "failed" and w.message_bar.level == "error"
    assert str(target) in w.message_bar.text and ".tmp" not in w.message_bar.text
    assert not any(p.name.startswith(".") for p in dirs.iterdir() if p.is_file())
    os.sync() if hasattr(os, "sync") else None


# ------------------------------------------------------------------ --screenshot --adapt tells the truth
def _screenshot_window(qtbot, dirs, monkeypatch, adapt_result):
    """A window with a tiny tile set and one photo open; Workspace.adapt replaced by `adapt_result`
    (training itself is tested in the core; here: what the screenshot run makes of the outcome)."""
    from geolocator.core.model import Query
    from geolocator.core.pipeline import Workspace

    csv = tiny_tileset(dirs / "region")
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    monkeypatch.setattr(Workspace, "adapt", adapt_result)
    monkeypatch.setattr(Workspace, "locate", lambda self, queries, **k: [])
    w.queries = {"q.jpg": Query("q.jpg", dirs / "q.jpg")}
    return w


def _fake_runner_class():
    from PySide6.QtCore import QObject, Signal

    class FakeRunner(QObject):
        """The signals of the window's JobRunner that a --screenshot run listens to."""
        started = Signal(object)
        progress = Signal(object, object)
        finished = Signal(object, str)
        idle = Signal()
        busy = False

    return FakeRunner


_FakeRunner = _fake_runner_class()



def _started_screenshot_run(capsys):
    """A --screenshot run (app.ScreenshotRun) on a fake window whose job "Opening demo" has just started,
    its first line checked: (runner, run, job)."""
    from types import SimpleNamespace

    from geolocator.gui import app

    runner = _FakeRunner()
    window = SimpleNamespace(runner=runner, message_bar=SimpleNamespace(text="", level="info"), last_adapt_notice=None)
    run = app.ScreenshotRun(window, adapt=False)
    job = SimpleNamespace(title="Opening demo")
    runner.started.emit(job)
    assert capsys.readouterr().err == "screenshot: Opening demo…\n"
    return runner, run, job

class _LoopUntilQuit:
    """Stands in for the QApplication in _screenshot: exec() runs the event loop through qtbot until
    quit() (a real app.exec()/quit() pair would end the test session's loop for the tests after it)."""

    def __init__(self, qtbot):
        self.qtbot, self.quit_called = qtbot, False

    def exec(self):
        self.qtbot.waitUntil(lambda: self.quit_called, timeout=WAIT_MS)

    def quit(self):
        self.quit_called = True


def _run_screenshot(qtbot, w, out):
    from geolocator.gui.app import _screenshot

    return _screenshot(_LoopUntilQuit(qtbot), w, out, adapt=True)


def test_screenshot_adapt_exits_1_with_a_sentence_when_the_adaptation_fails(qtbot, dirs, monkeypatch, capsys):
    from geolocator.core.errors import GeolocatorError

    def adapt(self, queries, **kwargs):
        raise GeolocatorError("none of the drone images could be read; nothing to adapt to")

    w = _screenshot_window(qtbot, dirs, monkeypatch, adapt)
    code = _run_screenshot(qtbot, w, dirs / "shot.png")
    err = capsys.readouterr().err
    assert code == 1
    assert "screenshot: FAILED: the adaptation failed: none of the drone images could be read" in err
    assert f"screenshot: {dirs / 'shot.png'}\n" not in err  # never the plain success line


def test_screenshot_adapt_exits_1_when_the_adapter_was_not_saved(qtbot, dirs, monkeypatch, capsys):
    from geolocator.core.pipeline import AdapterNotSaved

    def adapt(self, queries, **kwargs):
        self._adapter = object()
        raise AdapterNotSaved(dirs / "a.safetensors", "the disk is full", None, self._adapter)

    w = _screenshot_window(qtbot, dirs, monkeypatch, adapt)
    assert _run_screenshot(qtbot, w, dirs / "shot.png") == 1
    err = capsys.readouterr().err
    assert "screenshot: FAILED: the trained adapter could not be saved to" in err
    assert "the disk is full" in err and "a picture of the failed run" in err


def test_screenshot_adapt_exits_1_when_no_adaptation_could_run(qtbot, dirs, capsys):
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))  # no tile set, no photos
    assert _run_screenshot(qtbot, w, dirs / "shot.png") == 1
    assert "FAILED: --adapt was asked for, but no adaptation ran (no tile set was opened)" in capsys.readouterr().err


def test_screenshot_adapt_succeeds_and_says_the_adapter_is_in_a_scratch_folder(qtbot, dirs, monkeypatch, capsys):
    def adapt(self, queries, **kwargs):
        self._adapter = None
        return None

    w = _screenshot_window(qtbot, dirs, monkeypatch, adapt)
    w.scratch_adapter_dir = dirs / "scratch"
    assert _run_screenshot(qtbot, w, dirs / "shot.png") == 0
    assert capsys.readouterr().err.strip().endswith(f"screenshot: {dirs / 'shot.png'}")
    assert (dirs / "shot.png").stat().st_size > 0
    text = w.message_bar.text
    assert "scratch folder" in text and str(dirs / "scratch") in text and "saved for this tile set" not in text


def test_the_app_checks_the_adapter_folder_before_training(qtbot, dirs, monkeypatch):
    """The CLI checked the destination before training; the app trained and then found it could not
    save. Now: one sentence at once, no job started, nothing trained."""
    from geolocator.core.pipeline import Workspace

    trained = []
    w = _screenshot_window(qtbot, dirs, monkeypatch, lambda self, q, **k: trained.append(1))
    (dirs / "afile").write_text("x")
    w.session.ws.settings.adapter_dir = dirs / "afile" / "adapters"  # a folder that cannot be made
    job = w.adapt()
    assert job is None and not w.runner.busy and not trained
    assert w.message_bar.level == "error"
    text = w.message_bar.text
    assert text.startswith("Not adapting: the adapter folder") and str(dirs / "afile" / "adapters") in text
    assert "is a file, not a folder" in text and "\n" not in text

    monkeypatch.setattr("geolocator.core.outputs.os.access", lambda *a, **k: False)  # root ignores mode bits
    w.session.ws.settings.adapter_dir = dirs / "adapters"
    assert w.adapt() is None and not trained
    assert "permission denied" in w.message_bar.text
    assert Workspace.adapt is not None


def test_screenshot_without_adapt_exits_1_when_a_job_failed(qtbot, dirs, capsys):
    """build.sh's own mode (`--screenshot --demo`): a tile set that fails to open is a failed run."""
    from PySide6.QtCore import QTimer

    from geolocator.gui.app import _screenshot

    bad = dirs / "tiles.csv"
    bad.write_text("path,west,south,east\nx.png,1,2,3\n")
    w = make_window(qtbot, dirs, AppSettings(demo_shown=True, dinov2_notice_shown=True))
    QTimer.singleShot(0, lambda: w.open_tileset(bad))  # as app.main's start() queues the work
    assert _screenshot(_LoopUntilQuit(qtbot), w, dirs / "shot.png", adapt=False) == 1
    err = capsys.readouterr().err
    assert "screenshot: FAILED: Opening" in err and "tiles.csv" in err


def test_a_screenshot_run_says_on_stderr_what_it_is_doing(qtbot, capsys, monkeypatch):
    """`geolocator --demo --screenshot shot.png` was silent for 130-140 s (opening the demo,
    locating 108 photos on a CPU) before its one line: a new user could not tell work from a hang."""
    from geolocator.gui import app

    clock = iter([100.0, 142.4])
    monkeypatch.setattr(app.time, "monotonic", lambda: next(clock))
    runner, run, job = _started_screenshot_run(capsys)
    runner.finished.emit(job, "done")
    assert capsys.readouterr().err == "screenshot: Opening demo: done in 42 s\n"
    assert run.finish() == []


def test_a_screenshot_gives_up_after_its_own_timeout_and_says_how_to_wait_longer(qtbot, capsys, tmp_path):
    """A 15 min 4K video on a CPU needed more than the fixed 540 s (session 30's video30 record): the
    limit is now `--screenshot-timeout S`, and the failure names it."""
    from PySide6.QtGui import QPixmap

    from geolocator.gui.app import _screenshot

    class Runner(_FakeRunner):
        busy = True  # work that never ends

    class Window:
        runner = Runner()
        message_bar = None
        closed = False

        def grab(self):
            return QPixmap(8, 8)

        def close(self):
            self.closed = True

    w = Window()
    assert _screenshot(_LoopUntilQuit(qtbot), w, tmp_path / "shot.png", adapt=False, timeout_s=1) == 1
    err = capsys.readouterr().err
    assert "timed out after 1 s" in err and "--screenshot-timeout" in err
    assert w.closed and (tmp_path / "shot.png").is_file()  # the picture of the unfinished run is kept


def test_a_screenshot_run_says_how_far_a_long_job_is_every_half_minute(qtbot, capsys, monkeypatch):
    """Session 31 (newuser31): opening the demo cold printed "screenshot: Opening demo…" and then nothing for
    143 s. A job that runs long now says where it is, as the window's progress line does, every
    LINE_EVERY_S (30 s); a quick one's progress prints nothing."""
    from geolocator.core.progress import ProgressEvent
    from geolocator.gui import app

    now = [100.0]
    monkeypatch.setattr(app.time, "monotonic", lambda: now[0])
    runner, run, job = _started_screenshot_run(capsys)
    now[0] = 110.0
    runner.progress.emit(job, ProgressEvent("extract:tiles", 40, 288, eta_s=75.0))
    assert capsys.readouterr().err == ""  # 10 s in: nothing yet
    now[0] = 131.0
    runner.progress.emit(job, ProgressEvent("extract:tiles", 120, 288, eta_s=50.0))
    line = capsys.readouterr().err
    assert line.startswith("screenshot: Opening demo: ") and "120/288" in line and "50 s left" in line, line
    now[0] = 140.0
    runner.progress.emit(job, ProgressEvent("extract:tiles", 200, 288, eta_s=20.0))
    assert capsys.readouterr().err == ""  # the next line 30 s after this one
    now[0] = 145.0
    runner.finished.emit(job, "done")
    assert capsys.readouterr().err == "screenshot: Opening demo: done in 45 s\n"
    assert run.finish() == []


def test_the_job_eta_follows_the_running_stage_s_own_pace():
    """Session 31 (newuser31): opening the demo cold said "22 s left (whole job)" with 117 s to go, then "2 s left"
    with 27 s to go. The stage costs' table (STAGE_SECONDS_PER_UNIT) weighs a tile 9.2 times a photo's
    verification; on that run a tile took ~0.5 s and a verification ~0.85 s, and the job's pace, measured on the
    tiles, made the verification look 15 times cheaper than it was. What is left of the running stage now goes
    at its own pace."""
    from geolocator.gui.progress_panel import STAGE_SECONDS_PER_UNIT

    now = [0.0]
    job = JobProgress({"extract:tiles": 36, "verify": 108}, STAGE_SECONDS_PER_UNIT, clock=lambda: now[0])
    for i in range(37):  # 36 tiles at 0.5 s
        job.update(ProgressEvent("extract:tiles", i, 36))
        now[0] += 0.5
    for i in range(31):  # 30 photos verified at 0.85 s
        ev = job.update(ProgressEvent("verify", i, 108))
        now[0] += 0.85
    # 78 photos left at 0.85 s: about 66 s
    assert ev.eta_s == pytest.approx(78 * 0.85, rel=0.1), ev.eta_s


def test_the_screenshot_s_scratch_adapter_folder_is_removed_at_exit(tmp_path):
    """One geolocator-screenshot-adapters-* folder was left in the temp folder per `--screenshot --adapt` run."""
    import subprocess
    import sys

    code = ("from geolocator.gui.app import _core_settings, _parser; "
            "s = _core_settings(_parser().parse_args(['--demo', '--adapt', '--screenshot', 'x.png'])).adapter_dir; "
            "(s / 'adapter.safetensors').write_bytes(b'x'); print(s)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path)
    scratch = Path(out.stdout.strip().splitlines()[-1])
    assert "screenshot" in scratch.name and not scratch.exists()
