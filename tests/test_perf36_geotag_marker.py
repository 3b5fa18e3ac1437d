"""media.copies._marked_by_geolocator reads a JPEG's EXIF segments, not a fixed 128 KiB start (perf36).

The photos' listing asks it of every JPEG whose name another file shares (5 cards: every photo); the
128 KiB start of each was 1.3 GB read for 10,000 photos and +10 % of the listing's CPU time
(training/results/perf36_session36.md). Walking the header's segments reads only the EXIF ones."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from geolocator.core.geotag_copies import geotagged_jpeg
from geolocator.core.media.copies import _marked_by_geolocator, geotagged_copies
from geolocator.core.media.metadata import GEOLOCATOR_GPS_METHOD


def _plain_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 60)).save(buf, format="JPEG")
    return buf.getvalue()


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(body) + 2).to_bytes(2, "big") + body


def test_a_copy_whose_exif_follows_large_segments_is_still_marked(tmp_path):
    """Three 60 KB APP2 segments (an MPF or ICC profile) before the EXIF put the mark past 128 KiB:
    the fixed-length read missed it, the copy was located a second time."""
    copy = geotagged_jpeg(_plain_jpeg(), 51.9, 4.45, 20.0)
    big = b"".join(_segment(0xE2, bytes([i]) * 60_000) for i in range(3))
    path = tmp_path / "tagged" / "DJI_0001.JPG"
    path.parent.mkdir()
    path.write_bytes(copy[:2] + big + copy[2:])
    assert _marked_by_geolocator(path)


def test_the_mark_outside_an_exif_segment_is_not_ours(tmp_path):
    """geolocator writes its GPSProcessingMethod in EXIF only: the same words in a comment segment
    or in the picture's data do not make a file a geotagged copy (the fixed-length read took them)."""
    data = _plain_jpeg()
    words = GEOLOCATOR_GPS_METHOD.encode("ascii")
    comment = tmp_path / "comment.jpg"
    comment.write_bytes(data[:2] + _segment(0xFE, b"made with " + words) + data[2:])
    trailing = tmp_path / "trailing.jpg"
    trailing.write_bytes(data + words)
    assert not _marked_by_geolocator(comment)
    assert not _marked_by_geolocator(trailing)


def test_damaged_or_short_files_are_not_marked(tmp_path):
    copy = geotagged_jpeg(_plain_jpeg(), 51.9, 4.45, 20.0)
    cases = {"cut.jpg": copy[:20], "empty.jpg": b"", "png.jpg": b"\x89PNG\r\n\x1a\n" + copy,
             "zero_length.jpg": copy[:2] + b"\xff\xe1\x00\x00" + copy[2:]}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        assert not _marked_by_geolocator(tmp_path / name), name
    assert not _marked_by_geolocator(tmp_path / "missing.jpg")


def test_geotagged_copies_takes_paths_as_text_too(tmp_path):
    original = tmp_path / "DJI_0001.JPG"
    original.write_bytes(_plain_jpeg())
    copy = tmp_path / "tagged" / "DJI_0001.JPG"
    copy.parent.mkdir()
    copy.write_bytes(geotagged_jpeg(original.read_bytes(), 51.9, 4.45, 20.0))
    assert geotagged_copies([str(original), str(copy)]) == {copy: original}
    assert geotagged_copies([original, copy]) == {copy: original}
