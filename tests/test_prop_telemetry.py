"""Property tests of the DJI-style telemetry reader (core/media/telemetry.py): a subtitle file written in
any of the layouts DJI's drones write (bracketed Mini/Air/Mavic 3 fields, the Mavic 2 / Air fields with
DJI's own spelling "longtitude", the legacy Phantom 4 / Mavic Pro GPS tuple after its HOME tuple, the
compact Mavic Pro / P4 RTK line), with a BOM or not, Windows line ends or not, a <font> wrapper or not,
spaces around the colons or not, reads back to the positions written (to the digits written), in time
order. Deterministic (derandomize): the same files every run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from geolocator.core.media import telemetry as tm

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .prop_profile import prop  # noqa: E402

LAYOUTS = ("bracketed", "mavic2", "legacy", "compact")


def _cue_text(layout: str, lat: str, lon: str, colon: str, when: str) -> str:
    if layout == "bracketed":  # Mini 3 / Air 2S / Mavic 3
        return (f"FrameCnt: 1, DiffTime: 33ms\n{when}\n[iso{colon}100] [shutter{colon}1/1000.0] [fnum{colon}2.8] "
                f"[focal_len{colon}24.00] [latitude{colon}{lat}] [longitude{colon}{lon}] "
                f"[rel_alt{colon}39.800 abs_alt{colon}212.100] [ct{colon}5500]")
    if layout == "mavic2":  # Mavic 2 Pro / Zoom, Mavic Air: DJI's spelling, one altitude
        return (f"SrtCnt : 1, DiffTime : 33ms\n{when}\n[iso{colon}100] [shutter{colon}1/400.0] [fnum{colon}280] "
                f"[ev{colon}0] [ct{colon}5600] [color_md{colon}default] [focal_len{colon}280] "
                f"[latitude{colon}{lat}] [longtitude{colon}{lon}] [altitude{colon}548.400024]")
    if layout == "legacy":  # Phantom 4: the home point first, then the aircraft's (lon, lat, alt)
        return f"HOME(8.0001,47.0001) {when}\nGPS({lon},{lat},19) BAROMETER:39.8"
    return f"F/2.8, SS 320.38, ISO 100, EV 0, GPS ({lon}, {lat}, 19), D 24.26m, H 6.30m, H.S 0.00m/s, V.S 0.00m/s"


def _stamp(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


@st.composite
def srt_files(draw):
    layout = draw(st.sampled_from(LAYOUTS))
    n = draw(st.integers(1, 5))
    places = []
    for _ in range(n):
        lat = draw(st.floats(-89.9, 89.9).filter(lambda x: abs(x) > 1e-3))
        lon = draw(st.floats(-179.9, 179.9).filter(lambda x: abs(x) > 1e-3))
        places.append((f"{lat:.6f}", f"{lon:.6f}"))
    colon = draw(st.sampled_from([": ", " : ", ":", " :"]))
    font = draw(st.booleans())
    cues = []
    for i, (lat, lon) in enumerate(places):
        text = _cue_text(layout, lat, lon, colon, f"2024-08-07 12:34:{i:02d}.380")
        if font:
            text = f'<font size="28">{text}</font>'
        cues.append(f"{i + 1}\n{_stamp(i / 30)} --> {_stamp((i + 1) / 30)}\n{text}\n")
    body = "\n".join(cues)
    if draw(st.booleans()):
        body = body.replace("\n", "\r\n")
    data = body.encode("utf-8")
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    return layout, places, data


@given(srt_files())
@prop(120)
def test_every_dji_layout_reads_back_to_the_positions_written(case):
    layout, places, data = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "DJI_0001.SRT"
        path.write_bytes(data)
        records = tm.read_srt(path)
    assert [r.time_s for r in records] == pytest.approx([i / 30 for i in range(len(places))], abs=1e-3)
    for record, (lat, lon) in zip(records, places):
        assert record.position is not None, (layout, lat, lon)
        assert (record.position.lat, record.position.lon) == pytest.approx((float(lat), float(lon)), abs=1e-9)


def test_a_mavic_2_cue_spells_longitude_longtitude_and_is_still_a_position():
    """DJI's Mavic 2 Pro / Zoom and Mavic Air write `[longtitude : ...]` in their SRT (as in their XMP's
    GpsLongtitude): before, such a cue had a latitude but no longitude, so no position at all."""
    text = ('<font size="36">SrtCnt : 1, DiffTime : 33ms\n2019-09-14 12:31:11,366,199\n[iso : 100] '
            "[shutter : 1/400.0] [fnum : 280] [ev : 0] [ct : 5600] [color_md : default] [focal_len : 280] "
            "[latitude : 47.091912] [longtitude : 8.268113] [altitude: 548.400024] </font>")
    record = tm.parse_cue_text(text, 0.0)
    assert record.position is not None
    assert (record.position.lat, record.position.lon) == (47.091912, 8.268113)


@st.composite
def odd_numbers(draw):
    """A number as a cue may hold it after a converter or a damaged write, and what it must read as: plain,
    an exponent, a unit glued on (the number); a decimal comma, two dots (nothing: no number is meant)."""
    x = draw(st.floats(-89.0, 89.0).filter(lambda v: abs(v) > 0.01))
    form = draw(st.sampled_from(["plain", "comma", "exponent", "two dots", "unit"]))
    text = {"plain": f"{x:.6f}", "comma": f"{x:.6f}".replace(".", ","), "exponent": f"{x:.3e}",
            "two dots": f"{x:.6f}.5", "unit": f"{x:.6f}m"}[form]
    return text, (float(text.removesuffix("m")) if form in ("plain", "exponent", "unit") else None)


@given(odd_numbers(), odd_numbers(), odd_numbers(), odd_numbers())
@prop(100)
def test_a_bracketed_field_is_read_whole_or_not_at_all(lat, lon, rel, absolute):
    """Never a different number: "46,841234" is not 46 (a place 90 km off), "1e3" is not 1 (a height)."""
    text = (f"[latitude: {lat[0]}] [longitude: {lon[0]}] [rel_alt: {rel[0]} abs_alt: {absolute[0]}] "
            "[dzoom_ratio: 10000, delta:0]")
    record, _ = tm.sane_heights(tm.parse_cue_text(text, 0.0), text)
    got_lat = record.position.lat if record.position else None
    got_lon = record.position.lon if record.position else None
    if record.position is not None:
        assert (got_lat, got_lon) == (lat[1], lon[1]), text
    assert record.rel_alt_m in (None, rel[1]), text
    assert record.abs_alt_m in (None, absolute[1]), text
    if None not in (lat[1], lon[1]):
        assert record.position is not None, text


def test_a_decimal_comma_latitude_is_no_position_rather_than_its_whole_degrees():
    """`[latitude: 46,841234] [longitude: 7,123456]` (a converter's decimal commas) read as 46, 7: a place
    up to 111 km from the camera, silently; `abs_alt: 1e3` read as 1 m."""
    record = tm.parse_cue_text("[latitude: 46,841234] [longitude: 7,123456] [rel_alt: 39,8 abs_alt: 1e3]", 0.0)
    assert record.position is None and record.rel_alt_m is None and record.abs_alt_m == 1000.0


def test_a_legacy_barometer_height_with_a_decimal_comma_is_no_height_rather_than_its_whole_metres():
    """`BAROMETER:39,8` read as 39 m (the legacy layout's height, as bug 9's bracketed fields)."""
    record = tm.parse_cue_text("GPS(7.1,46.8,19) BAROMETER:39,8", 0.0)
    assert record.rel_alt_m is None and record.position is not None
    assert tm.parse_cue_text("GPS(7.1,46.8,19) BAROMETER:39.8", 0.0).rel_alt_m == 39.8
