"""Damaged or impossible photo metadata is left out and said, naming the photo (session 20).

Found by a user with a folder of real, messy photos: a JPEG whose EXIF block points its first IFD
outside the block printed Pillow's `UserWarning: Corrupt EXIF data. Expecting to read 2 bytes but
only got 0.` (twice, naming no file), and a GPSAltitude of 4294967295 m (an unsigned -1) was
exported as `gps_altitude_m` 4294967295.0; a RelativeAltitude of 99999 m became a 124 km footprint.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import textwrap
from pathlib import Path

from PIL import Image, TiffImagePlugin

from geolocator.core.media.metadata import footprint_m, meta_properties, read_photo_meta
from geolocator.core.queries import query_from_photo

GPS_IFD, EXIF_IFD = 0x8825, 0x8769
R = TiffImagePlugin.IFDRational
DJI_NS = 'xmlns:drone-dji="http://www.dji.com/drone-dji/1.0/"'


def _xmp(attrs: str) -> bytes:
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" {DJI_NS} {attrs}/></rdf:RDF></x:xmpmeta>').encode()


def _photo(path: Path, exif: Image.Exif | None = None, xmp: bytes | None = None) -> Path:
    kw = {"exif": exif} if exif is not None else {}
    if xmp is not None:
        kw["xmp"] = xmp
    Image.new("RGB", (400, 300), (90, 120, 60)).save(path, **kw)
    return path


def _bad_ifd_jpeg(path: Path) -> Path:
    """A JPEG whose APP1 EXIF block is a TIFF header pointing its first IFD 2 GB away."""
    good = _photo(path.with_name("plain.jpg")).read_bytes()
    app1 = b"Exif\x00\x00" + b"II*\x00" + struct.pack("<I", 0x7FFFFFF0)
    path.write_bytes(good[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + good[2:])
    return path


def test_an_altitude_no_camera_flies_at_is_left_out_with_a_note(tmp_path):
    exif = Image.Exif()
    exif[0x010F] = "DJI"
    exif.get_ifd(GPS_IFD)[6] = R(4294967295, 1)
    p = _photo(tmp_path / "alt.jpg", exif, _xmp('drone-dji:RelativeAltitude="+99999.0" drone-dji:AbsoluteAltitude="+512.3"'))
    meta = read_photo_meta(p)
    assert meta.gps_altitude_m is None and meta.relative_altitude_m is None
    assert meta.absolute_altitude_m == 512.3  # a plausible height is kept
    assert "GPSAltitude 4.29497e+09 m" in meta.metadata_note and "RelativeAltitude 99999 m" in meta.metadata_note
    assert "gps_altitude_m" not in meta_properties(meta) or meta_properties(meta)["gps_altitude_m"] is None
    assert footprint_m(meta) is None


def test_a_damaged_exif_block_is_named_once_with_the_photo_and_pillow_stays_quiet(tmp_path):
    p = _bad_ifd_jpeg(tmp_path / "bad ifd é.jpg")
    plain = tmp_path / "plain.jpg"
    code = textwrap.dedent(f"""
        import logging
        logging.basicConfig(format="%(levelname)s: %(message)s")
        from pathlib import Path
        from geolocator.core.queries import query_from_photo
        from geolocator.core.images import open_image
        q = query_from_photo(Path({str(p)!r}), "q")
        open_image(Path({str(p)!r}))
        query_from_photo(Path({str(plain)!r}), "plain")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.returncode == 0, out.stderr
    assert "Corrupt EXIF data" not in out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert lines == [f"WARNING: {p}: its EXIF block (14 bytes) is damaged: no tag could be read from it"]


def test_a_well_formed_but_empty_exif_block_is_not_called_damaged(tmp_path):
    """The new check (a TIFF header pointing outside its block) must not call an empty block damaged."""
    p = _photo(tmp_path / "empty.jpg", Image.Exif())
    assert query_from_photo(p, "empty").meta.metadata_note is None


def test_a_heic_cut_short_is_said_on_one_line(tmp_path):
    """libheif's message ends in a newline: `half.heic: corrupt image data (… (points to file
    position 379)\\n)` broke the warning line in two (session 20)."""
    import pillow_heif

    from geolocator.core.errors import InputError
    from geolocator.core.images import open_image

    pillow_heif.register_heif_opener()
    import numpy as np

    whole = tmp_path / "whole.heic"
    noise = np.random.default_rng(0).integers(0, 255, (288, 384, 3), dtype=np.uint8)
    Image.fromarray(noise).save(whole)  # the pixel data is most of the file: the header survives the cut
    half = tmp_path / "half.heic"
    half.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    try:
        open_image(half)
    except InputError as exc:
        message = str(exc)
    else:
        raise AssertionError("a HEIC cut in half decoded")
    assert message.startswith(f"{half}: corrupt image data (") and "\n" not in message
