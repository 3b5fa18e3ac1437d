"""Offscreen runs (every --screenshot and test) printed Qt's and Chromium's complaints about the
missing GPU, display and D-Bus on stderr (newuser_session13.md section 1). Session 14: on the
offscreen platform those known lines are left out; every other message still reaches stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.gui import app as gui_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import sys
from geolocator.gui import app as A
A._prepare_environment(True)
if sys.argv[1] == "filter":
    assert A.quiet_offscreen_noise()
from PySide6 import QtWebEngineWidgets
from PySide6.QtCore import QCoreApplication, Qt, QTimer, qWarning
from PySide6.QtWidgets import QApplication
from PySide6.QtWebEngineWidgets import QWebEngineView
QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
app = QApplication(sys.argv[:1])
view = QWebEngineView()
view.setHtml("<p>a map</p>")
view.resize(300, 200)
view.show()
QTimer.singleShot(4000, lambda: (qWarning("a real warning of the app"), app.quit()))
app.exec()
"""


def _run(mode: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("QTWEBENGINE_CHROMIUM_FLAGS", "QT_MESSAGE_PATTERN")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def test_offscreen_noise_is_left_out_and_a_real_warning_is_not():
    filtered = _run("filter")
    assert "a real warning of the app" in filtered
    assert [line for line in gui_app.OFFSCREEN_NOISE if line in filtered] == []
    assert "Failed to connect to the bus" not in filtered  # Chromium's own log, --log-level=3 offscreen
    control = _run("plain")  # the same run without the handler: what this machine prints
    if not any(line in control for line in gui_app.OFFSCREEN_NOISE):
        pytest.skip("this machine prints none of the known offscreen noise (a GPU or a display?)")
    assert "a real warning of the app" in control


def test_other_platforms_are_left_as_they_are(monkeypatch):
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("QTWEBENGINE_CHROMIUM_FLAGS", raising=False)
    gui_app._prepare_environment(False)
    assert "QTWEBENGINE_CHROMIUM_FLAGS" not in os.environ
    assert gui_app.quiet_offscreen_noise() is False
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--log-level=0 --foo")  # a user's own level wins
    gui_app._prepare_environment(False)
    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--log-level=0 --foo"
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--foo")
    gui_app._prepare_environment(False)
    assert os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] == "--foo --log-level=3"
