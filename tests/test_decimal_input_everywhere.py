"""Every number a person types in the app means the same on a German laptop as on an English one.

Session 21 (newuser21): the Get Imagery dialog's margin box followed the system locale (QLocale de_DE,
"." the thousands separator) and whole metres only, so "0.5" typed there became 5 m; "0,5" was taken
apart the same way. The "Cut the GeoTIFF" boxes had been mended (gui/number_input.py); the margin box
had not. The area box "W,S,E,N" is the other number the dialog reads: a German user who writes the
decimal comma cannot use "," between the four numbers, and "W;S;E;N" (or spaces) was refused.
"""

from __future__ import annotations

import os

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWidgets")
os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"

from PySide6.QtCore import QLocale  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from geolocator.core.errors import GeolocatorError  # noqa: E402
from geolocator.core.model import LatLon  # noqa: E402
from geolocator.core.sources import fetch as F  # noqa: E402


@pytest.fixture(params=["de_DE", "fr_FR", "en_US"])
def locale_name(request):
    before = QLocale()
    QLocale.setDefault(QLocale(request.param))
    yield request.param
    QLocale.setDefault(before)


def _type(box, text: str) -> None:
    box.lineEdit().selectAll()
    QTest.keyClicks(box, text)
    box.interpretText()


def test_the_imagery_margin_reads_half_a_metre_on_any_locale(qtbot, tmp_path, locale_name):
    """de_DE: "0.5" was 5 m (the dot a group separator, the box whole metres); now 0.5 m everywhere,
    written "250 m margin" (no trailing zeros) as before."""
    from geolocator.gui.imagery_dialog import ImageryDialog

    d = ImageryDialog(None, photos=[LatLon(36.14, -115.23), LatLon(36.141, -115.231)], out_folder=tmp_path)
    qtbot.addWidget(d)
    assert d.margin.text() == f"{F.DEFAULT_MARGIN_M:g} m margin"
    _type(d.margin, "0.5")
    assert d.margin.value() == 0.5, locale_name
    _type(d.margin, "0,5")
    assert d.margin.value() == 0.5, locale_name
    assert d.margin.text() == "0.5 m margin"
    _type(d.margin, "1.000")  # never a thousand: group separators are not read
    assert d.margin.value() == 1.0
    _type(d.margin, "120")
    assert d.margin.value() == 120 and d.margin.text() == "120 m margin"


def test_the_area_box_takes_the_decimal_comma_between_semicolons_or_spaces():
    """"W,S,E,N" with dots stays; "W;S;E;N" or "W S E N" may use either decimal mark (the CLI's --bbox
    and the dialog's box read the same). Ambiguous text is still refused with the same message."""
    want = F.Bounds(7.5, 46.25, 7.625, 46.375)
    assert F.parse_bbox("7.5,46.25,7.625,46.375") == want
    assert F.parse_bbox("7,5;46,25;7,625;46,375") == want
    assert F.parse_bbox("7,5; 46,25; 7,625; 46,375") == want
    assert F.parse_bbox("7,5 46,25 7,625 46,375") == want
    assert F.parse_bbox("7.5 46.25 7.625 46.375") == want
    for bad in ("7,5,46,25,7,625,46,375", "7,5;46,25;7,625", "1.000,5;46;7;47", "a;b;c;d"):
        with pytest.raises(F.BadBbox):
            F.parse_bbox(bad)
    with pytest.raises(GeolocatorError):
        F.parse_bbox("8;46;7;47")  # west > east: the check after parsing is unchanged


def test_the_cli_area_reads_the_same_forms():
    """`--area` (the tile set's area, which may cross the antimeridian) read "W;S;E;N" with dots only;
    it now shares --bbox's reading (fetch.bbox_numbers)."""
    from geolocator.cli import _area_arg

    assert _area_arg("7,5;46,25;7,625;46,375") == F.Bounds(7.5, 46.25, 7.625, 46.375)
    assert _area_arg("179.5,-17,-179.5,-16.5") == F.Bounds(179.5, -17, -179.5, -16.5)


def test_decimal_commas_between_spaces_are_never_read_as_four_comma_parted_numbers():
    """Session 23: "0,5 1,5 2,5 3" (a decimal-comma user's W S E N, one number whole) has three commas,
    so bbox_numbers took them as the separators and read W 0, S 51, E 52, N 53: a valid box some 5,500 km
    away, fetched without a word. Four words that are each a number are now read as four numbers, a
    comma inside one its decimal mark; other text as before (spaces dropped, commas separate)."""
    assert F.bbox_numbers("0,5 1,5 2,5 3") == (0.5, 1.5, 2.5, 3.0)
    assert F.parse_bbox("7,5 46 7,625 46,375") == F.Bounds(7.5, 46.0, 7.625, 46.375)
    assert F.bbox_numbers("7.5, 46.25, 7.625, 46.375") == (7.5, 46.25, 7.625, 46.375)  # commas with spaces: as before
    # a space on one side of a separating comma keeps the comma a separator
    assert F.bbox_numbers("10 ,46 ,11 ,47") == F.bbox_numbers("10, 46, 11, 47") == (10.0, 46.0, 11.0, 47.0)
    assert F.bbox_numbers(".5 1 2 3") == (0.5, 1.0, 2.0, 3.0)  # spaces only, a number without its 0: as before
