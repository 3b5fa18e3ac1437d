"""The map: a QWebEngineView on an off-the-record profile that may only read local files.

A request interceptor blocks (and logs) anything that is not file:, data:, qrc:, blob: or about:,
so the page cannot leak where the user's images are. Marker clicks come back through console
messages that the page logs with a fixed prefix; selecting from the app calls the page's JS.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineSettings,
    QWebEngineUrlRequestInfo,
    QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QLabel, QWidget

log = logging.getLogger("geolocator.gui")

SELECT_PREFIX = "geolocator:select:"  # the same prefix core/webmap.py's page logs
AREA_PREFIX = "geolocator:area:"  # a rectangle drawn on the page (core/webmap.py's AREA_PREFIX): "W,S,E,N"
LOCAL_SCHEMES = frozenset({"file", "data", "qrc", "blob", "about"})


class LocalOnlyInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks every request that would leave the machine; `allowed_hosts` opens a door on purpose
    (the optional online basemap)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lock = threading.Lock()
        self.blocked: list[str] = []  # rare: every one is kept (and logged)
        # every map load asks for scripts, the basemap and a thumbnail per photo: keep the latest only
        self.allowed: deque[str] = deque(maxlen=2000)
        self.allowed_hosts: set[str] = set()

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:  # noqa: N802 - Qt override
        url = info.requestUrl()
        scheme = url.scheme().lower()
        ok = scheme in LOCAL_SCHEMES or (scheme == "https" and url.host().lower() in self.allowed_hosts)
        with self._lock:
            (self.allowed if ok else self.blocked).append(url.toString())
        if not ok:
            log.warning("map: blocked a request to %s", url.toString())
            info.block(True)

    def external_requests(self) -> list[str]:
        with self._lock:
            return [u for u in [*self.blocked, *self.allowed] if QUrl(u).scheme().lower() not in LOCAL_SCHEMES]


class MapPage(QWebEnginePage):
    querySelected = Signal(str)
    areaDrawn = Signal(str)  # "W,S,E,N" in degrees, as the page logged it

    def javaScriptConsoleMessage(self, level, message: str, line: int, source: str) -> None:  # noqa: N802
        if message.startswith(AREA_PREFIX):
            try:
                bbox = json.loads(message[len(AREA_PREFIX):])
            except ValueError:
                return
            if isinstance(bbox, str):
                self.areaDrawn.emit(bbox)
        elif message.startswith(SELECT_PREFIX):
            try:
                query_id = json.loads(message[len(SELECT_PREFIX):])
            except ValueError:
                return
            if isinstance(query_id, str):
                self.querySelected.emit(query_id)
        elif level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            log.warning("map page: %s (%s:%d)", message, source, line)

    expected: QUrl | None = None  # the page the app asked for; nothing else may replace it

    def acceptNavigationRequest(self, url: QUrl, nav_type, is_main_frame: bool) -> bool:  # noqa: N802
        # Links (Leaflet attribution ...) and dropped files must not replace the map with another page.
        if not is_main_frame:
            return url.scheme().lower() in LOCAL_SCHEMES
        # (Plain string comparison: QUrl.adjusted() with combined flags makes PySide rebuild its type
        # mapping on first use, a 250 ms freeze of the window.)
        ok = (self.expected is not None and url.isLocalFile() and self.expected.isLocalFile()
              and url.toLocalFile() == self.expected.toLocalFile())
        if not ok:
            log.info("map: ignored navigation to %s", url.toString())
        return ok


class MapView(QWebEngineView):
    """Shows pages written by core/webmap.py. `ready` fires once a page has loaded and settled."""

    querySelected = Signal(str)
    areaDrawn = Signal(str)  # a rectangle drawn on the map: "W,S,E,N" (degrees)
    ready = Signal(bool)
    # Chromium's render widget (the view's focus proxy: where the page takes the keyboard) was added;
    # Qt put it last in the window's focus chain (gui/panes.place_in_tab_order puts it in its place)
    focusWidgetAdded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Map")  # the page's own controls carry their titles (Zoom in, Draw the area …)
        self.profile = QWebEngineProfile(self)  # no storage name: off the record, nothing on disk
        self.interceptor = LocalOnlyInterceptor(self.profile)
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self._page = MapPage(self.profile, self)
        s = self._page.settings()
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, True)
        s.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        s.setAttribute(QWebEngineSettings.WebAttribute.PluginsEnabled, False)
        self.setPage(self._page)
        self._page.querySelected.connect(self.querySelected)
        self._page.areaDrawn.connect(self.areaDrawn)
        self.loadFinished.connect(self._on_loaded)
        self.loaded_path: Path | None = None
        self.is_ready = False
        self._pending_select: str | None = None
        # 240 x 160 px at least (320 x 240 until session 33): the window fits half a 1920 px screen, and
        # a 1024 x 600 netbook's height (the window asked 642 px)
        self.setMinimumSize(240, 160)
        # Before the first map the view is a blank white pane: a hint over it says how to get a map.
        self.hint = QLabel(self)
        self.hint.setObjectName("mapHint")
        self.hint.setTextFormat(Qt.TextFormat.PlainText)
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("QLabel#mapHint { color: #555; background: #f4f4f4; font-size: 13pt; padding: 24px; }")
        self.hint.hide()
        self.setAcceptDrops(False)  # files dropped on the map go to the window (drone images), not to Chromium

    def dispose(self) -> None:
        """Delete the page now, before its profile: Qt warns (and may crash at exit) otherwise."""
        import shiboken6

        if shiboken6.isValid(self._page):
            self.setPage(None)
            shiboken6.delete(self._page)

    def set_hint(self, text: str) -> None:
        """The words shown over the pane until a map is shown (core.wording.empty_map_hint)."""
        self.hint.setText(text)
        self.hint.setVisible(self.loaded_path is None and bool(text))
        self._place_hint()

    def _place_hint(self) -> None:
        self.hint.setGeometry(self.rect())
        self.hint.raise_()  # above the web view's own render widget, which Qt creates later

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self._place_hint()

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._place_hint()

    def childEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().childEvent(event)
        # Chromium's render widget arrives as a child once the view is shown, on top of the hint (a
        # 1024 x 700 window showed the blank pane again): raise the hint once the child is in.
        if event.type() == QEvent.Type.ChildAdded and getattr(self, "hint", None) is not None \
                and event.child() is not self.hint:
            QTimer.singleShot(0, self, self._place_hint)
            QTimer.singleShot(0, self, self.focusWidgetAdded.emit)

    def set_online_hosts(self, hosts: set[str]) -> None:
        self.interceptor.allowed_hosts = set(hosts)

    def show_map(self, path: Path | None) -> None:
        """Load the page at `path`. None: the page could not be written (Session.write_map warned);
        a hint covers the pane instead, so a map of earlier results is never taken for the new ones."""
        if path is None:
            from ..core.wording import MAP_NOT_DRAWN

            self.loaded_path = None
            self.set_hint(MAP_NOT_DRAWN)
            return
        self.is_ready = False
        self.loaded_path = Path(path)
        self.hint.hide()
        url = QUrl.fromLocalFile(str(Path(path).resolve()))
        self._page.expected = url
        self.load(url)

    def _on_loaded(self, ok: bool) -> None:
        if not ok:
            log.warning("map: the page %s did not load", self.loaded_path)
        # Leaflet lays the map out just after load; give it a moment before someone grabs pixels.
        # `self` as the context: Qt drops the call when the view is deleted first (a window closed
        # within those 150 ms raised "Signal source has been deleted" in the event loop).
        QTimer.singleShot(150, self, lambda: self._settled(ok))

    def _settled(self, ok: bool) -> None:
        self.is_ready = ok
        if ok and self._pending_select is not None:
            self.select_query(self._pending_select)
        self.ready.emit(ok)

    def select_query(self, query_id: str | None) -> None:
        """Highlight a query's marker and pan to it (no-op for a query without a marker)."""
        self._pending_select = query_id
        if query_id is None or not self.is_ready:
            return
        self.page().runJavaScript(f"window.geoloc && geoloc.highlight({json.dumps(query_id)}, true);")

    def run_js(self, script: str, callback) -> None:
        self.page().runJavaScript(script, 0, callback)
