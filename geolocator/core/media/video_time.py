"""When a video was recorded, from its container (PyAV's tags): the wall clock of its first frame.

A video without telemetry (no DJI .SRT beside it) still records when it was made: FFmpeg's MOV/MP4
demuxer gives the movie header's (mvhd) and each track's (tkhd) creation time as the tag
`creation_time` ("2026-05-01T10:00:00.000000Z"), Apple's QuickTime metadata key
`com.apple.quicktime.creationdate` as written ("2026-05-01T10:00:00+0200", with its offset), and
some muxers a `date` tag. The order of trust, and the rule for each:

1. `com.apple.quicktime.creationdate` with a UTC offset: an instant, used as it is (no clock zone
   changes it, as an EXIF time with OffsetTimeOriginal).
2. `creation_time` (the container's, else the first video stream's) or `date`: read as the CAMERA'S
   CLOCK, ZONE UNKNOWN (a naive time), although ISO/IEC 14496-12 (mvhd) defines it as UTC: many
   cameras and drones (DJI's are reported among them) write their local clock there. Apple's QuickTime
   File Format reference ("Calendar date and time values") says the value carries no time zone, that
   local time is common practice and UTC recommended; ExifTool likewise leaves these times unconverted
   unless its QuickTimeUTC API option is set, since so many cameras store local time. The naive time
   is then treated as a photo's DateTimeOriginal without an offset: `--clock-zone` (or the app's
   File → Clock Zone of the Photos…) says the zone the clock was set to, else it is written as if UTC
   and the file says so (export_track). Sources and the known cost: training/results/video32_session32.md.
   Exception: a clip from Android's MediaMuxer (its `com.android.*` tags) is kept as UTC, as the
   standard says: Android phones are reported to write UTC there (exiftool-vendored.js issue 113).
3. No tag, an empty one, or one before 1980 (a clock never set: zero is 1904-01-01 in the QuickTime
   epoch, 1970-01-01 in Unix time): no time (None), never 1970. Nor one in the year 9999 (damage:
   the frames' times after it, or its UTC, would fall past the last day a datetime holds).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

# a recorded time before this is a clock that was never set (1904 and 1970 are the two epochs' zeros)
EARLIEST = datetime(1980, 1, 1)
# a recorded time from here on is damage, not a clock: datetime ends on 9999-12-31, and a clip's frame
# times (start + seconds) and the conversion to UTC of a time west of it must still fit
LATEST = datetime(9999, 1, 1)
OFFSET_KEY = "com.apple.quicktime.creationdate"
CLOCK_KEYS = ("creation_time", "date")
ANDROID_KEYS = ("com.android.version", "com.android.manufacturer", "com.android.model")


def _parse(text) -> datetime | None:
    """An ISO 8601 date and time ("2026-05-01T10:00:00.000000Z", "2026-05-01T10:00:00+0200",
    "2026-05-01 10:00:00"), aware when it states an offset or Z; None for anything else (a date
    without a time of day included), a time before EARLIEST, or one from LATEST on (damage)."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    if ":" not in text:  # a date alone ("2026-05-01") or a year: no time of day, so not a clip's start
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(text)  # Python 3.11+: any ISO 8601 form, "+0200" included
    except ValueError:
        return None
    if not EARLIEST <= when.replace(tzinfo=None) < LATEST:
        return None
    return when


def start_from_tags(container: dict, stream: dict | None = None) -> datetime | None:
    """The wall clock of a video's first frame from its tags (`container`: PyAV's container.metadata;
    `stream`: the first video stream's, read when the container has no creation_time), by the rules
    of the module docstring: an aware datetime when the offset is known (QuickTime creationdate with an
    offset, or an Android clip's UTC creation_time), a naive one for a camera's clock of unknown zone
    (creation_time, date), None when no usable time is recorded. Never raises for odd tags."""
    stream = stream or {}
    recorded = _parse(container.get(OFFSET_KEY))
    if recorded is not None and recorded.tzinfo is not None:
        return recorded
    android = any(container.get(k) for k in ANDROID_KEYS)
    for tags in (container, stream):
        for key in CLOCK_KEYS:
            when = _parse(tags.get(key))
            if when is None:
                continue
            if android:  # MediaMuxer: the system's UTC time, as ISO/IEC 14496-12 says
                return when.astimezone(timezone.utc) if when.tzinfo else when.replace(tzinfo=timezone.utc)
            return when.replace(tzinfo=None)  # the camera's clock, zone unknown (module docstring)
    return recorded  # a creationdate without an offset: a clock of unknown zone too (or None)



def frame_clock(query) -> datetime | None:
    """The wall clock at which a video frame was taken (`query`: a core.model.Query with `time_s`,
    seconds into its video): its telemetry record's clock (`telemetry.when`, the SRT cue's camera
    local time, naive) when the sidecar has one, else its video's recording time (`video_start`,
    start_from_tags: aware when the offset was recorded, else naive) plus `time_s`. None for a photo
    (no `time_s`) or a frame whose clip recorded no time. Never raises."""
    time_s = getattr(query, "time_s", None)
    if time_s is None:
        return None
    when = getattr(getattr(query, "telemetry", None), "when", None)
    if when is not None:
        return when
    began = getattr(query, "video_start", None)
    return None if began is None else began + timedelta(seconds=float(time_s))


def frame_time_words(query, clock_zone=None) -> str | None:
    """When a video frame was taken, for people (the app's Results pane, beside a photo's "Photo" line),
    in the photo's wording (metadata.clock_words: its offset when recorded, else the camera clock read in
    `clock_zone`, a tzinfo, or said to have no zone) and where the time comes from:
    "2026-12-04 10:15:12 (camera clock, no zone recorded), the telemetry's clock" /
    "..., the video's recorded start + 12.0 s" / "12.0 s into the video, no recorded time".
    None for a photo (no `time_s`). Whole seconds unless the time has a fraction (then milliseconds)."""
    from .metadata import clock_words

    time_s = getattr(query, "time_s", None)
    if time_s is None:
        return None
    when = frame_clock(query)
    if when is None:
        return f"{float(time_s):.1f} s into the video, no recorded time"
    telemetry = getattr(getattr(query, "telemetry", None), "when", None) is not None
    source = "the telemetry's clock" if telemetry else f"the video's recorded start + {float(time_s):.1f} s"
    spec = "seconds" if when.microsecond == 0 else "milliseconds"
    return f"{clock_words(when, clock_zone, spec)}, {source}"


def start_words(frames, clock_zone=None) -> str:
    """When one video was recorded and where that time comes from, for people who check a clock at a
    glance (the CLI's line on each video read, video_lines): "recorded 2026-12-04 10:15 (container,
    camera clock)", "recorded 2026-12-04 10:15+01:00 (container, camera clock read as Europe/Berlin,
    the clocks' zone given)", "recorded 2026-12-04 11:30+01:00 (container, UTC offset recorded)",
    "recorded 2026-05-27 13:14 (telemetry, camera clock)", or "no recorded time". `frames`: the video's
    frame queries (core.model.Query with time_s); the telemetry's clock wins (as the exports), moved
    back by its frame's time to the video's start, else the container's (Query.video_start).
    `clock_zone`: a tzinfo, the zone given for a clock that recorded none (metadata.in_clock_zone)."""
    from .metadata import clock_zone_words, in_clock_zone

    frames = [q for q in frames if getattr(q, "time_s", None) is not None]
    timed = next((q for q in frames if getattr(getattr(q, "telemetry", None), "when", None) is not None), None)
    if timed is not None:
        start, source = timed.telemetry.when - timedelta(seconds=float(timed.time_s)), "telemetry"
    else:
        start = next((q.video_start for q in frames if getattr(q, "video_start", None) is not None), None)
        source = "container"
    if start is None:
        return "no recorded time"
    kind = (", UTC offset recorded" if start.tzinfo is not None else ", camera clock" if clock_zone is None
            else f", camera clock {clock_zone_words(clock_zone)}")
    return f"recorded {in_clock_zone(start, clock_zone).isoformat(sep=' ', timespec='minutes')} ({source}{kind})"


def video_lines(queries, clock_zone=None) -> list[str]:
    """One line per video among `queries` (its frames: Query.time_s set), in the order first given:
    "DJI_0010.MP4 (0:08): 8 frames; recorded 2026-12-04 10:15 (container, camera clock)" (start_words).
    The length is read from its container (media.video.probe_video) and left out when it cannot be.
    `clock_zone`: a tzinfo or a clock_zones.ClockZones (the zone for each video's folder). The name is
    names.readable's (no lone surrogate: a file name that is not UTF-8 reads \\xNN)."""
    from ..clock_zones import zone_at
    from ..errors import GeolocatorError
    from ..names import readable
    from ..wording import clock_length, count

    videos: dict = {}
    for q in queries:
        if getattr(q, "time_s", None) is not None:
            videos.setdefault(q.path, []).append(q)
    lines = []
    for path, frames in videos.items():
        from .video import probe_video

        try:
            length = f" ({clock_length(probe_video(path).duration_s)})"
        except (GeolocatorError, OSError, ValueError):
            length = ""
        # a name that is not UTF-8 reads \\xNN (core/names.py): printed as it is, it raised UnicodeEncodeError
        lines.append(f"{readable(Path(path).name)}{length}: {count(len(frames), 'frame')}; "
                     f"{start_words(frames, zone_at(clock_zone, path))}")
    return lines
