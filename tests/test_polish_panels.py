"""The app's side panels at their default width (300 px): a figure's label, value and unit stay on one
line ("Point error: median" / "0.10 m" and "mean 17" / "m" read badly)."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"


def wrapped_lines(label) -> list[str]:
    """The lines a word-wrapped QLabel shows at its current width (Qt's own line breaking, via
    QTextLayout with the label's font), no-break spaces read back as spaces."""
    from PySide6.QtGui import QTextLayout

    width = label.contentsRect().width() - 2 * label.margin() - 2 * label.indent()
    lines = []
    for paragraph in label.text().split("\n"):
        layout = QTextLayout(paragraph, label.font())
        layout.beginLayout()
        while (line := layout.createLine()).isValid():
            line.setLineWidth(width)
        layout.endLayout()
        for i in range(layout.lineCount()):
            ln = layout.lineAt(i)
            lines.append(paragraph[ln.textStart():ln.textStart() + ln.textLength()].replace("\xa0", " ").strip())
    return lines


def _figures(ev) -> list[str]:
    from geolocator.core.geo import format_distance

    best, mean_best = ev.extra["median_error_best_m"], ev.extra["mean_error_best_m"]
    return [f"R@1 {ev.r1:.1f}%", f"R@5 {ev.r5:.1f}%", f"AP {ev.ap:.1f}%", f"{ev.n_queries} images",
            f"{ev.n_tiles} tiles", f"median {format_distance(best)}", f"mean {format_distance(mean_best)}",
            f"median {format_distance(ev.median_error_m)}", f"mean {format_distance(ev.mean_error_m)}"]


@pytest.mark.parametrize("width", [260, 300])
def test_the_evaluation_panel_never_breaks_a_figure_at_the_default_width(qtbot, width):
    from geolocator.core.model import Evaluation
    from geolocator.gui.side_panels import EvaluationPanel

    panel = EvaluationPanel()
    qtbot.addWidget(panel)
    # the demo's figures (session 5's screenshot wrapped "36 / tiles" and "mean 17 / m"), one far-off mean
    ev = Evaluation(97.2, 97.2, 99.0, 97.4, 12.94, 16.9, 108, 36,
                    extra={"median_error_best_m": 0.099, "mean_error_best_m": 2_258_995.9})
    panel.show_evaluation(ev, 108, adapted=False)
    panel.resize(width, panel.heightForWidth(width) if panel.hasHeightForWidth() else 240)
    panel.show()
    qtbot.waitExposed(panel)
    lines = wrapped_lines(panel.label)
    assert len(lines) > len(panel.label.text().splitlines())  # the test does wrap: it checks where
    for figure in _figures(ev):
        assert any(figure in line for line in lines), (figure, lines)
    # what the text says is unchanged, only where it may break
    text = panel.label.text().replace("\xa0", " ")
    assert "Point error: median 0.10 m, mean 2259 km" in text


def test_no_break_spaces_join_labels_numbers_and_units_only():
    from geolocator.core.wording import keep_figures_together

    nb = "\xa0"
    assert keep_figures_together("Frozen backbone · 108 images with truth, 36 tiles") == \
        f"Frozen backbone · 108{nb}images with truth, 36{nb}tiles"
    assert keep_figures_together("R@1 97.2%   R@5 97.2%   AP 97.4%") == \
        f"R@1{nb}97.2%   R@5{nb}97.2%   AP{nb}97.4%"
    assert keep_figures_together("top tile centre error: median 13 m, mean 2259 km") == \
        f"top tile centre error: median{nb}13{nb}m, mean{nb}2259{nb}km"


def test_imagery_dialog_says_the_credit_line_is_missing_and_margins_in_whole_metres(qtbot, tmp_path):
    """fetch-tiles warns when a plain URL has no attribution; the dialog said nothing. Its margin read
    "250.00 m margin"."""
    from geolocator.core.model import LatLon
    from geolocator.core.sources import fetch as F
    from geolocator.gui.imagery_dialog import URL_CHOICE, ImageryDialog

    d = ImageryDialog(None, photos=[LatLon(36.1418, -115.2334)], out_folder=tmp_path)
    qtbot.addWidget(d)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    assert F.recorded_attribution(F.parse_template(d.url.text()))[1]  # what fetch-tiles warns of
    assert "No attribution given: most providers' terms require their credit line" in d.terms.text()
    assert "Type it under Attribution; without it the tile set records only '127.0.0.1:9'" in d.terms.text()
    assert "--attribution" not in d.terms.text()  # the CLI's words are not the app's
    d.attribution.setText("Imagery © Someone")
    assert "No attribution" not in d.terms.text() and "Imagery © Someone" in d.terms.text()
    assert d.margin.text() == "250 m margin"


def test_imagery_dialog_grows_to_show_the_whole_terms_notice(qtbot, tmp_path):
    """Choosing Esri.WorldImagery filled the notice with 5 lines in a dialog laid out for none: its
    attribution and the terms-of-use sentence were cut off mid-line."""
    from geolocator.core.model import LatLon
    from geolocator.gui.imagery_dialog import ImageryDialog

    d = ImageryDialog(None, photos=[LatLon(36.1418, -115.2334)], out_folder=tmp_path)
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    d.source.setCurrentText("Esri.WorldImagery")
    qtbot.wait(50)
    label = d.terms
    assert "terms of use" in label.text()
    assert label.height() >= label.heightForWidth(label.width()), (label.height(), label.heightForWidth(label.width()))
    lines = wrapped_lines(label)
    assert lines[-1].endswith("forbid it).")  # the last wrapped line is on screen


def test_a_refused_fetch_in_the_app_says_nothing_was_saved_and_leaves_no_file(qtbot, tmp_path):
    from geolocator.core.model import LatLon
    from geolocator.gui.imagery_dialog import URL_CHOICE, ImageryDialog, start_fetch

    from .test_imagery_dialog import _window
    from .tile_packages import demo_mosaic, demo_pyramid
    from .tile_server import TileServer

    tiles = demo_pyramid(zooms=(19,))
    c = demo_mosaic()[1].center
    w = _window(qtbot, tmp_path)
    with TileServer(tiles, {t: [(403, {}, b"no")] * 3 for t in tiles}) as server:
        d = ImageryDialog(None, photos=[LatLon(c.lat, c.lon)], out_folder=tmp_path / "imagery")
        qtbot.addWidget(d)
        d.source.setCurrentText(URL_CHOICE)
        d.url.setText(server.url)
        d.attribution.setText("Demo")
        d.zoom.setValue(19)
        d.margin.setValue(60)
        d._accept()
        start_fetch(w, d.plan)
        qtbot.waitUntil(lambda: not w.runner.busy, timeout=60_000)
    assert w.message_bar.level == "error"
    # fewer tiles than STOP_AFTER_REFUSALS: the fetch ends with every tile failed, not a FetchError
    assert w.message_bar.text.startswith("No tile could be fetched from")
    assert f"{d.plan.out.name} was not created" in w.message_bar.text
    # why, in the bar itself (session 36: only under Details…)
    assert "403" in w.message_bar.text and "Details… lists each tile" in w.message_bar.text, w.message_bar.text
    assert not d.plan.out.exists()
    w.close()


def test_the_progress_line_names_the_fetch_stage():
    from geolocator.core.progress import ProgressEvent
    from geolocator.gui.progress_panel import describe

    assert describe(ProgressEvent("fetch", 3, 81, "3 fetched", eta_s=12)) == "Fetching imagery · 3/81 · 12 s left"


def test_the_results_panel_wraps_between_figures_and_counts_one_point(qtbot):
    """The photo line ("39.8 m above take-off · ... footprint ~68 x 38 m · 2016-06-23 16:31:59")
    wraps in the results panel; a figure must not break ("39.8" / "m", "16:31:59" alone)."""
    from datetime import datetime
    from pathlib import Path

    from geolocator.core.model import PhotoMeta, Query
    from geolocator.gui.results_panel import ResultsPanel, TileCard

    meta = PhotoMeta(make="DJI", model="FC300S", width=4000, height=2250, relative_altitude_m=39.8,
                     gimbal_yaw_deg=45.0, gimbal_pitch_deg=-89.9, focal_length_mm=3.61, sensor_width_mm=6.16,
                     captured_at=datetime(2016, 6, 23, 16, 31, 59))
    panel = ResultsPanel()
    qtbot.addWidget(panel)
    panel.show_query(Query("DJI_0042.JPG", Path("DJI_0042.JPG"), meta=meta), None, None, {})
    panel.resize(560, 300)
    panel.show()
    qtbot.waitExposed(panel)
    lines = wrapped_lines(panel.details)
    assert len(lines) > len(panel.details.text().splitlines())  # it does wrap at this width
    for figure in ("39.8 m", "yaw 45.0°", "~68 x 38 m", "2016-06-23 16:31:59"):
        assert any(figure in line for line in lines), (figure, lines)
    card = TileCard()
    qtbot.addWidget(card)
    card.set_match(2, 0.5, "t.jpg", None, None, inliers=1)
    assert card.points.text() == "1 matching pt"
    card.set_match(2, 0.5, "t.jpg", None, None, inliers=44)
    assert card.points.text() == "44 matching pts"


def test_the_about_box_names_the_version(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from geolocator import __version__

    from .test_imagery_dialog import _window

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda parent, title, text: shown.append((title, text)))
    w = _window(qtbot, tmp_path)
    w.act_about.trigger()
    assert shown and shown[0][1].startswith(f"Geolocator {__version__}\n")
    # appwalk37: it said one sentence and pointed nowhere; now the keys (from the actions) and the guide
    text = shown[0][1]
    assert "F6 moves between the panes" in text and "Del removes the selected photos" in text
    assert "Esc cancels running work" in text and "aerial imagery" in text
    from pathlib import Path

    guide = Path(__file__).resolve().parents[1] / "docs" / "app.md"
    assert f"Every menu, panel and message: {guide};" in text and guide.is_file()
    w.close()


def test_an_expected_error_has_no_traceback_behind_details(qtbot, tmp_path):
    """A refused fetch (FetchError) put a Python traceback behind the message bar's Details…."""
    from geolocator.core.sources.fetch import FetchError

    from .test_imagery_dialog import _window

    w = _window(qtbot, tmp_path)
    tb = 'Traceback (most recent call last):\n  File "x.py", line 1\nFetchError: no'
    w._on_job_error(FetchError("tiles.example.org: the server refused the first 10 tiles"), tb)
    assert w.message_bar.level == "error" and "refused" in w.message_bar.text
    assert "Traceback" not in w.message_bar._details and w.message_bar._details_btn.isHidden()
    w._on_job_error(RuntimeError("boom"), tb)  # a bug: the traceback is what a report needs
    assert w.message_bar.text == "unexpected error: RuntimeError: boom" and "Traceback" in w.message_bar._details
    w.close()
