"""Shot cuts in a video, found from its pixels alone (session 22).

A clip posted on social media is often an edit: shots of different places cut together. The
sequence model (core/sequence.py) must not link frames across a cut as if the drone flew from
one shot's place to the next one's, so each sampled frame gets the index of the shot it belongs to.

Two steps, both on small grey thumbnails (THUMB_SIDE pixels square, the frame squeezed to it),
compared by their mean absolute difference, the least over small shifts (`mad`):
1. consecutive SAMPLED frames (the ones geolocator reads, `every_s` apart, from the frame cache):
   a pair closer than SUSPECT_MAD is one shot, and nothing between them is decoded;
2. for any other pair, every frame between the two is decoded (PyAV, shrunk by FFmpeg's swscale,
   video.iter_thumbnails) and consecutive DECODED frames are compared: a cut is one step that
   jumps (CUT_MAD or more) while the steps around it are small (the jump is at least SPIKE_RATIO
   times the median step), and that jump also moves the picture's coarse layout (the 8 x 8 block
   means of the thumbnail change by COARSE_MAD or more). Continuous motion (a pan, a drift)
   changes the picture a little at every step and never all at once; a cut changes it all at
   once; a sudden blur or focus change changes the fine detail at once but not the layout.
The figures were measured on clips made from the demo's photos, pans over demo and benchmark
tiles, and a cut between two far-apart views of one mosaic (training/results/cuts_session22.md).

Truth and telemetry are never read here: the answer depends on the pixels only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

from ..errors import InputError

log = logging.getLogger("geolocator")

THUMB_SIDE = 32  # a 32 x 32 grey thumbnail: enough to tell two places apart, blind to codec noise
SHIFT = 2  # thumbnail pixels each way that `mad` forgives: 1/16 of the frame
# Measured (cuts_session22.md, 320 x 240 clips at 10 fps): consecutive decoded frames of one shot
# differ by 0.1-5.1 (pans of up to 1/20 of the frame per frame over demo and benchmark imagery),
# across a cut by 8.7-62 (8.7-9.6 between demo photos of look-alike fields). Sampled frames one
# second apart differ by 5.5 or more across a cut, by 0.1 to 25 within a fast pan.
SUSPECT_MAD = 4.0  # sampled frames closer than this are one shot: nothing between them is decoded
CUT_MAD = 7.0  # a decoded step at least this large (between 5.1 and 8.7) may be a cut ...
SPIKE_RATIO = 3.0  # ... when it is this many times the median step between the two samples
# ... and the 8 x 8 block means (1/8 of the frame each) change by this much at that step. Measured:
# a sudden Gaussian blur (12 px on 640 px) 0.4-1.8, cuts 10.3 and up (look-alike fields 10.3-10.6).
COARSE_MAD = 5.0
COARSE_SIDE = 8


def thumbnail(image: Image.Image) -> np.ndarray:
    """(THUMB_SIDE, THUMB_SIDE) float32 grey levels 0-255 of a PIL image (squeezed, not cropped)."""
    return np.asarray(image.convert("L").resize((THUMB_SIDE, THUMB_SIDE), Image.Resampling.BOX), np.float32)


def mad(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two (THUMB_SIDE, THUMB_SIDE) thumbnails (grey levels, 0-255),
    the least over shifts of up to SHIFT pixels each way (b's window against a's centre): a pan or
    a drift of up to SHIFT / THUMB_SIDE of the frame between the two is not a change of place."""
    m = SHIFT
    a, b = np.asarray(a, np.float32), np.asarray(b, np.float32)
    core = a[m:-m, m:-m]
    h, w = core.shape
    return float(min(np.mean(np.abs(core - b[m + dy:m + dy + h, m + dx:m + dx + w]))
                     for dy in range(-m, m + 1) for dx in range(-m, m + 1)))


def coarse_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference (grey levels) of two thumbnails' COARSE_SIDE x COARSE_SIDE block
    means: how much the picture's layout of light and dark changed, blind to fine detail."""
    k = THUMB_SIDE // COARSE_SIDE

    def blocks(x):
        return np.asarray(x, np.float32).reshape(COARSE_SIDE, k, COARSE_SIDE, k).mean(axis=(1, 3))

    return float(np.mean(np.abs(blocks(a) - blocks(b))))


def is_cut(steps: Sequence[tuple[float, float]]) -> bool:
    """Whether the decoded-frame steps between two sampled frames, in order, each (`mad`,
    `coarse_change`) of two consecutive frames, hold a cut: its largest `mad` is CUT_MAD or more and
    SPIKE_RATIO times the median `mad` (with one jump among many small steps the median is a small
    step's size; floored at 1 grey level so that a still shot's codec noise is no yardstick), and
    that step's coarse change is COARSE_MAD or more."""
    if not steps:
        return False
    fine = [f for f, _ in steps]
    j = int(np.argmax(fine))
    return (fine[j] >= CUT_MAD and fine[j] >= SPIKE_RATIO * max(float(np.median(fine)), 1.0)
            and steps[j][1] >= COARSE_MAD)


def decoded_steps(path: Path, gaps: Sequence[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """For each gap (t0, t1) (seconds, increasing), (`mad`, `coarse_change`) between consecutive decoded frames of the
    video at `path` from the frame at t0 to the frame at t1: every frame the stream holds between
    them (video.iter_thumbnails: one forward pass where the gaps follow each other). Raises
    InputError for an unreadable video."""
    from .video import iter_thumbnails

    thumbs: list[list[np.ndarray]] = [[] for _ in gaps]
    for k, _, x in iter_thumbnails(path, gaps, THUMB_SIDE):
        thumbs[k].append(np.asarray(x, np.float32))
    return [[(mad(a, b), coarse_change(a, b)) for a, b in zip(ts, ts[1:])] for ts in thumbs]


def shots(times: Sequence[float], thumbs: Sequence[np.ndarray],
          steps_between: Callable[[list[tuple[float, float]]], list[list[tuple[float, float]]]]) -> list[int]:
    """Shot index (0, 1, ...) of each sampled frame. `times`: the sampled frames' times (seconds,
    increasing); `thumbs`: their thumbnails (`thumbnail`); `steps_between(gaps)`: for each gap
    (t0, t1) between two sampled times, its decoded steps (`decoded_steps` on the video), asked
    only for the gaps whose two thumbnails differ by SUSPECT_MAD or more."""
    suspect = [i for i in range(1, len(times)) if mad(thumbs[i - 1], thumbs[i]) >= SUSPECT_MAD]
    steps = steps_between([(times[i - 1], times[i]) for i in suspect]) if suspect else []
    cut_before = {i for i, s in zip(suspect, steps) if is_cut(s)}
    out, shot = [], 0
    for i in range(len(times)):
        shot += i in cut_before
        out.append(shot)
    return out


def video_shots(path: Path, times: Sequence[float]) -> list[int]:
    """Shot index of each sampled frame of the video at `path` (`times`: seconds, any order; the
    answer follows that order). The sampled frames are read through the frame cache
    (video.open_frame: by the time a track is made they were decoded to be located); only the
    suspect gaps are decoded again. Raises InputError for an unreadable video."""
    from .video import open_frame

    order = sorted(range(len(times)), key=lambda i: times[i])
    ts = [float(times[i]) for i in order]
    thumbs = [thumbnail(open_frame(path, t)) for t in ts]
    by_sorted = shots(ts, thumbs, lambda gaps: decoded_steps(path, gaps))
    out = [0] * len(times)
    for k, i in enumerate(order):
        out[i] = by_sorted[k]
    return out


_MEMO: dict[tuple, list[int]] = {}


def video_shots_or_one(path: Path, times: Sequence[float]) -> list[int]:
    """`video_shots`, remembered per file identity (cache.file_key: path, size, mtime) and times; a
    video that cannot be read (moved or deleted since it was located) is one shot, with a warning
    naming it: a missed cut costs what it cost before cuts were looked for, a crash the whole track."""
    from ..cache import file_key

    key = (file_key(Path(path)), tuple(float(t) for t in times))
    if key in _MEMO:
        return list(_MEMO[key])
    try:
        found = video_shots(path, times)
    except (InputError, OSError) as exc:
        log.warning("%s: shot cuts not looked for (%s): its frames are read as one flight", path,
                    getattr(exc, "problem", exc))
        return [0] * len(times)
    _MEMO[key] = found
    return list(found)
