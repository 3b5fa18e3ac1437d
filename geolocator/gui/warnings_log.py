"""The one place in the window where a run's warnings appear: the warnings the core logs while a job
runs (workers.JobRunner.warned: an --epsg that a GeoTIFF's own coordinate system overrides, a skipped
file, a cache that cannot be written...), which the CLI prints on stderr and an app user never saw.

A status-bar button, hidden until something is said: "⚠ 1 warning: <the latest, cut to fit>";
clicking it opens the log of this session's warnings (each with the time and the job that said it)."""

from __future__ import annotations

import logging
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QPlainTextEdit, QStyle, QToolButton, QVBoxLayout,
                               QWidget)

from ..core.wording import count

TEXT_PX = 560  # the latest warning's room in the status bar (1440 px window: beside the tile set line); the whole of it is in the log

# Where the app takes a CRS: File → Open Tile Folder asks it for images with world files
# (MainWindow.open_tileset_interactive's "Coordinate system" box); the CLI's word for it is --epsg.
CRS_BOX = "the EPSG code given in the Coordinate system box (when the folder was opened)"
# Where the app takes a z/x/y folder's row order: File → Open Tile Folder… asks it in the "Row order" box
# for a folder that does not state it (MainWindow.open_tileset_interactive); the CLI's words are --tms / --xyz.
ROW_ORDER_BOX = "open the folder again (File → Open Tile Folder…) and choose {order} in the Row order box"
_ORDER_WORDS = {"XYZ": "XYZ (rows from the north)", "TMS": "TMS (rows from the south)"}


def app_wording(record: logging.LogRecord) -> str:
    """The app's line for a warning the core logged: a CRS the user gave that was not used is worded
    for the app's Coordinate system box, not the CLI's --epsg, and an orthophoto read as one tile for
    the app's Open Tile Set…, not the CLI's --tiles/--tile-size-m (the core's record carries the facts:
    geotiff.EPSG_IGNORED, worldfile.PRJ_OVERRIDDEN, worldfile.PRJ_MISSING, worldfile.ORTHOPHOTO_AS_TILE), and a
    z/x/y folder's row order for the app's Row order box, not the CLI's --tms / --xyz (xyz.ROW_ORDER);
    every other warning as the core said it."""
    from ..core.sources.geotiff import EPSG_IGNORED
    from ..core.sources.worldfile import ORTHOPHOTO_AS_TILE, PRJ_MISSING, PRJ_OVERRIDDEN
    from ..core.sources.xyz import ROW_ORDER

    facts = getattr(record, EPSG_IGNORED, None)
    if isinstance(facts, dict):
        return (f"{facts['path']} has its own coordinate system, {facts['own']}, so {CRS_BOX}, {facts['given']}, "
                f"was not used for it: the file's own {facts['own']} is (the box is for images with world files, "
                "which have none); if the file's is wrong, write the right one into it "
                f"(gdal_edit.py -a_srs EPSG:<code> {facts['path']})")
    facts = getattr(record, PRJ_OVERRIDDEN, None)
    if isinstance(facts, dict):
        return f"{facts['path']} says {facts['own']} but {CRS_BOX} is {facts['given']}; {facts['given']} is used"
    facts = getattr(record, PRJ_MISSING, None)
    if isinstance(facts, dict):
        return (f"{facts['path']}: some images have world files but no .prj, and no EPSG code was given in the "
                "Coordinate system box (when the folder was opened); they were skipped: open the folder again "
                "and give their EPSG code")
    facts = getattr(record, ROW_ORDER, None)
    if isinstance(facts, dict):
        read_as = facts["read_as"]
        other = "TMS" if read_as == "XYZ" else "XYZ"
        head = f"{facts['folder']}: the row order is not stated (no tilemapresource.xml or TileJSON)"
        if facts["kind"] == "guessed":
            return (f"{head}; {facts['what']} lies on the tiles only when they are read as {_ORDER_WORDS[read_as]}, so "
                    f"they are read that way. If that is wrong, {ROW_ORDER_BOX.format(order=_ORDER_WORDS[other])}")
        if facts["kind"] == "unchecked":
            return (f"{head} and cannot be checked; read as {_ORDER_WORDS[read_as]}. If photos land at the mirror-image "
                    f"latitude, {ROW_ORDER_BOX.format(order=_ORDER_WORDS[other])}")
        return (f"{facts['folder']}: {facts['stated_by']} says {facts['stated']} rows but {_ORDER_WORDS[read_as]} was "
                f"chosen in the Row order box; following the box (to follow the folder, "
                f"{ROW_ORDER_BOX.format(order='Detect')})")
    facts = getattr(record, ORTHOPHOTO_AS_TILE, None)
    if isinstance(facts, dict):
        return (f"{facts['head']} To cut it into 100 m tiles like an orthophoto, open the image itself as the "
                f"tile set (File → Open Tile Set…): {facts['path']}")
    return record.getMessage()



def app_error_wording(exc: BaseException) -> str | None:
    """The app's words for an error whose core message names a CLI flag, None for any other error.
    Get Imagery's errors (core.sources.fetch.TooManyTiles, BadBbox, AreaCrsError, NoPositions, whose
    messages name --max-tiles, --bbox and --bbox-crs): the dialog's Area and Zoom controls; ServiceLost (the CLI's "run the
    same command again") and TilesNotStored (a full disk): what is kept and how to resume from the dialog. Imagery without a coordinate system (core.errors.CrsMissing, whose message names --epsg): the
    app's Coordinate system box, which File → Open Tile Set… / Open Tile Folder… show for it."""
    from ..core.errors import CrsMissing
    from ..core.sources.fetch import AreaCrsError, BadBbox, NoPositions, ServiceLost, TilesNotStored, TooManyTiles

    # Get Imagery for This Area… (gui/imagery_dialog.py): its Area and Zoom controls, not --bbox / --max-tiles
    if isinstance(exc, ServiceLost):  # the CLI says "run the same command again": the app has no command
        kept = (f"The {exc.fetched:,} tiles fetched before it stopped are kept in {exc.out}" if exc.fetched else
                f"No tile came this time (the tiles of earlier runs stay in {exc.out})")
        return (f"{exc.service} stopped answering: {exc.symptom}. "
                f"{kept}. When it answers again, choose File → Get Imagery for This Area… with the same area and "
                f"file: only the other {exc.left:,} tiles are fetched. Open the file as it is with Open Tile Set…")
    if isinstance(exc, TilesNotStored):  # a full disk (faults36): the CLI's "write somewhere else" is its --out
        holds = (f"{exc.out} holds {exc.kept:,} of the area's {exc.total:,} tiles" if exc.kept is not None
                 else f"the tiles stored until then are kept in {exc.out}")
        return (f"{exc.where}: a fetched tile could not be stored ({exc.problem}); stopped: {holds}. Free some "
                "space, then choose File → Get Imagery for This Area… with the same area and file: only the "
                "tiles it lacks are fetched. Open the file as it is with Open Tile Set…")
    if isinstance(exc, TooManyTiles):
        return (f"the area needs {exc.count:,} tiles at zoom {exc.zoom}, more than the limit of {exc.limit:,}: "
                "choose a smaller Area or a lower Zoom")
    if isinstance(exc, BadBbox):
        return f"Box W,S,E,N {exc.text!r}: expected four numbers W,S,E,N in degrees (e.g. -115.24,36.13,-115.22,36.15)"
    if isinstance(exc, AreaCrsError):  # the Box and the coordinate system typed after its "in"
        return (str(exc).replace("(degrees need no --bbox-crs)", "(for degrees leave the box after 'in' empty)")
                .replace("--bbox-crs", "the Box's coordinate system").replace("--bbox ", "Box "))
    if isinstance(exc, NoPositions):
        return ("none of the loaded photos has a GPS position: choose another Area (a box W,S,E,N, the area the "
                "map shows, or a rectangle drawn on it)")
    if not isinstance(exc, CrsMissing):
        return None
    if not exc.placeable:
        return (f"{exc.path}: the TIFF has no georeference (no coordinate system and no position on the ground): "
                "a plain image. Georeference it first (e.g. gdal_translate -a_srs EPSG:32611 -a_ullr <west> <north> "
                f"<east> <south> {exc.path} out.tif, its corners in that CRS), or put a world file (.tfw) beside it "
                "and open it again: the app then asks for its coordinate system")
    plural = exc.what.startswith("the images")
    return (f"{exc.path}: {exc.what} {'have' if plural else 'has'} no coordinate system (CRS). Open "
            f"{'them' if plural else 'it'} again (File → Open Tile Set… or Open Tile Folder…) and give the EPSG "
            "code of the coordinates in the Coordinate system box (e.g. 32633 for UTM zone 33N: use your "
            f"imagery's), or put a .prj file beside {'each image' if plural else 'it'}")


class WarningsLog(QToolButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("WarningsLog")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setIcon(self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning))
        self.entries: list[tuple[str, str, str]] = []  # (time HH:MM:SS, job title, message)
        self.clicked.connect(self.show_log)
        self._dialog: QDialog | None = None
        self.hide()

    def add(self, title: str, messages: list[str]) -> None:
        """Record `messages` that the job `title` logged, and show the latest in the status bar."""
        now = datetime.now().strftime("%H:%M:%S")
        self.entries += [(now, title, m) for m in messages if m]
        if not self.entries:
            return
        latest = " ".join(self.entries[-1][2].split())  # one line in the status bar
        head = f"{count(len(self.entries), 'warning')}: "
        self.setText(head + self.fontMetrics().elidedText(latest, Qt.TextElideMode.ElideRight, TEXT_PX))
        self.setToolTip(f"{latest}\n\nClick for every warning of this session.")
        self.show()
        if self._dialog is not None and self._dialog.isVisible():
            self._fill()

    def text_of_log(self) -> str:
        """The log as its view shows it: one entry a paragraph."""
        return "\n\n".join(f"{t}  {title}:\n{message}" for t, title, message in self.entries)

    def clear(self) -> None:
        self.entries.clear()
        self.hide()
        if self._dialog is not None:
            self._dialog.close()

    def show_log(self) -> None:
        if self._dialog is None:
            self._dialog = QDialog(self.window())
            self._dialog.setWindowTitle("Warnings")
            from PySide6.QtCore import QSize

            from .screen_fit import fit_to_screen

            # 720 x 360 where the screen has room: wider than a 1366 x 768 laptop at 200 % (683 px; newuserapp36)
            fit_to_screen(self._dialog, QSize(720, 360))
            layout = QVBoxLayout(self._dialog)
            self._view = QPlainTextEdit()
            self._view.setReadOnly(True)
            layout.addWidget(self._view)
            # Clear added first: Tab follows the order buttons are added, the box puts Clear at the left
            # (Tab went Close, then back left to Clear: keys37)
            buttons = QDialogButtonBox()
            clear = buttons.addButton("Clear", QDialogButtonBox.ButtonRole.ResetRole)
            buttons.addButton(QDialogButtonBox.StandardButton.Close)
            clear.clicked.connect(self.clear)
            buttons.rejected.connect(self._dialog.close)
            layout.addWidget(buttons)
        self._fill()
        self._dialog.show()
        self._dialog.raise_()

    def _fill(self) -> None:
        self._view.setPlainText(self.text_of_log())
