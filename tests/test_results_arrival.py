"""A job's results arriving in the window without work per photo on its thread beyond the list's rows:
a flight of 2,000 frames fills the list in one pass and one signal, a photo selected is shown once,
its thumbnails decoded once (session 34; the timings are in training/bench_gui_scale.py's record,
training/results/uiresults34_session34.md, not here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")
pytest.importorskip("PySide6.QtWebEngineWidgets")

from PySide6.QtCore import QSettings  # noqa: E402

from geolocator.core.export import format_confidence  # noqa: E402
from geolocator.core.levels import frame_level, level_of  # noqa: E402
from geolocator.core.predict import predict  # noqa: E402
from geolocator.gui.jobs import Results  # noqa: E402
from geolocator.gui.main_window import MainWindow  # noqa: E402
from geolocator.gui.query_list import COL_CONF, COL_STATUS, QueryList  # noqa: E402
from geolocator.gui.settings import AppSettings  # noqa: E402

from .helpers import grid_tiles, query_at  # noqa: E402


def _answers(n: int, seed: int = 0):
    """n photos over a 10 x 10 grid of tiles, top-3 each, about half verified (made-up scores)."""
    rng = np.random.default_rng(seed)
    tiles = grid_tiles(10, 10)
    picks = rng.integers(0, len(tiles), n)
    queries = [query_at(tiles[t], f"flight/DJI_{i:04d}.JPG") for i, t in enumerate(picks)]
    ids = np.stack([picks, (picks + 1) % len(tiles), (picks + 7) % len(tiles)], axis=1)
    scores = np.sort(rng.uniform(0.3, 0.9, (n, 3)), axis=1)[:, ::-1].copy()
    inliers = np.where(rng.random((n, 3)) < 0.5, rng.integers(8, 200, (n, 3)), 0)
    return tiles, queries, predict(queries, tiles, scores, ids, inliers=inliers)


@pytest.fixture
def window(qtbot, tmp_path):
    w = MainWindow(AppSettings(demo_shown=True), settings_path=tmp_path / "s.json",
                   qsettings=QSettings(str(tmp_path / "q.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(w)
    yield w
    w.close()


def test_two_thousand_answers_fill_the_list_in_one_pass_and_one_signal(qtbot):
    _, queries, preds = _answers(2000)
    view = QueryList()
    qtbot.addWidget(view)
    view.add_queries(queries)
    # every third frame is on a track: its status and confidence there, as the exports give it
    track = {p.query.id: ("interpolated" if i % 2 else "matched") for i, p in enumerate(preds) if i % 3 == 0}
    conf = {qid: 0.42 for qid in track}
    signals = []
    view.model_.dataChanged.connect(lambda a, b: signals.append((a.row(), b.row())))
    view.set_predictions(preds, track, {}, conf, {})
    assert signals == [(0, 1999)]  # one repaint signal over the rows, not one a row
    assert view.topLevelItemCount() == 2000
    for i, p in enumerate(preds):
        row = view.topLevelItem(i)
        assert row.text(0) == Path(p.query.id).name
        if p.query.id in track:
            assert row.text(COL_STATUS) == frame_level(track[p.query.id], 0.42)
            assert row.text(COL_CONF) == format_confidence(0.42)
        else:
            assert row.text(COL_STATUS) == level_of(p)


def test_results_arriving_fill_the_list_as_one_signal_and_show_the_first_photo(qtbot, window):
    _, queries, preds = _answers(2000, seed=1)
    window._add_queries(queries, {})
    signals = []
    window.query_list.model_.dataChanged.connect(lambda a, b: signals.append((a.row(), b.row())))
    window._show_results(Results(preds, {queries[5].id: "unreadable: truncated JPEG"}, None, None, None, None))
    assert len(signals) == 1 and signals[0][0] == 0 and signals[0][1] == 1999
    assert window.query_list.topLevelItem(5).text(COL_STATUS) == "unreadable"
    assert [window.query_list.topLevelItem(i).text(COL_STATUS) for i in (0, 1, 2)] == \
        [level_of(p) for p in preds[:3]]
    assert window.selected == preds[0].query.id and window.results.title.text() == preds[0].query.id


def test_a_photo_selected_is_shown_once_whether_chosen_in_the_list_on_the_map_or_by_the_app(qtbot, window,
                                                                                          monkeypatch):
    """Moving the list's current row emits querySelected, which selects the photo again: the Results
    pane was built and the map's marker highlighted twice for every photo selected."""
    _, queries, preds = _answers(30, seed=2)
    window._add_queries(queries, {})
    window._show_results(Results(preds, {}, None, None, None, None))
    shown, highlighted = [], []
    pane, marker = window.results.show_query, window.map_view.select_query
    monkeypatch.setattr(window.results, "show_query", lambda q, *a, **k: (shown.append(q.id), pane(q, *a, **k)))
    monkeypatch.setattr(window.map_view, "select_query", lambda qid: (highlighted.append(qid), marker(qid)))
    window.select_query(queries[3].id)  # the app (a job's end, a key)
    window.query_list.select(queries[4].id)  # a click in the list
    window.map_view.querySelected.emit(queries[5].id)  # a click on the map
    window.select_query(queries[5].id)  # the same photo again (a new clock zone): shown again, once
    expected = [queries[3].id, queries[4].id, queries[5].id, queries[5].id]
    assert shown == expected and highlighted == expected
    assert window.query_list.current_query() == queries[5].id
    assert window.results.title.text() == queries[5].id


def test_the_results_pane_decodes_each_thumbnail_once_for_photos_shown_again(qtbot, window, monkeypatch):
    from geolocator.gui import results_panel
    from geolocator.gui.jobs import _jpeg_thumb

    tiles, queries, preds = _answers(3, seed=3)
    demo = Path(__file__).resolve().parents[1] / "resources" / "demo"
    photo = _jpeg_thumb(sorted((demo / "queries").glob("*.jpg"))[0], 96)
    tile = _jpeg_thumb(sorted((demo / "tiles").glob("*.jpg"))[0], 160)
    decoded = []
    real = results_panel.pixmap_from_jpeg
    monkeypatch.setattr(results_panel, "pixmap_from_jpeg", lambda data, *a: (decoded.append(data), real(data, *a))[1])
    window._add_queries(queries, {q.id: photo for q in queries})
    window._show_results(Results(preds, {}, None, None, None, None, tile_thumbs={t.id: tile for t in tiles}))
    for qid in (queries[1].id, queries[2].id, queries[0].id, queries[1].id):
        window.select_query(qid)
    # the photos' thumbnail and the tiles' (each shared by all, as bytes): decoded once each for five showings
    assert sorted(map(len, decoded)) == sorted([len(photo), len(tile)])
    card = window.results.cards[0]
    size = card.image.pixmap().size()
    assert max(size.width(), size.height()) == results_panel.TILE_PX  # scaled to its card as before
    assert window.results.query_image.pixmap() is not None and not window.results.query_image.pixmap().isNull()


@pytest.mark.slow  # ~19 s on the shared machine: the worker's first job imports the scoring code
def test_the_map_page_of_arriving_results_is_written_off_the_windows_thread(qtbot, window, tmp_path, monkeypatch):
    """The map's HTML (its markers, popups and basemap: seconds at thousands of photos) is built in the
    job, on the worker thread; the window's thread only loads the finished file (MapView.show_map)."""
    import threading

    from geolocator.core import webmap
    from geolocator.core.model import TileSet

    tiles, queries, preds = _answers(40, seed=4)
    window.session.ws.tileset = TileSet(tuple(tiles), tmp_path)
    window._add_queries(queries, {})
    window._show_results(Results(preds, {}, None, None, None, None))
    written = []

    def write_map(path, tileset, predictions, **kwargs):
        written.append((threading.current_thread(), len(predictions)))
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text("<html><body>map</body></html>")
        return Path(path)

    monkeypatch.setattr(webmap, "write_map", write_map)
    job = window.regroup_flights()  # a job whose results carry a new map page, as a locate's do
    qtbot.waitUntil(lambda: not window.runner.busy, timeout=30_000)
    assert window.last_outcome == "done", job.title
    assert len(written) == 1 and written[0][1] == 40
    assert written[0][0] is not threading.main_thread()  # the worker wrote it
    assert window.map_view.loaded_path is not None and window.map_view.loaded_path.name.startswith("map_")
