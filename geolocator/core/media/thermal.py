"""Thermal (infrared) photos as drone cameras write them, told apart from visible ones, and the
visible photo a dual camera took beside each (session 24).

geolocator reads a thermal photo like any other (its palette picture, or a 16-bit frame stretched
to 8 bits) and matches it against daytime imagery. Heat and daylight tones seldom agree (at night
white-hot is roughly the daytime picture's negative), so as they were, few thermal photos verified
(session 24, 12 synthetic thermal photos of the vegas region: 2-5 placed white-hot, ironbow or
16-bit; `training/results/newuser_session24.md`). Two things help: verification that also matches
reversed tones (`locate` turns pipeline.Settings.reversed_tones on for a run where this module
finds a thermal photo or clip: 9-11 of 12 placed), and the visible photo a dual camera takes at
the same moment from the same place (DJI M30T, H20T, Mavic 3T: `DJI_0001_T.JPG` thermal,
`DJI_0001_W.JPG` wide): located in the same run, its place is the thermal photo's (the sequence
model places a frame from a verified one at the same time). This module says which photos are
thermal and which have such a photo beside them; the user is told both.

What marks a photo thermal, read from the file, any one of (the name alone never does):

- DJI's XMP `drone-dji:ImageSource` "InfraredCamera" (its dual cameras' other values name the
  visible ones: "WideCamera", "ZoomCamera");
- a DJI R-JPEG's radiometric frame: JPEG APP3 segments (DJI writes the raw 16-bit frame there);
- a FLIR radiometric JPEG: an APP1 segment that starts with "FLIR\\0" (FLIR's FFF record);
- one band of 16 bits or more at a thermal core's size (THERMAL_SIZES: 640 x 512, 336 x 256 ...),
  as FLIR/DJI radiometric TIFFs are (raw counts or centi-kelvin). A multispectral band (1280 x 960,
  1600 x 1300) is not one of these sizes.

A video holds no such marks that PyAV shows; a clip is taken as thermal when DJI's thermal suffix
`_T` names it AND its frames are a thermal core's size (`DJI_0100_T.MP4`, 640 x 512): either alone
is common in visible clips too. A video's visible sibling is not looked for: two clips are two
flights to the sequence model, which then places neither from the other.

Headers only are read (Pillow opens lazily; no pixel is decoded).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

# The frame sizes of common uncooled thermal cores (width x height, either way round): FLIR
# Boson/Tau 640 and 320, Lepton (160 x 120), DJI's 640 x 512 and its 1280 x 1024 super resolution,
# XT2 336 x 256, and 384 x 288 / 640 x 480 cores.
THERMAL_SIZES = frozenset({(640, 512), (336, 256), (320, 256), (160, 120), (1280, 1024), (384, 288),
                           (640, 480), (320, 240)})

# DJI names the photos of one shot alike, one suffix per camera: _T thermal, _W wide, _Z zoom,
# _V visible; the first of these beside a thermal photo is its visible one.
VISIBLE_SUFFIXES = ("_W", "_V", "_Z")

_WIDE_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def thermal_reason(path: Path) -> str | None:
    """Why the photo at `path` is thermal (a few words naming what in the file says so), or None:
    a visible photo, or a file Pillow cannot open (its reader reports that; nothing is raised)."""
    from PIL import Image, UnidentifiedImageError

    from .metadata import parse_xmp
    from .video import VIDEO_SUFFIXES

    if Path(path).suffix.lower() in VIDEO_SUFFIXES:
        return _video_reason(Path(path))
    try:
        with Image.open(path) as im:
            size, mode, fmt = im.size, im.mode, im.format
            applist = list(getattr(im, "applist", []) or [])
            xmp = im.info.get("xmp")
            if xmp is None and fmt == "TIFF":
                xmp = im.getexif().get(700)  # XMP tag of a TIFF
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError):
        return None
    if xmp:
        try:
            source = parse_xmp(xmp).get("drone-dji:ImageSource", "")
        except ValueError:
            source = ""
        if source.strip().lower() == "infraredcamera":
            return "DJI ImageSource InfraredCamera"
    if fmt == "JPEG":
        if any(marker == "APP3" for marker, _ in applist):
            return "a radiometric JPEG (R-JPEG: raw frame in APP3)"
        if any(marker == "APP1" and bytes(data[:5]) == b"FLIR\x00" for marker, data in applist):
            return "a FLIR radiometric JPEG"
    if mode in _WIDE_MODES and (size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES):
        return f"one {('float' if mode == 'F' else '16-bit')} band, {size[0]} x {size[1]}"
    return None


def _video_reason(path: Path) -> str | None:
    """A clip named `_T` whose frames are a thermal core's size (headers only), else None; an
    unreadable clip is None (its reader reports it)."""
    from ..errors import InputError
    from .video import probe_video

    if not path.stem.upper().endswith("_T"):
        return None
    try:
        info = probe_video(path)
    except (InputError, OSError, ImportError):
        return None
    size = (info.width, info.height)
    if size in THERMAL_SIZES or size[::-1] in THERMAL_SIZES:
        return f"a clip named _T, {info.width} x {info.height}"
    return None


def visible_sibling(path: Path) -> Path | None:
    """The visible photo a dual camera took with the thermal photo `path`: the same name with its
    `_T` suffix replaced by `_W`, `_V` or `_Z` (VISIBLE_SUFFIXES, first found; the extension kept,
    any case) beside it, or None (no `_T` suffix, no such file, a video)."""
    from .video import VIDEO_SUFFIXES

    path = Path(path)
    stem = path.stem
    if not stem.upper().endswith("_T") or path.suffix.lower() in VIDEO_SUFFIXES:
        return None
    base = stem[:-2]
    for suffix in VISIBLE_SUFFIXES:
        for case in (suffix, suffix.lower()):
            candidate = path.with_name(f"{base}{case}{path.suffix}")
            if candidate.is_file():
                return candidate
    return None


@dataclass(frozen=True)
class ThermalPhoto:
    """A thermal photo of a run: its path, why it is thermal (thermal_reason) and its visible
    sibling on disk (visible_sibling) when it has one."""

    path: Path
    reason: str
    visible: Path | None


def thermal_photos(paths: Iterable[Path]) -> list[ThermalPhoto]:
    """The thermal photos among `paths` (in their order), each with its reason and visible sibling."""
    out = []
    for path in paths:
        reason = thermal_reason(Path(path))
        if reason is not None:
            out.append(ThermalPhoto(Path(path), reason, visible_sibling(Path(path))))
    return out


def thermal_note(thermal: Sequence[ThermalPhoto], located: Iterable[Path]) -> str | None:
    """A few sentences for the user about the run's thermal photos (None without any): how many, the
    first one and why, that a thermal answer under 0.9 (a level below core/levels.py's `confident`,
    said in those words since session 27) is to be taken as unconfirmed (session 24: of the synthetic
    thermal photos verified against daytime imagery, the 5 that read 0.81 were all wrong, 39-196 m
    off; the confidence tables were measured on daytime photos), and how many have
    a visible photo beside them that is (or is not) `located` in the same run, naming the first of
    those not located so the user can add them."""
    if not thermal:
        return None
    from ..levels import LEVEL_CONFIDENT, LEVEL_NOT_CONFIDENT
    from ..model import CONFIDENT
    from ..wording import count
    from .video import VIDEO_SUFFIXES

    located = {Path(p).resolve() for p in located}
    first = thermal[0]
    clips = sum(t.path.suffix.lower() in VIDEO_SUFFIXES for t in thermal)
    photos = len(thermal) - clips
    counted = " and ".join(part for part in (
        count(photos, "thermal photo") if photos else "",
        count(clips, "clip" if photos else "thermal clip") if clips else "",
    ) if part)
    text = (f"{counted} ({first.path.name}: {first.reason}): thermal pictures are matched against daytime "
            f"imagery, which they seldom resemble, and the confidence figures were measured on daytime photos: "
            f'rely only on a thermal answer that reads "{LEVEL_CONFIDENT}" ({CONFIDENT:g} or more); take '
            f'"{LEVEL_NOT_CONFIDENT}" as unconfirmed (docs/inputs.md: Thermal photos).')
    paired = [t for t in thermal if t.visible is not None]
    placed = "places a thermal photo that verifies nothing at its visible photo's verified place."
    if paired:
        missing = [t for t in paired if t.visible.resolve() not in located]
        if not missing:
            n = len(paired)
            text += (f" {n} of them {_has(n)} {'its' if n == 1 else 'their'} visible photo in this run (taken "
                     f"at the same moment): the flight's track {placed}")
        else:
            n = len(missing)
            text += (f" {n} of them {_has(n)} a visible photo beside {_it(n)} that was not given "
                     f"({missing[0].visible.name}, taken with {missing[0].path.name}): locate the folder, or "
                     f"add {_it(n)}: the flight's track then {placed}")
    return text


def _has(n: int) -> str:
    return "has" if n == 1 else "have"


def _it(n: int) -> str:
    return "it" if n == 1 else "them"


def queries_note(queries: Iterable) -> str | None:
    """thermal_note for a run's queries (model.Query: each photo, and each video once for all its
    frames; headers only), as `locate` warns it and the app's message bar shows it."""
    files = list(dict.fromkeys(q.path for q in queries))
    return thermal_note(thermal_photos(files), files)

