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
    # the app's words for the app's Coordinate system box, not the CLI's --epsg (session 16 "polish": it said
    # "--epsg EPSG:32611 was given" to a person who typed into the app); written out by hand from the wording
    assert message == (f"{tif} has its own coordinate system, EPSG:32633, so the EPSG code given in the Coordinate "
                       "system box (when the folder was opened), EPSG:32611, was not used for it: the file's own "
                       "EPSG:32633 is (the box is for images with world files, which have none); if the file's is "
                       f"wrong, write the right one into it (gdal_edit.py -a_srs EPSG:<code> {tif})")
    assert "--epsg" not in message
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



def _records(monkeypatch):
    """The "geolocator" logger's warning records while a test runs."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    logger = logging.getLogger("geolocator")
    monkeypatch.setattr(logger, "handlers", [*logger.handlers, Keep(logging.WARNING)])
    return records


def test_the_cli_and_the_app_word_a_prj_overridden_by_the_given_crs_each_their_own_way(tmp_path, monkeypatch):
    from geolocator.core.sources import worldfile
    from geolocator.gui.warnings_log import app_wording

    from .test_sources_exact2 import _ortho

    _ortho(tmp_path, name="a.png", prj=32632)
    records = _records(monkeypatch)
    worldfile.load_world_file_folder(tmp_path, 32633)
    (record,) = records
    prj = tmp_path / "a.prj"
    # the CLI keeps its flag (tests/test_sources_exact2.py pins it too); the app names its box
    assert record.getMessage() == f"{prj} says EPSG:32632 but --epsg 32633 was given; using 32633"
    assert app_wording(record) == (f"{prj} says EPSG:32632 but the EPSG code given in the Coordinate system box "
                                   "(when the folder was opened) is 32633; 32633 is used")


def test_the_cli_and_the_app_word_a_geotiffs_own_crs_each_their_own_way(tmp_path, monkeypatch):
    from geolocator.core.tilesets import load_tileset
    from geolocator.gui.warnings_log import app_wording

    tif = _geotiff(tmp_path / "ortho.tif")
    records = _records(monkeypatch)
    load_tileset(tif, epsg=32611, tile_size_m=50)
    (record,) = records
    assert record.getMessage().startswith(f"{tif} has its own coordinate system, EPSG:32633, and --epsg EPSG:32611 "
                                          "was given")  # the CLI's words (test_epsg_disagrees.py pins all of it)
    assert app_wording(record).startswith(f"{tif} has its own coordinate system, EPSG:32633, so the EPSG code given "
                                          "in the Coordinate system box (when the folder was opened), EPSG:32611, "
                                          "was not used for it")
    assert "--epsg" not in app_wording(record)


def test_the_cli_and_the_app_word_world_files_without_a_crs_each_their_own_way(tmp_path, monkeypatch):
    """Some images with world files have no .prj and no CRS was given: the CLI names its --epsg, the
    app its Coordinate system box (the app said "no --epsg", a flag an app user never saw)."""
    from geolocator.core.sources import worldfile
    from geolocator.gui.warnings_log import app_wording

    from .test_sources_exact2 import _ortho

    _ortho(tmp_path, name="a.png", prj=32633)
    _ortho(tmp_path, name="b.png", prj=None, world=(1.0, 0.0, 0.0, -1.0, 500_064.5, 4_999_999.5))
    records = _records(monkeypatch)
    ts = worldfile.load_world_file_folder(tmp_path, None)
    assert [t.id for t in ts.tiles] == ["a.png"]  # b.png skipped
    (record,) = records
    assert record.getMessage() == f"{tmp_path}: some images have world files but no .prj and no --epsg was given; skipped"
    assert app_wording(record) == (f"{tmp_path}: some images have world files but no .prj, and no EPSG code was "
                                   "given in the Coordinate system box (when the folder was opened); they were "
                                   "skipped: open the folder again and give their EPSG code")
    assert "--epsg" not in app_wording(record)


def test_other_warnings_reach_the_app_as_the_core_said_them():
    from geolocator.gui.warnings_log import app_wording

    record = logging.LogRecord("geolocator", logging.WARNING, __file__, 1, "%s: skipped (%s)", ("a.jpg", "--epsg"), None)
    assert app_wording(record) == "a.jpg: skipped (--epsg)"


def test_an_orthophoto_read_as_one_tile_is_worded_for_the_app(tmp_path, monkeypatch):
    """Session 18: the app's warnings log told an app user to "give the image itself: --tiles … --tile-size-m
    100", two CLI flags; the app's way is File → Open Tile Set… on the image (cut into 100 m tiles)."""
    from geolocator.core.sources import worldfile
    from geolocator.gui.warnings_log import app_wording

    from .test_sources_exact2 import _ortho

    _ortho(tmp_path, name="big.png", size=(1024, 10))
    records = _records(monkeypatch)
    worldfile.load_world_file_folder(tmp_path, None)
    (record,) = records
    head = f"{tmp_path}: big.png is 1024x10 px (1024 x 10 m) and is read as one tile, matched at 512 px: detail is lost."
    assert record.getMessage() == (f"{head} To cut it into tiles like an orthophoto, give the image itself: "
                                   f"--tiles {tmp_path / 'big.png'} --tile-size-m 100")  # the CLI's, unchanged
    assert app_wording(record) == (f"{head} To cut it into 100 m tiles like an orthophoto, open the image itself as "
                                   f"the tile set (File → Open Tile Set…): {tmp_path / 'big.png'}")
