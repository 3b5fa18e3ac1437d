"""The app's number boxes read "50.5" and "50,5" alike on a German or French laptop.

Session 21 (newuser21, a rescue team's laptops in de_DE / fr_FR): Qt's QInputDialog.getDouble follows
the system locale, where "." is the thousands separator; the "Cut the GeoTIFF" box took a tile size
typed "50.5" as 505 m (and an overlap "0.25" as 25, out of its range). The boxes now show a dot, as
every other figure in the app, and take either mark as the decimal; group separators are refused."""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from PySide6.QtCore import QLocale, QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog  # noqa: E402


@pytest.fixture
def german():
    before = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    yield
    QLocale.setDefault(before)


def _typed(qtbot, text, lo=0.0, hi=1000.0, decimals=2):
    from geolocator.gui.number_input import DecimalSpinBox

    box = DecimalSpinBox()
    qtbot.addWidget(box)
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.lineEdit().selectAll()
    QTest.keyClicks(box, text)
    box.interpretText()
    return box.value(), box.text()


@pytest.mark.parametrize("locale_name", ["de_DE", "fr_FR", "en_US"])
def test_dot_and_comma_are_the_decimal_mark_on_any_locale(qtbot, locale_name):
    before = QLocale()
    QLocale.setDefault(QLocale(locale_name))
    try:
        assert _typed(qtbot, "50.5") == (50.5, "50.50")
        assert _typed(qtbot, "50,5") == (50.5, "50.50")
        assert _typed(qtbot, "0.25", hi=0.9)[0] == 0.25
        assert _typed(qtbot, "1.000")[0] == 1.0  # a group separator is never read: not a thousand
    finally:
        QLocale.setDefault(before)


def test_the_geotiff_boxes_answer_what_was_typed(qtbot, german):
    """ask_decimal, as the "Cut the GeoTIFF" boxes use it: typed, OK, the value; Cancel, the default."""
    from geolocator.gui.number_input import ask_decimal

    def answer(text, accept):
        def run():
            dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible())
            box = dialog.spin_box
            box.lineEdit().selectAll()
            QTest.keyClicks(box, text)
            (dialog.accept if accept else dialog.reject)()
        QTimer.singleShot(50, run)

    answer("50.5", True)
    assert ask_decimal(None, "Cut the GeoTIFF", "Tile size on the ground (m):", 100.0, 5.0, 10000.0, 1) == (50.5, True)
    answer("0,25", True)
    assert ask_decimal(None, "Cut the GeoTIFF", "Overlap (0–0.9):", 0.0, 0.0, 0.9, 2) == (0.25, True)
    answer("70", False)
    assert ask_decimal(None, "Cut the GeoTIFF", "Tile size on the ground (m):", 100.0, 5.0, 10000.0, 1) == (100.0, False)


def test_the_value_shown_is_selected_so_typing_replaces_it(qtbot, german):
    """The box opens with its value selected, as QInputDialog's did: typing a number replaces it. (NI2, the
    box's selectAll() left out, still passes: Qt 6's spin box selects its text when the dialog focuses it.)"""
    from geolocator.gui.number_input import ask_decimal

    def run():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible())
        QTest.keyClicks(dialog.spin_box, "50.5")
        dialog.accept()
    QTimer.singleShot(50, run)
    assert ask_decimal(None, "Cut the GeoTIFF", "Tile size on the ground (m):", 100.0, 5.0, 10000.0, 1) == (50.5, True)


def test_a_long_question_wraps_at_about_60_characters_on_a_wide_screen(qtbot, monkeypatch):
    """The dialog is about 60 characters wide where the screen has room for more, its question wrapped
    (NI1: as wide as the whole question on one line, 300 characters, on a 3000 px wide screen)."""
    from PySide6.QtCore import QSize

    from geolocator.gui import screen_fit
    from geolocator.gui.number_input import ask_whole

    monkeypatch.setattr(screen_fit, "room", lambda widget: QSize(3000, 2000))
    widths = []

    def run():
        dialog = next(w for w in QApplication.topLevelWidgets() if isinstance(w, QDialog) and w.isVisible())
        widths.append((dialog.width(), dialog.fontMetrics().averageCharWidth()))
        dialog.reject()
    QTimer.singleShot(50, run)
    ask_whole(None, "Free Disk Space", "Remove what was last used more than this many days ago? " * 5, 30, 1, 3650)
    width, char = widths[0]
    assert width <= 70 * char
