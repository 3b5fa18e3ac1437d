"""Imagery without a coordinate system, opened in the app (session 18, mend18). The app's error said
"(e.g. --epsg 32633)" and "give the one it was made in with --epsg": a flag an app user never sees, and
for a GeoTIFF or a single image with a world file the app had no box to give it in. Now the Coordinate
system box asks for it when such a tile set is opened from the menu (or dropped), and every error names
that box, not the flag. The CLI keeps its flag (tests/test_sources_exact2.py)."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtCore")
pytest.importorskip("rasterio")

from PIL import Image  # noqa: E402
from PySide6.QtWidgets import QInputDialog  # noqa: E402

from geolocator.core.errors import CrsMissing  # noqa: E402
from geolocator.gui import number_input  # noqa: E402
from geolocator.gui.warnings_log import app_error_wording  # noqa: E402

from .test_epsg_disagrees import _geotiff  # noqa: E402
from .test_gui_first_hour import dirs, make_window, wait_idle  # noqa: E402,F401


class _Asked:
    """QInputDialog.getText / number_input.ask_decimal answered without a person: the texts given, the prompts seen."""

    def __init__(self, monkeypatch, texts):
        self.texts, self.prompts = list(texts), []
        # the GeoTIFF's numbers: through number_input (a locale-bound getDouble read "50.5" as 505 on a
        # de_DE laptop, session 21); `numbers` says which boxes asked
        self.numbers = {"ask_decimal": [], "getDouble": []}
        monkeypatch.setattr(QInputDialog, "getText", self._text)
        monkeypatch.setattr(number_input, "ask_decimal", self._number("ask_decimal"))
        monkeypatch.setattr(QInputDialog, "getDouble", self._number("getDouble"))

    def _number(self, which):
        def answer(parent, title, label, value, *args, **kwargs):
            self.numbers[which].append(label)
            return value, True
        return answer

    def _text(self, parent, title, label, *args, **kwargs):
        self.prompts.append((title, label))
        answer = self.texts.pop(0)
        return (answer, answer is not None) if answer is not None else ("", False)


def test_a_geotiff_without_a_crs_asks_the_coordinate_system_box_and_opens(qtbot, dirs, monkeypatch):  # noqa: F811
    """Before: the app opened nothing and said "--epsg"; no box asked."""
    tif = _geotiff(dirs / "nocrs.tif", crs=None)
    asked = _Asked(monkeypatch, ["EPSG:32633"])
    w = make_window(qtbot, dirs)
    w.open_tileset_interactive(tif)
    qtbot.waitUntil(lambda: w.tileset_path == tif, timeout=180_000)
    wait_idle(qtbot, w)
    [(title, label)] = asked.prompts
    assert title == "Coordinate system" and "nocrs.tif: the GeoTIFF has no coordinate system" in label
    assert asked.numbers == {"ask_decimal": ["Tile size on the ground (m):", "Overlap between tiles (0–0.9):"],
                             "getDouble": []}
    assert w.message_bar.level != "error"
    w.close()


def test_a_cancelled_box_says_where_to_give_it_in_the_apps_words(qtbot, dirs, monkeypatch):  # noqa: F811
    tif = _geotiff(dirs / "nocrs.tif", crs=None)
    _Asked(monkeypatch, [None])  # the person cancels the box
    w = make_window(qtbot, dirs)
    w.open_tileset_interactive(tif)
    qtbot.waitUntil(lambda: w.message_bar.level == "error", timeout=180_000)
    text = w.message_bar.text
    assert text.startswith(f"{tif}: the GeoTIFF has no coordinate system (CRS). Open it again")
    assert "Coordinate system box" in text and "--epsg" not in text
    assert w.tileset_path is None
    w.close()


def test_a_plain_tiff_is_not_asked_a_crs_it_could_not_use(qtbot, dirs, monkeypatch):  # noqa: F811
    """A TIFF with no position on the ground at all: a coordinate system alone would not place it, so the
    box is not shown (asking would only fail again); the message says how to georeference it."""
    plain = dirs / "plain.tif"
    Image.new("RGB", (40, 40), (90, 120, 60)).save(plain)
    asked = _Asked(monkeypatch, ["32633"])
    w = make_window(qtbot, dirs)
    w.open_tileset_interactive(plain)
    qtbot.waitUntil(lambda: w.message_bar.level == "error", timeout=180_000)
    assert asked.prompts == []
    assert w.message_bar.text.startswith(f"{plain}: the TIFF has no georeference") and "--epsg" not in w.message_bar.text
    w.close()


def test_every_crs_error_names_the_box_not_the_flag(tmp_path):
    """The three places the core raises for a missing CRS (a GeoTIFF, a folder of world files, one image
    with a world file) and the plain TIFF, as the app words them."""
    from geolocator.core.sources.geotiff import cut_geotiff
    from geolocator.core.sources.worldfile import cut_world_file_image, load_world_file_folder
    from geolocator.core.sources.registry import LoadOptions

    tif = _geotiff(tmp_path / "nocrs.tif", crs=None)
    folder = tmp_path / "wf"
    folder.mkdir()
    Image.new("RGB", (40, 40), (90, 120, 60)).save(folder / "a.png")
    (folder / "a.pgw").write_text("1\n0\n0\n-1\n500000\n5000000\n")
    plain = tmp_path / "plain.tif"
    Image.new("RGB", (40, 40), (90, 120, 60)).save(plain)
    errors = []
    for call in (lambda: cut_geotiff(tif, 50), lambda: load_world_file_folder(folder, None),
                 lambda: cut_world_file_image(folder / "a.png", LoadOptions()), lambda: cut_geotiff(plain, 50)):
        with pytest.raises(CrsMissing) as caught:
            call()
        errors.append(caught.value)
    assert all("--epsg" in str(e) for e in errors)  # the CLI's message names its flag
    words = [app_error_wording(e) for e in errors]
    assert all("--epsg" not in x for x in words)
    assert [x.split(": ", 1)[1].split(".")[0] for x in words[:3]] == [
        "the GeoTIFF has no coordinate system (CRS)", "the images with world files have no coordinate system (CRS)",
        "the image with a world file has no coordinate system (CRS)"]
    assert all("Coordinate system box" in x for x in words[:3])
    assert "open it again: the app then asks for its coordinate system" in words[3]
    assert not errors[3].placeable
