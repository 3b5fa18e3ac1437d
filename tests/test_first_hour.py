"""A new user's first hour (issue 10): start-up without a display, typos, --help/--version, README
shortcuts. The no-display and typo cases run `python -m geolocator` in a subprocess, as a user would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "resources" / "demo"


def run_geolocator(*args: str, env_drop=(), env_set=None, timeout=120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in env_drop}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(env_set or {})
    return subprocess.run([sys.executable, "-m", "geolocator", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT, env=env)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the X11/Wayland display check is Linux's")
def test_no_display_prints_a_plain_message_not_a_qt_abort(tmp_path):
    # The README's first command, on a server / over SSH: no DISPLAY, no WAYLAND_DISPLAY, no QT_QPA_PLATFORM.
    result = run_geolocator("--demo", env_drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"),
                            env_set={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.returncode == 2, result.stderr  # not 134 (Qt's abort)
    assert "no display" in result.stderr
    for hint in ("--screenshot", "DISPLAY", "QT_QPA_PLATFORM=offscreen"):
        assert hint in result.stderr
    assert "Traceback" not in result.stderr and "xcb" not in result.stderr.lower()


def test_display_problem_rules():
    from geolocator.gui.app import display_problem

    assert display_problem({}, "linux") is not None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "minimal"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "xcb"}, "linux") is not None
    assert display_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem({"QT_QPA_PLATFORM": "wayland"}, "linux") is not None
    assert display_problem({}, "darwin") is None and display_problem({}, "win32") is None
    # A DISPLAY that nobody answers (a stale ssh -X variable) is found by libxcb's own connect.
    assert "no X server" in (display_problem({"DISPLAY": ":97"}, "linux") or "no X server")


def test_a_mistyped_subcommand_is_an_error_with_close_matches():
    result = run_geolocator("evl", "resources/demo")
    assert result.returncode == 2
    assert "'evl'" in result.stderr and "eval" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_path_still_opens_the_app(monkeypatch):
    import geolocator.__main__ as entry
    import geolocator.gui.app as app

    calls = []
    monkeypatch.setattr(app, "main", lambda argv: calls.append(argv) or 0)
    assert entry.main([str(DEMO)]) == 0 and calls == [[str(DEMO)]]
    assert entry.main(["--steps", "3", "--demo"]) == 0  # a flag's value is not taken for a path
    assert entry.main(["no-such-photos-folder"]) == 2 and len(calls) == 2


def test_help_lists_app_flags_beside_subcommands_and_version_exists():
    result = run_geolocator("--help")
    assert result.returncode == 0
    for word in ("index", "locate", "eval", "adapt", "--demo", "--screenshot", "--adapt", "--steps", "--version"):
        assert word in result.stdout
    from geolocator import __version__

    result = run_geolocator("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"geolocator {__version__}"


def test_readme_shortcuts_match_the_app(qtbot, tmp_path):
    pytest.importorskip("pytestqt")
    from PySide6.QtGui import QAction, QKeySequence

    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    shortcuts = {}
    for act in w.findChildren(QAction):
        name = act.text().replace("&", "").rstrip("…").strip()
        seq = act.shortcut().toString(QKeySequence.SequenceFormat.PortableText)
        if seq:
            shortcuts[name] = seq
    # the README's short "Using the app" and the full one in docs/app.md (moved there in session 33)
    for doc in ("README.md", "docs/app.md"):
        named = re.findall(r"\*\*([^*]+)\*\* \(((?:Ctrl|Alt|Shift|Esc|F\d)[^)]*)\)", (ROOT / doc).read_text())
        assert len(named) >= 6, doc
        for name, key in named:
            matches = [seq for action, seq in shortcuts.items() if action.startswith(name)]
            assert matches, f"{doc} names '{name}' ({key}), the app has no such action with a shortcut"
            assert key in matches, f"{doc} says {name} is {key}, the app says {matches}"


def test_cli_progress_one_clean_bar_per_stage_and_messages_on_their_own_lines(capsys):
    import logging

    from tqdm.contrib.logging import logging_redirect_tqdm

    from geolocator.cli import TqdmProgress
    from geolocator.core.progress import ProgressEvent

    log = logging.getLogger("geolocator.test_progress")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log.addHandler(handler)
    log.propagate = False
    bars = TqdmProgress(True, tty=True)  # a terminal: bars redrawn in place
    try:
        with logging_redirect_tqdm(loggers=[log]):
            for i in range(0, 11):
                bars(ProgressEvent("extract:tiles", i, 10, metrics={"cached": 5}))
                if i == 4:
                    log.warning("a message in the middle of a bar")
            bars(ProgressEvent("extract:tiles", 10, 10))  # a repeated "done": no second bar
            for i in range(1, 4):
                bars(ProgressEvent("adapt", i, 3, metrics={"loss": 0.123456789}))
            bars(ProgressEvent("search", 0, 0))  # nothing to count: no bar
    finally:
        bars.close()
        log.removeHandler(handler)
    err = capsys.readouterr().err
    # what a terminal shows: each line's last carriage-return segment
    lines = [line.split("\r")[-1] for line in err.split("\n")]
    assert sum(line.startswith("features: tiles") for line in lines) == 1  # one bar for the stage, once
    assert sum(line.startswith("adapt") for line in lines) == 1
    assert "it/s" not in err and "s/it" not in err  # no rates (cached items made them absurd)
    message = [line for line in lines if "a message in the middle" in line]
    assert message == ["WARNING: a message in the middle of a bar"]  # never glued to a bar
    assert "search" not in err



def test_cli_progress_into_a_log_file_is_plain_lines(capsys, monkeypatch):
    """stderr not a terminal (a pipe, a log file): no carriage-return redraws piling into one endless
    line; each stage says when it is done, and how far it is every LINE_EVERY_S meanwhile."""
    from geolocator.cli import TqdmProgress
    from geolocator.core.progress import ProgressEvent

    lines = TqdmProgress(True)  # capsys: stderr is no terminal
    assert lines.tty is False
    for i in range(0, 11):
        lines(ProgressEvent("extract:tiles", i, 10))
    lines(ProgressEvent("extract:tiles", 10, 10))  # a repeated "done": said once
    monkeypatch.setattr(TqdmProgress, "LINE_EVERY_S", 0.0)
    lines(ProgressEvent("verify", 0, 4))
    lines(ProgressEvent("verify", 2, 4, eta_s=12.0))
    lines(ProgressEvent("verify", 4, 4))
    err = capsys.readouterr().err
    assert "\r" not in err
    assert err.splitlines() == ["features: tiles: 10/10 done in 0 s", "verify: 0/4", "verify: 2/4, about 12 s left",
                                "verify: 4/4 done in 0 s"]


def test_a_screenshot_that_cannot_be_saved_fails_before_any_work(tmp_path):
    (tmp_path / "afile").write_text("x")
    result = run_geolocator("--demo", "--screenshot", str(tmp_path / "afile" / "shot.png"))
    assert result.returncode == 2 and str(tmp_path / "afile") in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_says_each_message_once(monkeypatch, capsys):
    """`geolocator eval` printed the DINOv2 notice and the backbone line twice (once bare, once
    with its level): the redirect to tqdm gave both the root and the "geolocator" logger a handler."""
    import logging

    from geolocator import cli

    def fake_index(args):
        cli.log.warning("a warning said once")
        cli.log.info("a note said once")
        return 0

    monkeypatch.setattr(cli, "cmd_index", fake_index)
    assert cli.main(["index", "somewhere"]) == 0
    err = capsys.readouterr().err
    assert err.count("a warning said once") == 1, err
    assert err.count("a note said once") == 1, err
    logging.getLogger("geolocator").setLevel(logging.NOTSET)


@pytest.mark.skipif(not sys.platform.startswith("linux") or not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_an_output_on_proc_says_what_is_true_before_any_work():
    """`--out /proc/x` was "the folder does not exist": /proc exists; it is not a file system for files."""
    demo = ROOT / "resources" / "demo"
    result = run_geolocator("locate", "--tiles", str(demo), str(demo / "queries"), "--out", "/proc/x.geojson")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "/proc/x.geojson" in result.stderr and "not a regular file system" in result.stderr
    assert "does not exist" not in result.stderr
