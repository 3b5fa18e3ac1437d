"""A TIFF photo's EXIF sub-blocks are read (session 32, fieldfuzz32): GPS (truth for scoring), the
capture time and the focal length, with DJI's XMP packet (TIFF tag 700). DJI multispectral cameras
(P4 Multispectral, Mavic 3M) and radiometric thermal cameras write TIFFs so tagged.

Pillow reads a TIFF's Exif and GPS IFDs from the open file when first asked; the metadata reader
asked after closing it, so every TIFF photo had "EXIF GPS block cannot be read" and no time or
focal length, while the same tags in a JPEG were read."""

from __future__ import annotations

from datetime import datetime

import pytest
from PIL import Image

from geolocator.core.media.metadata import footprint_m, read_photo_meta

from .demo_features import DEMO

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/" drone-dji:RelativeAltitude="+80.20" '
       b'drone-dji:GimbalYawDegree="-45.5" drone-dji:GimbalPitchDegree="-90.0"/></rdf:RDF></x:xmpmeta>')


def _exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "DJI", "FC6310"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (36.0, 8.0, 30.5), 3: "W", 4: (115.0, 14.0, 0.25)})
    ifd = exif.get_ifd(0x8769)
    ifd.update({0x9003: "2026:05:04 10:11:12", 0x920A: 8.8})
    return exif


@pytest.mark.parametrize("suffix,fmt", [(".tif", "TIFF"), (".jpg", "JPEG")])
def test_a_photos_gps_time_focal_length_and_xmp_are_read_from_a_tiff_as_from_a_jpeg(tmp_path, suffix, fmt):
    path = tmp_path / f"DJI_0001{suffix}"
    photo = Image.open(DEMO / "queries" / "q_0001.jpg").convert("RGB")
    exif = _exif()
    if fmt == "TIFF":
        exif[700] = XMP  # XMP is a tag of IFD0 in a TIFF
    photo.save(path, fmt, exif=exif.tobytes(), **({} if fmt == "TIFF" else {"xmp": XMP}))
    meta = read_photo_meta(path)
    assert meta.position_note is None
    assert meta.position_source == "exif"
    assert meta.position.lat == pytest.approx(-(36 + 8 / 60 + 30.5 / 3600))
    assert meta.position.lon == pytest.approx(-(115 + 14 / 60 + 0.25 / 3600))
    assert meta.captured_at == datetime(2026, 5, 4, 10, 11, 12)
    assert meta.focal_length_mm == pytest.approx(8.8)
    assert (meta.relative_altitude_m, meta.gimbal_yaw_deg) == (pytest.approx(80.2), pytest.approx(-45.5))
    # the footprint needs the focal length: 80.2 m x 13.2 mm (FC6310's sensor) / 8.8 mm across
    assert footprint_m(meta)[0] == pytest.approx(80.2 * 13.2 / 8.8, rel=1e-3)

