"""The app's Get Imagery Box given in a CRS partly outside its area of use says so under the estimate, in
the Box's words (as fetch-tiles --bbox-crs warns; session 35)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")

from geolocator.core.model import LatLon  # noqa: E402
from geolocator.gui.imagery_dialog import URL_CHOICE, ImageryDialog  # noqa: E402

from .test_bbox_crs_area_of_use import _box_in  # noqa: E402


def test_the_apps_box_says_the_same_in_its_own_words(qtbot, tmp_path):
    d = ImageryDialog(None, photos=[LatLon(48.2, 11.5)], out_folder=tmp_path / "imagery")
    qtbot.addWidget(d)
    d.source.setCurrentText(URL_CHOICE)
    d.url.setText("http://127.0.0.1:9/{z}/{x}/{y}.jpg")
    d.attribution.setText("D")
    d.zoom.setValue(8)
    d.box.setChecked(True)
    d.bbox.setText(_box_in("EPSG:32632", 11.0, 48.0, 13.0, 48.5))
    d.bbox_crs.setText("EPSG:32632")
    text = d.estimate.text()
    assert "tiles at zoom 8" in text and d.fetch_button.isEnabled()  # warned of, still fetched if wanted
    assert "lies 50% outside the area EPSG:32632 is made for" in text
    assert "--bbox" not in text and text.split("\n")[1].startswith("Box ")
    d.bbox.setText(_box_in("EPSG:32632", 11.0, 48.0, 11.9, 48.5))
    assert "outside" not in d.estimate.text()
