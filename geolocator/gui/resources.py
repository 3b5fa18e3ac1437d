"""Where the bundled resources (the demo region) are, in a checkout and in a frozen build."""

from __future__ import annotations

import sys
from pathlib import Path

import geolocator


def resources_dir() -> Path:
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if frozen:
        return Path(frozen) / "resources"
    return Path(geolocator.__file__).resolve().parent.parent / "resources"


def demo_dir() -> Path:
    return resources_dir() / "demo"
