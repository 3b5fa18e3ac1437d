"""Exact answers for core/media/telemetry.py (DJI-style .SRT sidecars), never mutated before session 8:
written for its mutation run (training/results/mutation_readers.md). Cue texts are written here in the
three layouts the module reads; every expected value is read off the text by hand.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from geolocator.core.errors import InputError
from geolocator.core.media import telemetry as tm
from geolocator.core.model import LatLon

FT = tm.FrameTelemetry


def _err(fn, *args, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def test_bracketed_cue_every_field():
    text = ('<font size="28">FrameCnt: 1, DiffTime: 33ms\n2023-05-01 12:34:56.789\n[iso: 100] [latitude: 46.84] '
            "[longitude: -91.99] [rel_alt: 39.8 abs_alt: 212.1] [gb_yaw: 45.0 gb_pitch: -89.9 gb_roll: 0.0] "
            "[focal_len: 24.00]</font>")
    assert tm.parse_cue_text(text, 1.5) == FT(1.5, LatLon(46.84, -91.99), 39.8, 212.1, 45.0, -89.9, 24.0,
                                              datetime(2023, 5, 1, 12, 34, 56, 789000), gimbal_roll_deg=0.0)
    assert tm.parse_cue_text(text.replace("gb_roll: 0.0", "gb_roll: -2.5"), 1.5).gimbal_roll_deg == -2.5


@pytest.mark.parametrize("text, position", [
    ("[lat: 10.5] [lon: 20.25]", LatLon(10.5, 20.25)),
    ("[lat: 10.5] [lng: 20.25]", LatLon(10.5, 20.25)),
    ("[Latitude: -1.5] [LONGITUDE: +2.5]", LatLon(-1.5, 2.5)),
    ("[latitude: 1.0] [lon: 2.0]", None),           # one of the long names: the short ones are not read
    ("[lat: 90] [lon: 180]", LatLon(90.0, 180.0)),  # the limits are positions
    ("[lat: -90] [lon: -180]", LatLon(-90.0, -180.0)),
    ("[lat: 90.5] [lon: 10]", None),
    ("[lat: -90.5] [lon: 10]", None),
    ("[lat: 10] [lon: 180.5]", None),
    ("[lat: 10] [lon: -180.5]", None),
    ("[lat: 0] [lon: 0]", None),                    # zeros before a GNSS fix
    ("[lat: 0] [lon: 5]", LatLon(0.0, 5.0)),
    ("[lat: 5] [lon: 0]", LatLon(5.0, 0.0)),
    ("[lat: 5]", None),
    ("[lon: 5]", None),
])
def test_bracketed_positions(text, position):
    assert tm.parse_cue_text(text, 0.0).position == position


def test_legacy_gps_tuple_longitude_first_unless_the_second_value_cannot_be_a_latitude():
    got = tm.parse_cue_text("GPS(-91.99,46.84,19) BAROMETER:39.8", 2.0)
    assert got == FT(2.0, LatLon(46.84, -91.99), 39.8, 19.0)
    assert tm.parse_cue_text("GPS(46.84,-91.99,19)", 0.0).position == LatLon(46.84, -91.99)  # |-91.99| > 90
    assert tm.parse_cue_text("GPS(10.0,20.0,5)", 0.0).position == LatLon(20.0, 10.0)
    assert tm.parse_cue_text("GPS(10.0,90,5)", 0.0).position == LatLon(90.0, 10.0)
    assert tm.parse_cue_text("GPS(1.5, 2.5)", 0.0) == FT(0.0, LatLon(2.5, 1.5))
    # altitudes: a bracketed one is kept over the tuple's, BAROMETER( form, rel_alt over BAROMETER
    assert tm.parse_cue_text("[abs_alt: 100] GPS(1,2,3)", 0.0).abs_alt_m == 100.0
    assert tm.parse_cue_text("GPS(1,2,3) BAROMETER(12.5)", 0.0).rel_alt_m == 12.5
    assert tm.parse_cue_text("[rel_alt: 5] GPS(1,2,3) BAROMETER:9", 0.0).rel_alt_m == 5.0
    # bracketed positions: the tuple and the barometer are not read at all
    # the bracketed position wins and the tuple (its altitude too) is not read; BAROMETER is, since session 37
    assert tm.parse_cue_text("[lat: 1] [lon: 2] GPS(3,4,5) BAROMETER:9", 0.0) == FT(0.0, LatLon(1.0, 2.0), 9.0)


def test_compact_p4_rtk_cue():
    text = "F/2.8, SS 1000, ISO 100, EV 0, GPS (-91.99, 46.84, 19), D 10.5m, H 39.80m, HS 0.00m/s, G.PRY (-89.9°, 0.0°, 45.0°)"
    assert tm.parse_cue_text(text, 3.0) == FT(3.0, LatLon(46.84, -91.99), 39.8, 19.0, 45.0, -89.9, gimbal_roll_deg=0.0)
    assert tm.parse_cue_text("GPS(1,2) H=12m", 0.0).rel_alt_m == 12.0
    assert tm.parse_cue_text("GPS(1,2),H 7m", 0.0).rel_alt_m == 7.0
    assert tm.parse_cue_text("H 7m GPS(1,2)", 0.0).rel_alt_m == 7.0  # H at the start of the text
    for no_height in ("GPS(1,2) XH 5m", "GPS(1,2) H 5.0mm", "GPS(1,2) H 5"):
        assert tm.parse_cue_text(no_height, 0.0).rel_alt_m is None
    assert tm.parse_cue_text("GPS(1,2) BAROMETER:3 H 7m", 0.0).rel_alt_m == 3.0
    assert tm.parse_cue_text("[rel_alt: 4] GPS(1,2) H 7m", 0.0).rel_alt_m == 4.0
    # gimbal: bracketed angles win over G.PRY
    got = tm.parse_cue_text("[gb_yaw: 10 gb_pitch: -80] G.PRY (-89.9°, 0.0°, 45.0°)", 0.0)
    assert (got.gimbal_yaw_deg, got.gimbal_pitch_deg) == (10.0, -80.0)
    assert got.gimbal_roll_deg is None  # the bracketed angles hold no roll, and G.PRY's is not mixed in
    got = tm.parse_cue_text("G.PRY(-30,1,-170.5)", 0.0)
    assert (got.gimbal_yaw_deg, got.gimbal_pitch_deg, got.gimbal_roll_deg) == (-170.5, -30.0, 1.0)


@pytest.mark.parametrize("text, when", [
    ("2023.05.01 12:34:56,5", datetime(2023, 5, 1, 12, 34, 56, 500000)),
    ("2023-05-01T01:02:03", datetime(2023, 5, 1, 1, 2, 3)),
    ("2023/05/01 01:02:03.123456", datetime(2023, 5, 1, 1, 2, 3, 123456)),
    ("2023:05:01 23:59:59.000001", datetime(2023, 5, 1, 23, 59, 59, 1)),
    ("2023-13-01 00:00:00", None),
    ("2023-05-01 25:00:00", None),
    ("no time here", None),
])
def test_cue_wall_clock_time(text, when):
    assert tm.parse_cue_text(text, 0.0).when == when


def test_unknown_text_gives_the_time_only_and_numbers_are_checked():
    assert tm.parse_cue_text("hello <b>world</b>", 7.25) == FT(7.25)
    assert tm.parse_cue_text("<font latitude: 5>[longitude: 6]", 0.0).position is None  # tags are removed first
    assert (tm._finite(None), tm._finite("x"), tm._finite("inf"), tm._finite("nan"), tm._finite("-2.5")) == (
        None, None, None, None, -2.5)
    assert tm._position(None, 1.0) is None and tm._position(1.0, None) is None


def test_read_srt_sorts_cues_and_reads_windows_files(tmp_path):
    p = tmp_path / "v.SRT"
    body = ("2\r\n00:00:01,000 --> 00:00:02,000\r\n[latitude: 1.5] [longitude: 2.5]\r\n\r\n"
            "1\r\n00:00:00,500 --> 00:00:01,000\r\n[latitude: 3.5] [longitude: 4.5] [rel_alt: 10]\r\n\r\n")
    p.write_bytes(b"\xef\xbb\xbf" + body.encode())
    assert tm.read_srt(str(p)) == [FT(0.5, LatLon(3.5, 4.5), 10.0), FT(1.0, LatLon(1.5, 2.5))]
    empty = tmp_path / "e.srt"
    empty.write_text("  \n")
    assert tm.read_srt(empty) == []
    junk = tmp_path / "j.srt"
    junk.write_bytes(b"not subtitles \xff at all")
    e = _err(tm.read_srt, junk)
    assert (e.path, e.problem) == (junk, "not a subtitle (SRT) file: no cues found")
    e = _err(tm.read_srt, tmp_path / "none.srt")
    assert (e.path, e.problem) == (tmp_path / "none.srt", "cannot read telemetry (No such file or directory)")
    latin = tmp_path / "l.srt"
    latin.write_bytes(b"1\n00:00:00,000 --> 00:00:01,000\n[latitude: 1] [longitude: 2] caf\xe9\n\n")
    assert tm.read_srt(latin) == [FT(0.0, LatLon(1.0, 2.0))]


def test_sidecar_is_the_srt_beside_the_video_in_any_case(tmp_path):
    v = tmp_path / "DJI_0001.MP4"
    assert tm.find_sidecar(v) is None
    (tmp_path / "DJI_0001.Srt").write_text("x")
    assert tm.find_sidecar(str(v)) == tmp_path / "DJI_0001.Srt"
    (tmp_path / "DJI_0001.srt").write_text("x")
    assert tm.find_sidecar(v) == tmp_path / "DJI_0001.srt"
    (tmp_path / "DJI_0001.SRT").write_text("x")
    assert tm.find_sidecar(v) == tmp_path / "DJI_0001.SRT"
    (tmp_path / "other.SRT").mkdir()
    assert tm.find_sidecar(tmp_path / "other.mov") is None  # a folder is not a sidecar


def test_a_sidecar_whose_name_differs_from_its_videos_only_in_case_is_found(tmp_path):
    """Session 36: `dji_0001.srt` (or `.sRt`) beside `DJI_0001.MP4`, as a case-blind disk or a copying
    tool leaves them: not found on Linux, every frame left unscored without a word."""
    v = tmp_path / "DJI_0001.MP4"
    (tmp_path / "dji_0001.srt").write_text("x")
    assert tm.find_sidecar(v) == tmp_path / "dji_0001.srt"
    (tmp_path / "dji_0001.srt").unlink()
    (tmp_path / "DJI_0001.sRt").write_text("x")
    (tmp_path / "DJI_0002.srt").write_text("x")  # another video's
    (tmp_path / "DJI_0001.srt.bak").write_text("x")
    assert tm.find_sidecar(v) == tmp_path / "DJI_0001.sRt"
    (tmp_path / "DJI_0001.SRT").write_text("x")
    assert tm.find_sidecar(v) == tmp_path / "DJI_0001.SRT"  # the exact name first
    assert tm.find_sidecar(tmp_path / "missing" / "DJI_0001.MP4") is None  # no folder: none


def test_telemetry_at_is_the_nearest_record_within_the_tolerance():
    recs = [FT(0.0), FT(1.0), FT(3.0)]
    assert tm.telemetry_at([], 1.0) is None
    assert tm.telemetry_at(recs, 1.4) is recs[1]
    assert tm.telemetry_at(recs, 2.0) is recs[1]      # a tie: the earlier record
    assert tm.telemetry_at(recs, 2.1) is recs[2]
    assert tm.telemetry_at(recs, 1.0) is recs[1]
    assert tm.telemetry_at(recs, -1.0) is recs[0]     # 1 s before the first: at the tolerance
    assert tm.telemetry_at(recs, -1.01) is None
    assert tm.telemetry_at(recs, 4.0) is recs[2]
    assert tm.telemetry_at(recs, 4.5) is None
    assert tm.telemetry_at(recs, 4.5, tolerance_s=1.5) is recs[2]
    assert tm.telemetry_at(recs, 0.6, tolerance_s=0.5) is recs[1]
    assert tm.telemetry_at(recs, 0.5, tolerance_s=0.4) is None


def test_a_cue_time_too_large_for_a_timedelta_is_not_a_subtitle_file(tmp_path):
    # 10^15 hours overflows datetime.timedelta inside the srt library (OverflowError): the file is
    # refused like any other unreadable subtitle file, naming it (before session 8: a raw OverflowError)
    p = tmp_path / "v.SRT"
    p.write_text("1\n999999999999999:00:00,000 --> 00:00:01,000\n[latitude: 1] [longitude: 2]\n\n")
    e = _err(tm.read_srt, p)
    assert e.path == p and e.problem.startswith("not a subtitle (SRT) file (") and e.problem.endswith(")")


def test_cue_fields_the_patterns_must_not_mix_up():
    # both long and short names: the long latitude without a long longitude is no position
    assert tm.parse_cue_text("[latitude: 1] [lat: 3] [lon: 2]", 0.0).position is None
    # one bracketed coordinate: the GPS tuple gives the position
    assert tm.parse_cue_text("[lat: 5] GPS(1,2,3)", 0.0).position == LatLon(2.0, 1.0)
    assert tm.parse_cue_text("[lon: 5] GPS(1,2,3)", 0.0).position == LatLon(2.0, 1.0)
    # a second value just over 90 cannot be a latitude: the tuple is (latitude, longitude)
    assert tm.parse_cue_text("GPS(10,90.5,5)", 0.0).position == LatLon(10.0, 90.5)
    # a tag inside a field is read as a space
    assert tm.parse_cue_text("[lat<i>: 5</i>] [lon: 6]", 0.0).position == LatLon(5.0, 6.0)


@pytest.mark.parametrize("text, rel, absolute", [
    # Mavic 2 Pro / Zoom, Mavic Air: one altitude, above sea level as written (abs_alt), never the height above take-off
    ("[latitude : 47.091912] [longtitude : 8.268113] [altitude: 548.400024]", None, 548.400024),
    ("[latitude: 47.09] [longitude: 8.27] [rel_alt: 30.0 abs_alt: 560.0] [altitude: 548.4]", 30.0, 560.0),
    # the compact and legacy words for the height above take-off beside a bracketed position
    ("[latitude: 47.09] [longitude: 8.27] D 24.26m, H 12.30m, H.S 0.00m/s", 12.3, None),
    ("[latitude: 47.09] [longitude: 8.27] BAROMETER:39.8", 39.8, None),
    ("[latitude: 47.09] [longitude: 8.27] [rel_alt: 30.0] H 12.30m", 30.0, None),  # the bracketed one first
])
def test_a_height_in_another_field_is_read(text, rel, absolute):
    """Session 37: `[altitude: ...]` (Mavic 2) and `H 12.3m` / `BAROMETER:` beside a bracketed position were left
    unread: the frame and its exports had no altitude."""
    record = tm.parse_cue_text(text, 0.0)
    assert record.position is not None and (record.rel_alt_m, record.abs_alt_m) == (rel, absolute)


def test_a_mavic_2_altitude_no_camera_is_flown_at_is_left_out_and_said(tmp_path, caplog):
    p = tmp_path / "DJI_0001.SRT"
    p.write_text("1\n00:00:00,000 --> 00:00:01,000\n[latitude : 47.09] [longtitude : 8.27] [altitude: -9999]\n\n"
                 "2\n00:00:01,000 --> 00:00:02,000\n[latitude : 47.09] [longtitude : 8.27] [altitude: NaN]\n")
    with caplog.at_level("WARNING", logger="geolocator"):
        records = tm.read_srt(p)
    assert [r.abs_alt_m for r in records] == [None, None]
    [said] = [r.getMessage() for r in caplog.records]
    assert said.startswith(f"{p}: line 3: abs_alt -9999") and "1 more height left out (lines 7)" in said


def test_read_srt_reads_a_utf16_file_saved_by_a_subtitle_editor(tmp_path):
    """propfuzz34: a UTF-16 SRT (an editor's "Unicode" save, with its byte-order mark) was refused as
    "not a subtitle (SRT) file: no cues found"."""
    body = "1\r\n00:00:00,500 --> 00:00:01,000\r\n[latitude: 3.5] [longitude: 4.5] [rel_alt: 10]\r\n\r\n"
    for codec in ("utf-16-le", "utf-16-be"):
        p = tmp_path / f"{codec}.SRT"
        bom = "\ufeff".encode(codec)
        p.write_bytes(bom + body.encode(codec))
        assert tm.read_srt(p) == [FT(0.5, LatLon(3.5, 4.5), 10.0)], codec


@pytest.mark.parametrize("codec, bom", [("utf-16-le", b""), ("utf-16-be", b""), ("utf-8", b"\xef\xbb\xbf"),
                                        ("cp1252", b"")])
def test_read_srt_reads_one_saved_without_a_mark_or_as_windows_ansi(tmp_path, codec, bom):
    """Session 37: a UTF-16 .SRT whose byte-order mark was lost read as "not a subtitle (SRT) file: no cues found";
    one saved as Windows-1252 ("ANSI") had its degree signs read as U+FFFD, and every gimbal angle of the compact
    layout was lost (G.PRY read as nothing)."""
    body = ("1\r\n00:00:00,500 --> 00:00:01,000\r\nGPS (4.5, 3.5, 19), H 10.00m, "
            "G.PRY (-89.9\u00b0, 0.0\u00b0, 45.0\u00b0)\r\n\r\n")
    p = tmp_path / "DJI_0001.SRT"
    p.write_bytes(bom + body.encode(codec))
    assert tm.read_srt(p) == [FT(0.5, LatLon(3.5, 4.5), 10.0, 19.0, 45.0, -89.9, gimbal_roll_deg=0.0)]


def test_read_srt_refuses_a_binary_file_naming_it_and_reads_a_torn_utf16_one(tmp_path):
    p = tmp_path / "DJI_0002.SRT"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00")
    assert "DJI_0002.SRT: not a subtitle (SRT) file" in str(_err(tm.read_srt, p))
    body = "1\r\n00:00:00,500 --> 00:00:01,000\r\n[latitude: 3.5] [longitude: 4.5]\r\n\r\n2\r\n00:00"
    p.write_bytes(body.encode("utf-16-le") + b"\x30")  # no mark, cut short inside a character: the whole cue stands
    assert tm.read_srt(p) == [FT(0.5, LatLon(3.5, 4.5))]
