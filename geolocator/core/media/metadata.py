"""Photo metadata: what drones write in EXIF and XMP, read into one PhotoMeta record.

Sources, in order of trust:
- Position: EXIF GPS (CIPA DC-008 / EXIF 2.32 GPS IFD), then a maker's XMP when EXIF holds no
  usable fix: DJI `drone-dji:GpsLatitude` / `GpsLongitude` (and DJI's own misspelling
  `GpsLongtitude`; newer Autel firmware writes the same namespace), Skydio
  `drone-skydio:Latitude` / `Longitude`. Parrot and older Autel write their position in EXIF only.
  Then the EXIF GPS fields as XMP holds them (`exif:GPSLatitude` "52,22.5N", XMP Specification
  Part 2; Lightroom, digiKam, exiftool), source "xmp:exif". XMP is the photo's own packet, then its
  sidecar files ("NAME.JPG.xmp": darktable, digiKam; "NAME.xmp": Lightroom, Bridge) for fields it lacks.
  A fix that says it is void (GPSStatus `V`, DJI GpsStatus `Invalid`), lacks its N/S or E/W
  reference, has a zero denominator, or is exactly 0, 0 is not a position: PhotoMeta.position
  stays None and `position_note` says why.
- Orientation: DJI `GimbalYaw/Pitch/RollDegree` and `FlightYaw/Pitch/RollDegree`; Skydio
  `CameraOrientationNED` (Yaw, Pitch, Roll); Parrot `drone-parrot:CameraYaw/Pitch/RollDegree`
  and `DroneYaw/Pitch/RollDegree`; Pix4D's `Camera:Yaw/Pitch/Roll` (older Autel, senseFly), whose
  pitch is 0 at nadir and is converted to DJI's convention (-90 at nadir).
- Height: DJI `AbsoluteAltitude` / `RelativeAltitude`, Skydio `AbsoluteAltitude`, Parrot
  `Camera:AboveGroundAltitude`, EXIF GPSAltitude (+ GPSAltitudeRef), else XMP `exif:GPSAltitude`.
- Camera: EXIF FocalLength, FocalLengthIn35mmFilm, FocalPlaneX/YResolution (+ unit); a small
  table of common DJI cameras when the sensor size is not recorded.
- Framing (cropped or resized since the camera): Camera Raw's applied crs:Crop*, else EXIF
  PixelX/YDimension against the decoded size (media/framing.py), and where those cannot place a crop,
  the EXIF thumbnail a crop tool kept (media/thumb_framing.py).
- Time: EXIF DateTimeOriginal + SubSecTimeOriginal + OffsetTimeOriginal; without the offset, the zone
  the GPS UTC stamp (GPSDateStamp + GPSTimeStamp) tells when the two clocks agree within 2 minutes;
  without DateTimeOriginal, XMP `exif:DateTimeOriginal`, `photoshop:DateCreated` or `xmp:CreateDate`.

EXIF is parsed by Pillow (getexif / get_ifd; for DNG, Pillow's TIFF IFD parser over the file),
XMP by defusedxml's ElementTree (RDF attributes, elements and structs; no regular expressions).
Reading never raises for bad metadata: metadata is a bonus and a prior, never a reason to drop a
photo (the photo's pixels are checked elsewhere).
"""

from __future__ import annotations

import logging
import math
import struct
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from PIL import Image

from ..model import LatLon, PhotoMeta
from .framing import read_framing, recorded_size
from .thumb_framing import thumbnail_framing

log = logging.getLogger("geolocator")

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
XMP_TAG = 700  # TIFF/DNG: the XMP packet as a tag of IFD0 (XMP spec part 3, 1.1.4)

# Namespace URIs -> the prefix used in keys here, whatever prefix the file declares.
_KNOWN_NS = {
    "dji.com/drone-dji/1.0": "drone-dji",
    "skydio.com/drone-skydio/1.0": "drone-skydio",
    "parrot.com/drone-parrot/1.0": "drone-parrot",
    "pix4d.com/camera/1.0": "Camera",
    "ns.sensefly.com/camera/1.0": "Camera",
    "ns.adobe.com/tiff/1.0": "tiff",
    "ns.adobe.com/exif/1.0": "exif",
    "cipa.jp/exif/1.0": "exifEX",
    "ns.adobe.com/exif/1.0/aux": "aux",
    "ns.adobe.com/xap/1.0": "xmp",
    "ns.adobe.com/photoshop/1.0": "photoshop",
    "ns.adobe.com/camera-raw-settings/1.0": "crs",  # Camera Raw / Lightroom settings: the crop (media/framing.py)
}
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XML = "http://www.w3.org/XML/1998/namespace"  # xml:lang and friends qualify a value, they are not fields


def _is_field(attribute: str) -> bool:
    return not (attribute.startswith("{" + _RDF) or attribute.startswith("{" + _XML))

# Nominal sensor sizes (width, height in mm, long side first) of common DJI cameras by EXIF Model,
# from the makers' published specifications (optical format), for files that record no
# FocalPlaneXResolution. The 35 mm equivalent is the fallback for everything else.
CAMERA_SENSORS_MM: dict[str, tuple[float, float]] = {
    "FC300S": (6.16, 4.62),  # Phantom 3 Advanced, 1/2.3"
    "FC300X": (6.16, 4.62),  # Phantom 3 Professional, 1/2.3"
    "FC330": (6.16, 4.62),  # Phantom 4, 1/2.3"
    "FC220": (6.16, 4.62),  # Mavic Pro, 1/2.3"
    "FC6310": (13.2, 8.8),  # Phantom 4 Pro, 1"
    "FC6310S": (13.2, 8.8),  # Phantom 4 Pro V2.0, 1"
    "FC6310R": (13.2, 8.8),  # Phantom 4 RTK, 1"
    "FC3170": (13.2, 8.8),  # Air 2S, 1"
    "L1D-20C": (13.2, 8.8),  # Mavic 2 Pro (Hasselblad), 1"
    "FC3411": (6.4, 4.8),  # Mavic Air 2, 1/2"
    "L2D-20C": (17.3, 13.0),  # Mavic 3 (Hasselblad), 4/3"
}

# EXIF FocalPlaneResolutionUnit -> millimetres per unit (EXIF 2.32, tag 0xA210).
_FOCAL_PLANE_UNIT_MM = {2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}  # 1 = "no absolute unit": unusable
FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # the 35 mm film frame the equivalent refers to
NADIR_TOLERANCE_DEG = 10.0


# ---------------------------------------------------------------- XMP


def _ns_key(uri: str, prefixes: dict[str, str]) -> str:
    norm = uri.strip().lower().rstrip("/")
    for scheme in ("https://", "http://"):
        if norm.startswith(scheme):
            norm = norm[len(scheme):]
    if norm.startswith("www."):
        norm = norm[4:]
    return _KNOWN_NS.get(norm) or prefixes.get(uri) or uri


def _split(tag: str, prefixes: dict[str, str]) -> str:
    if tag.startswith("{"):
        uri, local = tag[1:].split("}", 1)
        return f"{_ns_key(uri, prefixes)}:{local}"
    return tag


def _struct_fields(elem, prefixes: dict[str, str]) -> dict[str, str]:
    """Fields of an XMP struct written any of the RDF ways: attributes, child elements,
    rdf:parseType="Resource", or a nested rdf:Description."""
    out: dict[str, str] = {}
    for name, value in elem.attrib.items():
        if _is_field(name):
            out[_split(name, prefixes).split(":")[-1]] = value
    for child in elem:
        if child.tag == f"{{{_RDF}}}Description":
            out.update(_struct_fields(child, prefixes))
            continue
        local = _split(child.tag, prefixes).split(":")[-1]
        text = (child.text or "").strip()
        if text and len(child) == 0:
            out[local] = text
    return out


def parse_xmp(packet: bytes | str) -> dict[str, str]:
    """Flatten an XMP packet into {"prefix:Name": text}; struct fields as "prefix:Name/Field".

    Known namespaces get their usual prefix (drone-dji, drone-skydio, drone-parrot, Camera, ...)
    whatever the file declares; others keep the file's prefix. Arrays give their first item.
    Raises ValueError for a packet that is not well-formed XML (or tries entity tricks: parsed
    with defusedxml, so no DTDs, entity expansion or external references).
    """
    from io import BytesIO

    from defusedxml import ElementTree as SafeET

    data = packet.encode("utf-8") if isinstance(packet, str) else bytes(packet)
    data = data.strip(b"\x00 \r\n\t")
    start = data.find(b"<x:xmpmeta")
    if start < 0:
        start = data.find(b"<rdf:RDF")
    if start > 0:
        data = data[start:]
    end = data.rfind(b"</x:xmpmeta>")
    if end >= 0:
        data = data[: end + len(b"</x:xmpmeta>")]
    try:
        prefixes: dict[str, str] = {}
        for _event, (prefix, uri) in SafeET.iterparse(BytesIO(data), events=("start-ns",)):
            prefixes.setdefault(uri, prefix)
        root = SafeET.fromstring(data)
    except Exception as exc:  # noqa: BLE001 - ParseError and defusedxml's refusals alike
        raise ValueError(f"XMP is not well-formed XML ({type(exc).__name__}: {exc})") from None
    out: dict[str, str] = {}
    for desc in root.iter(f"{{{_RDF}}}Description"):
        for name, value in desc.attrib.items():
            if _is_field(name):
                out.setdefault(_split(name, prefixes), value)
        for child in desc:
            key = _split(child.tag, prefixes)
            text = (child.text or "").strip()
            items = list(child.iter(f"{{{_RDF}}}li"))
            if items:
                out.setdefault(key, (items[0].text or "").strip())
            elif text and len(child) == 0 and not any(_is_field(a) for a in child.attrib):
                out.setdefault(key, text)
            else:
                for field, value in _struct_fields(child, prefixes).items():
                    out.setdefault(f"{key}/{field}", value)
    return out


# ---------------------------------------------------------------- numbers


def _float(value) -> float | None:
    """A finite float from an EXIF rational / number / XMP text ('+36.14', '4971569/65536'), else None."""
    if value is None:
        return None
    try:
        if isinstance(value, (bytes, str)):
            text = value.decode("ascii", "ignore") if isinstance(value, bytes) else value
            text = text.strip().strip("\x00").strip()
            if "/" in text:
                num, den = text.split("/", 1)
                den_f = float(den)
                return None if den_f == 0 else _finite(float(num) / den_f)
            return _finite(float(text))
        denominator = getattr(value, "denominator", None)
        if denominator is not None and denominator == 0:
            return None
        return _finite(float(value))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "ignore")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _byte(value) -> float | None:
    """An EXIF BYTE tag's number: Pillow gives GPSAltitudeRef as bytes (b"\\x01"), not as text."""
    if isinstance(value, bytes):
        return float(value[0]) if len(value) == 1 else None
    return _float(value)


def _angle(value) -> float | None:
    x = _float(value)
    return None if x is None or abs(x) > 360 else x


# ---------------------------------------------------------------- EXIF GPS


class _Reject(Exception):
    """A recorded position that is not a position; the message says why."""


class _Void(_Reject):
    """The receiver itself said the fix is void: no other record of the same fix is trusted."""


def _dms(values, what: str) -> float:
    if not isinstance(values, (tuple, list)):
        values = (values,)
    if not 1 <= len(values) <= 3:
        raise _Reject(f"EXIF GPS {what} has {len(values)} values instead of degrees, minutes, seconds")
    parts = []
    for v in values:
        if getattr(v, "denominator", 1) == 0:
            raise _Reject(f"EXIF GPS {what} has a zero denominator")
        x = _float(v)
        if x is None:
            raise _Reject(f"EXIF GPS {what} is not a number ({v!r})")
        parts.append(x)
    parts += [0.0] * (3 - len(parts))
    # Minutes or seconds of exactly 60 are the next minute or degree: writers that round (59.9996" to
    # 60.00", 59.99999' to 60.0000') write them, and exiftool reads them as deg + min/60 + sec/3600 too
    # (CIPA DC-008 gives GPSLatitude's form, dd/1,mm/1,ss/1, and no range). More than 60 is no rounding
    # of anything below it: refused.
    if parts[0] < 0 or not (0 <= parts[1] <= 60) or not (0 <= parts[2] <= 60):
        raise _Reject(f"EXIF GPS {what} is not valid degrees/minutes/seconds {tuple(parts)}")
    return parts[0] + parts[1] / 60.0 + parts[2] / 3600.0


def _ref(value) -> str:
    return (_text(value) or "").upper()


# GPSLatitudeRef / GPSLongitudeRef: EXIF 2.32 (CIPA DC-008, GPS tags 0x01, 0x03) says ASCII "N"/"S", "E"/"W".
# exiftool writes those letters whatever form it is given (it accepts "North", a signed number or a string
# ending in the letter on write; its GPS tag table), but other writers have put the word itself ("North",
# "south") or the letter in lower case. Those say one direction plainly and are read; anything else is refused.
_DIRECTION_WORDS = {"N": "N", "NORTH": "N", "S": "S", "SOUTH": "S", "E": "E", "EAST": "E", "W": "W", "WEST": "W"}


def _direction(value, letters: str, what: str, tag: str) -> str:
    """The letter (one of `letters`, "NS" or "EW") an EXIF GPS reference tag's `value` says: the letter or its
    English word in any case ("n", "North", "WEST"). _Reject naming the value as written for anything else
    (a missing tag included), `what` ("latitude") and `tag` ("GPSLatitudeRef") naming which."""
    text = _text(value)
    letter = _DIRECTION_WORDS.get((text or "").upper())
    if letter is not None and letter in letters:
        return letter
    if not text:
        raise _Reject(f"EXIF GPS {what} has no {letters[0]}/{letters[1]} reference ({tag})")
    raise _Reject(f"EXIF GPS {what} reference is {text!r}, not {letters[0]} or {letters[1]}")


# GPSProcessingMethod (EXIF tag 0x1B: an 8-byte character code, then the text) of the copies that
# `locate --geotag-copies` writes (core/geotag_copies.py): their EXIF GPS is geolocator's own answer.
GEOLOCATOR_GPS_METHOD = "geolocator image matching"


def _processing_method(value) -> str | None:
    """GPSProcessingMethod's text without its character code ("ASCII\\0\\0\\0"), or None."""
    if isinstance(value, bytes) and len(value) >= 8:
        value = value[8:]
    return _text(value)


def _exif_position(gps: dict) -> LatLon | None:
    """The EXIF GPS IFD's position; None when it holds none; _Reject when it holds a bad one, or when
    geolocator wrote it (a --geotag-copies copy: GPSProcessingMethod GEOLOCATOR_GPS_METHOD). Such a
    copy's position is an earlier answer: taken as truth, `eval` scored geolocator against itself
    ("Point error: median 0.00 m", session 36, newuser36_session36.md), and it would be a GNSS prior."""
    if 2 not in gps and 4 not in gps:
        return None
    if 2 not in gps or 4 not in gps:
        raise _Reject("EXIF GPS has a latitude or a longitude but not both")
    if _processing_method(gps.get(27)) == GEOLOCATOR_GPS_METHOD:
        raise _Reject(f"EXIF GPS was written by geolocator (GPSProcessingMethod '{GEOLOCATOR_GPS_METHOD}': "
                      "a --geotag-copies copy), an earlier answer, not a recorded position")
    status = _ref(gps.get(9))
    if status == "V":
        raise _Void("EXIF GPS fix is void (GPSStatus V, measurement void)")
    lat_ref = _direction(gps.get(1), "NS", "latitude", "GPSLatitudeRef")
    lon_ref = _direction(gps.get(3), "EW", "longitude", "GPSLongitudeRef")
    lat = _dms(gps[2], "latitude") * (-1 if lat_ref == "S" else 1)
    lon = _dms(gps[4], "longitude") * (-1 if lon_ref == "W" else 1)
    return _checked(lat, lon, "EXIF GPS")


def _written_answer(gps: dict) -> LatLon | None:
    """The position in a geotagged copy's EXIF GPS IFD, which geolocator wrote there (GPSProcessingMethod
    GEOLOCATOR_GPS_METHOD: core/geotag_copies.py), read with the checks of any EXIF fix; None for any
    other photo or a position that fails them. An earlier answer: _exif_position refuses it as truth."""
    if _processing_method(gps.get(27)) != GEOLOCATOR_GPS_METHOD:
        return None
    try:
        return _exif_position({tag: value for tag, value in gps.items() if tag != 27})
    except _Reject:
        return None


def _checked(lat: float, lon: float, source: str) -> LatLon:
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise _Reject(f"{source} position {lat:.7f}, {lon:.7f} is outside the globe")
    if lat == 0.0 and lon == 0.0:
        raise _Reject(f"{source} position is 0, 0 (what a receiver without a fix writes)")
    return LatLon(lat, lon)


def _xmp_position(xmp: dict[str, str]) -> tuple[LatLon, str] | None:
    """A maker XMP position as (LatLon, "xmp:<prefix>"), else XMP's exif:GPS fields (_xmp_exif_position);
    None when there is none; _Reject when bad."""
    candidates = (
        ("drone-dji", "drone-dji:GpsLatitude", ("drone-dji:GpsLongitude", "drone-dji:GpsLongtitude"), "drone-dji:GpsStatus"),
        ("drone-skydio", "drone-skydio:Latitude", ("drone-skydio:Longitude",), None),
    )
    for prefix, lat_key, lon_keys, status_key in candidates:
        lat_text = xmp.get(lat_key)
        lon_text = next((xmp[k] for k in lon_keys if k in xmp), None)
        if lat_text is None and lon_text is None:
            continue
        if lat_text is None or lon_text is None:
            raise _Reject(f"XMP {prefix} has a latitude or a longitude but not both")
        status = (xmp.get(status_key) or "").strip().lower() if status_key else ""
        if status in ("invalid", "void", "v", "none", "nofix", "no fix"):
            raise _Reject(f"XMP {prefix} GpsStatus is {xmp[status_key]!r}: the fix is not valid")
        lat, lon = _float(lat_text), _float(lon_text)
        if lat is None or lon is None:
            raise _Reject(f"XMP {prefix} position is not a number ({lat_text!r}, {lon_text!r})")
        return _checked(lat, lon, f"XMP {prefix}"), f"xmp:{prefix}"
    return _xmp_exif_position(xmp)


def _gps_coordinate(text: str, letters: str, what: str) -> float:
    """Degrees from an XMP GPSCoordinate, "DDD,MM,SSk" or "DDD,MM.mmk" (XMP Specification Part 2,
    2.1 "GPSCoordinate"; k is one of `letters`, N/S or E/W, the second one negative), or "DD.dddk"
    (decimal degrees with the letter, as some tools write). Minutes and
    seconds of exactly 60 are the next one (as _dms). Raises _Reject naming the text."""
    words = text.strip().replace(" ", "")
    letter = words[-1:].upper()
    parts = words[:-1].split(",")
    values = [_float(p) for p in parts]
    if letter not in letters or not 1 <= len(parts) <= 3 or any(v is None for v in values):
        raise _Reject(f"XMP exif {what} {text!r} is not a GPS coordinate (DDD,MM,SS{letters[0]} or DDD,MM.mm{letters[0]})")
    try:
        degrees = _dms(values, what)
    except _Reject:
        raise _Reject(f"XMP exif {what} {text!r} is not valid degrees/minutes/seconds") from None
    return -degrees if letter == letters[1] else degrees


def _xmp_exif_position(xmp: dict[str, str]) -> tuple[LatLon, str] | None:
    """The EXIF GPS fields as XMP holds them (namespace http://ns.adobe.com/exif/1.0/: Lightroom,
    Photoshop, digiKam and exiftool write exif:GPSLatitude "52,22.5N" into a photo whose EXIF has no
    GPS block) as (LatLon, "xmp:exif"); None when there are none; _Reject (_Void for exif:GPSStatus
    V) when they hold no position."""
    lat_text, lon_text = xmp.get("exif:GPSLatitude"), xmp.get("exif:GPSLongitude")
    if lat_text is None and lon_text is None:
        return None
    if lat_text is None or lon_text is None:
        raise _Reject("XMP exif has a GPSLatitude or a GPSLongitude but not both")
    if (xmp.get("exif:GPSStatus") or "").strip().upper() == "V":
        raise _Void("XMP exif GPS fix is void (exif:GPSStatus V, measurement void)")
    lat = _gps_coordinate(lat_text, "NS", "GPSLatitude")
    lon = _gps_coordinate(lon_text, "EW", "GPSLongitude")
    return _checked(lat, lon, "XMP exif GPS"), "xmp:exif"


# ---------------------------------------------------------------- the rest


# A camera clock and its GPS receiver's UTC (GPSDateStamp + GPSTimeStamp) may differ by this much and still
# tell the clock's zone (a phone's network clock: seconds; a stamp of the last fix: up to a minute or so)
GPS_CLOCK_TOLERANCE = timedelta(minutes=2)
ZONE_STEP = timedelta(minutes=15)  # every zone on Earth is a whole number of quarter hours from UTC


def _gps_utc(gps: dict) -> datetime | None:
    """GPSDateStamp ("YYYY:MM:DD") + GPSTimeStamp (hours, minutes, seconds rationals) as a UTC time
    (EXIF 2.32, GPS tags 0x1D and 0x07); None when either is missing or not a time."""
    date, stamp = _text(gps.get(29)), gps.get(7)
    if not date or not isinstance(stamp, (tuple, list)) or len(stamp) != 3:
        return None
    try:
        day = datetime.strptime(date[:10].replace("-", ":"), "%Y:%m:%d")
    except ValueError:
        return None
    h, m, sec = (_float(v) for v in stamp)
    if h is None or m is None or sec is None or not (0 <= h < 24 and 0 <= m < 60 and 0 <= sec <= 60):
        return None
    return (day + timedelta(hours=h, minutes=m, seconds=sec)).replace(tzinfo=timezone.utc)


def _zone_from_gps(when: datetime, gps: dict) -> timezone | None:
    """The zone of a naive camera time `when` told by the same photo's GPS UTC stamp: their difference
    rounded to a quarter hour, when it is within GPS_CLOCK_TOLERANCE of that and at most 14 hours (phones
    before EXIF 2.31 wrote DateTimeOriginal in local time and GPSTimeStamp in UTC, no OffsetTime).
    None when there is no stamp or the two clocks do not agree that well."""
    utc = _gps_utc(gps)
    if utc is None:
        return None
    difference = when - utc.replace(tzinfo=None)
    offset = ZONE_STEP * round(difference / ZONE_STEP)
    if abs(difference - offset) > GPS_CLOCK_TOLERANCE or abs(offset) > timedelta(hours=14):
        return None
    return timezone(offset)


XMP_TIME_KEYS = ("exif:DateTimeOriginal", "photoshop:DateCreated", "xmp:CreateDate")  # the capture, in XMP


def _xmp_time(xmp: dict[str, str]) -> datetime | None:
    """The capture time an XMP packet holds (XMP_TIME_KEYS, the first that is a time: Lightroom, darktable
    and digiKam write them, also in a sidecar), an XMP Date (XMP Specification Part 1, 10.5.8:
    "YYYY-MM-DDThh:mm[:ss[.s]][TZD]"), aware when it has a zone; None when none has a time of day."""
    for key in XMP_TIME_KEYS:
        text = (xmp.get(key) or "").strip()
        if "T" not in text:  # a date alone ("2024-05-01") says no time of day
            continue
        try:
            when = datetime.fromisoformat(text)
        except ValueError:
            continue
        if 1 < when.year < 9999:
            return when
    return None


def _capture_time(exif_ifd: dict, gps: dict | None = None) -> datetime | None:
    """DateTimeOriginal + SubSecTimeOriginal + OffsetTimeOriginal (EXIF 2.31+); without an offset, the zone
    the GPS UTC stamp tells (_zone_from_gps, when `gps`, the GPS IFD, has one); else naive."""
    text = _text(exif_ifd.get(0x9003)) or _text(exif_ifd.get(0x9004))
    if not text:
        return None
    try:
        when = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    if not 1 < when.year < 9999:  # damage: converted to UTC or moved on, it would leave datetime's years 1-9999
        return None
    sub = _text(exif_ifd.get(0x9291)) or _text(exif_ifd.get(0x9292))
    if sub and sub.isascii() and sub.isdigit():  # not "²" (Latin-1 0xB2): str.isdigit() says yes, int() no
        when += timedelta(microseconds=int((sub + "000000")[:6]))
    zone = _recorded_offset(exif_ifd)
    if zone is None and gps:
        zone = _zone_from_gps(when, gps)
    return when if zone is None else when.replace(tzinfo=zone)


def _recorded_offset(exif_ifd: dict) -> timezone | None:
    """The zone the EXIF IFD's OffsetTimeOriginal (0x9011), else OffsetTime (0x9010), writes (EXIF 2.31+);
    None when neither is a UTC offset (utc_offset)."""
    return utc_offset(_text(exif_ifd.get(0x9011)) or _text(exif_ifd.get(0x9010)) or "")


def _time_zone_source(exif_ifd: dict, captured_at: datetime | None, from_exif: bool) -> str | None:
    """Where `captured_at`'s zone came from (PhotoMeta.time_zone_source): None for a naive time; "gps" for an
    EXIF time whose zone no OffsetTime* tag wrote (_capture_time took it from the GPS UTC stamp); else
    "recorded" (its OffsetTimeOriginal/OffsetTime, or the offset of the XMP date it came from)."""
    if captured_at is None or captured_at.tzinfo is None:
        return None
    if from_exif and _recorded_offset(exif_ifd) is None:
        return "gps"
    return "recorded"


def utc_offset(text: str) -> timezone | None:
    """A fixed UTC offset written "+HH:MM" / "-HH:MM" (EXIF OffsetTime*, ISO 8601) or "+HH" -> a
    timezone; None for anything else, and for hours above 14 or minutes of 60 or more (no zone on
    Earth is further from UTC than +14:00). The one reader of offsets: EXIF here and the
    clock zone a person types (export_track.parse_clock_zone)."""
    text = text.strip()
    if text[:1] not in ("+", "-") or len(text) not in (3, 6) or (len(text) == 6 and text[3] != ":"):
        return None
    digits = text[1:3] + text[4:6]
    if not (digits.isascii() and digits.isdigit()):
        return None
    hours, minutes = int(text[1:3]), int(text[4:6] or 0)
    if hours > 14 or minutes >= 60:
        return None
    return timezone((-1 if text[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes))


def in_clock_zone(when: datetime, clock_zone: tzinfo | None) -> datetime:
    """`when` with its zone: a time that recorded its UTC offset (EXIF OffsetTimeOriginal) as it is; a
    naive one (a camera or telemetry clock that recorded no zone) read in `clock_zone` (the zone a person
    gives: `locate --clock-zone`, the app's File → Clock Zone of the Photos…, export_track.parse_clock_zone;
    a zoneinfo zone applies summer time by the date), or left naive when `clock_zone` is None. The one
    reading of a naive clock: the GPX/KML times (export_track._when) and the app's Results pane."""
    return when if when.tzinfo is not None or clock_zone is None else when.replace(tzinfo=clock_zone)


def zone_name(zone: tzinfo) -> str:
    """How a clock zone is named to people: a zoneinfo zone by its IANA name ("Europe/Zurich"), a fixed
    offset as "UTC+01:00" / "UTC-05:30" (ISO 8601's sign and hh:mm)."""
    key = getattr(zone, "key", None)  # a zoneinfo.ZoneInfo's IANA name
    if key:
        return key
    offset = zone.utcoffset(None) or timedelta(0)
    sign, minutes = ("-" if offset < timedelta(0) else "+"), abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def clock_zone_words(zone: tzinfo) -> str:
    """'read as Europe/Zurich, the clocks' zone given': what a file or the app says of times it read in a zone
    the person gave (in_clock_zone)."""
    return f"read as {zone_name(zone)}, the clocks' zone given"


def _sensor(exif_ifd: dict, model: str | None, width: int | None, height: int | None):
    """(width mm, height mm, source) of the sensor area the stored image covers, or Nones."""
    fx, fy = _float(exif_ifd.get(0xA20E)), _float(exif_ifd.get(0xA20F))
    unit = _FOCAL_PLANE_UNIT_MM.get(int(_float(exif_ifd.get(0xA210)) or 2))
    px_w = int(_float(exif_ifd.get(0xA002)) or 0) or width
    px_h = int(_float(exif_ifd.get(0xA003)) or 0) or height
    if fx and fx > 0 and unit and px_w:
        w = px_w / fx * unit
        h = (px_h / (fy if fy and fy > 0 else fx) * unit) if px_h else None
        if 1.0 <= w <= 100.0:
            return w, h, "focal-plane resolution"
    if model and model.upper() in CAMERA_SENSORS_MM:
        w, h = CAMERA_SENSORS_MM[model.upper()]
        if width and height:  # a 16:9 frame from a 4:3 sensor covers its full width, not its height
            h = min(h, w * min(width, height) / max(width, height))
        return w, h, "camera table"
    f, f35 = _float(exif_ifd.get(0x920A)), _float(exif_ifd.get(0xA405))
    if f and f > 0 and f35 and f35 > 0 and width and height:
        # The 35 mm equivalent scales the frame diagonal (CIPA DC-008); the stored image's aspect
        # ratio splits it into width and height.
        diagonal = FULL_FRAME_DIAGONAL_MM * f / f35
        long_px, short_px = max(width, height), min(width, height)
        return diagonal * long_px / math.hypot(long_px, short_px), diagonal * short_px / math.hypot(long_px, short_px), "35 mm equivalent"
    return None, None, None


# XMP fields that name one camera body, in the order trusted (after EXIF BodySerialNumber, 0xA431):
# DJI's aircraft and camera serials (drone-dji, e.g. Mavic 3 Enterprise), the EXIF 2.3 mapping to
# XMP (exifEX, CIPA DC-010) and Adobe's aux namespace.
SERIAL_XMP_KEYS = ("drone-dji:DroneSerialNumber", "drone-dji:CameraSerialNumber", "exifEX:BodySerialNumber",
                   "aux:SerialNumber")


def _serial(exif_ifd: dict, xmp: dict[str, str]) -> str | None:
    """The camera body's serial number: EXIF BodySerialNumber (tag 0xA431, EXIF 2.3), else the first of
    SERIAL_XMP_KEYS present; None when neither is recorded (or only blanks / zeros)."""
    for text in (_text(exif_ifd.get(0xA431)), *(_text(xmp.get(k)) for k in SERIAL_XMP_KEYS)):
        if text and text.strip("0 "):
            return text
    return None


def _first(xmp: dict[str, str], *keys: str, angle: bool = False) -> float | None:
    for k in keys:
        if k in xmp:
            value = _angle(xmp[k]) if angle else _float(xmp[k])
            if value is not None:
                return value
    return None


def _orientation(xmp: dict[str, str]) -> dict[str, float | None]:
    out = {
        "gimbal_yaw_deg": _first(xmp, "drone-dji:GimbalYawDegree", "drone-skydio:CameraOrientationNED/Yaw",
                                 "drone-parrot:CameraYawDegree", "Camera:Yaw", angle=True),
        "gimbal_pitch_deg": _first(xmp, "drone-dji:GimbalPitchDegree", "drone-skydio:CameraOrientationNED/Pitch",
                                   "drone-parrot:CameraPitchDegree", angle=True),
        "gimbal_roll_deg": _first(xmp, "drone-dji:GimbalRollDegree", "drone-skydio:CameraOrientationNED/Roll",
                                  "drone-parrot:CameraRollDegree", "Camera:Roll", angle=True),
        "flight_yaw_deg": _first(xmp, "drone-dji:FlightYawDegree", "drone-parrot:DroneYawDegree", angle=True),
        "flight_pitch_deg": _first(xmp, "drone-dji:FlightPitchDegree", "drone-parrot:DronePitchDegree", angle=True),
        "flight_roll_deg": _first(xmp, "drone-dji:FlightRollDegree", "drone-parrot:DroneRollDegree", angle=True),
    }
    if out["gimbal_pitch_deg"] is None:
        pix4d_pitch = _first(xmp, "Camera:Pitch", angle=True)
        if pix4d_pitch is not None:  # Pix4D/senseFly convention: 0 = nadir, 90 = horizon
            out["gimbal_pitch_deg"] = pix4d_pitch - 90.0
    return out


# Heights outside these are not flight metadata but damage (e.g. a GPSAltitude of 4294967295 m,
# an unsigned -1): left out rather than used for a footprint or exported. Metres; the range holds
# every airfield (Daocheng Yading 4,411 m) and a camera flown well above the highest peak.
ALTITUDE_RANGE_M = (-500.0, 12_000.0)  # above sea level (EXIF GPSAltitude, maker AbsoluteAltitude)
RELATIVE_ALTITUDE_RANGE_M = (-5_000.0, 10_000.0)  # above the take-off point


def plausible_height(value: float | None, bounds: tuple[float, float], name: str, notes: list[str]) -> float | None:
    """`value` when inside `bounds` (metres), else None and a note naming the field."""
    if value is None or bounds[0] <= value <= bounds[1]:
        return value
    notes.append(f"{name} {value:g} m is not a height a camera is flown at: left out")
    return None


def _read_exif_and_xmp(path: Path):
    """(exif, image size, xmp bytes) by Pillow; DNG through Pillow's TIFF IFD parser."""
    from ..images import RAW_SUFFIXES, _open_pil, image_size

    if path.suffix.lower() in RAW_SUFFIXES:
        exif = Image.Exif()
        with open(path, "rb") as f:
            exif.load(f.read())  # a DNG is a TIFF: IFD0 holds the Exif/GPS pointers and the XMP tag
        try:
            size = image_size(path)
        except Exception:  # noqa: BLE001 - LibRaw cannot read it: the loader reports that, metadata still counts
            size = None
        return exif, size, exif.get(XMP_TAG)
    with _open_pil(path) as im:
        exif = im.getexif()
        for ifd in (EXIF_IFD, GPS_IFD):
            # Pillow reads a TIFF's Exif and GPS IFDs from the open file when first asked (a JPEG's
            # from the bytes it holds): asked after the file is closed, a TIFF photo (a DJI
            # multispectral band, a thermal TIFF) had no GPS, time nor focal length ("seek of closed file")
            try:
                exif.get_ifd(ifd)
            except Exception:  # noqa: BLE001 - a broken pointer is said by read_photo_meta, which asks again
                pass
        xmp = im.info.get("xmp") or exif.get(XMP_TAG)
        raw = im.info.get("exif")
        if not dict(exif) and _exif_block_damaged(raw):
            # no tag could be read from the block that is there (Pillow only warns, naming no
            # file: core/images.py silences that warning in favour of this note)
            exif.damaged_bytes = len(raw)
        size = im.size
        stored = getattr(im, "tag_v2", None)
        if im.format == "TIFF" and stored is not None and isinstance(stored.get(256), int) and isinstance(stored.get(257), int):
            # Pillow 11+ gives a TIFF tagged Orientation 5-8 its displayed size; `width` x `height`
            # is the image as stored (ImageWidth, ImageLength), as for a JPEG
            size = (stored.get(256), stored.get(257))
        return exif, size, xmp


SIDECAR_MAX_BYTES = 4 << 20  # an XMP sidecar is kilobytes; a bigger file of that name is not read


def sidecar_paths(path: Path) -> tuple[Path, ...]:
    """The XMP sidecars a photo may have, in the order read: "DJI_0001.JPG.xmp" (darktable, digiKam's
    default) and "DJI_0001.xmp" (Adobe Lightroom/Bridge, digiKam's other choice), either case of ".xmp"."""
    names = (path.name + ".xmp", path.name + ".XMP", path.stem + ".xmp", path.stem + ".XMP")
    return tuple(dict.fromkeys(path.with_name(n) for n in names))


def sidecar_xmp(path: Path) -> dict[str, str]:
    """The fields (parse_xmp) of a photo's XMP sidecar files (sidecar_paths), the first file's first:
    a photo geotagged in darktable or digiKam keeps its position there (XMP Specification Part 3, 2.3:
    "sidecar files"). {} when there is none; a sidecar that cannot be read, is bigger than
    SIDECAR_MAX_BYTES or is not XMP is logged (debug) and left out. Raises nothing."""
    out: dict[str, str] = {}
    for sidecar in sidecar_paths(Path(path)):
        try:
            if not sidecar.is_file() or sidecar.stat().st_size > SIDECAR_MAX_BYTES:
                continue
            fields = parse_xmp(sidecar.read_bytes())
        except (OSError, ValueError) as exc:
            log.debug("%s: sidecar not read (%s)", sidecar, exc)
            continue
        for key, value in fields.items():
            out.setdefault(key, value)
    return out


def _exif_block_damaged(raw) -> bool:
    """True when an EXIF block (bytes, with or without the "Exif\\0\\0" prefix) is present but its
    TIFF header is not one (byte order II/MM, magic 42) or points its first IFD outside the block
    (TIFF 6.0, section 2). An empty but well-formed block is not damaged."""
    if not isinstance(raw, bytes) or not raw:
        return False
    tiff = raw[6:] if raw.startswith(b"Exif\x00\x00") else raw
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return True
    order = "<" if tiff[:2] == b"II" else ">"
    magic, first_ifd = struct.unpack(order + "HI", tiff[2:8])
    return magic != 42 or first_ifd < 8 or first_ifd + 2 > len(tiff)


def read_photo_meta(path: Path) -> PhotoMeta:
    """Read a photo's EXIF and XMP into a PhotoMeta. Never raises for bad metadata: unreadable
    parts are left None (a broken file is reported by the decoder, not here).

    `position` is the recorded camera fix when it passed the checks (see the module docstring);
    otherwise `position_note` says why the recorded one was not used.
    """
    path = Path(path)
    notes: list[str] = []
    try:
        exif, size, xmp_packet = _read_exif_and_xmp(path)
    except Exception as exc:  # noqa: BLE001 - metadata never stops a photo
        log.debug("%s: no metadata (%s)", path, exc)
        return PhotoMeta()
    width, height = size if size else (None, None)
    try:
        exif_ifd = dict(exif.get_ifd(EXIF_IFD))
    except Exception:  # noqa: BLE001 - a broken pointer to the Exif IFD
        exif_ifd = {}
    try:
        gps = dict(exif.get_ifd(GPS_IFD))
    except Exception:  # noqa: BLE001
        gps = {}
        notes.append("EXIF GPS block cannot be read")
    xmp: dict[str, str] = {}
    if xmp_packet:
        try:
            xmp = parse_xmp(xmp_packet)
        except ValueError as exc:
            log.debug("%s: %s", path, exc)
    for key, value in sidecar_xmp(path).items():  # what the photo's own packet says comes first
        xmp.setdefault(key, value)

    position, source, void = None, None, False
    try:
        position = _exif_position(gps)
        source = "exif" if position else None
    except _Reject as why:
        notes.append(str(why))
        void = isinstance(why, _Void)
    if position is None and not void:  # the same receiver's void fix is not rescued by XMP
        try:
            found = _xmp_position(xmp)
            if found:
                position, source = found
        except _Reject as why:
            notes.append(str(why))
    note = None
    if notes:
        note = "; ".join(notes) + ("" if position else ": not used as truth")
        if position:
            note += f"; position taken from {source}"

    make = _text(exif.get(0x010F))
    model = _text(exif.get(0x0110))
    sensor_w, sensor_h, sensor_source = _sensor(exif_ifd, model, width, height)
    gps_alt = _float(gps.get(6))
    if gps_alt is not None and _byte(gps.get(5)) == 1:  # GPSAltitudeRef 1 = below sea level
        gps_alt = -gps_alt
    xmp_alt = _float(xmp.get("exif:GPSAltitude"))
    if gps_alt is None and xmp_alt is not None:  # the same fields in XMP (as the position)
        gps_alt = xmp_alt * (-1 if _float(xmp.get("exif:GPSAltitudeRef")) == 1 else 1)
    damage: list[str] = []
    if getattr(exif, "damaged_bytes", None):
        damage.append(f"its EXIF block ({exif.damaged_bytes} bytes) is damaged: no tag could be read from it")
    gps_alt = plausible_height(gps_alt, ALTITUDE_RANGE_M, "EXIF GPSAltitude", damage)
    absolute_alt = plausible_height(_first(xmp, "drone-dji:AbsoluteAltitude", "drone-skydio:AbsoluteAltitude"),
                              ALTITUDE_RANGE_M, "XMP AbsoluteAltitude", damage)
    relative_alt = plausible_height(_first(xmp, "drone-dji:RelativeAltitude", "Camera:AboveGroundAltitude"),
                              RELATIVE_ALTITUDE_RANGE_M, "XMP RelativeAltitude", damage)
    orientation = exif.get(0x0112)
    orientation = orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None
    exif_time = _capture_time(exif_ifd, gps)
    captured_at = exif_time or _xmp_time(xmp)
    return PhotoMeta(
        make=make,
        model=model,
        serial=_serial(exif_ifd, xmp),
        width=width,
        height=height,
        orientation=orientation,
        captured_at=captured_at,
        time_zone_source=_time_zone_source(exif_ifd, captured_at, from_exif=exif_time is not None),
        gps_altitude_m=gps_alt,
        absolute_altitude_m=absolute_alt,
        relative_altitude_m=relative_alt,
        focal_length_mm=_float(exif_ifd.get(0x920A)),
        focal_length_35mm=_float(exif_ifd.get(0xA405)) or None,
        sensor_width_mm=sensor_w,
        sensor_height_mm=sensor_h,
        sensor_source=sensor_source,
        position=position,
        position_source=source,
        position_note=note,
        written_answer=_written_answer(gps),
        metadata_note="; ".join(damage) or None,
        framing=thumbnail_framing(path, read_framing(exif_ifd, xmp, size, orientation),
                                  recorded_size(exif_ifd, xmp)[0], orientation),
        **_orientation(xmp),
    )


def quarter_turned(meta: PhotoMeta | None) -> bool:
    """Whether a photo is shown a quarter turn from how it is stored, so its shown width and height
    are its stored height and width: EXIF Orientation (tag 0x0112, EXIF 2.32 / TIFF 6.0) 5-8 (5 and 7
    mirror across a diagonal, 6 and 8 turn by 90 degrees). False when `meta` is None or records no
    orientation. The one reading of that rule (footprint_m here, camera._image_size)."""
    return meta is not None and meta.orientation in (5, 6, 7, 8)


def footprint_m(meta: PhotoMeta | None) -> tuple[float, float] | None:
    """Estimated ground footprint (width, height) in metres of a nadir photo, as displayed
    (after the EXIF orientation), or None when the metadata cannot tell.

    Pinhole model: ground width = height above ground x sensor width / focal length, the height
    from the image's aspect ratio. The height used is `relative_altitude_m` (above the take-off
    point, which stands in for the ground: wrong over slopes, so a prior, not a measurement).
    None when the altitude, focal length, sensor width or image size is unknown, or the gimbal
    pitch is recorded and more than NADIR_TOLERANCE_DEG away from straight down (-90).
    A crop the metadata places (PhotoMeta.framing) sees its shares of the whole frame's footprint
    (media/framing.crop_shares; the sensor spans the frame, not the crop); a crop of unknown place: None.
    """
    from .framing import crop_shares

    if meta is None:
        return None
    alt, f, sw = meta.relative_altitude_m, meta.focal_length_mm, meta.sensor_width_mm
    if not (alt and alt > 0 and f and f > 0 and sw and sw > 0 and meta.width and meta.height):
        return None
    if meta.gimbal_pitch_deg is not None and abs(meta.gimbal_pitch_deg + 90.0) > NADIR_TOLERANCE_DEG:
        return None
    sx, sy = 1.0, 1.0
    if meta.framing is not None and meta.framing.cropped:
        shares = crop_shares(meta.framing)
        if shares is None:  # cropped, place and size unknown: its share of the sensor is not known
            return None
        sx, sy = shares
    # The sensor width is along the whole frame's long side (sensors are landscape).
    fw, fh = meta.width / sx, meta.height / sy
    long_px, short_px = max(fw, fh), min(fw, fh)
    along_long = alt * sw / f
    along_short = along_long * short_px / long_px
    w, h = (along_long, along_short) if fw >= fh else (along_short, along_long)
    w, h = w * sx, h * sy
    if quarter_turned(meta):  # displayed a quarter turn from how it is stored
        w, h = h, w
    return w, h


# Flat properties for exports (GeoJSON properties, CSV columns): units in the names.
META_FIELDS = (
    "captured_at", "make", "model", "width", "height", "exif_orientation", "relative_altitude_m", "absolute_altitude_m",
    "gps_altitude_m", "gimbal_yaw_deg", "gimbal_pitch_deg", "gimbal_roll_deg", "flight_yaw_deg",
    "flight_pitch_deg", "flight_roll_deg", "focal_length_mm", "focal_length_35mm", "sensor_width_mm",
    "sensor_height_mm", "footprint_w_m", "footprint_h_m",
    "time_zone_source",  # captured_at's zone: "recorded" with it, or "gps" (told by the GPS UTC stamp); last: columns keep places
)


def exported_values(values: dict) -> dict:
    """{name: value} as exports write recorded fields (meta_properties, export.recorded_properties):
    None ones and floats that are not finite left out (RFC 8259 has no NaN: GeoJSON raised ValueError on
    one and CSV wrote "nan"; propfuzz35), times (datetime) as ISO 8601, floats rounded to 3 decimals; the
    order kept."""
    out = {}
    for name, value in values.items():
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            continue
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, float):
            value = round(value, 3)
        out[name] = value
    return out


def meta_properties(meta: PhotoMeta | None) -> dict:
    """{name: value} of the recorded fields (None ones left out), JSON-ready: time as ISO 8601."""
    if meta is None:
        return {}
    footprint = footprint_m(meta)
    values = {name: getattr(meta, name, None) for name in META_FIELDS}
    values["footprint_w_m"], values["footprint_h_m"] = footprint if footprint else (None, None)
    # EXIF Orientation 1..8 beside `width` x `height` (as stored): 5-8 are shown a quarter turn, so the
    # displayed footprint_* pair with height x width
    values["exif_orientation"] = meta.orientation
    return exported_values(values)


def meta_summary(meta: PhotoMeta | None, clock_zone: tzinfo | None = None) -> str | None:
    """One line for people: camera, height, gimbal, footprint, time; None when nothing is recorded. A
    capture time without a recorded zone is read in `clock_zone` (in_clock_zone, as the GPX/KML exports
    read it) and says so, or without one says that no zone was recorded."""
    if meta is None:
        return None
    parts = []
    camera = " ".join(x for x in (meta.make, meta.model) if x)
    if camera:
        parts.append(camera)
    if meta.relative_altitude_m is not None:
        parts.append(f"{meta.relative_altitude_m:.1f} m above take-off")
    if meta.gimbal_yaw_deg is not None or meta.gimbal_pitch_deg is not None:
        angles = [f"{name} {value:.1f}°" for name, value in (("yaw", meta.gimbal_yaw_deg), ("pitch", meta.gimbal_pitch_deg))
                  if value is not None]
        parts.append("gimbal " + ", ".join(angles))
    footprint = footprint_m(meta)
    if footprint:
        parts.append(f"footprint ~{footprint[0]:.0f} x {footprint[1]:.0f} m")
    if meta.captured_at is not None:  # a time without its zone says so (EXIF 2.32's OffsetTime* is optional)
        parts.append(clock_words(meta.captured_at, clock_zone, zone_source=meta.time_zone_source))
    return "  ·  ".join(parts) or None


def clock_words(recorded: datetime, clock_zone: tzinfo | None = None, timespec: str = "auto",
                zone_source: str | None = None) -> str:
    """A recorded time for people, one wording for a photo's capture time and a video frame's clock
    (the app's Results pane): with its UTC offset when recorded ("2026-12-02 10:00:02+01:00"); a naive
    one (a camera or telemetry clock) read in `clock_zone` (in_clock_zone) and said so ("... (camera
    clock read as Europe/Berlin, the clocks' zone given)"), or "(camera clock, no zone recorded)" without
    one. `timespec`: datetime.isoformat's. `zone_source` "gps" (PhotoMeta.time_zone_source): an aware time
    whose zone no offset tag wrote but the GPS UTC stamp told, said so ("... +01:00 (zone from the GPS time)")."""
    when = in_clock_zone(recorded, clock_zone)
    zone = ((" (zone from the GPS time)" if zone_source == "gps" else "") if recorded.tzinfo is not None
            else " (camera clock, no zone recorded)" if clock_zone is None
            else f" (camera clock {clock_zone_words(clock_zone)})")
    return when.isoformat(sep=" ", timespec=timespec) + zone
