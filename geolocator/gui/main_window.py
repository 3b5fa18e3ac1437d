"""The main window: wires widgets to the worker-side Session; never runs core work on the UI thread."""

from __future__ import annotations

import glob

import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ..core.errors import GeolocatorError, WeightsNotFound
from ..core.images import PHOTO_SUFFIXES, RASTER_SUFFIXES, TIFF_SUFFIXES
from ..core.sources.tile_image import PACKAGE_SUFFIXES
from ..core.geo import format_ground_size
from ..core.names import readable
from ..core.wording import EARLIER_RUN, count, empty_map_hint, imagery_line, nothing_verified_note, resumed_line
from ..core.tilesets import WORLD_FILE_SUFFIXES
from ..core.model import MATCHER_CHOICES, Prediction, Query
from ..core.pipeline import Settings
from . import file_dialogs
from .screen_fit import fit_restored, fit_to_screen, tab_stop_while_it_scrolls
from .cache_prune import free_disk_space
from .clock_zone import ask_clock_zone
from .video_frames import ask_video_every, sampling_line
from .jobs import AdapterInfo, BackboneInfo, Loaded, Opened, Results, Session
from .map_view import MapView
from .message_bar import MessageBar
from .panes import move_to_pane, place_in_tab_order
from .progress_panel import ProgressPanel
from .query_list import QueryList
from .resources import demo_dir
from . import number_input
from .results_panel import ResultsPanel
from .warnings_log import WarningsLog
from ..core.clock_zones import zone_at
from .elided_label import ElidedLabel, ElidingStatusBar
from .pane_widths import MAP_HEIGHT_SHARE, MapFirstSplitter
from .settings import AppSettings, clock_zone_of
from .side_panels import AdapterPanel, BackbonePanel, EvaluationPanel
from .toolbar_fold import ToolbarFold
from .view_menu import PaneSwitches
from .workers import Job, JobRunner

log = logging.getLogger("geolocator.gui")

MAX_RECENT = 8
# EM steps of core.adapt.em's BEST and PAPER configs (a test keeps them equal): the UI thread must not
# import the adaptation (and torch) just to size a progress bar.
ADAPT_DEFAULT_STEPS = {"best": 60, "paper": 200}
PLANNED_TILES = 100  # a tile set's size before it is read; its real size replaces this at once
ONLINE_HOSTS = {"tile.openstreetmap.org"}
FIRST_SIZE = QSize(1420, 900)  # the window's size at a first start where the screen has room (logical px)
RESUMED_MS = 20_000  # how long the status bar says what a resumed locate reused (then the tile set line again)


def split_paths(paths: list[Path], *, look_inside: bool = True) -> tuple[list[Path], list[Path]]:
    """Tile sets (a .csv, a tile package, a folder holding tiles.csv: a region or a tile folder, a
    georeferenced TIFF, an image with a world file, a z/x/y folder: core.tilesets.is_imagery) and
    drone images (everything else), for paths given on the command line or dropped on the window. With
    no tile set among them, a photo folder holding one georeferenced TIFF at its top level gives that
    TIFF as the tile set too (the folder stays among the images); `look_inside` False: not (a drop on a
    window whose tile set is open must not replace it)."""
    from ..core.tilesets import is_imagery

    tiles = [p for p in paths if _gpkg_table(p) or p.suffix.lower() == ".csv" or p.suffix.lower() in PACKAGE_SUFFIXES
             or (p / "tiles.csv").is_file() or is_imagery(p)]
    images = [p for p in paths if p not in tiles]
    if not tiles and look_inside:  # no tile set given: one orthophoto kept in a photo folder (its top level) is it
        # (session 31: it was listed as a drone photo and nothing opened; the Session then leaves it out
        # of the photos, core.tiles_among_photos)
        inside = [f for folder in images if folder.is_dir() for f in sorted(folder.iterdir())
                  if f.is_file() and f.suffix.lower() in TIFF_SUFFIXES and is_imagery(f)]
        if len(inside) == 1:
            tiles = inside
    return tiles, images


def _gpkg_table(path: Path) -> bool:
    """Whether `path` names one tile table of a GeoPackage as GDAL does ("GPKG:area.gpkg:TABLE",
    core.sources.gpkg.split_table): a tile set, which core.tilesets.load_tileset opens at that table."""
    from ..core.errors import InputError
    from ..core.sources.gpkg import split_table

    try:
        return split_table(path)[1] is not None
    except InputError:  # "GPKG:area.gpkg" with no table: opened as a tile set, whose loading says what is missing
        return True


def _tile_set_file(path: Path) -> Path:
    """The file or folder a tile set's name stands for: a GeoPackage's for GDAL's "GPKG:area.gpkg:TABLE"
    (core.sources.gpkg.split_table), `path` itself otherwise. Recent Tile Sets took a table's entry, whose
    name is no file, for one moved or deleted, and took it off the menu (session 37, window37)."""
    from ..core.errors import InputError
    from ..core.sources.gpkg import split_table

    try:
        return split_table(path)[0]
    except InputError:  # "GPKG:area.gpkg" with no table: opening it says what is missing
        return path


def photo_filter() -> str:
    """The open dialog's filter: every photo type core reads (HEIC and DNG included), in both
    cases, since cameras write DJI_0001.JPG and filters can be case-sensitive on Linux."""
    from ..core.media.video import VIDEO_SUFFIXES

    patterns = " ".join(f"*{s} *{s.upper()}" for s in sorted(PHOTO_SUFFIXES | VIDEO_SUFFIXES))
    return f"Photos and videos ({patterns});;All files (*)"


def needs_epsg(folder: Path) -> bool:
    """A folder of images with world files (and no tiles.csv): the CRS must come from the user."""
    if not folder.is_dir() or (folder / "tiles.csv").is_file():
        return False
    worlds = [p for p in folder.iterdir() if p.suffix.lower() in WORLD_FILE_SUFFIXES]
    # A .prj beside every world file, or its image's GDAL sidecar (map.png.aux.xml with an <SRS>),
    # says the CRS already (core reads it): nothing to ask.
    from ..core.geo import crs_sidecar

    def stated(world: Path) -> bool:
        return (world.with_suffix(".prj").is_file() or world.with_suffix(".PRJ").is_file()
                or any(crs_sidecar(p) for p in folder.glob(glob.escape(world.stem) + ".*") if p.suffix.lower() in PHOTO_SUFFIXES))

    return bool(worlds) and not all(stated(w) for w in worlds)


def needs_row_order(folder: Path) -> bool:
    """A z/x/y tile folder that does not state its row order (no tilemapresource.xml, MapML page or
    TileJSON: core.sources.xyz.stated_grid) and is not a region folder: the Row order box asks it."""
    from ..core.errors import InputError
    from ..core.sources.xyz import looks_like_xyz, stated_grid

    if not folder.is_dir() or (folder / "tiles.csv").is_file() or not looks_like_xyz(folder):
        return False
    try:
        return stated_grid(folder) is None
    except InputError:  # a raster-profile folder: opening it says why
        return False


# The Row order box's choices (the CLI's: none, --xyz, --tms) -> LoadOptions.tms
ROW_ORDERS = (("Detect (from the photos' GPS; XYZ when they say nothing)", None),
              ("XYZ (rows from the north: OpenStreetMap, Google, gdal2tiles --xyz)", False),
              ("TMS (rows from the south: gdal2tiles' default)", True))


def ask_row_order(parent, folder: Path) -> tuple[bool, bool | None]:
    """The Row order box: (ok, tms) for a z/x/y folder that does not say whether its rows count
    from the north (XYZ) or the south (TMS); read the wrong way, every photo lands at the
    mirror-image latitude."""
    labels = [label for label, _ in ROW_ORDERS]
    from . import screen_fit  # the question wrapped, the box fitted to the screen (QInputDialog.getItem's were not)

    text, ok = screen_fit.ask_item(parent, "Row order",
                                   f"{folder.name}: the folder does not say how its tile rows count. Rows count from:",
                                   labels, 0, False)
    return ok, dict(ROW_ORDERS).get(text)


def about_text(version: str, keys: dict[str, QAction]) -> str:
    """Help → About's text: the version (a bug report needs it), what the app does in a new user's words,
    the keys of `keys` ({what it does: its action}, read from the actions so that they stay true) and
    where the whole guide is: docs/app.md beside the installed source when it is there (packaging/setup.sh
    installs from the checkout), else its name. Before appwalk37 it said one sentence ("satellite tiles")
    and pointed nowhere."""
    guide = Path(__file__).resolve().parents[2] / "docs" / "app.md"
    native = QKeySequence.SequenceFormat.NativeText
    said = "; ".join(f"{act.shortcut().toString(native)} {what}" for what, act in keys.items()
                     if not act.shortcut().isEmpty())
    return (f"Geolocator {version}\n\nGeolocator finds where drone photos and video frames were taken by "
            "matching them with satellite or aerial imagery of the area (the tile set), and adapts to each "
            "region without labelled examples.\n\n"
            f"Keys: {said}. Each menu item shows its own.\n\n"
            f"Every menu, panel and message: {guide if guide.is_file() else 'docs/app.md'}; "
            "the command line: geolocator --help.")


def _user_message(exc: BaseException) -> str:
    from .warnings_log import app_error_wording

    app_words = app_error_wording(exc)  # a core message that names a CLI flag, in the app's words
    if app_words is not None:
        return app_words
    if isinstance(exc, GeolocatorError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return str(exc) or "out of memory"
    if isinstance(exc, OSError):
        return f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": ")
    return f"unexpected error: {exc.__class__.__name__}: {exc}"


class _SideColumn(QScrollArea):
    """The side panels' column: scrolls up and down, never sideways, so it asks the splitter for the
    panels' least width plus the scroll bar's (200 px at least): no panel is cut at its right edge. Its
    floor was 260 px until session 33; the panels' own widths (the Backbone panel's, 236 px) set it now."""

    MIN_WIDTH = 200

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        inner = self.widget().minimumSizeHint().width() if self.widget() is not None else 0
        bar = self.verticalScrollBar().sizeHint().width()
        return QSize(max(self.MIN_WIDTH, inner + bar + 2 * self.frameWidth()), super().minimumSizeHint().height())


class MainWindow(QMainWindow):

    def __init__(self, settings: AppSettings | None = None, *, settings_path: Path | None = None,
                 qsettings: QSettings | None = None, core_settings: Settings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Geolocator")
        self.settings = settings or AppSettings.load(settings_path)
        self.settings_path = settings_path
        self.qsettings = qsettings or QSettings("geolocator", "geolocator")
        core = core_settings or Settings()
        core.backbone, core.device, core.top_k = self.settings.backbone, self.settings.device, self.settings.top_k
        core.weights = Path(self.settings.weights) if self.settings.weights else None
        core.matcher = self.settings.matcher if self.settings.matcher in MATCHER_CHOICES else "auto"
        core.verify_mosaic = 1 if self.settings.verify_mosaic else 0
        core.dense_search = bool(self.settings.dense_search)
        core.reversed_tones = bool(self.settings.reversed_tones)
        core.changed_ground = bool(self.settings.changed_ground)
        self._matcher = core.matcher  # shown by the Backbone panel once it is built
        self.session = Session(core)
        self.session.online_basemap = self.settings.online_basemap
        self.session.clock_zones = self.clock_zones()
        self.runner = JobRunner(self)

        # state shown by the widgets (UI thread only)
        self.queries: dict[str, Query] = {}
        self.predictions: dict[str, Prediction] = {}
        self.failures: dict[str, str] = {}
        # folders added whose photos could not be listed (a failing card): counted where a locate ends
        self.unread_folders: dict[str, str] = {}
        self.track_answers: dict[str, tuple] = {}  # a flight's frame -> (exported answer, track status, track error)
        self.track_shots: dict[str, tuple[int, int]] = {}  # a frame of an edited video -> (shot, shots)
        self.query_thumbs: dict[str, bytes] = {}
        self.tile_thumbs: dict[str, bytes] = {}
        self.tileset_path: Path | None = None
        self.tileset_len = 0
        self.backbone_info: BackboneInfo | None = None
        self.adapter_info: AdapterInfo | None = None
        self.last_outcome = ""
        self.last_adapt_notice: str | None = None  # the last adaptation trained, but its file went elsewhere
        # a trial run (`--screenshot --adapt`) trains into this scratch folder, never the user's adapters
        self.scratch_adapter_dir: Path | None = None
        self.drawn_area = None  # the last rectangle drawn on the map (Bounds), for "Get Imagery…"
        self.selected: str | None = None
        self._photos_shown = 0  # photos shown in the Results pane so far (select_query shows each once)
        self.frozen_evaluation = None
        # seconds a photo or frame took in this app's last Locating job of 5 or more new ones (None: not yet):
        # the estimate said when a video is added (video_frames.sampling_line)
        self.locate_pace_s: float | None = None

        self._build()
        self._wire()
        self.setAcceptDrops(True)
        self._restore_qt_state()
        self._refresh_actions()

    # -- construction -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.message_bar = MessageBar()
        self.query_list = QueryList()
        self.map_view = MapView()
        self.map_view.set_online_hosts(ONLINE_HOSTS if self.settings.online_basemap else set())
        self.results = ResultsPanel()
        self.results.set_coords_format(self.settings.coords_format)
        self.results.format_changed.connect(self._coords_format_chosen)
        self.results.coordinates_copied.connect(
            lambda text: self.statusBar().showMessage(f"Copied to the clipboard: {text}", 5000))
        self.backbone_panel = BackbonePanel()
        self.backbone_panel.set_choice(self.settings.backbone, self.settings.weights, self.settings.device)
        self.backbone_panel.matcher.setCurrentText(self._matcher)
        self.backbone_panel.mosaic.setChecked(bool(self.settings.verify_mosaic))
        self.backbone_panel.dense.setChecked(bool(self.settings.dense_search))
        self.backbone_panel.tones.setChecked(bool(self.settings.reversed_tones))
        self.backbone_panel.changed_ground.setChecked(bool(self.settings.changed_ground))
        self.backbone_panel.show_route(None, self._matcher)
        self.adapter_panel = AdapterPanel()
        self.eval_panel = EvaluationPanel()
        self.progress = ProgressPanel()
        # cut at its end with the whole line as its tooltip: a tile set's path was cut mid-letter (hidpi35)
        self.tileset_label = ElidedLabel("No tile set")

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.adapter_panel)
        side_layout.addWidget(self.eval_panel)
        side_layout.addWidget(self.backbone_panel)
        side_layout.addStretch(1)
        # The column scrolls rather than squeeze its panels: a window shorter than the panels (1024 x 700,
        # or a message bar of several lines) cut the Evaluation panel's lines and the Backbone's buttons.
        side_scroll = _SideColumn()
        side_scroll.setAccessibleName("Side panels")  # as the View menu names it
        side_scroll.setWidget(side)
        side_scroll.setWidgetResizable(True)
        tab_stop_while_it_scrolls(side_scroll)  # no invisible stop between the result and the panels (keys37)
        side_scroll.setFrameShape(QFrame.Shape.NoFrame)
        side_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.side_scroll = side_scroll

        # the map over the Results pane: in a short window the pane gives height (its cards, then its photo)
        # until the map has MAP_HEIGHT_SHARE (0.6) of the centre's height; a taller window gives the pane its
        # roomy height first, the rest to the map
        self.centre = MapFirstSplitter(grow=0, give_order=(1,), orientation=Qt.Orientation.Vertical,
                                       share=MAP_HEIGHT_SHARE)
        self.centre.addWidget(self.map_view)
        self.centre.addWidget(self.results)
        self.centre.setStretchFactor(0, 1)
        self.centre.setStretchFactor(1, 0)

        # the map first: at a laptop's width the side column, then the list, give it up to half the width;
        # a window narrower than all three panes' leasts (200 % scaling on a 1366 px screen: 683 logical px,
        # or a large font) folds the side column away, a wider one brings it back (hidpi35)
        self.splitter = MapFirstSplitter(grow=1, give_order=(2, 0), collapse=(2,))
        self.splitter.addWidget(self.query_list)
        self.splitter.addWidget(self.centre)
        self.splitter.addWidget(side_scroll)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.default_layout()

        root = QWidget()
        layout = QVBoxLayout(root)
        # 4 px above and between (6 until session 37): with the message bar's 1 px margins, the window's least
        # height under a message is 341 px, inside the 344 a 683 x 384 screen (200 %) leaves under a title bar
        layout.setContentsMargins(6, 4, 6, 0)
        layout.setSpacing(4)
        layout.addWidget(self.message_bar)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(root)
        self.setStatusBar(ElidingStatusBar())  # its messages end in "…" in a narrow window (hidpi35)
        self.statusBar().addWidget(self.tileset_label, 1)
        # the run's warnings (the core's log, which the CLI prints on stderr): hidden until one is said
        self.warnings_log = WarningsLog()
        self.statusBar().addPermanentWidget(self.warnings_log)
        self.statusBar().addPermanentWidget(self.progress)
        self._build_actions()
        self.resize(FIRST_SIZE)  # cut to the screen in _restore_qt_state where no size was saved

    def panes(self) -> list[QWidget]:
        """The panes F6 goes through, in order: the photo list, the map, the result, the side panels (not
        while the column is folded away for want of room: F6 put the focus on a button no one could see)."""
        side = [self.side_scroll.widget()] if self.pane_switches.side_on_screen() else []
        return [self.query_list, self.map_view, self.results, *side]

    def default_layout(self) -> None:
        """The panes' first sizes (a saved state replaces them; `--screenshot` uses these), every pane shown
        (the View menu's switches, once they are built)."""
        if hasattr(self, "pane_switches"):
            self.pane_switches.reset()
        # the list: a thumbnail and a readable name beside status, confidence and error (narrower at a
        # laptop's width, pane_widths.MapFirstSplitter: its Conf. and Error columns go first)
        self.splitter.setSizes([max(370, self.query_list.full_width()), 770, 300])
        # the Results pane: its tile cards' strip, the title, Copy and two lines of the details (roomy_height,
        # ~330 px); the map the rest, at least half of a short window's centre (pane_widths.MAP_HEIGHT_SHARE),
        # where the pane gives up its details' room, then hides its cards (shortmap34)
        self.centre.setSizes([520, self.results.roomy_height()])

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if tip:
            act.setStatusTip(tip)
            act.setToolTip(f"{tip} ({act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
                           if shortcut is not None else tip)
        act.triggered.connect(slot)
        return act

    def _build_actions(self) -> None:
        self.act_open_images = self._action("Open Drone Images…", self.choose_images, QKeySequence.StandardKey.Open,
                                            "Add drone photos to locate")
        self.act_open_folder = self._action("Open Drone Image Folder…", self.choose_image_folder, "Ctrl+Alt+O",
                                            "Add a folder of drone photos (searched recursively)")
        self.act_open_tiles = self._action("Open Tile Set…", self.choose_tileset_file, "Ctrl+Shift+O",
                                           "Open tiles.csv, a GeoTIFF or a tile package (MBTiles, PMTiles, GeoPackage)")
        self.act_get_imagery = self._action("Get Imagery for This Area…", self.get_imagery, None,
                                            "Download map tiles around the photos from a tile service")
        self.act_remove = self._action("Remove Selected Photos", self.remove_selected_photos,
                                       QKeySequence.StandardKey.Delete,
                                       "Take the selected photos off the list (their files are not touched)")
        self.act_open_tile_folder = self._action("Open Tile Folder…", self.choose_tileset_folder, None,
                                                 "Open a region folder, an XYZ folder or a world-file folder")
        self.act_adapt = self._action("Adapt to This Region", self.adapt, "Ctrl+R",
                                      "Learn this region from its unlabeled images")
        self.act_cancel = self._action("Cancel", self.cancel, "Esc", "Stop the running work")
        self.act_export = self._action("Export Predictions (GeoJSON, CSV, KML, GPX)…", self.choose_export_predictions, "Ctrl+E",
                                       "Save the predictions as GeoJSON, CSV, KML or GPX")
        self.act_export.setIconText("Export Predictions")  # the toolbar keeps its width; the menu names the formats
        self.act_export_map = self._action("Export Map (HTML)…", self.choose_export_map, "Ctrl+Shift+E",
                                           "Save the map as one standalone HTML file")
        self.act_export_evidence = self._action("Export Evidence (PNG + JSON)…", self.choose_export_evidence, None,
                                                "Save, for each located photo, the photo beside the imagery it matched "
                                                "and a record of the answer, to publish")
        self.act_export_geotags = self._action("Export Geotags for Photogrammetry (ODM, Metashape, PIX4D)…",
                                               self.choose_export_geotags, None,
                                               "Save the confident answers as image positions with their accuracy: "
                                               "OpenDroneMap's geo.txt or a reference CSV for Metashape / PIX4Dmatic")
        self.act_export_geotag_copies = self._action("Export Geotagged Copies of the Photos…",
                                                     self.choose_export_geotag_copies, None,
                                                     "Save copies of the confidently located JPEG photos with the "
                                                     "answer as their EXIF GPS (the originals are not changed)")
        self.act_clock_zone = self._action("Clock Zone of the Photos…", lambda: ask_clock_zone(self), None,
                                           "The zone of photo times recorded without one, for every clock and per folder "
                                           "(a second drone set to another zone), for the exports")
        self.act_video_frames = self._action("Video Frames…", lambda: ask_video_every(self), None,
                                             "How often a video's frames are taken to be located "
                                             "(automatic from its length, or every N seconds)")
        self.act_free_space = self._action("Free Disk Space…", lambda: free_disk_space(self), None,
                                           "Remove cached features, north-up copies and sampled video frames "
                                           "not used for some days")
        self.act_quit = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_demo = self._action("Open Demo", self.open_demo, None, "Open the bundled demo region")
        self.act_about = self._action("About Geolocator", self._about)
        # F6 / Shift+F6: the next or previous pane (list, map, result, side panels), as desktop apps do
        self.act_next_pane = self._action("Next Pane", lambda: move_to_pane(self.panes(), True), "F6",
                                          "Move the keyboard focus to the next pane")
        self.act_prev_pane = self._action("Previous Pane", lambda: move_to_pane(self.panes(), False), "Shift+F6",
                                          "Move the keyboard focus to the previous pane")
        self.act_online = self._action("Online Basemap (OpenStreetMap)", self._toggle_online)
        self.act_online.setCheckable(True)
        self.act_online.setChecked(self.settings.online_basemap)

        bar = self.menuBar()
        m_file = bar.addMenu("&File")
        for a in (self.act_open_images, self.act_open_folder, self.act_open_tiles, self.act_open_tile_folder,
                  self.act_get_imagery):
            m_file.addAction(a)
        m_file.addAction(self.act_remove)
        self.recent_menu = m_file.addMenu("Recent Tile Sets")
        m_file.addSeparator()
        m_file.addAction(self.act_export)
        m_file.addAction(self.act_export_map)
        m_file.addAction(self.act_export_evidence)
        m_file.addAction(self.act_export_geotags)
        m_file.addAction(self.act_export_geotag_copies)
        m_file.addAction(self.act_clock_zone)
        m_file.addAction(self.act_video_frames)
        m_file.addSeparator()
        m_file.addAction(self.act_free_space)
        m_file.addSeparator()
        m_file.addAction(self.act_quit)
        m_run = bar.addMenu("&Run")
        m_run.addAction(self.act_adapt)
        m_run.addAction(self.act_cancel)
        m_view = bar.addMenu("&View")
        m_view.addAction(self.act_online)
        m_view.addSeparator()
        # a checkable item per pane (Ctrl+1 ... Ctrl+5); in a window too narrow for the side column a panel
        # asked for takes the list's place (viewmenu35: at 683 x 384 the folded panels could not be reached)
        self.pane_switches = PaneSwitches(self, self.splitter, self.query_list, self.side_scroll,
                                          {"Region Adapter": self.adapter_panel, "Evaluation": self.eval_panel,
                                           "Backbone": self.backbone_panel})
        self.pane_switches.add_to(m_view)
        m_view.addSeparator()
        m_view.addAction(self.act_next_pane)
        m_view.addAction(self.act_prev_pane)
        m_help = bar.addMenu("&Help")
        m_help.addAction(self.act_demo)
        m_help.addAction(self.act_about)

        tb = QToolBar("Main")
        tb.setObjectName("MainToolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        style = self.style()
        from PySide6.QtWidgets import QStyle

        icons = {
            self.act_open_images: QStyle.StandardPixmap.SP_DialogOpenButton,
            self.act_open_tiles: QStyle.StandardPixmap.SP_DirOpenIcon,
            self.act_adapt: QStyle.StandardPixmap.SP_MediaPlay,
            self.act_cancel: QStyle.StandardPixmap.SP_BrowserStop,
            self.act_export: QStyle.StandardPixmap.SP_DialogSaveButton,
        }
        for act, icon in icons.items():
            act.setIcon(style.standardIcon(icon))
        for a in (self.act_open_images, self.act_open_tiles, None, self.act_adapt, self.act_cancel, None,
                  self.act_export):
            tb.addSeparator() if a is None else tb.addAction(a)
        self.addToolBar(tb)
        self.toolbar = tb
        self._rebuild_recent_menu()

    def _wire(self) -> None:
        self.runner.started.connect(self._on_job_started)
        self.runner.progress.connect(lambda job, ev: self._on_progress(ev))
        self.runner.warned.connect(lambda job, messages: self.warnings_log.add(job.title, messages))
        self.runner.finished.connect(self._on_job_finished)
        self.progress.cancelRequested.connect(self.cancel)
        self.query_list.querySelected.connect(self.select_query)
        self.query_list.addAction(self.act_remove)  # the list's right-click menu (the File menu has it too)
        self.query_list.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.map_view.set_hint(empty_map_hint(self.act_open_tiles.shortcut().toString(
            QKeySequence.SequenceFormat.NativeText)))
        self.map_view.querySelected.connect(self.select_query)
        self.map_view.areaDrawn.connect(self.area_drawn)
        # Tab: the photo list, then the map, then the result and the side panels (gui/panes.py)
        self.map_view.focusWidgetAdded.connect(lambda: place_in_tab_order(self.query_list, self.map_view))
        self.adapter_panel.adaptRequested.connect(self.adapt)
        self.adapter_panel.resetRequested.connect(lambda: self._reset_adapter(delete=False))
        self.adapter_panel.deleteRequested.connect(self._confirm_delete_adapter)
        self.adapter_panel.reloadRequested.connect(self._use_saved_adapter)
        self.backbone_panel.changed.connect(self.set_backbone)
        self.backbone_panel.chooseWeights.connect(self.choose_weights)
        self.backbone_panel.matcherChanged.connect(self.set_matcher)
        self.backbone_panel.mosaicChanged.connect(self.set_mosaic)
        self.backbone_panel.denseChanged.connect(self.set_dense_search)
        self.backbone_panel.tonesChanged.connect(self.set_reversed_tones)
        self.backbone_panel.changedGroundChanged.connect(self.set_changed_ground)
        # a screen too short for the window (200 % on a 1366 x 768 laptop): the toolbar folds away, its
        # actions being in the menus with their shortcuts (gui/toolbar_fold.py)
        self.toolbar_fold = ToolbarFold(self, self.toolbar, watch=(self.message_bar,))

    # -- persistent state ---------------------------------------------------------------------------
    def _restore_qt_state(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
            fit_restored(self)  # saved on a larger screen: Qt left it wider than this one
        else:
            # a first start: FIRST_SIZE cut to the screen's room, placed by the window manager (it opened
            # 1420 x 900 on a 683 x 384 screen, a 1366 x 768 laptop at 200 %: session 37, window37)
            fit_to_screen(self, FIRST_SIZE)
        self.pane_switches.restore(self.qsettings.value("window/view"))  # hidden panes first: they keep their widths
        for key, splitter in (("window/splitter", self.splitter), ("window/centre", self.centre)):
            state = self.qsettings.value(key)
            if isinstance(state, QByteArray):
                splitter.restoreState(state)

    def _save_state(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/splitter", self.splitter.saveState())
        self.qsettings.setValue("window/centre", self.centre.saveState())
        self.qsettings.setValue("window/view", self.pane_switches.state())
        self.qsettings.sync()
        try:
            self.settings.save(self.settings_path)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)

    def recent_tilesets(self) -> list[dict]:
        raw = self.qsettings.value("recent/tilesets", "[]")
        try:
            items = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            items = []
        return [i for i in items if isinstance(i, dict) and "path" in i]

    def _remember_tileset(self, path: Path, options: dict) -> None:
        entry = {"path": str(path), **options}
        items = [entry] + [i for i in self.recent_tilesets() if i["path"] != str(path)]
        self.qsettings.setValue("recent/tilesets", json.dumps(items[:MAX_RECENT]))
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        items = self.recent_tilesets()
        for entry in items:
            act = self.recent_menu.addAction(readable(entry["path"]))  # the entry keeps the name's own bytes
            act.triggered.connect(lambda _=False, e=entry: self._open_recent(e))
        self.recent_menu.setEnabled(bool(items))

    def _open_recent(self, entry: dict) -> None:
        """Open a Recent Tile Sets entry with the options it was opened with. One no longer there (moved or
        deleted since) is said so and taken off the menu: before, the bar said only "PATH: not found" and
        the entry stayed, failing the same way at each click. (One stat on the UI thread.)"""
        from ..core.sources.gpkg import path_or_table

        path = path_or_table(entry["path"])  # a table named "a//b" kept as written (a Path made it "a/b")
        if not _tile_set_file(path).exists():
            items = [i for i in self.recent_tilesets() if i["path"] != entry["path"]]
            self.qsettings.setValue("recent/tilesets", json.dumps(items))
            self._rebuild_recent_menu()
            self.message_bar.show_message(
                "warning", f"The tile set {readable(str(path))} is no longer there (moved or deleted); it is taken off "
                "Recent Tile Sets. File → Open Tile Set… opens it where it is now.")
            return
        self.open_tileset(path, epsg=entry.get("epsg"), tile_size_m=entry.get("tile_size_m"),
                          overlap=entry.get("overlap", 0.0), zoom=entry.get("zoom"), tms=entry.get("tms"))

    # -- jobs ---------------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.runner.busy

    def _submit(self, title: str, fn, on_done, on_error=None, plan: dict | None = None,
                quiet_collector: bool = False, on_cancelled=None) -> Job:
        self.message_bar.begin_step()  # what the bar says now belongs to an earlier step (_show_results ends it)
        return self.runner.submit(Job(title, fn, on_done, on_error or self._on_job_error,
                                      on_cancelled or self._on_cancelled, plan=plan or {},
                                      quiet_collector=quiet_collector))

    def _job_plan(self, n_queries: int, *, tiles: int | None = None, adapt_steps: int | None = None,
                  geometry: bool = False, thumbnails: int | None = None) -> dict[str, float]:
        """Expected units per stage of a job, so its one bar covers the whole job from the start. Work
        that sends no event because it is done already is not planned (its planned seconds would stay
        "left" to the end): tiles indexed in this session (`tiles` None: the open set's, unless
        indexed), `thumbnails` to make (None: one a photo)."""
        settings = self.session.ws.settings
        if tiles is not None:
            n_tiles = tiles
        else:  # tiles already indexed in this session are not indexed again: no "extract:tiles" stage comes
            n_tiles = 0 if self.session.ws.tiles_indexed else self.tileset_len
        plan = {"map": self.tileset_len + n_queries if tiles is None else n_tiles + n_queries}
        if n_tiles:
            plan["extract:tiles"] = n_tiles  # extract's unit is a tile (all its views)
        if n_queries:
            plan["extract:queries"] = n_queries
            n_thumbs = n_queries if thumbnails is None else thumbnails
            if n_thumbs:
                plan["thumbnails"] = n_thumbs
            if settings.verify:
                plan["verify"] = n_queries
        if adapt_steps:
            plan["adapt"] = adapt_steps
            if geometry:
                plan["geometry"] = n_queries
        return plan

    def _on_progress(self, event) -> None:
        metrics = event.metrics or {}
        if metrics.get("preview") and (metrics.get("map_path") or metrics.get("map_failed")):
            # the tile mosaic, before the features are ready (None: it could not be written, said over the pane)
            self.map_view.show_map(Path(metrics["map_path"]) if metrics.get("map_path") else None)
            self.tileset_label.setText(f"Tile set: {metrics.get('path', '')}  ·  {metrics.get('n_tiles', 0)} tiles "
                                       "(indexing…)")
            return
        if metrics.get(EARLIER_RUN):  # at a stage's start: what an earlier run left (tiles, checked photos)
            self.statusBar().showMessage(str(metrics[EARLIER_RUN]), RESUMED_MS)
        self.progress.update_event(event)

    def _on_job_started(self, job: Job) -> None:
        self.progress.start(job.title)
        self._refresh_actions()

    def _on_job_finished(self, job: Job, outcome: str) -> None:
        self.last_outcome = outcome
        if not self.runner.busy:
            self.progress.finish()
        self._refresh_actions()

    def _on_cancelled(self) -> None:
        # session 35: a Cancel while the tiles' features were computed spoke only of verified photos
        kept = (" The tiles' features computed so far, photos already verified and an"
                " adaptation's finished rounds are kept: locating again (add the photos again, or Adapt) resumes"
                " where it stopped."
                if self.session.ws.settings.use_cache else "")  # core/pair_store.py, core/adapt/resume.py
        self.message_bar.show_message("info", "Cancelled. The previous results are unchanged." + kept)

    def _on_job_error(self, exc: BaseException, tb: str) -> None:
        text = _user_message(exc)
        if isinstance(exc, WeightsNotFound):
            text += "  Use “Choose weights file…” in the Backbone panel."
        # an expected problem (bad input, a refusing service) is said in words: its Details are its own,
        # never a Python traceback; an unexpected error keeps the traceback for a bug report
        details = getattr(exc, "details", None) or ("" if isinstance(exc, GeolocatorError) else tb)
        self.message_bar.show_message("error", text, details)

    def _refresh_actions(self) -> None:
        busy = self.runner.busy
        has_tiles = self.tileset_path is not None
        self.act_adapt.setEnabled(has_tiles and bool(self.queries) and not busy)
        self.adapter_panel.set_busy(busy or not has_tiles or not self.queries)
        self.act_cancel.setEnabled(busy)
        self.act_remove.setEnabled(bool(self.queries) and not busy)  # a running job would bring them back
        self.act_export.setEnabled(bool(self.predictions))
        self.act_export_map.setEnabled(has_tiles)
        self.act_export_evidence.setEnabled(bool(self.predictions) and has_tiles)
        self.act_export_geotags.setEnabled(bool(self.predictions))
        self.act_export_geotag_copies.setEnabled(bool(self.predictions))
        self.backbone_panel.apply_btn.setEnabled(not busy)
        self.backbone_panel.matcher.setEnabled(not busy)  # the verifier is swapped between jobs only
        self.backbone_panel.mosaic.setEnabled(not busy)
        self.backbone_panel.dense.setEnabled(not busy)
        self.backbone_panel.tones.setEnabled(not busy)  # a running Locate's verifier reads it
        self.backbone_panel.changed_ground.setEnabled(not busy)  # a running job reads it; the next one is run when it changes

    def cancel(self) -> None:
        if self.runner.cancel():
            self.progress.cancelling()

    # -- opening ------------------------------------------------------------------------------------
    def open_demo(self) -> None:
        folder = demo_dir()
        if not (folder / "tiles.csv").is_file():
            self.message_bar.show_message("error", f"{folder}: the demo region is missing from this installation")
            return
        self.open_tileset(folder)

    def choose_tileset_file(self) -> None:
        path, _ = file_dialogs.open_file(self, "Open tile set", "",
                                         "Tile sets (*.csv *.tif *.tiff *.vrt *.jp2 *.mbtiles *.pmtiles *.gpkg *.kmz *.kml);;All files (*)")
        if path:
            self.open_tileset_interactive(Path(path))

    def choose_tileset_folder(self) -> None:
        path = file_dialogs.folder(self, "Open tile folder (region, XYZ or world files)")
        if path:
            self.open_tileset_interactive(Path(path))

    def open_tileset_interactive(self, path: Path) -> None:
        """Ask what the file cannot say (EPSG of world files, ground size of GeoTIFF tiles), then open."""
        from ..core.sources.gpkg import TableName

        if isinstance(path, TableName):  # GDAL's name for one table (the command line): nothing to ask of a file
            self.open_tileset(path, ask_crs=True)
            return
        epsg = tile_size = None
        overlap = 0.0
        if path.is_dir() and needs_row_order(path):
            ok, tms = ask_row_order(self, path)
            if not ok:
                return
            self.open_tileset(path, tms=tms)
            return
        if path.is_dir() and needs_epsg(path):
            text, ok = QInputDialog.getText(self, "Coordinate system", "EPSG code of the world files:",
                                            text="4326")
            if not ok:
                return
            epsg = text.strip().upper().removeprefix("EPSG:")
        elif path.suffix.lower() in RASTER_SUFFIXES:  # a GeoTIFF, VRT or JPEG 2000 is cut into windows
            # number_input: "50.5" and "50,5" alike on any locale (a de_DE box read "50.5" as 505)
            tile_size, ok = number_input.ask_decimal(self, "Cut the GeoTIFF", "Tile size on the ground (m):",
                                                     100.0, 5.0, 10000.0, 1)
            if not ok:
                return
            overlap, ok = number_input.ask_decimal(self, "Cut the GeoTIFF", "Overlap between tiles (0–0.9):",
                                                   0.0, 0.0, 0.9, 2)
            if not ok:
                return
        elif path.suffix.lower() in PACKAGE_SUFFIXES:
            from ..core.sources.gpkg import connection
            from .imagery_dialog import ask_zoom
            from .tile_tables import ask_tile_table

            table = None
            if path.suffix.lower() == ".gpkg":  # several tile tables: which one (gui/tile_tables.py)
                ok, table = ask_tile_table(self, path)
                if not ok:
                    return
            ok, zoom = ask_zoom(self, path, table)
            if not ok:
                return
            self.open_tileset(connection(path, table) if table is not None else path, zoom=zoom)
            return
        self.open_tileset(path, epsg=epsg, tile_size_m=tile_size, overlap=overlap, ask_crs=True)

    def _crs_or_error(self, path: Path, exc: BaseException, tb: str, tile_size_m, overlap: float) -> None:
        """A tile set opened from the menu (or dropped) that lacks a coordinate system
        (core.errors.CrsMissing: a GeoTIFF without one, an image or folder with world files and no
        .prj): the Coordinate system box asks for it and the tile set opens again with it; cancelled
        or empty, the error is said in the app's words (never the CLI's --epsg)."""
        from ..core.errors import CrsMissing

        if not (isinstance(exc, CrsMissing) and exc.placeable):
            self._on_job_error(exc, tb)
            return
        text, ok = QInputDialog.getText(self, "Coordinate system",
                                        f"{exc.path.name if exc.path else path.name}: {exc.what} "
                                        f"{'have' if exc.what.startswith('the images') else 'has'} no coordinate "
                                        "system.\nEPSG code of its coordinates (e.g. 32633):")
        epsg = text.strip().upper().removeprefix("EPSG:") if ok else ""
        if not epsg:
            self._on_job_error(exc, tb)
            return
        self.open_tileset(path, epsg=epsg, tile_size_m=tile_size_m, overlap=overlap, ask_crs=True)

    def get_imagery(self) -> None:
        from .imagery_dialog import get_imagery

        get_imagery(self)

    def area_drawn(self, bbox: str) -> None:
        """A rectangle drawn on the map: remembered, and offered at once as the area to get imagery for."""
        from .imagery_dialog import ask_and_fetch, parse_view

        area = parse_view(bbox)
        if area is None:
            return
        self.drawn_area = area
        ask_and_fetch(self, drawn=area)

    def open_tileset(self, path: Path, *, epsg=None, tile_size_m=None, overlap: float = 0.0, zoom=None,
                     tms: bool | None = None, ask_crs: bool = False, notes=()) -> Job:
        """Open `path` as the tile set (in the background). `ask_crs`: when it has no coordinate system,
        ask for it in the Coordinate system box and open it again (_crs_or_error); otherwise (the
        command line, `--screenshot`) the error says where to give it. `tms`: a z/x/y folder's row
        order as chosen in the Row order box (True TMS, False XYZ, None detected: core/sources/xyz.py).
        `notes`: (level, text, details) of the work that made the file (Get Imagery's failed tiles),
        shown in the message bar with the opening's own, never replaced by them."""
        from ..core.region_plan import region_photo_count
        from ..core.sources.gpkg import path_or_table

        path = path_or_table(path)  # GDAL's "GPKG:FILE.gpkg:TABLE" stays the text it is (gpkg.TableName)
        queries = list(self.queries.values())
        every_s = self.settings.video_every_s  # a region folder's videos (File → Video Frames…)
        options = {k: v for k, v in (("epsg", epsg), ("tile_size_m", tile_size_m), ("overlap", overlap),
                                     ("zoom", zoom)) if v}
        if tms is not None:  # False (XYZ) is a choice too: remembered with the tile set
            options["tms"] = tms

        def done(opened: Opened) -> None:
            self.tileset_path = path
            self.tileset_len = len(opened.tileset)
            ts = opened.tileset
            zoom_text = f" at zoom {ts.zoom}" if ts.zoom is not None else ""
            credit = f"  ·  {imagery_line(ts.attribution)}" if ts.attribution else ""  # said once, as the CLI does
            size = format_ground_size(ts.tiles[0].bounds)  # metres on the ground, any CRS
            # a name that is not UTF-8 as the exports write it (Qt drops a lone surrogate: "Karte Mrz")
            self.tileset_label.setText(f"Tile set: {readable(str(path))}  ·  {count(len(ts), 'tile')} of about "
                                       f"{size}{zoom_text}{credit}")
            self.setWindowTitle(f"Geolocator — {readable(path.name)}")
            self.predictions.clear()
            self.failures.clear()
            self.track_answers.clear()
            self.track_shots.clear()
            self.frozen_evaluation = None
            self.tile_thumbs.clear()
            self._add_queries(opened.queries, {})
            self._note_unread_folders(opened.queries, opened.skipped)
            said = list(notes) + ([self._skipped_message(opened.skipped)] if opened.skipped else [])
            self._remember_tileset(path, options)
            adapter = opened.results.adapter
            if adapter is not None and adapter.error:
                said.append(("warning", adapter.trouble or f"The saved adapter was not loaded: {adapter.error}",
                             adapter.error))
            self._show_results(opened.results, said)

        if self.tileset_path is None:
            waiting = "  (after loading the model)" if self.runner.busy else ""
            self.tileset_label.setText(f"Opening {path}…{waiting}")
        return self._submit(f"Opening {path.name}",
                            lambda progress, cancel: self.session.open_tiles(
                                path, queries, epsg=epsg, tile_size_m=tile_size_m, overlap=overlap, zoom=zoom,
                                tms=tms, every_s=every_s, progress=progress, cancel=cancel), done,
                            (lambda exc, tb: self._crs_or_error(path, exc, tb, tile_size_m, overlap)) if ask_crs else None,
                            plan={"open": 1, **self._job_plan(len(queries) + region_photo_count(path),
                                                              tiles=PLANNED_TILES)})

    def choose_images(self) -> None:
        files, _ = file_dialogs.open_files(self, "Open drone images", "", photo_filter())
        if files:
            self.add_paths([Path(f) for f in files])

    def choose_image_folder(self) -> None:
        path = file_dialogs.folder(self, "Open a folder of drone images")
        if path:
            self.add_paths([Path(path)])

    @staticmethod
    def _skipped_message(skipped: dict[str, str]) -> tuple[str, str, str]:
        """Every path that was not read, with its reason (core.skipped: the first three inline)."""
        from ..core.skipped import skipped_summary

        return ("warning", *skipped_summary(skipped))

    def add_paths(self, paths: list[Path]) -> Job:
        """Read drone images (files or folders) and locate them; queued behind running work."""

        def done(loaded: Loaded) -> None:
            self._take_out(list(loaded.replaced))  # geotagged copies whose originals take their rows
            new = self._add_queries(loaded.queries, loaded.thumbs)
            self._note_unread_folders(loaded.queries, loaded.skipped)
            # every skipped path is said, beside (never under) what was added
            messages = [self._skipped_message(loaded.skipped)] if loaded.skipped else []
            # photos listed but never placed (a locate that was cancelled left them "queued"): adding
            # them again is how a user asks to go on, so it locates them (verified pairs are cached)
            unplaced = any(qid not in self.predictions and qid not in self.failures for qid in self.queries)
            locating = bool(new or unplaced) and self.tileset_path is not None
            sampled = self._sampling_lines(loaded, locating=locating)
            messages += sampled
            if new and self.tileset_path is None:
                it, its = ("it", "its") if len(new) == 1 else ("them", "their")
                messages.append(("info", f"{count(len(new), 'drone image')} added. Open a tile set to locate {it}, "
                                 f"or get imagery for {its} area (File → Get Imagery for This Area…).", ""))
            self.message_bar.show_messages(messages)
            if locating:
                # one piece of work: its results keep the skipped paths said, each video's line said done
                self.locate(notes=self._once_located(messages, sampled, loaded))
            elif new:
                if self.settings.online_basemap:
                    self.show_basemap_without_tiles()  # find and draw the area on the basemap

        every = self.settings.video_every_s
        return self._submit("Reading drone images",
                            lambda progress, cancel: self.session.load_queries(paths, every_s=every, progress=progress,
                                                                               cancel=cancel),
                            done, on_cancelled=self._sampling_cancelled)

    def _sampling_lines(self, loaded: Loaded, located: bool = False, locating: bool = False
                        ) -> list[tuple[str, str, str]]:
        """A line per video read: its length, when its clock says it was recorded (media.video_time.start_words,
        read in its folder's clock zone), interval, frame count and the time locating them takes
        (`located`: the same line once they are located, without the estimate; `locating`: they are
        located at once, and the progress bar's ETA is the one figure said)."""
        from ..core.media.video_time import start_words

        zones = self.clock_zones()
        return [("info", sampling_line(v, self.locate_pace_s, located=located, locating=locating,
                                       recorded=start_words([q for q in loaded.queries if q.path == v.path],
                                                            zone_at(zones, v.path))), "")
                for v in loaded.videos]

    def _once_located(self, messages, sampled, loaded: Loaded) -> list[tuple[str, str, str]]:
        """`messages` as the results show them again after locating: each video's line of `sampled`
        (_sampling_lines) said located, its "Locating them takes about …" gone (session 32: the estimate
        stayed in the message bar after the frames were located)."""
        done = dict(zip(sampled, self._sampling_lines(loaded, located=True)))
        return [done.get(m, m) for m in messages]

    def _sampling_cancelled(self, again: str = "adding the video again") -> None:
        self.message_bar.show_message("info", "Cancelled. The previous results are unchanged. Video frames already "
                                              f"sampled are kept: {again} reuses them.")

    def listed_videos(self) -> dict[Path, str]:
        """The videos whose frames are listed: {video path: the frames' id before "#t="}."""
        return {q.path: q.id.rsplit("#t=", 1)[0] for q in self.queries.values() if q.time_s is not None}

    def set_video_every(self, every_s: float | None) -> Job | None:
        """How often videos are sampled from now on (File → Video Frames…; None: automatic from each
        video's length, core.media.video.auto_every_s), kept in settings.json. The videos already listed
        are sampled again at once (queued behind running work): frames of the new interval are added and
        located, frames at times sampled before keep their answers and cached pictures, and a frame of
        the old interval that has an answer stays listed; only unanswered ones not in the new sampling
        go. Returns the sampling job, None when no video is listed."""
        self.settings.video_every_s = every_s
        try:
            self.settings.save(self.settings_path)
        except OSError as exc:  # an unwritable config folder: the choice still holds for this session
            log.warning("could not save the settings: %s", exc)
        videos = self.listed_videos()
        said = "automatically from each video's length" if every_s is None else f"every {every_s:g} s"
        if not videos:
            self.message_bar.show_message("info", f"Videos added from now on are sampled {said}.")
            return None

        def done(loaded: Loaded) -> None:
            fresh = {q.id for q in loaded.queries}
            sampled = {Path(v) for v in videos} - {Path(p) for p in loaded.skipped}
            stale = [qid for qid, q in self.queries.items() if q.time_s is not None and q.path in sampled
                     and qid not in fresh and qid not in self.predictions and qid not in self.failures]
            for qid in stale:
                self.queries.pop(qid, None)
                self.query_thumbs.pop(qid, None)
            self.query_list.remove_queries(stale)
            new = self._add_queries(loaded.queries, loaded.thumbs)
            kept = sum(1 for qid, q in self.queries.items() if q.time_s is not None and q.path in sampled
                       and qid not in fresh)
            messages = [self._skipped_message(loaded.skipped)] if loaded.skipped else []
            # new frames, or frames of the new interval that a cancelled locate left without an answer
            unplaced = any(qid not in self.predictions and qid not in self.failures for qid in self.queries)
            locating = bool(new or unplaced) and self.tileset_path is not None
            sampled = self._sampling_lines(loaded, locating=locating)
            messages += sampled
            if kept:
                messages.append(("info", f"Kept with their answers: {count(kept, 'frame')} sampled before at "
                                         "other times.", ""))
            self.message_bar.show_messages(messages)
            if locating:
                self.locate(notes=self._once_located(messages, sampled, loaded))

        return self._submit("Sampling video frames",
                            lambda progress, cancel: self.session.resample_videos(videos, every_s=every_s,
                                                                                  progress=progress, cancel=cancel),
                            done, on_cancelled=lambda: self._sampling_cancelled("choosing the interval again"))

    def _take_out(self, ids: list[str]) -> None:
        """Take these listed photos out of the list with their answers (a geotagged copy listed before
        its original, which is added in its place: Loaded.replaced; before ownout37 the list kept the copy's
        name; remove_selected_photos). The locate that follows makes the answers anew for what is listed.
        Everything kept per photo goes, its track answer and shot too (before review37 this kept those,
        remove_selected_photos had its own copy of the loop that dropped them)."""
        if not ids:
            return
        for qid in ids:
            for kept in (self.queries, self.predictions, self.failures, self.track_answers, self.track_shots,
                         self.query_thumbs):
                kept.pop(qid, None)
        self.query_list.remove_queries(ids)

    def _add_queries(self, queries, thumbs: dict[str, bytes]) -> list[Query]:
        for q in queries:
            self.queries.setdefault(q.id, q)
        with self.query_list.bulk():
            new = self.query_list.add_queries(list(queries))
            self._store_query_thumbs(thumbs)
        self._refresh_actions()
        return new

    def _store_query_thumbs(self, thumbs: dict[str, bytes]) -> None:
        for qid, data in thumbs.items():
            self.query_thumbs[qid] = data
            self.query_list.set_thumbnail(qid, data)

    def remove_selected_photos(self) -> Job | None:
        """File → Remove Selected Photos (Delete; the list's right-click menu): the selected photos leave
        the list, the map, the scores and the exports; their files are not touched. The others are located
        again (read from the caches: their answers and the map's markers follow, as after any change of the
        photos). Refused while a job runs (it would bring them back). Returns the locate job, or None."""
        ids = self.query_list.selected_queries()
        if not ids:
            self.message_bar.show_message("info", "Select the photos to remove in the list first (Shift or Ctrl "
                                                  "with a click or the arrow keys selects several).")
            return None
        if self.runner.busy:
            return None
        self._take_out(ids)
        if self.selected in ids:
            self.selected = None
            self.results.clear()
        said = ("info", f"Removed {count(len(ids), 'photo')} from the list (the files are not touched).", "")
        self._refresh_actions()
        if self.tileset_path is not None:
            return self.locate(notes=[said])  # the map, the scores and the list follow (nothing left: no markers)
        self.message_bar.show_messages([said])
        return None

    # -- locating / adapting ------------------------------------------------------------------------
    def locate(self, notes: Sequence[tuple[str, str, str]] = ()) -> Job:
        """Locate every photo; `notes` (level, text, details) are shown again with the results."""
        queries = list(self.queries.values())
        with self.query_list.bulk():  # one repaint for all rows (10,000 photos: one signal, not 10,000)
            for q in queries:
                if q.id not in self.predictions:
                    self.query_list.set_status(q.id, "queued")
        fresh = sum(1 for q in queries if q.id not in self.predictions and q.id not in self.failures)
        took: list[float] = []  # the job's own seconds on the worker thread (not its wait in the queue)

        def run(progress, cancel):
            began = time.monotonic()
            results = self.session.locate(queries, progress=progress, cancel=cancel)
            took.append(time.monotonic() - began)
            return results

        def done(results: Results) -> None:
            if fresh >= 5 and took:  # this machine's pace, for the next video's estimate (video_frames.sampling_line)
                self.locate_pace_s = took[0] / fresh
            self._show_results(results, list(notes))

        return self._submit("Locating", run, done, plan=self._job_plan(
            len(queries), thumbnails=self.session.thumbnails_to_make(queries)))

    def adapt(self) -> Job | None:
        if self.tileset_path is None or not self.queries:
            self.message_bar.show_message("info", "Open a tile set and some drone images first.")
            return None
        if self.runner.busy:
            return None
        # The adapter folder is checked here, before the long job: a stat and os.access on the UI
        # thread, no file made, no model needed (the file's name needs the backbone; its folder does not).
        problem = self.session.adapter_folder_problem()
        if problem is not None:
            self.message_bar.show_message("error", f"Not adapting: {problem}.")
            return None
        queries = list(self.queries.values())
        mode, steps = self.settings.adapt_mode, self.settings.adapt_steps
        self.last_adapt_notice = None

        def done(results: Results) -> None:
            self.last_adapt_notice = results.notice
            if results.notice:  # trained and in use, but its file went elsewhere (or nowhere): say where
                note = ("warning", f"Adapted to this region, but {results.notice}.", "")
            elif self.scratch_adapter_dir is not None:
                note = ("info", f"Adapted to this region (a trial run: its adapter is in the scratch folder "
                        f"{self.scratch_adapter_dir}, not saved with your adapters).", "")
            else:
                note = ("info", "Adapted to this region; the adapter is saved for this tile set.", "")
            card = getattr(self.session.ws.adapter, "card", None) or {}
            if card.get("resumed_at_round"):  # core/adapt/resume.py: an interrupted adaptation continued
                note = (note[0], f"{note[1]} It continued at round {card['resumed_at_round']} of "
                                 f"{card.get('hyper_parameters', {}).get('rounds', '?')}, where an interrupted "
                                 "adaptation had stopped.", note[2])
            self._show_results(results, [note])

        planned_steps = steps or ADAPT_DEFAULT_STEPS.get(mode, 60)
        plan = self._job_plan(len(queries), adapt_steps=planned_steps,
                              geometry=mode == "best" and self.session.ws.settings.verify,
                              thumbnails=self.session.thumbnails_to_make(queries))
        return self._submit("Adapting to this region",
                            lambda progress, cancel: self.session.adapt(queries, mode=mode, steps=steps,
                                                                        progress=progress, cancel=cancel), done,
                            plan=plan)

    def _reset_adapter(self, delete: bool) -> Job:
        queries = list(self.queries.values())
        return self._submit("Deleting the adapter" if delete else "Resetting the adapter",
                            lambda progress, cancel: self.session.reset_adapter(queries, delete=delete,
                                                                                progress=progress, cancel=cancel),
                            self._show_results)

    def _confirm_delete_adapter(self) -> None:
        answer = QMessageBox.question(self, "Delete adapter",
                                      "Delete the adapter saved for this tile set? Results fall back to the frozen backbone.")
        if answer == QMessageBox.StandardButton.Yes:
            self._reset_adapter(delete=True)

    def _use_saved_adapter(self) -> Job:
        queries = list(self.queries.values())
        return self._submit("Loading the saved adapter",
                            lambda progress, cancel: self.session.use_saved_adapter(queries, progress=progress,
                                                                                    cancel=cancel),
                            self._show_results)

    def load_backbone(self) -> Job:
        """Load the backbone in the background at start so its status (and any fallback) shows early.
        A saved choice that fails to load is dropped (settings saved at once) and the default model is
        loaded instead, so one bad weights file never breaks every later start."""

        def failed(exc: BaseException, tb: str) -> None:
            s = self.settings
            if (s.backbone, s.weights, s.device) == ("auto", None, "auto"):
                self._on_job_error(exc, tb)
                return
            chosen = s.weights or s.backbone
            s.reset_backbone()
            self._persist_settings()
            self.backbone_panel.set_choice(s.backbone, s.weights, s.device)
            self.session.ws.settings.device = s.device
            self.session.ws.set_backbone(s.backbone, None)
            self.message_bar.show_message(
                "warning", f"The model chosen last time ({chosen}) could not be loaded, so the default model is "
                f"used: {_user_message(exc)}", getattr(exc, "details", None) or tb)
            self._submit("Loading the backbone", self.session.load_backbone, self._show_backbone, quiet_collector=True)

        return self._submit("Loading the backbone", self.session.load_backbone, self._show_backbone, failed,
                            plan={"backbone": 1}, quiet_collector=True)

    def set_backbone(self, name: str, weights: Path | None, device: str) -> Job:
        """Switch the model; the choice is remembered only once it has loaded."""
        queries = list(self.queries.values())

        def done(results: Results) -> None:
            self.settings.backbone, self.settings.device = name, device
            self.settings.weights = str(weights) if weights else None
            self._persist_settings()
            self._show_results(results)

        def failed(exc: BaseException, tb: str) -> None:
            s = self.settings  # the panel goes back to what is really in use
            self.backbone_panel.set_choice(s.backbone, s.weights, s.device)
            self._on_job_error(exc, tb)

        return self._submit(f"Loading {name}",
                            lambda progress, cancel: self.session.set_backbone(name, weights, device, queries,
                                                                               progress=progress, cancel=cancel),
                            done, failed)

    def _persist_settings(self) -> None:
        try:
            self.settings.save(self.settings_path)
        except OSError as exc:
            log.warning("could not save settings: %s", exc)

    def set_matcher(self, name: str) -> None:
        """Verify with another local-feature backend from the next Locate / Adapt on."""
        self.settings.matcher = name
        self.session.ws.set_matcher(name)
        self.backbone_panel.show_route(None, name)

    def set_mosaic(self, on: bool) -> None:
        """Verify through 3x3 mosaics (or not) from the next Locate / Adapt on."""
        self.settings.verify_mosaic = bool(on)
        self.session.ws.set_mosaic(1 if on else 0)
        self.backbone_panel.show_route(None, self.settings.matcher)

    def set_dense_search(self, on: bool) -> None:
        """Order photos that found nothing clear by the dense search (or not) from the next Locate on."""
        self.settings.dense_search = bool(on)
        self.session.ws.set_dense_search(bool(on))

    def set_reversed_tones(self, on: bool) -> None:
        """Verify with reversed tones too (thermal pictures not recognised as such), or not, from the next
        Locate on; a run of recognised thermal photos still turns it on for itself."""
        self.settings.reversed_tones = bool(on)
        self.session.set_reversed_tones(bool(on))

    def set_changed_ground(self, on: bool) -> None:
        """The photos show ground changed since the imagery (or not; Settings.changed_ground,
        core/changed_ground.py): photos already located are located again at once, so the figures
        shown are never the other rule's (their checks are kept, so it costs seconds)."""
        self.settings.changed_ground = bool(on)
        self.session.ws.settings.changed_ground = bool(on)
        if self.predictions and self.queries and not self.runner.busy:
            self.locate()

    def choose_weights(self) -> None:
        path, _ = file_dialogs.open_file(self, "Choose weights file", "",
                                         "Weights (*.safetensors *.pth *.pt *.bin);;All files (*)")
        if path:
            self.backbone_panel.set_weights(Path(path))

    # -- showing results ----------------------------------------------------------------------------
    def _show_backbone(self, info: BackboneInfo | None) -> None:
        self.message_bar.show_messages([m for m in [self._backbone_notice(info)] if m])

    def _backbone_notice(self, info: BackboneInfo | None) -> tuple[str, str, str] | None:
        """Show the backbone in its panel; the DINOv2 notice (level, text, details) when it is due."""
        if info is None:
            return None
        self.backbone_info = info
        self.backbone_panel.show_info(info)
        if info.fallback_reason and not self.settings.dinov2_notice_shown:
            # once, short, dismissable; remembered. The panel keeps saying "weights not found".
            self.settings.dinov2_notice_shown = True
            self._persist_settings()
            return ("info", f"Using the offline {info.name} model (DINOv2 weights not found; "
                    "add them in the Backbone panel).", info.fallback_reason)
        return None

    def _show_results(self, results: Results | None, notes: list[tuple[str, str, str]] = ()) -> None:
        """Show a job's results; `notes` (level, text, details) go in the message bar together with
        the warning that the photos were taken far from the tiles, which comes first."""
        if results is None:
            return
        messages = ([("warning", f"{results.far_note}.", "")] if results.far_note else []) + list(notes)
        nothing = nothing_verified_note(results.predictions, self.session.ws.settings.verify)  # as locate warns
        if nothing:
            messages.append(("warning", nothing, ""))
        if results.thermal_note:  # thermal photos: what to expect, the visible photos to add (as locate warns)
            messages.append(("warning", results.thermal_note, ""))
        if results.tiles_not_read:  # tiles left out of the search, as the CLI warns
            messages.append(("warning", f"{results.tiles_not_read[0]}.", results.tiles_not_read[1]))
        # a folder gone while the photos were read (a card pulled), as the CLI says it; its photos stay marked
        # failed in the list. Found by the job (Results.gone_folders): its stats can hang on a lost share
        messages += [("warning", line, details) for line, details in results.gone_folders]
        backbone = self._backbone_notice(results.backbone)
        self.message_bar.show_messages(messages + ([backbone] if backbone else []))
        self.message_bar.end_step()  # nothing said: an earlier step's message (a fetch's 404s) goes
        if results.resumed:  # an interrupted or repeated locate: what it reused, as the CLI says it
            self.statusBar().showMessage(resumed_line(results.resumed, len(results.predictions)), RESUMED_MS)
        self.adapter_info = results.adapter
        self.adapter_panel.show_info(results.adapter)
        if results.route is not None:
            self.backbone_panel.show_route(results.route, self.settings.matcher)
        self.tile_thumbs.update(results.tile_thumbs)
        if results.predictions or results.failures:
            self.predictions = {p.query.id: p for p in results.predictions}
            self.failures = dict(results.failures)
            # a flight's frame as the map and the exports give it, for the Results pane
            self.track_answers = {qid: (exported, results.track_status.get(qid), results.track_error.get(qid))
                                  for qid, exported in results.track_answers.items()}
            self.track_shots = dict(results.track_shot)
        with self.query_list.bulk():
            self._store_query_thumbs(results.query_thumbs)
            self.query_list.set_predictions(results.predictions, results.track_status, results.track_error,
                                            results.track_confidence, results.track_shot)
            for qid, why in results.failures.items():
                self.query_list.set_failed(qid, why)
        adapted = bool(results.adapter and results.adapter.active)
        if not adapted and results.evaluation is not None:
            self.frozen_evaluation = results.evaluation  # shown beside adapted figures for comparison
        self.eval_panel.show_evaluation(results.evaluation, len(self.predictions), adapted, self.frozen_evaluation,
                                        n_far=results.n_far_truth, placed=self._placed_summary())
        if results.map_path is not None or results.map_failed:
            self.map_view.show_map(results.map_path)  # None: "the map cannot be drawn" over the pane
        if self.selected is None and self.predictions:
            self.query_list.select(next(iter(self.predictions)))
        elif self.selected is not None:
            self.select_query(self.selected)
        self._refresh_actions()

    def _note_unread_folders(self, queries, skipped: dict[str, str]) -> None:
        """Remember the folders of an add that could not be read (core.skipped.unread_folder), for the
        line a locate ends with; one whose photos a later add did read is no longer counted."""
        from ..core.skipped import unread_folder

        self.unread_folders.update({str(p): why for p, why in skipped.items() if unread_folder(p, why)})
        if not self.unread_folders:  # the usual case: no path of a large add is resolved
            return
        read = {Path(q.path).resolve().parent for q in queries}
        for folder in list(self.unread_folders):
            root = Path(folder).resolve()
            if any(root == p or root in p.parents for p in read):
                del self.unread_folders[folder]

    def _placed_summary(self) -> str:
        """How the listed predictions were placed, in the words `locate` ends with ("30 confident, 3
        verified but not confident, 5 tile level only"; core/levels.py): a flight's frame the track
        placed counts as such, and a frame whose verified answer contradicts its track as flagged, as the
        exported file's `level` says (levels.placed_levels; before session 34 the app counted it confident)."""
        from ..core.levels import level_of
        from ..core.wording import placed_summary

        by_track = {qid: st for qid, (_, st, _) in self.track_answers.items()
                    if st in ("interpolated", "extrapolated", "flagged")}
        from ..core.wording import left_out_line

        # the folders that could not be read, in the words `locate`'s closing line says them (leftovers36)
        return (placed_summary(by_track.get(qid) or level_of(p) for qid, p in self.predictions.items())
                + left_out_line({}, in_file=False, folders=self.unread_folders))

    def clock_zones(self):
        """The clock zones set (File → Clock Zone of the Photos…) as core.clock_zones.ClockZones: the
        default zone (None: as if UTC) and one per folder, the most specific folder winning."""
        from ..core.clock_zones import ClockZones

        return ClockZones.from_mapping(clock_zone_of(self.settings.clock_zone),
                                       {f: clock_zone_of(z) for f, z in self.settings.clock_zones.items()})

    def set_clock_zone(self, text: str) -> bool:
        """The zone of times recorded without one (File → Clock Zone of the Photos…; `locate
        --clock-zone`'s forms, core.export_track.parse_clock_zone), kept in settings.json and used by
        the next GPX/KML export and the Results pane (shown again at once); "" clears it. Text that is not a zone is said in the message bar and
        changes nothing: False. The folders' zones are kept (set_clock_zones)."""
        return self.set_clock_zones(text, dict(self.settings.clock_zones))

    def set_clock_zones(self, default: str, folders: dict[str, str]) -> bool:
        """The default zone and a zone per folder ({folder: zone text}, as `locate --clock-zone
        FOLDER=ZONE`: two drones set to different zones), kept in settings.json and used by the next
        export and the Results pane (shown again at once). A zone that is not one, or a folder left
        empty, is said in the message bar and changes nothing: False."""
        from ..core.export_track import parse_clock_zone

        default = default.strip()
        for folder, text in folders.items():
            if not folder.strip() or not text.strip():
                what = f"no zone given for {folder.strip()}" if folder.strip() else f"no folder given for {text.strip()}"
                self.message_bar.show_message("warning", f"Clock zone: {what}; the zones set before are kept.")
                return False
        folders = {str(Path(f.strip()).expanduser()): z.strip() for f, z in folders.items()}
        for folder, text in [("", default), *folders.items()]:
            if text:
                try:
                    parse_clock_zone(text)
                except ValueError as exc:
                    where = f" for {folder}" if folder else ""
                    self.message_bar.show_message("warning", f"Clock zone{where}: {exc}; the zones set before are kept.")
                    return False
        changed = (default, folders) != (self.settings.clock_zone, dict(self.settings.clock_zones))
        self.settings.clock_zone, self.settings.clock_zones = default, folders
        self.session.clock_zones = self.clock_zones()  # the next locate's flights: one clock each
        try:
            self.settings.save(self.settings_path)
        except OSError as exc:  # an unwritable config folder: the zone still holds for this session
            log.warning("could not save the settings: %s", exc)
        others = "; ".join(f"under {f}: {z}" for f, z in folders.items())
        said = ((f"Photo times recorded without a zone are read as {default} in the Results pane and the exports"
                 if default else "Photo times recorded without a zone are written as if UTC (the GPX and KML "
                 "exports say so)") + (f"; {others}." if others else "."))
        self.message_bar.show_message("info", said)
        if self.selected is not None:  # the Results pane shows the selected photo's time in the new zone
            self.select_query(self.selected)
        if changed and self.predictions:
            self.regroup_flights([("info", said, "")])
        return True

    def regroup_flights(self, notes: Sequence[tuple[str, str, str]] = ()) -> Job:
        """Group the answers already located into flights again under the clock zones set now (Session.regroup:
        core.sequence.smooth, the per-flight evidence read again; no photo is located again), then show them as a
        locate's results: the list's track statuses, the Results pane, the scores and the map (session 32: a new zone used to re-split the
        flights only at the next Locate). The answers are read when the job runs, after any job queued
        before it; `notes` are shown again with them."""

        def run(progress, cancel):
            failures = dict(self.failures)
            paths = {qid: self.queries[qid].path for qid in failures if qid in self.queries}
            return self.session.regroup(list(self.predictions.values()), failures, failed_paths=paths,
                                        progress=progress, cancel=cancel)

        return self._submit("Grouping flights", run, lambda results: self._show_results(results, list(notes)))

    def _coords_format_chosen(self, fmt: str) -> None:
        """Remember the Results pane's coordinate format for the next start (settings.json)."""
        if fmt != self.settings.coords_format:
            self.settings.coords_format = fmt
            try:
                self.settings.save(self.settings_path)
            except OSError as exc:  # an unwritable config folder must not break the pane
                log.warning("could not save the settings: %s", exc)

    def select_query(self, query_id: str) -> None:
        q = self.queries.get(query_id)
        if q is None:
            return
        self.selected = query_id
        shown = self._photos_shown
        # moving the list's current row emits its querySelected, which calls this again and shows the
        # photo: shown once, not twice (the Results pane built and the map's marker highlighted twice
        # for every photo selected, session 34)
        self.query_list.select(query_id)
        if self._photos_shown != shown and self.selected == query_id:
            return
        self._photos_shown += 1
        exported, track_status, track_error = self.track_answers.get(query_id, (None, None, None))
        self.results.show_query(q, self.predictions.get(query_id), self.query_thumbs.get(query_id),
                                self.tile_thumbs, self.failures.get(query_id), exported=exported,
                                track_status=track_status, track_error=track_error,
                                track_shot=self.track_shots.get(query_id),
                                clock_zone=zone_at(self.clock_zones(), q.path))  # as the exports read it
        self.map_view.select_query(query_id)

    # -- export -------------------------------------------------------------------------------------
    def choose_export_predictions(self) -> None:
        from ..core.exports import EXCEL_CSV_FILTER, dialog_filters, with_suffix_of

        filters = dialog_filters()
        dialog = QFileDialog(self, "Export predictions", "", ";;".join(filters))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile("predictions.geojson")
        dialog.filterSelected.connect(lambda chosen: self._name_box_follows_filter(dialog, chosen))
        file_dialogs.fitted(dialog)  # Qt's own dialog opened 632 x 408 on a 683 x 384 screen
        accepted, files, chosen = dialog.exec(), dialog.selectedFiles(), dialog.selectedNameFilter()
        dialog.deleteLater()
        if accepted and files:  # "flight" saved as KML becomes flight.kml: the suffix decides the format
            self.export_predictions(with_suffix_of(files[0], chosen or filters[0]), csv_excel=chosen == EXCEL_CSV_FILTER)

    @staticmethod
    def _name_box_follows_filter(dialog: QFileDialog, chosen: str) -> None:
        """Swap the name box's suffix for the chosen filter's: Qt's own dialog does so when a user picks
        a filter, but native ones (GTK) only announce the change and left "predictions.geojson" under KML."""
        from ..core.exports import name_for_filter

        files = dialog.selectedFiles()
        if files:
            name = Path(files[0]).name
            renamed = name_for_filter(name, chosen)
            edit = dialog.findChild(QLineEdit, "fileNameEdit")
            if renamed != name and edit is not None:
                edit.setText(renamed)  # Qt's own dialog: selectFile leaves the box alone while it has focus
            elif renamed != name:
                dialog.selectFile(renamed)

    def export_predictions(self, path: Path, *, csv_excel: bool = False) -> Job:
        """Export in the format `path`'s suffix names (GeoJSON, CSV, KML or GPX), in the worker.
        `csv_excel`: a CSV in the flavour for Excel in a comma-decimal locale (core/csv_excel.py; the
        save dialog's EXCEL_CSV_FILTER)."""
        from ..core.exports import PREDICTION_FORMATS

        preds = list(self.predictions.values())
        kind = PREDICTION_FORMATS.get(Path(path).suffix.lower(), "predictions")
        excel = csv_excel and kind == "CSV"
        zone = self.clock_zones()  # File → Clock Zone of the Photos…: the default and per folder (none: as if UTC)
        # a GPX: (how many, named) of the not-located photos it has no waypoint for (core.exports.left_out_of)
        said: list[tuple[int, str]] = []

        def saved(p: Path) -> str:
            # "Saved 1 of 4 predictions to p.gpx. Not located, so left out …": a GPX holds only the placed
            # ones (before, "Saved 4 predictions to p.gpx Not located, so left out …" with 1 waypoint in it)
            left = sum(n for n, _ in said)
            n = f"{len(preds) - left} of {count(len(preds), 'prediction')}" if left else count(len(preds), "prediction")
            return (f"Saved {n} to {p}" + (" for Excel (semicolons, decimal commas)" if excel else "")
                    + ("." if said else "") + "".join(f" {note}" for _, note in said))

        return self._submit(f"Exporting {kind}",
                            lambda progress, cancel: self.session.export_predictions(preds, path, clock_zone=zone,
                                                                                     csv_excel=excel, said=said),
                            lambda p: self.message_bar.show_message("info", saved(p)))

    def choose_export_map(self) -> None:
        path, _ = file_dialogs.save_file(self, "Export map", "map.html", "HTML (*.html)")
        if path:
            self.export_map(Path(path))

    def export_map(self, path: Path) -> Job:
        preds = list(self.predictions.values())
        return self._submit("Exporting the map",
                            lambda progress, cancel: self.session.write_map(preds, standalone_to=path,
                                                                            progress=progress, cancel=cancel),
                            lambda p: self.message_bar.show_message("info", f"Saved the map to {p}"))

    def choose_export_evidence(self) -> None:
        folder = file_dialogs.folder(self, "Export evidence to folder")
        if folder:
            self.export_evidence(Path(folder))

    def export_evidence(self, folder: Path) -> Job:
        """Write each located photo's evidence picture and record into `folder`, in the worker."""
        preds = list(self.predictions.values())
        return self._submit("Exporting evidence",
                            lambda progress, cancel: self.session.export_evidence(preds, folder),
                            lambda paths: self.message_bar.show_message(
                                "info", f"Saved evidence for {count(sum(p.suffix == '.json' for p in paths), 'photo')} "
                                        f"to {folder} (a picture and a record each)"))

    def choose_export_geotags(self) -> None:
        from ..core.geotags import GEOTAG_FORMATS

        filters = [f"{name} (*{suffix})" for suffix, name in GEOTAG_FORMATS.items()]
        path, chosen = file_dialogs.save_file(self, "Export geotags for photogrammetry", "geo.txt", ";;".join(filters))
        if path:
            path = Path(path)
            if path.suffix.lower() not in GEOTAG_FORMATS:  # "geo" saved under the CSV filter becomes geo.csv
                suffix = next((s for s, name in GEOTAG_FORMATS.items() if chosen.startswith(name)), ".txt")
                path = path.with_name(path.name + suffix)
            self.export_geotags(path)

    def export_geotags(self, path: Path) -> Job:
        """Write the confident answers' geotags to `path` (its suffix names the format), in the worker;
        the message bar says how many were written and which photos were left out, and why."""
        preds = list(self.predictions.values())
        return self._submit("Exporting geotags",
                            lambda progress, cancel: self.session.export_geotags(preds, path),
                            lambda report: self.message_bar.show_message(
                                "warning" if report.left_out else "info", report.sentence(), report.details()))

    def choose_export_geotag_copies(self) -> None:
        folder = file_dialogs.folder(self, "Export geotagged copies to folder")
        if folder:
            self.export_geotag_copies(Path(folder))

    def export_geotag_copies(self, folder: Path) -> Job:
        """Write geotagged copies of the confidently located photos into `folder`, in the worker; the
        message bar says how many and which photos were left out, and why (Details… lists them all)."""
        preds = list(self.predictions.values())
        return self._submit("Exporting geotagged copies",
                            lambda progress, cancel: self.session.export_geotag_copies(preds, folder),
                            lambda report: self.message_bar.show_message(
                                "warning" if report.left_out else "info", report.sentence(), report.details()))

    # -- misc ---------------------------------------------------------------------------------------
    def _toggle_online(self, checked: bool) -> None:
        self.settings.online_basemap = checked
        self.session.online_basemap = checked  # read by the next map the worker writes
        self.map_view.set_online_hosts(ONLINE_HOSTS if checked else set())
        if self.runner.busy:
            return
        if self.tileset_path is not None:
            preds = list(self.predictions.values())
            self._submit("Redrawing the map",
                         lambda progress, cancel: self.session.write_map(preds, progress=progress, cancel=cancel),
                         self.map_view.show_map)
        elif checked:
            self.show_basemap_without_tiles()

    def show_basemap_without_tiles(self) -> Job:
        """No tile set yet: the online basemap around the photos' GPS (the world when none has it),
        so the area to get imagery for can be found and drawn with the map's ▭ button."""
        from ..core.priors import recorded_positions
        from ..core.sources.fetch import DEFAULT_MARGIN_M, FetchError, bbox_around

        located = recorded_positions(self.queries.values())
        try:
            view = bbox_around(located, DEFAULT_MARGIN_M)
        except FetchError:
            view = None
        return self._submit("Drawing the map",
                            lambda progress, cancel: self.session.write_map([], view=view, progress=progress,
                                                                            cancel=cancel),
                            self.map_view.show_map)

    def _about(self) -> None:
        from .. import __version__  # the version a bug report needs: the box named none

        QMessageBox.about(self, "About Geolocator", about_text(__version__, {
            "moves between the panes": self.act_next_pane, "removes the selected photos": self.act_remove,
            "cancels running work": self.act_cancel, "opens drone images": self.act_open_images}))

    def first_run(self) -> None:
        """Open the demo on the very first launch, then never again on its own."""
        if not self.settings.demo_shown:
            self.settings.demo_shown = True
            self.open_demo()

    # -- drag and drop ------------------------------------------------------------------------------
    @staticmethod
    def _local_paths(event) -> list[Path]:
        md = event.mimeData()
        if not md.hasUrls():
            return []
        return [Path(u.toLocalFile()) for u in md.urls() if u.isLocalFile()]

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if self._local_paths(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        if self._local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        """Tile sets open as the tile set; images and other folders are drone images (split_paths)."""
        paths = self._local_paths(event)
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        tiles, images = split_paths(paths, look_inside=self.tileset_path is None)
        if tiles:
            self.open_tileset_interactive(tiles[0])
        if images:
            self.add_paths(images)

    # -- closing ------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        """Cancel running work and wait for the worker so no QThread outlives the window."""
        if self.runner.busy:
            self.progress.cancelling()
            QApplication.processEvents()
        self.runner.shutdown()
        self._save_state()
        self.map_view.dispose()
        self.session.close()
        super().closeEvent(event)
