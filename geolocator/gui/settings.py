"""User settings persisted as JSON in the platform's config folder (platformdirs). Window geometry
and recent tile sets live in QSettings instead (see main_window.py): they are Qt state."""

from __future__ import annotations

import json
import math
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import platformdirs

log = logging.getLogger("geolocator.gui")


def default_settings_path() -> Path:
    return Path(platformdirs.user_config_dir("geolocator")) / "settings.json"


# fields that may be null; every other value must have its default's type
_OPTIONAL = {"weights": str, "adapt_steps": int}


def _fits(value, default, name: str) -> bool:
    if name == "video_every_s":  # None (automatic) or seconds, as the Video Frames box takes them
        return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)
                                 and math.isfinite(value) and 0.1 <= value <= 3600)
    if name == "clock_zone":
        return isinstance(value, str) and (not value or clock_zone_of(value) is not None)
    if name == "clock_zones":  # {folder: zone}: every folder named, every zone one this machine knows
        return isinstance(value, dict) and all(isinstance(k, str) and k.strip() and isinstance(v, str)
                                               and clock_zone_of(v) is not None for k, v in value.items())
    if name in _OPTIONAL:
        return value is None or (isinstance(value, _OPTIONAL[name]) and not isinstance(value, bool)
                                 and (name != "adapt_steps" or value >= 1))
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return isinstance(value, type(default))


def clock_zone_of(text: str):
    """The tzinfo a saved or typed clock zone names (core.export_track.parse_clock_zone), None for ""
    and for text that is not a zone."""
    from ..core.export_track import parse_clock_zone

    try:
        return parse_clock_zone(text) if text.strip() else None
    except ValueError:
        return None


@dataclass
class AppSettings:
    backbone: str = "auto"
    weights: str | None = None  # a weights file the user chose
    device: str = "auto"
    top_k: int = 5
    matcher: str = "auto"  # verification: "auto" (core/route.py: chosen from the tiles) or a core/matchers backend
    verify_mosaic: bool = False  # verify through 3x3 mosaics (photos that see several tiles); auto decides on its own
    dense_search: bool = False  # order the candidates of photos that found nothing clear by core/dense.py
    # verify with each photo's reversed tones too (core Settings.reversed_tones): thermal pictures the app does not
    # recognise as thermal by their files; a run of recognised thermal photos turns it on by itself
    reversed_tones: bool = False
    # the photos show ground changed since the imagery (flood, fire): core/changed_ground.py, as `locate --changed-ground`
    changed_ground: bool = False
    adapt_mode: str = "best"
    adapt_steps: int | None = None  # None: the adaptation's own default
    online_basemap: bool = False  # off: the map never leaves the machine
    demo_shown: bool = False  # the first launch opens the demo region once
    dinov2_notice_shown: bool = False  # "DINOv2 weights not found" is said once, then remembered
    coords_format: str = "dd"  # how the Results pane writes the Point (core.coords.FORMATS key)
    # the zone of photo and telemetry times recorded without one (core.export_track.parse_clock_zone:
    # "Europe/Zurich", "+01:00"), as `locate --clock-zone`; "": none given, the exports write them as if UTC
    clock_zone: str = ""
    # a zone per folder (File → Clock Zone of the Photos…, as `locate --clock-zone FOLDER=ZONE`): {absolute
    # folder: zone text}, for a second drone whose clock was set to another zone; the most specific folder wins
    clock_zones: dict = field(default_factory=dict)
    # how often a video is sampled (File → Video Frames…; `locate --every`): seconds, or None for automatic
    # from each video's length (core.media.video.auto_every_s: at most 300 frames a video)
    video_every_s: float | None = None
    # the file's format: 2 since the matcher's default became "auto" (session 12). Files of version 1
    # saved every field, so their "sift" was the old default, not necessarily a choice (load()).
    version: int = 2

    @classmethod
    def load(cls, path: Path | None = None) -> AppSettings:
        path = path or default_settings_path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:  # a broken file must not stop the app from starting
            # an OSError in words (its errno's strerror), not "[Errno 20] Not a directory: '<the path again>'"
            why = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
            log.warning("%s: unreadable settings (%s); using defaults", path, why)
            return cls()
        if not isinstance(raw, dict):
            log.warning("%s: settings are not a JSON object; using defaults", path)
            return cls()
        defaults = cls()
        kept = {}
        if raw.get("matcher") == "sift" and not (isinstance(raw.get("version"), int) and raw["version"] >= 2):
            # a version-1 file saved the old default with everything else: it moves to the new default
            # ("auto" keeps SIFT on sharp tiles and picks the coarse route on coarse ones)
            log.info("%s: matcher 'sift' was the default before version 2 of the settings; now 'auto'", path)
            raw = {k: v for k, v in raw.items() if k != "matcher"}
        for f in fields(cls):
            if f.name == "version":  # what load() returns is always the current format
                continue  # a value of the wrong type is dropped (with a warning), not kept to break the app
            if f.name in raw:
                value, default = raw[f.name], getattr(defaults, f.name)
                if _fits(value, default, f.name):
                    kept[f.name] = value
                else:
                    log.warning("%s: ignored %s=%r (not a valid value)", path, f.name, value)
        return cls(**kept)

    def reset_backbone(self) -> None:
        """Back to the default model (a chosen one failed to load: it must not break the next start)."""
        self.backbone, self.weights, self.device = "auto", None, "auto"

    def save(self, path: Path | None = None) -> None:
        """Write the settings as JSON, atomically (core.outputs.write_atomic). Raises OutputError
        (an OSError) naming the file when it cannot be written."""
        from ..core.outputs import write_atomic

        text = json.dumps(asdict(self), indent=2) + "\n"
        write_atomic(path or default_settings_path(), lambda tmp: Path(tmp).write_text(text, encoding="utf-8"))
