"""The app's Evaluation panel scores by the rule `geolocator eval` scores by (session 14): truth far
outside the tiles is not scored (core.evaluate.scored_queries), and the panel says so."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.gui.main_window import MainWindow  # noqa: E402

from .test_first_hour_faults import _photo_with_gps  # noqa: E402
from .test_gui_first_hour import dirs, make_window, tiny_tileset, wait_idle  # noqa: E402,F401


def _panel(w: MainWindow) -> str:
    return w.eval_panel.label.text().replace("\xa0", " ")


def test_the_evaluation_panel_does_not_score_truth_far_from_the_tiles(qtbot, dirs):
    """Session 13: one Duluth DJI photo on the Las Vegas demo tiles read "1 image with truth, R@1
    0.0 %, Point error median 2,259 km" in the panel, while `eval` ignores that truth.

    The tiny tile set covers 10.000-10.002 E, 50.000-50.001 N (two tiles ~70 x 110 m); Duluth
    (46.84 N, 91.99 W) is ~6,900 km away; the second photo's GPS (50.0005 N, 10.0005 E) lies in
    tile t0, so the Point of any answer in this set is within the set's diagonal (~170 m) of it."""
    csv = tiny_tileset(dirs / "region")
    photos = dirs / "photos"
    photos.mkdir()
    _photo_with_gps(photos / "duluth.jpg", 46.8426071, -91.9945599)
    _photo_with_gps(photos / "near.jpg", 50.0005, 10.0005)
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)

    w.add_paths([photos / "duluth.jpg"])
    wait_idle(qtbot, w)
    assert len(w.predictions) == 1
    far_row = next(iter(w.predictions.values()))
    assert far_row.error_m is not None and far_row.error_m > 6_000_000  # the row keeps its error
    text = _panel(w)
    assert "R@1" not in text and "with truth," not in text and "No truth known" not in text
    # how it was placed, as `locate` says it, since nothing is scored (session 18)
    assert text == "1 image located: 0 confident, 1 tile level only. 1 image with truth far from the tiles: not scored."

    w.add_paths([photos / "near.jpg"])
    wait_idle(qtbot, w)
    assert len(w.predictions) == 2
    lines = _panel(w).splitlines()
    assert lines[0] == "Frozen backbone · 1 image with truth, 2 tiles"
    assert lines[1] == "1 image with truth far from the tiles: not scored"
    point = next(line for line in lines if line.startswith("Point error"))
    assert " km" not in point  # the near photo's error alone (< 170 m), not 6,900 km


def test_the_status_bar_counts_one_tile_in_the_singular(qtbot, dirs):
    """Session 14: `geolocator photos/ ortho.tif --screenshot` on a ~50 m GeoTIFF cut into one tile
    read "1 tiles of about 50 x 50 m" under the window."""
    csv = tiny_tileset(dirs / "region", n=1)
    w: MainWindow = make_window(qtbot, dirs)
    w.open_tileset(csv)
    wait_idle(qtbot, w)
    assert "  ·  1 tile of about " in w.tileset_label.text()
