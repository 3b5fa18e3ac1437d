"""Errors that reach the user. Each names the file (and line) and says what is wrong."""

from __future__ import annotations

from pathlib import Path

from .names import readable


class GeolocatorError(Exception):
    """Base class: a problem the user can act on; the message is shown as is."""


class InputError(GeolocatorError):
    """Bad user input: names the file, the line when there is one, and the problem."""

    def __init__(self, path: Path | str | None, problem: str, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.problem = problem
        self.line = line
        # a name that is not UTF-8 (a Latin-1 card) as names.readable writes it, "Karte M\\xe4rz.mbtiles":
        # its lone surrogate could not be printed, logged through a strict stream or shown by Qt
        where = readable(str(self.path)) if self.path is not None else "input"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {problem}")


class CrsMissing(InputError):
    """Imagery without the coordinate system (CRS) its positions are in, which the user must give:
    the CLI's --epsg (named in the message, `problem`), the app's Coordinate system box (the app
    words it for its box: gui.warnings_log.app_error_wording). `what`: what lacks it, in words ("the
    GeoTIFF", "the images with world files", "the image with a world file", "the TIFF"); `placeable`:
    False when a CRS alone would not place it (a plain TIFF: no geotransform either)."""

    def __init__(self, path: Path | str | None, problem: str, *, what: str, placeable: bool = True):
        super().__init__(path, problem)
        self.what = what
        self.placeable = placeable


class SettingError(GeolocatorError, ValueError):
    """An environment variable (GEOLOCATOR_…) whose value the program cannot use: the message names the
    variable, its value and what it takes. A ValueError too, as it was before it was one of these (docs37)."""


class WeightsNotFound(GeolocatorError):
    """A backbone's weights are not on this machine; the message says where we looked."""


class AdapterMismatch(GeolocatorError):
    """An adapter file does not fit the backbone/features it is being used with."""


class Cancelled(GeolocatorError):
    """Raised between steps when the user cancelled long work."""
