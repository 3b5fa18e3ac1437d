"""Test set-up shared by every test: Qt runs offscreen; the QtWebEngine module is imported before any
QApplication exists (it must be, or it refuses to load)."""

import os

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"  # Chromium refuses to start its sandbox as root
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", "--disable-gpu")

try:  # the GUI tests need it; the core tests must still run where Qt is absent
    import PySide6.QtWebEngineWidgets  # noqa: F401
except ImportError:  # pragma: no cover
    pass
