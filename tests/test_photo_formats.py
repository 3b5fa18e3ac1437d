"""Photo formats and odd photos: HEIC (pillow-heif), DNG (rawpy), tiny or narrow frames, and files
in a query folder that are not photos. Every file is a query or is named with a reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from geolocator.core import images
from geolocator.core.errors import InputError
from geolocator.core.model import LatLon
from geolocator.core.queries import load_queries

GPS = {1: "S", 2: (12.0, 30.0, 0.0), 3: "E", 4: (130.0, 15.0, 0.0)}
DJI_XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:GpsLatitude="36.25" '
           b'drone-dji:GpsLongitude="-115.5" drone-dji:RelativeAltitude="+80.0" drone-dji:GimbalYawDegree="-12.5"/>'
           b'</rdf:RDF></x:xmpmeta>')


def _collect():
    skipped: dict[str, str] = {}
    return skipped, lambda p, why: skipped.__setitem__(p.name, why)


# ---------------------------------------------------------------- HEIC


def _heic(path, size=(96, 64)):
    pytest.importorskip("pillow_heif")
    assert images.heif_available()
    exif = Image.Exif()
    exif[0x8825] = GPS
    Image.new("RGB", size, (200, 40, 40)).save(path, format="HEIF", exif=exif.tobytes(), xmp=DJI_XMP)
    return path


def test_heic_photo_is_decoded_and_its_metadata_read(tmp_path):
    path = _heic(tmp_path / "IMG_0001.HEIC")
    (q,) = load_queries(tmp_path)
    assert q.id == "IMG_0001.HEIC" and q.truth_source == "exif"
    assert q.truth.lat == pytest.approx(-12.5) and q.truth.lon == pytest.approx(130.25)
    assert q.meta.relative_altitude_m == 80.0 and q.meta.gimbal_yaw_deg == -12.5  # XMP inside HEIF too
    img = images.open_image(path)
    assert img.mode == "RGB" and img.size == (96, 64)
    r, g, b = np.asarray(img).reshape(-1, 3).mean(axis=0)
    assert r > 150 and g < 90 and b < 90  # the red it was written with


def test_an_iphone_heic_turned_by_irot_and_exif_orientation_6_is_read_upright_once_with_its_gps(tmp_path):
    """smallfield35: an iPhone HEIC stores the sensor's landscape pixels with an `irot` box and EXIF Orientation 6
    saying the same quarter turn. libheif applies `irot` on decode and pillow-heif then reports Orientation 1
    (its `original_orientation` keeps the 6), so the photo is turned once, not twice, and its GPS is read.
    pillow-heif's writer makes the same pair from `exif=` with Orientation 6 (both checked in the file)."""
    pytest.importorskip("pillow_heif")
    assert images.heif_available()
    stored = np.zeros((32, 64, 3), np.uint8)  # landscape as stored: red top rows, blue left columns
    stored[:4] = (255, 0, 0)
    stored[:, :4] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to show": the top row becomes the right column
    exif[0x8825] = GPS
    path = tmp_path / "IMG_0042.HEIC"
    Image.fromarray(stored).save(path, format="HEIF", exif=exif.tobytes(), quality=-1)
    raw = path.read_bytes()
    assert b"irot" in raw and bytes.fromhex("0112000300000001000600") in raw  # irot and EXIF 6 (big-endian)
    img = np.asarray(images.open_image(path)).astype(int)
    assert img.shape == (64, 32, 3)  # portrait, as the phone was held
    top, right, left = img[0, 6:-6].mean(axis=0), img[6:-6, -1].mean(axis=0), img[6:-6, 0].mean(axis=0)
    assert top[2] > 200 and top[0] < 60  # the stored left columns (blue) are on top
    assert right[0] > 200 and right[2] < 60  # the stored top rows (red) are on the right
    assert left.max() < 60  # not turned a second time (red would be on the left)
    (q,) = load_queries(tmp_path)
    assert q.truth_source == "exif" and q.truth == pytest.approx(LatLon(-12.5, 130.25))
    assert (q.meta.width, q.meta.height, q.meta.orientation) == (32, 64, 1)  # as shown: no second quarter turn


def test_heic_without_pillow_heif_is_named_with_the_reason(tmp_path, monkeypatch):
    _heic(tmp_path / "a.heic")
    Image.new("RGB", (32, 32)).save(tmp_path / "b.jpg")
    monkeypatch.setattr(images, "heif_available", lambda: False)
    skipped, on_skip = _collect()
    got = load_queries(tmp_path, on_skip=on_skip)
    assert [q.id for q in got] == ["b.jpg"]
    assert "pillow-heif" in skipped["a.heic"]


# ---------------------------------------------------------------- DNG


def _dng(path, h=64, w=96, xmp: bytes | None = DJI_XMP):
    """A minimal DNG (DNG spec 1.4: CFA photometric, RGGB pattern, identity colour matrix)."""
    tifffile = pytest.importorskip("tifffile")
    pytest.importorskip("rawpy")
    cfa = np.zeros((h, w), np.uint16)
    cfa[0::2, 0::2] = 3000  # R
    cfa[0::2, 1::2] = 600  # G
    cfa[1::2, 0::2] = 600  # G
    cfa[1::2, 1::2] = 300  # B
    identity = tuple(x for v in (1, 0, 0, 0, 1, 0, 0, 0, 1) for x in (v, 1))
    extratags = [
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: R G / G B
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50708, "s", 0, "Test Camera", True),  # UniqueCameraModel
        (50721, "2i", 9, identity, True),  # ColorMatrix1
        (50717, "I", 1, 4095, True),  # WhiteLevel
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1), True),  # AsShotNeutral: no white-balance correction
    ]
    if xmp is not None:
        extratags.append((700, "B", len(xmp), xmp, True))  # XMP packet (XMP spec part 3: TIFF tag 700)
    tifffile.imwrite(path, cfa, photometric=32803, extratags=extratags, metadata=None)
    return path


def test_dng_photo_is_decoded_and_its_xmp_read(tmp_path):
    path = _dng(tmp_path / "DJI_0001.DNG")
    (q,) = load_queries(tmp_path)
    assert q.id == "DJI_0001.DNG" and q.truth == LatLon(36.25, -115.5) and q.truth_source == "xmp:drone-dji"
    assert (q.meta.width, q.meta.height) == (96, 64) and q.meta.relative_altitude_m == 80.0
    full = images.open_image(path)
    assert full.mode == "RGB" and full.size == (96, 64)
    r, g, b = np.asarray(full).reshape(-1, 3).mean(axis=0)
    assert r > g and r > b  # demosaicked from a red-dominant mosaic
    half = images.open_image(path, min_side=20)  # half size: one RGB pixel per 2x2 Bayer cell
    assert half.size == (48, 32)
    assert images.thumbnail(path, 24).size[0] == 24


def test_dng_without_rawpy_and_broken_dng_are_named_with_the_reason(tmp_path, monkeypatch):
    _dng(tmp_path / "a.dng")
    (tmp_path / "broken.dng").write_bytes(b"II*\x00\x08\x00\x00\x00 not a real raw")
    Image.new("RGB", (32, 32)).save(tmp_path / "c.jpg")
    skipped, on_skip = _collect()
    assert [q.id for q in load_queries(tmp_path, on_skip=on_skip)] == ["a.dng", "c.jpg"]
    assert "cannot read RAW image" in skipped["broken.dng"]
    monkeypatch.setattr(images, "_rawpy", lambda: None)
    skipped, on_skip = _collect()
    assert [q.id for q in load_queries(tmp_path, on_skip=on_skip)] == ["c.jpg"]
    assert "rawpy" in skipped["a.dng"] and "rawpy" in skipped["broken.dng"]
    with pytest.raises(InputError, match="rawpy"):
        images.open_image(tmp_path / "a.dng")


# ---------------------------------------------------------------- tiny and narrow frames


@pytest.mark.parametrize("size, words", [((1, 1), "only 1x1 pixels"), ((4000, 3), "only 4000x3 pixels"),
                                         ((3, 4000), "only 3x4000"), ((4000, 100), "40:1")])
def test_tiny_or_narrow_image_gets_a_sentence_saying_what_is_wrong(tmp_path, size, words):
    Image.new("RGB", size).save(tmp_path / "odd.png")
    Image.new("RGB", (64, 48)).save(tmp_path / "fine.jpg")
    skipped, on_skip = _collect()
    assert [q.id for q in load_queries(tmp_path, on_skip=on_skip)] == ["fine.jpg"]
    assert words in skipped["odd.png"]
    assert images.photo_size_problem(*size) == skipped["odd.png"]


def test_only_tiny_images_is_an_error_naming_the_folder(tmp_path):
    Image.new("RGB", (1, 1)).save(tmp_path / "dot.png")
    with pytest.raises(InputError, match="the only query file could not be read"):
        load_queries(tmp_path)


# ---------------------------------------------------------------- a folder never drops files silently


def test_non_photo_files_in_a_query_folder_are_named_with_reasons(tmp_path, caplog):
    Image.new("RGB", (64, 48)).save(tmp_path / "DJI_0001.JPG")
    (tmp_path / "DJI_0002.MP4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    (tmp_path / "DJI_0002.SRT").write_text("1\n00:00:00,000 --> 00:00:01,000\n")
    (tmp_path / "DJI_0003.CR2").write_bytes(b"II*\x00")
    (tmp_path / ".DS_Store").write_bytes(b"junk")  # OS droppings stay silent
    skipped, on_skip = _collect()
    with caplog.at_level("WARNING", logger="geolocator"):
        got = load_queries(tmp_path, on_skip=on_skip)
    assert [q.id for q in got] == ["DJI_0001.JPG"]
    # a video is a query (its frames); this one cannot be decoded, so it is named with the reason. Its
    # telemetry sidecar is read with it and is not a stray file.
    assert set(skipped) == {"DJI_0002.MP4", "DJI_0003.CR2"}
    assert skipped["DJI_0002.MP4"]
    assert "not a photo type" in skipped["DJI_0003.CR2"] and ".dng" in skipped["DJI_0003.CR2"]
    assert all(name in caplog.text for name in skipped)  # the CLI shows these log lines


def test_dng_exif_gps_is_read_through_the_tiff_structure(tmp_path):
    """DNG keeps EXIF GPS in IFD0's GPS pointer like any TIFF; read without LibRaw's help."""
    from geolocator.core.media.metadata import read_photo_meta

    exif = Image.Exif()
    exif[0x8825] = GPS
    exif[0x0110] = "FC6310"
    path = tmp_path / "x.dng"
    path.write_bytes(exif.tobytes()[len(b"Exif\x00\x00"):])  # the TIFF structure alone: IFD0 + GPS IFD, no raw data
    meta = read_photo_meta(path)
    assert meta.position.lat == pytest.approx(-12.5) and meta.position.lon == pytest.approx(130.25)
    assert meta.model == "FC6310" and meta.position_source == "exif"
