"""The drone images: thumbnail, name, status, confidence and error, one row each."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QImageReader, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from ..core.export import compared_error
from ..core.geo import haversine_m
from ..core.model import LatLon, Prediction, Query

ICON_PX = 48
COL_NAME, COL_STATUS, COL_CONF, COL_ERROR = range(4)


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


class QueryList(QTreeWidget):
    """Rows keyed by Query.id. Names are plain text items (never rich text), so a file named like
    HTML shows as its name."""

    querySelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setColumnCount(4)
        self.setHeaderLabels(["Drone image", "Status", "Conf.", "Error"])
        self.setMinimumWidth(280)
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setIconSize(QSize(ICON_PX, ICON_PX))
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_NAME, QHeaderView.ResizeMode.Stretch)
        for col in (COL_STATUS, COL_CONF, COL_ERROR):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self._items: dict[str, QTreeWidgetItem] = {}
        self.currentItemChanged.connect(self._on_current)

    @contextmanager
    def bulk(self):
        """Many row updates at once: auto-sized columns re-measure every row on each change (quadratic,
        ~0.5 s for 100 rows), so size them once at the end instead."""
        header = self.header()
        self.setUpdatesEnabled(False)
        for col in (COL_STATUS, COL_CONF, COL_ERROR):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Interactive)
        try:
            yield
        finally:
            for col in (COL_STATUS, COL_CONF, COL_ERROR):
                header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
            self.setUpdatesEnabled(True)

    def add_queries(self, queries: list[Query]) -> list[Query]:
        """Add rows for queries not listed yet; returns the new ones."""
        new = []
        for q in queries:
            if q.id in self._items:
                continue
            item = QTreeWidgetItem([Path(q.id).name or q.id, "waiting", "", ""])
            item.setData(COL_NAME, Qt.ItemDataRole.UserRole, q.id)
            item.setToolTip(COL_NAME, "")  # tooltips render rich text: keep the name out of them
            self.addTopLevelItem(item)
            self._items[q.id] = item
            new.append(q)
        return new

    def set_thumbnail(self, query_id: str, data: bytes) -> None:
        item = self._items.get(query_id)
        if item is not None:
            pm = pixmap_from_jpeg(data, ICON_PX * max(1, round(self.devicePixelRatioF())))
            if not pm.isNull():
                pm.setDevicePixelRatio(max(1.0, float(round(self.devicePixelRatioF()))))
                item.setIcon(COL_NAME, QIcon(pm))

    def set_prediction(self, pred: Prediction, track_status: str | None = None) -> None:
        """`track_status`: a flight's frame's status on the track (core/sequence.py STATUSES), shown
        instead of the single-photo one, as the map places and labels the frame."""
        item = self._items.get(pred.query.id)
        if item is None:
            return
        status = track_status or pred.status  # verified / retrieved / not located (model.STATUS_*)
        item.setText(COL_STATUS, status)
        tip = pred.note or ""
        if track_status:
            tip = f"on the flight's track: {track_status}; the frame on its own: {pred.status}" + (f" ({tip})" if tip else "")
        item.setStatusTip(COL_STATUS, tip)
        item.setText(COL_CONF, f"{pred.confidence:.2f}")
        # like with like, as the exports: the camera against a recorded camera position (EXIF GPS,
        # telemetry) when PnP knows it, else the exported Point (the image centre) against the truth
        error, kind = compared_error(pred)
        item.setText(COL_ERROR, f"{error:.0f} m" if error is not None else "")
        item.setToolTip(COL_ERROR, {"camera": "the estimated camera position against the recorded one",
                                    "centre": "the image centre's ground point against the truth"}.get(kind or "", ""))
        if pred.query.truth is not None:
            # Green when the answer is right at tile level: the top tile holds the truth, or the
            # refined point is closer to it than the tile's half-diagonal (a verified neighbour).
            b = pred.top.tile.bounds
            half_diagonal = haversine_m(LatLon(b.south, b.west), LatLon(b.north, b.east)) / 2
            hit = b.contains(pred.query.truth) or (pred.error_m is not None and pred.error_m <= half_diagonal)
            item.setForeground(COL_ERROR, QBrush(QColor("#1a9850" if hit else "#d73027")))
        # grey: nothing to locate in the frame (the map draws it grey too)
        item.setForeground(COL_STATUS, QBrush(QColor("#888888")) if status == "not located" else QBrush())

    def set_failed(self, query_id: str, reason: str) -> None:
        item = self._items.get(query_id)
        if item is not None:
            item.setText(COL_STATUS, "unreadable")
            item.setText(COL_CONF, "")
            item.setText(COL_ERROR, "")
            item.setForeground(COL_STATUS, QBrush(QColor("#d73027")))
            item.setStatusTip(COL_STATUS, reason)

    def set_status(self, query_id: str, status: str) -> None:
        item = self._items.get(query_id)
        if item is not None:
            item.setText(COL_STATUS, status)

    def select(self, query_id: str) -> None:
        item = self._items.get(query_id)
        if item is not None and self.currentItem() is not item:
            self.setCurrentItem(item)
            self.scrollToItem(item)

    def _on_current(self, current: QTreeWidgetItem | None, _previous) -> None:
        if current is not None:
            self.querySelected.emit(current.data(COL_NAME, Qt.ItemDataRole.UserRole))
