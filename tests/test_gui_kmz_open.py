"""The app's File → Open Tile Set… offers Google Earth overlays (.kmz / .kml) and opens one."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
pytest.importorskip("rasterio")

from .flight_helpers import demo_mosaic  # noqa: E402
from .helpers import app_window  # noqa: E402
from .test_kml_overlay import _box, _kml, _kmz  # noqa: E402


@pytest.mark.slow  # the app window and its tile index (about 12 s on 2 cores)
def test_open_tile_set_dialog_lists_and_opens_a_kmz(qtbot, tmp_path, monkeypatch):
    import geolocator.gui.main_window as main_window

    monkeypatch.setenv("GEOLOCATOR_NORTHUP_DIR", str(tmp_path / "northup"))
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    mosaic, b = demo_mosaic(0.5)
    kmz = _kmz(tmp_path / "demo.kmz", _kml(_box(b)), mosaic)
    asked = []

    def pick(parent, caption, folder, filters):
        asked.append(filters)
        return str(kmz), filters

    monkeypatch.setattr(main_window.file_dialogs, "open_file", pick)
    w = app_window(qtbot, tmp_path, tile_views=("rot0",), verify=False)
    w.choose_tileset_file()
    qtbot.waitUntil(lambda: not w.runner.busy, timeout=120_000)
    assert "*.kmz" in asked[0] and "*.kml" in asked[0]
    assert w.tileset_path == kmz and w.tileset_len > 0, w.message_bar.text
    w.close()
