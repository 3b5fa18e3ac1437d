"""Clock zones per folder: which zone each photo's or video's clock was set to, when it recorded none.

`geolocator locate --clock-zone` takes one zone for every clock that recorded no UTC offset (EXIF
DateTimeOriginal without OffsetTimeOriginal, a DJI SRT's local clock). A search team's day often has
two drones (or a drone and a phone) set to different zones; the argument may therefore be given more
than once, each either a plain zone (the default for the rest) or FOLDER=ZONE (photos and videos under
FOLDER, or that one file). The separator is the LAST "=": no zone form contains one (IANA names
such as Europe/Zurich hold "/", offsets ":" and "+", never "="), so a Windows path ("D:\\cards\\B")
or a folder whose name holds "/" or ":" is never read as part of the zone.

The most specific folder wins: of the rules whose folder holds the file, the one with the most path
parts. Times that recorded their offset (OffsetTimeOriginal, GPS time) are never changed by any zone:
metadata.in_clock_zone reads only naive times.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

SEPARATOR = "="


def split_clock_zone(text: str) -> tuple[str | None, tzinfo]:
    """One `--clock-zone` argument -> (folder or file as written, or None for the default; its tzinfo).

    "Europe/Zurich" -> (None, ZoneInfo); "cardB/=Asia/Tokyo" -> ("cardB/", ZoneInfo("Asia/Tokyo"));
    "D:\\cards\\B=+09:00" -> ("D:\\cards\\B", UTC+09:00). Split at the last "=" (no zone contains one).
    Raises ValueError starting with the argument (quoted): an empty folder ("=Asia/Tokyo") or zone ("cardB/="), or a
    zone export_track.parse_clock_zone refuses (with a hint of the FOLDER=ZONE form when the text holds
    a "/" that is not a zone name, as "cardB/Asia/Tokyo" would)."""
    from .export_track import parse_clock_zone

    text = text.strip()
    if SEPARATOR not in text:
        try:
            return None, parse_clock_zone(text)
        except ValueError as exc:
            hint = (f"; a zone for one folder is written FOLDER{SEPARATOR}ZONE, e.g. cardB/{SEPARATOR}Asia/Tokyo"
                    if "/" in text or "\\" in text else "")
            raise ValueError(f"{text!r}: {exc}{hint}") from None
    folder, zone = (x.strip() for x in text.rsplit(SEPARATOR, 1))
    if not folder:
        raise ValueError(f"{text!r}: no folder before '{SEPARATOR}' (write FOLDER{SEPARATOR}ZONE, "
                         f"e.g. cardB/{SEPARATOR}Asia/Tokyo, or the zone alone for every clock)")
    if not zone:
        raise ValueError(f"{text!r}: no zone after '{SEPARATOR}' (write FOLDER{SEPARATOR}ZONE, "
                         f"e.g. cardB/{SEPARATOR}Asia/Tokyo)")
    try:
        return folder, parse_clock_zone(zone)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None


def _absolute(path: Path | str, base: Path | None = None) -> Path:
    path = Path(path).expanduser()
    if not path.is_absolute():
        path = (base or Path.cwd()) / path
    return path.resolve()


@dataclass(frozen=True)
class ClockZones:
    """The zones of clocks that recorded none: `default` (None: such times are written as if UTC, and
    the files say so) and `folders`, ((absolute resolved folder or file, tzinfo, as written), ...).
    Built by `from_texts` (the CLI) or `from_mapping` (the app's settings)."""

    default: tzinfo | None = None
    folders: tuple[tuple[Path, tzinfo, str], ...] = ()

    @classmethod
    def from_texts(cls, texts: Iterable[str], base: Path | None = None) -> ClockZones:
        """Every `--clock-zone` argument given, in order. Folders are read relative to `base` (default:
        the working folder). Raises ValueError naming the argument: a refused zone (split_clock_zone), a
        second plain zone, one folder given two zones, a folder or file that does not exist."""
        default, default_text, folders = None, None, []
        seen: dict[Path, str] = {}
        for text in texts:
            try:
                folder, zone = split_clock_zone(text)
            except ValueError as exc:
                raise ValueError(f"--clock-zone {exc}") from None
            if folder is None:
                if default is not None:
                    raise ValueError(f"--clock-zone {text!r}: a second zone for every clock (the first: {default_text!r}); "
                                     f"give one plain zone and FOLDER{SEPARATOR}ZONE for the others")
                default, default_text = zone, text
                continue
            path = _absolute(folder, base)
            if not path.exists():
                raise ValueError(f"--clock-zone {text!r}: no such folder or file: {folder}")
            if path in seen:
                raise ValueError(f"--clock-zone {text!r}: {folder} was given a zone already ({seen[path]!r})")
            seen[path] = text
            folders.append((path, zone, folder))
        return cls(default, tuple(folders))

    @classmethod
    def from_mapping(cls, default: tzinfo | None, folders: dict[str, tzinfo]) -> ClockZones:
        """The app's: the default zone and {absolute folder: zone} (no existence check: a card's folder
        may be unplugged; a folder that holds none of the photos changes nothing)."""
        return cls(default, tuple((_absolute(f), z, f) for f, z in folders.items()))

    def rule_for(self, path: Path | str | None) -> tuple[Path, tzinfo, str] | None:
        """The folder rule that applies to `path`: of those whose folder is `path` or holds it, the one
        with the most path parts (the most specific); None when none does (the default applies)."""
        if path is None or not self.folders:
            return None
        p = _absolute(path)
        best = None
        for rule in self.folders:
            if (p == rule[0] or rule[0] in p.parents) and (best is None or len(rule[0].parts) > len(best[0].parts)):
                best = rule
        return best

    def zone_for(self, path: Path | str | None) -> tzinfo | None:
        """The zone a clock without one is read in for the photo or video at `path` (rule_for, else the
        default); None: none given (written as if UTC)."""
        rule = self.rule_for(path)
        return self.default if rule is None else rule[1]

    def clock_of(self, path: Path | str | None) -> str | None:
        """A key that tells clocks apart: the folder rule's absolute folder, None for the default's.
        Photos read in different rules are different clocks (core/sequence.py: never one flight)."""
        rule = self.rule_for(path)
        return None if rule is None else str(rule[0])

    def unused(self, paths: Iterable[Path | str]) -> list[str]:
        """The folders as written that hold none of `paths` (a zone given for nothing: a typo, or a card
        not given). A folder whose photos all lie under a deeper folder given is not unused: it holds them."""
        held: set[Path] = set()
        for p in paths:
            p = _absolute(p)
            held.add(p)
            held.update(p.parents)
        return [written for path, _, written in self.folders if path not in held]


def zone_at(clock_zone, path) -> tzinfo | None:
    """The zone for a photo or video at `path` from what callers pass as `clock_zone`: a ClockZones
    (per folder), a tzinfo (one for all, as before) or None."""
    return clock_zone.zone_for(path) if isinstance(clock_zone, ClockZones) else clock_zone
