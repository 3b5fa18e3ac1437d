"""Property tests of session 37's video rules that read bytes (core/media/video.py), propfuzz37:
- the EBML variable-size integer (RFC 8794 section 4) reads back every value at every length, an all-ones
  value as "unknown size";
- a Matroska / WebM file cut at any byte is cut short (_matroska_cut_short) exactly when its Segment declares
  more bytes than the file holds (and the declaration itself is in the file), never an exception;
- the display matrix (FFmpeg's AV_FRAME_DATA_DISPLAYMATRIX, libavutil/display.h) of any of the 8 turns and
  mirrors, at any positive fixed-point scale, is shown as its definition says: av_display_matrix_flip's hflip
  negates x' (the picture mirrored left-right after the matrix), its vflip negates y' (mirrored top-bottom);
  a matrix that is no quarter turn, or side data of any bytes, never raises.
No bug was found by these (they are guards); the convention of the turn's sign itself is not asserted here.
"""

from __future__ import annotations

import struct

import numpy as np
import pytest
from PIL import Image

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, strategies as st  # noqa: E402

from geolocator.core.media import video as v  # noqa: E402

from .prop_profile import prop  # noqa: E402


def _vint(value: int, length: int) -> bytes:
    """RFC 8794 section 4: length-1 zero bits, the marker bit, then the value, big-endian."""
    return ((1 << (7 * length)) | value).to_bytes(length, "big")


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, (1 << (7 * n)) - 1))),
       st.binary(max_size=4))
@prop(200)
def test_an_ebml_size_reads_back_at_every_length(case, after):
    length, value = case
    got = v._ebml_vint(b"\x00" + _vint(value, length) + after, 1)
    assert got == (None if value == (1 << (7 * length)) - 1 else value, length)


@given(st.integers(1, 8), st.integers(0, 60), st.sampled_from([1, 2, 4, 8]), st.integers(0, 300), st.data())
@prop(80, fixtures=True)
def test_a_matroska_file_cut_at_any_byte_is_cut_short_exactly_when_its_segment_outruns_it(
        tmp_path, header_len, header_size, seg_len, body, data):
    seg_len = max(seg_len, next(n for n in range(1, 9) if body < (1 << (7 * n)) - 1))  # a length that holds it
    raw = (v.EBML_MAGIC + _vint(header_size, header_len) + bytes(header_size) + v.SEGMENT_ID + _vint(body, seg_len)
           + bytes(body))
    declared_from = 4 + header_len + header_size + 4 + seg_len  # the Segment's size is wholly in the file
    cut = data.draw(st.one_of(st.integers(0, len(raw)), st.integers(max(0, declared_from - 2), len(raw))), label="cut")
    path = tmp_path / "clip.mkv"
    path.write_bytes(raw[:cut])
    assert v._matroska_cut_short(path) is (declared_from <= cut < len(raw))


def test_a_segment_of_unknown_size_or_another_element_is_not_cut_short(tmp_path):
    path = tmp_path / "live.webm"
    path.write_bytes(v.EBML_MAGIC + _vint(3, 1) + b"abc" + v.SEGMENT_ID + b"\x01\xff\xff\xff\xff\xff\xff\xff")
    assert not v._matroska_cut_short(path)  # a live recording never closed: nothing declares its length
    path.write_bytes(v.EBML_MAGIC + _vint(3, 1) + b"abc" + b"\xec" + _vint(500, 2))  # a Void element, no Segment
    assert not v._matroska_cut_short(path)


class _SideData:
    def __init__(self, raw: bytes, kind: str = "DISPLAYMATRIX") -> None:
        self.type, self._raw = kind, raw

    def __bytes__(self) -> bytes:
        return self._raw


class _Frame:
    def __init__(self, side_data, rotation=0) -> None:
        self.side_data, self.rotation = side_data, rotation


def _matrix(quarter: int, scale: int, hflip: bool, vflip: bool) -> list[int]:
    """av_display_rotation_set of a quarter turn at a fixed-point `scale`, then av_display_matrix_flip."""
    c, s = [(1, 0), (0, 1), (-1, 0), (0, -1)][quarter]
    m = [c * scale, -s * scale, 0, s * scale, c * scale, 0, 0, 0, 1 << 30]
    for i in range(9):  # flip[] = {1 - 2 hflip, 1 - 2 vflip, 1}, matrix[i] *= flip[i % 3]
        m[i] *= (-1 if hflip else 1) if i % 3 == 0 else (-1 if vflip else 1) if i % 3 == 1 else 1
    return m


def _frame(m) -> _Frame:
    return _Frame([_SideData(struct.pack("=9i", *m))])


IMAGE = Image.fromarray(np.arange(5 * 3 * 3, dtype=np.uint8).reshape(3, 5, 3))


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and np.array_equal(np.asarray(a), np.asarray(b))


@given(st.integers(0, 3), st.integers(1, (1 << 31) - 1), st.booleans(), st.booleans())
@prop(120)
def test_a_flipped_display_matrix_shows_the_picture_mirrored_after_its_turn(quarter, scale, hflip, vflip):
    plain = v._as_shown(IMAGE, _frame(_matrix(quarter, scale, False, False)))
    shown = v._as_shown(IMAGE, _frame(_matrix(quarter, scale, hflip, vflip)))
    want = plain.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if hflip else plain
    want = want.transpose(Image.Transpose.FLIP_TOP_BOTTOM) if vflip else want
    assert _same(shown, want)
    assert v._display_transform(_frame(_matrix(quarter, 1 << 16, hflip, vflip))) == \
        v._display_transform(_frame(_matrix(quarter, scale, hflip, vflip)))  # the scale is no turn
    assert v._display_transform(_frame(_matrix(quarter, scale, hflip, vflip)))[0] % 2 == quarter % 2  # sides swap or not


@given(st.lists(st.integers(-(1 << 31), (1 << 31) - 1), min_size=9, max_size=9), st.binary(max_size=40),
       st.sampled_from(["DISPLAYMATRIX", "SideDataType.DISPLAYMATRIX", "MOTION_VECTORS"]), st.floats(allow_nan=True))
@prop(150)
def test_any_matrix_or_side_data_bytes_give_a_turn_never_an_exception(m, junk, kind, rotation):
    for frame in (_frame(m), _Frame([_SideData(junk, kind)], rotation), _Frame(None, rotation)):
        turn, mirror = v._display_transform(frame)
        assert turn in (0, 1, 2, 3) and isinstance(mirror, bool)
        assert v._as_shown(IMAGE, frame).size in (IMAGE.size, IMAGE.size[::-1])
