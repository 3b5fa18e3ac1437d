"""Errors that reach the user. Each names the file (and line) and says what is wrong."""

from __future__ import annotations

from pathlib import Path


class GeolocatorError(Exception):
    """Base class: a problem the user can act on; the message is shown as is."""


class InputError(GeolocatorError):
    """Bad user input: names the file, the line when there is one, and the problem."""

    def __init__(self, path: Path | str | None, problem: str, line: int | None = None):
        self.path = Path(path) if path is not None else None
        self.problem = problem
        self.line = line
        where = str(self.path) if self.path is not None else "input"
        if line is not None:
            where += f", line {line}"
        super().__init__(f"{where}: {problem}")


class WeightsNotFound(GeolocatorError):
    """A backbone's weights are not on this machine; the message says where we looked."""


class AdapterMismatch(GeolocatorError):
    """An adapter file does not fit the backbone/features it is being used with."""


class Cancelled(GeolocatorError):
    """Raised between steps when the user cancelled long work."""
