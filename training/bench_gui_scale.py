"""The app at scale (issue 14): 10,000 photos and 100,000 tiles, offscreen, no model.

A SYNTHETIC workspace: the demo region's 108 photos and 36 tiles lend their pixels to every photo
and tile (distinct ids and paths, hard links), tiles on a regular grid, photos placed at random
tiles with made-up top-5 predictions (scores, statuses and truth drawn at random). The main window
is then driven through the UI-thread entry points the jobs' done-callbacks use:

  add        MainWindow._add_queries: the photo rows and their thumbnails
  arrive     the results arriving as a locate's do: a job on the window's JobRunner returns the
             Results (predictions, the map page core/webmap.write_map wrote, the top tiles'
             thumbnails) and its done-callback (MainWindow._show_results) runs on the UI thread:
             the list's rows, the Evaluation panel, the first photo in the Results pane, the map
             page loaded, until the page is ready
  select     selecting photos one after another, each its own event 250 ms apart as a person
             clicks (list, Results pane, map highlight)
  scroll     scrolling the photo list from top to bottom

A QTimer ticks every 10 ms on the UI thread; a step's stall is the longest gap between two ticks
minus 10 ms (the time the window could not react), the step's own action included; on Linux it is
split by the UI thread's scheduler figures (bench_gui._schedstat_ms: ms it ran, waited for a CPU,
slept), and the longest time the UI thread RAN between two ticks is given too: the app's own work,
which the machine's load does not stretch (a shared 2-core box makes the stalls mostly waits). Worker-thread
costs (writing the map page with its basemap, the thumbnails' JPEG bytes) are timed too: they do not
block the window but delay what it shows. With --profile-top N each step's UI-thread work is
profiled (cProfile, which follows the thread it is enabled on) and its N costliest calls printed.

  python training/bench_gui_scale.py [--photos 10000] [--tiles 100000] [--out FILE] [--profile-top 12]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = os.environ.get("QT_QPA_PLATFORM") or "offscreen"
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TICK_MS = 10


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def synthetic_workspace(folder: Path, n_photos: int, n_tiles: int, seed: int = 0):
    """(tileset, queries, predictions, thumbs) with n_tiles tiles on a grid and n_photos photos."""
    from geolocator.core.model import Bounds, LatLon, Query, Tile, TileSet
    from geolocator.core.predict import predict
    from geolocator.gui.jobs import _jpeg_thumb

    rng = np.random.default_rng(seed)
    (folder / "tiles").mkdir(parents=True, exist_ok=True)
    (folder / "photos").mkdir(parents=True, exist_ok=True)
    # private copies to link to (never links to the repository's files); a file takes at most
    # 65,000 links on ext4, so the links are spread over the demo's 36 tiles and 108 photos
    srcs = {}
    for kind in ("tiles", "queries"):
        srcs[kind] = []
        for f in sorted((ROOT / "resources/demo" / kind).glob("*.jpg")):
            dst = folder / f"src_{kind}_{f.name}"
            if not dst.exists():
                shutil.copyfile(f, dst)
            srcs[kind].append(dst)
    photo_src = srcs["queries"][0]
    side = int(np.ceil(np.sqrt(n_tiles)))
    deg = 0.0005  # about 50 m
    tiles = []
    for i in range(n_tiles):
        r, c = divmod(i, side)
        path = folder / "tiles" / f"t{i:07d}.jpg"
        if not path.exists():
            os.link(srcs["tiles"][i % len(srcs["tiles"])], path)
        west, north = -115.2 + c * deg, 36.2 - r * deg
        tiles.append(Tile(f"tiles/t{i:07d}.jpg", path, Bounds(west, north - deg, west + deg, north)))
    tileset = TileSet(tuple(tiles), folder)
    queries = []
    picks = rng.integers(0, n_tiles, n_photos)
    for j, t in enumerate(picks):
        path = folder / "photos" / f"DJI_{j:05d}.jpg"
        if not path.exists():
            os.link(srcs["queries"][j % len(srcs["queries"])], path)
        c = tiles[t].center
        truth = LatLon(c.lat + rng.normal(0, deg / 4), c.lon + rng.normal(0, deg / 4))
        queries.append(Query(f"photos/DJI_{j:05d}.jpg", path, truth=truth, truth_source="truth.csv"))
    k = 5
    ids = np.stack([picks, *(rng.integers(0, n_tiles, n_photos) for _ in range(k - 1))], axis=1)
    wrong = rng.random(n_photos) < 0.2  # a fifth ranked wrong, as a realistic mix of colours
    ids[wrong, 0], ids[wrong, 1] = ids[wrong, 1], ids[wrong, 0]
    scores = np.sort(rng.uniform(0.3, 0.9, (n_photos, k)), axis=1)[:, ::-1].copy()
    inliers = np.where(rng.random((n_photos, k)) < 0.5, rng.integers(8, 200, (n_photos, k)), 0)
    preds = predict(queries, tiles, scores, ids, inliers=inliers)
    thumb = _jpeg_thumb(photo_src, 96)
    thumbs = {q.id: thumb for q in queries}
    return tileset, queries, preds, thumbs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--photos", type=int, default=10_000)
    ap.add_argument("--tiles", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=ROOT / "training/results/bench_gui_scale.md")
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--profile", type=Path, help="write a cProfile of the UI-thread actions here")
    ap.add_argument("--profile-top", type=int, default=0,
                    help="profile each step on the UI thread and print its N costliest calls (cumulative)")
    ap.add_argument("--selects", type=int, default=50, help="photos selected in the select step")
    args = ap.parse_args()

    from PySide6 import QtWebEngineWidgets  # noqa: F401 - before the QApplication
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from geolocator.core import webmap
    from geolocator.gui.jobs import Results, _jpeg_thumb
    from geolocator.gui.main_window import MainWindow
    from geolocator.gui.settings import AppSettings

    work = args.workdir or Path(tempfile.mkdtemp(prefix="geolocator-gui-scale-"))
    t0 = time.perf_counter()
    tileset, queries, preds, thumbs = synthetic_workspace(work / "data", args.photos, args.tiles)
    setup_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    map_path = webmap.write_map(work / "map" / "map_0001.html", tileset, preds,
                                assets_dir=work / "map" / "assets")
    map_write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    map_rewrite = webmap.write_map(work / "map" / "map_0002.html", tileset, preds, assets_dir=work / "map" / "assets")
    map_rewrite_s = time.perf_counter() - t0  # basemap and thumbnails cached: a second locate's page
    page_mb = map_path.stat().st_size / 1e6

    w = MainWindow(AppSettings(demo_shown=True), settings_path=work / "settings.json")
    w.resize(1440, 900)
    w.show()

    from bench_gui import _schedstat_ms  # the UI thread's scheduler figures (Linux), as bench_gui splits a stall

    clock = QElapsedTimer()
    state = {"last": None, "max_gap": 0.0, "sched": None, "split": (float("nan"),) * 3, "max_ran": 0.0}

    def tick() -> None:
        now = clock.elapsed()
        sched = _schedstat_ms()
        if state["last"] is not None:
            gap = now - state["last"] - TICK_MS
            if sched is not None and state["sched"] is not None:  # the app's own longest piece of work
                state["max_ran"] = max(state["max_ran"], sched[0] - state["sched"][0])
            if gap > state["max_gap"]:
                state["max_gap"] = gap
                if sched is not None and state["sched"] is not None:
                    # ms the UI thread ran (the app's own work), waited for a CPU (the machine's load),
                    # slept beyond the tick (the GIL a worker held, a lock)
                    ran, waited = sched[0] - state["sched"][0], sched[1] - state["sched"][1]
                    state["split"] = (ran, waited, max(0.0, gap - ran - waited))
        state["last"], state["sched"] = now, sched

    timer = QTimer()
    timer.setInterval(TICK_MS)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()

    def settle(ms: int = 300) -> None:
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.002)

    rows = []
    notes: list[str] = []

    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile() if args.profile else None

    def step(name: str, action, wait=None, timeout_s: float = 180.0, per: int = 1) -> None:
        settle(200)
        # the gap that holds the action itself counts (it began at None: the action ran before the
        # first tick was taken, and a step's own freeze was never seen)
        state["last"], state["max_gap"], state["sched"] = clock.elapsed(), 0.0, _schedstat_ms()
        state["split"], state["max_ran"] = (float("nan"),) * 3, 0.0
        cpu = {"s": 0.0}
        step_c0 = time.thread_time()  # the whole step's UI-thread CPU: the action and what it set off
        top = cProfile.Profile() if args.profile_top else None
        if top is not None:
            top.enable()

        def timed() -> None:  # the UI thread's own CPU time for the action (load-independent)
            c0 = time.thread_time()
            if profiler is not None:
                profiler.enable()
            action()
            if profiler is not None:
                profiler.disable()
            cpu["s"] = time.thread_time() - c0

        t0 = time.perf_counter()
        QTimer.singleShot(0, timed)
        settle(50)
        if wait is not None:
            end = time.perf_counter() + timeout_s
            while not wait() and time.perf_counter() < end:
                app.processEvents()
                time.sleep(0.002)
        settle(300)
        if top is not None:
            top.disable()
            out = io.StringIO()
            pstats.Stats(top, stream=out).sort_stats("cumulative").print_stats(args.profile_top)
            print("\n".join(line for line in out.getvalue().splitlines()
                            if line.strip() and not line.startswith(("   Ordered", "   List"))), flush=True)
        total = time.perf_counter() - t0 - 0.35
        whole = 1000 * (time.thread_time() - step_c0) / per
        action = 1000 * cpu["s"] / per if per == 1 else whole  # select: each click is its own event
        ran, waited, slept = state["split"]
        rows.append((name, state["max_gap"], total, action, ran, waited, slept, state["max_ran"]))
        print(f"{name}: longest stall {state['max_gap']:.0f} ms (UI thread ran {ran:.0f}, waited for a CPU "
              f"{waited:.0f}, slept {slept:.0f}); longest UI-thread run between two ticks {state['max_ran']:.0f} ms; "
              f"done after {total:.2f} s, "
              f"UI-thread CPU {action:.0f} ms per action ({whole:.0f} ms with the step's events and settling)",
              flush=True)

    step("add 10k photos with thumbnails" if args.photos == 10_000 else f"add {args.photos} photos",
         lambda: w._add_queries(queries, thumbs))
    # the top tiles' thumbnails, as a locate sends those it has not sent before
    tile_thumb = _jpeg_thumb(tileset.tiles[0].path, 160)
    tile_thumbs = {m.tile.id: tile_thumb for p in preds for m in p.matches}
    results = Results(preds, {}, None, map_path, None, None, tile_thumbs=tile_thumbs)
    ready = {"ok": False}
    w.map_view.ready.connect(lambda ok: ready.__setitem__("ok", True))
    callback_ms = []

    def show(res) -> None:  # the job's done-callback, its own UI-thread CPU timed apart from the page's load
        c0 = time.thread_time()
        w._show_results(res)
        callback_ms.append(1000 * (time.thread_time() - c0))

    step(f"results arrive ({len(preds)} predictions: list, panes, first photo, map page)",
         lambda: w._submit("Locating", lambda progress, cancel: results, show),
         wait=lambda: ready["ok"] and not w.runner.busy)
    print(f"  the done-callback (MainWindow._show_results) ran {callback_ms[0]:.0f} ms on the UI thread", flush=True)
    notes.append(f"results arrive: the done-callback (MainWindow._show_results) took {callback_ms[0]:.0f} ms of "
                 "UI-thread CPU, the rest of the step is the map page loading and painting")
    ids = [q.id for q in queries]
    picks = [ids[i] for i in np.random.default_rng(1).choice(len(ids), min(args.selects, len(ids)), replace=False)]

    click_ms = []

    def click(qid: str) -> None:  # MainWindow.select_query's own UI-thread CPU (the page's repaint comes after)
        c0 = time.thread_time()
        w.select_query(qid)
        click_ms.append(1000 * (time.thread_time() - c0))

    def select_each() -> None:  # one photo a click, each its own event (a person, not a loop)
        for i, qid in enumerate(picks):
            QTimer.singleShot(250 * i, lambda qid=qid: click(qid))

    step(f"select {len(picks)} photos, 250 ms apart", select_each, wait=lambda: w.selected == picks[-1], per=len(picks))

    ordered = sorted(click_ms)
    notes.append(f"select: MainWindow.select_query took {ordered[len(ordered) // 2]:.1f} ms of UI-thread CPU a click "
                 f"(median; longest {ordered[-1]:.1f} ms), the rest of the step is the list's and the page's repaint")
    print(f"  {notes[-1]}", flush=True)

    def scroll() -> None:
        bar = w.query_list.verticalScrollBar()
        for v in range(0, bar.maximum() + 1, max(1, bar.maximum() // 200)):
            bar.setValue(v)
            app.processEvents()

    step("scroll the photo list (200 steps)", scroll, per=200)
    timer.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    lines = [
        "`training/bench_gui_scale.py` — the app with many photos and tiles (issue 14). SYNTHETIC workspace:",
        "the demo's 108 photos and 36 tiles lend their pixels to every entry (hard links, distinct ids), made-up",
        "top-5 predictions. Offscreen Qt; stall = longest gap of a 10 ms UI-thread timer minus 10 ms while",
        "the step ran (goal: no stall over 100 ms). 2 CPU cores SHARED with other jobs: times are upper bounds.",
        f"Load average before / after: {load_before} / {_load()}. Peak RSS {rss:.2f} GB.",
        "",
        f"{args.photos:,} photos, {args.tiles:,} tiles. Worker thread (not a stall): map page written in "
        f"{map_write_s:.1f} s (basemap included; {page_mb:.1f} MB page), again with the basemap and "
        f"thumbnails cached {map_rewrite_s:.1f} s; synthetic set-up {setup_s:.1f} s.",
        "",
        "| step (UI thread) | longest stall (ms) | its ran / waited for a CPU / slept (ms) "
        "| longest UI-thread run between ticks (ms) | done after (s) | UI-thread CPU per action (ms) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [f"| {name} | {gap:.0f} | {ran:.0f} / {waited:.0f} / {slept:.0f} | {most:.0f} | {total:.2f} | {cpu:.0f} |"
              for name, gap, total, cpu, ran, waited, slept, most in rows]
    lines += ["", *notes]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    if profiler is not None:
        profiler.dump_stats(str(args.profile))
    w.close()
    w.map_view.dispose()


load_before = _load()

if __name__ == "__main__":
    sys.exit(main())
