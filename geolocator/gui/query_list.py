"""The drone images: thumbnail, name, status, confidence and error, one row each.

A list model (QAbstractTableModel) behind a QTreeView, not one widget item per photo: with 10,000
photos the item widget spent seconds on the UI thread creating items, decoding every thumbnail and
re-measuring auto-sized columns (training/results/bench_gui_scale.md). Here a row is a few Python
values; the view asks only for the rows it paints, and a thumbnail is decoded when its row is first
painted (kept in a bounded cache).
"""

from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QBuffer, QByteArray, QIODevice, QModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QStyledItemDelegate, QStyleOptionViewItem, QTreeView,
                               QWidget)

from ..core.export import compared_error, format_confidence
from ..core.geo import format_distance, haversine_m
from ..core.levels import FRAME_LEVEL_MEANS, LEVELS, LEVEL_MEANS, frame_level, frame_words, level_of
from ..core.model import LatLon, Prediction, Query, claims_place
from ..core.predict import answer_radius_m
from ..core.wording import confidence_means, confidence_within, shot_of

ICON_PX = 48
NAME_FITS = "DJI_0000.JPG"  # the list is never too narrow for this name beside its thumbnail
COL_NAME, COL_STATUS, COL_CONF, COL_ERROR = range(4)
HEADERS = ("Drone image", "Status", "Conf.", "Error")
ICON_CACHE = 512  # decoded thumbnails kept (a screenful is ~20): memory stays flat at any photo count
GREEN, RED, GREY = QColor("#1a9850"), QColor("#d73027"), QColor("#888888")


def pixmap_from_jpeg(data: bytes, max_px: int | None = None) -> QPixmap:
    """Decode a thumbnail; with `max_px` libjpeg decodes at a reduced scale (a fraction of the cost,
    which matters when a hundred rows arrive at once on the UI thread)."""
    if max_px is None:
        return QPixmap.fromImage(QImage.fromData(data))
    buf = QBuffer()
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buf)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > max_px:
        reader.setScaledSize(size.scaled(max_px, max_px, Qt.AspectRatioMode.KeepAspectRatio))
    return QPixmap.fromImage(reader.read())


@dataclass
class _Row:
    """One photo's state; its cells are worked out when the row is first painted (10,000 rows
    arrive at once, a screenful is shown)."""

    id: str
    status: str = "waiting"
    pred: Prediction | None = None
    failed: str | None = None  # why the photo could not be read
    thumb: bytes | None = None
    track_status: str | None = None  # a flight's frame: its status on the track (core/sequence.py)
    track_error: tuple | None = None  # a flight's frame: (error m, error_kind) at its track position
    track_confidence: float | None = None  # a flight's frame: the confidence of its track position
    track_shot: tuple[int, int] | None = None  # a frame of an edited video: (shot, shots), sequence.frame_shots
    _cells: tuple | None = None  # (texts, status tip, status colour, error colour, error tip), None = stale

    def cells(self) -> tuple:
        if self._cells is None:
            texts = [self.name(), self.status, "", ""]
            tip, status_colour, error_colour, error_tip = "", None, None, ""
            pred = self.pred
            if self.failed is not None:
                tip, status_colour = self.failed, RED
            elif pred is not None:
                tip = pred.note or ""
                if self.track_status:  # shown as the map places and labels the frame, and how the track placed it
                    conf = pred.confidence if self.track_confidence is None else self.track_confidence
                    # frame_words starts with the level (the cell's text): the tooltip says it once
                    tip = (f"{frame_words(self.track_status, conf)}; "
                           f"the frame on its own: {level_of(pred)}" + (f" ({tip})" if tip else ""))
                else:  # what its level means (core/levels.py), or why it is not located
                    tip = tip or LEVEL_MEANS.get(self.status, "")
                    if pred.caution:  # why this answer is a guess (a low-texture photo nothing verified)
                        tip = f"{tip}; {pred.caution}" if tip else pred.caution
                # a flight's frame: its track position's, as the exports (an interpolated frame is not 0)
                conf = pred.confidence if self.track_confidence is None else self.track_confidence
                texts[COL_CONF] = format_confidence(conf)  # never "1.00" for 0.997
                # like with like, as the exports: the camera against a recorded camera position (EXIF
                # GPS, telemetry) when PnP knows it, else the exported Point (the image centre)
                # a flight's frame: at its place on the track, as the map and the files put it
                error, kind = self.track_error if self.track_error is not None else compared_error(pred)
                texts[COL_ERROR] = format_distance(error) if error is not None else ""  # "0.10 m", "2,259 km"
                error_tip = {"camera": "the estimated camera position against the recorded one",
                             "centre": "the image centre's ground point against the truth"}.get(kind or "", "")
                if pred.query.truth is not None:
                    # Green when the answer is right at tile level: the top tile holds the truth, or the
                    # refined point is closer to it than the tile's half-diagonal (a verified neighbour).
                    b = pred.top.tile.bounds
                    half_diagonal = haversine_m(LatLon(b.south, b.west), LatLon(b.north, b.east)) / 2
                    placed = error if self.track_error is not None else pred.error_m  # the track's Point for a frame
                    hit = b.contains(pred.query.truth) or (placed is not None and placed <= half_diagonal)
                    error_colour = GREEN if hit else RED
                # grey: nothing to locate in the frame (the map draws it grey too); its Point is only the
                # candidates' middle, a claim of nothing, so its error is neither right nor wrong
                status_colour = GREY if self.status == "not located" else None
                if self.status == "not located" and not self.track_status:
                    error_colour = GREY
                    error_tip = ("not located: no claim is made, this is the distance of the candidates' middle"
                                 + (f" ({error_tip})" if error_tip else ""))
            self._cells = (texts, tip, status_colour, error_colour, error_tip)
        return self._cells

    def name(self) -> str:
        """The Drone image cell: the file's name; a frame of an edited video also its shot,
        "clip.mp4#t=4 (shot 2 of 5)" (wording.shot_of, as every output)."""
        name = Path(self.id).name or self.id
        return name if self.track_shot is None else f"{name} ({shot_of(*self.track_shot)})"

    def confidence_tip(self) -> str | None:
        """The Conf. cell's tooltip: what the figure is sure of, 'confidence 0.997 that it is within
        35 m of where it was taken' (predict.answer_radius_m: half its tile's diagonal, the rule every
        confidence was measured by); None before an answer."""
        pred = self.pred
        if pred is None or self.failed is not None:
            return None
        conf = pred.confidence if self.track_confidence is None else self.track_confidence
        if not claims_place(self.track_status or pred.status):  # no place claimed: no radius around one
            return f"confidence {format_confidence(conf)}: not located, no place is claimed"
        return f"confidence {confidence_within(format_confidence(conf), answer_radius_m(pred))} of where it was taken"

    def text(self, column: int) -> str:  # the QTreeWidgetItem-era accessor the tests read
        return self.cells()[0][column]

    def toolTip(self, column: int) -> str:  # noqa: N802 - QTreeWidgetItem's name
        return self.cells()[4] if column == COL_ERROR else ""

    def statusTip(self, column: int) -> str:  # noqa: N802 - QTreeWidgetItem's name
        return self.cells()[1] if column == COL_STATUS else ""

    def foreground(self, column: int) -> QBrush:  # QTreeWidgetItem's accessor, for the tests
        _, _, status_colour, error_colour, _ = self.cells()
        colour = status_colour if column == COL_STATUS else error_colour if column == COL_ERROR else None
        return QBrush(colour) if colour is not None else QBrush()


class QueryModel(QAbstractTableModel):
    """Rows keyed by Query.id, in the order they were added. Names are plain text (never rich
    text), so a file named like HTML shows as its name."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[_Row] = []
        self.index_of: dict[str, int] = {}
        self._icons: OrderedDict[int, QIcon] = OrderedDict()
        self.icon_px = ICON_PX
        self.pixel_ratio = 1.0
        self._dirty: list[int] | None = None  # rows changed inside `deferred()`, signalled at its end

    # -- Qt model interface ----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole and section == COL_CONF:
            means = confidence_means()  # what "0.9" is sure of
            return means[0].upper() + means[1:]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return row.cells()[0][col]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.DecorationRole and col == COL_NAME:
            return self._icon(index.row())
        if role == Qt.ItemDataRole.ForegroundRole:
            brush = row.foreground(col)
            return brush if brush.style() != Qt.BrushStyle.NoBrush else None
        if role == Qt.ItemDataRole.StatusTipRole and col == COL_STATUS:
            return row.cells()[1]
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_STATUS:
            # the level in full (a cut cell) and what it means (core/levels.py), or why it failed
            # a flight's frame: its tip starts with the level already (levels.frame_words), not said twice
            tip = row.cells()[1]
            if tip and (row.track_status and tip.startswith(row.status)):
                return tip
            return (f"{row.status}: {tip}" if tip else row.status) or None
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_CONF:
            return row.confidence_tip()
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_ERROR:
            return row.cells()[4] or None
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_NAME:
            # the whole name (and folder) when the cell shows it shortened, and a frame's shot
            return row.id if row.track_shot is None else f"{row.id} ({shot_of(*row.track_shot)})"
        return None

    # -- edits -------------------------------------------------------------------------------------
    def add(self, queries: list[Query]) -> list[Query]:
        new = []
        seen = set(self.index_of)
        for q in queries:
            if q.id not in seen:
                seen.add(q.id)
                new.append(q)
        if new:
            start = len(self.rows)
            self.beginInsertRows(QModelIndex(), start, start + len(new) - 1)
            for i, q in enumerate(new):
                self.rows.append(_Row(q.id))
                self.index_of[q.id] = start + i
            self.endInsertRows()
        return new

    def remove(self, ids) -> int:
        """Drop the rows of `ids` (those listed); the others keep their order, thumbnails and answers.
        Returns how many rows went."""
        gone = set(ids) & set(self.index_of)
        if not gone:
            return 0
        self.beginResetModel()
        self.rows = [r for r in self.rows if r.id not in gone]
        self.index_of = {r.id: i for i, r in enumerate(self.rows)}
        self._icons.clear()  # keyed by row number, which moved
        self.endResetModel()
        return len(gone)

    def changed(self, row: int) -> None:
        """Row `row` changed: changed_span of that one row."""
        self.changed_span(row, row)

    def changed_span(self, first: int, last: int) -> None:
        """Rows first..last changed (inclusive): one dataChanged (or, inside `deferred()`, at its end)."""
        if self._dirty is not None:
            self._dirty += (first, last)
        else:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(HEADERS) - 1))

    @contextmanager
    def deferred(self):
        """Many row edits, one dataChanged signal (over the span of the changed rows) at the end."""
        if self._dirty is not None:  # nested: the outer block signals
            yield
            return
        self._dirty = []
        try:
            yield
        finally:
            dirty, self._dirty = self._dirty, None
            if dirty:
                self.dataChanged.emit(self.index(min(dirty), 0), self.index(max(dirty), len(HEADERS) - 1))

    def set_thumb(self, row: int, data: bytes) -> None:
        self.rows[row].thumb = data
        self._icons.pop(row, None)
        self.changed(row)

    def _icon(self, row: int) -> QIcon | None:
        icon = self._icons.get(row)
        if icon is not None:
            self._icons.move_to_end(row)
            return icon
        data = self.rows[row].thumb
        if data is None:
            return None
        ratio = max(1.0, float(round(self.pixel_ratio)))
        pm = pixmap_from_jpeg(data, int(self.icon_px * ratio))
        if pm.isNull():
            return None
        pm.setDevicePixelRatio(ratio)
        icon = self._icons[row] = QIcon(pm)
        while len(self._icons) > ICON_CACHE:
            self._icons.popitem(last=False)
        return icon


class _WrappedText(QStyledItemDelegate):
    """A cell whose text wraps at its spaces (the Status column's levels, core/levels.py), in rows
    high enough for the longest level wrapped at the column's width: before the thumbnails arrive
    (rows one line high: the list has uniform row heights, from its first row) "verified but not
    confident" was cut to "verified but …" (session 26); now such rows are two lines high from the
    start (a thumbnail, ICON_PX, is taller still)."""

    WORDS = (*LEVELS, *FRAME_LEVEL_MEANS)  # every level a row can read

    def initStyleOption(self, option, index) -> None:  # noqa: N802 - Qt's name
        super().initStyleOption(option, index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.WrapText

    def sizeHint(self, option, index):  # noqa: N802 - Qt's name
        hint = super().sizeHint(option, index)
        view = self.parent()
        style = view.style()
        margin = style.pixelMetric(style.PixelMetric.PM_FocusFrameHMargin, None, view) + 1  # each side (Qt's item text margin)
        width = max(1, view.header().sectionSize(index.column()) - 2 * margin)
        fm = option.fontMetrics
        tallest = max(fm.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, text).height()
                      for text in self.WORDS)
        # the hint's own margins around one line, around the tallest wrapped level instead
        hint.setHeight(max(hint.height(), tallest + hint.height() - fm.height()))
        return hint


class QueryList(QTreeView):
    """The photo list. Same calls as before the list model (add_queries, set_prediction, ...), plus
    topLevelItemCount()/topLevelItem(i).text(col) for callers of the item-widget era."""

    querySelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model_ = QueryModel(self)
        self.setModel(self.model_)
        self.setAccessibleName("Drone images")  # what a screen reader says on reaching the list (appwalk37)
        self.setRootIsDecorated(False)
        self.setItemsExpandable(False)
        self.setUniformRowHeights(True)  # row heights are never measured one by one
        self.setAlternatingRowColors(True)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        # several rows at once (Shift/Ctrl+click, Shift+arrows) for Remove Selected Photos (appwalk37); the
        # current row is still the one photo shown
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # shorten names at their start: what tells photos apart is at their end, a video's frame time
        # ("DJI_0042.MP4#t=10", which the default right elision cut off on every row) or a camera's
        # counter ("Gelände Süd q_0001.jpg": the middle elision showed "Geländ…01.jpg", session 29);
        # the whole name is the row's tooltip and the Results pane's title
        self.setTextElideMode(Qt.TextElideMode.ElideLeft)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        # Fixed widths from the longest text each column can hold: auto-sizing re-measures rows on
        # every change (quadratic, ~0.5 s for 100 rows with the item widget).
        fm = self.fontMetrics()
        pad = 2 * self.style().pixelMetric(self.style().PixelMetric.PM_FocusFrameHMargin) + 10
        # the Status column wraps at spaces (a row is an icon high: three lines fit), so it is as wide
        # as its longest word: "verified but not confident" on one line took 76 px from the map at
        # 1440 x 900 (core/levels.py's words, session 26)
        self.setItemDelegateForColumn(COL_STATUS, _WrappedText(self))
        for col, widest in ((COL_STATUS, [*(w for level in (*LEVELS, *FRAME_LEVEL_MEANS) for w in level.split()),
                                         "unreadable", "queued", "Status"]),
                            (COL_CONF, ["0.999", "Conf."]), (COL_ERROR, ["20,000 km", "0.00 m", "Error"])):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(col, max(fm.horizontalAdvance(t) for t in widest) + pad)
        # Never so narrow that a thumbnail and a camera's file name cannot sit beside those columns: a
        # splitter state saved by an older version (a 300 px list) cut every name to "q_…" / "DJI_0…".
        # Below its full width (a laptop's window, where the map gets the room: pane_widths.py) the list
        # hides its Error, then its Conf. column (both are in the Results pane and the Status tooltip);
        # the thumbnail, the name and the status always show.
        self._name_px = ICON_PX + fm.horizontalAdvance(NAME_FITS) + pad + 4  # icon spacing, item margins
        self._edge_px = self.style().pixelMetric(self.style().PixelMetric.PM_ScrollBarExtent) + 2 * self.frameWidth()
        self.setMinimumWidth(self._name_px + header.sectionSize(COL_STATUS) + self._edge_px)
        self._hidden_px: dict[int, int] = {}  # a hidden column's width, for when it shows again
        self.selectionModel().currentRowChanged.connect(self._on_current)

    def full_width(self) -> int:
        """Width in px at which every column shows: the thumbnail and NAME_FITS, Status, Conf. and Error
        (376 px in DejaVu Sans 9). minimumWidth() is this less the Conf. and Error columns."""
        return self.minimumWidth() + self._column_px(COL_CONF) + self._column_px(COL_ERROR)

    def _column_px(self, col: int) -> int:
        if self.isColumnHidden(col):
            return self._hidden_px.get(col, 0)
        return self.header().sectionSize(col)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Show Conf. and Error only where they fit beside the name's least width (resizeEvent)."""
        room = self.width() - self.minimumWidth()  # what the Status column and the name leave
        conf, error = self._column_px(COL_CONF), self._column_px(COL_ERROR)
        for col, px, show in ((COL_CONF, conf, room >= conf), (COL_ERROR, error, room >= conf + error)):
            if show == self.isColumnHidden(col):
                if not show:
                    self._hidden_px[col] = px
                self.setColumnHidden(col, not show)
                if show:
                    self.header().resizeSection(col, px)

    # -- the item-widget era's accessors (tests and older callers) --------------------------------
    def topLevelItemCount(self) -> int:  # noqa: N802 - QTreeWidget's name
        return len(self.model_.rows)

    def topLevelItem(self, i: int) -> _Row:  # noqa: N802 - QTreeWidget's name
        return self.model_.rows[i]

    @contextmanager
    def bulk(self):
        """Many row updates at once: one repaint signal at the end."""
        with self.model_.deferred():
            yield

    def add_queries(self, queries: list[Query]) -> list[Query]:
        """Add rows for queries not listed yet; returns the new ones."""
        return self.model_.add(list(queries))

    def remove_queries(self, ids) -> int:
        """Remove the rows of these query ids; returns how many were listed."""
        return self.model_.remove(ids)

    def _row(self, query_id: str) -> int | None:
        return self.model_.index_of.get(query_id)

    def set_thumbnail(self, query_id: str, data: bytes) -> None:
        row = self._row(query_id)
        if row is not None:
            self.model_.pixel_ratio = self.devicePixelRatioF()
            self.model_.set_thumb(row, data)  # decoded when the row is painted

    def set_prediction(self, pred: Prediction, track_status: str | None = None,
                       track_error: tuple | None = None, track_confidence: float | None = None,
                       track_shot: tuple[int, int] | None = None) -> None:
        """`track_status`: a flight's frame's status on the track (core/sequence.py STATUSES), shown
        instead of the single-photo one, as the map places and labels the frame; `track_error`: its
        (error in metres, error_kind) there (export_track.frame_errors), shown instead of its own;
        `track_confidence`: that position's confidence (sequence.TrackPoint.confidence), likewise;
        `track_shot`: (shot, shots) of a frame of an edited video (sequence.frame_shots), said after
        its name."""
        self.set_predictions([pred], {pred.query.id: track_status}, {pred.query.id: track_error},
                             {pred.query.id: track_confidence}, {pred.query.id: track_shot})

    def set_predictions(self, preds, track_status: dict | None = None, track_error: dict | None = None,
                        track_confidence: dict | None = None, track_shot: dict | None = None) -> None:
        """set_prediction for every prediction of a job's results at once, the track's figures read from
        the dicts keyed by query id (jobs.Results' track_status, track_error, track_confidence,
        track_shot; a photo missing from one: None): one pass, one dataChanged over the rows changed (a
        flight of 2,000 frames: no signal, repaint or lookup per row). Photos not listed are skipped."""
        track_status, track_error = track_status or {}, track_error or {}
        track_confidence, track_shot = track_confidence or {}, track_shot or {}
        rows, index_of = self.model_.rows, self.model_.index_of
        first = last = None
        for pred in preds:
            qid = pred.query.id
            row = index_of.get(qid)
            if row is None:
                continue
            r = rows[row]
            status, conf = track_status.get(qid), track_confidence.get(qid)
            r.pred, r.failed, r._cells, r.track_status, r.track_error = pred, None, None, status, track_error.get(qid)
            r.track_confidence, r.track_shot = conf, track_shot.get(qid)
            # its level (core/levels.py: confident / verified but not confident / weak match / tile level
            # only / not located), the words of the CLI, the map and the KML pins; a flight's frame: a
            # matched or corrected one by its track confidence likewise, one the track placed by the
            # track's word ("weak track" below 0.5), its "retrieved" as "tile level only" (levels.frame_level)
            r.status = (frame_level(status, pred.confidence if conf is None else conf) if status else level_of(pred))
            first = row if first is None or row < first else first
            last = row if last is None or row > last else last
        if first is not None:
            self.model_.changed_span(first, last)

    def set_failed(self, query_id: str, reason: str) -> None:
        row = self._row(query_id)
        if row is not None:
            r = self.model_.rows[row]
            r.status, r.pred, r.failed, r._cells = "unreadable", None, reason, None
            self.model_.changed(row)

    def set_status(self, query_id: str, status: str) -> None:
        row = self._row(query_id)
        if row is not None:
            r = self.model_.rows[row]
            r.status, r._cells = status, None
            self.model_.changed(row)

    def select(self, query_id: str) -> None:
        row = self._row(query_id)
        if row is not None and self.currentIndex().row() != row:
            index = self.model_.index(row, COL_NAME)
            self.setCurrentIndex(index)
            self.scrollTo(index)

    def selected_queries(self) -> list[str]:
        """The ids of the selected rows, in the list's order ([] when none is selected)."""
        rows = sorted({i.row() for i in self.selectionModel().selectedRows()})
        return [self.model_.rows[r].id for r in rows]

    def current_query(self) -> str | None:
        index = self.currentIndex()
        return self.model_.rows[index.row()].id if index.isValid() else None

    def _on_current(self, current: QModelIndex, _previous) -> None:
        if current.isValid():
            self.querySelected.emit(self.model_.rows[current.row()].id)
