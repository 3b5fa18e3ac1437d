"""Small builders shared by the core tests."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from geolocator.core.model import Bounds, LatLon, Query, Tile


def grid_tiles(rows: int = 3, cols: int = 3, size_deg: float = 0.001, west: float = 10.0, south: float = 50.0) -> list[Tile]:
    """A rows x cols grid of adjacent tiles, ids r{row}c{col}, row 0 in the south."""
    tiles = []
    for r in range(rows):
        for c in range(cols):
            b = Bounds(west + c * size_deg, south + r * size_deg, west + (c + 1) * size_deg, south + (r + 1) * size_deg)
            tiles.append(Tile(f"r{r}c{c}", Path(f"tiles/r{r}c{c}.png"), b))
    return tiles


def query_at(tile: Tile, name: str = "q.jpg", with_tile: bool = False) -> Query:
    c = tile.center
    return Query(name, Path(name), truth=LatLon(c.lat, c.lon), truth_tile=tile.id if with_tile else None, truth_source="truth.csv")


def copy_rows(src_root: Path, dst_root: Path, name: str, rows: list[dict], file_column: str) -> None:
    """Write `rows` (dicts of one CSV) to dst_root/name and copy each row's file (the
    `file_column` path, relative to the roots) from src_root: a smaller copy of a region."""
    import csv
    import shutil

    for row in rows:
        (dst_root / row[file_column]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src_root / row[file_column], dst_root / row[file_column])
    with (dst_root / name).open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def load_script(path: Path, name: str):
    """A script that is not in a package (training/, packaging/) loaded by its path as module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the script executes
    spec.loader.exec_module(module)
    return module


class GeolocatorLogs:
    """The "geolocator" logger's records while in a `with` block: caplog without pytest's fixture, so
    training/mutation_check_direct.py can call the exact tests directly. The logger's level is lowered
    to `level` for the block (a logger at NOTSET is set to it) and restored after."""

    def __init__(self, level: int = 10):  # logging.DEBUG
        import logging

        self.level = level
        self.records: list = []
        handler = logging.Handler(level)
        handler.emit = self.records.append
        self._handler = handler

    def __enter__(self):
        import logging

        self._log = logging.getLogger("geolocator")
        self._old = self._log.level
        self._log.addHandler(self._handler)
        self._log.setLevel(min(self.level, self._old) if self._old else self.level)
        return self

    def __exit__(self, *exc):
        self._log.removeHandler(self._handler)
        self._log.setLevel(self._old)

    def messages(self, level: int = 0) -> list[str]:
        return [r.getMessage() for r in self.records if r.levelno >= level]


def under_c_locale(fn):
    """fn() with LC_CTYPE set to "C" (ASCII as the locale's encoding), restored after; the test is
    skipped where that locale cannot be set or Python's UTF-8 mode makes every locale UTF-8."""
    import locale

    import pytest

    old = locale.setlocale(locale.LC_CTYPE)
    try:
        try:
            locale.setlocale(locale.LC_CTYPE, "C")
        except locale.Error:
            pytest.skip("the C locale cannot be set here")
        if locale.getpreferredencoding(False).lower().replace("-", "") == "utf8":
            pytest.skip("Python's UTF-8 mode: the locale's encoding is UTF-8 whatever the locale")
        return fn()
    finally:
        locale.setlocale(locale.LC_CTYPE, old)


def png_file(path: Path, size=(4, 4), colour=(10, 20, 30)) -> Path:
    """A one-colour RGB PNG of `size` (width, height) px written at `path` (folders made)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, colour).save(path)
    return path


def input_error(fn, *args, **kwargs):
    """The InputError fn(*args, **kwargs) raises (the test fails when it raises none)."""
    import pytest

    from geolocator.core.errors import InputError

    with pytest.raises(InputError) as info:
        fn(*args, **kwargs)
    return info.value


def input_problem(fn, *args, **kwargs) -> str:
    """The sentence of the InputError fn raises; it must name the file it was given (a Path first
    argument)."""
    error = input_error(fn, *args, **kwargs)
    if args and isinstance(args[0], Path):
        assert error.path == args[0]
    return error.problem


# The GeoPackage tables a tile reader looks at (OGC 12-128r18, sections 1.1.2, 1.1.3, 2.2.6, 2.2.7), with
# only the columns geolocator reads.
GPKG_MINIMAL_TABLES = """
CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
  organization_coordsys_id INTEGER, definition TEXT, description TEXT);
CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT);
CREATE TABLE gpkg_tile_matrix_set (table_name TEXT PRIMARY KEY, srs_id INTEGER, min_x REAL, min_y REAL,
  max_x REAL, max_y REAL);
CREATE TABLE gpkg_tile_matrix (table_name TEXT, zoom_level INTEGER, matrix_width INTEGER, matrix_height INTEGER,
  tile_width INTEGER, tile_height INTEGER, pixel_x_size REAL, pixel_y_size REAL);
"""


def two_tile_prediction(tmp_path: Path, *, truth=None, conf=0.7, matches=None, **kw):
    """A Prediction of query "queries/a<b>.jpg" (a name HTML must escape) whose matches are two
    half-degree tiles side by side (10-10.5 and 10.5-11 E, 50-50.25 N), the first verified (42 inliers)."""
    from geolocator.core.model import Match, Prediction

    t1 = Tile("tiles/t1.png", tmp_path / "t1.png", Bounds(10, 50, 10.5, 50.25))
    t2 = Tile("tiles/t2.png", tmp_path / "t2.png", Bounds(10.5, 50, 11, 50.25))
    if matches is None:
        matches = (Match(t1, 0.8766, 1, inliers=42), Match(t2, 0.5, 2))
    q = Query("queries/a<b>.jpg", tmp_path / "a.jpg", truth=truth)
    return Prediction(q, matches, LatLon(50.125, 10.25), LatLon(50.1, 10.2), conf, **kw)


class Cv2Spy:
    """OpenCV with calls recorded (and still run): `calls` holds (name, *arguments, output) tuples;
    subclasses record more functions. `resize` is recorded here. Install with `spy_on_cv2`."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        import cv2

        return getattr(cv2, name)

    def resize(self, image, dsize, **kw):
        import cv2

        out = cv2.resize(image, dsize, **kw)
        self.calls.append(("resize", dsize, kw, out))
        return out

    def named(self, name):
        """The recorded calls of `name`: the one argument, or a tuple of the rest."""
        return [c[1] if len(c) == 2 else c[1:] for c in self.calls if c[0] == name]


def spy_on_cv2(monkeypatch, module, spy):
    """`module._cv2()` (rerank's lazy OpenCV import) returns `spy` for the test (a plain function, no
    fixture: the in-process mutation checker provides only tmp_path and monkeypatch)."""
    monkeypatch.setattr(module, "_cv2", lambda: spy)
    return spy


def app_window(qtbot, folder: Path, settings=None, *, name: str = "s", qsettings=None, show: bool = False, **core):
    """The app's MainWindow for a test, everything it keeps in `folder`: settings.json as `<name>.json`,
    Qt's window state as `<name>.ini` (or `qsettings`), the feature cache in `features/` and adapters
    in `adapters/`. `settings`: an AppSettings (None: read from `<name>.json`, as the app starts);
    `core`: core.pipeline.Settings fields beside those folders (tile_views=("rot0",), verify=False ...);
    `show`: shown at once. Closed by qtbot at the test's end."""
    from PySide6.QtCore import QSettings

    from geolocator.core.pipeline import Settings
    from geolocator.gui.main_window import MainWindow

    w = MainWindow(settings, settings_path=folder / f"{name}.json",
                   qsettings=qsettings or QSettings(str(folder / f"{name}.ini"), QSettings.Format.IniFormat),
                   core_settings=Settings(cache_dir=folder / "features", adapter_dir=folder / "adapters", **core))
    qtbot.addWidget(w)
    if show:
        w.show()
    return w


def results_window(qtbot, folder: Path, predictions, results):
    """app_window (the demo offer seen) listing `predictions`' photos and showing `results` (gui.jobs.Results)
    as a finished locate does: the list, the map's page, the Results pane."""
    from geolocator.gui.settings import AppSettings

    w = app_window(qtbot, folder, AppSettings(demo_shown=True))
    w._add_queries([p.query for p in predictions], {})
    w._show_results(results)
    return w


def rd_level13_tiles(cells=None):
    """PDOK's RD New (EPSG:28992) level-13 tiles at Rotterdam, turned 0.8 degrees against the meridians
    (Tile.corners set): ([(col, row)], [Tile]) in that order; `cells` default: columns 3433-3439 x rows
    4382-4388. Level 13: 107.52 m tiles from (-285401.92, 903401.92), rows growing southwards (PDOK's
    tile matrix set)."""
    from geolocator.core.geo import projected_boxes

    left, top, span = -285401.92, 903401.92, 107.52
    cells = list(cells) if cells is not None else [(c, r) for c in range(3433, 3440) for r in range(4382, 4389)]
    boxes = projected_boxes([left + c * span for c, _ in cells], [top - (r + 1) * span for _, r in cells],
                            [left + (c + 1) * span for c, _ in cells], [top - r * span for _, r in cells], "EPSG:28992")
    tiles = [Tile(id=f"{c}/{r}", path=Path("rd.gpkg"), bounds=b, ref=f"tiles/13/{c}/{r}", corners=k)
             for (c, r), (b, k) in zip(cells, boxes)]
    return cells, tiles


def stand_in_locate(monkeypatch, tmp_path: Path, preds, tiles) -> None:
    """`geolocator locate` with its workspace, photos and tile set stood in for: it prints and writes what
    `preds` are (its columns, summary and files are what a test checks). `tiles`: the tile set's tiles,
    returned as a TileSet read from `tmp_path`, as the real loader returns."""
    import types

    from geolocator import cli
    from geolocator.core.model import TileSet

    ws = types.SimpleNamespace(
        settings=types.SimpleNamespace(verify=True, changed_ground=False), last=None, failures=[],
        set_reversed_tones=lambda on: None, open_tiles=lambda tiles: None, locate=lambda queries, progress=None: preds,
        tileset=types.SimpleNamespace(attribution=None), backbone=types.SimpleNamespace(name="x"))
    monkeypatch.setattr(cli, "_workspace", lambda args: ws)
    monkeypatch.setattr(cli, "_load_queries", lambda *a: [p.query for p in preds])
    monkeypatch.setattr(cli, "_load_tiles", lambda *a: TileSet(tuple(tiles), tmp_path))
    monkeypatch.setattr(cli, "_far_from_tiles", lambda *a: None)
    monkeypatch.setattr(cli, "_warn_failures", lambda *a: None)


def spy_open_image_sizes(monkeypatch) -> list:
    """The sizes geolocator.core.images.open_image returns from now on, in order (the spy calls the
    real reader): which resolution each caller really read."""
    from geolocator.core import images

    seen = []
    real = images.open_image

    def spy(*args, **kwargs):
        image = real(*args, **kwargs)
        seen.append(image.size)
        return image

    monkeypatch.setattr(images, "open_image", spy)
    return seen


def json_numbers(value) -> list:
    """Every number in a parsed JSON value, nested (booleans, strings and nulls are not numbers): to check a
    written file holds no NaN or infinity."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, (int, float)):
        return [value]
    items = value.values() if isinstance(value, dict) else value
    return [x for item in items for x in json_numbers(item)]


def page_js(qtbot, view, script: str, timeout_ms: int = 10_000):
    """The value of `script` (JavaScript) run in a shown gui.map_view.MapView's page, waited for."""
    got = []
    view.page().runJavaScript(script, 0, got.append)
    qtbot.waitUntil(lambda: bool(got), timeout=timeout_ms)
    return got[0]
