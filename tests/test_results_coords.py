"""The Results pane writes the Point in the format a team reads and copies it in one click; the
map's popup gives it as MGRS and degrees-minutes.

Session 21 (newuser21, a mountain rescue team): the pane and the popup gave "50.125000, 10.250000"
only; a ground team reads MGRS, a helicopter crew degrees and minutes, and selecting the decimal
pair with the mouse and converting it by hand is where mistakes are made during a search. The
pane's format is kept in settings.json; an unknown one (a later version's) falls back to degrees."""

from __future__ import annotations

import os
from dataclasses import replace

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from geolocator.core.model import LatLon  # noqa: E402

from .helpers import two_tile_prediction  # noqa: E402

MGRS = "32U NA 89350 53276"  # 50.125 N, 10.25 E (PyPI mgrs 1.6.0)


def _panel(qtbot):
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    qtbot.addWidget(panel)
    return panel


def test_the_point_in_the_chosen_format_and_copied_in_one_click(qtbot, tmp_path):
    from PySide6.QtGui import QGuiApplication

    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="verified")
    panel.show_query(pred.query, pred, None, {})
    assert _shown(panel) == "50.125000, 10.250000" and panel.copy_button.isEnabled()
    with qtbot.waitSignal(panel.format_changed) as chosen:
        panel.coords_format.setCurrentIndex(panel.coords_format.findData("mgrs"))
    assert chosen.args == ["mgrs"] and _shown(panel) == MGRS
    with qtbot.waitSignal(panel.coordinates_copied) as copied:
        panel.copy_button.click()
    assert copied.args == [MGRS] and QGuiApplication.clipboard().text() == MGRS
    panel.set_coords_format("dmm")
    assert _shown(panel) == "N 50° 07.500' E 010° 15.000'"


def test_a_flight_frame_gives_its_place_on_the_track(qtbot, tmp_path):
    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="verified")
    on_track = replace(pred, location=LatLon(46.0, 9.0))  # what the map and every export give
    panel.set_coords_format("mgrs")
    panel.show_query(pred.query, pred, None, {}, exported=on_track, track_status="interpolated")
    assert _shown(panel) == "32T NR 00000 94047"


def test_nothing_to_copy_for_a_photo_not_located_or_outside_the_grid(qtbot, tmp_path):
    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="not located", note="blank frame")
    panel.show_query(pred.query, pred, None, {})
    assert _shown(panel) == "" and not panel.copy_button.isEnabled()
    panel.set_coords_format("lv95")  # 50.1 N, 10.25 E is Germany: no LV95
    panel.show_query(pred.query, replace(pred, status="verified", note=None), None, {})
    assert _shown(panel) == "(outside Switzerland's LV95 grid)" and not panel.copy_button.isEnabled()
    panel.copy_coordinates()  # does nothing, raises nothing


def test_a_photo_not_located_gives_no_coordinates_in_the_details_either(qtbot, tmp_path):
    """Session 33 (appuser33, field case 11): the Copy button was off for a blank frame, but the details
    still read 'Location  50.125000, 10.250000 (weighted; tile centre ...)' and 'error 33 m' beside
    its truth: the candidates' middle as a place to copy by hand, and an error of a claim never made."""
    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="not located", note="blank frame", truth=LatLon(50.2, 10.3),
                               error_m=9300.0)
    panel.show_query(pred.query, pred, None, {})
    text = panel.details.text().replace("\xa0", " ")  # figures kept together by no-break spaces
    assert "Location  none: not located, no place is claimed" in text
    assert "50.125" not in text and "10.25" not in text and "tile centre 50.1" not in text
    assert "error 9.3 km" not in text and "the candidates' middle is 9.3 km away (no claim, so no error)" in text
    # nor a radius around the place it does not claim ('confidence 0.000 that it is within 35 m'), as the map's popup
    assert "Status  not located   confidence 0.700" in text and "within" not in text
    assert "within" not in panel.status_line.text() and "confidence 0.700" in panel.status_line.text()
    # the list's Conf. tooltip says the same
    from geolocator.gui.query_list import QueryList

    rows = QueryList()
    qtbot.addWidget(rows)
    rows.add_queries([pred.query])
    rows.set_prediction(pred)
    assert rows.topLevelItem(0).confidence_tip() == "confidence 0.700: not located, no place is claimed"
    rows.set_prediction(replace(pred, status="verified", note=None))
    assert "within" in rows.topLevelItem(0).confidence_tip()
    # the flight frame the track left not located: its Location line is none too
    panel.show_query(pred.query, replace(pred, status="verified", note=None), None, {}, exported=pred,
                     track_status="not located", track_error=(9300.0, "point"))
    text = panel.details.text().replace("\xa0", " ")  # figures kept together by no-break spaces
    assert "Location  none: not located" in text and "Location  50.125" not in text
    # a located answer keeps its coordinates and its error
    panel.show_query(pred.query, replace(pred, status="verified", note=None), None, {})
    text = panel.details.text().replace("\xa0", " ")
    assert "Location  50.125000, 10.250000" in text and "error 9.3 km" in text


def test_the_caution_is_said_under_the_photo_where_it_is_seen_without_scrolling(qtbot, tmp_path):
    """Session 33 (appuser33, demo photos against Rotterdam's tiles): the Results pane's 'Caution: may not be in
    these tiles: …' was the details' third line, below their fold at 1440 x 900; the caption under the photo
    said only 'tile level only / confidence 0.094 that it is within 35 m'."""
    from geolocator.core.outside_tiles import OUTSIDE_CAUTION

    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="retrieved", conf=0.094, caution=OUTSIDE_CAUTION)
    panel.show_query(pred.query, pred, None, {})
    assert panel.status_line.text().endswith("\ncaution: may not be in these tiles")
    assert f"Caution: {OUTSIDE_CAUTION}" in panel.details.text().replace("\xa0", " ")  # the whole sentence there
    panel.show_query(pred.query, replace(pred, caution=None), None, {})
    assert "caution" not in panel.status_line.text()


def test_an_unknown_saved_format_falls_back_to_degrees(qtbot, tmp_path):
    import json

    from geolocator.gui.settings import AppSettings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"coords_format": "osgb", "top_k": 5}), encoding="utf-8")
    panel = _panel(qtbot)
    panel.set_coords_format(AppSettings.load(path).coords_format)
    assert panel.coords_format_key() == "dd"
    path.write_text(json.dumps({"coords_format": "mgrs"}), encoding="utf-8")
    assert AppSettings.load(path).coords_format == "mgrs"


def test_the_map_popup_gives_mgrs_and_degrees_minutes_escaped(tmp_path):
    from geolocator.core.webmap import popup_html

    pred = two_tile_prediction(tmp_path, status="verified")
    html = popup_html(pred, None)
    assert f"<th style='text-align:left;padding-right:6px'>MGRS</th><td>{MGRS}</td>" in html
    # the minutes' apostrophe is escaped: the popup sits in a JS template literal and in HTML
    assert "N 50° 07.500&#x27; E 010° 15.000&#x27;" in html
    assert "MGRS" not in popup_html(replace(pred, status="not located"), None)


def test_ctrl_shift_c_copies_from_anywhere_in_the_window(qtbot, tmp_path):
    """The operator chooses photos with the arrow keys in the list; the copy must not need the mouse."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    elsewhere = QLineEdit()  # stands for the photo list: the focus is not on the pane
    from geolocator.gui.results_panel import ResultsPanel

    panel = ResultsPanel()
    layout.addWidget(elsewhere)
    layout.addWidget(panel)
    pred = two_tile_prediction(tmp_path, status="verified")
    panel.set_coords_format("mgrs")
    panel.show_query(pred.query, pred, None, {})
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    elsewhere.setFocus()
    qtbot.waitUntil(elsewhere.hasFocus)
    QGuiApplication.clipboard().setText("")
    with qtbot.waitSignal(panel.coordinates_copied, timeout=2000):
        qtbot.keyClick(elsewhere, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == MGRS


def _shown(panel) -> str:
    # no-break spaces keep each half (latitude, longitude; MGRS square, digits) on one line
    return panel.coords_text.text().replace("\u00a0", " ")


@pytest.mark.parametrize("width", [328, 420, 1100])  # 328: the pane in a 1024 x 700 window (default layout)
@pytest.mark.parametrize("fmt", ["dd", "dmm", "dms", "utm", "mgrs", "lv95"])
def test_copy_and_the_whole_point_stay_in_sight_narrow_or_wide(qtbot, tmp_path, fmt, width):
    """A 1024 x 700 window gives the pane ~420 px: one row of box, coordinates and Copy pushed Copy out
    of the visible area (right edge 497 px in a 412 px viewport, DMS). Copy now sits beside the box and
    the coordinates on the line below, broken only between latitude and longitude, at any width.
    (Session 21's first fix, an event filter on the scroll viewport, segfaulted the app at exit.)"""
    panel = _panel(qtbot)
    pred = two_tile_prediction(tmp_path, status="verified")
    panel.set_coords_format(fmt)
    panel.show_query(pred.query, replace(pred, location=LatLon(46.95, 7.44)), None, {})
    panel.resize(width, 300)
    panel.show()
    qtbot.waitExposed(panel)
    viewport = panel.details_scroll.viewport()
    for widget in (panel.copy_button, panel.coords_text, panel.coords_format):
        corner = widget.mapTo(viewport, widget.rect().bottomRight())
        assert corner.x() <= viewport.width(), (widget, corner.x(), viewport.width())
    text = panel.coords_text
    assert text.height() >= text.heightForWidth(text.width())  # no line of it cut
    # the photo gives way in a narrow pane (176 px down to what leaves room for the box and Copy)
    assert panel.query_image.width() == (176 if width >= 420 else panel.query_image.height()) >= 96
    assert panel.coords_shown() == _shown(panel)  # what is copied is what is shown
    if fmt in ("dmm", "dms"):
        assert text.text().count(" ") == 1 and text.text().split(" ")[1].startswith("E\u00a0007°")


def test_a_long_photo_name_never_widens_the_pane(qtbot, tmp_path):
    """A photo in a subfolder with a long DJI name (~70 characters) made the pane's minimum 916 px (its
    title, a QLabel as wide as its text): the window grew past a laptop's screen when it was selected.
    The title is now cut in the middle to the pane's width; the whole name stays in text() and the
    tooltip, and the file name's end stays in sight."""
    panel = _panel(qtbot)
    empty = panel.minimumSizeHint().width()
    pred = two_tile_prediction(tmp_path, status="verified")
    name = "flights/2026-07-01 Mont Blanc north face/DJI_20260701103000_0042_W.JPG"
    query = replace(pred.query, id=name)
    panel.show_query(query, replace(pred, query=query), None, {})
    panel.resize(420, 300)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.minimumSizeHint().width() <= empty
    assert panel.title.text() == name and panel.title.toolTip() == name
    shown = super(type(panel.title), panel.title).text()
    assert shown != name and "…" in shown and shown.endswith("_W.JPG")
    assert panel.title.fontMetrics().horizontalAdvance(shown) <= panel.title.width()
