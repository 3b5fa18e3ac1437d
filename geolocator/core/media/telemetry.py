"""DJI-style telemetry sidecars: a subtitle file (same stem as the video, `.SRT`) with one cue per
frame or per second holding the time, position, altitudes and sometimes gimbal angles.

Cue timing is read with the `srt` library; the cue text varies by model and is read by the few
patterns below (field names as DJI writes them, collected from public example files):

- bracketed, Mini/Air/Mavic 3 style: ``[latitude: 46.84] [longitude: -91.99] [rel_alt: 39.8 abs_alt: 212.1]``,
  optionally ``[gb_yaw: 45.0 gb_pitch: -89.9 gb_roll: 0.0]`` and ``[focal_len: 24.00]``; Mavic 2 Pro / Zoom
  and Mavic Air write ``[latitude : 47.09] [longtitude : 8.27] [altitude: 548.4]`` (DJI's spelling, as
  in their XMP's GpsLongtitude). That ``altitude`` is read as ``abs_alt`` (above sea level as the drone writes it):
  DJI documents none of these fields, and in the public example files it is hundreds of metres over low ground, as
  ``abs_alt`` is and no height above take-off would be; it reaches the exports' ``absolute_altitude_m`` only, never
  ``rel_alt``, the height the recorded view (core/recorded_view.py) reads (session 37; before, it was unread);
- legacy, Phantom 4 / Mavic Pro style: ``GPS(-91.99,46.84,19) BAROMETER:39.8`` — the tuple is
  longitude first (a value outside +-90 in first place settles it when it can), then altitude;
- compact P4 RTK style: ``GPS (-91.99, 46.84, 19), ... H 39.80m, ... G.PRY (-89.9°, 0.0°, 45.0°)``.
  ``BAROMETER`` and ``H`` are read as rel_alt beside a bracketed position too, when it has no rel_alt.

Telemetry positions are the CAMERA's recorded position. They are truth for scoring only: nothing
in localisation reads them unless the user asks for a GNSS prior.
"""

from __future__ import annotations

import bisect
import logging
import math
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..bom_text import decode_sidecar
from ..errors import InputError
from ..model import LatLon

log = logging.getLogger("geolocator")


@dataclass(frozen=True)
class FrameTelemetry:
    """One telemetry record. Times in seconds from the start of the video, angles in degrees,
    altitudes in metres (`rel_alt_m` above take-off, `abs_alt_m` above the geoid/ellipsoid as the
    drone writes it)."""

    time_s: float
    position: LatLon | None = None
    rel_alt_m: float | None = None
    abs_alt_m: float | None = None
    gimbal_yaw_deg: float | None = None  # clockwise from north; may be 180 deg off (see shared/real-dji)
    gimbal_pitch_deg: float | None = None  # -90 = straight down
    focal_len: float | None = None  # as written (mm, or mm x 10 on older models)
    when: datetime | None = None  # the cue's wall-clock line (camera local time, no zone), when written
    gimbal_roll_deg: float | None = None  # about the optical axis; 0 = the image rows level


_NUM = r"[-+]?\d+(?:\.\d+)?"
# a bracketed field's value: the whole number or nothing (not 46 of "46,841234", 1 of "1e3", 1.2 of "1.2.3":
# each a different number, a place up to 111 km off); an exponent is read
_VALUE = r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\d.]|,\d|[eE][-+]?\d)"
_BRACKET = re.compile(r"\b([A-Za-z_]+)\s*:\s*(" + _VALUE + r")")
_GPS_TUPLE = re.compile(r"GPS\s*\(\s*(" + _NUM + r")\s*,\s*(" + _NUM + r")\s*(?:,\s*(" + _NUM + r"))?")
_BARO = re.compile(r"BAROMETER\s*[:(]\s*(" + _VALUE + r")")
_HEIGHT = re.compile(r"(?:^|[\s,])H\s*[=]?\s*(" + _NUM + r")\s*m\b")
_DATETIME = re.compile(r"(\d{4})[-.:/](\d{2})[-.:/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?")
_GIMBAL_PRY = re.compile(r"G\.PRY\s*\(\s*(" + _NUM + r")\s*°?\s*,\s*(" + _NUM + r")\s*°?\s*,\s*(" + _NUM + r")")


def _finite(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _position(lat: float | None, lon: float | None) -> LatLon | None:
    if lat is None or lon is None or abs(lat) > 90 or abs(lon) > 180:
        return None
    if lat == 0.0 and lon == 0.0:  # no fix yet (DJI writes zeros before GNSS lock)
        return None
    return LatLon(lat, lon)


def parse_cue_text(text: str, time_s: float) -> FrameTelemetry:
    """The fields of one cue's text (any of the layouts in the module docstring). Unknown layouts
    give a record with only the time; never raises for odd text."""
    text = re.sub(r"<[^>]+>", " ", text)  # <font size="28"> wrappers
    fields = {k.lower(): _finite(v) for k, v in _BRACKET.findall(text)}
    lat = fields.get("latitude")
    lon = fields.get("longitude", fields.get("longtitude"))  # Mavic 2 / Air write DJI's "longtitude"
    if lat is None and lon is None:
        lat, lon = fields.get("lat"), fields.get("lon", fields.get("lng"))
    rel, absolute = fields.get("rel_alt"), fields.get("abs_alt")
    if absolute is None:  # Mavic 2 / Air: [altitude: 548.4] (module docstring); export only, never rel_alt
        absolute = fields.get("altitude")
    yaw, pitch, roll = fields.get("gb_yaw"), fields.get("gb_pitch"), fields.get("gb_roll")
    if lat is None or lon is None:
        m = _GPS_TUPLE.search(text)
        if m:
            a, b = _finite(m.group(1)), _finite(m.group(2))
            # Legacy tuples are (longitude, latitude, altitude).
            lon, lat = (a, b) if a is not None and b is not None and abs(b) <= 90 else (b, a)
            absolute = absolute if absolute is not None else _finite(m.group(3))
    # the height above take-off in the legacy and compact words, whichever layout gave the position: beside a
    # bracketed position it was left unread (session 37)
    m = _BARO.search(text)
    if m and rel is None:
        rel = _finite(m.group(1))
    m = _HEIGHT.search(text)
    if m and rel is None:
        rel = _finite(m.group(1))
    m = _GIMBAL_PRY.search(text)
    if m and yaw is None:
        pitch, roll, yaw = _finite(m.group(1)), _finite(m.group(2)), _finite(m.group(3))
    when = None
    m = _DATETIME.search(text)
    if m:
        try:
            micro = int((m.group(7) or "0").ljust(6, "0"))
            when = datetime(*(int(g) for g in m.groups()[:6]), micro)
        except ValueError:
            when = None
    return FrameTelemetry(
        time_s=time_s,
        position=_position(lat, lon),
        rel_alt_m=rel,
        abs_alt_m=absolute,
        gimbal_yaw_deg=yaw,
        gimbal_pitch_deg=pitch,
        focal_len=fields.get("focal_len"),
        when=when,
        gimbal_roll_deg=roll,
    )


def read_srt(path: Path) -> list[FrameTelemetry]:
    """Telemetry records of a DJI-style .SRT file, sorted by time (the cue's start time).
    Heights no camera is flown at (4294967295, -9999, NaN) are left out (`sane_heights`), said in
    one warning naming the file and the first line holding one. A file that does not end with a line end
    (cut short) has the number it ends on left unread: it may be torn.

    Raises InputError naming the file when it cannot be read or is not a subtitle file at all.
    """
    import srt

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read telemetry ({exc.strerror or exc})") from None
    # a subtitle editor's "Unicode" save is UTF-16, its byte-order mark sometimes lost (read as UTF-8, no cue was
    # found); an "ANSI" one is Windows-1252, whose degree sign read as U+FFFD lost every gimbal angle (session 37)
    # (a last character torn by a cut-short copy is replaced, as before: the cues before it stand)
    text = decode_sidecar(raw, errors="replace")[0].replace("\r\n", "\n")
    if not text.endswith("\n"):  # cut short (a copy stopped, a battery died mid-recording) or saved without a last line
        # end: a number at the very end may be torn ("8.260113" cut to "8": a place 20 km off, read as truth), so it is
        # left unread, with a character torn in half (U+FFFD) after it (propfuzz37)
        text = _TORN_TAIL.sub("", text)
    try:
        cues = list(srt.parse(text, ignore_errors=True))
    except (srt.SRTParseError, ValueError, OverflowError) as exc:  # OverflowError: a cue time past timedelta's range
        raise InputError(path, f"not a subtitle (SRT) file ({exc})") from None
    if not cues and text.strip():
        raise InputError(path, "not a subtitle (SRT) file: no cues found")
    records, left_out = [], []  # left_out: (line number, what)
    line, at = 1, 0  # the line number at text offset `at` (counted forward: a long SRT is read once)
    for c in cues:
        record, notes = sane_heights(parse_cue_text(c.content, c.start.total_seconds()), c.content)
        records.append(record)
        if notes:
            found = text.find(c.content, at)
            if found >= 0:
                line, at = line + text.count("\n", at, found), found
            for note in notes:  # the line of the cue holding the field (its first line when not found)
                offset = next((i for i, t in enumerate(c.content.split("\n")) if note.split(" ")[0] in t), 0)
                left_out.append((line + offset if found >= 0 else f"of cue {c.index}", note))
    if left_out:
        (first, note), more = left_out[0], left_out[1:]
        rest = (f"; and {len(more)} more {'height' if len(more) == 1 else 'heights'} left out (lines "
                f"{', '.join(str(n) for n, _ in more[:10])}{', ...' if len(more) > 10 else ''})") if more else ""
        log.warning("%s: line %s: %s%s", path, first, note, rest)
    records.sort(key=lambda r: r.time_s)
    return records


_TORN_TAIL = re.compile(r"[-+\d.eE]*\ufffd*\Z")  # the number (and torn character) a file cut short ends on
_ALTITUDE_FIELD = re.compile(r"\b(rel_alt|abs_alt|altitude)\s*:\s*([^\s\[\]<]+)", re.IGNORECASE)


def sane_heights(record: FrameTelemetry, text: str = "") -> tuple[FrameTelemetry, list[str]]:
    """`record` with heights no camera is flown at left out (None), and a note for each: the photo
    metadata's rule and ranges (metadata.plausible_height: -500..12,000 m above sea level for
    abs_alt and a legacy GPS tuple's altitude, -5,000..10,000 m above take-off for rel_alt,
    BAROMETER and H). `text`: the cue's text, where a value that is not a number (`rel_alt: NaN`,
    which the parser skips) is noted too."""
    from dataclasses import replace

    from .metadata import ALTITUDE_RANGE_M, RELATIVE_ALTITUDE_RANGE_M, plausible_height

    notes: list[str] = []
    rel = plausible_height(record.rel_alt_m, RELATIVE_ALTITUDE_RANGE_M, "rel_alt", notes)
    absolute = plausible_height(record.abs_alt_m, ALTITUDE_RANGE_M, "abs_alt", notes)
    for name, raw in _ALTITUDE_FIELD.findall(text):
        if _finite(raw) is None:
            notes.append(f"{name.lower()} {raw!r} is not a number: left out")
    if rel == record.rel_alt_m and absolute == record.abs_alt_m:
        return record, notes
    return replace(record, rel_alt_m=rel, abs_alt_m=absolute), notes


def find_sidecar(video: Path) -> Path | None:
    """The telemetry file beside a video: same stem, suffix .SRT; the names as written first (.SRT, .srt,
    .Srt), else any file of the folder whose name is the same but for case (`dji_0001.srt` or
    `DJI_0001.sRt` beside `DJI_0001.MP4`: a copy from a card through a tool or a case-blind disk that
    changed the case; on Linux the exact tries missed them and the frames went unscored in silence,
    session 36), the first by name when several are. None when there is none or the folder cannot be
    listed."""
    video = Path(video)
    for suffix in (".SRT", ".srt", ".Srt"):
        candidate = video.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    want = (video.stem + ".srt").casefold()
    try:
        found = sorted(e.path for e in os.scandir(video.parent or ".") if e.name.casefold() == want and e.is_file())
    except OSError:
        return None
    return Path(found[0]) if found else None


def span_mismatch(records: list[FrameTelemetry], video_s: float) -> str | None:
    """Why the telemetry `records` (read_srt, sorted by time) cannot be of a video of `video_s` seconds (as recorded:
    its header's length for a file cut short), in words; None when they can. A drone writes its .SRT with its clip,
    one cue a frame or a second from 0 s to the clip's end; an editor that trims the clip leaves the .SRT as it was.
    Paired by time, every frame then got the position of another moment (the seconds cut from the start are the
    offset), scored as truth, and nothing in the files tells the offset (session 36's open point). Told by either
    end: the last cue starting more than max(1 s, 2 %) after the video's end (the .SRT runs longer), or the first
    starting more than max(1 s, 2 %) after its start (cues for a later stretch: its times do not begin where the
    clip does). A cue-less list or a length that is not a positive number gives None."""
    if not records or not (video_s > 0 and math.isfinite(video_s)):
        return None
    slack = max(1.0, 0.02 * video_s)
    first, last = records[0].time_s, records[-1].time_s
    if last > video_s + slack:
        return (f"its cues run to {last:.1f} s but the video is {video_s:.1f} s long (an .SRT from before the clip "
                "was trimmed, or another clip's)")
    if first > slack:
        return (f"its first cue is at {first:.1f} s, not at the video's start (an .SRT cut or from another clip)")
    return None


def telemetry_at(records: list[FrameTelemetry], time_s: float, *, tolerance_s: float = 1.0) -> FrameTelemetry | None:
    """The record nearest in time to `time_s` (seconds), None when none lies within `tolerance_s`."""
    if not records:
        return None
    times = [r.time_s for r in records]
    i = bisect.bisect_left(times, time_s)
    best = min((j for j in (i - 1, i) if 0 <= j < len(records)), key=lambda j: abs(times[j] - time_s))
    return records[best] if abs(times[best] - time_s) <= tolerance_s else None
