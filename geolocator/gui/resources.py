"""Where the bundled resources (the demo region, the window icons) are: frozen, installed, or in a checkout."""

from __future__ import annotations

import sys
from pathlib import Path

import geolocator


def resources_dir() -> Path:
    """The folder holding ``demo/`` and ``icons/``.

    A PyInstaller build: ``sys._MEIPASS/resources`` (packaging/geolocator.spec puts them there). An installed
    wheel: the package's own ``geolocator/resources`` (package data; pyproject.toml maps the checkout's
    ``resources/`` there). A checkout (editable install, or the source on ``sys.path``): ``resources/`` beside the
    package. The package path, not ``importlib.resources``' traversable: the tile readers and Qt need real file
    paths, and a wheel is always installed unpacked. Never raises; the folder may be missing (callers say so).
    """
    frozen = getattr(sys, "_MEIPASS", None)  # PyInstaller unpacks data files here
    if frozen:
        return Path(frozen) / "resources"
    package = Path(geolocator.__file__).resolve().parent
    if (package / "resources").is_dir():
        return package / "resources"
    return package.parent / "resources"


def demo_dir() -> Path:
    """The demo region's folder (``tiles.csv``, ``tiles/``, ``queries/``, ``truth.csv``); see resources_dir()."""
    return resources_dir() / "demo"
