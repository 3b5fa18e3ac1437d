"""Geotagged copies (core/geotag_copies.py): the answer written as EXIF GPS into COPIES of the photos;
the original untouched, every byte of the copy but its EXIF segment the original's (pixels not
re-encoded, XMP and the maker note kept), and the photo's own (failed) GPS never carried over."""

from __future__ import annotations

import hashlib
import io
import math
from pathlib import Path

import pytest
from PIL import Image

from geolocator.core.model import STATUS_VERIFIED, LatLon, Match, Prediction, Query

from .helpers import grid_tiles

piexif = pytest.importorskip("piexif")

from geolocator.core.geotag_copies import (_segments, geotagged_jpeg, splice_exif,  # noqa: E402
                                           write_geotagged_copies)

REAL_DJI = Path(__file__).resolve().parents[1].parent / "shared" / "real-dji"
TILE = grid_tiles(1, 1)[0]


def _pred(path: Path, at: LatLon, confidence: float = 0.99, truth: LatLon | None = None) -> Prediction:
    query = Query(path.name, path, truth=truth, truth_source="exif" if truth else None)
    return Prediction(query=query, matches=(Match(TILE, 0.8, 1, inliers=40, ground=at),), location=at,
                      weighted_location=at, confidence=confidence, status=STATUS_VERIFIED,
                      location_source="homography")


def _degrees(dms, ref: bytes) -> float:
    value = sum(n / d / 60 ** i for i, (n, d) in enumerate(dms))
    return -value if ref in (b"S", b"W") else value


def _jfif_jpeg(path: Path) -> Path:
    Image.new("RGB", (32, 24), (200, 80, 30)).save(path, quality=90)  # Pillow writes a JFIF APP0, no EXIF
    return path


@pytest.mark.skipif(not (REAL_DJI / "DJI_0018.JPG").is_file(), reason="the real DJI photos are not here")
def test_a_real_dji_copy_changes_only_its_exif_gps_and_keeps_pixels_xmp_and_maker_note(tmp_path):
    from geolocator.core.queries import query_from_photo

    original = REAL_DJI / "DJI_0018.JPG"
    before = hashlib.sha256(original.read_bytes()).hexdigest()
    query = query_from_photo(original, "DJI_0018.JPG")
    at = LatLon(query.truth.lat + 0.0003, query.truth.lon - 0.0004)  # ~45 m from the photo's own GPS
    p = Prediction(query=query, matches=(Match(TILE, 0.8, 1, inliers=40, ground=at),), location=at,
                   weighted_location=at, confidence=0.99, status=STATUS_VERIFIED, location_source="homography")
    report = write_geotagged_copies(tmp_path / "tagged", [p])
    assert report.written == (tmp_path / "tagged" / "DJI_0018.JPG",) and not report.left_out
    assert hashlib.sha256(original.read_bytes()).hexdigest() == before  # the original is never written

    src, dst = original.read_bytes(), report.written[0].read_bytes()
    (src_segs, src_rest), (dst_segs, dst_rest) = _segments(src), _segments(dst)
    assert dst_rest == src_rest  # the scan, the picture's data and the MPO preview after it: byte for byte
    keep = [s for s in src_segs if s[4:10] != b"Exif\x00\x00"]
    assert [s for s in dst_segs if s[4:10] != b"Exif\x00\x00"] == keep  # XMP, MPF, ... unchanged, in order
    assert any(b"drone-dji" in s for s in keep)
    old, new = piexif.load(src), piexif.load(dst)
    assert new["Exif"][37500] == old["Exif"][37500]  # the maker note's bytes (DJI's: every value inline)
    pointers = {piexif.ImageIFD.ExifTag, piexif.ImageIFD.GPSTag, piexif.ExifIFD.InteroperabilityTag,
                piexif.ImageIFD.JPEGInterchangeFormat}  # offsets of IFDs and of the thumbnail
    for ifd in ("0th", "Exif", "1st", "Interop"):  # every tag as it was, but the pointers the new layout moves
        assert {k: v for k, v in new[ifd].items() if k not in pointers} == \
               {k: v for k, v in old[ifd].items() if k not in pointers}, ifd
    assert new["thumbnail"] == old["thumbnail"]
    gps = new["GPS"]
    lat = _degrees(gps[piexif.GPSIFD.GPSLatitude], gps[piexif.GPSIFD.GPSLatitudeRef])
    lon = _degrees(gps[piexif.GPSIFD.GPSLongitude], gps[piexif.GPSIFD.GPSLongitudeRef])
    assert (lat, lon) == (pytest.approx(at.lat, abs=1e-7), pytest.approx(at.lon, abs=1e-7))  # the answer, not the GPS
    assert piexif.GPSIFD.GPSAltitude not in gps  # the receiver's altitude is dropped, nothing put in its place
    n, d = gps[31]  # GPSHPositioningError: the geotag's accuracy
    assert n / d >= 35.0
    assert gps[piexif.GPSIFD.GPSProcessingMethod].endswith(b"geolocator image matching")
    with Image.open(io.BytesIO(dst)) as a, Image.open(original) as b:
        assert a.tobytes() == b.tobytes()
        assert getattr(a, "n_frames", 1) == getattr(b, "n_frames", 1) == 2  # the MPO's preview still found
        a.seek(1), b.seek(1)
        assert a.tobytes() == b.tobytes()


def test_a_jpeg_without_exif_keeps_its_jfif_segment_and_gets_one_exif_segment(tmp_path):
    path = _jfif_jpeg(tmp_path / "plain.jpg")
    data = path.read_bytes()
    copy = geotagged_jpeg(data, -33.5, 151.25, 40.0)
    segs, rest = _segments(copy)
    assert segs[0] == _segments(data)[0][0] and segs[0][:2] == b"\xff\xe0"  # JFIF kept, first
    assert [s[4:10] for s in segs].count(b"Exif\x00\x00") == 1 and segs[1][4:10] == b"Exif\x00\x00"
    assert rest == _segments(data)[1]
    gps = piexif.load(copy)["GPS"]
    assert gps[piexif.GPSIFD.GPSLatitudeRef] == b"S" and gps[piexif.GPSIFD.GPSLongitudeRef] == b"E"
    assert _degrees(gps[piexif.GPSIFD.GPSLatitude], b"S") == pytest.approx(-33.5, abs=1e-7)


def test_a_second_exif_segment_is_never_added_where_the_first_is_not_the_first_segment(tmp_path):
    data = _jfif_jpeg(tmp_path / "a.jpg").read_bytes()
    com = b"\xff\xfe" + (7).to_bytes(2, "big") + b"hello"  # a comment segment before the EXIF one
    exif = piexif.dump({"0th": {piexif.ImageIFD.Make: b"X"}, "Exif": {}, "GPS": {}, "1st": {}, "thumbnail": None})
    segs, rest = _segments(data)
    tricky = b"\xff\xd8" + segs[0] + com + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + b"".join(segs[1:]) + rest
    copy = geotagged_jpeg(tricky, 10.0, 20.0, 35.0)
    out = _segments(copy)[0]
    assert [s[4:10] for s in out].count(b"Exif\x00\x00") == 1 and com in out
    assert piexif.load(copy)["0th"][piexif.ImageIFD.Make] == b"X"


def test_truth_is_not_carried_over_png_and_own_folder_are_left_out_with_reasons(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    jpeg = _jfif_jpeg(photos / "DJI_0001.JPG")
    png = photos / "scan.png"
    Image.new("RGB", (32, 24)).save(png)
    truth = LatLon(51.5, -0.12)
    at = LatLon(51.50031, -0.12044)
    report = write_geotagged_copies(tmp_path / "out", [_pred(jpeg, at, truth=truth), _pred(png, at),
                                                       _pred(photos / "unsure.jpg", at, confidence=0.7)])
    assert [p.name for p in report.written] == ["DJI_0001.JPG"]
    reasons = dict(report.left_out)
    assert reasons["scan.png"].startswith("not a JPEG")
    assert reasons["unsure.jpg"].startswith("not confident")
    gps = piexif.load(str(report.written[0]))["GPS"]
    assert _degrees(gps[piexif.GPSIFD.GPSLatitude], b"N") == pytest.approx(at.lat, abs=1e-7)
    assert not math.isclose(_degrees(gps[piexif.GPSIFD.GPSLatitude], b"N"), truth.lat, abs_tol=1e-6)

    before = jpeg.read_bytes()
    again = write_geotagged_copies(photos, [_pred(jpeg, at)])
    assert not again.written and again.left_out[0][1].startswith("its copy would replace the photo itself")
    assert jpeg.read_bytes() == before


def test_a_block_too_large_for_one_segment_is_refused_not_written():
    data = Image.new("RGB", (8, 8))
    buf = io.BytesIO()
    data.save(buf, format="JPEG")
    with pytest.raises(ValueError, match="above a JPEG segment's 65,533"):
        splice_exif(buf.getvalue(), b"Exif\x00\x00" + b"\x00" * 70_000)
