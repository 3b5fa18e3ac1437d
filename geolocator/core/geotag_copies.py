"""Geotagged copies of the located photos, for tools that read a photo's position from its EXIF GPS
only: the same confident answers and positions as core/geotags.py, written into COPIES of the photos
in another folder (the originals are never opened for writing).

Only the EXIF segment (APP1 "Exif") of each JPEG changes. The EXIF block is read and written by
piexif (a well-kept pure-Python EXIF codec; exiftool would need a Perl program beside the app): its GPS
IFD is replaced by the answer's position (GPSLatitude/Ref, GPSLongitude/Ref, GPSMapDatum "WGS-84",
GPSHPositioningError = the geotag's horizontal accuracy in metres, EXIF 2.31, and GPSProcessingMethod
"geolocator image matching" so the copy says where its position came from); every other tag, the maker
note's bytes and the thumbnail are written back as they were. No GPSAltitude is written: EXIF's is
above sea level, and what the photo recorded is a height above the take-off point (geotags.py); the
failed receiver's GPS tags, altitude included, are dropped. The new segment is spliced in place of
the old one here (not with piexif.insert, which drops a JFIF APP0 segment beside an EXIF one and adds a
second EXIF segment when the first is not the first segment): every other segment (XMP, ICC, MPF),
the compressed picture and anything after it (an MPO's preview image) are the original's bytes, so the
pixels are byte-identical and nothing is re-encoded.

Not kept, plainly: a maker note whose values lie outside it at offsets from the EXIF header moves
with the rewritten block and such offsets then point elsewhere (DJI's, checked on a Phantom 3 photo,
hold every value inline: nothing breaks). A DJI photo's XMP keeps the receiver's own
drone-dji:Latitude/Longitude, which OpenDroneMap reads after the EXIF (opendm/photo.py): for ODM,
give geo.txt instead. Only JPEG photos get copies; others are left out with that reason.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from .errors import GeolocatorError
from .geotags import LeftOutReport, left_out_clause
from .media.metadata import GEOLOCATOR_GPS_METHOD
from .model import CONFIDENT, Prediction

# EXIF: 8-byte character code, then the text; metadata.py reads a GPS so marked as an answer, not as truth
PROCESSING_METHOD = b"ASCII\x00\x00\x00" + GEOLOCATOR_GPS_METHOD.encode("ascii")
_SOI, _SOS = b"\xff\xd8", b"\xff\xda"


@dataclass(frozen=True)
class CopiesReport(LeftOutReport):
    """The copies written (paths) and the photos left out with the reason ((photo id, reason))."""

    folder: Path
    written: tuple[Path, ...]
    left_out: tuple[tuple[str, str], ...]

    def summary(self) -> str:
        from .wording import count

        line = f"wrote {count(len(self.written), 'geotagged copy', 'geotagged copies')} to {self.folder}"
        return line + left_out_clause(self.left_out)


def _segments(data: bytes) -> tuple[list[bytes], bytes]:
    """A JPEG's marker segments before its first scan (each with its marker and length) and the rest
    (the scan, the picture's compressed data and whatever follows it), byte for byte. ValueError
    when `data` is not a JPEG whose header segments can be walked."""
    if data[:2] != _SOI:
        raise ValueError("not a JPEG (no start-of-image marker)")
    at, segments = 2, []
    while True:
        if at + 4 > len(data) or data[at] != 0xFF:
            raise ValueError("its JPEG header is damaged")
        if data[at:at + 2] == _SOS:
            return segments, data[at:]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if length < 2 or at + 2 + length > len(data):
            raise ValueError("its JPEG header is damaged")
        segments.append(data[at:at + 2 + length])
        at += 2 + length


def _is_exif(segment: bytes) -> bool:
    return segment[:2] == b"\xff\xe1" and segment[4:10] == b"Exif\x00\x00"


def splice_exif(data: bytes, exif: bytes) -> bytes:
    """`data` (a JPEG file's bytes) with its first EXIF APP1 segment's body replaced by `exif`
    (starting b"Exif\\0\\0"), or, without one, `exif` inserted after a leading JFIF APP0 segment
    (else first). Every other byte is `data`'s. ValueError for a body above 65,533 bytes (one
    segment's limit) or a file whose header cannot be walked."""
    if len(exif) + 2 > 0xFFFF:
        raise ValueError(f"its EXIF block would be {len(exif):,} bytes, above a JPEG segment's 65,533")
    segments, rest = _segments(data)
    new = b"\xff\xe1" + struct.pack(">H", len(exif) + 2) + exif
    for i, seg in enumerate(segments):
        if _is_exif(seg):
            segments[i] = new
            break
    else:
        at = 1 if segments and segments[0][:2] == b"\xff\xe0" else 0
        segments.insert(at, new)
    return _SOI + b"".join(segments) + rest


def _dms(value: float) -> tuple[tuple[int, int], ...]:
    """Degrees as EXIF's three rationals: whole degrees, whole minutes, seconds to 1/10,000 (EXIF 2.32
    GPSLatitude: minutes and seconds below 60). Rounded once, in whole 1/10,000 s, then split, so a
    value a hair below a whole minute carries into it (59' 60.0000" is not written)."""
    tenths_of_ms = round(abs(value) * 3600 * 10_000)  # 180 deg = 6.48e9: exact in a float
    degrees, rest = divmod(tenths_of_ms, 3600 * 10_000)
    minutes, seconds = divmod(rest, 60 * 10_000)
    return ((degrees, 1), (minutes, 1), (seconds, 10_000))


def gps_ifd(lat: float, lon: float, accuracy_m: float) -> dict:
    """The GPS IFD (piexif's {tag: value}) of a position (WGS84 degrees) and its horizontal accuracy
    (metres, GPSHPositioningError)."""
    import piexif

    g = piexif.GPSIFD
    error = Fraction(accuracy_m).limit_denominator(1000)
    return {g.GPSVersionID: (2, 3, 0, 0),
            g.GPSLatitudeRef: b"N" if lat >= 0 else b"S", g.GPSLatitude: _dms(lat),
            g.GPSLongitudeRef: b"E" if lon >= 0 else b"W", g.GPSLongitude: _dms(lon),
            g.GPSMapDatum: b"WGS-84", g.GPSProcessingMethod: PROCESSING_METHOD,
            31: (error.numerator, error.denominator)}  # GPSHPositioningError (EXIF 2.31; piexif 1.1 lacks its name)


def geotagged_jpeg(data: bytes, lat: float, lon: float, accuracy_m: float) -> bytes:
    """A copy of JPEG `data` whose EXIF GPS says (lat, lon) with `accuracy_m` (gps_ifd); every other
    byte as in `data` but the EXIF segment's (splice_exif). ValueError (naming what is wrong) for a
    file that is not a JPEG or whose EXIF cannot be read or written back."""
    import piexif

    has_exif = any(_is_exif(s) for s in _segments(data)[0])  # ValueError: not a JPEG, or damaged
    try:
        exif = piexif.load(data) if has_exif else \
            {"0th": {}, "Exif": {}, "GPS": {}, "Interop": {}, "1st": {}, "thumbnail": None}
        exif["GPS"] = gps_ifd(lat, lon, accuracy_m)
        block = piexif.dump(exif)
    except Exception as exc:  # piexif's own errors (InvalidImageDataError, ValueError, struct.error...) as one kind
        raise ValueError(f"its EXIF cannot be rewritten ({exc})") from exc
    return splice_exif(data, block)


def write_geotagged_copies(folder: Path | str, predictions: Sequence[Prediction], tracks: Sequence = (), *,
                           min_confidence: float = CONFIDENT) -> CopiesReport:
    """Write a geotagged copy of each photo core.geotags.geotags_for writes (confident answers; a
    flight's photo at its track position) into `folder` under its own file name. Returns the
    CopiesReport (copies, and every photo left out with its reason: geotags_for's, not a JPEG, EXIF
    that cannot be rewritten, a copy that would replace its own original). Raises GeolocatorError when
    piexif is missing; outputs.OutputError when a copy cannot be written (a full disk): it names that copy
    and says how many copies written before it are kept and how many photos were not copied."""
    from .geotags import geotags_for
    from .outputs import OutputError, write_bytes

    try:
        import piexif  # noqa: F401
    except ImportError as exc:
        raise GeolocatorError("geotagged copies need the piexif package: pip install piexif") from exc
    folder = Path(folder)
    tags, left_out = geotags_for(predictions, tracks, min_confidence=min_confidence)
    by_id = {p.query.id: p for p in predictions}
    written = []
    for i, tag in enumerate(tags):
        source = Path(by_id[tag.query_id].query.path)
        target = folder / tag.name
        try:
            same = target.exists() and target.resolve() == source.resolve()
        except OSError:
            same = False
        if same:
            left_out.append((tag.query_id, "its copy would replace the photo itself: choose another folder"))
            continue
        try:
            data = source.read_bytes()
            copy = geotagged_jpeg(data, tag.position.lat, tag.position.lon, tag.horizontal_accuracy_m)
        except OSError as exc:
            left_out.append((tag.query_id, f"cannot be read ({exc.strerror or exc})"))
            continue
        except ValueError as exc:
            left_out.append((tag.query_id, str(exc)))
            continue
        try:
            written.append(write_bytes(target, copy))
        except OutputError as exc:  # a full disk: say what the folder holds, not only the copy that failed
            from .wording import count

            raise OutputError(exc.path, f"{exc.problem}; stopped there: {count(len(written), 'copy', 'copies')} "
                              f"written before it {'is' if len(written) == 1 else 'are'} kept in {folder}, "
                              f"this photo and the {count(len(tags) - i - 1, 'other')} after it not copied") from None
    return CopiesReport(folder=folder, written=tuple(written), left_out=tuple(left_out))
