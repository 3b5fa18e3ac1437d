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


import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _private_user_folders(tmp_path_factory):
    """The user's cache, data and config folders (platformdirs / QStandardPaths read XDG_*) point into
    this session's temporary folder: a test never writes the real user cache, and parallel workers
    (pytest -n 2) never share a feature store, which takes one writer at a time (core/store.py)."""
    patch = pytest.MonkeyPatch()
    base = tmp_path_factory.getbasetemp()
    for var in ("XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):
        patch.setenv(var, str(base / var.lower()))
    yield
    patch.undo()


@pytest.fixture
def caches(tmp_path, monkeypatch):
    """Settings and caches under tmp_path, XDG_* pointing there (an export reads no user's settings)."""
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    return tmp_path


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a module of small matrices: avoids oversubscribing the shared CPU (two
    xdist workers on two cores); the previous count is restored afterwards."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The default run leaves the slow tier out (pyproject addopts `-m "not slow"`): say how to run it,
    so that `pytest tests/test_cli.py` deselecting tests is never a silent surprise."""
    deselected = len(terminalreporter.stats.get("deselected", []))
    if deselected and config.getoption("markexpr") == "not slow":
        terminalreporter.write_line(f'{deselected} deselected by the default -m "not slow" (the slow tier): '
                                    'add -m slow to run them, or -m "slow or not slow" to run everything')


@pytest.fixture
def map_view_at(qtbot):
    """make(width, height): a shown gui.map_view.MapView of that size in pixels, disposed after the test (its
    QtWebEngine page released before the QApplication goes)."""
    from geolocator.gui.map_view import MapView

    made = []

    def make(width: int, height: int):
        v = MapView()
        qtbot.addWidget(v)
        v.resize(width, height)
        v.show()
        made.append(v)
        return v

    yield make
    for v in made:
        v.dispose()
