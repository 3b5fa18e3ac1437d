"""The Tile table box: which tile table of a GeoPackage holding several to open (session 37, window37).

Before, File → Open Tile Set… and a drop opened a GeoPackage at its first tile table by name, the warnings
log saying that the others could be read only as GDAL names them (GPKG:FILE.gpkg:TABLE) on the command
line; the app had no way to choose. Now the box lists the tables (core.sources.gpkg.tile_tables) and the
one chosen is opened under GDAL's name (gpkg.connection), which Recent Tile Sets keeps."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QWidget

from ..core.errors import GeolocatorError


def ask_tile_table(parent: QWidget | None, path: Path) -> tuple[bool, str | None]:
    """(accepted, the table chosen) for the GeoPackage at `path`; (True, None) without a question where it
    holds one tile table, or cannot be read (opening it then says why); (False, None) when cancelled.
    Reads gpkg_contents on the calling thread: one small query, as the Zoom level box's reading does."""
    from ..core.sources.gpkg import tile_tables

    from . import screen_fit

    try:
        tables = tile_tables(path)
    except (GeolocatorError, OSError):
        return True, None
    if len(tables) <= 1:
        return True, None
    # the tables' names, as GDAL and the command line name them (a file's own titles for them, gpkg_contents'
    # identifiers, can be a sentence long: the closed list cut one at 14 pt on a 683 px screen)
    table, ok = screen_fit.ask_item(parent, "Tile table", f"{path.name} holds {len(tables)} tile tables "
                                    "(imagery layers). Open:", tables, 0, False)
    return (True, table) if ok else (False, None)
