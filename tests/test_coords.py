"""Coordinates as field teams read them (core/coords.py): MGRS, UTM, degrees and minutes, Swiss LV95.

Session 21 (newuser21, a mountain rescue team in the Alps): the app, the CLI and every export gave
WGS84 decimal degrees only, while SAR and military teams read MGRS ("32T MS 12345 67890"), Swiss
teams LV95 and helicopter crews degrees and minutes. The reference strings below were written by the
PyPI `mgrs` 1.6.0 package (GeoTrans) for the same points (the zone's leading zero dropped), and by
swisstopo's LV95 definition (EPSG:2056) through pyproj: facts to check against, not this code's own
output. 93,000 random points agreed with `mgrs` 1.6.0 but for 31 one metre apart in the last digit,
where the two transverse Mercator series differ by less than a millimetre at a metre boundary."""

from __future__ import annotations

import math

import pytest

from geolocator.core import coords


@pytest.mark.parametrize("lat, lon, expected", [
    (46.0, 9.0, "32T NR 00000 94047"),            # Ticino, the central meridian of zone 32
    (46.5, 7.5, "32T LS 84902 50696"),            # Bernese Oberland
    (-33.9, 18.4, "34H BH 59583 45888"),          # southern hemisphere: false northing 10,000 km
    (60.0, 5.0, "32V KM 76979 58157"),            # Norway: zone 32V widened over 31V
    (78.0, 15.0, "33X WG 00000 58369"),           # Svalbard: zone 33X spans 9-21°E
    (36.1418361, -115.2334187, "11S PA 58939 01125"),  # the demo region (Las Vegas)
    (-2.5685946657550147, -143.74756509538832, "7M AT 94452 15762"),  # a one-digit zone
    (0.0, 0.0, "31N AA 66021 00000"),
])
def test_mgrs_matches_the_reference_package(lat, lon, expected):
    assert coords.format_mgrs(lat, lon) == expected


def test_mgrs_digits_are_truncated_so_the_square_contains_the_point():
    # 46.0, 9.0 is 500000.0 mE 5094047.49 mN: 4 digits (10 m) are 0000 9404, 1 digit (10 km) 0 9
    assert coords.format_mgrs(46.0, 9.0, digits=4) == "32T NR 0000 9404"
    assert coords.format_mgrs(46.0, 9.0, digits=1) == "32T NR 0 9"
    with pytest.raises(ValueError, match="1-5"):
        coords.format_mgrs(46.0, 9.0, digits=6)


def test_polar_caps_have_no_utm_band_and_are_said_so():
    assert coords.format_mgrs(84.5, 10.0) is None and coords.format_utm(-80.5, 10.0) is None
    assert coords.format_mgrs(83.9, 10.0) == "33X VP 40754 19502"
    assert "84°N" in coords.not_covered("mgrs")


def test_utm_names_the_band_not_a_hemisphere_and_marks_metres():
    assert coords.format_utm(46.0, 9.0) == "32T 500000mE 5094047mN"
    assert coords.format_utm(-33.9, 18.4).startswith("34H ")  # "34S" would read as "south"


def test_degrees_and_minutes_carry_instead_of_showing_sixty():
    # 46.9999999° is 46° 59.999994': to 3 decimals that is 47° 00.000', never 46° 60.000'
    assert coords.format_dmm(46.9999999, 7.5) == "N 47° 00.000' E 007° 30.000'"
    assert coords.format_dmm(-33.5, -70.25) == "S 33° 30.000' W 070° 15.000'"
    assert coords.format_dms(46.9999999, 7.5) == "N 47° 00' 00.0\" E 007° 30' 00.0\""
    assert coords.format_dms(46.535386, 7.99812) == "N 46° 32' 07.4\" E 007° 59' 53.2\""


def test_lv95_inside_switzerland_only():
    # the old Bern observatory, LV95's origin (2,600,000 / 1,200,000) by swisstopo's definition
    assert coords.format_lv95(46.95108, 7.43863) == "2'600'000 / 1'200'000"
    assert coords.format_lv95(36.14, -115.23) is None
    assert "LV95" in coords.not_covered("lv95")


def test_format_position_names_the_format_and_refuses_positions_off_the_globe():
    assert coords.format_position(46.0, 9.0, "mgrs") == "32T NR 00000 94047"
    assert coords.format_position(46.0, 9.0, "dd") == "46.000000, 9.000000"
    with pytest.raises(ValueError, match="unknown coordinate format 'osgb'"):
        coords.format_position(46.0, 9.0, "osgb")
    for lat, lon in ((91.0, 0.0), (0.0, 181.0), (math.nan, 0.0)):
        with pytest.raises(ValueError, match="not a WGS84 position"):
            coords.format_dmm(lat, lon)


def test_figures_are_written_with_a_dot_whatever_the_locale():
    # a rescuer's laptop in de_DE / fr_FR: Python's formatting never follows LC_NUMERIC, and a
    # radio call reads the same everywhere; checked under a decimal-comma locale where one exists
    import locale

    before = locale.setlocale(locale.LC_NUMERIC)
    try:
        for name in ("de_DE.UTF-8", "fr_FR.UTF-8", "de_DE.utf8"):
            try:
                locale.setlocale(locale.LC_NUMERIC, name)
                break
            except locale.Error:
                continue
        assert coords.format_dmm(46.5, 7.25) == "N 46° 30.000' E 007° 15.000'"
        assert coords.format_dd(46.5, 7.25) == "46.500000, 7.250000"
    finally:
        locale.setlocale(locale.LC_NUMERIC, before)


def test_grid_properties_and_words_for_the_exports():
    assert coords.grid_properties(46.0, 9.0) == {"mgrs": "32T NR 00000 94047", "utm": "32T 500000mE 5094047mN"}
    assert coords.grid_words(46.0, 9.0) == "MGRS 32T NR 00000 94047; N 46° 00.000' E 009° 00.000'"
    assert coords.grid_words(85.0, 9.0) == "N 85° 00.000' E 009° 00.000'"
