"""Absurd heights in a DJI SRT are left out with one warning naming the file and line
(core/media/telemetry.py, the photo metadata's rule: media/metadata.plausible_height).

Session 20 (newuser20, section 8): `rel_alt: 99999999` and `abs_alt: 4294967295` (an unsigned -1)
in a sidecar reached the flight's exports as the frame's altitude; photos already left such values
out. Both tests failed before the fix (the values came through, nothing was said)."""

import logging

import pytest

from geolocator.core.media.telemetry import read_srt

CUES = """1
00:00:00,000 --> 00:00:01,000
<font size="28">FrameCnt: 1, DiffTime: 33ms
2024-05-01 10:00:00.000
[latitude: 36.14] [longitude: -115.23] [rel_alt: 39.8 abs_alt: 712.1]</font>

2
00:00:01,000 --> 00:00:02,000
<font size="28">FrameCnt: 2, DiffTime: 33ms
2024-05-01 10:00:01.000
[latitude: 36.14] [longitude: -115.23] [rel_alt: 4294967295 abs_alt: -9999]</font>

3
00:00:02,000 --> 00:00:03,000
<font size="28">FrameCnt: 3, DiffTime: 33ms
2024-05-01 10:00:02.000
[latitude: 36.14] [longitude: -115.23] [rel_alt: NaN abs_alt: 713.0]</font>

4
00:00:03,000 --> 00:00:04,000
GPS(-115.23,36.14,4294967295) BAROMETER:40.1
"""


@pytest.fixture
def srt(tmp_path):
    path = tmp_path / "DJI_0001.SRT"
    path.write_text(CUES)
    return path


def test_absurd_heights_are_left_out_and_plausible_ones_kept(srt):
    records = read_srt(srt)
    assert [(r.rel_alt_m, r.abs_alt_m) for r in records] == [(39.8, 712.1), (None, None), (None, 713.0),
                                                              (40.1, None)]
    assert all(r.position is not None for r in records)  # the position of such a cue is still read


def test_one_warning_names_the_file_and_the_first_line(srt, caplog):
    with caplog.at_level(logging.WARNING, logger="geolocator"):
        read_srt(srt)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(said) == 1, said
    assert said[0].startswith(f"{srt}: line 11: rel_alt 4.29497e+09 m is not a height a camera is flown at: left out")
    assert "and 3 more heights left out (lines 11, 17, 21)" in said[0], said[0]
