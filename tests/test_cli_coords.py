"""`geolocator locate --coords mgrs,dmm`: the per-photo lines a rescue team copies from the terminal.

Session 21 (newuser21): the CLI printed WGS84 decimal degrees only; a ground team reads MGRS and a
helicopter crew degrees and minutes, so every answer had to be converted by hand. Also: on a
de_DE / fr_FR laptop people type "0,5"; `--every 0,5` said only "not a number of seconds" and
`--gnss-prior 12,5` argparse's "invalid float value": now both say to write the decimal with a dot
(the comma is not read as a decimal mark: "1,000" would then be 1, not a thousand)."""

from __future__ import annotations

import pytest

from geolocator.cli import build_parser, coords_cells
from geolocator.core.model import LatLon


def _locate(*extra):
    return build_parser().parse_args(["locate", "photos", "--tiles", "tiles.csv", *extra])


def test_coords_takes_formats_in_order_and_prints_them_as_cells():
    args = _locate("--coords", "MGRS, dmm")
    assert args.coords == ["mgrs", "dmm"]
    assert coords_cells(LatLon(46.0, 9.0), args.coords) == \
        "\tmgrs=32T NR 00000 94047\tdmm=N 46° 00.000' E 009° 00.000'"  # MGRS: PyPI mgrs 1.6.0
    assert _locate().coords is None and coords_cells(LatLon(46.0, 9.0), None) == ""


def test_a_grid_that_does_not_cover_the_point_says_why():
    assert coords_cells(LatLon(36.14, -115.23), ["lv95"]) == "\tlv95=outside Switzerland's LV95 grid"


def test_an_unknown_format_is_refused_naming_the_choices(capsys):
    with pytest.raises(SystemExit):
        _locate("--coords", "mgrs,osgb")
    err = capsys.readouterr().err
    assert "unknown coordinate format 'osgb'" in err and "mgrs" in err and "lv95" in err


@pytest.mark.parametrize("option, text, said", [("--every", "0,5", "not a number of seconds: '0,5'"),
                                                 ("--gnss-prior", "12,5", "not a number of metres: '12,5'")])
def test_a_decimal_comma_is_refused_with_the_dot_to_write(capsys, option, text, said):
    with pytest.raises(SystemExit):
        _locate(option, text)
    err = capsys.readouterr().err
    assert said in err and f"(write decimals with a dot: {text.replace(',', '.')})" in err
    assert _locate(option, text.replace(",", ".")) is not None
