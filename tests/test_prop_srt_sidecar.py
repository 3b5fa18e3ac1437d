"""Property tests of a drone's .SRT as the files people keep hold it (core/bom_text.decode_sidecar and
core/media/telemetry.read_srt, session 37's encodings), propfuzz37.

What must always hold:
- an .SRT of any DJI layout (with the degree signs the compact layout writes after its gimbal angles), saved as
  UTF-8 with or without its mark, UTF-16 either way round with or without its mark, UTF-32, or Windows-1252,
  reads to the same records as its UTF-8 text;
- the same file cut at any byte (a copy stopped, a battery that died mid-recording) raises only InputError naming
  the file, and every record it gives is one of the whole file's, its fields equal or missing, never another
  number: a number cut at the end of the file ("8.260113" cut to "8") is not a place 20 km off read as truth;
  the cues wholly before the cut keep every field, whatever the encoding (a UTF-8 file cut inside its last "°" was
  read as Windows-1252, and every gimbal angle of the file was lost).
"""

from __future__ import annotations

import codecs
import logging

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import example, given, strategies as st  # noqa: E402

from geolocator.core.bom_text import decode_sidecar  # noqa: E402
from geolocator.core.errors import InputError  # noqa: E402
from geolocator.core.media import telemetry as tm  # noqa: E402

from .prop_profile import prop  # noqa: E402
from .test_prop_telemetry import LAYOUTS, _cue_text, _stamp  # noqa: E402

# (name, encoder): what each editor writes
ENCODINGS = {
    "utf-8": lambda t: t.encode("utf-8"),
    "utf-8 with mark": lambda t: codecs.BOM_UTF8 + t.encode("utf-8"),
    "utf-16-le with mark": lambda t: codecs.BOM_UTF16_LE + t.encode("utf-16-le"),
    "utf-16-be with mark": lambda t: codecs.BOM_UTF16_BE + t.encode("utf-16-be"),
    "utf-16-le": lambda t: t.encode("utf-16-le"),
    "utf-16-be": lambda t: t.encode("utf-16-be"),
    "utf-32 with mark": lambda t: codecs.BOM_UTF32_LE + t.encode("utf-32-le"),
    "cp1252": lambda t: t.encode("cp1252"),
}


@st.composite
def srt_texts(draw):
    """(the .SRT text, the end offset in it of each cue, line end included)."""
    layout = draw(st.sampled_from(LAYOUTS))
    colon = draw(st.sampled_from([": ", " : ", ":"]))
    crlf = draw(st.booleans())
    text, ends = "", []
    for i in range(draw(st.integers(1, 4))):
        lat = f"{draw(st.floats(-89.9, 89.9).filter(lambda x: abs(x) > 1e-3)):.6f}"
        lon = f"{draw(st.floats(-179.9, 179.9).filter(lambda x: abs(x) > 1e-3)):.6f}"
        cue = _cue_text(layout, lat, lon, colon, f"2024-08-07 12:34:{i:02d}.380")
        if layout == "compact":
            cue += f", G.PRY ({draw(st.integers(-90, 0))}.9°, 0.0°, {draw(st.integers(-180, 180))}.5°)"
        elif layout == "bracketed":
            cue += f" [gb_yaw{colon}{draw(st.integers(-180, 180))}.5 gb_pitch{colon}-89.9 gb_roll{colon}0.0]"
        block = f"{i + 1}\n{_stamp(i / 30)} --> {_stamp((i + 1) / 30)}\n{cue}\n"
        text += ("\n" if i else "") + block
        ends.append(len(text))
    return (text.replace("\n", "\r\n"), [e + text[:e].count("\n") for e in ends]) if crlf else (text, ends)


def _fields(r):
    return (r.time_s, r.position and (r.position.lat, r.position.lon), r.rel_alt_m, r.abs_alt_m, r.gimbal_yaw_deg,
            r.gimbal_pitch_deg, r.gimbal_roll_deg, r.focal_len, r.when)


def _read(tmp_path, raw, name="DJI_0001.SRT"):
    path = tmp_path / name
    path.write_bytes(raw)
    return path, tm.read_srt(path)


@pytest.fixture(autouse=True)
def _quiet():
    logging.disable(logging.WARNING)  # heights left out are warned about, once per file: not what is tested
    yield
    logging.disable(logging.NOTSET)


@given(srt_texts(), st.sampled_from(sorted(ENCODINGS)))
@prop(80, fixtures=True)
def test_every_encoding_an_editor_saves_reads_as_the_utf8_text(tmp_path, case, encoding):
    text, _ = case
    _, want = _read(tmp_path, text.encode("utf-8"), "utf8.SRT")
    raw = ENCODINGS[encoding](text)
    assert decode_sidecar(raw)[0].lstrip("\ufeff") == text
    _, got = _read(tmp_path, raw)
    assert [_fields(r) for r in got] == [_fields(r) for r in want]
    assert all(r.position is not None for r in got)


@given(srt_texts(), st.sampled_from(sorted(ENCODINGS)), st.data())
@example(("1\n00:00:00,000 --> 00:00:00,033\nGPS (8.26, 47.09, 19), H 6.30m, G.PRY (-89.9°, 0.0°, 45.0°)\n\n"
          "2\n00:00:00,033 --> 00:00:00,066\nGPS (8.26, 47.09, 19), H 6.30m, G.PRY (-89.9°, 0.0°, 45.0°)\n",
          [92, 185]), "utf-8", None)  # cut inside the last "°": every gimbal angle was lost
@prop(80, fixtures=True)
def test_a_file_cut_at_any_byte_gives_only_its_own_fields_and_keeps_its_whole_cues(tmp_path, case, encoding, data):
    text, ends = case
    _, whole = _read(tmp_path, text.encode("utf-8"), "whole.SRT")
    want = {r.time_s: _fields(r) for r in whole}
    encode = ENCODINGS[encoding]
    raw = encode(text)
    cut = len(encode(text[:text.rindex("°")])) + 1 if data is None else data.draw(st.integers(0, len(raw) - 1),
                                                                                    label="cut")
    try:
        path, got = _read(tmp_path, raw[:cut])
    except InputError as exc:
        assert "DJI_0001.SRT" in str(exc)
        return
    assert [r.time_s for r in got] == sorted(r.time_s for r in got)
    for r in got:
        assert r.time_s in want
        for have, should in zip(_fields(r), want[r.time_s]):
            assert have is None or have == should, (have, should)
    whole_cues = [end for end in ends if len(encode(text[:end])) <= cut]
    assert [_fields(r) for r in got[:len(whole_cues)]] == [_fields(r) for r in whole[:len(whole_cues)]]


# --- the failing inputs, as plain regression tests ---------------------------------------------------------------

def test_a_longitude_cut_short_at_the_end_of_the_file_is_no_position_not_a_place_20_km_off(tmp_path):
    # was: [longitude: 8 read as 8.0 (the whole file's 8.260113): the last frame scored against a place 20 km away
    text = ("1\n00:00:00,000 --> 00:00:00,033\n[latitude: 47.090912] [longitude: 8.260113] [rel_alt: 39.8 abs_alt: "
            "212.1]\n\n2\n00:00:00,033 --> 00:00:00,066\n[latitude: 47.090912] [longitude: 8")
    _, records = _read(tmp_path, text.encode())
    assert [r.position for r in records][1:] == [None]
    assert (records[0].position.lat, records[0].position.lon, records[0].rel_alt_m) == (47.090912, 8.260113, 39.8)


def test_a_legacy_tuple_cut_inside_its_latitude_is_no_position(tmp_path):
    # was: GPS(8.260113,4 read as latitude 4.0
    _, records = _read(tmp_path, b"1\n00:00:00,000 --> 00:00:00,033\nHOME(8.0,47.0) 2024\nGPS(8.260113,4")
    assert records[0].position is None


def test_a_utf16_file_cut_inside_a_character_keeps_the_number_before_it_unread(tmp_path):
    # was: "[rel_alt: 39" + half of "." read as 39 m (39.8 written)
    text = "1\n00:00:00,000 --> 00:00:00,033\n[latitude: 47.1] [longitude: 8.2] [rel_alt: 39.8]"
    raw = codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    _, records = _read(tmp_path, raw[:raw.index("3\x009\x00.".encode("latin-1")) + 5])
    assert records[0].rel_alt_m is None and records[0].position is not None


def test_a_utf8_file_cut_inside_its_last_degree_sign_keeps_every_gimbal_angle_before_it(tmp_path):
    # was: read as Windows-1252 (its last byte not UTF-8): every "°" read "Â°", every cue's angles lost
    cue = "GPS (8.26, 47.09, 19), H 6.30m, G.PRY (-89.9°, 0.0°, 45.0°)"
    raw = "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i},500\n{cue}\n\n" for i in range(3)).encode()
    _, records = _read(tmp_path, raw[:raw.rindex("°".encode()) + 1])
    assert [r.gimbal_yaw_deg for r in records] == [45.0, 45.0, None]
    assert decode_sidecar("45.0°".encode()[:-1]) == ("45.0\ufffd", "utf-8")
