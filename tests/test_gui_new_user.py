"""A new user's trial of the app (session 5): photos far from the tiles are said so, every skipped
path is named, the Point's error is the headline, distances read as people write them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.main_window import MainWindow  # noqa: E402

from .test_first_hour_faults import _photo_with_gps  # noqa: E402
from .test_gui_first_hour import dirs, make_window, tiny_tileset, wait_idle  # noqa: E402,F401

DEMO = Path(__file__).resolve().parents[1] / "resources" / "demo"


def test_the_app_warns_when_the_photos_were_taken_far_from_the_tiles(qtbot, dirs):
    """Photos from Duluth against tiles in Germany: the CLI warned (`cannot be right`), the app showed
    only a far-away red marker. The same core sentence is now in the message bar."""
    from geolocator.core.evaluate import far_from_tiles_note
    from geolocator.core.tilesets import load_tileset

    csv = tiny_tileset(dirs / "region")
    photo = dirs / "photos" / "duluth.jpg"
    photo.parent.mkdir()
    _photo_with_gps(photo, 46.8426071, -91.9945599)
    w: MainWindow = make_window(qtbot, dirs)
    w.add_paths([photo])
    wait_idle(qtbot, w)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    assert w.predictions  # still located (the best tile of this set), and said to be wrong
    expected = far_from_tiles_note(list(w.queries.values()), load_tileset(csv))
    assert expected and "cannot be right" in expected and "6909 km" in expected
    assert w.message_bar.level == "warning"
    assert expected in w.message_bar.text


def test_far_from_tiles_note_is_one_core_function_the_cli_uses():
    from geolocator import cli
    from geolocator.core import evaluate

    src = Path(cli.__file__).read_text()
    assert "def far_from_tiles_note" not in src and "cannot be right" not in src
    assert "cannot be right" in Path(evaluate.__file__).read_text()


def test_every_skipped_path_is_shown_beside_the_images_added(qtbot, dirs):
    """`geolocator plain.tif empty/` showed only "1 drone image(s) added": the empty folder's warning
    was replaced. Alone, the folder was called a file, its path said twice."""
    from PIL import Image

    bad = dirs / "bad"
    (bad / "empty").mkdir(parents=True)
    Image.new("RGB", (96, 96), (90, 120, 60)).save(bad / "plain.tif")
    w: MainWindow = make_window(qtbot, dirs)
    w.add_paths([bad / "plain.tif", bad / "empty"])
    wait_idle(qtbot, w)
    text = w.message_bar.text
    assert w.message_bar.level == "warning"
    assert "1 drone image added. Open a tile set to locate it, or get imagery for its area" in text
    assert "Skipped 1 folder: empty/: no images" in text and "file" not in text.split(":")[0]
    assert str(bad / "empty") not in text  # the name once, not "empty: /…/bad/empty: no images"
    assert str(bad / "empty") in w.message_bar._details  # the full path behind Details…


def test_skipped_summary_counts_files_and_folders_and_names_each_once(tmp_path):
    from geolocator.core.skipped import skipped_summary

    (tmp_path / "empty").mkdir()
    skipped = {str(tmp_path / "empty"): f"{tmp_path / 'empty'}: no images in this folder",
               str(tmp_path / "a.jpg"): "a.jpg: not an image",
               str(tmp_path / "b.jpg"): "corrupt", str(tmp_path / "c.jpg"): "corrupt"}
    text, details = skipped_summary(skipped)
    assert text == "Skipped 3 files and 1 folder: empty/: no images in this folder; a.jpg: not an image; " \
                   "b.jpg: corrupt and 1 more"
    assert details.splitlines() == [f"{tmp_path / 'empty'}/: no images in this folder", f"{tmp_path / 'a.jpg'}: not an image",
                                    f"{tmp_path / 'b.jpg'}: corrupt", f"{tmp_path / 'c.jpg'}: corrupt"]
    assert skipped_summary({str(tmp_path / "a.jpg"): "x"})[0] == "Skipped 1 file: a.jpg: x"


def test_the_evaluation_panel_leads_with_the_points_error(qtbot):
    """The panel said "median error 13 m" while each row read 0 m: it was the top tile centre's error."""
    from geolocator.core.model import Evaluation
    from geolocator.gui.side_panels import EvaluationPanel

    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    ev = Evaluation(85.2, 90.7, 93.0, 88.1, 12.94, 20.5, 108, 36,
                    extra={"median_error_best_m": 0.099, "mean_error_best_m": 0.4})
    panel.show_evaluation(ev, 108, adapted=False)
    lines = panel.label.text().replace("\xa0", " ").splitlines()  # no-break spaces keep figures whole
    assert lines[2:] == ["Point error: median 0.10 m, mean 0.40 m", "top tile centre error: median 13 m, mean 20 m"]
    assert "median error" not in panel.label.text()


@pytest.mark.parametrize("value, text", [(0.997, "0.997"), (0.9996, "0.999"), (1.0, "1.000"), (0.994, "0.994"),
                                         (0.5, "0.500"), (0.0, "0.000")])
def test_a_confidence_below_one_is_never_written_as_one(value, text):
    from geolocator.core.export import format_confidence

    assert format_confidence(value) == text


def test_gpx_and_kml_and_the_list_never_round_a_confidence_up_to_one(qtbot, tmp_path):
    """A photo at 0.997 read "confidence 1.00" in GPX/KML; the list cut 2,258,995.9 m to "22589…"."""
    from dataclasses import replace

    from geolocator.core.export_track import write_track
    from geolocator.core.model import LatLon, Query
    from geolocator.core.predict import predict
    from geolocator.gui.query_list import COL_CONF, COL_ERROR, QueryList

    import numpy as np

    from .helpers import grid_tiles

    tiles = grid_tiles(2, 2)
    q = Query("DJI_0042.JPG", tiles[0].path, truth=LatLon(46.8426071, -91.9945599))  # Duluth: far from the grid
    pred = replace(predict([q], tiles, np.array([[0.9, 0.1]]), np.array([[0, 1]]))[0], confidence=0.997)
    for suffix in (".gpx", ".kml"):
        out = tmp_path / f"t{suffix}"
        write_track([], out, photos=[pred])
        text = out.read_text()
        assert "confidence 0.997" in text and "confidence 1.00" not in text, suffix
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([q])
    w.set_prediction(pred)
    row = w.topLevelItem(0)
    # whole kilometres, not cut; no comma between thousands since session 28 (geo.format_distance)
    assert row.text(COL_CONF) == "0.997" and row.text(COL_ERROR) == "6909 km"
    fm = w.fontMetrics()
    for col in (COL_CONF, COL_ERROR):  # the column holds its text whole
        assert w.header().sectionSize(col) >= fm.horizontalAdvance(row.text(col)) + 8, col


def test_a_pane_size_saved_by_an_older_version_does_not_cut_the_file_names(qtbot, dirs):
    """At 1440 x 900 the list read "q_…" / "DJI_0…": the splitter state saved by an earlier session
    (a 300 px list) was restored over the 370 px default. The list is never that narrow now."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QSplitter, QWidget

    from geolocator.core.model import Query
    from geolocator.gui.query_list import COL_NAME, ICON_PX
    from geolocator.gui.settings import AppSettings

    from .helpers import app_window

    old = QSplitter()
    for _ in range(3):
        old.addWidget(QWidget())
    old.resize(1420, 800)
    old.setSizes([300, 820, 300])
    qsettings = QSettings(str(dirs / "old.ini"), QSettings.Format.IniFormat)
    qsettings.setValue("window/splitter", old.saveState())
    w = app_window(qtbot, dirs, AppSettings(demo_shown=True), name="old", qsettings=qsettings)
    w.resize(1440, 900)
    w.show()
    w.query_list.add_queries([Query("DJI_0042.JPG", Path("DJI_0042.JPG")), Query("q_0001.jpg", Path("q_0001.jpg"))])
    qtbot.waitUntil(lambda: w.query_list.isVisible())
    ql = w.query_list
    assert ql.header().sectionSize(COL_NAME) >= ICON_PX + ql.fontMetrics().horizontalAdvance("DJI_0042.JPG") + 8
    assert ql.header().sectionSize(COL_NAME) + sum(ql.header().sectionSize(c) for c in (1, 2, 3)) <= ql.viewport().width()


def test_the_evaluation_panel_counts_one_photo_and_one_tile_in_the_singular(qtbot):
    """One DJI photo opened on a tile set read "Frozen backbone · 1 images with truth" (session 13)."""
    from geolocator.core.model import Evaluation
    from geolocator.gui.side_panels import EvaluationPanel

    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    panel.show_evaluation(Evaluation(0.0, 0.0, 0.0, 0.0, 12.0, 12.0, 1, 1), 1, adapted=False)
    assert panel.label.text().replace("\xa0", " ").splitlines()[0] == "Frozen backbone · 1 image with truth, 1 tile"
    panel.show_evaluation(Evaluation(0.0, 0.0, 0.0, 0.0, 12.0, 12.0, 1200, 36), 1200, adapted=True)
    assert panel.label.text().replace("\xa0", " ").splitlines()[0] == "Adapted · 1,200 images with truth, 36 tiles"
    panel.show_evaluation(None, 1, adapted=False)
    assert panel.label.text() == "1 image located. No truth known (truth.csv or EXIF GPS)."


def test_skipped_paths_stay_in_the_bar_when_the_photos_are_located_at_once(qtbot, dirs):
    """Session 13: `geolocator bad/photos demo/tiles.csv` (a Duluth photo beside a text file named
    .JPG): the bar said "Skipped 1 file …" while reading, then only the far-from-tiles warning once
    locating ended: the skipped file was no longer named anywhere in the window."""
    csv = tiny_tileset(dirs / "region")
    photos = dirs / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "duluth.jpg", 46.8426071, -91.9945599)
    (photos / "IMG_9999.JPG").write_text("not a photo")
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    w.add_paths([photos])
    wait_idle(qtbot, w)
    assert w.predictions  # located at once: a tile set was open
    text = w.message_bar.text
    assert w.message_bar.level == "warning"
    assert "far from the tiles" in text and "cannot be right" in text
    assert "Skipped 1 file: IMG_9999.JPG" in text


def test_the_evaluation_panel_says_how_the_photos_were_placed_when_no_truth_is_known(qtbot, dirs):
    """Session 18 (a flight whose GNSS failed, so no truth): the panel read "38 images located. No truth
    known" while 5 of them were tile-level guesses (0.007-0.35) beside 33 verified photos; `locate`
    ends with "33 verified, 5 tile level only". The panel now says it too, in the same words."""
    from PIL import Image

    from geolocator.core.wording import placed_summary

    csv = tiny_tileset(dirs / "region")
    photos = dirs / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(photos / "a.jpg")  # no GPS: no truth
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    w.add_paths([photos])
    wait_idle(qtbot, w)
    [p] = w.predictions.values()
    assert w.eval_panel.label.text() == (f"1 image located: {placed_summary([p.status])}. "
                                         "No truth known (truth.csv or EXIF GPS).")


def test_the_window_s_summary_counts_a_flagged_frame_as_flagged_as_the_file_does(qtbot, dirs):
    """newuser34: `locate`'s closing line and the file's `level` say "flagged" for a frame whose verified
    answer contradicts its flight's track; the window's own summary (the Evaluation panel) counted it
    among the confident."""
    from PIL import Image

    csv = tiny_tileset(dirs / "region")
    photos = dirs / "photos"
    photos.mkdir()
    Image.new("RGB", (64, 48), (40, 120, 60)).save(photos / "a.jpg")
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    w.add_paths([photos])
    wait_idle(qtbot, w)
    [qid] = w.predictions
    w.track_answers = {qid: (None, "flagged", None)}
    assert "1 flagged" in w._placed_summary()
    w.track_answers = {qid: (None, "interpolated", None)}
    assert "1 placed by the track" in w._placed_summary()
