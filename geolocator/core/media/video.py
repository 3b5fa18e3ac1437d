"""Drone video as queries: one Query per sampled frame, decoded on demand (PyAV).

A frame is a Query whose `path` is the video and whose `time_s` is the frame's time in seconds;
its id is ``<video id>#t=<seconds>`` (W3C Media Fragments temporal syntax, NPT seconds). Nothing
holds more than one decoded frame per reader: a frame is decoded, shrunk to a working size
(FRAME_MAX_SIDE on its long side, plenty for the backbone and for verification) and written to a
small on-disk frame cache keyed by the video's file identity, so an hour of 4K video never sits in
memory and each frame is decoded once however many steps read it.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from ..errors import InputError
from ..model import Query
from ..names import readable

log = logging.getLogger("geolocator")

VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm"})  # .webm: VP8/VP9 clips saved from the web (session 22)
FRAME_MAX_SIDE = 1024  # working size of a decoded frame (long side, pixels)
FRAME_JPEG_QUALITY = 92
DEFAULT_EVERY_S = 1.0
# The app's automatic interval (auto_every_s): at most this many frames a video, each step one of
# AUTO_STEPS_S, so that frames sampled at two of these intervals coincide as often as they can (the
# frame cache keys a frame by its time: every 10 s reuses every 5 s's frames) and frame times stay round.
AUTO_MAX_FRAMES = 300
AUTO_STEPS_S = (1.0, 2.0, 5.0, 10.0, 15.0, 20.0, 30.0, 60.0)
SEEK_AHEAD_S = 4.0  # decode forward rather than seek when the next wanted frame is this close
READ_AHEAD_S = 60.0  # on a cache miss, the sampled frames this far ahead are decoded in the same pass
# a time this far past the final frame that decodes gets no frame: its header outlasting the stream a little
# (an audio track longer by a frame or so) is common, a second and more is a file cut short (session 36:
# a Matroska recording cut in half answered its last 6 s with one repeated picture, each located anew)
TAIL_S = 1.0
ATTACHED_PIC = 0x0400  # AV_DISPOSITION_ATTACHED_PIC (libavformat/avformat.h): a cover picture, not footage


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float
    width: int
    height: int
    fps: float | None
    # the wall clock of the first frame, from the container's tags (media/video_time.start_from_tags):
    # aware when its offset is recorded, naive for a camera clock of unknown zone, None when none is
    started_at: datetime | None = None
    # the duration the headers claim when the file holds less (a copy or recording cut short whose index
    # survived, at the file's start): duration_s is then what the data holds (_data_end_s); None when whole
    header_duration_s: float | None = None
    # frames per second where the clip is densest, when above its average (`fps`): a variable frame rate
    # (a phone's clip), FFmpeg's r_frame_rate (PyAV's base_rate); None otherwise
    densest_fps: float | None = None


def _av():
    try:
        import av  # imported on first use: the app starts without it
    except ImportError as exc:  # pragma: no cover - a dependency, but say what is missing
        raise InputError(None, f"video needs PyAV (pip install av): {exc}") from None
    return av


def _cut_short_box(path: Path) -> str | None:
    """For an MP4/MOV (ISO base media, ISO/IEC 14496-12 section 4.2: boxes of a 32-bit big-endian
    size, 1 = a 64-bit size follows, 0 = to the end, then a 4-letter type): the type of the top-level
    box that runs past the end of the file (an interrupted copy), None when the boxes fit or the file
    is not one (no "ftyp" box first)."""
    try:
        total = path.stat().st_size
        with open(path, "rb") as f:
            offset, first = 0, True
            while offset + 8 <= total:
                f.seek(offset)
                head = f.read(16)
                size, kind = int.from_bytes(head[:4], "big"), head[4:8]
                if first and kind != b"ftyp":
                    return None
                first = False
                if size == 1 and len(head) == 16:
                    size = int.from_bytes(head[8:16], "big")
                elif size == 0:
                    return None
                if size < 8:
                    return None
                if offset + size > total:
                    return kind.decode("latin-1")
                offset += size
    except OSError:
        return None
    return None


def _unreadable_video(path: Path, exc: Exception) -> str:
    """Why PyAV cannot open `path`, in words: an empty file, an MP4/MOV cut short, or FFmpeg's reason
    (its text, without the errno number)."""
    try:
        if path.stat().st_size == 0:
            return "an empty file (0 bytes)"
    except OSError:
        pass
    box = _cut_short_box(path)
    if box is not None:
        return (f"the video is cut short (it ends inside its '{box}' block: an interrupted copy or recording?); "
                "an MP4/MOV cut short loses the index written at its end, so no frame can be read: copy it again")
    reason = getattr(exc, "strerror", None) or str(exc)
    return f"cannot read video ({reason}: not a video, or a damaged one)"


def _open_container(path: Path):
    av = _av()
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise InputError(path, _unreadable_video(path, exc)) from None
    if _main_video(container) is None:
        problem = ("no video stream in this file" if not container.streams.video
                   else "no video in this file, only a still picture (a cover or thumbnail)")
        container.close()
        raise InputError(path, problem)
    return container


def _main_video(container):
    """The stream holding the footage: of the video streams that are not a still picture (an MP4's
    cover or thumbnail, disposition attached_pic), the one of the largest frame (the first on a tie);
    None when there is none. The first video stream is not always it: a file with a small preview or
    proxy stream first gave 32x32 frames of the preview (session 36)."""
    best, area = None, -1
    for stream in container.streams.video:
        if int(getattr(stream, "disposition", 0) or 0) & ATTACHED_PIC:
            continue
        ctx = getattr(stream, "codec_context", None)
        a = (getattr(ctx, "width", 0) or 0) * (getattr(ctx, "height", 0) or 0)
        if a > area:
            best, area = stream, a
    return best


def _display_matrix(frame) -> tuple[int, int, int, int] | None:
    """(a, b, c, d) of the frame's display matrix (FFmpeg's AV_FRAME_DATA_DISPLAYMATRIX, libavutil/display.h:
    nine int32, a point (x, y) of the stored frame shown at x' = a*x + c*y, y' = b*x + d*y), None when the
    frame carries none or PyAV cannot give it."""
    import struct

    try:
        for item in getattr(frame, "side_data", None) or ():
            if "DISPLAYMATRIX" in str(getattr(item, "type", "")) or "DISPLAYMATRIX" in str(item):
                raw = bytes(item)
                if len(raw) >= 36:
                    m = struct.unpack("=9i", raw[:36])
                    return m[0], m[1], m[3], m[4]
    except (TypeError, ValueError, struct.error, AttributeError):
        return None
    return None


def _quarter_turns(degrees) -> int:
    """Counter-clockwise degrees rounded to quarter turns (0-3); 0 when not a number or not within 1 degree of a
    multiple of 90 (a skewed matrix is left as stored)."""
    try:
        degrees = float(degrees or 0)
    except (TypeError, ValueError):
        return 0
    if not math.isfinite(degrees):
        return 0
    q = round(degrees / 90.0)
    return q % 4 if abs(degrees - 90.0 * q) <= 1.0 else 0


def _display_transform(frame) -> tuple[int, bool]:
    """(quarter turns 0-3 counter-clockwise, mirrored left-right after the turn) a player gives a decoded frame from its
    stream's display matrix (a phone or a gimbal held in portrait: what older tools wrote as a `rotate` tag; a selfie
    camera's or an editor's mirror, av_display_matrix_flip). A matrix of negative determinant is a mirror: FFmpeg's
    av_display_matrix_flip(hflip) negates its x' column (a, c), so undoing that leaves the turn, read as
    av_display_rotation_get does (-atan2(b, a) in degrees). PyAV's VideoFrame.rotation reads a mirror's matrix as a turn
    of 180 degrees: a mirrored clip came out upside down and unmirrored (session 37). Without the matrix's bytes,
    VideoFrame.rotation's turn and no mirror."""
    m = _display_matrix(frame)
    if m is None:
        return _quarter_turns(getattr(frame, "rotation", 0)), False
    a, b, c, d = (float(v) for v in m)
    mirror = a * d - b * c < 0
    if mirror:
        a, c = -a, -c
    if a == 0 and b == 0:
        return 0, mirror
    return _quarter_turns(-math.degrees(math.atan2(b, a))), mirror


_TURNS = {1: Image.Transpose.ROTATE_90, 2: Image.Transpose.ROTATE_180, 3: Image.Transpose.ROTATE_270}  # PIL: counter-clockwise


def _as_shown(image: Image.Image, frame) -> Image.Image:
    """`image` (decoded from `frame`) turned and mirrored as a player shows it (_display_transform)."""
    turn, mirror = _display_transform(frame)
    if turn:
        image = image.transpose(_TURNS[turn])
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirror else image


def probe_video(path: Path) -> VideoInfo:
    """Duration (seconds), frame size and rate from the container headers (no decoding beyond what
    the demuxer needs), and when the video was recorded (VideoInfo.started_at: its tags, read by
    media/video_time.start_from_tags). Raises InputError naming the file."""
    from .video_time import start_from_tags

    container = _open_container(path)
    try:
        stream = _main_video(container)
        started_at = start_from_tags(dict(container.metadata), dict(stream.metadata))
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000  # AV_TIME_BASE
        rate = float(stream.average_rate) if stream.average_rate else None
        if duration is None or not math.isfinite(duration) or duration <= 0:
            if stream.frames and rate:
                duration = stream.frames / rate
            else:
                raise InputError(path, "video has no duration in its headers")
        base = getattr(stream, "base_rate", None)
        base = float(base) if base else None
        # above the average and a rate a camera records at (r_frame_rate can be a time base's 90000 when unsure)
        densest = base if base and rate and rate < base <= 1000.0 else None
        header_duration = None
        held = _held_s(path, stream, rate)
        if held is not None and held < duration - 1e-3:
            header_duration, duration = duration, held
        width, height = stream.codec_context.width, stream.codec_context.height
        shown = _first_turn(container, stream, path)
        if shown is None and header_duration is not None:
            raise InputError(path, f"the file is cut short before its first frame (its header says "
                                   f"{header_duration:.1f} s of video): copy it again")
        if shown is None:  # a Matroska recording stopped before its first frame: its length is the sound's
            raise InputError(path, "its video stream holds no frames (a recording stopped before its first frame?)")
        if shown[0] % 2:  # shown a quarter turn from how it is stored: its sides swap
            width, height = height, width
    finally:
        container.close()
    if not width or not height:
        raise InputError(path, "video has no frame size")
    return VideoInfo(duration, int(width), int(height), rate, started_at, header_duration, densest)


def _data_end_s(path: Path, stream, rate: float | None) -> float | None:
    """Seconds of video the file's bytes hold by the demuxer's index (PyAV's index_entries: each
    frame's byte offset and size, read from an MP4/MOV's sample tables): the end of the last frame
    whose bytes lie inside the file, when some lie past its end (a file cut short with its index at
    the start: a "fast start" MP4, a phone's clip, an interrupted copy); None when every frame is
    there or there is no index. Without it the header's duration was sampled and every time past the
    cut got the last frame that decoded, each located as if new (session 36)."""
    try:
        size, entries, tb = os.path.getsize(path), stream.index_entries, stream.time_base
        sized = [e for e in entries if e.size > 0]  # a Matroska cue point gives no size: no frame index
        if not tb or not sized:
            return None
        inside = [e.timestamp for e in sized if e.pos + e.size <= size]
        if len(inside) == len(sized):
            return None
        if not inside:
            return 0.0
    except (OSError, AttributeError, TypeError, ValueError):
        return None
    start = stream.start_time or 0
    step = 1.0 / rate if rate and math.isfinite(rate) and rate > 0 else 0.0
    return max(0.0, float((max(inside) - start) * tb) + step)


EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # the EBML header's element ID: a Matroska / WebM file (RFC 8794 section 8.1)
SEGMENT_ID = b"\x18\x53\x80\x67"  # Matroska's Segment element (RFC 9559 section 5.1)


def _ebml_vint(data: bytes, at: int) -> tuple[int | None, int]:
    """(value, its length in bytes) of the EBML variable-size integer at `at` (RFC 8794 section 4: the leading
    zero bits count the bytes after the first, the marker bit is dropped); value None for an unknown size (all
    value bits set) or a damaged one. Raises IndexError when `data` ends inside it."""
    first = data[at]
    length = 9 - first.bit_length() if first else 9
    if length > 8:
        return None, 1
    value = first & ((1 << (8 - length)) - 1)
    for k in range(1, length):
        value = (value << 8) | data[at + k]
    return (None if value == (1 << (7 * length)) - 1 else value), length


def _matroska_cut_short(path: Path) -> bool:
    """Whether `path` is a Matroska / WebM file whose Segment (everything after the EBML header) declares more bytes
    than the file holds: a recording or copy cut short. False for any other file, or a Segment of unknown size (a
    live recording never closed: nothing declares its length)."""
    try:
        with open(path, "rb") as f:
            head = f.read(64)
        total = os.path.getsize(path)
        if not head.startswith(EBML_MAGIC):
            return False
        size, n = _ebml_vint(head, 4)
        if size is None:
            return False
        at = 4 + n + size  # past the EBML header
        with open(path, "rb") as f:
            f.seek(at)
            seg = f.read(12)
        if not seg.startswith(SEGMENT_ID):
            return False
        size, n = _ebml_vint(seg, 4)
        return size is not None and at + 4 + n + size > total
    except (OSError, IndexError):
        return False


def _kept(memo: dict, key: str, value):
    """`value` kept in one of this module's per-file memos (_DEMUXED_ENDS, _FIRST_TURNS, _DECODE_TAGS) under its
    file identity `key`, and returned. Bounded: a memo past 4096 files (a session of many videos) starts again."""
    if len(memo) > 4096:
        memo.clear()
    memo[key] = value
    return value


def _held_s(path: Path, stream, rate: float | None) -> float | None:
    """Where the data of a file cut short ends, in seconds of its footage `stream`: its frame index's
    (_data_end_s: an MP4 whose index outlasts its data), else, with no index (Matroska), its packets' when its
    declared size runs past the file's end (_demuxed_end_s); None for a whole file."""
    held = _data_end_s(path, stream, rate)
    return _demuxed_end_s(path, rate) if held is None else held


_DEMUXED_ENDS: dict[str, float | None] = {}  # file identity (cache.file_key) -> _demuxed_end_s


def _demuxed_end_s(path: Path, rate: float | None) -> float | None:
    """For a Matroska / WebM file cut short (_matroska_cut_short): the end in seconds of the last frame of its footage
    whose packet is in the file (the latest packet time after the stream's start, plus a frame at `rate`), found by
    demuxing the stream's packets (reading, not decoding them; once per file identity). A Matroska file keeps its
    frame index (Cues) at its end and writes its duration at its start, so a file cut in half still claimed its
    whole length: its frames past the cut were listed, and failed one by one when read (session 36's open point,
    session 37). 0.0 when no whole packet is left; None for a whole file, or when it cannot be opened."""
    from ..cache import file_key

    key = file_key(Path(path))
    if key in _DEMUXED_ENDS:
        return _DEMUXED_ENDS[key]
    end = None
    if _matroska_cut_short(path):
        av = _av()
        try:
            container = av.open(str(path))
        except (av.error.FFmpegError, OSError, ValueError):
            container = None
        if container is not None:
            try:
                stream = _main_video(container)
                tb, start, latest = stream.time_base, stream.start_time or 0, None
                try:
                    for packet in container.demux(stream):
                        if packet.pts is not None and packet.size and (latest is None or packet.pts > latest):
                            latest = packet.pts
                except (av.error.FFmpegError, OSError, ValueError):
                    pass  # the torn last block: the packets before it stand
                if latest is None:  # cut before its first whole frame
                    end = 0.0
                elif tb:
                    step = 1.0 / rate if rate and math.isfinite(rate) and rate > 0 else 0.0
                    end = max(0.0, float((latest - start) * tb) + step)
            finally:
                container.close()
    return _kept(_DEMUXED_ENDS, key, end)


_FIRST_TURNS: dict[str, tuple[int, bool] | None] = {}  # file identity (cache.file_key) -> _first_turn


def _first_turn(container, stream, path: Path) -> tuple[int, bool] | None:
    """_display_transform of the stream's first frame (quarter turns, mirrored); (0, False) when it fails to
    decode, None when the stream ends before any frame (a declared stream with no frames: its samples were
    planned over the sound's length and each read raised FFmpeg's "Operation not permitted" from the seek,
    session 36). The display
    matrix is side data PyAV gives a decoded frame, not a stream, so one frame is decoded, once per file
    identity (a 4K frame took ~1 s on the loaded 2-core machine, and a video is probed several times a run)."""
    from ..cache import file_key

    key = file_key(Path(path))
    if key in _FIRST_TURNS:
        return _FIRST_TURNS[key]
    av = _av()
    turn = None
    try:
        for frame in container.decode(stream):
            turn = _display_transform(frame)
            break
    except (av.error.FFmpegError, OSError, ValueError):
        turn = (0, False)
    return _kept(_FIRST_TURNS, key, turn)


_DECODE_TAGS: dict[str, str] = {}  # file identity (cache.file_key) -> decode_tag


def decode_tag(path: Path) -> str:
    """What tells this video's frames apart from what the decoder made of them before session 36, for
    the keys of everything cached per frame (the frame cache here; media/query_image's query_identity
    and query_key: features, verification, thumbnails): "" for a video decoded as before (its first
    video stream, no display turn), so their caches stay good; "|stream<index>|turn<quarter turns>[|mirror]"
    for one whose frames changed (the footage read instead of a preview or cover stream before it, a
    portrait clip turned upright, a mirrored one mirrored back), whose cached frames and results were of the wrong
    picture; "|held<seconds>" added for a file cut short (probe_video's data end: an MP4 whose index outlasts its data,
    a Matroska file whose Segment does): its frames past the cut were its last frame, located anew, and those results
    must not outlive the frames they came from. Cached by file identity (path, size, mtime: a file copied again in
    full is another identity); "" for a file that cannot be opened (its reader says why)."""
    from ..cache import file_key

    key = file_key(Path(path))
    if key in _DECODE_TAGS:
        return _DECODE_TAGS[key]
    try:
        container = _open_container(Path(path))
    except (InputError, OSError):
        return ""
    try:
        stream, first = _main_video(container), container.streams.video[0]
        turn, mirror = _first_turn(container, stream, path) or (0, False)
        index = getattr(stream, "index", 0)
        tag = "" if stream is first and turn == 0 and not mirror else f"|stream{index}|turn{turn}"
        tag += "|mirror" if mirror else ""  # session 37: a mirrored clip was decoded upside down (turn2) before
        rate = float(stream.average_rate) if stream.average_rate else None
        held = _held_s(Path(path), stream, rate)
        # a file cut short: its frames past the cut were answered by its last frame (before session 36) and located,
        # and what was cached for them must not be served for the same file now (session 37)
        tag += f"|held{held:.3f}" if held is not None else ""
    finally:
        container.close()
    return _kept(_DECODE_TAGS, key, tag)


def sample_times(duration_s: float, every_s: float = DEFAULT_EVERY_S) -> list[float]:
    """Frame times 0, every, 2*every, ... strictly before the end (seconds, millisecond-rounded)."""
    if not (every_s > 0 and math.isfinite(every_s)):
        raise ValueError(f"--every must be a positive number of seconds, not {every_s}")
    n = max(1, int(math.floor(duration_s / every_s - 1e-9)) + 1)
    return [round(i * every_s, 3) for i in range(n) if i * every_s < duration_s or i == 0]


def auto_every_s(duration_s: float, max_frames: int | None = None) -> float:
    """The interval (seconds) the app samples a video of `duration_s` seconds at when the person chose
    none: the smallest of AUTO_STEPS_S (1 s for a clip of up to `max_frames` seconds; None:
    AUTO_MAX_FRAMES, read when called) whose sample_times count is at most `max_frames`; past the
    largest step, the whole number of seconds that keeps the count within `max_frames`. The bound is
    set, not measured: 300 frames at the ~1.7 CPU s a 4K frame took to locate on the 2-core machine
    (docs/large-areas.md, *On a laptop with 8 GB of memory*) is under 10 CPU minutes. Raises ValueError for a
    duration that is not a positive number or a max_frames below 1."""
    if not (duration_s > 0 and math.isfinite(duration_s)):
        raise ValueError(f"a video's duration must be a positive number of seconds, not {duration_s}")
    max_frames = AUTO_MAX_FRAMES if max_frames is None else max_frames
    if max_frames < 1:
        raise ValueError(f"max_frames must be 1 or more, not {max_frames}")
    for step in AUTO_STEPS_S:
        if len(sample_times(duration_s, step)) <= max_frames:
            return step
    step = float(math.ceil(duration_s / max_frames))
    while len(sample_times(duration_s, step)) > max_frames:  # a duration just past a multiple
        step += 1.0
    return step


def _not_finer_than_frames(path: Path, every_s: float, fps: float | None) -> float:
    """`every_s`, or the video's frame interval (1/fps, seconds, millisecond-rounded up) when `every_s` is finer:
    samples closer than the frames repeat the same frame, each located again (session 35: --every 0.01 on a
    10 fps clip made 1,200 queries of its 120 frames, ten times the work for nothing). Said in one warning.
    `every_s` as it was when the frame rate is unknown or not a positive finite number."""
    if not (fps and math.isfinite(fps) and fps > 0 and every_s > 0) or every_s * fps >= 1.0:
        return every_s
    frame_s = math.ceil(1000.0 / fps) / 1000.0  # e.g. 29.97 fps: 0.034 s, never two samples on one frame
    log.warning("%s: a frame every %g s is finer than the video holds (%g fps, a frame every %g s): sampled every "
                "%g s instead; closer samples would be the same frame, located again", path.name, every_s,
                round(fps, 3), round(1.0 / fps, 4), frame_s)
    return frame_s


def frame_id(video_id: str, time_s: float) -> str:
    """``video#t=12.5`` (seconds, no trailing zeros)."""
    return f"{video_id}#t={time_s:.3f}".rstrip("0").rstrip(".")


def video_queries(path: Path, *, video_id: str | None = None, every_s: float | None = DEFAULT_EVERY_S,
                  telemetry: bool = True) -> list[Query]:
    """One Query per sampled frame of the video (`every_s` seconds apart; None: auto_every_s of the
    video's duration, the app's automatic choice).

    With a telemetry sidecar (same stem, .SRT) each frame carries the nearest record as
    `telemetry`, and its recorded position as `truth` (truth_source "srt") — for scoring only.
    Each frame carries `video_start`, the video's recording time from its container (VideoInfo.started_at,
    None when it records none): the frame's wall clock is video_start + time_s where the telemetry has
    none (a telemetry wall clock wins: export_track._start_of).
    `telemetry=False` ignores the sidecar. Raises InputError for an unreadable video; a broken
    sidecar, or one whose times cannot be the video's (telemetry.span_mismatch: an .SRT from before the
    clip was trimmed), is logged and ignored (telemetry is a bonus; a wrong truth is worse than none).
    """
    from .telemetry import find_sidecar, read_srt, span_mismatch, telemetry_at

    path = Path(os.path.abspath(path))
    info = probe_video(path)
    records = []
    if telemetry:
        sidecar = find_sidecar(path)
        if sidecar is not None:
            try:
                records = read_srt(sidecar)
            except InputError as exc:
                log.warning("%s", exc)
            problem = span_mismatch(records, info.header_duration_s or info.duration_s)
            if problem is not None:  # paired by time, each frame would get another moment's position as truth
                log.warning("%s: %s: not paired with the frames of %s (they have no telemetry or truth)", sidecar,
                            problem, path.name)
                records = []
            if records and not any(r.position is not None for r in records):
                # found and read, yet silent: the user expects the frames to be scored (session 20)
                log.warning("%s: none of its %d cues holds a readable position (latitude and longitude): "
                            "the frames of %s have no truth to be scored against", sidecar, len(records), path.name)
    vid = video_id or readable(path.name)
    if every_s is None:
        every_s = auto_every_s(info.duration_s)
    # the densest rate, not the average: a variable-frame-rate clip's dense stretches hold frames that close
    every_s = _not_finer_than_frames(path, every_s, info.densest_fps or info.fps)
    if info.header_duration_s is not None:
        log.warning("%s: the file is cut short: its header says %.1f s but its data ends at %.1f s (a recording "
                    "or copy interrupted?); the frames up to %.1f s are sampled", path.name, info.header_duration_s,
                    info.duration_s, info.duration_s)
    if info.duration_s <= 0:
        raise InputError(path, f"the file is cut short before its first frame (its header says "
                               f"{info.header_duration_s:.1f} s of video): copy it again")
    _PLANS[str(path)] = tuple(sample_times(info.duration_s, every_s))
    queries = []
    for t in _PLANS[str(path)]:
        record = telemetry_at(records, t, tolerance_s=max(0.5, every_s)) if records else None
        truth = record.position if record is not None else None
        queries.append(Query(id=frame_id(vid, t), path=path, truth=truth, truth_source="srt" if truth else None,
                             time_s=t, telemetry=record, video_start=info.started_at))
    return queries


# -- decoding ------------------------------------------------------------------------------------
def _shrink(image: Image.Image, max_side: int) -> Image.Image:
    w, h = image.size
    s = max_side / max(w, h)
    if s >= 1:
        return image
    return image.resize((max(1, round(w * s)), max(1, round(h * s))), Image.Resampling.BILINEAR, reducing_gap=2.0)


def _to_image(frame, max_side: int) -> Image.Image:
    """RGB PIL image at most `max_side` on its long side, turned and mirrored as its display matrix says
    (_as_shown). FFmpeg's swscale converts and shrinks in one step (measured on a 4K frame: ~3x
    cheaper than converting at full size, then resizing)."""
    w, h = frame.width, frame.height
    s = max_side / max(w, h)
    if s >= 1:
        image = frame.to_image()
    else:
        image = frame.to_image(width=max(1, round(w * s)), height=max(1, round(h * s)), interpolation="AREA")
    return _as_shown(image, frame)  # a portrait clip stored landscape came out on its side, a mirrored one upside down


def _video_stream(container):
    """(the footage stream (_main_video), set to decode with FFmpeg's threads; its time base in seconds
    or None; its start time in seconds, 0 when unknown): frame.time minus the start is the time in the
    video."""
    stream = _main_video(container)
    stream.thread_type = "AUTO"
    tb = float(stream.time_base) if stream.time_base else None
    start = float(stream.start_time * stream.time_base) if stream.start_time is not None and tb else 0.0
    return stream, tb, start


def _seek_skips(stream, tb: float | None, start: float, pos: float, target: float, keys: list) -> bool:
    """Whether seeking to `target` (seconds in the video) lands past `pos`, where the decoder already is:
    the key frame at or before the target (the demuxer's index, PyAV's index_entries; read once into
    `keys`, seconds) lies after it. Without an index, True (seek, as before). A video of few key frames (a
    screen recording, an edit exported with one) was sought back to the same key frame for every sampled
    time, each decoding all the frames before it again: 60 s of video decoded 30 times over for 30
    frames, 18 s instead of 0.3 s (session 36, training/results/video36_session36.md)."""
    if not tb:
        return True
    if not keys:
        try:
            entries = stream.index_entries
            keys.extend(sorted(float(e.timestamp * tb) - start for e in entries if e.is_keyframe))
        except (AttributeError, TypeError, ValueError):
            pass
        if not keys:
            keys.append(None)  # no index: always seek
    if keys[0] is None:
        return True
    import bisect

    i = bisect.bisect_right(keys, target + 1e-6) - 1
    return i < 0 or keys[i] > pos + 1e-6


def iter_frames(path: Path, times: Sequence[float], *, max_side: int = FRAME_MAX_SIDE) -> Iterator[tuple[float, Image.Image]]:
    """(time, RGB frame shrunk to `max_side`) for each requested time, in increasing time order:
    the first frame whose presentation time reaches it. Decodes forward while the next time is
    near (SEEK_AHEAD_S) and seeks to the key frame before it when it is far, so neither dense nor
    sparse samples of a long video cost more than needed; one decoded frame at a time is held.
    A time past the final frame gets that frame up to TAIL_S after it; a later one raises InputError
    (after the times before it were given), as does an unreadable video."""
    av = _av()
    wanted = sorted(set(float(t) for t in times))
    if not wanted:
        return
    container = _open_container(path)
    try:
        stream, tb, start = _video_stream(container)
        i = 0
        last = None  # the last decoded frame (PyAV's), for times past the final frame
        frames, pos = None, None  # the decoder and the time of the last frame it gave
        keys: list = []  # the key frames' times, read when a seek is first weighed (_seek_skips)
        while i < len(wanted):
            target = wanted[i]
            if frames is None or pos is None or (target - pos > SEEK_AHEAD_S
                                                 and _seek_skips(stream, tb, start, pos, target, keys)):
                try:
                    if tb:
                        container.seek(int((start + target) / tb), stream=stream, backward=True, any_frame=False)
                except av.error.FFmpegError:  # FFmpeg refused the seek (EPERM on a stream without frames)
                    if frames is not None:
                        raise InputError(path, f"cannot seek to t={target:.2f} s (a damaged index?)") from None
                frames = container.decode(stream)
            got = False
            try:
                for frame in frames:  # a `break` below leaves the decoder where it is, to go on from
                    t = (frame.time if frame.time is not None else 0.0) - start
                    pos, last = t, frame
                    if t + 1e-6 < target:
                        continue
                    image = _to_image(frame, max_side)
                    # this frame answers every wanted time up to its own
                    while i < len(wanted) and wanted[i] <= t + 1e-6:
                        yield wanted[i], image
                        i += 1
                    got = True
                    break
            except av.error.FFmpegError as exc:
                raise InputError(path, f"corrupt video data near t={target:.2f} s ({exc})") from None
            if not got:  # past the last frame: the last picture stands for the rest, up to TAIL_S after it
                if last is None:
                    raise InputError(path, f"no frame at t={target:.2f} s")
                # the final decoded frame, not the last one that answered a time (that one can lie
                # up to SEEK_AHEAD_S earlier when the container's duration outlasts the video stream)
                end = (last.time if last.time is not None else 0.0) - start
                image = _to_image(last, max_side)
                while i < len(wanted) and wanted[i] < end + TAIL_S:
                    yield wanted[i], image
                    i += 1
                if i < len(wanted):
                    raise InputError(path, f"no frame at t={wanted[i]:.2f} s: the video's frames end at {end:.2f} s "
                                           "(a recording or copy cut short?)")
    finally:
        container.close()


def iter_thumbnails(path: Path, spans: Sequence[tuple[float, float]], side: int) -> Iterator[tuple[int, float, "np.ndarray"]]:  # noqa: F821
    """(span index, time in seconds, (side, side) uint8 grey array) of EVERY frame the stream holds
    in each span (t0, t1), from the frame that answers t0 (as iter_frames: the first whose time
    reaches it) to the one that answers t1, spans in increasing order; squeezed to a square by
    FFmpeg's swscale (area averaging) without a full-size RGB picture: the cheap look
    core/media/cuts.py takes between two sampled frames. Decodes forward while the next span starts
    near (SEEK_AHEAD_S), else seeks to the key frame before it, so a video whose every gap is
    looked at is decoded about once. Raises InputError for an unreadable video."""
    av = _av()
    spans = sorted((float(a), float(b)) for a, b in spans)
    if not spans:
        return
    container = _open_container(path)
    try:
        stream, tb, start = _video_stream(container)
        frames, pos, last = None, None, None  # the decoder, the time of its last frame, that frame's thumbnail
        keys: list = []  # the key frames' times (_seek_skips)
        for k, (t0, t1) in enumerate(spans):
            if (frames is None or pos is None or t0 < pos - 1e-6
                    or (t0 - pos > SEEK_AHEAD_S and _seek_skips(stream, tb, start, pos, t0, keys))):
                if tb:
                    container.seek(int((start + t0) / tb), stream=stream, backward=True, any_frame=False)
                frames, last = container.decode(stream), None
            elif last is not None and last[0] + 1e-6 >= t0:  # the span starts at the frame the last one ended on
                yield k, last[0], last[1]
                if last[0] + 1e-6 >= t1:
                    continue
            try:
                for frame in frames:
                    t = (frame.time if frame.time is not None else 0.0) - start
                    pos = t
                    if t + 1e-6 < t0:
                        continue
                    last = (t, frame.to_ndarray(width=side, height=side, format="gray", interpolation="AREA"))
                    yield k, t, last[1]
                    if t + 1e-6 >= t1:
                        break
            except av.error.FFmpegError as exc:
                raise InputError(path, f"corrupt video data between t={t0:.2f} s and t={t1:.2f} s ({exc})") from None
    finally:
        container.close()


def read_frame(path: Path, time_s: float, *, max_side: int = FRAME_MAX_SIDE) -> Image.Image:
    """The frame at `time_s` seconds, RGB, long side at most `max_side`."""
    for _, image in iter_frames(path, [time_s], max_side=max_side):
        return image
    raise InputError(path, f"no frame at t={time_s:.2f} s")  # pragma: no cover


# -- the frame cache -----------------------------------------------------------------------------
def frame_cache_root() -> Path:
    """GEOLOCATOR_FRAME_CACHE, else the user cache dir's frames/ folder."""
    env = os.environ.get("GEOLOCATOR_FRAME_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("geolocator")) / "frames"


def _frame_file(path: Path, time_s: float) -> Path:
    from ..cache import file_key  # video file identity: an edited or replaced video is decoded anew

    key = hashlib.sha256(f"{file_key(path)}|{time_s:.3f}|{FRAME_MAX_SIDE}{decode_tag(path)}".encode()).hexdigest()
    return frame_cache_root() / key[:2] / f"{key[2:]}.jpg"


def _store(target: Path, image: Image.Image) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    from .frame_prune import TMP_PREFIX  # pruning leaves a frame being written alone

    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=TMP_PREFIX, suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as f:
            image.save(f, "JPEG", quality=FRAME_JPEG_QUALITY)
        os.replace(tmp, target)  # atomic: a half-written frame is never read
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load_cached(target: Path) -> Image.Image | None:
    try:
        with Image.open(target) as im:
            im.load()
            return im.convert("RGB")
    except (OSError, SyntaxError, ValueError):
        return None


def cache_frames(path: Path, times: Sequence[float]) -> int:
    """Decode the frames at `times` in one pass and store them in the frame cache (those not there
    yet). Returns how many were decoded. Optional: `open_frame` decodes a missing frame by seeking
    (to the key frame before it), which costs about one GOP per sampled frame; a caller about to
    read many frames of one video can warm the cache in one pass with this instead."""
    return sample_frames(path, times)[0]


def missing_frames(path: Path, times: Sequence[float]) -> list[float]:
    """The times (seconds, increasing, each once) among `times` whose frame of the video `path` is not
    in the frame cache: what sample_frames would decode (a file test per time, nothing decoded)."""
    return [t for t in sorted(set(float(t) for t in times)) if not _frame_file(path, t).is_file()]


def sample_frames(path: Path, times: Sequence[float], *, progress=None, cancel=None) -> tuple[int, int]:
    """Put the frames at `times` (seconds) into the frame cache in one forward pass (iter_frames),
    decoding only those not there yet: a frame sampled before at the same time, by another interval
    or an earlier run, is reused (its last use stamped, as open_frame does). Sends a ProgressEvent
    ("frames", decoded, to decode, "NAME: N of M frames", N counting the reused ones) before the first
    decode and after each (none when every frame is reused: a reused frame costs nothing, and counting
    them as done work made the app's ETA read a third of the time left), and
    checks `cancel` (core.progress.CancelToken) before each decode: a cancelled sampling raises
    Cancelled and keeps every frame already stored (each is written whole or not at all).
    Returns (decoded, reused). Raises InputError for an unreadable video, OSError for a cache
    folder that cannot be written."""
    from ..progress import ProgressEvent, check, emit
    from .frame_prune import touch

    wanted = sorted(set(float(t) for t in times))
    todo = missing_frames(path, wanted)
    for t in sorted(set(wanted) - set(todo)):
        touch(_frame_file(path, t))  # reused now: `geolocator cache --prune DAYS` keeps it
    reused, total, name = len(wanted) - len(todo), len(wanted), readable(Path(path).name)
    if todo:  # the stage counts the frames to decode (its ETA is theirs); the message counts them all
        emit(progress, ProgressEvent("frames", 0, len(todo), f"{name}: {reused:,} of {total:,} frames"))
    decoded = 0
    check(cancel)
    for t, image in iter_frames(path, todo):
        _store(_frame_file(path, t), image)
        decoded += 1
        emit(progress, ProgressEvent("frames", decoded, len(todo), f"{name}: {reused + decoded:,} of {total:,} frames"))
        if decoded < len(todo):
            check(cancel)  # between two decodes: the frames stored so far stay
    return decoded, reused


_PLANS: dict[str, tuple[float, ...]] = {}  # video -> its sampled times (video_queries)
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _lock(path: Path) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(os.path.abspath(path), threading.Lock())


def open_frame(path: Path, time_s: float) -> Image.Image:
    """The frame at `time_s` through the frame cache (the cached copy is what every step sees, so a
    frame looks the same whether it was just decoded or decoded in an earlier run). On a miss, the
    video's sampled frames up to READ_AHEAD_S ahead are decoded in the same pass (one seek, then
    forward), one video at a time, so extracting a flight decodes it about once."""
    target = _frame_file(path, time_s)
    image = _load_cached(target)
    if image is not None:
        from .frame_prune import touch

        touch(target)  # last used now: `geolocator cache --prune DAYS` keeps it (media/frame_prune.py)
        return image
    with _lock(path):  # the other decoding thread waits, then finds its frame cached
        image = _load_cached(target)
        if image is not None:
            return image
        plan = [t for t in _PLANS.get(os.path.abspath(path), ()) if time_s < t <= time_s + READ_AHEAD_S]
        if plan:
            try:
                cache_frames(path, [time_s, *plan])
            except OSError as exc:  # an unwritable cache: decode this one frame below
                log.warning("frame cache %s: %s", target.parent, exc)
            image = _load_cached(target)
            if image is not None:
                return image
        fresh = read_frame(path, time_s)
        try:
            _store(target, fresh)
        except OSError as exc:  # an unwritable or full cache folder costs speed, not the answer
            log.warning("frame cache %s: %s", target.parent, exc)
            return fresh
        image = _load_cached(target) or fresh
    return image
