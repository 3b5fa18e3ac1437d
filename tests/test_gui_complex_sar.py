"""A complex-valued SAR raster opened in the app (session 20, mend20): the message bar says the plain
sentence naming the file, nothing is opened, and the app keeps working. Before: it opened as tiles of
the pixels' real part (numpy's ComplexWarning on the console only)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
pytest.importorskip("rasterio")

from .test_complex_sar import SENTENCE, _sar  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


def test_the_app_says_complex_sar_data_naming_the_file(qtbot, dirs):  # noqa: F811
    tif = _sar(dirs / "slc.tif")
    w = make_window(qtbot, dirs)
    w.open_tileset(tif, tile_size_m=16)  # as the menu does once its tile size box is answered
    qtbot.waitUntil(lambda: w.message_bar.level == "error", timeout=180_000)
    wait_idle(qtbot, w)
    assert w.message_bar.text.startswith(f"{tif}: " + SENTENCE.format("complex64")), w.message_bar.text
    assert w.tileset_path is None
    w.close()
