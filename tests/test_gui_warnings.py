"""The app has one place where a run's warnings appear (session 16): the core logs them (logger
"geolocator"), the CLI prints them on stderr, and the app showed none of them: an --epsg that a
GeoTIFF's own coordinate system overrides changed nothing without a word in the window."""

from __future__ import annotations

import logging

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
pytest.importorskip("rasterio")

from geolocator.gui.main_window import MainWindow  # noqa: E402
from geolocator.gui.workers import Job, JobRunner  # noqa: E402

from .test_epsg_disagrees import _geotiff  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def test_a_geotiff_whose_crs_disagrees_with_the_given_epsg_shows_the_warning_in_the_app(qtbot, dirs):
    tif = _geotiff(dirs / "ortho.tif")  # 120 x 120 m in UTM 33N (EPSG:32633)
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(tif, tile_size_m=50)  # no EPSG given: nothing to warn about
    wait_idle(qtbot, w)
    assert w.tileset_path == tif and not w.warnings_log.isVisible() and w.warnings_log.entries == []

    w.open_tileset(tif, epsg="32611", tile_size_m=50)  # UTM 11N given: the file's own 33N is used
    wait_idle(qtbot, w)
    assert w.tileset_path == tif
    assert w.warnings_log.isVisible()  # in the status bar, where the window shows it
    [(_, title, message)] = w.warnings_log.entries
    assert title == "Opening ortho.tif"
    assert message.startswith(f"{tif} has its own coordinate system, EPSG:32633, and --epsg EPSG:32611 was given")
    assert w.warnings_log.text().startswith("1 warning: ") and str(tif) in w.warnings_log.toolTip()
    w.warnings_log.click()  # the details: every warning in full, with the job that said it
    assert "Opening ortho.tif:" in w.warnings_log._view.toPlainText()
    assert message in w.warnings_log._view.toPlainText()


def test_a_jobs_logged_warnings_reach_the_ui_before_its_outcome(qtbot):
    runner = JobRunner()
    events = []
    runner.warned.connect(lambda job, messages: events.append(("warned", job.title, messages)))
    runner.finished.connect(lambda job, outcome: events.append((outcome, job.title)))

    def speaks(progress, cancel):
        logging.getLogger("geolocator.core.somewhere").warning("%s: skipped (%s)", "a.jpg", "unreadable")
        logging.getLogger("geolocator").info("not a warning")
        return 1

    def fails(progress, cancel):
        logging.getLogger("geolocator").warning("said before failing")
        raise ValueError("boom")

    runner.submit(Job("speaks", speaks))
    runner.submit(Job("quiet", lambda progress, cancel: 2))
    runner.submit(Job("fails", fails))
    qtbot.waitUntil(lambda: len([e for e in events if e[0] in ("done", "failed")]) == 3, timeout=20_000)
    logging.getLogger("geolocator").warning("the UI thread's own, after the jobs: no job's")
    qtbot.wait(50)
    assert runner.shutdown()
    assert events == [("warned", "speaks", ["a.jpg: skipped (unreadable)"]), ("done", "speaks"), ("done", "quiet"),
                      ("warned", "fails", ["said before failing"]), ("failed", "fails")]

