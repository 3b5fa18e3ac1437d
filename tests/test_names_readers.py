"""Every reader with a file whose name is not UTF-8 (session 29, names29): a card or USB stick written by
Windows-1252 software holds b"Karte M\\xe4rz.mbtiles", b"Foto \\xe4.heic", b"Vuelo \\xe1rea.MP4" beside its
b"Vuelo \\xe1rea.SRT". Python names such a file with a lone surrogate for each byte it cannot decode (PEP 383).

Before session 29 an MBTiles or GeoPackage so named stopped `index` and `locate` with a traceback:
`package.readonly_sqlite` percent-encoded the path's *text* for SQLite's URI, and quote() raised
UnicodeEncodeError on the surrogate. PMTiles (read by Python's open), HEIC (pillow-heif through Pillow's
opener), a video with its SRT (PyAV, Python's open) and a GPX written under such a name worked already;
their tests hold them there. GeoTIFFs are refused with a sentence (tests/test_locale_names.py).
Fast: a tiny 32-px backbone or the demo's committed features stand in for the real one."""

from __future__ import annotations

import csv
import io
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from geolocator import cli

from .demo_features import DEMO, cli_on_demo_features


def _named(path: Path, name: bytes) -> Path:
    """Rename `path` to `name` (bytes, not UTF-8) in its folder; the new path as Python names it."""
    target = os.path.join(os.fsencode(path.parent), name)
    os.rename(path, target)
    return Path(os.fsdecode(target))


@pytest.fixture(scope="module")
def demo_tiles():
    from .tile_packages import demo_pyramid

    return demo_pyramid((19,))


def _package(folder: Path, fmt: str, tiles: dict) -> Path:
    from geolocator.core.sources.pmtiles import write_pmtiles

    from .tile_packages import write_gpkg_web_mercator, write_mbtiles

    plain = folder / f"plain.{fmt}"
    {"mbtiles": lambda: write_mbtiles(plain, tiles), "pmtiles": lambda: write_pmtiles(plain, tiles, fmt="jpg"),
     "gpkg": lambda: write_gpkg_web_mercator(plain, tiles)}[fmt]()
    return _named(plain, f"Karte M\xe4rz.{fmt}".encode("latin-1"))


def _tiny_cli(monkeypatch, tmp_path: Path) -> None:
    """cli.main runs with a tiny backbone (fast), the CLI's own settings otherwise, caches under tmp_path."""
    from geolocator.core.pipeline import Workspace

    from .test_extract import tiny_backbone

    real = cli._workspace

    def workspace(args):
        ws = Workspace(replace(real(args).settings, backbone="tiny", device="cpu", tile_views=("rot0",),
                               cache_dir=tmp_path / "cache", verify_candidates=2))
        ws.set_backbone("tiny", loaded=tiny_backbone())
        return ws

    monkeypatch.setattr(cli, "_workspace", workspace)


@pytest.mark.parametrize("fmt", ["mbtiles", "pmtiles", "gpkg"])
def test_a_tile_package_whose_name_is_not_utf8_is_indexed_and_searched(tmp_path, monkeypatch, capsys, demo_tiles, fmt):
    """`index` (every tile's pixels read from the package, as verification reads them: tile_image) then
    `locate` on b"Karte M\\xe4rz.<fmt>": every photo answered by the package's tiles, the CSV UTF-8.
    MBTiles and GeoPackage raised UnicodeEncodeError in package.readonly_sqlite (quote() of the path's
    text) before session 29. Without verification: it reads the same tiles the same way, at ~10 s each."""
    package = _package(tmp_path, fmt, demo_tiles)
    _tiny_cli(monkeypatch, tmp_path)
    assert cli.main(["index", str(package), "--zoom", "19", "-q"]) == 0
    photos = tmp_path / "photos"
    photos.mkdir()
    for name in ("q_0001.jpg", "q_0040.jpg"):
        shutil.copy(DEMO / "queries" / name, photos / name)
    out = tmp_path / "p.csv"
    assert cli.main(["locate", str(photos), "--tiles", str(package), "--zoom", "19", "--out", str(out), "-q", "--no-verify"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert sorted(r["query"] for r in rows) == ["q_0001.jpg", "q_0040.jpg"]
    assert all(r["tile"].split("/")[-3] == "19" for r in rows)  # answered by the package's tiles


def test_a_heic_whose_name_is_not_utf8_is_located(tmp_path, monkeypatch):
    """A real HEIC (pillow-heif) of a demo photo, named b"Foto \\xe4.heic": read, located (SIFT verifies it
    on the demo tiles) and written into the CSV as names.readable gives its name, `Foto \\xe4.heic`."""
    pytest.importorskip("pillow_heif")
    from PIL import Image

    from geolocator.core import images

    assert images.heif_available()
    photos = tmp_path / "photos"
    photos.mkdir()
    with Image.open(DEMO / "queries" / "q_0001.jpg") as src:
        src.save(photos / "plain.heic", format="HEIF", quality=95)
    heic = _named(photos / "plain.heic", b"Foto \xe4.heic")
    assert images.open_image(heic).size == (384, 288)
    _tiny_cli(monkeypatch, tmp_path)
    out = tmp_path / "p.csv"
    assert cli.main(["locate", str(photos), "--tiles", str(DEMO), "--verify-candidates", "36", "--out", str(out),
                     "-q"]) == 0
    (row,) = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert row["query"] == "Foto \\xe4.heic" and row["status"] == "verified"


def test_a_video_and_its_srt_whose_names_are_not_utf8_make_a_gpx_so_named(tmp_path, monkeypatch):
    """b"Vuelo \\xe1rea.MP4" with its DJI-style b"Vuelo \\xe1rea.SRT", written to b"Vuelo \\xe1rea.gpx":
    the frames are read, the sidecar's telemetry reaches them (their truth, and the SRT clock's times
    in the GPX), and the GPX is UTF-8 naming the frames `Vuelo \\xe1rea.MP4#t=…`."""
    pytest.importorskip("av")
    monkeypatch.setenv("GEOLOCATOR_FRAME_CACHE", str(tmp_path / "frames"))
    from geolocator.core.queries import load_queries

    from .flight_helpers import straight_flight, write_dji_srt, write_video

    frames, positions = straight_flight(4)
    video = _named(write_video(tmp_path / "plain.MP4", frames, fps=1), b"Vuelo \xe1rea.MP4")
    _named(write_dji_srt(tmp_path / "plain.SRT", positions, fps=1), b"Vuelo \xe1rea.SRT")
    queries = load_queries(video)
    assert len(queries) == 4 and all(q.id.startswith("Vuelo \\xe1rea.MP4#t=") for q in queries)
    assert all(q.truth_source == "srt" for q in queries)  # the sidecar was found and read
    # locate's line on each video read (session 32) names it readably: a lone surrogate there raised
    # UnicodeEncodeError wherever the line was written (pytest-xdist failed to send this test's log)
    from geolocator.core.media.video_time import video_lines
    from geolocator.core.names import has_surrogates

    (line,) = video_lines(queries)
    assert line.startswith("Vuelo \\xe1rea.MP4") and not has_surrogates(line)
    _tiny_cli(monkeypatch, tmp_path)
    gpx = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"Vuelo \xe1rea.gpx")))
    assert cli.main(["locate", str(video), "--tiles", str(DEMO), "--no-verify", "--out", str(gpx), "-q"]) == 0
    text = gpx.read_bytes().decode("utf-8")
    assert "<name>Vuelo \\xe1rea.MP4#t=0</name>" in text and "<time>2026-05-27T" in text


def test_the_apps_add_folder_dialog_reads_a_heic_whose_name_is_not_utf8(qtbot, tmp_path, monkeypatch):
    """The app's **Add folder of drone images** (File menu): Qt's own file dialog does not list a file whose
    name is not UTF-8 at all (QDir skipped b"Foto \\xe4.heic", measured with PySide6 6.12), so a team
    chooses the folder; the folder is read by Python, which lists it, and the photo is in the list as
    `Foto \\xe4.heic` (Qt would have dropped its surrogate: "Foto .heic")."""
    pytest.importorskip("pillow_heif")
    from PIL import Image
    from PySide6.QtCore import QDir

    from geolocator.core import images
    from geolocator.gui import main_window

    from .test_gui_first_hour import make_window, wait_idle

    assert images.heif_available()  # registers pillow-heif's writer with Pillow

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    photos = tmp_path / "Fotos März"
    photos.mkdir()
    with Image.open(DEMO / "queries" / "q_0001.jpg") as src:
        src.save(photos / "plain.heic", format="HEIF", quality=90)
        src.save(photos / "b.jpg")
    _named(photos / "plain.heic", b"Foto \xe4.heic")
    assert QDir(str(photos)).entryList(QDir.Filter.Files) == ["b.jpg"]  # what Qt's dialog would offer
    w = make_window(qtbot, tmp_path)
    monkeypatch.setattr(main_window.file_dialogs, "folder", lambda *a, **k: str(photos))
    w.choose_image_folder()
    wait_idle(qtbot, w)
    names = sorted(w.query_list.topLevelItem(i).text(0) for i in range(w.query_list.topLevelItemCount()))
    assert names == ["Foto \\xe4.heic", "b.jpg"]
    w.close()


def test_an_error_naming_a_file_whose_name_is_not_utf8_reads_as_the_exports_write_it():
    """InputError's text held the lone surrogate: printed as `Karte M\\udce4rz.mbtiles`, dropped by Qt
    ("Karte Mrz"), a strict stream raised. Now as names.readable writes it everywhere else."""
    from geolocator.core.errors import InputError

    error = InputError(Path("/card") / os.fsdecode(b"Karte M\xe4rz.mbtiles"), "not a readable MBTiles file", 3)
    assert str(error) == "/card/Karte M\\xe4rz.mbtiles, line 3: not a readable MBTiles file"


def test_the_clis_log_lines_name_a_file_whose_name_is_not_utf8_as_the_exports_write_it(tmp_path, demo_tiles):
    """`geolocator index b"Karte M\\xe4rz.mbtiles"` in a process of its own: its stderr said
    `36 tiles from …/Karte M\\udce4rz.mbtiles` (Python's backslashreplace of the surrogate; a strict stream,
    as pytest's capture, raised "--- Logging error ---" instead); now `Karte M\\xe4rz.mbtiles`."""
    import subprocess
    import sys

    package = _package(tmp_path, "mbtiles", demo_tiles)
    script = ("import sys\n"
              "from geolocator import cli\n"
              "from geolocator.core.pipeline import Workspace\n"
              "from tests.test_extract import tiny_backbone\n"
              "real = cli._workspace\n"
              "def workspace(args):\n"
              "    ws = Workspace(real(args).settings)\n"
              "    ws.set_backbone('tiny', loaded=tiny_backbone())\n"
              "    return ws\n"
              "cli._workspace = workspace\n"
              "sys.exit(cli.main(sys.argv[1:]))\n")
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", script, "index", os.fsencode(package), "--zoom", "19",
                           "--tile-views", "1", "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, env=env, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    assert b"36 tiles from " in done.stderr and b"Karte M\\xe4rz.mbtiles" in done.stderr
    assert b"\\udce4" not in done.stderr


def test_the_app_names_a_tile_store_whose_name_is_not_utf8_as_the_exports_write_it(qtbot, tmp_path, monkeypatch,
                                                                                   demo_tiles):
    """b"Karte M\\xe4rz.mbtiles" given to the app (its command line, File → Open Recent): opened, and the
    status bar, the window title and the Open Recent menu read `Karte M\\xe4rz.mbtiles`; Qt dropped the lone
    surrogate ("Karte Mrz.mbtiles"). The recent entry keeps the name's own bytes: it opens the file again."""
    from .test_gui_first_hour import make_window, wait_idle

    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        (tmp_path / var).mkdir()
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setattr("geolocator.gui.workers.WORKER_NICE", 0)
    package = _package(tmp_path, "mbtiles", demo_tiles)
    w = make_window(qtbot, tmp_path)
    w.open_tileset(package)
    wait_idle(qtbot, w)
    assert w.tileset_label.text().startswith(f"Tile set: {tmp_path}/Karte M\\xe4rz.mbtiles  ·  36 tiles")
    assert w.windowTitle() == "Geolocator — Karte M\\xe4rz.mbtiles"
    assert w.recent_menu.actions()[0].text() == f"{tmp_path}/Karte M\\xe4rz.mbtiles"
    assert Path(w.recent_tilesets()[0]["path"]).is_file()
    w.close()
