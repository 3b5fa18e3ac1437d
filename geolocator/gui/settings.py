"""User settings persisted as JSON in the platform's config folder (platformdirs). Window geometry
and recent tile sets live in QSettings instead (see main_window.py): they are Qt state."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import platformdirs

log = logging.getLogger("geolocator.gui")


def default_settings_path() -> Path:
    return Path(platformdirs.user_config_dir("geolocator")) / "settings.json"


@dataclass
class AppSettings:
    backbone: str = "auto"
    weights: str | None = None  # a weights file the user chose
    device: str = "auto"
    top_k: int = 5
    matcher: str = "sift"  # local-feature backend of verification (core/matchers)
    adapt_mode: str = "best"
    adapt_steps: int | None = None  # None: the adaptation's own default
    online_basemap: bool = False  # off: the map never leaves the machine
    demo_shown: bool = False  # the first launch opens the demo region once

    @classmethod
    def load(cls, path: Path | None = None) -> AppSettings:
        path = path or default_settings_path()
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:  # a broken file must not stop the app from starting
            log.warning("%s: unreadable settings (%s); using defaults", path, exc)
            return cls()
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known}) if isinstance(raw, dict) else cls()

    def save(self, path: Path | None = None) -> None:
        path = path or default_settings_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
