"""“Get Imagery for This Area…”: choose a tile service (a named provider, a URL template, or a WMTS
service: its capabilities read in a worker thread, then one of its layers), the
area (around the loaded photos' GPS, a W,S,E,N box, what the map shows, or a rectangle drawn on the
map with its ▭ button: drawing one opens this dialog with it) and the zoom (suggested from the photos),
see the tile count and size before starting, then fetch in the worker thread with the one progress
bar (ETA, Cancel). The fetched MBTiles opens as the tile set.

The widgets only gather choices; core/sources/fetch.py plans and runs the fetch, core/sources/wmts.py
reads a WMTS service and makes its layer a tile template.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import GeolocatorError
from ..core.geo import format_ground_size
from ..core.model import Bounds, LatLon
from ..core.sources import fetch as F
from ..core.sources.package import DEFAULT_TILE_GROUND_M
from .number_input import DecimalSpinBox
from . import file_dialogs
from .screen_fit import grow_to_fit, scrolled_rows

WIDTH = 720  # the dialog's width where the screen has room (logical px)
URL_CHOICE = "Tile URL template…"
WMTS_CHOICE = "WMTS service (capabilities URL or file)…"
# Imagery (not street-map) providers of xyzservices that need no API key. Their terms still apply:
# the dialog shows them before anything is fetched.
IMAGERY_PROVIDERS = ("Esri.WorldImagery", "USGS.USImagery", "GeoportailFrance.orthos", "BasemapAT.orthofoto",
                     "SwissFederalGeoportal.SWISSIMAGE", "nlmaps.luchtfoto")


def default_output(folder: Path, template: F.TileTemplate, area: Bounds, zoom: int, name: str | None = None) -> Path:
    """A file name that says what is inside: source, zoom and place. `name`: what names the source
    instead of the template's name or host (a WMTS layer's identifier, e.g. "ch.swisstopo.swissimage":
    the provider's name before it, cut at 40 characters, left the layer out)."""
    who = name or template.name or re.sub(r"^https?://([^/:]+).*$", r"\1", template.url)
    who = re.sub(r"[^A-Za-z0-9._-]+", "_", who)[:40] or "tiles"
    c = area.center
    return Path(folder) / f"{who}-z{zoom}-{c.lat:.4f}_{c.lon:.4f}.mbtiles"


class _WrappedLine(QLabel):
    """A word-wrapped label as tall as its text at the width it is given. A plain word-wrapped QLabel
    asks its layout for the height of its text wrapped at a quarter of 80 characters (Qt's guess at a
    pleasant shape when it does not know its width): a one-line status got 56 px, its line centred in
    empty bands (the "gap above the status line", sessions 27-28)."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self._laid_width = 0

    def sizeHint(self):  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        if self._laid_width > 0:
            hint.setHeight(self.heightForWidth(self._laid_width))
        return hint

    def minimumSizeHint(self):  # noqa: N802 - Qt's name: never asks more height than its text needs
        hint = super().minimumSizeHint()
        if self._laid_width > 0:
            hint.setHeight(min(hint.height(), self.heightForWidth(self._laid_width)))
        return hint

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.updateGeometry()

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name: its height follows its new width
        super().resizeEvent(event)
        if event.size().width() != self._laid_width:
            self._laid_width = event.size().width()
            self.updateGeometry()


class ImageryDialog(QDialog):
    """Collects a FetchPlan; `plan` is set when the user presses Fetch."""

    def __init__(self, parent: QWidget | None = None, *, photos: Sequence[LatLon] = (), out_folder: Path,
                 area: Bounds | None = None, view: Bounds | None = None, drawn: Bounds | None = None,
                 footprint_m: float | None = None, max_tiles: int = F.DEFAULT_MAX_TILES) -> None:
        super().__init__(parent)
        self.setWindowTitle("Get Imagery for This Area")
        self.photos = list(photos)
        self.view = view  # what the map shows now: pan and zoom it to the area, then pick this
        self.drawn = drawn  # a rectangle drawn on the map (its ▭ button)
        self.out_folder = Path(out_folder)
        self.max_tiles = max_tiles
        self.plan: F.FetchPlan | None = None
        self._out_edited = False
        self._footprint_m = footprint_m  # a national grid's level is chosen by it (WmtsLayer.suggest_zoom)

        self.source = QComboBox()
        self.source.addItem(URL_CHOICE)
        self.source.addItem(WMTS_CHOICE)
        for name in IMAGERY_PROVIDERS:
            self.source.addItem(name)
        self.url = QLineEdit()
        self.url.setPlaceholderText("https://tiles.example.org/{z}/{x}/{y}.jpg  ({-y} TMS, {s} subdomain, {q} quadkey)")
        # a WMTS service: its capabilities (URL or saved file) read off the GUI thread, then a layer
        self.caps = QLineEdit()
        self.caps.setPlaceholderText("https://…/WMTSCapabilities.xml, a service URL, or a saved capabilities file")
        self.caps_file = QPushButton("File…")
        self.caps_file.setAutoDefault(False)
        self.caps_file.clicked.connect(self._pick_capabilities)
        self.read_caps = QPushButton("Read")
        self.read_caps.setAutoDefault(False)
        self.read_caps.clicked.connect(self.read_capabilities)
        self.caps.returnPressed.connect(self.read_capabilities)
        self.caps.textEdited.connect(self._forget_service)
        self.layer = QComboBox()
        # a national service lists hundreds of layers: a word narrows the list (identifier or title,
        # case ignored: wmts.layers_matching, as fetch-tiles --list-layers --layer WORD)
        self.layer_filter = QLineEdit()
        self.layer_filter.setPlaceholderText("filter: type a word")
        self.layer_filter.setClearButtonEnabled(True)
        self.layer_filter.setToolTip("Only the layers whose identifier or title holds this word (case ignored)")
        self.layer_filter.textChanged.connect(self._filter_layers)
        self.style = QComboBox()
        self.matrix_set = QComboBox()
        self.wmts_status = _WrappedLine()
        self.wmts_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.service = None  # core.sources.wmts.WmtsService once read
        self._wmts_layer = None  # (layer, style, set) -> WmtsLayer of the current choice
        self._reader = None  # a JobRunner of this dialog's own: reading never waits behind the app's jobs
        self._read_job = None  # the read whose answer is awaited (an older one's is dropped)
        self._closed = False
        self._last_source = URL_CHOICE
        self._service_text = ""  # what the status line says of the service read (the filter's count added)
        self._url_attribution = ""
        self.finished.connect(self._retire_reader)
        self.attribution = QLineEdit()
        self.attribution.setPlaceholderText("credit line the imagery's licence asks for")
        self.terms = _WrappedLine()

        self.around = QRadioButton(f"Around the loaded photos ({len(self.photos)} with GPS)")
        self.box = QRadioButton("Box W,S,E,N")
        self.map_view = QRadioButton("The area the map shows now" + ("" if view else " (no map yet)"))
        self.map_view.setEnabled(view is not None)
        # short enough for a 683 px screen at 14 pt (a 1366 x 768 one at 200 %): the rectangle's W,S,E,N (57
        # characters, 750 px at 14 pt) is its tooltip, its size on the ground the text
        self.drawn_area = QRadioButton("The rectangle drawn on the map" + (
            f" ({format_ground_size(drawn)})" if drawn else " (none: draw one with its \u25ad)"))
        self.drawn_area.setToolTip(f"W,S,E,N {drawn.west:.5f},{drawn.south:.5f},{drawn.east:.5f},{drawn.north:.5f}"
                                   if drawn else "Draw a rectangle with the map's \u25ad button: this dialog then "
                                   "opens with it chosen")
        self.drawn_area.setEnabled(drawn is not None)
        group = QButtonGroup(self)
        group.addButton(self.around)
        group.addButton(self.box)
        group.addButton(self.map_view)
        group.addButton(self.drawn_area)
        # number_input: "0.5" and "0,5" alike on any locale (a de_DE box read "0.5" as 5 m); written
        # "250 m margin", not "250.0 m margin"
        self.margin = DecimalSpinBox(trim_zeros=True)
        self.margin.setRange(0, 50_000)
        self.margin.setDecimals(1)
        self.margin.setValue(F.DEFAULT_MARGIN_M)
        self.margin.setSuffix(" m margin")
        self.bbox = QLineEdit()
        # the box's coordinate system (fetch-tiles --bbox-crs): a Dutch/Swiss/French mapper has RD, LV95 or
        # Lambert-93 metres, not degrees; empty = degrees
        self.bbox_crs = QLineEdit()
        self.bbox_crs.setPlaceholderText("degrees")
        self.bbox_crs.setMaximumWidth(130)
        self.bbox_crs.setToolTip("The coordinate system of the box: empty for degrees (W,S,E,N), or an EPSG code "
                                 "such as EPSG:28992 (RD New), EPSG:2056 (LV95), EPSG:2154 (Lambert-93): the "
                                 "box is then min x, min y, max x, max y in its metres (easting first)")
        if area is not None:
            self.bbox.setText(f"{area.west:.6f},{area.south:.6f},{area.east:.6f},{area.north:.6f}")
        (self.drawn_area if drawn is not None else self.around if self.photos else self.box).setChecked(True)
        self.around.setEnabled(bool(self.photos))

        self.zoom = QSpinBox()
        self.zoom.setRange(0, 22)
        self.out = QLineEdit()
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        # fetch-tiles --verify: a re-run checks each stored tile's end; this decodes every one (finds
        # damage inside a tile whose end is whole; about 60 CPU s per 40,000 PNG tiles)
        self.check_stored = QCheckBox("Check every stored tile (decodes each; slower)")
        self.check_stored.setToolTip("The file exists: tiles already in it are not fetched again. Ticked, each one "
                                     "is decoded first and a damaged one is fetched again; unticked, only tiles "
                                     "cut short are found.")
        # fetch-tiles --retry-missing: tiles the server answered 404 in an earlier fetch are asked again
        # once that 404 is a day old; ticked, at once (a flaky server's one 404: session 35)
        self.retry_missing = QCheckBox("Ask again for tiles the server said it did not have (404)")
        self.retry_missing.setToolTip("The file exists: tiles the server answered \"not found\" in an earlier fetch "
                                      "are asked for again once a day has passed. Ticked, they are asked for now.")
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)

        form = QFormLayout()
        # a row whose field has no room beside its label goes under it (a narrow screen, a large font);
        # where there is room the rows look as before
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.addRow("Imagery from", self.source)
        form.addRow("URL template", self.url)
        caps_row = QHBoxLayout()
        caps_row.addWidget(self.caps, 1)
        caps_row.addWidget(self.caps_file)
        caps_row.addWidget(self.read_caps)
        form.addRow("WMTS capabilities", caps_row)
        form.addRow("", self.wmts_status)
        # the list and its filter on rows of their own, each the form's whole width: beside the list the
        # filter had a third of the row (~190 px at 720) and a long identifier showed only its end
        form.addRow("Layer", self.layer)
        form.addRow("", self.layer_filter)
        choice_row = QHBoxLayout()
        choice_row.addWidget(QLabel("Style"))
        choice_row.addWidget(self.style, 1)
        choice_row.addWidget(QLabel("Tile matrix set"))
        choice_row.addWidget(self.matrix_set, 1)
        form.addRow("", choice_row)
        self._wmts_rows = [caps_row, self.wmts_status, self.layer, self.layer_filter, choice_row]  # WMTS_CHOICE only
        self.form = form
        form.addRow("Attribution", self.attribution)
        form.addRow("", self.terms)
        row = QHBoxLayout()
        row.addWidget(self.around)
        row.addWidget(self.margin)
        form.addRow("Area", row)
        row = QHBoxLayout()
        row.addWidget(self.box)
        row.addWidget(self.bbox)
        row.addWidget(QLabel("in"))
        row.addWidget(self.bbox_crs)
        form.addRow("", row)
        form.addRow("", self.map_view)
        form.addRow("", self.drawn_area)
        form.addRow("Zoom", self.zoom)
        row = QHBoxLayout()
        row.addWidget(self.out, 1)
        row.addWidget(browse)
        form.addRow("Save to", row)
        form.addRow("", self.check_stored)
        form.addRow("", self.retry_missing)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.fetch_button = self.buttons.addButton("Fetch", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        body = QWidget()
        rows = QVBoxLayout(body)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addLayout(form)
        # the height the dialog keeps after a longer text (it never shrinks while one types: _grow_to_fit)
        # goes here, under the rows, not into them (it made a gap around the WMTS status line)
        rows.addStretch(1)

        area0 = self._area_or_none()
        # suggested: tiles the size of the photos' footprint (their metadata), else the default size
        self.zoom.setValue(F.suggest_zoom(footprint_m or DEFAULT_TILE_GROUND_M, area0.center.lat) if area0 else 18)
        self.source.currentIndexChanged.connect(self._cap_zoom)  # before _update re-plans
        self.source.currentIndexChanged.connect(self._show_wmts_rows)
        self.layer.currentIndexChanged.connect(self._layer_chosen)
        self.style.currentIndexChanged.connect(self._set_chosen)
        self.matrix_set.currentIndexChanged.connect(self._set_chosen)
        for signal in (self.source.currentIndexChanged, self.url.textChanged, self.attribution.textChanged,
                       self.around.toggled, self.map_view.toggled, self.drawn_area.toggled, self.margin.valueChanged, self.bbox.textChanged,
                       self.bbox_crs.textChanged,
                       self.zoom.valueChanged):
            signal.connect(self._update)
        self.out.textEdited.connect(self._mark_out_edited)
        self._show_wmts_rows()
        self._update()
        # the rows scroll where the screen is shorter than they are (683 x 384 logical px: a 1366 x 768
        # laptop at 200 %); the estimate (the tile count, or why Fetch is greyed out) and the buttons
        # under them stay in sight (screen_fit). Laid out once the rows shown are known (the WMTS rows
        # hidden): as tall as they are where the screen allows
        self.rows_scroll = scrolled_rows(self, body, [self.estimate, self.buttons], WIDTH)

    # -- state -------------------------------------------------------------------------------------
    def _mark_out_edited(self, _text: str = "") -> None:
        self._out_edited = True

    def _browse(self) -> None:
        suffix = ".gpkg" if self.out.text().lower().endswith(".gpkg") else ".mbtiles"  # a national grid: .gpkg
        kind = "GeoPackage (*.gpkg)" if suffix == ".gpkg" else "MBTiles (*.mbtiles)"
        path, _ = file_dialogs.save_file(self, "Save the tiles as", self.out.text(), kind)
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.out.setText(path)
            self._out_edited = True

    def _cap_zoom(self, _index: int = 0) -> None:
        """A provider with a deepest level: the zoom comes down to it (plan_fetch would refuse more)."""
        try:
            deepest = self.template().max_zoom
        except GeolocatorError:
            return
        if deepest is not None and self.zoom.value() > int(deepest):
            self.zoom.setValue(int(deepest))

    def template(self) -> F.TileTemplate:
        name = self.source.currentText()
        if name == URL_CHOICE:
            return F.parse_template(self.url.text(), attribution=self.attribution.text().strip() or None)
        if name == WMTS_CHOICE:
            from dataclasses import replace

            return replace(self.wmts_layer().template, attribution=self.attribution.text().strip() or None)
        return F.provider_template(name)

    # -- a WMTS service ----------------------------------------------------------------------------
    def _show_wmts_rows(self, _index: int = 0) -> None:
        """The WMTS rows shown with WMTS_CHOICE only; Attribution holds each source's own credit line
        (what was typed for a URL template comes back with it; a WMTS layer's never goes with one)."""
        name = self.source.currentText()
        wmts = name == WMTS_CHOICE
        if self._last_source == URL_CHOICE:
            self._url_attribution = self.attribution.text()
        self._last_source = name
        if wmts:
            self._apply_layer()
        elif name == URL_CHOICE:
            self._show_attribution(self._url_attribution)
        for row in self._wmts_rows:
            self.form.setRowVisible(row, wmts)
        self.form.setRowVisible(self.url, not wmts)
        if wmts and self.service is None and not self.wmts_status.text():
            self.wmts_status.setText("Paste the service's GetCapabilities URL (or choose a saved capabilities file) "
                                     "and press Read.")

    def _pick_capabilities(self) -> None:
        path, _ = file_dialogs.open_file(self, "WMTS capabilities", "", "Capabilities XML (*.xml);;All files (*)")
        if path:
            self.caps.setText(path)
            self.read_capabilities()

    def _forget_service(self, _text: str = "") -> None:
        """The capabilities URL was edited: the layers listed were another service's."""
        self._read_job = None
        if self.service is not None or self.layer.count():
            self.service = None
            self._wmts_layer = None
            self._fill_layers()
        self.wmts_status.setText("Press Read to list this service's layers.")

    def read_capabilities(self) -> None:
        """Read the capabilities named in the box in this dialog's worker thread (never the GUI
        thread: a slow or unreachable host takes up to 20 s); the layer list is filled when they come."""
        from ..core.sources.wmts import open_service
        from .workers import Job, JobRunner

        text = self.caps.text().strip()
        if not text:
            self.wmts_status.setText("Paste the service's GetCapabilities URL or choose a saved capabilities file first.")
            return
        self.service = None
        self._wmts_layer = None
        self._fill_layers()
        if self._reader is None:
            self._reader = JobRunner(self)
        self._reader.cancel()  # an older read still running: its answer is dropped (see _read_job)
        self.wmts_status.setText(f"Reading the capabilities of {text} …")
        job = Job(f"Reading {text}", lambda progress, cancel: open_service(text, timeout_s=20.0),
                  None, None, None)
        job.on_done = lambda service, job=job: self._service_read(job, service)
        job.on_error = lambda exc, tb, job=job: self._service_failed(job, exc)
        self._read_job = job
        self._reader.submit(job)
        self._update()

    def _service_read(self, job, service) -> None:
        if self._closed or job is not self._read_job:
            return
        self._read_job = None
        self.service = service
        usable = sum(1 for i in service.layers if i.usable)
        what = f"{service.title}: " if service.title else ""
        if not service.layers:
            self._service_text = f"{what}the service lists no layer ({service.source})."
        elif not usable:
            self._service_text = (
                f"{what}{'its one layer cannot' if len(service.layers) == 1 else f'none of its {len(service.layers)} layers can'}"
                " be fetched: geolocator takes Web Mercator tile matrix sets (EPSG:3857 / GoogleMapsCompatible) "
                "and national grids in a coordinate system it knows, and this service offers neither (the list "
                "says why).")
        else:
            self._service_text = (f"{what}its one layer can be fetched." if len(service.layers) == 1 else
                                  (f"{what}{usable} of {len(service.layers)} layers can be fetched"
                                   + ("; the others are listed greyed out with the reason."
                                      if usable < len(service.layers) else ".")))
        self._fill_layers()

    def _service_failed(self, job, exc: BaseException) -> None:
        if self._closed or job is not self._read_job:
            return
        self._read_job = None
        text = str(exc) if isinstance(exc, GeolocatorError) else f"could not read it ({type(exc).__name__}: {exc})"
        self.wmts_status.setText(f"{text}")
        self._update()

    def _filter_layers(self, _text: str = "") -> None:
        """The filter's word changed: the list narrows to the layers holding it (the layer chosen
        stays chosen, with its style and set, while it is listed)."""
        self._fill_layers(keep=self.layer.currentData())

    def _fill_layers(self, keep: str | None = None) -> None:
        """The layer list of the service read, narrowed to those matching the filter's word
        (wmts.layers_matching): "title — identifier", those that cannot be fetched greyed out with
        the reason; `keep` (an identifier) stays chosen when listed, else the first usable one is
        chosen. The status line says how many the filter keeps."""
        from ..core.sources.wmts import layers_matching

        layers = self.service.layers if self.service is not None else ()
        word = self.layer_filter.text().strip()
        shown = layers_matching(layers, word)
        status = getattr(self, "_service_text", "") if self.service is not None else ""
        if self.service is not None and word and layers:
            status += (f" No layer's identifier or title holds {word!r}: clear the filter to list all {len(layers):,}."
                       if not shown else f" The filter {word!r} lists {len(shown):,} of them.")
        if self.service is not None:
            self.wmts_status.setText(status)
        before = self.layer.currentData()
        self.layer.blockSignals(True)
        self.layer.clear()
        first = kept = -1
        for info in shown:
            label = f"{info.title} — {info.identifier}" if info.title and info.title != info.identifier else info.identifier
            if not info.usable:
                label += f" (cannot be fetched: {info.why_not()})"
            self.layer.addItem(label, info.identifier)
            i = self.layer.count() - 1
            self.layer.setItemData(i, info.why_not() or ", ".join(s.describe() for s in info.usable_sets),
                                   Qt.ItemDataRole.ToolTipRole)
            if not info.usable:
                self.layer.model().item(i).setEnabled(False)
            else:
                first = i if first < 0 else first
                kept = i if keep is not None and info.identifier == keep else kept
        self.layer.setCurrentIndex(kept if kept >= 0 else first)
        self.layer.blockSignals(False)
        if keep is None or self.layer.currentData() != before:  # the same layer: its style and set stay
            self._layer_chosen()

    def _layer_info(self):
        ident = self.layer.currentData()
        if self.service is None or ident is None:
            return None
        return next((i for i in self.service.layers if i.identifier == ident), None)

    def _layer_chosen(self, _index: int = 0) -> None:
        """Styles and tile matrix sets of the layer chosen (a choice only when it has more than one),
        its credit line under Attribution, the zoom moved to a level it has; then re-plan."""
        info = self._layer_info()
        for box, items in ((self.style, info.styles if info else ()),
                           (self.matrix_set, [s.identifier for s in info.usable_sets] if info and info.usable else ())):
            box.blockSignals(True)
            box.clear()
            box.addItems(list(items))
            box.setEnabled(len(items) > 1)
            box.blockSignals(False)
        self.matrix_set.blockSignals(True)
        self.matrix_set.setCurrentIndex(-1)  # none yet: wmts.py chooses (the deepest set), then it is shown
        self.matrix_set.blockSignals(False)
        if info is not None and info.usable and len(info.usable_sets) > 1:  # the deepest set, as wmts.py chooses
            for i, s in enumerate(info.usable_sets):
                self.matrix_set.setItemData(i, s.describe(), Qt.ItemDataRole.ToolTipRole)
        self._set_chosen(from_layer=True)

    def _show_attribution(self, text: str | None) -> None:
        """`text` under Attribution, its beginning in view."""
        self.attribution.blockSignals(True)
        self.attribution.setText(text or "")
        self.attribution.setCursorPosition(0)
        self.attribution.blockSignals(False)

    def _set_chosen(self, _index: int = 0, from_layer: bool = False) -> None:
        self._wmts_layer = None
        if from_layer:  # the set wmts.py chooses (the deepest), shown
            try:
                chosen = self.wmts_layer().tile_matrix_set
            except GeolocatorError:
                chosen = None
            if chosen is not None:
                self.matrix_set.blockSignals(True)
                self.matrix_set.setCurrentText(chosen)
                self.matrix_set.blockSignals(False)
        self._apply_layer()
        self._update()

    def _apply_layer(self) -> None:
        """With WMTS_CHOICE only (a read that ends while another source is chosen changes none of
        its fields): the chosen layer's credit line under Attribution, the zoom moved to its levels."""
        if self.source.currentText() != WMTS_CHOICE:
            return
        try:
            w = self.wmts_layer()
        except GeolocatorError:
            self._show_attribution("")
            return
        self._show_attribution(w.template.attribution)
        area = self._area_or_none()
        if w.grid is not None and area is not None:  # a national grid's levels are its own: the one that fits
            self.zoom.blockSignals(True)
            self.zoom.setMaximum(max(22, w.zooms[-1]))  # LV95 (swisstopo) has levels 0 to 28
            self.zoom.setValue(w.suggest_zoom(self._footprint_m or DEFAULT_TILE_GROUND_M, area))
            self.zoom.blockSignals(False)
        elif self.zoom.value() not in w.zooms:
            self.zoom.blockSignals(True)
            self.zoom.setValue(w.nearest_zoom(self.zoom.value()))
            self.zoom.blockSignals(False)

    def wmts_layer(self):
        """The WmtsLayer of the layer, style and tile matrix set chosen (no parse: the service was read
        in the worker). Raises FetchError when no service is read or no layer chosen."""
        info = self._layer_info()
        if info is None:
            if self._read_job is not None:
                raise F.FetchError("reading the WMTS capabilities…")
            if self.service is not None and self.service.layers and self.layer_filter.text().strip():
                raise F.FetchError(f"no WMTS layer chosen: none that can be fetched matches the filter "
                                   f"{self.layer_filter.text().strip()!r}; change or clear it")
            raise F.FetchError("no WMTS layer chosen: read a service's capabilities, then choose one of its layers")
        key = (info.identifier, self.style.currentText() or None, self.matrix_set.currentText() or None)
        if self._wmts_layer is None or self._wmts_layer[0] != key:
            self._wmts_layer = (key, self.service.layer(info.identifier, style=key[1], tile_matrix_set=key[2]))
        return self._wmts_layer[1]

    def _retire_reader(self, _result: int = 0) -> None:
        """The dialog closed: its reading thread stops now when idle, else as soon as the read in
        progress ends (its answer then goes nowhere); never waits for a slow host on the GUI thread."""
        self._closed = True
        reader, self._reader = self._reader, None
        if reader is None:
            return
        if not reader.busy:
            reader.shutdown()
            return
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        reader.setParent(app)  # outlives this dialog until the read ends
        reader.cancel()
        reader.idle.connect(reader.shutdown)
        app.aboutToQuit.connect(reader.shutdown)  # the app closing first: the read is waited for (20 s at most)

    def _area_or_none(self) -> Bounds | None:
        try:
            return self.area()
        except GeolocatorError:
            return None

    def area(self) -> Bounds:
        if self.around.isChecked():
            return F.bbox_around(self.photos, self.margin.value())
        if self.map_view.isChecked() and self.view is not None:
            return F.check_bbox(self.view)
        if self.drawn_area.isChecked() and self.drawn is not None:
            return F.check_bbox(self.drawn)
        return F.parse_bbox(self.bbox.text(), self.bbox_crs.text().strip() or None)

    def _update(self) -> None:
        """Re-plan after every change: the count and size are known before anything is fetched."""
        is_url = self.source.currentText() == URL_CHOICE
        is_wmts = self.source.currentText() == WMTS_CHOICE
        self.url.setEnabled(is_url)
        self.attribution.setEnabled(is_url or (is_wmts and self._layer_info() is not None))
        self.margin.setEnabled(self.around.isChecked())
        self.bbox.setEnabled(self.box.isChecked())
        self.bbox_crs.setEnabled(self.box.isChecked())
        self.plan = None
        try:
            template = self.template()
            # what fetch-tiles warns of (recorded_attribution), in the dialog's own words
            missing_credit = "" if F.recorded_attribution(template)[1] is None else (
                "\nNo attribution given: most providers' terms require their credit line on every map and export. "
                f"Type it under Attribution; without it the tile set records only '{F.source_host(template.url)}' "
                "as the imagery's source.")
            self._set_terms(F.terms_notice(template) + missing_credit)
            area = self.area()
            zoom = self.zoom.value()
            if not self._out_edited:  # a WMTS layer named by its identifier, not its provider's long name
                layer = self.wmts_layer() if is_wmts else None
                name = default_output(self.out_folder, template, area, zoom,
                                      layer.layer if layer is not None else None)
                if layer is not None and layer.grid is not None:  # kept in its own CRS in a GeoPackage
                    name = name.with_suffix(".gpkg")
                self.out.setText(str(name))
            out = Path(self.out.text().strip())
            kept = F.stored_attribution(out) if missing_credit and self.out.text().strip() else None
            if kept:  # fetching more into a file that holds a credit line: it is kept, nothing is missing
                self._set_terms(F.terms_notice(template) + f"\nNo attribution typed: {out.name} keeps the credit line "
                                f"stored with its tiles: {kept}")
            if is_wmts:
                layer = self.wmts_layer()
                if zoom not in layer.zooms:  # the core's message names --zoom
                    raise F.FetchError(f"the layer {layer.layer} has tiles at zoom levels {_levels(layer.zooms)}, not "
                                       f"{zoom}: choose one of them under Zoom")
                plan = layer.plan(area, zoom, out, self.max_tiles, template)
            else:
                plan = F.plan_fetch(template, area, zoom, out, self.max_tiles)
        except GeolocatorError as exc:
            if is_wmts and self._layer_info() is None:
                self._set_terms("")
                hidden = self.service is not None and self.service.layers and self.layer_filter.text().strip()
                self.estimate.setText(str(exc) if hidden else  # the filter hides every usable layer: say so
                                      "Reading the service's capabilities…" if self._read_job is not None else
                                      "Read a WMTS service's capabilities, then choose one of its layers.")
            elif self.source.currentText() == URL_CHOICE and not self.url.text().strip():
                self._set_terms("")
                self.estimate.setText("Choose a provider or type the URL template of a tile service.")
            else:
                from .warnings_log import app_error_wording  # the dialog's controls, not the CLI's flags

                self.estimate.setText(app_error_wording(exc) or str(exc))
            self.fetch_button.setEnabled(False)
            # nothing planned, nothing to check: the box no longer says that the file of an earlier plan
            # exists (its tick is kept for when a plan is back)
            self.check_stored.setEnabled(False)
            self.retry_missing.setEnabled(False)
            self._grow_to_fit()
            return
        self.check_stored.setEnabled(out.exists())
        self.retry_missing.setEnabled(out.exists())
        estimate = plan.describe() + (". Tiles already in the file are not fetched again." if out.exists() else ".")
        crs_text = self.bbox_crs.text().strip()
        note = F.bbox_crs_note(self.bbox.text(), crs_text) if self.box.isChecked() and crs_text else None
        if note:  # the box partly outside its CRS's area of use: said as fetch-tiles warns, in the Box's words
            from .warnings_log import app_error_wording

            estimate += "\n" + app_error_wording(F.AreaCrsError(note))
        self.estimate.setText(estimate)
        if note:
            self._grow_to_fit()
        self.fetch_button.setEnabled(bool(plan.tiles) and bool(self.out.text().strip()))
        self._candidate = plan

    def _set_terms(self, text: str) -> None:
        """The notice, with the dialog grown to show all of it: a dialog laid out for an empty notice
        cut a provider's five lines (attribution, terms of use) off mid-sentence."""
        if text == self.terms.text():
            return
        self.terms.setText(text)
        self._grow_to_fit()

    def _grow_to_fit(self) -> None:
        """Taller when the notice or the estimate needs it (a three-line refusal under the box squeezed
        the notice above it); never shorter, so the dialog does not jump while typing; never taller than the
        screen, where the rows scroll (screen_fit.grow_to_fit)."""
        grow_to_fit(self)

    def _accept(self) -> None:
        self._update()
        if self.fetch_button.isEnabled():
            self.plan = self._candidate
            self.accept()


def _levels(zooms: tuple[int, ...]) -> str:
    if len(zooms) > 1 and list(zooms) == list(range(zooms[0], zooms[-1] + 1)):
        return f"{zooms[0]} to {zooms[-1]}"
    return ", ".join(str(z) for z in zooms)


def run_plan(plan: F.FetchPlan, verify: bool = False, retry_missing: bool = False):
    """The worker-thread job of a plan: fn(progress, cancel) -> FetchReport. `verify`: decode every
    tile already stored (fetch_tiles' verify, the CLI's --verify); `retry_missing`: ask again now for the
    tiles recorded missing (404) by an earlier fetch (the CLI's --retry-missing; else after a day)."""

    def job(progress, cancel):
        plan.out.parent.mkdir(parents=True, exist_ok=True)
        grid = {"grid": plan.grid} if plan.grid is not None else {}  # a national grid: into a GeoPackage
        return F.fetch_tiles(plan.template, plan.tiles, plan.out, progress=progress, cancel=cancel, verify=verify,
                             retry_missing_after_s=0.0 if retry_missing else F.MISSING_RETRY_S, **grid)

    return job


def fetch_notes(report: F.FetchReport, out: Path) -> list[tuple[str, str, str]]:
    """What a fetch that ended with tiles says beside the tile set it opens: (level, text, details)
    for tiles that failed or are missing (what happened, what is kept, how to get the rest) and for
    damaged tiles of an earlier run fetched again; [] when every tile came whole."""
    from ..core.wording import count

    notes = []
    if report.failed:
        first = next(iter(report.failed.values()))
        notes.append((
            "warning",
            f"{count(len(report.failed), 'tile')} of {report.requested:,} could not be fetched ({first}"
            f"{'' if len(report.failed) == 1 else '; Details… lists each'}). The {report.fetched + report.already:,} "
            f"tiles that came are kept in {out} and opened; the map has gaps where the others are. Choose "
            "File → Get Imagery for This Area… with the same area and file to fetch only the ones missing.",
            "\n".join(f"{k}: {why}" for k, why in report.failed.items())))
    if report.missing:
        again = f"; {report.asked_again} recorded by an earlier fetch were asked for again" if report.asked_again else ""
        notes.append(("info", f"{count(report.missing, 'tile')} of the area the server does not have (HTTP 404){again}: "
                              "asked for again by a fetch a day later, or now with \"Ask again for tiles the server "
                              "said it did not have\".", ""))
    if report.damaged:
        notes.append(("info", f"{count(len(report.damaged), 'tile')} stored by an earlier fetch "
                              f"{'was' if len(report.damaged) == 1 else 'were'} cut short or damaged and fetched again.",
                      "\n".join(f"{k}: {why}" for k, why in report.damaged.items())))
    return notes


def start_fetch(window, plan: F.FetchPlan, verify: bool = False, retry_missing: bool = False):
    """Fetch in the window's worker thread; when done, open the result as the tile set. `verify`:
    decode every tile already in the file first; `retry_missing`: ask again for its 404s now (run_plan)."""
    from .workers import Job

    from ..core.wording import count

    def done(report: F.FetchReport) -> None:
        if report.fetched + report.already == 0:
            # why, in the bar itself (the server's answer): it was only under Details… (newuserapp36)
            first = next(iter(report.failed.values()), None)
            why = (f" ({first}{'' if len(report.failed) == 1 else '; Details… lists each tile'})"
                   if first else "")
            window.message_bar.show_message("error", f"No tile could be fetched from {plan.template.url}{why}"
                                            + (f"; {plan.out.name} was not created." if report.discarded else "."),
                                            "\n".join(f"{k}: {why}" for k, why in report.failed.items()))
            return
        window.open_tileset(plan.out, notes=fetch_notes(report, plan.out))

    def cancelled() -> None:
        if not plan.out.exists():  # cancelled before any tile came: fetch_tiles removed the empty file
            window.message_bar.show_message("info", "Fetching cancelled before any tile came; nothing was saved.")
            return
        window.message_bar.show_message("info", f"Fetching cancelled. The tiles fetched so far are kept in "
                                                f"{plan.out}; fetch again to continue.")

    return window.runner.submit(Job(f"Fetching imagery ({count(len(plan.tiles), 'tile')})", run_plan(plan, verify, retry_missing), done,
                                    window._on_job_error, cancelled))


def parse_view(text) -> Bounds | None:
    """The map's "W,S,E,N" (Leaflet LatLngBounds.toBBoxString) clamped to the Web Mercator world,
    None when the page gave nothing usable."""
    from ..core.geo import WEB_MERCATOR_MAX_LAT

    try:
        w, s, e, n = (float(v) for v in str(text).split(","))
    except (TypeError, ValueError):
        return None
    lat = WEB_MERCATOR_MAX_LAT - 1e-6
    b = Bounds(max(w, -180.0), max(s, -lat), min(e, 180.0), min(n, lat))
    return b if b.west < b.east and b.south < b.north else None


def get_imagery(window) -> None:
    """Menu action: read what the map shows (asynchronously, from the page), then ask with the
    dialog, fetch and open."""
    window.map_view.run_js("window.geoloc && geoloc.map ? geoloc.map.getBounds().toBBoxString() : null",
                           lambda text: ask_and_fetch(window, parse_view(text)))


def ask_and_fetch(window, view: Bounds | None = None, drawn: Bounds | None = None) -> F.FetchPlan | None:
    """The dialog, then the fetch. Returns the plan (None: cancelled). `drawn`: a rectangle drawn on
    the map (default: the last one drawn), preselected as the area."""
    import platformdirs

    from ..core.priors import recorded_positions

    photos = recorded_positions(window.queries.values())
    tileset = window.session.ws.tileset
    area = tileset.bounds if tileset is not None and len(tileset) else None
    if drawn is None:
        drawn = getattr(window, "drawn_area", None)
    from ..core.sources.package import photos_ground_m

    footprint, _ = photos_ground_m(window.queries.values())
    dialog = ImageryDialog(window, photos=photos, area=area, view=view, drawn=drawn, footprint_m=footprint,
                           out_folder=Path(platformdirs.user_data_dir("geolocator")) / "imagery")
    if dialog.exec() != QDialog.DialogCode.Accepted or dialog.plan is None:
        return None
    start_fetch(window, dialog.plan, verify=dialog.check_stored.isEnabled() and dialog.check_stored.isChecked(),
                retry_missing=dialog.retry_missing.isEnabled() and dialog.retry_missing.isChecked())
    return dialog.plan


# The closed list shows its item in one line: the item is short and the question above it, which wraps, says
# the rule whole. The one long item cut at "…when their metadata giv" with a 14 pt font on a 683 px screen
# (a 1366 x 768 laptop at 200 %; session 37, window37).
AUTO_ZOOM = "Automatic (the photos' footprint, else {m:g} m)"
AUTO_ZOOM_RULE = ("Automatic takes the level whose tiles are nearest the photos' footprint when their metadata "
                  "gives it, else nearest {m:g} m.")


def zoom_choices(path: Path, table: str | None = None) -> list[tuple[str, int | None]]:
    """(label, zoom) for a tile package's levels (`table`: a GeoPackage's tile table, None its first),
    automatic first; ground sizes are given for Web Mercator packages (MBTiles, PMTiles) where their
    bounds are known. Raises InputError."""
    from ..core.sources.package import web_mercator_tile_m
    from ..core.sources.tile_image import package_info

    info = package_info(path, table)
    out: list[tuple[str, int | None]] = [(AUTO_ZOOM.format(m=DEFAULT_TILE_GROUND_M), None)]
    for z in info.zooms:
        size = ""
        if info.kind in ("mbtiles", "pmtiles") and info.bounds is not None:
            size = f" (tiles about {web_mercator_tile_m(z, info.bounds.center.lat):.0f} m)"  # no "1,223 m": 1.2 m to a German
        out.append((f"Zoom {z}{size}", z))
    return out


def ask_zoom(parent: QWidget, path: Path, table: str | None = None) -> tuple[bool, int | None]:
    """Which zoom level of a multi-level package to use (`table`: the GeoPackage tile table chosen, None its
    first): (accepted, zoom or None for automatic). One level, or a package that cannot be read (the open
    job reports why): no question."""
    from . import screen_fit

    try:
        choices = zoom_choices(path, table)
    except GeolocatorError:
        return True, None
    if len(choices) <= 2:
        return True, None
    labels = [label for label, _ in choices]
    label, ok = screen_fit.ask_item(parent, "Zoom level", f"{path.name} holds {len(choices) - 1} zoom levels. "
                                    f"{AUTO_ZOOM_RULE.format(m=DEFAULT_TILE_GROUND_M)} Use:", labels, 0, False)
    if not ok:
        return False, None
    return True, dict(choices)[label]
